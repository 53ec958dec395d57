//! Webhook authenticity: Meta signs every webhook it posts with the app secret, as
//! `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;
use crate::secret::Secret;

/// The header Meta puts the body's signature in.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// What every signature starts with.
pub const SIGNATURE_PREFIX: &str = "sha256=";

type HmacSha256 = Hmac<Sha256>;

/// The signature Meta sends for `body` signed with `app_secret`: `sha256=` and the
/// HMAC-SHA256 of the body in lowercase hexadecimal. Use it to sign webhooks in tests.
///
/// ```
/// use whatsapp_connector::meta::signature::sign;
///
/// let signature = sign("an-app-secret", br#"{"object":"whatsapp_business_account"}"#);
/// assert!(signature.starts_with("sha256="));
/// assert_eq!(signature.len(), 7 + 64);
/// ```
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let tag = hmac(app_secret.as_bytes(), body);
    let mut hex = [0u8; 64];
    // 32 bytes always fit in 64 hexadecimal digits.
    let _ = hex::encode_to_slice(tag, &mut hex);
    let mut out = String::with_capacity(SIGNATURE_PREFIX.len() + 64);
    out.push_str(SIGNATURE_PREFIX);
    out.extend(hex.iter().map(|&b| char::from(b)));
    out
}

fn hmac(key: &[u8], body: &[u8]) -> [u8; 32] {
    // HMAC takes a key of any length.
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(body);
    mac.finalize().into_bytes().into()
}

/// Checks a webhook's `X-Hub-Signature-256` header against a set of app secrets.
///
/// Every configured secret is tried and each comparison is constant time, so the secret of
/// a rotated-out app can be accepted beside the new one. `Debug` shows how many secrets
/// there are, never their values.
///
/// ```
/// use whatsapp_connector::meta::signature::{Verifier, sign};
/// use whatsapp_connector::{VerifyError, WebhookRequest};
///
/// let body = r#"{"object":"whatsapp_business_account","entry":[]}"#;
/// let verifier = Verifier::new().with_app_secret("old-secret").with_app_secret("new-secret");
/// let req = WebhookRequest::new("https://bot.example.com/meta", body)
///     .with_header("x-hub-signature-256", &sign("new-secret", body.as_bytes()));
/// assert_eq!(verifier.verify(&req), Ok(()));
///
/// let forged = WebhookRequest::new("https://bot.example.com/meta", body)
///     .with_header("x-hub-signature-256", &sign("another-secret", body.as_bytes()));
/// assert_eq!(
///     verifier.verify(&forged),
///     Err(VerifyError::SignatureMismatch { header: "x-hub-signature-256" })
/// );
/// ```
#[derive(Clone, Default)]
pub struct Verifier {
    secrets: Vec<Secret>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("app_secrets", &self.secrets.len())
            .finish()
    }
}

impl Verifier {
    /// A verifier with no secret yet: it refuses everything with [`VerifyError::NoSecret`].
    pub fn new() -> Self {
        Verifier::default()
    }

    /// Accepts signatures made with this app secret too.
    pub fn with_app_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secrets.push(secret.into());
        self
    }

    /// How many app secrets it accepts.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// True when no app secret is configured.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// Checks the request's `X-Hub-Signature-256` header against its raw body.
    ///
    /// # Errors
    ///
    /// - [`VerifyError::NoSecret`] when no app secret is configured;
    /// - [`VerifyError::MissingHeader`] when the header is absent;
    /// - [`VerifyError::AmbiguousHeader`] when it comes more than once;
    /// - [`VerifyError::MalformedHeader`] when it does not start with `sha256=`, or what
    ///   follows is not 64 hexadecimal digits;
    /// - [`VerifyError::SignatureMismatch`] when no configured secret signed this body.
    pub fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        if self.secrets.is_empty() {
            return Err(VerifyError::NoSecret);
        }
        let header = request.unique_header(SIGNATURE_HEADER)?;
        self.verify_body(request.body(), header)
    }

    /// Checks `signature` (the header's value, `None` when absent) against `body`.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`], but for a header given apart.
    pub fn verify_body(&self, body: &[u8], signature: Option<&str>) -> Result<(), VerifyError> {
        if self.secrets.is_empty() {
            return Err(VerifyError::NoSecret);
        }
        let Some(signature) = signature else {
            return Err(VerifyError::MissingHeader {
                header: SIGNATURE_HEADER,
            });
        };
        let expected = decode(signature)?;
        let mut matched = subtle::Choice::from(0);
        for secret in &self.secrets {
            matched |= hmac(secret.expose().as_bytes(), body).ct_eq(&expected);
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(VerifyError::SignatureMismatch {
                header: SIGNATURE_HEADER,
            })
        }
    }
}

