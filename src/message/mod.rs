//! Outbound messages, their validation, and the receipt a send returns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::address::WhatsAppAddress;
mod interactive;
mod reaction;
mod split;

pub use crate::error::ValidationError;
use crate::event::DeliveryStatus;
use crate::kind::ProviderKind;
pub use interactive::{Interactive, InteractiveAction, ListRow, ListSection, ReplyButton};
pub use reaction::validate_reaction;
pub use split::split_text;

/// A message to send: who to, what, and per-message options.
///
/// ```
/// use whatsapp_connector::{Content, OutboundMessage, PhoneNumber};
///
/// let to = PhoneNumber::parse("+14155550100").unwrap();
/// let msg = OutboundMessage::text(to, "hola");
/// assert!(msg.validate().is_ok());
/// assert!(matches!(msg.content, Content::Text { .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OutboundMessage {
    /// The recipient.
    pub to: WhatsAppAddress,
    /// What to send.
    pub content: Content,
    /// Where the provider should post delivery-status callbacks for this message (Twilio's
    /// `StatusCallback`). Providers without a per-message callback ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_callback: Option<String>,
    /// A reference of yours that the provider echoes in its notifications (Botmaker's
    /// `webhookPayload`). Providers without one ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

impl OutboundMessage {
    /// A message of any content.
    pub fn new(to: impl Into<WhatsAppAddress>, content: Content) -> Self {
        OutboundMessage {
            to: to.into(),
            content,
            status_callback: None,
            reference: None,
        }
    }

    /// A text message.
    pub fn text(to: impl Into<WhatsAppAddress>, body: impl Into<String>) -> Self {
        Self::new(to, Content::Text { body: body.into() })
    }

    /// Sets the status callback URL.
    pub fn with_status_callback(mut self, url: impl Into<String>) -> Self {
        self.status_callback = Some(url.into());
        self
    }

    /// Sets your reference, echoed back in notifications.
    pub fn with_reference(mut self, reference: impl Into<String>) -> Self {
        self.reference = Some(reference.into());
        self
    }

    /// Checks the message against WhatsApp's own limits ([`Limits::WHATSAPP`]).
    ///
    /// # Errors
    ///
    /// The errors of [`validate_with`](Self::validate_with), against [`Limits::WHATSAPP`].
    pub fn validate(&self) -> Result<(), ValidationError> {
        self.validate_with(&Limits::WHATSAPP)
    }

    /// Checks the message against a provider's limits. Providers call this before any
    /// network call.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the first problem found:
    ///
    /// - [`Empty`](ValidationError::Empty) for a blank text, template name, button list or other
    ///   required value;
    /// - [`TooLong`](ValidationError::TooLong) for a text, caption, button title or other text over
    ///   its limit;
    /// - [`TooMany`](ValidationError::TooMany) for too many buttons, sections, rows or template
    ///   variables;
    /// - [`NotHttpUrl`](ValidationError::NotHttpUrl) for a media URL, a URL button's link or the
    ///   status callback that is not `http` or `https`;
    /// - [`Latitude`](ValidationError::Latitude) or [`Longitude`](ValidationError::Longitude) for a
    ///   coordinate out of range;
    /// - [`Invalid`](ValidationError::Invalid) for a MIME type not of the form `type/subtype`, and
    ///   other values of the wrong form.
    pub fn validate_with(&self, limits: &Limits) -> Result<(), ValidationError> {
        if let Some(cb) = &self.status_callback {
            check_http_url("status_callback", cb)?;
        }
        self.content.validate_with(limits)
    }
}

/// Length limits that differ between providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Longest text body, in characters.
    pub max_text_chars: usize,
    /// Longest media caption, in characters.
    pub max_caption_chars: usize,
}

impl Limits {
    /// WhatsApp's own limits: 4,096 characters of text, 1,024 of caption.
    pub const WHATSAPP: Limits = Limits {
        max_text_chars: 4096,
        max_caption_chars: 1024,
    };
}

