//! The Rust side of `benches/compare/run.sh`: one program, three modes.
//!
//! ```text
//! compare webhooks [--seconds S] [--only NAME] [--calls N]
//!                                      time verify+parse of the spec's webhooks
//! compare fake                         a minimal fake of Twilio's Messages API
//! compare send --base-url URL [--count N] [--concurrency C] [--runtime multi|current]
//!              [--client crate|reqwest|hyper] [--label NAME]
//!                                      N sends through TwilioProvider (or the same request
//!                                      through a bare reqwest client, or hyper's own pooled
//!                                      client), C at a time, on a
//!                                      multi-thread or current-thread tokio runtime
//! compare dedup [--keys N]             RSS of the default in-memory dedup store, full
//! ```
//!
//! Every measurement is printed as `RESULT <name> <value>` for the script to collect. The
//! timing method is the same as in `compare.py` and `compare.js`: a short warm-up, then
//! seven rounds of a fixed number of calls, and the median CPU time per call.
//!
//! `cargo bench --bench compare` runs the `webhooks` mode.

use std::hint::black_box;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::meta::signature as meta_signature;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::signature::signing_string;
use whatsapp_connector::twilio::webhook::{InboundParams, Params};
use whatsapp_connector::{OutboundMessage, WebhookRequest, WhatsAppAddress, WhatsAppProvider};

/// The inbound image webhook of the Twilio spec (§2.8), byte for byte.
const TWILIO_BODY: &[u8] = include_bytes!("../../tests/fixtures/twilio/inbound_image.form");
const TWILIO_URL: &str = "https://example.com/twilio/whatsapp/inbound";
const TWILIO_TOKEN: &str = "12345";
const TWILIO_SIGNATURE: &str = "GD8a9vyClPMV7ICDxFcR/oeneO0=";
const ACCOUNT_SID: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
/// A Botmaker Format A text message and a status snapshot.
const BOTMAKER_MESSAGE: &[u8] = include_bytes!("../../tests/fixtures/botmaker/a_text.json");
const BOTMAKER_STATUS: &[u8] =
    include_bytes!("../../tests/fixtures/botmaker/status_delivered.json");
/// Meta's Cloud API: a text message (the same file compare.py reads).
const META_TEXT: &[u8] = include_bytes!("../../tests/fixtures/meta/text.json");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // The mode is the first word that is neither a flag nor a flag's value (`cargo bench`
    // adds `--bench`, which takes none).
    let mut mode = "webhooks";
    let mut words = args.iter();
    while let Some(a) = words.next() {
        if a == "--bench" {
            continue;
        }
        if a.starts_with("--") {
            words.next();
            continue;
        }
        mode = a;
        break;
    }
    let result = match mode {
        "webhooks" => {
            let run = Run {
                seconds: flag(&args, "--seconds").unwrap_or(2.0),
                only: flag(&args, "--only").unwrap_or_default(),
                calls: flag(&args, "--calls"),
            };
            webhooks(&run);
            Ok(())
        }
        "fake" => fake(),
        "send" => send(&args),
        "dedup" => {
            dedup_rss(flag(&args, "--keys").unwrap_or(100_000));
            Ok(())
        }
        other => Err(format!("unknown mode {other:?}: webhooks, fake or send")),
    };
    if let Err(e) = result {
        eprintln!("compare: {e}");
        std::process::exit(2);
    }
}

/// The value after `name` in `args`, parsed.
fn flag<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

/// How the `webhooks` mode runs its cases.
struct Run {
    /// The time each case is measured for.
    seconds: f64,
    /// Only the cases whose name holds this.
    only: String,
    /// Instead of timing, make exactly this many calls and report nothing: for counting
    /// instructions per call with `perf stat -e instructions` (the difference between two
    /// counts, divided by the difference in calls), which the noise of a shared machine
    /// does not change.
    calls: Option<u64>,
}

/// Measures and reports `f` as `name`, unless `only` is set and not part of the name.
fn case(name: &str, run: &Run, mut f: impl FnMut()) {
    if !name.contains(run.only.as_str()) {
        return;
    }
    match run.calls {
        Some(calls) => (0..calls).for_each(|_| f()),
        None => report(name, measure(run.seconds, f)),
    }
}

