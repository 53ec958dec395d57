//! The normalized event JSON: DESIGN's exact shapes, round trips of every kind, status order
//! and dedup keys.

use serde_json::{Value, json};
use whatsapp_connector::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    PhoneNumber, ProviderKind, StatusError, StatusUpdate, Timestamp, WhatsAppAddress,
};

fn addr(s: &str) -> Option<WhatsAppAddress> {
    Some(WhatsAppAddress::parse(s).unwrap())
}

fn round_trip(event: &InboundEvent) -> Value {
    let json = serde_json::to_value(event).unwrap();
    let back: InboundEvent = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(&back, event);
    json
}

#[test]
fn message_serializes_exactly_as_designed() {
    let mut m = InboundMessage::new(
        ProviderKind::TWILIO,
        "SM0123456789abcdef0123456789abcdef",
        MessageContent::Text {
            body: "hola".into(),
        },
    );
    m.from = addr("whatsapp:+14155550100");
    m.to = addr("whatsapp:+14155238886");
    m.profile_name = Some("Ana Pérez".into());
    let json = round_trip(&InboundEvent::Message(m));
    assert_eq!(
        json,
        json!({"type": "message", "provider": "twilio", "id": "SM0123456789abcdef0123456789abcdef",
               "author": "user", "from": "+14155550100", "to": "+14155238886",
               "profile_name": "Ana Pérez", "timestamp": null, "reply_to": null,
               "conversation_id": null, "content": {"type": "text", "body": "hola"}})
    );
}

#[test]
fn status_serializes_exactly_as_designed() {
    let text = r#"{"type": "status", "provider": "botmaker", "message_id": null, "recipient": "+5491122223333",
 "conversation_id": "QWERTYUIOPASDFGHJKLZ", "status": "delivered",
 "timestamp": "2026-04-17T18:37:32.032Z", "error": null}"#;
    let event: InboundEvent = serde_json::from_str(text).unwrap();
    let InboundEvent::Status(s) = &event else {
        panic!("not a status: {event:?}")
    };
    assert_eq!(s.status, DeliveryStatus::Delivered);
    assert_eq!(
        s.recipient.as_ref().and_then(WhatsAppAddress::phone),
        Some(&PhoneNumber::parse("+5491122223333").unwrap())
    );
    assert_eq!(
        s.timestamp.unwrap().unix_millis(),
        1_776_451_052_032,
        "2026-04-17T18:37:32.032Z"
    );
    let json = round_trip(&event);
    assert_eq!(json, serde_json::from_str::<Value>(text).unwrap());
}

#[test]
fn every_content_kind_round_trips() {
    let contents = vec![
        MessageContent::Text {
            body: "¿qué tal?".into(),
        },
        MessageContent::Media {
            items: vec![
                MediaItem::new("https://example.com/a.jpg", Some("image/jpeg".into())),
                MediaItem::new("https://example.com/b.ogg", None),
            ],
            caption: Some("recibo & foto".into()),
        },
        MessageContent::Location {
            latitude: -34.603722,
            longitude: -58.381592,
            name: Some("Obelisco".into()),
            address: None,
        },
        MessageContent::Button {
            text: Some("Sí".into()),
            payload: Some("confirm_7".into()),
        },
        MessageContent::Contacts {
            contacts: vec![Contact::new(
                Some("Luis Gómez".into()),
                vec!["+5491100000001".into()],
                vec![],
            )],
        },
        MessageContent::Unsupported {
            reason: "reaction".into(),
        },
    ];
    let types = [
        "text",
        "media",
        "location",
        "button",
        "contacts",
        "unsupported",
    ];
    for (content, ty) in contents.into_iter().zip(types) {
        let mut m = InboundMessage::new(ProviderKind::BOTMAKER, "m1", content);
        m.author = Author::Agent;
        m.timestamp = Timestamp::parse_rfc3339("2026-04-17T15:37:32-03:00");
        m.reply_to = Some("m0".into());
        m.conversation_id = Some("CHAT1".into());
        let json = round_trip(&InboundEvent::Message(m));
        assert_eq!(json["content"]["type"], ty);
        assert_eq!(json["author"], "agent");
        assert_eq!(json["timestamp"], "2026-04-17T15:37:32-03:00");
    }
}

#[test]
fn status_with_error_round_trips() {
    let mut s = StatusUpdate::new(ProviderKind::TWILIO, DeliveryStatus::Failed);
    s.message_id = Some("SM1".into());
    s.recipient = addr("whatsapp:US.ABC123");
    s.error = Some(StatusError::new("63016", Some("outside the window".into())));
    let json = round_trip(&InboundEvent::Status(s));
    assert_eq!(
        json["error"],
        json!({"code": "63016", "message": "outside the window"})
    );
    assert_eq!(json["recipient"], "US.ABC123");
}

#[test]
fn unknown_statuses_pass_through() {
    let s = DeliveryStatus::parse("partially_delivered");
    assert_eq!(s, DeliveryStatus::Other("partially_delivered".into()));
    assert_eq!(
        serde_json::to_string(&s).unwrap(),
        "\"partially_delivered\""
    );
    assert_eq!(DeliveryStatus::parse("READ"), DeliveryStatus::Read);
    let all = [
        "accepted",
        "scheduled",
        "queued",
        "sending",
        "sent",
        "delivered",
        "read",
        "undelivered",
        "failed",
        "canceled",
    ];
    for name in all {
        let s = DeliveryStatus::parse(name);
        assert!(!matches!(s, DeliveryStatus::Other(_)), "{name}");
        assert_eq!(s.as_str(), name);
    }
}

