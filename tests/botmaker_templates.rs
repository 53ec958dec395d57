//! Botmaker WhatsApp templates against the fake Botmaker: list (every page, filters), read,
//! create (checked before any request), delete, and what the fake received.

use std::time::Duration;

use serde_json::json;
use whatsapp_connector::botmaker::{
    ApiVersion, BotmakerProvider, NewTemplate, TemplateButton, TemplateCategory, TemplateHeader,
    TemplateQuery, TemplateState,
};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse};
use whatsapp_connector::{ApiErrorKind, Error, ValidationError};

const TOKEN: &str = "bm-invented-access-token";

fn provider(fake: &FakeBotmaker) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(TOKEN)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(10),
            max_elapsed: Duration::from_secs(5),
        })
        .build()
        .unwrap()
}

fn stored(name: &str, state: &str, queues: &[&str]) -> serde_json::Value {
    json!({"name": name, "state": state, "category": "UTILITY", "locale": "es_AR",
           "body": {"text": "Hola {{1}}, tu pedido {{2}} está listo."},
           "phoneLinesNumbers": ["5491155550100"], "allowedQueues": queues})
}

fn invalid_field(e: Error) -> &'static str {
    match e {
        Error::Invalid(
            ValidationError::Invalid { field, .. }
            | ValidationError::Empty { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::TooMany { field, .. },
        ) => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

#[tokio::test]
async fn list_reads_every_page_and_filters() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    for (i, state) in [
        "APPROVED",
        "REJECTED",
        "APPROVED",
        "BOTMAKER_PENDING",
        "APPROVED",
    ]
    .iter()
    .enumerate()
    {
        let queues: &[&str] = if i == 2 { &["ventas"] } else { &[] };
        fake.add_template(stored(&format!("plantilla_{i}"), state, queues));
    }
    let p = provider(&fake);

    let all = p.whatsapp_templates(&TemplateQuery::all()).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(all[3].state, Some(TemplateState::BotmakerPending));
    assert_eq!(all[0].variables(), ["1", "2"]);
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.requests()[0].path, "/v2.0/whatsapp/templates");
    assert_eq!(fake.requests()[0].header("access-token"), Some(TOKEN));

    fake.page_templates(Some(2));
    let paged = p.whatsapp_templates(&TemplateQuery::all()).await.unwrap();
    let names: Vec<_> = paged.iter().filter_map(|t| t.name.as_deref()).collect();
    assert_eq!(
        names,
        [
            "plantilla_0",
            "plantilla_1",
            "plantilla_2",
            "plantilla_3",
            "plantilla_4"
        ]
    );
    assert_eq!(fake.requests().len(), 1 + 3, "three pages of two");

    let approved = p
        .whatsapp_templates(&TemplateQuery::all().with_state(TemplateState::Approved))
        .await
        .unwrap();
    assert_eq!(approved.len(), 3);
    assert!(fake.requests()[4].path.ends_with("?state=APPROVED"));
    let in_queue = p
        .whatsapp_templates(&TemplateQuery::all().with_queue("ventas"))
        .await
        .unwrap();
    assert_eq!(in_queue.len(), 1);
    assert_eq!(in_queue[0].allowed_queues, ["ventas"]);

    let before = fake.requests().len();
    let e = p
        .whatsapp_templates(&TemplateQuery::all().with_state(TemplateState::AccountPending))
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), "state");
    assert_eq!(fake.requests().len(), before, "no request for a bad filter");
}

