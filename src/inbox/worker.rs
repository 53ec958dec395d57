//! The worker: takes events from an inbox, calls the handler, acknowledges, retries, and
//! moves what keeps failing to the dead letters.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

use super::{Inbox, Taken};
use crate::event::InboundEvent;
use crate::log_gate::LogGate;
use crate::registry::{Bot, Registry};

/// One event for your handler, with the bot it is for (whose provider you reply through).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Delivery {
    /// The bot the webhook was for.
    pub bot: Arc<Bot>,
    /// The event.
    pub event: InboundEvent,
}

impl Delivery {
    /// An event for `bot`.
    pub fn new(bot: Arc<Bot>, event: InboundEvent) -> Self {
        Delivery { bot, event }
    }
}

type BoxFuture = Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
type Handler = Arc<dyn Fn(Delivery) -> BoxFuture + Send + Sync>;

/// Takes events from an [`Inbox`] and hands each to your handler, acknowledging it only once
/// the handler returned `Ok`. See the [module docs](super) for what is guaranteed.
///
/// The bot of each event is looked up by id in the [`Registry`]
/// ([`Registry::bot`]); an event whose bot is no longer registered counts as a failed
/// attempt, and ends in the dead letters.
///
/// ```no_run
/// # async fn run(inbox: std::sync::Arc<dyn whatsapp_connector::inbox::Inbox>,
/// #              registry: std::sync::Arc<whatsapp_connector::registry::Registry>) {
/// use whatsapp_connector::inbox::Worker;
///
/// let worker = Worker::new(inbox, registry, "worker-1", |d| async move {
///     println!("{}: {:?}", d.bot.id, d.event.dedup_key());
///     Ok::<(), std::io::Error>(())
/// })
/// .with_max_attempts(5);
/// worker.run(async { tokio::signal::ctrl_c().await.unwrap_or(()) }).await;
/// # }
/// ```
#[derive(Clone)]
pub struct Worker {
    inbox: Arc<dyn Inbox>,
    registry: Arc<Registry>,
    name: String,
    handler: Handler,
    max_attempts: u32,
    retry_base: Duration,
    retry_max: Duration,
    batch: usize,
    poll_wait: Duration,
    keep_interval: Duration,
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker")
            .field("inbox", &self.inbox)
            .field("name", &self.name)
            .field("max_attempts", &self.max_attempts)
            .field("retry_base", &self.retry_base)
            .field("retry_max", &self.retry_max)
            .field("batch", &self.batch)
            .field("poll_wait", &self.poll_wait)
            .finish_non_exhaustive()
    }
}

impl Worker {
    /// Attempts at an event before it goes to the dead letters, by default: 5.
    pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
    /// The first retry's delay by default: 1 s (doubling, with jitter).
    pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(1);
    /// The longest retry delay by default: 10 s, so a failed event is retried well within
    /// the inbox's claim time.
    pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(10);
    /// Events taken at once by default: 16.
    pub const DEFAULT_BATCH: usize = 16;
    /// How long one take waits for new events by default: 1 s.
    pub const DEFAULT_POLL_WAIT: Duration = Duration::from_secs(1);
    /// How often the events this worker holds (waiting for a retry, or behind one) are
    /// marked as still in hand, by default: 5 s (see [`Inbox::keep`]).
    pub const DEFAULT_KEEP_INTERVAL: Duration = Duration::from_secs(5);

    /// A worker named `name` (unique among the workers of one inbox: a restarted worker may
    /// reuse its name) that hands each event to `handler`.
    pub fn new<F, Fut, E>(
        inbox: Arc<dyn Inbox>,
        registry: Arc<Registry>,
        name: impl Into<String>,
        handler: F,
    ) -> Self
    where
        F: Fn(Delivery) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + Send + 'static,
    {
        let handler: Handler = Arc::new(move |d| {
            let fut = handler(d);
            Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
        });
        Worker {
            inbox,
            registry,
            name: name.into(),
            handler,
            max_attempts: Self::DEFAULT_MAX_ATTEMPTS,
            retry_base: Self::DEFAULT_RETRY_BASE,
            retry_max: Self::DEFAULT_RETRY_MAX,
            batch: Self::DEFAULT_BATCH,
            poll_wait: Self::DEFAULT_POLL_WAIT,
            keep_interval: Self::DEFAULT_KEEP_INTERVAL,
        }
    }

