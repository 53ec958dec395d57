//! The inbox on Redis Streams.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ::redis::streams::{StreamAutoClaimReply, StreamId, StreamRangeReply, StreamReadReply};
use ::redis::{AsyncCommands, Script, Value};
use async_trait::async_trait;

use super::{Failure, RedisConnection};
use crate::error::ConfigError;
use crate::inbox::{DeadLetter, Inbox, InboxEntry, InboxError, Taken};

/// Appends an entry unless its dedup key is remembered; remembers it only once appended, so
/// a failed append leaves the event storable by the provider's redelivery.
const STORE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local id = redis.call('XADD', KEYS[2], '*', 'e', ARGV[2])
redis.call('SET', KEYS[1], id, 'PX', ARGV[1])
return id
";

/// Acknowledges a pending entry and copies it to the dead letters, if it is still pending.
const DEAD_LETTER: &str = r"
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
if acked == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'e', ARGV[3], 'error', ARGV[4], 'attempts', ARGV[5], 'origin', ARGV[2])
return 1
";

/// Moves a dead letter back to the inbox as a new entry.
const REPLAY: &str = r"
local found = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1])
if #found == 0 then return false end
local fields = found[1][2]
local payload = nil
for i = 1, #fields, 2 do
  if fields[i] == 'e' then payload = fields[i + 1] end
end
if not payload then return false end
local id = redis.call('XADD', KEYS[1], '*', 'e', payload)
redis.call('XDEL', KEYS[2], ARGV[1])
return id
";

/// Removes the entries before the oldest one the group has not acknowledged: the oldest
/// pending entry, else the last delivered one (entries after it were never delivered).
const TRIM: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local last = nil
for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
  local name, delivered = nil, nil
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then delivered = g[i + 1] end
  end
  if name == ARGV[1] then last = delivered end
end
if not last then return 0 end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1])
local keep_from = last
if pending[1] > 0 then keep_from = pending[2] end
return redis.call('XTRIM', KEYS[1], 'MINID', keep_from)
";

/// The consumer group every worker reads in.
const GROUP: &str = "workers";

/// The [`Inbox`] on Redis Streams, shared by every server instance and worker that uses the
/// same Redis and prefix. Clones share their connections.
///
/// # How it keeps events
///
/// Under the prefix `P` (default `wa`):
///
/// - `P:inbox` is the stream of entries (`e` = the [`InboxEntry`] JSON), read by the consumer
///   group `workers`, created at id `0` so that entries stored before any worker ever ran
///   are handled;
/// - `P:inbox:seen:<dedup key>` remembers an entry for the dedup TTL. The check, the `XADD`
///   and the remembering are one Lua script: two instances that receive the same
///   redelivery store it once, and a webhook answered 503 (nothing appended) is stored when
///   redelivered;
/// - `P:inbox:failures` counts failed attempts by entry id, so a worker that claims an
///   entry knows how many attempts it already had;
/// - `P:inbox:dead` is the stream of dead letters (`e`, `error`, `attempts`, `origin`), kept
///   until replayed or deleted by you.
///
/// Workers read with `XREADGROUP`, acknowledge with `XACK`, and claim entries another
/// consumer has left pending for the claim time ([`RedisInbox::with_claim_idle`], default
/// 30 s) with `XAUTOCLAIM`.
///
/// # Trimming
///
/// At most every [`RedisInbox::with_trim_interval`] (default 10 s), after an
/// acknowledgement, the stream is trimmed with `XTRIM MINID` to the oldest entry the group
/// has not acknowledged (the oldest pending one, else the last one delivered): an entry not
/// yet acknowledged, or not yet delivered, is never dropped. Acknowledged entries are
/// removed; dead letters are not (see [`Inbox::dead_letters`] and [`Inbox::replay`], or
/// `XDEL`/`XTRIM` on `P:inbox:dead` yourself).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use whatsapp_connector::redis::{RedisConnection, RedisInbox};
///
/// let redis = RedisConnection::open("redis://127.0.0.1:6379/0")?;
/// let inbox = RedisInbox::new(&redis)?.with_claim_idle(Duration::from_secs(30));
/// # let _ = inbox;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisInbox {
    inner: std::sync::Arc<Inner>,
}