/// The 32 bytes of a `sha256=<hex>` header value.
fn decode(signature: &str) -> Result<[u8; 32], VerifyError> {
    let malformed = |reason: &str| VerifyError::MalformedHeader {
        header: SIGNATURE_HEADER,
        reason: reason.to_owned(),
    };
    let trimmed = signature.trim();
    let hex_part = match trimmed.get(..SIGNATURE_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(SIGNATURE_PREFIX) => &trimmed[SIGNATURE_PREFIX.len()..],
        _ => return Err(malformed("it does not start with sha256=")),
    };
    if hex_part.len() != 64 {
        return Err(malformed(&format!(
            "sha256= is followed by {} characters, not 64 hexadecimal digits",
            hex_part.len()
        )));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(hex_part, &mut out)
        .map_err(|_| malformed("sha256= is not followed by hexadecimal digits"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    const RFC4231_2: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn signs_like_rfc_4231() {
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            format!("sha256={RFC4231_2}")
        );
    }

    #[test]
    fn each_failure_has_its_reason() {
        let v = Verifier::new().with_app_secret("Jefe");
        let body = b"what do ya want for nothing?";
        assert_eq!(
            v.verify_body(body, Some(&format!("sha256={RFC4231_2}"))),
            Ok(())
        );
        assert_eq!(
            v.verify_body(body, Some(&format!("SHA256={}", RFC4231_2.to_uppercase()))),
            Ok(())
        );
        assert_eq!(
            v.verify_body(body, None),
            Err(VerifyError::MissingHeader {
                header: SIGNATURE_HEADER
            })
        );
        let reason = |sig: &str| match v.verify_body(body, Some(sig)) {
            Err(VerifyError::MalformedHeader { reason, .. }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(reason(&format!("sha1={RFC4231_2}")).contains("sha256="));
        assert!(reason(RFC4231_2).contains("sha256="));
        assert!(reason("sha256=abc").contains("3 characters"));
        assert!(reason(&format!("sha256={}", "zz".repeat(32))).contains("hexadecimal"));
        assert_eq!(
            v.verify_body(b"other body", Some(&format!("sha256={RFC4231_2}"))),
            Err(VerifyError::SignatureMismatch {
                header: SIGNATURE_HEADER
            })
        );
        assert_eq!(
            Verifier::new().verify_body(body, Some(RFC4231_2)),
            Err(VerifyError::NoSecret)
        );
    }

    #[test]
    fn any_configured_secret_passes() {
        let v = Verifier::new()
            .with_app_secret("old")
            .with_app_secret("Jefe");
        assert_eq!(v.len(), 2);
        let body = b"what do ya want for nothing?";
        assert_eq!(v.verify_body(body, Some(&sign("old", body))), Ok(()));
        assert_eq!(v.verify_body(body, Some(&sign("Jefe", body))), Ok(()));
        assert!(v.verify_body(body, Some(&sign("new", body))).is_err());
        assert!(!format!("{v:?}").contains("Jefe"));
    }

    #[test]
    fn repeated_header_is_refused() {
        let v = Verifier::new().with_app_secret("s");
        let req = WebhookRequest::new("https://x/meta", "{}")
            .append_header(SIGNATURE_HEADER, &sign("s", b"{}"))
            .append_header(SIGNATURE_HEADER, &sign("s", b"{}"));
        assert_eq!(
            v.verify(&req),
            Err(VerifyError::AmbiguousHeader {
                header: SIGNATURE_HEADER
            })
        );
    }
}
