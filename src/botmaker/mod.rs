//! Botmaker's WhatsApp API: verify and parse its webhooks, send through API v2 (or the
//! legacy v1).
//!
//! ```
//! use whatsapp_connector::botmaker::BotmakerProvider;
//! use whatsapp_connector::{InboundEvent, WebhookRequest, WhatsAppProvider};
//!
//! let provider = BotmakerProvider::builder()
//!     .access_token("eyJhbGciOi-invented")
//!     .channel_id("acme-whatsapp-5491100000000")
//!     .webhook_token("webhook-token-1")
//!     .build()
//!     .unwrap();
//!
//! let body = r#"{"_id_": "51FH77RLXF1BZIEHOLMQ", "date": "2026-04-17T18:37:29.922Z",
//!   "chatPlatform": "whatsapp", "contactId": "5491122223333", "customerId": "NWHAYJVORB4TSWTBY3PQ",
//!   "message": "Buenas tardes", "from": "user", "fromCustomer": true, "fromName": "Ana Pérez",
//!   "WHATSAPP_NUMBER": "5491100000000"}"#;
//! let request = WebhookRequest::new("https://bot.example.com/botmaker", body)
//!     .with_header("content-type", "application/json")
//!     .with_header("auth-bm-token", "webhook-token-1");
//!
//! provider.verify(&request).unwrap();
//! let events = provider.parse(&request).unwrap();
//! let InboundEvent::Message(m) = &events[0] else { panic!() };
//! assert_eq!(m.text(), Some("Buenas tardes"));
//! assert_eq!(m.from.as_ref().unwrap().to_string(), "+5491122223333");
//! assert_eq!(events[0].dedup_key(), "botmaker:51FH77RLXF1BZIEHOLMQ");
//! ```

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{ConfigError, Error, ParseError, VerifyError};
use crate::event::{InboundEvent, Timestamp};
use crate::message::{Limits, OutboundMessage, SendReceipt};
use crate::provider::{ProviderKind, WebhookRequest, WhatsAppProvider};
use crate::retry::{RetryPolicy, traced_send};
use crate::secret::Secret;

pub mod auth;
pub mod client;
pub mod webhook;

pub use auth::Verifier;
pub use client::{
    ApiVersion, ChatRef, IntentButton, MIME_TYPES, MessagesRequest, TriggerIntentRequest,
    V1_BASE_URL, V2_BASE_URL, V2Action, V2Contact, V2Header, V2Interactive, V2Location, V2Media,
    V2Message, V2Row, V2Section,
};
pub use webhook::{
    Envelope, Extra, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation, WebhookPayload,
};

use client::{Client, V2Send};

impl ProviderKind {
    /// Botmaker: `botmaker` in the event JSON.
    pub const BOTMAKER: ProviderKind = ProviderKind::new("botmaker");
}

/// The time a request may take before it is abandoned, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Botmaker channel: sends WhatsApp messages through Botmaker's API, and verifies and
/// parses the webhooks Botmaker posts.
///
/// Built with [`BotmakerProvider::builder`]. A provider that only receives webhooks needs
/// no access token or channel id; sending without them fails with [`Error::Config`].
#[derive(Clone)]
pub struct BotmakerProvider {
    client: Client,
    version: ApiVersion,
    channel_id: Option<String>,
    verifier: Verifier,
}

impl fmt::Debug for BotmakerProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotmakerProvider")
            .field("version", &self.version)
            .field("base_url", &self.client.base_url)
            .field("channel_id", &self.channel_id)
            .field("access_token", &self.client.access_token)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

/// Builds a [`BotmakerProvider`].
#[derive(Debug, Default)]
pub struct BotmakerBuilder {
    access_token: Option<Secret>,
    channel_id: Option<String>,
    version: ApiVersion,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    timeout: Option<Duration>,
    webhook_tokens: Vec<Secret>,
    accept_unsigned: bool,
}

impl BotmakerBuilder {
    /// The API access token (the JWT from Botmaker's console), sent as `access-token`.
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The channel to send from: `acme-whatsapp-5491100000000` (from `GET /channels`), or
    /// the line's number. For the v1 API the line's number is taken from it.
    pub fn channel_id(mut self, channel_id: impl Into<String>) -> Self {
        self.channel_id = Some(channel_id.into());
        self
    }

