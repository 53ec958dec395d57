//! `wa templates twilio …` run as the built binary against the fake Twilio: JSON out, exit
//! 0; bad input refused with exit 2 and one line naming what was wrong, before any call.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use whatsapp_connector::testing::FakeTwilio;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "00112233445566778899aabbccddeeff";

async fn wa(args: Vec<String>, stdin: &str, creds: bool) -> Output {
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
        cmd.args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("TWILIO_ACCOUNT_SID")
            .env_remove("TWILIO_AUTH_TOKEN");
        if creds {
            cmd.env("TWILIO_ACCOUNT_SID", SID)
                .env("TWILIO_AUTH_TOKEN", TOKEN);
        }
        let mut child = cmd.spawn().expect("cargo test builds the wa binary");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn args(fake: &FakeTwilio, words: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["templates", "twilio"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    v.extend(words.iter().map(|s| s.to_string()));
    v.push("--base-url".into());
    v.push(fake.base_url());
    v
}

fn json_out(o: &Output) -> Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("JSON on stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const QUICK_REPLY: &str = r#"{
  "friendly_name": "turno_confirmacion",
  "language": "es",
  "variables": {"1": "Ana"},
  "types": {"twilio/quick-reply": {"body": "Hola {{1}}, ¿confirmás tu turno?",
    "actions": [{"type": "QUICK_REPLY", "title": "Sí", "id": "yes"},
                {"type": "QUICK_REPLY", "title": "No", "id": "no"}]}}
}"#;

#[tokio::test(flavor = "multi_thread")]
async fn create_list_submit_and_status_print_json() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let mut sids = Vec::new();
    for _ in 0..3 {
        let created = json_out(&wa(args(&fake, &["create"]), QUICK_REPLY, true).await);
        sids.push(created["sid"].as_str().unwrap().to_owned());
        assert!(
            created["types"]["twilio/quick-reply"].is_object(),
            "{created}"
        );
    }
    let before = fake.requests().len();
    let listed = json_out(&wa(args(&fake, &["list", "--page-size", "1"]), "", true).await);
    let listed: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, sids);
    assert_eq!(fake.requests().len() - before, 3, "one request per page");

    let submitted = json_out(
        &wa(
            args(
                &fake,
                &[
                    "submit",
                    "--sid",
                    &sids[0],
                    "--name",
                    "turno_confirmacion",
                    "--category",
                    "utility",
                ],
            ),
            "",
            true,
        )
        .await,
    );
    assert_eq!(submitted["status"], "received");
    assert_eq!(submitted["category"], "UTILITY");
    fake.set_approval_status(&sids[0], "approved");
    let status = json_out(&wa(args(&fake, &["status", "--sid", &sids[0]]), "", true).await);
    assert_eq!(status["whatsapp"]["status"], "approved");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_exits_2_naming_the_problem_before_any_call() {
    let fake = FakeTwilio::start(SID, TOKEN).await.unwrap();
    let gap = r#"{"language": "es", "variables": {"1": "Ana", "3": "B12"},
        "types": {"twilio/text": {"body": "Hola {{1}}, tu puerta es la {{3}}. Gracias."}}}"#;
    let o = wa(args(&fake, &["create"]), gap, true).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("variables") && stderr(&o).contains("{{2}}"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stderr(&o).lines().count(), 1);

    let unknown = r#"{"language": "es", "types": {"twilio/carousel": {}}}"#;
    let o = wa(args(&fake, &["create"]), unknown, true).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("types") && stderr(&o).contains("twilio/carousel"),
        "{}",
        stderr(&o)
    );

    let eleven: Vec<String> = (0..11)
        .map(|i| format!(r#"{{"type": "QUICK_REPLY", "title": "B{i}", "id": "b{i}"}}"#))
        .collect();
    let many = format!(
        r#"{{"language": "es", "types": {{"twilio/quick-reply": {{"body": "Elegí", "actions": [{}]}}}}}}"#,
        eleven.join(",")
    );
    let o = wa(args(&fake, &["create"]), &many, true).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("twilio/quick-reply actions"),
        "{}",
        stderr(&o)
    );

    let o = wa(args(&fake, &["create"]), "not json", true).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    let o = wa(
        args(
            &fake,
            &[
                "submit",
                "--sid",
                "HX0123456789abcdef0123456789abcdef",
                "--name",
                "x",
                "--category",
                "promo",
            ],
        ),
        "",
        true,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("category"), "{}", stderr(&o));

    let o = wa(
        args(
            &fake,
            &[
                "submit",
                "--sid",
                "HX0123456789abcdef0123456789abcdef",
                "--name",
                "Con Espacios",
                "--category",
                "utility",
            ],
        ),
        "",
        true,
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("name"), "{}", stderr(&o));

    let o = wa(args(&fake, &["list"]), "", false).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("TWILIO_ACCOUNT_SID"), "{}", stderr(&o));

    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_calls_exit_2_without_the_token() {
    let fake = FakeTwilio::start(SID, "ffffffffffffffffffffffffffffffff")
        .await
        .unwrap();
    let o = wa(args(&fake, &["list"]), "", true).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("20003") || stderr(&o).contains("401"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_answers_help() {
    for words in [
        vec!["templates", "--help"],
        vec!["templates", "twilio", "--help"],
        vec!["templates", "twilio", "create", "--help"],
    ] {
        let o = wa(words.iter().map(|s| s.to_string()).collect(), "", false).await;
        assert_eq!(o.status.code(), Some(0));
        assert!(!o.stdout.is_empty());
    }
}
