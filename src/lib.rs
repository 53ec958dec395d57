#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod address;
pub mod botmaker;
pub mod error;
pub mod event;
pub mod links;
pub mod mammut;
pub mod message;
pub mod provider;
pub mod retry;
mod secret;
pub mod twilio;

pub use address::{PhoneNumber, PhoneNumberError, WhatsAppAddress};
pub use error::{ApiError, ApiErrorKind, ConfigError, Error, ParseError, VerifyError};
pub use event::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    StatusError, StatusUpdate, Timestamp,
};
pub use message::{
    Content, Interactive, InteractiveAction, Limits, ListRow, ListSection, Location, Media,
    OutboundMessage, ReplyButton, SendReceipt, Template, TemplateId, ValidationError,
};
pub use provider::{ProviderKind, WebhookRequest, WhatsAppProvider};
pub use secret::Secret;
