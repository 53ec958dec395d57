//! Faults, against the `testing` fakes, for both providers: rate limits with and without
//! `Retry-After`, 500 and 503, a connection closed before any answer, a refused connection,
//! a hang past the timeout, a truncated body, a 10 MB body, invalid JSON, and redirects.
//!
//! For each: the typed error the caller gets, whether a retry happened (the fakes count the
//! requests they received), that the time budget held (the configured timeout and
//! `max_elapsed`, checked with generous bounds), and that nothing that may have been sent
//! was sent again.

use std::time::{Duration, Instant};

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::retry::RetryPolicy;
use whatsapp_connector::testing::{FakeBotmaker, FakeResponse, FakeTwilio};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{
    ApiErrorKind, Error, OutboundMessage, PhoneNumber, ProviderKind, SendReceipt, WhatsAppAddress,
    WhatsAppProvider,
};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
const BM_ACCESS: &str = "fault-test-access-token";
const BM_CHANNEL: &str = "acme-whatsapp-5491155550100";
const TEN_MB: u64 = 10 * 1024 * 1024;
/// The crate's caps on answer bodies.
const ERROR_BODY_CAP: usize = 64 * 1024;

/// Fast retries, so the tests are quick: 3 attempts, waits of at most 40 ms, 5 s in all.
fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_elapsed: Duration::from_secs(5),
    }
}

const TIMEOUT: Duration = Duration::from_millis(400);

/// One provider and the fake it talks to.
struct Rig {
    provider: Box<dyn WhatsAppProvider>,
    fake: Fake,
}

enum Fake {
    Twilio(FakeTwilio),
    Botmaker(FakeBotmaker),
}

impl Rig {
    fn kind(&self) -> ProviderKind {
        self.provider.kind()
    }

    fn push(&self, response: FakeResponse) {
        match &self.fake {
            Fake::Twilio(f) => f.push_response(response),
            Fake::Botmaker(f) => f.push_response(response),
        }
    }

    /// How many sends reached the fake.
    fn sends(&self) -> usize {
        let requests = match &self.fake {
            Fake::Twilio(f) => f.requests(),
            Fake::Botmaker(f) => f.requests(),
        };
        requests.iter().filter(|r| r.method == "POST").count()
    }

    async fn send(&self) -> Result<SendReceipt, Error> {
        let to: WhatsAppAddress = PhoneNumber::parse("+14155550100").unwrap().into();
        self.provider.send(&OutboundMessage::text(to, "hola")).await
    }

    /// Sends, timing it.
    async fn timed_send(&self) -> (Result<SendReceipt, Error>, Duration) {
        let start = Instant::now();
        let r = self.send().await;
        (r, start.elapsed())
    }
}

fn twilio_provider(base_url: &str, retry: RetryPolicy) -> TwilioProvider {
    TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .from("whatsapp:+14155238886")
        .base_url(base_url)
        .timeout(TIMEOUT)
        .retry_policy(retry)
        .build()
        .unwrap()
}

fn botmaker_provider(base_url: &str, retry: RetryPolicy) -> BotmakerProvider {
    BotmakerProvider::builder()
        .access_token(BM_ACCESS)
        .channel_id(BM_CHANNEL)
        .base_url(base_url)
        .timeout(TIMEOUT)
        .retry_policy(retry)
        .build()
        .unwrap()
}

/// A fresh fake and provider for each provider.
async fn rigs_with(retry: RetryPolicy) -> [Rig; 2] {
    let twilio = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let botmaker = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    [
        Rig {
            provider: Box::new(twilio_provider(&twilio.base_url(), retry)),
            fake: Fake::Twilio(twilio),
        },
        Rig {
            provider: Box::new(botmaker_provider(&botmaker.base_url(), retry)),
            fake: Fake::Botmaker(botmaker),
        },
    ]
}

async fn rigs() -> [Rig; 2] {
    rigs_with(policy()).await
}

fn api(e: &Error) -> &whatsapp_connector::ApiError {
    e.api().unwrap_or_else(|| panic!("an API error, got {e:?}"))
}

