//! Secrets never show: every config, provider and error type built with known secret values
//! is checked in `{:?}` and `{}`; every `tracing` event and span (at TRACE level) emitted
//! while sending, downloading, verifying and handling webhooks is captured and checked; and
//! every `wa` command's output is checked. The one place a secret is printed on purpose is
//! `wa mammut check` and `wa mammut update`, whose output is the request that stores the
//! bot's auth token in Mammut: there it must appear.

use std::cell::Cell;
use std::fmt::Debug;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::{BotConfig, QueryValueStyle};
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::server::{PublicUrl, WebhookServer};
use whatsapp_connector::testing::{
    BotmakerWebhook, FakeBotmaker, FakeResponse, FakeTwilio, MetaWebhook, TwilioWebhook,
};
use whatsapp_connector::twilio::signature::{self, Verifier};
use whatsapp_connector::twilio::{Credentials, TwilioProvider};
use whatsapp_connector::{
    Error, OutboundMessage, PhoneNumber, ProviderKind, Secret, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
/// The secrets. Each is distinctive, so finding it anywhere is a leak.
const AUTH_TOKEN: &str = "5ec12e7a0a17b0c3de5ec12e7a0a17b0";
const OLD_AUTH_TOKEN: &str = "0ld5ec12e7a0a17b0c3de5ec12e7a0a1";
const API_KEY_SECRET: &str = "apikeysecret-7Hq2Vx9Lm4Np8Rt";
const SHARED_KEY: &str = "sharedkey-3Kd8Wz1Qy6Fj0Bs";
const BM_ACCESS: &str = "bmaccess-eyJhbGciOi.J9xPq7Zr2.Tk5Wn";
const BM_HOOK: &str = "bmhook-Vf4Gh8Jk2Lm6";
const BM_OLD_HOOK: &str = "bmhook-old-Xc3Vb7Nm1";
const META_ACCESS: &str = "EAAGmetaaccess-Rq4Tz8Yw2Kp6";
const META_APP_SECRET: &str = "metaappsecret-Hn3Bv7Lc1Xs5";
const META_OLD_APP_SECRET: &str = "metaappsecret-old-Pg2Dk6Jm0";
const META_VERIFY: &str = "metaverify-Wd9Sa3Fq7Ze1";
const MAMMUT_TOKEN: &str = "3a3b3c3d3e3f30313233343536373839";
const URL_PASSWORD: &str = "urlpass-Qw9Er5Ty";
/// Text of the messages sent: a body, which must not appear above debug level.
const BODY_TEXT: &str = "private-body-Zx81Cv";

fn secrets() -> Vec<String> {
    let b64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let mut all: Vec<String> = [
        AUTH_TOKEN,
        OLD_AUTH_TOKEN,
        API_KEY_SECRET,
        SHARED_KEY,
        BM_ACCESS,
        BM_HOOK,
        BM_OLD_HOOK,
        META_ACCESS,
        META_APP_SECRET,
        META_OLD_APP_SECRET,
        META_VERIFY,
        MAMMUT_TOKEN,
        URL_PASSWORD,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // The Basic credentials as they go in an Authorization header.
    all.push(b64(format!("{SID}:{AUTH_TOKEN}")));
    all.push(b64(format!("{API_KEY_SID}:{API_KEY_SECRET}")));
    all
}

#[track_caller]
fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(&s), "{what} shows the secret {s:?}:\n{text}");
    }
}

#[track_caller]
fn assert_shows_nothing(what: &str, value: &(impl Debug + ?Sized)) {
    assert_clean(what, &format!("{value:?}"));
    assert_clean(what, &format!("{value:#?}"));
}

#[track_caller]
fn assert_error_clean(what: &str, e: &(impl Debug + std::fmt::Display)) {
    assert_shows_nothing(what, e);
    assert_clean(what, &e.to_string());
}

fn to() -> WhatsAppAddress {
    PhoneNumber::parse("+14155550100").unwrap().into()
}

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        max_elapsed: Duration::from_secs(5),
    }
}

fn twilio_builder(base_url: &str) -> whatsapp_connector::twilio::TwilioBuilder {
    TwilioProvider::builder(SID)
        .auth_token(AUTH_TOKEN)
        .webhook_auth_token(OLD_AUTH_TOKEN)
        .shared_key("k1", SHARED_KEY)
        .from("whatsapp:+14155238886")
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .retry_policy(fast())
}

fn botmaker_builder(base_url: &str) -> whatsapp_connector::botmaker::BotmakerBuilder {
    BotmakerProvider::builder()
        .access_token(BM_ACCESS)
        .channel_id("acme-whatsapp-5491155550100")
        .webhook_token(BM_HOOK)
        .webhook_token(BM_OLD_HOOK)
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .retry_policy(fast())
}

fn meta_builder(base_url: &str) -> whatsapp_connector::meta::MetaBuilder {
    MetaProvider::builder()
        .access_token(META_ACCESS)
        .phone_number_id("100200300400500")
        .app_secret(META_APP_SECRET)
        .app_secret(META_OLD_APP_SECRET)
        .verify_token(META_VERIFY)
        .base_url(base_url)
        .timeout(Duration::from_millis(500))
        .retry_policy(fast())
}

fn mammut_config() -> BotConfig {
    BotConfig::new(SID, MAMMUT_TOKEN, "whatsapp:+14155238886")
        .unwrap()
        .with_name("Botwi")
}

