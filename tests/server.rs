//! The axum webhook endpoint, served on loopback with real providers: status codes, dispatch,
//! dedup, routing of many bots, each verified with its own secret.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::{BotmakerWebhook, TwilioWebhook};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{DeliveryStatus, InboundEvent, PhoneNumber, ProviderKind, WebhookRequest};

const SID_A: &str = "AC0000000000000000000000000000000a";
const TOKEN_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NUMBER_A: &str = "+14155550001";
const SID_B: &str = "AC0000000000000000000000000000000b";
const TOKEN_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const NUMBER_B: &str = "+14155550002";
const BM_TOKEN: &str = "botmaker-webhook-token";
const BM_NUMBER: &str = "+5491155550100";
const BM_CHANNEL: &str = "acme-whatsapp-5491155550100";
const USER: &str = "+14155550100";

struct Harness {
    origin: String,
    registry: Arc<Registry>,
    rx: mpsc::UnboundedReceiver<Delivery>,
    http: reqwest::Client,
}

fn twilio_bot(id: &str, sid: &str, token: &str, number: &str) -> Arc<Bot> {
    let config = BotConfig::new(sid, token, number).unwrap();
    let provider = TwilioProvider::from_bot_config(&config).unwrap();
    Arc::new(Bot::new(id, Arc::new(provider)))
}

async fn start(body_limit: Option<usize>) -> Harness {
    let registry = Arc::new(Registry::new());
    registry.insert(NUMBER_A, twilio_bot("bot-a", SID_A, TOKEN_A, NUMBER_A));
    registry.insert(NUMBER_B, twilio_bot("bot-b", SID_B, TOKEN_B, NUMBER_B));
    let botmaker = BotmakerProvider::builder()
        .webhook_token(BM_TOKEN)
        .build()
        .unwrap();
    let bm = Arc::new(Bot::new("bot-bm", Arc::new(botmaker)));
    registry.insert(BM_NUMBER, bm.clone());
    registry.insert(BM_CHANNEL, bm);

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    let mut server = WebhookServer::new(
        registry.clone(),
        PublicUrl::Origin(origin.clone()),
        move |d| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(d);
            }
        },
    );
    if let Some(limit) = body_limit {
        server = server.with_body_limit(limit);
    }
    let app = axum::Router::new().nest("/hooks", server.router());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Harness {
        origin,
        registry,
        rx,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    fn url(&self, path: &str) -> String {
        format!("{}/hooks{path}", self.origin)
    }

    async fn post(&self, request: &WebhookRequest) -> (u16, String, Option<String>) {
        let resp = self
            .http
            .post(request.url())
            .headers(request.headers().clone())
            .body(request.body().clone())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        (status, resp.text().await.unwrap(), ct)
    }

    async fn next(&mut self) -> Delivery {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a delivery within 5 s")
            .expect("the channel is open")
    }

    /// No delivery arrives while the server handles one more, later webhook.
    async fn assert_nothing_dispatched(&mut self) {
        // A valid webhook sent after is dispatched after anything queued before it.
        let marker = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "marker")
            .request(&self.url("/twilio"), TOKEN_A);
        assert_eq!(self.post(&marker).await.0, 200);
        let d = self.next().await;
        assert_eq!(d.event.as_message().and_then(|m| m.text()), Some("marker"));
    }
}

fn user() -> PhoneNumber {
    PhoneNumber::parse(USER).unwrap()
}

fn number(n: &str) -> PhoneNumber {
    PhoneNumber::parse(n).unwrap()
}

#[tokio::test]
async fn twilio_webhook_answers_empty_twiml_and_dispatches() {
    let mut h = start(None).await;
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "hola")
        .request(&h.url("/twilio"), TOKEN_A);
    let (status, body, ct) = h.post(&req).await;
    assert_eq!(status, 200);
    assert!(body.contains("<Response/>"), "{body}");
    assert!(ct.unwrap().starts_with("text/xml"));
    let d = h.next().await;
    assert_eq!(d.bot.id, "bot-a");
    let m = d.event.as_message().unwrap();
    assert_eq!(m.text(), Some("hola"));
    assert_eq!(m.from.as_ref().unwrap().to_string(), USER);
}

#[tokio::test]
async fn bad_signature_is_403_with_a_generic_body() {
    let mut h = start(None).await;
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "hola")
        .request(&h.url("/twilio"), TOKEN_A);
    // The body changed after signing.
    let tampered = WebhookRequest::from_parts(
        http::Method::POST,
        req.url(),
        req.headers().clone(),
        String::from_utf8(req.body().to_vec())
            .unwrap()
            .replace("hola", "chau"),
    );
    let (status, body, _) = h.post(&tampered).await;
    assert_eq!(status, 403);
    assert_eq!(body, "forbidden");
    h.assert_nothing_dispatched().await;
}