/// Most reply buttons WhatsApp shows.
pub const MAX_BUTTONS: usize = 3;
/// Most rows in a list message, over all its sections.
pub const MAX_LIST_ROWS: usize = 10;
/// Most sections in a list message.
pub const MAX_LIST_SECTIONS: usize = 10;
/// Most template variables a send may carry.
pub const MAX_TEMPLATE_VARIABLES: usize = 100;

/// What a message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum Content {
    /// Plain text.
    Text {
        /// The text.
        body: String,
    },
    /// An image, audio, video or document.
    Media(Media),
    /// An approved template (needed outside the 24-hour window).
    Template(Template),
    /// A location pin.
    Location(Location),
    /// Reply buttons, a list, a URL button or a location request.
    Interactive(Interactive),
}

impl Content {
    /// Checks the content against `limits`.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] for the first problem found:
    ///
    /// - [`Empty`](ValidationError::Empty) for a blank text, template name, button list or other
    ///   required value;
    /// - [`TooLong`](ValidationError::TooLong) for a text, caption, button title or other text over
    ///   its limit;
    /// - [`TooMany`](ValidationError::TooMany) for too many buttons, sections, rows or template
    ///   variables;
    /// - [`NotHttpUrl`](ValidationError::NotHttpUrl) for a media URL or a URL button's link that is
    ///   not `http` or `https`;
    /// - [`Latitude`](ValidationError::Latitude) or [`Longitude`](ValidationError::Longitude) for a
    ///   coordinate out of range;
    /// - [`Invalid`](ValidationError::Invalid) for a MIME type not of the form `type/subtype`, and
    ///   other values of the wrong form.
    pub fn validate_with(&self, limits: &Limits) -> Result<(), ValidationError> {
        match self {
            Content::Text { body } => {
                if body.trim().is_empty() {
                    return Err(ValidationError::Empty { field: "text" });
                }
                check_len("text", body, limits.max_text_chars)
            }
            Content::Media(m) => m.validate_with(limits),
            Content::Template(t) => t.validate(),
            Content::Location(l) => l.validate(),
            Content::Interactive(i) => i.validate(),
        }
    }

    /// A short name of the kind: `text`, `media`, `template`, `location`, `interactive`.
    pub fn kind(&self) -> &'static str {
        match self {
            Content::Text { .. } => "text",
            Content::Media(_) => "media",
            Content::Template(_) => "template",
            Content::Location(_) => "location",
            Content::Interactive(_) => "interactive",
        }
    }
}

/// A media attachment, sent by URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Media {
    /// A public `http` or `https` URL the provider fetches.
    pub url: String,
    /// The MIME type (`image/jpeg`); Botmaker needs it, Twilio reads it from the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// A caption shown under the media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// A file name, for documents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl Media {
    /// Media at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        Media {
            url: url.into(),
            mime_type: None,
            caption: None,
            filename: None,
        }
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Sets the caption.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Sets the file name.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    fn validate_with(&self, limits: &Limits) -> Result<(), ValidationError> {
        check_http_url("media url", &self.url)?;
        if let Some(c) = &self.caption {
            check_len(
                "caption",
                c,
                limits.max_caption_chars.min(limits.max_text_chars),
            )?;
        }
        if let Some(m) = &self.mime_type {
            let ok = m
                .split_once('/')
                .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty() && !m.contains(' '));
            if !ok {
                return Err(ValidationError::Invalid {
                    field: "mime_type",
                    reason: format!("{m:?} is not a MIME type such as image/jpeg"),
                });
            }
        }
        Ok(())
    }
}

/// Which template to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TemplateId {
    /// A template (or Botmaker intent) by name.
    Name(String),
    /// A template by the provider's own id for it (a Twilio Content SID, `HX` and 32
    /// hexadecimal digits). Each provider checks the form of its ids before any call.
    #[serde(alias = "content_sid")]
    Id(String),
}

