//! A minimal production-style webhook server: one Twilio bot and one Botmaker bot behind the
//! crate's axum endpoint ([`WebhookServer`]), on 127.0.0.1.
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
//! | `WA_LOG_EVENTS` | unset | `1`: print each event as JSON |
//!
//! The routes are `POST /twilio`, `POST /botmaker` and `GET /healthz`.
//!
//! It runs with [`WebhookServer::serve`]: HTTP/1.1 only, the crate's default limits (1 MiB
//! bodies, 10 s for headers, 30 s for a body, 256 handlers at once), and on Ctrl-C or
//! SIGTERM a graceful shutdown that lets running handlers finish (up to 30 s).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{Delivery, PublicUrl, WebhookServer};
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{InboundEvent, ProviderKind};

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Events handed to the bots, by provider and kind.
#[derive(Default)]
struct Counts {
    twilio_messages: AtomicU64,
    twilio_statuses: AtomicU64,
    botmaker_messages: AtomicU64,
    botmaker_statuses: AtomicU64,
}

impl Counts {
    fn record(&self, delivery: &Delivery) {
        let twilio = delivery.bot.provider.kind() == ProviderKind::TWILIO;
        let counter = match (twilio, &delivery.event) {
            (true, InboundEvent::Status(_)) => &self.twilio_statuses,
            (true, _) => &self.twilio_messages,
            (false, InboundEvent::Status(_)) => &self.botmaker_statuses,
            (false, _) => &self.botmaker_messages,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn line(&self) -> String {
        let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
        format!(
            "events: twilio messages={} statuses={}, botmaker messages={} statuses={}",
            n(&self.twilio_messages),
            n(&self.twilio_statuses),
            n(&self.botmaker_messages),
            n(&self.botmaker_statuses)
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

    let registry = Arc::new(Registry::new());
    let twilio_from = env_or("TWILIO_FROM", "whatsapp:+14155238886");
    let twilio = TwilioProvider::builder(env_or(
        "TWILIO_ACCOUNT_SID",
        "AC00000000000000000000000000000001",
    ))
    .auth_token(env_or(
        "TWILIO_AUTH_TOKEN",
        "0123456789abcdef0123456789abcdef",
    ))
    .from(&twilio_from)
    .build()?;
    registry.insert(
        &twilio_from,
        Arc::new(Bot::new("twilio-bot", Arc::new(twilio))),
    );

    let channel = env_or("BOTMAKER_CHANNEL_ID", "acme-whatsapp-5491155550100");
    let botmaker = BotmakerProvider::builder()
        .access_token(env_or("BOTMAKER_ACCESS_TOKEN", "load-test-access-token"))
        .channel_id(&channel)
        .webhook_token(env_or("BOTMAKER_WEBHOOK_TOKEN", "load-test-webhook-token"))
        .build()?;
    let botmaker = Arc::new(Bot::new("botmaker-bot", Arc::new(botmaker)));
    registry.insert(
        &env_or("BOTMAKER_NUMBER", "+5491155550100"),
        botmaker.clone(),
    );
    registry.insert(&channel, botmaker);

    let counts = Arc::new(Counts::default());
    let handler_counts = counts.clone();
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |d| {
        handler_counts.record(&d);
        if log_events {
            if let Ok(json) = serde_json::to_string(&d.event) {
                println!("{} {json}", d.bot.id);
            }
        }
        async {}
    });

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "webhook_server: listening on {} (public origin {origin}); POST /twilio, POST /botmaker",
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

/// Completes on Ctrl-C, or on SIGTERM where there is one.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                term.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
    eprintln!("webhook_server: shutting down");
}
