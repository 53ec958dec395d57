//! The `wa` tool's Twilio commands, run as the built binary: exit codes, output, and
//! what goes to stderr.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};
use wiremock::matchers::{basic_auth, body_string, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const INBOUND_IMAGE: &[u8] = include_bytes!("fixtures/twilio/inbound_image.form");
const STATUS_READ: &[u8] = include_bytes!("fixtures/twilio/status_read.form");
const INBOUND_URL: &str = "https://example.com/twilio/whatsapp/inbound";

fn wa_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wa"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("TWILIO_ACCOUNT_SID")
        .env_remove("TWILIO_AUTH_TOKEN")
        .env_remove("TWILIO_FROM");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("cargo test builds the wa binary");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn wa(args: &[&str], stdin: &[u8]) -> Output {
    wa_env(args, stdin, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn sign_prints_what_twilio_sends() {
    let o = wa(
        &["twilio", "sign", "--token", "12345", "--url", INBOUND_URL],
        INBOUND_IMAGE,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "GD8a9vyClPMV7ICDxFcR/oeneO0=");
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "whsk_0123456789abcdef",
            "--url",
            INBOUND_URL,
            "--algorithm",
            "sha256",
        ],
        INBOUND_IMAGE,
    );
    assert_eq!(
        stdout(&o).trim(),
        "OMx9Ksn6EuWpiQur9IqTqdTFBaz4J1UvJ67q9RmqZw8="
    );
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "12345",
            "--url",
            "https://example.com/twilio/status?tenant=42",
        ],
        STATUS_READ,
    );
    assert_eq!(stdout(&o).trim(), "767vim2XS4OEeEgPVB/5f1qKGTg=");
}

#[test]
fn sign_json_needs_the_body_hash_in_the_url() {
    let body = br#"{"property": "value", "boolean": true}"#;
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "12345",
            "--url",
            url,
            "--content-type",
            "application/json",
        ],
        body,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "a9nBmqA0ju/hNViExpshrM61xv4=");
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "12345",
            "--url",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            "--content-type",
            "application/json",
        ],
        body,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        )
    );
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "12345",
            "--url",
            url,
            "--content-type",
            "application/json",
        ],
        b"{}",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does not match"));
}

#[test]
fn sign_rejects_bad_input_with_exit_2() {
    let o = wa(
        &["twilio", "sign", "--token", "12345", "--url", INBOUND_URL],
        b"Body=100%",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Body"), "{}", stderr(&o));
    let o = wa(&["twilio", "sign", "--url", INBOUND_URL], b"");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--token"));
    let o = wa(
        &[
            "twilio",
            "sign",
            "--token",
            "1",
            "--url",
            "u",
            "--algorithm",
            "md5",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    let o = wa(&["twilio", "frobnicate"], b"");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn verify_valid_signatures_exit_0() {
    for sig in [
        "GD8a9vyClPMV7ICDxFcR/oeneO0=",
        "lKvq2ZkBjhLiHu+6wGrRqpMcEPI=",
    ] {
        let o = wa(
            &[
                "twilio",
                "verify",
                "--token",
                "12345",
                "--url",
                INBOUND_URL,
                "--signature",
                sig,
            ],
            INBOUND_IMAGE,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "whsk_0123456789abcdef",
            "--url",
            INBOUND_URL,
            "--signature",
            "OMx9Ksn6EuWpiQur9IqTqdTFBaz4J1UvJ67q9RmqZw8=",
            "--algorithm",
            "sha256",
        ],
        INBOUND_IMAGE,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "12345",
            "--url",
            "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256=44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "--signature",
            "Ldidvp12m26NI7eqEvxnEpkd9Hc=",
            "--content-type",
            "application/json",
        ],
        b"{}",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn verify_invalid_signatures_exit_1_listing_the_urls_tried() {
    let token = "0123456789abcdef0123456789abcdef";
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            token,
            "--url",
            INBOUND_URL,
            "--signature",
            "GD8a9vyClPMV7ICDxFcR/oeneO0=",
        ],
        INBOUND_IMAGE,
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains(INBOUND_URL), "{err}");
    assert!(
        err.contains("https://example.com:443/twilio/whatsapp/inbound"),
        "{err}"
    );
    assert!(!err.contains(token));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(stdout(&o).is_empty());
    // A signature that is not base64 is invalid too.
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "12345",
            "--url",
            INBOUND_URL,
            "--signature",
            "%%%",
        ],
        INBOUND_IMAGE,
    );
    assert_eq!(o.status.code(), Some(1));
    // A JSON body without bodySHA256.
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "12345",
            "--url",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            "--signature",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
            "--content-type",
            "application/json",
        ],
        br#"{"property": "value", "boolean": true}"#,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bodySHA256"));
}

