//! Webhook authenticity: Botmaker sends the webhook's token, verbatim, in the `auth-bm-token`
//! header of every notification. There is no signature; the token is a shared secret.

use std::fmt;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;
use crate::secret::Secret;

/// The header Botmaker puts the webhook token in.
pub const TOKEN_HEADER: &str = "auth-bm-token";

/// Checks a webhook's `auth-bm-token` header against a set of webhook tokens.
///
/// Every configured token is compared, in time that depends neither on which token matches
/// nor on where a wrong one differs, so several tokens can be accepted at once while one is
/// rotated out. Without the header the request is refused unless
/// [`accept_unsigned`](Self::accept_unsigned) is set. `Debug` shows how many tokens there
/// are, never their values.
///
/// ```
/// use whatsapp_connector::{VerifyError, WebhookRequest};
/// use whatsapp_connector::botmaker::Verifier;
///
/// let verifier = Verifier::new().with_token("old-token").with_token("new-token");
/// let req = WebhookRequest::new("https://bot.example.com/bm", "{}")
///     .with_header("auth-bm-token", "new-token");
/// assert_eq!(verifier.verify(&req), Ok(()));
///
/// let unsigned = WebhookRequest::new("https://bot.example.com/bm", "{}");
/// assert_eq!(
///     verifier.verify(&unsigned),
///     Err(VerifyError::MissingHeader { header: "auth-bm-token" })
/// );
/// ```
#[derive(Clone, Default)]
pub struct Verifier {
    tokens: Vec<Secret>,
    accept_unsigned: bool,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("tokens", &self.tokens.len())
            .field("accept_unsigned", &self.accept_unsigned)
            .finish()
    }
}

impl Verifier {
    /// A verifier with no tokens yet (it rejects everything with [`VerifyError::NoSecret`]
    /// unless unsigned requests are accepted).
    pub fn new() -> Self {
        Verifier::default()
    }

    /// Accepts this token (in addition to those already added).
    pub fn with_token(mut self, token: impl Into<Secret>) -> Self {
        self.add_token(token);
        self
    }

    /// Adds a token.
    pub fn add_token(&mut self, token: impl Into<Secret>) {
        self.tokens.push(token.into());
    }

    /// Whether a request without the header passes. A request that has the header is
    /// checked all the same: a wrong token never passes.
    pub fn accept_unsigned(mut self, accept: bool) -> Self {
        self.accept_unsigned = accept;
        self
    }

    /// How many tokens are configured.
    pub fn token_count(&self) -> usize {
        self.tokens.len()
    }

    /// Whether a request without the header passes.
    pub fn accepts_unsigned(&self) -> bool {
        self.accept_unsigned
    }

    /// Verifies `request`'s `auth-bm-token` header.
    ///
    /// # Errors
    ///
    /// - [`VerifyError::MissingHeader`] when the request has no `auth-bm-token` header, unless
    ///   unsigned webhooks are accepted.
    /// - [`VerifyError::AmbiguousHeader`] when the header comes more than once.
    /// - [`VerifyError::MalformedHeader`] when it is empty or not valid UTF-8.
    /// - [`VerifyError::TokenMismatch`] when it matches none of the configured tokens.
    /// - [`VerifyError::NoSecret`] when no token is configured and unsigned webhooks are not
    ///   accepted.
    pub fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        let mut values = request.headers().get_all(TOKEN_HEADER).iter();
        let Some(value) = values.next() else {
            if self.accept_unsigned {
                return Ok(());
            }
            if self.tokens.is_empty() {
                return Err(VerifyError::NoSecret);
            }
            return Err(VerifyError::MissingHeader {
                header: TOKEN_HEADER,
            });
        };
        if values.next().is_some() {
            return Err(VerifyError::AmbiguousHeader {
                header: TOKEN_HEADER,
            });
        }
        if self.tokens.is_empty() {
            if self.accept_unsigned {
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
        let matched = self
            .tokens
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
}

/// Checks a webhook's `auth-bm-token` header against `tokens`.
///
/// # Errors
///
/// The errors of [`Verifier::verify`].
#[deprecated(note = "use `Verifier`: `Verifier::new().with_token(t).verify(request)`")]
pub fn verify_token(
    tokens: &[Secret],
    accept_unsigned: bool,
    request: &WebhookRequest,
) -> Result<(), VerifyError> {
    Verifier {
        tokens: tokens.to_vec(),
        accept_unsigned,
    }
    .verify(request)
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

    fn verifier(tokens: &[&str], accept_unsigned: bool) -> Verifier {
        let mut v = Verifier::new().accept_unsigned(accept_unsigned);
        for t in tokens {
            v.add_token(*t);
        }
        v
    }

    #[test]
    fn header_name_is_case_insensitive_and_any_token_matches() {
        let v = verifier(&["tok-a", "tok-b"], false);
        assert_eq!(v.verify(&req(Some("tok-a"))), Ok(()));
        assert_eq!(v.verify(&req(Some("tok-b"))), Ok(()));
        assert_eq!(
            v.verify(&req(Some("tok-c"))),
            Err(VerifyError::TokenMismatch {
                header: TOKEN_HEADER
            })
        );
        assert_eq!(
            v.verify(&req(Some("tok-a "))),
            Err(VerifyError::TokenMismatch {
                header: TOKEN_HEADER
            })
        );
    }

    #[test]
    fn missing_header_only_passes_when_opted_in() {
        assert!(matches!(
            verifier(&["tok-a"], false).verify(&req(None)),
            Err(VerifyError::MissingHeader { .. })
        ));
        let opted_in = verifier(&["tok-a"], true);
        assert_eq!(opted_in.verify(&req(None)), Ok(()));
        // Opting in never lets a wrong token through.
        assert!(opted_in.verify(&req(Some("nope"))).is_err());
        assert_eq!(
            verifier(&[], false).verify(&req(Some("x"))),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn repeated_or_empty_headers_are_malformed() {
        let v = verifier(&["tok-a"], false);
        let twice = req(Some("tok-a")).append_header("auth-bm-token", "tok-a");
        assert_eq!(
            v.verify(&twice),
            Err(VerifyError::AmbiguousHeader {
                header: "auth-bm-token"
            })
        );
        assert!(matches!(
            v.verify(&req(Some(""))),
            Err(VerifyError::MalformedHeader { .. })
        ));
    }

    #[test]
    fn debug_shows_counts_never_tokens() {
        let v = verifier(&["tok-secret-a", "tok-secret-b"], true);
        let dbg = format!("{v:?}");
        assert!(!dbg.contains("tok-secret"), "{dbg}");
        assert!(dbg.contains('2') && dbg.contains("true"), "{dbg}");
        assert_eq!((v.token_count(), v.accepts_unsigned()), (2, true));
    }
}
