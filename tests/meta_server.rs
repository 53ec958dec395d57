//! Meta bots behind the axum endpoint: routing by phone number id, the verification
//! request answered before routing, each bot verified with its own app secret.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::registry::{Bot, Registry, RouteError};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::MetaWebhook;
use whatsapp_connector::{PhoneNumber, ProviderKind, WebhookRequest};

const SHOP_ID: &str = "100200300400500";
const SHOP_NUMBER: &str = "+15550001111";
const SHOP_SECRET: &str = "shop-app-secret";
const CLINIC_ID: &str = "100200300400501";
const CLINIC_NUMBER: &str = "+15550002222";
const CLINIC_SECRET: &str = "clinic-app-secret";

fn bot(id: &str, secret: &str, verify_token: &str) -> Arc<Bot> {
    let provider = MetaProvider::builder()
        .app_secret(secret)
        .verify_token(verify_token)
        .build()
        .unwrap();
    Arc::new(Bot::new(id, Arc::new(provider)))
}

fn registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new());
    registry.insert(SHOP_ID, bot("shop", SHOP_SECRET, "shop-verify"));
    registry.insert(CLINIC_ID, bot("clinic", CLINIC_SECRET, "clinic-verify"));
    registry
}

fn user() -> PhoneNumber {
    PhoneNumber::parse("+5491122223333").unwrap()
}

fn hook(phone_number_id: &str, number: &str, text: &str) -> MetaWebhook {
    MetaWebhook::new(phone_number_id, &PhoneNumber::parse(number).unwrap()).text(&user(), text)
}

struct Harness {
    origin: String,
    rx: mpsc::UnboundedReceiver<Delivery>,
    http: reqwest::Client,
}

async fn start(registry: Arc<Registry>) -> Harness {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |d| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    });
    let app = server.router();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Harness {
        origin,
        rx,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    fn url(&self) -> String {
        format!("{}/meta", self.origin)
    }

    async fn send(&self, request: &WebhookRequest) -> (u16, String, Option<String>) {
        let resp = self
            .http
            .request(request.method().clone(), request.url())
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
}

#[test]
fn the_registry_routes_by_phone_number_id_or_number() {
    let registry = registry();
    registry.insert(
        CLINIC_NUMBER,
        registry.get(ProviderKind::META, CLINIC_ID).unwrap(),
    );
    let shop = hook(SHOP_ID, SHOP_NUMBER, "hola").request("https://x/meta", SHOP_SECRET);
    assert_eq!(
        registry.route(ProviderKind::META, &shop).unwrap().id,
        "shop"
    );
    // Registered under its number too: an id not registered falls back to the number.
    let by_number = hook("999999999999999", CLINIC_NUMBER, "hola").request("https://x/meta", "s");
    assert_eq!(
        registry.route(ProviderKind::META, &by_number).unwrap().id,
        "clinic"
    );
    let unknown = hook("999999999999999", "+15550009999", "hola").request("https://x/meta", "s");
    assert_eq!(
        registry.route(ProviderKind::META, &unknown).unwrap_err(),
        RouteError::UnknownBot {
            address: "999999999999999 or 15550009999".into()
        }
    );
    let nothing = WebhookRequest::new("https://x/meta", "not json");
    assert_eq!(
        registry.route(ProviderKind::META, &nothing).unwrap_err(),
        RouteError::NoBusinessAddress
    );
}

#[tokio::test]
async fn each_bot_gets_its_own_webhooks_verified_with_its_own_secret() {
    let mut h = start(registry()).await;
    let shop = hook(SHOP_ID, SHOP_NUMBER, "para la tienda").request(&h.url(), SHOP_SECRET);
    assert_eq!(h.send(&shop).await.0, 200);
    let d = h.next().await;
    assert_eq!(d.bot.id, "shop");
    let m = d.event.as_message().unwrap();
    assert_eq!(m.text(), Some("para la tienda"));
    assert_eq!(m.channel_id.as_deref(), Some(SHOP_ID));

    let clinic = hook(CLINIC_ID, CLINIC_NUMBER, "para la clínica").request(&h.url(), CLINIC_SECRET);
    assert_eq!(h.send(&clinic).await.0, 200);
    assert_eq!(h.next().await.bot.id, "clinic");

    // The clinic's webhook signed with the shop's secret is refused.
    let forged = hook(CLINIC_ID, CLINIC_NUMBER, "forged").request(&h.url(), SHOP_SECRET);
    assert_eq!(h.send(&forged).await.0, 403);
    // A redelivery is acknowledged and not dispatched again.
    assert_eq!(h.send(&clinic).await.0, 200);
    let marker = hook(SHOP_ID, SHOP_NUMBER, "marker").request(&h.url(), SHOP_SECRET);
    assert_eq!(h.send(&marker).await.0, 200);
    assert_eq!(
        h.next().await.event.as_message().unwrap().text(),
        Some("marker")
    );
}

#[tokio::test]
async fn a_change_for_an_unknown_phone_number_id_is_404() {
    let h = start(registry()).await;
    let unknown = hook("999999999999999", "+15550009999", "hola").request(&h.url(), SHOP_SECRET);
    let (status, body, _) = h.send(&unknown).await;
    assert_eq!((status, body.as_str()), (404, "unknown bot"));
}

#[tokio::test]
async fn the_verification_request_is_answered_before_routing() {
    let h = start(registry()).await;
    // Either bot's verify token passes: the request names no phone number.
    for token in ["shop-verify", "clinic-verify"] {
        let get = MetaWebhook::handshake_request(&h.url(), token, "1158201444");
        let (status, body, ct) = h.send(&get).await;
        assert_eq!((status, body.as_str()), (200, "1158201444"));
        assert_eq!(ct.as_deref(), Some("text/plain"));
    }
    let wrong = MetaWebhook::handshake_request(&h.url(), "guess", "1158201444");
    let (status, body, _) = h.send(&wrong).await;
    assert_eq!(status, 403);
    assert!(!body.contains("1158201444"));

    let no_challenge = WebhookRequest::new(
        format!(
            "{}?hub.mode=subscribe&hub.verify_token=shop-verify",
            h.url()
        ),
        "",
    )
    .with_method(http::Method::GET);
    assert_eq!(h.send(&no_challenge).await.0, 400);
    let bare = WebhookRequest::new(h.url(), "").with_method(http::Method::GET);
    assert_eq!(h.send(&bare).await.0, 400);

    // A provider with no bot: 404, as for any webhook.
    let other = MetaWebhook::handshake_request(&format!("{}/acme", h.origin), "shop-verify", "1");
    assert_eq!(h.send(&other).await.0, 404);
}

#[tokio::test]
async fn a_put_is_refused_as_before() {
    let h = start(registry()).await;
    let put = hook(SHOP_ID, SHOP_NUMBER, "hola")
        .request(&h.url(), SHOP_SECRET)
        .with_method(http::Method::PUT);
    assert_eq!(h.send(&put).await.0, 405);
}
