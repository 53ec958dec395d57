//! Botmaker's webhook bodies: a typed view of every known shape, and the events they become.
//!
//! Botmaker posts JSON in one of several shapes, depending on how and when the webhook was
//! configured:
//!
//! - **Format A**, a flat object per message (`_id_`, `date`, `contactId`, `customerId`,
//!   `message`, `from`, `WHATSAPP_NUMBER`, media URLs under `image`, `audio`, `video` or
//!   `file`, …): [`FlatMessage`].
//! - **Format B**, the "v 1.1" envelope whose `messages[]` carries one or more messages (ids
//!   under `_id`): [`Envelope`].
//! - **Format C**, the legacy upper-case object (`MESSAGE`, `FROM`, `CUSTOMER_ID`,
//!   `IMAGES_URLS`, …): [`LegacyMessage`].
//! - **Status snapshots**: the chat's state after a delivery or read (`STATUS`,
//!   `STATUS_CHANGE_TIME`, the watermarks `USER_LAST_MSG_RECEIVED` and `USER_LAST_MSG_READ`,
//!   `LAST_MESSAGE`), with the bot's variables flattened beside them: [`StatusSnapshot`].
//!
//! Keys this crate does not model, which include the bot's variables and so can hold personal
//! data, are kept in [`Extra`], whose `Debug` shows their names but never their values.
//!
//! [`WebhookPayload::from_request`] reads a request into its typed view (one of the above),
//! [`WebhookPayload::to_events`] normalizes it, and [`parse_request`] does both.
//!
//! Parsing is strict about types and lenient about presence: a missing optional field is
//! absent, an empty string is absent, but a number where a string belongs is a
//! [`ParseError::InvalidField`] naming the field.

// One job a file: `types` is the typed view, `read` reads a body into it, `times` reads the
// times in it, and `events` maps the view to events. `scan` and `fast` are the quick path
// from the common bodies straight to events, which leaves any other body to the rest.
mod events;
mod fast;
#[cfg(test)]
mod fast_tests;
mod json;
mod read;
mod scan;
mod times;
mod types;

use serde_json::Value;

use crate::error::ParseError;
use crate::event::InboundEvent;
use crate::provider::WebhookRequest;

pub(crate) use times::parse_time;
pub use types::{Envelope, Extra, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation};

/// One webhook body, in the shape it arrived in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// Format A: one message, flat.
    Message(Box<FlatMessage>),
    /// Format B: the "v 1.1" envelope with `messages[]`.
    Envelope(Box<Envelope>),
    /// Format C: the legacy upper-case message.
    Legacy(Box<LegacyMessage>),
    /// A chat snapshot sent when a message's status changed.
    Snapshot(Box<StatusSnapshot>),
}

impl WebhookPayload {
    /// Reads a webhook body into its typed view.
    ///
    /// The body must be a JSON object. Not JSON, a top-level array or scalar, nesting deeper
    /// than JSON parsing allows (128 levels) and a value of the wrong type are
    /// [`ParseError`]s; a missing optional field is not.
    ///
    /// # Errors
    ///
    /// - [`ParseError::Malformed`] when the body is not JSON, or its top level is not an object.
    /// - [`ParseError::InvalidField`] naming the field when a value has the wrong type (a number
    ///   where a string goes, a coordinate out of range, a time that is neither ISO 8601 nor epoch
    ///   milliseconds, …).
    /// - [`ParseError::MissingField`] when a field the format needs is absent (`messages` of an
    ///   envelope, a coordinate of a location).
    ///
    /// # Examples
    ///
    /// ```
    /// use whatsapp_connector::botmaker::webhook::WebhookPayload;
    ///
    /// let body = br#"{"_id_": "MSG0001", "message": "hola", "contactId": "14155550100"}"#;
    /// let WebhookPayload::Message(m) = WebhookPayload::from_json(body).unwrap() else {
    ///     panic!()
    /// };
    /// assert_eq!(m.message.as_deref(), Some("hola"));
    /// assert!(WebhookPayload::from_json(b"[]").is_err());
    /// ```
    pub fn from_json(body: &[u8]) -> Result<Self, ParseError> {
        read::read_payload(body, true)
    }