fn report(name: &str, value: f64) {
    println!("RESULT {name} {value:.1}");
    let _ = std::io::stdout().flush();
}

/// Nanoseconds of CPU time per call of `f`: a warm-up of a tenth of `seconds`, then seven
/// rounds of equal size filling the rest; the median round. CPU time is this thread's own
/// (as Python's `time.thread_time_ns` and Node's `process.cpuUsage` count it), so other
/// programs busy on a shared machine change it far less than the wall clock; where the
/// system does not give it, the wall clock is used.
fn measure(seconds: f64, mut f: impl FnMut()) -> f64 {
    let clock = Clock::new();
    let warm = seconds / 10.0 * 1e9;
    let start = clock.now_ns();
    let mut calls: u64 = 0;
    // The clock is read every 64 calls: reading this thread's CPU time is a file read.
    while clock.now_ns() - start < warm {
        for _ in 0..64 {
            f();
        }
        calls += 64;
    }
    let per_call = (clock.now_ns() - start) / 1e9 / calls.max(1) as f64;
    let per_round = ((seconds * 0.9 / 7.0) / per_call).max(1.0) as u64;
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let t = clock.now_ns();
            for _ in 0..per_round {
                f();
            }
            (clock.now_ns() - t) / per_round as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

/// This thread's CPU time, or the wall clock.
enum Clock {
    ThreadCpu,
    Wall(Instant),
}

impl Clock {
    fn new() -> Self {
        match thread_cpu_ns() {
            Some(_) => Clock::ThreadCpu,
            None => Clock::Wall(Instant::now()),
        }
    }

    fn now_ns(&self) -> f64 {
        match self {
            Clock::ThreadCpu => thread_cpu_ns().unwrap_or(0) as f64,
            Clock::Wall(start) => start.elapsed().as_nanos() as f64,
        }
    }
}

/// The CPU time this thread has run, in nanoseconds: the first field of
/// `/proc/thread-self/schedstat` (Linux).
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn webhooks(run: &Run) {
    let twilio = TwilioProvider::builder(ACCOUNT_SID)
        .auth_token(TWILIO_TOKEN)
        .build()
        .expect("a valid configuration");
    let request = WebhookRequest::new(TWILIO_URL, TWILIO_BODY)
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_header("x-twilio-signature", TWILIO_SIGNATURE);
    // Through the trait object, as a server holding many bots calls it.
    let provider: &dyn WhatsAppProvider = &twilio;
    provider
        .verify(&request)
        .expect("the spec's signature verifies");
    let events = provider.parse(&request).expect("the spec's body parses");
    assert_eq!(events.len(), 1);

    // The trait's two calls, verify then parse: the body is decoded twice.
    case("rust_twilio_trait_ns", run, || {
        let req = black_box(&request);
        provider.verify(req).expect("valid");
        black_box(provider.parse(req).expect("parses"));
    });
    // The trait's verify_and_parse (Twilio's decodes the body once), as the endpoint calls it.
    case("rust_twilio_once_ns", run, || {
        black_box(
            provider
                .verify_and_parse(black_box(&request))
                .expect("valid"),
        );
    });

    // The floor: one HMAC-SHA1 over the string Twilio signs, keyed from the token each time
    // (as the SDKs do), and keyed once (as the crate does).
    let params: Vec<(String, String)> =
        serde_urlencoded::from_bytes(TWILIO_BODY).expect("the fixture is a form");
    let canonical = signing_string(TWILIO_URL, &params);
    case("rust_hmac_sha1_ns", run, || {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(black_box(b"12345"))
            .expect("HMAC takes any key length");
        mac.update(black_box(canonical.as_bytes()));
        black_box(mac.finalize().into_bytes());
    });
    let keyed = <Hmac<Sha1> as KeyInit>::new_from_slice(b"12345").expect("any key length");
    case("rust_hmac_sha1_prekeyed_ns", run, || {
        let mut mac = black_box(&keyed).clone();
        mac.update(black_box(canonical.as_bytes()));
        black_box(mac.finalize().into_bytes());
    });

    // What the event alone costs: the typed view over parameters already decoded, and the
    // owned `InboundMessage` made from it (no decoding, no MAC). With the keyed MAC above,
    // this is what any verify + parse returning the crate's event types must spend.
    let decoded = Params::from_form(TWILIO_BODY).expect("the fixture is a form");
    case("rust_twilio_event_only_ns", run, || {
        let params = black_box(&decoded);
        let typed = InboundParams::from_params(params).expect("an inbound message");
        black_box(typed.to_message().expect("a message"));
    });

    let botmaker = BotmakerProvider::builder()
        .webhook_token("compare-webhook-token")
        .build()
        .expect("a valid configuration");
    let botmaker: &dyn WhatsAppProvider = &botmaker;
    for (name, body) in [
        ("rust_botmaker_message_ns", BOTMAKER_MESSAGE),
        ("rust_botmaker_status_ns", BOTMAKER_STATUS),
    ] {
        let request = WebhookRequest::new("https://bot.example.com/botmaker", body)
            .with_header("content-type", "application/json");
        assert_eq!(botmaker.parse(&request).map(|e| e.len()).ok(), Some(1));
        case(name, run, || {
            black_box(botmaker.parse(black_box(&request)).expect("parses"));
        });
    }

    // Signed with the app secret compare.py uses; verified and parsed as the endpoint does.
    let meta = MetaProvider::builder()
        .app_secret("compare-app-secret")
        .build()
        .expect("a valid configuration");
    let meta: &dyn WhatsAppProvider = &meta;
    let request = WebhookRequest::new("https://bot.example.com/meta", META_TEXT)
        .with_header("content-type", "application/json")
        .with_header(
            "x-hub-signature-256",
            &meta_signature::sign("compare-app-secret", META_TEXT),
        );
    assert_eq!(
        meta.verify_and_parse(&request).map(|e| e.len()).ok(),
        Some(1)
    );
    case("rust_meta_message_ns", run, || {
        black_box(
            meta.verify_and_parse(black_box(&request))
                .expect("verifies and parses"),
        );
    });
}

/// This process's resident memory in KiB, from `/proc/self/status`.
fn rss_kib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0)
}