    /// Which API to send through: [`ApiVersion::V2`] (the default) or the legacy
    /// [`ApiVersion::V1`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The API's base URL, for a proxy or a mock server. Defaults to the version's public
    /// URL ([`V2_BASE_URL`] or [`V1_BASE_URL`]).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The HTTP client to use (to share a connection pool, or set a proxy). A request's
    /// own timeout ([`BotmakerBuilder::timeout`]) still applies.
    ///
    /// Give it `redirect(reqwest::redirect::Policy::none())`, as the crate's own client
    /// has: when reqwest follows a redirect to another host it drops `Authorization` but
    /// keeps other headers, so the `access-token` header would go to that host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// How rate-limited sends are retried. Defaults to [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// How long one request may take. Defaults to [`DEFAULT_TIMEOUT`]. A send that times
    /// out may have been delivered, so it is reported as [`Error::MaybeSent`], never
    /// repeated.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Adds a webhook token: the value Botmaker sends in `auth-bm-token`. Add several to
    /// accept the old and the new token while rotating.
    pub fn webhook_token(mut self, token: impl Into<Secret>) -> Self {
        self.webhook_tokens.push(token.into());
        self
    }

    /// **Insecure.** Accepts webhooks that arrive without an `auth-bm-token` header (for
    /// legacy endpoints configured without a token). Anyone who knows the URL can then post
    /// events. A header that is present must still match. Off by default.
    pub fn accept_unsigned_webhooks(mut self, accept: bool) -> Self {
        self.accept_unsigned = accept;
        self
    }

    /// Checks the settings and builds the provider.
    pub fn build(self) -> Result<BotmakerProvider, ConfigError> {
        if let Some(t) = &self.access_token {
            if t.is_empty() {
                return Err(ConfigError::new("access-token", "is empty"));
            }
            if !t.expose().bytes().all(|b| (0x21..0x7f).contains(&b)) {
                return Err(ConfigError::new(
                    "access-token",
                    "must be visible ASCII without spaces",
                ));
            }
        }
        if let Some(c) = &self.channel_id {
            if c.trim().is_empty() {
                return Err(ConfigError::new("channel-id", "is empty"));
            }
            if c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                return Err(ConfigError::new(
                    "channel-id",
                    "holds white space or control characters",
                ));
            }
        }
        if self.webhook_tokens.iter().any(Secret::is_empty) {
            return Err(ConfigError::new("webhook-token", "is empty"));
        }
        let base = self
            .base_url
            .unwrap_or_else(|| self.version.default_base_url().to_owned());
        match url::Url::parse(&base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                return Err(ConfigError::new(
                    "base-url",
                    format!("{base:?} is not an http(s) URL"),
                ));
            }
        }
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        if timeout.is_zero() {
            return Err(ConfigError::new("timeout", "must be more than zero"));
        }
        let http = match self.http {
            Some(h) => h,
            // No redirects: reqwest keeps custom headers such as `access-token` when it
            // follows one to another host, and Botmaker's API does not redirect.
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| ConfigError::new("http-client", e.to_string()))?,
        };
        Ok(BotmakerProvider {
            client: Client {
                http,
                base_url: base.trim_end_matches('/').to_owned(),
                access_token: self.access_token,
                retry: self.retry.unwrap_or_default(),
                timeout,
            },
            version: self.version,
            channel_id: self.channel_id,
            verifier: self.webhook_tokens.into_iter().fold(
                Verifier::new().accept_unsigned(self.accept_unsigned),
                |v, token| v.with_token(token),
            ),
        })
    }
}

impl BotmakerProvider {
    /// A builder with nothing set.
    pub fn builder() -> BotmakerBuilder {
        BotmakerBuilder::default()
    }

    /// The API this provider sends through.
    pub fn api_version(&self) -> ApiVersion {
        self.version
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.client.base_url
    }

    /// The webhook verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The channel id, if configured.
    pub fn channel_id(&self) -> Option<&str> {
        self.channel_id.as_deref()
    }

    fn require_channel(&self) -> Result<&str, Error> {
        self.channel_id.as_deref().ok_or_else(|| {
            Error::Config(ConfigError::new(
                "channel-id",
                "is not configured; sending needs it",
            ))
        })
    }

    fn require_v2(&self, what: &'static str) -> Result<(), Error> {
        match self.version {
            ApiVersion::V2 => Ok(()),
            _ => Err(Error::Unsupported {
                provider: ProviderKind::BOTMAKER,
                what,
            }),
        }
    }

    /// Checks the content type and reads the body into its typed view, keeping every field
    /// (see [`webhook`]). Call [`WhatsAppProvider::verify`] first.
    pub fn parse_payload(&self, request: &WebhookRequest) -> Result<WebhookPayload, ParseError> {
        WebhookPayload::from_request(request)
    }

    /// Sends a v2 `send-messages` request as it is: several messages at once, contact
    /// cards, intent buttons, or a chat addressed by its Botmaker chat id.
    pub async fn send_messages(&self, request: &MessagesRequest) -> Result<SendReceipt, Error> {
        let send = self.post_messages(request);
        traced_send(
            ProviderKind::BOTMAKER,
            "messages",
            &chat_label(&request.chat),
            send,
        )
        .await
    }

    async fn post_messages(&self, request: &MessagesRequest) -> Result<SendReceipt, Error> {
        self.require_v2("send-messages requests through the legacy v1 API")?;
        self.client
            .post("/chats-actions/send-messages", request)
            .await
    }

