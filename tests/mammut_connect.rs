//! The Mammut client, the Twilio account and senders calls, and `mammut::connect`, against
//! the fakes.

use whatsapp_connector::mammut::{
    BotChange, BotConfig, ConnectFailure, ConnectOptions, MammutAuth, MammutClient, MammutError,
    Outcome, Step, WebhookChange, connect,
};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeMammut, FakeResponse, FakeTwilio, FakeTwilioRoute};
use whatsapp_connector::twilio::{SenderWebhook, TwilioProvider};
use whatsapp_connector::{ApiErrorKind, Error};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
const NUMBER: &str = "whatsapp:+14155550123";
const MAMMUT_URL: &str = "https://api.mammut.io/channels/whatsapp/";

fn config() -> BotConfig {
    BotConfig::new(SID, TOKEN, NUMBER)
        .unwrap()
        .with_name("Botwi")
}

fn mammut(fake: &FakeMammut) -> MammutClient {
    MammutClient::builder()
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

fn twilio(fake: &FakeTwilio, token: &str) -> TwilioProvider {
    TwilioProvider::builder(SID)
        .auth_token(token)
        .base_url(fake.base_url())
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
}

struct World {
    twilio: FakeTwilio,
    mammut: FakeMammut,
    sender: String,
}

async fn world() -> World {
    let twilio = FakeTwilio::start(SID, TOKEN).await.unwrap();
    twilio.add_whatsapp_sender("whatsapp:+14155550100");
    let sender = twilio.add_whatsapp_sender(NUMBER);
    World {
        twilio,
        mammut: FakeMammut::start().await.unwrap(),
        sender,
    }
}

impl World {
    fn options(&self) -> ConnectOptions {
        ConnectOptions::new(mammut(&self.mammut))
            .twilio_base_url(self.twilio.base_url())
            .twilio_retry_policy(RetryPolicy::never())
    }

    fn webhook_of_sender(&self) -> Option<String> {
        self.twilio
            .whatsapp_senders()
            .into_iter()
            .find(|s| s.sid == self.sender)
            .and_then(|s| s.callback_url().map(str::to_owned))
    }
}

#[tokio::test]
async fn the_client_creates_a_bot_and_reads_its_id() {
    let fake = FakeMammut::start().await.unwrap();
    let bot = mammut(&fake).create_bot(&config()).await.unwrap();
    assert_eq!(bot.id, 4136);
    assert!(bot.result.is_success());
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/app:mammut-1/graph/user");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
    assert_eq!(requests[0].json().unwrap(), config().to_create_body());
    let stored = fake.bot(4136).unwrap();
    assert_eq!(stored["main-whatsapp-phone-number"], NUMBER);
}

#[tokio::test]
async fn the_client_updates_a_bot() {
    let fake = FakeMammut::start().await.unwrap();
    let id = fake.add_bot(serde_json::Map::new());
    let result = mammut(&fake).update_bot(id, &config()).await.unwrap();
    assert!(result.unwrap().is_success());
    let path = &fake.requests()[0].path;
    assert!(
        path.starts_with(&format!("/app:mammut-1/graph/user:{id}?name=Botwi&")),
        "{path}"
    );
    let stored = fake.bot(id).unwrap();
    assert_eq!(stored["twilio-auth-token"], TOKEN);
    assert_eq!(stored["main-whatsapp-phone-number"], NUMBER);
    assert!(stored.get("main-phone-number").is_none());

    let e = mammut(&fake)
        .update_bot(id + 1, &config())
        .await
        .unwrap_err();
    let MammutError::TaskFailed(failed) = &e else {
        panic!("{e:?}")
    };
    assert_eq!(failed.status, "Failed");
    assert!(
        failed.reason.as_deref().unwrap().contains("no user vertex"),
        "{failed:?}"
    );
    assert!(!e.may_have_applied());
}

#[tokio::test]
async fn a_failed_task_result_is_an_error_with_mammuts_reason() {
    let fake = FakeMammut::start().await.unwrap();
    fake.push_task_failed("twilio-account-sid already belongs to bot 77");
    let e = mammut(&fake).create_bot(&config()).await.unwrap_err();
    assert!(matches!(e, MammutError::TaskFailed(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("twilio-account-sid already belongs to bot 77"),
        "{e}"
    );
    assert!(!e.may_have_applied());
    assert!(fake.bot_ids().is_empty());
}

#[tokio::test]
async fn a_mammut_5xx_may_have_applied_and_never_shows_the_token() {
    let fake = FakeMammut::start().await.unwrap();
    let id = fake.add_bot(serde_json::Map::new());
    fake.push_response(FakeResponse::server_error());
    let e = mammut(&fake).update_bot(id, &config()).await.unwrap_err();
    let MammutError::Http(Error::Api(api)) = &e else {
        panic!("{e:?}")
    };
    assert_eq!((api.status, api.kind), (500, ApiErrorKind::ServerError));
    assert!(e.may_have_applied());
    assert!(!format!("{e} {e:?}").contains(TOKEN));

    // An error answer that echoes the request does not pass the token on.
    fake.push_response(FakeResponse::Error {
        status: 400,
        body: format!(r#"{{"status": "Failed", "message": "bad twilio-auth-token={TOKEN}"}}"#),
        retry_after: None,
    });
    let e = mammut(&fake).update_bot(id, &config()).await.unwrap_err();
    let MammutError::Http(Error::Api(api)) = &e else {
        panic!("{e:?}")
    };
    assert!(
        e.to_string().contains("bad twilio-auth-token=[REDACTED]"),
        "{e}"
    );
    assert!(!api.body.contains(TOKEN) && !api.message.contains(TOKEN));
    assert!(!e.may_have_applied());

    fake.push_response(FakeResponse::Reset);
    let e = mammut(&fake).update_bot(id, &config()).await.unwrap_err();
    assert!(e.may_have_applied(), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(
        shown.contains(&format!("/app:mammut-1/graph/user:{id}")),
        "{shown}"
    );
}

#[tokio::test]
async fn mammut_auth_is_sent_as_configured() {
    let fake = FakeMammut::start_requiring("X-Mammut-Key", "k3y-of-the-deployment")
        .await
        .unwrap();
    let e = mammut(&fake).create_bot(&config()).await.unwrap_err();
    assert!(
        e.to_string().contains("HTTP 401"),
        "without the header: {e}"
    );
    let client = MammutClient::builder()
        .base_url(fake.base_url())
        .auth(MammutAuth::header("X-Mammut-Key", "k3y-of-the-deployment").unwrap())
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains("k3y"));
    client.create_bot(&config()).await.unwrap();

    let bearer = FakeMammut::start_requiring("authorization", "Bearer t0ken")
        .await
        .unwrap();
    let client = MammutClient::builder()
        .base_url(bearer.base_url())
        .auth(MammutAuth::bearer("t0ken"))
        .build()
        .unwrap();
    client.create_bot(&config()).await.unwrap();
    assert_eq!(
        bearer.requests()[0].header("authorization"),
        Some("Bearer t0ken")
    );
}

#[tokio::test]
async fn the_account_fetch_checks_the_credentials() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let account = twilio(&fake, TOKEN).fetch_account().await.unwrap();
    assert_eq!(account.sid, SID);
    assert!(account.is_active());
    let e = twilio(&fake, "ffffffffffffffffffffffffffffffff")
        .fetch_account()
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::Unauthorized, "{e:?}");
    assert_eq!(
        fake.requests()[0].path,
        format!("/2010-04-01/Accounts/{SID}.json")
    );
}

#[tokio::test]
async fn senders_are_listed_across_pages_and_their_webhook_updated() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let sids: Vec<String> = (0..5)
        .map(|i| fake.add_whatsapp_sender(&format!("+1415555010{i}")))
        .collect();
    fake.set_senders_page_size(2);
    let provider = twilio(&fake, TOKEN);
    let senders = provider.whatsapp_senders().await.unwrap();
    assert_eq!(
        senders.iter().map(|s| s.sid.clone()).collect::<Vec<_>>(),
        sids
    );
    let pages: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[0].contains("Channel=whatsapp"), "{pages:?}");
    let found = provider
        .whatsapp_sender("+14155550103")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.sid, sids[3]);

    let updated = provider
        .update_sender_webhook(&sids[3], &SenderWebhook::incoming(MAMMUT_URL))
        .await
        .unwrap();
    assert_eq!(updated.callback_url(), Some(MAMMUT_URL));
    let updates = fake.sender_webhook_updates();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].0, sids[3]);
    assert_eq!(
        updates[0].1,
        serde_json::json!({"callback_url": MAMMUT_URL, "callback_method": "POST"})
    );
    let e = provider
        .update_sender_webhook("XEnot-a-sid", &SenderWebhook::incoming(MAMMUT_URL))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e:?}");
    let e = provider
        .update_sender_webhook(
            "XEffffffffffffffffffffffffffffffff",
            &SenderWebhook::incoming(MAMMUT_URL),
        )
        .await
        .unwrap_err();
    assert_eq!(e.api().unwrap().kind, ApiErrorKind::NotFound);
}

