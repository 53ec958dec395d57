//! Twilio's Content API against the fake Twilio: validation before any call, create, list
//! across pages, fetch, delete, approvals; and interactive messages sent as Content
//! resources, created once and reused.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeResponse, FakeTwilio};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::content::{
    Action, ApprovalStatus, CallToAction, Card, ContentCache, ContentCacheError, ListItem,
    ListPicker, MemoryContentCache, NewContent, QuickReply, TemplateCategory, Text, content_key,
    interactive_content,
};
use whatsapp_connector::{
    ApiErrorKind, Content, Error, Interactive, ListRow, ListSection, OutboundMessage, PhoneNumber,
    ReplyButton, ValidationError, WhatsAppProvider, async_trait,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";

async fn setup() -> (FakeTwilio, TwilioProvider) {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let twilio = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    (fake, twilio)
}

fn user() -> PhoneNumber {
    PhoneNumber::parse("+14155550100").unwrap()
}

fn field_of(e: &Error) -> &'static str {
    match e {
        Error::Invalid(
            ValidationError::Empty { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::TooMany { field, .. }
            | ValidationError::NotHttpUrl { field, .. }
            | ValidationError::Invalid { field, .. },
        ) => field,
        other => panic!("not a validation error: {other:?}"),
    }
}

fn buttons(n: usize) -> Vec<Action> {
    (0..n)
        .map(|i| Action::quick_reply(format!("Opción {i}"), format!("opt_{i}")))
        .collect()
}

#[tokio::test]
async fn bad_content_is_refused_naming_the_field_before_any_call() {
    let (fake, twilio) = setup().await;
    let api = twilio.content();

    // {{1}} and {{3}} without {{2}}.
    let gap = NewContent::new(
        "es",
        Text::new("Hola {{1}}, tu puerta es la {{3}}. Gracias."),
    )
    .with_variable("1", "Ana")
    .with_variable("3", "B12");
    let e = api.create(&gap).await.unwrap_err();
    assert_eq!(field_of(&e), "variables");
    assert!(e.to_string().contains("{{2}}"), "{e}");

    // A placeholder without its sample, and a sample without its placeholder.
    let unsampled = NewContent::new("es", Text::new("Hola {{1}}, ¿cómo estás?"));
    assert_eq!(
        field_of(&api.create(&unsampled).await.unwrap_err()),
        "variables"
    );
    let stray = NewContent::new("es", Text::new("Hola")).with_variable("1", "Ana");
    assert_eq!(
        field_of(&api.create(&stray).await.unwrap_err()),
        "variables"
    );

    // Eleven quick-reply buttons.
    let many = NewContent::new("es", QuickReply::new("Elegí", buttons(11)));
    match api.create(&many).await.unwrap_err() {
        Error::Invalid(ValidationError::TooMany { field, count, max }) => {
            assert_eq!((field, count, max), ("twilio/quick-reply actions", 11, 10));
        }
        other => panic!("{other:?}"),
    }

    // A list with more items than allowed.
    let items = (0..11)
        .map(|i| ListItem::new(format!("r{i}"), format!("Fila {i}")))
        .collect();
    let long_list = NewContent::new("es", ListPicker::new("Elegí", "Ver", items));
    match api.create(&long_list).await.unwrap_err() {
        Error::Invalid(ValidationError::TooMany { field, count, max }) => {
            assert_eq!((field, count, max), ("twilio/list-picker items", 11, 10));
        }
        other => panic!("{other:?}"),
    }

    // An item title over 24 characters; a call to action with three URL buttons; a card
    // with a title only; an empty kind list.
    let long_item = NewContent::new(
        "es",
        ListPicker::new("Elegí", "Ver", vec![ListItem::new("r", "x".repeat(25))]),
    );
    assert_eq!(
        field_of(&api.create(&long_item).await.unwrap_err()),
        "twilio/list-picker item"
    );
    let urls = (0..3)
        .map(|i| Action::url("Abrir", format!("https://example.com/{i}")))
        .collect();
    let cta = NewContent::new("es", CallToAction::new("Mirá", urls));
    assert_eq!(
        field_of(&api.create(&cta).await.unwrap_err()),
        "URL buttons"
    );
    let bare = NewContent::new("es", Card::new("Solo un título"));
    assert_eq!(
        field_of(&api.create(&bare).await.unwrap_err()),
        "twilio/card"
    );

    // An unknown kind, read from JSON.
    let e = NewContent::from_json(
        r#"{"language": "es", "types": {"twilio/carrousel": {"body": "hola"}}}"#,
    )
    .unwrap_err();
    assert!(
        matches!(&e, ValidationError::Invalid { field: "types", reason } if reason.contains("twilio/carrousel")),
        "{e}"
    );

    // Submissions with a bad name or SID.
    let e = api
        .submit_for_whatsapp(
            "HX0123456789abcdef0123456789abcdef",
            "Con Espacios",
            TemplateCategory::Utility,
        )
        .await
        .unwrap_err();
    assert_eq!(field_of(&e), "name");
    assert_eq!(
        field_of(&api.fetch("HX12").await.unwrap_err()),
        "content sid"
    );

    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test]
async fn create_list_fetch_submit_and_delete() {
    let (fake, twilio) = setup().await;
    let api = twilio.content();
    let mut sids = Vec::new();
    for i in 0..5 {
        let content = NewContent::new(
            "es",
            QuickReply::new(format!("Hola {{{{1}}}}, ¿venís el turno {i}?"), buttons(2)),
        )
        .with_friendly_name(format!("turno_{i}"))
        .with_variable("1", "Ana");
        let created = api.create(&content).await.unwrap();
        assert!(
            created.sid.starts_with("HX") && created.sid.len() == 34,
            "{created:?}"
        );
        assert_eq!(created.kinds(), ["twilio/quick-reply"]);
        sids.push(created.sid);
    }
    // What went out is the Content API's JSON.
    let create = &fake.requests()[0];
    assert_eq!(create.path, "/v1/Content");
    let body = create.json().unwrap();
    assert_eq!(body["language"], "es");
    assert_eq!(body["variables"]["1"], "Ana");
    assert_eq!(
        body["types"]["twilio/quick-reply"]["actions"][0]["type"],
        "QUICK_REPLY"
    );
    assert_eq!(
        body["types"]["twilio/quick-reply"]["actions"][1]["id"],
        "opt_1"
    );

    // Two at a time: three pages, all five, in order.
    let before = fake.requests().len();
    let listed = api.list_with_page_size(2).await.unwrap();
    let listed_sids: Vec<_> = listed.iter().map(|c| c.sid.clone()).collect();
    assert_eq!(listed_sids, sids);
    let pages: Vec<_> = fake.requests()[before..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("Page=2"), "{pages:?}");
    assert_eq!(api.list().await.unwrap().len(), 5);

    let fetched = api.fetch(&sids[1]).await.unwrap();
    assert_eq!(fetched.friendly_name.as_deref(), Some("turno_1"));

    // Approval: not submitted, then received, then approved.
    let a = api.approval(&sids[0]).await.unwrap();
    assert_eq!(a.whatsapp.unwrap().status, ApprovalStatus::Unsubmitted);
    let submitted = api
        .submit_for_whatsapp(&sids[0], "turno_confirmacion", TemplateCategory::Utility)
        .await
        .unwrap();
    assert_eq!(submitted.status, ApprovalStatus::Received);
    assert_eq!(submitted.category.as_deref(), Some("UTILITY"));
    assert!(fake.set_approval_status(&sids[0], "approved"));
    let a = api.approval(&sids[0]).await.unwrap().whatsapp.unwrap();
    assert_eq!(a.status, ApprovalStatus::Approved);
    assert_eq!(a.name.as_deref(), Some("turno_confirmacion"));

    api.delete(&sids[4]).await.unwrap();
    let e = api.fetch(&sids[4]).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::NotFound));
    assert_eq!(api.list().await.unwrap().len(), 4);
}

