//! The endpoint's limits over real loopback TCP, raw bytes where a well-behaved client would
//! not do it: declared lengths, slow headers and bodies, an HTTP/2 preface, the bound on
//! running handlers and the graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use whatsapp_connector::dedup::MemoryDedupStore;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::testing::TwilioWebhook;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{PhoneNumber, WebhookRequest};

const SID: &str = "AC0000000000000000000000000000000a";
const TOKEN: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const NUMBER: &str = "+14155550001";
const USER: &str = "+14155550100";

/// How long any one step may take before the test fails: far above what each should take.
const BOUND: Duration = Duration::from_secs(2);

fn registry() -> Arc<Registry> {
    let config = BotConfig::new(SID, TOKEN, NUMBER).unwrap();
    let provider = TwilioProvider::from_bot_config(&config).unwrap();
    let registry = Arc::new(Registry::new());
    registry.insert(NUMBER, Arc::new(Bot::new("bot", Arc::new(provider))));
    registry
}

/// A server whose handler reports each delivery on the channel.
fn reporting(origin: &str) -> (WebhookServer, mpsc::UnboundedReceiver<Delivery>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let server = WebhookServer::new(registry(), PublicUrl::Origin(origin.into()), move |d| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    });
    (server, rx)
}

/// A running [`WebhookServer::serve`]: stop it with `stop`, and `done` says whether it
/// drained in time.
struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<bool>,
}

impl Served {
    fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    (listener, origin)
}

fn serve(listener: TcpListener, server: WebhookServer) -> Served {
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(server.serve(listener, async {
        let _ = stopped.await;
    }));
    Served {
        addr,
        stop: Some(stop),
        done,
    }
}

/// The same router as users mount it with `axum::serve` (no header timeout there).
fn axum_serve(listener: TcpListener, server: WebhookServer) -> SocketAddr {
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, server.router()).await });
    addr
}

fn webhook(origin: &str, text: &str) -> WebhookRequest {
    let user = PhoneNumber::parse(USER).unwrap();
    let number = PhoneNumber::parse(NUMBER).unwrap();
    TwilioWebhook::inbound_text(SID, &user, &number, text)
        .request(&format!("{origin}/twilio"), TOKEN)
}

async fn post(request: &WebhookRequest) -> reqwest::Response {
    reqwest::Client::new()
        .post(request.url())
        .headers(request.headers().clone())
        .body(request.body().clone())
        .send()
        .await
        .unwrap()
}

/// Reads what the server sends until it closes the connection (or resets it), within
/// [`BOUND`].
async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(BOUND, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    assert!(
        read.is_ok(),
        "the server neither answered nor closed within {BOUND:?}"
    );
    answer
}

