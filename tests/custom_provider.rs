//! A provider implemented outside the crate, served through `Registry` and the axum endpoint
//! with no change to the crate: "Acme", an invented provider that posts JSON
//! (`{"line": "+15550001111", "id": "a1", "from": "+14155550100", "text": "hola"}`) signed
//! with a shared key in an `x-acme-key` header, and wants `{"ok":true}` back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::mpsc;
use whatsapp_connector::provider::Acknowledgement;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::{
    DeliveryStatus, Error, InboundEvent, InboundMessage, MessageContent, OutboundMessage,
    ParseError, ProviderKind, SendReceipt, VerifyError, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

const ACME: ProviderKind = ProviderKind::new("acme");

struct AcmeProvider {
    key: String,
    sent: AtomicUsize,
}

#[derive(serde::Deserialize)]
struct AcmeWebhook {
    line: String,
    id: String,
    from: String,
    text: String,
}

#[async_trait]
impl WhatsAppProvider for AcmeProvider {
    fn kind(&self) -> ProviderKind {
        ACME
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        message.validate()?;
        let n = self.sent.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(SendReceipt::new(
            ACME,
            format!("acme-{n}"),
            DeliveryStatus::Accepted,
            serde_json::Value::Null,
        ))
    }

    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        match request.header("x-acme-key") {
            None => Err(VerifyError::MissingHeader {
                header: "x-acme-key",
            }),
            Some(k) if k == self.key => Ok(()),
            Some(_) => Err(VerifyError::TokenMismatch {
                header: "x-acme-key",
            }),
        }
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        let w: AcmeWebhook = serde_json::from_slice(request.body())
            .map_err(|e| ParseError::malformed(e.to_string()))?;
        let mut m = InboundMessage::new(ACME, w.id, MessageContent::Text { body: w.text });
        m.from = Some(
            WhatsAppAddress::parse(&w.from)
                .map_err(|e| ParseError::invalid("from", e.to_string()))?,
        );
        Ok(vec![InboundEvent::Message(m)])
    }

    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        serde_json::from_slice::<AcmeWebhook>(request.body())
            .map(|w| vec![w.line])
            .unwrap_or_default()
    }

    fn acknowledgement(&self) -> Acknowledgement {
        Acknowledgement::new("application/json", r#"{"ok":true}"#)
    }
}

fn acme_bot(id: &str, key: &str) -> Arc<Bot> {
    let provider = AcmeProvider {
        key: key.to_owned(),
        sent: AtomicUsize::new(0),
    };
    Arc::new(Bot::new(id, Arc::new(provider)))
}

fn webhook(origin: &str, line: &str, id: &str, key: &str) -> WebhookRequest {
    let body = serde_json::json!({"line": line, "id": id, "from": "+14155550100", "text": "hola"});
    WebhookRequest::new(format!("{origin}/acme"), body.to_string())
        .with_header("content-type", "application/json")
        .with_header("x-acme-key", key)
}

