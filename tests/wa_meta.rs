//! `wa meta sign|verify`, `wa parse meta` and `wa simulate meta`: exit codes as the other
//! providers' (0 valid, 1 invalid signature or refused webhook, 2 bad input), secrets never
//! printed.

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use whatsapp_connector::meta::MetaProvider;
use whatsapp_connector::meta::signature::sign;
use whatsapp_connector::registry::{Bot, Registry};
use whatsapp_connector::server::{PublicUrl, WebhookServer};

const SECRET: &str = "wa-meta-app-secret-value";

fn wa(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo test builds the wa binary");
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn body() -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/meta/text.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn sign_prints_the_header_meta_sends() {
    let o = wa(&["meta", "sign", "--app-secret", SECRET], &body());
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(out(&o).trim_end(), sign(SECRET, &body()));
    assert!(out(&o).starts_with("sha256="));
}

#[test]
fn verify_exits_0_1_or_2() {
    let signature = sign(SECRET, &body());
    let ok = wa(
        &[
            "meta",
            "verify",
            "--app-secret",
            "old-one",
            "--app-secret",
            SECRET,
            "--signature",
            &signature,
        ],
        &body(),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", err(&ok));
    assert_eq!(out(&ok).trim_end(), "valid");

    let mut tampered = body();
    tampered.push(b'\n');
    let bad = wa(
        &[
            "meta",
            "verify",
            "--app-secret",
            SECRET,
            "--signature",
            &signature,
        ],
        &tampered,
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        err(&bad).contains("matches none of the configured secrets"),
        "{}",
        err(&bad)
    );

    let malformed = wa(
        &[
            "meta",
            "verify",
            "--app-secret",
            SECRET,
            "--signature",
            "sha1=0123",
        ],
        &body(),
    );
    assert_eq!(malformed.status.code(), Some(1));
    assert!(
        err(&malformed).contains("does not start with sha256="),
        "{}",
        err(&malformed)
    );

    let usage = wa(&["meta", "verify", "--signature", &signature], &body());
    assert_eq!(usage.status.code(), Some(2));
    assert!(err(&usage).contains("--app-secret"));
    let empty = wa(&["meta", "sign", "--app-secret", ""], &body());
    assert_eq!(empty.status.code(), Some(2));

    for o in [ok, bad, malformed, usage, empty] {
        assert!(!err(&o).contains(SECRET) && !out(&o).contains(SECRET));
    }
}

#[test]
fn parse_prints_the_events_as_json() {
    let o = wa(&["parse", "meta"], &body());
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let events: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(events[0]["provider"], "meta");
    assert_eq!(events[0]["id"], "wamid.TEXT0001");
    assert_eq!(events[0]["from"], "+5491122223333");
    assert_eq!(events[0]["channel_id"], "100200300400500");
    assert_eq!(
        events[0]["content"]["body"],
        "Hola, ¿tienen envío a Rosario?"
    );

    let other = wa(&["parse", "meta"], br#"{"object": "page", "entry": []}"#);
    assert_eq!(other.status.code(), Some(2));
    assert!(err(&other).contains("object"), "{}", err(&other));
    let garbage = wa(&["parse", "meta"], b"\xff\xfe not json");
    assert_eq!(garbage.status.code(), Some(2));
    assert_eq!(err(&garbage).trim_end().lines().count(), 1);
    let form = wa(
        &[
            "parse",
            "meta",
            "--content-type",
            "application/x-www-form-urlencoded",
        ],
        &body(),
    );
    assert_eq!(form.status.code(), Some(2));
}

async fn wa_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_wa"))
            .args(args)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulate_sends_a_signed_webhook_to_a_running_server() {
    let registry = Arc::new(Registry::new());
    let provider = MetaProvider::builder().app_secret(SECRET).build().unwrap();
    registry.insert(
        "100200300400500",
        Arc::new(Bot::new("shop", Arc::new(provider))),
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
    let target = format!("{origin}/meta");
    let run = |secret: &str, phone_number_id: &str| {
        let args: Vec<String> = [
            "simulate",
            "meta",
            "--target",
            &target,
            "--app-secret",
            secret,
            "--from",
            "+5491122223333",
            "--to",
            "+15550001111",
            "--phone-number-id",
            phone_number_id,
            "--text",
            "hola desde wa",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        wa_async(args)
    };

    let ok = run(SECRET, "100200300400500").await;
    assert_eq!(ok.status.code(), Some(0), "{}", err(&ok));
    assert_eq!(out(&ok).trim_end(), "200");
    let d = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.bot.id, "shop");
    let m = d.event.as_message().unwrap();
    assert_eq!(m.text(), Some("hola desde wa"));
    assert_eq!(m.from.as_ref().unwrap().to_string(), "+5491122223333");

    let forged = run("not-the-secret", "100200300400500").await;
    assert_eq!(forged.status.code(), Some(1));
    assert!(err(&forged).contains("403"), "{}", err(&forged));
    assert!(!err(&forged).contains("not-the-secret"));

    let unknown = run(SECRET, "999999999999999").await;
    assert_eq!(unknown.status.code(), Some(1));
    assert!(err(&unknown).contains("404"), "{}", err(&unknown));
    assert!(
        err(&unknown).contains("999999999999999"),
        "{}",
        err(&unknown)
    );
}
