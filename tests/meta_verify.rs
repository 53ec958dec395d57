//! Meta's webhook signatures (`X-Hub-Signature-256`) and its verification request, through
//! the provider: each reason for refusal, app secret rotation, the test webhook builder.

use whatsapp_connector::meta::signature::sign;
use whatsapp_connector::meta::{MetaProvider, SIGNATURE_HEADER};
use whatsapp_connector::testing::MetaWebhook;
use whatsapp_connector::{
    Error, HandshakeError, PhoneNumber, VerifyError, WebhookRequest, WhatsAppProvider,
};

const URL: &str = "https://bot.example.com/meta";
const SECRET: &str = "0123456789abcdef0123456789abcdef";
const OLD_SECRET: &str = "fedcba9876543210fedcba9876543210";

fn provider() -> MetaProvider {
    MetaProvider::builder()
        .app_secret(OLD_SECRET)
        .app_secret(SECRET)
        .verify_token("verify-me")
        .build()
        .unwrap()
}

fn webhook() -> MetaWebhook {
    let user = PhoneNumber::parse("+5491122223333").unwrap();
    let business = PhoneNumber::parse("+15550001111").unwrap();
    MetaWebhook::new("100200300400500", &business).text(&user, "hola")
}

fn with_signature(body: &str, signature: &str) -> WebhookRequest {
    WebhookRequest::new(URL, body.to_owned())
        .with_header("content-type", "application/json")
        .with_header(SIGNATURE_HEADER, signature)
}

#[test]
fn a_signed_webhook_verifies_with_either_secret() {
    let p = provider();
    for secret in [SECRET, OLD_SECRET] {
        let request = webhook().request(URL, secret);
        assert_eq!(p.verify(&request), Ok(()));
        let events = p.verify_and_parse(&request).unwrap();
        assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
    }
}

#[test]
fn each_failure_has_its_typed_reason() {
    let p = provider();
    let body = webhook().body();
    let good = sign(SECRET, body.as_bytes());

    let missing = WebhookRequest::new(URL, body.clone());
    assert_eq!(
        p.verify(&missing),
        Err(VerifyError::MissingHeader {
            header: "x-hub-signature-256"
        })
    );

    let reason = |sig: &str| match p.verify(&with_signature(&body, sig)) {
        Err(VerifyError::MalformedHeader { header, reason }) => {
            assert_eq!(header, "x-hub-signature-256");
            reason
        }
        other => panic!("{sig}: {other:?}"),
    };
    let hex = good.trim_start_matches("sha256=");
    assert!(reason(&format!("sha1={hex}")).contains("does not start with sha256="));
    assert!(reason(hex).contains("does not start with sha256="));
    assert!(reason(&format!("sha256={}", &hex[..60])).contains("not 64 hexadecimal"));
    assert!(reason(&format!("sha256={}", "g".repeat(64))).contains("hexadecimal digits"));

    let other_secret = sign("another-app-secret", body.as_bytes());
    assert_eq!(
        p.verify(&with_signature(&body, &other_secret)),
        Err(VerifyError::SignatureMismatch {
            header: "x-hub-signature-256"
        })
    );
    // One byte of the body changed.
    let tampered = body.replacen("hola", "hole", 1);
    assert!(matches!(
        p.verify(&with_signature(&tampered, &good)),
        Err(VerifyError::SignatureMismatch { .. })
    ));
    let twice = with_signature(&body, &good).append_header(SIGNATURE_HEADER, &good);
    assert_eq!(
        p.verify(&twice),
        Err(VerifyError::AmbiguousHeader {
            header: "x-hub-signature-256"
        })
    );
    let unconfigured = MetaProvider::builder().build().unwrap();
    assert_eq!(
        unconfigured.verify(&with_signature(&body, &good)),
        Err(VerifyError::NoSecret)
    );
    // verify_and_parse puts the verification failure first.
    assert!(matches!(
        p.verify_and_parse(&with_signature("not json", &other_secret)),
        Err(Error::Verify(VerifyError::SignatureMismatch { .. }))
    ));
}

#[test]
fn the_signature_covers_the_raw_bytes_as_received() {
    // Meta escapes non-ASCII characters in its bodies; the signature is over those bytes,
    // never over a re-encoding.
    let p = provider();
    let escaped = webhook().body().replace("hola", "ol\\u00e1");
    let request = with_signature(&escaped, &sign(SECRET, escaped.as_bytes()));
    assert_eq!(p.verify(&request), Ok(()));
    let events = p.parse(&request).unwrap();
    assert_eq!(events[0].as_message().unwrap().text(), Some("olá"));
    let reencoded = escaped.replace("ol\\u00e1", "olá");
    assert!(
        p.verify(&with_signature(
            &reencoded,
            &sign(SECRET, escaped.as_bytes())
        ))
        .is_err()
    );
}

#[test]
fn the_verification_request() {
    let p = provider();
    let ok = MetaWebhook::handshake_request(URL, "verify-me", "1158201444");
    let ack = p.handshake(&ok).expect("a GET is a handshake").unwrap();
    assert_eq!(ack.status(), 200);
    assert_eq!(ack.content_type(), Some("text/plain"));
    assert_eq!(&ack.body()[..], b"1158201444");

    let wrong = MetaWebhook::handshake_request(URL, "guess", "1158201444");
    let e = p.handshake(&wrong).unwrap().unwrap_err();
    assert_eq!(e, HandshakeError::TokenMismatch);
    assert_eq!(e.status(), 403);

    let no_challenge = WebhookRequest::new(
        format!("{URL}?hub.mode=subscribe&hub.verify_token=verify-me"),
        "",
    )
    .with_method(http::Method::GET);
    let e = p.handshake(&no_challenge).unwrap().unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.to_string().contains("hub.challenge is missing"), "{e}");

    let unsubscribe = WebhookRequest::new(
        format!("{URL}?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=verify-me"),
        "",
    )
    .with_method(http::Method::GET);
    let e = p.handshake(&unsubscribe).unwrap().unwrap_err();
    assert_eq!(e.status(), 400);
    assert!(e.to_string().contains("hub.mode"), "{e}");

    let no_tokens = MetaProvider::builder().app_secret(SECRET).build().unwrap();
    assert_eq!(
        no_tokens.handshake(&ok).unwrap(),
        Err(HandshakeError::NoToken)
    );
    // A POST is never a handshake.
    assert!(p.handshake(&webhook().request(URL, SECRET)).is_none());
}
