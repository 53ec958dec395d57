//! Dropping redelivered webhooks.
//!
//! Both providers redeliver: Twilio retries a webhook that timed out, Botmaker retries until it
//! gets a 200. Every [`InboundEvent`](crate::InboundEvent) has a stable
//! [`dedup_key`](crate::InboundEvent::dedup_key); a [`DedupStore`] remembers the keys it has
//! seen so each event is handled once.

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
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
#[derive(Debug, thiserror::Error)]
#[error("dedup store: {0}")]
pub struct DedupError(pub String);

/// An in-memory [`DedupStore`] for one process, bounded in size: when full, the oldest keys
/// are forgotten first.
///
/// It keeps a 128-bit keyed hash of each key (two SipHash passes with keys drawn at random
/// when the store is made), not the key itself: about 60 bytes a key, and no message ids or
/// numbers held in memory. Two different keys would have to collide on all 128 bits for an
/// event to be dropped by mistake.
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

#[derive(Debug, Default)]
struct Inner {
    /// Key to its expiry.
    expiry: HashMap<Fingerprint, Instant>,
    /// Keys in insertion order, with the expiry they were inserted with.
    order: VecDeque<(Fingerprint, Instant)>,
}

impl MemoryDedupStore {
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

    /// How many keys it holds now (expired ones included until they are swept).
    pub fn len(&self) -> usize {
        self.lock().expiry.len()
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
        // Sweep expired keys from the front (oldest insertions first).
        while let Some(&(k, exp)) = inner.order.front() {
            if exp > now {
                break;
            }
            inner.order.pop_front();
            if inner.expiry.get(&k) == Some(&exp) {
                inner.expiry.remove(&k);
            }
        }
        if let Some(exp) = inner.expiry.get(&key)
            && *exp > now
        {
            return false;
        }
        let exp = now + ttl;
        inner.expiry.insert(key, exp);
        inner.order.push_back((key, exp));
        while inner.expiry.len() > self.capacity {
            let Some((k, e)) = inner.order.pop_front() else {
                break;
            };
            if inner.expiry.get(&k) == Some(&e) {
                inner.expiry.remove(&k);
            }
        }
        // Entries re-inserted after expiry leave stale pairs behind; keep the queue bounded.
        if inner.order.len() > self.capacity.saturating_mul(2) {
            let Inner { expiry, order } = &mut *inner;
            order.retain(|(k, e)| expiry.get(k) == Some(e));
        }
        true
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
        assert!(inner.expiry.len() <= 10);
        assert!(inner.order.len() <= 20);
    }
}
