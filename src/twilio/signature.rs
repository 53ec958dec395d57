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
//! with [`VerifyError::UnsupportedAlgorithm`].
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

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;
use crate::secret::Secret;

use super::webhook::{FormError, Params, decode_form, decode_query_value};

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

/// The string Twilio signs: `url` as given, then the parameters sorted by name (byte
/// order), each distinct value of a name in byte order, each written as name then value.
///
/// ```
/// use whatsapp_connector::twilio::signature::signing_string;
///
/// let s = signing_string("https://x.test/a?b=1", &[("Digits", "5678"), ("Sid", "CA1"),
///     ("Digits", "1234"), ("Digits", "1234")]);
/// assert_eq!(s, "https://x.test/a?b=1Digits1234Digits5678SidCA1");
/// ```
pub fn signing_string<K: AsRef<str>, V: AsRef<str>>(url: &str, params: &[(K, V)]) -> String {
    let sorted = sorted_params(params);
    let len = url.len() + sorted.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let mut s = String::with_capacity(len);
    s.push_str(url);
    for (k, v) in sorted {
        s.push_str(k);
        s.push_str(v);
    }
    s
}

/// The `X-Twilio-Signature` Twilio sends for a form webhook (or, with no parameters, a `GET`
/// or JSON webhook): HMAC-SHA1 keyed with `auth_token` over [`signing_string`].
///
/// Use it in your own tests to build requests that verify.
pub fn sign<K: AsRef<str>, V: AsRef<str>>(
    auth_token: &str,
    url: &str,
    params: &[(K, V)],
) -> String {
    sign_with(Algorithm::HmacSha1, auth_token, url, params)
}

/// Like [`sign`], with the algorithm given: HMAC-SHA256 for a shared key set to
/// `HMAC_SHA256`.
///
/// ```
/// use whatsapp_connector::twilio::signature::{sign_with, Algorithm};
///
/// let sig = sign_with(Algorithm::HmacSha256, "whsk_0123456789abcdef",
///     "https://mycompany.com/myapp.php?foo=1&bar=2",
///     &[("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
///       ("From", "+14158675309"), ("To", "+18005551212")]);
/// assert_eq!(sig, "PbND87AAvo2qOQ4h0vOZsxV4ByU6ACpoIx7/4nyw5mw=");
/// ```
pub fn sign_with<K: AsRef<str>, V: AsRef<str>>(
    algorithm: Algorithm,
    key: &str,
    url: &str,
    params: &[(K, V)],
) -> String {
    let sorted = sorted_params(params);
    let mac = match algorithm {
        Algorithm::HmacSha1 => mac_over(keyed::<Hmac<Sha1>>(key.as_bytes()), url, &sorted),
        Algorithm::HmacSha256 => mac_over(keyed::<Hmac<Sha256>>(key.as_bytes()), url, &sorted),
    };
    STANDARD.encode(mac)
}

/// The signature of a raw `application/x-www-form-urlencoded` body posted to `url`, as
/// Twilio computes it. An error names a parameter that is not valid form encoding.
///
/// ```
/// use whatsapp_connector::twilio::signature::{sign_form_body, Algorithm};
///
/// let sig = sign_form_body(Algorithm::HmacSha1, "12345",
///     "https://mycompany.com/myapp.php?foo=1&bar=2", b"property=value&boolean=true").unwrap();
/// assert_eq!(sig, "NBdBDr/T/lgjI+tlgpXjKZQZs/k=");
/// ```
pub fn sign_form_body(
    algorithm: Algorithm,
    key: &str,
    url: &str,
    body: &[u8],
) -> Result<String, VerifyError> {
    let params = decode_form(body).map_err(unreadable)?;
    let pairs: Vec<(&str, &str)> = params.iter().collect();
    Ok(sign_with(algorithm, key, url, &pairs))
}

