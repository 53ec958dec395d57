//! Dropping redelivered webhooks.
//!
//! Both providers redeliver: Twilio retries a webhook that timed out, Botmaker retries until it
//! gets a 200. Every [`InboundEvent`](crate::InboundEvent) has a stable
//! [`dedup_key`](crate::InboundEvent::dedup_key); a [`DedupStore`] remembers the keys it has
//! seen so each event is handled once.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;

/// Remembers which events were already handled.
///
/// # Semantics (for implementors)
///
/// [`DedupStore::first_seen`] must be an atomic *insert if absent*: when several server
/// instances receive the same redelivered event at once, exactly one call returns `true`.
/// A key is remembered for at least `ttl`; after that it may be forgotten, so a redelivery
/// later than `ttl` is handled again. Choose `ttl` longer than the providers' retry window
/// (a day is ample). A shared store for several instances maps this onto one atomic command,
/// such as Redis `SET key 1 NX PX <ttl>` (`OK` means first seen).
///
/// When the store fails, return the error: the webhook handler then handles the event
/// (at-least-once), rather than dropping a message that was never seen.
#[async_trait]
pub trait DedupStore: Send + Sync {
    /// Records `key`; returns `true` if it was not already recorded within its TTL.
    async fn first_seen(&self, key: &str, ttl: Duration) -> Result<bool, DedupError>;
}

