//! The `testing` fakes: they answer like the providers, fail on demand, record what they
//! receive, and send webhooks the providers verify.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse, FakeTwilio};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    ApiErrorKind, Content, DeliveryStatus, Error, Media, OutboundMessage, PhoneNumber,
    ProviderKind, WhatsAppAddress, WhatsAppProvider,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
const BM_ACCESS: &str = "fake-access-token";
const BM_HOOK: &str = "fake-webhook-token";
const BM_CHANNEL: &str = "acme-whatsapp-5491155550100";

fn to() -> PhoneNumber {
    PhoneNumber::parse("+14155550100").unwrap()
}

fn twilio(fake: &FakeTwilio, token: &str) -> TwilioProvider {
    TwilioProvider::builder(SID)
        .auth_token(token)
        .from("whatsapp:+14155238886")
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(300))
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn fake_twilio_answers_201_and_records_the_form() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let p = twilio(&fake, TOKEN);
    let msg = OutboundMessage::new(
        to(),
        Content::Media(Media::new("https://example.com/a.jpg").with_caption("recibo")),
    );
    let receipt = p.send(&msg).await.unwrap();
    assert_eq!(receipt.provider, ProviderKind::TWILIO);
    assert!(receipt.message_id.starts_with("SM") && receipt.message_id.len() == 34);
    assert_eq!(receipt.status, DeliveryStatus::Queued);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(
        reqs[0].path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(
        reqs[0].form_value("To").as_deref(),
        Some("whatsapp:+14155550100")
    );
    assert_eq!(reqs[0].form_value("Body").as_deref(), Some("recibo"));
    assert_eq!(
        reqs[0].form_values("MediaUrl"),
        vec!["https://example.com/a.jpg"]
    );
}

#[tokio::test]
async fn fake_twilio_refuses_a_wrong_token() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let p = twilio(&fake, "ffffffffffffffffffffffffffffffff");
    let e = p
        .send(&OutboundMessage::text(to(), "hola"))
        .await
        .unwrap_err();
    let api = e.api().expect("an API error");
    assert_eq!((api.status, api.code.as_deref()), (401, Some("20003")));
    assert_eq!(api.kind, ApiErrorKind::Unauthorized);
}

#[tokio::test]
async fn fake_twilio_fails_on_demand() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let p = twilio(&fake, TOKEN);
    let hola = OutboundMessage::text(to(), "hola");

    // 429 then success: retried once.
    fake.push_response(FakeResponse::rate_limited(Some(0)));
    assert!(p.send(&hola).await.is_ok());
    assert_eq!(fake.requests().len(), 2);

    // 500: may have been sent, never re-sent.
    fake.push_response(FakeResponse::server_error());
    let e = p.send(&hola).await.unwrap_err();
    assert!(e.may_have_been_sent() && !e.is_retryable(), "{e:?}");
    assert_eq!(fake.requests().len(), 3);

    // A hang past the client's timeout: may have been sent, never re-sent.
    fake.push_response(FakeResponse::Hang(Duration::from_secs(3)));
    let e = p.send(&hola).await.unwrap_err();
    assert!(matches!(e, Error::MaybeSent { .. }), "{e:?}");
    assert_eq!(fake.requests().len(), 4);

    // A success status with a body that is not JSON, or that breaks off.
    for broken in [FakeResponse::Garbage, FakeResponse::BrokenBody] {
        fake.push_response(broken);
        let e = p.send(&hola).await.unwrap_err();
        assert!(e.may_have_been_sent(), "{e:?}");
    }
    assert_eq!(fake.requests().len(), 6);
}