#[tokio::test]
async fn each_bot_is_verified_with_its_own_secret() {
    let mut h = start(None).await;
    // Bot B's webhook signed with bot A's token.
    let wrong = TwilioWebhook::inbound_text(SID_B, &user(), &number(NUMBER_B), "hola")
        .request(&h.url("/twilio"), TOKEN_A);
    assert_eq!(h.post(&wrong).await.0, 403);
    for (sid, token, n, id) in [
        (SID_B, TOKEN_B, NUMBER_B, "bot-b"),
        (SID_A, TOKEN_A, NUMBER_A, "bot-a"),
    ] {
        let req = TwilioWebhook::inbound_text(sid, &user(), &number(n), id)
            .request(&h.url("/twilio"), token);
        assert_eq!(h.post(&req).await.0, 200);
        let d = h.next().await;
        assert_eq!(d.bot.id, id);
        assert_eq!(d.event.as_message().and_then(|m| m.text()), Some(id));
    }
}

#[tokio::test]
async fn status_callbacks_route_by_the_business_sender() {
    let mut h = start(None).await;
    let req = TwilioWebhook::status(
        SID_B,
        "SM0123456789abcdef0123456789abcdef",
        &number(NUMBER_B),
        &user(),
        &DeliveryStatus::Failed,
        Some(("63016", "outside the window")),
    )
    .request(&h.url("/twilio"), TOKEN_B);
    assert_eq!(h.post(&req).await.0, 200);
    let d = h.next().await;
    assert_eq!(d.bot.id, "bot-b");
    let s = d.event.as_status().unwrap();
    assert_eq!(s.status, DeliveryStatus::Failed);
    assert_eq!(s.error.as_ref().unwrap().code, "63016");
}

#[tokio::test]
async fn malformed_webhook_is_400() {
    let mut h = start(None).await;
    // Correctly signed, but the media count does not match.
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "x")
        .with("NumMedia", "2")
        .request(&h.url("/twilio"), TOKEN_A);
    let (status, body, _) = h.post(&req).await;
    assert_eq!(status, 400);
    assert_eq!(body, "bad request");
    // A Botmaker body that is not JSON names no bot: 400 as well.
    let junk = WebhookRequest::new(h.url("/botmaker"), "not json")
        .with_header("content-type", "application/json")
        .with_header("auth-bm-token", BM_TOKEN);
    assert_eq!(h.post(&junk).await.0, 400);
    h.assert_nothing_dispatched().await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let mut h = start(Some(2048)).await;
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), &"x".repeat(4000))
        .request(&h.url("/twilio"), TOKEN_A);
    assert_eq!(h.post(&req).await.0, 413);
    h.assert_nothing_dispatched().await;
}

#[tokio::test]
async fn a_redelivery_is_acknowledged_once() {
    let mut h = start(None).await;
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "once")
        .request(&h.url("/twilio"), TOKEN_A);
    assert_eq!(h.post(&req).await.0, 200);
    assert_eq!(h.post(&req).await.0, 200);
    let first = h.next().await;
    assert_eq!(
        first.event.as_message().and_then(|m| m.text()),
        Some("once")
    );
    h.assert_nothing_dispatched().await;
}

#[tokio::test]
async fn unknown_bot_is_404_and_removal_takes_effect() {
    let mut h = start(None).await;
    let stranger = TwilioWebhook::inbound_text(SID_A, &user(), &number("+14155550999"), "hola")
        .request(&h.url("/twilio"), TOKEN_A);
    let (status, body, _) = h.post(&stranger).await;
    assert_eq!((status, body.as_str()), (404, "unknown bot"));

    assert_eq!(h.registry.remove_bot("bot-b"), 1);
    let req = TwilioWebhook::inbound_text(SID_B, &user(), &number(NUMBER_B), "hola")
        .request(&h.url("/twilio"), TOKEN_B);
    assert_eq!(h.post(&req).await.0, 404);
    h.registry
        .insert(NUMBER_B, twilio_bot("bot-b2", SID_B, TOKEN_B, NUMBER_B));
    assert_eq!(h.post(&req).await.0, 200);
    assert_eq!(h.next().await.bot.id, "bot-b2");
}