struct Inner {
    redis: RedisConnection,
    /// A connection of its own for the blocking reads.
    reader: RedisConnection,
    prefix: String,
    claim_idle: Duration,
    trim_interval: Duration,
    last_trim: Mutex<Option<Instant>>,
    group_ready: AtomicBool,
    /// Where the next `XAUTOCLAIM` scan starts.
    claim_cursor: Mutex<String>,
    store: Script,
    dead_letter: Script,
    replay: Script,
    trim: Script,
}

impl fmt::Debug for RedisInbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisInbox")
            .field("redis", &self.inner.redis)
            .field("prefix", &self.inner.prefix)
            .field("claim_idle", &self.inner.claim_idle)
            .field("trim_interval", &self.inner.trim_interval)
            .finish_non_exhaustive()
    }
}

impl RedisInbox {
    /// The default key prefix: `wa`.
    pub const DEFAULT_PREFIX: &'static str = "wa";
    /// How long an entry stays with a consumer that does not acknowledge it before another
    /// worker claims it, by default: 30 s.
    pub const DEFAULT_CLAIM_IDLE: Duration = Duration::from_secs(30);
    /// The least time between two trims of the stream, by default: 10 s.
    pub const DEFAULT_TRIM_INTERVAL: Duration = Duration::from_secs(10);
    /// The longest a blocking read waits for new entries, whatever a worker asks: 5 s.
    pub const MAX_BLOCK: Duration = Duration::from_secs(5);

    /// An inbox on `redis` under the prefix [`RedisInbox::DEFAULT_PREFIX`].
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the client refuses to open the second connection the blocking
    /// reads use (not expected once [`RedisConnection::open`] succeeded).
    pub fn new(redis: &RedisConnection) -> Result<Self, ConfigError> {
        Ok(Self::build(
            redis.clone(),
            redis.blocking(Self::MAX_BLOCK)?,
            Self::DEFAULT_PREFIX.to_owned(),
            Self::DEFAULT_CLAIM_IDLE,
            Self::DEFAULT_TRIM_INTERVAL,
        ))
    }

    fn build(
        redis: RedisConnection,
        reader: RedisConnection,
        prefix: String,
        claim_idle: Duration,
        trim_interval: Duration,
    ) -> Self {
        RedisInbox {
            inner: std::sync::Arc::new(Inner {
                redis,
                reader,
                prefix,
                claim_idle,
                trim_interval,
                last_trim: Mutex::new(None),
                group_ready: AtomicBool::new(false),
                claim_cursor: Mutex::new("0-0".to_owned()),
                store: Script::new(STORE),
                dead_letter: Script::new(DEAD_LETTER),
                replay: Script::new(REPLAY),
                trim: Script::new(TRIM),
            }),
        }
    }

    fn rebuild(&self, prefix: String, claim_idle: Duration, trim_interval: Duration) -> Self {
        Self::build(
            self.inner.redis.clone(),
            self.inner.reader.clone(),
            prefix,
            claim_idle,
            trim_interval,
        )
    }

    /// Uses another key prefix (several inboxes on one Redis), default
    /// [`RedisInbox::DEFAULT_PREFIX`]. Servers and workers of one inbox must agree on it.
    pub fn with_prefix(self, prefix: impl Into<String>) -> Self {
        let (idle, trim) = (self.inner.claim_idle, self.inner.trim_interval);
        self.rebuild(prefix.into(), idle, trim)
    }

    /// Sets how long an entry may stay unacknowledged with one worker before another claims
    /// it, default [`RedisInbox::DEFAULT_CLAIM_IDLE`]. Make it longer than your slowest
    /// handler call: a call that outlasts it may see its event handed to another worker too.
    pub fn with_claim_idle(self, idle: Duration) -> Self {
        let (prefix, trim) = (self.inner.prefix.clone(), self.inner.trim_interval);
        self.rebuild(prefix, idle, trim)
    }

    /// Sets the least time between two trims of the stream, default
    /// [`RedisInbox::DEFAULT_TRIM_INTERVAL`].
    pub fn with_trim_interval(self, interval: Duration) -> Self {
        let (prefix, idle) = (self.inner.prefix.clone(), self.inner.claim_idle);
        self.rebuild(prefix, idle, interval)
    }

