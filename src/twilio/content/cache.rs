//! Interactive messages on Twilio: each reply-button or list message becomes a
//! `twilio/quick-reply` or `twilio/list-picker` Content resource, created once and found
//! again by a stable hash of what it holds.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, Weak};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::model::{Action, ListItem, ListPicker, NewContent, QuickReply};
use crate::error::Error;
use crate::message::{Interactive, InteractiveAction, OutboundMessage, SendReceipt};
use crate::provider::ProviderKind;
use crate::twilio::MessageRequest;
use crate::twilio::config::Inner;

/// The language interactive content is created in. WhatsApp reads the language only for
/// templates it reviews; content sent inside the 24-hour window needs no review.
pub const INTERACTIVE_LANGUAGE: &str = "en";

/// A content cache failed (a shared store was unreachable, say).
#[derive(Debug, thiserror::Error)]
#[error("content cache: {message}")]
pub struct ContentCacheError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl ContentCacheError {
    /// A failure described by `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ContentCacheError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        ContentCacheError {
            message: message.into(),
            source: Some(source.into()),
        }
    }
}

/// Remembers the Content SID (`HX…`) created for each interactive message, by a key
/// ([`content_key`]) that is the same for the same content in every process and version
/// of this crate's major release.
///
/// # Semantics (for implementors)
///
/// `get` answers what `put` stored under the key, or `None`. A shared store (Redis
/// `GET`/`SET`) lets several instances reuse one resource. Entries need no expiry: a
/// Content resource lives until someone deletes it.
///
/// When the cache fails, the provider logs a warning and carries on: a failed `get` means
/// the content is created again (a duplicate resource, never a lost message), a failed
/// `put` that it will be created again next time.
///
/// # Concurrency
///
/// One provider (and its clones) creates a given content once even when several sends of
/// it race: they wait on a lock per key, and the ones that waited find the SID in the
/// cache. Separate processes sharing a cache take no common lock, so two of them sending
/// the same new content at the same moment may both create it; both resources work, and
/// the last `put` wins.
#[async_trait]
pub trait ContentCache: Send + Sync + fmt::Debug {
    /// The Content SID stored under `key`.
    async fn get(&self, key: &str) -> Result<Option<String>, ContentCacheError>;
    /// Stores `content_sid` under `key`.
    async fn put(&self, key: &str, content_sid: &str) -> Result<(), ContentCacheError>;
}

/// A [`ContentCache`] in this process's memory: the default. It never forgets.
#[derive(Debug, Default)]
pub struct MemoryContentCache {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryContentCache {
    /// An empty cache.
    pub fn new() -> Self {
        MemoryContentCache::default()
    }

    /// How many contents it remembers.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when it remembers none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl ContentCache for MemoryContentCache {
    async fn get(&self, key: &str) -> Result<Option<String>, ContentCacheError> {
        Ok(self.lock().get(key).cloned())
    }

