//! Computing signatures: the string Twilio signs, its MAC, and signed requests for tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;

use super::super::webhook::{FormError, decode_form};
use super::{Algorithm, BODY_HASH_PARAM, SIGNATURE_HEADER};

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
/// # Errors
///
/// [`VerifyError::UnreadableBody`] naming the parameter when the body is not valid form encoding (a
/// `%` not followed by two hexadecimal digits, or bytes that are not UTF-8).
///
/// # Examples
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

/// The parameters in signing order: sorted by name, then value, repeats of a name and value
/// dropped.
pub(super) fn sorted_params<K: AsRef<str>, V: AsRef<str>>(params: &[(K, V)]) -> Vec<(&str, &str)> {
    let pairs: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    sorted_pairs(&pairs)
}

/// Like [`sorted_params`], from name-value pairs.
pub(super) fn sorted_pairs<'p>(pairs: &[(&'p str, &'p str)]) -> Vec<(&'p str, &'p str)> {
    let mut sorted: Vec<(&str, &str)> = Vec::with_capacity(pairs.len());
    in_signing_order(pairs, |pair| sorted.push(pair));
    sorted
}

/// The parameters as Twilio signs them after the URL: each name then its value, in
/// signing order ([`sorted_pairs`]), in one buffer, so that the MAC reads them in one
/// call (and each URL variant tried reuses them).
pub(super) fn signed_params(pairs: &[(&str, &str)]) -> Vec<u8> {
    let len = pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>();
    let mut out = Vec::with_capacity(len);
    in_signing_order(pairs, |(k, v)| {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(v.as_bytes());
    });
    out
}

/// Calls `f` with each pair in signing order: sorted by name, then value, repeats of a
/// name and value dropped.
fn in_signing_order<'p>(pairs: &[(&'p str, &'p str)], mut f: impl FnMut((&'p str, &'p str))) {
    // Sorting on the first seven bytes of the name as a number, with the pair's index in
    // the low byte of the same 64-bit key, settles almost every comparison without looking
    // at the strings; runs that share those seven bytes are then put in full byte order.
    // The keys of a webhook's few dozen parameters stay on the stack.
    let mut stack = [0u64; 64];
    let Some(keys) = stack.get_mut(..pairs.len()) else {
        let mut sorted = pairs.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        sorted.into_iter().for_each(f);
        return;
    };
    for (i, (key, (name, _))) in keys.iter_mut().zip(pairs).enumerate() {
        *key = (name_prefix(name) & !0xff) | i as u64;
    }
    keys.sort_unstable();
    let pair = |key: u64| {
        pairs
            .get((key & 0xff) as usize)
            .copied()
            .unwrap_or_default()
    };
    let mut run = 0;
    while run < keys.len() {
        let prefix = keys.get(run).map_or(0, |k| k >> 8);
        let len = keys
            .get(run..)
            .unwrap_or_default()
            .iter()
            .take_while(|k| *k >> 8 == prefix)
            .count();
        if len > 1
            && let Some(same) = keys.get_mut(run..run + len)
        {
            same.sort_unstable_by(|a, b| pair(*a).cmp(&pair(*b)));
        }
        run += len.max(1);
    }
    let mut last: Option<u64> = None;
    for &key in keys.iter() {
        // A repeated name and value is signed once; repeats share the seven bytes.
        let repeat = last.is_some_and(|l| l >> 8 == key >> 8 && pair(l) == pair(key));
        if !repeat {
            f(pair(key));
        }
        last = Some(key);
    }
}

/// The first eight bytes of `name`, zero-padded, as a big-endian number: its order agrees
/// with the byte order of the names whenever it differs.
fn name_prefix(name: &str) -> u64 {
    if let Some(first) = name.as_bytes().first_chunk::<8>() {
        return u64::from_be_bytes(*first);
    }
    let mut bytes = [0u8; 8];
    for (slot, b) in bytes.iter_mut().zip(name.bytes()) {
        *slot = b;
    }
    u64::from_be_bytes(bytes)
}

pub(super) fn keyed<M: KeyInit>(key: &[u8]) -> M {
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

/// Whether the MAC over `url` then `params` ([`signed_params`]) equals `signature`,
/// compared in constant time.
pub(super) fn mac_matches<M: Mac>(mut mac: M, url: &str, params: &[u8], signature: &[u8]) -> bool {
    mac.update(url.as_bytes());
    mac.update(params);
    ct_eq(mac.finalize().into_bytes().as_slice(), signature)
}

pub(super) fn unreadable(e: FormError) -> VerifyError {
    VerifyError::UnreadableBody {
        reason: e.to_string(),
    }
}

pub(super) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Up to 90 pairs: past the 64 sorted on the stack, the plain sort.
        for _ in 0..600 {
            let owned: Vec<(String, String)> = (0..rng.usize(0..90))
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
            // The buffer the MAC reads: each name then its value, in that order.
            let pairs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let signed: Vec<u8> = expected
                .iter()
                .flat_map(|(k, v)| k.bytes().chain(v.bytes()))
                .collect();
            assert_eq!(signed_params(&pairs), signed);
        }
    }
}
