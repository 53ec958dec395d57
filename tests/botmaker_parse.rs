//! Parsing Botmaker webhooks: one fixture per documented shape, each checked field by field
//! in the normalized event JSON, and every kind of bad input.

use serde_json::{Value, json};
use whatsapp_connector::botmaker::BotmakerProvider;
use whatsapp_connector::botmaker::webhook::WebhookPayload;
use whatsapp_connector::{
    Author, DeliveryStatus, InboundEvent, MessageContent, ParseError, WebhookRequest,
    WhatsAppAddress, WhatsAppProvider,
};

fn provider() -> BotmakerProvider {
    BotmakerProvider::builder()
        .webhook_token("hook-token-invented")
        .build()
        .unwrap()
}

fn request(body: &[u8]) -> WebhookRequest {
    WebhookRequest::new("https://bot.example.com/botmaker", body.to_vec())
        .with_header("content-type", "application/json; charset=utf-8")
        .with_header("auth-bm-token", "hook-token-invented")
}

fn parse(body: &[u8]) -> Vec<InboundEvent> {
    let p = provider();
    let req = request(body);
    p.verify(&req).unwrap();
    p.parse(&req).unwrap()
}

fn parse_err(body: &[u8]) -> ParseError {
    provider().parse(&request(body)).unwrap_err()
}

fn as_json(events: &[InboundEvent]) -> Value {
    serde_json::to_value(events).unwrap()
}

/// Serializing and deserializing gives the same events back.
fn round_trips(events: &[InboundEvent]) {
    let text = serde_json::to_string(events).unwrap();
    let back: Vec<InboundEvent> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, events);
}

#[test]
fn format_a_text() {
    let events = parse(include_bytes!("fixtures/botmaker/a_text.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "QX7M2KD9RTB4WZ1HPL0A",
            "author": "user", "from": "+5491155550123", "to": "+5491155550100",
            "profile_name": "Ana Pérez", "timestamp": "2026-03-02T14:05:09.118Z",
            "reply_to": null, "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "content": {"type": "text", "body": "Hola, ¿tienen turnos para mañana? 🙂"}
        }])
    );
    assert_eq!(events[0].dedup_key(), "botmaker:QX7M2KD9RTB4WZ1HPL0A");
    round_trips(&events);
}

#[test]
fn format_a_image_with_caption() {
    let events = parse(include_bytes!("fixtures/botmaker/a_image_caption.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "IMG4TQ8ZP2LW6NX0RC3B",
            "author": "user", "from": "+5491155550123", "to": "+5491155550100",
            "profile_name": "Ana Pérez", "timestamp": "2026-03-02T14:06:40.502Z",
            "reply_to": null, "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "content": {"type": "media", "caption": "Esta es la receta", "items": [
                {"url": "https://storage.example.com/acme/users/KD83JQW0ZX5VR2MTNB7C/receta-7f3a.jpg",
                 "content_type": null}
            ]}
        }])
    );
    assert_eq!(
        events[0].as_message().unwrap().text(),
        Some("Esta es la receta")
    );
    round_trips(&events);
}

#[test]
fn format_a_audio_with_an_epoch_millisecond_date() {
    let events = parse(include_bytes!("fixtures/botmaker/a_audio.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "AUD9VN3XK5QJ7ML2TB8W",
            "author": "user", "from": "+5491155550123", "to": "+5491155550100",
            "profile_name": "Ana Pérez", "timestamp": "2026-03-02T14:08:00Z",
            "reply_to": null, "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "content": {"type": "media", "caption": null, "items": [
                {"url": "https://storage.example.com/acme/users/KD83JQW0ZX5VR2MTNB7C/nota-de-voz-01.ogg",
                 "content_type": null}
            ]}
        }])
    );
}

