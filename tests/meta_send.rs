//! Sends through Meta's Cloud API against a mock server: the exact JSON of every kind of
//! message, the headers and path, receipts, Graph errors and their classification, retries,
//! read marks and typing indicators (which Meta documents but its OpenAPI description does
//! not), reactions, media upload and download; then the same against `FakeMeta`, and the
//! `wa` commands.

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use whatsapp_connector::meta::request::{
    Component, Contact, ContactName, ContactPhone, MediaRef, MessageBody, MessageRequest,
    Parameter, Template as WireTemplate, Text,
};
use whatsapp_connector::meta::{GraphError, MetaProvider, recipient_wa_id};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeMeta, FakeResponse};
use whatsapp_connector::{
    ApiErrorKind, Content, Error, InboundMessage, Interactive, ListRow, ListSection, Location,
    Media, MessageContent, OutboundMessage, PhoneNumber, ProviderKind, ReplyButton, Template,
    WhatsAppAddress, WhatsAppProvider,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAG-invented-access-token";
const PHONE_ID: &str = "100000000000001";
const MESSAGES: &str = "/v23.0/100000000000001/messages";
const USER: &str = "+5491122223333";

fn provider(base: &str) -> MetaProvider {
    MetaProvider::builder()
        .access_token(TOKEN)
        .phone_number_id(PHONE_ID)
        .base_url(base)
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        })
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn to() -> PhoneNumber {
    PhoneNumber::parse(USER).unwrap()
}

fn sent(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": "5491122223333", "wa_id": "5491122223333"}],
        "messages": [{"id": id, "message_status": "accepted"}],
    }))
}

fn envelope(kind: &str, body: Value) -> Value {
    let mut v = json!({
        "messaging_product": "whatsapp", "recipient_type": "individual",
        "to": "5491122223333", "type": kind,
    });
    v[kind] = body;
    v
}

/// Expects exactly one POST to the messages edge with `expected` as its JSON body, the
/// bearer token and the crate's User-Agent, and answers with `wamid.OK`.
async fn expect_body(server: &MockServer, expected: Value) {
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header(
            "user-agent",
            concat!("whatsapp-connector/", env!("CARGO_PKG_VERSION")),
        ))
        .and(body_json(expected))
        .respond_with(sent("wamid.OK"))
        .expect(1)
        .mount(server)
        .await;
}

async fn send_content(content: Content, expected: Value) {
    let server = MockServer::start().await;
    expect_body(&server, expected).await;
    let r = provider(&server.uri())
        .send(&OutboundMessage::new(to(), content))
        .await
        .unwrap();
    assert_eq!(r.message_id, "wamid.OK");
    assert_eq!(r.provider, ProviderKind::META);
    assert_eq!(recipient_wa_id(&r), Some("5491122223333"));
}

async fn send_wire(request: MessageRequest, expected: Value) {
    let server = MockServer::start().await;
    expect_body(&server, expected).await;
    let r = provider(&server.uri())
        .send_request(&request)
        .await
        .unwrap();
    assert_eq!(r.message_id, "wamid.OK");
}

#[tokio::test]
async fn text() {
    send_content(
        Content::Text {
            body: "hola".into(),
        },
        envelope("text", json!({"body": "hola"})),
    )
    .await;
}

