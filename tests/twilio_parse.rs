//! Parsing Twilio's webhooks: typed views, normalized events, errors that name the
//! parameter, and TwiML answers.

use http::Method;
use serde_json::json;
use whatsapp_connector::twilio::TwilioProvider;
use whatsapp_connector::twilio::twiml;
use whatsapp_connector::twilio::webhook::{Params, Webhook, parse_request};
use whatsapp_connector::{
    DeliveryStatus, InboundEvent, MessageContent, ParseError, WebhookRequest, WhatsAppAddress,
    WhatsAppProvider,
};

const AC: &str = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn form(body: &[u8]) -> WebhookRequest {
    WebhookRequest::new("https://example.com/twilio/whatsapp/inbound", body.to_vec())
        .with_header("content-type", "application/x-www-form-urlencoded")
}

fn provider() -> TwilioProvider {
    TwilioProvider::builder(AC)
        .auth_token("12345")
        .build()
        .unwrap()
}

fn one_event(body: &[u8]) -> InboundEvent {
    let mut events = provider().parse(&form(body)).unwrap();
    assert_eq!(events.len(), 1);
    events.remove(0)
}

fn parse_err(body: &str) -> ParseError {
    provider().parse(&form(body.as_bytes())).unwrap_err()
}

#[test]
fn inbound_image_normalizes_to_the_design_json() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_image.form"));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({
            "type": "message", "provider": "twilio", "id": "SM0123456789abcdef0123456789abcdef",
            "author": "user", "from": "+14155550100", "to": "+14155238886",
            "profile_name": "Jane Doe", "timestamp": null, "reply_to": null,
            "conversation_id": null,
            "content": {"type": "media", "caption": "Here's the photo & receipt", "items": [{
                "url": "https://api.twilio.com/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MM0123456789abcdef0123456789abcdef/Media/ME0123456789abcdef0123456789abcdef",
                "content_type": "image/jpeg"
            }]}
        })
    );
    assert_eq!(
        event.dedup_key(),
        "twilio:SM0123456789abcdef0123456789abcdef"
    );
    // Events round-trip through JSON.
    let back: InboundEvent = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(back, event);
}

#[test]
fn inbound_image_typed_view_keeps_everything() {
    let body = include_bytes!("fixtures/twilio/inbound_image.form");
    let params = Params::from_form(body).unwrap();
    assert_eq!(params.len(), 17);
    assert_eq!(
        params.iter().next(),
        Some(("SmsMessageSid", "SM0123456789abcdef0123456789abcdef"))
    );
    assert_eq!(params.get("Body"), Some("Here's the photo & receipt"));
    let Webhook::Inbound(p) = params.typed().unwrap() else {
        panic!("not inbound")
    };
    assert_eq!(p.message_sid, "SM0123456789abcdef0123456789abcdef");
    assert_eq!(p.account_sid, Some(AC));
    assert_eq!(p.num_media, 1);
    assert_eq!(p.media[0].content_type, Some("image/jpeg"));
    assert_eq!(p.wa_id, Some("14155550100"));
    assert_eq!(p.message_type, Some("image"));
    assert_eq!(p.sms_status, Some("received"));
    assert_eq!(p.api_version, Some("2010-04-01"));
    assert_eq!(p.num_segments, Some("1"));
    assert_eq!(p.referral.num_media, Some("0"));
    assert!(!p.referral.is_present());
    assert_eq!(p.forwarded, None);
}

#[test]
fn button_reply_with_reply_to_and_external_id() {
    let body = include_bytes!("fixtures/twilio/inbound_button.form");
    let event = one_event(body);
    let m = event.as_message().unwrap();
    assert_eq!(
        m.content,
        MessageContent::Button {
            text: Some("Confirmar".into()),
            payload: Some("confirm_booking_42".into())
        }
    );
    assert_eq!(
        m.reply_to.as_deref(),
        Some("MM9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d")
    );
    assert_eq!(m.profile_name.as_deref(), Some("Ana Pérez"));
    assert_eq!(m.text(), Some("Confirmar"));
    let params = Params::from_form(body).unwrap();
    let Webhook::Inbound(p) = params.typed().unwrap() else {
        panic!()
    };
    assert_eq!(p.external_user_id, Some("whatsapp:US.7Q2KX9ZP4M"));
    assert_eq!(
        p.original_replied_message_sender,
        Some("whatsapp:+14155238886")
    );
    assert_eq!(p.forwarded, Some(false));
    assert_eq!(p.frequently_forwarded, Some(false));
    assert!(
        p.channel_metadata
            .unwrap()
            .starts_with(r#"{"type":"whatsapp""#)
    );
}

#[test]
fn location() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_location.form"));
    assert_eq!(
        serde_json::to_value(&event).unwrap()["content"],
        json!({"type": "location", "latitude": -34.603722, "longitude": -58.381592,
               "name": "Oficina Centro", "address": "Av. Corrientes 1234, Buenos Aires"})
    );
    assert_eq!(
        event
            .as_message()
            .unwrap()
            .from
            .as_ref()
            .unwrap()
            .to_string(),
        "+5491122223333"
    );
}

