//! Webhook authenticity: Botmaker sends the webhook's token, verbatim, in the `auth-bm-token`
//! header of every notification. There is no signature; the token is a shared secret.

use crate::error::VerifyError;
use crate::provider::WebhookRequest;
use crate::secret::Secret;

/// The header Botmaker puts the webhook token in.
pub const TOKEN_HEADER: &str = "auth-bm-token";

/// Checks a webhook's `auth-bm-token` header against the configured tokens.
///
/// Every configured token is compared, in time that depends neither on which token matches
/// nor on where a wrong one differs, so several tokens can be accepted at once while one is
/// rotated out. Without the header the request is refused unless `accept_unsigned` is set.
///
/// ```
/// use whatsapp_connector::{Secret, VerifyError, WebhookRequest};
/// use whatsapp_connector::botmaker::auth::verify_token;
///
/// let tokens = [Secret::new("old-token"), Secret::new("new-token")];
/// let req = WebhookRequest::new("https://bot.example.com/bm", "{}")
///     .with_header("auth-bm-token", "new-token");
/// assert_eq!(verify_token(&tokens, false, &req), Ok(()));
///
/// let unsigned = WebhookRequest::new("https://bot.example.com/bm", "{}");
/// assert_eq!(
///     verify_token(&tokens, false, &unsigned),
///     Err(VerifyError::MissingHeader { header: "auth-bm-token" })
/// );
/// ```
pub fn verify_token(
    tokens: &[Secret],
    accept_unsigned: bool,
    request: &WebhookRequest,
) -> Result<(), VerifyError> {
    let mut values = request.headers().get_all(TOKEN_HEADER).iter();
    let Some(value) = values.next() else {
        if accept_unsigned {
            return Ok(());
        }
        if tokens.is_empty() {
            return Err(VerifyError::NoSecret);
        }
        return Err(VerifyError::MissingHeader {
            header: TOKEN_HEADER,
        });
    };
    if values.next().is_some() {
        return Err(VerifyError::MalformedHeader {
            header: TOKEN_HEADER,
            reason: "it is given more than once".into(),
        });
    }
    if tokens.is_empty() {
        if accept_unsigned {
            // Nothing to compare with, and the caller chose to accept anything.
            return Ok(());
        }
        return Err(VerifyError::NoSecret);
    }
    let presented = value.as_bytes();
    if presented.is_empty() {
        return Err(VerifyError::MalformedHeader {
            header: TOKEN_HEADER,
            reason: "it is empty".into(),
        });
    }
    let presented = match std::str::from_utf8(presented) {
        Ok(s) => s,
        Err(_) => {
            return Err(VerifyError::MalformedHeader {
                header: TOKEN_HEADER,
                reason: "it is not valid UTF-8".into(),
            });
        }
    };
    // No short circuit: every token is compared whichever matches.
    let matched = tokens
        .iter()
        .fold(false, |acc, t| acc | t.constant_time_eq(presented));
    if matched {
        Ok(())
    } else {
        Err(VerifyError::TokenMismatch {
            header: TOKEN_HEADER,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(token: Option<&str>) -> WebhookRequest {
        let r = WebhookRequest::new("https://bot.example.com/bm", "{}");
        match token {
            Some(t) => r.with_header("Auth-Bm-Token", t),
            None => r,
        }
    }

    #[test]
    fn header_name_is_case_insensitive_and_any_token_matches() {
        let tokens = [Secret::new("tok-a"), Secret::new("tok-b")];
        assert_eq!(verify_token(&tokens, false, &req(Some("tok-a"))), Ok(()));
        assert_eq!(verify_token(&tokens, false, &req(Some("tok-b"))), Ok(()));
        assert_eq!(
            verify_token(&tokens, false, &req(Some("tok-c"))),
            Err(VerifyError::TokenMismatch {
                header: TOKEN_HEADER
            })
        );
        assert_eq!(
            verify_token(&tokens, false, &req(Some("tok-a "))),
            Err(VerifyError::TokenMismatch {
                header: TOKEN_HEADER
            })
        );
    }

    #[test]
    fn missing_header_only_passes_when_opted_in() {
        let tokens = [Secret::new("tok-a")];
        assert!(matches!(
            verify_token(&tokens, false, &req(None)),
            Err(VerifyError::MissingHeader { .. })
        ));
        assert_eq!(verify_token(&tokens, true, &req(None)), Ok(()));
        // Opting in never lets a wrong token through.
        assert!(verify_token(&tokens, true, &req(Some("nope"))).is_err());
        assert_eq!(
            verify_token(&[], false, &req(Some("x"))),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn repeated_or_empty_headers_are_malformed() {
        let tokens = [Secret::new("tok-a")];
        let twice = req(Some("tok-a")).append_header("auth-bm-token", "tok-a");
        assert!(matches!(
            verify_token(&tokens, false, &twice),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            verify_token(&tokens, false, &req(Some(""))),
            Err(VerifyError::MalformedHeader { .. })
        ));
    }
}
