//! The Messages API request: [`MessageRequest`], its parameters in order, and the mapping
//! from a neutral [`OutboundMessage`].

use serde_json::Value;

use super::Sender;
use crate::address::WhatsAppAddress;
use crate::error::Error;
use crate::message::{
    Content, Limits, Location, OutboundMessage, Template, TemplateId, ValidationError,
};
use crate::provider::ProviderKind;

const TWILIO: ProviderKind = ProviderKind::TWILIO;

/// The form of one Messages API call: the recipient and the parameters, in order.
///
/// [`TwilioProvider::send`](crate::WhatsAppProvider::send) builds one from an
/// [`OutboundMessage`]; build one yourself for what the neutral message does not hold
/// (several media URLs, other Messages API parameters).
///
/// ```
/// use whatsapp_connector::twilio::MessageRequest;
/// use whatsapp_connector::WhatsAppAddress;
///
/// let to = WhatsAppAddress::parse("whatsapp:+14155550100").unwrap();
/// let req = MessageRequest::new(to)
///     .body("Two photos")
///     .media_url("https://example.com/a.jpg")
///     .media_url("https://example.com/b.jpg");
/// assert_eq!(req.params()[1], ("MediaUrl".to_string(), "https://example.com/a.jpg".to_string()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    to: WhatsAppAddress,
    params: Vec<(String, String)>,
}

impl MessageRequest {
    /// A message to `to` with no content yet.
    pub fn new(to: WhatsAppAddress) -> Self {
        MessageRequest {
            to,
            params: Vec::new(),
        }
    }

    /// The recipient.
    pub fn to(&self) -> &WhatsAppAddress {
        &self.to
    }

    /// The parameters other than `To` and the sender, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Adds any Messages API parameter (`ValidityPeriod`, `ShortenUrls`, …). A repeated
    /// name is sent repeated.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sets `Body`: the text, or a media caption (at most 1,600 characters).
    pub fn body(self, body: impl Into<String>) -> Self {
        self.param("Body", body)
    }

    /// Adds a `MediaUrl` (repeat it for several).
    pub fn media_url(self, url: impl Into<String>) -> Self {
        self.param("MediaUrl", url)
    }

    /// Sets `ContentSid` (a Content template, `HX…`).
    pub fn content_sid(self, sid: impl Into<String>) -> Self {
        self.param("ContentSid", sid)
    }

    /// Sets `ContentVariables`: the template's variables as a JSON object, sent as a
    /// string.
    pub fn content_variables<'a, I>(self, variables: I) -> Self
    where
        I: IntoIterator<Item = (&'a String, &'a String)>,
    {
        let map: serde_json::Map<String, Value> = variables
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.param("ContentVariables", Value::Object(map).to_string())
    }

    /// Adds a `PersistentAction` (`geo:LAT,LON|LABEL` for a location).
    pub fn persistent_action(self, action: impl Into<String>) -> Self {
        self.param("PersistentAction", action)
    }

    /// Sets `StatusCallback`: where Twilio posts this message's status changes.
    pub fn status_callback(self, url: impl Into<String>) -> Self {
        self.param("StatusCallback", url)
    }

    /// The request for a neutral message: validated against Twilio's limits, and refused
    /// with [`Error::Unsupported`] for interactive content (which needs a Content resource
    /// created first: [`TwilioProvider::send`](crate::WhatsAppProvider::send) does that) and
    /// templates by name (Twilio sends Content templates by `HX…` SID).
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when the message breaks Twilio's limits
    ///   ([`OutboundMessage::validate_with`] with [`Limits::TWILIO`]), when a template id is not a
    ///   Content SID (`HX` and 32 hexadecimal digits), or when the status callback's host name
    ///   holds an underscore, which Twilio refuses.
    /// - [`Error::Unsupported`] for interactive content and for templates by name.
    pub fn from_outbound(message: &OutboundMessage) -> Result<Self, Error> {
        message.validate_with(&Limits::TWILIO)?;
        let req = MessageRequest::new(message.to.clone());
        let req = match &message.content {
            Content::Text { body } => req.body(body.clone()),
            Content::Media(m) => {
                let req = match &m.caption {
                    Some(c) if !c.is_empty() => req.body(c.clone()),
                    _ => req,
                };
                req.media_url(m.url.clone())
            }
            Content::Template(t) => req.template(t)?,
            Content::Location(l) => req.location(l),
            Content::Interactive(_) => {
                return Err(Error::Unsupported {
                    provider: TWILIO,
                    what: "interactive messages as a single request (TwilioProvider::send creates their Content resource first)",
                });
            }
        };
        match &message.status_callback {
            Some(cb) => Ok(req.status_callback(checked_callback(cb)?)),
            None => Ok(req),
        }
    }

