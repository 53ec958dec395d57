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

//! # Typing indicators, read marks and reactions
//!
//! Through the v2 API, [`WhatsAppProvider::typing`] and [`WhatsAppProvider::mark_read`] call
//! `POST /chats-actions/send-read-typing-feedback` for the chat of the message's sender on
//! the configured channel (`typing: true` shows "typing…", `typing: false` marks the chat's
//! previous messages read), and [`WhatsAppProvider::react`] calls
//! `POST /chats-actions/send-reaction` to react, or `DELETE` on the same path to remove the
//! reaction. Botmaker answers 204 and 202 and applies them asynchronously.

//! # Chats and their messages
//!
//! Through the v2 API, [`BotmakerProvider::chat`] reads a chat (`GET /chats/{chatReference}`):
//! its ids, WhatsApp window, variables and tags, as a [`Chat`]. [`BotmakerProvider::messages_page`]
//! and [`BotmakerProvider::next_messages_page`] read a chat's history (`GET /messages`) a page
//! at a time, and [`BotmakerProvider::messages`] walks the pages up to a bound: to replay what a
//! bot missed while it was down, ask for the messages since the last one it handled.

//! # Templates and sends to many chats
//!
//! Outside WhatsApp's 24-hour window a bot may only send approved templates. Through the v2
//! API, [`BotmakerProvider::whatsapp_templates`] lists them (`GET /whatsapp/templates`),
//! [`BotmakerProvider::whatsapp_template`] reads one, [`BotmakerProvider::create_whatsapp_template`]
//! submits a [`NewTemplate`] for approval after checking it (name, category, language, texts,
//! variables `{{1}}`, `{{2}}`… without gaps, buttons), and
//! [`BotmakerProvider::delete_whatsapp_template`] deletes one.
//!
//! [`BotmakerProvider::trigger_intent_bulk`] sends a template (or runs an intent) in many
//! chats: batches of at most [`MAX_BATCH_ITEMS`] through `POST /chats-actions/batch/trigger-intent`
//! (one `/intent/v2` call a chat through the legacy v1 API), with a [`ChatOutcome`] for each
//! chat. Rate-limited batches are sent again after their `Retry-After`; a batch that may have
//! been taken never is.

use std::fmt;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{ConfigError, Error, ParseError, VerifyError};
use crate::event::{InboundEvent, InboundMessage, Timestamp};
use crate::message::{Limits, OutboundMessage, SendReceipt, ValidationError, validate_reaction};
use crate::provider::{ProviderKind, WebhookRequest, WhatsAppProvider};
use crate::retry::traced_send;

mod answer;
pub mod auth;
mod bulk;
mod chat;
mod client;
mod config;
mod history;
mod mapping;
mod reads;
mod request;
mod template_api;
mod template_kinds;
mod template_rules;
mod templates;
pub mod webhook;
mod wire;

pub use crate::transport::DEFAULT_TIMEOUT;
pub use answer::classify;
pub use auth::Verifier;
pub use bulk::{BulkReport, ChatOutcome, ChatResult, MAX_BATCH_ITEMS};
pub use chat::{Chat, ChatIds};
pub use client::ACCESS_TOKEN_HEADER;
pub use config::BotmakerBuilder;
pub use history::{
    ChatMessage, ChatMessageContent, MAX_PAGE_LIMIT, MIN_PAGE_LIMIT, MessagePage, MessageQuery,
    NextPage, Sender,
};
pub use mapping::{MIME_TYPES, media_mime_type};
pub use request::{
    ApiVersion, ChatRef, ContactCard, Message, MessageRequest, TriggerIntentRequest, V1_BASE_URL,
    V2_BASE_URL,
};
pub use template_api::{MAX_TEMPLATE_PAGES, TemplateQuery};
pub use templates::{
    ButtonKind, HeaderFormat, MAX_BODY_CHARS, MAX_BUTTON_CHARS, MAX_NAME_CHARS, MAX_QUICK_REPLIES,
    NewTemplate, TemplateButton, TemplateCategory, TemplateHeader, TemplateState, WhatsAppTemplate,
};
pub use webhook::{
    Envelope, Extra, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation, WebhookPayload,
};

use client::Client;
use mapping::V2Send;

impl ProviderKind {
    /// Botmaker: `botmaker` in the event JSON.
    pub const BOTMAKER: ProviderKind = ProviderKind::new("botmaker");
}

/// A Botmaker channel: sends WhatsApp messages through Botmaker's API, and verifies and
/// parses the webhooks Botmaker posts.
///
/// Built with [`BotmakerProvider::builder`]. A provider that only receives webhooks needs
/// no access token or channel id; sending without them fails with [`Error::Config`].
#[derive(Clone)]
pub struct BotmakerProvider {
    pub(crate) client: Client,
    pub(crate) version: ApiVersion,
    pub(crate) channel_id: Option<String>,
    pub(crate) verifier: Verifier,
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
                "channel_id",
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
    ///
    /// # Errors
    ///
    /// The errors of [`WebhookPayload::from_request`]: [`ParseError::UnsupportedContentType`] for a
    /// content type Botmaker's JSON does not come in, [`ParseError::Malformed`] for a body that is
    /// not a JSON object, and [`ParseError::InvalidField`] or [`ParseError::MissingField`] for a
    /// field of the wrong type or a required one that is absent.
    pub fn parse_payload(&self, request: &WebhookRequest) -> Result<WebhookPayload, ParseError> {
        WebhookPayload::from_request(request)
    }