#[tokio::test]
async fn api_errors_are_classified_as_for_sends() {
    let (fake, twilio) = setup().await;
    fake.push_response(FakeResponse::rate_limited(Some(1)));
    let e = twilio.content().list().await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::RateLimited));
    assert!(e.is_retryable());

    let wrong = TwilioProvider::builder(SID)
        .auth_token("ffffffffffffffffffffffffffffffff")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let e = wrong.content().list().await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::Unauthorized));
    assert!(!e.to_string().contains("ffffffff"));

    // A success answer that is not the list JSON.
    fake.push_response(FakeResponse::Garbage);
    assert!(matches!(
        twilio.content().list().await.unwrap_err(),
        Error::Parse(_)
    ));
}

fn menu() -> Interactive {
    Interactive::buttons(
        "¿Confirmás el turno?",
        vec![ReplyButton::new("yes", "Sí"), ReplyButton::new("no", "No")],
    )
    .with_header("Clínica Norte")
}

#[tokio::test]
async fn an_interactive_message_is_one_content_create_then_content_sid_sends() {
    let (fake, twilio) = setup().await;
    let msg = OutboundMessage::new(user(), Content::Interactive(menu()));
    let first = twilio.send(&msg).await.unwrap();
    assert!(first.message_id.starts_with("SM"));
    assert_eq!(fake.content_creates(), 1);
    let created = fake.contents();
    let sid = created[0]["sid"].as_str().unwrap().to_owned();
    let qr = &created[0]["types"]["twilio/quick-reply"];
    assert_eq!(qr["body"], "Clínica Norte\n\n¿Confirmás el turno?");
    assert_eq!(qr["actions"][0]["title"], "Sí");
    assert_eq!(qr["actions"][0]["id"], "yes");

    let second = twilio.send(&msg).await.unwrap();
    assert_ne!(first.message_id, second.message_id);
    assert_eq!(fake.content_creates(), 1, "the second send created nothing");
    let sends = fake.content_sends();
    assert_eq!(sends.len(), 2);
    for s in &sends {
        assert_eq!(s.content_sid, sid);
        assert_eq!(s.to, "whatsapp:+14155550100");
        assert_eq!(s.content_variables, None);
    }
    // A send by ContentSid carries no Body.
    let last = fake.requests().pop().unwrap();
    assert_eq!(last.form_value("Body"), None);

    // A list is a list picker, its sections flattened.
    let list = Interactive::list(
        "Elegí un horario",
        "Horarios",
        vec![
            ListSection::new(
                Some("Mañana".into()),
                vec![ListRow::new("m9", "9:00").with_description("Dr. Pérez")],
            ),
            ListSection::new(Some("Tarde".into()), vec![ListRow::new("t3", "15:00")]),
        ],
    );
    twilio
        .send(&OutboundMessage::new(user(), Content::Interactive(list)))
        .await
        .unwrap();
    assert_eq!(fake.content_creates(), 2);
    let lp = &fake.contents()[1]["types"]["twilio/list-picker"];
    assert_eq!(lp["button"], "Horarios");
    assert_eq!(lp["items"][0]["description"], "Dr. Pérez");
    assert_eq!(lp["items"][1]["item"], "15:00");
    assert_eq!(fake.content_sends().len(), 3);
}

