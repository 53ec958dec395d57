//! A send rate limit per sender, shared by every instance that uses the same limiter.
//!
//! [`RateLimited`] wraps a provider: each [`send`](WhatsAppProvider::send) first takes a
//! place in the sender's budget from a [`RateLimiter`], waiting up to a bound
//! ([`RateLimited::with_max_wait`], default 2 s) when the budget is spent; past the bound it
//! returns [`Error::Throttled`] without calling the provider (retryable: nothing was sent).
//! The budget is keyed by the provider's kind and the sender
//! ([`WhatsAppProvider::send_limit`] gives each provider's default: the sending number or
//! account, and the rate the provider's API allows).
//!
//! [`MemoryRateLimiter`] counts for one process; the Redis one (feature `redis`) for every
//! instance on the same Redis. Both use GCRA (the generic cell rate algorithm): a `burst`
//! of sends may go at once, then one every `1/rate` seconds.
//!
//! When the limiter itself fails (a shared store is unreachable), the send goes through
//! unlimited, and the failure is logged: the provider's own limit (a 429, retryable) is the
//! backstop.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use http::Method;

use crate::error::{Error, ParseError, VerifyError};
use crate::event::InboundEvent;
use crate::log_gate::LogGate;
use crate::message::{OutboundMessage, SendReceipt};
use crate::provider::{Acknowledgement, ProviderKind, WebhookRequest, WhatsAppProvider};
pub use crate::quota::{Quota, SendLimit};

/// Counts sends against budgets.
///
/// # Semantics (for implementors)
///
/// [`RateLimiter::acquire`] is atomic: it either takes one place in the budget of `key` and
/// returns `Duration::ZERO`, or takes nothing and returns how long until a place frees up.
/// Handles of one shared limiter count against one budget.
#[async_trait]
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Takes a place in `key`'s budget of `quota`, or says how long to wait for one.
    ///
    /// # Errors
    ///
    /// [`RateLimitError`] when the limiter's store could not be reached.
    async fn acquire(&self, key: &str, quota: Quota) -> Result<Duration, RateLimitError>;
}

/// The rate limiter failed (its shared store could not be reached).
#[derive(Debug, thiserror::Error)]
#[error("rate limiter: {message}")]
pub struct RateLimitError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl RateLimitError {
    /// A failure described by `message`, caused by `source` when given.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        RateLimitError {
            message: message.into(),
            source,
        }
    }
}

/// A [`RateLimiter`] for one process (GCRA). Clones share their budgets.
#[derive(Debug, Clone, Default)]
pub struct MemoryRateLimiter {
    /// Each key's theoretical arrival time.
    tat: Arc<Mutex<HashMap<String, Instant>>>,
}

impl MemoryRateLimiter {
    /// A limiter with every budget full.
    pub fn new() -> Self {
        Self::default()
    }

    /// The synchronous form of [`RateLimiter::acquire`], at a given time.
    pub fn acquire_at(&self, key: &str, quota: Quota, now: Instant) -> Duration {
        let mut map = self.tat.lock().unwrap_or_else(|p| p.into_inner());
        // Forget budgets that are full again, so keys do not pile up.
        if map.len() > 10_000 {
            map.retain(|_, tat| *tat > now);
        }
        let tat = map.get(key).copied().filter(|t| *t > now).unwrap_or(now);
        let earliest = tat.checked_sub(quota.tolerance()).unwrap_or(now);
        if earliest > now {
            return earliest - now;
        }
        map.insert(key.to_owned(), tat + quota.interval());
        Duration::ZERO
    }
}

#[async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn acquire(&self, key: &str, quota: Quota) -> Result<Duration, RateLimitError> {
        Ok(self.acquire_at(key, quota, Instant::now()))
    }
}

/// A provider whose sends go through a [`RateLimiter`] first; everything else is the
/// provider's own.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use whatsapp_connector::ratelimit::{MemoryRateLimiter, Quota, RateLimited};
/// # #[cfg(feature = "twilio")] {
/// use whatsapp_connector::twilio::TwilioProvider;
///
/// let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
///     .auth_token("an-auth-token")
///     .from("whatsapp:+14155238886")
///     .build()?;
/// // 80 sends a second from this number (Twilio's default), shared by every clone.
/// let limited = RateLimited::new(twilio, Arc::new(MemoryRateLimiter::new()))
///     .with_max_wait(Duration::from_secs(1));
/// assert_eq!(limited.limit().quota, Quota::per_second(80));
/// # }
/// # Ok::<(), whatsapp_connector::ConfigError>(())
/// ```
pub struct RateLimited<P> {
    provider: P,
    limiter: Arc<dyn RateLimiter>,
    limit: SendLimit,
    key: String,
    max_wait: Duration,
    log: Arc<LogGate>,
}

