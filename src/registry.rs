//! One webhook URL for many bots: find the bot a webhook is for by the business number (or
//! channel) it names, so it can be verified with that bot's own secret.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use crate::address::WhatsAppAddress;
use crate::error::HandshakeError;
use crate::provider::{Acknowledgement, ProviderKind, WebhookRequest, WhatsAppProvider};

/// A bot: your id for it and the provider that serves it.
///
/// The provider is built with the bot's own credentials and webhook secrets, so a webhook
/// routed to the bot is verified with that bot's secret.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "botmaker")] {
/// use std::sync::Arc;
/// use whatsapp_connector::botmaker::BotmakerProvider;
/// use whatsapp_connector::registry::{Bot, Registry};
/// use whatsapp_connector::{ProviderKind, WebhookRequest};
///
/// let provider = BotmakerProvider::builder()
///     .access_token("an-access-token")
///     .channel_id("acme-whatsapp")
///     .webhook_token("a-webhook-token")
///     .build()?;
/// let bot = Arc::new(Bot::new("bot-42", Arc::new(provider)));
/// assert_eq!(bot.provider.kind(), ProviderKind::BOTMAKER);
///
/// // One bot can answer on several addresses: its number, in any form, and its channel.
/// let registry = Registry::new();
/// registry.insert("+14155238886", bot.clone());
/// registry.insert("acme-whatsapp", bot.clone());
/// let found = registry.get(ProviderKind::BOTMAKER, "whatsapp:+14155238886").unwrap();
/// assert_eq!(found.id, "bot-42");
///
/// // A webhook for it passes only with this bot's token.
/// let body = r#"{"_id_": "MSG0001", "message": "hola", "contactId": "14155550100"}"#;
/// let genuine = WebhookRequest::new("https://bots.example.com/botmaker", body)
///     .with_header("auth-bm-token", "a-webhook-token");
/// let forged = WebhookRequest::new("https://bots.example.com/botmaker", body)
///     .with_header("auth-bm-token", "another-bot-s-token");
/// assert!(found.provider.verify(&genuine).is_ok());
/// assert!(found.provider.verify(&forged).is_err());
///
/// assert_eq!(registry.remove_bot("bot-42"), 2);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
pub struct Bot {
    /// Your id for the bot (a Mammut vertex id, a name).
    pub id: String,
    /// The provider, built with the bot's own credentials and webhook secrets.
    pub provider: Arc<dyn WhatsAppProvider>,
}

impl Bot {
    /// A bot.
    pub fn new(id: impl Into<String>, provider: Arc<dyn WhatsAppProvider>) -> Self {
        Bot {
            id: id.into(),
            provider,
        }
    }
}

impl fmt::Debug for Bot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bot")
            .field("id", &self.id)
            .field("provider", &self.provider.kind())
            .finish()
    }
}

/// Why a webhook could not be matched to a bot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// No bot of this provider is registered.
    #[error("no bot of the provider {provider:?} is registered")]
    UnknownProvider {
        /// The provider named.
        provider: String,
    },
    /// The provider does not call its webhooks with this method.
    #[error("the provider does not send webhooks with {method}")]
    MethodNotAllowed {
        /// The method used.
        method: http::Method,
    },
    /// The webhook names no business number or channel.
    #[error("the webhook names no business number or channel")]
    NoBusinessAddress,
    /// No bot is registered for the number or channel it names.
    #[error("no bot is registered for {address}")]
    UnknownBot {
        /// The number or channel named.
        address: String,
    },
}

/// The bots of one provider, and one of their providers to read webhook addresses with.
struct Bots {
    reader: Arc<dyn WhatsAppProvider>,
    by_address: HashMap<String, Arc<Bot>>,
}

type Table = HashMap<ProviderKind, Bots>;

