//! Typing indicators, read marks and reactions: what each provider sends (checked on the
//! fakes), what is refused before any network call, and what a provider without them says.

use std::time::Duration;

use whatsapp_connector::botmaker::{ApiVersion, BotmakerProvider};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse, FakeTwilio};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    ApiErrorKind, Error, InboundMessage, MessageContent, ProviderKind, ValidationError,
    WhatsAppAddress, WhatsAppProvider,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
const INBOUND_SID: &str = "SM11112222333344445555666677778888";
const BM_TOKEN: &str = "bm-test-access-token";
const CHANNEL: &str = "acme-whatsapp-5491155550100";
const USER: &str = "+5491155550123";
const BM_MESSAGE: &str = "51FH77RLXF1BZIEHOLMQ";

fn inbound(provider: ProviderKind, id: &str, from: Option<&str>) -> InboundMessage {
    let mut m = InboundMessage::new(
        provider,
        id,
        MessageContent::Text {
            body: "hola".into(),
        },
    );
    m.from = from.map(|f| WhatsAppAddress::parse(f).unwrap());
    m
}

fn twilio(fake: &FakeTwilio) -> TwilioProvider {
    TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn botmaker(fake: &FakeBotmaker) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(BM_TOKEN)
        .channel_id(CHANNEL)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap()
}

fn invalid_field(e: &Error) -> &'static str {
    match e {
        Error::Invalid(ValidationError::Invalid { field, .. })
        | Error::Invalid(ValidationError::Empty { field }) => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn twilio_typing_posts_the_inbound_sid_to_the_messaging_api() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let provider = twilio(&fake);
    assert_eq!(provider.messaging_base(), fake.base_url());
    let message = inbound(ProviderKind::TWILIO, INBOUND_SID, Some("+14155550100"));

    provider.typing(&message).await.unwrap();
    provider.mark_read(&message).await.unwrap();
    let media = inbound(
        ProviderKind::TWILIO,
        "MMabcdefabcdefabcdefabcdefabcdefab",
        None,
    );
    provider.typing(&media).await.unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    for (r, id) in requests.iter().zip([
        INBOUND_SID,
        INBOUND_SID,
        "MMabcdefabcdefabcdefabcdefabcdefab",
    ]) {
        assert_eq!(r.method, http::Method::POST);
        assert_eq!(r.path, "/v2/Indicators/Typing.json");
        assert_eq!(
            r.form(),
            [
                ("messageId".to_owned(), id.to_owned()),
                ("channel".to_owned(), "whatsapp".to_owned())
            ]
        );
        assert!(r.header("authorization").unwrap().starts_with("Basic "));
        assert_eq!(
            r.header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
}

#[tokio::test]
async fn twilio_typing_checks_the_sid_before_any_call() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let provider = twilio(&fake);
    for id in [
        "",
        "SM123",
        "AC0123456789abcdef0123456789abcdef",
        "SM0123456789abcdef0123456789abcdeg",
        "SM0123456789abcdef0123456789abcdef0",
        "sm0123456789abcdef0123456789abcdef",
        "51FH77RLXF1BZIEHOLMQ",
    ] {
        let e = provider
            .typing(&inbound(ProviderKind::TWILIO, id, None))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), "message id", "{id:?}");
        let e = provider.typing_indicator(id).await.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{id:?}");
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn twilio_typing_errors_are_classified() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let provider = twilio(&fake);

    fake.push_response(FakeResponse::rate_limited(Some(1)));
    let e = provider.typing_indicator(INBOUND_SID).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::RateLimited));
    assert!(e.is_retryable());

    fake.push_response(FakeResponse::Error {
        status: 200,
        body: r#"{"success": false}"#.into(),
        retry_after: None,
    });
    let e = provider.typing_indicator(INBOUND_SID).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.status), Some(200));

    fake.push_response(FakeResponse::Hang(Duration::from_secs(5)));
    let e = provider.typing_indicator(INBOUND_SID).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert!(!e.may_have_been_sent(), "a typing indicator is no message");

    // Wrong credentials: the fake answers 401 with Twilio's 20003.
    let wrong = TwilioProvider::builder(SID)
        .auth_token("ffffffffffffffffffffffffffffffff")
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let e = wrong.typing_indicator(INBOUND_SID).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::Unauthorized));
    assert!(!e.to_string().contains("ffffffff"));

    // Retries what Twilio did not process.
    let retrying = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let before = fake.requests().len();
    fake.push_response(FakeResponse::rate_limited(Some(0)));
    retrying.typing_indicator(INBOUND_SID).await.unwrap();
    assert_eq!(fake.requests().len(), before + 2);
}

