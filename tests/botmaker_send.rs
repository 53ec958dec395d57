//! Sending through Botmaker against a mock server: the bodies each content becomes, the
//! receipts, the error answers, and which failures are retried.

use std::time::Duration;

use serde_json::json;
use whatsapp_connector::botmaker::{
    ApiVersion, BotmakerBuilder, BotmakerProvider, ChatRef, ContactCard, Message, MessageRequest,
};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::{
    ApiErrorKind, Content, DeliveryStatus, Error, Interactive, ListRow, ListSection, Location,
    Media, OutboundMessage, PhoneNumber, ReplyButton, Template, WhatsAppAddress, WhatsAppProvider,
};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.invented.access-token";
const CHANNEL: &str = "acme-whatsapp-5491155550100";

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(5),
    }
}

/// A provider's settings for `base_url`, with short retries.
fn builder(base_url: impl Into<String>) -> BotmakerBuilder {
    BotmakerProvider::builder()
        .access_token(TOKEN)
        .channel_id(CHANNEL)
        .base_url(base_url)
        .retry_policy(fast_retries())
}

fn provider(server: &MockServer) -> BotmakerProvider {
    builder(server.uri()).build().unwrap()
}

fn to() -> PhoneNumber {
    PhoneNumber::parse("+54 9 11 5555-0123").unwrap()
}

fn accepted(id: &str) -> ResponseTemplate {
    ResponseTemplate::new(202).set_body_json(json!({"webhookNotificationId": id}))
}

fn chat() -> serde_json::Value {
    json!({"channelId": CHANNEL, "contactId": "5491155550123"})
}

#[tokio::test]
async fn text_is_accepted_with_its_notification_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(header("access-token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "chat": chat(),
            "messages": [{"text": "Hola *Ana*", "webhookPayload": "order-123"}]
        })))
        .respond_with(accepted("WN-7f3a9c21"))
        .expect(1)
        .mount(&server)
        .await;
    let msg = OutboundMessage::text(to(), "Hola *Ana*").with_reference("order-123");
    let receipt = provider(&server).send(&msg).await.unwrap();
    assert_eq!(receipt.message_id, "WN-7f3a9c21");
    assert_eq!(receipt.status, DeliveryStatus::Accepted);
    assert_eq!(receipt.raw, json!({"webhookNotificationId": "WN-7f3a9c21"}));
}

#[tokio::test]
async fn media_location_and_interactive_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({"chat": chat(), "messages": [{
            "text": "Tu factura",
            "media": {"mimeType": "application/pdf", "url": "https://cdn.example.com/f/factura-0042.pdf", "filename": "factura.pdf"}
        }]})))
        .respond_with(accepted("WN-media"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({"chat": chat(), "messages": [{
            "location": {"latitude": "-34.6037", "longitude": "-58.3816", "name": "Consultorio", "address": "Av. Siempreviva 742"}
        }]})))
        .respond_with(accepted("WN-location"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({"chat": chat(), "messages": [{
            "whatsappInteractive": {"body": "¿Confirmás?", "footer": "Turnos", "action": {"type": "intent", "buttons": [
                {"label": "Sí", "intent": "confirmar"}, {"label": "No", "intent": "cancelar"}, {"label": "Cambiar", "intent": "reprogramar"}
            ]}}
        }]})))
        .respond_with(accepted("WN-buttons"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({"chat": chat(), "messages": [{
            "whatsappInteractive": {"body": "Elegí un horario", "action": {"type": "list", "button": "Horarios", "sections": [
                {"title": "Mañana", "rows": [{"id": "h-09", "title": "09:00"}, {"id": "h-10", "title": "10:00", "description": "Dra. Gómez"}]},
                {"title": "Tarde", "rows": [{"id": "h-15", "title": "15:00"}]}
            ]}}
        }]})))
        .respond_with(accepted("WN-list"))
        .expect(1)
        .mount(&server)
        .await;

    let p = provider(&server);
    let media = Media::new("https://cdn.example.com/f/factura-0042.pdf")
        .with_mime_type("application/pdf")
        .with_filename("factura.pdf")
        .with_caption("Tu factura");
    let r = p
        .send(&OutboundMessage::new(to(), Content::Media(media)))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-media");

    let loc = Location::new(-34.6037, -58.3816)
        .with_name("Consultorio")
        .with_address("Av. Siempreviva 742");
    let r = p
        .send(&OutboundMessage::new(to(), Content::Location(loc)))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-location");

    let mut buttons = Interactive::buttons(
        "¿Confirmás?",
        vec![
            ReplyButton::new("confirmar", "Sí"),
            ReplyButton::new("cancelar", "No"),
            ReplyButton::new("reprogramar", "Cambiar"),
        ],
    );
    buttons.footer = Some("Turnos".into());
    let r = p
        .send(&OutboundMessage::new(to(), Content::Interactive(buttons)))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-buttons");

    let list = Interactive::list(
        "Elegí un horario",
        "Horarios",
        vec![
            ListSection::new(
                Some("Mañana".into()),
                vec![
                    ListRow::new("h-09", "09:00"),
                    ListRow::new("h-10", "10:00").with_description("Dra. Gómez"),
                ],
            ),
            ListSection::new(Some("Tarde".into()), vec![ListRow::new("h-15", "15:00")]),
        ],
    );
    let r = p
        .send(&OutboundMessage::new(to(), Content::Interactive(list)))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-list");
}

