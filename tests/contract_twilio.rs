//! Contract test: sends through [`TwilioProvider`] to a Prism mock of Twilio's published
//! OpenAPI (`../shared/twilio/twilio_api_v2010.json`). Prism answers 422 to any request
//! that breaks the contract, so a 201 receipt proves the request's shape.
//!
//! Run by `.ci/run` with Prism serving the spec and `PRISM_TWILIO_URL` set to its address:
//! `PRISM_TWILIO_URL=http://127.0.0.1:4010 cargo test --test contract_twilio -- --ignored`.
//! The typing indicator is checked against Twilio's Messaging v2 OpenAPI
//! (`../shared/twilio/twilio_messaging_v2.json`) served at `PRISM_TWILIO_MESSAGING_URL`.

use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::twilio::{MessageRequest, TwilioProvider};
use whatsapp_connector::{
    Content, Media, OutboundMessage, PhoneNumber, SendReceipt, Template, WhatsAppProvider,
};

fn provider() -> TwilioProvider {
    let base = std::env::var("PRISM_TWILIO_URL").expect(
        "PRISM_TWILIO_URL must point at `prism mock` serving ../shared/twilio/twilio_api_v2010.json",
    );
    TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
        .auth_token("0123456789abcdef0123456789abcdef")
        .from("whatsapp:+14155238886")
        .base_url(base)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid configuration")
}

fn to() -> PhoneNumber {
    PhoneNumber::parse("+14155550100").unwrap()
}

