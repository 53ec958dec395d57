//! The Redis inbox, dedup store and endpoint against a real `redis-server`.
//!
//! Set `WA_TEST_REDIS_URL` (for example `redis://127.0.0.1:6399/0`) to run the tests that
//! need Redis; without it they print that they are skipped and pass. The tests against an
//! unreachable Redis need no server and always run. Each test uses keys of its own.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::inbox as scenario;
use whatsapp_connector::dedup::DedupStore;
use whatsapp_connector::inbox::{Inbox, InboxEntry};
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::redis::{RedisConnection, RedisDedupStore, RedisInbox};
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{PublicUrl, WebhookServer};
use whatsapp_connector::testing::TwilioWebhook;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{InboundEvent, PhoneNumber};

/// The Redis to test against, or `None` (the test is then skipped, saying so).
fn redis_url(test: &str) -> Option<String> {
    match std::env::var("WA_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Written past the test harness's capture, so that the skip shows in the output.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: WA_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6399/0)"
            );
            None
        }
    }
}

/// A prefix no other test or run uses.
fn prefix() -> String {
    format!("wa-test-{}", fastrand::u64(..))
}

fn inbox(url: &str) -> RedisInbox {
    let redis = RedisConnection::open(url).unwrap();
    RedisInbox::new(&redis).unwrap().with_prefix(prefix())
}

#[tokio::test]
async fn events_stored_before_any_worker_are_handled_in_order() {
    let Some(url) = redis_url("events_stored_before_any_worker_are_handled_in_order") else {
        return;
    };
    scenario::stored_events_are_handled_in_order(Arc::new(inbox(&url))).await;
}

#[tokio::test]
async fn a_failing_event_is_retried_dead_lettered_and_replayed() {
    let Some(url) = redis_url("a_failing_event_is_retried_dead_lettered_and_replayed") else {
        return;
    };
    scenario::failing_events_are_retried_then_dead_lettered(Arc::new(inbox(&url))).await;
}

#[tokio::test]
async fn a_dead_consumers_event_is_claimed_after_the_idle_time() {
    let Some(url) = redis_url("a_dead_consumers_event_is_claimed_after_the_idle_time") else {
        return;
    };
    let inbox = inbox(&url).with_claim_idle(Duration::from_millis(300));
    scenario::a_dead_consumers_event_is_claimed(Arc::new(inbox)).await;
}