    /// Sends a v2 `send-messages` request built message by message: several messages at
    /// once, contact cards, intent buttons, or a chat addressed by its Botmaker chat id.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API: this request needs v2.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker answers with an error;
    ///   [`ApiError::kind`](crate::ApiError::kind) says what it means (rate limited, no credit
    ///   left, outside the 24-hour window, …). Rate limiting is retried first, as the provider's
    ///   [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached, after the same retries: nothing was
    ///   sent.
    /// - [`Error::MaybeSent`] when the request went out and no usable answer came back (a timeout,
    ///   a dropped connection, a success answer that names no message): the message may have been
    ///   sent, so it is not sent again.
    pub async fn send_request(&self, request: &MessageRequest) -> Result<SendReceipt, Error> {
        let send = self.post_messages(request);
        traced_send(
            ProviderKind::BOTMAKER,
            "messages",
            &request.chat().label(),
            send,
        )
        .await
    }

    async fn post_messages(&self, request: &MessageRequest) -> Result<SendReceipt, Error> {
        self.require_v2("send-messages requests through the legacy v1 API")?;
        self.client
            .post("/chats-actions/send-messages", &request.wire())
            .await
    }

    /// Sends a v2 `trigger-intent` request: runs an intent or sends an approved template.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API: this request needs v2.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker answers with an error;
    ///   [`ApiError::kind`](crate::ApiError::kind) says what it means (rate limited, no credit
    ///   left, outside the 24-hour window, …). Rate limiting is retried first, as the provider's
    ///   [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached, after the same retries: nothing was
    ///   sent.
    /// - [`Error::MaybeSent`] when the request went out and no usable answer came back (a timeout,
    ///   a dropped connection, a success answer that names no message): the message may have been
    ///   sent, so it is not sent again.
    pub async fn trigger_intent(
        &self,
        request: &TriggerIntentRequest,
    ) -> Result<SendReceipt, Error> {
        let send = self.post_intent(request);
        traced_send(
            ProviderKind::BOTMAKER,
            "template",
            &request.chat().label(),
            send,
        )
        .await
    }

    async fn post_intent(&self, request: &TriggerIntentRequest) -> Result<SendReceipt, Error> {
        self.require_v2("trigger-intent requests through the legacy v1 API")?;
        self.client
            .post("/chats-actions/trigger-intent", &request.wire())
            .await
    }

    /// Shows "typing…" to `contact` (`typing` true), or marks the chat's previous messages
    /// read (`typing` false): `POST /chats-actions/send-read-typing-feedback` with the
    /// configured channel. Needs the v2 API. A rate-limited call is retried as the
    /// provider's [`RetryPolicy`](crate::retry::RetryPolicy) allows.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] when no channel id (field `channel_id`) or access token (field
    ///   `access_token`) is configured.
    /// - [`Error::Api`] when Botmaker answers with an error.
    /// - [`Error::Connect`] when Botmaker cannot be reached; [`Error::Transport`] when the call
    ///   went out and no complete answer came back (repeating it is harmless).
    pub async fn read_typing_feedback(
        &self,
        contact: &WhatsAppAddress,
        typing: bool,
    ) -> Result<(), Error> {
        self.require_v2("typing indicators and read marks through the legacy v1 API")?;
        let channel = self.require_channel()?;
        let body = wire::ReadTypingFeedback {
            channel_id: channel,
            contact_id: contact.wa_id(),
            typing,
        };
        tracing::debug!(typing, "botmaker: read/typing feedback");
        self.client
            .action(
                http::Method::POST,
                "/chats-actions/send-read-typing-feedback",
                &body,
            )
            .await
    }

