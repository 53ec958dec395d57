//! Contract tests: the requests this crate sends are valid for Botmaker's v2 OpenAPI.
//!
//! They need a Prism mock of Botmaker's OpenAPI, so they are ignored by default:
//!
//! ```text
//! prism mock -p 4011 openapi-v2.json &
//! PRISM_BOTMAKER_URL=http://127.0.0.1:4011 cargo test --test contract_botmaker -- --ignored
//! ```
//!
//! Prism answers 4xx when a request breaks the contract (a missing `access-token`, a body
//! that does not match the schema), so a 2xx receipt means the request was valid.

use whatsapp_connector::botmaker::{
    BotmakerProvider, ChatRef, MIME_TYPES, Message, MessageQuery, MessageRequest,
};
use whatsapp_connector::{
    ApiErrorKind, Content, DeliveryStatus, Interactive, InteractiveAction, ListRow, ListSection,
    Location, Media, OutboundMessage, PhoneNumber, ReplyButton, SendReceipt, Template, Timestamp,
    WhatsAppAddress, WhatsAppProvider,
};

fn provider() -> BotmakerProvider {
    let url = std::env::var("PRISM_BOTMAKER_URL").expect(
        "PRISM_BOTMAKER_URL must name a Prism mock of Botmaker's openapi-v2.json, \
         e.g. http://127.0.0.1:4011",
    );
    BotmakerProvider::builder()
        .access_token("contract-test-access-token")
        .channel_id("acme-whatsapp-5491155550100")
        .base_url(url)
        .build()
        .expect("a valid config")
}

fn to() -> PhoneNumber {
    PhoneNumber::parse("+5491155550123").unwrap()
}

