//! When to retry a send: a pure function of the attempt, the error and the time spent.
//!
//! Only what the provider did not process is retried (HTTP 429, rate-limit codes, failures
//! to connect). A timeout or 5xx after the request went out may have sent the message, so it
//! is never retried here.

use std::time::Duration;

use crate::error::Error;

/// How a provider retries a send.
///
/// ```
/// use std::time::Duration;
/// use whatsapp_connector::retry::RetryPolicy;
///
/// let p = RetryPolicy::default();
/// // Full jitter: the delay is `random` times the capped exponential step.
/// assert_eq!(p.backoff(0, 0.5), Duration::from_millis(50));
/// assert_eq!(p.backoff(2, 1.0), Duration::from_millis(400));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Most attempts in all, the first included (1 means never retry).
    pub max_attempts: u32,
    /// The first backoff step; each retry doubles it.
    pub base_delay: Duration,
    /// The largest backoff step.
    pub max_delay: Duration,
    /// The most time a send may take, retries and waits included. A retry whose wait
    /// would go past it is not made.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, 100 ms doubling to at most 3 s, 30 s in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_elapsed: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The full-jitter backoff before retry number `retry` (0 for the first retry):
    /// `random * min(max_delay, base_delay * 2^retry)`, with `random` in `[0, 1]`.
    pub fn backoff(&self, retry: u32, random: f64) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_delay);
        step.mul_f64(random.clamp(0.0, 1.0))
    }

    /// Whether to retry after `attempts` attempts (1 after the first) ended in `error`,
    /// `elapsed` after the first began, and if so how long to wait. `random` in `[0, 1]`
    /// supplies the jitter. A `Retry-After` from the provider is honoured as the wait.
    pub fn next_delay(
        &self,
        attempts: u32,
        error: &Error,
        elapsed: Duration,
        random: f64,
    ) -> Option<Duration> {
        if !error.is_retryable() || attempts >= self.max_attempts {
            return None;
        }
        let wait = match error.retry_after() {
            Some(ra) => ra,
            None => self.backoff(attempts.saturating_sub(1), random),
        };
        if elapsed.saturating_add(wait) > self.max_elapsed {
            return None;
        }
        Some(wait)
    }
}

/// Parses a `Retry-After` header value given in seconds. (The HTTP-date form is not used by
/// these providers and is read as absent.)
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, ApiErrorKind};
    use crate::provider::ProviderKind;

    fn rate_limited(retry_after: Option<Duration>) -> Error {
        Error::Api(
            ApiError::new(ProviderKind::Twilio, 429, "slow down").with_retry_after(retry_after),
        )
    }

    #[test]
    fn retries_rate_limits_with_capped_jittered_backoff() {
        let p = RetryPolicy::default();
        let e = rate_limited(None);
        assert_eq!(
            p.next_delay(1, &e, Duration::ZERO, 1.0),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            p.next_delay(3, &e, Duration::ZERO, 1.0),
            Some(Duration::from_millis(400))
        );
        assert_eq!(p.next_delay(4, &e, Duration::ZERO, 1.0), None);
        assert_eq!(p.backoff(20, 1.0), Duration::from_secs(3));
        assert_eq!(p.backoff(1, 0.0), Duration::ZERO);
    }

    #[test]
    fn honours_retry_after_within_the_budget() {
        let p = RetryPolicy::default();
        let e = rate_limited(Some(Duration::from_secs(2)));
        assert_eq!(
            p.next_delay(1, &e, Duration::ZERO, 0.3),
            Some(Duration::from_secs(2))
        );
        assert_eq!(p.next_delay(1, &e, Duration::from_secs(29), 0.3), None);
    }

    #[test]
    fn never_retries_what_may_have_been_sent() {
        let p = RetryPolicy::default();
        let server = Error::Api(ApiError::new(ProviderKind::Twilio, 500, "oops"));
        assert_eq!(
            server.api().map(|a| a.kind),
            Some(ApiErrorKind::ServerError)
        );
        assert!(server.may_have_been_sent());
        assert_eq!(p.next_delay(1, &server, Duration::ZERO, 1.0), None);
        let timeout = Error::MaybeSent {
            provider: ProviderKind::Botmaker,
            reason: "timed out".into(),
        };
        assert_eq!(p.next_delay(1, &timeout, Duration::ZERO, 1.0), None);
        let connect = Error::Connect {
            provider: ProviderKind::Botmaker,
            reason: "refused".into(),
        };
        assert!(p.next_delay(1, &connect, Duration::ZERO, 1.0).is_some());
        assert_eq!(
            RetryPolicy::never().next_delay(1, &connect, Duration::ZERO, 1.0),
            None
        );
    }

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }
}
