//! `X-Twilio-Signature`: signing and verifying Twilio's webhooks exactly as Twilio does.
//!
//! # The algorithm
//!
//! The string Twilio signs is the URL it requested, **exactly as it requested it** (scheme,
//! host, port, path and query; never decoded or re-encoded), followed, for a form `POST`, by
//! the body's parameters sorted by name in byte order, each name immediately followed by its
//! decoded value. A name that appears several times contributes each distinct value, in byte
//! order, each prefixed by the name. Query-string parameters are never added to the sorted
//! list: they are signed only as part of the URL, and a `GET` webhook signs the URL alone.
//! The MAC is HMAC-SHA1 keyed with the account's auth token, in standard padded base64.
//!
//! A JSON body is not signed as parameters: Twilio adds the query parameter `bodySHA256`,
//! the lowercase hex SHA-256 of the raw body, and signs the URL alone. A JSON body without
//! `bodySHA256` fails.
//!
//! With webhook shared keys, the request also carries
//! `X-Twilio-Webhooks-Signature-Settings: key=<id>,algorithm=HMAC_SHA256`: the same string
//! is signed with HMAC-SHA256 (or HMAC-SHA1 for `HMAC_SHA1`) keyed with the shared key
//! registered under that id. A missing or empty settings header, or one without
//! `algorithm=`, means the auth-token scheme; an algorithm this crate does not know fails
//! with [`VerifyError::UnsupportedAlgorithm`](crate::VerifyError::UnsupportedAlgorithm).
//!
//! # URLs tried
//!
//! Twilio keeps an explicit port in some callbacks and drops it in others, so each of these
//! is tried ([`url_candidates`]): the URL as received, the URL without its port (any port),
//! and the URL with the scheme's default port (`:443` for https, `:80` for http) when it has
//! none. Some SDKs (Node's) normalize `'` in the query to `%27` before signing; to accept
//! signatures made over either spelling, a URL whose query holds `'` or `%27` is also tried
//! with the other spelling. Nothing else is rewritten.
//!
//! # Secrets
//!
//! Several auth tokens can be configured at once (primary and secondary during a rotation,
//! subaccounts' tokens) and several shared keys by id. Comparisons are constant time, and no
//! error ever holds a secret: a failure lists the URLs tried, with any password in them
//! masked.
//!
//! ```
//! use whatsapp_connector::twilio::signature::{self, Verifier};
//! use whatsapp_connector::WebhookRequest;
//!
//! let url = "https://example.com/myapp.php?foo=1&bar=2";
//! let params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675310"),
//!     ("Digits", "1234"), ("From", "+14158675310"), ("To", "+18005551212")];
//! let sig = signature::sign("12345", url, &params);
//! assert_eq!(sig, "L/OH5YylLD5NRKLltdqwSvS0BnU=");
//!
//! let body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675310&Digits=1234\
//!             &From=%2B14158675310&To=%2B18005551212";
//! let request = WebhookRequest::new(url, body)
//!     .with_header("content-type", "application/x-www-form-urlencoded")
//!     .with_header("x-twilio-signature", &sig);
//! assert!(Verifier::new().with_auth_token("12345").verify(&request).is_ok());
//! ```

// One job a file: `sign` computes signatures, `url` lists the URLs a signature may have been
// made over, `headers` reads what a request carries, and `verifier` checks it.
mod headers;
mod sign;
mod url;
mod verifier;

use std::fmt;

pub use sign::{
    body_sha256_hex, sign, sign_form_body, sign_with, signed_form_request, signing_string,
    url_with_body_hash,
};
pub use url::url_candidates;
pub use verifier::{MatchedKey, Verified, Verifier};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";
/// The header that names the shared key and algorithm of a signature.
pub const SETTINGS_HEADER: &str = "X-Twilio-Webhooks-Signature-Settings";
/// The query parameter that carries the SHA-256 of a JSON body.
pub const BODY_HASH_PARAM: &str = "bodySHA256";

/// The MAC a signature uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1: auth-token signatures, and shared keys set to `HMAC_SHA1`.
    HmacSha1,
    /// HMAC-SHA256: shared keys set to `HMAC_SHA256`.
    HmacSha256,
}

impl Algorithm {
    /// Reads the name used in the settings header (`HMAC_SHA1`, `HMAC_SHA256`; letter case
    /// ignored).
    pub fn from_settings_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("HMAC_SHA1") {
            Some(Algorithm::HmacSha1)
        } else if name.eq_ignore_ascii_case("HMAC_SHA256") {
            Some(Algorithm::HmacSha256)
        } else {
            None
        }
    }

    /// The name used in the settings header.
    pub fn settings_name(self) -> &'static str {
        match self {
            Algorithm::HmacSha1 => "HMAC_SHA1",
            Algorithm::HmacSha256 => "HMAC_SHA256",
        }
    }

    fn mac_len(self) -> usize {
        match self {
            Algorithm::HmacSha1 => 20,
            Algorithm::HmacSha256 => 32,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.settings_name())
    }
}