#[test]
fn supersedes_only_moves_forward() {
    use DeliveryStatus::*;
    let order = [Accepted, Queued, Sending, Sent, Delivered, Read];
    for (i, a) in order.iter().enumerate() {
        for (j, b) in order.iter().enumerate() {
            assert_eq!(a.supersedes(b), i > j, "{a} over {b}");
        }
    }
    // A late delivered never overwrites read.
    assert!(!Delivered.supersedes(&Read));
    // Failures are final.
    for later in [Sent, Delivered, Read, Queued, Other("new".into())] {
        assert!(!later.supersedes(&Failed), "{later} over failed");
        assert!(!later.supersedes(&Undelivered), "{later} over undelivered");
    }
    assert!(Failed.supersedes(&Sent));
    assert!(Undelivered.supersedes(&Queued));
    assert!(
        !Failed.supersedes(&Delivered),
        "a delivered message has not failed"
    );
    assert!(!Failed.supersedes(&Failed));
    // Unknown statuses never replace known ones; known ones replace unknown ones.
    assert!(!Other("x".into()).supersedes(&Sent));
    assert!(Sent.supersedes(&Other("x".into())));
}

#[test]
fn dedup_keys_are_stable_and_distinct() {
    let msg = InboundEvent::Message(InboundMessage::new(
        ProviderKind::TWILIO,
        "SM1",
        MessageContent::Text { body: "a".into() },
    ));
    assert_eq!(msg.dedup_key(), "twilio:SM1");
    assert_eq!(msg.clone().dedup_key(), msg.dedup_key());

    let status = |st: DeliveryStatus| {
        let mut s = StatusUpdate::new(ProviderKind::TWILIO, st);
        s.message_id = Some("SM1".into());
        InboundEvent::Status(s)
    };
    let sent = status(DeliveryStatus::Sent);
    let read = status(DeliveryStatus::Read);
    assert_eq!(sent.dedup_key(), "twilio:status:SM1:sent");
    assert_ne!(sent.dedup_key(), read.dedup_key());
    assert_ne!(sent.dedup_key(), msg.dedup_key());

    let snapshot = |t: &str| {
        let mut s = StatusUpdate::new(ProviderKind::BOTMAKER, DeliveryStatus::Read);
        s.conversation_id = Some("CHAT1".into());
        s.timestamp = Timestamp::parse_rfc3339(t);
        InboundEvent::Status(s)
    };
    let a = snapshot("2026-04-17T18:37:32.032Z");
    assert_eq!(
        a.dedup_key(),
        snapshot("2026-04-17T18:37:32.032Z").dedup_key()
    );
    assert_ne!(a.dedup_key(), snapshot("2026-04-17T18:40:00Z").dedup_key());
    assert!(a.dedup_key().contains("CHAT1"));
}

#[test]
fn timestamps_parse_both_forms() {
    let a = Timestamp::parse_rfc3339("2026-04-17T18:37:32.032Z").unwrap();
    let b = Timestamp::from_unix_millis(a.unix_millis()).unwrap();
    assert_eq!(a, b);
    assert_eq!(b.to_string(), "2026-04-17T18:37:32.032Z");
    assert!(Timestamp::parse_rfc3339("17/04/2026").is_none());
    // The fraction keeps whole milliseconds, and UTC is written Z.
    for (input, shown) in [
        ("2026-04-17T18:37:32.210Z", "2026-04-17T18:37:32.210Z"),
        ("2026-04-17T18:37:32.000Z", "2026-04-17T18:37:32Z"),
        (
            "2026-04-17T18:37:32.000001+00:00",
            "2026-04-17T18:37:32.000001Z",
        ),
        (
            "2026-04-17T15:37:32.5-03:00",
            "2026-04-17T15:37:32.500-03:00",
        ),
        (
            "2026-04-17T18:37:32.123456789+05:30",
            "2026-04-17T18:37:32.123456789+05:30",
        ),
    ] {
        let t = Timestamp::parse_rfc3339(input).unwrap();
        assert_eq!(t.to_string(), shown);
        assert_eq!(Timestamp::parse_rfc3339(shown), Some(t));
    }
    assert_eq!(
        Timestamp::from_unix_millis(1_776_451_052_030)
            .unwrap()
            .to_string(),
        "2026-04-17T18:37:32.030Z"
    );
    assert!(Timestamp::from_unix_millis(i64::MAX).is_none());
}

#[test]
fn events_reject_malformed_json_with_an_error() {
    for bad in [
        r#"{"type": "message"}"#,
        r#"{"type": "bogus"}"#,
        r#"[]"#,
        r#"{"type": "status", "provider": "twilio", "message_id": null, "recipient": "+1",
            "conversation_id": null, "status": "sent", "timestamp": null, "error": null}"#,
    ] {
        assert!(serde_json::from_str::<InboundEvent>(bad).is_err(), "{bad}");
    }
}