#[tokio::test]
async fn twilio_messaging_host_is_configurable_and_checked() {
    let p = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .build()
        .unwrap();
    assert_eq!(p.messaging_base(), "https://messaging.twilio.com");
    let p = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .base_url("http://127.0.0.1:4010")
        .messaging_base_url("http://127.0.0.1:4012/")
        .build()
        .unwrap();
    assert_eq!(p.messaging_base(), "http://127.0.0.1:4012");
    assert_eq!(p.api_base(), "http://127.0.0.1:4010");
    let p = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .region("ie1")
        .edge("dublin")
        .build()
        .unwrap();
    assert_eq!(
        p.messaging_base(),
        "https://messaging.dublin.ie1.twilio.com"
    );
    let e = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .messaging_base_url("ftp://example.com")
        .build()
        .unwrap_err();
    assert_eq!(e.field, "messaging_base_url");
    let e = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .region("ie1")
        .messaging_base_url("https://example.com")
        .build()
        .unwrap_err();
    assert_eq!(e.field, "messaging_base_url");
}

#[tokio::test]
async fn twilio_sends_no_reactions() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let provider = twilio(&fake);
    let to = WhatsAppAddress::parse("+14155550100").unwrap();
    for reaction in [Some("👍"), None] {
        let e = provider
            .react(INBOUND_SID, &to, reaction)
            .await
            .unwrap_err();
        match e {
            Error::Unsupported { provider, what } => {
                assert_eq!(provider, ProviderKind::TWILIO);
                assert!(what.contains("reactions"), "{what}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn botmaker_typing_and_read_marks_go_to_the_senders_chat() {
    let fake = FakeBotmaker::start(BM_TOKEN).await.unwrap();
    let provider = botmaker(&fake);
    let message = inbound(ProviderKind::BOTMAKER, BM_MESSAGE, Some(USER));

    provider.typing(&message).await.unwrap();
    provider.mark_read(&message).await.unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    for (r, typing) in requests.iter().zip([true, false]) {
        assert_eq!(r.method, http::Method::POST);
        assert_eq!(r.path, "/v2.0/chats-actions/send-read-typing-feedback");
        assert_eq!(r.header("access-token"), Some(BM_TOKEN));
        assert_eq!(
            r.json().unwrap(),
            serde_json::json!({"channelId": CHANNEL, "contactId": "5491155550123", "typing": typing})
        );
    }
}

#[tokio::test]
async fn botmaker_typing_needs_a_sender_a_channel_and_v2() {
    let fake = FakeBotmaker::start(BM_TOKEN).await.unwrap();
    let provider = botmaker(&fake);
    let e = provider
        .typing(&inbound(ProviderKind::BOTMAKER, BM_MESSAGE, None))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&e), "from");

    let message = inbound(ProviderKind::BOTMAKER, BM_MESSAGE, Some(USER));
    let no_channel = BotmakerProvider::builder()
        .access_token(BM_TOKEN)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    match no_channel.mark_read(&message).await.unwrap_err() {
        Error::Config(c) => assert_eq!(c.field, "channel_id"),
        other => panic!("{other:?}"),
    }
    let v1 = BotmakerProvider::builder()
        .access_token(BM_TOKEN)
        .channel_id(CHANNEL)
        .api_version(ApiVersion::V1)
        .base_url(fake.v1_base_url())
        .build()
        .unwrap();
    assert!(matches!(
        v1.typing(&message).await.unwrap_err(),
        Error::Unsupported { .. }
    ));
    let to = WhatsAppAddress::parse(USER).unwrap();
    assert!(matches!(
        v1.react(BM_MESSAGE, &to, Some("👍")).await.unwrap_err(),
        Error::Unsupported { .. }
    ));
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn botmaker_reacts_and_removes_the_reaction() {
    let fake = FakeBotmaker::start(BM_TOKEN).await.unwrap();
    let provider = botmaker(&fake);
    let to = WhatsAppAddress::parse(USER).unwrap();

    provider.react(BM_MESSAGE, &to, Some("👍🏽")).await.unwrap();
    provider.react(BM_MESSAGE, &to, None).await.unwrap();
    provider
        .react_to_message(BM_MESSAGE, Some("🇦🇷"))
        .await
        .unwrap();

    let requests = fake.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].method, http::Method::POST);
    assert_eq!(requests[0].path, "/v2.0/chats-actions/send-reaction");
    assert_eq!(
        requests[0].json().unwrap(),
        serde_json::json!({"messageId": BM_MESSAGE, "reaction": "👍🏽"})
    );
    assert_eq!(requests[1].method, http::Method::DELETE);
    assert_eq!(requests[1].path, "/v2.0/chats-actions/send-reaction");
    assert_eq!(
        requests[1].json().unwrap(),
        serde_json::json!({"messageId": BM_MESSAGE})
    );
    assert_eq!(
        requests[2].json().unwrap()["reaction"],
        serde_json::json!("🇦🇷")
    );
}