#[tokio::test]
async fn botmaker_webhook_is_verified_parsed_and_answered_200() {
    let mut h = start(None).await;
    let hook = BotmakerWebhook::inbound_text(&user(), &number(BM_NUMBER), "hola bot");
    let (status, body, _) = h
        .post(&hook.request(&h.url("/botmaker"), "wrong-token"))
        .await;
    assert_eq!((status, body.as_str()), (403, "forbidden"));
    let (status, body, _) = h.post(&hook.request(&h.url("/botmaker"), BM_TOKEN)).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let d = h.next().await;
    assert_eq!(d.bot.id, "bot-bm");
    assert_eq!(d.event.provider(), ProviderKind::BOTMAKER);
    assert_eq!(
        d.event.as_message().and_then(|m| m.text()),
        Some("hola bot")
    );

    // A status snapshot names the channel as well as the number.
    let snap = BotmakerWebhook::status_snapshot(
        BM_CHANNEL,
        "",
        "5491155550123",
        DeliveryStatus::Read,
        "MSG1",
        "hola",
    )
    .with("WHATSAPP_NUMBER", serde_json::Value::Null);
    assert_eq!(
        h.post(&snap.request(&h.url("/botmaker"), BM_TOKEN)).await.0,
        200
    );
    let d = h.next().await;
    assert!(matches!(&d.event, InboundEvent::Status(s) if s.status == DeliveryStatus::Read));
}

#[tokio::test]
async fn a_slow_handler_does_not_hold_the_response() {
    let registry = Arc::new(Registry::new());
    registry.insert(NUMBER_A, twilio_bot("bot-a", SID_A, TOKEN_A, NUMBER_A));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    // The handler never finishes.
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |_d| {
        let started = started_tx.clone();
        async move {
            let _ = started.send(());
            std::future::pending::<()>().await;
        }
    });
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "hola")
        .request(&format!("{origin}/twilio"), TOKEN_A);
    let resp = reqwest::Client::new()
        .post(req.url())
        .headers(req.headers().clone())
        .body(req.body().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    started_rx.recv().await.unwrap();
}

#[tokio::test]
async fn forwarded_public_url_is_opt_in() {
    let registry = Arc::new(Registry::new());
    registry.insert(NUMBER_A, twilio_bot("bot-a", SID_A, TOKEN_A, NUMBER_A));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let server = WebhookServer::new(registry, PublicUrl::Forwarded, move |d| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    });
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    // Signed for the public URL the proxy received.
    let public = "https://bot.example.com/twilio?tenant=7";
    let req = TwilioWebhook::inbound_text(SID_A, &user(), &number(NUMBER_A), "via proxy")
        .request(public, TOKEN_A);
    let resp = reqwest::Client::new()
        .post(format!("{origin}/twilio?tenant=7"))
        .headers(req.headers().clone())
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "bot.example.com")
        .body(req.body().clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let d = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        d.event.as_message().and_then(|m| m.text()),
        Some("via proxy")
    );
}

#[tokio::test]
async fn read_receipt_and_delivery_both_pass_the_dedup_in_any_order() {
    let mut h = start(None).await;
    const SM: &str = "SM00000000000000000000000000000017";
    let callback = |status: DeliveryStatus, event_type: &str| {
        TwilioWebhook::status(SID_A, SM, &number(NUMBER_A), &user(), &status, None)
            .with("EventType", event_type)
            .request(&h.url("/twilio"), TOKEN_A)
    };
    // As captured on WhatsApp traffic: sent, then the read receipt (`delivered` with
    // EventType=READ), then the delivery, then a redelivery of the read receipt.
    let sent = TwilioWebhook::status(
        SID_A,
        SM,
        &number(NUMBER_A),
        &user(),
        &DeliveryStatus::Sent,
        None,
    )
    .request(&h.url("/twilio"), TOKEN_A);
    let read = callback(DeliveryStatus::Delivered, "READ");
    let delivered = callback(DeliveryStatus::Delivered, "DELIVERED");
    for req in [&sent, &read, &delivered, &read] {
        assert_eq!(h.post(req).await.0, 200);
    }
    let mut seen = Vec::new();
    for _ in 0..3 {
        let d = h.next().await;
        seen.push(d.event.as_status().unwrap().status.clone());
    }
    seen.sort_by_key(|s| s.to_string());
    assert_eq!(
        seen,
        [
            DeliveryStatus::Delivered,
            DeliveryStatus::Read,
            DeliveryStatus::Sent
        ]
    );
    // The redelivered read receipt was dropped.
    h.assert_nothing_dispatched().await;
    // Folding them in arrival order ends at `read`.
    let mut current = DeliveryStatus::Sent;
    for s in [DeliveryStatus::Read, DeliveryStatus::Delivered] {
        if s.supersedes(&current) {
            current = s;
        }
    }
    assert_eq!(current, DeliveryStatus::Read);
}
