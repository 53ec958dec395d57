//! The `wa` tool's Botmaker commands, run as the built binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use whatsapp_connector::InboundEvent;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn wa(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
    cmd.args(args)
        .env_remove("BOTMAKER_ACCESS_TOKEN")
        .env_remove("BOTMAKER_CHANNEL_ID")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cargo test builds the wa binary");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn verify_valid_token_exits_0() {
    let out = wa(
        &[
            "botmaker",
            "verify",
            "--token",
            "hook-token-1",
            "--header",
            "hook-token-1",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn verify_accepts_any_rotated_token() {
    let out = wa(
        &[
            "botmaker",
            "verify",
            "--token",
            "old-token",
            "--token",
            "new-token",
            "--header",
            "old-token",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn verify_invalid_token_exits_1_with_a_reason_and_no_secret() {
    let out = wa(
        &[
            "botmaker",
            "verify",
            "--token",
            "hook-token-1",
            "--header",
            "hook-token-2",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("auth-bm-token"), "{err}");
    assert!(err.contains("matches none"), "{err}");
    assert!(
        !err.contains("hook-token-1") && !err.contains("hook-token-2"),
        "{err}"
    );
    let out = wa(
        &[
            "botmaker",
            "verify",
            "--token",
            "hook-token-1",
            "--header",
            "",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn verify_usage_errors_exit_2() {
    for args in [
        &["botmaker", "verify", "--token", "t"][..],
        &["botmaker", "verify", "--header", "t"][..],
        &[
            "botmaker", "verify", "--token", "t", "--header", "t", "--bogus", "x",
        ][..],
        &["botmaker", "sign", "--token", "t"][..],
    ] {
        let out = wa(args, b"", &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(text(&out.stderr).lines().count(), 1, "{args:?}");
    }
}

#[test]
fn parse_prints_the_events_as_a_json_array() {
    let body = include_bytes!("fixtures/botmaker/b_two_messages.json");
    let out = wa(&["parse", "botmaker"], body, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let events: Vec<InboundEvent> = serde_json::from_value(printed.clone()).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(printed[0]["id"], "B1MSGUSR7Q2XW9KZ3N4T");
    assert_eq!(printed[0]["from"], "+14155550199");
    assert_eq!(printed[1]["author"], "bot");

    let snapshot = include_bytes!("fixtures/botmaker/status_custom_variables.json");
    let out = wa(
        &["parse", "botmaker", "--content-type", "application/json"],
        snapshot,
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed[0]["type"], "status");
    assert_eq!(printed[0]["conversation_id"], "VR9QK3ZW7XM1TB5NP2LD");
    // The bot's variables are not printed.
    assert!(!text(&out.stdout).contains("DNI-00000000-invented"));
}

#[test]
fn parse_bad_input_exits_2_naming_the_problem() {
    let out = wa(
        &["parse", "botmaker"],
        br#"{"_id_": "M1", "contactId": 5491155550123}"#,
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("contactId"));
    let out = wa(&["parse", "botmaker"], b"[1, 2]", &[]);
    assert_eq!(out.status.code(), Some(2));
    let out = wa(
        &[
            "parse",
            "botmaker",
            "--content-type",
            "application/x-www-form-urlencoded",
        ],
        b"a=b",
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("content type"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_prints_the_receipt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(header("access-token", "env-access-token"))
        .and(body_json(json!({
            "chat": {"channelId": "acme-whatsapp-14155550100", "contactId": "14155550123"},
            "messages": [{"text": "hola desde wa"}]
        })))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"webhookNotificationId": "WN-cli-1"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/trigger-intent"))
        .and(body_json(json!({
            "chat": {"channelId": "acme-whatsapp-14155550100", "contactId": "14155550123"},
            "intentIdOrName": "bienvenida",
            "variables": {"nombre": "Ana", "codigo": "A=1"}
        })))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"webhookNotificationId": "WN-cli-2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-messages"))
        .and(body_json(json!({
            "chat": {"channelId": "acme-whatsapp-14155550100", "contactId": "14155550123"},
            "messages": [{"text": "mirá", "media": {"mimeType": "image/png", "url": "https://cdn.example.com/p.png"}}]
        })))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"webhookNotificationId": "WN-cli-3"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = [
        ("BOTMAKER_ACCESS_TOKEN", "env-access-token"),
        ("BOTMAKER_CHANNEL_ID", "acme-whatsapp-14155550100"),
    ];
    let runs: Vec<Vec<String>> = vec![
        vec!["--text".into(), "hola desde wa".into()],
        vec![
            "--template".into(),
            "bienvenida".into(),
            "--var".into(),
            "nombre=Ana".into(),
            "--var".into(),
            "codigo=A=1".into(),
        ],
        vec![
            "--media".into(),
            "https://cdn.example.com/p.png".into(),
            "--caption".into(),
            "mirá".into(),
        ],
    ];
    for (i, extra) in runs.into_iter().enumerate() {
        let uri = uri.clone();
        let out = tokio::task::spawn_blocking(move || {
            let mut args: Vec<&str> = vec!["send", "botmaker", "--to", "+1 415 555 0123"];
            args.extend(extra.iter().map(String::as_str));
            args.extend(["--base-url", uri.as_str()]);
            wa(&args, b"", &env)
        })
        .await
        .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let receipt: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(receipt["provider"], "botmaker");
        assert_eq!(receipt["message_id"], format!("WN-cli-{}", i + 1));
        assert_eq!(receipt["status"], "accepted");
    }
}

/// Arguments, environment, and what stderr must name.
type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);

#[test]
fn send_usage_errors_exit_2() {
    let env = [
        ("BOTMAKER_ACCESS_TOKEN", "env-access-token"),
        ("BOTMAKER_CHANNEL_ID", "acme-whatsapp-14155550100"),
    ];
    let cases: [Case; 6] = [
        (
            &["send", "botmaker", "--to", "+14155550123", "--text", "x"],
            &[],
            "BOTMAKER_ACCESS_TOKEN",
        ),
        (
            &["send", "botmaker", "--to", "+14155550123"],
            &env,
            "exactly one",
        ),
        (
            &[
                "send",
                "botmaker",
                "--to",
                "+14155550123",
                "--text",
                "x",
                "--media",
                "https://a/b.png",
            ],
            &env,
            "exactly one",
        ),
        (
            &["send", "botmaker", "--to", "abc", "--text", "x"],
            &env,
            "--to",
        ),
        (
            &[
                "send",
                "botmaker",
                "--to",
                "+14155550123",
                "--template",
                "t",
                "--var",
                "novalue",
            ],
            &env,
            "K=V",
        ),
        (
            &[
                "send",
                "botmaker",
                "--to",
                "+14155550123",
                "--media",
                "https://a/b.gif",
                "--base-url",
                "http://127.0.0.1:9",
            ],
            &env,
            "mime_type",
        ),
    ];
    for (args, env, needle) in cases {
        let out = wa(args, b"", env);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("env-access-token"));
    }
}

const BM_ENV: [(&str, &str); 2] = [
    ("BOTMAKER_ACCESS_TOKEN", "bm-cli-access-token"),
    ("BOTMAKER_CHANNEL_ID", "acme-whatsapp-5491155550100"),
];

#[tokio::test]
async fn typing_posts_the_feedback_for_the_users_chat() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-read-typing-feedback"))
        .and(header("access-token", "bm-cli-access-token"))
        .and(body_json(json!({
            "channelId": "acme-whatsapp-5491155550100",
            "contactId": "5491155550123",
            "typing": true
        })))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let out = tokio::task::spawn_blocking(move || {
        wa(
            &[
                "typing",
                "botmaker",
                "--message-id",
                "51FH77RLXF1BZIEHOLMQ",
                "--to",
                "+5491155550123",
                "--base-url",
                &uri,
            ],
            b"",
            &BM_ENV,
        )
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        "typing: shown to +5491155550123 in reply to 51FH77RLXF1BZIEHOLMQ"
    );
}

#[tokio::test]
async fn react_sets_and_removes_a_reaction() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats-actions/send-reaction"))
        .and(header("access-token", "bm-cli-access-token"))
        .and(body_json(
            json!({"messageId": "51FH77RLXF1BZIEHOLMQ", "reaction": "👍"}),
        ))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/chats-actions/send-reaction"))
        .and(body_json(json!({"messageId": "51FH77RLXF1BZIEHOLMQ"})))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let (set, removed) = tokio::task::spawn_blocking(move || {
        let run = |what: &[&str]| {
            let mut args = vec![
                "react",
                "botmaker",
                "--message-id",
                "51FH77RLXF1BZIEHOLMQ",
                "--base-url",
                &uri,
            ];
            args.extend_from_slice(what);
            wa(&args, b"", &BM_ENV)
        };
        (
            run(&["--emoji", "👍", "--to", "+5491155550123"]),
            run(&["--remove"]),
        )
    })
    .await
    .unwrap();
    assert_eq!(set.status.code(), Some(0), "{}", text(&set.stderr));
    assert_eq!(
        text(&set.stdout).trim(),
        "reaction: 👍 on 51FH77RLXF1BZIEHOLMQ in the chat with +5491155550123"
    );
    assert_eq!(removed.status.code(), Some(0), "{}", text(&removed.stderr));
    assert_eq!(
        text(&removed.stdout).trim(),
        "reaction: removed from 51FH77RLXF1BZIEHOLMQ"
    );
}

#[test]
fn react_usage_errors_exit_2_before_any_call() {
    // Nothing listens on port 9: a call would fail differently.
    let base = ["react", "botmaker", "--message-id", "51FH77RLXF1BZIEHOLMQ"];
    let cases: &[(&[&str], &str)] = &[
        (&["--emoji", "👍👍"], "invalid input: reaction is invalid"),
        (&["--emoji", "ok"], "invalid input: reaction is invalid"),
        (&["--emoji", ""], "invalid input: reaction is empty"),
        (&["--emoji", "👍", "--remove"], "cannot be used with"),
        (&[], "--emoji"),
    ];
    for (extra, needle) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--base-url", "http://127.0.0.1:9"]);
        let out = wa(&args, b"", &BM_ENV);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.starts_with("wa: "), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{extra:?}: {needle:?} in {err}");
        assert!(!err.contains("bm-cli-access-token"), "{err}");
    }
    let out = wa(
        &[
            "typing",
            "botmaker",
            "--message-id",
            "51FH77RLXF1BZIEHOLMQ",
            "--to",
            "+5491155550123",
        ],
        b"",
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("BOTMAKER_ACCESS_TOKEN"));
}
