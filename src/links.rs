//! Click-to-chat links that open a WhatsApp chat with a number, optionally with a text typed
//! in.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::address::PhoneNumber;

/// Everything but the unreserved characters of RFC 3986 is encoded (a space is `%20`).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `https://wa.me/<digits>`, with `?text=<percent-encoded>` when a text is given.
///
/// ```
/// use whatsapp_connector::{links, PhoneNumber};
///
/// let n = PhoneNumber::parse("+14155550100").unwrap();
/// assert_eq!(links::wa_me(&n, None), "https://wa.me/14155550100");
/// assert_eq!(
///     links::wa_me(&n, Some("¿Hola & 50%?")),
///     "https://wa.me/14155550100?text=%C2%BFHola%20%26%2050%25%3F"
/// );
/// ```
pub fn wa_me(number: &PhoneNumber, text: Option<&str>) -> String {
    let mut link = format!("https://wa.me/{}", number.digits());
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        link.push_str("?text=");
        link.extend(utf8_percent_encode(t, COMPONENT));
    }
    link
}

/// `whatsapp://send?phone=<digits>`, with `&text=<percent-encoded>` when a text is given:
/// the app link, for devices with WhatsApp installed.
///
/// ```
/// use whatsapp_connector::{links, PhoneNumber};
///
/// let n = PhoneNumber::parse("+5491122223333").unwrap();
/// assert_eq!(
///     links::app_send(&n, Some("hola mundo")),
///     "whatsapp://send?phone=5491122223333&text=hola%20mundo"
/// );
/// ```
pub fn app_send(number: &PhoneNumber, text: Option<&str>) -> String {
    let mut link = format!("whatsapp://send?phone={}", number.digits());
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        link.push_str("&text=");
        link.extend(utf8_percent_encode(t, COMPONENT));
    }
    link
}

/// Percent-encodes one URL component (everything but `A-Z a-z 0-9 - . _ ~`).
#[cfg(feature = "mammut")]
pub(crate) fn encode_component(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}