#[tokio::test]
async fn a_dry_run_checks_and_changes_nothing() {
    let w = world().await;
    let report = connect(&config(), &w.options()).await.unwrap();
    let outcomes: Vec<(Step, Outcome)> = report.steps.iter().map(|s| (s.step, s.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (Step::Credentials, Outcome::Ok),
            (Step::Sender, Outcome::Ok),
            (Step::Bot, Outcome::WouldDo),
            (Step::Webhook, Outcome::WouldDo),
        ]
    );
    assert!(report.steps[1].detail.contains(&w.sender), "{report:?}");
    assert!(
        report.steps[2].detail.contains("would create the bot"),
        "{report:?}"
    );
    assert!(report.steps[3].detail.contains(MAMMUT_URL), "{report:?}");
    assert!(!report.changed_anything());
    assert_eq!(report.changes(), "nothing was changed");
    assert!(w.mammut.requests().is_empty());
    assert!(w.twilio.sender_webhook_updates().is_empty());
    assert!(
        w.twilio.requests().iter().all(|r| r.method == "GET"),
        "a dry run only reads"
    );

    let report = connect(&config().with_mammut_id(4136), &w.options())
        .await
        .unwrap();
    let bot = &report.steps[2];
    assert_eq!(bot.outcome, Outcome::WouldDo);
    assert!(
        bot.detail
            .starts_with("would update bot 4136: POST http://127.0.0.1:"),
        "{bot}"
    );
    assert!(
        bot.detail.ends_with("/app:mammut-1/graph/user:4136"),
        "no query, so no token: {bot}"
    );
    assert!(w.mammut.requests().is_empty());
}