/// The bots of a platform, found by provider and business number (or channel id).
///
/// Bots can be added and removed while a server uses the registry: lookups take a read lock
/// and return an `Arc`, so a webhook already being handled keeps its bot. The registry asks
/// the providers which addresses a webhook names
/// ([`WhatsAppProvider::webhook_addresses`]), so it serves any provider, the crate's or
/// yours.
///
/// ```
/// # #[cfg(feature = "twilio")] {
/// use std::sync::Arc;
/// use whatsapp_connector::registry::{Bot, Registry};
/// use whatsapp_connector::twilio::TwilioProvider;
/// use whatsapp_connector::{ProviderKind, WebhookRequest};
///
/// let provider = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
///     .auth_token("an-auth-token")
///     .build()?;
/// let registry = Registry::new();
/// registry.insert("whatsapp:+14155238886", Arc::new(Bot::new("bot-1", Arc::new(provider))));
///
/// // A message to that number is for bot-1 (verify it with bot-1's provider next).
/// let webhook = WebhookRequest::new(
///     "https://bots.example.com/twilio",
///     "MessageSid=SM1&From=whatsapp%3A%2B14155550100&To=whatsapp%3A%2B14155238886&Body=hola",
/// )
/// .with_header("content-type", "application/x-www-form-urlencoded");
/// let bot = registry.route(ProviderKind::TWILIO, &webhook)?;
/// assert_eq!(bot.id, "bot-1");
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct Registry {
    bots: RwLock<Table>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("bots", &self.len())
            .finish()
    }
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `bot` under a business address of its provider: a phone number in any form
    /// (`whatsapp:+14155238886`, `+14155238886`, `14155238886`) or a channel id. A bot can be
    /// registered under several addresses. Returns the bot that was there before.
    pub fn insert(&self, address: &str, bot: Arc<Bot>) -> Option<Arc<Bot>> {
        let mut table = self.write();
        let bots = table.entry(bot.provider.kind()).or_insert_with(|| Bots {
            reader: bot.provider.clone(),
            by_address: HashMap::new(),
        });
        bots.by_address.insert(route_key(address), bot)
    }

    /// Removes the bot registered under `address` for the provider `kind`.
    pub fn remove(&self, kind: impl AsRef<str>, address: &str) -> Option<Arc<Bot>> {
        let mut table = self.write();
        let bots = table.get_mut(kind.as_ref())?;
        let removed = bots.by_address.remove(&route_key(address));
        Self::tidy(&mut table, kind.as_ref());
        removed
    }

    /// Removes every address of the bot with this id; returns how many were removed.
    pub fn remove_bot(&self, id: &str) -> usize {
        let mut table = self.write();
        let mut removed = 0;
        let kinds: Vec<ProviderKind> = table.keys().cloned().collect();
        for kind in kinds {
            if let Some(bots) = table.get_mut(&kind) {
                let before = bots.by_address.len();
                bots.by_address.retain(|_, b| b.id != id);
                removed += before - bots.by_address.len();
            }
            Self::tidy(&mut table, kind.as_str());
        }
        removed
    }

    /// After a removal: drops a provider with no bots left, and never keeps a removed bot's
    /// provider (and its secrets) as the address reader.
    fn tidy(table: &mut Table, kind: &str) {
        let Some(bots) = table.get_mut(kind) else {
            return;
        };
        let Some(any) = bots.by_address.values().next() else {
            table.remove(kind);
            return;
        };
        let reader_kept = bots
            .by_address
            .values()
            .any(|b| Arc::ptr_eq(&b.provider, &bots.reader));
        if !reader_kept {
            bots.reader = any.provider.clone();
        }
    }

    /// How many addresses are registered.
    pub fn len(&self) -> usize {
        self.read().values().map(|b| b.by_address.len()).sum()
    }

    /// True when no bot is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bot registered under `address` for the provider `kind`.
    pub fn get(&self, kind: impl AsRef<str>, address: &str) -> Option<Arc<Bot>> {
        self.read()
            .get(kind.as_ref())?
            .by_address
            .get(&route_key(address))
            .cloned()
    }

    /// The bot registered with the id `id` (under any address of any provider).
    pub fn bot(&self, id: &str) -> Option<Arc<Bot>> {
        self.read()
            .values()
            .flat_map(|bots| bots.by_address.values())
            .find(|b| b.id == id)
            .cloned()
    }

    /// The bot a webhook of the provider `kind` is for, by the business address it names
    /// ([`WhatsAppProvider::webhook_addresses`]: for Twilio, `To` of an inbound message or
    /// `From` of a status callback; for Botmaker, the WhatsApp number, else the channel id).
    /// The webhook is not verified here: verify it with the bot's provider before trusting
    /// anything in it.
    ///
    /// # Errors
    ///
    /// - [`RouteError::UnknownProvider`] when no bot of the provider `kind` is registered.
    /// - [`RouteError::MethodNotAllowed`] when the provider does not send webhooks with the
    ///   request's method.
    /// - [`RouteError::NoBusinessAddress`] when the webhook names no business number or channel.
    /// - [`RouteError::UnknownBot`] when no bot is registered under any address it names.
    pub fn route(
        &self,
        kind: impl AsRef<str>,
        request: &WebhookRequest,
    ) -> Result<Arc<Bot>, RouteError> {
        let kind = kind.as_ref();
        let table = self.read();
        let Some(bots) = table.get(kind) else {
            return Err(RouteError::UnknownProvider {
                provider: kind.to_owned(),
            });
        };
        if !bots.reader.webhook_methods().contains(request.method()) {
            return Err(RouteError::MethodNotAllowed {
                method: request.method().clone(),
            });
        }
        let candidates = bots.reader.webhook_addresses(request);
        if candidates.is_empty() {
            return Err(RouteError::NoBusinessAddress);
        }
        for c in &candidates {
            if let Some(bot) = bots.by_address.get(&route_key(c)) {
                return Ok(bot.clone());
            }
        }
        Err(RouteError::UnknownBot {
            address: candidates.join(" or "),
        })
    }

    /// Answers a subscription handshake of the provider `kind`
    /// ([`WhatsAppProvider::handshake`]): `None` when no bot of `kind` is registered or the
    /// request is not a handshake. A handshake names no bot, so it is accepted when the
    /// provider of any bot of `kind` accepts it (each with its own tokens); when none does,
    /// the first refusal is given.
    pub fn handshake(
        &self,
        kind: impl AsRef<str>,
        request: &WebhookRequest,
    ) -> Option<Result<Acknowledgement, HandshakeError>> {
        let table = self.read();
        let bots = table.get(kind.as_ref())?;
        let refusal = match bots.reader.handshake(request)? {
            Ok(ack) => return Some(Ok(ack)),
            Err(e) => e,
        };
        // A bot under several addresses, or bots sharing a provider, are asked once.
        let thin = |p: &Arc<dyn WhatsAppProvider>| Arc::as_ptr(p).cast::<()>();
        let mut asked = std::collections::HashSet::from([thin(&bots.reader)]);
        for bot in bots.by_address.values() {
            if !asked.insert(thin(&bot.provider)) {
                continue;
            }
            if let Some(Ok(ack)) = bot.provider.handshake(request) {
                return Some(Ok(ack));
            }
        }
        Some(Err(refusal))
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        self.bots.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Table> {
        self.bots.write().unwrap_or_else(|p| p.into_inner())
    }
}

/// Numbers are keyed by their digits, whatever form they came in; other ids as given.
fn route_key(address: &str) -> String {
    match WhatsAppAddress::parse(address) {
        Ok(WhatsAppAddress::Phone(p)) => p.digits().to_owned(),
        _ => address.trim().to_owned(),
    }
}