#[test]
fn configs_and_providers_never_print_secrets() {
    capture();
    for s in [AUTH_TOKEN, API_KEY_SECRET, SHARED_KEY, BM_ACCESS, BM_HOOK] {
        let secret = Secret::new(s);
        assert_shows_nothing("Secret", &secret);
        assert_clean("Secret", &secret.to_string());
        assert_shows_nothing("Some(Secret)", &Some(secret));
    }

    let twilio = twilio_builder("https://api.twilio.com");
    assert_shows_nothing("TwilioBuilder", &twilio);
    let twilio = twilio.build().unwrap();
    assert_shows_nothing("TwilioProvider", &twilio);
    assert_shows_nothing("Verifier", twilio.verifier());
    let with_key = TwilioProvider::builder(SID)
        .api_key(API_KEY_SID, API_KEY_SECRET)
        .webhook_auth_token(AUTH_TOKEN);
    assert_shows_nothing("TwilioBuilder with an API key", &with_key);
    assert_shows_nothing("TwilioProvider with an API key", &with_key.build().unwrap());
    assert_shows_nothing(
        "Credentials",
        &Credentials::ApiKey {
            sid: API_KEY_SID.into(),
            secret: Secret::new(API_KEY_SECRET),
        },
    );
    assert_shows_nothing(
        "Credentials",
        &Credentials::AuthToken(Secret::new(AUTH_TOKEN)),
    );
    let verifier = Verifier::new()
        .with_auth_token(AUTH_TOKEN)
        .with_shared_key("k1", SHARED_KEY);
    assert_shows_nothing("Verifier", &verifier);

    let botmaker = botmaker_builder("https://api.botmaker.com/v2.0");
    assert_shows_nothing("BotmakerBuilder", &botmaker);
    let botmaker = botmaker.build().unwrap();
    assert_shows_nothing("BotmakerProvider", &botmaker);

    let config = mammut_config();
    assert_shows_nothing("BotConfig", &config);
    assert_shows_nothing(
        "create request",
        &config.create_request("https://api.mammut.io"),
    );
    assert_shows_nothing(
        "update request",
        &config.update_request(7, "https://api.mammut.io", QueryValueStyle::Plain),
    );
    let from_config = TwilioProvider::from_bot_config(&config).unwrap();
    assert_shows_nothing("TwilioProvider from a BotConfig", &from_config);

    let registry = Arc::new(Registry::new());
    registry.insert(
        "+14155238886",
        Arc::new(Bot::new("twilio-bot", Arc::new(from_config))),
    );
    registry.insert(
        "acme-whatsapp-5491155550100",
        Arc::new(Bot::new("bm-bot", Arc::new(botmaker))),
    );
    assert_shows_nothing("Registry", &*registry);
    let server = WebhookServer::new(
        registry,
        PublicUrl::Origin("https://bot.example.com".into()),
        |_| async {},
    );
    assert_shows_nothing("WebhookServer", &server);
}

#[test]
fn config_errors_never_print_the_value() {
    capture();
    // An auth token that is not 32 hex digits, carrying a secret.
    let e = BotConfig::new(SID, format!("{AUTH_TOKEN}zz"), "whatsapp:+14155238886").unwrap_err();
    assert_eq!(e.field, "twilio-auth-token");
    assert_error_clean("ConfigError", &e);
    let json = format!(
        r#"{{"twilio-account-sid": "{SID}", "twilio-auth-token": "{API_KEY_SECRET}",
            "main-whatsapp-phone-number": "whatsapp:+14155238886"}}"#
    );
    let e = BotConfig::from_json(json.as_bytes()).unwrap_err();
    assert_error_clean("ConfigError from JSON", &e);
    let slack = format!(
        r#"{{"twilio-account-sid": "{SID}", "slack-bot-token": "{AUTH_TOKEN}",
            "main-whatsapp-phone-number": "whatsapp:+14155238886"}}"#
    );
    assert_error_clean(
        "ConfigError for slack-bot-token",
        &BotConfig::from_json(slack.as_bytes()).unwrap_err(),
    );

    let e = TwilioProvider::builder(SID)
        .api_key("SKnot-a-sid", API_KEY_SECRET)
        .build()
        .unwrap_err();
    assert_error_clean("ConfigError for an API key", &e);
    let e = TwilioProvider::builder("AC-bad")
        .auth_token(AUTH_TOKEN)
        .build()
        .unwrap_err();
    assert_error_clean("ConfigError for an account SID", &e);
    let e = BotmakerProvider::builder()
        .access_token(format!("{BM_ACCESS} with a space"))
        .build()
        .unwrap_err();
    assert_eq!(e.field, "access_token");
    assert_error_clean("ConfigError for an access token", &e);
    let e = BotmakerProvider::builder()
        .access_token(format!("{BM_ACCESS}\u{e9}"))
        .build()
        .unwrap_err();
    assert_error_clean("ConfigError for an access token", &e);
}

