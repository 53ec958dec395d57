//! Meta's webhooks: a JSON body with `object: whatsapp_business_account` and
//! `entry[].changes[]`, each change a `field` and its `value`. The `messages` field carries
//! users' messages, delivery statuses and errors; other fields (group updates, account
//! updates) give no events.
//!
//! [`WebhookPayload`] is the typed view of a body, keeping every field (unknown ones
//! included); [`parse_request`] turns one into events.

use crate::error::ParseError;
use crate::event::InboundEvent;
use crate::provider::WebhookRequest;

mod events;
mod fast;
mod message;
mod wire;

pub use message::{
    Button, ContactCard, ContactEmail, ContactName, ContactPhone, Context, FlowReply, Interactive,
    Order, ProductItem, Reaction, Referral, Reply, System, Text, WireLocation, WireMedia,
    WireMessage,
};
pub use wire::{
    Change, ChangeValue, Contact, Conversation, Entry, ErrorData, Metadata, Pricing, Profile,
    Status, WebhookPayload, WireError,
};

pub(crate) use events::DEFAULT_MEDIA_BASE;

/// The `object` of WhatsApp Business Account webhooks.
pub const OBJECT: &str = "whatsapp_business_account";

impl WebhookPayload {
    /// Reads a webhook body. The body must be a JSON object with `object`
    /// (`whatsapp_business_account`) and `entry`; the changes' values are read by
    /// [`to_events`](Self::to_events) (or [`Change::messages_value`]).
    ///
    /// # Errors
    ///
    /// - [`ParseError::Malformed`] when the body is not JSON or not an object, or nests deeper
    ///   than JSON parsing allows (128 levels);
    /// - [`ParseError::MissingField`] when `object` or `entry` is absent;
    /// - [`ParseError::InvalidField`] (field `object`) when `object` is another kind of
    ///   webhook, and for a field of the wrong type.
    ///
    /// # Examples
    ///
    /// ```
    /// use whatsapp_connector::meta::WebhookPayload;
    ///
    /// let p = WebhookPayload::from_json(br#"{"object": "whatsapp_business_account", "entry": []}"#).unwrap();
    /// assert!(p.entry.is_empty());
    /// let e = WebhookPayload::from_json(br#"{"object": "page", "entry": []}"#).unwrap_err();
    /// assert_eq!(e.field(), Some("object"));
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, ParseError> {
        // The usual case in one pass, straight from the bytes; anything it refuses is read
        // again the slow way, through a JSON tree, for an error that names the field.
        if let Ok(payload) = serde_json::from_slice::<WebhookPayload>(body) {
            if payload.object == OBJECT {
                return Ok(payload);
            }
        }
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| ParseError::malformed(format!("not JSON: {e}")))?;
        let Some(object) = value.as_object() else {
            return Err(ParseError::malformed(format!(
                "the body is {}, not a JSON object",
                crate::error::json_kind(&value)
            )));
        };
        match object.get("object") {
            None => return Err(ParseError::missing("object")),
            Some(serde_json::Value::String(o)) if o == OBJECT => {}
            Some(serde_json::Value::String(o)) => {
                return Err(ParseError::invalid(
                    "object",
                    format!(
                        "{:?} is not {OBJECT:?}: not a WhatsApp webhook",
                        crate::error::excerpt(o, 40)
                    ),
                ));
            }
            Some(other) => {
                return Err(ParseError::invalid(
                    "object",
                    format!(
                        "expected a string, found {}",
                        crate::error::json_kind(other)
                    ),
                ));
            }
        }
        wire::decode_owned(value)
    }

    /// Checks a request's content type (absent, or JSON: `application/json`, `*/*+json`),
    /// then reads its body (see [`from_json`](Self::from_json)).
    ///
    /// # Errors
    ///
    /// [`ParseError::UnsupportedContentType`] for another content type; otherwise the errors
    /// of [`from_json`](Self::from_json).
    pub fn from_request(request: &WebhookRequest) -> Result<Self, ParseError> {
        json_content_type(request.content_type())?;
        Self::from_json(request.body())
    }

    /// The events of the `messages` changes, in order: per change, its messages, then its
    /// statuses, then its errors ([`InboundEvent::Error`]). Other fields give none. Media
    /// URLs point at `https://graph.facebook.com/v23.0/{media-id}`.
    ///
    /// # Errors
    ///
    /// [`ParseError::MissingField`] or [`ParseError::InvalidField`], naming the field by its
    /// path (`entry[0].changes[1].value.messages[0].id`), when a `messages` change is not in
    /// Meta's shape: a message or status without its id, a value of the wrong type.
    pub fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        events::events(self, DEFAULT_MEDIA_BASE)
    }
}

/// Parses a webhook request into events: [`WebhookPayload::from_request`], then
/// [`WebhookPayload::to_events`].
///
/// # Errors
///
/// The errors of [`WebhookPayload::from_request`], then those of
/// [`WebhookPayload::to_events`].
pub fn parse_request(request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
    parse_with_media_base(request, DEFAULT_MEDIA_BASE)
}

/// [`parse_request`] with media URLs under `media_base` (the provider's base URL and API
/// version). The usual body goes the quick way (`fast`); one it refuses is read through the
/// typed view, whose error names the field.
pub(crate) fn parse_with_media_base(
    request: &WebhookRequest,
    media_base: &str,
) -> Result<Vec<InboundEvent>, ParseError> {
    json_content_type(request.content_type())?;
    if let Some(events) = fast::events(request.body(), media_base) {
        return Ok(events);
    }
    events::events(&WebhookPayload::from_json(request.body())?, media_base)
}

/// Whether a content type may hold Meta's JSON: absent, `application/json`, or `*/*+json`.
fn json_content_type(ct: Option<&str>) -> Result<(), ParseError> {
    let Some(ct) = ct.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(());
    };
    let lower = ct.to_ascii_lowercase();
    if lower == "application/json" || lower.ends_with("+json") {
        Ok(())
    } else {
        Err(ParseError::UnsupportedContentType {
            content_type: ct.to_owned(),
        })
    }
}

/// The business addresses a webhook names, for routing: the `phone_number_id` of each
/// change, then each `display_phone_number`, without repeats. A body that cannot be read
/// names none.
pub fn business_addresses(body: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        entry: Vec<E>,
    }
    #[derive(serde::Deserialize)]
    struct E {
        #[serde(default)]
        changes: Vec<C>,
    }
    #[derive(serde::Deserialize)]
    struct C {
        #[serde(default)]
        value: Option<V>,
    }
    #[derive(serde::Deserialize)]
    struct V {
        #[serde(default)]
        metadata: Option<M>,
    }
    #[derive(serde::Deserialize)]
    struct M {
        #[serde(default)]
        phone_number_id: Option<String>,
        #[serde(default)]
        display_phone_number: Option<String>,
    }
    let Ok(parsed) = serde_json::from_slice::<Body>(body) else {
        return Vec::new();
    };
    let metas: Vec<M> = parsed
        .entry
        .into_iter()
        .flat_map(|e| e.changes)
        .filter_map(|c| c.value?.metadata)
        .collect();
    let mut out: Vec<String> = Vec::new();
    let ids = metas.iter().filter_map(|m| m.phone_number_id.as_deref());
    let numbers = metas
        .iter()
        .filter_map(|m| m.display_phone_number.as_deref());
    for a in ids.chain(numbers) {
        let a = a.trim();
        if !a.is_empty() && !out.iter().any(|o| o == a) {
            out.push(a.to_owned());
        }
    }
    out
}
