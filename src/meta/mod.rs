//! Meta's WhatsApp Cloud API (the WhatsApp Business Platform, Graph API `v23.0`): verify and
//! parse the webhooks Meta posts, answer its verification request, send messages.
//!
//! ```
//! use whatsapp_connector::meta::MetaProvider;
//! use whatsapp_connector::meta::signature::sign;
//! use whatsapp_connector::{InboundEvent, WebhookRequest, WhatsAppProvider};
//!
//! let provider = MetaProvider::builder()
//!     .access_token("EAAG-invented-token")
//!     .phone_number_id("100000000000001")
//!     .app_secret("an-app-secret")
//!     .verify_token("a-verify-token")
//!     .build()
//!     .unwrap();
//!
//! let body = r#"{"object": "whatsapp_business_account", "entry": [{"id": "200000000000002",
//!   "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
//!   "metadata": {"display_phone_number": "15550000001", "phone_number_id": "100000000000001"},
//!   "contacts": [{"profile": {"name": "Ana Pérez"}, "wa_id": "5491122223333"}],
//!   "messages": [{"from": "5491122223333", "id": "wamid.INVENTED1", "timestamp": "1767225600",
//!   "type": "text", "text": {"body": "hola"}}]}}]}]}"#;
//! let request = WebhookRequest::new("https://bot.example.com/meta", body)
//!     .with_header("content-type", "application/json")
//!     .with_header("x-hub-signature-256", &sign("an-app-secret", body.as_bytes()));
//!
//! provider.verify(&request).unwrap();
//! let events = provider.parse(&request).unwrap();
//! let InboundEvent::Message(m) = &events[0] else { panic!() };
//! assert_eq!(m.text(), Some("hola"));
//! assert_eq!(m.from.as_ref().unwrap().to_string(), "+5491122223333");
//! assert_eq!(events[0].dedup_key(), "meta:wamid.INVENTED1");
//! ```
//!
//! # Sending
//!
//! [`WhatsAppProvider::send`] posts to `/{version}/{phone-number-id}/messages` with the access
//! token as a bearer token: text, media by URL, templates by name (a language is needed),
//! locations and interactive messages. [`MetaProvider::send_request`] sends Meta's own
//! shapes ([`request`]): contacts, replies to a message, media by uploaded id
//! ([`MetaProvider::upload_media`]), template components. Read marks, typing indicators and
//! reactions are [`WhatsAppProvider::mark_read`], [`WhatsAppProvider::typing`] and
//! [`WhatsAppProvider::react`]; [`MetaProvider::download_media`] fetches what users send.
//! A Graph API error is an [`ApiError`](crate::ApiError) classified by [`classify`];
//! [`GraphError::of`] reads the rest of it (subcode, details, trace id).
//!
//! Here against a stand-in for the Cloud API on 127.0.0.1
//! ([`FakeMeta`](crate::testing::FakeMeta), feature `testing-fakes`):
//!
//! ```
//! # #[cfg(feature = "testing-fakes")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use whatsapp_connector::meta::{MetaProvider, recipient_wa_id};
//! use whatsapp_connector::testing::FakeMeta;
//! use whatsapp_connector::{ApiErrorKind, OutboundMessage, PhoneNumber, WhatsAppProvider};
//!
//! let fake = FakeMeta::start("EAAG-invented-token", "100000000000001").await?;
//! let meta = MetaProvider::builder()
//!     .access_token("EAAG-invented-token")
//!     .phone_number_id("100000000000001")
//!     .base_url(fake.base_url())
//!     .build()?;
//! let hola = OutboundMessage::text(PhoneNumber::parse("+5491122223333")?, "hola");
//! let receipt = meta.send(&hola).await?;
//! assert!(receipt.message_id.starts_with("wamid."));
//! assert_eq!(recipient_wa_id(&receipt), Some("5491122223333"));
//!
//! // The user last wrote more than 24 hours ago: Meta's 131047.
//! fake.push_response(FakeMeta::graph_error(400, 131047, "Re-engagement message"));
//! let e = meta.send(&hola).await.unwrap_err();
//! assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::OutsideWindow));
//! # Ok(())
//! # }
//! # #[cfg(not(feature = "testing-fakes"))]
//! # fn main() {}
//! ```
//!
//! # The verification request
//!
//! When a callback URL is set in the app dashboard, Meta calls it with a `GET` carrying
//! `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`, and expects the challenge
//! back. [`WhatsAppProvider::handshake`] answers it (see [`handshake::answer`]); the
//! [`server`](crate::server) endpoint does so on its own, before routing.
//!
//! # Routing
//!
//! Each change of a webhook names the business phone number it is for
//! (`metadata.phone_number_id`, `metadata.display_phone_number`), and each event carries
//! both ([`InboundMessage::channel_id`](crate::InboundMessage::channel_id) and `to`;
//! [`StatusUpdate::channel_id`](crate::StatusUpdate::channel_id) and `sender`).
//! [`WhatsAppProvider::webhook_addresses`] names the phone number ids, then the display
//! numbers, so register a bot in a [`Registry`](crate::registry::Registry) under its phone
//! number id (or its number). Meta may batch the changes of several phone numbers of one
//! business account in one webhook: the whole webhook goes to the bot of the first number
//! registered, so check `channel_id` when one app serves several bots.

