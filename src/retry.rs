//! When to retry a send: a pure function of the attempt, the error and the time spent.
//!
//! Only what the provider did not process is retried (HTTP 429, rate-limit codes, failures
//! to connect). A timeout or 5xx after the request went out may have sent the message, so it
//! is never retried here.
//!
//! [`RetryPolicy`] is the pure decision; [`run_with_retries`] is the loop that applies it,
//! waiting with tokio.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tracing::Instrument;

use crate::error::{ApiErrorKind, Error};
use crate::message::SendReceipt;
use crate::provider::ProviderKind;

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
    ///
    /// `random` outside `[0, 1]` is clamped to it (an infinity too), and NaN counts as 1:
    /// the wait is then the full capped step, never more.
    pub fn backoff(&self, retry: u32, random: f64) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.min(31)))
            .min(self.max_delay);
        let factor = if random.is_nan() {
            1.0
        } else {
            random.clamp(0.0, 1.0)
        };
        // `try_from` rather than `mul_f64`: a step near `Duration::MAX` does not survive the
        // round trip through `f64`, and the step itself is then the answer.
        Duration::try_from_secs_f64(step.as_secs_f64() * factor).map_or(step, |wait| wait.min(step))
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

/// Runs `attempt` until it succeeds or `policy` says to stop, sleeping (with tokio) between
/// attempts: the one retry loop both providers' sends use.
///
/// `attempt` gets the attempt number, 1 for the first. After a failure, the wait comes
/// from [`RetryPolicy::next_delay`], with fresh jitter each time; when it gives none, the
/// last error is returned. The policy's `max_elapsed` counts from the first attempt, waits
/// included. Each retry is logged at debug level (the attempt, the wait and the error), and
/// the number of attempts made is recorded in the current span's `attempts` field when it
/// has one.
///
/// # Errors
///
/// The last attempt's error, when it is not retryable ([`Error::is_retryable`]), when
/// `policy.max_attempts` attempts were made, or when the next wait would go past
/// `policy.max_elapsed`.
///
/// # Examples
///
/// Retrying sends with a policy of your own: the provider itself does not retry, and a
/// stand-in for Twilio on 127.0.0.1 ([`FakeTwilio`](crate::testing::FakeTwilio), feature
/// `testing-fakes`) is busy twice before it takes the message.
///
/// ```
/// # #[cfg(all(feature = "twilio", feature = "testing-fakes"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use whatsapp_connector::retry::{RetryPolicy, run_with_retries};
/// use whatsapp_connector::testing::{FakeResponse, FakeTwilio};
/// use whatsapp_connector::twilio::TwilioProvider;
/// use whatsapp_connector::{OutboundMessage, PhoneNumber, WhatsAppProvider};
///
/// let (sid, token) = ("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff");
/// let fake = FakeTwilio::start(sid, token).await?;
/// fake.push_response(FakeResponse::rate_limited(None));
/// fake.push_response(FakeResponse::rate_limited(None));
/// let twilio = TwilioProvider::builder(sid)
///     .auth_token(token)
///     .from("whatsapp:+14155238886")
///     .base_url(fake.base_url())
///     .retry_policy(RetryPolicy::never())
///     .build()?;
/// let hola = OutboundMessage::text(PhoneNumber::parse("+14155550100")?, "hola");
///
/// // Rate limited: Twilio did not process the message, so trying again is safe.
/// let policy = RetryPolicy { base_delay: Duration::from_millis(1), ..RetryPolicy::default() };
/// let receipt = run_with_retries(&policy, |_attempt| twilio.send(&hola)).await?;
/// assert!(receipt.message_id.starts_with("SM"));
/// assert_eq!(fake.requests().len(), 3);
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "twilio", feature = "testing-fakes")))]
/// # fn main() {}
/// ```
pub async fn run_with_retries<T, F, Fut>(policy: &RetryPolicy, mut attempt: F) -> Result<T, Error>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let started = tokio::time::Instant::now();
    let mut attempts = 0u32;
    loop {
        attempts = attempts.saturating_add(1);
        let result = attempt(attempts).await;
        let error = match result {
            Ok(value) => {
                tracing::Span::current().record("attempts", attempts);
                return Ok(value);
            }
            Err(e) => e,
        };
        match policy.next_delay(attempts, &error, started.elapsed(), fastrand::f64()) {
            Some(wait) => {
                tracing::debug!(
                    attempt = attempts,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "retrying: the provider did not process the request"
                );
                tokio::time::sleep(wait).await;
            }
            None => {
                tracing::Span::current().record("attempts", attempts);
                return Err(error);
            }
        }
    }
}