    /// Sends a v2 `trigger-intent` request: runs an intent or sends an approved template.
    pub async fn trigger_intent(
        &self,
        request: &TriggerIntentRequest,
    ) -> Result<SendReceipt, Error> {
        let send = self.post_intent(request);
        traced_send(
            ProviderKind::BOTMAKER,
            "template",
            &chat_label(&request.chat),
            send,
        )
        .await
    }

    async fn post_intent(&self, request: &TriggerIntentRequest) -> Result<SendReceipt, Error> {
        self.require_v2("trigger-intent requests through the legacy v1 API")?;
        self.client
            .post("/chats-actions/trigger-intent", request)
            .await
    }

    /// Until when free-form messages may be sent to `contact` (WhatsApp's 24-hour window),
    /// read from `GET /chats/{channelId}:{contactId}`. After it, send a template. `None`
    /// when Botmaker gives no time, or does not know the chat (no window is open). Needs
    /// the v2 API.
    pub async fn window_closes_at(
        &self,
        contact: &WhatsAppAddress,
    ) -> Result<Option<Timestamp>, Error> {
        self.require_v2("window lookups through the legacy v1 API")?;
        let channel = self.require_channel()?;
        self.client.window_closes_at(channel, contact.wa_id()).await
    }
}

#[async_trait]
impl WhatsAppProvider for BotmakerProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::BOTMAKER
    }

    /// Sends one message. Text, media, locations and interactive messages go to
    /// `send-messages`; templates to `trigger-intent` (the template's or intent's name, its
    /// variables). [`OutboundMessage::reference`] becomes `webhookPayload`. Through the v1
    /// API, text and media go to `/message/v3` and templates to `/intent/v2`.
    ///
    /// The receipt's id is Botmaker's `webhookNotificationId` (v1: the message id) and its
    /// status `accepted`: Botmaker delivers asynchronously.
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        let send = self.send_outbound(message);
        traced_send(
            ProviderKind::BOTMAKER,
            message.content.kind(),
            &message.to,
            send,
        )
        .await
    }

    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.verifier.verify(request)
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        webhook::parse_request(request)
    }

    /// The WhatsApp number (`WHATSAPP_NUMBER`, `whatsappNumber`), then the channel id
    /// (`chatChannelId`, `channelId`).
    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        webhook::business_addresses(request.body())
    }
}

impl BotmakerProvider {
    /// The send behind [`WhatsAppProvider::send`], without its span.
    async fn send_outbound(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        message.validate_with(&Limits::WHATSAPP)?;
        let channel = self.require_channel()?;
        let reference = message.reference.as_deref();
        match self.version {
            ApiVersion::V1 => {
                let line = client::v1_line(channel);
                let (path, body) =
                    client::v1_request(&line, message.to.wa_id(), &message.content, reference)?;
                self.client.post(path, &body).await
            }
            _ => {
                let chat = ChatRef::contact(channel, &message.to);
                match client::v2_request(chat, &message.content, reference)? {
                    V2Send::Messages(m) => self.post_messages(&m).await,
                    V2Send::Intent(i) => self.post_intent(&i).await,
                }
            }
        }
    }
}

/// Who a v2 request is for, for debug logs: the contact or chat id.
fn chat_label(chat: &ChatRef) -> &str {
    match chat {
        ChatRef::Contact { contact_id, .. } => contact_id,
        ChatRef::Chat { chat_id } => chat_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let p = BotmakerProvider::builder()
            .access_token("access-secret-value")
            .webhook_token("hook-secret-value")
            .build()
            .unwrap();
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("access-secret-value"));
        assert!(!dbg.contains("hook-secret-value"));
        let b = format!(
            "{:?}",
            BotmakerProvider::builder().access_token("access-secret-value")
        );
        assert!(!b.contains("access-secret-value"));
    }

    #[test]
    fn config_is_checked() {
        let err = |b: BotmakerBuilder| b.build().unwrap_err().field;
        assert_eq!(
            err(BotmakerProvider::builder().access_token("")),
            "access-token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().access_token("has space")),
            "access-token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().channel_id(" ")),
            "channel-id"
        );
        assert_eq!(
            err(BotmakerProvider::builder().webhook_token("")),
            "webhook-token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().base_url("ftp://x")),
            "base-url"
        );
        assert_eq!(
            err(BotmakerProvider::builder().timeout(Duration::ZERO)),
            "timeout"
        );
        let v1 = BotmakerProvider::builder()
            .api_version(ApiVersion::V1)
            .build()
            .unwrap();
        assert_eq!(v1.base_url(), V1_BASE_URL);
        let custom = BotmakerProvider::builder()
            .base_url("http://127.0.0.1:4011/")
            .build()
            .unwrap();
        assert_eq!(custom.base_url(), "http://127.0.0.1:4011");
        assert_eq!(custom.api_version(), ApiVersion::V2);
    }
}