/// A form webhook exactly as Twilio would send it: `params` form-encoded as the body of a
/// `POST` to `url`, with its `Content-Type` and `X-Twilio-Signature` (made with
/// `auth_token`). For your own tests of a webhook handler.
///
/// ```
/// use whatsapp_connector::twilio::signature::{signed_form_request, Verifier};
///
/// let req = signed_form_request("12345", "https://bot.example.com/twilio",
///     &[("MessageSid", "SM1"), ("Body", "hola & adiós")]);
/// assert_eq!(&req.body()[..], b"MessageSid=SM1&Body=hola+%26+adi%C3%B3s");
/// assert!(Verifier::new().with_auth_token("12345").verify(&req).is_ok());
/// ```
pub fn signed_form_request<K: AsRef<str>, V: AsRef<str>>(
    auth_token: &str,
    url: &str,
    params: &[(K, V)],
) -> WebhookRequest {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    WebhookRequest::new(url, body)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header(SIGNATURE_HEADER, &sign(auth_token, url, &pairs))
}

/// The lowercase hex SHA-256 of a body: the value of `bodySHA256` Twilio adds to the URL of
/// a JSON webhook.
///
/// ```
/// use whatsapp_connector::twilio::signature::body_sha256_hex;
///
/// assert_eq!(body_sha256_hex(b"{}"),
///     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
/// ```
pub fn body_sha256_hex(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `url` with `bodySHA256=<hex SHA-256 of body>` appended to its query, as Twilio calls a
/// webhook with a JSON body. Sign the result with no parameters.
///
/// ```
/// use whatsapp_connector::twilio::signature::url_with_body_hash;
///
/// assert_eq!(url_with_body_hash("https://x.test/hook?a=1", b"{}"),
///     "https://x.test/hook?a=1&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
/// ```
pub fn url_with_body_hash(url: &str, body: &[u8]) -> String {
    let (base, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    // The query starts at the first `?`; a later `?` is part of it.
    let sep = match base.split_once('?') {
        None => "?",
        Some((_, query)) if query.is_empty() || query.ends_with('&') => "",
        Some(_) => "&",
    };
    let mut out = format!("{base}{sep}{BODY_HASH_PARAM}={}", body_sha256_hex(body));
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// The URLs a signature is checked against, in order, without repeats: `url` as received;
/// without its port, when it has one (any port); with the scheme's default port (`:443` for
/// `https`, `:80` otherwise), when it has none; then, when the query holds `'` or `%27`,
/// each of those with the other spelling. Only the port and that one character are ever
/// changed; everything else is kept byte for byte.
///
/// ```
/// use whatsapp_connector::twilio::signature::url_candidates;
///
/// assert_eq!(url_candidates("https://x.test/a?b=1"),
///     ["https://x.test/a?b=1", "https://x.test:443/a?b=1"]);
/// assert_eq!(url_candidates("http://x.test:8080/a"),
///     ["http://x.test:8080/a", "http://x.test/a"]);
/// ```
pub fn url_candidates(url: &str) -> Vec<String> {
    fn push(out: &mut Vec<String>, c: String) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    let mut out: Vec<String> = Vec::with_capacity(2);
    push(&mut out, url.to_owned());
    if let Some(parts) = split_authority(url) {
        let port = match parts.port {
            Some(_) => "",
            None if parts.scheme.eq_ignore_ascii_case("https") => ":443",
            None => ":80",
        };
        push(
            &mut out,
            format!("{}{}{}", parts.before_port, port, parts.rest),
        );
    }
    for i in 0..out.len() {
        if let Some(alt) = out.get(i).and_then(|c| apostrophe_variant(c)) {
            push(&mut out, alt);
        }
    }
    out
}

/// The pieces of a URL around its port.
struct Authority<'a> {
    scheme: &'a str,
    /// Everything up to the host's end (`https://user@host`).
    before_port: &'a str,
    /// The port digits, when there is an explicit `:port` (possibly empty).
    port: Option<&'a str>,
    /// From the end of the authority on (path, query, fragment).
    rest: &'a str,
}

fn split_authority(url: &str) -> Option<Authority<'_>> {
    let scheme_end = url.find("://")?;
    let scheme = &url[..scheme_end];
    if scheme.is_empty()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let auth_start = scheme_end + 3;
    let auth_len = url[auth_start..]
        .find(['/', '?', '#'])
        .unwrap_or(url.len() - auth_start);
    let auth_end = auth_start + auth_len;
    let authority = &url[auth_start..auth_end];
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    // An IPv6 literal holds colons of its own: the port comes after its `]`.
    let search_from = if host_port.starts_with('[') {
        host_port.find(']')? + 1
    } else {
        0
    };
    let colon = host_port[search_from..].rfind(':').map(|i| i + search_from);
    let (host_end, port) = match colon {
        Some(i) => {
            let digits = &host_port[i + 1..];
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (auth_start + host_start + i, Some(digits))
        }
        None => (auth_end, None),
    };
    Some(Authority {
        scheme,
        before_port: &url[..host_end],
        port,
        rest: &url[auth_end..],
    })
}

/// The URL with `'` in its query spelled `%27`, or (when it has no `'`) with `%27` spelled
/// `'`; `None` when the query holds neither.
fn apostrophe_variant(url: &str) -> Option<String> {
    let q = url.find('?')?;
    let end = url[q..].find('#').map_or(url.len(), |i| q + i);
    let query = &url[q..end];
    let alt = if query.contains('\'') {
        query.replace('\'', "%27")
    } else if query.contains("%27") {
        query.replace("%27", "'")
    } else {
        return None;
    };
    Some(format!("{}{}{}", &url[..q], alt, &url[end..]))
}

/// The parameters in signing order: sorted by name, then value, repeats of a name and value
/// dropped.
fn sorted_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Vec<(&str, &str)> {
    sorted_pairs(params.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))
}