#[tokio::test]
async fn templates_trigger_an_intent_with_variables() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/trigger-intent"))
        .and(header("access-token", TOKEN))
        .and(body_json(json!({
            "chat": chat(),
            "intentIdOrName": "recordatorio_turno",
            "variables": {"fecha": "3 de marzo", "nombre": "Ana"},
            "webhookPayload": "appt-77"
        })))
        .respond_with(accepted("WN-template"))
        .expect(1)
        .mount(&server)
        .await;
    let t = Template::named("recordatorio_turno")
        .with_variable("nombre", "Ana")
        .with_variable("fecha", "3 de marzo");
    let msg = OutboundMessage::new(to(), Content::Template(t)).with_reference("appt-77");
    let r = provider(&server).send(&msg).await.unwrap();
    assert_eq!(r.message_id, "WN-template");
}

#[tokio::test]
async fn raw_v2_requests_with_a_chat_id_and_a_contact_card() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({
            "chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C"},
            "messages": [{"contact": {"firstName": "Bruno", "lastName": "Díaz", "phones": ["+14155550142"]}}]
        })))
        .respond_with(accepted("WN-contact"))
        .expect(1)
        .mount(&server)
        .await;
    let card = ContactCard::new("Bruno")
        .with_last_name("Díaz")
        .with_phone("+14155550142");
    let req = MessageRequest::new(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"))
        .message(Message::contact(card));
    let r = provider(&server).send_request(&req).await.unwrap();
    assert_eq!(r.message_id, "WN-contact");
}

#[tokio::test]
async fn any_2xx_is_accepted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"webhookNotificationId": "WN-200"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let r = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-200");
}

#[tokio::test]
async fn a_400_with_an_errors_body() {
    let server = MockServer::start().await;
    let body = json!({"errors": [
        {"type": "INVALID_ARGUMENT", "source": "chat.contactId", "message": "contact not found in channel"}
    ]});
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(body.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(api.kind, ApiErrorKind::BadRequest);
    assert_eq!(api.code.as_deref(), Some("INVALID_ARGUMENT"));
    assert_eq!(api.message, "chat.contactId: contact not found in channel");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&api.body).unwrap(),
        body
    );
    assert!(!err.is_retryable());
    assert!(!err.may_have_been_sent());
    // The error never shows the access token.
    assert!(!format!("{err} {err:?}").contains(TOKEN));
}

#[tokio::test]
async fn a_429_is_retried_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(accepted("WN-after-429"))
        .expect(1)
        .mount(&server)
        .await;
    let r = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap();
    assert_eq!(r.message_id, "WN-after-429");
}

#[tokio::test]
async fn a_429_that_persists_ends_as_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let err = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().kind, ApiErrorKind::RateLimited);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn a_v1_error_inside_a_200() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"error": {"code": 101, "message": "Insufficient credit"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    let api = err.api().unwrap();
    assert_eq!(api.status, 200);
    assert_eq!(api.kind, ApiErrorKind::InsufficientCredit);
    assert_eq!(api.code.as_deref(), Some("101"));
    assert_eq!(api.message, "Insufficient credit");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_v1_window_error_is_outside_the_window() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"error": {"code": 201, "message": "User window is over 24 hours"}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().kind, ApiErrorKind::OutsideWindow);
}

#[tokio::test]
async fn a_500_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500).set_body_string("internal error"))
        .expect(1)
        .mount(&server)
        .await;
    let err = provider(&server)
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert_eq!(err.api().unwrap().kind, ApiErrorKind::ServerError);
    assert!(err.may_have_been_sent());
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(accepted("WN-late").set_delay(Duration::from_millis(800)))
        .expect(1)
        .mount(&server)
        .await;
    let p = builder(server.uri())
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = p
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::MaybeSent { .. }), "{err:?}");
    assert!(err.may_have_been_sent());
}

