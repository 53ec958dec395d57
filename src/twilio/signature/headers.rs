//! What a request carries for verification: the signature, the settings header, and the
//! hash of a JSON body.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::VerifyError;
use crate::provider::WebhookRequest;

use super::super::webhook::decode_query_value;
use super::sign::{body_sha256_hex, ct_eq};
use super::{Algorithm, BODY_HASH_PARAM, SETTINGS_HEADER, SIGNATURE_HEADER};

pub(super) fn is_json_type(ct: &str) -> bool {
    let ct = ct.trim();
    ct.eq_ignore_ascii_case("application/json")
        || ct
            .rsplit_once('+')
            .is_some_and(|(_, suffix)| suffix.eq_ignore_ascii_case("json"))
}

pub(super) fn check_body_hash(url: &str, body: &[u8]) -> Result<(), VerifyError> {
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

/// Up to this many header values, a header is found by comparing names rather than by
/// hashing the name.
const LINEAR_SCAN_MAX: usize = 24;

/// The value of a header (`key` is its parsed name, `name` how errors spell it).
fn header_str<'a>(
    request: &'a WebhookRequest,
    key: &http::HeaderName,
    name: &'static str,
) -> Result<Option<&'a str>, VerifyError> {
    let headers = request.headers();
    let mut found = None;
    if headers.len() <= LINEAR_SCAN_MAX {
        // A webhook's few headers: comparing each name costs less than hashing `key`.
        for (k, v) in headers {
            if k == key {
                // Two signatures (or two settings): which one the sender meant is unknown.
                if found.is_some() {
                    return Err(VerifyError::AmbiguousHeader { header: name });
                }
                found = Some(v);
            }
        }
    } else {
        let mut values = headers.get_all(key).iter();
        found = values.next();
        if found.is_some() && values.next().is_some() {
            return Err(VerifyError::AmbiguousHeader { header: name });
        }
    }
    let Some(value) = found else {
        return Ok(None);
    };
    value
        .to_str()
        .map(Some)
        .map_err(|_| VerifyError::MalformedHeader {
            header: name,
            reason: "it is not visible ASCII".into(),
        })
}

pub(super) fn read_signature(request: &WebhookRequest) -> Result<DecodedSignature, VerifyError> {
    let value = header_str(request, &SIGNATURE_NAME, SIGNATURE_HEADER)?.ok_or(
        VerifyError::MissingHeader {
            header: SIGNATURE_HEADER,
        },
    )?;
    decode_signature(value)
}

/// A decoded signature, kept on the stack: no MAC checked here is longer than 32 bytes.
pub(super) struct DecodedSignature {
    bytes: [u8; 32],
    /// How many of `bytes` were decoded; 0 for a signature too long to be any MAC, which
    /// matches nothing.
    len: usize,
}

impl DecodedSignature {
    /// The decoded bytes.
    pub(super) fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

pub(super) fn decode_signature(value: &str) -> Result<DecodedSignature, VerifyError> {
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
pub(super) struct Settings {
    /// The id after `key=`.
    pub(super) key_id: String,
    /// The MAC after `algorithm=`.
    pub(super) algorithm: Algorithm,
}

pub(super) fn read_settings(request: &WebhookRequest) -> Result<Option<Settings>, VerifyError> {
    parse_settings(header_str(request, &SETTINGS_NAME, SETTINGS_HEADER)?)
}

/// Reads `key=<id>,algorithm=<ALG>`. Absent, empty, or without `algorithm=`: the auth-token
/// scheme (`None`).
pub(super) fn parse_settings(value: Option<&str>) -> Result<Option<Settings>, VerifyError> {
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
    use crate::twilio::signature::Verifier;

    #[test]
    fn headers_are_found_the_same_among_few_or_many() {
        for others in [0, 3, LINEAR_SCAN_MAX, LINEAR_SCAN_MAX + 5] {
            let mut request = WebhookRequest::new("https://x.test/", "a=b");
            for i in 0..others {
                request = request.with_header(&format!("x-other-{i}"), "v");
            }
            let (sig_key, set_key) = (SIGNATURE_NAME, SETTINGS_NAME);
            let found = |r: &WebhookRequest, key, name| match header_str(r, key, name) {
                Ok(v) => Ok(v.map(str::to_owned)),
                Err(VerifyError::AmbiguousHeader { header }) => Err(header),
                Err(e) => panic!("{e}"),
            };
            assert_eq!(found(&request, &sig_key, SIGNATURE_HEADER), Ok(None));
            let once = request.clone().with_header("X-Twilio-Signature", "abc=");
            let sig = Ok(Some("abc=".to_owned()));
            assert_eq!(found(&once, &sig_key, SIGNATURE_HEADER), sig);
            assert_eq!(found(&once, &set_key, SETTINGS_HEADER), Ok(None));
            let twice = once.append_header("x-twilio-signature", "def=");
            let ambiguous = Err(SIGNATURE_HEADER);
            assert_eq!(found(&twice, &sig_key, SIGNATURE_HEADER), ambiguous);
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
