//! The `meta_webhook` fuzz target's entry point (a part of `harness.rs`).
//!
//! Input layout: `CONTENT-TYPE \n SIGNATURE \n BODY`. A signature of `SIGN` is replaced by
//! the crate's own signature of the body, so the parser is reached past verification. A
//! content type of `GET` makes a `GET` whose query string is `SIGNATURE`: Meta's
//! verification request.

use std::sync::OnceLock;

use whatsapp_connector::meta::signature::sign;
use whatsapp_connector::meta::{MetaProvider, SIGNATURE_HEADER, WebhookPayload};
use whatsapp_connector::{Error, WebhookRequest, WhatsAppProvider};

use super::{check_events, fields, text};

/// The app secret the target verifies with.
pub const META_APP_SECRET: &str = "meta-app-secret-1";
/// The verify token it answers the verification request with.
pub const META_VERIFY_TOKEN: &str = "meta-verify-token-1";

fn meta_provider() -> &'static MetaProvider {
    static P: OnceLock<MetaProvider> = OnceLock::new();
    P.get_or_init(|| {
        MetaProvider::builder()
            .app_secret(META_APP_SECRET)
            .verify_token(META_VERIFY_TOKEN)
            .build()
            .expect("a valid configuration")
    })
}

/// Meta: signed JSON webhooks through verify, parse, verify_and_parse, the typed payload
/// and the routing addresses; `GET`s through the verification request.
pub fn meta_webhook(data: &[u8]) {
    let (f, body) = fields(data, 2);
    let content_type = text(f[0]);
    let signature_field = text(f[1]);
    let provider = meta_provider();
    if content_type == "GET" {
        return handshake(provider, &signature_field);
    }
    let own = sign(META_APP_SECRET, body);
    let signature = if signature_field == "SIGN" {
        own.clone()
    } else {
        signature_field
    };
    let mut request = WebhookRequest::new("https://bot.example.com/meta", body.to_vec());
    if !content_type.is_empty() {
        request = request.with_header("content-type", &content_type);
    }
    if !signature.is_empty() {
        request = request.with_header(SIGNATURE_HEADER, &signature);
    }
    let verified = provider.verify(&request);
    // The header holds what was given unless HTTP refused it (then it is absent).
    let sent = request.header(SIGNATURE_HEADER);
    if sent.is_some_and(|s| s.trim().eq_ignore_ascii_case(&own)) {
        assert_eq!(verified, Ok(()), "the crate's own signature was refused");
    } else {
        assert!(
            verified.is_err(),
            "a signature {sent:?} not made with the secret passed"
        );
    }
    let _ = provider.webhook_addresses(&request);
    assert!(
        provider.handshake(&request).is_none(),
        "a POST is no handshake"
    );

    let parsed = provider.parse(&request);
    if let Ok(events) = &parsed {
        check_events(events);
    }
    match (&verified, &parsed, provider.verify_and_parse(&request)) {
        (Err(v), _, Err(Error::Verify(both))) => assert_eq!(v, &both),
        (Ok(()), Ok(events), Ok(both)) => assert_eq!(events, &both),
        (Ok(()), Err(p), Err(Error::Parse(both))) => assert_eq!(p, &both),
        (v, p, both) => panic!("verify_and_parse disagrees: {v:?} / {p:?} / {both:?}"),
    }
    let payload = provider.parse_payload(&request);
    match (&payload, &parsed) {
        (Ok(p), Ok(events)) => assert_eq!(&p.to_events().expect("parsed"), events),
        (Ok(p), Err(e)) => assert_eq!(p.to_events().as_ref(), Err(e)),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (Err(a), Ok(_)) => panic!("the payload failed ({a}) where parse did not"),
    }
    if let Ok(p) = WebhookPayload::from_json(body) {
        // The typed view serializes, and reads back as itself.
        let json = serde_json::to_vec(&p).expect("a payload serializes");
        let back = WebhookPayload::from_json(&json).expect("a payload reads back");
        assert_eq!(back.entry.len(), p.entry.len());
    }
}

/// The verification request with `query`: accepted only with the configured token, and
/// then answered with the challenge it carries.
fn handshake(provider: &MetaProvider, query: &str) {
    let request = WebhookRequest::new(format!("https://bot.example.com/meta?{query}"), "")
        .with_method(http::Method::GET);
    let Some(answer) = provider.handshake(&request) else {
        panic!("a GET is a handshake");
    };
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    if let Ok(ack) = answer {
        assert_eq!(get("hub.verify_token"), Some(META_VERIFY_TOKEN));
        assert_eq!(get("hub.mode"), Some("subscribe"));
        assert_eq!(
            Some(&ack.body()[..]),
            get("hub.challenge").map(str::as_bytes)
        );
    }
}
