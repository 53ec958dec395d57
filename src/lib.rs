//! Connect chat bots to WhatsApp through Twilio and Botmaker, behind one
//! [`WhatsAppProvider`] trait.
//!
//! - **Receive**: take a raw webhook ([`WebhookRequest`]: URL, headers, body bytes), prove it
//!   came from the provider ([`WhatsAppProvider::verify`]), and turn it into typed
//!   [`InboundEvent`]s: a user's message or a delivery-status change, in one provider-neutral
//!   JSON shape you can log, queue and replay.
//! - **Send**: text, media, templates, locations and interactive messages
//!   ([`OutboundMessage`]), validated before any network call, with typed errors ([`Error`])
//!   and retries that never send a message twice.
//! - **Configure**: the settings of a bot as the Mammut platform stores them
//!   ([`mammut::BotConfig`]), and a provider built from them.
//! - **Serve**: one endpoint for many bots ([`registry::Registry`], and the axum endpoint in
//!   [`server`]); fakes of the providers for your tests ([`testing`]).
//!
//! Verify and parse a Twilio webhook exactly as it arrived:
//!
//! ```
//! use whatsapp_connector::twilio::{TwilioProvider, signature};
//! use whatsapp_connector::{InboundEvent, WebhookRequest, WhatsAppProvider};
//!
//! let token = "0123456789abcdef0123456789abcdef";
//! let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
//!     .auth_token(token)
//!     .build()?;
//!
//! // What Twilio posts, signed here with the helper your tests can use too.
//! let url = "https://bot.example.com/twilio";
//! let params = [
//!     ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
//!     ("From", "whatsapp:+14155550100"),
//!     ("To", "whatsapp:+14155238886"),
//!     ("Body", "hola"),
//! ];
//! let request = WebhookRequest::new(url, serde_urlencoded::to_string(params)?)
//!     .with_header("content-type", "application/x-www-form-urlencoded")
//!     .with_header("x-twilio-signature", &signature::sign(token, url, &params));
//!
//! for event in twilio.verify_and_parse(&request)? {
//!     if let InboundEvent::Message(m) = &event {
//!         assert_eq!(m.text(), Some("hola"));
//!         println!("{}", serde_json::to_string(&event)?); // the provider-neutral JSON
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Where to go next: [`guide::custom_provider`] to plug in a provider of your own,
//! [`guide::testing`] to test a bot with the fakes, and the repository's README for the
//! `[dependencies]` lines, the features and the `wa` tool.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod address;
mod body;
pub mod botmaker;
pub mod dedup;
pub mod error;
pub mod event;
mod kind;
pub mod links;
pub mod mammut;
pub mod message;
pub mod provider;
pub mod registry;
pub mod retry;
mod secret;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod server;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
pub mod twilio;

pub use address::{PhoneNumber, PhoneNumberError, WhatsAppAddress};
pub use error::{
    ApiError, ApiErrorKind, ConfigError, Error, ParseError, ValidationError, VerifyError,
};
pub use event::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    StatusError, StatusUpdate, Timestamp,
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

/// Guides: longer pages with complete, compiled examples.
pub mod guide {
    #[doc = include_str!("../docs/custom-provider.md")]
    pub mod custom_provider {}
    #[cfg(all(feature = "testing", feature = "axum"))]
    #[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
    #[doc = include_str!("../docs/testing.md")]
    pub mod testing {}
}

// The README's snippets are complete programs: compile them with the doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
