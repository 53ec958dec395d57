// The crate's front page; its example verifies a Twilio webhook, so doc tests run it when the
// `twilio` feature is on.
#![cfg_attr(
    any(not(doctest), feature = "twilio"),
    doc = include_str!("../docs/overview.md")
)]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod address;
#[cfg(feature = "botmaker")]
#[cfg_attr(docsrs, doc(cfg(feature = "botmaker")))]
pub mod botmaker;
pub mod dedup;
pub mod error;
pub mod event;
pub mod inbox;
mod kind;
pub mod links;
mod log_gate;
#[cfg(feature = "mammut")]
#[cfg_attr(docsrs, doc(cfg(feature = "mammut")))]
pub mod mammut;
pub mod message;
#[cfg(feature = "meta")]
#[cfg_attr(docsrs, doc(cfg(feature = "meta")))]
pub mod meta;
pub mod provider;
mod quota;
pub mod ratelimit;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod registry;
pub mod retry;
mod secret;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod server;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
#[cfg(any(feature = "twilio", feature = "botmaker", feature = "meta"))]
mod transport;
#[cfg(feature = "twilio")]
#[cfg_attr(docsrs, doc(cfg(feature = "twilio")))]
pub mod twilio;
mod urls;
pub mod window;

pub use address::{PhoneNumber, PhoneNumberError, WhatsAppAddress};
pub use error::{
    ApiError, ApiErrorKind, ConfigError, Error, HandshakeError, ParseError, TransportError,
    ValidationError, VerifyError,
};
pub use event::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    OrderItem, Pricing, Referral, StatusError, StatusUpdate, Timestamp, WebhookError,
};
pub use kind::ProviderKind;
pub use message::{
    Content, Interactive, InteractiveAction, Limits, ListRow, ListSection, Location, Media,
    OutboundMessage, ReplyButton, SendReceipt, Template, TemplateId,
};
pub use provider::{WebhookRequest, WhatsAppProvider};
pub use secret::Secret;

/// The attribute [`WhatsAppProvider`] is declared with; put it on your `impl` too.
pub use async_trait::async_trait;

/// The HTTP client the providers send with (their builders take a `reqwest::Client`), at the
/// version the crate is built with.
#[cfg(any(
    feature = "twilio",
    feature = "botmaker",
    feature = "meta",
    feature = "testing"
))]
pub use reqwest;

/// The web framework of the endpoint ([`server::WebhookServer::router`] is an
/// `axum::Router`), at the version the crate is built with.
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use axum;

/// Guides: longer pages with complete, compiled examples.
pub mod guide {
    #[doc = include_str!("../docs/custom-provider.md")]
    pub mod custom_provider {}
    #[cfg(all(feature = "testing-fakes", feature = "twilio"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "testing-fakes", feature = "twilio"))))]
    #[doc = include_str!("../docs/testing.md")]
    pub mod testing {}
}

// The README's snippets are complete programs: compile them with the doc tests (they use
// Twilio, Mammut and the endpoint).
#[cfg(all(doctest, feature = "twilio", feature = "mammut", feature = "axum"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
