//! Phone numbers (E.164) and WhatsApp addresses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Shortest number of digits accepted in an E.164 number (country code included).
pub const MIN_DIGITS: usize = 7;
/// Longest number of digits E.164 allows (country code included).
pub const MAX_DIGITS: usize = 15;

/// Why a string is not an E.164 phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// Nothing (or only separators) was given.
    #[error("the phone number is empty")]
    Empty,
    /// A character that is neither a digit nor a separator (space, dash, dot, parenthesis).
    #[error("the phone number has an invalid character {character:?} at position {position}")]
    InvalidCharacter {
        /// The offending character.
        character: char,
        /// Its position (in characters) in the input.
        position: usize,
    },
    /// A `+` somewhere other than at the start.
    #[error("the phone number has a '+' that is not at the start")]
    MisplacedPlus,
    /// Fewer than [`MIN_DIGITS`] digits.
    #[error("the phone number has {digits} digits; E.164 needs at least {MIN_DIGITS}")]
    TooShort {
        /// How many digits were found.
        digits: usize,
    },
    /// More than [`MAX_DIGITS`] digits.
    #[error("the phone number has {digits} digits; E.164 allows at most {MAX_DIGITS}")]
    TooLong {
        /// How many digits were found.
        digits: usize,
    },
    /// The country code starts with 0.
    #[error("the phone number starts with 0; an E.164 country code starts with 1-9")]
    LeadingZero,
    /// The number was required in international form (`+` first) and was given without it.
    #[error("the phone number must start with '+' and the country code")]
    MissingPlus,
}

/// A phone number in E.164 form: `+`, then 7 to 15 digits, the first of them 1-9.
///
/// It parses the forms the providers and people use, and renders each form a provider wants:
///
/// ```
/// use whatsapp_connector::PhoneNumber;
///
/// let n: PhoneNumber = "whatsapp:+1 (415) 555-0100".parse().unwrap();
/// assert_eq!(n.e164(), "+14155550100");
/// assert_eq!(n.whatsapp(), "whatsapp:+14155550100"); // Twilio
/// assert_eq!(n.digits(), "14155550100"); // Botmaker, wa.me
/// assert_eq!(PhoneNumber::parse("5491122223333").unwrap().e164(), "+5491122223333");
/// assert!(PhoneNumber::parse("+0123456789").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber {
    /// `+` followed by the digits.
    e164: String,
}