/// Like [`sorted_params`], from an iterator of pairs.
fn sorted_pairs<'p>(params: impl Iterator<Item = (&'p str, &'p str)>) -> Vec<(&'p str, &'p str)> {
    // Sorting on the first eight bytes of the name as a number settles almost every
    // comparison without comparing strings; ties fall back to the full byte order.
    let mut keyed: Vec<(u64, &str, &str)> = params.map(|(k, v)| (name_prefix(k), k, v)).collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| (a.1, a.2).cmp(&(b.1, b.2))));
    let mut sorted: Vec<(&str, &str)> = keyed.into_iter().map(|(_, k, v)| (k, v)).collect();
    sorted.dedup();
    sorted
}

/// The first eight bytes of `name`, zero-padded, as a big-endian number: its order agrees
/// with the byte order of the names whenever it differs.
fn name_prefix(name: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, b) in bytes.iter_mut().zip(name.bytes()) {
        *slot = b;
    }
    u64::from_be_bytes(bytes)
}

fn keyed<M: KeyInit>(key: &[u8]) -> M {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    match M::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    }
}

fn feed<M: Mac>(mut mac: M, url: &str, sorted: &[(&str, &str)]) -> M {
    mac.update(url.as_bytes());
    for (k, v) in sorted {
        mac.update(k.as_bytes());
        mac.update(v.as_bytes());
    }
    mac
}

fn mac_over<M: Mac>(mac: M, url: &str, sorted: &[(&str, &str)]) -> Vec<u8> {
    feed(mac, url, sorted).finalize().into_bytes().to_vec()
}

/// Whether the MAC over `url` and `sorted` equals `signature`, compared in constant time.
fn mac_matches<M: Mac>(mac: M, url: &str, sorted: &[(&str, &str)], signature: &[u8]) -> bool {
    ct_eq(
        feed(mac, url, sorted).finalize().into_bytes().as_slice(),
        signature,
    )
}