#[tokio::test]
async fn apply_creates_the_bot_and_points_the_webhook_then_updates_it() {
    let w = world().await;
    let report = connect(&config(), &w.options().apply(true)).await.unwrap();
    assert_eq!(report.bot, BotChange::Created(4136));
    assert_eq!(report.webhook, WebhookChange::Updated);
    assert_eq!(report.steps[2].outcome, Outcome::Done);
    assert_eq!(report.steps[3].outcome, Outcome::Done);
    assert_eq!(w.webhook_of_sender().as_deref(), Some(MAMMUT_URL));
    assert_eq!(w.mammut.bot_ids(), [4136]);

    // Again with the id: the bot is updated, and the webhook already points at Mammut.
    let again = config().with_mammut_id(4136);
    let report = connect(&again, &w.options().apply(true)).await.unwrap();
    assert_eq!(report.bot, BotChange::Updated(4136));
    assert_eq!(report.webhook, WebhookChange::AlreadySet);
    assert_eq!(report.steps[3].outcome, Outcome::Unchanged);
    assert_eq!(w.twilio.sender_webhook_updates().len(), 1);
    assert_eq!(w.mammut.bot_ids(), [4136]);
}

#[tokio::test]
async fn a_custom_webhook_url_and_a_separate_messaging_origin() {
    let w = world().await;
    let options = w
        .options()
        .twilio_messaging_base_url(w.twilio.base_url())
        .webhook_url("https://mammut.example.com/channels/whatsapp/")
        .apply(true);
    connect(&config(), &options).await.unwrap();
    assert_eq!(
        w.webhook_of_sender().as_deref(),
        Some("https://mammut.example.com/channels/whatsapp/")
    );
}