#[tokio::test]
async fn create_read_and_delete() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let new = NewTemplate::new("turno_confirmado", "Hola {{1}}, tu turno es el {{2}}.")
        .with_category(TemplateCategory::Utility)
        .with_locale("es_AR")
        .with_phone_line_number("5491155550100")
        .with_header(TemplateHeader::text("Turno {{1}}"))
        .with_footer("Clínica Ejemplo")
        .with_button(TemplateButton::quick_reply("Confirmar").with_intent("confirmar_turno"))
        .with_button(TemplateButton::quick_reply("Cancelar").with_webhook_payload("cancelar"));
    let created = p.create_whatsapp_template(&new).await.unwrap();
    assert_eq!(created.name.as_deref(), Some("turno_confirmado"));
    assert_eq!(created.state, Some(TemplateState::BotmakerPending));
    assert_eq!(created.phone_lines_numbers, ["5491155550100"]);
    assert_eq!(created.buttons.len(), 2);

    let sent = fake.requests()[0].json().unwrap();
    assert_eq!(
        sent,
        json!({"name": "turno_confirmado", "phoneLineNumber": "5491155550100",
               "category": "UTILITY", "locale": "es_AR",
               "header": {"format": "TEXT", "text": "Turno {{1}}"},
               "body": {"text": "Hola {{1}}, tu turno es el {{2}}."},
               "footer": {"text": "Clínica Ejemplo"},
               "buttons": [
                   {"type": "QUICK_REPLY", "text": "Confirmar", "intentIdOrName": "confirmar_turno"},
                   {"type": "QUICK_REPLY", "text": "Cancelar", "webhookPayload": "cancelar"}]})
    );

    let read = p
        .whatsapp_template("turno_confirmado")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        read.body.as_deref(),
        Some("Hola {{1}}, tu turno es el {{2}}.")
    );
    assert_eq!(read.footer.as_deref(), Some("Clínica Ejemplo"));
    assert!(p.whatsapp_template("no_existe").await.unwrap().is_none());

    // A name taken: Botmaker's 400, with its reason.
    let e = p.create_whatsapp_template(&new).await.unwrap_err();
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::BadRequest);
    assert!(e.to_string().contains("exists"), "{e}");

    p.delete_whatsapp_template("turno_confirmado")
        .await
        .unwrap();
    assert!(fake.templates().is_empty());
    let gone = p
        .delete_whatsapp_template("turno_confirmado")
        .await
        .unwrap_err();
    assert_eq!(gone.api().unwrap().kind, ApiErrorKind::NotFound);
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.method, "DELETE");
    assert_eq!(last.path, "/v2.0/whatsapp/templates/turno_confirmado");
}

#[tokio::test]
async fn bad_templates_never_reach_botmaker() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    let p = provider(&fake);
    let gap = NewTemplate::new("aviso", "Hola {{1}}, vence el {{3}}");
    let e = p.create_whatsapp_template(&gap).await.unwrap_err();
    assert!(e.to_string().contains("{{2}} is missing"), "{e}");
    assert_eq!(invalid_field(e), "body.text");

    let parsed = "PROMOTIONAL".parse::<TemplateCategory>();
    assert!(matches!(
        parsed,
        Err(ValidationError::Invalid {
            field: "category",
            ..
        })
    ));
    let unknown = NewTemplate::new("aviso_2", "Hola")
        .with_category(TemplateCategory::from("PROMOTIONAL".to_owned()));
    assert_eq!(
        invalid_field(p.create_whatsapp_template(&unknown).await.unwrap_err()),
        "category"
    );
    let name = NewTemplate::new("Aviso Importante", "Hola");
    assert_eq!(
        invalid_field(p.create_whatsapp_template(&name).await.unwrap_err()),
        "name"
    );
    assert_eq!(
        invalid_field(p.whatsapp_template(" ").await.unwrap_err()),
        "idOrName"
    );
    assert!(fake.requests().is_empty(), "no request for a bad template");
}

#[tokio::test]
async fn rate_limits_are_waited_out_and_v1_is_refused() {
    let fake = FakeBotmaker::start(TOKEN).await.unwrap();
    fake.add_template(stored("pedido_listo", "APPROVED", &[]));
    fake.push_response(FakeResponse::Error {
        status: 429,
        body: String::new(),
        retry_after: Some(0),
    });
    let p = provider(&fake);
    let list = p.whatsapp_templates(&TemplateQuery::all()).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(fake.requests().len(), 2);

    // A create that times out may have created the template: reported, never repeated.
    let slow = BotmakerProvider::builder()
        .access_token(TOKEN)
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    fake.push_response(FakeResponse::Hang(Duration::from_secs(2)));
    let e = slow
        .create_whatsapp_template(&NewTemplate::new("lento", "Hola"))
        .await
        .unwrap_err();
    assert!(e.may_have_been_sent(), "{e:?}");
    assert_eq!(fake.requests().len(), 3);

    let v1 = BotmakerProvider::builder()
        .access_token(TOKEN)
        .api_version(ApiVersion::V1)
        .base_url(fake.v1_base_url())
        .build()
        .unwrap();
    let e = v1
        .whatsapp_templates(&TemplateQuery::all())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
}
