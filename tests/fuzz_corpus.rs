//! Replays the committed fuzz corpus (`fuzz/seeds/<target>/`: invented seeds, inputs the
//! fuzzers found new coverage with, and past crashes) through the same entry points the
//! fuzz targets use, so `cargo test` checks every one of them without a fuzzing toolchain.
//! Then the crashes fuzzing found, as plain regression tests.

use std::path::PathBuf;

use whatsapp_connector::botmaker::webhook::WebhookPayload;
use whatsapp_connector::twilio::signature::{self, Algorithm, Verifier};
use whatsapp_connector::{Timestamp, WebhookRequest};

#[path = "../fuzz/harness.rs"]
mod harness;

/// The time a Botmaker webhook gives as `given`: the `date` of a message, as parsed.
fn parse_time(given: &str) -> Option<Timestamp> {
    let body = format!(r#"{{"_id_": "M1", "date": "{given}", "message": "hola"}}"#);
    match WebhookPayload::from_json(body.as_bytes()).ok()? {
        WebhookPayload::Message(m) => m.date,
        _ => None,
    }
}

/// Runs every file of `fuzz/seeds/<target>` through `run`, naming the file that fails.
fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{} holds {} inputs",
        dir.display(),
        files.len()
    );
    for file in files {
        let input = std::fs::read(&file).unwrap();
        if std::panic::catch_unwind(|| run(&input)).is_err() {
            panic!("{} fails: see the panic above", file.display());
        }
    }
}

#[test]
fn twilio_webhook_corpus() {
    replay("twilio_webhook", harness::twilio_webhook);
}

#[test]
fn botmaker_webhook_corpus() {
    replay("botmaker_webhook", harness::botmaker_webhook);
}

#[test]
fn meta_webhook_corpus() {
    replay("meta_webhook", harness::meta_webhook);
}

#[test]
fn address_corpus() {
    replay("address", harness::address);
}

#[test]
fn wa_corpus() {
    replay("wa", harness::wa);
}

/// Found by the `twilio_webhook` target: a URL whose query holds a second `?` and ends with
/// it got `bodySHA256=` glued to its last value, so the hash was not found and a signature
/// made over that URL never verified.
#[test]
fn body_hash_goes_after_a_query_ending_in_a_question_mark() {
    let body = br#"{"MessageSid": "SM0123456789abcdef0123456789abcdef"}"#;
    let hash = signature::body_sha256_hex(body);
    for (url, expected) in [
        (
            "https://bot.example.com/hook?next=/a?",
            format!("https://bot.example.com/hook?next=/a?&bodySHA256={hash}"),
        ),
        (
            "https://bot.example.com/hook?",
            format!("https://bot.example.com/hook?bodySHA256={hash}"),
        ),
        (
            "https://bot.example.com/hook?a=1&",
            format!("https://bot.example.com/hook?a=1&bodySHA256={hash}"),
        ),
    ] {
        let signed_url = signature::url_with_body_hash(url, body);
        assert_eq!(signed_url, expected);
        let none: [(&str, &str); 0] = [];
        let sig = signature::sign_with(Algorithm::HmacSha1, "12345", &signed_url, &none);
        let request = WebhookRequest::new(signed_url, body.to_vec())
            .with_header("content-type", "application/json")
            .with_header(signature::SIGNATURE_HEADER, &sig);
        assert!(
            Verifier::new()
                .with_auth_token("12345")
                .verify(&request)
                .is_ok()
        );
    }
    // The same input the fuzzer found, replayed through its target.
    harness::twilio_webhook(
        b"https://bot.example.com/hook?bodySHA255=450aa5?\napplication/json\nAAAA\n\n{\"a\": 1}",
    );
}

/// Found by the `botmaker_webhook` target: an ISO 8601 time with an offset of -24 hours was
/// kept with that offset, which RFC 3339 cannot write, so the event's JSON did not read
/// back. Such times are now given in UTC, and years RFC 3339 cannot write are refused.
#[test]
fn botmaker_times_are_always_writable_as_rfc_3339() {
    for (given, utc) in [
        // Day 240 of 1730, 14:00 at UTC-24:00 (the input the fuzzer found).
        ("1730240T14-24", "1730-08-29T14:00:00Z"),
        ("2026-03-02T14:08:00-24:00", "2026-03-03T14:08:00Z"),
        ("2026-03-02T14:08:00+25:30", "2026-03-01T12:38:00Z"),
    ] {
        // Older releases of the `time` crate (the one this crate's lock file pins, for its
        // minimum Rust version) do not read these offsets at all; newer ones do, and then
        // the time must come out in UTC.
        if let Some(t) = parse_time(given) {
            assert_eq!(t.to_string(), utc, "{given}");
            assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
        }
    }
    // Offsets RFC 3339 can write are kept. (The conversion itself is unit-tested in
    // `botmaker::webhook`, independently of the `time` release.)
    let t = parse_time("2026-03-02T14:08:00-03:00").unwrap();
    assert_eq!(t.to_string(), "2026-03-02T14:08:00-03:00");

    let body = br#"{"_id_": "OPR3022222222222222", "date": "1730240T14-24", "message": "hola"}"#;
    let mut input = b"application/json\nbm-webhook-token-1\n".to_vec();
    input.extend_from_slice(body);
    harness::botmaker_webhook(&input);
}
