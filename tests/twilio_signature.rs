//! `X-Twilio-Signature`: the official vectors (spec §4.5), the WhatsApp vectors (§4.6), and
//! each verification rule.

use http::Method;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::signature::{
    self, Algorithm, MatchedKey, Verifier, body_sha256_hex, sign, sign_form_body, sign_with,
    signing_string, url_candidates, url_with_body_hash,
};
use whatsapp_connector::{VerifyError, WebhookRequest, WhatsAppProvider};

/// A decoded form parameter.
type Param = (&'static str, &'static str);

const TOKEN: &str = "12345";
const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
const COMMON: [(&str, &str); 5] = [
    ("CallSid", "CA1234567890ABCDE"),
    ("Caller", "+14158675309"),
    ("Digits", "1234"),
    ("From", "+14158675309"),
    ("To", "+18005551212"),
];
const GO_BASE: [(&str, &str); 7] = [
    ("Digits", "1234"),
    ("CallSid", "CA1234567890ABCDE"),
    ("To", "+18005551212"),
    ("Caller", "+14158675309"),
    ("From", "+14158675309"),
    ("ReasonConferenceEnded", "test"),
    ("Reason", "Participant"),
];
const JSON_BODY: &str = r#"{"property": "value", "boolean": true}"#;
const JSON_SHA: &str = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

const INBOUND_IMAGE: &[u8] = include_bytes!("fixtures/twilio/inbound_image.form");
const STATUS_READ: &[u8] = include_bytes!("fixtures/twilio/status_read.form");
const INBOUND_URL: &str = "https://example.com/twilio/whatsapp/inbound";

fn verifier() -> Verifier {
    Verifier::new().with_auth_token(TOKEN)
}

/// Verifies `params` (as decoded pairs) posted to `url` with `sig`.
fn check(
    url: &str,
    params: &[(&str, &str)],
    sig: &str,
) -> Result<signature::Verified, VerifyError> {
    verifier().verify_signature(url, params, sig, None)
}

/// The same, through a real form-encoded request.
fn check_form(url: &str, params: &[(&str, &str)], sig: &str) -> Result<(), VerifyError> {
    let body = serde_urlencoded::to_string(params).unwrap();
    let req = WebhookRequest::new(url, body)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", sig);
    verifier().verify(&req).map(|_| ())
}

fn json_request(url: &str, body: &str, sig: &str) -> WebhookRequest {
    WebhookRequest::new(url, body.to_owned())
        .with_header("content-type", "application/json")
        .with_header("x-twilio-signature", sig)
}

#[test]
fn docs_example() {
    let params = [
        ("Digits", "1234"),
        ("To", "+18005551212"),
        ("From", "+14158675310"),
        ("Caller", "+14158675310"),
        ("CallSid", "CA1234567890ABCDE"),
    ];
    let url = "https://example.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        signing_string(url, &params),
        "https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212"
    );
    assert_eq!(sign(TOKEN, url, &params), "L/OH5YylLD5NRKLltdqwSvS0BnU=");
    check_form(url, &params, "L/OH5YylLD5NRKLltdqwSvS0BnU=").unwrap();
}

#[test]
fn base_vector() {
    assert_eq!(sign(TOKEN, URL, &COMMON), "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    let v = check(URL, &COMMON, "RSOYDt4T1cUTdK1PDd93/VVr8B8=").unwrap();
    assert_eq!(v.url, URL);
    assert_eq!(v.key, MatchedKey::AuthToken(0));
    check_form(URL, &COMMON, "RSOYDt4T1cUTdK1PDd93/VVr8B8=").unwrap();
}

#[test]
fn https_signed_with_443_validates_without_port() {
    let with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
    assert_eq!(
        sign(TOKEN, with_port, &COMMON),
        "kvajT1Ptam85bY51eRf/AJRuM3w="
    );
    let v = check(URL, &COMMON, "kvajT1Ptam85bY51eRf/AJRuM3w=").unwrap();
    assert_eq!(v.url, with_port);
}

#[test]
fn https_custom_port_is_stripped() {
    let v = check(
        "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
        &COMMON,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
    )
    .unwrap();
    assert_eq!(v.url, URL);
}

#[test]
fn http_signed_with_80_validates_without_port() {
    let url = "http://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        sign(
            TOKEN,
            "http://mycompany.com:80/myapp.php?foo=1&bar=2",
            &COMMON
        ),
        "0ZXoZLH/DfblKGATFgpif+LLRf4="
    );
    check(url, &COMMON, "0ZXoZLH/DfblKGATFgpif+LLRf4=").unwrap();
}