/// A webhook server for one Twilio bot and one Botmaker bot, sending what it gets to a channel.
async fn webhook_server(
    bm: Option<BotmakerProvider>,
) -> (String, mpsc::UnboundedReceiver<Delivery>) {
    let registry = Arc::new(Registry::new());
    let p = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .build()
        .unwrap();
    registry.insert("+14155238886", Arc::new(Bot::new("tw", Arc::new(p))));
    if let Some(bm) = bm {
        registry.insert(BM_CHANNEL, Arc::new(Bot::new("bm", Arc::new(bm))));
    }
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
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });
    (origin, rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Delivery>) -> Delivery {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn fake_twilio_sends_signed_status_callbacks_in_order() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let (origin, mut rx) = webhook_server(None).await;
    let p = twilio(&fake, TOKEN);
    let msg = OutboundMessage::text(to(), "hola").with_status_callback(format!("{origin}/twilio"));
    let receipt = p.send(&msg).await.unwrap();
    for expected in [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
    ] {
        let d = next(&mut rx).await;
        let s = d.event.as_status().expect("a status");
        assert_eq!(s.status, expected);
        assert_eq!(s.message_id.as_deref(), Some(receipt.message_id.as_str()));
        assert_eq!(s.recipient, Some(WhatsAppAddress::Phone(to())));
    }
}

fn botmaker(fake: &FakeBotmaker) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(BM_ACCESS)
        .channel_id(BM_CHANNEL)
        .webhook_token(BM_HOOK)
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap()
}

#[tokio::test]
async fn fake_botmaker_answers_202_and_sends_verified_snapshots() {
    let fake = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let (origin, mut rx) = webhook_server(Some(botmaker(&fake))).await;
    fake.set_webhook(Some(format!("{origin}/botmaker")), BM_HOOK);
    let p = botmaker(&fake);
    let receipt = p.send(&OutboundMessage::text(to(), "hola")).await.unwrap();
    assert_eq!(receipt.status, DeliveryStatus::Accepted);
    assert!(!receipt.message_id.is_empty());
    let req = &fake.requests()[0];
    assert_eq!(req.path, "/v2.0/chats-actions/send-messages");
    let body = req.json().unwrap();
    assert_eq!(body["chat"]["contactId"], "14155550100");
    assert_eq!(body["chat"]["channelId"], BM_CHANNEL);
    for expected in [DeliveryStatus::Delivered, DeliveryStatus::Read] {
        let d = next(&mut rx).await;
        assert_eq!(d.bot.id, "bm");
        let s = d.event.as_status().unwrap();
        assert_eq!(s.status, expected);
        assert_eq!(s.message_id.as_deref(), Some(receipt.message_id.as_str()));
    }
    let closes = p
        .window_closes_at(&WhatsAppAddress::Phone(to()))
        .await
        .unwrap()
        .expect("an open window");
    assert!(closes.as_offset_date_time() > time::OffsetDateTime::now_utc());
}

#[tokio::test]
async fn fake_botmaker_fails_on_demand() {
    let fake = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let p = botmaker(&fake);
    let hola = OutboundMessage::text(to(), "hola");
    fake.push_response(FakeResponse::Error {
        status: 400,
        body: r#"{"errors": [{"type": "validation", "source": "chat", "message": "bad chat"}]}"#
            .into(),
        retry_after: None,
    });
    let e = p.send(&hola).await.unwrap_err();
    assert_eq!(
        e.api().map(|a| (a.status, a.message.as_str())),
        Some((400, "chat: bad chat"))
    );
    fake.push_response(FakeResponse::server_error());
    assert!(p.send(&hola).await.unwrap_err().may_have_been_sent());
    assert_eq!(fake.requests().len(), 2);
    let wrong = BotmakerProvider::builder()
        .access_token("nope")
        .channel_id(BM_CHANNEL)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let e = wrong.send(&hola).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::Unauthorized));
}

