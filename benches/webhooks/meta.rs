//! The Meta cases of the webhooks bench.

use std::hint::black_box;

use criterion::Criterion;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::meta::signature::sign;
use whatsapp_connector::{WebhookRequest, WhatsAppProvider};

/// A text message, as Meta posts it (one entry, one change, the sender's profile).
const BODY: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"900800700600500","changes":[{"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"100200300400500"},"contacts":[{"profile":{"name":"Ana P\u00e9rez"},"wa_id":"5491122223333"}],"messages":[{"from":"5491122223333","id":"wamid.HBgNNTQ5MTEyMjIyMzMzMxUCABIYFDNBRkQ3QjM0QzBFNjg2NjcwRjA4AA==","timestamp":"1767225600","text":{"body":"Hola, \u00bftienen turnos para ma\u00f1ana?"},"type":"text"}]},"field":"messages"}]}]}"#;

pub fn bench(c: &mut Criterion) {
    let provider = MetaProvider::builder()
        .app_secret("old-app-secret-5f1c2a9e")
        .app_secret("new-app-secret-9a7e3b1d")
        .build()
        .expect("a valid config");
    let request = WebhookRequest::new("https://bot.example.com/meta", BODY)
        .with_header("content-type", "application/json")
        .with_header(
            "x-hub-signature-256",
            &sign("new-app-secret-9a7e3b1d", BODY.as_bytes()),
        );
    c.bench_function("meta_verify_parse_inbound", |b| {
        b.iter(|| {
            let req = black_box(&request);
            provider.verify(req).expect("valid");
            let events = provider.parse(req).expect("parses");
            black_box(events)
        })
    });
}