#[tokio::test]
async fn a_reference_is_echoed_by_meta() {
    let mut expected = envelope("text", json!({"body": "hola"}));
    expected["biz_opaque_callback_data"] = json!("order-42");
    let server = MockServer::start().await;
    expect_body(&server, expected).await;
    provider(&server.uri())
        .send(&OutboundMessage::text(to(), "hola").with_reference("order-42"))
        .await
        .unwrap();
    let e = provider(&server.uri())
        .send(&OutboundMessage::text(to(), "hola").with_reference("r".repeat(513)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
}

#[tokio::test]
async fn text_with_link_preview_as_a_reply() {
    let request = MessageRequest::new(
        USER,
        MessageBody::text(Text::new("see https://example.com").with_preview_url(true)),
    )
    .in_reply_to("wamid.IN1");
    let mut expected = envelope(
        "text",
        json!({"body": "see https://example.com", "preview_url": true}),
    );
    expected["context"] = json!({"message_id": "wamid.IN1"});
    send_wire(request, expected).await;
}

#[tokio::test]
async fn media_by_link() {
    send_content(
        Content::Media(Media::new("https://cdn.example.com/a.jpg").with_caption("a cat")),
        envelope(
            "image",
            json!({"link": "https://cdn.example.com/a.jpg", "caption": "a cat"}),
        ),
    )
    .await;
    send_content(
        Content::Media(
            Media::new("https://cdn.example.com/file")
                .with_mime_type("application/pdf")
                .with_filename("invoice.pdf"),
        ),
        envelope(
            "document",
            json!({"link": "https://cdn.example.com/file", "filename": "invoice.pdf"}),
        ),
    )
    .await;
    send_content(
        Content::Media(Media::new("https://cdn.example.com/v").with_mime_type("video/mp4")),
        envelope("video", json!({"link": "https://cdn.example.com/v"})),
    )
    .await;
    send_content(
        Content::Media(Media::new("https://cdn.example.com/a.ogg")),
        envelope("audio", json!({"link": "https://cdn.example.com/a.ogg"})),
    )
    .await;
}

#[tokio::test]
async fn audio_with_a_caption_is_refused_before_any_call() {
    let server = MockServer::start().await;
    let e = provider(&server.uri())
        .send(&OutboundMessage::new(
            to(),
            Content::Media(Media::new("https://cdn.example.com/a.ogg").with_caption("x")),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn media_by_uploaded_id() {
    send_wire(
        MessageRequest::new(
            USER,
            MessageBody::Image {
                image: MediaRef::id("4490709327384033").with_caption("uploaded"),
            },
        ),
        envelope(
            "image",
            json!({"id": "4490709327384033", "caption": "uploaded"}),
        ),
    )
    .await;
}

#[tokio::test]
async fn templates() {
    // Positional variables, in the order of their numbers.
    let t = Template::named("order_update")
        .with_language("es")
        .with_variable("2", "mañana")
        .with_variable("1", "Ana")
        .with_variable("10", "último");
    send_content(
        Content::Template(t),
        envelope(
            "template",
            json!({"name": "order_update", "language": {"policy": "deterministic", "code": "es"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "text": "Ana"}, {"type": "text", "text": "mañana"},
                    {"type": "text", "text": "último"}]}]}),
        ),
    )
    .await;
    // Named variables.
    let t = Template::named("welcome")
        .with_language("en_US")
        .with_variable("first_name", "Ana");
    send_content(
        Content::Template(t),
        envelope(
            "template",
            json!({"name": "welcome", "language": {"policy": "deterministic", "code": "en_US"},
                "components": [{"type": "body", "parameters": [
                    {"type": "text", "parameter_name": "first_name", "text": "Ana"}]}]}),
        ),
    )
    .await;
    // No variables: no components.
    send_content(
        Content::Template(Template::named("hello_world").with_language("en_US")),
        envelope(
            "template",
            json!({"name": "hello_world", "language": {"policy": "deterministic", "code": "en_US"}}),
        ),
    )
    .await;
}

#[tokio::test]
async fn template_with_components() {
    let template = WireTemplate::new("shipping", "pt_BR")
        .with_component(Component::header(vec![Parameter::Image {
            image: MediaRef::link("https://cdn.example.com/box.png"),
        }]))
        .with_component(Component::body(vec![Parameter::text("Ana")]))
        .with_component(Component::button(
            "quick_reply",
            0,
            vec![Parameter::Payload {
                payload: "TRACK".into(),
            }],
        ));
    send_wire(
        MessageRequest::new(USER, MessageBody::Template { template }),
        envelope(
            "template",
            json!({"name": "shipping", "language": {"policy": "deterministic", "code": "pt_BR"},
                "components": [
                    {"type": "header", "parameters": [{"type": "image", "image": {"link": "https://cdn.example.com/box.png"}}]},
                    {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
                    {"type": "button", "sub_type": "quick_reply", "index": "0",
                     "parameters": [{"type": "payload", "payload": "TRACK"}]}]}),
        ),
    )
    .await;
}

#[tokio::test]
async fn templates_need_a_language_and_a_name() {
    let server = MockServer::start().await;
    let p = provider(&server.uri());
    let e = p
        .send(&OutboundMessage::new(
            to(),
            Content::Template(Template::named("hello_world")),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    let e = p
        .send(&OutboundMessage::new(
            to(),
            Content::Template(Template::with_id("HX0123").with_language("en")),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn interactive_messages() {
    let buttons = Interactive::buttons(
        "Pick one",
        vec![ReplyButton::new("yes", "Yes"), ReplyButton::new("no", "No")],
    )
    .with_header("Question")
    .with_footer("Reply below");
    send_content(
        Content::Interactive(buttons),
        envelope(
            "interactive",
            json!({"type": "button", "header": {"type": "text", "text": "Question"},
                "body": {"text": "Pick one"}, "footer": {"text": "Reply below"},
                "action": {"buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Yes"}},
                    {"type": "reply", "reply": {"id": "no", "title": "No"}}]}}),
        ),
    )
    .await;
    let list = Interactive::list(
        "Our menu",
        "See options",
        vec![ListSection::new(
            Some("Pizzas".into()),
            vec![ListRow::new("p1", "Margherita").with_description("Tomato, basil")],
        )],
    );
    send_content(
        Content::Interactive(list),
        envelope(
            "interactive",
            json!({"type": "list", "body": {"text": "Our menu"},
                "action": {"button": "See options", "sections": [{"title": "Pizzas",
                    "rows": [{"id": "p1", "title": "Margherita", "description": "Tomato, basil"}]}]}}),
        ),
    )
    .await;
    send_content(
        Content::Interactive(Interactive::url(
            "Track it",
            "Open",
            "https://shop.example.com/o/1",
        )),
        envelope(
            "interactive",
            json!({"type": "cta_url", "body": {"text": "Track it"},
                "action": {"name": "cta_url", "parameters": {"display_text": "Open", "url": "https://shop.example.com/o/1"}}}),
        ),
    )
    .await;
    send_content(
        Content::Interactive(Interactive::request_location("Where are you?")),
        envelope(
            "interactive",
            json!({"type": "location_request_message", "body": {"text": "Where are you?"},
                "action": {"name": "send_location"}}),
        ),
    )
    .await;
}

#[tokio::test]
async fn location() {
    send_content(
        Content::Location(
            Location::new(-34.6037, -58.3816)
                .with_name("Obelisco")
                .with_address("Av. 9 de Julio"),
        ),
        envelope(
            "location",
            json!({"latitude": "-34.6037", "longitude": "-58.3816", "name": "Obelisco", "address": "Av. 9 de Julio"}),
        ),
    )
    .await;
}

#[tokio::test]
async fn contacts() {
    let card = Contact {
        name: ContactName {
            formatted_name: "Ana Pérez".into(),
            first_name: Some("Ana".into()),
            ..ContactName::default()
        },
        phones: vec![ContactPhone {
            phone: "+54 9 11 2222-3333".into(),
            kind: Some("WORK".into()),
            wa_id: Some("5491122223333".into()),
        }],
        ..Contact::default()
    };
    send_wire(
        MessageRequest::new(
            USER,
            MessageBody::Contacts {
                contacts: vec![card],
            },
        ),
        json!({"messaging_product": "whatsapp", "recipient_type": "individual",
            "to": "5491122223333", "type": "contacts",
            "contacts": [{"name": {"formatted_name": "Ana Pérez", "first_name": "Ana"},
                "phones": [{"phone": "+54 9 11 2222-3333", "type": "WORK", "wa_id": "5491122223333"}]}]}),
    )
    .await;
}

#[tokio::test]
async fn reactions_set_and_remove() {
    let server = MockServer::start().await;
    expect_body(
        &server,
        envelope(
            "reaction",
            json!({"message_id": "wamid.IN1", "emoji": "👍"}),
        ),
    )
    .await;
    expect_body(
        &server,
        envelope("reaction", json!({"message_id": "wamid.IN1", "emoji": ""})),
    )
    .await;
    let p = provider(&server.uri());
    let user = WhatsAppAddress::from(to());
    p.react("wamid.IN1", &user, Some("👍")).await.unwrap();
    p.react("wamid.IN1", &user, None).await.unwrap();
    // Not one emoji, or no message: refused before any call.
    for (id, r) in [("wamid.IN1", Some("ok")), ("", Some("👍"))] {
        let e = p.react(id, &user, r).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

fn inbound(id: &str) -> InboundMessage {
    let mut m = InboundMessage::new(
        ProviderKind::META,
        id,
        MessageContent::Text {
            body: "hola".into(),
        },
    );
    m.from = Some(to().into());
    m
}

/// Read marks and typing indicators: `status: read` (the spec's
/// `MarkMessageRequestPayload`) and `typing_indicator` (Meta's documentation only).
#[tokio::test]
async fn mark_read_and_typing() {
    let server = MockServer::start().await;
    for body in [
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1"}),
        json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN1",
            "typing_indicator": {"type": "text"}}),
    ] {
        Mock::given(method("POST"))
            .and(path(MESSAGES))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(body_json(body))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
            .expect(1)
            .mount(&server)
            .await;
    }
    let p = provider(&server.uri());
    p.mark_read(&inbound("wamid.IN1")).await.unwrap();
    p.typing(&inbound("wamid.IN1")).await.unwrap();
    let e = p.typing(&inbound(" ")).await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)));
}

#[tokio::test]
async fn a_refused_read_mark_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": false})))
        .mount(&server)
        .await;
    let e = provider(&server.uri())
        .mark_read(&inbound("wamid.IN1"))
        .await
        .unwrap_err();
    assert!(e.api().is_some(), "{e:?}");
}

#[tokio::test]
async fn the_api_version_is_configurable_and_sending_needs_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v24.0/100000000000001/messages"))
        .respond_with(sent("wamid.V24"))
        .expect(1)
        .mount(&server)
        .await;
    let p = MetaProvider::builder()
        .access_token(TOKEN)
        .phone_number_id(PHONE_ID)
        .api_version("v24.0")
        .base_url(server.uri())
        .build()
        .unwrap();
    let r = p.send(&OutboundMessage::text(to(), "hola")).await.unwrap();
    assert_eq!(r.message_id, "wamid.V24");
    let no_phone = MetaProvider::builder()
        .access_token(TOKEN)
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = no_phone
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(c) if c.field == "phone_number_id"),
        "{e:?}"
    );
    let no_token = MetaProvider::builder()
        .phone_number_id(PHONE_ID)
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = no_token
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Config(c) if c.field == "access_token"),
        "{e:?}"
    );
}

