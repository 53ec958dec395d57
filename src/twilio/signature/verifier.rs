//! [`Verifier`]: checks a request's signature against the configured secrets.

use std::fmt;

use hmac::Hmac;
use sha1::Sha1;
use sha2::Sha256;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;
use crate::secret::Secret;

use super::super::webhook::FormPairs;
use super::Algorithm;
use super::headers::{
    Settings, check_body_hash, decode_signature, is_json_type, parse_settings, read_settings,
    read_signature,
};
use super::sign::{keyed, mac_matches, signed_params, unreadable};
use super::url::{mask_password, url_candidates};

/// Which configured secret a verified signature was made with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatchedKey {
    /// The auth token at this position in the order they were configured (0 is the first).
    AuthToken(usize),
    /// The shared key with this id.
    SharedKey(String),
}

/// What a successful verification matched.
///
/// `Debug` shows the URL with the password of a `user:password@` part masked; so does
/// [`Verified::masked_url`], for logs and messages.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// The URL (one of [`url_candidates`]) the signature was made over.
    pub url: String,
    /// The MAC used.
    pub algorithm: Algorithm,
    /// The secret that produced it.
    pub key: MatchedKey,
}

impl Verified {
    /// The URL the signature was made over, with the password of a `user:password@` part
    /// replaced by `***`: the form to print.
    pub fn masked_url(&self) -> String {
        mask_password(&self.url)
    }
}

impl fmt::Debug for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("url", &self.masked_url())
            .field("algorithm", &self.algorithm)
            .field("key", &self.key)
            .finish()
    }
}

/// Checks `X-Twilio-Signature` against a set of auth tokens and shared keys.
///
/// Auth tokens are tried in the order given, so several can be accepted at once: the primary
/// and the secondary token during a rotation, or the tokens of subaccounts (Twilio signs a
/// subaccount's webhooks with the subaccount's own token). Shared keys are chosen by the id
/// in the settings header. `Debug` shows how many secrets there are, never their values.
#[derive(Clone, Default)]
pub struct Verifier {
    /// Auth tokens, keyed once at configuration time.
    tokens: Vec<Hmac<Sha1>>,
    shared_keys: Vec<SharedKey>,
}

/// A shared key by its id, keyed once for each algorithm the settings header may name.
#[derive(Clone)]
struct SharedKey {
    id: String,
    sha1: Hmac<Sha1>,
    sha256: Hmac<Sha256>,
}

