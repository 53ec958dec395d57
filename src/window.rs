//! The 24-hour customer-service window: WhatsApp lets a business answer free-form only
//! within 24 hours of the user's last message; after that, only an approved template.
//!
//! [`ConversationWindows`] remembers, per bot and user, when the user last wrote (fed with
//! the inbound events, [`ConversationWindows::observe`]), tells when the window closes, and
//! sends free-form inside it and a template outside it
//! ([`ConversationWindows::send_or_template`]). A provider that knows the window itself
//! (Botmaker's chat lookup) is asked first. When the provider still answers that the window is
//! closed (Twilio 63016, Botmaker's window error), the helper forgets what it believed and
//! sends the template, once.
//!
//! The store is pluggable ([`WindowStore`]); [`MemoryWindowStore`] keeps the last message time
//! of up to a given number of conversations in this process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{ApiErrorKind, Error};
use crate::event::{Author, InboundEvent, Timestamp};
use crate::message::{Content, OutboundMessage, SendReceipt, Template};
use crate::provider::WhatsAppProvider;

/// How long the window stays open after the user's last message: 24 hours.
pub const WINDOW: Duration = Duration::from_secs(24 * 3600);

/// A window store failed (a shared store that could not be reached).
#[derive(Debug, thiserror::Error)]
#[error("the conversation-window store failed: {message}")]
pub struct WindowError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl WindowError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        WindowError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        WindowError {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }
}

/// Where the time of each user's last message is kept, per bot.
#[async_trait]
pub trait WindowStore: Send + Sync + fmt::Debug {
    /// Records that `user` wrote to `bot` at `at`, unless a later message is already known.
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    async fn record(&self, bot: &str, user: &str, at: Timestamp) -> Result<(), WindowError>;

    /// When `user` last wrote to `bot`, if known.
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    async fn last_message(&self, bot: &str, user: &str) -> Result<Option<Timestamp>, WindowError>;

    /// Forgets what is known of `user` and `bot` (the provider said the window is closed).
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    async fn forget(&self, bot: &str, user: &str) -> Result<(), WindowError>;
}

/// A [`WindowStore`] in this process: the last message time of up to `capacity`
/// conversations (past it, the oldest is dropped, which only means a template is sent where
/// free-form would have done). Lost on a restart.
#[derive(Debug)]
pub struct MemoryWindowStore {
    capacity: usize,
    last: Mutex<HashMap<(String, String), Timestamp>>,
}