#[tokio::test]
async fn rate_limited_without_retry_after_is_retried_with_backoff() {
    for rig in rigs().await {
        // Two 429s, then the provider accepts: the third attempt succeeds.
        rig.push(FakeResponse::rate_limited(None));
        rig.push(FakeResponse::rate_limited(None));
        let (r, elapsed) = rig.timed_send().await;
        assert!(r.is_ok(), "{:?}: {r:?}", rig.kind());
        assert_eq!(rig.sends(), 3, "{:?}", rig.kind());
        // Two backoffs of at most 10 and 20 ms (full jitter): well under a second.
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");

        // Always 429: max_attempts (3) requests, then the rate-limit error itself.
        for _ in 0..5 {
            rig.push(FakeResponse::rate_limited(None));
        }
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        assert_eq!(api(&e).kind, ApiErrorKind::RateLimited, "{e:?}");
        assert_eq!(api(&e).status, 429);
        assert!(e.is_retryable() && !e.may_have_been_sent());
        assert_eq!(e.retry_after(), None);
        assert_eq!(rig.sends(), 3 + 3, "{:?}", rig.kind());
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
}

#[tokio::test]
async fn rate_limited_with_retry_after_waits_as_asked_within_the_budget() {
    for rig in rigs().await {
        // Retry-After: 1 is honoured (the backoff alone would wait at most 10 ms).
        rig.push(FakeResponse::rate_limited(Some(1)));
        let (r, elapsed) = rig.timed_send().await;
        assert!(r.is_ok(), "{:?}: {r:?}", rig.kind());
        assert_eq!(rig.sends(), 2);
        assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");

        // Retry-After: 60 is past max_elapsed (5 s): no wait, no retry, and the caller
        // learns how long the provider asked for.
        rig.push(FakeResponse::rate_limited(Some(60)));
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        assert_eq!(api(&e).kind, ApiErrorKind::RateLimited);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        assert_eq!(rig.sends(), 3, "{:?}", rig.kind());
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
}

#[tokio::test]
async fn server_errors_are_reported_and_never_sent_again() {
    for rig in rigs().await {
        let cases = [
            FakeResponse::server_error(),
            FakeResponse::unavailable(None),
            // Even with a Retry-After: a 5xx may have been processed.
            FakeResponse::unavailable(Some(0)),
        ];
        for (n, case) in cases.into_iter().enumerate() {
            let status = match &case {
                FakeResponse::Error { status, .. } => *status,
                _ => unreachable!(),
            };
            rig.push(case);
            let (r, elapsed) = rig.timed_send().await;
            let e = r.unwrap_err();
            assert_eq!(api(&e).status, status);
            assert_eq!(api(&e).kind, ApiErrorKind::ServerError);
            assert!(e.may_have_been_sent() && !e.is_retryable(), "{e:?}");
            assert_eq!(rig.sends(), n + 1, "{:?} {status}", rig.kind());
            assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
        }
    }
}

#[tokio::test]
async fn a_connection_closed_before_any_answer_may_have_been_sent() {
    for rig in rigs().await {
        rig.push(FakeResponse::Reset);
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        assert!(
            matches!(e, Error::MaybeSent { .. }),
            "{:?}: {e:?}",
            rig.kind()
        );
        assert!(!e.is_retryable());
        assert_eq!(rig.sends(), 1, "{:?}", rig.kind());
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");

        // The fake keeps serving on new connections.
        assert!(rig.send().await.is_ok());
        assert_eq!(rig.sends(), 2);
    }
}

#[tokio::test]
async fn a_refused_connection_is_retried_within_the_budget() {
    // A port with nothing listening: bind one, then free it.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let providers: [Box<dyn WhatsAppProvider>; 2] = [
        Box::new(twilio_provider(&closed, policy())),
        Box::new(botmaker_provider(&format!("{closed}/v2.0"), policy())),
    ];
    for p in providers {
        let start = Instant::now();
        let to: WhatsAppAddress = PhoneNumber::parse("+14155550100").unwrap().into();
        let e = p
            .send(&OutboundMessage::text(to, "hola"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Connect { .. }), "{e:?}");
        assert!(e.is_retryable() && !e.may_have_been_sent());
        // Three attempts with two short waits, far inside max_elapsed.
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{:?}",
            start.elapsed()
        );
    }
}

