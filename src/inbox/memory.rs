//! The in-process inbox.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use super::{DeadLetter, Inbox, InboxEntry, InboxError, Taken};
use crate::dedup::MemoryDedupStore;

/// An [`Inbox`] in this process's memory: retries, dead letters and ordering as the Redis
/// inbox has them, but lost with the process. Clones share the same inbox.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use std::time::Duration;
/// use whatsapp_connector::inbox::{Inbox, InboxEntry, MemoryInbox};
/// # let event: whatsapp_connector::InboundEvent = serde_json::from_str(r#"{"type": "message",
/// #  "provider": "twilio", "id": "SM1", "author": "user", "from": "+14155550100",
/// #  "to": "+14155238886", "profile_name": null, "timestamp": null, "reply_to": null,
/// #  "conversation_id": null, "content": {"type": "text", "body": "hola"}}"#).unwrap();
///
/// let inbox = MemoryInbox::new();
/// let day = Duration::from_secs(86_400);
/// let entry = InboxEntry::new("bot-1", event);
/// assert!(inbox.store(&entry, day).await?);
/// assert!(!inbox.store(&entry, day).await?, "a redelivery is stored once");
/// let taken = inbox.take("worker-1", 10, Duration::ZERO).await?;
/// assert_eq!(taken.len(), 1);
/// inbox.ack(&taken[0].id).await?;
/// # Ok::<(), whatsapp_connector::inbox::InboxError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct MemoryInbox {
    inner: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    claim_idle: Duration,
    dedup: MemoryDedupStore,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    /// Stored and not yet handed out, in order.
    waiting: BTreeMap<u64, InboxEntry>,
    /// Handed out and not yet acknowledged: the entry, its consumer, when it was last handed
    /// out or kept.
    pending: BTreeMap<u64, (InboxEntry, String, Instant)>,
    failures: HashMap<u64, u32>,
    dead: BTreeMap<u64, DeadLetter>,
}

impl State {
    fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

impl Default for MemoryInbox {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryInbox {
    /// How long an entry stays with a consumer that does not acknowledge it before another
    /// may take it, by default: 30 s.
    pub const DEFAULT_CLAIM_IDLE: Duration = Duration::from_secs(30);

    /// An empty inbox that remembers up to 100,000 dedup keys.
    pub fn new() -> Self {
        Self::with_claim_idle(Self::DEFAULT_CLAIM_IDLE)
    }

    /// An empty inbox whose unacknowledged entries may be taken by another consumer after
    /// `idle`.
    pub fn with_claim_idle(idle: Duration) -> Self {
        MemoryInbox {
            inner: Arc::new(Shared {
                claim_idle: idle,
                dedup: MemoryDedupStore::new(100_000),
                state: Mutex::new(State::default()),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many entries are stored and not yet acknowledged (waiting or pending).
    pub fn len(&self) -> usize {
        let s = self.lock();
        s.waiting.len() + s.pending.len()
    }

    /// True when every stored entry was acknowledged or dead-lettered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn take_now(&self, consumer: &str, max: usize) -> Vec<Taken> {
        let now = Instant::now();
        let mut s = self.lock();
        let idle = self.inner.claim_idle;
        let mut out = Vec::new();
        let stale: Vec<u64> = s
            .pending
            .iter()
            .filter(|(_, (_, _, at))| now.duration_since(*at) >= idle)
            .map(|(id, _)| *id)
            .take(max)
            .collect();
        for id in stale {
            if let Some(p) = s.pending.get_mut(&id) {
                p.1 = consumer.to_owned();
                p.2 = now;
                let entry = p.0.clone();
                let failures = s.failures.get(&id).copied().unwrap_or(0);
                out.push(Taken::new(id.to_string(), entry, failures));
            }
        }
        while out.len() < max {
            let Some((id, entry)) = s.waiting.pop_first() else {
                break;
            };
            s.pending
                .insert(id, (entry.clone(), consumer.to_owned(), now));
            out.push(Taken::new(id.to_string(), entry, 0));
        }
        out
    }
}

fn parse_id(id: &str) -> Option<u64> {
    id.parse().ok()
}

#[async_trait]
impl Inbox for MemoryInbox {
    async fn store(&self, entry: &InboxEntry, dedup_ttl: Duration) -> Result<bool, InboxError> {
        let mut s = self.lock();
        // Under the lock: the dedup check and the append are one step.
        if !self
            .inner
            .dedup
            .first_seen_at(&entry.dedup_key(), dedup_ttl, Instant::now())
        {
            return Ok(false);
        }
        let id = s.next();
        s.waiting.insert(id, entry.clone());
        Ok(true)
    }

    async fn take(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Taken>, InboxError> {
        let deadline = Instant::now() + wait;
        loop {
            let taken = self.take_now(consumer, max.max(1));
            if !taken.is_empty() || Instant::now() >= deadline {
                return Ok(taken);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            tokio::time::sleep(left.min(Duration::from_millis(10))).await;
        }
    }

    async fn keep(&self, consumer: &str, ids: &[String]) -> Result<(), InboxError> {
        let now = Instant::now();
        let mut s = self.lock();
        for id in ids.iter().filter_map(|i| parse_id(i)) {
            if let Some(p) = s.pending.get_mut(&id) {
                p.1 = consumer.to_owned();
                p.2 = now;
            }
        }
        Ok(())
    }

    async fn ack(&self, id: &str) -> Result<(), InboxError> {
        if let Some(id) = parse_id(id) {
            let mut s = self.lock();
            s.pending.remove(&id);
            s.failures.remove(&id);
        }
        Ok(())
    }

    async fn fail(&self, id: &str) -> Result<u32, InboxError> {
        let Some(id) = parse_id(id) else {
            return Ok(0);
        };
        let mut s = self.lock();
        let n = s.failures.entry(id).or_insert(0);
        *n = n.saturating_add(1);
        Ok(*n)
    }

    async fn dead_letter(&self, taken: &Taken, error: &str) -> Result<(), InboxError> {
        let mut s = self.lock();
        if let Some(id) = parse_id(&taken.id) {
            if s.pending.remove(&id).is_none() {
                // Already acknowledged or dead-lettered by another consumer.
                return Ok(());
            }
            s.failures.remove(&id);
        }
        let dead_id = s.next();
        let letter = DeadLetter::new(
            dead_id.to_string(),
            taken.entry.clone(),
            taken.failures,
            error,
        );
        s.dead.insert(dead_id, letter);
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, InboxError> {
        Ok(self.lock().dead.values().take(max).cloned().collect())
    }

    async fn replay(&self, id: &str) -> Result<bool, InboxError> {
        let mut s = self.lock();
        let Some(letter) = parse_id(id).and_then(|id| s.dead.remove(&id)) else {
            return Ok(false);
        };
        let new_id = s.next();
        s.waiting.insert(new_id, letter.entry);
        Ok(true)
    }
}