/// An approved template with its variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Template {
    /// Which template.
    pub id: TemplateId,
    /// Values for its placeholders, by name or position (`"1"`, `"2"`, …).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// The language code (`es`, `en_US`), where the provider needs it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Template {
    /// A template by name.
    pub fn named(name: impl Into<String>) -> Self {
        Template {
            id: TemplateId::Name(name.into()),
            variables: BTreeMap::new(),
            language: None,
        }
    }

    /// A template by the provider's own id for it.
    pub fn with_id(id: impl Into<String>) -> Self {
        Template {
            id: TemplateId::Id(id.into()),
            variables: BTreeMap::new(),
            language: None,
        }
    }

    /// Adds a variable.
    pub fn with_variable(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(key.into(), value.into());
        self
    }

    /// Sets the language.
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    fn validate(&self) -> Result<(), ValidationError> {
        match &self.id {
            TemplateId::Name(n) if n.trim().is_empty() => {
                return Err(ValidationError::Empty {
                    field: "template name",
                });
            }
            TemplateId::Id(id) if id.trim().is_empty() => {
                return Err(ValidationError::Empty {
                    field: "template id",
                });
            }
            _ => {}
        }
        if self.variables.len() > MAX_TEMPLATE_VARIABLES {
            return Err(ValidationError::TooMany {
                field: "template variables",
                count: self.variables.len(),
                max: MAX_TEMPLATE_VARIABLES,
            });
        }
        if self.variables.keys().any(|k| k.is_empty()) {
            return Err(ValidationError::Empty {
                field: "template variable name",
            });
        }
        Ok(())
    }
}

/// A location pin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Location {
    /// Degrees north, -90 to 90.
    pub latitude: f64,
    /// Degrees east, -180 to 180.
    pub longitude: f64,
    /// The place's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Location {
    /// A pin at the given coordinates.
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Location {
            latitude,
            longitude,
            name: None,
            address: None,
        }
    }

    /// Sets the name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the address.
    pub fn with_address(mut self, address: impl Into<String>) -> Self {
        self.address = Some(address.into());
        self
    }

    fn validate(&self) -> Result<(), ValidationError> {
        if !(self.latitude.is_finite() && (-90.0..=90.0).contains(&self.latitude)) {
            return Err(ValidationError::Latitude(self.latitude));
        }
        if !(self.longitude.is_finite() && (-180.0..=180.0).contains(&self.longitude)) {
            return Err(ValidationError::Longitude(self.longitude));
        }
        Ok(())
    }
}

pub(super) fn non_empty(field: &'static str, s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        Err(ValidationError::Empty { field })
    } else {
        Ok(())
    }
}

pub(super) fn check_len(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    let chars = s.chars().count();
    if chars > max {
        Err(ValidationError::TooLong { field, chars, max })
    } else {
        Ok(())
    }
}

/// `s` as an `http(s)` URL, or the validation error naming `field`.
pub(crate) fn check_http_url(field: &'static str, s: &str) -> Result<url::Url, ValidationError> {
    crate::urls::http_url(s).ok_or_else(|| ValidationError::NotHttpUrl {
        field,
        url: s.to_owned(),
    })
}

/// What a provider answered to a send.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendReceipt {
    /// The provider that took the message.
    pub provider: ProviderKind,
    /// The provider's id for it (Twilio's `SM…` SID, Botmaker's `webhookNotificationId`).
    pub message_id: String,
    /// Its status as the provider reported it (`queued`, `accepted`, …).
    pub status: DeliveryStatus,
    /// The provider's whole answer.
    pub raw: serde_json::Value,
}

impl SendReceipt {
    /// A receipt.
    pub fn new(
        provider: ProviderKind,
        message_id: impl Into<String>,
        status: DeliveryStatus,
        raw: serde_json::Value,
    ) -> Self {
        SendReceipt {
            provider,
            message_id: message_id.into(),
            status,
            raw,
        }
    }
}
