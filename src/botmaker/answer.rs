//! Reading Botmaker's answers: a send's receipt, error bodies (v1's `{"error": …}` and v2's
//! `{"errors": […]}`, classified by [`classify`]).

use std::time::Duration;

use serde_json::Value;

use crate::error::{ApiError, ApiErrorKind, Error, excerpt};
use crate::event::DeliveryStatus;
use crate::message::SendReceipt;
use crate::provider::ProviderKind;
use crate::transport::unconfirmed_send;

const BOTMAKER: ProviderKind = ProviderKind::BOTMAKER;
/// How many characters of a body that is not Botmaker's JSON go into a message.
const EXCERPT_CHARS: usize = 200;

/// What an error answer means. Botmaker's own code wins over the HTTP status (but HTTP 429
/// is always rate limiting): 101 is a lack of credit, 201 a free-form message outside the
/// 24-hour window.
///
/// ```
/// use whatsapp_connector::botmaker::classify;
/// use whatsapp_connector::ApiErrorKind;
///
/// assert_eq!(classify(200, Some("101")), ApiErrorKind::InsufficientCredit);
/// assert_eq!(classify(403, Some("201")), ApiErrorKind::OutsideWindow);
/// assert_eq!(classify(429, None), ApiErrorKind::RateLimited);
/// assert_eq!(classify(400, Some("VALIDATION")), ApiErrorKind::BadRequest);
/// ```
pub fn classify(http_status: u16, code: Option<&str>) -> ApiErrorKind {
    if http_status == 429 {
        return ApiErrorKind::RateLimited;
    }
    match code.map(str::trim) {
        Some("101") => ApiErrorKind::InsufficientCredit,
        Some("201") => ApiErrorKind::OutsideWindow,
        _ => ApiErrorKind::from_http_status(http_status),
    }
}

/// Reads the answer `url` gave to a send: a success becomes a receipt, an error an
/// [`ApiError`].
///
/// Any 2xx is a success unless its body carries an error (`{"error": {...}}` from v1, or a
/// non-empty `{"errors": [...]}`). The receipt's id is v2's `webhookNotificationId`, or
/// v1's `id`. A 2xx that names no id is [`Error::MaybeSent`]: Botmaker took the request,
/// but which message it made is unknown.
pub(crate) fn interpret(
    url: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> Result<SendReceipt, Error> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let success = (200..300).contains(&status);
    if !success || json.as_ref().is_some_and(carries_error) {
        return Err(api_error(status, retry_after, body, json.as_ref()).into());
    }
    let id = json
        .as_ref()
        .and_then(|v| v.get("webhookNotificationId").or_else(|| v.get("id")))
        .and_then(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    match (id, json) {
        (Some(id), Some(raw)) => Ok(SendReceipt::new(
            BOTMAKER,
            id,
            DeliveryStatus::Accepted,
            raw,
        )),
        (_, json) => {
            let why = if json.is_some() {
                "the body names no message id"
            } else {
                "the body is not JSON"
            };
            let shown = excerpt(body.trim(), EXCERPT_CHARS);
            Err(Error::MaybeSent(unconfirmed_send(
                &BOTMAKER, url, status, why, &shown,
            )))
        }
    }
}

pub(crate) fn carries_error(v: &Value) -> bool {
    v.get("error").is_some_and(Value::is_object)
        || v.get("errors")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
}

/// The error for an answer: its code and message from v1's or v2's error JSON, or an
/// excerpt of a body that is neither.
pub(crate) fn api_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
    json: Option<&Value>,
) -> ApiError {
    let (code, message) = json.map(code_and_message).unwrap_or_default();
    let message = message.unwrap_or_else(|| {
        if body.trim().is_empty() {
            format!("HTTP {status} with an empty body")
        } else {
            excerpt(body.trim(), EXCERPT_CHARS)
        }
    });
    let mut err = ApiError::new(BOTMAKER, status, message)
        .with_kind(classify(status, code.as_deref()))
        .with_body(body)
        .with_retry_after(retry_after);
    if let Some(c) = code {
        err = err.with_code(c);
    }
    err
}

/// The code and message of v1's `{"error": {"code": 101, "message": "…"}}` or v2's
/// `{"errors": [{"type": "…", "source": "…", "message": "…"}]}`.
fn code_and_message(v: &Value) -> (Option<String>, Option<String>) {
    if let Some(e) = v.get("error").filter(|e| e.is_object()) {
        let code = e.get("code").and_then(|c| match c {
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
        let message = e.get("message").and_then(Value::as_str).map(str::to_owned);
        return (code, message);
    }
    let Some(items) = v.get("errors").and_then(Value::as_array) else {
        return (None, None);
    };
    let text = |item: &Value, key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let code = items.first().and_then(|i| text(i, "type"));
    let parts: Vec<String> = items
        .iter()
        .filter_map(|i| match (text(i, "source"), text(i, "message")) {
            (Some(s), Some(m)) => Some(format!("{s}: {m}")),
            (None, Some(m)) => Some(m),
            (Some(s), None) => Some(s),
            (None, None) => None,
        })
        .collect();
    (code, (!parts.is_empty()).then(|| parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://api.botmaker.com/v2.0/chats-actions/send-messages";

    fn api(r: Result<SendReceipt, Error>) -> ApiError {
        match r {
            Err(Error::Api(a)) => *a,
            other => panic!("not an API error: {other:?}"),
        }
    }

    #[test]
    fn answers_and_errors() {
        let ok = interpret(URL, 202, None, r#"{"webhookNotificationId": "WN-1"}"#).unwrap();
        assert_eq!(ok.message_id, "WN-1");
        assert_eq!(ok.status, DeliveryStatus::Accepted);
        assert_eq!(
            interpret(URL, 200, None, r#"{"id": "M1"}"#)
                .unwrap()
                .message_id,
            "M1"
        );
        // A 2xx that names no message: taken, but which message is unknown.
        for body in ["", "{}", r#"{"id": ""}"#, "<html>ok</html>", "[]"] {
            let e = interpret(URL, 204, None, body).unwrap_err();
            assert!(matches!(e, Error::MaybeSent(_)), "{body}: {e:?}");
            assert!(e.may_have_been_sent() && !e.is_retryable());
            assert_eq!(e.url(), Some(URL));
        }

        let credit = api(interpret(
            URL,
            200,
            None,
            r#"{"error": {"code": 101, "message": "Insufficient credit"}}"#,
        ));
        assert_eq!(credit.kind, ApiErrorKind::InsufficientCredit);
        assert_eq!(credit.code.as_deref(), Some("101"));
        assert_eq!(credit.status, 200);
        let window = api(interpret(
            URL,
            403,
            None,
            r#"{"error": {"code": "201", "message": "User window is over 24 hours"}}"#,
        ));
        assert_eq!(window.kind, ApiErrorKind::OutsideWindow);

        let v2 = api(interpret(
            URL,
            400,
            None,
            r#"{"errors": [{"type": "VALIDATION", "source": "chat.contactId", "message": "required"}, {"message": "bad media"}]}"#,
        ));
        assert_eq!(v2.kind, ApiErrorKind::BadRequest);
        assert_eq!(v2.code.as_deref(), Some("VALIDATION"));
        assert_eq!(v2.message, "chat.contactId: required; bad media");

        let limited = api(interpret(URL, 429, Some(Duration::from_secs(1)), ""));
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after, Some(Duration::from_secs(1)));
        let server = api(interpret(URL, 502, None, "<html>bad gateway</html>"));
        assert_eq!(server.kind, ApiErrorKind::ServerError);
        assert_eq!(server.message, "<html>bad gateway</html>");
    }
}
