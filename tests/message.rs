//! OutboundMessage validation: every rule, before any network call.

use whatsapp_connector::{
    Content, Interactive, InteractiveAction, Limits, ListRow, ListSection, Location, Media,
    OutboundMessage, PhoneNumber, ReplyButton, Template, ValidationError,
};

fn to() -> PhoneNumber {
    PhoneNumber::parse("+14155550100").unwrap()
}

fn msg(content: Content) -> OutboundMessage {
    OutboundMessage::new(to(), content)
}

#[test]
fn text_must_not_be_empty() {
    assert_eq!(
        OutboundMessage::text(to(), "").validate(),
        Err(ValidationError::Empty { field: "text" })
    );
    assert_eq!(
        OutboundMessage::text(to(), "  \n").validate(),
        Err(ValidationError::Empty { field: "text" })
    );
    assert!(OutboundMessage::text(to(), "hola").validate().is_ok());
}

#[test]
fn text_limits_differ_by_provider() {
    let twilio_max = OutboundMessage::text(to(), "a".repeat(1600));
    assert!(twilio_max.validate_with(&Limits::TWILIO).is_ok());
    let over = OutboundMessage::text(to(), "ñ".repeat(1601));
    assert_eq!(
        over.validate_with(&Limits::TWILIO),
        Err(ValidationError::TooLong {
            field: "text",
            chars: 1601,
            max: 1600
        })
    );
    assert!(over.validate().is_ok(), "WhatsApp allows 4,096");
    let wa_over = OutboundMessage::text(to(), "a".repeat(4097));
    assert!(matches!(
        wa_over.validate(),
        Err(ValidationError::TooLong { max: 4096, .. })
    ));
}

#[test]
fn media_url_must_be_http() {
    for bad in [
        "ftp://example.com/a.jpg",
        "file:///etc/passwd",
        "not a url",
        "https://",
    ] {
        assert!(
            matches!(
                msg(Content::Media(Media::new(bad))).validate(),
                Err(ValidationError::NotHttpUrl { .. })
            ),
            "{bad}"
        );
    }
    let ok = Media::new("https://example.com/a.jpg")
        .with_mime_type("image/jpeg")
        .with_caption("recibo");
    assert!(msg(Content::Media(ok)).validate().is_ok());
    let bad_mime = Media::new("https://example.com/a.jpg").with_mime_type("jpeg");
    assert!(matches!(
        msg(Content::Media(bad_mime)).validate(),
        Err(ValidationError::Invalid {
            field: "mime_type",
            ..
        })
    ));
}

#[test]
fn status_callback_must_be_http() {
    let m = OutboundMessage::text(to(), "hi").with_status_callback("javascript:alert(1)");
    assert!(matches!(
        m.validate(),
        Err(ValidationError::NotHttpUrl {
            field: "status_callback",
            ..
        })
    ));
}

fn buttons(n: usize) -> Content {
    Content::Interactive(Interactive::buttons(
        "¿Confirmas?",
        (0..n)
            .map(|i| ReplyButton::new(format!("b{i}"), format!("Opción {i}")))
            .collect(),
    ))
}

#[test]
fn at_most_three_buttons() {
    assert!(msg(buttons(3)).validate().is_ok());
    assert_eq!(
        msg(buttons(4)).validate(),
        Err(ValidationError::TooMany {
            field: "buttons",
            count: 4,
            max: 3
        })
    );
    assert_eq!(
        msg(buttons(0)).validate(),
        Err(ValidationError::Empty { field: "buttons" })
    );
}

fn list(rows_per_section: &[usize]) -> Content {
    let sections = rows_per_section
        .iter()
        .enumerate()
        .map(|(s, n)| {
            ListSection::new(
                Some(format!("Sección {s}")),
                (0..*n)
                    .map(|i| ListRow::new(format!("r{s}-{i}"), format!("Fila {i}")))
                    .collect(),
            )
        })
        .collect();
    Content::Interactive(Interactive::list("Elige", "Ver opciones", sections))
}

#[test]
fn at_most_ten_list_rows_over_all_sections() {
    assert!(msg(list(&[10])).validate().is_ok());
    assert!(msg(list(&[5, 5])).validate().is_ok());
    assert_eq!(
        msg(list(&[6, 5])).validate(),
        Err(ValidationError::TooMany {
            field: "list rows",
            count: 11,
            max: 10
        })
    );
    assert_eq!(
        msg(list(&[0])).validate(),
        Err(ValidationError::Empty { field: "list rows" })
    );
}

