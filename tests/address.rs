//! PhoneNumber and WhatsAppAddress: every parsing rule.

use whatsapp_connector::address::AddressError;
use whatsapp_connector::{PhoneNumber, PhoneNumberError, WhatsAppAddress};

#[test]
fn parses_every_accepted_form() {
    for input in [
        "+14155550100",
        "whatsapp:+14155550100",
        "WhatsApp:+14155550100",
        "14155550100",
        "+1 (415) 555-0100",
        "+1.415.555.0100",
        "  +14155550100  ",
    ] {
        let n = PhoneNumber::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(n.e164(), "+14155550100", "{input:?}");
    }
}

#[test]
fn renders_each_provider_form() {
    let n = PhoneNumber::parse("5491122223333").unwrap();
    assert_eq!(n.e164(), "+5491122223333");
    assert_eq!(n.to_string(), "+5491122223333");
    assert_eq!(n.whatsapp(), "whatsapp:+5491122223333");
    assert_eq!(n.digits(), "5491122223333");
}

#[test]
fn accepts_the_length_bounds() {
    assert_eq!(PhoneNumber::parse("+1234567").unwrap().digits().len(), 7);
    assert_eq!(
        PhoneNumber::parse("+123456789012345")
            .unwrap()
            .digits()
            .len(),
        15
    );
}

#[test]
fn rejects_each_rule_with_its_reason() {
    assert_eq!(PhoneNumber::parse(""), Err(PhoneNumberError::Empty));
    assert_eq!(PhoneNumber::parse(" - ( ) "), Err(PhoneNumberError::Empty));
    assert_eq!(
        PhoneNumber::parse("whatsapp:"),
        Err(PhoneNumberError::Empty)
    );
    assert_eq!(
        PhoneNumber::parse("+123456"),
        Err(PhoneNumberError::TooShort { digits: 6 })
    );
    assert_eq!(
        PhoneNumber::parse("+1234567890123456"),
        Err(PhoneNumberError::TooLong { digits: 16 })
    );
    assert_eq!(
        PhoneNumber::parse("+04155550100"),
        Err(PhoneNumberError::LeadingZero)
    );
    assert_eq!(
        PhoneNumber::parse("+1415555010a"),
        Err(PhoneNumberError::InvalidCharacter {
            character: 'a',
            position: 11
        })
    );
    assert_eq!(
        PhoneNumber::parse("whatsapp:+1415x"),
        Err(PhoneNumberError::InvalidCharacter {
            character: 'x',
            position: 14
        })
    );
    assert_eq!(
        PhoneNumber::parse("+1415+5550100"),
        Err(PhoneNumberError::MisplacedPlus)
    );
    assert_eq!(
        PhoneNumber::parse("++14155550100"),
        Err(PhoneNumberError::MisplacedPlus)
    );
    assert_eq!(
        PhoneNumber::parse_international("14155550100"),
        Err(PhoneNumberError::MissingPlus)
    );
    assert!(PhoneNumber::parse_international("whatsapp:+14155550100").is_ok());
}

#[test]
fn error_messages_say_what_is_wrong() {
    let e = PhoneNumber::parse("+123").unwrap_err().to_string();
    assert!(e.contains("3 digits") && e.contains("at least 7"), "{e}");
    let e = PhoneNumber::parse("+1415😀").unwrap_err().to_string();
    assert!(e.contains("invalid character"), "{e}");
}

#[test]
fn serde_uses_e164() {
    let n = PhoneNumber::parse("whatsapp:+14155550100").unwrap();
    assert_eq!(serde_json::to_string(&n).unwrap(), "\"+14155550100\"");
    let back: PhoneNumber = serde_json::from_str("\"+14155550100\"").unwrap();
    assert_eq!(back, n);
    assert!(serde_json::from_str::<PhoneNumber>("\"+1\"").is_err());
}

#[test]
fn addresses_are_numbers_or_user_ids() {
    let phone = WhatsAppAddress::parse("whatsapp:+14155550100").unwrap();
    assert_eq!(phone.phone().map(PhoneNumber::e164), Some("+14155550100"));
    assert_eq!(phone.whatsapp(), "whatsapp:+14155550100");
    assert_eq!(phone.wa_id(), "14155550100");

    let id = WhatsAppAddress::parse("whatsapp:US.ABC123").unwrap();
    assert_eq!(id, WhatsAppAddress::UserId("US.ABC123".into()));
    assert_eq!(id.whatsapp(), "whatsapp:US.ABC123");
    assert_eq!(id.to_string(), "US.ABC123");
    assert!(id.phone().is_none());

    assert_eq!(
        WhatsAppAddress::parse("whatsapp:ID.4566546130240823").unwrap(),
        WhatsAppAddress::UserId("ID.4566546130240823".into())
    );
}

#[test]
fn number_like_addresses_must_be_valid_numbers() {
    assert!(matches!(
        WhatsAppAddress::parse("whatsapp:+123"),
        Err(AddressError::Phone(PhoneNumberError::TooShort { .. }))
    ));
    assert_eq!(WhatsAppAddress::parse(""), Err(AddressError::Invalid));
    assert_eq!(
        WhatsAppAddress::parse("whatsapp:"),
        Err(AddressError::Invalid)
    );
    assert_eq!(WhatsAppAddress::parse("a b"), Err(AddressError::Invalid));
}

#[test]
fn address_serde_round_trips() {
    for s in ["\"+14155550100\"", "\"US.ABC123\""] {
        let a: WhatsAppAddress = serde_json::from_str(s).unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), s);
    }
}

#[test]
fn address_json_is_read_as_it_is_written() {
    let read =
        |s: &str| serde_json::from_str::<WhatsAppAddress>(&serde_json::to_string(s).unwrap());
    let phone = |s: &str| WhatsAppAddress::Phone(PhoneNumber::parse(s).unwrap());
    let id = |s: &str| WhatsAppAddress::UserId(s.to_owned());
    // An all-digit user id (a Botmaker contact on another platform) stays a user id,
    // though `parse`, for human input, reads the same text as a number.
    assert_eq!(read("14155550100").unwrap(), id("14155550100"));
    assert_eq!(
        WhatsAppAddress::parse("14155550100").unwrap(),
        phone("+14155550100")
    );
    // Phone numbers: as written, with the Twilio prefix, or with separators.
    assert_eq!(read("+14155550100").unwrap(), phone("+14155550100"));
    assert_eq!(
        read("whatsapp:+14155550100").unwrap(),
        phone("+14155550100")
    );
    assert_eq!(read("+1 415-555-0100").unwrap(), phone("+14155550100"));
    // A `+` form that is no valid number is an error, as in `parse`; so is nothing.
    assert!(matches!(
        read("+123").unwrap_err().to_string(),
        m if m.contains("digits")
    ));
    assert!(read("").is_err());
    assert!(read("a b").is_err());
    // Every one of these reads back as itself.
    for a in [
        id("14155550100"),
        id("0"),
        id("wc-8f2e91"),
        id("US.ABC123"),
        phone("+5491122223333"),
    ] {
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            serde_json::from_str::<WhatsAppAddress>(&json).unwrap(),
            a,
            "{json}"
        );
    }
}