/// What the webhook server's default dedup store (100,000 keys) costs when full of Twilio
/// message keys (`twilio:SM` and 32 hex digits), then after as many again (it stays full).
fn dedup_rss(keys: usize) {
    use whatsapp_connector::dedup::MemoryDedupStore;
    let ttl = Duration::from_secs(86_400);
    let store = MemoryDedupStore::new(100_000);
    let before = rss_kib();
    let now = Instant::now();
    for i in 0..keys {
        store.first_seen_at(&format!("twilio:SM{i:032x}"), ttl, now);
    }
    let full = rss_kib();
    for i in keys..2 * keys {
        store.first_seen_at(&format!("twilio:SM{i:032x}"), ttl, now);
    }
    let twice = rss_kib();
    report("dedup_keys", store.len() as f64);
    report("dedup_rss_kib", full - before);
    report("dedup_rss_after_twice_kib", twice - before);
    report(
        "dedup_bytes_per_key",
        (full - before) * 1024.0 / keys as f64,
    );
}

/// CPU time (user + system) this process has used, from `/proc/self/stat` (in the kernel's
/// fixed 100 Hz ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name may hold spaces: the fields are counted after its `)`.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the `)`.
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    ticks(11).unwrap_or(0.0) / 100.0 + ticks(12).unwrap_or(0.0) / 100.0
}

