//! The quick path agrees with the general one: on every body it takes on, it gives the
//! same events; it takes on the common bodies; and any other body (including every
//! malformed one) it leaves to the general path, which gives the value or the error.

use std::path::PathBuf;

use serde_json::Value;

use super::json::NAMES;
use super::{WebhookPayload, fast, read};

/// Runs `body` through both paths; true when the quick path took it on.
fn agree(body: &[u8]) -> bool {
    let general = read::read_payload(body, false).and_then(WebhookPayload::into_events);
    match fast::events(body) {
        Some(events) => {
            assert_eq!(
                Ok(events),
                general,
                "the paths disagree on {}",
                String::from_utf8_lossy(body)
            );
            true
        }
        None => false,
    }
}

fn dir(path: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect()
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    dir("tests/fixtures/botmaker")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".json"))
        .collect()
}

/// Values put under keys, as JSON text: every type, strings the fields read in different
/// ways (ids, platforms, authors, phone numbers, times), escapes, and what the quick path
/// leaves to the general one.
const VALUES: &[&str] = &[
    "null",
    "true",
    "false",
    "0",
    "-1.5",
    "1e3",
    "{}",
    "[]",
    r#"[1, "a"]"#,
    r#"{"a": [null]}"#,
    r#""""#,
    r#"" ""#,
    r#""x""#,
    r#""user""#,
    r#""Bot""#,
    r#""operator""#,
    r#""whatsapp""#,
    r#""webchat""#,
    r#""error""#,
    r#""read""#,
    r#""delivered""#,
    r#""5491155550123""#,
    r#""+5491155550123""#,
    r#""\u0035491155550123""#,
    r#""54911 5555""#,
    r#""2026-03-02T14:05:09.118Z""#,
    r#""2026-03-02T11:05:09-03:00""#,
    r#""1776451052032""#,
    r#""yesterday""#,
    r#""Hola\n\"Ana\" \u00e9 \/""#,
    r#""\ud83d\ude00""#,
];

/// A JSON object's members as text, in order.
fn members(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (serde_json::to_string(k).unwrap(), v.to_string()))
        .collect()
}

fn write(members: &[(String, String)]) -> String {
    let inner: Vec<String> = members.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// Variants of an object: each member left out, given each of [`VALUES`], or repeated,
/// and each known key added with each value.
fn variants(members: &[(String, String)]) -> Vec<String> {
    let mut out = vec![write(members)];
    for i in 0..members.len() {
        let mut m = members.to_vec();
        m.remove(i);
        out.push(write(&m));
        let mut m = members.to_vec();
        m.push(members[i].clone());
        out.push(write(&m));
        for v in VALUES {
            let mut m = members.to_vec();
            m[i].1 = (*v).to_owned();
            out.push(write(&m));
        }
    }
    for name in NAMES {
        for v in VALUES {
            let mut m = members.to_vec();
            m.push((format!("\"{name}\""), (*v).to_owned()));
            out.push(write(&m));
        }
    }
    out
}

#[test]
fn the_common_fixtures_take_the_quick_path_and_agree() {
    let mut taken = Vec::new();
    for (name, body) in fixtures() {
        if agree(&body) {
            taken.push(name);
        }
    }
    for name in [
        "a_agent_echo.json",
        "a_audio.json",
        "a_button_reply.json",
        "a_image_caption.json",
        "a_text.json",
        "status_custom_variables.json",
        "status_delivered.json",
        "status_read_empty_watermark.json",
    ] {
        assert!(
            taken.iter().any(|t| t == name),
            "{name} not taken: {taken:?}"
        );
    }
}

// The fuzz seeds are replayed by tests/fuzz_corpus.rs (it needs the repository's fuzz/,
// which the published package leaves out): the `botmaker_webhook` target compares `parse`,
// which takes the quick path, with the typed payload's events and errors on every input.

#[test]
fn changed_members_agree() {
    let (mut taken, mut total) = (0, 0);
    for (_, body) in fixtures() {
        let value: Value = serde_json::from_slice(&body).unwrap();
        let top = members(&value);
        let mut bodies = variants(&top);
        // The same changes inside a snapshot's last message.
        if let Some(i) = top.iter().position(|(k, _)| k == "\"LAST_MESSAGE\"") {
            for inner in variants(&members(&value["LAST_MESSAGE"])) {
                let mut m = top.clone();
                m[i].1 = inner;
                bodies.push(write(&m));
            }
        }
        for b in bodies {
            total += 1;
            taken += usize::from(agree(b.as_bytes()));
        }
    }
    // Many changes keep a body the quick path takes on (the envelope, legacy, location and
    // contacts fixtures it leaves to the general path whatever the change).
    assert!(taken * 3 > total, "{taken} of {total} taken");
}

#[test]
fn changed_bytes_agree() {
    for (name, body) in fixtures() {
        if !name.starts_with("a_text") && !name.starts_with("status_delivered") {
            continue;
        }
        for i in 0..=body.len() {
            agree(&body[..i]);
            for byte in [
                b'"', b'\\', b',', b'}', b']', b':', b' ', b'0', b'e', 0x01, 0xC3,
            ] {
                let mut b = body.clone();
                if i < b.len() {
                    b[i] = byte;
                    agree(&b);
                }
                let mut b = body.clone();
                b.insert(i, byte);
                agree(&b);
            }
        }
    }
}

#[test]
fn escaped_strings_and_unknown_values_stay_on_the_quick_path() {
    for body in [
        r#"{"_id_": "M\u00311", "message": "l\u00ednea 1\nl\u00ednea 2 \"ok\" \\ \/",
            "contactId": "\u0035491155550123", "from": "user"}"#,
        r#"{"_id_": "M1", "message": "hola", "x": {"y": [1, -2.5, true, null, "\u00e9"]},
            "z": [[[]]], "EXECUTED_INTENTS": ["Menu"], "n": 12345678901234567890}"#,
        r#"{"STATUS": "read", "_id_": "C1", "PLATFORM_CONTACT_ID": "5491155550123",
            "USER_LAST_MSG_READ": "1776451052032", "LAST_MESSAGE": null}"#,
    ] {
        assert!(agree(body.as_bytes()), "not taken: {body}");
    }
}
