//! Sending through Twilio's Messages API, against a local mock server: the form Twilio
//! gets, the receipt, classified errors, retries that never re-send what may have been
//! sent, and media downloads that keep the credentials on Twilio's host.

use std::time::{Duration, Instant};

use serde_json::json;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::twilio::{MessageRequest, TwilioBuilder, TwilioProvider};
use whatsapp_connector::{
    ApiErrorKind, Content, DeliveryStatus, Error, Interactive, Location, Media, OutboundMessage,
    PhoneNumber, Template, WhatsAppAddress, WhatsAppProvider,
};
use wiremock::matchers::{basic_auth, body_string, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f00dbabef00dbabef00dbabef00dbabe";
const MESSAGES: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json";
const SID: &str = "SM00112233445566778899aabbccddeeff";

fn to() -> PhoneNumber {
    PhoneNumber::parse("+14155550100").unwrap()
}

fn builder(server: &MockServer) -> TwilioBuilder {
    TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(server.uri())
        .retry_policy(fast_retries(4))
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_elapsed: Duration::from_secs(10),
    }
}

fn created(status: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).set_body_json(json!({
        "account_sid": AC, "api_version": "2010-04-01", "body": "hola",
        "date_created": "Mon, 29 Nov 2021 22:40:10 +0000", "date_sent": null,
        "direction": "outbound-api", "error_code": null, "error_message": null,
        "from": "whatsapp:+14155238886", "messaging_service_sid": null, "num_media": "0",
        "num_segments": "1", "price": null, "price_unit": null, "sid": SID, "status": status,
        "to": "whatsapp:+14155550100", "tags": {"campaign": "x"},
        "uri": format!("{MESSAGES}/{SID}.json")
    }))
}

fn twilio_error(http: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(http).set_body_json(json!({
        "code": code, "message": message,
        "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": http
    }))
}

async fn expect_form(server: &MockServer, form: &str) {
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(basic_auth(AC, TOKEN))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(header("accept", "application/json"))
        .and(body_string(form))
        .respond_with(created("queued"))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn text_becomes_a_receipt() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886&Body=hola+%26+adi%C3%B3s",
    )
    .await;
    let twilio = builder(&server).build().unwrap();
    let receipt = twilio
        .send(&OutboundMessage::text(to(), "hola & adiós"))
        .await
        .unwrap();
    assert_eq!(receipt.message_id, SID);
    assert_eq!(receipt.status, DeliveryStatus::Queued);
    assert_eq!(receipt.raw["tags"]["campaign"], "x");
}

#[tokio::test]
async fn media_with_caption_in_body_and_a_status_callback() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886&Body=the+receipt\
         &MediaUrl=https%3A%2F%2Fexample.com%2Fr.jpg&StatusCallback=https%3A%2F%2Fbot.example.com%2Fstatus",
    )
    .await;
    let twilio = builder(&server).build().unwrap();
    let msg = OutboundMessage::new(
        to(),
        Content::Media(Media::new("https://example.com/r.jpg").with_caption("the receipt")),
    )
    .with_status_callback("https://bot.example.com/status");
    twilio.send(&msg).await.unwrap();
}

#[tokio::test]
async fn several_media_urls_repeat_the_key() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886\
         &MediaUrl=https%3A%2F%2Fexample.com%2Fa.jpg&MediaUrl=https%3A%2F%2Fexample.com%2Fb.jpg",
    )
    .await;
    let twilio = builder(&server).build().unwrap();
    let req = MessageRequest::new(to().into())
        .media_url("https://example.com/a.jpg")
        .media_url("https://example.com/b.jpg");
    twilio.send_request(&req).await.unwrap();
}

#[tokio::test]
async fn template_by_content_sid_with_variables_as_json() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886\
         &ContentSid=HX0123456789abcdef0123456789abcdef\
         &ContentVariables=%7B%221%22%3A%2212%2F1%22%2C%222%22%3A%223pm%22%7D",
    )
    .await;
    let twilio = builder(&server).build().unwrap();
    let t = Template::content_sid("HX0123456789abcdef0123456789abcdef")
        .with_variable("1", "12/1")
        .with_variable("2", "3pm");
    twilio
        .send(&OutboundMessage::new(to(), Content::Template(t)))
        .await
        .unwrap();
}

#[tokio::test]
async fn location_as_persistent_action() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886\
         &Body=Av.+Corrientes+1234&PersistentAction=geo%3A-34.603722%2C-58.381592%7COficina+Centro",
    )
    .await;
    let twilio = builder(&server).build().unwrap();
    let loc = Location::new(-34.603722, -58.381592)
        .with_name("Oficina Centro")
        .with_address("Av. Corrientes 1234");
    twilio
        .send(&OutboundMessage::new(to(), Content::Location(loc)))
        .await
        .unwrap();
}

