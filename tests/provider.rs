//! WebhookRequest construction, forwarded-header URLs, links, and the registry's routing.

use std::sync::Arc;

use http::{HeaderMap, Method};
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::links;
use whatsapp_connector::provider::url_from_forwarded_headers;
use whatsapp_connector::registry::{Bot, Registry, RouteError};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    PhoneNumber, ProviderKind, VerifyError, WebhookRequest, WhatsAppProvider,
};

#[test]
fn from_http_joins_the_public_origin_with_the_path_as_received() {
    let req = http::Request::builder()
        .method(Method::POST)
        .uri("/twilio/inbound?tenant=a%20b&x='y'")
        .header(
            "Content-Type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )
        .header("X-Twilio-Signature", "abc=")
        .body(b"Body=hola".to_vec())
        .unwrap();
    let w = WebhookRequest::from_http(req, "https://bot.example.com/");
    assert_eq!(
        w.url(),
        "https://bot.example.com/twilio/inbound?tenant=a%20b&x='y'"
    );
    assert_eq!(w.method(), Method::POST);
    assert_eq!(w.content_type(), Some("application/x-www-form-urlencoded"));
    assert_eq!(w.header("x-twilio-signature"), Some("abc="));
    assert_eq!(w.query(), Some("tenant=a%20b&x='y'"));
    assert_eq!(&w.body()[..], b"Body=hola");

    let absolute = http::Request::builder()
        .uri("https://other.example.com:8443/hook")
        .body(Vec::new())
        .unwrap();
    assert_eq!(
        WebhookRequest::from_http(absolute, "https://ignored.example.com").url(),
        "https://other.example.com:8443/hook"
    );
}

#[test]
fn invalid_header_values_are_ignored_not_fatal() {
    let w = WebhookRequest::new("https://x.example.com/", Vec::new())
        .with_header("bad header", "v")
        .with_header("x-ok", "line\nbreak");
    assert!(w.headers().is_empty());
    assert_eq!(w.query(), None);
    assert_eq!(w.content_type(), None);
}

#[test]
fn forwarded_headers_rebuild_the_url_and_refuse_nonsense() {
    let mut h = HeaderMap::new();
    assert_eq!(url_from_forwarded_headers(&h, "/a"), None, "no host at all");
    h.insert("host", "internal:8080".parse().unwrap());
    assert_eq!(
        url_from_forwarded_headers(&h, "/a?b=1").as_deref(),
        Some("https://internal:8080/a?b=1")
    );
    h.insert("x-forwarded-proto", "http, https".parse().unwrap());
    h.insert(
        "x-forwarded-host",
        "bot.example.com, proxy.local".parse().unwrap(),
    );
    assert_eq!(
        url_from_forwarded_headers(&h, "a").as_deref(),
        Some("http://bot.example.com/a")
    );
    h.insert("x-forwarded-proto", "gopher".parse().unwrap());
    assert_eq!(url_from_forwarded_headers(&h, "/a"), None);
    h.insert("x-forwarded-proto", "https".parse().unwrap());
    h.insert("x-forwarded-host", "evil.example.com/path".parse().unwrap());
    assert_eq!(url_from_forwarded_headers(&h, "/a"), None);
}

#[test]
fn click_to_chat_links_encode_the_text() {
    let n = PhoneNumber::parse("+5491122223333").unwrap();
    assert_eq!(links::wa_me(&n, Some("")), "https://wa.me/5491122223333");
    assert_eq!(
        links::wa_me(&n, Some("Hola! ¿Turno 10:00? #1 a+b=c/d")),
        "https://wa.me/5491122223333?text=Hola%21%20%C2%BFTurno%2010%3A00%3F%20%231%20a%2Bb%3Dc%2Fd"
    );
    assert_eq!(
        links::app_send(&n, None),
        "whatsapp://send?phone=5491122223333"
    );
}

fn bot(id: &str, number: &str) -> Arc<Bot> {
    let p = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
        .auth_token("0123456789abcdef0123456789abcdef")
        .from(number)
        .build()
        .unwrap();
    Arc::new(Bot::new(id, Arc::new(p)))
}

#[test]
fn registry_matches_numbers_in_any_form() {
    let r = Registry::new();
    assert!(
        r.insert("whatsapp:+14155238886", bot("a", "+14155238886"))
            .is_none()
    );
    assert_eq!(r.get(ProviderKind::TWILIO, "14155238886").unwrap().id, "a");
    assert_eq!(
        r.get(ProviderKind::TWILIO, "+1 415 523 8886").unwrap().id,
        "a"
    );
    assert!(
        r.get(ProviderKind::BOTMAKER, "+14155238886").is_none(),
        "per provider"
    );
    let old = r.insert("+14155238886", bot("b", "+14155238886")).unwrap();
    assert_eq!(old.id, "a");
    assert_eq!(r.len(), 1);

    let get = WebhookRequest::new(
        "https://x.example.com/twilio?To=whatsapp%3A%2B14155238886&From=whatsapp%3A%2B14155550100",
        Vec::new(),
    )
    .with_method(Method::GET);
    assert_eq!(
        r.route(ProviderKind::TWILIO, &get).unwrap().id,
        "b",
        "GET webhooks carry To in the query"
    );

    let none = WebhookRequest::new("https://x.example.com/twilio", "Body=hola");
    assert_eq!(
        r.route(ProviderKind::TWILIO, &none).unwrap_err(),
        RouteError::NoBusinessAddress
    );
    let other = WebhookRequest::new(
        "https://x.example.com/twilio",
        "To=whatsapp%3A%2B14155550999",
    );
    assert!(matches!(
        r.route(ProviderKind::TWILIO, &other),
        Err(RouteError::UnknownBot { address }) if address == "whatsapp:+14155550999"
    ));
    assert!(
        r.remove(ProviderKind::TWILIO, "whatsapp:+14155238886")
            .is_some()
    );
    assert!(r.is_empty());
}

#[test]
fn with_header_replaces_append_header_adds_and_try_says_what_is_wrong() {
    let w = WebhookRequest::new("https://x.example.com/", Vec::new())
        .with_header("X-Twilio-Signature", "genuine")
        .with_header("x-twilio-signature", "forged");
    let values: Vec<_> = w.headers().get_all("x-twilio-signature").iter().collect();
    assert_eq!(values, ["forged"]);
    assert_eq!(w.unique_header("x-twilio-signature"), Ok(Some("forged")));

    let twice = w.append_header("x-twilio-signature", "genuine");
    assert_eq!(
        twice.headers().get_all("x-twilio-signature").iter().count(),
        2
    );
    assert_eq!(
        twice.unique_header("x-twilio-signature"),
        Err(VerifyError::AmbiguousHeader {
            header: "x-twilio-signature"
        })
    );
    assert_eq!(twice.unique_header("auth-bm-token"), Ok(None));

    let e = twice
        .clone()
        .try_with_header("bad header", "v")
        .unwrap_err();
    assert_eq!(e.name, "bad header");
    assert!(e.to_string().contains("name"), "{e}");
    let ok = twice.clone().try_with_header("x-ok", "fine").unwrap();
    assert_eq!(ok.header("x-ok"), Some("fine"));
    let e = twice
        .try_append_header("x-secret", "token\r\nInjected: 1")
        .unwrap_err();
    assert!(
        !e.to_string().contains("token"),
        "the value is not repeated: {e}"
    );
}

#[test]
fn a_signature_header_given_twice_is_refused() {
    // Botmaker's token: a second copy is ambiguous even when both are right.
    let botmaker = BotmakerProvider::builder()
        .webhook_token("tok-a")
        .build()
        .unwrap();
    let req = WebhookRequest::new("https://x.example.com/botmaker", "{}")
        .with_header("auth-bm-token", "tok-a")
        .append_header("auth-bm-token", "tok-a");
    assert!(botmaker.verify(&req).is_err());
}

#[test]
fn a_twilio_signature_given_twice_is_refused_even_when_one_is_right() {
    use whatsapp_connector::testing::TwilioWebhook;
    let sid = "AC0123456789abcdef0123456789abcdef";
    let token = "0123456789abcdef0123456789abcdef";
    let twilio = TwilioProvider::builder(sid)
        .auth_token(token)
        .build()
        .unwrap();
    let user = PhoneNumber::parse("+14155550100").unwrap();
    let line = PhoneNumber::parse("+14155238886").unwrap();
    let genuine = TwilioWebhook::inbound_text(sid, &user, &line, "hola")
        .request("https://x.example.com/twilio", token);
    assert_eq!(twilio.verify(&genuine), Ok(()));
    // A forged signature replacing the genuine one fails...
    let forged = genuine
        .clone()
        .with_header("x-twilio-signature", "Zm9yZ2Vk");
    assert!(twilio.verify(&forged).is_err());
    // ...and one added beside it makes the request ambiguous, whichever comes first.
    let sig = genuine.header("x-twilio-signature").unwrap().to_owned();
    for req in [
        genuine
            .clone()
            .append_header("x-twilio-signature", "Zm9yZ2Vk"),
        forged.append_header("x-twilio-signature", &sig),
    ] {
        assert_eq!(
            twilio.verify(&req),
            Err(VerifyError::AmbiguousHeader {
                header: "X-Twilio-Signature"
            })
        );
        assert!(twilio.verify_and_parse(&req).is_err());
    }
}