    /// Checks a request's content type, then reads its body (see
    /// [`from_json`](Self::from_json)). Botmaker does not document its content type, so a
    /// missing one, `application/json`, `*/*+json`, `text/json` and `text/plain` are all
    /// read as JSON; any other is [`ParseError::UnsupportedContentType`].
    ///
    /// # Errors
    ///
    /// [`ParseError::UnsupportedContentType`] for a content type other than those above; otherwise
    /// the errors of [`from_json`](Self::from_json).
    pub fn from_request(request: &WebhookRequest) -> Result<Self, ParseError> {
        json_content_type(request.content_type())?;
        Self::from_json(request.body())
    }
}

/// Parses a Botmaker webhook request into events: one per message, or one status change.
/// The content type is checked as [`WebhookPayload::from_request`] says.
///
/// # Errors
///
/// The errors of [`WebhookPayload::from_request`], then those of [`WebhookPayload::to_events`].
///
/// # Examples
///
/// ```
/// use whatsapp_connector::botmaker::webhook::parse_request;
/// use whatsapp_connector::WebhookRequest;
///
/// let body = r#"{"_id_": "MSG0001", "message": "hola", "contactId": "14155550100"}"#;
/// let request = WebhookRequest::new("https://bot.example.com/botmaker", body)
///     .with_header("content-type", "application/json");
/// let events = parse_request(&request).unwrap();
/// assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
/// ```
pub fn parse_request(request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
    json_content_type(request.content_type())?;
    body_events(request.body())
}

/// The events of a body: by the quick path when it takes the body on, otherwise through
/// the typed view (without `Extra`: the events need none of the keys no field takes).
fn body_events(body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    if let Some(events) = fast::events(body) {
        return Ok(events);
    }
    read::read_payload(body, false)?.into_events()
}

/// Reads a webhook body into its typed view.
///
/// # Errors
///
/// The errors of [`WebhookPayload::from_json`].
#[deprecated(note = "use `WebhookPayload::from_json`")]
pub fn parse_payload(body: &[u8]) -> Result<WebhookPayload, ParseError> {
    WebhookPayload::from_json(body)
}

/// Parses a webhook body into events, without a content type to check.
///
/// # Errors
///
/// The errors of [`WebhookPayload::from_json`], then those of [`WebhookPayload::to_events`].
#[deprecated(note = "use `parse_request`, or `WebhookPayload::from_json` and `to_events`")]
pub fn parse_events(body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    body_events(body)
}

/// Whether a webhook's content type may hold Botmaker's JSON. Botmaker does not document
/// it, so a missing one, `application/json`, `*/*+json`, `text/json` and `text/plain` are
/// all read as JSON.
fn json_content_type(ct: Option<&str>) -> Result<(), ParseError> {
    let Some(ct) = ct.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(());
    };
    let is = |name: &str| ct.eq_ignore_ascii_case(name);
    let json_suffix = ct
        .len()
        .checked_sub(5)
        .and_then(|at| ct.get(at..))
        .is_some_and(|end| end.eq_ignore_ascii_case("+json"));
    if is("application/json") || is("text/json") || is("text/plain") || json_suffix {
        Ok(())
    } else {
        Err(ParseError::UnsupportedContentType {
            content_type: ct.to_owned(),
        })
    }
}