impl MemoryWindowStore {
    /// A store of up to `capacity` conversations (at least 1).
    pub fn new(capacity: usize) -> Self {
        MemoryWindowStore {
            capacity: capacity.max(1),
            last: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Timestamp>> {
        self.last.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl WindowStore for MemoryWindowStore {
    async fn record(&self, bot: &str, user: &str, at: Timestamp) -> Result<(), WindowError> {
        let mut map = self.map();
        let key = (bot.to_owned(), user.to_owned());
        if !map.contains_key(&key) && map.len() >= self.capacity {
            // Full: windows older than a day are worth nothing; else drop the oldest.
            let oldest = map.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        let slot = map.entry(key).or_insert(at);
        if at > *slot {
            *slot = at;
        }
        Ok(())
    }

    async fn last_message(&self, bot: &str, user: &str) -> Result<Option<Timestamp>, WindowError> {
        Ok(self.map().get(&(bot.to_owned(), user.to_owned())).copied())
    }

    async fn forget(&self, bot: &str, user: &str) -> Result<(), WindowError> {
        self.map().remove(&(bot.to_owned(), user.to_owned()));
        Ok(())
    }
}

/// The customer-service windows of a platform's bots. Cheap to clone.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use whatsapp_connector::event::Timestamp;
/// use whatsapp_connector::window::ConversationWindows;
/// use whatsapp_connector::{InboundEvent, WhatsAppAddress};
///
/// let windows = ConversationWindows::in_memory();
/// let event: InboundEvent = serde_json::from_str(r#"{"type": "message", "provider": "twilio",
///   "id": "SM1", "author": "user", "from": "+14155550100", "to": "+14155238886",
///   "profile_name": null, "timestamp": "2026-11-29T10:00:00Z", "reply_to": null,
///   "conversation_id": null, "content": {"type": "text", "body": "hola"}}"#)?;
/// windows.observe("bot-1", &event).await?;
///
/// let user = WhatsAppAddress::parse("+14155550100")?;
/// let closes = windows.window_closes_at("bot-1", &user).await?.unwrap();
/// assert_eq!(closes, Timestamp::parse_rfc3339("2026-11-30T10:00:00Z").unwrap());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConversationWindows {
    store: Arc<dyn WindowStore>,
}

impl ConversationWindows {
    /// Windows kept in this process (100,000 conversations at most).
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryWindowStore::new(100_000)))
    }

    /// Windows kept in `store` (a shared one when several instances serve the bots).
    pub fn new(store: Arc<dyn WindowStore>) -> Self {
        ConversationWindows { store }
    }

    /// Feeds one inbound event: a user's message opens (or extends) the window of its bot
    /// and user, from the message's own time when the provider gave one (else now). Other
    /// events change nothing.
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    pub async fn observe(&self, bot: &str, event: &InboundEvent) -> Result<(), WindowError> {
        let Some(m) = event.as_message() else {
            return Ok(());
        };
        let (Author::User, Some(from)) = (m.author, &m.from) else {
            return Ok(());
        };
        let at = m.timestamp.unwrap_or_else(now);
        self.store.record(bot, &from.to_string(), at).await
    }

    /// When the window of `bot` with `user` closes, from the user's last message this side
    /// has seen; `None` when it has seen none.
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    pub async fn window_closes_at(
        &self,
        bot: &str,
        user: &WhatsAppAddress,
    ) -> Result<Option<Timestamp>, WindowError> {
        let last = self.store.last_message(bot, &user.to_string()).await?;
        let window = i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX);
        Ok(last.and_then(|t| Timestamp::from_unix_millis(t.unix_millis().saturating_add(window))))
    }

    /// Whether the window of `bot` with `user` is open at `at`.
    ///
    /// # Errors
    ///
    /// [`WindowError`] when the store cannot be reached.
    pub async fn is_open_at(
        &self,
        bot: &str,
        user: &WhatsAppAddress,
        at: Timestamp,
    ) -> Result<bool, WindowError> {
        Ok(self
            .window_closes_at(bot, user)
            .await?
            .is_some_and(|closes| at < closes))
    }

    /// Sends `message` free-form when the window is open, else `template` to the same
    /// recipient. The provider's own knowledge comes first where it has some
    /// ([`WhatsAppProvider::window_closes_at`]); else what [`ConversationWindows::observe`]
    /// saw. When a free-form send is refused as outside the window
    /// ([`ApiErrorKind::OutsideWindow`]), the window is forgotten and the template sent,
    /// once.
    ///
    /// # Errors
    ///
    /// The [`Error`] of the send that was made last (the template's when it came to that).
    /// A window store that cannot be reached is not an error: the provider's answer decides.
    pub async fn send_or_template(
        &self,
        bot: &str,
        provider: &dyn WhatsAppProvider,
        message: &OutboundMessage,
        template: &Template,
    ) -> Result<SendReceipt, Error> {
        let user = message.to.to_string();
        let known = match provider.window_closes_at(&message.to).await {
            Ok(Some(closes)) => Some(closes),
            _ => self.window_closes_at(bot, &message.to).await.ok().flatten(),
        };
        let templated = || {
            let mut t = message.clone();
            t.content = Content::Template(template.clone());
            t
        };
        if known.is_none_or(|closes| now() >= closes) {
            return provider.send(&templated()).await;
        }
        match provider.send(message).await {
            Err(e) if e.api().map(|a| a.kind) == Some(ApiErrorKind::OutsideWindow) => {
                if let Err(store) = self.store.forget(bot, &user).await {
                    tracing::warn!(error = %store, "the window store could not forget a closed window");
                }
                provider.send(&templated()).await
            }
            other => other,
        }
    }
}

fn now() -> Timestamp {
    Timestamp::now()
}