impl<P: fmt::Debug> fmt::Debug for RateLimited<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimited")
            .field("provider", &self.provider)
            .field("limiter", &self.limiter)
            .field("limit", &self.limit)
            .field("max_wait", &self.max_wait)
            .finish()
    }
}

impl<P: WhatsAppProvider> RateLimited<P> {
    /// How long a send waits for its place by default before [`Error::Throttled`]: 2 s.
    pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(2);
    /// The rate used for a provider that names none: 10 sends a second.
    pub const FALLBACK_QUOTA: Quota = Quota::per_second(10);

    /// `provider`'s sends limited by `limiter`, with the provider's own budget
    /// ([`WhatsAppProvider::send_limit`]; 10 a second under the sender `default` when it
    /// names none).
    pub fn new(provider: P, limiter: Arc<dyn RateLimiter>) -> Self {
        let limit = provider
            .send_limit()
            .unwrap_or_else(|| SendLimit::new("default", Self::FALLBACK_QUOTA));
        let key = key(&provider.kind(), &limit.sender);
        RateLimited {
            provider,
            limiter,
            limit,
            key,
            max_wait: Self::DEFAULT_MAX_WAIT,
            log: Arc::new(LogGate::new(Duration::from_secs(10))),
        }
    }

    /// Sets the rate.
    pub fn with_quota(mut self, quota: Quota) -> Self {
        self.limit.quota = quota;
        self
    }

    /// Sets the sender the budget is kept for (for example an account id, so that bots of
    /// one account share its budget).
    pub fn with_sender(mut self, sender: impl Into<String>) -> Self {
        self.limit.sender = sender.into();
        self.key = key(&self.provider.kind(), &self.limit.sender);
        self
    }

    /// Sets how long a send may wait for its place, default
    /// [`RateLimited::DEFAULT_MAX_WAIT`]; `Duration::ZERO` never waits.
    pub fn with_max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// The budget in use.
    pub fn limit(&self) -> &SendLimit {
        &self.limit
    }

    /// The provider inside.
    pub fn inner(&self) -> &P {
        &self.provider
    }

    /// Waits for a place in the budget, up to the bound.
    async fn admit(&self) -> Result<(), Error> {
        let started = Instant::now();
        loop {
            let wait = match self.limiter.acquire(&self.key, self.limit.quota).await {
                Ok(wait) => wait,
                Err(e) => {
                    if let Some(held_back) = self.log.check() {
                        tracing::warn!(error = %e, held_back, "rate limiter failed; sending unlimited");
                    }
                    return Ok(());
                }
            };
            if wait.is_zero() {
                return Ok(());
            }
            if started.elapsed() + wait > self.max_wait {
                return Err(Error::Throttled {
                    provider: self.provider.kind(),
                    retry_after: wait,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }
}

fn key(kind: &ProviderKind, sender: &str) -> String {
    format!("{kind}:{sender}")
}

#[async_trait]
impl<P: WhatsAppProvider> WhatsAppProvider for RateLimited<P> {
    fn kind(&self) -> ProviderKind {
        self.provider.kind()
    }

    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        self.admit().await?;
        self.provider.send(message).await
    }

    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        self.provider.verify(request)
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        self.provider.parse(request)
    }

    fn verify_and_parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, Error> {
        self.provider.verify_and_parse(request)
    }

    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        self.provider.webhook_addresses(request)
    }

    fn webhook_methods(&self) -> &'static [Method] {
        self.provider.webhook_methods()
    }

    fn acknowledgement(&self) -> Acknowledgement {
        self.provider.acknowledgement()
    }

    fn send_limit(&self) -> Option<SendLimit> {
        Some(self.limit.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_per_interval() {
        let l = MemoryRateLimiter::new();
        let q = Quota::per_second(10).with_burst(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(l.acquire_at("k", q, t0), Duration::ZERO);
        }
        let wait = l.acquire_at("k", q, t0);
        assert_eq!(wait, Duration::from_millis(100));
        assert_eq!(l.acquire_at("k", q, t0 + wait), Duration::ZERO);
        assert_eq!(l.acquire_at("other", q, t0), Duration::ZERO, "keys apart");
        // After a quiet second the burst is back.
        let later = t0 + Duration::from_secs(2);
        for _ in 0..3 {
            assert_eq!(l.acquire_at("k", q, later), Duration::ZERO);
        }
        assert!(l.acquire_at("k", q, later) > Duration::ZERO);
    }
}