#[tokio::test]
async fn a_hang_past_the_timeout_is_reported_once() {
    for rig in rigs().await {
        rig.push(FakeResponse::Hang(Duration::from_secs(30)));
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        assert!(
            matches!(e, Error::MaybeSent { .. }),
            "{:?}: {e:?}",
            rig.kind()
        );
        assert_eq!(rig.sends(), 1, "{:?}", rig.kind());
        // One timeout (400 ms), no retry: far below the 30 s hang.
        assert!(elapsed >= TIMEOUT, "{elapsed:?}");
        assert!(elapsed < TIMEOUT * 5, "{elapsed:?}");
    }
}

#[tokio::test]
async fn a_truncated_body_may_have_been_sent() {
    for rig in rigs().await {
        rig.push(FakeResponse::BrokenBody);
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        assert!(
            matches!(e, Error::MaybeSent { .. }),
            "{:?}: {e:?}",
            rig.kind()
        );
        assert_eq!(rig.sends(), 1);
        assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    }
}

#[tokio::test]
async fn a_10_mb_success_body_is_not_read() {
    for rig in rigs().await {
        rig.push(FakeResponse::LargeBody(TEN_MB));
        let (r, elapsed) = rig.timed_send().await;
        let e = r.unwrap_err();
        let Error::MaybeSent(t) = &e else {
            panic!("{:?}: {e:?}", rig.kind());
        };
        assert!(t.what().contains("larger than 1048576 bytes"), "{t}");
        assert_eq!(rig.sends(), 1);
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    }
}

#[tokio::test]
async fn a_10_mb_error_body_is_cut_and_still_classified() {
    let huge = " ".repeat(TEN_MB as usize);
    for rig in rigs().await {
        rig.push(FakeResponse::Error {
            status: 500,
            body: huge.clone(),
            retry_after: None,
        });
        let e = rig.send().await.unwrap_err();
        assert_eq!(api(&e).kind, ApiErrorKind::ServerError);
        assert!(
            api(&e).body.len() <= ERROR_BODY_CAP,
            "{}",
            api(&e).body.len()
        );
        assert_eq!(rig.sends(), 1);

        // A 429 with a huge body is still a rate limit, and still retried.
        rig.push(FakeResponse::Error {
            status: 429,
            body: huge.clone(),
            retry_after: Some(0),
        });
        assert!(rig.send().await.is_ok());
        assert_eq!(rig.sends(), 3, "{:?}", rig.kind());
    }
}

#[tokio::test]
async fn invalid_json_answers() {
    for rig in rigs().await {
        // A success status with a body that is not JSON.
        rig.push(FakeResponse::Garbage);
        let r = rig.send().await;
        // Both providers: the request was taken, but without a message id the crate cannot
        // say which message was made, and a retry could send it twice.
        let e = r.unwrap_err();
        assert!(matches!(e, Error::MaybeSent(_)), "{:?}: {e:?}", rig.kind());
        assert!(e.may_have_been_sent() && !e.is_retryable(), "{e:?}");
        assert!(e.url().is_some(), "{e:?}");
        assert_eq!(rig.sends(), 1);

        // An error status with a body that is not the provider's error JSON: classified
        // by the status, with an excerpt of the body as the message.
        rig.push(FakeResponse::Error {
            status: 400,
            body: "<html><body>Bad Request</body></html>".into(),
            retry_after: None,
        });
        let e = rig.send().await.unwrap_err();
        assert_eq!(api(&e).kind, ApiErrorKind::BadRequest);
        assert!(api(&e).message.contains("Bad Request"), "{e}");
        assert!(!e.is_retryable() && !e.may_have_been_sent());
        assert_eq!(rig.sends(), 2);
    }
}