#[test]
fn the_registry_routes_a_provider_it_does_not_know() {
    let registry = Registry::new();
    registry.insert("+15550001111", acme_bot("one", "k1"));
    registry.insert("+15550002222", acme_bot("two", "k2"));
    let req = webhook("https://x.test", "15550002222", "a1", "k2");
    assert_eq!(registry.route(ACME, &req).unwrap().id, "two");
    assert_eq!(registry.route("acme", &req).unwrap().id, "two");
    // Another provider's name finds nothing.
    assert!(registry.route(ProviderKind::new("other"), &req).is_err());
    // Events read back from JSON keep the provider's name.
    let events = registry
        .route(ACME, &req)
        .unwrap()
        .provider
        .parse(&req)
        .unwrap();
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(json.contains(r#""provider":"acme""#), "{json}");
    let back: InboundEvent = serde_json::from_str(&json).unwrap();
    assert_eq!(back.provider(), ACME);
    assert_eq!(back.dedup_key(), "acme:a1");
}

#[tokio::test]
async fn the_endpoint_serves_a_provider_it_does_not_know() {
    let registry = Arc::new(Registry::new());
    registry.insert("+15550001111", acme_bot("one", "k1"));
    registry.insert("+15550002222", acme_bot("two", "k2"));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel::<(Delivery, Result<SendReceipt, Error>)>();
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |d| {
        let tx = tx.clone();
        async move {
            // The handler answers through the bot's own provider.
            let to = d.event.as_message().unwrap().from.clone().unwrap();
            let receipt = d
                .bot
                .provider
                .send(&OutboundMessage::text(to, "echo"))
                .await;
            let _ = tx.send((d, receipt));
        }
    });
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    let http = reqwest::Client::new();
    let post = |req: WebhookRequest| {
        let http = http.clone();
        async move {
            let resp = http
                .post(req.url())
                .headers(req.headers().clone())
                .body(req.body().clone())
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            let ct = resp
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_owned());
            (status, ct, resp.text().await.unwrap())
        }
    };

    // Routed by the line it names, verified with that bot's key, answered as Acme wants.
    let (status, ct, body) = post(webhook(&origin, "+15550002222", "a1", "k2")).await;
    assert_eq!((status, body.as_str()), (200, r#"{"ok":true}"#));
    assert_eq!(ct.as_deref(), Some("application/json"));
    let (d, receipt) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(receipt.unwrap().message_id, "acme-1");
    assert_eq!(d.bot.id, "two");
    assert_eq!(d.event.provider(), ACME);
    assert_eq!(d.event.as_message().unwrap().text(), Some("hola"));

    // A redelivery is acknowledged and dropped; the other bot's key is refused; an
    // unknown line is 404; a method Acme does not use is 405; an unknown provider is 404.
    assert_eq!(
        post(webhook(&origin, "+15550002222", "a1", "k2")).await.0,
        200
    );
    assert_eq!(
        post(webhook(&origin, "+15550002222", "a2", "k1")).await.0,
        403
    );
    assert_eq!(
        post(webhook(&origin, "+15550003333", "a3", "k1")).await.0,
        404
    );
    let get = http.get(format!("{origin}/acme")).send().await.unwrap();
    assert_eq!(get.status().as_u16(), 405);
    let other = webhook(&origin, "+15550002222", "a4", "k2").with_url(format!("{origin}/zeta"));
    assert_eq!(post(other).await.0, 404);
    // Nothing else reached the handler.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), rx.recv())
            .await
            .is_err()
    );
}

/// "Beacon", another invented provider: before it posts events it checks the endpoint with a
/// `GET ?ping=WORD` carrying its key in `x-beacon-key`, and wants `pong WORD` back.
struct BeaconProvider {
    key: String,
}

#[async_trait]
impl WhatsAppProvider for BeaconProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::new("beacon")
    }

    async fn send(&self, _message: &OutboundMessage) -> Result<SendReceipt, Error> {
        Err(Error::Unsupported {
            provider: self.kind(),
            what: "sends",
        })
    }

    fn verify(&self, _request: &WebhookRequest) -> Result<(), VerifyError> {
        Err(VerifyError::NoSecret)
    }

    fn parse(&self, _request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        Ok(Vec::new())
    }

    fn handshake(
        &self,
        request: &WebhookRequest,
    ) -> Option<Result<Acknowledgement, whatsapp_connector::HandshakeError>> {
        use whatsapp_connector::HandshakeError;
        if request.method() != http::Method::GET {
            return None;
        }
        let Some(word) = request.query().and_then(|q| q.strip_prefix("ping=")) else {
            return Some(Err(HandshakeError::Malformed {
                reason: "no ping".into(),
            }));
        };
        if request.header("x-beacon-key") != Some(self.key.as_str()) {
            return Some(Err(HandshakeError::TokenMismatch));
        }
        Some(Ok(Acknowledgement::new(
            "text/plain",
            format!("pong {word}"),
        )))
    }
}

#[tokio::test]
async fn a_provider_of_its_own_answers_its_handshake_through_the_endpoint() {
    let registry = Arc::new(Registry::new());
    for (line, key) in [("+15550001111", "b1"), ("+15550002222", "b2")] {
        let provider = BeaconProvider { key: key.into() };
        registry.insert(line, Arc::new(Bot::new(key, Arc::new(provider))));
    }
    let ping = |key: &str| {
        WebhookRequest::new("https://x.test/beacon?ping=hello", "")
            .with_method(http::Method::GET)
            .with_header("x-beacon-key", key)
    };
    // Any bot of the provider may accept it: the handshake names no line.
    for key in ["b1", "b2"] {
        let ack = registry.handshake("beacon", &ping(key)).unwrap().unwrap();
        assert_eq!(&ack.body()[..], b"pong hello");
    }
    assert_eq!(
        registry.handshake("beacon", &ping("b3")),
        Some(Err(whatsapp_connector::HandshakeError::TokenMismatch))
    );
    assert!(registry.handshake("acme", &ping("b1")).is_none());
    let post = WebhookRequest::new("https://x.test/beacon", "{}");
    assert!(registry.handshake("beacon", &post).is_none());

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), |_| async {});
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    let http = reqwest::Client::new();
    let get = |key: &'static str, query: &'static str| {
        let req = http
            .get(format!("{origin}/beacon{query}"))
            .header("x-beacon-key", key);
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    assert_eq!(get("b2", "?ping=hi").await, (200, "pong hi".to_owned()));
    assert_eq!(get("b9", "?ping=hi").await.0, 403);
    assert_eq!(get("b1", "").await.0, 400);
}