#[test]
fn verify_errors_never_print_secrets() {
    capture();
    let twilio = twilio_builder("https://api.twilio.com").build().unwrap();
    let url = format!("https://bot:{URL_PASSWORD}@bot.example.com:8443/twilio?bot=1");
    let hook = TwilioWebhook::inbound_text(
        SID,
        &PhoneNumber::parse("+14155550100").unwrap(),
        &PhoneNumber::parse("+14155238886").unwrap(),
        BODY_TEXT,
    );
    // Signed with a token the provider does not have.
    let wrong = hook.request(&url, "ffffffffffffffffffffffffffffffff");
    let e = twilio.verify(&wrong).unwrap_err();
    assert!(
        matches!(e, whatsapp_connector::VerifyError::NoMatch { .. }),
        "{e:?}"
    );
    assert_error_clean("VerifyError::NoMatch", &e);
    assert_error_clean(
        "verify_and_parse error",
        &twilio.verify_and_parse(&wrong).unwrap_err(),
    );
    // Signed with the right token over a URL with a password: it verifies, and neither
    // the result's Debug nor its masked URL shows the token or the password.
    let right = hook.request(&url, AUTH_TOKEN);
    let verified = twilio.verify_detailed(&right).unwrap();
    assert_eq!(verified.url, url, "the field keeps the URL as signed");
    assert_shows_nothing("Verified", &verified);
    assert_clean("Verified::masked_url", &verified.masked_url());
    assert_eq!(
        verified.masked_url(),
        "https://bot:***@bot.example.com:8443/twilio?bot=1"
    );
    let url = "https://bot.example.com:8443/twilio?bot=1";
    let old = hook.request(url, OLD_AUTH_TOKEN);
    assert_shows_nothing("Verified", &twilio.verify_detailed(&old).unwrap());
    // A shared-key signature with an unknown key id, and with a wrong key.
    let settings = wrong
        .clone()
        .with_header(signature::SETTINGS_HEADER, "key=nope,algorithm=HMAC_SHA256");
    assert_error_clean("UnknownKey", &twilio.verify(&settings).unwrap_err());
    let settings = wrong
        .clone()
        .with_header(signature::SETTINGS_HEADER, "key=k1,algorithm=HMAC_SHA256");
    assert_error_clean("shared key NoMatch", &twilio.verify(&settings).unwrap_err());
    let unsigned = WebhookRequest::new(url, hook.body());
    assert_error_clean("MissingHeader", &twilio.verify(&unsigned).unwrap_err());

    let botmaker = botmaker_builder("https://api.botmaker.com/v2.0")
        .build()
        .unwrap();
    let user = PhoneNumber::parse("+5491122223333").unwrap();
    let line = PhoneNumber::parse("+5491155550100").unwrap();
    let bm = BotmakerWebhook::inbound_text(&user, &line, BODY_TEXT);
    // A token that differs from the configured one only at its end.
    let near = format!("{}X", &BM_HOOK[..BM_HOOK.len() - 1]);
    let e = botmaker
        .verify(&bm.request("https://bot.example.com/bm", &near))
        .unwrap_err();
    assert_error_clean("Botmaker VerifyError", &e);
    assert!(
        botmaker
            .verify(&bm.request("https://bot.example.com/bm", BM_OLD_HOOK))
            .is_ok()
    );
}

#[tokio::test]
async fn send_errors_never_print_secrets() {
    capture();
    // The fakes hold other credentials, so every call is refused with 401.
    let fake_twilio = FakeTwilio::start(SID, "00000000000000000000000000000000")
        .await
        .unwrap();
    let fake_botmaker = FakeBotmaker::start("another-access-token").await.unwrap();
    let twilio = twilio_builder(&fake_twilio.base_url()).build().unwrap();
    let with_key = TwilioProvider::builder(SID)
        .api_key(API_KEY_SID, API_KEY_SECRET)
        .from("whatsapp:+14155238886")
        .base_url(fake_twilio.base_url())
        .build()
        .unwrap();
    let botmaker = botmaker_builder(&fake_botmaker.base_url()).build().unwrap();
    let message = OutboundMessage::text(to(), BODY_TEXT);

    let mut errors: Vec<(&str, Error)> = vec![
        ("Twilio 401", twilio.send(&message).await.unwrap_err()),
        (
            "Twilio 401 (API key)",
            with_key.send(&message).await.unwrap_err(),
        ),
        ("Botmaker 401", botmaker.send(&message).await.unwrap_err()),
    ];
    let media = fake_twilio.media_url(
        "MM0123456789abcdef0123456789abcdef",
        "ME0123456789abcdef0123456789abcdef",
    );
    errors.push((
        "media 401",
        twilio.download_media(&media).await.unwrap_err(),
    ));
    // Typing indicators, read marks and reactions, refused the same way.
    let mut inbound = whatsapp_connector::InboundMessage::new(
        whatsapp_connector::ProviderKind::TWILIO,
        "SM0123456789abcdef0123456789abcdef",
        whatsapp_connector::MessageContent::Text {
            body: BODY_TEXT.into(),
        },
    );
    inbound.from = Some(to());
    errors.push((
        "Twilio typing 401",
        twilio.typing(&inbound).await.unwrap_err(),
    ));
    errors.push((
        "Twilio typing 401 (API key)",
        with_key.mark_read(&inbound).await.unwrap_err(),
    ));
    errors.push((
        "Botmaker typing 401",
        botmaker.typing(&inbound).await.unwrap_err(),
    ));
    errors.push((
        "Botmaker reaction 401",
        botmaker
            .react("51FH77RLXF1BZIEHOLMQ", &to(), Some("👍"))
            .await
            .unwrap_err(),
    ));
    // Errors that are not the provider's answer: a refused connection, a timeout.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let refused = twilio_builder(&closed).build().unwrap();
    errors.push(("refused", refused.send(&message).await.unwrap_err()));
    let refused = botmaker_builder(&closed).build().unwrap();
    errors.push(("refused", refused.send(&message).await.unwrap_err()));
    let fake = FakeTwilio::start(SID, AUTH_TOKEN).await.unwrap();
    fake.push_response(FakeResponse::Hang(Duration::from_secs(5)));
    let slow = twilio_builder(&fake.base_url()).build().unwrap();
    errors.push(("timeout", slow.send(&message).await.unwrap_err()));
    fake.push_response(FakeResponse::Garbage);
    errors.push(("garbage", slow.send(&message).await.unwrap_err()));
    // Sending without credentials.
    let bare = TwilioProvider::builder(SID)
        .from("whatsapp:+14155238886")
        .build()
        .unwrap();
    errors.push(("no credentials", bare.send(&message).await.unwrap_err()));

    for (what, e) in &errors {
        assert_error_clean(what, e);
        if let Some(api) = e.api() {
            assert_error_clean(what, api);
            assert_clean(what, &api.body);
        }
    }
    assert_eq!(
        errors[0].1.api().map(|a| a.status),
        Some(401),
        "{:?}",
        errors[0].1
    );
}