/// The business addresses a webhook body names, best first: the WhatsApp number, then the
/// channel id. Empty when the body is not a JSON object.
pub(crate) fn business_addresses(body: &[u8]) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    [
        "WHATSAPP_NUMBER",
        "whatsappNumber",
        "chatChannelId",
        "channelId",
    ]
    .into_iter()
    .filter_map(|key| match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_debug_shows_names_not_values() {
        let p =
            WebhookPayload::from_json(br#"{"_id_": "M1", "CPF": "secret-number-123"}"#).unwrap();
        let dbg = format!("{p:?}");
        assert!(dbg.contains("CPF"));
        assert!(!dbg.contains("secret-number-123"));
    }

    #[test]
    fn format_detection() {
        assert!(matches!(
            WebhookPayload::from_json(br#"{"STATUS": "delivered", "_id_": "C1"}"#),
            Ok(WebhookPayload::Snapshot(_))
        ));
        assert!(matches!(
            WebhookPayload::from_json(br#"{"MESSAGE": "hi", "_id_": "M1"}"#),
            Ok(WebhookPayload::Legacy(_))
        ));
        assert!(matches!(
            WebhookPayload::from_json(br#"{"v": "1.1", "messages": []}"#),
            Ok(WebhookPayload::Envelope(_))
        ));
        // A bot variable named STATUS on a message does not make it a snapshot.
        assert!(matches!(
            WebhookPayload::from_json(
                br#"{"_id_": "M1", "date": "2026-01-01T00:00:00Z", "STATUS": "x"}"#
            ),
            Ok(WebhookPayload::Message(_))
        ));
    }

    #[test]
    fn fields_no_event_uses_are_still_checked_when_reading_for_events() {
        let body = br#"{"STATUS": "read", "_id_": "C1", "BUSINESS_ID": "acme", "x": [1]}"#;
        let WebhookPayload::Snapshot(s) = WebhookPayload::from_json(body).unwrap() else {
            panic!()
        };
        assert_eq!(s.business_id.as_deref(), Some("acme"));
        assert_eq!(s.extra.keys().collect::<Vec<_>>(), ["x"]);
        let WebhookPayload::Snapshot(s) = read::read_payload(body, false).unwrap() else {
            panic!()
        };
        assert!(s.extra.is_empty());
        assert!(
            read::read_payload(body, false)
                .unwrap()
                .into_events()
                .is_ok()
        );
        for body in [
            &br#"{"STATUS": "read", "_id_": "C1", "BUSINESS_ID": 5}"#[..],
            br#"{"_id_": "M1", "message": "hi", "queue": {}}"#,
            br#"{"STATUS": "read", "LAST_MESSAGE": {"_id_": "M", "sessionId": true}}"#,
        ] {
            let full = WebhookPayload::from_json(body).unwrap_err();
            assert_eq!(read::read_payload(body, false).unwrap_err(), full);
            assert!(matches!(full, ParseError::InvalidField { .. }), "{full}");
        }
    }

    #[test]
    fn skipped_values_fail_as_kept_ones_do() {
        let deep = format!(
            r#"{{"_id_": "M1", "x": {}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        for body in [
            deep.as_bytes(),
            br#"{"_id_": "M1", "x": [1,]}"#,
            br#"{"_id_": "M1", "x": {"a" 1}}"#,
            br#"{"_id_": "M1", "x": 1e999}"#,
            br#"{"_id_": "M1", "x": "\q"}"#,
            b"{\"_id_\": \"M1\", \"x\": \"\xff\"}",
        ] {
            let full = WebhookPayload::from_json(body).unwrap_err();
            assert!(matches!(full, ParseError::Malformed { .. }), "{full}");
            assert_eq!(read::read_payload(body, false).unwrap_err(), full);
        }
    }

    #[test]
    fn content_types() {
        assert!(json_content_type(None).is_ok());
        assert!(json_content_type(Some("application/json")).is_ok());
        assert!(json_content_type(Some("Application/JSON")).is_ok());
        assert!(json_content_type(Some("application/vnd.botmaker+json")).is_ok());
        assert!(json_content_type(Some("application/ld+JSON")).is_ok());
        assert!(json_content_type(Some(" TEXT/plain ")).is_ok());
        assert!(json_content_type(Some("+json")).is_ok());
        assert!(json_content_type(Some("json")).is_err());
        assert!(json_content_type(Some("application/jsonp")).is_err());
        assert_eq!(
            json_content_type(Some("application/x-www-form-urlencoded")),
            Err(ParseError::UnsupportedContentType {
                content_type: "application/x-www-form-urlencoded".into()
            })
        );
    }
}