fn unreadable(e: FormError) -> VerifyError {
    VerifyError::UnreadableBody {
        reason: e.to_string(),
    }
}

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
    pub fn verify(&self, request: &WebhookRequest) -> Result<Verified, VerifyError> {
        self.verify_at(request.url(), request)
    }

    /// Verifies `request` as if Twilio had called `url` (the public URL, when the request's
    /// own URL is the one a proxy forwarded to).
    ///
    /// A `GET` signs the URL alone. A JSON body (`application/json` or `…+json`) needs a
    /// matching `bodySHA256` in `url` and signs the URL alone. Any other body is read as
    /// form parameters.
    pub fn verify_at(&self, url: &str, request: &WebhookRequest) -> Result<Verified, VerifyError> {
        let signature = read_signature(request)?;
        let settings = read_settings(request)?;
        let is_json = request.content_type().is_some_and(is_json_type);
        let params = if request.method() == http::Method::GET {
            Params::default()
        } else if is_json {
            check_body_hash(url, request.body())?;
            Params::default()
        } else {
            decode_form(request.body()).map_err(unreadable)?
        };
        self.verify_params(
            url,
            sorted_pairs(params.iter()),
            signature.bytes(),
            settings,
        )
        .map(|m| m.verified(url))
    }

    /// Verifies a signature over `url` and already-decoded form `params` (pass none for a
    /// `GET` or a JSON webhook whose body hash was already checked). `settings` is the value
    /// of the settings header, if any.
    pub fn verify_signature<K: AsRef<str>, V: AsRef<str>>(
        &self,
        url: &str,
        params: &[(K, V)],
        signature: &str,
        settings: Option<&str>,
    ) -> Result<Verified, VerifyError> {
        let signature = decode_signature(signature)?;
        let settings = parse_settings(settings)?;
        self.verify_params(url, sorted_params(params), signature.bytes(), settings)
            .map(|m| m.verified(url))
    }

    /// Verifies a request whose form parameters were already decoded (the caller decoded
    /// the body once, to parse it too). `params` must be the body's parameters, and the
    /// request a form `POST`. What matched is not built: the caller only needs to know.
    pub(crate) fn verify_prepared(
        &self,
        url: &str,
        request: &WebhookRequest,
        params: &Params,
    ) -> Result<(), VerifyError> {
        let signature = read_signature(request)?;
        let settings = read_settings(request)?;
        self.verify_params(
            url,
            sorted_pairs(params.iter()),
            signature.bytes(),
            settings,
        )
        .map(|_| ())
    }

    /// Checks `signature` over `url` and the parameters already in signing order.
    fn verify_params(
        &self,
        url: &str,
        sorted: Vec<(&str, &str)>,
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

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

fn no_match(candidates: Vec<String>) -> VerifyError {
    VerifyError::NoMatch {
        candidates: candidates.iter().map(|c| mask_password(c)).collect(),
    }
}

/// The URL with the password of any `user:password@` replaced by `***`, for error messages.
fn mask_password(url: &str) -> String {
    if let Some(a) = split_authority(url) {
        let auth_start = a.scheme.len() + 3;
        let userinfo_end = a.before_port[auth_start..]
            .rfind('@')
            .map(|i| auth_start + i);
        if let Some(at) = userinfo_end {
            if let Some(colon) = url[auth_start..at].find(':') {
                return format!("{}***{}", &url[..auth_start + colon + 1], &url[at..]);
            }
        }
    }
    url.to_owned()
}

fn is_json_type(ct: &str) -> bool {
    let ct = ct.trim();
    ct.eq_ignore_ascii_case("application/json")
        || ct
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

fn check_body_hash(url: &str, body: &[u8]) -> Result<(), VerifyError> {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    let given = query
        .split('&')
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name == BODY_HASH_PARAM).then_some(value)
        })
        .next()
        .ok_or(VerifyError::MissingBodyHash)?;
    let given = decode_query_value(given).ok_or(VerifyError::BodyHashMismatch)?;
    let actual = body_sha256_hex(body);
    if given.len() == actual.len() && ct_eq(given.as_bytes(), actual.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::BodyHashMismatch)
    }
}

/// The header names, lowercase and parsed once.
const SIGNATURE_NAME: http::HeaderName = http::HeaderName::from_static("x-twilio-signature");
const SETTINGS_NAME: http::HeaderName =
    http::HeaderName::from_static("x-twilio-webhooks-signature-settings");

/// The value of a header (`key` is its parsed name, `name` how errors spell it).
fn header_str<'a>(
    request: &'a WebhookRequest,
    key: &http::HeaderName,
    name: &'static str,
) -> Result<Option<&'a str>, VerifyError> {
    match request.headers().get(key) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(Some)
            .map_err(|_| VerifyError::MalformedHeader {
                header: name,
                reason: "it is not visible ASCII".into(),
            }),
    }
}