fn graph_error(code: i64, subcode: Option<i64>) -> Value {
    json!({"error": {"message": format!("(#{code}) invented message"), "type": "OAuthException",
        "code": code, "error_subcode": subcode,
        "error_data": {"messaging_product": "whatsapp", "details": "invented details"},
        "fbtrace_id": "AInventedTrace"}})
}

/// One send answered with `status` and a Graph error of `code`; no retries.
async fn send_error(status: u16, code: i64) -> Error {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(status).set_body_json(graph_error(code, None)))
        .mount(&server)
        .await;
    let p = MetaProvider::builder()
        .access_token(TOKEN)
        .phone_number_id(PHONE_ID)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    p.send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn graph_errors_are_classified() {
    let cases = [
        (400, 131047, ApiErrorKind::OutsideWindow, false),
        (400, 131026, ApiErrorKind::Undeliverable, false),
        (400, 130429, ApiErrorKind::RateLimited, true),
        (400, 131056, ApiErrorKind::RateLimited, true),
        (400, 80007, ApiErrorKind::RateLimited, true),
        (401, 190, ApiErrorKind::Unauthorized, false),
        (400, 100, ApiErrorKind::BadRequest, false),
        (400, 131051, ApiErrorKind::UnsupportedType, false),
        (400, 132000, ApiErrorKind::Template, false),
        (404, 132001, ApiErrorKind::Template, false),
        (500, 131000, ApiErrorKind::ServerError, false),
    ];
    for (status, code, kind, retryable) in cases {
        let e = send_error(status, code).await;
        let api = e.api().unwrap_or_else(|| panic!("{code}: {e:?}"));
        assert_eq!(api.kind, kind, "{code}");
        assert_eq!(api.code.as_deref(), Some(code.to_string().as_str()));
        assert_eq!(api.status, status);
        assert_eq!(e.is_retryable(), retryable, "{code}");
        assert_eq!(e.may_have_been_sent(), status >= 500, "{code}");
        assert_eq!(
            api.message,
            format!("(#{code}) invented message: invented details")
        );
        let graph = GraphError::of(&e).unwrap();
        assert_eq!(graph.fbtrace_id.as_deref(), Some("AInventedTrace"));
        assert_eq!(graph.code, Some(code));
        assert!(!e.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn rate_limits_are_retried_and_5xx_never() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(graph_error(130429, None)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(sent("wamid.THIRD"))
        .mount(&server)
        .await;
    let p = provider(&server.uri());
    let r = p.send(&OutboundMessage::text(to(), "hola")).await.unwrap();
    assert_eq!(r.message_id, "wamid.THIRD");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("unavailable"))
        .mount(&server)
        .await;
    let e = provider(&server.uri())
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(e.may_have_been_sent() && !e.is_retryable(), "{e:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn answers_that_name_no_message_may_have_been_sent() {
    for answer in [
        ResponseTemplate::new(200).set_body_string("<html>ok</html>"),
        ResponseTemplate::new(200).set_body_json(json!({"messages": []})),
        ResponseTemplate::new(200).set_delay(Duration::from_secs(5)),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(answer)
            .mount(&server)
            .await;
        let e = provider(&server.uri())
            .send(&OutboundMessage::text(to(), "hola"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }
    // Nothing listens: never sent, safe to retry.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = MetaProvider::builder()
        .access_token(TOKEN)
        .phone_number_id(PHONE_ID)
        .base_url(format!("http://127.0.0.1:{closed}"))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Connect(_)) && e.is_retryable(), "{e:?}");
}

#[tokio::test]
async fn media_upload_is_multipart() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v23.0/100000000000001/media"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "4490709327384033"})))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server.uri());
    let id = p
        .upload_media(&b"\x89PNG invented"[..], "image/png", "cat.png")
        .await
        .unwrap();
    assert_eq!(id, "4490709327384033");
    let request = &server.received_requests().await.unwrap()[0];
    let ct = request.headers["content-type"].to_str().unwrap().to_owned();
    let boundary = ct
        .strip_prefix("multipart/form-data; boundary=")
        .expect("multipart");
    let body = String::from_utf8_lossy(&request.body);
    let expected = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"messaging_product\"\r\n\r\nwhatsapp\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/png\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cat.png\"\r\nContent-Type: image/png\r\n\r\n\u{fffd}PNG invented\r\n\
         --{boundary}--\r\n"
    );
    assert_eq!(body, expected);
    for (bytes, mime, name) in [
        (&b""[..], "image/png", "a.png"),
        (&b"x"[..], "png", "a.png"),
        (&b"x"[..], "image/png", "a\".png"),
    ] {
        let e = p.upload_media(bytes, mime, name).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    }
}

async fn media_server(file_url: &str, file_size: Option<u64>) -> MockServer {
    let server = MockServer::start().await;
    let url = file_url.replace("{base}", &server.uri());
    let mut info = json!({"messaging_product": "whatsapp", "url": url, "mime_type": "image/jpeg",
            "sha256": "00ff", "id": "777"});
    if let Some(n) = file_size {
        info["file_size"] = json!(n);
    }
    Mock::given(method("GET"))
        .and(path("/v23.0/777"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/777"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 2048]))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn media_download_by_id_and_by_url() {
    let server = media_server("{base}/files/777", Some(2048)).await;
    let p = provider(&server.uri());
    let file = p.download_media("777").await.unwrap();
    assert_eq!(file.bytes.len(), 2048);
    assert_eq!(file.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(file.sha256.as_deref(), Some("00ff"));
    let by_url = p
        .download_media(&format!("{}/v23.0/777", server.uri()))
        .await
        .unwrap();
    assert_eq!(by_url.bytes, file.bytes);
    for bad in ["", "../777", "https://elsewhere.example/v23.0/777"] {
        let e = p.download_media(bad).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{bad}: {e:?}");
    }
}

#[tokio::test]
async fn media_download_sends_the_token_only_to_meta() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("stolen"))
        .mount(&elsewhere)
        .await;
    let server = media_server(&format!("{}/files/777", elsewhere.uri()), None).await;
    let e = provider(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Parse(p) if p.field() == Some("url")),
        "{e:?}"
    );
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
    // Plain http on a Meta host is refused as well.
    let server = media_server("http://lookaside.fbsbx.com/whatsapp_business/x", None).await;
    let e = provider(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Parse(_)), "{e:?}");
}