    /// Sets how many attempts an event gets (at least 1) before it is moved to the dead
    /// letters, default [`Worker::DEFAULT_MAX_ATTEMPTS`].
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the retry delays: `base` before the first retry, doubling up to `max`, each with
    /// jitter (between half and all of it). Defaults [`Worker::DEFAULT_RETRY_BASE`] and
    /// [`Worker::DEFAULT_RETRY_MAX`].
    pub fn with_retry_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.retry_base = base;
        self.retry_max = max.max(base);
        self
    }

    /// Sets how many events one take asks for (at least 1), default
    /// [`Worker::DEFAULT_BATCH`].
    pub fn with_batch_size(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Sets how long one take waits for new events, default [`Worker::DEFAULT_POLL_WAIT`].
    pub fn with_poll_wait(mut self, wait: Duration) -> Self {
        self.poll_wait = wait;
        self
    }

    /// Sets how often held events are marked as still in hand, default
    /// [`Worker::DEFAULT_KEEP_INTERVAL`]. Keep it well under the inbox's claim time.
    pub fn with_keep_interval(mut self, interval: Duration) -> Self {
        self.keep_interval = interval;
        self
    }

    /// The worker's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs until `shutdown` completes: then it finishes the handler call in progress (and
    /// its acknowledgement) and returns. Events it held for a retry stay pending in the
    /// inbox, and are claimed by another worker (or this one, restarted under the same name).
    ///
    /// It never gives up on the inbox: while the store is unreachable it logs the failure
    /// (at most once every 10 s) and tries again with a growing pause (up to 5 s).
    pub async fn run<S>(self, shutdown: S)
    where
        S: Future<Output = ()> + Send,
    {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut state = State::default();
        let gate = LogGate::new(Duration::from_secs(10));
        let mut outage = 0u32;
        let mut last_keep = Instant::now();
        loop {
            let step = async {
                self.flush(&mut state, &gate).await;
                self.run_due(&mut state, &gate).await;
                if last_keep.elapsed() >= self.keep_interval {
                    self.keep(&state, &gate).await;
                    last_keep = Instant::now();
                }
                let wait = state
                    .next_retry()
                    .map(|at| at.saturating_duration_since(Instant::now()))
                    .map_or(self.poll_wait, |d| d.min(self.poll_wait));
                let taken = self.inbox.take(&self.name, self.batch, wait).await;
                match taken {
                    Ok(taken) => {
                        outage = 0;
                        for t in taken {
                            self.accept(&mut state, t, &gate).await;
                        }
                    }
                    Err(e) => {
                        if let Some(held) = gate.check() {
                            tracing::warn!(error = %e, held_back = held, worker = %self.name, "inbox unreachable; retrying");
                        }
                        outage = outage.saturating_add(1);
                        let pause = Duration::from_millis(100)
                            .saturating_mul(2u32.saturating_pow(outage.min(6)))
                            .min(Duration::from_secs(5));
                        tokio::time::sleep(pause).await;
                    }
                }
            };
            if until_first(step, shutdown.as_mut()).await.is_none() {
                break;
            }
        }
        // Acknowledgements still owed are worth one more try.
        self.flush(&mut state, &gate).await;
    }

    /// An event just taken: handled now, or queued behind its conversation's failed event.
    async fn accept(&self, state: &mut State, taken: Taken, gate: &LogGate) {
        if !state.in_hand.insert(taken.id.clone()) {
            // Already held here (claimed back from this same worker).
            return;
        }
        let conversation = taken.entry.conversation();
        if let Some(held) = state.held.get_mut(&conversation) {
            held.queue.push_back(taken);
            return;
        }
        let mut queue = VecDeque::from([taken]);
        if let Some(retry_at) = self.drain(state, &mut queue, gate).await {
            state.held.insert(conversation, Held { queue, retry_at });
        }
    }

    /// Retries the conversations whose backoff has passed.
    async fn run_due(&self, state: &mut State, gate: &LogGate) {
        let now = Instant::now();
        let due: Vec<String> = state
            .held
            .iter()
            .filter(|(_, h)| h.retry_at <= now)
            .map(|(c, _)| c.clone())
            .collect();
        for conversation in due {
            let Some(mut held) = state.held.remove(&conversation) else {
                continue;
            };
            if let Some(retry_at) = self.drain(state, &mut held.queue, gate).await {
                held.retry_at = retry_at;
                state.held.insert(conversation, held);
            }
        }
    }

    /// Handles the queue's events in order until one fails and waits for a retry: then
    /// returns when to retry it (the queue keeps it and what is behind it).
    async fn drain(
        &self,
        state: &mut State,
        queue: &mut VecDeque<Taken>,
        gate: &LogGate,
    ) -> Option<Instant> {
        while let Some(taken) = queue.front_mut() {
            match self.call(taken).await {
                Ok(()) => {
                    let id = taken.id.clone();
                    queue.pop_front();
                    self.ack(state, id, gate).await;
                }
                Err(error) => {
                    let failures = match self.inbox.fail(&taken.id).await {
                        Ok(n) => n.max(taken.failures + 1),
                        Err(_) => taken.failures + 1,
                    };
                    taken.failures = failures;
                    if failures >= self.max_attempts {
                        tracing::warn!(worker = %self.name, id = %taken.id, attempts = failures, %error, "event moved to the dead letters");
                        let Some(taken) = queue.pop_front() else {
                            break;
                        };
                        self.dead_letter(state, taken, error, gate).await;
                    } else {
                        let delay = self.backoff(failures);
                        tracing::info!(worker = %self.name, id = %taken.id, attempt = failures, retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), %error, "handler failed; retrying later");
                        return Some(Instant::now() + delay);
                    }
                }
            }
        }
        None
    }

    async fn call(&self, taken: &Taken) -> Result<(), String> {
        let Some(bot) = self.registry.bot(&taken.entry.bot_id) else {
            return Err(format!("no bot {:?} is registered", taken.entry.bot_id));
        };
        let delivery = Delivery::new(bot, taken.entry.event.clone());
        (self.handler)(delivery).await
    }

    async fn ack(&self, state: &mut State, id: String, gate: &LogGate) {
        match self.inbox.ack(&id).await {
            Ok(()) => {
                state.in_hand.remove(&id);
            }
            Err(e) => {
                if let Some(held) = gate.check() {
                    tracing::warn!(error = %e, held_back = held, "acknowledgement failed; trying again");
                }
                state.owed.push_back(Owed::Ack(id));
            }
        }
    }

    async fn dead_letter(&self, state: &mut State, taken: Taken, error: String, gate: &LogGate) {
        match self.inbox.dead_letter(&taken, &error).await {
            Ok(()) => {
                state.in_hand.remove(&taken.id);
            }
            Err(e) => {
                if let Some(held) = gate.check() {
                    tracing::warn!(error = %e, held_back = held, "moving to the dead letters failed; trying again");
                }
                state.owed.push_back(Owed::Dead(Box::new(taken), error));
            }
        }
    }

    /// Tries again the acknowledgements and dead-letter moves that failed.
    async fn flush(&self, state: &mut State, gate: &LogGate) {
        let owed = std::mem::take(&mut state.owed);
        for op in owed {
            match op {
                Owed::Ack(id) => self.ack(state, id, gate).await,
                Owed::Dead(taken, error) => self.dead_letter(state, *taken, error, gate).await,
            }
        }
    }

    async fn keep(&self, state: &State, gate: &LogGate) {
        if state.in_hand.is_empty() {
            return;
        }
        let ids: Vec<String> = state.in_hand.iter().cloned().collect();
        if let Err(e) = self.inbox.keep(&self.name, &ids).await
            && let Some(held) = gate.check()
        {
            tracing::warn!(error = %e, held_back = held, "could not mark held events as in hand");
        }
    }

    /// The delay before retry after `failures` failed attempts: the capped exponential step,
    /// times a random factor in `[0.5, 1]`.
    fn backoff(&self, failures: u32) -> Duration {
        let step = self
            .retry_base
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(31)))
            .min(self.retry_max);
        step.mul_f64(0.5 + fastrand::f64() / 2.0)
    }
}