#[test]
fn verify_bad_input_exits_2() {
    let o = wa(
        &[
            "twilio",
            "verify",
            "--token",
            "12345",
            "--url",
            INBOUND_URL,
            "--signature",
            "GD8a9vyClPMV7ICDxFcR/oeneO0=",
        ],
        b"Body=%ZZ",
    );
    assert_eq!(o.status.code(), Some(2));
    let o = wa(
        &["twilio", "verify", "--token", "12345", "--url", INBOUND_URL],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--signature"));
}

#[test]
fn parse_prints_a_json_array_of_events() {
    let o = wa(&["parse", "twilio"], INBOUND_IMAGE);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let events: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert_eq!(events[0]["type"], "message");
    assert_eq!(events[0]["from"], "+14155550100");
    assert_eq!(
        events[0]["content"]["caption"],
        "Here's the photo & receipt"
    );
    let o = wa(&["parse", "twilio"], STATUS_READ);
    let events: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        events,
        json!([{"type": "status", "provider": "twilio",
                "message_id": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "recipient": "+14155550100",
                "conversation_id": null, "status": "read", "timestamp": null, "error": null}])
    );
    // A WhatsApp read receipt that says `MessageStatus=delivered` with `EventType=READ`.
    let o = wa(
        &["parse", "twilio"],
        include_bytes!("fixtures/twilio/status_delivered_event_read.form"),
    );
    let events: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(events[0]["status"], "read");
}

#[test]
fn parse_bad_input_names_the_parameter() {
    let o = wa(
        &["parse", "twilio"],
        b"MessageSid=SM1&Latitude=north&Longitude=1",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("Latitude"), "{}", stderr(&o));
    let o = wa(&["parse", "twilio"], b"Body=hola");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("MessageSid"));
    let o = wa(
        &["parse", "twilio", "--content-type", "application/json"],
        b"{}",
    );
    assert_eq!(o.status.code(), Some(2));
}

const AC: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "f00dbabef00dbabef00dbabef00dbabe";

fn send_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("TWILIO_ACCOUNT_SID", AC),
        ("TWILIO_AUTH_TOKEN", TOKEN),
        ("TWILIO_FROM", "whatsapp:+14155238886"),
    ]
}