use std::fmt;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{Error, HandshakeError, ParseError, VerifyError};
use crate::event::{InboundEvent, InboundMessage};
use crate::message::{OutboundMessage, SendReceipt};
use crate::provider::{Acknowledgement, ProviderKind, WebhookRequest, WhatsAppProvider};
use crate::retry::traced_send;
use crate::secret::Secret;

mod answer;
mod client;
mod config;
pub mod handshake;
mod mapping;
mod media;
pub mod request;
pub mod signature;
pub mod webhook;

pub use crate::transport::DEFAULT_TIMEOUT;
pub use answer::{GraphError, classify, recipient_wa_id};
pub use config::{DEFAULT_API_VERSION, DEFAULT_BASE_URL, MetaBuilder};
pub use media::{DEFAULT_MEDIA_MAX_BYTES, MEDIA_HOSTS, MediaDownload};
pub use signature::{SIGNATURE_HEADER, Verifier};
pub use webhook::WebhookPayload;

use client::Client;

impl ProviderKind {
    /// Meta's WhatsApp Cloud API: `meta` in the event JSON.
    pub const META: ProviderKind = ProviderKind::new("meta");
}

/// A business phone number on Meta's WhatsApp Cloud API: verifies and parses the webhooks
/// Meta posts, answers its verification request, and sends through the Graph API.
///
/// Built with [`MetaProvider::builder`]. A provider that only receives webhooks needs no
/// access token or phone number id.
#[derive(Clone)]
pub struct MetaProvider {
    pub(crate) client: Client,
    pub(crate) verifier: Verifier,
    pub(crate) verify_tokens: Vec<Secret>,
    /// `{base_url}/{api_version}`: where inbound media ids are looked up.
    pub(crate) media_base: String,
}

impl fmt::Debug for MetaProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaProvider")
            .field("base_url", &self.client.base_url)
            .field("api_version", &self.client.api_version)
            .field("phone_number_id", &self.client.phone_number_id)
            .field("access_token", &self.client.access_token)
            .field("verifier", &self.verifier)
            .field("verify_tokens", &self.verify_tokens.len())
            .finish_non_exhaustive()
    }
}

impl MetaProvider {
    /// A builder with nothing set.
    pub fn builder() -> MetaBuilder {
        MetaBuilder::default()
    }

    /// The base URL requests go to (without a trailing slash).
    pub fn base_url(&self) -> &str {
        &self.client.base_url
    }

    /// The Graph API version requests go to (`v23.0`).
    pub fn api_version(&self) -> &str {
        &self.client.api_version
    }

    /// The phone number id sends go from, if configured.
    pub fn phone_number_id(&self) -> Option<&str> {
        self.client.phone_number_id.as_deref()
    }

    /// The webhook signature verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Answers Meta's verification request with the query string `query`: the challenge to
    /// echo when `hub.verify_token` is one of this provider's verify tokens.
    ///
    /// # Errors
    ///
    /// The [`HandshakeError`] of [`handshake::answer`].
    pub fn answer_handshake(&self, query: &str) -> Result<String, HandshakeError> {
        handshake::answer(query, &self.verify_tokens)
    }

    /// Reads the body into its typed view, keeping every field (see [`webhook`]). Call
    /// [`WhatsAppProvider::verify`] first.
    ///
    /// # Errors
    ///
    /// The errors of [`WebhookPayload::from_request`].
    pub fn parse_payload(&self, request: &WebhookRequest) -> Result<WebhookPayload, ParseError> {
        WebhookPayload::from_request(request)
    }
}

