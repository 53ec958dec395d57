//! Twilio's webhooks: the raw parameters, typed views of the inbound-message and
//! status-callback parameters, and their normalization to [`InboundEvent`]s.
//!
//! Twilio posts `application/x-www-form-urlencoded` bodies (or, for webhooks configured as
//! `GET`, puts the same parameters in the query string). Every value is a string.
//! [`Params`] keeps them all, in the order received, decoded; [`InboundParams`] and
//! [`StatusParams`] read the parameters Twilio documents; [`parse_request`] turns a request
//! into events.
//!
//! Parameters this crate does not know are kept in [`Params`] and never make parsing fail.
//! Malformed input does, with a [`ParseError`] naming the parameter: bad percent-encoding,
//! invalid UTF-8, `MediaUrl{N}` parameters that do not match `NumMedia`, a `Latitude` or
//! `Longitude` that is not a number, a missing `MessageSid`.
//!
//! ```
//! use whatsapp_connector::twilio::webhook::parse_request;
//! use whatsapp_connector::{MessageContent, WebhookRequest};
//!
//! let body = "MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B14155550100\
//!             &To=whatsapp%3A%2B14155238886&Body=hola&NumMedia=0&ProfileName=Ana";
//! let request = WebhookRequest::new("https://bot.example.com/twilio", body)
//!     .with_header("content-type", "application/x-www-form-urlencoded");
//! let events = parse_request(&request).unwrap();
//! let message = events[0].as_message().unwrap();
//! assert_eq!(message.from.as_ref().unwrap().to_string(), "+14155550100");
//! assert_eq!(message.content, MessageContent::Text { body: "hola".into() });
//! ```

// One job a file: `form` decodes the bytes, `params` holds the raw parameters, `inbound`
// and `status` read the typed views, and `events` maps those views to events. `pairs`
// reads a body mostly without copying it, for verifying and parsing webhooks.
mod events;
mod form;
mod inbound;
mod pairs;
mod params;
mod status;

use crate::error::ParseError;
use crate::event::InboundEvent;
use crate::provider::WebhookRequest;

pub(crate) use form::{FormError, decode_form, decode_query_value};
pub use inbound::{InboundParams, MediaParam, Referral};
pub(crate) use pairs::{FormPairs, events};
pub use params::Params;
pub(crate) use params::business_address;
pub use status::StatusParams;

/// Parses a Twilio webhook request into events (one message, or one status change).
///
/// # Errors
///
/// The errors of [`Params::from_request`], then those of [`Params::to_events`].
pub fn parse_request(request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
    FormPairs::from_request(request)?.to_events()
}

/// What a Twilio webhook is.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Webhook<'a> {
    /// A message a user sent.
    Inbound(Box<InboundParams<'a>>),
    /// A change in the status of a message the bot sent.
    Status(Box<StatusParams<'a>>),
}

/// A flag parameter: `Some(true)` or `Some(false)` for `true` or `false` (any letter case),
/// `None` for anything else.
fn flag(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}