/// Runs one send inside a `whatsapp.send` span: `provider`, `kind` (text, media, template,
/// …), and once it ends `attempts`, `outcome` and, on success, `message_id` and `status`.
/// The recipient is logged at debug level only; message bodies and secrets never are. A
/// failure is logged at warn level by its classification (outcome, HTTP status, provider
/// code), and in full (which can quote the provider's answer) at debug level.
#[cfg_attr(
    not(any(feature = "twilio", feature = "botmaker", feature = "meta")),
    allow(dead_code)
)]
pub(crate) async fn traced_send<F>(
    provider: ProviderKind,
    kind: &'static str,
    to: &(dyn fmt::Display + Sync),
    send: F,
) -> Result<SendReceipt, Error>
where
    F: Future<Output = Result<SendReceipt, Error>>,
{
    let span = tracing::info_span!(
        "whatsapp.send",
        provider = provider.as_str(),
        kind,
        attempts = tracing::field::Empty,
        outcome = tracing::field::Empty,
        message_id = tracing::field::Empty,
        status = tracing::field::Empty,
    );
    async move {
        tracing::debug!(to = %to, "sending");
        let result = send.await;
        let span = tracing::Span::current();
        match &result {
            Ok(receipt) => {
                span.record("outcome", "accepted");
                span.record("message_id", receipt.message_id.as_str());
                span.record("status", receipt.status.as_str());
                tracing::info!(
                    message_id = %receipt.message_id,
                    status = receipt.status.as_str(),
                    "message accepted"
                );
            }
            Err(e) => {
                let outcome = outcome(e);
                span.record("outcome", outcome);
                let api = e.api();
                tracing::warn!(
                    outcome,
                    http_status = api.map(|a| a.status),
                    code = api.and_then(|a| a.code.as_deref()),
                    may_have_been_sent = e.may_have_been_sent(),
                    "send failed"
                );
                tracing::debug!(error = %e, "send failure in full");
            }
        }
        result
    }
    .instrument(span)
    .await
}

