//! `wa mammut connect`, run as a user runs it, against a fake Twilio and a fake Mammut.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use whatsapp_connector::testing::{FakeMammut, FakeResponse, FakeTwilio, FakeTwilioRoute};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";
/// The number of examples/mammut-bot.json.
const NUMBER: &str = "whatsapp:+14155238886";
const CONFIG: &[u8] = include_bytes!("../examples/mammut-bot.json");

/// Runs `wa` with `args` and `stdin`, with no Mammut credentials from the environment
/// unless `env` gives some.
async fn wa(args: Vec<String>, stdin: Vec<u8>, env: Vec<(&'static str, String)>) -> Output {
    tokio::task::spawn_blocking(move || {
        let bin = env!("CARGO_BIN_EXE_wa");
        let mut command = Command::new(bin);
        command
            .args(&args)
            .env_remove("MAMMUT_TOKEN")
            .env_remove("MAMMUT_AUTH_HEADER")
            .env_remove("MAMMUT_AUTH_SECRET")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().unwrap();
        if let Err(e) = child.stdin.take().unwrap().write_all(&stdin) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

struct World {
    twilio: FakeTwilio,
    mammut: FakeMammut,
    sender: String,
}

async fn world() -> World {
    let twilio = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let sender = twilio.add_whatsapp_sender(NUMBER);
    let mammut = FakeMammut::start().await.unwrap();
    World {
        twilio,
        mammut,
        sender,
    }
}

impl World {
    fn args(&self, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [
            "mammut",
            "connect",
            "--twilio-base-url",
            &self.twilio.base_url(),
            "--mammut-base-url",
            &self.mammut.base_url(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    async fn run(&self, extra: &[&str]) -> (i32, String, String) {
        let out = wa(self.args(extra), CONFIG.to_vec(), Vec::new()).await;
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_each_step_and_changes_nothing() {
    let w = world().await;
    let (code, out, err) = w.run(&[]).await;
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with("(a) Twilio credentials: ok: "),
        "{out}"
    );
    assert!(lines[1].starts_with("(b) WhatsApp sender: ok: "), "{out}");
    assert!(lines[1].contains(&w.sender), "{out}");
    assert!(
        lines[2].starts_with("(c) Mammut bot: would do: would create the bot"),
        "{out}"
    );
    assert!(lines[3].starts_with("(d) webhook: would do: "), "{out}");
    assert!(
        lines[3].contains("https://api.mammut.io/channels/whatsapp/"),
        "{out}"
    );
    assert!(
        lines[4].starts_with("dry run: nothing was changed"),
        "{out}"
    );
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
    assert!(w.mammut.requests().is_empty());
    assert!(w.twilio.sender_webhook_updates().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_connects_the_bot() {
    let w = world().await;
    let (code, out, err) = w
        .run(&[
            "--apply",
            "--webhook-url",
            "https://mammut.example.com/channels/whatsapp/",
        ])
        .await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("(c) Mammut bot: done: bot 4136 created"),
        "{out}"
    );
    assert!(out.contains("(d) webhook: done: "), "{out}");
    assert!(
        out.trim_end()
            .ends_with("connected: bot 4136 created on Mammut, webhook updated"),
        "{out}"
    );
    assert_eq!(w.mammut.bot_ids(), [4136]);
    let sender = &w.twilio.whatsapp_senders()[0];
    assert_eq!(
        sender.callback_url(),
        Some("https://mammut.example.com/channels/whatsapp/")
    );
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mammut_auth_comes_from_the_environment_and_is_never_printed() {
    let twilio = FakeTwilio::start(SID, TOKEN).await.unwrap();
    twilio.add_whatsapp_sender(NUMBER);
    let mammut = FakeMammut::start_requiring("x-mammut-key", "s3cret-of-mammut")
        .await
        .unwrap();
    let args: Vec<String> = [
        "mammut",
        "connect",
        "--apply",
        "--twilio-base-url",
        &twilio.base_url(),
        "--mammut-base-url",
        &mammut.base_url(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = vec![
        ("MAMMUT_AUTH_HEADER", "X-Mammut-Key".to_owned()),
        ("MAMMUT_AUTH_SECRET", "s3cret-of-mammut".to_owned()),
    ];
    let out = wa(args.clone(), CONFIG.to_vec(), env).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    assert_eq!(
        mammut.requests()[0].header("x-mammut-key"),
        Some("s3cret-of-mammut")
    );

    // Without it, Mammut refuses the bot: step (c) fails.
    let out = wa(args, CONFIG.to_vec(), Vec::new()).await;
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("(c) Mammut bot failed"), "{err}");
    assert!(err.contains("HTTP 401"), "{err}");
}

/// Runs `wa mammut connect --apply` and checks it fails at `step` with exit 1, one line on
/// standard error holding `says` and ending with `changed`.
async fn fails_at(w: &World, step: &str, says: &str, changed: &str) {
    let (code, out, err) = w.run(&["--apply"]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with(&format!("wa: mammut connect: {step} failed: ")),
        "{err}"
    );
    assert!(err.contains(says), "{err}");
    assert!(err.trim_end().ends_with(changed), "{err}");
    assert!(out.contains(&format!("{step}: FAILED: ")), "{out}");
    assert!(!out.contains(TOKEN) && !err.contains(TOKEN), "{out}{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_a_fails_on_wrong_credentials() {
    let twilio = FakeTwilio::start(SID, "ffffffffffffffffffffffffffffffff")
        .await
        .unwrap();
    twilio.add_whatsapp_sender(NUMBER);
    let w = World {
        twilio,
        mammut: FakeMammut::start().await.unwrap(),
        sender: String::new(),
    };
    fails_at(
        &w,
        "(a) Twilio credentials",
        "wrong SID or token",
        "nothing was changed",
    )
    .await;
    assert!(w.mammut.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_b_fails_when_the_number_is_no_sender() {
    let twilio = FakeTwilio::start(SID, TOKEN).await.unwrap();
    twilio.add_whatsapp_sender("whatsapp:+14155550100");
    let w = World {
        twilio,
        mammut: FakeMammut::start().await.unwrap(),
        sender: String::new(),
    };
    fails_at(
        &w,
        "(b) WhatsApp sender",
        "whatsapp:+14155238886 is not a WhatsApp sender of account AC0123456789abcdef0123456789abcdef (its WhatsApp senders: whatsapp:+14155550100)",
        "nothing was changed",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_c_fails_when_mammut_answers_failed() {
    let w = world().await;
    w.mammut.push_task_failed("this number already has a bot");
    fails_at(
        &w,
        "(c) Mammut bot",
        "this number already has a bot",
        "nothing was changed",
    )
    .await;
    assert!(w.twilio.sender_webhook_updates().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn step_d_fails_on_a_twilio_5xx_after_the_bot_was_created() {
    let w = world().await;
    w.twilio.push_response_to(
        FakeTwilioRoute::UpdateSender,
        FakeResponse::unavailable(None),
    );
    fails_at(
        &w,
        "(d) webhook",
        "HTTP 503",
        "bot 4136 created on Mammut, webhook update unconfirmed (Twilio may have applied it)",
    )
    .await;
    assert_eq!(w.mammut.bot_ids(), [4136]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_exits_2() {
    let w = world().await;
    let out = wa(
        w.args(&[]),
        b"{\"twilio-account-sid\": 5}".to_vec(),
        Vec::new(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("twilio-account-sid"), "{err}");
    let out = wa(
        vec![
            "mammut".into(),
            "connect".into(),
            "--mammut-base-url".into(),
            "ftp://x".into(),
        ],
        CONFIG.to_vec(),
        Vec::new(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let out = wa(
        vec!["mammut".into(), "connect".into(), "--help".into()],
        Vec::new(),
        Vec::new(),
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--apply"));
}
