//! The raw parameters of a webhook, decoded, in the order received.

use std::fmt;

use crate::error::ParseError;
use crate::event::InboundEvent;
use crate::provider::WebhookRequest;

use super::form::{Span, decode_form};
use super::{InboundParams, StatusParams, Webhook};

/// The parameters of a webhook, decoded, in the order received, unknown ones included.
///
/// `Debug` lists the names only: values carry message text and phone numbers.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Params {
    /// Every name and value, decoded, one after the other.
    pub(super) text: String,
    pub(super) spans: Vec<Span>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("names", &self.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

/// The business number a webhook names: `To` of an inbound message, `From` of a status
/// callback. `None` when the request is not a form Twilio would send.
pub(crate) fn business_address(request: &WebhookRequest) -> Option<String> {
    let params = super::FormPairs::from_request(request).ok()?;
    let name = if params.get("MessageStatus").is_some() {
        "From"
    } else {
        "To"
    };
    params.get(name).map(str::to_owned)
}

impl Params {
    /// Decodes a form body. An error names the parameter that is not valid form encoding
    /// or not UTF-8.
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidField`] naming the parameter when it has a `%` not followed by two
    /// hexadecimal digits, or is not UTF-8 once decoded.
    pub fn from_form(body: &[u8]) -> Result<Self, ParseError> {
        Ok(decode_form(body)?)
    }

    /// Decodes a query string (without its `?`).
    ///
    /// # Errors
    ///
    /// The errors of [`from_form`](Self::from_form).
    pub fn from_query(query: &str) -> Result<Self, ParseError> {
        Self::from_form(query.as_bytes())
    }

    /// The parameters of a webhook request: the query string of a `GET`, else the form
    /// body. A body that is not a form (JSON, for one) is
    /// [`ParseError::UnsupportedContentType`]; a missing content type is read as a form.
    ///
    /// # Errors
    ///
    /// [`ParseError::UnsupportedContentType`] for a body whose content type is not
    /// `application/x-www-form-urlencoded`; otherwise the errors of [`from_form`](Self::from_form).
    pub fn from_request(request: &WebhookRequest) -> Result<Self, ParseError> {
        if request.method() == http::Method::GET {
            return Self::from_query(request.query().unwrap_or(""));
        }
        // The content type by its predefined header name: no name to parse and hash.
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim());
        match content_type {
            None | Some("") => Self::from_form(request.body()),
            Some(ct) if ct.eq_ignore_ascii_case("application/x-www-form-urlencoded") => {
                Self::from_form(request.body())
            }
            Some(ct) => Err(ParseError::UnsupportedContentType {
                content_type: ct.to_owned(),
            }),
        }
    }

    /// Parameters from name-value pairs, in order.
    pub fn from_pairs<K, V, I>(pairs: I) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut params = Params::default();
        for (k, v) in pairs {
            let name_start = params.text.len();
            params.text.push_str(k.as_ref());
            let name_end = params.text.len();
            params.text.push_str(v.as_ref());
            params.spans.push(Span {
                name_start,
                name_end,
                value_end: params.text.len(),
            });
        }
        params
    }

    fn pair(&self, s: &Span) -> (&str, &str) {
        (
            self.text.get(s.name_start..s.name_end).unwrap_or_default(),
            self.text.get(s.name_end..s.value_end).unwrap_or_default(),
        )
    }

    /// Every parameter, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|s| self.pair(s))
    }

    /// The first value of `name` (names are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        // Names compared as bytes: no character-boundary checks for the names passed over.
        let bytes = self.text.as_bytes();
        self.spans
            .iter()
            .find(|s| bytes.get(s.name_start..s.name_end) == Some(name.as_bytes()))
            .map(|s| self.pair(s).1)
    }

    /// Every value of `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.iter().filter(move |(k, _)| *k == name).map(|(_, v)| v)
    }

    /// How many parameters there are (repeats counted).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// True for a status callback (it carries `MessageStatus`), false for an inbound
    /// message.
    pub fn is_status_callback(&self) -> bool {
        self.get("MessageStatus").is_some()
    }

    /// The typed view: a status callback when `MessageStatus` is present, else an inbound
    /// message.
    ///
    /// # Errors
    ///
    /// The errors of [`StatusParams::from_params`] for a status callback, else those of
    /// [`InboundParams::from_params`].
    pub fn typed(&self) -> Result<Webhook<'_>, ParseError> {
        if self.is_status_callback() {
            StatusParams::from_params(self).map(|p| Webhook::Status(Box::new(p)))
        } else {
            InboundParams::from_params(self).map(|p| Webhook::Inbound(Box::new(p)))
        }
    }

    /// The normalized events: one message or one status change.
    ///
    /// # Errors
    ///
    /// The errors of [`typed`](Self::typed), then those of [`StatusParams::to_status`] or
    /// [`InboundParams::to_message`].
    pub fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        let event = if self.is_status_callback() {
            InboundEvent::Status(StatusParams::from_params(self)?.to_status()?)
        } else {
            InboundEvent::Message(InboundParams::from_params(self)?.to_message()?)
        };
        Ok(vec![event])
    }
}