fn assert_receipt(what: &str, result: Result<SendReceipt, whatsapp_connector::Error>) {
    let receipt = result.unwrap_or_else(|e| panic!("{what}: Prism refused the request: {e}"));
    assert!(
        receipt.message_id.starts_with("SM") || receipt.message_id.starts_with("MM"),
        "{what}: {receipt:?}"
    );
    assert!(receipt.raw.is_object(), "{what}: {receipt:?}");
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's OpenAPI at PRISM_TWILIO_URL"]
async fn text_media_and_template_sends_match_the_contract() {
    let twilio = provider();
    assert_receipt(
        "text",
        twilio
            .send(&OutboundMessage::text(to(), "hola desde el contrato"))
            .await,
    );
    assert_receipt(
        "media",
        twilio
            .send(&OutboundMessage::new(
                to(),
                Content::Media(
                    Media::new("https://example.com/receipt.jpg").with_caption("your receipt"),
                ),
            ))
            .await,
    );
    assert_receipt(
        "template",
        twilio
            .send(&OutboundMessage::new(
                to(),
                Content::Template(
                    Template::content_sid("HX0123456789abcdef0123456789abcdef")
                        .with_variable("1", "12/1")
                        .with_variable("2", "3pm"),
                ),
            ))
            .await,
    );
    assert_receipt(
        "two media and a status callback",
        twilio
            .send_request(
                &MessageRequest::new(to().into())
                    .media_url("https://example.com/a.jpg")
                    .media_url("https://example.com/b.jpg")
                    .status_callback("https://bot.example.com/twilio/status"),
            )
            .await,
    );
}

fn messaging_provider() -> TwilioProvider {
    let base = std::env::var("PRISM_TWILIO_MESSAGING_URL").expect(
        "PRISM_TWILIO_MESSAGING_URL must point at `prism mock` serving ../shared/twilio/twilio_messaging_v2.json",
    );
    TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
        .auth_token("0123456789abcdef0123456789abcdef")
        .messaging_base_url(base)
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid configuration")
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Messaging v2 OpenAPI at PRISM_TWILIO_MESSAGING_URL"]
async fn typing_indicator_and_read_mark_match_the_contract() {
    use whatsapp_connector::{InboundMessage, MessageContent, ProviderKind};

    let twilio = messaging_provider();
    for sid in [
        "SM0123456789abcdef0123456789abcdef",
        "MMfedcba9876543210fedcba9876543210",
    ] {
        let message = InboundMessage::new(
            ProviderKind::TWILIO,
            sid,
            MessageContent::Text {
                body: "hola".into(),
            },
        );
        twilio
            .typing(&message)
            .await
            .unwrap_or_else(|e| panic!("typing {sid}: Prism refused the request: {e}"));
        twilio
            .mark_read(&message)
            .await
            .unwrap_or_else(|e| panic!("read {sid}: Prism refused the request: {e}"));
    }
}

// The account fetch and the WhatsApp senders (list, webhook update) that
// `mammut::connect` uses. Prism answers with the specs' examples, whose account is
// ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.

const EXAMPLE_ACCOUNT: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn account_provider(api: &str, messaging: &str) -> TwilioProvider {
    let url = |var: &str| {
        std::env::var(var).unwrap_or_else(|_| panic!("{var} must point at `prism mock`"))
    };
    TwilioProvider::builder(EXAMPLE_ACCOUNT)
        .auth_token("0123456789abcdef0123456789abcdef")
        .base_url(url(api))
        .messaging_base_url(url(messaging))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid configuration")
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's OpenAPI at PRISM_TWILIO_URL"]
async fn the_account_fetch_matches_the_contract() {
    let twilio = account_provider("PRISM_TWILIO_URL", "PRISM_TWILIO_MESSAGING_URL");
    let account = twilio
        .fetch_account()
        .await
        .unwrap_or_else(|e| panic!("Prism refused the account fetch: {e}"));
    assert_eq!(account.sid, EXAMPLE_ACCOUNT);
    assert!(account.is_active(), "{account:?}");
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Messaging v2 OpenAPI at PRISM_TWILIO_MESSAGING_URL"]
async fn the_senders_list_and_webhook_update_match_the_contract() {
    use whatsapp_connector::twilio::SenderWebhook;

    let twilio = account_provider("PRISM_TWILIO_URL", "PRISM_TWILIO_MESSAGING_URL");
    // The spec's example list is empty, on one page.
    let senders = twilio
        .whatsapp_senders()
        .await
        .unwrap_or_else(|e| panic!("Prism refused the senders list: {e}"));
    assert!(senders.is_empty(), "{senders:?}");
    let updated = twilio
        .update_sender_webhook(
            "XEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            &SenderWebhook::incoming("https://api.mammut.io/channels/whatsapp/"),
        )
        .await
        .unwrap_or_else(|e| panic!("Prism refused the webhook update: {e}"));
    assert_eq!(updated.sid, "XEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    assert!(updated.sender_id.starts_with("whatsapp:+"), "{updated:?}");
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Messaging v2 OpenAPI at PRISM_TWILIO_MESSAGING_URL"]
async fn a_webhook_update_that_breaks_the_contract_is_refused() {
    // The check above means something only if Prism refuses a wrong body: a sender
    // SID that is not XE… never leaves the crate, so send a bad method instead.
    let twilio = account_provider("PRISM_TWILIO_URL", "PRISM_TWILIO_MESSAGING_URL");
    let mut bad = whatsapp_connector::twilio::SenderWebhook::incoming("https://example.com/");
    bad.callback_method = Some("GET".into());
    let e = twilio
        .update_sender_webhook("XEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &bad)
        .await
        .unwrap_err();
    assert_eq!(e.api().map(|a| a.status), Some(422), "{e:?}");
}

/// `mammut::connect`'s read-only steps against both Prism servers: the credentials pass,
/// and the spec's example list of senders is empty, so the number is no sender and nothing
/// is sent to Mammut (whose address here is a closed port).
#[cfg(feature = "mammut")]
#[tokio::test]
#[ignore = "needs Prism at PRISM_TWILIO_URL and PRISM_TWILIO_MESSAGING_URL"]
async fn connect_checks_credentials_and_senders_against_the_contract() {
    use whatsapp_connector::mammut::{
        BotConfig, ConnectFailure, ConnectOptions, MammutClient, Outcome, Step, connect,
    };

    let url = |var: &str| std::env::var(var).unwrap_or_else(|_| panic!("{var} is not set"));
    let config = BotConfig::new(
        EXAMPLE_ACCOUNT,
        "0123456789abcdef0123456789abcdef",
        "whatsapp:+14155550123",
    )
    .unwrap();
    let mammut = MammutClient::builder()
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let options = ConnectOptions::new(mammut)
        .twilio_base_url(url("PRISM_TWILIO_URL"))
        .twilio_messaging_base_url(url("PRISM_TWILIO_MESSAGING_URL"))
        .twilio_retry_policy(RetryPolicy::never())
        .apply(true);
    let e = connect(&config, &options).await.unwrap_err();
    assert_eq!(e.step, Step::Sender, "{e}");
    assert!(
        matches!(e.failure, ConnectFailure::NotASender { .. }),
        "{e}"
    );
    assert_eq!(e.report.steps[0].outcome, Outcome::Ok, "{e}");
    assert!(e.to_string().ends_with("nothing was changed"), "{e}");
}
