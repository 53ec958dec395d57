//! Reading Twilio's answers: the Message resource of a send (the [`SendReceipt`]), and
//! error bodies (an [`ApiError`], classified by [`classify`]).

use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ApiError, ApiErrorKind, Error, excerpt};
use crate::event::DeliveryStatus;
use crate::message::SendReceipt;
use crate::provider::ProviderKind;
use crate::transport::{self, unconfirmed_send};

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// How many characters of a body that is not Twilio's JSON go into a message.
const EXCERPT_CHARS: usize = 200;

/// What an error code means. Twilio's own code wins over the HTTP status: 20003 is an auth
/// failure, 21211 an invalid `To`, 21610 a recipient who opted out, 63015 a sandbox
/// recipient who has not joined, 63016 a free-form message outside the 24-hour window,
/// 20429 and 63018 (and HTTP 429) rate limiting.
///
/// ```
/// use whatsapp_connector::twilio::classify;
/// use whatsapp_connector::ApiErrorKind;
///
/// assert_eq!(classify(400, Some("63016")), ApiErrorKind::OutsideWindow);
/// assert_eq!(classify(429, None), ApiErrorKind::RateLimited);
/// assert_eq!(classify(503, None), ApiErrorKind::ServerError);
/// ```
pub fn classify(http_status: u16, code: Option<&str>) -> ApiErrorKind {
    match code.map(str::trim) {
        Some("20003") => ApiErrorKind::Unauthorized,
        Some("21211") => ApiErrorKind::InvalidRecipient,
        Some("21610") => ApiErrorKind::OptedOut,
        Some("63015") => ApiErrorKind::SandboxNotJoined,
        Some("63016") => ApiErrorKind::OutsideWindow,
        Some("20429") | Some("63018") => ApiErrorKind::RateLimited,
        _ => ApiErrorKind::from_http_status(http_status),
    }
}

/// Builds the error for a non-2xx answer: Twilio's JSON (`code`, `message`, `more_info`,
/// or the newer `title`/`detail`), or an excerpt of a body that is not.
pub(crate) fn api_error(status: u16, body: &str, retry_after: Option<Duration>) -> ApiError {
    let json = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .filter(|m| m.contains_key("code") || m.contains_key("message"));
    let err = match json {
        Some(m) => {
            let code = match m.get("code") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                _ => None,
            };
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
            let message = text("message")
                .or_else(|| text("detail"))
                .or_else(|| text("title"))
                .unwrap_or_else(|| format!("HTTP {status}"));
            let mut e = ApiError::new(TWILIO, status, message)
                .with_more_info(text("more_info"))
                .with_kind(classify(status, code.as_deref()));
            if let Some(c) = code {
                e = e.with_code(c);
            }
            e
        }
        None => ApiError::new(
            TWILIO,
            status,
            transport::unreadable_error_message(status, body, "Twilio's error JSON"),
        )
        .with_kind(classify(status, None)),
    };
    err.with_body(body).with_retry_after(retry_after)
}

/// The part of the Message resource a receipt needs.
#[derive(Deserialize)]
struct MessageResource {
    #[serde(default)]
    sid: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

/// Reads the `201` Message resource that `url` answered. A body that is not the resource,
/// or names no message, is [`Error::MaybeSent`]: Twilio took the request, but which
/// message it made is unknown.
pub(crate) fn receipt(url: &str, status: u16, body: &[u8]) -> Result<SendReceipt, Error> {
    let shown = || excerpt(String::from_utf8_lossy(body).trim(), EXCERPT_CHARS);
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        Error::MaybeSent(
            unconfirmed_send(&TWILIO, url, status, "the body is not JSON", &shown()).with_source(e),
        )
    })?;
    let resource = MessageResource::deserialize(&value).map_err(|e| {
        Error::MaybeSent(
            unconfirmed_send(&TWILIO, url, status, "the body is not a Message", &shown())
                .with_source(e),
        )
    })?;
    let Some(sid) = resource.sid.filter(|s| !s.is_empty()) else {
        return Err(Error::MaybeSent(unconfirmed_send(
            &TWILIO,
            url,
            status,
            "the body has no message sid",
            &shown(),
        )));
    };
    let status = resource.status.as_deref().map_or(
        DeliveryStatus::Other("unknown".into()),
        DeliveryStatus::parse,
    );
    Ok(SendReceipt::new(TWILIO, sid, status, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json";

    #[test]
    fn error_bodies() {
        let e = api_error(
            400,
            r#"{"code": 21211, "message": "The 'To' number is not valid.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#,
            None,
        );
        assert_eq!(e.code.as_deref(), Some("21211"));
        assert_eq!(e.kind, ApiErrorKind::InvalidRecipient);
        assert_eq!(
            e.more_info.as_deref(),
            Some("https://www.twilio.com/docs/errors/21211")
        );
        let e = api_error(502, "<html>Bad gateway</html>", None);
        assert_eq!(e.kind, ApiErrorKind::ServerError);
        assert!(e.message.contains("<html>Bad gateway</html>"));
        assert!(e.code.is_none());
        let e = api_error(400, "[1, 2]", None);
        assert!(e.message.contains("not Twilio's error JSON"));
        let e = api_error(
            429,
            r#"{"type": "x", "title": "Too Many Requests", "status": 429, "code": "20429"}"#,
            None,
        );
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ApiErrorKind::RateLimited, "Too Many Requests")
        );
    }

    #[test]
    fn receipts() {
        let r = receipt(URL, 201, br#"{"sid": "SM1", "status": "queued"}"#).unwrap();
        assert_eq!(
            (r.message_id.as_str(), r.status),
            ("SM1", DeliveryStatus::Queued)
        );
        for body in [
            &b"oops"[..],
            b"{}",
            br#"{"sid": ""}"#,
            br#"{"sid": 5}"#,
            b"[]",
        ] {
            let e = receipt(URL, 201, body).unwrap_err();
            assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
            assert_eq!(e.url(), Some(URL));
        }
        let e = receipt(URL, 201, b"oops").unwrap_err();
        let source = std::error::Error::source(&e).expect("the JSON error");
        assert!(source.is::<serde_json::Error>(), "{source:?}");
    }
}