/// Meta's access token, app secrets and verify token: in the builder and provider, in
/// configuration, verification and handshake errors, in sends refused before the network,
/// in every tracing record of webhooks and handshakes through the endpoint, and in `wa`.
#[tokio::test(flavor = "current_thread")]
async fn meta_never_prints_its_secrets() {
    let capture = capture();
    CAPTURING.with(|c| c.set(true));
    let builder = meta_builder("https://graph.facebook.com");
    assert_shows_nothing("MetaBuilder", &builder);
    let meta = builder.build().unwrap();
    assert_shows_nothing("MetaProvider", &meta);
    assert_shows_nothing("meta Verifier", meta.verifier());

    let e = MetaProvider::builder()
        .access_token(format!("{META_ACCESS} with a space"))
        .build()
        .unwrap_err();
    assert_eq!(e.field, "access_token");
    assert_error_clean("ConfigError for Meta's access token", &e);
    let e = MetaProvider::builder()
        .phone_number_id(META_ACCESS)
        .build()
        .unwrap_err();
    assert_eq!(e.field, "phone_number_id");

    let user = PhoneNumber::parse("+5491122223333").unwrap();
    let line = PhoneNumber::parse("+15550001111").unwrap();
    let hook = MetaWebhook::new("100200300400500", &line).text(&user, BODY_TEXT);
    let url = "https://bot.example.com/meta";
    let near = format!("{}X", &META_APP_SECRET[..META_APP_SECRET.len() - 1]);
    let e = meta.verify(&hook.request(url, &near)).unwrap_err();
    assert_error_clean("Meta VerifyError", &e);
    assert_error_clean(
        "Meta verify_and_parse error",
        &meta
            .verify_and_parse(&hook.request(url, &near))
            .unwrap_err(),
    );
    assert!(meta.verify(&hook.request(url, META_OLD_APP_SECRET)).is_ok());
    let near_token = format!("{}X", &META_VERIFY[..META_VERIFY.len() - 1]);
    let handshake = MetaWebhook::handshake_request(url, &near_token, "42");
    let e = meta.handshake(&handshake).unwrap().unwrap_err();
    assert_error_clean("HandshakeError", &e);
    let e = meta
        .send(&OutboundMessage::text(to(), BODY_TEXT))
        .await
        .unwrap_err();
    assert_error_clean("Meta send error", &e);

    // Webhooks and handshakes through the endpoint: accepted, refused, unknown.
    let registry = Arc::new(Registry::new());
    registry.insert(
        "100200300400500",
        Arc::new(Bot::new("meta-bot", Arc::new(meta.clone()))),
    );
    let server = WebhookServer::new(
        registry,
        PublicUrl::Origin("https://bot.example.com".into()),
        |d| async move {
            tracing::debug!(event = ?d.event.dedup_key(), "handled");
        },
    );
    let other_line = MetaWebhook::new("999999999999999", &line).text(&user, BODY_TEXT);
    let requests = [
        hook.request(url, META_APP_SECRET),
        hook.request(url, &near),
        other_line.request(url, META_APP_SECRET),
        MetaWebhook::handshake_request(url, META_VERIFY, "42"),
        MetaWebhook::handshake_request(url, &near_token, "42"),
    ];
    for req in &requests {
        let pq = req.url().trim_start_matches("https://bot.example.com");
        let response = server
            .handle(
                ProviderKind::META,
                req.method().clone(),
                pq,
                req.headers().clone(),
                req.body().clone(),
            )
            .await;
        assert!(response.status().as_u16() < 500);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let records = capture.all();
    let logged = |needle: &str| records.iter().any(|r| r.text.contains(needle));
    assert!(logged("handshake accepted"), "{records:#?}");
    assert!(logged("handshake refused"), "{records:#?}");
    assert!(logged("webhook verification failed"), "{records:#?}");
    for r in &records {
        assert_clean("a tracing record", &format!("{} {}", r.target, r.text));
        if r.level <= Level::INFO {
            assert!(!r.text.contains(BODY_TEXT), "a body is logged: {r:?}");
        }
    }

    // The `wa` tool, with the secrets on its command line.
    let body = hook.body();
    let signature = whatsapp_connector::meta::signature::sign(META_APP_SECRET, body.as_bytes());
    for (args, code) in [
        (vec!["meta", "sign", "--app-secret", META_APP_SECRET], 0),
        (
            vec![
                "meta",
                "verify",
                "--app-secret",
                META_OLD_APP_SECRET,
                "--app-secret",
                META_APP_SECRET,
                "--signature",
                &signature,
            ],
            0,
        ),
        (
            vec![
                "meta",
                "verify",
                "--app-secret",
                META_OLD_APP_SECRET,
                "--signature",
                &signature,
            ],
            1,
        ),
        (
            vec![
                "meta",
                "verify",
                "--app-secret",
                META_APP_SECRET,
                "--signature",
                "sha256=zz",
            ],
            1,
        ),
        (vec!["parse", "meta"], 0),
    ] {
        let o = wa_async(strings(&args), body.clone().into_bytes(), Vec::new()).await;
        assert_eq!(o.status.code(), Some(code), "{args:?}");
        assert_output_clean(&args.join(" "), &o);
    }
}

// ---------------------------------------------------------------------------------------
// Tracing.

/// One captured event or span record: its level, where it came from, and every field.
#[derive(Debug, Clone)]
struct Captured {
    level: Level,
    target: String,
    text: String,
}

/// A layer that keeps every span (with its later records) and every event, at every level.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={}", field.name(), value));
    }
}

