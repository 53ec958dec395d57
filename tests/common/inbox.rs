//! Shared by the inbox tests: events, a registry, and a recording handler.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use whatsapp_connector::inbox::{Delivery, InboxEntry};
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::{InboundEvent, OutboundMessage, ProviderKind, SendReceipt};
use whatsapp_connector::{ParseError, VerifyError, WebhookRequest, WhatsAppProvider, async_trait};

pub const BOT: &str = "bot-1";

/// A provider that is never called: the worker only needs the bot.
pub struct Idle;

#[async_trait]
impl WhatsAppProvider for Idle {
    fn kind(&self) -> ProviderKind {
        ProviderKind::new("acme")
    }
    async fn send(&self, _: &OutboundMessage) -> Result<SendReceipt, whatsapp_connector::Error> {
        unreachable!("the tests send nothing")
    }
    fn verify(&self, _: &WebhookRequest) -> Result<(), VerifyError> {
        Ok(())
    }
    fn parse(&self, _: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        Ok(Vec::new())
    }
}

pub fn registry() -> Arc<Registry> {
    let r = Registry::new();
    r.insert("+14155238886", Arc::new(Bot::new(BOT, Arc::new(Idle))));
    Arc::new(r)
}

/// A text message `id` from the user `from`.
pub fn event(id: &str, from: &str) -> InboundEvent {
    serde_json::from_value(serde_json::json!({
        "type": "message", "provider": "acme", "id": id, "author": "user",
        "from": from, "to": "+14155238886", "profile_name": null, "timestamp": null,
        "reply_to": null, "conversation_id": null,
        "content": {"type": "text", "body": id}
    }))
    .unwrap()
}

pub fn entry(id: &str, from: &str) -> InboxEntry {
    InboxEntry::new(BOT, event(id, from))
}

pub fn id_of(d: &Delivery) -> String {
    match &d.event {
        InboundEvent::Message(m) => m.id.clone(),
        other => other.dedup_key(),
    }
}

/// Every call the handler got, in order, and whether it succeeded.
#[derive(Clone, Default)]
pub struct Calls(Arc<Mutex<Vec<(String, bool)>>>);

impl Calls {
    pub fn push(&self, id: String, ok: bool) {
        self.0.lock().unwrap().push((id, ok));
    }
    pub fn all(&self) -> Vec<(String, bool)> {
        self.0.lock().unwrap().clone()
    }
    pub fn handled(&self) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|c| c.1)
            .map(|c| c.0)
            .collect()
    }
    pub fn attempts(&self, id: &str) -> usize {
        self.all().iter().filter(|c| c.0 == id).count()
    }
    /// Waits (up to 20 s) until `done` holds for the calls.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[(String, bool)]) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if done(&self.all()) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: not reached; calls were {:?}",
                self.all()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

use std::sync::atomic::{AtomicBool, Ordering};

use whatsapp_connector::inbox::{Inbox, Worker};

/// Runs a worker named `name` on `inbox` until the returned sender is dropped or sent to.
pub fn spawn_worker(
    inbox: Arc<dyn Inbox>,
    name: &str,
    calls: &Calls,
    fail: Arc<AtomicBool>,
    configure: impl FnOnce(Worker) -> Worker,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let recorded = calls.clone();
    let worker = Worker::new(inbox, registry(), name, move |d: Delivery| {
        let recorded = recorded.clone();
        let fail = fail.clone();
        async move {
            let id = id_of(&d);
            if id.starts_with("bad") && fail.load(Ordering::SeqCst) {
                recorded.push(id, false);
                return Err("boom");
            }
            recorded.push(id, true);
            Ok(())
        }
    })
    .with_poll_wait(Duration::from_millis(50))
    .with_retry_backoff(Duration::from_millis(20), Duration::from_millis(60));
    let worker = configure(worker);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(worker.run(async move {
        let _ = rx.await;
    }));
    (tx, task)
}

async fn stop(
    worker: (
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<()>,
    ),
) {
    let _ = worker.0.send(());
    tokio::time::timeout(Duration::from_secs(10), worker.1)
        .await
        .expect("the worker stops")
        .unwrap();
}

const DAY: Duration = Duration::from_secs(86_400);