/// A dedup store failed (for example, a shared store was unreachable).
///
/// It carries a message and, optionally, the error underneath
/// ([`std::error::Error::source`]), such as the client error of a shared store.
///
/// ```
/// use std::error::Error as _;
/// use whatsapp_connector::dedup::DedupError;
///
/// let io = std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 5 s");
/// let e = DedupError::with_source("the shared store did not answer", io);
/// assert_eq!(e.to_string(), "dedup store: the shared store did not answer");
/// assert_eq!(e.source().unwrap().to_string(), "no answer in 5 s");
/// ```
#[derive(Debug, thiserror::Error)]
#[error("dedup store: {message}")]
pub struct DedupError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl DedupError {
    /// A failure described by `message` alone.
    pub fn new(message: impl Into<String>) -> Self {
        DedupError {
            message: message.into(),
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        DedupError {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// What failed, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// An in-memory [`DedupStore`] for one process, bounded in size: when full, the keys closest
/// to expiry are forgotten first (with one TTL for every key, as the webhook endpoint uses,
/// the oldest).
///
/// It keeps a 128-bit keyed hash of each key (two SipHash passes with keys drawn at random
/// when the store is made), not the key itself: no message ids or numbers held in memory.
/// Two different keys would have to collide on all 128 bits for an event to be dropped by
/// mistake.
///
/// With one TTL for every key, 100,000 keys take about 5.5 MiB, and under 9 MiB once as
/// many again have gone through it (`benches/compare` mode `dedup`). Each call costs
/// `O(log n)` plus the keys it finds expired, whatever the capacity: keys are kept in expiry
/// order and expired ones are taken from the front. A TTL longer than
/// [`MemoryDedupStore::MAX_TTL`] (about 100 years, `Duration::MAX` included) counts as that.
///
/// ```
/// # tokio_test_block_on(async {
/// use std::time::Duration;
/// use whatsapp_connector::dedup::{DedupStore, MemoryDedupStore};
///
/// let store = MemoryDedupStore::new(10_000);
/// let ttl = Duration::from_secs(86_400);
/// assert!(store.first_seen("twilio:SM1", ttl).await.unwrap());
/// assert!(!store.first_seen("twilio:SM1", ttl).await.unwrap());
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
#[derive(Debug)]
pub struct MemoryDedupStore {
    capacity: usize,
    hashers: (RandomState, RandomState),
    inner: Mutex<Inner>,
}

/// A key's 128-bit keyed hash.
type Fingerprint = u128;

/// The keys held, each in one of two queues by expiry. With one TTL for every key (as the
/// webhook endpoint uses it) and a clock that goes forward, every key expires after the one
/// before it, and all of them sit in `in_order`, a ring buffer of 32 bytes a key; a key that
/// expires before the last one does (a shorter TTL) goes to `out_of_order`. The key closest
/// to expiry is the first of one of the two.
#[derive(Debug, Default)]
struct Inner {
    /// Every key held: exactly one entry in `in_order` or `out_of_order` each.
    keys: HashSet<Fingerprint, FingerprintHasher>,
    /// Keys by insertion, which is also expiry order: each expires no earlier than the one
    /// before it.
    in_order: VecDeque<(Instant, Fingerprint)>,
    /// Keys that came expiring before the last of `in_order`: by expiry, then insertion.
    out_of_order: BTreeMap<(Instant, u64), Fingerprint>,
    /// Insertions so far, to order keys of equal expiry in `out_of_order`.
    inserted: u64,
}

impl Inner {
    /// Where the key closest to expiry is: `Some(true)` at the front of `in_order`. Among
    /// equal expiries, the one of `in_order` was inserted first.
    fn first_in_order(&self) -> Option<bool> {
        match (self.in_order.front(), self.out_of_order.first_key_value()) {
            (Some(&(a, _)), Some((&(b, _), _))) => Some(a <= b),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    }

    /// The earliest expiry held.
    fn first_expiry(&self) -> Option<Instant> {
        match self.first_in_order()? {
            true => self.in_order.front().map(|&(e, _)| e),
            false => self.out_of_order.first_key_value().map(|(&(e, _), _)| e),
        }
    }

    fn remove_first(&mut self) -> Option<Fingerprint> {
        let key = match self.first_in_order()? {
            true => self.in_order.pop_front()?.1,
            false => self.out_of_order.pop_first()?.1,
        };
        self.keys.remove(&key);
        Some(key)
    }

    fn insert(&mut self, key: Fingerprint, expires: Instant) {
        self.keys.insert(key);
        match self.in_order.back() {
            Some(&(last, _)) if expires < last => {
                self.out_of_order.insert((expires, self.inserted), key);
            }
            _ => self.in_order.push_back((expires, key)),
        }
        self.inserted = self.inserted.wrapping_add(1);
    }

    fn held(&self) -> usize {
        self.keys.len()
    }
}

/// Hashing for fingerprints, which are keyed hashes already: their own bits, folded.
#[derive(Debug, Default, Clone, Copy)]
struct FingerprintHasher;

impl BuildHasher for FingerprintHasher {
    type Hasher = FoldHasher;
    fn build_hasher(&self) -> FoldHasher {
        FoldHasher(0)
    }
}

/// Folds what it is given into 64 bits (see [`FingerprintHasher`]).
struct FoldHasher(u64);

impl Hasher for FoldHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = self.0.rotate_left(5) ^ u64::from_le_bytes(word);
        }
    }

    fn write_u128(&mut self, v: u128) {
        // Truncation intended: the two halves, folded.
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

impl MemoryDedupStore {
    /// The longest TTL the store applies, about 100 years; a longer one counts as this.
    pub const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

    /// A store that holds at most `capacity` keys (at least 1).
    pub fn new(capacity: usize) -> Self {
        MemoryDedupStore {
            capacity: capacity.max(1),
            hashers: (RandomState::new(), RandomState::new()),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn fingerprint(&self, key: &str) -> Fingerprint {
        let high = self.hashers.0.hash_one(key);
        let low = self.hashers.1.hash_one(key);
        (u128::from(high) << 64) | u128::from(low)
    }

    /// How many keys it holds now (expired ones included until a call sweeps them).
    pub fn len(&self) -> usize {
        self.lock().held()
    }

    /// True when it holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent in a way that
        // matters here, so a poisoned lock is used as it is.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The synchronous form of [`DedupStore::first_seen`], at a given time.
    pub fn first_seen_at(&self, key: &str, ttl: Duration, now: Instant) -> bool {
        let key = self.fingerprint(key);
        let mut inner = self.lock();
        // Sweep expired keys from the front: only those, never a scan of the rest.
        while let Some(exp) = inner.first_expiry() {
            if exp > now {
                break;
            }
            inner.remove_first();
        }
        // Whatever is left has not expired.
        if inner.keys.contains(&key) {
            return false;
        }
        inner.insert(key, expiry(now, ttl));
        while inner.held() > self.capacity {
            if inner.remove_first().is_none() {
                break;
            }
        }
        true
    }
}

/// `now + ttl`, with `ttl` capped at [`MemoryDedupStore::MAX_TTL`] and never overflowing:
/// on a clock so close to its end that even the cap does not fit, the TTL is halved until it
/// does.
fn expiry(now: Instant, ttl: Duration) -> Instant {
    let mut ttl = ttl.min(MemoryDedupStore::MAX_TTL);
    loop {
        if let Some(exp) = now.checked_add(ttl) {
            return exp;
        }
        // Ends: `now + 0` always fits.
        ttl /= 2;
    }
}

#[async_trait]
impl DedupStore for MemoryDedupStore {
    async fn first_seen(&self, key: &str, ttl: Duration) -> Result<bool, DedupError> {
        Ok(self.first_seen_at(key, ttl, Instant::now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn remembers_within_the_ttl_and_forgets_after() {
        let s = MemoryDedupStore::new(100);
        let t0 = Instant::now();
        assert!(s.first_seen_at("a", TTL, t0));
        assert!(!s.first_seen_at("a", TTL, t0 + Duration::from_secs(59)));
        assert!(s.first_seen_at("b", TTL, t0));
        assert!(s.first_seen_at("a", TTL, t0 + Duration::from_secs(61)));
        assert!(!s.first_seen_at("a", TTL, t0 + Duration::from_secs(62)));
    }

    #[test]
    fn stays_within_its_capacity_forgetting_the_oldest() {
        let s = MemoryDedupStore::new(3);
        let t0 = Instant::now();
        for k in ["a", "b", "c", "d"] {
            assert!(s.first_seen_at(k, TTL, t0));
        }
        assert_eq!(s.len(), 3);
        assert!(!s.first_seen_at("d", TTL, t0));
        assert!(s.first_seen_at("a", TTL, t0), "the oldest was forgotten");
    }

    #[test]
    fn memory_stays_bounded_under_churn() {
        let s = MemoryDedupStore::new(10);
        let t0 = Instant::now();
        for i in 0..10_000u64 {
            let now = t0 + Duration::from_millis(i);
            s.first_seen_at(&format!("k{}", i % 25), Duration::from_millis(5), now);
        }
        let inner = s.lock();
        assert!(inner.keys.len() <= 10);
        assert_eq!(
            inner.in_order.len() + inner.out_of_order.len(),
            inner.keys.len()
        );
    }

    #[test]
    fn a_huge_ttl_does_not_panic_and_is_remembered() {
        let s = MemoryDedupStore::new(10);
        let t0 = Instant::now();
        assert!(s.first_seen_at("forever", Duration::MAX, t0));
        assert!(!s.first_seen_at("forever", Duration::MAX, t0));
        assert!(!s.first_seen_at("forever", TTL, t0 + Duration::from_secs(10 * 365 * 86_400)));
        // A short-lived key behind it still expires on time.
        assert!(s.first_seen_at("brief", TTL, t0));
        assert!(s.first_seen_at("brief", TTL, t0 + Duration::from_secs(61)));
        assert_eq!(expiry(t0, Duration::MAX), t0 + MemoryDedupStore::MAX_TTL);
    }

    #[tokio::test]
    async fn the_async_form_takes_a_huge_ttl_too() {
        let s = MemoryDedupStore::new(10);
        assert!(s.first_seen("k", Duration::MAX).await.unwrap());
        assert!(!s.first_seen("k", Duration::MAX).await.unwrap());
    }

    #[test]
    fn expiry_removes_expired_keys_and_only_those() {
        let s = MemoryDedupStore::new(100);
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(s.first_seen_at(&format!("short{i}"), Duration::from_secs(10), t0));
        }
        // A longer TTL inserted first must not shield the short ones behind it.
        assert!(s.first_seen_at("long", Duration::from_secs(3600), t0));
        assert!(s.first_seen_at("mid", Duration::from_secs(30), t0));
        assert_eq!(s.len(), 12);
        // Eleven seconds later, one call sweeps the ten expired keys and keeps the rest.
        assert!(s.first_seen_at("new", Duration::from_secs(10), t0 + Duration::from_secs(11)));
        assert_eq!(s.len(), 3);
        let t1 = t0 + Duration::from_secs(12);
        assert!(!s.first_seen_at("long", TTL, t1));
        assert!(!s.first_seen_at("mid", TTL, t1));
        assert!(!s.first_seen_at("new", TTL, t1));
        assert!(
            s.first_seen_at("short3", TTL, t1),
            "an expired key is new again"
        );
    }

    #[test]
    fn a_sweep_takes_only_what_expired_from_the_front() {
        // A store far larger than what expires: after the sweep, the keys left are exactly
        // the unexpired ones, in expiry order.
        let s = MemoryDedupStore::new(100_000);
        let t0 = Instant::now();
        for i in 0..50_000u64 {
            s.first_seen_at(&format!("k{i}"), Duration::from_secs(i + 1), t0);
        }
        s.first_seen_at(
            "probe",
            Duration::from_secs(1_000_000),
            t0 + Duration::from_secs(100),
        );
        let inner = s.lock();
        assert_eq!(inner.keys.len(), 50_000 - 100 + 1);
        assert_eq!(
            inner.in_order.len() + inner.out_of_order.len(),
            inner.keys.len()
        );
        let first = inner.first_expiry().unwrap();
        assert!(first > t0 + Duration::from_secs(100));
    }

    #[test]
    fn one_ttl_keeps_every_key_in_the_ring_and_evicts_the_oldest() {
        let s = MemoryDedupStore::new(1_000);
        let t0 = Instant::now();
        for i in 0..5_000u64 {
            let now = t0 + Duration::from_millis(i);
            assert!(s.first_seen_at(&format!("k{i}"), TTL, now));
        }
        let inner = s.lock();
        assert!(inner.out_of_order.is_empty());
        assert_eq!(inner.in_order.len(), 1_000);
        drop(inner);
        let t1 = t0 + Duration::from_secs(5);
        assert!(
            !s.first_seen_at("k4000", TTL, t1),
            "the newest 1,000 are held"
        );
        assert!(
            s.first_seen_at("k3999", TTL, t1),
            "older ones were forgotten"
        );
    }

    #[test]
    fn a_key_is_new_again_once_capacity_others_came_after_it() {
        // Two senders cycling through their own halves of 2,000 keys at different speeds:
        // between two sends of a key come at least 1,000 others, so with a capacity of
        // 1,000 every send is new.
        let s = MemoryDedupStore::new(1_000);
        let t0 = Instant::now();
        let (mut a, mut b) = (0u64, 0u64);
        for step in 0..20_000u64 {
            let now = t0 + Duration::from_micros(step);
            let key = if step % 3 == 0 {
                b += 1;
                format!("b{}", b % 1_000)
            } else {
                a += 1;
                format!("a{}", a % 1_000)
            };
            assert!(s.first_seen_at(&key, TTL, now), "{key} at step {step}");
        }
        assert_eq!(s.len(), 1_000);
    }

    #[test]
    fn mixed_ttls_are_forgotten_by_expiry_then_insertion() {
        let s = MemoryDedupStore::new(3);
        let t0 = Instant::now();
        assert!(s.first_seen_at("long", Duration::from_secs(3600), t0));
        assert!(s.first_seen_at("short", Duration::from_secs(10), t0));
        assert!(s.first_seen_at("short2", Duration::from_secs(10), t0));
        {
            let inner = s.lock();
            assert_eq!((inner.in_order.len(), inner.out_of_order.len()), (1, 2));
        }
        // Full: the next key pushes out the one closest to expiry, "short" (before
        // "short2", same expiry, inserted later), not "long", inserted first.
        assert!(s.first_seen_at("mid", Duration::from_secs(60), t0));
        assert!(!s.first_seen_at("long", TTL, t0));
        assert!(!s.first_seen_at("short2", TTL, t0));
        assert!(s.first_seen_at("short", TTL, t0), "short was forgotten");
        // A clock that goes back does not break the order either.
        let s = MemoryDedupStore::new(10);
        assert!(s.first_seen_at("later", TTL, t0 + Duration::from_secs(5)));
        assert!(s.first_seen_at("earlier", TTL, t0));
        assert_eq!(
            s.lock().first_expiry(),
            Some(t0 + TTL),
            "the earlier expiry comes first"
        );
        assert!(s.first_seen_at("x", TTL, t0 + TTL + Duration::from_secs(1)));
        assert!(s.first_seen_at("earlier", TTL, t0 + TTL + Duration::from_secs(1)));
        assert!(!s.first_seen_at("later", TTL, t0 + TTL + Duration::from_secs(1)));
    }

    #[test]
    fn an_error_carries_its_cause() {
        use std::error::Error as _;
        let plain = DedupError::new("down");
        assert!(plain.source().is_none());
        assert_eq!(plain.message(), "down");
        let io = std::io::Error::other("connection refused");
        let e = DedupError::with_source("unreachable", io);
        assert_eq!(e.to_string(), "dedup store: unreachable");
        let cause = e.source().unwrap();
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
    }
}