#[tokio::test]
async fn concurrent_sends_of_new_content_create_it_once() {
    let (fake, twilio) = setup().await;
    let msg = OutboundMessage::new(user(), Content::Interactive(menu()));
    let sends = (0..8).map(|_| {
        let twilio = twilio.clone();
        let msg = msg.clone();
        tokio::spawn(async move { twilio.send(&msg).await })
    });
    for s in futures_join(sends).await {
        s.unwrap();
    }
    assert_eq!(fake.content_creates(), 1);
    assert_eq!(fake.content_sends().len(), 8);
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

/// A cache of one's own, counting the calls, and failing on demand.
#[derive(Debug, Default)]
struct CountingCache {
    inner: MemoryContentCache,
    gets: AtomicUsize,
    puts: AtomicUsize,
    fail: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl ContentCache for CountingCache {
    async fn get(&self, key: &str) -> Result<Option<String>, ContentCacheError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        if self.fail.load(Ordering::SeqCst) {
            return Err(ContentCacheError::new("the shared store did not answer"));
        }
        self.inner.get(key).await
    }

    async fn put(&self, key: &str, sid: &str) -> Result<(), ContentCacheError> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.inner.put(key, sid).await
    }
}

#[tokio::test]
async fn the_cache_is_pluggable_and_shared_between_providers() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let cache = Arc::new(CountingCache::default());
    let build = || {
        TwilioProvider::builder(SID)
            .auth_token(TOKEN)
            .from("whatsapp:+14155238886")
            .base_url(fake.base_url())
            .content_cache(cache.clone())
            .build()
            .unwrap()
    };
    let (a, b) = (build(), build());
    let msg = OutboundMessage::new(user(), Content::Interactive(menu()));
    a.send(&msg).await.unwrap();
    b.send(&msg).await.unwrap();
    assert_eq!(
        fake.content_creates(),
        1,
        "the second provider found it in the shared cache"
    );
    assert_eq!(cache.puts.load(Ordering::SeqCst), 1);
    let key = content_key(&interactive_content(&menu()).unwrap());
    assert!(key.starts_with("twilio-content:v1:"));
    let stored = cache.inner.get(&key).await.unwrap();
    assert_eq!(stored.as_deref(), fake.contents()[0]["sid"].as_str());

    // A failing cache costs a duplicate resource, never the message.
    cache.fail.store(true, Ordering::SeqCst);
    a.send(&msg).await.unwrap();
    assert_eq!(fake.content_creates(), 2);
    assert_eq!(fake.content_sends().len(), 3);
}