#[test]
fn format_a_location() {
    let events = parse(include_bytes!("fixtures/botmaker/a_location.json"));
    let m = events[0].as_message().unwrap();
    assert_eq!(m.id, "LOC2HD7QW9ZK4NB1XT6M");
    assert_eq!(m.author, Author::User);
    assert_eq!(
        m.content,
        MessageContent::Location {
            latitude: -34.6037,
            longitude: -58.3816,
            name: Some("Consultorio Centro".into()),
            address: Some("Av. Siempreviva 742, Buenos Aires".into()),
        }
    );
    assert_eq!(
        as_json(&events)[0]["content"],
        json!({"type": "location", "latitude": -34.6037, "longitude": -58.3816,
               "name": "Consultorio Centro", "address": "Av. Siempreviva 742, Buenos Aires"})
    );
    assert_eq!(m.timestamp.unwrap().to_string(), "2026-03-02T14:08:00Z");
    round_trips(&events);
}

#[test]
fn format_a_contacts() {
    let events = parse(include_bytes!("fixtures/botmaker/a_contacts.json"));
    assert_eq!(
        as_json(&events)[0]["content"],
        json!({"type": "contacts", "contacts": [
            {"name": "Bruno Díaz", "phones": ["+1 415-555-0142"], "emails": ["bruno.diaz@example.com"]},
            {"name": "Carla Gómez", "phones": ["14155550177"], "emails": []}
        ]})
    );
    let m = events[0].as_message().unwrap();
    assert_eq!(m.id, "CNT5RW1ZQ8MX3KB7VD2L");
    assert_eq!(m.from.as_ref().unwrap().to_string(), "+5491155550123");
    round_trips(&events);
}

#[test]
fn format_a_button_reply() {
    let events = parse(include_bytes!("fixtures/botmaker/a_button_reply.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "BTN8KQ2WX6ZR0MT4HN9P",
            "author": "user", "from": "+5491155550123", "to": "+5491155550100",
            "profile_name": "Ana Pérez", "timestamp": "2026-03-02T14:10:30.777Z",
            "reply_to": null, "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "content": {"type": "button", "text": "Confirmar turno", "payload": null}
        }])
    );
}

#[test]
fn format_a_agent_echo_is_not_from_the_user() {
    let events = parse(include_bytes!("fixtures/botmaker/a_agent_echo.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "OPR3ZT7MK1QW5XB9LN2D",
            "author": "agent", "from": "+5491155550100", "to": "+5491155550123",
            "profile_name": "Lucía Fernández", "timestamp": "2026-03-02T14:12:03.210Z",
            "reply_to": null, "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "content": {"type": "text", "body": "Hola Ana, te confirmo el turno de las 10:00."}
        }])
    );
    // Without `from`, the operator fields still mark it as an agent's.
    let mut v: Value =
        serde_json::from_slice(include_bytes!("fixtures/botmaker/a_agent_echo.json")).unwrap();
    v.as_object_mut().unwrap().remove("from");
    let events = parse(v.to_string().as_bytes());
    assert_eq!(events[0].as_message().unwrap().author, Author::Agent);
}

#[test]
fn authors_from_every_hint() {
    let author = |body: &str| parse(body.as_bytes())[0].as_message().unwrap().author;
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "from": "bot"}"#),
        Author::Bot
    );
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "from": "USER"}"#),
        Author::User
    );
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "from": "agent"}"#),
        Author::Agent
    );
    // An unknown sender category is never taken for the user.
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "from": "system"}"#),
        Author::Bot
    );
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "fromCustomer": true}"#),
        Author::User
    );
    assert_eq!(
        author(r#"{"_id_": "M1", "message": "x", "fromCustomer": false}"#),
        Author::Bot
    );
}

