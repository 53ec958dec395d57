//! Reading the Graph API's answers: a send's receipt (`messages[0].id`,
//! `contacts[0].wa_id`), and error bodies (`{"error": {"code": …, "error_subcode": …,
//! "message": …, "error_data": {"details": …}, "fbtrace_id": …}}`), classified by
//! [`classify`].

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiErrorKind, Error, excerpt};
use crate::event::DeliveryStatus;
use crate::message::SendReceipt;
use crate::provider::ProviderKind;
use crate::transport::{self, unconfirmed_send};

const META: ProviderKind = ProviderKind::META;
/// How many characters of a body that is not the Graph API's JSON go into a message.
const EXCERPT_CHARS: usize = 200;

/// What a Graph API error code means. Meta's code wins over the HTTP status (but HTTP 429
/// is always rate limiting):
///
/// - 131047: a free-form message outside the 24-hour window ([`ApiErrorKind::OutsideWindow`]);
/// - 131026: undeliverable to this recipient ([`ApiErrorKind::Undeliverable`]);
/// - 130429 (throughput), 131056 (too many messages to one user), 80007 (the business
///   account's limit) and 4 (the app's limit): [`ApiErrorKind::RateLimited`];
/// - 190 (expired or invalid access token), 0, 10 and 200–299 (permissions):
///   [`ApiErrorKind::Unauthorized`];
/// - 100 (an invalid parameter) and 131009: [`ApiErrorKind::BadRequest`];
/// - 131051: a message type WhatsApp does not take ([`ApiErrorKind::UnsupportedType`]);
/// - 132000–132999 (132000: the parameters do not match the template, 132001: no such
///   template in that language): [`ApiErrorKind::Template`];
/// - 131030 and 131021 (a recipient not allowed, or the sender itself):
///   [`ApiErrorKind::InvalidRecipient`].
///
/// ```
/// use whatsapp_connector::meta::classify;
/// use whatsapp_connector::ApiErrorKind;
///
/// assert_eq!(classify(400, Some(131047)), ApiErrorKind::OutsideWindow);
/// assert_eq!(classify(400, Some(131056)), ApiErrorKind::RateLimited);
/// assert_eq!(classify(401, Some(190)), ApiErrorKind::Unauthorized);
/// assert_eq!(classify(404, Some(132001)), ApiErrorKind::Template);
/// assert_eq!(classify(503, None), ApiErrorKind::ServerError);
/// ```
pub fn classify(http_status: u16, code: Option<i64>) -> ApiErrorKind {
    if http_status == 429 {
        return ApiErrorKind::RateLimited;
    }
    match code {
        Some(131047) => ApiErrorKind::OutsideWindow,
        Some(131026) => ApiErrorKind::Undeliverable,
        Some(130429 | 131056 | 80007 | 4) => ApiErrorKind::RateLimited,
        Some(190 | 0 | 10 | 200..=299) => ApiErrorKind::Unauthorized,
        Some(100 | 131009) => ApiErrorKind::BadRequest,
        Some(131051) => ApiErrorKind::UnsupportedType,
        Some(132000..=132999) => ApiErrorKind::Template,
        Some(131030 | 131021) => ApiErrorKind::InvalidRecipient,
        _ => ApiErrorKind::from_http_status(http_status),
    }
}