#[tokio::test]
async fn media_download_redirects_stay_on_meta() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("stolen"))
        .mount(&elsewhere)
        .await;
    // A redirect on the same origin is followed; one elsewhere is not.
    let server = media_server("{base}/moved/777", None).await;
    Mock::given(method("GET"))
        .and(path("/moved/777"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/files/777"))
        .mount(&server)
        .await;
    let file = provider(&server.uri()).download_media("777").await.unwrap();
    assert_eq!(file.bytes.len(), 2048);

    let server = media_server("{base}/moved/777", None).await;
    Mock::given(method("GET"))
        .and(path("/moved/777"))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!("{}/files/777", elsewhere.uri()).as_str(),
        ))
        .mount(&server)
        .await;
    let e = provider(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn media_download_checks_the_sha256() {
    let server = MockServer::start().await;
    let info = json!({"messaging_product": "whatsapp", "url": format!("{}/files/9", server.uri()),
        "mime_type": "text/plain", "id": "9",
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"});
    Mock::given(method("GET"))
        .and(path("/v23.0/9"))
        .respond_with(ResponseTemplate::new(200).set_body_json(info))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/9"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hello"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/files/9"))
        .respond_with(ResponseTemplate::new(200).set_body_string("hellO"))
        .mount(&server)
        .await;
    let p = provider(&server.uri());
    assert_eq!(&p.download_media("9").await.unwrap().bytes[..], b"hello");
    let e = p.download_media("9").await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
}

#[tokio::test]
async fn media_download_is_capped() {
    let capped = |base: &str| {
        MetaProvider::builder()
            .access_token(TOKEN)
            .phone_number_id(PHONE_ID)
            .base_url(base)
            .media_max_bytes(1024)
            .build()
            .unwrap()
    };
    // Announced larger than the cap: the file is never fetched.
    let server = media_server("{base}/files/777", Some(2048)).await;
    let e = capped(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 1024, .. }), "{e:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // Not announced: found while reading.
    let server = media_server("{base}/files/777", None).await;
    let e = capped(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 1024, .. }), "{e:?}");
}

