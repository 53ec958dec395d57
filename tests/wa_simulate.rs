//! `wa simulate`: signed webhooks sent to a running server, as a user testing a deployment.

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::mammut::BotConfig;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{PublicUrl, WebhookServer};
use whatsapp_connector::twilio::TwilioProvider;

const TOKEN: &str = "00112233445566778899aabbccddeeff";
const BM_TOKEN: &str = "simulate-webhook-token";

async fn wa(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_wa"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn args(s: &[&str]) -> Vec<String> {
    s.iter().map(|a| (*a).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_sends_verified_webhooks_to_a_running_server() {
    let registry = Arc::new(Registry::new());
    let config =
        BotConfig::new("AC0123456789abcdef0123456789abcdef", TOKEN, "+14155238886").unwrap();
    let twilio = TwilioProvider::from_bot_config(&config).unwrap();
    registry.insert("+14155238886", Arc::new(Bot::new("tw", Arc::new(twilio))));
    let botmaker = BotmakerProvider::builder()
        .webhook_token(BM_TOKEN)
        .build()
        .unwrap();
    registry.insert(
        "+5491155550100",
        Arc::new(Bot::new("bm", Arc::new(botmaker))),
    );

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let (tx, mut rx) = mpsc::unbounded_channel();
    let server = WebhookServer::new(registry, PublicUrl::Origin(origin.clone()), move |d| {
        let tx = tx.clone();
        async move {
            let _ = tx.send(d);
        }
    });
    tokio::spawn(async move { axum::serve(listener, server.router()).await.unwrap() });

    let twilio_url = format!("{origin}/twilio");
    let out = wa(args(&[
        "simulate",
        "twilio",
        "--target",
        &twilio_url,
        "--token",
        TOKEN,
        "--from",
        "+14155550100",
        "--to",
        "whatsapp:+14155238886",
        "--text",
        "hola desde wa",
        "--account-sid",
        "AC0123456789abcdef0123456789abcdef",
    ]))
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "200");
    let d = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.bot.id, "tw");
    assert_eq!(
        d.event.as_message().and_then(|m| m.text()),
        Some("hola desde wa")
    );

    let botmaker_url = format!("{origin}/botmaker");
    let out = wa(args(&[
        "simulate",
        "botmaker",
        "--target",
        &botmaker_url,
        "--token",
        BM_TOKEN,
        "--from",
        "5491155550123",
        "--to",
        "5491155550100",
        "--text",
        "hola botmaker",
    ]))
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.bot.id, "bm");
    assert_eq!(
        d.event.as_message().and_then(|m| m.text()),
        Some("hola botmaker")
    );

    // The wrong token: the server refuses the signature, and wa says so with exit 1.
    let out = wa(args(&[
        "simulate",
        "twilio",
        "--target",
        &twilio_url,
        "--token",
        "ffffffffffffffffffffffffffffffff",
        "--from",
        "+14155550100",
        "--to",
        "+14155238886",
        "--text",
        "x",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("403") && !err.contains("ffffffff"), "{err}");
    assert!(
        err.contains("the URL or the token does not match what the server verifies with"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // A number no bot is registered for: 404, and wa says which number it sent to.
    for (provider, url) in [("twilio", &twilio_url), ("botmaker", &botmaker_url)] {
        let out = wa(args(&[
            "simulate",
            provider,
            "--target",
            url,
            "--token",
            TOKEN,
            "--from",
            "+14155550100",
            "--to",
            "+14155550999",
            "--text",
            "x",
        ]))
        .await;
        assert_eq!(out.status.code(), Some(1), "{provider}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!("wa: {url}: answered 404 Not Found")),
            "{err}"
        );
        assert!(err.contains("no bot is registered for"), "{err}");
        assert!(err.contains("+14155550999 at that URL"), "{err}");
        assert!(!err.contains(TOKEN), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}

#[tokio::test]
async fn simulate_names_bad_input() {
    for (argv, needle) in [
        (args(&["simulate", "twilio", "--token", "t"]), "--target"),
        (
            args(&[
                "simulate",
                "twilio",
                "--target",
                "ftp://x",
                "--token",
                "t",
                "--from",
                "+14155550100",
                "--to",
                "+14155238886",
                "--text",
                "x",
            ]),
            "--target",
        ),
        (
            args(&[
                "simulate",
                "twilio",
                "--target",
                "http://127.0.0.1:9",
                "--token",
                "t",
                "--from",
                "12",
                "--to",
                "+14155238886",
                "--text",
                "x",
            ]),
            "--from",
        ),
        (
            args(&[
                "simulate",
                "sms",
                "--target",
                "http://127.0.0.1:9",
                "--token",
                "t",
                "--from",
                "+14155550100",
                "--to",
                "+14155238886",
                "--text",
                "x",
            ]),
            "sms",
        ),
    ] {
        let out = wa(argv.clone()).await;
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{argv:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    }
}