fn read_signature(request: &WebhookRequest) -> Result<DecodedSignature, VerifyError> {
    let value = header_str(request, &SIGNATURE_NAME, SIGNATURE_HEADER)?.ok_or(
        VerifyError::MissingHeader {
            header: SIGNATURE_HEADER,
        },
    )?;
    decode_signature(value)
}

/// A decoded signature, kept on the stack: no MAC checked here is longer than 32 bytes.
struct DecodedSignature {
    bytes: [u8; 32],
    /// How many of `bytes` were decoded; 0 for a signature too long to be any MAC, which
    /// matches nothing.
    len: usize,
}

impl DecodedSignature {
    fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

fn decode_signature(value: &str) -> Result<DecodedSignature, VerifyError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(VerifyError::MissingHeader {
            header: SIGNATURE_HEADER,
        });
    }
    let malformed = || VerifyError::MalformedHeader {
        header: SIGNATURE_HEADER,
        reason: "it is not standard base64".into(),
    };
    let mut decoded = DecodedSignature {
        bytes: [0; 32],
        len: 0,
    };
    match STANDARD.decode_slice(value, &mut decoded.bytes) {
        Ok(len) => decoded.len = len,
        // Too long for the buffer: still refused as malformed when it is not base64.
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            STANDARD.decode(value).map_err(|_| malformed())?;
        }
        Err(base64::DecodeSliceError::DecodeError(_)) => return Err(malformed()),
    }
    Ok(decoded)
}

/// What the settings header selects.
struct Settings {
    key_id: String,
    algorithm: Algorithm,
}

fn read_settings(request: &WebhookRequest) -> Result<Option<Settings>, VerifyError> {
    parse_settings(header_str(request, &SETTINGS_NAME, SETTINGS_HEADER)?)
}

