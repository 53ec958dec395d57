//! Contract test: Twilio's Content API through [`TwilioProvider::content`], against a Prism
//! mock of Twilio's published OpenAPI (`../shared/twilio/twilio_content_v1.json`). Prism
//! answers 422 to a request that breaks the contract (a body of the wrong shape, an unknown
//! field, a SID of the wrong form), so each success proves the request's shape, and each
//! answer is read with the crate's own types.
//!
//! Run by `.ci/run` with Prism serving the spec and `PRISM_TWILIO_CONTENT_URL` set to its
//! address: `PRISM_TWILIO_CONTENT_URL=http://127.0.0.1:4013 cargo test --test
//! contract_twilio_content -- --ignored`. The interactive send also needs `PRISM_TWILIO_URL`
//! (the 2010 API's Prism, for the Messages API).

use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::content::{
    Action, ApprovalStatus, CallToAction, Card, ListItem, ListPicker, MediaContent, NewContent,
    QuickReply, TemplateCategory, Text,
};
use whatsapp_connector::{
    Content, Interactive, ListRow, ListSection, OutboundMessage, PhoneNumber, ReplyButton,
    WhatsAppProvider,
};

const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "0123456789abcdef0123456789abcdef";

fn content_url() -> String {
    std::env::var("PRISM_TWILIO_CONTENT_URL").expect(
        "PRISM_TWILIO_CONTENT_URL must point at `prism mock` serving ../shared/twilio/twilio_content_v1.json",
    )
}

fn provider() -> TwilioProvider {
    TwilioProvider::builder(ACCOUNT)
        .auth_token(TOKEN)
        .content_base_url(content_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("a valid configuration")
}

/// One content of each kind WhatsApp uses, with variables where the kind takes them.
fn every_kind() -> Vec<(&'static str, NewContent)> {
    vec![
        (
            "text",
            NewContent::new(
                "es",
                Text::new("Hola {{1}}, tu pedido {{2}} está en camino. Gracias."),
            )
            .with_friendly_name("pedido_en_camino")
            .with_variable("1", "Ana")
            .with_variable("2", "A-1042"),
        ),
        (
            "media",
            NewContent::new(
                "es",
                MediaContent::new("https://example.com/recibos/{{1}}")
                    .with_body("Tu recibo, listo."),
            )
            .with_variable("1", "recibo-1042.pdf"),
        ),
        (
            "quick reply",
            NewContent::new(
                "es",
                QuickReply::new(
                    "Hola {{1}}, ¿confirmás tu turno?",
                    vec![
                        Action::quick_reply("Sí", "yes"),
                        Action::quick_reply("No", "no"),
                    ],
                ),
            )
            .with_variable("1", "Ana"),
        ),
        (
            "list picker",
            NewContent::new(
                "es",
                ListPicker::new(
                    "Elegí un horario",
                    "Horarios",
                    vec![
                        ListItem::new("m9", "9:00").with_description("Dr. Pérez"),
                        ListItem::new("t3", "15:00"),
                    ],
                ),
            ),
        ),
        (
            "call to action",
            NewContent::new(
                "es",
                CallToAction::new(
                    "Seguí tu pedido o llamanos.",
                    vec![
                        Action::url("Seguir", "https://example.com/pedidos/{{1}}"),
                        Action::phone_number("Llamar", "+14155550100"),
                    ],
                ),
            )
            .with_variable("1", "A-1042"),
        ),
        (
            "card",
            NewContent::new(
                "es",
                Card::new("Tu turno del martes")
                    .with_subtitle("Clínica Norte")
                    .with_media("https://example.com/mapa.png")
                    .with_action(Action::quick_reply("Confirmar", "confirm")),
            ),
        ),
    ]
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Content OpenAPI at PRISM_TWILIO_CONTENT_URL"]
async fn every_kind_is_created_as_the_contract_says() {
    let api = provider();
    for (what, content) in every_kind() {
        let created = api
            .content()
            .create(&content)
            .await
            .unwrap_or_else(|e| panic!("{what}: Prism refused the create: {e}"));
        assert!(
            created.sid.starts_with("HX") && created.sid.len() == 34,
            "{what}: {created:?}"
        );
    }
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Content OpenAPI at PRISM_TWILIO_CONTENT_URL"]
async fn list_fetch_delete_and_approvals_match_the_contract() {
    let twilio = provider();
    let api = twilio.content();
    let listed = api.list().await.expect("Prism answers the list");
    let _ = listed; // Prism's first example is an empty page without a next page.
    let sid = "HX0123456789abcdef0123456789abcdef";
    let fetched = api.fetch(sid).await.expect("Prism answers the fetch");
    assert!(fetched.sid.starts_with("HX"));
    api.delete(sid).await.expect("Prism answers the delete");
    let submitted = api
        .submit_for_whatsapp(sid, "pedido_en_camino", TemplateCategory::Utility)
        .await
        .expect("Prism takes the approval request");
    assert_ne!(submitted.status, ApprovalStatus::Other(String::new()));
    let approval = api
        .approval(sid)
        .await
        .expect("Prism answers the approval fetch");
    let whatsapp = approval.whatsapp.expect("a WhatsApp approval");
    assert!(
        matches!(whatsapp.status, ApprovalStatus::Approved),
        "{whatsapp:?}"
    );
}

#[tokio::test]
#[ignore = "needs Prism serving Twilio's Content OpenAPI and the 2010 API (PRISM_TWILIO_CONTENT_URL, PRISM_TWILIO_URL)"]
async fn interactive_messages_create_content_and_send_it_as_the_contracts_say() {
    let messages = std::env::var("PRISM_TWILIO_URL")
        .expect("PRISM_TWILIO_URL must point at `prism mock` serving twilio_api_v2010.json");
    let twilio = TwilioProvider::builder(ACCOUNT)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(messages)
        .content_base_url(content_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let to = PhoneNumber::parse("+14155550100").unwrap();
    let buttons = Interactive::buttons(
        "¿Confirmás el turno?",
        vec![ReplyButton::new("yes", "Sí"), ReplyButton::new("no", "No")],
    );
    let list = Interactive::list(
        "Elegí un horario",
        "Horarios",
        vec![ListSection::new(None, vec![ListRow::new("m9", "9:00")])],
    );
    for i in [buttons, list] {
        let receipt = twilio
            .send(&OutboundMessage::new(to.clone(), Content::Interactive(i)))
            .await
            .unwrap_or_else(|e| panic!("Prism refused the interactive send: {e}"));
        assert!(receipt.message_id.starts_with("SM") || receipt.message_id.starts_with("MM"));
    }
}
