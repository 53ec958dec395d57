//! One webhook URL for many bots: find the bot a webhook is for by the business number (or
//! Botmaker channel) it names, so it can be verified with that bot's own secret.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use crate::address::WhatsAppAddress;
use crate::provider::{ProviderKind, WebhookRequest, WhatsAppProvider};

/// A bot: your id for it and the provider that serves it.
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

/// The bots of a platform, found by provider and business number (or Botmaker channel id).
///
/// Bots can be added and removed while a server uses the registry: lookups take a read lock
/// and return an `Arc`, so a webhook already being handled keeps its bot.
#[derive(Default)]
pub struct Registry {
    bots: RwLock<HashMap<(ProviderKind, String), Arc<Bot>>>,
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
    /// (`whatsapp:+14155238886`, `+14155238886`, `14155238886`) or a Botmaker channel id. A
    /// bot can be registered under several addresses. Returns the bot that was there before.
    pub fn insert(&self, address: &str, bot: Arc<Bot>) -> Option<Arc<Bot>> {
        let key = (bot.provider.kind(), route_key(address));
        self.write().insert(key, bot)
    }

    /// Removes the bot registered under `address` for `kind`.
    pub fn remove(&self, kind: ProviderKind, address: &str) -> Option<Arc<Bot>> {
        self.write().remove(&(kind, route_key(address)))
    }

    /// Removes every address of the bot with this id; returns how many were removed.
    pub fn remove_bot(&self, id: &str) -> usize {
        let mut bots = self.write();
        let before = bots.len();
        bots.retain(|_, b| b.id != id);
        before - bots.len()
    }

    /// How many addresses are registered.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// True when no bot is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bot registered under `address` for `kind`.
    pub fn get(&self, kind: ProviderKind, address: &str) -> Option<Arc<Bot>> {
        self.read().get(&(kind, route_key(address))).cloned()
    }

    /// The bot a webhook is for, by the business address it names: for Twilio, `To` of an
    /// inbound message or `From` of a status callback; for Botmaker, `WHATSAPP_NUMBER`
    /// (`whatsappNumber`), else the channel id. The webhook is not verified here: verify it
    /// with the bot's provider before trusting anything in it.
    pub fn route(
        &self,
        kind: ProviderKind,
        request: &WebhookRequest,
    ) -> Result<Arc<Bot>, RouteError> {
        let candidates = business_addresses(kind, request);
        if candidates.is_empty() {
            return Err(RouteError::NoBusinessAddress);
        }
        let bots = self.read();
        for c in &candidates {
            if let Some(bot) = bots.get(&(kind, route_key(c))) {
                return Ok(bot.clone());
            }
        }
        Err(RouteError::UnknownBot {
            address: candidates.join(" or "),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(ProviderKind, String), Arc<Bot>>> {
        self.bots.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<(ProviderKind, String), Arc<Bot>>> {
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

/// The business addresses a webhook names, best first.
fn business_addresses(kind: ProviderKind, request: &WebhookRequest) -> Vec<String> {
    match kind {
        ProviderKind::Twilio => twilio_business_address(request).into_iter().collect(),
        ProviderKind::Botmaker => botmaker_business_addresses(request),
    }
}

fn twilio_business_address(request: &WebhookRequest) -> Option<String> {
    let from_body = request.method() != http::Method::GET;
    let source: &[u8] = if from_body {
        request.body()
    } else {
        request.query().unwrap_or("").as_bytes()
    };
    let mut to = None;
    let mut from = None;
    let mut is_status = false;
    for (k, v) in url::form_urlencoded::parse(source) {
        match k.as_ref() {
            "To" => to = Some(v.into_owned()),
            "From" => from = Some(v.into_owned()),
            "MessageStatus" => is_status = true,
            _ => {}
        }
    }
    // Status callbacks are about a message the business sent: its number is `From`.
    if is_status { from } else { to }
}

fn botmaker_business_addresses(request: &WebhookRequest) -> Vec<String> {
    let Ok(serde_json::Value::Object(map)) =
        serde_json::from_slice::<serde_json::Value>(request.body())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for key in [
        "WHATSAPP_NUMBER",
        "whatsappNumber",
        "chatChannelId",
        "channelId",
    ] {
        if let Some(serde_json::Value::String(s)) = map.get(key)
            && !s.trim().is_empty()
        {
            out.push(s.clone());
        }
    }
    out
}
