//! A worker for the Redis inbox that `webhook_server` fills when `WA_REDIS_URL` is set.
//!
//! ```text
//! WA_REDIS_URL=redis://127.0.0.1:6379/0 WA_WORKER_NAME=w1 \
//!     cargo run --release --features redis --example worker
//! ```
//!
//! It takes the same environment as `webhook_server` (the bots, `WA_REDIS_URL`, required
//! here), plus:
//!
//! | variable | default | what |
//! |---|---|---|
//! | `WA_WORKER_NAME` | `worker-<pid>` | the consumer name in the group: unique per running worker |
//! | `WA_FAIL_EVERY` | unset | `N`: every Nth handler call fails (counted in this process, retries included) |
//!
//! Each event it handles is printed on stdout as exactly one line, the event JSON; a failed
//! call prints nothing (the event is retried, and after 5 attempts moved to the dead
//! letters). Logs go to stderr.
//!
//! The inbox's defaults: events stored before any worker ran are handled; a dead worker's
//! events are claimed after 30 s idle; a failed event is retried within 10 s; through a Redis
//! outage the worker keeps trying (logging at most once every 10 s); on Ctrl-C or SIGTERM it
//! finishes the call in progress and stops.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use whatsapp_connector::inbox::Worker;
use whatsapp_connector::redis::{RedisConnection, RedisInbox};

#[path = "shared/bots.rs"]
mod bots;

use bots::env_or;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("worker: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let url = env_or("WA_REDIS_URL", "");
    if url.is_empty() {
        return Err("WA_REDIS_URL must name the Redis inbox (redis://host:port/db)".into());
    }
    let name = env_or("WA_WORKER_NAME", &format!("worker-{}", std::process::id()));
    let fail_every: u64 = match env_or("WA_FAIL_EVERY", "") {
        v if v.is_empty() => 0,
        v => v
            .parse()
            .map_err(|_| "WA_FAIL_EVERY must be a whole number")?,
    };
    let registry = bots::registry()?;
    let redis = RedisConnection::open(&url)?;
    let inbox = Arc::new(RedisInbox::new(&redis)?);
    eprintln!("worker {name}: consuming the inbox at {}", redis.url());

    let calls = Arc::new(AtomicU64::new(0));
    let worker = Worker::new(inbox, registry, name.clone(), move |d| {
        let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
        let fail = fail_every > 0 && call % fail_every == 0;
        async move {
            if fail {
                return Err(format!("call {call} fails (WA_FAIL_EVERY={fail_every})"));
            }
            let json = serde_json::to_string(&d.event).map_err(|e| e.to_string())?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{json}")
                .and_then(|()| out.flush())
                .map_err(|e| format!("stdout: {e}"))
        }
    });
    worker.run(bots::shutdown_signal()).await;
    eprintln!("worker {name}: stopped");
    Ok(())
}