#[tokio::test]
async fn interactive_messages_twilio_cannot_send_are_refused_before_any_call() {
    let (fake, twilio) = setup().await;
    let url = Interactive::url("Tu pedido", "Ver", "https://example.com/pedido/7");
    let e = twilio
        .send(&OutboundMessage::new(user(), Content::Interactive(url)))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e:?}");
    let four = Interactive::buttons(
        "Elegí",
        (0..4)
            .map(|i| ReplyButton::new(format!("b{i}"), format!("B{i}")))
            .collect(),
    );
    let e = twilio
        .send(&OutboundMessage::new(user(), Content::Interactive(four)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::Invalid(ValidationError::TooMany {
                field: "buttons",
                ..
            })
        ),
        "{e:?}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn a_failed_create_sends_nothing_and_is_not_cached() {
    let (fake, twilio) = setup().await;
    fake.push_response(FakeResponse::server_error());
    let msg = OutboundMessage::new(user(), Content::Interactive(menu()));
    let e = twilio.send(&msg).await.unwrap_err();
    assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::ServerError));
    assert!(fake.content_sends().is_empty());
    twilio.send(&msg).await.unwrap();
    assert_eq!(fake.content_creates(), 2);
    assert_eq!(fake.content_sends().len(), 1);
}

#[tokio::test]
async fn deleted_content_is_created_again_and_the_message_still_goes_out() {
    let (fake, twilio) = setup().await;
    let msg = OutboundMessage::new(user(), Content::Interactive(menu()));
    twilio.send(&msg).await.unwrap();
    let old = fake.contents()[0]["sid"].as_str().unwrap().to_owned();
    twilio.content().delete(&old).await.unwrap();

    let receipt = twilio.send(&msg).await.unwrap();
    assert!(receipt.message_id.starts_with("SM"));
    assert_eq!(fake.content_creates(), 2);
    let new = fake.contents()[0]["sid"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let sends: Vec<String> = fake
        .content_sends()
        .into_iter()
        .map(|s| s.content_sid)
        .collect();
    // The first send, the refused one with the deleted SID, and the one with the new SID.
    assert_eq!(sends, [old.clone(), old, new.clone()]);
    twilio.send(&msg).await.unwrap();
    assert_eq!(fake.content_creates(), 2, "the new SID is cached");
    assert_eq!(fake.content_sends().last().unwrap().content_sid, new);
}