#[test]
fn format_b_gives_one_event_per_message() {
    let events = parse(include_bytes!("fixtures/botmaker/b_two_messages.json"));
    assert_eq!(
        as_json(&events),
        json!([
            {
                "type": "message", "provider": "botmaker", "id": "B1MSGUSR7Q2XW9KZ3N4T",
                "author": "user", "from": "+14155550199", "to": "+14155550100",
                "profile_name": "Dieguito", "timestamp": "2026-03-03T10:20:01.500Z",
                "reply_to": null, "conversation_id": "ZP4N8XQ2WM6KT0RB3VJH",
                "content": {"type": "text", "body": "Quiero saber el estado de mi pedido"}
            },
            {
                "type": "message", "provider": "botmaker", "id": "B2MSGBOT5L8VR1QM6Z0P",
                "author": "bot", "from": "+14155550100", "to": "+14155550199",
                "profile_name": "Bot", "timestamp": "2026-03-03T10:20:02.250Z",
                "reply_to": null, "conversation_id": "ZP4N8XQ2WM6KT0RB3VJH",
                "content": {"type": "text", "body": "¡Claro! Decime el número de pedido."}
            }
        ])
    );
    assert_eq!(events[0].dedup_key(), "botmaker:B1MSGUSR7Q2XW9KZ3N4T");
    assert_ne!(events[0].dedup_key(), events[1].dedup_key());
    round_trips(&events);

    let payload =
        WebhookPayload::from_json(include_bytes!("fixtures/botmaker/b_two_messages.json")).unwrap();
    let WebhookPayload::Envelope(e) = payload else {
        panic!("not an envelope")
    };
    assert_eq!(e.version.as_deref(), Some("1.1"));
    assert_eq!(e.tx_id.as_deref(), Some("tx-4f2a9c"));
    assert_eq!(
        e.chat_channel_id.as_deref(),
        Some("acme-whatsapp-14155550100")
    );
    assert_eq!(e.first_name.as_deref(), Some("Diego"));
    assert_eq!(e.messages.len(), 2);
    assert!(e.extra.is_empty());
}

#[test]
fn format_c_legacy() {
    let events = parse(include_bytes!("fixtures/botmaker/c_legacy.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "message", "provider": "botmaker", "id": "LEG0W4XZ8QK2MT6PN3BJ",
            "author": "user", "from": "+14155550188", "to": null,
            "profile_name": "Marta Ríos", "timestamp": "2018-09-04T12:30:45Z",
            "reply_to": null, "conversation_id": "LG7KQ2ZP9XW3MN5TB1RV",
            "content": {"type": "media", "caption": "Necesito ayuda con mi factura", "items": [
                {"url": "https://storage.example.com/acme/legacy/factura-marzo.png", "content_type": null}
            ]}
        }])
    );
    round_trips(&events);
}

#[test]
fn status_delivered_snapshot() {
    let events = parse(include_bytes!("fixtures/botmaker/status_delivered.json"));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "status", "provider": "botmaker", "message_id": "OPR3ZT7MK1QW5XB9LN2D",
            "recipient": "+5491155550123", "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "status": "delivered", "timestamp": "2026-03-02T14:12:05.032Z", "error": null
        }])
    );
    assert_eq!(
        events[0].dedup_key(),
        "botmaker:status:OPR3ZT7MK1QW5XB9LN2D:delivered:KD83JQW0ZX5VR2MTNB7C:2026-03-02T14:12:05.032Z"
    );
    round_trips(&events);

    let WebhookPayload::Snapshot(s) =
        WebhookPayload::from_json(include_bytes!("fixtures/botmaker/status_delivered.json"))
            .unwrap()
    else {
        panic!("not a snapshot")
    };
    assert_eq!(s.id.as_deref(), Some("KD83JQW0ZX5VR2MTNB7C"));
    assert_eq!(s.status, "delivered");
    assert_eq!(
        s.user_last_msg_received.map(|t| t.to_string()).as_deref(),
        Some("2026-03-02T14:12:05.032Z")
    );
    assert_eq!(s.user_last_msg_read, None);
    assert_eq!(s.first_name.as_deref(), Some("Ana"));
    let last = s.last_message.as_ref().unwrap();
    assert_eq!(last.from.as_deref(), Some("operator"));
    assert_eq!(last.operator_id.as_deref(), Some("op-7Hq2Lx9Ze4"));
    // Fields this crate does not model are kept.
    assert_eq!(s.extra.get("QUEUE"), Some(&json!("Turnos")));
    assert_eq!(
        s.extra.get("Last action author"),
        Some(&json!("op-7Hq2Lx9Ze4"))
    );
    assert_eq!(
        s.extra.get("EXECUTED_INTENTS"),
        Some(&json!(["Menu", "Turnos"]))
    );
}

