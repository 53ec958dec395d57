#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

pub mod address;
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
mod transport;
pub mod twilio;

pub use address::{PhoneNumber, PhoneNumberError, WhatsAppAddress};
pub use error::{
    ApiError, ApiErrorKind, ConfigError, Error, ParseError, TransportError, ValidationError,
    VerifyError,
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