impl PhoneNumber {
    /// Parses `+14155550100`, `whatsapp:+14155550100` or the digits-only form
    /// (`5491122223333`). Spaces, dashes, dots and parentheses are dropped.
    ///
    /// # Errors
    ///
    /// A [`PhoneNumberError`] says why the input is not a number:
    ///
    /// - [`Empty`](PhoneNumberError::Empty) when it holds no digits;
    /// - [`InvalidCharacter`](PhoneNumberError::InvalidCharacter) for a character that is neither a
    ///   digit nor a separator (letters included);
    /// - [`MisplacedPlus`](PhoneNumberError::MisplacedPlus) for a `+` after the first digit;
    /// - [`LeadingZero`](PhoneNumberError::LeadingZero) when the country code starts with 0;
    /// - [`TooShort`](PhoneNumberError::TooShort) or [`TooLong`](PhoneNumberError::TooLong) for
    ///   fewer than [`MIN_DIGITS`] or more than [`MAX_DIGITS`] digits.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        Self::parse_inner(input, false)
    }

    /// Like [`PhoneNumber::parse`], but the number must start with `+` (after an optional
    /// `whatsapp:` prefix). Use it for human input, where a number without its country code
    /// would otherwise be read as a different number.
    ///
    /// # Errors
    ///
    /// The errors of [`PhoneNumber::parse`], and [`PhoneNumberError::MissingPlus`] when the number
    /// does not start with `+`.
    pub fn parse_international(input: &str) -> Result<Self, PhoneNumberError> {
        Self::parse_inner(input, true)
    }

    fn parse_inner(input: &str, require_plus: bool) -> Result<Self, PhoneNumberError> {
        let trimmed = input.trim();
        let (offset, rest) = match strip_whatsapp_prefix(trimmed) {
            Some(rest) => (trimmed.chars().count() - rest.chars().count(), rest),
            None => (0, trimmed),
        };
        let mut digits = String::with_capacity(MAX_DIGITS + 1);
        let mut seen_plus = false;
        let mut seen_any = false;
        for (i, c) in rest.chars().enumerate() {
            match c {
                '0'..='9' => {
                    digits.push(c);
                    seen_any = true;
                }
                '+' if !seen_any && !seen_plus => seen_plus = true,
                '+' => return Err(PhoneNumberError::MisplacedPlus),
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => {
                    return Err(PhoneNumberError::InvalidCharacter {
                        character: c,
                        position: offset + i,
                    });
                }
            }
        }
        if digits.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        if require_plus && !seen_plus {
            return Err(PhoneNumberError::MissingPlus);
        }
        if digits.starts_with('0') {
            return Err(PhoneNumberError::LeadingZero);
        }
        if digits.len() < MIN_DIGITS {
            return Err(PhoneNumberError::TooShort {
                digits: digits.len(),
            });
        }
        if digits.len() > MAX_DIGITS {
            return Err(PhoneNumberError::TooLong {
                digits: digits.len(),
            });
        }
        digits.insert(0, '+');
        Ok(PhoneNumber { e164: digits })
    }

    /// `+` and the digits: `+14155550100`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The digits alone, as WhatsApp ids and wa.me links want them: `14155550100`.
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }

    /// The channel address: `whatsapp:+14155550100`.
    pub fn whatsapp(&self) -> String {
        format!("whatsapp:{}", self.e164)
    }
}

/// Strips a `whatsapp:` prefix (any letter case).
pub(crate) fn strip_whatsapp_prefix(s: &str) -> Option<&str> {
    const PREFIX: &str = "whatsapp:";
    if s.len() >= PREFIX.len()
        && s.is_char_boundary(PREFIX.len())
        && s[..PREFIX.len()].eq_ignore_ascii_case(PREFIX)
    {
        Some(&s[PREFIX.len()..])
    } else {
        None
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.e164)
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhoneNumber::parse(s)
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.e164)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        PhoneNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Why a string is not a WhatsApp address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// It looks like a phone number but is not a valid one.
    #[error(transparent)]
    Phone(#[from] PhoneNumberError),
    /// It is empty, or holds white space or control characters.
    #[error("the address is empty or holds white space or control characters")]
    Invalid,
}

/// Who a WhatsApp message is from or to: a phone number, or a provider's user id.
///
/// Twilio now sends business-scoped user ids such as `whatsapp:US.ABC123` where a phone number
/// used to be, so `whatsapp:` is not always followed by `+digits`.
///
/// ```
/// use whatsapp_connector::WhatsAppAddress;
///
/// let a = WhatsAppAddress::parse("whatsapp:+14155550100").unwrap();
/// assert_eq!(a.to_string(), "+14155550100");
/// let b = WhatsAppAddress::parse("whatsapp:US.ABC123").unwrap();
/// assert_eq!(b.to_string(), "US.ABC123");
/// assert_eq!(b.whatsapp(), "whatsapp:US.ABC123");
/// ```
///
/// In JSON (the event JSON, a serialized [`OutboundMessage`](crate::OutboundMessage)) an
/// address is one string: a phone number is written `+E164`, a user id as it is. Reading
/// JSON is the exact inverse, so write phone numbers with their `+`: `"14155550100"` reads
/// as a user id (a Botmaker contact on another platform may have an all-digit id), while
/// [`WhatsAppAddress::parse`], for human input, reads it as a number.
///
/// ```
/// use whatsapp_connector::WhatsAppAddress;
///
/// let phone: WhatsAppAddress = serde_json::from_str(r#""+14155550100""#).unwrap();
/// assert!(phone.phone().is_some());
/// let id: WhatsAppAddress = serde_json::from_str(r#""14155550100""#).unwrap();
/// assert_eq!(id, WhatsAppAddress::UserId("14155550100".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WhatsAppAddress {
    /// A phone number.
    Phone(PhoneNumber),
    /// A provider's user id, kept exactly as given (without a `whatsapp:` prefix).
    UserId(String),
}