/// What a worker holds between iterations.
#[derive(Default)]
struct State {
    /// Conversations waiting for the retry of their first event.
    held: HashMap<String, Held>,
    /// The ids of every event taken and not yet acknowledged or dead-lettered.
    in_hand: HashSet<String>,
    /// Acknowledgements and dead-letter moves to try again.
    owed: VecDeque<Owed>,
}

impl State {
    fn next_retry(&self) -> Option<Instant> {
        self.held.values().map(|h| h.retry_at).min()
    }
}

struct Held {
    queue: VecDeque<Taken>,
    retry_at: Instant,
}

enum Owed {
    Ack(String),
    Dead(Box<Taken>, String),
}

/// Runs `step` unless `shutdown` completes first (`shutdown` is polled first: once it is
/// done no new step starts); `None` when shutdown won.
async fn until_first<F, S>(step: F, mut shutdown: Pin<&mut S>) -> Option<F::Output>
where
    F: Future,
    S: Future<Output = ()> + ?Sized,
{
    let mut step = std::pin::pin!(step);
    let mut started = false;
    std::future::poll_fn(|cx| {
        if !started && shutdown.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        started = true;
        if let Poll::Ready(out) = step.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        // A step in progress finishes its handler call; only the waits are cut short.
        Poll::Pending
    })
    .await
}