#[tokio::test]
async fn wrong_credentials_fail_step_a_and_change_nothing() {
    let w = world().await;
    let wrong = BotConfig::new(SID, "ffffffffffffffffffffffffffffffff", NUMBER).unwrap();
    let e = connect(&wrong, &w.options().apply(true)).await.unwrap_err();
    assert_eq!(e.step, Step::Credentials);
    assert!(
        matches!(e.failure, ConnectFailure::TwilioCredentials(_)),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("wrong SID or token"), "{text}");
    assert!(text.ends_with("nothing was changed"), "{text}");
    assert!(!text.contains("ffffffff"), "{text}");
    let outcomes: Vec<Outcome> = e.report.steps.iter().map(|s| s.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Failed,
            Outcome::NotRun,
            Outcome::NotRun,
            Outcome::NotRun
        ]
    );
    assert!(w.mammut.requests().is_empty());
}

#[tokio::test]
async fn a_twilio_5xx_in_step_a_is_not_a_credentials_error() {
    let w = world().await;
    w.twilio
        .push_response_to(FakeTwilioRoute::Account, FakeResponse::server_error());
    let e = connect(&config(), &w.options().apply(true))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Credentials);
    assert!(matches!(e.failure, ConnectFailure::Twilio(_)), "{e:?}");
}

#[tokio::test]
async fn a_number_that_is_no_sender_fails_step_b() {
    let w = world().await;
    let other = BotConfig::new(SID, TOKEN, "+14155550999").unwrap();
    let e = connect(&other, &w.options().apply(true)).await.unwrap_err();
    assert_eq!(e.step, Step::Sender);
    let ConnectFailure::NotASender {
        number, senders, ..
    } = &e.failure
    else {
        panic!("{e:?}")
    };
    assert_eq!(number, "whatsapp:+14155550999");
    assert_eq!(senders.len(), 2);
    assert!(e.to_string().contains("is not a WhatsApp sender"), "{e}");
    assert!(e.to_string().ends_with("nothing was changed"), "{e}");
    assert!(w.mammut.requests().is_empty());

    w.twilio.push_response_to(
        FakeTwilioRoute::ListSenders,
        FakeResponse::unavailable(None),
    );
    let e = connect(&config(), &w.options().apply(true))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Sender);
    assert!(matches!(e.failure, ConnectFailure::Twilio(_)), "{e:?}");
}

#[tokio::test]
async fn mammut_failing_step_c_says_what_changed() {
    let w = world().await;
    w.mammut.push_task_failed("the number is taken");
    let e = connect(&config(), &w.options().apply(true))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Bot);
    assert!(matches!(
        e.failure,
        ConnectFailure::Mammut(MammutError::TaskFailed(_))
    ));
    let text = e.to_string();
    assert!(text.contains("the number is taken"), "{text}");
    assert!(text.ends_with("nothing was changed"), "{text}");
    assert_eq!(e.report.steps[3].outcome, Outcome::NotRun);
    assert!(w.twilio.sender_webhook_updates().is_empty());

    w.mammut.push_response(FakeResponse::server_error());
    let e = connect(&config(), &w.options().apply(true))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Bot);
    assert_eq!(e.report.bot, BotChange::MaybeCreated);
    let text = e.to_string();
    assert!(
        text.contains("a bot may have been created on Mammut"),
        "{text}"
    );
    assert!(text.contains("webhook not updated"), "{text}");
}

