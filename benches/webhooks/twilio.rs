//! The twilio cases of the webhooks bench, all on the inbound image webhook of the spec
//! (token `12345`):
//!
//! - `twilio_verify_parse_inbound`: the trait's `WhatsAppProvider::verify_and_parse`, as the
//!   webhook endpoint calls it (Twilio's decodes the body once);
//! - `twilio_verify_then_parse`: the trait's `verify` then `parse`, two calls that each
//!   decode the body;
//! - `twilio_hmac_sha1_floor`: a bare HMAC-SHA1 keyed from the token over the same signing
//!   string, the floor of any verification; `twilio_hmac_sha1_floor_prekeyed`: the same,
//!   keyed once.

use std::hint::black_box;

use criterion::Criterion;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::signature::signing_string;
use whatsapp_connector::{WebhookRequest, WhatsAppProvider};

const BODY: &[u8] = include_bytes!("../../tests/fixtures/twilio/inbound_image.form");
const URL: &str = "https://example.com/twilio/whatsapp/inbound";
const SIGNATURE: &str = "GD8a9vyClPMV7ICDxFcR/oeneO0=";

pub fn bench(c: &mut Criterion) {
    let twilio = TwilioProvider::builder("ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        .auth_token("12345")
        .build()
        .expect("a valid configuration");
    let request = WebhookRequest::new(URL, BODY)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", SIGNATURE);
    assert!(twilio.verify(&request).is_ok());
    assert_eq!(twilio.parse(&request).map(|e| e.len()).ok(), Some(1));

    // Through the trait object, as the webhook endpoint calls it.
    let provider: &dyn WhatsAppProvider = &twilio;
    c.bench_function("twilio_verify_parse_inbound", |b| {
        b.iter(|| {
            black_box(
                provider
                    .verify_and_parse(black_box(&request))
                    .expect("valid"),
            )
        })
    });

    c.bench_function("twilio_verify_then_parse", |b| {
        b.iter(|| {
            let req = black_box(&request);
            provider.verify(req).expect("valid");
            black_box(provider.parse(req).expect("parses"))
        })
    });

    let params: Vec<(String, String)> =
        serde_urlencoded::from_bytes(BODY).expect("the fixture is a form");
    let canonical = signing_string(URL, &params);
    c.bench_function("twilio_hmac_sha1_floor", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(black_box(b"12345"))
                .expect("HMAC takes any key length");
            mac.update(black_box(canonical.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
    let keyed = <Hmac<Sha1> as KeyInit>::new_from_slice(b"12345").expect("any key length");
    c.bench_function("twilio_hmac_sha1_floor_prekeyed", |b| {
        b.iter(|| {
            let mut mac = black_box(&keyed).clone();
            mac.update(black_box(canonical.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
}