#[test]
fn text_with_encoded_characters() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_text.form"));
    let m = event.as_message().unwrap();
    assert_eq!(m.text(), Some("Hola, ¿tienen turnos mañana? 50% off & más"));
    assert!(matches!(m.content, MessageContent::Text { .. }));
}

#[test]
fn business_scoped_user_ids_are_user_ids() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_bsuid.form"));
    let m = event.as_message().unwrap();
    assert_eq!(m.from, Some(WhatsAppAddress::UserId("US.ABC123XYZ".into())));
    assert_eq!(
        serde_json::to_value(&event).unwrap()["from"],
        "US.ABC123XYZ"
    );
    assert_eq!(m.profile_name, None);
}

#[test]
fn every_media_item_in_index_order_and_the_referral() {
    let body = include_bytes!("fixtures/twilio/inbound_two_media.form");
    let event = one_event(body);
    let MessageContent::Media { items, caption } = &event.as_message().unwrap().content else {
        panic!("not media")
    };
    assert_eq!(caption, &None);
    assert_eq!(items.len(), 2);
    assert!(items[0].url.ends_with("ME00000000000000000000000000000001"));
    assert_eq!(items[0].content_type.as_deref(), Some("image/png"));
    assert!(items[1].url.ends_with("ME00000000000000000000000000000002"));
    assert_eq!(items[1].content_type.as_deref(), Some("application/pdf"));
    let params = Params::from_form(body).unwrap();
    let Webhook::Inbound(p) = params.typed().unwrap() else {
        panic!()
    };
    assert!(p.referral.is_present());
    assert_eq!(p.referral.source_type, Some("ad"));
    assert_eq!(p.referral.source_id, Some("120000000000001"));
    assert_eq!(p.referral.headline, Some("Turnos online"));
    assert_eq!(p.referral.ctwa_clid, Some("ctwa_invented_click_0001"));
}

#[test]
fn unknown_types_pass_through_and_unknown_params_are_kept() {
    let body = include_bytes!("fixtures/twilio/inbound_reaction.form");
    let event = one_event(body);
    assert_eq!(
        event.as_message().unwrap().content,
        MessageContent::Unsupported {
            reason: "reaction".into()
        }
    );
    let params = Params::from_form(body).unwrap();
    assert_eq!(params.get("FutureParam"), Some("kept as is"));
    // A wholly unknown parameter set with a MessageSid still parses.
    let event = one_event(b"MessageSid=SM1&Brand=New&Brand=Newer");
    assert!(matches!(
        event.as_message().unwrap().content,
        MessageContent::Unsupported { .. }
    ));
}

#[test]
fn status_read_normalizes_to_the_design_json() {
    let event = one_event(include_bytes!("fixtures/twilio/status_read.form"));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({"type": "status", "provider": "twilio",
               "message_id": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "recipient": "+14155550100",
               "conversation_id": null, "status": "read", "timestamp": null, "error": null})
    );
    assert_eq!(
        event.dedup_key(),
        "twilio:status:SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:read"
    );
    let body = include_bytes!("fixtures/twilio/status_read.form");
    let params = Params::from_form(body).unwrap();
    let Webhook::Status(s) = params.typed().unwrap() else {
        panic!("not a status")
    };
    assert_eq!(s.event_type, Some("READ"));
    assert_eq!(s.channel_prefix, Some("whatsapp"));
    assert_eq!(s.channel_to_address, Some("+1415555XXXX"));
    assert_eq!(
        s.channel_install_sid,
        Some("XEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
    );
    assert_eq!(s.sms_status, Some("read"));
}