/// Events stored before any worker ran are handed over, each conversation's in order.
pub async fn stored_events_are_handled_in_order(inbox: Arc<dyn Inbox>) {
    let ids = ["a1", "b1", "a2", "a3", "b2", "a4"];
    for id in ids {
        let from = if id.starts_with('a') {
            "+14155550001"
        } else {
            "+14155550002"
        };
        assert!(inbox.store(&entry(id, from), DAY).await.unwrap());
    }
    let calls = Calls::default();
    let worker = spawn_worker(
        inbox.clone(),
        "w1",
        &calls,
        Arc::new(AtomicBool::new(false)),
        |w| w,
    );
    calls
        .wait_for("all handled", |c| c.len() == ids.len())
        .await;
    stop(worker).await;
    assert_eq!(
        calls.handled(),
        ids,
        "one worker hands events over in stored order"
    );
    let again = inbox.take("w2", 100, Duration::ZERO).await.unwrap();
    assert!(
        again.is_empty(),
        "acknowledged events are not handed out again: {again:?}"
    );
}

/// A failing event is retried, then dead-lettered after the attempts allowed; the other
/// conversations go on meanwhile, its own later events wait behind it; replay brings it back.
pub async fn failing_events_are_retried_then_dead_lettered(inbox: Arc<dyn Inbox>) {
    let (a, b) = ("+14155550001", "+14155550002");
    for (id, from) in [("bad1", a), ("good1", b), ("after1", a), ("good2", b)] {
        assert!(inbox.store(&entry(id, from), DAY).await.unwrap());
    }
    let calls = Calls::default();
    let fail = Arc::new(AtomicBool::new(true));
    let worker = spawn_worker(inbox.clone(), "w1", &calls, fail.clone(), |w| {
        w.with_max_attempts(3)
    });
    calls
        .wait_for(
            "the failing event dead-lettered and the rest handled",
            |c| {
                c.iter().filter(|x| x.0 == "bad1").count() == 3
                    && c.iter().filter(|x| x.1).count() == 3
            },
        )
        .await;
    let all = calls.all();
    let pos = |id: &str| all.iter().position(|c| c.0 == id).unwrap();
    let last_bad = all.iter().rposition(|c| c.0 == "bad1").unwrap();
    assert!(
        pos("good1") < last_bad,
        "another conversation is not blocked: {all:?}"
    );
    assert!(
        pos("after1") > last_bad,
        "the same conversation waits behind it: {all:?}"
    );
    assert!(pos("good1") < pos("good2"));
    assert_eq!(calls.attempts("bad1"), 3, "{all:?}");

    let dead = inbox.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(id_of_entry(&dead[0].entry), "bad1");
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].error, "boom");

    // Replayed once the cause is fixed: handled, and gone from the dead letters.
    fail.store(false, Ordering::SeqCst);
    assert!(inbox.replay(&dead[0].id).await.unwrap());
    calls
        .wait_for("the replayed event handled", |c| {
            c.iter().any(|x| x.0 == "bad1" && x.1)
        })
        .await;
    assert!(inbox.dead_letters(10).await.unwrap().is_empty());
    assert!(
        !inbox.replay(&dead[0].id).await.unwrap(),
        "a dead letter replays once"
    );
    stop(worker).await;
}

/// An event taken by a consumer that died (never acknowledged) is claimed by another worker
/// once idle for the claim time.
pub async fn a_dead_consumers_event_is_claimed(inbox: Arc<dyn Inbox>) {
    assert!(
        inbox
            .store(&entry("orphan", "+14155550003"), DAY)
            .await
            .unwrap()
    );
    let taken = inbox
        .take("dead-worker", 10, Duration::from_millis(500))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    drop(taken); // dies without acknowledging
    let calls = Calls::default();
    let worker = spawn_worker(
        inbox.clone(),
        "alive",
        &calls,
        Arc::new(AtomicBool::new(false)),
        |w| w,
    );
    calls
        .wait_for("the orphan claimed and handled", |c| {
            c.iter().any(|x| x.0 == "orphan" && x.1)
        })
        .await;
    stop(worker).await;
    assert_eq!(calls.attempts("orphan"), 1);
    assert!(
        inbox
            .take("other", 10, Duration::ZERO)
            .await
            .unwrap()
            .is_empty()
    );
}

pub fn id_of_entry(e: &InboxEntry) -> String {
    match &e.event {
        InboundEvent::Message(m) => m.id.clone(),
        other => other.dedup_key(),
    }
}