#[test]
fn webhook_builders_make_every_kind_the_providers_accept() {
    use whatsapp_connector::testing::{BotmakerWebhook, TwilioWebhook};
    use whatsapp_connector::{Contact, MessageContent};

    let user = to();
    let line = PhoneNumber::parse("+14155238886").unwrap();
    let url = "https://bot.example.com/twilio";
    let p = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .build()
        .unwrap();
    let twilio_cases = [
        (
            TwilioWebhook::inbound_text(SID, &user, &line, "hola"),
            "text",
        ),
        (
            TwilioWebhook::inbound_media(
                SID,
                &user,
                &line,
                "https://example.com/a.jpg",
                "image/jpeg",
                "foto",
            ),
            "media",
        ),
        (
            TwilioWebhook::inbound_location(SID, &user, &line, -34.6, -58.4, Some("Obelisco")),
            "location",
        ),
        (
            TwilioWebhook::inbound_button(SID, &user, &line, "Sí", "yes"),
            "button",
        ),
        (
            TwilioWebhook::inbound_contact_card(SID, &user, &line, "https://example.com/c.vcf"),
            "media",
        ),
    ];
    for (hook, kind) in twilio_cases {
        let req = hook.request(url, TOKEN);
        p.verify(&req).unwrap();
        let events = p.parse(&req).unwrap();
        let m = events[0].as_message().unwrap();
        assert_eq!(
            serde_json::to_value(&m.content).unwrap()["type"],
            kind,
            "{hook:?}"
        );
        assert_eq!(m.to.as_ref().and_then(|a| a.phone()), Some(&line));
    }
    for status in [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
        DeliveryStatus::Failed,
    ] {
        let error = status
            .is_failure()
            .then_some(("63016", "outside the window"));
        let req = TwilioWebhook::status(
            SID,
            "SM0123456789abcdef0123456789abcdef",
            &line,
            &user,
            &status,
            error,
        )
        .request(url, TOKEN);
        p.verify(&req).unwrap();
        let s = p.parse(&req).unwrap()[0].as_status().unwrap().clone();
        assert_eq!(s.status, status);
        assert_eq!(s.error.is_some(), status.is_failure());
    }

    let bm = BotmakerProvider::builder()
        .webhook_token(BM_HOOK)
        .build()
        .unwrap();
    let burl = "https://bot.example.com/botmaker";
    let card = Contact::new(
        Some("Bruno Díaz".into()),
        vec!["+14155550142".into()],
        vec!["b@example.com".into()],
    );
    let botmaker_cases = [
        (BotmakerWebhook::inbound_text(&user, &line, "hola"), "text"),
        (
            BotmakerWebhook::inbound_image(&user, &line, "https://example.com/a.jpg", "foto"),
            "media",
        ),
        (
            BotmakerWebhook::inbound_location(&user, &line, -34.6, -58.4, "Obelisco"),
            "location",
        ),
        (
            BotmakerWebhook::inbound_button(&user, &line, "Sí"),
            "button",
        ),
        (
            BotmakerWebhook::inbound_contacts(&user, &line, std::slice::from_ref(&card)),
            "contacts",
        ),
    ];
    for (hook, kind) in botmaker_cases {
        let req = hook.request(burl, BM_HOOK);
        bm.verify(&req).unwrap();
        let events = bm.parse(&req).unwrap();
        let m = events[0].as_message().unwrap();
        assert_eq!(
            serde_json::to_value(&m.content).unwrap()["type"],
            kind,
            "{hook:?}"
        );
        if let MessageContent::Contacts { contacts } = &m.content {
            assert_eq!(contacts, &vec![card.clone()]);
        }
    }
    for status in [DeliveryStatus::Delivered, DeliveryStatus::Read] {
        let req = BotmakerWebhook::status_snapshot(
            BM_CHANNEL,
            "5491155550100",
            "14155550100",
            status.clone(),
            "MSG1",
            "hola",
        )
        .request(burl, BM_HOOK);
        bm.verify(&req).unwrap();
        let s = bm.parse(&req).unwrap()[0].as_status().unwrap().clone();
        assert_eq!(s.status, status);
        assert_eq!(s.message_id.as_deref(), Some("MSG1"));
    }
}