fn accepted(receipt: &SendReceipt) {
    assert_eq!(receipt.status, DeliveryStatus::Accepted);
    assert!(receipt.raw.is_object(), "{:?}", receipt.raw);
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn text_is_accepted() {
    let msg = OutboundMessage::text(to(), "Hola *Ana*").with_reference("contract-1");
    let receipt = provider().send(&msg).await.expect("a 2xx answer");
    accepted(&receipt);
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn media_is_accepted() {
    let media = Media::new("https://cdn.example.com/docs/factura-0042.pdf")
        .with_mime_type("application/pdf")
        .with_caption("Tu factura");
    let msg = OutboundMessage::new(to(), Content::Media(media));
    let receipt = provider().send(&msg).await.expect("a 2xx answer");
    accepted(&receipt);
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn template_is_accepted() {
    let t = Template::named("recordatorio_turno")
        .with_variable("nombre", "Ana")
        .with_variable("fecha", "3 de marzo");
    let msg = OutboundMessage::new(to(), Content::Template(t)).with_reference("contract-3");
    let receipt = provider().send(&msg).await.expect("a 2xx answer");
    accepted(&receipt);
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn location_and_interactive_are_accepted() {
    let p = provider();
    let loc = Location::new(-34.6037, -58.3816).with_name("Consultorio");
    accepted(
        &p.send(&OutboundMessage::new(to(), Content::Location(loc)))
            .await
            .expect("a 2xx answer"),
    );
    let buttons = Interactive::buttons(
        "¿Confirmás?",
        vec![
            ReplyButton::new("confirmar", "Sí"),
            ReplyButton::new("cancelar", "No"),
        ],
    );
    accepted(
        &p.send(&OutboundMessage::new(to(), Content::Interactive(buttons)))
            .await
            .expect("a 2xx answer"),
    );
    let list = Interactive::list(
        "Elegí un horario",
        "Horarios",
        vec![
            ListSection::new(
                Some("Mañana".into()),
                vec![ListRow::new("h-09", "09:00").with_description("Dra. Gómez")],
            ),
            ListSection::new(Some("Tarde".into()), vec![ListRow::new("h-15", "15:00")]),
        ],
    );
    let mut url = Interactive::buttons("Mirá el menú", vec![]);
    url.action = InteractiveAction::Url {
        label: "Abrir".into(),
        url: "https://example.com/menu".into(),
    };
    let mut where_ = Interactive::buttons("¿Dónde estás?", vec![]);
    where_.action = InteractiveAction::RequestLocation;
    for i in [list, url, where_] {
        accepted(
            &p.send(&OutboundMessage::new(to(), Content::Interactive(i)))
                .await
                .expect("a 2xx answer"),
        );
    }
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn window_lookup_reads_the_chat() {
    // Prism answers with the schema's example or generated data: a time, or none.
    provider()
        .window_closes_at(&WhatsAppAddress::from(to()))
        .await
        .expect("a 2xx answer whose window time is absent or a valid time");
}

fn media_request(mime: &str) -> MessageRequest {
    let m = Message::media_url(mime, "https://cdn.example.com/f/file").with_filename("file");
    MessageRequest::new(ChatRef::contact(
        "acme-whatsapp-5491155550100",
        &to().into(),
    ))
    .message(m)
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn every_mime_type_this_crate_allows_is_in_the_contract() {
    let p = provider();
    for mime in MIME_TYPES {
        let receipt = p
            .send_request(&media_request(mime))
            .await
            .unwrap_or_else(|e| panic!("{mime} was refused: {e}"));
        accepted(&receipt);
    }
    // And the contract refuses one outside the list, as the crate does.
    let err = p
        .send_request(&media_request("image/gif"))
        .await
        .unwrap_err();
    let api = err.api().expect("an API error");
    assert_eq!(api.status, 400);
    assert_eq!(api.kind, ApiErrorKind::BadRequest);
}

fn inbound() -> whatsapp_connector::InboundMessage {
    let mut m = whatsapp_connector::InboundMessage::new(
        whatsapp_connector::ProviderKind::BOTMAKER,
        "51FH77RLXF1BZIEHOLMQ",
        whatsapp_connector::MessageContent::Text {
            body: "Hola".into(),
        },
    );
    m.from = Some(to().into());
    m
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn typing_and_read_marks_are_accepted() {
    let p = provider();
    p.typing(&inbound()).await.expect("a 2xx answer to typing");
    p.mark_read(&inbound())
        .await
        .expect("a 2xx answer to the read mark");
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn reactions_are_accepted_and_removed() {
    let p = provider();
    let to: WhatsAppAddress = to().into();
    for emoji in ["👍", "❤️", "🇦🇷"] {
        p.react("51FH77RLXF1BZIEHOLMQ", &to, Some(emoji))
            .await
            .unwrap_or_else(|e| panic!("{emoji}: {e}"));
    }
    p.react("51FH77RLXF1BZIEHOLMQ", &to, None)
        .await
        .expect("a 2xx answer to the removal");
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn chat_is_read_typed() {
    // Prism answers with the schema's example or generated data.
    let p = provider();
    let chat = p
        .chat(&WhatsAppAddress::from(to()))
        .await
        .expect("a 2xx answer that reads as a chat")
        .expect("Prism answers 200, not 404");
    assert!(chat.raw.is_object());
    let by_id = p
        .chat_by_reference(&ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"))
        .await
        .expect("a 2xx answer that reads as a chat");
    assert!(by_id.is_some());
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn message_history_queries_are_accepted() {
    let p = provider();
    let since = Timestamp::parse_rfc3339("2026-04-17T18:00:00Z").unwrap();
    let until = Timestamp::parse_rfc3339("2026-04-18T18:00:00Z").unwrap();
    let queries = [
        MessageQuery::chat(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C")),
        MessageQuery::chat(ChatRef::contact(
            "acme-whatsapp-5491155550100",
            &to().into(),
        ))
        .from(since)
        .to(until)
        .chat_platform("whatsapp")
        .limit(250),
        MessageQuery::all().long_term_search(true).limit(1500),
    ];
    for query in queries {
        let page = p
            .messages_page(&query)
            .await
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
        for m in &page.messages {
            assert!(m.raw.is_object());
        }
    }
    // A platform outside the contract's list is refused by the contract.
    let err = p
        .messages_page(&MessageQuery::all().chat_platform("carrier-pigeon"))
        .await
        .unwrap_err();
    let status = err.api().map(|a| a.status);
    assert!(status.is_some_and(|s| (400..500).contains(&s)), "{err:?}");
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn templates_are_listed_read_created_and_deleted() {
    use whatsapp_connector::botmaker::{
        HeaderFormat, NewTemplate, TemplateButton, TemplateCategory, TemplateHeader, TemplateQuery,
        TemplateState,
    };
    let p = provider();
    for query in [
        TemplateQuery::all(),
        TemplateQuery::all().with_state(TemplateState::Approved),
        TemplateQuery::all()
            .with_state(TemplateState::Rejected)
            .with_queue("ventas")
            .with_queue("soporte"),
    ] {
        let list = p
            .whatsapp_templates(&query)
            .await
            .unwrap_or_else(|e| panic!("{query:?}: {e}"));
        for t in &list {
            assert!(t.raw.is_object());
        }
    }
    let one = p
        .whatsapp_template("pedido_listo")
        .await
        .expect("a 2xx answer that reads as a template");
    assert!(one.is_some_and(|t| t.raw.is_object()));

    let texts = NewTemplate::new("turno_confirmado", "Hola {{1}}, tu turno es el {{2}}.")
        .with_category(TemplateCategory::Utility)
        .with_locale("es_AR")
        .with_phone_line_number("5491155550100")
        .with_bot_name("Recepción")
        .with_opt_in_image("https://cdn.example.com/opt-in.png")
        .with_header(TemplateHeader::text("Turno {{1}}"))
        .with_footer("Clínica Ejemplo")
        .with_button(TemplateButton::quick_reply("Confirmar").with_intent("confirmar_turno"))
        .with_button(TemplateButton::quick_reply("Cancelar").with_webhook_payload("cancelar"));
    let links = NewTemplate::new("factura_lista", "Tu factura {{numero}} está lista.")
        .with_category(TemplateCategory::Utility)
        .with_header(TemplateHeader::media(
            HeaderFormat::Document,
            "https://cdn.example.com/factura-ejemplo.pdf",
        ))
        .with_button(TemplateButton::url(
            "Ver",
            "https://example.com/f/{facturaId}",
        ))
        .with_button(TemplateButton::phone_number("Llamar", "+5491155550100"));
    for t in [texts, links] {
        let created = p
            .create_whatsapp_template(&t)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", t.name()));
        assert!(created.raw.is_object());
    }
    p.delete_whatsapp_template("turno_confirmado")
        .await
        .expect("a 2xx answer to the delete");
}

#[tokio::test]
#[ignore = "needs Prism: set PRISM_BOTMAKER_URL"]
async fn bulk_sends_are_accepted_chat_by_chat() {
    use whatsapp_connector::botmaker::{MAX_BATCH_ITEMS, TriggerIntentRequest};
    let requests: Vec<_> = (0..MAX_BATCH_ITEMS + 3)
        .map(|i| {
            let chat = if i % 2 == 0 {
                ChatRef::contact("acme-whatsapp-5491155550100", &to().into())
            } else {
                ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C")
            };
            TriggerIntentRequest::new(chat, "pedido_listo")
                .with_variable("pedido", format!("A-{i}"))
                .with_tag("notificado", true)
                .with_webhook_payload(format!("envio-{i}"))
                .then_intent("menu")
        })
        .collect();
    let report = provider()
        .trigger_intent_bulk(&requests)
        .await
        .expect("valid requests");
    assert_eq!(report.requests, 2);
    assert_eq!(report.results.len(), requests.len());
    for r in &report.results {
        // Prism answers each batch with generated items, which may not be one a chat: then
        // the chats may have been sent. Never a refusal of the request itself.
        if let whatsapp_connector::botmaker::ChatOutcome::Failed(e) = &r.outcome {
            assert!(e.api().is_none(), "the contract refused a batch: {e}");
        }
    }
    // A batch of one chat: Prism's one generated item is that chat's.
    let one = provider()
        .trigger_intent_bulk(&requests[..1])
        .await
        .expect("a valid request");
    assert!(one.results[0].outcome.is_accepted(), "{:?}", one.results[0]);
}