#[tokio::test]
async fn twilio_media_redirected_to_another_host_gets_no_credentials() {
    let api = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let cdn = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let twilio = twilio_provider(&api.base_url(), policy());
    let media = api.media_url(
        "MM0123456789abcdef0123456789abcdef",
        "ME0123456789abcdef0123456789abcdef",
    );
    let target = format!("{}/cdn/photo.jpg?expires=1", cdn.base_url());
    api.push_response(FakeResponse::Redirect(target.clone()));

    let got = twilio.download_media(&media).await.unwrap();
    assert_eq!(&got.bytes[..], FakeTwilio::MEDIA_BYTES);
    assert_eq!(got.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(got.url, target);

    let at_api = api.requests();
    assert_eq!(at_api.len(), 1);
    assert!(
        at_api[0]
            .header("authorization")
            .is_some_and(|a| a.starts_with("Basic "))
    );
    let at_cdn = cdn.requests();
    assert_eq!(at_cdn.len(), 1);
    assert_eq!(at_cdn[0].path, "/cdn/photo.jpg?expires=1");
    assert_eq!(
        at_cdn[0].header("authorization"),
        None,
        "credentials left Twilio's host"
    );
}

#[tokio::test]
async fn twilio_media_faults() {
    let api = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let twilio = TwilioProvider::builder(SID)
        .auth_token(TOKEN)
        .base_url(api.base_url())
        .timeout(TIMEOUT)
        .media_max_bytes(1024 * 1024)
        .build()
        .unwrap();
    let media = api.media_url(
        "MM0123456789abcdef0123456789abcdef",
        "ME0123456789abcdef0123456789abcdef",
    );

    // 10 MB past a 1 MiB limit: stopped, typed.
    api.push_response(FakeResponse::LargeBody(TEN_MB));
    let start = Instant::now();
    let e = twilio.download_media(&media).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::TooLarge {
                limit: 1_048_576,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(start.elapsed() < Duration::from_secs(3));

    // A download has no side effect: a dropped connection or a hang is a transport
    // failure, safe to repeat.
    for fault in [
        FakeResponse::Reset,
        FakeResponse::Hang(Duration::from_secs(30)),
    ] {
        api.push_response(fault);
        let start = Instant::now();
        let e = twilio.download_media(&media).await.unwrap_err();
        assert!(matches!(e, Error::Transport { .. }), "{e:?}");
        assert!(!e.may_have_been_sent());
        assert!(start.elapsed() < TIMEOUT * 5, "{:?}", start.elapsed());
    }

    // Rate limited or failing: the provider's error.
    api.push_response(FakeResponse::unavailable(Some(2)));
    let e = twilio.download_media(&media).await.unwrap_err();
    assert_eq!(
        (api_status(&e), e.retry_after()),
        (503, Some(Duration::from_secs(2)))
    );
    // Each download was one request: nothing is retried behind the caller's back.
    assert_eq!(api.requests().len(), 4);
}

fn api_status(e: &Error) -> u16 {
    api(e).status
}

#[tokio::test]
async fn botmaker_never_follows_a_redirect_with_its_access_token() {
    let fake = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let elsewhere = FakeBotmaker::start("another-token").await.unwrap();
    let p = botmaker_provider(&fake.base_url(), policy());
    // A 302 turns the POST into a GET, which this route of the other host records.
    let target = format!("{}/chats/acme-whatsapp-1:2", elsewhere.base_url());
    fake.push_response(FakeResponse::Redirect(target));

    let to: WhatsAppAddress = PhoneNumber::parse("+14155550100").unwrap().into();
    let e = p
        .send(&OutboundMessage::text(to, "hola"))
        .await
        .unwrap_err();
    let leaked: Vec<_> = elsewhere
        .requests()
        .iter()
        .filter_map(|r| r.header("access-token").map(str::to_owned))
        .collect();
    assert!(leaked.is_empty(), "the access token went to another host");
    assert!(elsewhere.requests().is_empty());
    // The redirect comes back as the answer it is: not followed, not retried.
    assert_eq!(api(&e).status, 302);
    assert!(!e.is_retryable());
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn botmaker_window_lookup_faults() {
    let fake = FakeBotmaker::start(BM_ACCESS).await.unwrap();
    let p = botmaker_provider(&fake.base_url(), policy());
    let contact: WhatsAppAddress = PhoneNumber::parse("+5491122223333").unwrap().into();

    // A read has no side effect: a huge answer is TooLarge, a broken one a transport
    // failure.
    fake.push_response(FakeResponse::LargeBody(TEN_MB));
    let e = p.window_closes_at(&contact).await.unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e:?}");
    fake.push_response(FakeResponse::BrokenBody);
    let e = p.window_closes_at(&contact).await.unwrap_err();
    assert!(matches!(e, Error::Transport { .. }), "{e:?}");

    // Rate limited, then answered: retried like a send.
    fake.push_response(FakeResponse::rate_limited(Some(0)));
    assert!(p.window_closes_at(&contact).await.unwrap().is_some());
    assert_eq!(fake.requests().len(), 4);
}