#[test]
fn status_errors_carry_code_and_message() {
    let event = one_event(include_bytes!("fixtures/twilio/status_undelivered.form"));
    let s = event.as_status().unwrap();
    assert_eq!(s.status, DeliveryStatus::Undelivered);
    assert_eq!(
        serde_json::to_value(&s.error).unwrap(),
        json!({"code": "63016", "message": "Failed to send freeform message because you are outside the allowed window."})
    );
    assert_eq!(s.recipient.as_ref().unwrap().to_string(), "+14155550123");
    // ErrorMessage is preferred over ChannelStatusMessage.
    let event = one_event(include_bytes!(
        "fixtures/twilio/status_failed_error_message.form"
    ));
    let s = event.as_status().unwrap();
    assert_eq!(s.status, DeliveryStatus::Failed);
    let e = s.error.as_ref().unwrap();
    assert_eq!(
        (e.code.as_str(), e.message.as_deref()),
        ("63015", Some("Recipient has not joined the sandbox"))
    );
}

#[test]
fn unknown_statuses_pass_through() {
    let event =
        one_event(b"MessageSid=SM1&MessageStatus=partially_delivered&To=whatsapp%3A%2B14155550100");
    assert_eq!(
        event.as_status().unwrap().status,
        DeliveryStatus::Other("partially_delivered".into())
    );
}

#[test]
fn get_webhooks_read_the_query_string() {
    let req = WebhookRequest::new(
        "https://example.com/in?MessageSid=SM1&Body=hola+t%C3%BA&From=whatsapp%3A%2B14155550100",
        Vec::new(),
    )
    .with_method(Method::GET);
    let events = parse_request(&req).unwrap();
    assert_eq!(events[0].as_message().unwrap().text(), Some("hola tú"));
}

#[test]
fn errors_name_the_parameter() {
    assert_eq!(parse_err("MessageSid=SM1&Body=100%").field(), Some("Body"));
    assert_eq!(parse_err("MessageSid=SM1&Body=%ZZ").field(), Some("Body"));
    assert_eq!(
        parse_err("MessageSid=SM1&Body=%C3%28").field(),
        Some("Body")
    );
    let raw_utf8 = provider()
        .parse(&form(b"MessageSid=SM1&ProfileName=\xff\xfe"))
        .unwrap_err();
    assert_eq!(raw_utf8.field(), Some("ProfileName"));
    assert_eq!(parse_err("Body=hola"), ParseError::missing("MessageSid"));
    assert_eq!(
        parse_err("MessageStatus=sent"),
        ParseError::missing("MessageSid")
    );
    let e = parse_err("MessageSid=SM1&NumMedia=2&MediaUrl0=https%3A%2F%2Fx.test%2Fa");
    assert_eq!(e.field(), Some("MediaUrl1"), "{e}");
    let e = parse_err("MessageSid=SM1&NumMedia=0&MediaUrl0=https%3A%2F%2Fx.test%2Fa");
    assert_eq!(e.field(), Some("MediaUrl0"), "{e}");
    let e = parse_err("MessageSid=SM1&NumMedia=two");
    assert_eq!(e.field(), Some("NumMedia"));
    let e = parse_err("MessageSid=SM1&Latitude=north&Longitude=1.5");
    assert_eq!(e.field(), Some("Latitude"));
    assert!(e.to_string().contains("north"));
    let e = parse_err("MessageSid=SM1&Latitude=95&Longitude=1.5");
    assert_eq!(e.field(), Some("Latitude"));
    let e = parse_err("MessageSid=SM1&Latitude=1.5&Longitude=NaN");
    assert_eq!(e.field(), Some("Longitude"));
    let e = parse_err("MessageSid=SM1&From=whatsapp%3A%2B0123");
    assert_eq!(e.field(), Some("From"));
    let json =
        WebhookRequest::new("https://x.test", "{}").with_header("content-type", "application/json");
    assert!(matches!(
        provider().parse(&json).unwrap_err(),
        ParseError::UnsupportedContentType { .. }
    ));
}

#[test]
fn media_without_num_media_counts_the_urls() {
    let event = one_event(b"MessageSid=MM1&MediaUrl0=https%3A%2F%2Fx.test%2Fa&Body=look");
    let MessageContent::Media { items, caption } = &event.as_message().unwrap().content else {
        panic!()
    };
    assert_eq!(items.len(), 1);
    assert_eq!(caption.as_deref(), Some("look"));
    let e = parse_err("MessageSid=MM1&MediaUrl1=https%3A%2F%2Fx.test%2Fa");
    assert_eq!(e.field(), Some("MediaUrl0"));
}