#[tokio::test]
async fn twilio_failing_step_d_says_the_bot_was_created() {
    let w = world().await;
    w.twilio.push_response_to(
        FakeTwilioRoute::UpdateSender,
        FakeResponse::Error {
            status: 400,
            body: r#"{"code": 20001, "message": "Invalid webhook", "status": 400}"#.into(),
            retry_after: None,
        },
    );
    let e = connect(&config(), &w.options().apply(true))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Webhook);
    assert_eq!(
        e.to_string().rsplit("; ").next().unwrap(),
        "bot 4136 created on Mammut, webhook not updated"
    );
    assert_eq!(e.report.bot_id(), Some(4136));
    assert_eq!(w.webhook_of_sender(), None);

    w.twilio
        .push_response_to(FakeTwilioRoute::UpdateSender, FakeResponse::server_error());
    let again = config().with_mammut_id(4136);
    let e = connect(&again, &w.options().apply(true)).await.unwrap_err();
    assert_eq!(e.step, Step::Webhook);
    assert_eq!(e.report.webhook, WebhookChange::Unconfirmed);
    assert!(
        e.to_string().ends_with(
            "bot 4136 updated on Mammut, webhook update unconfirmed (Twilio may have applied it)"
        ),
        "{e}"
    );
}

#[tokio::test]
async fn invalid_settings_fail_before_any_step() {
    let w = world().await;
    let e = connect(
        &config(),
        &w.options()
            .webhook_url("mammut.example.com/whatsapp")
            .apply(true),
    )
    .await
    .unwrap_err();
    assert_eq!(e.step, Step::Webhook);
    assert!(matches!(e.failure, ConnectFailure::Config(_)), "{e:?}");
    let outcomes: Vec<Outcome> = e.report.steps.iter().map(|s| s.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::NotRun,
            Outcome::NotRun,
            Outcome::NotRun,
            Outcome::Failed
        ]
    );
    assert!(e.to_string().contains("webhook_url"), "{e}");
    assert!(w.twilio.requests().is_empty() && w.mammut.requests().is_empty());

    let e = connect(&config(), &w.options().twilio_messaging_base_url("ftp://x"))
        .await
        .unwrap_err();
    assert_eq!(e.step, Step::Credentials);
    assert!(e.to_string().contains("messaging_base_url"), "{e}");
}

#[tokio::test]
async fn a_mammut_timeout_in_step_c_says_a_bot_may_exist() {
    let w = world().await;
    w.mammut
        .push_response(FakeResponse::Hang(std::time::Duration::from_secs(5)));
    let client = MammutClient::builder()
        .base_url(w.mammut.base_url())
        .timeout(std::time::Duration::from_millis(300))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let options = ConnectOptions::new(client)
        .twilio_base_url(w.twilio.base_url())
        .apply(true);
    let e = connect(&config(), &options).await.unwrap_err();
    assert_eq!(e.step, Step::Bot);
    let ConnectFailure::Mammut(m) = &e.failure else {
        panic!("{e:?}")
    };
    assert!(m.may_have_applied(), "{m:?}");
    assert!(
        matches!(m, MammutError::Http(err) if err.is_timeout()),
        "{m:?}"
    );
    assert_eq!(e.report.bot, BotChange::MaybeCreated);
    // It did: the fake wrote the bot before it hung.
    assert_eq!(w.mammut.bot_ids(), [4136]);
    assert!(
        e.to_string().ends_with(
            "a bot may have been created on Mammut (its id is unknown), webhook not updated"
        ),
        "{e}"
    );
}