    async fn put(&self, key: &str, content_sid: &str) -> Result<(), ContentCacheError> {
        self.lock().insert(key.to_owned(), content_sid.to_owned());
        Ok(())
    }
}

/// One async lock per key being created; entries go away with their last user.
#[derive(Debug, Default)]
pub(crate) struct CreateLocks {
    locks: Mutex<HashMap<String, Weak<tokio::sync::Mutex<()>>>>,
}

impl CreateLocks {
    fn lock_for(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(lock) = locks.get(key).and_then(Weak::upgrade) {
            return lock;
        }
        locks.retain(|_, w| w.strong_count() > 0);
        let lock = Arc::new(tokio::sync::Mutex::new(()));
        locks.insert(key.to_owned(), Arc::downgrade(&lock));
        lock
    }
}

/// The cache key of `content`: `twilio-content:v1:` and the SHA-256, in hex, of its JSON
/// create body without the friendly name (a name for people; it changes nothing sent),
/// fields in a fixed order and variables sorted.
pub fn content_key(content: &NewContent) -> String {
    let unnamed = NewContent {
        friendly_name: None,
        ..content.clone()
    };
    let json = serde_json::to_vec(&unnamed).unwrap_or_default();
    let digest = Sha256::digest(&json);
    let mut key = String::from("twilio-content:v1:");
    for b in digest {
        key.push_str(&format!("{b:02x}"));
    }
    key
}

/// The Content resource an interactive message becomes: reply buttons a
/// `twilio/quick-reply`, a list a `twilio/list-picker` (its sections flattened into one list
/// of items, their titles dropped: the list picker has no sections). Neither kind has a
/// header or footer, so they frame the body: the header as its first line, the footer as
/// its last.
///
/// # Errors
///
/// [`Error::Unsupported`] for a URL button (a `twilio/call-to-action`, which WhatsApp sends
/// only once approved, inside the 24-hour window too) and for a location request.
pub fn interactive_content(i: &Interactive) -> Result<NewContent, Error> {
    let mut body = String::new();
    if let Some(h) = i.header.as_deref().filter(|h| !h.trim().is_empty()) {
        body.push_str(h);
        body.push_str("\n\n");
    }
    body.push_str(&i.body);
    if let Some(f) = i.footer.as_deref().filter(|f| !f.trim().is_empty()) {
        body.push_str("\n\n");
        body.push_str(f);
    }
    let kind: super::model::ContentTypes = match &i.action {
        InteractiveAction::Buttons { buttons } => QuickReply::new(
            body,
            buttons
                .iter()
                .map(|b| Action::quick_reply(b.title.clone(), b.id.clone()))
                .collect(),
        )
        .into(),
        InteractiveAction::List { button, sections } => ListPicker::new(
            body,
            button.clone(),
            sections
                .iter()
                .flat_map(|s| &s.rows)
                .map(|r| ListItem {
                    description: r.description.clone(),
                    ..ListItem::new(r.id.clone(), r.title.clone())
                })
                .collect(),
        )
        .into(),
        InteractiveAction::Url { .. } => {
            return Err(Error::Unsupported {
                provider: ProviderKind::TWILIO,
                what: "a URL button in a session message (Twilio sends it as twilio/call-to-action, which WhatsApp takes only as an approved template)",
            });
        }
        _ => {
            return Err(Error::Unsupported {
                provider: ProviderKind::TWILIO,
                what: "this interactive message (only reply buttons and lists become Content resources)",
            });
        }
    };
    let mut content = NewContent::new(INTERACTIVE_LANGUAGE, kind);
    let key = content_key(&content);
    let short = key.rsplit(':').next().unwrap_or_default();
    content.friendly_name = Some(format!(
        "wa_interactive_{}",
        short.get(..16).unwrap_or(short)
    ));
    Ok(content)
}

/// Twilio's code for a `ContentSid` that names no content of the account (deleted, say).
const INVALID_CONTENT_SID: &str = "21655";

/// Sends an interactive message by the SID of its Content resource. When Twilio answers
/// that the cached SID is no longer valid (21655: the content was deleted), nothing was
/// sent: the content is created again and the message sent once more.
pub(crate) async fn send_interactive(
    inner: &Inner,
    message: &OutboundMessage,
    i: &Interactive,
) -> Result<SendReceipt, Error> {
    let sid = content_sid_for(inner, i, None).await?;
    let request = MessageRequest::for_content_sid(message, sid.clone())?;
    match crate::twilio::client::send(inner, &request).await {
        Err(e) if e.api().and_then(|a| a.code.as_deref()) == Some(INVALID_CONTENT_SID) => {
            tracing::warn!(content_sid = %sid, "twilio: the cached Content SID is no longer valid; creating the content again");
            let fresh = content_sid_for(inner, i, Some(&sid)).await?;
            let request = MessageRequest::for_content_sid(message, fresh)?;
            crate::twilio::client::send(inner, &request).await
        }
        other => other,
    }
}

/// The Content SID for an interactive message: from the cache (unless it is `stale`), else
/// created (once per provider, however many sends race) and remembered.
async fn content_sid_for(
    inner: &Inner,
    i: &Interactive,
    stale: Option<&str>,
) -> Result<String, Error> {
    let content = interactive_content(i)?;
    super::validate::validate(&content)?;
    let key = content_key(&content);
    let fresh = |sid: Option<String>| sid.filter(|s| Some(s.as_str()) != stale);
    if let Some(sid) = fresh(cached(inner, &key).await) {
        return Ok(sid);
    }
    let lock = inner.content_locks.lock_for(&key);
    let _guard = lock.lock().await;
    if let Some(sid) = fresh(cached(inner, &key).await) {
        return Ok(sid);
    }
    let created = super::client::create(inner, &content).await?;
    tracing::debug!(content_sid = %created.sid, "twilio: created a Content resource for an interactive message");
    if let Err(e) = inner.content_cache.put(&key, &created.sid).await {
        tracing::warn!(error = %e, "twilio: the content cache did not store a Content SID");
    }
    Ok(created.sid)
}

async fn cached(inner: &Inner, key: &str) -> Option<String> {
    match inner.content_cache.get(key).await {
        Ok(sid) => sid.filter(|s| crate::twilio::is_sid(s, "HX")),
        Err(e) => {
            tracing::warn!(error = %e, "twilio: the content cache failed; creating the content");
            None
        }
    }
}