#[tokio::test]
async fn messaging_service_and_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(basic_auth("SK0123456789abcdef0123456789abcdef", "key-secret"))
        .and(body_string(
            "To=whatsapp%3A%2B14155550100&MessagingServiceSid=MG0123456789abcdef0123456789abcdef&Body=hi",
        ))
        .respond_with(created("accepted"))
        .expect(1)
        .mount(&server)
        .await;
    let twilio = TwilioProvider::builder(AC)
        .api_key("SK0123456789abcdef0123456789abcdef", "key-secret")
        .from("MG0123456789abcdef0123456789abcdef")
        .base_url(server.uri())
        .build()
        .unwrap();
    let r = twilio
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap();
    assert_eq!(r.status, DeliveryStatus::Accepted);
}

#[tokio::test]
async fn mammut_bot_config_sends_from_its_number() {
    let server = MockServer::start().await;
    expect_form(
        &server,
        "To=whatsapp%3AUS.ABC123&From=whatsapp%3A%2B14155238886&Body=hi",
    )
    .await;
    let config = BotConfig::new(AC, TOKEN, "whatsapp:+14155238886").unwrap();
    let twilio = TwilioProvider::builder_from_bot_config(&config)
        .base_url(server.uri())
        .build()
        .unwrap();
    let to = WhatsAppAddress::parse("whatsapp:US.ABC123").unwrap();
    twilio.send(&OutboundMessage::text(to, "hi")).await.unwrap();
    assert!(TwilioProvider::from_bot_config(&config).is_ok());
}

#[tokio::test]
async fn unsupported_and_invalid_content_never_reach_twilio() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created("queued"))
        .expect(0)
        .mount(&server)
        .await;
    let twilio = builder(&server).build().unwrap();
    // A URL button is a twilio/call-to-action, which WhatsApp takes only once approved.
    let link = Interactive::url("Your order", "Open", "https://example.com/order/7");
    let e = twilio
        .send(&OutboundMessage::new(to(), Content::Interactive(link)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    let e = twilio
        .send(&OutboundMessage::new(
            to(),
            Content::Template(Template::named("welcome")),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    let e = twilio
        .send(&OutboundMessage::text(to(), "x".repeat(1601)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    let e = twilio
        .send(
            &OutboundMessage::text(to(), "hi")
                .with_status_callback("https://my_bot.example.com/status"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    let no_sender = TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = no_sender
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Config(ref c) if c.field == "from"),
        "{e}"
    );
}

#[tokio::test]
async fn twilio_errors_are_classified() {
    let cases = [
        (401, 20003, ApiErrorKind::Unauthorized),
        (400, 21211, ApiErrorKind::InvalidRecipient),
        (400, 21610, ApiErrorKind::OptedOut),
        (400, 63015, ApiErrorKind::SandboxNotJoined),
        (400, 63016, ApiErrorKind::OutsideWindow),
        (429, 20429, ApiErrorKind::RateLimited),
        (400, 63018, ApiErrorKind::RateLimited),
        (400, 21602, ApiErrorKind::BadRequest),
    ];
    for (http, code, kind) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(twilio_error(http, code, "what Twilio said"))
            .expect(1)
            .mount(&server)
            .await;
        let twilio = builder(&server)
            .retry_policy(RetryPolicy::never())
            .build()
            .unwrap();
        let e = twilio
            .send(&OutboundMessage::text(to(), "hi"))
            .await
            .unwrap_err();
        let api = e.api().unwrap_or_else(|| panic!("{code}: {e}"));
        assert_eq!(api.kind, kind, "{code}");
        assert_eq!(api.status, http);
        assert_eq!(api.code.as_deref(), Some(code.to_string().as_str()));
        assert_eq!(api.message, "what Twilio said");
        assert_eq!(
            api.more_info.as_deref(),
            Some(format!("https://www.twilio.com/docs/errors/{code}").as_str())
        );
        assert!(api.body.contains("more_info"));
        assert_eq!(e.is_retryable(), kind == ApiErrorKind::RateLimited);
        assert!(!e.may_have_been_sent());
        assert!(!e.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn a_garbage_error_body_still_gives_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string("<html><body>Forbidden by proxy</body></html>"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let twilio = builder(&server).build().unwrap();
    let e = twilio
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    let api = e.api().unwrap();
    assert_eq!((api.status, api.kind), (403, ApiErrorKind::Unauthorized));
    assert!(api.code.is_none());
    assert!(
        api.message.contains("Forbidden by proxy"),
        "{}",
        api.message
    );
    // A huge body is cut in the message but kept whole in `body`.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_string("x".repeat(5000)))
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    let api = e.api().unwrap();
    assert!(api.message.chars().count() < 400);
    assert_eq!(api.body.len(), 5000);
}

#[tokio::test]
async fn a_garbage_success_body_may_have_been_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_string("not json"))
        .expect(1)
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::MaybeSent { .. }), "{e}");
}

#[tokio::test]
async fn rate_limited_then_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(429, 20429, "Too Many Requests"))
        .up_to_n_times(2)
        .with_priority(1)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("queued"))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let r = builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap();
    assert_eq!(r.message_id, SID);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(created("queued"))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retries_are_bounded_in_attempts_and_time() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let e = builder(&server)
        .retry_policy(fast_retries(3))
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::RateLimited);
    // A Retry-After past the time budget ends the retries at once.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3600"))
        .expect(1)
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn a_500_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(twilio_error(500, 20500, "Internal Server Error"))
        .expect(1)
        .mount(&server)
        .await;
    let e = builder(&server)
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert!(e.may_have_been_sent());
    assert!(!e.is_retryable());
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::ServerError);
}