    /// The request that sends `message` as the Content resource `sid` (an interactive
    /// message turned into content), with its status callback.
    pub(crate) fn for_content_sid(message: &OutboundMessage, sid: String) -> Result<Self, Error> {
        let req = MessageRequest::new(message.to.clone()).content_sid(sid);
        match &message.status_callback {
            Some(cb) => Ok(req.status_callback(checked_callback(cb)?)),
            None => Ok(req),
        }
    }

    /// A Content template: its `HX…` SID, and its variables when it has any.
    fn template(self, t: &Template) -> Result<Self, Error> {
        let TemplateId::Id(sid) = &t.id else {
            return Err(Error::Unsupported {
                provider: TWILIO,
                what: "templates by name (Twilio sends Content templates by their HX… SID)",
            });
        };
        if !super::is_sid(sid, "HX") {
            return Err(ValidationError::Invalid {
                field: "content sid",
                reason: "must be HX followed by 32 hexadecimal digits".into(),
            }
            .into());
        }
        let req = self.content_sid(sid.clone());
        Ok(if t.variables.is_empty() {
            req
        } else {
            req.content_variables(&t.variables)
        })
    }

    /// A location: `PersistentAction=geo:LAT,LON|LABEL`, and a `Body` (Twilio needs one;
    /// the address, or the name, reads best).
    fn location(self, l: &Location) -> Self {
        let label = l.name.as_deref().or(l.address.as_deref());
        let mut action = format!("geo:{},{}", l.latitude, l.longitude);
        if let Some(label) = label {
            action.push('|');
            action.push_str(label);
        }
        let body = l
            .address
            .clone()
            .or_else(|| l.name.clone())
            .unwrap_or_else(|| format!("{}, {}", l.latitude, l.longitude));
        self.body(body).persistent_action(action)
    }

    /// What the request sends, for logs: `template`, `media`, `location` or `text`.
    pub(crate) fn kind(&self) -> &'static str {
        let has = |name: &str| self.params.iter().any(|(k, _)| k == name);
        if has("ContentSid") {
            "template"
        } else if has("MediaUrl") {
            "media"
        } else if has("PersistentAction") {
            "location"
        } else {
            "text"
        }
    }

    /// The form body, with `To` and the sender first, encoded straight into one buffer.
    pub(crate) fn encode(&self, sender: &Sender) -> String {
        use std::fmt::Write as _;
        // Most characters encode as themselves: the raw lengths plus room for a few escapes.
        let raw: usize = self.params.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
        let mut body = String::with_capacity(raw + 128);
        // `whatsapp:` addresses are written into one scratch buffer, sized once.
        let mut address = String::with_capacity(48);
        let mut form = url::form_urlencoded::Serializer::new(&mut body);
        let _ = write!(address, "whatsapp:{}", self.to);
        form.append_pair("To", &address);
        match sender {
            Sender::From(a) => {
                address.clear();
                let _ = write!(address, "whatsapp:{a}");
                form.append_pair("From", &address)
            }
            Sender::MessagingService(sid) => form.append_pair("MessagingServiceSid", sid),
        };
        for (k, v) in &self.params {
            form.append_pair(k, v);
        }
        form.finish();
        body
    }
}

/// A status callback URL Twilio accepts: it refuses one whose host name has an underscore.
fn checked_callback(cb: &str) -> Result<String, Error> {
    let host = url::Url::parse(cb)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned));
    if host.is_some_and(|h| h.contains('_')) {
        return Err(Error::Invalid(ValidationError::Invalid {
            field: "status_callback",
            reason: "Twilio does not accept an underscore in its host name".into(),
        }));
    }
    Ok(cb.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_encoded_as_serde_urlencoded_encodes_it() {
        let to = WhatsAppAddress::parse("whatsapp:+14155550100").unwrap();
        let from = WhatsAppAddress::parse("whatsapp:+14155238886").unwrap();
        let req = MessageRequest::new(to)
            .body("Café & crème = 100% + más?\nsí")
            .media_url("https://example.com/a b.jpg?x=1&y=2")
            .param("ContentVariables", r#"{"1":"ñ"}"#);
        let reference = |sender: (&str, String)| {
            let mut form: Vec<(&str, String)> =
                vec![("To", "whatsapp:+14155550100".into()), sender];
            form.extend(req.params().iter().map(|(k, v)| (k.as_str(), v.clone())));
            serde_urlencoded::to_string(&form).unwrap()
        };
        assert_eq!(
            req.encode(&Sender::From(from)),
            reference(("From", "whatsapp:+14155238886".into()))
        );
        let service = Sender::MessagingService("MG0123".into());
        assert_eq!(
            req.encode(&service),
            reference(("MessagingServiceSid", "MG0123".into()))
        );
        assert!(
            req.encode(&service)
                .starts_with("To=whatsapp%3A%2B14155550100&")
        );
    }
}