/// The Graph API's error object, as it answered: everything it says beyond what
/// [`ApiError`] keeps (the subcode, the details, the trace id to quote to Meta's support).
///
/// ```
/// use whatsapp_connector::meta::GraphError;
///
/// let body = r#"{"error": {"message": "(#131047) Re-engagement message", "type": "OAuthException",
///   "code": 131047, "error_subcode": 2494010, "error_data": {"messaging_product": "whatsapp",
///   "details": "More than 24 hours have passed since the recipient last replied"},
///   "fbtrace_id": "AbCdEfInvented"}}"#;
/// let e = GraphError::from_body(body).unwrap();
/// assert_eq!(e.code, Some(131047));
/// assert_eq!(e.error_subcode, Some(2494010));
/// assert_eq!(e.fbtrace_id.as_deref(), Some("AbCdEfInvented"));
/// assert!(e.details.unwrap().starts_with("More than 24 hours"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GraphError {
    /// `error.code`.
    pub code: Option<i64>,
    /// `error.error_subcode`.
    pub error_subcode: Option<i64>,
    /// `error.type` (`OAuthException`, …).
    pub kind: Option<String>,
    /// `error.message`.
    pub message: Option<String>,
    /// `error.error_data.details`: what exactly was wrong.
    pub details: Option<String>,
    /// `error.error_user_title`.
    pub user_title: Option<String>,
    /// `error.error_user_msg`.
    pub user_message: Option<String>,
    /// `error.fbtrace_id`: quote it to Meta's support.
    pub fbtrace_id: Option<String>,
}

impl GraphError {
    /// Reads a Graph API error body; `None` when it is not one (no `error` object).
    pub fn from_body(body: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(body).ok()?;
        Self::from_value(&v)
    }

    /// The Graph API error behind `error`, when the Cloud API answered with one.
    pub fn of(error: &Error) -> Option<Self> {
        error
            .api()
            .filter(|a| a.provider == META)
            .and_then(|a| Self::from_body(&a.body))
    }

    fn from_value(v: &Value) -> Option<Self> {
        let e = v.get("error").filter(|e| e.is_object())?;
        let int = |v: Option<&Value>| match v {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        };
        let text = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        Some(GraphError {
            code: int(e.get("code")),
            error_subcode: int(e.get("error_subcode")),
            kind: text(e.get("type")),
            message: text(e.get("message")),
            details: text(e.get("error_data").and_then(|d| d.get("details"))),
            user_title: text(e.get("error_user_title")),
            user_message: text(e.get("error_user_msg")),
            fbtrace_id: text(e.get("fbtrace_id")),
        })
    }
}

/// The error for a non-2xx answer: the Graph API's error object, or an excerpt of a body
/// that is not one. The message is `error.message`, followed by `error_data.details` when
/// it says more.
pub(crate) fn api_error(status: u16, body: &str, retry_after: Option<Duration>) -> ApiError {
    let err = match GraphError::from_body(body) {
        Some(g) => {
            let mut message = g
                .message
                .clone()
                .or_else(|| g.user_message.clone())
                .unwrap_or_else(|| format!("HTTP {status}"));
            if let Some(d) = g.details.as_deref().filter(|d| !message.contains(d)) {
                message = format!("{message}: {d}");
            }
            let mut e = ApiError::new(META, status, message).with_kind(classify(status, g.code));
            if let Some(c) = g.code {
                e = e.with_code(c.to_string());
            }
            e
        }
        None => ApiError::new(
            META,
            status,
            transport::unreadable_error_message(status, body, "a Graph API error"),
        )
        .with_kind(classify(status, None)),
    };
    err.with_body(body).with_retry_after(retry_after)
}

#[derive(Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    message_status: Option<String>,
}

/// Reads the 2xx answer `url` gave to a send. A body that names no message id is
/// [`Error::MaybeSent`]: Meta took the request, but which message it made is unknown.
pub(crate) fn receipt(url: &str, status: u16, body: &[u8]) -> Result<SendReceipt, Error> {
    let shown = || excerpt(String::from_utf8_lossy(body).trim(), EXCERPT_CHARS);
    let maybe = |why: &str| Error::MaybeSent(unconfirmed_send(&META, url, status, why, &shown()));
    let value: Value = serde_json::from_slice(body).map_err(|_| maybe("the body is not JSON"))?;
    let answer =
        SendAnswer::deserialize(&value).map_err(|_| maybe("the body is not a send answer"))?;
    let Some(first) = answer.messages.into_iter().next() else {
        return Err(maybe("the body names no message"));
    };
    let Some(id) = first.id.filter(|s| !s.trim().is_empty()) else {
        return Err(maybe("the body has no message id"));
    };
    let status = first
        .message_status
        .as_deref()
        .map_or(DeliveryStatus::Accepted, DeliveryStatus::parse);
    Ok(SendReceipt::new(META, id, status, value))
}