#[tokio::test]
async fn the_same_event_from_two_instances_is_stored_once() {
    let Some(url) = redis_url("the_same_event_from_two_instances_is_stored_once") else {
        return;
    };
    let p = prefix();
    // Two instances: two connections, one inbox.
    let one = RedisInbox::new(&RedisConnection::open(&url).unwrap())
        .unwrap()
        .with_prefix(&p);
    let two = RedisInbox::new(&RedisConnection::open(&url).unwrap())
        .unwrap()
        .with_prefix(&p);
    let entry = scenario::entry("SM-dup", "+14155550001");
    let ttl = Duration::from_secs(60);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let inbox = if i % 2 == 0 { one.clone() } else { two.clone() };
        let entry = entry.clone();
        tasks.push(tokio::spawn(async move {
            inbox.store(&entry, ttl).await.unwrap()
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += usize::from(t.await.unwrap());
    }
    assert_eq!(stored, 1, "exactly one store wins");
    assert_eq!(one.stream_len().await.unwrap(), 1);
    // Another event is stored as usual.
    assert!(
        two.store(&scenario::entry("SM-other", "+14155550001"), ttl)
            .await
            .unwrap()
    );
    assert_eq!(one.stream_len().await.unwrap(), 2);
}

#[tokio::test]
async fn trimming_never_drops_an_unacknowledged_entry() {
    let Some(url) = redis_url("trimming_never_drops_an_unacknowledged_entry") else {
        return;
    };
    let inbox = inbox(&url).with_trim_interval(Duration::from_secs(3600));
    let ttl = Duration::from_secs(60);
    for i in 0..6 {
        assert!(
            inbox
                .store(&scenario::entry(&format!("m{i}"), "+1415555000{i}"), ttl)
                .await
                .unwrap()
        );
    }
    let taken = inbox.take("w", 4, Duration::ZERO).await.unwrap();
    assert_eq!(taken.len(), 4);
    // Acknowledge the 1st, 2nd and 4th: the 3rd stays pending, the 5th and 6th undelivered.
    for i in [0, 1, 3] {
        inbox.ack(&taken[i].id).await.unwrap();
    }
    // (An acknowledgement may already have trimmed: the trim interval starts at the first.)
    inbox.trim().await.unwrap();
    assert_eq!(
        inbox.stream_len().await.unwrap(),
        4,
        "only the entries before the oldest pending one are removed"
    );
    assert_eq!(inbox.pending().await.unwrap(), 1);
    // What is left is still handed out: the two never delivered.
    let rest = inbox.take("w", 10, Duration::ZERO).await.unwrap();
    let ids: Vec<String> = rest
        .iter()
        .map(|t| scenario::id_of_entry(&t.entry))
        .collect();
    assert_eq!(ids, ["m4", "m5"]);
    for t in rest.iter().chain([&taken[2]]) {
        inbox.ack(&t.id).await.unwrap();
    }
    inbox.trim().await.unwrap();
    assert!(
        inbox.stream_len().await.unwrap() <= 1,
        "acknowledged entries are trimmed"
    );
}

#[tokio::test]
async fn the_redis_dedup_store_is_shared_and_atomic() {
    let Some(url) = redis_url("the_redis_dedup_store_is_shared_and_atomic") else {
        return;
    };
    let p = format!("{}:", prefix());
    let one = RedisDedupStore::new(&RedisConnection::open(&url).unwrap()).with_prefix(&p);
    let two = RedisDedupStore::new(&RedisConnection::open(&url).unwrap()).with_prefix(&p);
    let ttl = Duration::from_millis(400);
    let (a, b) = tokio::join!(one.first_seen("k", ttl), two.first_seen("k", ttl));
    assert!(a.unwrap() ^ b.unwrap(), "exactly one first sight");
    assert!(!one.first_seen("k", ttl).await.unwrap());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        two.first_seen("k", ttl).await.unwrap(),
        "forgotten after its TTL"
    );
}

// ---- The endpoint with the Redis inbox ----

const SID: &str = "AC0000000000000000000000000000000a";
const TOKEN: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NUMBER: &str = "+14155550001";

async fn serve(inbox: Arc<dyn Inbox>) -> String {
    let registry = Arc::new(Registry::new());
    let config = BotConfig::new(SID, TOKEN, NUMBER).unwrap();
    let provider = TwilioProvider::from_bot_config(&config).unwrap();
    registry.insert(NUMBER, Arc::new(Bot::new("bot-a", Arc::new(provider))));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let server = WebhookServer::new_inbox(registry, PublicUrl::Origin(origin.clone()), inbox);
    tokio::spawn(async move {
        axum::serve(listener, server.router()).await.unwrap();
    });
    origin
}

fn webhook(origin: &str, text: &str) -> whatsapp_connector::WebhookRequest {
    TwilioWebhook::inbound_text(
        SID,
        &PhoneNumber::parse("+14155550100").unwrap(),
        &PhoneNumber::parse(NUMBER).unwrap(),
        text,
    )
    .request(&format!("{origin}/twilio"), TOKEN)
}

async fn post(request: &whatsapp_connector::WebhookRequest) -> u16 {
    whatsapp_connector::testing::post(&reqwest::Client::new(), request)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_endpoint_stores_before_answering_and_once() {
    let Some(url) = redis_url("the_endpoint_stores_before_answering_and_once") else {
        return;
    };
    let inbox = inbox(&url);
    let origin = serve(Arc::new(inbox.clone())).await;
    let request = webhook(&origin, "hola");
    assert_eq!(post(&request).await, 200);
    assert_eq!(
        inbox.stream_len().await.unwrap(),
        1,
        "stored before the 200"
    );
    assert_eq!(post(&request).await, 200, "a redelivery is acknowledged");
    assert_eq!(inbox.stream_len().await.unwrap(), 1, "and not stored again");
    let taken = inbox.take("w", 10, Duration::ZERO).await.unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(taken[0].entry.bot_id, "bot-a");
    let InboundEvent::Message(m) = &taken[0].entry.event else {
        panic!("a message")
    };
    assert_eq!(m.text(), Some("hola"));
}

/// A port that accepts connections and never answers: a Redis that hangs.
async fn silent_port() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    (port, task)
}

#[tokio::test]
async fn a_silent_redis_gets_the_webhook_a_503_within_the_budget() {
    let (port, _silent) = silent_port().await;
    let redis = RedisConnection::open(&format!("redis://:hunter2@127.0.0.1:{port}/0")).unwrap();
    let inbox = RedisInbox::new(&redis).unwrap();
    let origin = serve(Arc::new(inbox.clone())).await;
    let started = Instant::now();
    assert_eq!(post(&webhook(&origin, "hola")).await, 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "503 within the 5 s budget"
    );
    let err = inbox
        .store(&scenario::entry("x", NUMBER), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?} {inbox:?}").contains("hunter2"));
}

#[tokio::test]
async fn a_refused_redis_gets_the_webhook_a_503() {
    // A port that was free a moment ago: connections are refused.
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let redis = RedisConnection::open(&format!("redis://127.0.0.1:{port}")).unwrap();
    let origin = serve(Arc::new(RedisInbox::new(&redis).unwrap())).await;
    assert_eq!(post(&webhook(&origin, "hola")).await, 503);
    assert_eq!(
        post(&webhook(&origin, "hola")).await,
        503,
        "and again, without a panic"
    );
}

#[test]
fn urls_are_checked_and_passwords_never_shown() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        for ok in [
            "redis://127.0.0.1:6379",
            "redis://:pw@127.0.0.1:6379/3",
            "redis://user:pw@localhost/1",
        ] {
            let c = RedisConnection::open(ok).unwrap();
            assert!(!format!("{c:?}").contains("pw@"), "{c:?}");
        }
        for bad in ["http://127.0.0.1", "127.0.0.1:6379", ""] {
            assert!(RedisConnection::open(bad).is_err(), "{bad}");
        }
        let e = RedisConnection::open("postgres://u:s3cret@h/1").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    });
}