fn send(args: &[String]) -> Result<(), String> {
    let base_url: String = flag(args, "--base-url").ok_or("send needs --base-url")?;
    let count: usize = flag(args, "--count").unwrap_or(20_000);
    let concurrency: usize = flag(args, "--concurrency").unwrap_or(64);
    let stats_url: Option<String> = flag(args, "--stats-url");
    let runtime = match flag::<String>(args, "--runtime").as_deref() {
        None | Some("multi") => tokio::runtime::Runtime::new(),
        Some("current") => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
        Some(other) => return Err(format!("--runtime {other:?}: multi or current")),
    }
    .map_err(|e| e.to_string())?;
    let base_url_copy = base_url.clone();
    let label: String = flag(args, "--label").unwrap_or_else(|| "rust_send".into());
    runtime.block_on(async move {
        let provider = TwilioProvider::builder(ACCOUNT_SID)
            .auth_token("0123456789abcdef0123456789abcdef")
            .from("whatsapp:+14155238886")
            .base_url(base_url)
            .build()
            .map_err(|e| e.to_string())?;
        let provider = Arc::new(provider);
        let to = WhatsAppAddress::parse("whatsapp:+14155550100").map_err(|e| e.to_string())?;
        let message = Arc::new(OutboundMessage::text(to, "Your table for 2 is booked."));
        // `--client reqwest`: the same request (URL, headers, form body) through a bare
        // reqwest client that reads the answer's bytes and nothing else: the HTTP stack's
        // own cost, for comparison with the crate's.
        let bare = match flag::<String>(args, "--client").as_deref() {
            None | Some("crate") => None,
            Some("reqwest") => Some(Arc::new(BareSender::new(&base_url_copy, false))),
            Some("hyper") => Some(Arc::new(BareSender::new(&base_url_copy, true))),
            Some(other) => return Err(format!("--client {other:?}: crate, reqwest or hyper")),
        };

        // Warm-up: one round at full concurrency opens the connections.
        let run = |n: usize| {
            let next = Arc::new(AtomicUsize::new(0));
            let failed = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (provider, message) = (provider.clone(), message.clone());
                    let (next, failed) = (next.clone(), failed.clone());
                    let bare = bare.clone();
                    tokio::spawn(async move {
                        while next.fetch_add(1, Ordering::Relaxed) < n {
                            let sent = match &bare {
                                None => provider
                                    .send(&message)
                                    .await
                                    .map(drop)
                                    .map_err(|e| e.to_string()),
                                Some(b) => b.send().await,
                            };
                            if let Err(e) = sent {
                                if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                                    eprintln!("compare send: {e}");
                                }
                            }
                        }
                    })
                })
                .collect();
            async move {
                for t in tasks {
                    let _ = t.await;
                }
                failed.load(Ordering::Relaxed)
            }
        };
        let warm_failed = run(concurrency * 4).await;
        let connections0 = fake_connections(stats_url.as_deref()).await;
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let failed = run(count).await;
        let wall = t0.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu0;
        if let (Some(a), Some(b)) = (connections0, fake_connections(stats_url.as_deref()).await) {
            report(&format!("{label}_new_connections"), (b - a) as f64);
        }
        report(&format!("{label}_count"), count as f64);
        report(&format!("{label}_errors"), (failed + warm_failed) as f64);
        report(&format!("{label}_per_s"), count as f64 / wall);
        report(&format!("{label}_cpu_us"), cpu * 1e6 / count as f64);
        Ok::<(), String>(())
    })
}

/// The crate's send request, made by hand with a bare reqwest client (with the crate's
/// client settings: no redirects, the same timeouts and `User-Agent`), or with hyper's own
/// pooled client (what reqwest is built on, without a timeout).
struct BareSender {
    reqwest: reqwest::Client,
    hyper: Option<HyperClient>,
    url: String,
    authorization: reqwest::header::HeaderValue,
    body: Bytes,
}

type HyperClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<Bytes>,
>;

impl BareSender {
    fn new(base_url: &str, hyper: bool) -> Self {
        use base64::Engine as _;
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{ACCOUNT_SID}:0123456789abcdef0123456789abcdef"));
        let hyper = hyper.then(|| {
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http()
        });
        BareSender {
            // Set up as the crate sets up its own client.
            reqwest: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(10))
                .timeout(whatsapp_connector::twilio::DEFAULT_TIMEOUT)
                .user_agent(concat!("whatsapp-connector/", env!("CARGO_PKG_VERSION")))
                .build()
                .expect("a client with these settings builds"),
            hyper,
            url: format!("{base_url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"),
            authorization: reqwest::header::HeaderValue::from_str(&format!("Basic {credentials}"))
                .expect("base64 is a valid header value"),
            body: Bytes::from_static(
                b"To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886&Body=Your+table+for+2+is+booked.",
            ),
        }
    }

    async fn send(&self) -> Result<(), String> {
        let (status, bytes) = match &self.hyper {
            Some(client) => {
                use http_body_util::BodyExt as _;
                let request = axum::http::Request::post(self.url.as_str())
                    .header(header::AUTHORIZATION, self.authorization.clone())
                    .header(header::ACCEPT, "application/json")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(http_body_util::Full::new(self.body.clone()))
                    .map_err(|e| e.to_string())?;
                let answer = client.request(request).await.map_err(|e| e.to_string())?;
                let status = answer.status();
                let body = answer
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| e.to_string())?;
                (status, body.to_bytes())
            }
            None => {
                let answer = self
                    .reqwest
                    .post(&self.url)
                    .header(header::AUTHORIZATION, self.authorization.clone())
                    .header(header::ACCEPT, "application/json")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(self.body.clone())
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                let status = answer.status();
                (status, answer.bytes().await.map_err(|e| e.to_string())?)
            }
        };
        if status.is_success() && !bytes.is_empty() {
            Ok(())
        } else {
            Err(format!("HTTP {status}"))
        }
    }
}