#[test]
fn params_debug_shows_names_not_values() {
    let params = Params::from_form(b"Body=secret+plans&From=whatsapp%3A%2B14155550100").unwrap();
    let debug = format!("{params:?}");
    assert!(
        debug.contains("Body") && !debug.contains("secret plans") && !debug.contains("14155550100")
    );
}

#[test]
fn no_input_panics() {
    let twilio = provider();
    let base = include_bytes!("fixtures/twilio/inbound_image.form").to_vec();
    let alphabet = b"%=&+0123456789abcdefABCDEFMediaUrlNumLatitude\xc3\xff";
    let mut rng = fastrand::Rng::with_seed(7);
    for _ in 0..3000 {
        let mut body = base.clone();
        for _ in 0..rng.usize(1..6) {
            let i = rng.usize(..body.len());
            body[i] = alphabet[rng.usize(..alphabet.len())];
        }
        let _ = twilio.parse(&form(&body));
        let random: Vec<u8> = (0..rng.usize(..64))
            .map(|_| alphabet[rng.usize(..alphabet.len())])
            .collect();
        let _ = twilio.parse(&form(&random));
    }
}

#[test]
fn twiml_answers() {
    assert_eq!(
        twiml::empty(),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
    );
    assert_eq!(
        twiml::message("<b>Tom & \"Jerry\"</b> it's"),
        r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt; it&apos;s</Message></Response>"#
    );
    assert!(twiml::CONTENT_TYPE.starts_with("text/xml"));
}

#[test]
fn verify_and_parse_decodes_once_with_the_same_results() {
    use whatsapp_connector::Error;
    use whatsapp_connector::twilio::signature::{Algorithm, sign, sign_form_body};
    let twilio = provider();
    let body = include_bytes!("fixtures/twilio/inbound_image.form");
    let req = form(body).with_header("x-twilio-signature", "GD8a9vyClPMV7ICDxFcR/oeneO0=");
    let events = twilio.verify_and_parse(&req).unwrap();
    assert_eq!(events, twilio.parse(&req).unwrap());
    // A bad signature is a verification error, before any parsing.
    let forged = form(body).with_header("x-twilio-signature", "lKvq2ZkBjhLiHu+6wGrRqpMcEPI=");
    let e = twilio
        .verify_and_parse(&forged.with_url("https://example.com/other"))
        .unwrap_err();
    assert!(matches!(e, Error::Verify(_)), "{e}");
    // A well-signed body that does not parse is a parse error naming the parameter.
    let url = "https://example.com/twilio/whatsapp/inbound";
    let bad = b"Body=hola&NumMedia=x";
    let sig = sign_form_body(Algorithm::HmacSha1, "12345", url, bad).unwrap();
    let e = twilio
        .verify_and_parse(&form(bad).with_header("x-twilio-signature", &sig))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Parse(p) if p.field() == Some("MessageSid")),
        "{e}"
    );
    // GET webhooks: the URL alone is signed.
    let get_url = "https://example.com/in?MessageSid=SM1&Body=hola";
    let none: [(&str, &str); 0] = [];
    let get = WebhookRequest::new(get_url, Vec::new())
        .with_method(Method::GET)
        .with_header("x-twilio-signature", &sign("12345", get_url, &none));
    assert_eq!(
        twilio.verify_and_parse(&get).unwrap()[0]
            .as_message()
            .unwrap()
            .text(),
        Some("hola")
    );
    // A JSON body: verified by its hash, then refused by the parser.
    let json_url = whatsapp_connector::twilio::signature::url_with_body_hash(url, b"{}");
    let json = WebhookRequest::new(json_url.clone(), "{}")
        .with_header("content-type", "application/json")
        .with_header("x-twilio-signature", &sign("12345", &json_url, &none));
    let e = twilio.verify_and_parse(&json).unwrap_err();
    assert!(
        matches!(e, Error::Parse(ParseError::UnsupportedContentType { .. })),
        "{e}"
    );
}

#[test]
fn decoding_agrees_with_a_reference_form_decoder() {
    // Random names and values with the characters forms escape, encoded by
    // serde_urlencoded, decode back to the same pairs in the same order.
    let alphabet: Vec<char> = "aZ09 &=+%?#/:;,'\"ñé€😀\u{7f}\t".chars().collect();
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..500 {
        let pairs: Vec<(String, String)> = (0..rng.usize(0..12))
            .map(|_| {
                let mut word = |max: usize| -> String {
                    (0..rng.usize(0..max))
                        .map(|_| alphabet[rng.usize(..alphabet.len())])
                        .collect()
                };
                let name = word(8);
                (if name.is_empty() { "n".into() } else { name }, word(20))
            })
            .collect();
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        let params = Params::from_form(body.as_bytes()).unwrap();
        let got: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(got, pairs, "{body}");
        let reference: Vec<(String, String)> = serde_urlencoded::from_str(&body).unwrap();
        assert_eq!(got, reference);
    }
}

