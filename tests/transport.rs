//! The HTTP layer both providers send through, seen from outside: the User-Agent they send,
//! errors that keep the underlying reqwest error as their source (a refused connection, a
//! timeout), the URL in an error with any password masked, and one outcome for a success
//! answer that names no message.

use std::error::Error as _;
use std::time::Duration;

use serde_json::json;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{Error, OutboundMessage, PhoneNumber, WhatsAppProvider};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f00dbabef00dbabef00dbabef00dbabe";
const BM_TOKEN: &str = "bm-access-token";
const CHANNEL: &str = "acme-whatsapp-5491155550100";
const PASSWORD: &str = "url-pass-Zq81";
const USER_AGENT: &str = concat!("whatsapp-connector/", env!("CARGO_PKG_VERSION"));

fn message() -> OutboundMessage {
    OutboundMessage::text(PhoneNumber::parse("+14155550100").unwrap(), "hola")
}

fn twilio(base_url: &str) -> TwilioProvider {
    TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(base_url)
        .retry_policy(RetryPolicy::never())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

fn botmaker(base_url: &str) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(BM_TOKEN)
        .channel_id(CHANNEL)
        .base_url(base_url)
        .retry_policy(RetryPolicy::never())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

/// Both providers, sending to `base_url`.
fn providers(base_url: &str) -> Vec<Box<dyn WhatsAppProvider>> {
    vec![Box::new(twilio(base_url)), Box::new(botmaker(base_url))]
}

/// A local address nothing listens on.
fn refused_base_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

/// The reqwest error somewhere in `e`'s source chain.
fn reqwest_source(e: &Error) -> &reqwest::Error {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>() {
            return r;
        }
        source = s.source();
    }
    panic!("no reqwest error in the chain of {e:?}")
}

#[tokio::test]
async fn both_providers_name_the_crate_in_the_user_agent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(header("user-agent", USER_AGENT))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"sid": "SM1", "webhookNotificationId": "WN1", "status": "queued"}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    for p in providers(&server.uri()) {
        let receipt = p.send(&message()).await.unwrap();
        assert!(!receipt.message_id.is_empty());
    }
}

#[tokio::test]
async fn a_refused_connection_keeps_the_reqwest_error_as_its_source() {
    let base = refused_base_url();
    for p in providers(&base) {
        let e = p.send(&message()).await.unwrap_err();
        assert!(matches!(e, Error::Connect(_)), "{e:?}");
        assert!(e.is_retryable() && !e.may_have_been_sent(), "{e:?}");
        assert!(!e.is_timeout(), "{e:?}");
        let transport = e.transport().unwrap();
        assert!(transport.is_connect());
        assert_eq!(transport.provider(), &p.kind());
        assert!(e.url().unwrap().starts_with(&base), "{:?}", e.url());
        // The error's own source is the reqwest error itself.
        let source = e.source().expect("a source");
        let reqwest = source
            .downcast_ref::<reqwest::Error>()
            .expect("the reqwest error");
        assert!(reqwest.is_connect());
        assert!(reqwest_source(&e).is_connect());
    }
}

#[tokio::test]
async fn a_timeout_may_have_sent_and_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .expect(2)
        .mount(&server)
        .await;
    for p in providers(&server.uri()) {
        let e = p.send(&message()).await.unwrap_err();
        assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
        assert!(e.is_timeout(), "{e:?}");
        assert!(e.may_have_been_sent() && !e.is_retryable());
        assert!(reqwest_source(&e).is_timeout());
        assert!(e.to_string().contains("timeout"), "{e}");
    }
}

#[tokio::test]
async fn a_lookup_that_times_out_is_a_transport_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let to = PhoneNumber::parse("+5491155550123").unwrap().into();
    let e = botmaker(&server.uri())
        .window_closes_at(&to)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(e.is_timeout() && !e.may_have_been_sent(), "{e:?}");
    assert!(reqwest_source(&e).is_timeout());
}

#[tokio::test]
async fn the_url_in_an_error_masks_its_password() {
    let base = refused_base_url().replace("http://", &format!("http://bot:{PASSWORD}@"));
    for p in providers(&base) {
        let e = p.send(&message()).await.unwrap_err();
        assert!(matches!(e, Error::Connect(_)), "{e:?}");
        let url = e.url().unwrap();
        assert!(url.starts_with("http://bot:***@127.0.0.1:"), "{url}");
        for shown in [
            e.to_string(),
            format!("{e:?}"),
            format!("{e:#?}"),
            e.source().unwrap().to_string(),
        ] {
            assert!(!shown.contains(PASSWORD), "{shown}");
        }
        assert!(e.to_string().contains("bot:***@"), "{e}");
    }
}

#[tokio::test]
async fn a_success_answer_without_a_message_id_may_have_been_sent() {
    for body in [json!({}), json!({"status": "queued"})] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(&body))
            .expect(2)
            .mount(&server)
            .await;
        for p in providers(&server.uri()) {
            let e = p.send(&message()).await.unwrap_err();
            assert!(matches!(e, Error::MaybeSent(_)), "{}: {e:?}", p.kind());
            assert!(e.may_have_been_sent() && !e.is_retryable());
            assert!(!e.is_timeout());
            assert!(e.url().is_some_and(|u| u.starts_with(&server.uri())));
        }
    }
}