/// The WhatsApp id Meta resolved the recipient to (`contacts[0].wa_id` of the send's
/// answer), from a receipt of a Meta send.
///
/// ```
/// use whatsapp_connector::meta::recipient_wa_id;
/// use whatsapp_connector::{DeliveryStatus, ProviderKind, SendReceipt};
///
/// let raw = serde_json::json!({"messaging_product": "whatsapp",
///     "contacts": [{"input": "+5491122223333", "wa_id": "5491122223333"}],
///     "messages": [{"id": "wamid.INVENTED2"}]});
/// let r = SendReceipt::new(ProviderKind::META, "wamid.INVENTED2", DeliveryStatus::Accepted, raw);
/// assert_eq!(recipient_wa_id(&r), Some("5491122223333"));
/// ```
pub fn recipient_wa_id(receipt: &SendReceipt) -> Option<&str> {
    receipt
        .raw
        .get("contacts")?
        .get(0)?
        .get("wa_id")?
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// True when a 2xx answer to a read mark or typing indicator says it worked: Meta answers
/// `{"success": true}`; an empty or other body counts as done too, since the call has no
/// effect worth repeating.
pub(crate) fn succeeded(body: &[u8]) -> bool {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("success").and_then(Value::as_bool))
        != Some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://graph.facebook.com/v23.0/100000000000001/messages";

    #[test]
    fn receipts() {
        let r = receipt(
            URL,
            200,
            br#"{"messaging_product": "whatsapp", "contacts": [{"input": "5491122223333", "wa_id": "5491122223333"}], "messages": [{"id": "wamid.X1", "message_status": "accepted"}]}"#,
        )
        .unwrap();
        assert_eq!(r.message_id, "wamid.X1");
        assert_eq!(r.status, DeliveryStatus::Accepted);
        assert_eq!(recipient_wa_id(&r), Some("5491122223333"));
        let paused = receipt(URL, 200, br#"{"messages": [{"id": "wamid.X2", "message_status": "held_for_quality_assessment"}]}"#).unwrap();
        assert_eq!(
            paused.status,
            DeliveryStatus::Other("held_for_quality_assessment".into())
        );
        for body in [
            &b""[..],
            b"<html>",
            b"{}",
            br#"{"messages": []}"#,
            br#"{"messages": [{"id": ""}]}"#,
            br#"{"messages": [{"id": 7}]}"#,
            b"[1]",
        ] {
            let e = receipt(URL, 200, body).unwrap_err();
            assert!(e.may_have_been_sent() && !e.is_retryable(), "{e:?}");
            assert_eq!(e.url(), Some(URL));
        }
    }

    #[test]
    fn error_bodies() {
        let e = api_error(
            400,
            r#"{"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100, "error_data": {"messaging_product": "whatsapp", "details": "Param text['body'] is required"}, "fbtrace_id": "Ax1"}}"#,
            None,
        );
        assert_eq!(e.kind, ApiErrorKind::BadRequest);
        assert_eq!(e.code.as_deref(), Some("100"));
        assert_eq!(
            e.message,
            "(#100) Invalid parameter: Param text['body'] is required"
        );
        let e = api_error(502, "<html>Bad gateway</html>", None);
        assert_eq!(e.kind, ApiErrorKind::ServerError);
        assert!(e.message.contains("not a Graph API error"));
        let e = api_error(400, "", Some(Duration::from_secs(2)));
        assert_eq!(e.message, "HTTP 400 with an empty body");
        assert_eq!(e.retry_after, Some(Duration::from_secs(2)));
        let e = api_error(400, r#"{"error": {"code": "131056"}}"#, None);
        assert!(e.is_retryable());
        assert_eq!(e.message, "HTTP 400");
        assert!(GraphError::from_body(r#"{"error": "x"}"#).is_none());
    }

    #[test]
    fn status_answers() {
        assert!(succeeded(br#"{"success": true}"#));
        assert!(succeeded(b""));
        assert!(!succeeded(br#"{"success": false}"#));
    }
}
