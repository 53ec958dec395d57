//! The botmaker cases of the webhooks bench.

use std::hint::black_box;

use criterion::Criterion;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::{WebhookRequest, WhatsAppProvider};

/// A Format A text message, as Botmaker posts it.
const BODY: &str = r#"{
  "date": "2026-03-02T14:05:09.118Z",
  "chatPlatform": "whatsapp",
  "contactId": "5491155550123",
  "_id_": "QX7M2KD9RTB4WZ1HPL0A",
  "sessionId": "KD83JQW0ZX5VR2MTNB7C_2026-03-02T14:05:08.990Z",
  "message": "Hola, ¿tienen turnos para mañana?",
  "sessionCreationTime": "2026-03-02T14:05:08.990Z",
  "fromName": "Ana Pérez",
  "customerId": "KD83JQW0ZX5VR2MTNB7C",
  "from": "user",
  "operatorId": null,
  "fromCustomer": true,
  "queue": "_default_",
  "WHATSAPP_NUMBER": "5491155550100"
}"#;

pub fn bench(c: &mut Criterion) {
    let provider = BotmakerProvider::builder()
        .webhook_token("old-hook-token-5f1c2a9e")
        .webhook_token("new-hook-token-9a7e3b1d")
        .build()
        .expect("a valid config");
    let request = WebhookRequest::new("https://bot.example.com/botmaker", BODY)
        .with_header("content-type", "application/json")
        .with_header("auth-bm-token", "new-hook-token-9a7e3b1d");
    c.bench_function("botmaker_verify_parse_inbound", |b| {
        b.iter(|| {
            let req = black_box(&request);
            provider.verify(req).expect("valid");
            let events = provider.parse(req).expect("parses");
            black_box(events)
        })
    });
}