/// How many connections the fake has accepted so far, read from its stats port.
async fn fake_connections(stats_url: Option<&str>) -> Option<u64> {
    let text = reqwest::get(stats_url?).await.ok()?.text().await.ok()?;
    text.split_whitespace()
        .find_map(|kv| kv.strip_prefix("connections="))
        .and_then(|n| n.parse().ok())
}

static CONNECTIONS: AtomicU64 = AtomicU64::new(0);
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static REJECTED: AtomicU64 = AtomicU64::new(0);

/// A fake of `POST /2010-04-01/Accounts/{sid}/Messages.json` that does as little as it can:
/// it checks for Basic credentials and a `To`, and answers 201 with a Message resource of
/// the real size. It counts the TCP connections it accepted and the requests it answered,
/// and tells them on a second port (`GET /stats`), so that reading them opens no connection
/// on the measured port. It runs on one thread.
fn fake() -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let api = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let control = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let port = |l: &tokio::net::TcpListener| l.local_addr().map(|a| a.port()).unwrap_or(0);
        println!("LISTENING {} {}", port(&api), port(&control));
        let _ = std::io::stdout().flush();
        let stats = Router::new().route(
            "/stats",
            get(|| async {
                format!(
                    "connections={} requests={} rejected={}\n",
                    CONNECTIONS.load(Ordering::Relaxed),
                    REQUESTS.load(Ordering::Relaxed),
                    REJECTED.load(Ordering::Relaxed)
                )
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(control, stats).await;
        });
        let app = Router::new().route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(create_message),
        );
        let api = api.tap_io(|_| {
            CONNECTIONS.fetch_add(1, Ordering::Relaxed);
        });
        axum::serve(api, app).await.map_err(|e| e.to_string())
    })
}

async fn create_message(
    axum::extract::Path(sid): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = REQUESTS.fetch_add(1, Ordering::Relaxed);
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "));
    let has_to = url::form_urlencoded::parse(&body).any(|(k, v)| k == "To" && !v.is_empty());
    let plain_sid = sid.bytes().all(|b| b.is_ascii_alphanumeric());
    if !authorized || !has_to || !plain_sid {
        REJECTED.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::BAD_REQUEST, "missing credentials or To").into_response();
    }
    let message_sid = format!("SM{n:032x}");
    let resource = format!(
        concat!(
            r#"{{"account_sid":"{sid}","api_version":"2010-04-01","body":"Your table for 2 is booked.","#,
            r#""date_created":"Thu, 01 Jan 2026 00:00:00 +0000","date_sent":null,"#,
            r#""date_updated":"Thu, 01 Jan 2026 00:00:00 +0000","direction":"outbound-api","#,
            r#""error_code":null,"error_message":null,"from":"whatsapp:+14155238886","#,
            r#""messaging_service_sid":null,"num_media":"0","num_segments":"1","price":null,"#,
            r#""price_unit":null,"sid":"{msid}","status":"queued","#,
            r#""subresource_uris":{{"media":"/2010-04-01/Accounts/{sid}/Messages/{msid}/Media.json"}},"#,
            r#""to":"whatsapp:+14155550100","uri":"/2010-04-01/Accounts/{sid}/Messages/{msid}.json"}}"#
        ),
        sid = sid,
        msid = message_sid
    );
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        resource,
    )
        .into_response()
}