impl WhatsAppAddress {
    /// Parses an address. After an optional `whatsapp:` prefix, something that looks like a
    /// number (only digits, `+` and separators) must be a valid E.164 number; anything else
    /// without white space is a user id.
    ///
    /// # Errors
    ///
    /// - [`AddressError::Phone`] when the input looks like a phone number (only digits, `+` and
    ///   separators) but is not a valid one; the [`PhoneNumberError`] it holds says why.
    /// - [`AddressError::Invalid`] when it is empty, or holds white space or control characters.
    pub fn parse(input: &str) -> Result<Self, AddressError> {
        let trimmed = input.trim();
        let rest = strip_whatsapp_prefix(trimmed).unwrap_or(trimmed);
        let looks_numeric = rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
        if looks_numeric && rest.chars().any(|c| c.is_ascii_digit()) {
            return Ok(WhatsAppAddress::Phone(PhoneNumber::parse(rest)?));
        }
        if rest.is_empty() || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(AddressError::Invalid);
        }
        Ok(WhatsAppAddress::UserId(rest.to_owned()))
    }

    /// The phone number, when the address is one.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            WhatsAppAddress::Phone(p) => Some(p),
            WhatsAppAddress::UserId(_) => None,
        }
    }

    /// The channel address: `whatsapp:+E164` or `whatsapp:<id>` (Twilio's `To` and
    /// `From`).
    pub fn whatsapp(&self) -> String {
        format!("whatsapp:{self}")
    }

    /// The WhatsApp id: digits only for a phone number, the id unchanged otherwise (Botmaker's
    /// `contactId`, where a leading `+` would address a different, empty chat).
    pub fn wa_id(&self) -> &str {
        match self {
            WhatsAppAddress::Phone(p) => p.digits(),
            WhatsAppAddress::UserId(id) => id,
        }
    }
}

impl From<PhoneNumber> for WhatsAppAddress {
    fn from(p: PhoneNumber) -> Self {
        WhatsAppAddress::Phone(p)
    }
}

impl fmt::Display for WhatsAppAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WhatsAppAddress::Phone(p) => f.write_str(p.e164()),
            WhatsAppAddress::UserId(id) => f.write_str(id),
        }
    }
}

impl FromStr for WhatsAppAddress {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WhatsAppAddress::parse(s)
    }
}

impl Serialize for WhatsAppAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl WhatsAppAddress {
    /// Reads the JSON form, the inverse of `Display`: a phone number is `+` and its E.164
    /// digits (`whatsapp:` before it is accepted too); any other string without white
    /// space is a user id, kept as it is, even when it is all digits. A string with white
    /// space is read as [`WhatsAppAddress::parse`] reads it (`"+1 415 555 0100"`).
    fn from_json_str(s: &str) -> Result<Self, AddressError> {
        let rest = strip_whatsapp_prefix(s).unwrap_or(s);
        if rest.starts_with('+') {
            if let Ok(p) = PhoneNumber::parse_international(rest) {
                if p.e164() == rest {
                    return Ok(WhatsAppAddress::Phone(p));
                }
            }
        }
        if !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            if rest.starts_with('+') {
                // `+` and something that is not a number in E.164 form.
                return WhatsAppAddress::parse(s);
            }
            return Ok(WhatsAppAddress::UserId(s.to_owned()));
        }
        WhatsAppAddress::parse(s)
    }
}

/// Reads what `Serialize` writes, exactly (see the type's docs): a phone number as
/// `+E164`, a user id as it is, so that an all-digit user id stays a user id.
impl<'de> Deserialize<'de> for WhatsAppAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        WhatsAppAddress::from_json_str(&s).map_err(serde::de::Error::custom)
    }
}