/// The status, the raw `MessageStatus` and `EventType`, and the dedup key of one callback.
fn status_of(body: &[u8]) -> (DeliveryStatus, String, Option<String>, String) {
    let event = one_event(body);
    let params = Params::from_form(body).unwrap();
    let Webhook::Status(s) = params.typed().unwrap() else {
        panic!("not a status")
    };
    assert_eq!(s.status(), event.as_status().unwrap().status);
    (
        event.as_status().unwrap().status.clone(),
        s.message_status.to_owned(),
        s.event_type.map(str::to_owned),
        event.dedup_key(),
    )
}

#[test]
fn whatsapp_status_callbacks_map_event_type_read_to_read() {
    const SID: &str = "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    let sent = status_of(include_bytes!("fixtures/twilio/status_sent.form"));
    assert_eq!(sent.0, DeliveryStatus::Sent);
    assert_eq!((sent.1.as_str(), sent.2.as_deref()), ("sent", None));
    assert_eq!(sent.3, format!("twilio:status:{SID}:sent"));

    let delivered = status_of(include_bytes!(
        "fixtures/twilio/status_delivered_event_delivered.form"
    ));
    assert_eq!(delivered.0, DeliveryStatus::Delivered);
    assert_eq!(
        (delivered.1.as_str(), delivered.2.as_deref()),
        ("delivered", Some("DELIVERED"))
    );
    assert_eq!(delivered.3, format!("twilio:status:{SID}:delivered"));

    // The read receipt as Twilio sends it for WhatsApp: MessageStatus stays `delivered`.
    let read_receipt = status_of(include_bytes!(
        "fixtures/twilio/status_delivered_event_read.form"
    ));
    assert_eq!(read_receipt.0, DeliveryStatus::Read);
    assert_eq!(
        (read_receipt.1.as_str(), read_receipt.2.as_deref()),
        ("delivered", Some("READ"))
    );
    assert_eq!(read_receipt.3, format!("twilio:status:{SID}:read"));
    assert_ne!(
        read_receipt.3, delivered.3,
        "a read receipt is not a redelivery"
    );

    let read = status_of(include_bytes!("fixtures/twilio/status_read.form"));
    assert_eq!(read.0, DeliveryStatus::Read);
    assert_eq!((read.1.as_str(), read.2.as_deref()), ("read", Some("READ")));

    let failed = status_of(include_bytes!(
        "fixtures/twilio/status_failed_error_code.form"
    ));
    assert_eq!(failed.0, DeliveryStatus::Failed);
    assert_eq!(
        (failed.1.as_str(), failed.2.as_deref()),
        ("failed", Some("UNDELIVERED"))
    );
    assert_eq!(failed.3, format!("twilio:status:{SID}:failed"));
    let event = one_event(include_bytes!(
        "fixtures/twilio/status_failed_error_code.form"
    ));
    let e = event.as_status().unwrap().error.clone().unwrap();
    assert_eq!(
        (e.code.as_str(), e.message.as_deref()),
        ("63024", Some("Invalid message recipient"))
    );
}

#[test]
fn event_type_read_is_read_in_any_letter_case() {
    for value in ["READ", "read", "Read", "rEaD"] {
        let body = format!(
            "MessageSid=SM1&MessageStatus=delivered&EventType={value}&To=whatsapp%3A%2B14155550100"
        );
        let event = one_event(body.as_bytes());
        assert_eq!(
            event.as_status().unwrap().status,
            DeliveryStatus::Read,
            "{value}"
        );
        assert_eq!(event.dedup_key(), "twilio:status:SM1:read");
    }
    // Any other EventType leaves MessageStatus in charge.
    for (status, event_type, want) in [
        ("delivered", "DELIVERED", DeliveryStatus::Delivered),
        ("undelivered", "UNDELIVERED", DeliveryStatus::Undelivered),
        ("sent", "SOMETHING_NEW", DeliveryStatus::Sent),
    ] {
        let body = format!("MessageSid=SM1&MessageStatus={status}&EventType={event_type}");
        assert_eq!(one_event(body.as_bytes()).as_status().unwrap().status, want);
    }
    // A true redelivery of the same parameters keeps the same key.
    let body = include_bytes!("fixtures/twilio/status_delivered_event_read.form");
    assert_eq!(one_event(body).dedup_key(), one_event(body).dedup_key());
}