#[tokio::test]
async fn botmaker_refuses_what_is_not_one_emoji_before_any_call() {
    let fake = FakeBotmaker::start(BM_TOKEN).await.unwrap();
    let provider = botmaker(&fake);
    let to = WhatsAppAddress::parse(USER).unwrap();
    for bad in ["", "ok", "👍👍", " 👍", "👍 ", "🇦"] {
        let e = provider
            .react(BM_MESSAGE, &to, Some(bad))
            .await
            .unwrap_err();
        assert_eq!(invalid_field(&e), "reaction", "{bad:?}");
    }
    for id in ["", "  "] {
        let e = provider.react(id, &to, Some("👍")).await.unwrap_err();
        assert_eq!(invalid_field(&e), "message id");
        let e = provider.react(id, &to, None).await.unwrap_err();
        assert_eq!(invalid_field(&e), "message id");
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn botmaker_action_errors_are_classified() {
    let fake = FakeBotmaker::start(BM_TOKEN).await.unwrap();
    let provider = botmaker(&fake);
    let to = WhatsAppAddress::parse(USER).unwrap();
    let message = inbound(ProviderKind::BOTMAKER, BM_MESSAGE, Some(USER));

    fake.push_response(FakeResponse::Error {
        status: 400,
        body: r#"{"errors": [{"type": "VALIDATION", "source": "messageId", "message": "unknown message"}]}"#.into(),
        retry_after: None,
    });
    let e = provider
        .react(BM_MESSAGE, &to, Some("👍"))
        .await
        .unwrap_err();
    let api = e.api().expect("an API error");
    assert_eq!(api.kind, ApiErrorKind::BadRequest);
    assert_eq!(api.code.as_deref(), Some("VALIDATION"));
    assert_eq!(api.message, "messageId: unknown message");

    fake.push_response(FakeResponse::rate_limited(Some(1)));
    let e = provider.typing(&message).await.unwrap_err();
    assert!(e.is_retryable());

    // A 2xx that carries Botmaker's errors is an error.
    fake.push_response(FakeResponse::Error {
        status: 200,
        body: r#"{"errors": [{"message": "chat not found"}]}"#.into(),
        retry_after: None,
    });
    let e = provider.mark_read(&message).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.message.as_str()), Some("chat not found"));

    // Wrong access token.
    let wrong = BotmakerProvider::builder()
        .access_token("not-the-token")
        .channel_id(CHANNEL)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let e = wrong.typing(&message).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::Unauthorized));
    assert!(!format!("{e} {e:?}").contains("not-the-token"));
}

/// A provider that overrides none of the three.
struct Minimal;

#[whatsapp_connector::async_trait]
impl WhatsAppProvider for Minimal {
    fn kind(&self) -> ProviderKind {
        ProviderKind::new("acme")
    }
    async fn send(
        &self,
        _: &whatsapp_connector::OutboundMessage,
    ) -> Result<whatsapp_connector::SendReceipt, Error> {
        unreachable!("not called")
    }
    fn verify(
        &self,
        _: &whatsapp_connector::WebhookRequest,
    ) -> Result<(), whatsapp_connector::VerifyError> {
        Ok(())
    }
    fn parse(
        &self,
        _: &whatsapp_connector::WebhookRequest,
    ) -> Result<Vec<whatsapp_connector::InboundEvent>, whatsapp_connector::ParseError> {
        Ok(Vec::new())
    }
}

#[tokio::test]
async fn providers_without_them_say_unsupported() {
    let p: Box<dyn WhatsAppProvider> = Box::new(Minimal);
    let message = inbound(ProviderKind::new("acme"), "m1", Some(USER));
    let to = WhatsAppAddress::parse(USER).unwrap();
    let unsupported = |e: Error| match e {
        Error::Unsupported { provider, what } => {
            assert_eq!(provider.as_str(), "acme");
            what
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        unsupported(p.typing(&message).await.unwrap_err()),
        "typing indicators"
    );
    assert_eq!(
        unsupported(p.mark_read(&message).await.unwrap_err()),
        "read marks"
    );
    assert_eq!(
        unsupported(p.react("m1", &to, Some("👍")).await.unwrap_err()),
        "reactions"
    );
    let e = p.react("m1", &to, None).await.unwrap_err();
    assert_eq!(e.to_string(), "acme cannot send reactions");
}