/// Reads `key=<id>,algorithm=<ALG>`. Absent, empty, or without `algorithm=`: the auth-token
/// scheme (`None`).
fn parse_settings(value: Option<&str>) -> Result<Option<Settings>, VerifyError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let mut key_id = None;
    let mut algorithm = None;
    for part in value.split(',') {
        let Some((name, v)) = part.split_once('=') else {
            continue;
        };
        let (name, v) = (name.trim(), v.trim());
        if name.eq_ignore_ascii_case("key") {
            key_id = Some(v);
        } else if name.eq_ignore_ascii_case("algorithm") {
            algorithm = Some(v);
        }
    }
    let Some(algorithm) = algorithm else {
        return Ok(None);
    };
    let algorithm = Algorithm::from_settings_name(algorithm).ok_or_else(|| {
        VerifyError::UnsupportedAlgorithm {
            algorithm: algorithm.to_owned(),
        }
    })?;
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or_else(|| VerifyError::MalformedHeader {
            header: SETTINGS_HEADER,
            reason: "it names an algorithm but no key=<id>".into(),
        })?;
    Ok(Some(Settings {
        key_id: key_id.to_owned(),
        algorithm,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_handle_userinfo_ipv6_and_odd_urls() {
        assert_eq!(
            url_candidates("https://user:pa:ss@host.test:8443/x"),
            [
                "https://user:pa:ss@host.test:8443/x",
                "https://user:pa:ss@host.test/x"
            ]
        );
        assert_eq!(
            url_candidates("http://[::1]:8080/x?y"),
            ["http://[::1]:8080/x?y", "http://[::1]/x?y"]
        );
        assert_eq!(
            url_candidates("https://[::1]/x"),
            ["https://[::1]/x", "https://[::1]:443/x"]
        );
        assert_eq!(url_candidates("not a url"), ["not a url"]);
        assert_eq!(url_candidates(""), [""]);
        assert_eq!(url_candidates("https://host:abc/x"), ["https://host:abc/x"]);
        assert_eq!(
            url_candidates("https://h.test?q=it's"),
            [
                "https://h.test?q=it's",
                "https://h.test:443?q=it's",
                "https://h.test?q=it%27s",
                "https://h.test:443?q=it%27s"
            ]
        );
    }

    #[test]
    fn prefix_sorting_is_byte_order() {
        let names = [
            "MediaUrl0",
            "MediaContentType0",
            "MessageSid",
            "MessageType",
            "Sms",
            "Sms\0",
            "Sms\0a",
            "SmsSid",
            "SmsMessageSid",
            "a",
            "",
            "ñ",
            "Z",
            "CALLSID",
            "CallSid",
            "callSid",
            "MediaUrl10",
            "MediaUrl1",
        ];
        let pairs: Vec<(&str, &str)> = names.iter().map(|n| (*n, "v")).collect();
        let mut expected = pairs.clone();
        expected.sort();
        assert_eq!(sorted_params(&pairs), expected);
        let mut rng = fastrand::Rng::with_seed(3);
        let alphabet = ["A", "a", "\0", "Sid", "ñ", "Message", "Media", "0", "1"];
        for _ in 0..300 {
            let owned: Vec<(String, String)> = (0..rng.usize(0..10))
                .map(|_| {
                    let word = |rng: &mut fastrand::Rng| -> String {
                        (0..rng.usize(0..4))
                            .map(|_| alphabet[rng.usize(..alphabet.len())])
                            .collect()
                    };
                    (word(&mut rng), word(&mut rng))
                })
                .collect();
            let mut expected: Vec<(&str, &str)> = owned
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            expected.sort();
            expected.dedup();
            assert_eq!(sorted_params(&owned), expected);
        }
    }

    #[test]
    fn signatures_of_any_length_decode_or_fail_as_before() {
        let sha1 = STANDARD.encode([7u8; 20]);
        assert_eq!(decode_signature(&sha1).unwrap().bytes(), [7u8; 20]);
        let sha256 = STANDARD.encode([9u8; 32]);
        assert_eq!(decode_signature(&sha256).unwrap().bytes(), [9u8; 32]);
        // Longer than any MAC: valid base64 matches nothing; invalid base64 is malformed.
        let long = STANDARD.encode([1u8; 40]);
        assert!(decode_signature(&long).unwrap().bytes().is_empty());
        assert!(matches!(
            decode_signature(&format!("{long}!")),
            Err(VerifyError::MalformedHeader { .. })
        ));
        assert!(matches!(
            decode_signature("abc!"),
            Err(VerifyError::MalformedHeader { .. })
        ));
        let verifier = Verifier::new().with_auth_token("12345");
        let e = verifier
            .verify_signature("https://x.test/", &[("a", "b")], &long, None)
            .unwrap_err();
        assert!(matches!(e, VerifyError::NoMatch { .. }));
    }

    #[test]
    fn masks_passwords_only() {
        assert_eq!(
            mask_password("https://user:pass@h.test:1/x"),
            "https://user:***@h.test:1/x"
        );
        assert_eq!(
            mask_password("https://user@h.test/x"),
            "https://user@h.test/x"
        );
        assert_eq!(
            mask_password("https://h.test/x?a=b@c"),
            "https://h.test/x?a=b@c"
        );
    }

    #[test]
    fn settings_header_forms() {
        assert!(parse_settings(None).unwrap().is_none());
        assert!(parse_settings(Some("  ")).unwrap().is_none());
        assert!(parse_settings(Some("key=abc")).unwrap().is_none());
        let s = parse_settings(Some("key=abc, algorithm=HMAC_SHA256"))
            .unwrap()
            .unwrap();
        assert_eq!(
            (s.key_id.as_str(), s.algorithm),
            ("abc", Algorithm::HmacSha256)
        );
        assert!(matches!(
            parse_settings(Some("key=abc,algorithm=HMAC_MD5")),
            Err(VerifyError::UnsupportedAlgorithm { algorithm }) if algorithm == "HMAC_MD5"
        ));
        assert!(matches!(
            parse_settings(Some("algorithm=HMAC_SHA256")),
            Err(VerifyError::MalformedHeader { .. })
        ));
    }
}