#[test]
fn a_late_delivered_never_overwrites_a_read_receipt() {
    let read = one_event(include_bytes!(
        "fixtures/twilio/status_delivered_event_read.form"
    ));
    let delivered = one_event(include_bytes!(
        "fixtures/twilio/status_delivered_event_delivered.form"
    ));
    let (read, delivered) = (
        &read.as_status().unwrap().status,
        &delivered.as_status().unwrap().status,
    );
    // Arrival order read, then delivered (as seen on real traffic): read stays.
    assert!(!delivered.supersedes(read));
    assert!(read.supersedes(delivered));
}

#[test]
fn a_flow_reply_is_a_flow_event_with_its_answers() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_flow.form"));
    assert_eq!(
        serde_json::to_value(&event).unwrap()["content"],
        json!({"type": "flow", "response": {
            "screen_0_name": "Ana", "screen_0_date": "2026-12-03", "flow_token": "unused"}})
    );
    // The event JSON reads back.
    let back: InboundEvent = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(back, event);

    // The same answers inside InteractiveData's flowResponse; the other new fields stay in
    // the typed view.
    let body = include_bytes!("fixtures/twilio/inbound_interactive_flow.form");
    let event = one_event(body);
    assert!(matches!(
        &event.as_message().unwrap().content,
        MessageContent::Flow { response } if response["screen_0_choice"] == "0_Morning"
    ));
    let params = Params::from_form(body).unwrap();
    let Webhook::Inbound(m) = params.typed().unwrap() else {
        panic!("an inbound message")
    };
    assert_eq!(m.button_type, Some("REPLY"));
    let metadata: serde_json::Value = serde_json::from_str(m.channel_metadata.unwrap()).unwrap();
    assert_eq!(metadata["data"]["context"]["WaId"], "14155550123");

    // FlowData that is not JSON still reaches the bot, as a string.
    let event = one_event(b"MessageSid=SM1&FlowData=not+json&From=whatsapp%3A%2B14155550100");
    assert_eq!(
        event.as_message().unwrap().content,
        MessageContent::Flow {
            response: json!("not json")
        }
    );
}

#[test]
fn a_business_scoped_user_id_is_never_a_phone_number_and_reads_back() {
    let event = one_event(include_bytes!("fixtures/twilio/inbound_bsuid.form"));
    let from = event.as_message().unwrap().from.clone().unwrap();
    assert_eq!(from, WhatsAppAddress::UserId("US.ABC123XYZ".into()));
    assert!(from.phone().is_none());
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["from"], "US.ABC123XYZ");
    let back: InboundEvent = serde_json::from_value(json).unwrap();
    assert_eq!(back, event);
    // One made only of digits and a dot is still an id, not a number.
    let id = one_event(b"MessageSid=SM1&Body=hi&From=whatsapp%3AID.4566546130240823");
    assert_eq!(
        id.as_message().unwrap().from,
        Some(WhatsAppAddress::UserId("ID.4566546130240823".into()))
    );
}

#[test]
fn reactions_name_their_message_or_stay_unsupported() {
    let event = one_event(
        "MessageSid=SM2&MessageType=reaction&Body=%F0%9F%91%8D\
         &OriginalRepliedMessageSid=SM00000000000000000000000000000001\
         &From=whatsapp%3A%2B14155550100"
            .as_bytes(),
    );
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(
        json["content"],
        json!({"type": "reaction", "message_id": "SM00000000000000000000000000000001", "emoji": "👍"})
    );
    assert_eq!(serde_json::from_value::<InboundEvent>(json).unwrap(), event);
    // Removed: no emoji.
    let removed = one_event(
        b"MessageSid=SM3&MessageType=reaction&Body=&OriginalRepliedMessageSid=SM00000000000000000000000000000001",
    );
    assert!(matches!(
        &removed.as_message().unwrap().content,
        MessageContent::Reaction { emoji: None, .. }
    ));
    // The shape seen without the message reacted to: kept as unsupported, never an error.
    let bare = one_event(include_bytes!("fixtures/twilio/inbound_reaction.form"));
    assert_eq!(
        bare.as_message().unwrap().content,
        MessageContent::Unsupported {
            reason: "reaction".into()
        }
    );
}