#[tokio::test]
async fn a_refused_connection_is_a_retryable_connect_error() {
    // Bind a port, then free it, so nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let p = builder(format!("http://127.0.0.1:{port}")).build().unwrap();
    let err = p
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn invalid_content_never_reaches_the_network() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(accepted("WN-x"))
        .expect(0)
        .mount(&server)
        .await;
    let p = provider(&server);
    let gif = Media::new("https://cdn.example.com/a.gif").with_mime_type("image/gif");
    let err = p
        .send(&OutboundMessage::new(to(), Content::Media(gif)))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err:?}");
    let unknown_ext = Media::new("https://cdn.example.com/a.webp");
    assert!(matches!(
        p.send(&OutboundMessage::new(to(), Content::Media(unknown_ext)))
            .await,
        Err(Error::Invalid(_))
    ));
    let four = Interactive::buttons(
        "x",
        (0..4)
            .map(|i| ReplyButton::new(format!("i{i}"), format!("b{i}")))
            .collect(),
    );
    assert!(matches!(
        p.send(&OutboundMessage::new(to(), Content::Interactive(four)))
            .await,
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        p.send(&OutboundMessage::text(to(), "   ")).await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn sending_needs_credentials() {
    let no_channel = BotmakerProvider::builder()
        .access_token(TOKEN)
        .build()
        .unwrap();
    let err = no_channel
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(c) if c.field == "channel_id"),
        "{err:?}"
    );
    let no_token = BotmakerProvider::builder()
        .channel_id(CHANNEL)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let err = no_token
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(c) if c.field == "access_token"),
        "{err:?}"
    );
}

#[tokio::test]
async fn window_closes_at_reads_the_chat() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/chats/{CHANNEL}:5491155550123")))
        .and(header("access-token", TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C", "channelId": CHANNEL, "contactId": "5491155550123"},
            "firstName": "Ana",
            "whatsAppWindowCloseDatetime": "2026-03-03T14:05:09.118Z",
            "lastUserMessageDatetime": "2026-03-02T14:05:09.118Z"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/chats/{CHANNEL}:14155550100")))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    let p = provider(&server);
    let closes = p
        .window_closes_at(&WhatsAppAddress::from(to()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closes.to_string(), "2026-03-03T14:05:09.118Z");
    let unknown = PhoneNumber::parse("+14155550100").unwrap();
    assert_eq!(p.window_closes_at(&unknown.into()).await.unwrap(), None);
}

#[tokio::test]
async fn legacy_v1_text_media_and_templates() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/message/v3"))
        .and(header("access-token", TOKEN))
        .and(body_json(json!({
            "chatPlatform": "whatsapp", "chatChannelNumber": "5491155550100",
            "platformContactId": "5491155550123", "messageText": "hola"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "V1MSG0001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/message/v3"))
        .and(body_json(json!({
            "chatPlatform": "whatsapp", "chatChannelNumber": "5491155550100",
            "platformContactId": "5491155550123", "audioURL": "https://cdn.example.com/nota.ogg"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "V1MSG0002"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/intent/v2"))
        .and(body_json(json!({
            "chatPlatform": "whatsapp", "chatChannelNumber": "5491155550100",
            "platformContactId": "5491155550123", "ruleNameOrId": "aviso_envio",
            "params": {"codigo": "AB-12"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let p = BotmakerProvider::builder()
        .access_token(TOKEN)
        .channel_id(CHANNEL)
        .api_version(ApiVersion::V1)
        .base_url(server.uri())
        .build()
        .unwrap();
    assert_eq!(
        p.send(&OutboundMessage::text(to(), "hola"))
            .await
            .unwrap()
            .message_id,
        "V1MSG0001"
    );
    let audio = Media::new("https://cdn.example.com/nota.ogg");
    assert_eq!(
        p.send(&OutboundMessage::new(to(), Content::Media(audio)))
            .await
            .unwrap()
            .message_id,
        "V1MSG0002"
    );
    let t = Template::named("aviso_envio").with_variable("codigo", "AB-12");
    // v1's `/intent/v2` answer is not documented; this one names no message, so whether
    // (and which) message was sent is unknown.
    let e = p
        .send(&OutboundMessage::new(to(), Content::Template(t)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::MaybeSent(_)), "{e:?}");
    assert!(e.may_have_been_sent() && !e.is_retryable());
    // What v1 cannot send fails before the network.
    let loc = Content::Location(Location::new(1.0, 2.0));
    assert!(matches!(
        p.send(&OutboundMessage::new(to(), loc)).await,
        Err(Error::Unsupported { .. })
    ));
    assert!(matches!(
        p.window_closes_at(&WhatsAppAddress::from(to())).await,
        Err(Error::Unsupported { .. })
    ));
}