#[test]
fn list_text_limits() {
    let long_row = Content::Interactive(Interactive::list(
        "Elige",
        "Ver",
        vec![ListSection::new(
            None,
            vec![ListRow::new("r1", "x".repeat(25))],
        )],
    ));
    assert!(matches!(
        msg(long_row).validate(),
        Err(ValidationError::TooLong {
            field: "row title",
            ..
        })
    ));
    let untitled = Content::Interactive(Interactive::list(
        "Elige",
        "Ver",
        vec![
            ListSection::new(None, vec![ListRow::new("a", "A")]),
            ListSection::new(None, vec![ListRow::new("b", "B")]),
        ],
    ));
    assert_eq!(
        msg(untitled).validate(),
        Err(ValidationError::Empty {
            field: "section title"
        })
    );
}

#[test]
fn coordinates_must_be_on_earth() {
    assert!(
        msg(Content::Location(Location::new(-34.6, -58.4)))
            .validate()
            .is_ok()
    );
    assert!(
        msg(Content::Location(Location::new(90.0, 180.0)))
            .validate()
            .is_ok()
    );
    assert_eq!(
        msg(Content::Location(Location::new(90.5, 0.0))).validate(),
        Err(ValidationError::Latitude(90.5))
    );
    assert_eq!(
        msg(Content::Location(Location::new(0.0, -180.1))).validate(),
        Err(ValidationError::Longitude(-180.1))
    );
    assert!(matches!(
        msg(Content::Location(Location::new(f64::NAN, 0.0))).validate(),
        Err(ValidationError::Latitude(_))
    ));
}

#[test]
fn templates_need_an_id() {
    assert!(
        msg(Content::Template(
            Template::named("order_update").with_variable("1", "42")
        ))
        .validate()
        .is_ok()
    );
    assert_eq!(
        msg(Content::Template(Template::named(" "))).validate(),
        Err(ValidationError::Empty {
            field: "template name"
        })
    );
    assert!(
        msg(Content::Template(Template::content_sid(
            "HX0123456789abcdef0123456789abcdef"
        )))
        .validate()
        .is_ok()
    );
    assert_eq!(
        msg(Content::Template(Template::with_id(" "))).validate(),
        Err(ValidationError::Empty {
            field: "template id"
        })
    );
    // The form of an id is the provider's to check, before any call: Twilio's are HX SIDs.
    let bad_sid = msg(Content::Template(Template::content_sid("HX123")));
    assert!(bad_sid.validate().is_ok());
    assert!(matches!(
        whatsapp_connector::twilio::MessageRequest::from_outbound(&bad_sid),
        Err(whatsapp_connector::Error::Invalid(
            ValidationError::Invalid {
                field: "content sid",
                ..
            }
        ))
    ));
    let mut many = Template::named("t");
    for i in 0..101 {
        many = many.with_variable(i.to_string(), "v");
    }
    assert!(matches!(
        msg(Content::Template(many)).validate(),
        Err(ValidationError::TooMany { max: 100, .. })
    ));
}

#[test]
fn url_button_needs_http() {
    let c = Content::Interactive(Interactive::url("Mira", "Abrir", "mailto:a@example.com"));
    assert!(matches!(
        msg(c).validate(),
        Err(ValidationError::NotHttpUrl { field: "url", .. })
    ));
    let ok =
        Interactive::url("Mira", "Abrir", "https://example.com/pedido/7").with_footer("Tienda");
    assert!(matches!(ok.action, InteractiveAction::Url { .. }));
    assert!(msg(Content::Interactive(ok)).validate().is_ok());
    let footer = Interactive::request_location("¿Dónde estás?").with_footer("x".repeat(61));
    assert!(matches!(
        msg(Content::Interactive(footer)).validate(),
        Err(ValidationError::TooLong {
            field: "interactive footer",
            ..
        })
    ));
}

#[test]
fn outbound_messages_round_trip_through_serde() {
    let m = OutboundMessage::new(
        to(),
        Content::Media(Media::new("https://example.com/a.pdf").with_filename("a.pdf")),
    )
    .with_reference("order-7");
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["content"]["type"], "media");
    assert_eq!(json["to"], "+14155550100");
    let back: OutboundMessage = serde_json::from_value(json).unwrap();
    assert_eq!(back, m);
}
