//! The verification request Meta sends when a webhook URL is configured: a `GET` with
//! `hub.mode=subscribe`, `hub.verify_token` (the token you typed in the app dashboard) and
//! `hub.challenge`, to be answered with the challenge when the token is yours.

use crate::error::HandshakeError;
use crate::provider::{Acknowledgement, WebhookRequest};
use crate::secret::Secret;

/// The longest challenge echoed back. Meta's are short numbers.
pub const MAX_CHALLENGE_LEN: usize = 256;

/// The answer to Meta's verification request with the query string `query` (after `?`):
/// the challenge to echo (`200`, `text/plain`) when `hub.mode` is `subscribe` and
/// `hub.verify_token` is one of `tokens` (compared in constant time).
///
/// ```
/// use whatsapp_connector::meta::handshake::answer;
/// use whatsapp_connector::{HandshakeError, Secret};
///
/// let tokens = [Secret::new("my-verify-token")];
/// let query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=my-verify-token";
/// assert_eq!(answer(query, &tokens).as_deref(), Ok("1158201444"));
///
/// let wrong = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess";
/// assert_eq!(answer(wrong, &tokens), Err(HandshakeError::TokenMismatch));
/// ```
///
/// # Errors
///
/// - [`HandshakeError::Malformed`] (answer 400) when `hub.mode` is missing or not
///   `subscribe`, when `hub.challenge` is missing, empty, longer than
///   [`MAX_CHALLENGE_LEN`] or not visible ASCII, or when a parameter comes more than once;
/// - [`HandshakeError::NoToken`] (403) when `tokens` is empty;
/// - [`HandshakeError::TokenMismatch`] (403) when `hub.verify_token` is missing or matches
///   none of `tokens`.
pub fn answer(query: &str, tokens: &[Secret]) -> Result<String, HandshakeError> {
    let mut mode = None;
    let mut token = None;
    let mut challenge = None;
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "hub.mode" => &mut mode,
            "hub.verify_token" => &mut token,
            "hub.challenge" => &mut challenge,
            _ => continue,
        };
        if slot.is_some() {
            return Err(malformed(format!("{name} comes more than once")));
        }
        *slot = Some(value);
    }
    match mode.as_deref() {
        Some("subscribe") => {}
        Some(other) => {
            return Err(malformed(format!(
                "hub.mode is {:?}, not \"subscribe\"",
                crate::error::excerpt(other, 32)
            )));
        }
        None => return Err(malformed("hub.mode is missing".to_owned())),
    }
    let challenge = match challenge {
        None => return Err(malformed("hub.challenge is missing".to_owned())),
        Some(c) if c.is_empty() => return Err(malformed("hub.challenge is empty".to_owned())),
        Some(c) if c.len() > MAX_CHALLENGE_LEN => {
            return Err(malformed(format!(
                "hub.challenge is longer than {MAX_CHALLENGE_LEN} bytes"
            )));
        }
        Some(c) if !c.bytes().all(|b| b.is_ascii_graphic()) => {
            return Err(malformed(
                "hub.challenge holds characters other than visible ASCII".to_owned(),
            ));
        }
        Some(c) => c.into_owned(),
    };
    if tokens.is_empty() {
        return Err(HandshakeError::NoToken);
    }
    let Some(token) = token else {
        return Err(HandshakeError::TokenMismatch);
    };
    // Every token is compared, so the time does not tell which one matched.
    let matched = tokens
        .iter()
        .fold(false, |any, t| t.constant_time_eq(&token) | any);
    if matched {
        Ok(challenge)
    } else {
        Err(HandshakeError::TokenMismatch)
    }
}

/// [`answer`] for a request: `None` when it is not a `GET` (so not a handshake), else the
/// challenge as a `200 text/plain` acknowledgement, or the refusal.
pub fn acknowledge(
    request: &WebhookRequest,
    tokens: &[Secret],
) -> Option<Result<Acknowledgement, HandshakeError>> {
    if request.method() != http::Method::GET {
        return None;
    }
    let query = request.query().unwrap_or("");
    Some(answer(query, tokens).map(|c| Acknowledgement::new("text/plain", c)))
}

fn malformed(reason: String) -> HandshakeError {
    HandshakeError::Malformed { reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Vec<Secret> {
        vec![Secret::new("old-token"), Secret::new("new token/+")]
    }

    fn reason(q: &str) -> String {
        match answer(q, &tokens()) {
            Err(HandshakeError::Malformed { reason }) => reason,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn accepts_any_configured_token_decoded() {
        let q = "hub.mode=subscribe&hub.challenge=42&hub.verify_token=new+token%2F%2B";
        assert_eq!(answer(q, &tokens()).as_deref(), Ok("42"));
        let q = "hub.verify_token=old-token&hub.challenge=CHALLENGE_ACCEPTED&hub.mode=subscribe";
        assert_eq!(answer(q, &tokens()).as_deref(), Ok("CHALLENGE_ACCEPTED"));
    }

    #[test]
    fn refuses_with_a_reason() {
        assert!(
            reason("hub.challenge=1&hub.verify_token=old-token").contains("hub.mode is missing")
        );
        assert!(reason("hub.mode=unsubscribe&hub.challenge=1").contains("not \"subscribe\""));
        assert!(
            reason("hub.mode=subscribe&hub.verify_token=old-token")
                .contains("challenge is missing")
        );
        assert!(reason("hub.mode=subscribe&hub.challenge=").contains("empty"));
        assert!(reason("hub.mode=subscribe&hub.challenge=a%0Ab").contains("visible ASCII"));
        assert!(
            reason(&format!(
                "hub.mode=subscribe&hub.challenge={}",
                "9".repeat(257)
            ))
            .contains("longer")
        );
        assert!(
            reason("hub.mode=subscribe&hub.mode=subscribe&hub.challenge=1")
                .contains("more than once")
        );
        assert_eq!(
            answer(
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=guess",
                &tokens()
            ),
            Err(HandshakeError::TokenMismatch)
        );
        assert_eq!(
            answer("hub.mode=subscribe&hub.challenge=1", &tokens()),
            Err(HandshakeError::TokenMismatch)
        );
        assert_eq!(
            answer(
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=old-token",
                &[]
            ),
            Err(HandshakeError::NoToken)
        );
        // The token never shows in a refusal.
        let e = answer(
            "hub.mode=subscribe&hub.challenge=1&hub.verify_token=old-tokeN",
            &tokens(),
        )
        .unwrap_err();
        assert!(!format!("{e} {e:?}").contains("old-toke"));
    }

    #[test]
    fn only_a_get_is_a_handshake() {
        let url = "https://bot.example.com/meta?hub.mode=subscribe&hub.challenge=7&hub.verify_token=old-token";
        let post = WebhookRequest::new(url, "{}");
        assert!(acknowledge(&post, &tokens()).is_none());
        let get = post.with_method(http::Method::GET);
        let ack = acknowledge(&get, &tokens()).unwrap().unwrap();
        assert_eq!(ack.status(), http::StatusCode::OK);
        assert_eq!(ack.content_type(), Some("text/plain"));
        assert_eq!(&ack.body()[..], b"7");
        let bare =
            WebhookRequest::new("https://bot.example.com/meta", "").with_method(http::Method::GET);
        assert_eq!(
            acknowledge(&bare, &tokens()).unwrap().unwrap_err().status(),
            http::StatusCode::BAD_REQUEST
        );
    }
}