impl SharedKey {
    fn new(id: String, key: &Secret) -> Self {
        let key = key.expose().as_bytes();
        SharedKey {
            id,
            sha1: keyed(key),
            sha256: keyed(key),
        }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("auth_tokens", &self.tokens.len())
            .field(
                "shared_key_ids",
                &self.shared_keys.iter().map(|k| &k.id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Verifier {
    /// A verifier with no secrets yet (it rejects everything with
    /// [`VerifyError::NoSecret`]).
    pub fn new() -> Self {
        Verifier::default()
    }

    /// Accepts signatures made with this auth token (in addition to those already added).
    pub fn with_auth_token(mut self, token: impl Into<Secret>) -> Self {
        self.add_auth_token(token);
        self
    }

    /// Accepts signatures made with this shared key, named by `id` in the settings header.
    /// A second key with the same id replaces the first.
    pub fn with_shared_key(mut self, id: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.add_shared_key(id, key);
        self
    }

    /// Adds an auth token.
    pub fn add_auth_token(&mut self, token: impl Into<Secret>) {
        let token = token.into();
        self.tokens.push(keyed(token.expose().as_bytes()));
    }

    /// Adds (or replaces) a shared key.
    pub fn add_shared_key(&mut self, id: impl Into<String>, key: impl Into<Secret>) {
        let id = id.into();
        let key = key.into();
        match self.shared_keys.iter_mut().find(|k| k.id == id) {
            Some(slot) => *slot = SharedKey::new(id, &key),
            None => self.shared_keys.push(SharedKey::new(id, &key)),
        }
    }

    /// How many auth tokens are configured.
    pub fn auth_token_count(&self) -> usize {
        self.tokens.len()
    }

    /// The ids of the configured shared keys.
    pub fn shared_key_ids(&self) -> impl Iterator<Item = &str> {
        self.shared_keys.iter().map(|k| k.id.as_str())
    }

    /// Verifies `request` at its own URL ([`WebhookRequest::url`]).
    ///
    /// # Errors
    ///
    /// - [`VerifyError::MissingHeader`] when there is no `X-Twilio-Signature` header, or it is
    ///   empty.
    /// - [`VerifyError::AmbiguousHeader`] when it, or `X-Twilio-Webhooks-Signature-Settings`, comes
    ///   more than once.
    /// - [`VerifyError::MalformedHeader`] when the signature is not visible ASCII or not standard
    ///   base64, or the settings header names an algorithm but no `key=`.
    /// - [`VerifyError::UnsupportedAlgorithm`] when the settings header names an algorithm other
    ///   than HMAC-SHA1 and HMAC-SHA256.
    /// - [`VerifyError::UnknownKey`] when the settings header names a key id that is not
    ///   configured.
    /// - [`VerifyError::NoSecret`] when the request is signed with an auth token and none is
    ///   configured.
    /// - [`VerifyError::MissingBodyHash`] or [`VerifyError::BodyHashMismatch`] for a JSON body
    ///   without a `bodySHA256` query parameter, or with one that does not match it.
    /// - [`VerifyError::UnreadableBody`] when a form body is not valid form encoding.
    /// - [`VerifyError::NoMatch`] when the signature matches no configured secret at any of the URL
    ///   variants tried (the error lists them).
    pub fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.verify_at(request.url(), request)
    }

    /// Verifies `request` as if Twilio had called `url` (the public URL, when the request's
    /// own URL is the one a proxy forwarded to).
    ///
    /// A `GET` signs the URL alone. A JSON body (`application/json` or `…+json`) needs a
    /// matching `bodySHA256` in `url` and signs the URL alone. Any other body is read as
    /// form parameters.
    ///
    /// # Errors
    ///
    /// The errors of [`verify`](Self::verify), checked against `url`.
    pub fn verify_at(&self, url: &str, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.check(url, request).map(|_| ())
    }

    /// Like [`verify`](Self::verify), and says what matched: the URL variant, the algorithm
    /// and which secret.
    ///
    /// # Errors
    ///
    /// The errors of [`verify`](Self::verify).
    pub fn verify_detailed(&self, request: &WebhookRequest) -> Result<Verified, VerifyError> {
        self.verify_detailed_at(request.url(), request)
    }

    /// Like [`verify_at`](Self::verify_at), and says what matched.
    ///
    /// # Errors
    ///
    /// The errors of [`verify`](Self::verify), checked against `url`.
    pub fn verify_detailed_at(
        &self,
        url: &str,
        request: &WebhookRequest,
    ) -> Result<Verified, VerifyError> {
        self.check(url, request).map(|m| m.verified(url))
    }

    /// Checks `request` at `url`, reading its parameters as [`verify_at`](Self::verify_at)
    /// says.
    fn check(&self, url: &str, request: &WebhookRequest) -> Result<Matched, VerifyError> {
        let signature = read_signature(request)?;
        let settings = read_settings(request)?;
        let is_json = request.content_type().is_some_and(is_json_type);
        let params = if request.method() == http::Method::GET {
            FormPairs::default()
        } else if is_json {
            check_body_hash(url, request.body())?;
            FormPairs::default()
        } else {
            FormPairs::decode(request.body()).map_err(unreadable)?
        };
        self.verify_params(
            url,
            signed_params(&params.slices()),
            signature.bytes(),
            settings,
        )
    }

    /// Verifies a signature over `url` and already-decoded form `params` (pass none for a
    /// `GET` or a JSON webhook whose body hash was already checked). `settings` is the value
    /// of the settings header, if any.
    ///
    /// # Errors
    ///
    /// - [`VerifyError::MissingHeader`] when `signature` is empty, and
    ///   [`VerifyError::MalformedHeader`] when it is not standard base64 or `settings` names an
    ///   algorithm but no `key=`.
    /// - [`VerifyError::UnsupportedAlgorithm`] when `settings` names an algorithm other than
    ///   HMAC-SHA1 and HMAC-SHA256, and [`VerifyError::UnknownKey`] when it names a key id that is
    ///   not configured.
    /// - [`VerifyError::NoSecret`] when the signature uses an auth token and none is configured.
    /// - [`VerifyError::NoMatch`] when the signature matches no configured secret at any of the URL
    ///   variants tried.
    pub fn verify_signature<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        signature: &str,
        settings: Option<&str>,
    ) -> Result<Verified, VerifyError> {
        let signature = decode_signature(signature)?;
        let settings = parse_settings(settings)?;
        let pairs: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        self.verify_params(url, signed_params(&pairs), signature.bytes(), settings)
            .map(|m| m.verified(url))
    }

    /// Verifies a request whose form parameters were already decoded (the caller decoded
    /// the body once, to parse it too). `params` must be the body's parameters, and the
    /// request a form `POST`. What matched is not built: the caller only needs to know.
    pub(crate) fn verify_prepared(
        &self,
        url: &str,
        request: &WebhookRequest,
        params: &[(&str, &str)],
    ) -> Result<(), VerifyError> {
        let signature = read_signature(request)?;
        let settings = read_settings(request)?;
        self.verify_params(url, signed_params(params), signature.bytes(), settings)
            .map(|_| ())
    }

    /// Checks `signature` over `url` and the parameters as signed ([`signed_params`]).
    fn verify_params(
        &self,
        url: &str,
        sorted: Vec<u8>,
        signature: &[u8],
        settings: Option<Settings>,
    ) -> Result<Matched, VerifyError> {
        // Which MAC, and with which keys.
        let (algorithm, shared) = match settings {
            None => {
                if self.tokens.is_empty() {
                    return Err(VerifyError::NoSecret);
                }
                (Algorithm::HmacSha1, None)
            }
            Some(Settings { key_id, algorithm }) => {
                match self.shared_keys.iter().find(|k| k.id == key_id) {
                    Some(key) => (algorithm, Some(key)),
                    None => return Err(VerifyError::UnknownKey { key_id }),
                }
            }
        };
        let try_url = |candidate: &str| -> Option<MatchedKey> {
            if signature.len() != algorithm.mac_len() {
                return None;
            }
            match shared {
                None => self
                    .tokens
                    .iter()
                    .position(|token| mac_matches(token.clone(), candidate, &sorted, signature))
                    .map(MatchedKey::AuthToken),
                Some(key) => {
                    let matched = match algorithm {
                        Algorithm::HmacSha1 => {
                            mac_matches(key.sha1.clone(), candidate, &sorted, signature)
                        }
                        Algorithm::HmacSha256 => {
                            mac_matches(key.sha256.clone(), candidate, &sorted, signature)
                        }
                    };
                    matched.then(|| MatchedKey::SharedKey(key.id.clone()))
                }
            }
        };
        // The URL as received is the usual match: try it before building the others.
        if let Some(key) = try_url(url) {
            return Ok(Matched {
                candidate: None,
                algorithm,
                key,
            });
        }
        let candidates = url_candidates(url);
        for c in candidates.iter().skip(1) {
            if let Some(key) = try_url(c) {
                return Ok(Matched {
                    candidate: Some(c.clone()),
                    algorithm,
                    key,
                });
            }
        }
        Err(no_match(candidates))
    }
}

/// What a verification matched, before it is needed as a [`Verified`].
struct Matched {
    /// The candidate URL that matched, or `None` for the URL as received.
    candidate: Option<String>,
    algorithm: Algorithm,
    key: MatchedKey,
}

impl Matched {
    fn verified(self, url: &str) -> Verified {
        Verified {
            url: self.candidate.unwrap_or_else(|| url.to_owned()),
            algorithm: self.algorithm,
            key: self.key,
        }
    }
}

fn no_match(candidates: Vec<String>) -> VerifyError {
    VerifyError::NoMatch {
        candidates: candidates.iter().map(|c| mask_password(c)).collect(),
    }
}