fn status_line(answer: &[u8]) -> String {
    String::from_utf8_lossy(answer)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// Headers of a webhook POST declaring `length` bytes of form body.
fn head(length: &str) -> String {
    format!(
        "POST /twilio HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {length}\r\n\r\n"
    )
}

const SHORT_BODY: &[u8] =
    b"MessageSid=SM00000000000000000000000000000001&AccountSid=AC000000000000000";

async fn declared_huge_length_is_refused_at_once(addr: SocketAddr) -> Duration {
    assert_eq!(SHORT_BODY.len(), 74);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(head("100000000000").as_bytes())
        .await
        .unwrap();
    stream.write_all(SHORT_BODY).await.unwrap();
    let answer = read_until_closed(&mut stream).await;
    let took = started.elapsed();
    assert_eq!(status_line(&answer), "HTTP/1.1 413 Payload Too Large");
    took
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_413_before_the_body_is_read() {
    let (l, origin) = listener().await;
    let served = serve(l, reporting(&origin).0);
    let took = declared_huge_length_is_refused_at_once(served.addr).await;
    eprintln!("serve: declared 100 GB -> 413 in {took:?}");
    assert!(took < Duration::from_millis(500), "{took:?}");

    // The same router under `axum::serve`, as users mount it.
    let (l, origin) = listener().await;
    let addr = axum_serve(l, reporting(&origin).0);
    let took = declared_huge_length_is_refused_at_once(addr).await;
    eprintln!("axum::serve: declared 100 GB -> 413 in {took:?}");
    assert!(took < Duration::from_millis(500), "{took:?}");
}

#[tokio::test]
async fn a_chunked_body_past_the_limit_is_413() {
    let (l, origin) = listener().await;
    let served = serve(l, reporting(&origin).0.with_body_limit(64));
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    let head = "POST /twilio HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Content-Type: application/x-www-form-urlencoded\r\n\
                Transfer-Encoding: chunked\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = [b'a'; 40];
    for _ in 0..2 {
        stream.write_all(b"28\r\n").await.unwrap();
        stream.write_all(&chunk).await.unwrap();
        stream.write_all(b"\r\n").await.unwrap();
    }
    // No last chunk: the limit must be noticed as the bytes arrive.
    let answer = read_until_closed(&mut stream).await;
    assert_eq!(status_line(&answer), "HTTP/1.1 413 Payload Too Large");
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout() {
    let (l, origin) = listener().await;
    let timeout = Duration::from_millis(300);
    let served = serve(l, reporting(&origin).0.with_header_timeout(timeout));
    let stream = TcpStream::connect(served.addr).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let started = Instant::now();
    // 50 ms a byte: the full head would take several seconds.
    let trickle = tokio::spawn(async move {
        for byte in head("74").bytes() {
            if write.write_all(&[byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let mut answer = Vec::new();
    let closed = tokio::time::timeout(BOUND, read.read_to_end(&mut answer)).await;
    let took = started.elapsed();
    trickle.abort();
    assert!(closed.is_ok(), "still open after {BOUND:?}");
    eprintln!(
        "serve: headers at 1 byte / 50 ms, header timeout {timeout:?} -> closed after {took:?}, answer {:?}",
        status_line(&answer)
    );
    assert!(took >= timeout, "{took:?}");
    assert!(took < timeout * 3, "{took:?}");
    // Closed without a request ever reaching the endpoint (or with a 408).
    assert!(
        answer.is_empty() || status_line(&answer).starts_with("HTTP/1.1 408"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_header_timeout() {
    let (l, origin) = listener().await;
    let timeout = Duration::from_millis(300);
    let served = serve(l, reporting(&origin).0.with_header_timeout(timeout));
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stream).await;
    assert!(answer.is_empty());
    let took = started.elapsed();
    assert!(took >= timeout && took < timeout * 3, "{took:?}");
}

async fn a_stalled_body_is_408(addr: SocketAddr, timeout: Duration) -> Duration {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head("74").as_bytes()).await.unwrap();
    stream.write_all(&SHORT_BODY[..10]).await.unwrap();
    let started = Instant::now();
    // The rest never comes.
    let answer = read_until_closed(&mut stream).await;
    let took = started.elapsed();
    assert_eq!(status_line(&answer), "HTTP/1.1 408 Request Timeout");
    assert!(took >= timeout && took < timeout * 3, "{took:?}");
    took
}

#[tokio::test]
async fn a_body_that_stalls_is_timed_out_with_408() {
    let timeout = Duration::from_millis(300);
    let (l, origin) = listener().await;
    let served = serve(l, reporting(&origin).0.with_body_timeout(timeout));
    let took = a_stalled_body_is_408(served.addr, timeout).await;
    eprintln!("serve: body stalled, body timeout {timeout:?} -> 408 after {took:?}");

    // Part of the router: the same under `axum::serve`.
    let (l, origin) = listener().await;
    let addr = axum_serve(l, reporting(&origin).0.with_body_timeout(timeout));
    let took = a_stalled_body_is_408(addr, timeout).await;
    eprintln!("axum::serve: body stalled, body timeout {timeout:?} -> 408 after {took:?}");
}

#[tokio::test]
async fn a_cleartext_http2_preface_is_not_served_as_http2() {
    let (l, origin) = listener().await;
    let served = serve(l, reporting(&origin).0);
    let mut stream = TcpStream::connect(served.addr).await.unwrap();
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    // An empty SETTINGS frame, as an HTTP/2 client sends next.
    stream
        .write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0])
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream).await;
    eprintln!(
        "serve: h2c prior-knowledge preface -> {} bytes back, {:?}",
        answer.len(),
        status_line(&answer)
    );
    // An HTTP/2 server would answer with its own SETTINGS frame (type 4).
    let settings = answer.len() >= 9 && answer[3] == 4;
    assert!(!settings, "answered as HTTP/2: {answer:?}");
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test]
async fn plain_http1_webhooks_are_served_and_dispatched() {
    let (l, origin) = listener().await;
    let (server, mut rx) = reporting(&origin);
    let served = serve(l, server);
    for text in ["one", "two"] {
        let resp = post(&webhook(&served.origin(), text)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.version(), reqwest::Version::HTTP_11);
        let d = tokio::time::timeout(BOUND, rx.recv())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(d.event.as_message().and_then(|m| m.text()), Some(text));
    }
}

/// A handler that reports each start and then waits for one release per event.
fn blocking(
    origin: &str,
) -> (
    WebhookServer,
    mpsc::UnboundedReceiver<String>,
    Arc<tokio::sync::Semaphore>,
) {
    let (started_tx, started) = mpsc::unbounded_channel();
    let release = Arc::new(tokio::sync::Semaphore::new(0));
    let gate = release.clone();
    let server = WebhookServer::new(registry(), PublicUrl::Origin(origin.into()), move |d| {
        let started = started_tx.clone();
        let gate = gate.clone();
        async move {
            let text = d.event.as_message().and_then(|m| m.text()).unwrap_or("");
            let _ = started.send(text.to_owned());
            if let Ok(permit) = gate.acquire().await {
                permit.forget();
            }
        }
    });
    (server, started, release)
}

#[tokio::test]
async fn past_the_handler_bound_a_webhook_waits_then_gets_503_and_its_redelivery_is_handled() {
    let (l, origin) = listener().await;
    let (server, mut started, release) = blocking(&origin);
    let server = server
        .with_max_concurrent_handlers(1)
        .with_handler_wait(Duration::from_millis(200));
    let tasks = server.handler_tasks();
    assert_eq!(tasks.limit(), 1);
    let served = serve(l, server);

    let first = webhook(&served.origin(), "first");
    assert_eq!(post(&first).await.status(), 200);
    let got = tokio::time::timeout(BOUND, started.recv()).await.unwrap();
    assert_eq!(got.as_deref(), Some("first"));
    assert_eq!(tasks.running(), 1);

    // Every slot busy: the second waits its 200 ms, then 503.
    let second = webhook(&served.origin(), "second");
    let t = Instant::now();
    let resp = post(&second).await;
    let took = t.elapsed();
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "1");
    eprintln!("bound 1, wait 200 ms: second webhook -> 503 after {took:?}");
    assert!(
        took >= Duration::from_millis(200) && took < BOUND,
        "{took:?}"
    );

    // The first finishes; the provider's redelivery of the second is handled, not taken
    // for a duplicate.
    release.add_permits(1);
    tokio::time::timeout(BOUND, async {
        while tasks.running() > 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();
    assert_eq!(post(&second).await.status(), 200);
    let got = tokio::time::timeout(BOUND, started.recv()).await.unwrap();
    assert_eq!(got.as_deref(), Some("second"));
    release.add_permits(1);
}

#[tokio::test]
async fn a_webhook_that_finds_a_slot_within_the_wait_is_acknowledged() {
    let (l, origin) = listener().await;
    let (server, mut started, release) = blocking(&origin);
    let server = server
        .with_max_concurrent_handlers(1)
        .with_handler_wait(BOUND);
    let served = serve(l, server);
    assert_eq!(
        post(&webhook(&served.origin(), "first")).await.status(),
        200
    );
    tokio::time::timeout(BOUND, started.recv()).await.unwrap();

    let second = webhook(&served.origin(), "second");
    let waiting = tokio::spawn(async move { post(&second).await.status() });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiting.is_finished(), "answered before a slot came free");
    release.add_permits(1);
    assert_eq!(waiting.await.unwrap(), 200);
    let got = tokio::time::timeout(BOUND, started.recv()).await.unwrap();
    assert_eq!(got.as_deref(), Some("second"));
    release.add_permits(1);
}

#[tokio::test]
async fn graceful_shutdown_waits_for_an_in_flight_handler() {
    let (l, origin) = listener().await;
    let finished = Arc::new(AtomicUsize::new(0));
    let done = finished.clone();
    let (started_tx, mut started) = mpsc::unbounded_channel();
    let server = WebhookServer::new(registry(), PublicUrl::Origin(origin), move |_d| {
        let done = done.clone();
        let started = started_tx.clone();
        async move {
            let _ = started.send(());
            tokio::time::sleep(Duration::from_millis(300)).await;
            done.fetch_add(1, Ordering::SeqCst);
        }
    })
    .with_shutdown_timeout(BOUND);
    let mut served = serve(l, server);
    assert_eq!(post(&webhook(&served.origin(), "hola")).await.status(), 200);
    tokio::time::timeout(BOUND, started.recv()).await.unwrap();

    let t = Instant::now();
    served.shutdown();
    let drained = tokio::time::timeout(BOUND * 2, &mut served.done)
        .await
        .unwrap()
        .unwrap();
    let took = t.elapsed();
    eprintln!("shutdown with a 300 ms handler in flight -> returned {drained} after {took:?}");
    assert!(drained);
    assert_eq!(
        finished.load(Ordering::SeqCst),
        1,
        "serve returned before the handler ended"
    );
    // No longer accepting.
    assert!(TcpStream::connect(served.addr).await.is_err());
}

#[tokio::test]
async fn graceful_shutdown_gives_up_at_its_deadline() {
    let (l, origin) = listener().await;
    let (server, mut started, _release) = blocking(&origin);
    let deadline = Duration::from_millis(300);
    let tasks = server.handler_tasks();
    let mut served = serve(l, server.with_shutdown_timeout(deadline));
    assert_eq!(
        post(&webhook(&served.origin(), "stuck")).await.status(),
        200
    );
    tokio::time::timeout(BOUND, started.recv()).await.unwrap();

    let t = Instant::now();
    served.shutdown();
    let drained = tokio::time::timeout(BOUND, &mut served.done)
        .await
        .unwrap()
        .unwrap();
    let took = t.elapsed();
    assert!(!drained);
    assert!(took >= deadline && took < BOUND, "{took:?}");
    assert!(tasks.is_shut_down());
    assert_eq!(tasks.running(), 1);
}

#[tokio::test]
async fn after_handler_tasks_shut_down_webhooks_get_503_for_redelivery() {
    // As with a router under `axum::serve`: the app stops the handlers itself.
    let (l, origin) = listener().await;
    let (server, mut rx) = reporting(&origin);
    let tasks = server.handler_tasks();
    let addr = axum_serve(l, server);
    let origin = format!("http://{addr}");
    assert_eq!(post(&webhook(&origin, "before")).await.status(), 200);
    tokio::time::timeout(BOUND, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(tasks.shutdown(BOUND).await);
    let late = webhook(&origin, "late");
    assert_eq!(post(&late).await.status(), 503);
    assert!(rx.try_recv().is_err());
}

#[tokio::test]
async fn a_dedup_ttl_of_duration_max_neither_panics_nor_forgets() {
    let (l, origin) = listener().await;
    let (server, mut rx) = reporting(&origin);
    let server = server.with_dedup(Arc::new(MemoryDedupStore::new(100)), Duration::MAX);
    let served = serve(l, server);
    let request = webhook(&served.origin(), "once");
    for _ in 0..3 {
        assert_eq!(post(&request).await.status(), 200);
    }
    let d = tokio::time::timeout(BOUND, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.event.as_message().and_then(|m| m.text()), Some("once"));
    // The redeliveries were dropped: a later webhook is the next delivery.
    assert_eq!(post(&webhook(&served.origin(), "next")).await.status(), 200);
    let d = tokio::time::timeout(BOUND, rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.event.as_message().and_then(|m| m.text()), Some("next"));
}
