//! Long texts cut into parts: where the cuts fall, that no grapheme is ever split, and sends
//! of the parts in order through a provider.

use unicode_segmentation::UnicodeSegmentation;
use whatsapp_connector::message::split_text;
use whatsapp_connector::testing::FakeTwilio;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::{OutboundMessage, PhoneNumber, ValidationError, WhatsAppProvider};

/// Splits, then checks what every split must hold: parts fit, none is empty, no grapheme
/// cluster is cut, and nothing but white space at the cuts is lost.
fn parts(text: &str, max: usize) -> Vec<String> {
    let parts = split_text(text, max).unwrap();
    for p in &parts {
        assert!(p.chars().count() <= max, "{p:?} is longer than {max}");
        assert!(!p.trim().is_empty());
    }
    let squeeze = |s: &str| -> Vec<String> {
        s.graphemes(true)
            .filter(|g| !g.trim().is_empty())
            .map(str::to_owned)
            .collect()
    };
    let joined: Vec<String> = parts.iter().flat_map(|p| squeeze(p)).collect();
    assert_eq!(joined, squeeze(text), "graphemes kept whole and in order");
    parts
}

#[test]
fn a_text_that_fits_is_one_part() {
    assert_eq!(parts("hola", 10), ["hola"]);
    assert_eq!(parts("  hola  ", 4), ["hola"]);
}

#[test]
fn cuts_prefer_paragraphs_then_sentences_then_words() {
    let text = "One short paragraph.\n\nA second paragraph. With two sentences here.";
    assert_eq!(
        parts(text, 45),
        [
            "One short paragraph.",
            "A second paragraph. With two sentences here."
        ]
    );
    assert_eq!(
        parts("First sentence here. Second sentence here.", 25),
        ["First sentence here.", "Second sentence here."]
    );
    assert_eq!(
        parts("alpha beta gamma delta", 11),
        ["alpha beta", "gamma delta"]
    );
    assert_eq!(parts("line one\nline two", 10), ["line one", "line two"]);
}

#[test]
fn emoji_sequences_and_combining_marks_stay_whole() {
    // A family (ZWJ sequence), a thumbs-up with a skin tone, a flag: one grapheme each.
    let emoji = "👨‍👩‍👧‍👦 👍🏽 🇦🇷 ".repeat(40);
    let p = parts(&emoji, 30);
    assert!(p.len() > 1);
    for part in &p {
        assert!(!part.starts_with('\u{200d}') && !part.starts_with('\u{1F3FD}'));
    }
    // "é" as e + combining acute, "ñ" as n + combining tilde.
    let combining = "cafe\u{301} man\u{303}ana ".repeat(50);
    let p = parts(&combining, 23);
    assert!(
        p.iter()
            .all(|s| !s.starts_with('\u{301}') && !s.starts_with('\u{303}'))
    );
}

#[test]
fn chinese_and_japanese_cut_at_sentence_ends_or_between_ideographs() {
    let japanese = "これは日本語の文章です。".repeat(20);
    let p = parts(&japanese, 30);
    assert!(p.iter().all(|s| s.ends_with('。')), "{p:?}");
    // No punctuation at all: cut between ideographs.
    let chinese = "中文没有空格".repeat(30);
    let p = parts(&chinese, 50);
    assert_eq!(p.len(), 4);
    assert_eq!(p[0].chars().count(), 50);
}

#[test]
fn right_to_left_text_cuts_between_words() {
    let arabic = "مرحبا بك في متجرنا اليوم ".repeat(30);
    let p = parts(&arabic, 60);
    assert!(p.len() > 1);
    let hebrew = "שלום עולם זה טקסט ארוך ".repeat(30);
    parts(&hebrew, 40);
}

#[test]
fn a_word_longer_than_a_part_is_a_validation_error() {
    let word = "a".repeat(5000);
    let e = split_text(&word, 1600).unwrap_err();
    assert!(
        matches!(&e, ValidationError::Invalid { field: "text", reason } if reason.contains("5000")),
        "{e}"
    );
    assert_eq!(
        split_text("   ", 10),
        Err(ValidationError::Empty { field: "text" })
    );
}

#[tokio::test]
async fn send_split_sends_the_parts_in_order_and_returns_each_receipt() {
    let sid = "AC0123456789abcdef0123456789abcdef";
    let token = "00112233445566778899aabbccddeeff";
    let fake = FakeTwilio::start(sid, token).await.unwrap();
    let twilio = TwilioProvider::builder(sid)
        .auth_token(token)
        .from("whatsapp:+14155238886")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let to = PhoneNumber::parse("+14155550100").unwrap();
    let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20);
    let text = format!("{paragraph}\n\n{paragraph}\n\n{paragraph}");
    assert!(text.chars().count() > 1600);

    // `send` refuses it: splitting is opt-in.
    let long = OutboundMessage::text(to.clone(), text.clone());
    assert!(twilio.send(&long).await.is_err());
    assert!(fake.requests().is_empty());

    let receipts = twilio.send_split(&long).await.unwrap();
    let bodies: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| r.form_value("Body").unwrap())
        .collect();
    assert_eq!(receipts.len(), bodies.len());
    assert!(bodies.len() >= 3);
    assert!(bodies.iter().all(|b| b.chars().count() <= 1600));
    assert_eq!(
        bodies.join(" ").split_whitespace().collect::<Vec<_>>(),
        text.split_whitespace().collect::<Vec<_>>()
    );

    // A text that cannot be cut sends nothing.
    let word = OutboundMessage::text(to, "x".repeat(5000));
    let e = twilio.send_split(&word).await.unwrap_err();
    assert!(e.sent.is_empty());
    assert_eq!(fake.requests().len(), bodies.len());
}