#[test]
fn status_read_with_an_empty_watermark() {
    let events = parse(include_bytes!(
        "fixtures/botmaker/status_read_empty_watermark.json"
    ));
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "status", "provider": "botmaker", "message_id": "BOT6TX2QM9ZW4KR8NB1L",
            "recipient": "+5491155550123", "conversation_id": "KD83JQW0ZX5VR2MTNB7C",
            "status": "read", "timestamp": "2026-03-02T14:14:00.500Z", "error": null
        }])
    );
    let s = events[0].as_status().unwrap();
    assert_eq!(s.status, DeliveryStatus::Read);
    let WebhookPayload::Snapshot(snap) = WebhookPayload::from_json(include_bytes!(
        "fixtures/botmaker/status_read_empty_watermark.json"
    ))
    .unwrap() else {
        panic!("not a snapshot")
    };
    assert_eq!(snap.user_last_msg_received, None);
    assert_eq!(snap.user_last_msg_read, s.timestamp);
    assert_eq!(snap.first_name, None);
}

#[test]
fn snapshot_full_of_custom_variables() {
    let body = include_bytes!("fixtures/botmaker/status_custom_variables.json");
    let events = parse(body);
    assert_eq!(
        as_json(&events),
        json!([{
            "type": "status", "provider": "botmaker", "message_id": "USR2PL8ZQ4WX6KM0TB3N",
            "recipient": "+14155550166", "conversation_id": "VR9QK3ZW7XM1TB5NP2LD",
            "status": "delivered", "timestamp": "2026-03-04T08:00:01Z", "error": null
        }])
    );
    let payload = WebhookPayload::from_json(body).unwrap();
    let WebhookPayload::Snapshot(s) = &payload else {
        panic!("not a snapshot")
    };
    let keys: Vec<&str> = s.extra.keys().collect();
    for k in [
        "documentNumber",
        "AP_Price",
        "IssueResuelto",
        "visitCount",
        "preferences",
        "lastOrders",
        "home address",
        "emptyVar",
        "nullVar",
    ] {
        assert!(keys.contains(&k), "{k} was not kept");
    }
    assert_eq!(s.extra.get("visitCount"), Some(&json!(7)));
    assert_eq!(
        s.extra.get("preferences"),
        Some(&json!({"newsletter": false, "channel": "whatsapp"}))
    );
    let last = s.last_message.as_ref().unwrap();
    assert_eq!(last.extra.get("favoriteColor"), Some(&json!("verde")));
    assert_eq!(last.button_payload.as_deref(), Some("row-gracias"));
    // Neither the payload's Debug nor the events carry the variables' values.
    let dbg = format!("{payload:?}");
    for secret in [
        "DNI-00000000-invented",
        "15999.90",
        "Calle Falsa",
        "ORD-1001",
        "verde",
    ] {
        assert!(!dbg.contains(secret), "Debug shows {secret}");
        assert!(!format!("{events:?}").contains(secret));
        assert!(!as_json(&events).to_string().contains(secret));
    }
    assert!(dbg.contains("documentNumber"));
}