#[allow(dead_code)]
fn _entry_type_is_public(_: InboxEntry) {}

/// A `redis-server` of the test's own, killed when dropped.
struct RedisProcess(std::process::Child);

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_redis(port: u16) -> RedisProcess {
    let child = std::process::Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("redis-server on the PATH (the Redis tests need it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "redis-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    RedisProcess(child)
}

#[tokio::test]
async fn the_endpoint_recovers_by_itself_when_redis_comes_back() {
    // Runs where the other Redis tests run: this one starts and stops a server of its own.
    if redis_url("the_endpoint_recovers_by_itself_when_redis_comes_back").is_none() {
        return;
    }
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let server = spawn_redis(port);
    let redis = RedisConnection::open(&format!("redis://127.0.0.1:{port}/0")).unwrap();
    let inbox = RedisInbox::new(&redis).unwrap().with_prefix(prefix());
    let origin = serve(Arc::new(inbox.clone())).await;
    assert_eq!(post(&webhook(&origin, "before")).await, 200);

    // Redis goes away: webhooks are refused with 503, so the provider keeps them.
    drop(server);
    let during = webhook(&origin, "during");
    assert_eq!(post(&during).await, 503);

    // Redis comes back (empty: it kept nothing on disk): the endpoint stores again, with no
    // restart, and the webhook answered 503 is stored when the provider sends it again.
    let _server = spawn_redis(port);
    let started = Instant::now();
    loop {
        let status = post(&webhook(&origin, "after")).await;
        if status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still {status} 15 s after Redis came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(post(&during).await, 200);
    assert_eq!(post(&during).await, 200, "and its redelivery is dropped");
    let texts: Vec<String> = inbox
        .take("w", 10, Duration::ZERO)
        .await
        .unwrap()
        .iter()
        .filter_map(|t| t.entry.event.as_message()?.text().map(str::to_owned))
        .collect();
    assert_eq!(texts.last().map(String::as_str), Some("during"));
    assert_eq!(texts.iter().filter(|t| *t == "during").count(), 1);
}

#[tokio::test]
async fn conversation_windows_are_shared_through_redis_and_expire_with_the_window() {
    use whatsapp_connector::event::Timestamp;
    use whatsapp_connector::redis::RedisWindowStore;
    use whatsapp_connector::window::{ConversationWindows, WindowStore};
    use whatsapp_connector::{InboundMessage, MessageContent, ProviderKind, WhatsAppAddress};

    let Some(url) =
        redis_url("conversation_windows_are_shared_through_redis_and_expire_with_the_window")
    else {
        return;
    };
    let prefix = prefix();
    let store = |url: &str| {
        let redis = RedisConnection::open(url).unwrap();
        RedisWindowStore::new(&redis).with_prefix(prefix.clone())
    };
    // Two instances, each with its own connection, one Redis.
    let (a, b) = (store(&url), store(&url));
    let (windows_a, windows_b) = (
        ConversationWindows::new(Arc::new(a.clone())),
        ConversationWindows::new(Arc::new(b.clone())),
    );
    let user = WhatsAppAddress::parse("+14155550100").unwrap();
    let at =
        |ago_ms: i64| Timestamp::from_unix_millis(Timestamp::now().unix_millis() - ago_ms).unwrap();
    let message = |t: Timestamp| {
        let mut m = InboundMessage::new(
            ProviderKind::TWILIO,
            "SM1",
            MessageContent::Text {
                body: "hola".into(),
            },
        );
        m.from = Some(user.clone());
        m.timestamp = Some(t);
        InboundEvent::Message(m)
    };
    let newer = at(60_000);
    windows_a.observe("bot", &message(newer)).await.unwrap();
    // A message seen late, written earlier, does not move the window back.
    windows_b
        .observe("bot", &message(at(3_600_000)))
        .await
        .unwrap();
    assert_eq!(
        b.last_message("bot", "+14155550100").await.unwrap(),
        Some(newer)
    );
    let closes = windows_b
        .window_closes_at("bot", &user)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closes.unix_millis() - newer.unix_millis(), 24 * 3600 * 1000);
    // Forgotten by one instance, gone for both.
    b.forget("bot", "+14155550100").await.unwrap();
    assert_eq!(
        windows_a.window_closes_at("bot", &user).await.unwrap(),
        None
    );
    // The key lives as long as the window: one that closes in 300 ms is gone after it.
    let almost_closed = at(24 * 3600 * 1000 - 300);
    windows_a
        .observe("bot", &message(almost_closed))
        .await
        .unwrap();
    assert!(
        a.last_message("bot", "+14155550100")
            .await
            .unwrap()
            .is_some()
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(a.last_message("bot", "+14155550100").await.unwrap(), None);
}