#[tokio::test]
async fn media_errors_are_graph_errors() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(graph_error(100, Some(33))))
        .mount(&server)
        .await;
    let e = provider(&server.uri())
        .download_media("777")
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::BadRequest));
    assert_eq!(GraphError::of(&e).unwrap().error_subcode, Some(33));
}

// ---- FakeMeta ----

async fn fake() -> (FakeMeta, MetaProvider) {
    let fake = FakeMeta::start(TOKEN, PHONE_ID).await.unwrap();
    let p = MetaProvider::builder()
        .access_token(TOKEN)
        .phone_number_id(PHONE_ID)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    (fake, p)
}

#[tokio::test]
async fn fake_meta_round_trips() {
    let (fake, p) = fake().await;
    let r = p.send(&OutboundMessage::text(to(), "hola")).await.unwrap();
    assert!(r.message_id.starts_with("wamid.FAKE"), "{}", r.message_id);
    assert_eq!(recipient_wa_id(&r), Some("5491122223333"));
    p.mark_read(&inbound("wamid.IN1")).await.unwrap();
    p.typing(&inbound("wamid.IN1")).await.unwrap();
    p.react("wamid.IN1", &to().into(), Some("🎉"))
        .await
        .unwrap();
    let requests = fake.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].path, MESSAGES);
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(requests[0].json().unwrap()["text"]["body"], "hola");
    assert_eq!(
        requests[2].json().unwrap()["typing_indicator"]["type"],
        "text"
    );
    assert_eq!(requests[3].json().unwrap()["reaction"]["emoji"], "🎉");

    let id = p
        .upload_media(&b"%PDF-1.4 invented"[..], "application/pdf", "a.pdf")
        .await
        .unwrap();
    let (mime, bytes) = fake.media(&id).unwrap();
    assert_eq!(
        (mime.as_str(), &bytes[..]),
        ("application/pdf", &b"%PDF-1.4 invented"[..])
    );
    let file = p.download_media(&id).await.unwrap();
    assert_eq!(&file.bytes[..], b"%PDF-1.4 invented");
    assert_eq!(file.mime_type.as_deref(), Some("application/pdf"));
    let preloaded = fake.add_media("image/jpeg", vec![1u8, 2, 3]);
    assert_eq!(
        &p.download_media(&preloaded).await.unwrap().bytes[..],
        &[1, 2, 3]
    );
}