/// A failed send's outcome, for logs: what the caller would branch on.
#[cfg_attr(
    not(any(feature = "twilio", feature = "botmaker", feature = "meta")),
    allow(dead_code)
)]
fn outcome(e: &Error) -> &'static str {
    match e {
        Error::Invalid(_) => "invalid",
        Error::Config(_) => "config_error",
        Error::Unsupported { .. } => "unsupported",
        Error::Connect(_) => "not_sent",
        Error::MaybeSent(_) => "maybe_sent",
        Error::Api(a) => match a.kind {
            ApiErrorKind::RateLimited => "rate_limited",
            ApiErrorKind::Unauthorized => "unauthorized",
            ApiErrorKind::ServerError => "server_error",
            ApiErrorKind::OutsideWindow => "outside_window",
            _ => "rejected",
        },
        _ => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, TransportError};

    /// Any provider: the retry policy knows none by name.
    const ACME: ProviderKind = ProviderKind::new("acme");

    fn rate_limited(retry_after: Option<Duration>) -> Error {
        ApiError::new(ACME, 429, "slow down")
            .with_retry_after(retry_after)
            .into()
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
    fn an_invalid_jitter_factor_never_panics_and_stays_within_the_step() {
        let p = RetryPolicy::default();
        let full = Duration::from_millis(200);
        assert_eq!(p.backoff(1, f64::NAN), full);
        assert_eq!(p.backoff(1, -f64::NAN), full);
        assert_eq!(p.backoff(1, f64::INFINITY), full);
        assert_eq!(p.backoff(1, 7.5), full);
        assert_eq!(p.backoff(1, f64::NEG_INFINITY), Duration::ZERO);
        assert_eq!(p.backoff(1, -0.5), Duration::ZERO);
        assert_eq!(p.backoff(u32::MAX, f64::NAN), p.max_delay);
        let huge = RetryPolicy {
            base_delay: Duration::MAX,
            max_delay: Duration::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(huge.backoff(3, 1.0), Duration::MAX);
        assert_eq!(huge.backoff(3, f64::NAN), Duration::MAX);
        assert!(huge.backoff(3, 0.5) < Duration::MAX);
        let e = rate_limited(None);
        assert_eq!(
            p.next_delay(2, &e, Duration::ZERO, f64::NAN),
            Some(Duration::from_millis(200))
        );
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
        let server = Error::from(ApiError::new(ACME, 500, "oops"));
        assert_eq!(
            server.api().map(|a| a.kind),
            Some(ApiErrorKind::ServerError)
        );
        assert!(server.may_have_been_sent());
        assert_eq!(p.next_delay(1, &server, Duration::ZERO, 1.0), None);
        let timeout = maybe_sent();
        assert_eq!(p.next_delay(1, &timeout, Duration::ZERO, 1.0), None);
        let connect = connect_refused();
        assert!(p.next_delay(1, &connect, Duration::ZERO, 1.0).is_some());
        assert_eq!(
            RetryPolicy::never().next_delay(1, &connect, Duration::ZERO, 1.0),
            None
        );
    }

    fn connect_refused() -> Error {
        Error::Connect(TransportError::new(
            ACME,
            "http://127.0.0.1:9/",
            "could not connect",
        ))
    }

    fn maybe_sent() -> Error {
        Error::MaybeSent(TransportError::new(
            ACME,
            "http://127.0.0.1:9/",
            "no answer within the timeout",
        ))
    }

    /// Runs `run_with_retries` on tokio's paused clock (waits take no real time, and
    /// elapsed time is exact), failing with `errors` in turn, then succeeding.
    async fn run(policy: RetryPolicy, errors: Vec<Error>) -> (Result<u32, Error>, u32, Duration) {
        let errors = std::sync::Mutex::new(errors.into_iter());
        let calls = std::sync::atomic::AtomicU32::new(0);
        let start = tokio::time::Instant::now();
        let result = run_with_retries(&policy, |n| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let next = errors.lock().unwrap().next();
            async move {
                match next {
                    Some(e) => Err(e),
                    None => Ok(n),
                }
            }
        })
        .await;
        (result, calls.into_inner(), start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_retries_what_was_not_processed_until_it_succeeds() {
        let policy = RetryPolicy::default();
        let (result, calls, elapsed) =
            run(policy, vec![connect_refused(), connect_refused()]).await;
        assert_eq!(result.unwrap(), 3);
        assert_eq!(calls, 3);
        // Two full-jitter waits: at most 100 ms and 200 ms.
        assert!(elapsed <= Duration::from_millis(300), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_stops_at_max_attempts_with_the_last_error() {
        let policy = RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::default()
        };
        let errors = (0..10).map(|_| rate_limited(None)).collect();
        let (result, calls, _) = run(policy, errors).await;
        assert_eq!(result.unwrap_err().api().map(|a| a.status), Some(429));
        assert_eq!(calls, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_never_repeats_what_may_have_been_sent() {
        let maybe = maybe_sent();
        let server = Error::from(ApiError::new(ACME, 503, "unavailable"));
        for e in [maybe, server] {
            let (result, calls, elapsed) = run(RetryPolicy::default(), vec![e]).await;
            assert!(result.unwrap_err().may_have_been_sent());
            assert_eq!((calls, elapsed), (1, Duration::ZERO));
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_waits_what_retry_after_says_within_the_budget() {
        let policy = RetryPolicy {
            max_elapsed: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        let (result, calls, elapsed) =
            run(policy, vec![rate_limited(Some(Duration::from_secs(4)))]).await;
        assert_eq!(result.unwrap(), 2);
        assert_eq!((calls, elapsed), (2, Duration::from_secs(4)));

        // A wait past the budget is not made: the error comes back at once.
        let errors = vec![
            rate_limited(Some(Duration::from_secs(6))),
            rate_limited(Some(Duration::from_secs(6))),
        ];
        let (result, calls, elapsed) = run(policy, errors).await;
        assert_eq!(
            result.unwrap_err().retry_after(),
            Some(Duration::from_secs(6))
        );
        assert_eq!((calls, elapsed), (2, Duration::from_secs(6)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_loop_keeps_every_attempt_inside_max_elapsed() {
        let policy = RetryPolicy {
            max_attempts: 1000,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(3),
            max_elapsed: Duration::from_secs(30),
        };
        let errors = (0..1000).map(|_| connect_refused()).collect();
        let (result, calls, elapsed) = run(policy, errors).await;
        assert!(matches!(result, Err(Error::Connect(_))));
        assert!(elapsed <= policy.max_elapsed, "{elapsed:?}");
        assert!(calls > 4 && calls < 1000, "{calls}");
    }
}