    /// Reacts to the message `message_id` (Botmaker's message id, the webhook's `_id_`):
    /// `Some(emoji)` sets the reaction with `POST /chats-actions/send-reaction`, `None`
    /// removes it with `DELETE` on the same path. Botmaker finds the chat from the message,
    /// so no recipient is needed. Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] for an empty `message_id`, or a reaction that is not exactly one
    ///   emoji ([`validate_reaction`]), before any network call.
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] (field `access_token`) when no access token is configured.
    /// - [`Error::Api`] when Botmaker answers with an error.
    /// - [`Error::Connect`] when Botmaker cannot be reached; [`Error::Transport`] when the call
    ///   went out and no complete answer came back.
    pub async fn react_to_message(
        &self,
        message_id: &str,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        if message_id.trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "message id",
            }
            .into());
        }
        if let Some(r) = reaction {
            validate_reaction(r)?;
        }
        self.require_v2("reactions through the legacy v1 API")?;
        let body = wire::Reaction {
            message_id,
            reaction,
        };
        let method = match reaction {
            Some(_) => http::Method::POST,
            None => http::Method::DELETE,
        };
        tracing::debug!(%method, message_id, "botmaker: reaction");
        self.client
            .action(method, "/chats-actions/send-reaction", &body)
            .await
    }

    /// Until when free-form messages may be sent to `contact` (WhatsApp's 24-hour window):
    /// the [`Chat::window_closes_at`] of [`BotmakerProvider::chat`]. After it, send a
    /// template. `None` when Botmaker gives no time, or does not know the chat (no window is
    /// open). Needs the v2 API.
    ///
    /// # Errors
    ///
    /// - [`Error::Unsupported`] when the provider uses the legacy v1 API.
    /// - [`Error::Config`] when no channel id (field `channel_id`) or access token (field
    ///   `access_token`) is configured.
    /// - [`Error::Api`] when Botmaker answers with an error other than 404 (which is `Ok(None)`),
    ///   after retrying rate limits as the provider's [`RetryPolicy`](crate::retry::RetryPolicy)
    ///   allows.
    /// - [`Error::Connect`] when Botmaker cannot be reached.
    /// - [`Error::Transport`] when the lookup went out and no complete answer came back (a timeout,
    ///   a dropped connection); repeating it is safe.
    /// - [`Error::TooLarge`] when the answer is larger than 1 MiB.
    /// - [`Error::Parse`] when the chat in Botmaker's answer cannot be read.
    pub async fn window_closes_at(
        &self,
        contact: &WhatsAppAddress,
    ) -> Result<Option<Timestamp>, Error> {
        self.require_v2("window lookups through the legacy v1 API")?;
        Ok(self.chat(contact).await?.and_then(|c| c.window_closes_at))
    }
}

#[async_trait]
impl WhatsAppProvider for BotmakerProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::BOTMAKER
    }

    /// 350 requests a second per account. The provider does not know its account, so the
    /// budget is kept under `account` for every Botmaker bot: bots of different accounts
    /// should name theirs with
    /// [`RateLimited::with_sender`](crate::ratelimit::RateLimited::with_sender).
    fn send_limit(&self) -> Option<crate::ratelimit::SendLimit> {
        Some(crate::ratelimit::SendLimit::new(
            "account",
            crate::ratelimit::Quota::per_second(350),
        ))
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

    /// `send-read-typing-feedback` with `typing: true` for the chat of the message's sender
    /// ([`BotmakerProvider::read_typing_feedback`]). A message without a sender is
    /// [`Error::Invalid`].
    async fn typing(&self, message: &InboundMessage) -> Result<(), Error> {
        self.read_typing_feedback(sender(message)?, true).await
    }

    /// `send-read-typing-feedback` with `typing: false`: Botmaker marks the chat's previous
    /// messages read, this one included.
    async fn mark_read(&self, message: &InboundMessage) -> Result<(), Error> {
        self.read_typing_feedback(sender(message)?, false).await
    }

    /// [`BotmakerProvider::react_to_message`]: Botmaker finds the chat from the message id,
    /// so `to` is not sent.
    async fn react(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        let _ = to;
        self.react_to_message(message_id, reaction).await
    }

    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.verifier.verify(request)
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        webhook::parse_request(request)
    }

    /// Botmaker's own window (`whatsAppWindowCloseDatetime` of the chat), through the v2
    /// API; see the inherent [`BotmakerProvider::window_closes_at`].
    async fn window_closes_at(&self, to: &WhatsAppAddress) -> Result<Option<Timestamp>, Error> {
        BotmakerProvider::window_closes_at(self, to).await
    }

    /// The WhatsApp number (`WHATSAPP_NUMBER`, `whatsappNumber`), then the channel id
    /// (`chatChannelId`, `channelId`).
    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        webhook::business_addresses(request.body())
    }
}

/// The sender of an inbound message, which read and typing feedback is addressed to.
fn sender(message: &InboundMessage) -> Result<&WhatsAppAddress, Error> {
    message.from.as_ref().ok_or_else(|| {
        Error::Invalid(ValidationError::Invalid {
            field: "from",
            reason: "the message names no sender to show the feedback to".into(),
        })
    })
}

impl BotmakerProvider {
    /// The send behind [`WhatsAppProvider::send`], without its span.
    async fn send_outbound(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        message.validate_with(&Limits::WHATSAPP)?;
        let channel = self.require_channel()?;
        let reference = message.reference.as_deref();
        match self.version {
            ApiVersion::V1 => {
                let line = mapping::v1_line(channel);
                let (path, body) =
                    mapping::v1_request(&line, message.to.wa_id(), &message.content, reference)?;
                self.client.post(path, &body).await
            }
            _ => {
                let chat = ChatRef::contact(channel, &message.to);
                match mapping::v2_request(chat, &message.content, reference)? {
                    V2Send::Messages(m) => self.post_messages(&m).await,
                    V2Send::Intent(i) => self.post_intent(&i).await,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
            "access_token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().access_token("has space")),
            "access_token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().channel_id(" ")),
            "channel_id"
        );
        assert_eq!(
            err(BotmakerProvider::builder().webhook_token("")),
            "webhook_token"
        );
        assert_eq!(
            err(BotmakerProvider::builder().base_url("ftp://x")),
            "base_url"
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