#[test]
fn snapshot_dedup_keys_separate_what_differs() {
    let base: Value =
        serde_json::from_slice(include_bytes!("fixtures/botmaker/status_delivered.json")).unwrap();
    let key = |v: &Value| parse(v.to_string().as_bytes())[0].dedup_key();
    let original = key(&base);
    // A redelivery is the same event.
    assert_eq!(original, key(&base.clone()));
    let mut read = base.clone();
    read["STATUS"] = json!("read");
    let mut later = base.clone();
    later["STATUS_CHANGE_TIME"] = json!("2026-03-02T14:20:00.000Z");
    let mut other_last = base.clone();
    other_last["LAST_MESSAGE"]["_id_"] = json!("NEWMSG0000000000000A");
    let mut other_chat = base.clone();
    other_chat["_id_"] = json!("OTHERCHAT00000000000");
    other_chat["LAST_MESSAGE"]["customerId"] = json!("OTHERCHAT00000000000");
    for changed in [read, later, other_last, other_chat] {
        assert_ne!(original, key(&changed));
    }
}

#[test]
fn snapshot_variants() {
    // The documented 2018 shape: `_id_` is the message, CUSTOMER_ID the chat.
    let events = parse(
        br#"{"CHAT_PLATFORM_ID": "whatsapp", "CREATION_TIME": "2018-09-04T12:31:00Z",
             "CUSTOMER_ID": "LG7KQ2ZP9XW3MN5TB1RV", "_id_": "LEG0W4XZ8QK2MT6PN3BJ",
             "FROM": "14155550188", "STATUS": "read"}"#,
    );
    let s = events[0].as_status().unwrap();
    assert_eq!(s.message_id.as_deref(), Some("LEG0W4XZ8QK2MT6PN3BJ"));
    assert_eq!(s.conversation_id.as_deref(), Some("LG7KQ2ZP9XW3MN5TB1RV"));
    assert_eq!(s.recipient.as_ref().unwrap().to_string(), "+14155550188");
    assert_eq!(s.timestamp, None);

    // Without a change time, the watermark of the status stands in.
    let events = parse(
        br#"{"_id_": "CHAT0000000000000001", "STATUS": "delivered",
             "USER_LAST_MSG_RECEIVED": "2026-03-02T14:12:05Z", "USER_LAST_MSG_READ": ""}"#,
    );
    let s = events[0].as_status().unwrap();
    assert_eq!(s.message_id, None);
    assert_eq!(s.conversation_id.as_deref(), Some("CHAT0000000000000001"));
    assert_eq!(s.timestamp.unwrap().to_string(), "2026-03-02T14:12:05Z");

    // Botmaker's `error` status is a failure; an unknown one passes through.
    let status = |st: &str| {
        parse(format!(r#"{{"_id_": "C1", "STATUS": "{st}"}}"#).as_bytes())[0]
            .as_status()
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(status("error"), DeliveryStatus::Failed);
    assert_eq!(status("answered"), DeliveryStatus::Other("answered".into()));
}

#[test]
fn other_message_shapes() {
    // A list row tapped: its id comes back as buttonPayload.
    let e = parse(br#"{"_id_": "M1", "message": "Uno", "buttonPayload": "row-1", "from": "user"}"#);
    assert_eq!(
        e[0].as_message().unwrap().content,
        MessageContent::Button {
            text: Some("Uno".into()),
            payload: Some("row-1".into())
        }
    );
    // A message Botmaker could not represent.
    let e = parse(br#"{"_id_": "M2", "error": "Unsupported message", "from": "user"}"#);
    assert_eq!(
        e[0].as_message().unwrap().content,
        MessageContent::Unsupported {
            reason: "Unsupported message".into()
        }
    );
    // Coordinates as strings, video and document URLs.
    let e = parse(br#"{"_id_": "M3", "location": {"latitude": "-34.5", "longitude": "-58.4"}}"#);
    assert!(matches!(
        e[0].as_message().unwrap().content,
        MessageContent::Location { latitude, longitude, name: None, address: None }
            if latitude == -34.5 && longitude == -58.4
    ));
    let e = parse(
        br#"{"_id_": "M4", "file": "https://storage.example.com/f.pdf", "message": "mi CV"}"#,
    );
    assert_eq!(e[0].as_message().unwrap().text(), Some("mi CV"));
    // A webchat user id is kept as it is.
    let e = parse(
        br#"{"_id_": "M5", "chatPlatform": "webchat", "contactId": "wc-8f2e91", "message": "hi"}"#,
    );
    assert_eq!(
        e[0].as_message()
            .unwrap()
            .from
            .as_ref()
            .unwrap()
            .to_string(),
        "wc-8f2e91"
    );
    // So is an all-digit one on another platform, and the event JSON reads it back as a
    // user id, not as a phone number.
    let e = parse(
        br#"{"_id_": "M6", "chatPlatform": "webchat", "contactId": "5491122223333", "message": "hi"}"#,
    );
    assert_eq!(
        e[0].as_message().unwrap().from,
        Some(WhatsAppAddress::UserId("5491122223333".into()))
    );
    round_trips(&e);
    // An envelope without messages yields none.
    assert!(parse(br#"{"v": "1.1", "type": "message", "messages": []}"#).is_empty());
}

#[test]
fn missing_optional_fields_are_not_errors() {
    let events = parse(br#"{"_id_": "ONLYID00000000000001"}"#);
    let m = events[0].as_message().unwrap();
    assert_eq!(m.from, None);
    assert_eq!(m.to, None);
    assert_eq!(m.timestamp, None);
    assert_eq!(m.conversation_id, None);
    assert!(matches!(m.content, MessageContent::Unsupported { .. }));
    // Empty strings and nulls are absent, not errors.
    let events = parse(
        br#"{"_id_": "M1", "date": "", "contactId": "", "operatorId": null, "message": "ok"}"#,
    );
    let m = events[0].as_message().unwrap();
    assert_eq!(m.timestamp, None);
    assert_eq!(m.from, None);
}

#[test]
fn not_json() {
    assert!(matches!(parse_err(b"hello"), ParseError::Malformed { .. }));
    assert!(matches!(parse_err(b""), ParseError::Malformed { .. }));
    assert!(matches!(
        parse_err(b"{\"_id_\": \"M1\""),
        ParseError::Malformed { .. }
    ));
    assert!(matches!(
        parse_err(&[0xff, 0xfe, b'{']),
        ParseError::Malformed { .. }
    ));
}

#[test]
fn top_level_array_or_scalar() {
    let e = parse_err(br#"[{"_id_": "M1"}]"#);
    assert!(
        matches!(&e, ParseError::Malformed { reason } if reason.contains("array")),
        "{e}"
    );
    assert!(matches!(parse_err(b"42"), ParseError::Malformed { .. }));
    assert!(matches!(parse_err(b"null"), ParseError::Malformed { .. }));
}

#[test]
fn number_where_a_string_belongs() {
    let e = parse_err(br#"{"_id_": "M1", "contactId": 5491155550123}"#);
    assert_eq!(e.field(), Some("contactId"));
    assert!(matches!(e, ParseError::InvalidField { .. }));
    let e = parse_err(br#"{"_id_": 17}"#);
    assert_eq!(e.field(), Some("_id_"));
    let e = parse_err(br#"{"v": "1.1", "messages": [{"_id": "A"}, {"_id": "B", "message": 3}]}"#);
    assert_eq!(e.field(), Some("messages[1].message"));
    let e = parse_err(br#"{"STATUS": "read", "LAST_MESSAGE": {"_id_": "M", "date": 5}}"#);
    assert_eq!(e.field(), Some("LAST_MESSAGE.date"));
    let e = parse_err(br#"{"MESSAGE": "hi", "_id_": "M", "IMAGES_URLS": ["a", 2]}"#);
    assert_eq!(e.field(), Some("IMAGES_URLS[1]"));
    let e = parse_err(br#"{"_id_": "M", "isButton": "yes"}"#);
    assert_eq!(e.field(), Some("isButton"));
}

#[test]
fn deep_nesting() {
    let depth = 100_000;
    let mut body = String::from(r#"{"_id_": "M1", "deep": "#);
    body.push_str(&"[".repeat(depth));
    body.push_str(&"]".repeat(depth));
    body.push('}');
    assert!(matches!(
        parse_err(body.as_bytes()),
        ParseError::Malformed { .. }
    ));
    let mut objects = String::new();
    for _ in 0..depth {
        objects.push_str(r#"{"a":"#);
    }
    objects.push('1');
    objects.push_str(&"}".repeat(depth));
    assert!(matches!(
        parse_err(objects.as_bytes()),
        ParseError::Malformed { .. }
    ));
}

#[test]
fn other_bad_values() {
    assert_eq!(parse_err(b"{}"), ParseError::missing("_id_"));
    assert_eq!(
        parse_err(br#"{"v": "1.1", "messages": [{"message": "x"}]}"#),
        ParseError::missing("messages[0]._id")
    );
    assert_eq!(
        parse_err(br#"{"_id_": "M", "date": "ayer"}"#).field(),
        Some("date")
    );
    assert_eq!(
        parse_err(br#"{"_id_": "M", "contactId": "12"}"#).field(),
        Some("contactId")
    );
    assert_eq!(
        parse_err(br#"{"_id_": "M", "location": {"longitude": 1}}"#),
        ParseError::missing("location.latitude")
    );
    assert_eq!(
        parse_err(br#"{"_id_": "M", "location": {"latitude": "north", "longitude": 1}}"#).field(),
        Some("location.latitude")
    );
    // Out of range, as a number or a string; the edges themselves are accepted.
    let e = parse_err(br#"{"_id_": "M", "location": {"latitude": 90.5, "longitude": 1}}"#);
    assert_eq!(e.field(), Some("location.latitude"));
    assert!(e.to_string().contains("outside -90 to 90"), "{e}");
    assert_eq!(
        parse_err(br#"{"_id_": "M", "location": {"latitude": 1, "longitude": "-180.01"}}"#).field(),
        Some("location.longitude")
    );
    assert_eq!(
        parse(br#"{"_id_": "M", "location": {"latitude": -90, "longitude": 180}}"#).len(),
        1
    );
    assert_eq!(
        parse_err(br#"{"v": "1.1", "messages": "none"}"#).field(),
        Some("messages")
    );
    assert_eq!(
        parse_err(br#"{"v": "1.1", "messages": [7]}"#).field(),
        Some("messages[0]")
    );
    assert_eq!(parse_err(br#"{"STATUS": ""}"#).field(), Some("STATUS"));
    assert_eq!(
        parse_err(br#"{"_id_": "M", "contacts": [{"phones": [{"phone": 1}]}]}"#).field(),
        Some("contacts[0].phones[0].phone")
    );
}

#[test]
fn content_type_is_checked() {
    let req = WebhookRequest::new("https://bot.example.com/botmaker", &b"{}"[..])
        .with_header("content-type", "application/x-www-form-urlencoded");
    assert!(matches!(
        provider().parse(&req),
        Err(ParseError::UnsupportedContentType { .. })
    ));
    // Without a content type the body is read as JSON.
    let req = WebhookRequest::new(
        "https://bot.example.com/botmaker",
        &br#"{"_id_": "M1", "message": "hola"}"#[..],
    );
    assert_eq!(provider().parse(&req).unwrap().len(), 1);
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A cheap fuzz: every prefix of every fixture, and some byte flips.
    let fixtures: [&[u8]; 4] = [
        include_bytes!("fixtures/botmaker/a_contacts.json"),
        include_bytes!("fixtures/botmaker/b_two_messages.json"),
        include_bytes!("fixtures/botmaker/status_custom_variables.json"),
        include_bytes!("fixtures/botmaker/c_legacy.json"),
    ];
    let p = provider();
    for f in fixtures {
        for end in 0..f.len() {
            let _ = p.parse(&request(&f[..end]));
        }
        for i in (0..f.len()).step_by(7) {
            let mut flipped = f.to_vec();
            flipped[i] ^= 0x20;
            let _ = p.parse(&request(&flipped));
        }
    }
}