#[tokio::test]
async fn a_timeout_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(created("queued").set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let e = builder(&server)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::MaybeSent { .. }), "{e}");
    assert!(e.may_have_been_sent());
}

#[tokio::test]
async fn connection_refused_is_retried_until_the_server_answers() {
    // A port nothing listens on yet.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let never = TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(&base)
        .retry_policy(fast_retries(2))
        .build()
        .unwrap();
    let e = never
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Connect { .. }), "{e}");
    assert!(e.is_retryable() && !e.may_have_been_sent());

    let patient = TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(&base)
        .retry_policy(RetryPolicy {
            max_attempts: 200,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(20),
        })
        .build()
        .unwrap();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(method("POST"))
            .respond_with(created("queued"))
            .expect(1)
            .mount(&server)
            .await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        drop(server);
    });
    let r = patient
        .send(&OutboundMessage::text(to(), "hi"))
        .await
        .unwrap();
    assert_eq!(r.message_id, SID);
    server.abort();
}

const MEDIA_PATH: &str = "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef";

#[tokio::test]
async fn media_download_keeps_credentials_on_twilio() {
    let api = MockServer::start().await;
    let cdn = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA_PATH))
        .and(basic_auth(AC, TOKEN))
        .respond_with(ResponseTemplate::new(307).insert_header(
            "Location",
            format!("{}/cdn/abc.jpg?sig=1", cdn.uri()).as_str(),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/cdn/abc.jpg"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/jpeg")
                .set_body_bytes(vec![0xff, 0xd8, 0xff, 0xe0]),
        )
        .expect(2)
        .mount(&cdn)
        .await;
    let twilio = builder(&api).build().unwrap();
    let media = twilio
        .download_media(&format!("{}{MEDIA_PATH}", api.uri()))
        .await
        .unwrap();
    assert_eq!(media.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(&media.bytes[..], &[0xff, 0xd8, 0xff, 0xe0]);
    assert!(media.url.starts_with(&cdn.uri()));
    let seen: Vec<Request> = cdn.received_requests().await.unwrap();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].headers.get("authorization").is_none());
    // A URL on another host never gets the credentials.
    let elsewhere = twilio
        .download_media(&format!("{}/cdn/abc.jpg", cdn.uri()))
        .await
        .unwrap();
    assert_eq!(elsewhere.bytes.len(), 4);
    let seen = cdn.received_requests().await.unwrap();
    assert!(
        seen.iter()
            .all(|r| r.headers.get("authorization").is_none())
    );
}

#[tokio::test]
async fn media_download_has_a_size_cap_and_typed_errors() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(MEDIA_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 4096]))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/missing"))
        .respond_with(twilio_error(
            404,
            20404,
            "The requested resource was not found",
        ))
        .mount(&api)
        .await;
    let twilio = builder(&api).media_max_bytes(1000).build().unwrap();
    let e = twilio
        .download_media(&format!("{}{MEDIA_PATH}", api.uri()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooLarge { limit: 1000, .. }), "{e}");
    let e = twilio
        .download_media(&format!("{}/missing", api.uri()))
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::NotFound);
    let e = twilio
        .download_media("ftp://example.com/x")
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
}

#[test]
fn configuration_errors_name_the_setting() {
    let field = |b: TwilioBuilder| b.build().unwrap_err().field;
    assert_eq!(field(TwilioProvider::builder("AC123")), "account_sid");
    assert_eq!(
        field(TwilioProvider::builder(AC).api_key("SK1", "s")),
        "api_key"
    );
    assert_eq!(
        field(TwilioProvider::builder(AC).messaging_service_sid("MG1")),
        "messaging_service_sid"
    );
    assert_eq!(
        field(TwilioProvider::builder(AC).from("whatsapp:+0123")),
        "from"
    );
    assert_eq!(
        field(TwilioProvider::builder(AC).base_url("nope")),
        "base_url"
    );
    assert_eq!(
        field(TwilioProvider::builder(AC).public_url("/relative")),
        "public_url"
    );
    assert_eq!(
        field(TwilioProvider::builder(AC).timeout(Duration::ZERO)),
        "timeout"
    );
    let p = TwilioProvider::builder(AC)
        .auth_token(TOKEN)
        .region("ie1")
        .edge("dublin")
        .build()
        .unwrap();
    assert_eq!(p.api_base(), "https://api.dublin.ie1.twilio.com");
    let debug = format!("{p:?}");
    assert!(debug.contains(AC) && !debug.contains(TOKEN), "{debug}");
}