thread_local! {
    /// Whether this thread's records are kept.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
}

/// The process-wide capturing subscriber. It is installed as the global default by every
/// test of this file before anything else runs: a callsite first reached under no
/// subscriber could otherwise keep a cached "never" while another thread captures.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        tracing::subscriber::set_global_default(subscriber)
            .expect("no other global subscriber in this test binary");
        capture
    })
}

impl Capture {
    fn push(&self, level: Level, target: &str, text: String) {
        if !CAPTURING.with(Cell::get) {
            return;
        }
        self.0.lock().unwrap().push(Captured {
            level,
            target: target.to_owned(),
            text,
        });
    }

    fn all(&self) -> Vec<Captured> {
        self.0.lock().unwrap().clone()
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let mut f = Fields(format!("span {}", attrs.metadata().name()));
        attrs.record(&mut f);
        self.push(*attrs.metadata().level(), attrs.metadata().target(), f.0);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut f = Fields(format!("span {} record", span.name()));
        values.record(&mut f);
        self.push(*span.metadata().level(), span.metadata().target(), f.0);
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut f = Fields(format!("event {}", event.metadata().name()));
        event.record(&mut f);
        self.push(*event.metadata().level(), event.metadata().target(), f.0);
    }
}

/// Sends, downloads, verifies and webhook handling of both providers, succeeding and
/// failing, while every tracing record is captured.
#[tokio::test(flavor = "current_thread")]
async fn tracing_never_records_secrets_or_bodies_above_debug() {
    let capture = capture();
    // A current-thread runtime: the sends, the fakes and the handlers all run here.
    CAPTURING.with(|c| c.set(true));

    // Sends that succeed, are retried, and fail.
    let fake_twilio = FakeTwilio::start(SID, AUTH_TOKEN).await.unwrap();
    let twilio = twilio_builder(&fake_twilio.base_url()).build().unwrap();
    let message = OutboundMessage::text(to(), BODY_TEXT);
    let receipt = twilio.send(&message).await.unwrap();
    fake_twilio.push_response(FakeResponse::rate_limited(Some(0)));
    twilio.send(&message).await.unwrap();
    fake_twilio.push_response(FakeResponse::server_error());
    twilio.send(&message).await.unwrap_err();
    fake_twilio.push_response(FakeResponse::Garbage);
    twilio.send(&message).await.unwrap_err();

    let fake_cdn = FakeTwilio::start(SID, "00000000000000000000000000000000")
        .await
        .unwrap();
    let media = fake_twilio.media_url(
        "MM0123456789abcdef0123456789abcdef",
        "ME0123456789abcdef0123456789abcdef",
    );
    fake_twilio.push_response(FakeResponse::Redirect(format!(
        "{}/cdn/a.jpg",
        fake_cdn.base_url()
    )));
    twilio.download_media(&media).await.unwrap();

    let fake_botmaker = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let botmaker = botmaker_builder(&fake_botmaker.base_url()).build().unwrap();
    botmaker.send(&message).await.unwrap();
    fake_botmaker.push_response(FakeResponse::rate_limited(Some(0)));
    botmaker.send(&message).await.unwrap();
    fake_botmaker.push_response(FakeResponse::Error {
        status: 400,
        body: format!(r#"{{"errors": [{{"message": "cannot send {BODY_TEXT}"}}]}}"#),
        retry_after: None,
    });
    botmaker.send(&message).await.unwrap_err();
    botmaker.window_closes_at(&to()).await.unwrap();
    let wrong = botmaker_builder(&fake_botmaker.base_url())
        .access_token("not-the-token")
        .build()
        .unwrap();
    wrong.send(&message).await.unwrap_err();

    // Webhooks through the endpoint: accepted, refused, malformed, unknown.
    let registry = Arc::new(Registry::new());
    registry.insert(
        "+14155238886",
        Arc::new(Bot::new("twilio-bot", Arc::new(twilio.clone()))),
    );
    registry.insert(
        "acme-whatsapp-5491155550100",
        Arc::new(Bot::new("bm-bot", Arc::new(botmaker.clone()))),
    );
    registry.insert(
        "+5491155550100",
        Arc::new(Bot::new("bm-bot", Arc::new(botmaker.clone()))),
    );
    let server = WebhookServer::new(
        registry,
        PublicUrl::Origin("https://bot.example.com".into()),
        |d| async move {
            tracing::debug!(event = ?d.event.dedup_key(), "handled");
        },
    );
    let user = PhoneNumber::parse("+14155550100").unwrap();
    let line = PhoneNumber::parse("+14155238886").unwrap();
    let hook = TwilioWebhook::inbound_text(SID, &user, &line, BODY_TEXT);
    let url = "https://bot.example.com/twilio";
    for token in [
        AUTH_TOKEN,
        OLD_AUTH_TOKEN,
        "ffffffffffffffffffffffffffffffff",
    ] {
        let req = hook.request(url, token);
        server
            .handle(
                ProviderKind::TWILIO,
                http::Method::POST,
                "/twilio",
                req.headers().clone(),
                req.body().clone(),
            )
            .await;
    }
    let bm_user = PhoneNumber::parse("+5491122223333").unwrap();
    let bm_line = PhoneNumber::parse("+5491155550100").unwrap();
    let bm = BotmakerWebhook::inbound_text(&bm_user, &bm_line, BODY_TEXT);
    for token in [BM_HOOK, BM_OLD_HOOK, "bmhook-wrong"] {
        let req = bm.request("https://bot.example.com/botmaker", token);
        server
            .handle(
                ProviderKind::BOTMAKER,
                http::Method::POST,
                "/botmaker",
                req.headers().clone(),
                req.body().clone(),
            )
            .await;
    }
    let mut headers = http::HeaderMap::new();
    headers.insert("auth-bm-token", BM_HOOK.parse().unwrap());
    server
        .handle(
            ProviderKind::BOTMAKER,
            http::Method::POST,
            "/botmaker",
            headers,
            format!(r#"{{"message": "{BODY_TEXT}", "WHATSAPP_NUMBER": "5491155550100""#).into(),
        )
        .await;
    // Let the handler tasks run.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let records = capture.all();
    let crate_records: Vec<&Captured> = records
        .iter()
        .filter(|r| r.target.starts_with("whatsapp_connector"))
        .collect();
    // The spans are there, with what they promise.
    let has = |needle: &str| crate_records.iter().any(|r| r.text.contains(needle));
    assert!(
        has("span whatsapp.send provider=twilio kind=text"),
        "{crate_records:#?}"
    );
    assert!(has("span whatsapp.send provider=botmaker kind=text"));
    assert!(has(&format!("message_id={}", receipt.message_id)));
    assert!(has("outcome=accepted") && has("outcome=server_error") && has("outcome=maybe_sent"));
    assert!(has("outcome=rate_limited") || has("attempts=2"));
    assert!(has("outcome=unauthorized"));
    assert!(has("span webhook"));
    // Debug and trace records are captured too (from this crate, and from the HTTP stack).
    assert!(
        crate_records
            .iter()
            .any(|r| r.level == Level::DEBUG && r.text.contains("to=+14155550100")),
        "{crate_records:#?}"
    );
    if std::env::var_os("SECRETS_TEST_SHOW_TRACES").is_some() {
        for r in &records {
            eprintln!("{} {} {}", r.level, r.target, r.text);
        }
    }
    // The recipient only at debug level.
    for r in &crate_records {
        if r.text.contains("14155550100") && r.level <= Level::INFO {
            panic!("the recipient is logged above debug level: {r:?}");
        }
    }
    // No secret at any level, from any crate; no message body above debug level.
    for r in &records {
        assert_clean("a tracing record", &format!("{} {}", r.target, r.text));
        if r.level <= Level::INFO {
            assert!(
                !r.text.contains(BODY_TEXT),
                "a message body is logged at {}: {r:?}",
                r.level
            );
        }
    }
}

/// Meta's Cloud API: sends, read marks, reactions, uploads and downloads, succeeding and
/// refused, never show the access token in a `Debug`, an error or a tracing record.
#[cfg(feature = "meta")]
#[tokio::test(flavor = "current_thread")]
async fn meta_never_prints_or_traces_its_access_token() {
    use whatsapp_connector::meta::MetaProvider;
    use whatsapp_connector::testing::FakeMeta;

    let capture = capture();
    CAPTURING.with(|c| c.set(true));
    let fake = FakeMeta::start(META_ACCESS, "100000000000001")
        .await
        .unwrap();
    let meta = |token: &str| {
        MetaProvider::builder()
            .access_token(token)
            .phone_number_id("100000000000001")
            .base_url(fake.base_url())
            .retry_policy(fast())
            .build()
            .unwrap()
    };
    let good = meta(META_ACCESS);
    assert_shows_nothing("a Meta provider", &good);
    let message = OutboundMessage::text(to(), BODY_TEXT);
    good.send(&message).await.unwrap();
    let mut inbound = whatsapp_connector::InboundMessage::new(
        ProviderKind::META,
        "wamid.INVENTED1",
        whatsapp_connector::MessageContent::Text {
            body: BODY_TEXT.into(),
        },
    );
    inbound.from = Some(to());
    good.typing(&inbound).await.unwrap();
    let id = good
        .upload_media(&b"invented bytes"[..], "image/jpeg", "a.jpg")
        .await
        .unwrap();
    good.download_media(&id).await.unwrap();
    fake.push_response(FakeMeta::graph_error(400, 131047, BODY_TEXT));

    let wrong = meta("EAAG-not-the-token");
    let errors: Vec<(&str, Error)> = vec![
        ("Meta 131047", good.send(&message).await.unwrap_err()),
        ("Meta 190", wrong.send(&message).await.unwrap_err()),
        (
            "Meta read 190",
            wrong.mark_read(&inbound).await.unwrap_err(),
        ),
        (
            "Meta reaction 190",
            wrong
                .react("wamid.INVENTED1", &to(), Some("👍"))
                .await
                .unwrap_err(),
        ),
        (
            "Meta upload 190",
            wrong
                .upload_media(&b"x"[..], "image/jpeg", "a.jpg")
                .await
                .unwrap_err(),
        ),
        (
            "Meta download 190",
            wrong.download_media(&id).await.unwrap_err(),
        ),
    ];
    for (what, e) in &errors {
        assert_error_clean(what, e);
        if let Some(api) = e.api() {
            assert_clean(what, &api.body);
        }
    }
    assert_eq!(errors[1].1.api().map(|a| a.status), Some(401));
    let records = capture.all();
    assert!(
        records.iter().any(|r| r
            .text
            .contains("span whatsapp.send provider=meta kind=text")),
        "{records:#?}"
    );
    for r in &records {
        assert_clean("a tracing record", &format!("{} {}", r.target, r.text));
        if r.level <= Level::INFO {
            assert!(!r.text.contains(BODY_TEXT), "a body is logged: {r:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The `wa` tool.

/// Runs `wa` with only the given environment variables of the wa's own.
fn wa(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in [
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_FROM",
        "BOTMAKER_ACCESS_TOKEN",
        "BOTMAKER_CHANNEL_ID",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cargo test builds the wa binary");
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        // A command that fails on its arguments may exit before reading its input.
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

/// Runs `wa` off the async runtime, so that fakes on it keep answering.
async fn wa_async(args: Vec<String>, stdin: Vec<u8>, env: Vec<(String, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        wa(&args, &stdin, &env)
    })
    .await
    .unwrap()
}

#[track_caller]
fn assert_output_clean(what: &str, o: &Output) {
    assert_clean(
        &format!("{what}: stdout"),
        &String::from_utf8_lossy(&o.stdout),
    );
    assert_clean(
        &format!("{what}: stderr"),
        &String::from_utf8_lossy(&o.stderr),
    );
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn wa_signing_verifying_and_parsing_never_print_secrets() {
    capture();
    let url = "https://bot.example.com/twilio?bot=1";
    let user = PhoneNumber::parse("+14155550100").unwrap();
    let line = PhoneNumber::parse("+14155238886").unwrap();
    let body = TwilioWebhook::inbound_text(SID, &user, &line, "hola").body();

    let o = wa(
        &["twilio", "sign", "--token", AUTH_TOKEN, "--url", url],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_output_clean("twilio sign", &o);
    let sig = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            AUTH_TOKEN,
            "--url",
            url,
            "--signature",
            &sig,
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_output_clean("twilio verify (valid)", &o);
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            OLD_AUTH_TOKEN,
            "--url",
            url,
            "--signature",
            &sig,
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_output_clean("twilio verify (invalid)", &o);
    // A URL with a password: the URLs tried are listed with it masked.
    let with_password = format!("https://bot:{URL_PASSWORD}@bot.example.com/twilio");
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            AUTH_TOKEN,
            "--url",
            &with_password,
            "--signature",
            &sig,
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_output_clean("twilio verify (URL with a password)", &o);
    // Signed over that URL: valid, and the line naming the URL masks the password.
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            AUTH_TOKEN,
            "--url",
            &with_password,
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    let signed = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            AUTH_TOKEN,
            "--url",
            &with_password,
            "--signature",
            &signed,
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_output_clean("twilio verify (valid, URL with a password)", &o);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("https://bot:***@bot.example.com/twilio"),
        "{o:?}"
    );

    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            SHARED_KEY,
            "--url",
            url,
            "--algorithm",
            "sha256",
        ],
        body.as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_output_clean("twilio sign sha256", &o);
    let sig256 = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    for (token, code) in [(SHARED_KEY, 0), (API_KEY_SECRET, 1)] {
        let o = wa(
            &[
                "twilio",
                "verify",
                "--token",
                token,
                "--url",
                url,
                "--signature",
                &sig256,
                "--algorithm",
                "sha256",
            ],
            body.as_bytes(),
            &[],
        );
        assert_eq!(o.status.code(), Some(code));
        assert_output_clean("twilio verify sha256", &o);
    }
    // Usage errors that carry a secret in the wrong place.
    for args in [
        vec!["twilio", "sign", "--token", AUTH_TOKEN],
        vec![
            "twilio",
            "verify",
            "--token",
            AUTH_TOKEN,
            "--url",
            url,
            "--signature",
            "x\u{7f}",
        ],
        vec![
            "twilio", "sign", "--token", AUTH_TOKEN, "--url", url, "--token", SHARED_KEY,
        ],
        vec![
            "twilio",
            "sign",
            "--token",
            AUTH_TOKEN,
            "--url",
            url,
            "--content-type",
            "application/json",
        ],
    ] {
        let o = wa(&args, body.as_bytes(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_output_clean(&format!("{args:?}"), &o);
    }

    for (header, code) in [(BM_HOOK, 0), (BM_OLD_HOOK, 0), ("bmhook-wrong", 1)] {
        let o = wa(
            &[
                "botmaker",
                "verify",
                "--token",
                BM_HOOK,
                "--token",
                BM_OLD_HOOK,
                "--header",
                header,
            ],
            b"",
            &[],
        );
        assert_eq!(o.status.code(), Some(code), "{header}");
        assert_output_clean("botmaker verify", &o);
    }
    let o = wa(
        &["botmaker", "verify", "--token", BM_HOOK, "--header", "a\nb"],
        b"",
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_output_clean("botmaker verify (bad header)", &o);

    let o = wa(&["parse", "twilio"], body.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(0));
    assert_output_clean("parse twilio", &o);
    let bm = BotmakerWebhook::inbound_text(
        &PhoneNumber::parse("+5491122223333").unwrap(),
        &PhoneNumber::parse("+5491155550100").unwrap(),
        "hola",
    );
    let o = wa(
        &["parse", "botmaker"],
        bm.json().to_string().as_bytes(),
        &[],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_output_clean("parse botmaker", &o);
}

#[test]
fn wa_mammut_prints_the_token_only_where_the_request_carries_it() {
    capture();
    let config = format!(
        r#"{{"user-type": "machine", "name": "Botwi", "twilio-account-sid": "{SID}",
            "twilio-auth-token": "{MAMMUT_TOKEN}", "main-whatsapp-phone-number": "+14155238886"}}"#
    );
    // The documented exception: the create body and the update query store the token.
    let o = wa(&["mammut", "check"], config.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!(r#""twilio-auth-token": "{MAMMUT_TOKEN}""#)),
        "{out}"
    );
    assert_clean("mammut check: stderr", &String::from_utf8_lossy(&o.stderr));
    let o = wa(&["mammut", "update", "--id", "7"], config.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains(&format!("twilio-auth-token={MAMMUT_TOKEN}")),
        "{out}"
    );
    assert_clean("mammut update: stderr", &String::from_utf8_lossy(&o.stderr));

    // Everywhere else (a rejected config, a usage error), nothing.
    let bad = config.replace(MAMMUT_TOKEN, &format!("{MAMMUT_TOKEN}0"));
    for args in [
        vec!["mammut", "check"],
        vec!["mammut", "update", "--id", "7"],
        vec!["mammut", "check", "--token", MAMMUT_TOKEN],
    ] {
        let o = wa(&args, bad.as_bytes(), &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_output_clean(&format!("{args:?}"), &o);
    }
    let slack = config.replace("twilio-auth-token", "slack-bot-token");
    let o = wa(&["mammut", "check"], slack.as_bytes(), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert_output_clean("mammut check (slack-bot-token)", &o);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wa_send_never_prints_secrets() {
    capture();
    let fake_twilio = FakeTwilio::start(SID, AUTH_TOKEN).await.unwrap();
    let fake_botmaker = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let twilio_env = |token: &str| {
        vec![
            ("TWILIO_ACCOUNT_SID".to_owned(), SID.to_owned()),
            ("TWILIO_AUTH_TOKEN".to_owned(), token.to_owned()),
            ("TWILIO_FROM".to_owned(), "whatsapp:+14155238886".to_owned()),
        ]
    };
    let botmaker_env = |token: &str| {
        vec![
            ("BOTMAKER_ACCESS_TOKEN".to_owned(), token.to_owned()),
            (
                "BOTMAKER_CHANNEL_ID".to_owned(),
                "acme-whatsapp-5491155550100".to_owned(),
            ),
        ]
    };
    let send = |provider: &str, base: &str| {
        strings(&[
            "send",
            provider,
            "--to",
            "+14155550100",
            "--text",
            "hola",
            "--base-url",
            base,
        ])
    };

    // Accepted, refused (the fake has another token), unreachable, failing, and a token
    // the configuration refuses: (what, provider, base URL, environment, a 500 first?,
    // exit status).
    let (t, b) = (fake_twilio.base_url(), fake_botmaker.base_url());
    let cases = [
        ("accepted", "twilio", &t, twilio_env(AUTH_TOKEN), false, 0),
        ("401", "twilio", &t, twilio_env(OLD_AUTH_TOKEN), false, 2),
        (
            "refused",
            "twilio",
            &closed,
            twilio_env(AUTH_TOKEN),
            false,
            2,
        ),
        ("500", "twilio", &t, twilio_env(AUTH_TOKEN), true, 2),
        (
            "bad token",
            "twilio",
            &t,
            twilio_env(&format!("{AUTH_TOKEN} x")),
            false,
            2,
        ),
        (
            "accepted",
            "botmaker",
            &b,
            botmaker_env(BM_ACCESS),
            false,
            0,
        ),
        ("401", "botmaker", &b, botmaker_env(BM_HOOK), false, 2),
        (
            "refused",
            "botmaker",
            &closed,
            botmaker_env(BM_ACCESS),
            false,
            2,
        ),
        ("500", "botmaker", &b, botmaker_env(BM_ACCESS), true, 2),
        (
            "bad token",
            "botmaker",
            &b,
            botmaker_env(&format!("{BM_ACCESS} x")),
            false,
            2,
        ),
    ];
    for (what, provider, base, env, fail_first, status) in cases {
        if fail_first {
            match provider {
                "twilio" => fake_twilio.push_response(FakeResponse::server_error()),
                _ => fake_botmaker.push_response(FakeResponse::server_error()),
            }
        }
        let o = wa_async(send(provider, base), vec![], env).await;
        assert_eq!(
            o.status.code(),
            Some(status),
            "send {provider} ({what}): {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_output_clean(&format!("send {provider} ({what})"), &o);
    }
}
