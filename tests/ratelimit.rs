//! The send rate limiter: a burst past the limit waits, past the wait bound the typed error
//! comes without calling the provider, and two handles share one budget. In memory always;
//! on Redis when `WA_TEST_REDIS_URL` is set (skipped, saying so, otherwise).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use whatsapp_connector::ratelimit::{MemoryRateLimiter, Quota, RateLimited, RateLimiter};
use whatsapp_connector::redis::{RedisConnection, RedisRateLimiter};
use whatsapp_connector::{
    DeliveryStatus, Error, InboundEvent, OutboundMessage, ParseError, PhoneNumber, ProviderKind,
    SendReceipt, VerifyError, WebhookRequest, WhatsAppProvider, async_trait,
};

/// Counts its sends and succeeds.
#[derive(Debug, Default)]
struct Counting(AtomicUsize);

#[async_trait]
impl WhatsAppProvider for Counting {
    fn kind(&self) -> ProviderKind {
        ProviderKind::new("acme")
    }
    async fn send(&self, _: &OutboundMessage) -> Result<SendReceipt, Error> {
        let n = self.0.fetch_add(1, Ordering::SeqCst);
        Ok(SendReceipt::new(
            ProviderKind::new("acme"),
            format!("M{n}"),
            DeliveryStatus::Queued,
            serde_json::Value::Null,
        ))
    }
    fn verify(&self, _: &WebhookRequest) -> Result<(), VerifyError> {
        Ok(())
    }
    fn parse(&self, _: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        Ok(Vec::new())
    }
}

fn message() -> OutboundMessage {
    OutboundMessage::text(PhoneNumber::parse("+14155550100").unwrap(), "hi")
}

fn counted(p: &RateLimited<Counting>) -> usize {
    p.inner().0.load(Ordering::SeqCst)
}

async fn a_burst_past_the_limit_waits(limiter: Arc<dyn RateLimiter>, sender: &str) {
    let p = RateLimited::new(Counting::default(), limiter)
        .with_sender(sender)
        .with_quota(Quota::per_second(20).with_burst(2))
        .with_max_wait(Duration::from_secs(5));
    let started = Instant::now();
    for _ in 0..4 {
        p.send(&message()).await.unwrap();
    }
    assert_eq!(counted(&p), 4);
    // Two at once, then one every 50 ms: the last two waited for their places.
    assert!(
        started.elapsed() >= Duration::from_millis(80),
        "{:?}",
        started.elapsed()
    );
}

async fn past_the_bound_the_typed_error_without_a_call(
    limiter: Arc<dyn RateLimiter>,
    sender: &str,
) {
    let quota = Quota::per_second(1);
    let a = RateLimited::new(Counting::default(), limiter.clone())
        .with_sender(sender)
        .with_quota(quota)
        .with_max_wait(Duration::from_millis(100));
    // A second handle on the same limiter and sender: one budget.
    let b = RateLimited::new(Counting::default(), limiter)
        .with_sender(sender)
        .with_quota(quota)
        .with_max_wait(Duration::ZERO);
    a.send(&message()).await.unwrap();
    let e = b.send(&message()).await.unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
    assert!(e.is_retryable());
    assert!(!e.may_have_been_sent());
    let after = e.retry_after().unwrap();
    assert!(
        after > Duration::ZERO && after <= Duration::from_secs(1),
        "{after:?}"
    );
    assert_eq!(counted(&b), 0, "the provider was not called");
    let e = a.send(&message()).await.unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e:?}");
    assert_eq!(counted(&a), 1);
    // Another sender has a budget of its own.
    let c =
        RateLimited::new(Counting::default(), Arc::new(MemoryRateLimiter::new())).with_quota(quota);
    c.send(&message()).await.unwrap();
}

#[tokio::test]
async fn memory_a_burst_past_the_limit_waits() {
    a_burst_past_the_limit_waits(Arc::new(MemoryRateLimiter::new()), "+14155238886").await;
}

#[tokio::test]
async fn memory_past_the_bound_the_typed_error_without_a_call() {
    past_the_bound_the_typed_error_without_a_call(Arc::new(MemoryRateLimiter::new()), "+1415")
        .await;
}

fn redis_url(test: &str) -> Option<String> {
    match std::env::var("WA_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: WA_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6399/0)"
            );
            None
        }
    }
}

#[tokio::test]
async fn redis_a_burst_past_the_limit_waits() {
    let Some(url) = redis_url("redis_a_burst_past_the_limit_waits") else {
        return;
    };
    let limiter = RedisRateLimiter::new(&RedisConnection::open(&url).unwrap());
    let sender = format!("s{}", fastrand::u64(..));
    a_burst_past_the_limit_waits(Arc::new(limiter), &sender).await;
}

#[tokio::test]
async fn redis_two_instances_share_one_budget() {
    let Some(url) = redis_url("redis_two_instances_share_one_budget") else {
        return;
    };
    // Two connections, as two instances would have; one budget through Redis.
    let one = RedisRateLimiter::new(&RedisConnection::open(&url).unwrap());
    let two = RedisRateLimiter::new(&RedisConnection::open(&url).unwrap());
    let sender = format!("s{}", fastrand::u64(..));
    let quota = Quota::per_second(1);
    let key = format!("acme:{sender}");
    assert_eq!(one.acquire(&key, quota).await.unwrap(), Duration::ZERO);
    assert!(two.acquire(&key, quota).await.unwrap() > Duration::ZERO);
    past_the_bound_the_typed_error_without_a_call(Arc::new(one), &format!("{sender}-b")).await;
}

#[test]
fn the_providers_name_their_budgets() {
    use whatsapp_connector::botmaker::BotmakerProvider;
    use whatsapp_connector::twilio::TwilioProvider;
    let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
        .auth_token("t")
        .from("whatsapp:+14155238886")
        .build()
        .unwrap();
    let limit = twilio.send_limit().unwrap();
    assert_eq!(limit.quota, Quota::per_second(80));
    assert!(limit.sender.contains("14155238886"), "{}", limit.sender);
    let botmaker = BotmakerProvider::builder()
        .access_token("a")
        .build()
        .unwrap();
    assert_eq!(botmaker.send_limit().unwrap().quota, Quota::per_second(350));
}
