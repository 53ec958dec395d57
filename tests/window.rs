//! The 24-hour window: what `observe` remembers, when the window closes, and sends that go
//! free-form inside it and as a template outside it, through the fake providers.

use std::sync::Arc;
use std::time::Duration;

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::event::Timestamp;
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse, FakeTwilio};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::window::{ConversationWindows, MemoryWindowStore, WindowStore};
use whatsapp_connector::{
    InboundEvent, InboundMessage, MessageContent, OutboundMessage, ProviderKind, Template,
    WhatsAppAddress,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
const USER: &str = "+14155550100";
const TEMPLATE: &str = "HX0123456789abcdef0123456789abcdef";

fn user() -> WhatsAppAddress {
    WhatsAppAddress::parse(USER).unwrap()
}

/// A user's message written `ago` before now.
fn message_from_user(ago: Duration) -> InboundEvent {
    let mut m = InboundMessage::new(
        ProviderKind::TWILIO,
        format!("SM{:032x}", fastrand::u128(..)),
        MessageContent::Text {
            body: "hola".into(),
        },
    );
    m.from = Some(user());
    let now = Timestamp::now().unix_millis();
    m.timestamp = Timestamp::from_unix_millis(now - ago.as_millis() as i64);
    InboundEvent::Message(m)
}

async fn twilio() -> (FakeTwilio, TwilioProvider) {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let provider = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    (fake, provider)
}

fn reply() -> OutboundMessage {
    OutboundMessage::text(user(), "Your order shipped")
}

#[tokio::test]
async fn the_window_closes_a_day_after_the_last_user_message() {
    let windows = ConversationWindows::in_memory();
    assert_eq!(
        windows.window_closes_at("bot", &user()).await.unwrap(),
        None
    );
    let older = message_from_user(Duration::from_secs(3 * 3600));
    let newer = message_from_user(Duration::from_secs(3600));
    windows.observe("bot", &newer).await.unwrap();
    // An older message arriving late does not move the window back.
    windows.observe("bot", &older).await.unwrap();
    let closes = windows
        .window_closes_at("bot", &user())
        .await
        .unwrap()
        .unwrap();
    let last = newer.as_message().unwrap().timestamp.unwrap();
    assert_eq!(closes.unix_millis() - last.unix_millis(), 24 * 3600 * 1000);
    // Per bot.
    assert_eq!(
        windows
            .window_closes_at("other-bot", &user())
            .await
            .unwrap(),
        None
    );
    // Just before the close it is open; at the close it is not.
    let before = Timestamp::from_unix_millis(closes.unix_millis() - 1).unwrap();
    assert!(windows.is_open_at("bot", &user(), before).await.unwrap());
    assert!(!windows.is_open_at("bot", &user(), closes).await.unwrap());
}

#[tokio::test]
async fn inside_the_window_the_message_goes_free_form() {
    let (fake, twilio) = twilio().await;
    let windows = ConversationWindows::in_memory();
    // At the edge: 23 h 59 min 50 s ago is still inside.
    windows
        .observe(
            "bot",
            &message_from_user(Duration::from_secs(24 * 3600 - 10)),
        )
        .await
        .unwrap();
    windows
        .send_or_template("bot", &twilio, &reply(), &Template::content_sid(TEMPLATE))
        .await
        .unwrap();
    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].form_value("Body").as_deref(),
        Some("Your order shipped")
    );
    assert_eq!(sent[0].form_value("ContentSid"), None);
}

#[tokio::test]
async fn outside_the_window_or_unknown_the_template_goes() {
    let (fake, twilio) = twilio().await;
    let windows = ConversationWindows::in_memory();
    let template = Template::content_sid(TEMPLATE).with_variable("1", "Ana");
    // Never seen: the template.
    windows
        .send_or_template("bot", &twilio, &reply(), &template)
        .await
        .unwrap();
    // Seen, but 24 h and 10 s ago: the template.
    windows
        .observe(
            "bot",
            &message_from_user(Duration::from_secs(24 * 3600 + 10)),
        )
        .await
        .unwrap();
    windows
        .send_or_template("bot", &twilio, &reply(), &template)
        .await
        .unwrap();
    let sent = fake.requests();
    assert_eq!(sent.len(), 2);
    for r in &sent {
        assert_eq!(r.form_value("ContentSid").as_deref(), Some(TEMPLATE));
        assert_eq!(r.form_value("Body"), None);
    }
}

#[tokio::test]
async fn a_refusal_for_the_window_falls_back_to_the_template_once() {
    let (fake, twilio) = twilio().await;
    let store = Arc::new(MemoryWindowStore::new(10));
    let windows = ConversationWindows::new(store.clone());
    windows
        .observe("bot", &message_from_user(Duration::from_secs(60)))
        .await
        .unwrap();
    // Twilio knows better: the window is closed (63016).
    fake.push_response(FakeResponse::Error {
        status: 400,
        body: r#"{"code": 63016, "message": "Failed to send freeform message because you are outside the allowed window.", "status": 400}"#.into(),
        retry_after: None,
    });
    windows
        .send_or_template("bot", &twilio, &reply(), &Template::content_sid(TEMPLATE))
        .await
        .unwrap();
    let sent = fake.requests();
    assert_eq!(
        sent.len(),
        2,
        "the free-form send, then the template, and no more"
    );
    assert_eq!(
        sent[0].form_value("Body").as_deref(),
        Some("Your order shipped")
    );
    assert_eq!(sent[1].form_value("ContentSid").as_deref(), Some(TEMPLATE));
    // What was believed is forgotten.
    assert_eq!(store.last_message("bot", USER).await.unwrap(), None);
}

#[tokio::test]
async fn botmakers_own_window_comes_first() {
    let fake = FakeBotmaker::start("bm-access-token").await.unwrap();
    let botmaker = BotmakerProvider::builder()
        .access_token("bm-access-token")
        .channel_id("acme-whatsapp-5491155550100")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    // This side has seen nothing, but Botmaker says the chat's window is open (the fake
    // answers that it closes in 24 hours): free-form.
    let windows = ConversationWindows::in_memory();
    windows
        .send_or_template("bot", &botmaker, &reply(), &Template::named("order_update"))
        .await
        .unwrap();
    let sent = fake.requests();
    assert!(sent[0].path.contains("/chats/"), "{}", sent[0].path);
    let send = sent.last().unwrap();
    assert!(
        send.path.ends_with("/chats-actions/send-messages"),
        "{}",
        send.path
    );
}
