//! The `wa mammut` commands, run as a user runs them.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn wa(args: &[&str], stdin: &[u8]) -> Output {
    let bin = env!("CARGO_BIN_EXE_wa");
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    // A command that fails on its arguments exits without reading its input.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

const EXAMPLE: &[u8] = include_bytes!("../examples/mammut-bot.json");

#[test]
fn check_prints_the_canonical_body() {
    let out = wa(&["mammut", "check"], EXAMPLE);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["user-type"], "machine");
    assert_eq!(body["main-whatsapp-phone-number"], "whatsapp:+14155238886");
    assert_eq!(
        body["twilio-account-sid"],
        "AC0123456789abcdef0123456789abcdef"
    );
    assert_eq!(body["locale"], "es");
}

#[test]
fn check_normalizes_a_bare_number() {
    let input = String::from_utf8(EXAMPLE.to_vec())
        .unwrap()
        .replace("whatsapp:+14155238886", "+14155238886");
    let out = wa(&["mammut", "check"], input.as_bytes());
    assert_eq!(out.status.code(), Some(0));
    let body: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(body["main-whatsapp-phone-number"], "whatsapp:+14155238886");
}

#[test]
fn check_exits_2_naming_the_field() {
    let cases: [(&[u8], &str); 4] = [
        (br#"{"twilio-account-sid": "ACCOUNT_SID"}"#, "twilio-account-sid"),
        (
            br#"{"twilio-account-sid": "AC0123456789abcdef0123456789abcdef", "twilio-auth-token": "00112233445566778899aabbccddeeff", "main-whatsapp-phone-number": "+1"}"#,
            "main-whatsapp-phone-number",
        ),
        (b"{", "config"),
        (b"", "config"),
    ];
    for (input, field) in cases {
        let out = wa(&["mammut", "check"], input);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(field), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn update_prints_the_path_and_query() {
    let out = wa(&["mammut", "update", "--id", "125678"], EXAMPLE);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(
        line.starts_with("/app:mammut-1/graph/user:125678?"),
        "{line}"
    );
    assert!(
        line.contains("&main-whatsapp-phone-number=whatsapp%3A%2B14155238886"),
        "{line}"
    );
    assert!(line.contains("twilio-account-sid=AC0123456789abcdef0123456789abcdef"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["mammut", "update"][..],
        &["mammut", "update", "--id", "[125678]"],
        &["mammut", "update", "--id", "1", "--bogus", "x"],
        &["mammut", "frobnicate"],
        &["nothing"],
        &[],
    ] {
        let out = wa(args, EXAMPLE);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}
