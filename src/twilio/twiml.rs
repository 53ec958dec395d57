//! TwiML answers to Twilio's inbound-message webhook.
//!
//! Twilio expects TwiML (`Content-Type: text/xml`) in the answer to an inbound message: the
//! empty `<Response/>` when the bot answers later through the API (or not at all), or a
//! `<Message>` to reply at once. Status callbacks need only an HTTP 200.
//!
//! ```
//! use whatsapp_connector::twilio::twiml;
//!
//! assert_eq!(twiml::empty(), r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#);
//! assert_eq!(
//!     twiml::message("Tom & Jerry <3"),
//!     r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>Tom &amp; Jerry &lt;3</Message></Response>"#
//! );
//! ```

/// The content type of a TwiML answer.
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// The empty answer: no reply.
pub fn empty() -> &'static str {
    r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#
}

/// An answer that replies with one text message.
pub fn message(body: &str) -> String {
    Response::new().message(body).to_xml()
}

/// A TwiML answer of one or more messages, each with text and optional media URLs.
///
/// ```
/// use whatsapp_connector::twilio::twiml::Response;
///
/// let xml = Response::new()
///     .message_with_media("Your receipt", ["https://example.com/r.pdf?a=1&b=2"])
///     .to_xml();
/// assert!(xml.ends_with("<Response><Message><Body>Your receipt</Body>\
///     <Media>https://example.com/r.pdf?a=1&amp;b=2</Media></Message></Response>"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    messages: Vec<(String, Vec<String>)>,
}

impl Response {
    /// An answer with no messages yet (it renders as `<Response/>`).
    pub fn new() -> Self {
        Response::default()
    }

    /// Adds a text message.
    pub fn message(mut self, body: impl Into<String>) -> Self {
        self.messages.push((body.into(), Vec::new()));
        self
    }

    /// Adds a message with media (the text may be empty).
    pub fn message_with_media<I, S>(mut self, body: impl Into<String>, media_urls: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.messages.push((
            body.into(),
            media_urls.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// The XML document, every text escaped.
    pub fn to_xml(&self) -> String {
        if self.messages.is_empty() {
            return empty().to_owned();
        }
        let mut xml = String::from(DECLARATION);
        xml.push_str("<Response>");
        for (body, media) in &self.messages {
            xml.push_str("<Message>");
            if media.is_empty() {
                push_escaped(&mut xml, body);
            } else {
                if !body.is_empty() {
                    xml.push_str("<Body>");
                    push_escaped(&mut xml, body);
                    xml.push_str("</Body>");
                }
                for url in media {
                    xml.push_str("<Media>");
                    push_escaped(&mut xml, url);
                    xml.push_str("</Media>");
                }
            }
            xml.push_str("</Message>");
        }
        xml.push_str("</Response>");
        xml
    }
}

/// Appends `text` escaped for XML content and attributes. Characters XML 1.0 cannot hold
/// (control characters other than tab, line feed and carriage return) are dropped.
fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_drops_what_xml_cannot_hold() {
        let xml = message("a<b>&\"c'\u{0}\u{7}\td\u{ffff}ñ");
        assert!(xml.contains("<Message>a&lt;b&gt;&amp;&quot;c&apos;\tdñ</Message>"));
        assert_eq!(Response::new().to_xml(), empty());
    }
}