#[test]
fn http_custom_port_is_kept() {
    let url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2";
    assert_eq!(sign(TOKEN, url, &COMMON), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=");
    let v = check(url, &COMMON, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=").unwrap();
    assert_eq!(v.url, url);
}

#[test]
fn duplicate_values_are_deduplicated_and_sorted() {
    let params = [
        ("Sid", "CA123"),
        ("SidAccount", "AC123"),
        ("Digits", "5678"),
        ("Digits", "1234"),
        ("Digits", "1234"),
    ];
    assert!(signing_string(URL, &params).ends_with("Digits1234Digits5678SidCA123SidAccountAC123"));
    assert_eq!(sign(TOKEN, URL, &params), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    check_form(URL, &params, "IK+Dwps556ElfBT0I3Rgjkr1wJU=").unwrap();
}

#[test]
fn array_values_in_any_order() {
    let a = [
        ("MessagingBinding.Address", "+1415xxxxxxx"),
        ("MessagingBinding.Address", "+1325xxxxxxx"),
    ];
    let b = [a[1], a[0]];
    assert_eq!(sign(TOKEN, URL, &a), "83O6e2vORAoJHUNzJjDWN1jz+BA=");
    check_form(URL, &a, "83O6e2vORAoJHUNzJjDWN1jz+BA=").unwrap();
    check_form(URL, &b, "83O6e2vORAoJHUNzJjDWN1jz+BA=").unwrap();
}

#[test]
fn json_body_with_hash() {
    let url = format!("{URL}&bodySHA256={JSON_SHA}");
    assert_eq!(body_sha256_hex(JSON_BODY.as_bytes()), JSON_SHA);
    assert_eq!(url_with_body_hash(URL, JSON_BODY.as_bytes()), url);
    let none: [(&str, &str); 0] = [];
    assert_eq!(sign(TOKEN, &url, &none), "a9nBmqA0ju/hNViExpshrM61xv4=");
    verifier()
        .verify(&json_request(
            &url,
            JSON_BODY,
            "a9nBmqA0ju/hNViExpshrM61xv4=",
        ))
        .unwrap();
}

#[test]
fn json_body_with_only_the_hash_param() {
    let url = format!("https://mycompany.com/myapp.php?bodySHA256={JSON_SHA}");
    verifier()
        .verify(&json_request(
            &url,
            JSON_BODY,
            "y77kIzt2vzLz71DgmJGsen2scGs=",
        ))
        .unwrap();
}

#[test]
fn empty_json_body_via_443() {
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
    let v = verifier()
        .verify_detailed(&json_request(url, "{}", "Ldidvp12m26NI7eqEvxnEpkd9Hc="))
        .unwrap();
    assert_eq!(
        v.url,
        "https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
    );
}

#[test]
fn json_body_without_hash_param_fails() {
    let err = verifier()
        .verify(&json_request(
            URL,
            JSON_BODY,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        ))
        .unwrap_err();
    assert_eq!(err, VerifyError::MissingBodyHash);
}

#[test]
fn json_body_hash_mismatch_fails() {
    let url = format!("{URL}&bodySHA256={JSON_SHA}");
    let none: [(&str, &str); 0] = [];
    let sig = sign(TOKEN, &url, &none);
    let err = verifier()
        .verify(&json_request(&url, r#"{"property": "other"}"#, &sig))
        .unwrap_err();
    assert_eq!(err, VerifyError::BodyHashMismatch);
}

#[test]
fn docs_json_body_hash() {
    assert_eq!(
        body_sha256_hex(br#"{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}"#),
        "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9"
    );
}

#[test]
fn userinfo_is_signed_as_received() {
    check(
        "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
        &COMMON,
        "CukzLTc1tT5dXEDIHm/tKBanW10=",
    )
    .unwrap();
    check(
        "https://user@mycompany.com/myapp.php?foo=1&bar=2",
        &COMMON,
        "2YRLlVAflCqxaNicjMpJcSTgzSs=",
    )
    .unwrap();
    let v = check(
        "https://user:pass@mycompany.com/myapp.php?foo=1&bar=2",
        &COMMON,
        "ZQFR1PTIZXF2MXB8ZnKCvnnA+rI=",
    )
    .unwrap();
    assert_eq!(
        v.url,
        "https://user:pass@mycompany.com:443/myapp.php?foo=1&bar=2"
    );
}

#[test]
fn go_vectors() {
    assert_eq!(sign(TOKEN, URL, &GO_BASE), "vOEb5UThFn24KEfnOFLQY2AE5FY=");
    check(URL, &GO_BASE, "vOEb5UThFn24KEfnOFLQY2AE5FY=").unwrap();
    check(
        "https://mycompany.com:1234/myapp.php?foo=1&bar=2",
        &GO_BASE,
        "vOEb5UThFn24KEfnOFLQY2AE5FY=",
    )
    .unwrap();
    let http = "http://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(sign(TOKEN, http, &GO_BASE), "n2xBNyzSW7rfYStDtOFiFMv7qNo=");
    check(http, &GO_BASE, "n2xBNyzSW7rfYStDtOFiFMv7qNo=").unwrap();
    check(
        "http://mycompany.com:1234/myapp.php?foo=1&bar=2",
        &GO_BASE,
        "n2xBNyzSW7rfYStDtOFiFMv7qNo=",
    )
    .unwrap();
}

#[test]
fn go_wrong_sort_fails() {
    let err = check(URL, &GO_BASE, "95+Bu0JVPi0r/SsESZCVf0dWAjw=").unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch { .. }));
}

#[test]
fn go_form_body() {
    let body = b"property=value&boolean=true";
    assert_eq!(
        sign_form_body(Algorithm::HmacSha1, TOKEN, URL, body).unwrap(),
        "NBdBDr/T/lgjI+tlgpXjKZQZs/k="
    );
    let req = WebhookRequest::new(URL, &body[..])
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", "NBdBDr/T/lgjI+tlgpXjKZQZs/k=");
    verifier().verify(&req).unwrap();
}

#[test]
fn java_vectors() {
    let none: [(&str, &str); 0] = [];
    let cases: Vec<(&str, Vec<Param>, &str)> = vec![
        (URL, none.to_vec(), "zYQTYrRWXE7LtzbG4PfP7/bkkGo="),
        (
            "https://mycompany.com/myapp.php",
            COMMON.to_vec(),
            "1xaxFBvyzXYvWplzNOSs28HWO94=",
        ),
        (
            "https://mycompany.com/myapp.php?foo=1&bar=2&type=thiswontbeusedinthesignaturegeneratorandsoshouldbeignored",
            COMMON.to_vec(),
            "hYkNsTBttoNGkyCS0p+wWmQoRTg=",
        ),
        (
            "https://mycompany.com/myapp.php?foo=hello%20world&bar=test%2Bvalue",
            COMMON.to_vec(),
            "er2tvAP1Wx+iuTTE2BPgvEaN1cs=",
        ),
        (
            URL,
            vec![
                ("Message", "Hello & goodbye! @#$%^*()"),
                ("From", "+1 (415) 867-5309"),
                ("Special", "unicode: ñáéíóú"),
            ],
            "dCPiR4WtQ6QFN6pJh81CtlCcWLQ=",
        ),
        (
            URL,
            vec![
                ("Digits", ""),
                ("CallSid", "CA1234567890ABCDE"),
                ("EmptyParam", ""),
            ],
            "9HHp/OqQMEwdrVebHDdA/+tqjX8=",
        ),
        (
            // Java's null values sign as empty strings.
            URL,
            vec![
                ("Digits", ""),
                ("CallSid", "CA1234567890ABCDE"),
                ("NullParam", ""),
            ],
            "L9lTTwIlxM1xGAtLRwhOSZggRhM=",
        ),
        (
            URL,
            vec![
                ("Zebra", "last"),
                ("Alpha", "first"),
                ("Beta", "second"),
                ("Gamma", "third"),
            ],
            "enveUe73ZTVLAekHxez3Qx6JuuQ=",
        ),
        (
            "https://mycompany.com/webhook/España?año=2023",
            COMMON.to_vec(),
            "G/Hx6mqqnjUNlPAoi2Sp9bGst0g=",
        ),
        (
            URL,
            vec![
                ("callSid", "lowercase"),
                ("CallSid", "uppercase"),
                ("CALLSID", "allcaps"),
            ],
            "jDK7WKT8wiNrwggd4ceTv4e1MJ4=",
        ),
        (
            "https://mycompany.com:443//myapp.php?foo=1&bar=2",
            COMMON.to_vec(),
            "A9lH3u16NjyiiM/+wylw5rirFUs=",
        ),
    ];
    for (url, params, sig) in cases {
        assert_eq!(sign(TOKEN, url, &params), sig, "signing {url} {params:?}");
        let v = check(url, &params, sig).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(v.url, url);
        check_form(url, &params, sig).unwrap_or_else(|e| panic!("form {url}: {e}"));
    }
    assert!(
        signing_string(
            URL,
            &[
                ("callSid", "lowercase"),
                ("CallSid", "uppercase"),
                ("CALLSID", "allcaps")
            ]
        )
        .ends_with("CALLSIDallcapsCallSiduppercasecallSidlowercase")
    );
}

#[test]
fn node_apostrophe_normalized_signature_is_accepted() {
    let raw = "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It's+amazing";
    let v = check(raw, &COMMON, "TfZzewPq8wqrGlMfyAud8+/IvJ0=").unwrap();
    assert_eq!(
        v.url,
        "https://mycompany.com/myapp.php?foo=1&bar=2&Body=It%27s+amazing"
    );
    // The signature over the URL as received (what Twilio sends) is accepted first.
    assert_eq!(sign(TOKEN, raw, &COMMON), "dsq4Ehbj6cs+KdTkpF5sSSplOWw=");
    let v = check(raw, &COMMON, "dsq4Ehbj6cs+KdTkpF5sSSplOWw=").unwrap();
    assert_eq!(v.url, raw);
}

#[test]
fn node_webhooks_spec_cases() {
    let v = Verifier::new().with_auth_token("s3cr3t");
    let get = |url: &str, sig: &str| {
        let req = WebhookRequest::new(url, Vec::new())
            .with_method(Method::GET)
            .with_header("x-twilio-signature", sig);
        v.verify(&req)
    };
    let plain = "https://example.com/path?test=param";
    let port = "https://example.com:443/path?test=param";
    let quote = "https://example.com/path?test=param'WithQuote";
    let pct = "https://example.com/path?test=param%27WithQuote";
    let none: [(&str, &str); 0] = [];
    let sig = |url: &str| sign("s3cr3t", url, &none);
    assert_eq!(sig(plain), "loLgTitFAoWx57yy5oEU4Hlddzw=");
    assert_eq!(sig(port), "IdwMFypqvNxti3YgvWWmfcNL26M=");
    assert_eq!(sig(quote), "GfI7onHX/KQ2k1oVS3cUTVk4IEw=");
    assert_eq!(sig(pct), "HkuXLxVQ7zHv9LmGpzlLuGaxhJY=");
    for (signed, received) in [
        (plain, plain),
        (plain, port),
        (port, plain),
        (quote, pct),
        (pct, quote),
    ] {
        get(received, &sig(signed))
            .unwrap_or_else(|e| panic!("signed {signed}, received {received}: {e}"));
    }
    let err = get("https://example.com/path?test=param2", &sig(plain)).unwrap_err();
    assert!(matches!(err, VerifyError::NoMatch { .. }));
}

#[test]
fn whatsapp_inbound_image_vector() {
    let params: Vec<(String, String)> = serde_urlencoded::from_bytes(INBOUND_IMAGE).unwrap();
    assert_eq!(
        signing_string(INBOUND_URL, &params),
        "https://example.com/twilio/whatsapp/inboundAccountSidACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaApiVersion2010-04-01BodyHere's the photo & receiptFromwhatsapp:+14155550100MediaContentType0image/jpegMediaUrl0https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdefMessageSidSM0123456789abcdef0123456789abcdefMessageTypeimageNumMedia1NumSegments1ProfileNameJane DoeReferralNumMedia0SmsMessageSidSM0123456789abcdef0123456789abcdefSmsSidSM0123456789abcdef0123456789abcdefSmsStatusreceivedTowhatsapp:+14155238886WaId14155550100"
    );
    assert_eq!(
        sign_form_body(Algorithm::HmacSha1, TOKEN, INBOUND_URL, INBOUND_IMAGE).unwrap(),
        "GD8a9vyClPMV7ICDxFcR/oeneO0="
    );
    assert_eq!(
        sign_form_body(
            Algorithm::HmacSha1,
            TOKEN,
            "https://example.com:443/twilio/whatsapp/inbound",
            INBOUND_IMAGE
        )
        .unwrap(),
        "lKvq2ZkBjhLiHu+6wGrRqpMcEPI="
    );
    for sig in [
        "GD8a9vyClPMV7ICDxFcR/oeneO0=",
        "lKvq2ZkBjhLiHu+6wGrRqpMcEPI=",
    ] {
        let req = WebhookRequest::new(INBOUND_URL, INBOUND_IMAGE)
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", sig);
        verifier().verify(&req).unwrap();
    }
}

#[test]
fn whatsapp_status_read_vector() {
    let url = "https://example.com/twilio/status?tenant=42";
    assert_eq!(
        sign_form_body(Algorithm::HmacSha1, TOKEN, url, STATUS_READ).unwrap(),
        "767vim2XS4OEeEgPVB/5f1qKGTg="
    );
    let req = WebhookRequest::new(url, STATUS_READ)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", "767vim2XS4OEeEgPVB/5f1qKGTg=");
    verifier().verify(&req).unwrap();
}

#[test]
fn query_parameters_are_signed_only_in_the_url() {
    // A POST to a URL with a query: the query is not added to the sorted parameters.
    let url = "https://example.com/twilio/status?tenant=42";
    let wrong = sign(TOKEN, url, &[("tenant", "42"), ("MessageSid", "SM1")]);
    let req = WebhookRequest::new(url, "MessageSid=SM1")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", &wrong);
    assert!(matches!(
        verifier().verify(&req),
        Err(VerifyError::NoMatch { .. })
    ));
    // A GET signs the URL alone, whatever the body.
    let get_url = "https://example.com/twilio/in?MessageSid=SM1&Body=hola+t%C3%BA";
    let none: [(&str, &str); 0] = [];
    let sig = sign(TOKEN, get_url, &none);
    let req = WebhookRequest::new(get_url, Vec::new())
        .with_method(Method::GET)
        .with_header("x-twilio-signature", &sig);
    verifier().verify(&req).unwrap();
    let sorted_too = sign(
        TOKEN,
        get_url,
        &[("Body", "hola tú"), ("MessageSid", "SM1")],
    );
    let req = WebhookRequest::new(get_url, Vec::new())
        .with_method(Method::GET)
        .with_header("x-twilio-signature", &sorted_too);
    assert!(matches!(
        verifier().verify(&req),
        Err(VerifyError::NoMatch { .. })
    ));
}

#[test]
fn the_url_is_never_re_encoded() {
    // A signature over a differently-encoded query does not match.
    let received = "https://example.com/hook?q=a%20b";
    let none: [(&str, &str); 0] = [];
    let other = sign(TOKEN, "https://example.com/hook?q=a+b", &none);
    let err = check(received, &none, &other).unwrap_err();
    let VerifyError::NoMatch { candidates } = err else {
        panic!()
    };
    assert_eq!(
        candidates,
        [
            "https://example.com/hook?q=a%20b",
            "https://example.com:443/hook?q=a%20b"
        ]
    );
    assert_eq!(
        url_candidates("https://example.com/hook/?q=a%2Fb"),
        [
            "https://example.com/hook/?q=a%2Fb",
            "https://example.com:443/hook/?q=a%2Fb"
        ]
    );
}

#[test]
fn failures_say_what_happened() {
    let bare = WebhookRequest::new(URL, "Digits=1234")
        .with_header("content-type", "application/x-www-form-urlencoded");
    assert_eq!(
        verifier().verify(&bare).unwrap_err(),
        VerifyError::MissingHeader {
            header: "X-Twilio-Signature"
        }
    );
    let malformed = bare
        .clone()
        .with_header("x-twilio-signature", "not base64!!");
    assert!(matches!(
        verifier().verify(&malformed).unwrap_err(),
        VerifyError::MalformedHeader {
            header: "X-Twilio-Signature",
            ..
        }
    ));
    let bad_body = WebhookRequest::new(URL, "Digits=12%G4")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    let err = verifier().verify(&bad_body).unwrap_err();
    assert!(
        matches!(&err, VerifyError::UnreadableBody { reason } if reason.contains("Digits")),
        "{err}"
    );
    let no_secret = bare
        .clone()
        .with_header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    assert_eq!(
        Verifier::new().verify(&no_secret).unwrap_err(),
        VerifyError::NoSecret
    );
}

#[test]
fn no_match_lists_the_urls_tried_and_no_secret() {
    let token = "0123456789abcdef0123456789abcdef";
    let url = "https://bot:hunter2pass@example.com:8443/twilio?x=1";
    let req = WebhookRequest::new(url, "A=1")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    let err = Verifier::new()
        .with_auth_token(token)
        .verify(&req)
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("https://bot:***@example.com:8443/twilio?x=1"),
        "{text}"
    );
    assert!(
        text.contains("https://bot:***@example.com/twilio?x=1"),
        "{text}"
    );
    assert!(!text.contains(token));
    assert!(!text.contains("hunter2pass"));
    assert!(!format!("{err:?}").contains(token));
    let v = Verifier::new()
        .with_auth_token(token)
        .with_shared_key("k1", "whsk_secret");
    let debug = format!("{v:?}");
    assert!(
        !debug.contains(token) && !debug.contains("whsk_secret"),
        "{debug}"
    );
}

#[test]
fn several_auth_tokens_for_rotation() {
    let v = Verifier::new()
        .with_auth_token("old-token")
        .with_auth_token(TOKEN);
    let got = v
        .verify_signature(URL, &COMMON, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", None)
        .unwrap();
    assert_eq!(got.key, MatchedKey::AuthToken(1));
    let sig_old = sign("old-token", URL, &COMMON);
    assert_eq!(
        v.verify_signature(URL, &COMMON, &sig_old, None)
            .unwrap()
            .key,
        MatchedKey::AuthToken(0)
    );
    let sig_other = sign("someone-else", URL, &COMMON);
    assert!(v.verify_signature(URL, &COMMON, &sig_other, None).is_err());
}

#[test]
fn shared_keys_by_id() {
    let key = "whsk_0123456789abcdef";
    assert_eq!(
        sign_with(Algorithm::HmacSha256, key, URL, &COMMON),
        "PbND87AAvo2qOQ4h0vOZsxV4ByU6ACpoIx7/4nyw5mw="
    );
    assert_eq!(
        sign_form_body(Algorithm::HmacSha256, key, INBOUND_URL, INBOUND_IMAGE).unwrap(),
        "OMx9Ksn6EuWpiQur9IqTqdTFBaz4J1UvJ67q9RmqZw8="
    );
    let v = Verifier::new()
        .with_auth_token(TOKEN)
        .with_shared_key("KS0001", "another-key")
        .with_shared_key("KS0002", key);
    let req = |sig: &str, settings: &str| {
        WebhookRequest::new(INBOUND_URL, INBOUND_IMAGE)
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", sig)
            .with_header("x-twilio-webhooks-signature-settings", settings)
    };
    let sha256 = "OMx9Ksn6EuWpiQur9IqTqdTFBaz4J1UvJ67q9RmqZw8=";
    let ok = v
        .verify_detailed(&req(sha256, "key=KS0002,algorithm=HMAC_SHA256"))
        .unwrap();
    assert_eq!(ok.key, MatchedKey::SharedKey("KS0002".into()));
    assert_eq!(ok.algorithm, Algorithm::HmacSha256);
    // The wrong key id: no match.
    assert!(matches!(
        v.verify(&req(sha256, "key=KS0001,algorithm=HMAC_SHA256")),
        Err(VerifyError::NoMatch { .. })
    ));
    // An unknown id, an unknown algorithm.
    assert_eq!(
        v.verify(&req(sha256, "key=KS9999,algorithm=HMAC_SHA256"))
            .unwrap_err(),
        VerifyError::UnknownKey {
            key_id: "KS9999".into()
        }
    );
    assert_eq!(
        v.verify(&req(sha256, "key=KS0002,algorithm=HMAC_SHA512"))
            .unwrap_err(),
        VerifyError::UnsupportedAlgorithm {
            algorithm: "HMAC_SHA512".into()
        }
    );
    // With the settings header, the auth token's signature does not count.
    let token_sig = "GD8a9vyClPMV7ICDxFcR/oeneO0=";
    assert!(
        v.verify(&req(token_sig, "key=KS0002,algorithm=HMAC_SHA256"))
            .is_err()
    );
    // Without `algorithm=`, the auth-token scheme applies.
    v.verify(&req(token_sig, "key=KS0002")).unwrap();
    v.verify(&req(token_sig, "")).unwrap();
    // A shared key set to HMAC_SHA1.
    let sha1 = sign_form_body(Algorithm::HmacSha1, key, INBOUND_URL, INBOUND_IMAGE).unwrap();
    let ok = v
        .verify_detailed(&req(&sha1, "key=KS0002,algorithm=HMAC_SHA1"))
        .unwrap();
    assert_eq!(ok.algorithm, Algorithm::HmacSha1);
}

fn provider() -> whatsapp_connector::twilio::TwilioBuilder {
    TwilioProvider::builder("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").auth_token(TOKEN)
}

#[test]
fn provider_verifies_with_its_tokens_and_keys() {
    let twilio = provider()
        .webhook_auth_token("secondary-token")
        .shared_key("KS0002", "whsk_0123456789abcdef")
        .build()
        .unwrap();
    let req = WebhookRequest::new(INBOUND_URL, INBOUND_IMAGE)
        .with_header("content-type", "application/x-www-form-urlencoded");
    twilio
        .verify(
            &req.clone()
                .with_header("x-twilio-signature", "GD8a9vyClPMV7ICDxFcR/oeneO0="),
        )
        .unwrap();
    let secondary = sign_form_body(
        Algorithm::HmacSha1,
        "secondary-token",
        INBOUND_URL,
        INBOUND_IMAGE,
    )
    .unwrap();
    twilio
        .verify(&req.clone().with_header("x-twilio-signature", &secondary))
        .unwrap();
    twilio
        .verify(
            &req.clone()
                .with_header(
                    "x-twilio-signature",
                    "OMx9Ksn6EuWpiQur9IqTqdTFBaz4J1UvJ67q9RmqZw8=",
                )
                .with_header(
                    "x-twilio-webhooks-signature-settings",
                    "key=KS0002,algorithm=HMAC_SHA256",
                ),
        )
        .unwrap();
    // An API key is not a webhook secret: with no auth token, nothing verifies.
    let api_key_only = TwilioProvider::builder("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .api_key("SK0123456789abcdef0123456789abcdef", "key-secret")
        .build()
        .unwrap();
    assert_eq!(
        api_key_only
            .verify(&req.with_header("x-twilio-signature", "GD8a9vyClPMV7ICDxFcR/oeneO0="))
            .unwrap_err(),
        VerifyError::NoSecret
    );
}

#[test]
fn public_url_per_provider_and_per_request() {
    let internal = "http://10.0.0.5:8080/twilio/whatsapp/inbound";
    let req = WebhookRequest::new(internal, INBOUND_IMAGE)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", "GD8a9vyClPMV7ICDxFcR/oeneO0=");
    let plain = provider().build().unwrap();
    assert!(plain.verify(&req).is_err());
    // Per request: the caller gives the public URL.
    plain.verify(&req.clone().with_url(INBOUND_URL)).unwrap();
    // Per provider.
    let fixed = provider().public_url(INBOUND_URL).build().unwrap();
    fixed.verify(&req).unwrap();
}

#[test]
fn forwarded_headers_only_when_trusted() {
    let req = WebhookRequest::new(
        "http://10.0.0.5:8080/twilio/whatsapp/inbound",
        INBOUND_IMAGE,
    )
    .with_header("content-type", "application/x-www-form-urlencoded")
    .with_header("host", "10.0.0.5:8080")
    .with_header("x-forwarded-proto", "https")
    .with_header("x-forwarded-host", "example.com")
    .with_header("x-twilio-signature", "GD8a9vyClPMV7ICDxFcR/oeneO0=");
    assert!(provider().build().unwrap().verify(&req).is_err());
    let trusting = provider().trust_forwarded_headers(true).build().unwrap();
    assert_eq!(trusting.verification_url(&req), INBOUND_URL);
    trusting.verify(&req).unwrap();
}

#[test]
fn random_form_bodies_verify_and_parse_as_signed() {
    // Names and values with every character a form escapes, encoded as a browser would
    // (serde_urlencoded: `+` for spaces, `%XX` for the rest), signed over the decoded pairs:
    // the verifier (which decodes the body itself, mostly without copying it) and the
    // provider's one-pass verify_and_parse accept each one, and reject it once one
    // decoded byte of one value changes.
    let alphabet: Vec<char> = "aZ09 &=+%?#/:;,'\"ñé€😀\u{7f}\t.-_~".chars().collect();
    let provider = TwilioProvider::builder("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .auth_token(TOKEN)
        .build()
        .unwrap();
    let url = "https://bot.example.com/twilio?x=1";
    let mut rng = fastrand::Rng::with_seed(29);
    for _ in 0..300 {
        let mut pairs: Vec<(String, String)> = (0..rng.usize(1..16))
            .map(|_| {
                let mut word = |max: usize| -> String {
                    (0..rng.usize(0..max))
                        .map(|_| alphabet[rng.usize(..alphabet.len())])
                        .collect()
                };
                let name = word(10);
                (if name.is_empty() { "n".into() } else { name }, word(40))
            })
            .collect();
        pairs.push((
            "MessageSid".into(),
            "SM0123456789abcdef0123456789abcdef".into(),
        ));
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        let sig = sign(TOKEN, url, &pairs);
        let request = WebhookRequest::new(url, body.clone())
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", &sig);
        assert!(verifier().verify_at(url, &request).is_ok(), "{body}");
        match provider.verify_and_parse(&request) {
            Ok(events) => assert_eq!(events.len(), 1),
            // Random names may collide with typed ones (`NumMedia=é`): a parse error,
            // never a signature error.
            Err(e) => assert!(
                matches!(e, whatsapp_connector::Error::Parse(_)),
                "{body}: {e}"
            ),
        }
        let tampered = body.replacen("MessageSid=SM0", "MessageSid=SM1", 1);
        let request = WebhookRequest::new(url, tampered)
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_header("x-twilio-signature", &sig);
        assert!(matches!(
            verifier().verify_at(url, &request),
            Err(VerifyError::NoMatch { .. })
        ));
        assert!(matches!(
            provider.verify_and_parse(&request),
            Err(whatsapp_connector::Error::Verify(
                VerifyError::NoMatch { .. }
            ))
        ));
    }
}