    /// The key of the stream of entries (`<prefix>:inbox`).
    pub fn stream_key(&self) -> String {
        format!("{}:inbox", self.inner.prefix)
    }

    /// The key of the stream of dead letters (`<prefix>:inbox:dead`).
    pub fn dead_letter_key(&self) -> String {
        format!("{}:inbox:dead", self.inner.prefix)
    }

    fn failures_key(&self) -> String {
        format!("{}:inbox:failures", self.inner.prefix)
    }

    fn seen_key(&self, entry: &InboxEntry) -> String {
        format!("{}:inbox:seen:{}", self.inner.prefix, entry.dedup_key())
    }

    /// Entries stored and not yet acknowledged or dead-lettered would be what `XLEN` minus
    /// the acknowledged ones is; this is simply `XLEN` of the stream: entries not yet
    /// trimmed, acknowledged ones included.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when Redis could not be reached.
    pub async fn stream_len(&self) -> Result<u64, InboxError> {
        let key = self.stream_key();
        Ok(self
            .inner
            .redis
            .run("XLEN", |mut c| async move { c.xlen(key).await })
            .await?)
    }

    /// How many entries were handed to a worker and not yet acknowledged (`XPENDING`).
    ///
    /// # Errors
    ///
    /// [`InboxError`] when Redis could not be reached.
    pub async fn pending(&self) -> Result<u64, InboxError> {
        self.ensure_group().await?;
        let key = self.stream_key();
        let reply: Vec<Value> = self
            .inner
            .redis
            .run("XPENDING", |mut c| async move {
                ::redis::cmd("XPENDING")
                    .arg(key)
                    .arg(GROUP)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(match reply.first() {
            Some(Value::Int(n)) => u64::try_from(*n).unwrap_or(0),
            _ => 0,
        })
    }

    /// Trims the stream now (see the type's docs for the policy); returns how many entries
    /// were removed.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when Redis could not be reached.
    pub async fn trim(&self) -> Result<u64, InboxError> {
        let key = self.stream_key();
        let script = &self.inner.trim;
        let removed: u64 = self
            .inner
            .redis
            .run("trim", |mut c| async move {
                script.key(key).arg(GROUP).invoke_async(&mut c).await
            })
            .await?;
        *self
            .inner
            .last_trim
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(removed)
    }

    async fn maybe_trim(&self) {
        let due = {
            let last = self
                .inner
                .last_trim
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            last.is_none_or(|t| t.elapsed() >= self.inner.trim_interval)
        };
        if due && let Err(e) = self.trim().await {
            tracing::debug!(error = %e, "trimming the inbox failed; trying again later");
        }
    }

    /// Creates the consumer group at id `0` (and the stream) unless it exists.
    async fn ensure_group(&self) -> Result<(), InboxError> {
        if self.inner.group_ready.load(Ordering::Relaxed) {
            return Ok(());
        }
        let key = self.stream_key();
        let created: Result<(), Failure> = self
            .inner
            .redis
            .run("XGROUP CREATE", |mut c| async move {
                c.xgroup_create_mkstream(key, GROUP, "0").await
            })
            .await;
        match created {
            Ok(()) => {}
            Err(f) if f.source.as_ref().and_then(|e| e.code()) == Some("BUSYGROUP") => {}
            Err(f) => return Err(f.into()),
        }
        self.inner.group_ready.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// After a `NOGROUP` answer (the stream was deleted, or Redis lost its data): create the
    /// group again next time.
    fn forget_group(&self, failure: &Failure) {
        if failure.nogroup() {
            self.inner.group_ready.store(false, Ordering::Relaxed);
        }
    }

    /// Entries left idle by other consumers, claimed for `consumer`.
    async fn claim(&self, consumer: &str, max: usize) -> Result<Vec<StreamId>, Failure> {
        let key = self.stream_key();
        let cursor = self
            .inner
            .claim_cursor
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let idle = millis(self.inner.claim_idle);
        let reply: StreamAutoClaimReply = self
            .inner
            .redis
            .run("XAUTOCLAIM", |mut c| async move {
                ::redis::cmd("XAUTOCLAIM")
                    .arg(key)
                    .arg(GROUP)
                    .arg(consumer)
                    .arg(idle)
                    .arg(cursor)
                    .arg("COUNT")
                    .arg(max)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        *self
            .inner
            .claim_cursor
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = reply.next_stream_id;
        Ok(reply.claimed)
    }

    async fn read_new(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<StreamId>, Failure> {
        let key = self.stream_key();
        let block = millis(wait.min(Self::MAX_BLOCK));
        let reply: Option<StreamReadReply> = self
            .inner
            .reader
            .run("XREADGROUP", |mut c| async move {
                let mut cmd = ::redis::cmd("XREADGROUP");
                cmd.arg("GROUP")
                    .arg(GROUP)
                    .arg(consumer)
                    .arg("COUNT")
                    .arg(max);
                if block > 0 {
                    cmd.arg("BLOCK").arg(block);
                }
                cmd.arg("STREAMS")
                    .arg(key)
                    .arg(">")
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(reply
            .map(|r| r.keys.into_iter().flat_map(|k| k.ids).collect())
            .unwrap_or_default())
    }

    /// The stream entries as [`Taken`]s; an entry that cannot be read is moved to the dead
    /// letters as it is.
    async fn to_taken(&self, ids: Vec<StreamId>, claimed: bool) -> Result<Vec<Taken>, InboxError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let raw = payload(&id.map);
            match raw.as_deref().map(serde_json::from_str::<InboxEntry>) {
                Some(Ok(entry)) => out.push(Taken::new(id.id, entry, 0)),
                _ => {
                    tracing::warn!(id = %id.id, "an inbox entry could not be read; moved to the dead letters");
                    self.dead_raw(&id.id, raw.as_deref().unwrap_or(""), "unreadable entry", 0)
                        .await?;
                }
            }
        }
        if claimed && !out.is_empty() {
            let key = self.failures_key();
            let fields: Vec<String> = out.iter().map(|t| t.id.clone()).collect();
            let counts: Vec<Option<u32>> = self
                .inner
                .redis
                .run("HMGET", |mut c| async move {
                    ::redis::cmd("HMGET")
                        .arg(key)
                        .arg(fields)
                        .query_async(&mut c)
                        .await
                })
                .await?;
            for (t, n) in out.iter_mut().zip(counts) {
                t.failures = n.unwrap_or(0);
            }
        }
        Ok(out)
    }

    async fn dead_raw(
        &self,
        id: &str,
        payload: &str,
        error: &str,
        attempts: u32,
    ) -> Result<bool, InboxError> {
        let keys = (
            self.stream_key(),
            self.dead_letter_key(),
            self.failures_key(),
        );
        let script = &self.inner.dead_letter;
        let moved: i64 = self
            .inner
            .redis
            .run("dead letter", |mut c| async move {
                script
                    .key(keys.0)
                    .key(keys.1)
                    .key(keys.2)
                    .arg(GROUP)
                    .arg(id)
                    .arg(payload)
                    .arg(error)
                    .arg(attempts)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(moved == 1)
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The `e` field of an entry, as text.
fn payload(map: &std::collections::HashMap<String, Value>) -> Option<String> {
    match map.get("e")? {
        Value::BulkString(b) => String::from_utf8(b.clone()).ok(),
        Value::SimpleString(s) => Some(s.clone()),
        _ => None,
    }
}

fn field(map: &std::collections::HashMap<String, Value>, name: &str) -> Option<String> {
    match map.get(name)? {
        Value::BulkString(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::SimpleString(s) => Some(s.clone()),
        Value::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A stream id as Redis writes them (`<ms>-<seq>`).
fn is_stream_id(id: &str) -> bool {
    let mut parts = id.splitn(2, '-');
    let digits =
        |s: Option<&str>| s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    digits(parts.next()) && digits(parts.next())
}

#[async_trait]
impl Inbox for RedisInbox {
    async fn store(&self, entry: &InboxEntry, dedup_ttl: Duration) -> Result<bool, InboxError> {
        let json = serde_json::to_string(entry)
            .map_err(|e| InboxError::with_source("the event could not be serialized", e))?;
        let keys = (self.seen_key(entry), self.stream_key());
        let ttl = millis(dedup_ttl).max(1);
        let script = &self.inner.store;
        let id: Option<String> = self
            .inner
            .redis
            .run("store", |mut c| async move {
                script
                    .key(keys.0)
                    .key(keys.1)
                    .arg(ttl)
                    .arg(json)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(id.is_some())
    }

    async fn take(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Taken>, InboxError> {
        self.ensure_group().await?;
        let max = max.max(1);
        let claimed = match self.claim(consumer, max).await {
            Ok(c) => c,
            Err(f) => {
                self.forget_group(&f);
                return Err(f.into());
            }
        };
        if !claimed.is_empty() {
            return self.to_taken(claimed, true).await;
        }
        let fresh = match self.read_new(consumer, max, wait).await {
            Ok(f) => f,
            Err(f) => {
                self.forget_group(&f);
                return Err(f.into());
            }
        };
        self.to_taken(fresh, false).await
    }

    async fn keep(&self, consumer: &str, ids: &[String]) -> Result<(), InboxError> {
        let ids: Vec<&String> = ids.iter().filter(|i| is_stream_id(i)).collect();
        if ids.is_empty() {
            return Ok(());
        }
        let key = self.stream_key();
        let _: Value = self
            .inner
            .redis
            .run("XCLAIM", |mut c| async move {
                ::redis::cmd("XCLAIM")
                    .arg(key)
                    .arg(GROUP)
                    .arg(consumer)
                    .arg(0)
                    .arg(ids)
                    .arg("JUSTID")
                    .query_async(&mut c)
                    .await
            })
            .await?;
        Ok(())
    }

    async fn ack(&self, id: &str) -> Result<(), InboxError> {
        if !is_stream_id(id) {
            return Ok(());
        }
        let (key, failures) = (self.stream_key(), self.failures_key());
        let _: Value = self
            .inner
            .redis
            .run("XACK", |mut c| async move {
                ::redis::pipe()
                    .atomic()
                    .xack(key, GROUP, &[id])
                    .hdel(failures, id)
                    .query_async(&mut c)
                    .await
            })
            .await?;
        self.maybe_trim().await;
        Ok(())
    }

    async fn fail(&self, id: &str) -> Result<u32, InboxError> {
        if !is_stream_id(id) {
            return Ok(0);
        }
        let key = self.failures_key();
        Ok(self
            .inner
            .redis
            .run("HINCRBY", |mut c| async move { c.hincr(key, id, 1).await })
            .await?)
    }

    async fn dead_letter(&self, taken: &Taken, error: &str) -> Result<(), InboxError> {
        let json = serde_json::to_string(&taken.entry)
            .map_err(|e| InboxError::with_source("the event could not be serialized", e))?;
        self.dead_raw(&taken.id, &json, error, taken.failures)
            .await?;
        Ok(())
    }

    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, InboxError> {
        let key = self.dead_letter_key();
        let reply: StreamRangeReply = self
            .inner
            .redis
            .run("XRANGE", |mut c| async move {
                c.xrange_count(key, "-", "+", max).await
            })
            .await?;
        let mut out = Vec::with_capacity(reply.ids.len());
        for id in reply.ids {
            let entry = payload(&id.map).and_then(|p| serde_json::from_str::<InboxEntry>(&p).ok());
            let Some(entry) = entry else {
                tracing::warn!(id = %id.id, "a dead letter could not be read; skipped");
                continue;
            };
            let attempts = field(&id.map, "attempts")
                .and_then(|a| a.parse().ok())
                .unwrap_or(0);
            let error = field(&id.map, "error").unwrap_or_default();
            out.push(DeadLetter::new(id.id, entry, attempts, error));
        }
        Ok(out)
    }

    async fn replay(&self, id: &str) -> Result<bool, InboxError> {
        if !is_stream_id(id) {
            return Ok(false);
        }
        let keys = (self.stream_key(), self.dead_letter_key());
        let script = &self.inner.replay;
        let new_id: Option<String> = self
            .inner
            .redis
            .run("replay", |mut c| async move {
                script
                    .key(keys.0)
                    .key(keys.1)
                    .arg(id)
                    .invoke_async(&mut c)
                    .await
            })
            .await?;
        Ok(new_id.is_some())
    }
}
