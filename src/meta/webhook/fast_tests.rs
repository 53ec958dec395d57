//! The quick way agrees with the typed view: on every fixture, and on
//! thousands of variants of them (each value in turn replaced by another JSON type, each
//! key in turn dropped or repeated), it gives the same events or leaves the body to the slow
//! way.

use serde_json::Value;

use super::super::events::events as slow_events;
use super::super::{DEFAULT_MEDIA_BASE, WebhookPayload};
use super::events;

const BASE: &str = DEFAULT_MEDIA_BASE;

fn slow(body: &[u8]) -> Result<Vec<crate::event::InboundEvent>, crate::error::ParseError> {
    slow_events(&WebhookPayload::from_json(body)?, BASE)
}

/// The quick way's answer, checked against the slow way's; whether it answered.
fn agrees(body: &[u8]) -> bool {
    match events(body, BASE) {
        Some(quick) => {
            let slow = slow(body).unwrap_or_else(|e| {
                panic!(
                    "the quick way read a body the typed view refuses ({e}): {}",
                    String::from_utf8_lossy(body)
                )
            });
            assert_eq!(quick, slow, "{}", String::from_utf8_lossy(body));
            true
        }
        None => false,
    }
}

fn read_dir(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.display().to_string();
            (name, std::fs::read(&p).expect("a readable file"))
        })
        .collect()
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    read_dir("tests/fixtures/meta")
}

#[test]
fn every_fixture_goes_the_quick_way_with_the_same_events() {
    let all = fixtures();
    assert!(all.len() >= 20, "the Meta fixtures are missing");
    for (name, body) in &all {
        assert!(agrees(body), "{name} was left to the slow way");
    }
}

// The fuzz seeds are replayed by tests/fuzz_corpus.rs (it needs the repository's fuzz/,
// which the published package leaves out): the `meta_webhook` target compares `parse`,
// which takes the quick way, with the typed payload's events and errors on every input.

/// Every variant of `value` with one node changed: replaced by another JSON type, or (in an
/// object) its key dropped.
fn variants(value: &Value) -> Vec<Value> {
    let replacements = [
        Value::Null,
        Value::from(0),
        Value::from(-7),
        Value::from(1.5),
        Value::from("x"),
        Value::from(""),
        Value::Bool(true),
        Value::Array(vec![]),
        Value::Object(serde_json::Map::new()),
    ];
    let mut out: Vec<Value> = replacements
        .iter()
        .filter(|r| *r != value)
        .cloned()
        .collect();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let mut dropped = map.clone();
                dropped.remove(k);
                out.push(Value::Object(dropped));
                for changed in variants(v) {
                    let mut m = map.clone();
                    m.insert(k.clone(), changed);
                    out.push(Value::Object(m));
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                for changed in variants(v) {
                    let mut a = items.clone();
                    if let Some(slot) = a.get_mut(i) {
                        *slot = changed;
                    }
                    out.push(Value::Array(a));
                }
            }
        }
        _ => {}
    }
    out
}

#[test]
fn variants_of_every_fixture_agree() {
    let (mut quick, mut total) = (0, 0);
    for (_, body) in fixtures() {
        let value: Value = serde_json::from_slice(&body).expect("fixtures are JSON");
        for v in variants(&value) {
            let text = serde_json::to_vec(&v).expect("a value serializes");
            quick += usize::from(agrees(&text));
            total += 1;
        }
    }
    assert!(total > 5_000, "only {total} variants");
    // Most variants still read (a changed value no event is made from, a dropped optional
    // key), the others go the slow way.
    assert!(quick > total / 4 && quick < total, "{quick} of {total}");
}

#[test]
fn repeated_keys_are_left_to_the_slow_way_or_agree() {
    for (_, body) in fixtures() {
        let text = String::from_utf8(body).expect("fixtures are UTF-8");
        // Each key in turn written twice, the second time with another value.
        let mut at = 0;
        while let Some(i) = text.get(at..).and_then(|t| t.find("\": ")) {
            let colon = at + i + 3;
            let Some(start) = text.get(..at + i).and_then(|t| t.rfind('"')) else {
                break;
            };
            let key = text.get(start..at + i + 1).unwrap_or_default();
            let repeated = format!(
                "{}{key}: \"repeat\", {}",
                text.get(..start).unwrap_or_default(),
                text.get(start..).unwrap_or_default()
            );
            agrees(repeated.as_bytes());
            at = colon;
        }
    }
}

#[test]
fn bodies_the_quick_way_refuses() {
    for body in [
        &b"not json"[..],
        b"[]",
        br#"{"object": "page", "entry": []}"#,
        br#"{"object": "whatsapp_business_account"}"#,
        br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages"}]}]}"#,
        br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": null}]}]}"#,
        br#"{"object": "whatsapp_business_account", "entry": [{"id": {}, "changes": []}]}"#,
    ] {
        assert!(events(body, BASE).is_none(), "{}", String::from_utf8_lossy(body));
    }
    // A field that gives no events needs no value of any shape.
    let other = br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "account_update", "value": 3}]}]}"#;
    assert_eq!(events(other, BASE), Some(vec![]));
    assert!(agrees(other));
}

/// A text message with `extra` added to the message's `text` object (a key no event
/// reads, skipped when the typed view reads the message).
fn with_unread(extra: &str) -> String {
    let fixture = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/meta/text.json"),
    )
    .expect("the text fixture");
    let at = fixture
        .find("\"body\"")
        .expect("the text fixture has a body");
    format!(
        "{}\"unread\": {extra}, {}",
        fixture.get(..at).unwrap_or_default(),
        fixture.get(at..).unwrap_or_default()
    )
}

#[test]
fn what_a_json_tree_refuses_is_refused_even_where_no_event_reads_it() {
    // serde_json skips these without complaint, and refuses to read them into a tree.
    let deep = format!("{}{}", "[".repeat(130), "]".repeat(130));
    for extra in [
        r#""\ud800""#,
        r#""\udc00 alone""#,
        "1e400",
        "-2E+999",
        deep.as_str(),
    ] {
        let body = with_unread(extra);
        assert!(events(body.as_bytes(), BASE).is_none(), "{body}");
        assert!(slow(body.as_bytes()).is_err(), "{body}");
    }
    // The same places with what a tree reads: the quick way takes them.
    let shallow = format!("{}{}", "[".repeat(20), "]".repeat(20));
    for extra in [
        r#""\ud83d\ude00 \u00e9""#,
        "1e300",
        "-0.5",
        shallow.as_str(),
    ] {
        let body = with_unread(extra);
        assert!(agrees(body.as_bytes()), "{body}");
    }
}
