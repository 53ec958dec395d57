//! A minimal production-style webhook server: one Twilio bot, one Botmaker bot and one Meta
//! bot behind the crate's axum endpoint ([`WebhookServer`]), on 127.0.0.1.
//!
//! ```text
//! cargo run --release --example webhook_server
//! ```
//!
//! Every webhook is verified with its bot's own secret, parsed, and dropped when it is a
//! redelivery (the default in-memory dedup store: 100,000 keys for a day). The server does not
//! answer messages: it counts the events it is handed and prints the counts every two
//! seconds when they changed; `WA_LOG_EVENTS=1` also prints each event as a JSON line.
//! `benches/load/run.sh` drives it with `wrk`.
//!
//! Configuration, from the environment (every default is an invented, offline value):
//!
//! | variable | default | what |
//! |---|---|---|
//! | `WA_PORT` | `3000` | the port on 127.0.0.1 |
//! | `WA_PUBLIC_ORIGIN` | `http://127.0.0.1:$WA_PORT` | the origin the providers call: Twilio's signature covers it |
//! | `TWILIO_ACCOUNT_SID` | `AC00000000000000000000000000000001` | the Twilio account |
//! | `TWILIO_AUTH_TOKEN` | `0123456789abcdef0123456789abcdef` | verifies Twilio's signatures |
//! | `TWILIO_FROM` | `whatsapp:+14155238886` | the Twilio bot's number: webhooks whose `To` is this number are its |
//! | `BOTMAKER_ACCESS_TOKEN` | `load-test-access-token` | Botmaker API token (unused here: the server sends nothing) |
//! | `BOTMAKER_WEBHOOK_TOKEN` | `load-test-webhook-token` | the `auth-bm-token` Botmaker's webhooks must carry |
//! | `BOTMAKER_NUMBER` | `+5491155550100` | the Botmaker bot's line: webhooks whose `WHATSAPP_NUMBER` is this number are its |
//! | `BOTMAKER_CHANNEL_ID` | `acme-whatsapp-5491155550100` | the Botmaker channel, also routed to the bot |
//! | `META_ACCESS_TOKEN` | `load-test-meta-access-token` | Meta Graph API token (unused here: the server sends nothing) |
//! | `META_APP_SECRET` | `load-test-app-secret` | verifies Meta's `X-Hub-Signature-256` |
//! | `META_VERIFY_TOKEN` | `load-test-verify-token` | answers Meta's verification request (`GET /meta?hub.mode=subscribe&…`) |
//! | `META_PHONE_NUMBER_ID` | `100000000000001` | the Meta bot's phone number id: webhooks whose `metadata.phone_number_id` is this id are its |
//! | `META_NUMBER` | `+15550001111` | the Meta bot's number, also routed to the bot |
//! | `WA_LOG_EVENTS` | unset | `1`: print each event as JSON |
//! | `WA_REDIS_URL` | unset | `redis://[:password@]host[:port][/db]` or `rediss://…`: store events in the Redis inbox (see below) |
//!
//! With `WA_REDIS_URL` set (build with `--features redis`), every verified event is stored in
//! the Redis inbox before the provider gets its 200 (503 when Redis cannot store it within
//! 4 s), dedup is shared by every instance on that Redis, and the server runs no handlers
//! itself: `examples/worker.rs` handles the events. Without it, events live in memory and are
//! lost on a crash.
//!
//! The routes are `POST /twilio`, `POST /botmaker`, `POST /meta` (and `GET /meta` for Meta's
//! verification request) and `GET /healthz`.
//!
//! It runs with [`WebhookServer::serve`]: HTTP/1.1 only, the crate's default limits (1 MiB
//! bodies, 10 s for headers, 30 s for a body, 256 handlers at once), and on Ctrl-C or
//! SIGTERM a graceful shutdown that lets running handlers finish (up to 30 s).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::{InboundEvent, ProviderKind};

#[path = "shared/bots.rs"]
mod bots;

use bots::env_or;

/// Events handed to the bots, by provider and kind.
#[derive(Default)]
struct Counts {
    twilio_messages: AtomicU64,
    twilio_statuses: AtomicU64,
    botmaker_messages: AtomicU64,
    botmaker_statuses: AtomicU64,
    meta_messages: AtomicU64,
    meta_statuses: AtomicU64,
}

impl Counts {
    fn record(&self, delivery: &Delivery) {
        let kind = delivery.bot.provider.kind();
        let status = matches!(delivery.event, InboundEvent::Status(_));
        let counter = match (kind, status) {
            (k, true) if k == ProviderKind::TWILIO => &self.twilio_statuses,
            (k, false) if k == ProviderKind::TWILIO => &self.twilio_messages,
            (k, true) if k == ProviderKind::META => &self.meta_statuses,
            (k, false) if k == ProviderKind::META => &self.meta_messages,
            (_, true) => &self.botmaker_statuses,
            (_, false) => &self.botmaker_messages,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "events: twilio messages={} statuses={}, botmaker messages={} statuses={}, \
             meta messages={} statuses={}",
            n(&self.twilio_messages),
            n(&self.twilio_statuses),
            n(&self.botmaker_messages),
            n(&self.botmaker_statuses),
            n(&self.meta_messages),
            n(&self.meta_statuses)
        )
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_server: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = env_or("WA_PORT", "3000")
        .parse()
        .map_err(|_| "WA_PORT must be a port number")?;
    let origin = env_or("WA_PUBLIC_ORIGIN", &format!("http://127.0.0.1:{port}"));
    let log_events = env_or("WA_LOG_EVENTS", "") == "1";

    let registry = bots::registry()?;

    let counts = Arc::new(Counts::default());
    let handler_counts = counts.clone();
    let server = WebhookServer::new(
        registry.clone(),
        PublicUrl::Origin(origin.clone()),
        move |d| {
            handler_counts.record(&d);
            if log_events {
                if let Ok(json) = serde_json::to_string(&d.event) {
                    println!("{} {json}", d.bot.id);
                }
            }
            async {}
        },
    );

    let redis_url = env_or("WA_REDIS_URL", "");
    let server = if redis_url.is_empty() {
        server
    } else {
        with_redis(server, &redis_url)?
    };

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "webhook_server: listening on {} (public origin {origin}); POST /twilio, POST /botmaker, POST /meta",
        listener.local_addr()?
    );
    tokio::spawn(async move {
        let mut last = String::new();
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            let line = counts.line();
            if line != last {
                println!("{line}");
                last = line;
            }
        }
    });
    if !server.serve(listener, shutdown_signal()).await {
        eprintln!("webhook_server: shutdown timeout passed with handlers still running");
    }
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    bots::shutdown_signal().await;
    eprintln!("webhook_server: shutting down");
}

/// Events go to the Redis inbox at `url` (dedup included); no handler runs here.
#[cfg(feature = "redis")]
fn with_redis(
    server: WebhookServer,
    url: &str,
) -> Result<WebhookServer, Box<dyn std::error::Error>> {
    use whatsapp_connector::redis::{RedisConnection, RedisInbox};
    let redis = RedisConnection::open(url)?;
    eprintln!(
        "webhook_server: events go to the Redis inbox at {}; handlers run in workers",
        redis.url()
    );
    Ok(server.with_inbox(Arc::new(RedisInbox::new(&redis)?)))
}

#[cfg(not(feature = "redis"))]
fn with_redis(
    _server: WebhookServer,
    _url: &str,
) -> Result<WebhookServer, Box<dyn std::error::Error>> {
    Err("WA_REDIS_URL is set, but this build has no Redis: run with --features redis".into())
}