#[tokio::test]
async fn fake_meta_fails_on_demand() {
    let (fake, p) = fake().await;
    let hola = OutboundMessage::text(to(), "hola");
    fake.push_response(FakeMeta::graph_error(400, 131047, "Re-engagement message"));
    let e = p.send(&hola).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::OutsideWindow));
    fake.push_response(FakeResponse::rate_limited(Some(1)));
    let e = p.send(&hola).await.unwrap_err();
    assert!(e.is_retryable());
    assert_eq!(e.retry_after(), Some(Duration::from_secs(1)));
    fake.push_response(FakeResponse::server_error());
    let e = p.send(&hola).await.unwrap_err();
    assert!(e.may_have_been_sent());
    fake.push_response(FakeResponse::Hang(Duration::from_secs(3)));
    let e = p.send(&hola).await.unwrap_err();
    assert!(matches!(e, Error::MaybeSent(_)) && e.is_timeout(), "{e:?}");
    // A wrong token: Meta's 190.
    let wrong = MetaProvider::builder()
        .access_token("EAAG-wrong")
        .phone_number_id(PHONE_ID)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let e = wrong.send(&hola).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::Unauthorized));
    assert_eq!(e.api().and_then(|a| a.code.as_deref()), Some("190"));
}

// ---- wa ----