#[tokio::test]
async fn send_prints_the_receipt() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/2010-04-01/Accounts/{AC}/Messages.json")))
        .and(basic_auth(AC, TOKEN))
        .and(body_string(
            "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886&Body=hola",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"sid": "SM00112233445566778899aabbccddeeff", "status": "queued"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_string(
            "To=whatsapp%3A%2B14155550100&From=whatsapp%3A%2B14155238886\
             &ContentSid=HX0123456789abcdef0123456789abcdef&ContentVariables=%7B%221%22%3A%22Ana%22%7D",
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(
            json!({"sid": "SM00112233445566778899aabbccddee00", "status": "queued"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = send_env();
    let o = tokio::task::spawn_blocking(move || {
        wa_env(
            &[
                "send",
                "twilio",
                "--to",
                "+14155550100",
                "--text",
                "hola",
                "--base-url",
                &uri,
            ],
            b"",
            &env,
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let receipt: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(receipt["message_id"], "SM00112233445566778899aabbccddeeff");
    assert_eq!(receipt["status"], "queued");
    assert_eq!(receipt["provider"], "twilio");

    let uri = server.uri();
    let env = send_env();
    let o = tokio::task::spawn_blocking(move || {
        wa_env(
            &[
                "send",
                "twilio",
                "--to",
                "whatsapp:+14155550100",
                "--template",
                "HX0123456789abcdef0123456789abcdef",
                "--var",
                "1=Ana",
                "--base-url",
                &uri,
            ],
            b"",
            &env,
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test]
async fn send_failures_exit_2_with_the_reason() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": 63016, "message": "Outside the allowed window", "status": 400,
            "more_info": "https://www.twilio.com/docs/errors/63016"})))
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = send_env();
    let o = tokio::task::spawn_blocking(move || {
        wa_env(
            &[
                "send",
                "twilio",
                "--to",
                "+14155550100",
                "--text",
                "hola",
                "--base-url",
                &uri,
            ],
            b"",
            &env,
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("63016") && !err.contains(TOKEN), "{err}");
}

#[test]
fn send_usage_errors() {
    let o = wa(
        &["send", "twilio", "--to", "+14155550100", "--text", "hola"],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("TWILIO_ACCOUNT_SID"), "{}", stderr(&o));
    let env = send_env();
    let o = wa_env(
        &[
            "send",
            "twilio",
            "--to",
            "+14155550100",
            "--text",
            "a",
            "--media",
            "https://x.test/a.jpg",
        ],
        b"",
        &env,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = wa_env(
        &["send", "twilio", "--to", "nope nope", "--text", "a"],
        b"",
        &env,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = wa_env(
        &[
            "send",
            "twilio",
            "--to",
            "+14155550100",
            "--text",
            "a",
            "--caption",
            "c",
        ],
        b"",
        &env,
    );
    assert_eq!(o.status.code(), Some(2));
    let o = wa_env(
        &[
            "send",
            "twilio",
            "--to",
            "+14155550100",
            "--template",
            "welcome",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        b"",
        &env,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HX"), "{}", stderr(&o));
}

#[tokio::test]
async fn typing_calls_the_messaging_api() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/Indicators/Typing.json"))
        .and(basic_auth(AC, TOKEN))
        .and(body_string(
            "messageId=SM11112222333344445555666677778888&channel=whatsapp",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = send_env();
    let o = tokio::task::spawn_blocking(move || {
        wa_env(
            &[
                "typing",
                "twilio",
                "--message-id",
                "SM11112222333344445555666677778888",
                "--to",
                "+14155550100",
                "--base-url",
                &uri,
            ],
            b"",
            &env,
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).trim(),
        "typing: shown to +14155550100 in reply to SM11112222333344445555666677778888"
    );
}

#[tokio::test]
async fn typing_failures_exit_2() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "code": 20003, "message": "Authenticate", "status": 401})))
        .mount(&server)
        .await;
    let uri = server.uri();
    let env = send_env();
    let o = tokio::task::spawn_blocking(move || {
        wa_env(
            &[
                "typing",
                "twilio",
                "--message-id",
                "SM11112222333344445555666677778888",
                "--to",
                "+14155550100",
                "--base-url",
                &uri,
            ],
            b"",
            &env,
        )
    })
    .await
    .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("wa: cannot send: "), "{err}");
    assert!(err.contains("20003") && !err.contains(TOKEN), "{err}");

    // A message id that is no SID is refused before any call.
    let o = wa_env(
        &[
            "typing",
            "twilio",
            "--message-id",
            "51FH77RLXF1BZIEHOLMQ",
            "--to",
            "+14155550100",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        b"",
        &send_env(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("invalid input: message id is invalid"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // No credentials.
    let o = wa(
        &[
            "typing",
            "twilio",
            "--message-id",
            "SM11112222333344445555666677778888",
            "--to",
            "+14155550100",
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("TWILIO_ACCOUNT_SID"), "{}", stderr(&o));
}