#[async_trait]
impl WhatsAppProvider for MetaProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::META
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        let send = self.send_outbound(message);
        traced_send(
            ProviderKind::META,
            message.content.kind(),
            &message.to,
            send,
        )
        .await
    }

    async fn typing(&self, message: &InboundMessage) -> Result<(), Error> {
        self.typing_indicator(message).await
    }

    async fn mark_read(&self, message: &InboundMessage) -> Result<(), Error> {
        self.read_mark(message).await
    }

    async fn react(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        self.reaction(message_id, to, reaction).await
    }

    /// Checks `X-Hub-Signature-256` against the raw body with each configured app secret.
    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.verifier.verify(request)
    }

    /// [`webhook::parse_request`], with media URLs under this provider's base URL and API
    /// version.
    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        webhook::parse_with_media_base(request, &self.media_base)
    }

    /// The `phone_number_id` of each change, then each `display_phone_number`.
    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        webhook::business_addresses(request.body())
    }

    /// A `GET` is Meta's verification request: answered with its challenge when its
    /// `hub.verify_token` is one of the configured verify tokens.
    fn handshake(
        &self,
        request: &WebhookRequest,
    ) -> Option<Result<Acknowledgement, HandshakeError>> {
        handshake::acknowledge(request, &self.verify_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn debug_never_shows_secrets() {
        let b = MetaProvider::builder()
            .access_token("access-secret-value")
            .app_secret("app-secret-value")
            .verify_token("verify-secret-value");
        let b_dbg = format!("{b:?}");
        let p = b.build().unwrap();
        for dbg in [format!("{p:?}"), format!("{p:#?}"), b_dbg] {
            assert!(!dbg.contains("access-secret-value"), "{dbg}");
            assert!(!dbg.contains("app-secret-value"), "{dbg}");
            assert!(!dbg.contains("verify-secret-value"), "{dbg}");
        }
    }

    #[test]
    fn config_is_checked() {
        let err = |b: MetaBuilder| b.build().unwrap_err().field;
        assert_eq!(
            err(MetaProvider::builder().access_token("")),
            "access_token"
        );
        assert_eq!(
            err(MetaProvider::builder().access_token("has space")),
            "access_token"
        );
        assert_eq!(
            err(MetaProvider::builder().phone_number_id("")),
            "phone_number_id"
        );
        assert_eq!(
            err(MetaProvider::builder().phone_number_id("+15550000001")),
            "phone_number_id"
        );
        assert_eq!(err(MetaProvider::builder().app_secret("")), "app_secret");
        assert_eq!(
            err(MetaProvider::builder().verify_token("")),
            "verify_token"
        );
        assert_eq!(
            err(MetaProvider::builder().api_version("23.0")),
            "api_version"
        );
        assert_eq!(err(MetaProvider::builder().base_url("ftp://x")), "base_url");
        assert_eq!(
            err(MetaProvider::builder().timeout(Duration::ZERO)),
            "timeout"
        );
        let p = MetaProvider::builder().build().unwrap();
        assert_eq!(p.base_url(), DEFAULT_BASE_URL);
        assert_eq!(p.api_version(), "v23.0");
        assert_eq!(p.phone_number_id(), None);
        let custom = MetaProvider::builder()
            .base_url("http://127.0.0.1:4012/")
            .api_version("v24.0")
            .phone_number_id("100000000000001")
            .build()
            .unwrap();
        assert_eq!(custom.base_url(), "http://127.0.0.1:4012");
        assert_eq!(custom.api_version(), "v24.0");
        assert_eq!(custom.phone_number_id(), Some("100000000000001"));
    }

    #[test]
    fn a_get_is_a_handshake() {
        let p = MetaProvider::builder().verify_token("tok").build().unwrap();
        let get = WebhookRequest::new(
            "https://bot.example.com/meta?hub.mode=subscribe&hub.challenge=99&hub.verify_token=tok",
            "",
        )
        .with_method(http::Method::GET);
        let ack = p.handshake(&get).unwrap().unwrap();
        assert_eq!(&ack.body()[..], b"99");
        assert_eq!(
            p.answer_handshake("hub.mode=subscribe&hub.challenge=5&hub.verify_token=no"),
            Err(HandshakeError::TokenMismatch)
        );
        assert!(
            p.handshake(&WebhookRequest::new("https://bot.example.com/meta", "{}"))
                .is_none()
        );
    }
}