fn wa(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
    cmd.args(args)
        .env_remove("META_ACCESS_TOKEN")
        .env_remove("META_PHONE_NUMBER_ID")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("cargo test builds the wa binary")
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const ENV: [(&str, &str); 2] = [
    ("META_ACCESS_TOKEN", TOKEN),
    ("META_PHONE_NUMBER_ID", PHONE_ID),
];

#[tokio::test]
async fn wa_send_typing_and_react_against_the_fake() {
    let (fake, _) = fake().await;
    let base = fake.base_url();
    let run = |args: Vec<&str>| {
        let mut all = args;
        all.extend(["--base-url", base.as_str()]);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        async move {
            tokio::task::spawn_blocking(move || {
                let refs: Vec<&str> = all.iter().map(String::as_str).collect();
                wa(&refs, &ENV)
            })
            .await
            .unwrap()
        }
    };
    let out = run(vec!["send", "meta", "--to", USER, "--text", "hola"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["provider"], "meta");
    assert!(
        receipt["message_id"]
            .as_str()
            .unwrap()
            .starts_with("wamid.")
    );
    let out = run(vec![
        "send",
        "meta",
        "--to",
        USER,
        "--template",
        "order_update",
        "--var",
        "1=Ana",
        "--language",
        "es",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let out = run(vec![
        "send",
        "meta",
        "--to",
        USER,
        "--media",
        "https://cdn.example.com/a.jpg",
        "--caption",
        "a cat",
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let out = run(vec![
        "typing",
        "meta",
        "--message-id",
        "wamid.IN1",
        "--to",
        USER,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let out = run(vec![
        "react",
        "meta",
        "--message-id",
        "wamid.IN1",
        "--emoji",
        "👍",
        "--to",
        USER,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));
    let out = run(vec![
        "react",
        "meta",
        "--message-id",
        "wamid.IN1",
        "--remove",
        "--to",
        USER,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out.stderr));

    let bodies: Vec<Value> = fake.requests().iter().filter_map(|r| r.json()).collect();
    assert_eq!(bodies.len(), 6);
    assert_eq!(bodies[0]["text"]["body"], "hola");
    assert_eq!(bodies[1]["template"]["language"]["code"], "es");
    assert_eq!(
        bodies[1]["template"]["components"][0]["parameters"][0]["text"],
        "Ana"
    );
    assert_eq!(bodies[2]["image"]["caption"], "a cat");
    assert_eq!(bodies[3]["typing_indicator"]["type"], "text");
    assert_eq!(bodies[4]["reaction"]["emoji"], "👍");
    assert_eq!(bodies[5]["reaction"]["emoji"], "");

    // Refused by Meta: exit 2, one line, no token.
    fake.push_response(FakeMeta::graph_error(400, 131047, "Re-engagement message"));
    let out = run(vec!["send", "meta", "--to", USER, "--text", "hola"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = text_of(&out.stderr);
    assert!(err.contains("131047") && !err.contains(TOKEN), "{err}");
}

#[test]
fn wa_usage_errors_exit_2() {
    // No credentials.
    let out = wa(&["send", "meta", "--to", USER, "--text", "hola"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text_of(&out.stderr).contains("META_ACCESS_TOKEN"));
    // Two kinds of content, a bad emoji, no --to for a reaction.
    for args in [
        &[
            "send",
            "meta",
            "--to",
            USER,
            "--text",
            "a",
            "--media",
            "https://x.example/a.jpg",
        ][..],
        &[
            "react",
            "meta",
            "--message-id",
            "wamid.1",
            "--emoji",
            "ok",
            "--to",
            USER,
        ],
        &["react", "meta", "--message-id", "wamid.1", "--emoji", "👍"],
        &["send", "meta", "--to", "not a number", "--text", "a"],
    ] {
        let out = wa(args, &ENV);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text_of(&out.stderr)
        );
        assert_eq!(text_of(&out.stderr).lines().count(), 1, "{args:?}");
    }
    for args in [
        &["send", "meta", "--help"][..],
        &["typing", "meta", "--help"],
        &["react", "meta", "--help"],
    ] {
        assert_eq!(wa(args, &[]).status.code(), Some(0), "{args:?}");
    }
}

/// Meta's description checks `User-Agent` against `^[a-zA-Z0-9\-_]+\/[0-9]+\.[0-9]+\.[0-9]+…$`
/// (Prism answers 422 otherwise): the crate's is `whatsapp-connector/<major.minor.patch>`.
#[test]
fn the_user_agent_matches_meta_pattern() {
    let ua = concat!("whatsapp-connector/", env!("CARGO_PKG_VERSION"));
    let (name, version) = ua.split_once('/').unwrap();
    assert!(
        name.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    );
    let parts: Vec<&str> = version.split('.').collect();
    assert_eq!(parts.len(), 3, "{ua}");
    assert!(
        parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
        "{ua}"
    );
}
