//! Botmaker's sending APIs: the typed v2 request bodies, the legacy v1 bodies, the mapping
//! from [`Content`], and the HTTP exchange with its error parsing and safe retries.
//!
//! Answers are read under a cap: a success answer past 1 MiB is not read (for a send, the
//! message may have been sent: [`Error::MaybeSent`]), and an error answer's body is kept up
//! to its first 64 KiB.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::address::WhatsAppAddress;
use crate::body::{MAX_ERROR_BODY, MAX_SUCCESS_BODY, read_capped};
use crate::error::{ApiError, ApiErrorKind, ConfigError, Error, ParseError, excerpt};
use crate::event::{DeliveryStatus, Timestamp};
use crate::message::SendReceipt;
use crate::message::{
    Content, Interactive, InteractiveAction, Location, Media, Template, TemplateId, ValidationError,
};
use crate::provider::ProviderKind;
use crate::retry::{RetryPolicy, parse_retry_after, run_with_retries};
use crate::secret::Secret;

use super::webhook::parse_time;

/// Botmaker's current API.
pub const V2_BASE_URL: &str = "https://api.botmaker.com/v2.0";
/// Botmaker's legacy API.
pub const V1_BASE_URL: &str = "https://go.botmaker.com/api/v1.0";
/// The header that carries the API access token.
pub const ACCESS_TOKEN_HEADER: &str = "access-token";

/// The media types Botmaker's v2 API accepts in `media.mimeType`.
pub const MIME_TYPES: [&str; 12] = [
    "image/jpeg",
    "image/png",
    "audio/aac",
    "audio/ogg",
    "audio/mp4",
    "audio/amr",
    "audio/mpeg",
    "application/pdf",
    "file/pdf",
    "file/vnd.ms-excel",
    "video/mp4",
    "video/3gpp",
];

/// Which Botmaker API a provider sends through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ApiVersion {
    /// API v2.0 (`https://api.botmaker.com/v2.0`): `/chats-actions/send-messages` and
    /// `/chats-actions/trigger-intent`. The default.
    #[default]
    V2,
    /// The legacy API v1.0 (`https://go.botmaker.com/api/v1.0`): `/message/v3` and
    /// `/intent/v2`. It sends text, media and templates only.
    V1,
}

impl ApiVersion {
    /// The version's public base URL.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ApiVersion::V2 => V2_BASE_URL,
            ApiVersion::V1 => V1_BASE_URL,
        }
    }
}

// ---------------------------------------------------------------------------------------
// v2 request bodies.

/// Which chat a v2 request is for: a channel and a contact, or Botmaker's chat id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ChatRef {
    /// A channel (`acme-whatsapp-5491100000000`, or the line's number) and the user's
    /// contact id (on WhatsApp the phone number's digits, without `+`).
    Contact {
        /// The channel id.
        #[serde(rename = "channelId")]
        channel_id: String,
        /// The contact id.
        #[serde(rename = "contactId")]
        contact_id: String,
    },
    /// Botmaker's chat id (the webhook's `customerId`).
    Chat {
        /// The chat id.
        #[serde(rename = "chatId")]
        chat_id: String,
    },
}

impl ChatRef {
    /// A channel and a WhatsApp address; a phone number becomes digits only, because a
    /// leading `+` addresses a different, empty chat.
    pub fn contact(channel_id: impl Into<String>, to: &WhatsAppAddress) -> Self {
        ChatRef::Contact {
            channel_id: channel_id.into(),
            contact_id: to.wa_id().to_owned(),
        }
    }

    /// A chat by Botmaker's chat id.
    pub fn chat_id(chat_id: impl Into<String>) -> Self {
        ChatRef::Chat {
            chat_id: chat_id.into(),
        }
    }
}

/// The body of `POST /chats-actions/send-messages`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct MessagesRequest {
    /// The chat.
    pub chat: ChatRef,
    /// The messages, sent in order.
    pub messages: Vec<V2Message>,
}

impl MessagesRequest {
    /// A request for `chat`.
    pub fn new(chat: ChatRef, messages: Vec<V2Message>) -> Self {
        MessagesRequest { chat, messages }
    }
}

/// One message of a v2 send. Every part is optional; Botmaker sends what is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct V2Message {
    /// Text (`*bold*`, `_italic_`); with media, the caption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Quick buttons that trigger intents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<IntentButton>,
    /// An attachment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<V2Media>,
    /// A location pin.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<V2Location>,
    /// A contact card (WhatsApp only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<V2Contact>,
    /// An interactive message (WhatsApp only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whatsapp_interactive: Option<V2Interactive>,
    /// Your reference, echoed in webhook notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_payload: Option<String>,
}

/// A button that triggers a Botmaker intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IntentButton {
    /// The label.
    pub label: String,
    /// The intent's name or id.
    pub intent: String,
}

impl IntentButton {
    /// A button.
    pub fn new(label: impl Into<String>, intent: impl Into<String>) -> Self {
        IntentButton {
            label: label.into(),
            intent: intent.into(),
        }
    }
}

/// An attachment of a v2 message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct V2Media {
    /// One of [`MIME_TYPES`].
    pub mime_type: String,
    /// Where Botmaker fetches it.
    pub url: String,
    /// The file name shown for documents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl V2Media {
    /// An attachment; `mime_type` should be one of [`MIME_TYPES`].
    pub fn new(mime_type: impl Into<String>, url: impl Into<String>) -> Self {
        V2Media {
            mime_type: mime_type.into(),
            url: url.into(),
            filename: None,
        }
    }

    /// Sets the file name.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }
}

/// A location of a v2 message. Botmaker wants the coordinates as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2Location {
    /// Degrees north.
    pub latitude: String,
    /// Degrees east.
    pub longitude: String,
    /// The place's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl From<&Location> for V2Location {
    fn from(l: &Location) -> Self {
        V2Location {
            latitude: l.latitude.to_string(),
            longitude: l.longitude.to_string(),
            name: l.name.clone(),
            address: l.address.clone(),
        }
    }
}

/// A contact card of a v2 message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct V2Contact {
    /// First name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Last name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// E-mail addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    /// Phone numbers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
}

impl V2Contact {
    /// A contact with a first name.
    pub fn new(first_name: impl Into<String>) -> Self {
        V2Contact {
            first_name: Some(first_name.into()),
            ..Self::default()
        }
    }

    /// Sets the last name.
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// Adds a phone number.
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phones.push(phone.into());
        self
    }

    /// Adds an e-mail address.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.emails.push(email.into());
        self
    }
}

/// A v2 `whatsappInteractive` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2Interactive {
    /// The header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<V2Header>,
    /// The body text.
    pub body: String,
    /// The footer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<String>,
    /// What the user can do.
    pub action: V2Action,
}

impl V2Interactive {
    /// An interactive message with a body and an action.
    pub fn new(body: impl Into<String>, action: V2Action) -> Self {
        V2Interactive {
            header: None,
            body: body.into(),
            footer: None,
            action,
        }
    }
}

/// The header of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2Header {
    /// `text`, `image`, `video` or `document`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text, or the media URL.
    pub content: String,
}

impl V2Header {
    /// A text header.
    pub fn text(content: impl Into<String>) -> Self {
        V2Header {
            kind: "text".into(),
            content: content.into(),
        }
    }
}

/// The action of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
#[non_exhaustive]
pub enum V2Action {
    /// One button that opens a URL.
    Url {
        /// The URL.
        #[serde(rename = "urlLink")]
        url_link: String,
        /// The button's label.
        label: String,
    },
    /// Up to three buttons, each triggering an intent.
    Intent {
        /// The buttons.
        buttons: Vec<IntentButton>,
    },
    /// Asks the user to share a location (no header or footer allowed).
    RequestLocation,
    /// A list of up to ten rows behind a button.
    List {
        /// The label of the button that opens the list (at most 20 characters).
        button: String,
        /// The sections.
        sections: Vec<V2Section>,
    },
}

/// A section of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2Section {
    /// The title (needed when there are several sections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The rows.
    pub rows: Vec<V2Row>,
}

impl V2Section {
    /// A section.
    pub fn new(title: Option<String>, rows: Vec<V2Row>) -> Self {
        V2Section { title, rows }
    }
}

/// A row of a list. Its `id` comes back in the webhook as `buttonPayload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct V2Row {
    /// The id (at most 200 characters).
    pub id: String,
    /// The title (at most 24 characters).
    pub title: String,
    /// The description (at most 72 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl V2Row {
    /// A row.
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        V2Row {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }
}

/// The body of `POST /chats-actions/trigger-intent`: runs an intent, or sends an approved
/// WhatsApp template, in a chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TriggerIntentRequest {
    /// The chat.
    pub chat: ChatRef,
    /// The intent's (or template's) name or id.
    pub intent_id_or_name: String,
    /// Variables set before the intent runs: a template's parameters.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// Tags set before the intent runs.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, bool>,
    /// Your reference, echoed in webhook notifications.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_payload: Option<String>,
    /// An intent to run after this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_action_intent_id_or_name: Option<String>,
}

impl TriggerIntentRequest {
    /// Triggers `intent` in `chat`.
    pub fn new(chat: ChatRef, intent: impl Into<String>) -> Self {
        TriggerIntentRequest {
            chat,
            intent_id_or_name: intent.into(),
            variables: BTreeMap::new(),
            tags: BTreeMap::new(),
            webhook_payload: None,
            post_action_intent_id_or_name: None,
        }
    }

    /// Sets a variable.
    pub fn with_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }
}

// ---------------------------------------------------------------------------------------
// From neutral content to Botmaker's bodies.

/// The MIME type to send `media` with: the given one if Botmaker accepts it, else one
/// inferred from the URL's extension.
pub fn media_mime_type(media: &Media) -> Result<&'static str, ValidationError> {
    if let Some(given) = &media.mime_type {
        let wanted = given.trim().to_ascii_lowercase();
        return MIME_TYPES
            .iter()
            .copied()
            .find(|m| *m == wanted)
            .ok_or_else(|| ValidationError::Invalid {
                field: "mime_type",
                reason: format!(
                    "{given:?} is not a type Botmaker accepts ({})",
                    MIME_TYPES.join(", ")
                ),
            });
    }
    let ext = url_file_name(&media.url)
        .and_then(|n| n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()));
    let inferred = match ext.as_deref() {
        Some("jpg" | "jpeg") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        Some("aac") => Some("audio/aac"),
        Some("ogg" | "oga" | "opus") => Some("audio/ogg"),
        Some("m4a") => Some("audio/mp4"),
        Some("amr") => Some("audio/amr"),
        Some("mp3") => Some("audio/mpeg"),
        Some("pdf") => Some("application/pdf"),
        Some("xls") => Some("file/vnd.ms-excel"),
        Some("mp4") => Some("video/mp4"),
        Some("3gp") => Some("video/3gpp"),
        _ => None,
    };
    inferred.ok_or_else(|| ValidationError::Invalid {
        field: "mime_type",
        reason: format!(
            "not given, and the URL's extension does not tell it; Botmaker accepts {}",
            MIME_TYPES.join(", ")
        ),
    })
}

/// The last path segment of a URL, if it has one.
fn url_file_name(u: &str) -> Option<String> {
    let parsed = url::Url::parse(u).ok()?;
    let last = parsed.path_segments()?.next_back()?;
    (!last.is_empty()).then(|| last.to_owned())
}

fn is_document(mime: &str) -> bool {
    mime.starts_with("application/") || mime.starts_with("file/")
}

fn v2_media(media: &Media) -> Result<V2Message, ValidationError> {
    let mime = media_mime_type(media)?;
    let filename = media.filename.clone().or_else(|| {
        is_document(mime)
            .then(|| url_file_name(&media.url))
            .flatten()
    });
    Ok(V2Message {
        text: media.caption.clone(),
        media: Some(V2Media {
            mime_type: mime.to_owned(),
            url: media.url.clone(),
            filename,
        }),
        ..V2Message::default()
    })
}

fn v2_interactive(i: &Interactive) -> Result<V2Interactive, ValidationError> {
    let action = match &i.action {
        InteractiveAction::Buttons { buttons } => V2Action::Intent {
            buttons: buttons
                .iter()
                .map(|b| IntentButton::new(b.title.clone(), b.id.clone()))
                .collect(),
        },
        InteractiveAction::List { button, sections } => V2Action::List {
            button: button.clone(),
            sections: sections
                .iter()
                .map(|s| V2Section {
                    title: s.title.clone(),
                    rows: s
                        .rows
                        .iter()
                        .map(|r| V2Row {
                            id: r.id.clone(),
                            title: r.title.clone(),
                            description: r.description.clone(),
                        })
                        .collect(),
                })
                .collect(),
        },
        InteractiveAction::Url { label, url } => V2Action::Url {
            url_link: url.clone(),
            label: label.clone(),
        },
        InteractiveAction::RequestLocation => {
            if i.header.is_some() || i.footer.is_some() {
                return Err(ValidationError::Invalid {
                    field: "interactive",
                    reason: "a location request takes no header or footer".into(),
                });
            }
            V2Action::RequestLocation
        }
    };
    Ok(V2Interactive {
        header: i.header.clone().map(V2Header::text),
        body: i.body.clone(),
        footer: i.footer.clone(),
        action,
    })
}

/// What a v2 send of some content is: messages, or an intent (a template) to trigger.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V2Send {
    Messages(MessagesRequest),
    Intent(TriggerIntentRequest),
}

fn template_name(t: &Template) -> Result<&str, Error> {
    match &t.id {
        TemplateId::Name(n) => Ok(n),
        _ => Err(Error::Unsupported {
            provider: ProviderKind::BOTMAKER,
            what: "Twilio Content templates (name a Botmaker intent or template instead)",
        }),
    }
}

/// The v2 request for `content`.
pub(crate) fn v2_request(
    chat: ChatRef,
    content: &Content,
    reference: Option<&str>,
) -> Result<V2Send, Error> {
    let reference = reference.map(str::to_owned);
    let mut message = match content {
        Content::Text { body } => V2Message {
            text: Some(body.clone()),
            ..V2Message::default()
        },
        Content::Media(m) => v2_media(m)?,
        Content::Location(l) => V2Message {
            location: Some(l.into()),
            ..V2Message::default()
        },
        Content::Interactive(i) => V2Message {
            whatsapp_interactive: Some(v2_interactive(i)?),
            ..V2Message::default()
        },
        Content::Template(t) => {
            let mut req = TriggerIntentRequest::new(chat, template_name(t)?);
            req.variables = t.variables.clone();
            req.webhook_payload = reference;
            return Ok(V2Send::Intent(req));
        }
    };
    message.webhook_payload = reference;
    Ok(V2Send::Messages(MessagesRequest::new(chat, vec![message])))
}

/// The v1 line number from a channel id: the digits after `-whatsapp-`, or the digits of a
/// bare number; any other id is used as it is.
pub(crate) fn v1_line(channel_id: &str) -> String {
    let tail = channel_id
        .rsplit_once("-whatsapp-")
        .map_or(channel_id, |(_, t)| t);
    let numeric = tail
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
    let digits: String = tail.chars().filter(char::is_ascii_digit).collect();
    if numeric && !digits.is_empty() {
        digits
    } else {
        channel_id.to_owned()
    }
}

/// The v1 path and body for `content`.
pub(crate) fn v1_request(
    line: &str,
    contact_id: &str,
    content: &Content,
    reference: Option<&str>,
) -> Result<(&'static str, Value), Error> {
    let mut map = serde_json::Map::new();
    map.insert("chatPlatform".into(), "whatsapp".into());
    map.insert("chatChannelNumber".into(), line.into());
    map.insert("platformContactId".into(), contact_id.into());
    let path = match content {
        Content::Text { body } => {
            map.insert("messageText".into(), body.clone().into());
            "/message/v3"
        }
        Content::Media(m) => {
            let mime = media_mime_type(m)?;
            let field = if mime.starts_with("image/") {
                "imageURL"
            } else if mime.starts_with("audio/") {
                "audioURL"
            } else if mime.starts_with("video/") {
                return Err(Error::Unsupported {
                    provider: ProviderKind::BOTMAKER,
                    what: "video through the legacy v1 API",
                });
            } else {
                "fileURL"
            };
            map.insert(field.into(), m.url.clone().into());
            if let Some(c) = &m.caption {
                map.insert("messageText".into(), c.clone().into());
            }
            "/message/v3"
        }
        Content::Template(t) => {
            map.insert("ruleNameOrId".into(), template_name(t)?.into());
            map.insert("params".into(), json!(t.variables));
            if let Some(r) = reference {
                map.insert("clientPayload".into(), r.into());
            }
            "/intent/v2"
        }
        Content::Location(_) => {
            return Err(Error::Unsupported {
                provider: ProviderKind::BOTMAKER,
                what: "locations through the legacy v1 API",
            });
        }
        Content::Interactive(_) => {
            return Err(Error::Unsupported {
                provider: ProviderKind::BOTMAKER,
                what: "interactive messages through the legacy v1 API",
            });
        }
    };
    Ok((path, Value::Object(map)))
}

// ---------------------------------------------------------------------------------------
// Answers and errors.

/// Reads a provider answer: a success becomes a receipt, an error an [`ApiError`].
///
/// Any 2xx is a success unless its body carries an error (`{"error": {...}}` from v1, or a
/// non-empty `{"errors": [...]}`). The receipt's id is v2's `webhookNotificationId`, or
/// v1's `id`; it is empty when the answer named none.
#[allow(clippy::result_large_err)] // Turned into `Error` (which boxes it) by the one caller.
pub(crate) fn interpret(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
) -> Result<SendReceipt, ApiError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let success = (200..300).contains(&status);
    if success && !json.as_ref().is_some_and(carries_error) {
        let id = json
            .as_ref()
            .and_then(|v| v.get("webhookNotificationId").or_else(|| v.get("id")))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .unwrap_or_default();
        let raw = json.unwrap_or_else(|| {
            if body.is_empty() {
                Value::Null
            } else {
                Value::String(body.to_owned())
            }
        });
        return Ok(SendReceipt::new(
            ProviderKind::BOTMAKER,
            id,
            DeliveryStatus::Accepted,
            raw,
        ));
    }
    Err(api_error(status, retry_after, body, json.as_ref()))
}

fn carries_error(v: &Value) -> bool {
    v.get("error").is_some_and(Value::is_object)
        || v.get("errors")
            .and_then(Value::as_array)
            .is_some_and(|a| !a.is_empty())
}

/// The kind a Botmaker error code means.
pub fn classify_code(code: &str) -> Option<ApiErrorKind> {
    match code.trim() {
        "101" => Some(ApiErrorKind::InsufficientCredit),
        "201" => Some(ApiErrorKind::OutsideWindow),
        _ => None,
    }
}

fn api_error(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
    json: Option<&Value>,
) -> ApiError {
    let mut code = None;
    let mut message = None;
    if let Some(v) = json {
        if let Some(e) = v.get("error").filter(|e| e.is_object()) {
            // v1: {"error": {"code": 101, "message": "Insufficient credit"}}
            code = e.get("code").and_then(|c| match c {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                _ => None,
            });
            message = e.get("message").and_then(Value::as_str).map(str::to_owned);
        } else if let Some(items) = v.get("errors").and_then(Value::as_array) {
            // v2: {"errors": [{"type": "…", "source": "…", "message": "…"}]}
            let text = |item: &Value, key: &str| {
                item.get(key)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            code = items.first().and_then(|i| text(i, "type"));
            let parts: Vec<String> = items
                .iter()
                .filter_map(|i| match (text(i, "source"), text(i, "message")) {
                    (Some(s), Some(m)) => Some(format!("{s}: {m}")),
                    (None, Some(m)) => Some(m),
                    (Some(s), None) => Some(s),
                    (None, None) => None,
                })
                .collect();
            if !parts.is_empty() {
                message = Some(parts.join("; "));
            }
        }
    }
    let message = message.unwrap_or_else(|| {
        if body.trim().is_empty() {
            format!("HTTP {status} with an empty body")
        } else {
            excerpt(body.trim(), 200)
        }
    });
    let kind = if status == 429 {
        ApiErrorKind::RateLimited
    } else {
        code.as_deref()
            .and_then(classify_code)
            .unwrap_or_else(|| ApiErrorKind::from_http_status(status))
    };
    let mut err = ApiError::new(ProviderKind::BOTMAKER, status, message)
        .with_kind(kind)
        .with_body(body)
        .with_retry_after(retry_after);
    err.code = code;
    err
}

// ---------------------------------------------------------------------------------------
// HTTP.

/// The HTTP side of a provider.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) access_token: Option<Secret>,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
}

/// A status, its `Retry-After`, and the body of an answer.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: String,
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// A request that failed without an answer: not sent when the connection never opened;
/// else maybe sent when it `sends`, or a transport failure when it only reads.
fn transport_error(e: reqwest::Error, sends: bool) -> Error {
    let reason = error_chain(&e);
    if e.is_connect() {
        Error::Connect {
            provider: ProviderKind::BOTMAKER,
            reason,
        }
    } else if e.is_builder() {
        Error::Config(ConfigError::new("base-url", reason))
    } else if sends {
        Error::MaybeSent {
            provider: ProviderKind::BOTMAKER,
            reason,
        }
    } else {
        Error::Transport {
            provider: ProviderKind::BOTMAKER,
            reason,
        }
    }
}

impl Client {
    fn token(&self) -> Result<reqwest::header::HeaderValue, Error> {
        let token = self.access_token.as_ref().ok_or_else(|| {
            Error::Config(ConfigError::new(
                "access-token",
                "is not configured; calling Botmaker's API needs it",
            ))
        })?;
        let mut value = reqwest::header::HeaderValue::from_str(token.expose()).map_err(|_| {
            Error::Config(ConfigError::new(
                "access-token",
                "holds characters an HTTP header cannot carry",
            ))
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// One exchange. A 2xx whose body cannot be read, or is larger than the cap, may have
    /// been processed when the request has effects (`sends`); for a read it is a transport
    /// failure or [`Error::TooLarge`]. An error answer's body is read up to its own cap.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        sends: bool,
    ) -> Result<Answer, Error> {
        let mut response = request
            .header(ACCESS_TOKEN_HEADER, self.token()?)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| transport_error(e, sends))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let unread = |reason: String| {
            if sends {
                Error::MaybeSent {
                    provider: ProviderKind::BOTMAKER,
                    reason,
                }
            } else {
                Error::Transport {
                    provider: ProviderKind::BOTMAKER,
                    reason,
                }
            }
        };
        let body = if (200..300).contains(&status) {
            let read = read_capped(&mut response, MAX_SUCCESS_BODY, true)
                .await
                .map_err(|e| {
                    unread(format!(
                        "HTTP {status}, but the body could not be read: {}",
                        error_chain(&e)
                    ))
                })?;
            if !read.complete {
                return Err(if sends {
                    unread(format!(
                        "HTTP {status} with a body larger than {MAX_SUCCESS_BODY} bytes, which was not read"
                    ))
                } else {
                    Error::TooLarge {
                        provider: ProviderKind::BOTMAKER,
                        limit: MAX_SUCCESS_BODY as u64,
                    }
                });
            }
            read.bytes
        } else {
            read_capped(&mut response, MAX_ERROR_BODY, false)
                .await
                .map(|r| r.bytes)
                .unwrap_or_default()
        };
        Ok(Answer {
            status,
            retry_after,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    /// POSTs a JSON body to `path` and reads the receipt.
    pub(crate) async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<SendReceipt, Error> {
        let url = format!("{}{}", self.base_url, path);
        run_with_retries(&self.retry, |_| async {
            let answer = self.exchange(self.http.post(&url).json(body), true).await?;
            interpret(answer.status, answer.retry_after, &answer.body).map_err(Error::from)
        })
        .await
    }

    /// `GET /chats/{channelId}:{contactId}`, read for `whatsAppWindowCloseDatetime`. A chat
    /// Botmaker does not know (404) has no open window.
    pub(crate) async fn window_closes_at(
        &self,
        channel_id: &str,
        contact_id: &str,
    ) -> Result<Option<Timestamp>, Error> {
        let mut url = url::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(ConfigError::new("base-url", e.to_string())))?;
        url.path_segments_mut()
            .map_err(|_| Error::Config(ConfigError::new("base-url", "cannot hold a path")))?
            .pop_if_empty()
            .push("chats")
            .push(&format!("{channel_id}:{contact_id}"));
        let answer = run_with_retries(&self.retry, |_| async {
            let answer = self.exchange(self.http.get(url.clone()), false).await?;
            if answer.status == 404 || (200..300).contains(&answer.status) {
                Ok(answer)
            } else {
                let json = serde_json::from_str::<Value>(&answer.body).ok();
                Err(Error::from(api_error(
                    answer.status,
                    answer.retry_after,
                    &answer.body,
                    json.as_ref(),
                )))
            }
        })
        .await?;
        if answer.status == 404 {
            return Ok(None);
        }
        window_from_chat(&answer.body).map_err(Error::Parse)
    }
}

/// `whatsAppWindowCloseDatetime` of a chat answer; absent, `null` or `""` is `None`.
pub(crate) fn window_from_chat(body: &str) -> Result<Option<Timestamp>, ParseError> {
    const FIELD: &str = "whatsAppWindowCloseDatetime";
    let v: Value = serde_json::from_str(body)
        .map_err(|e| ParseError::malformed(format!("the chat answer is not JSON: {e}")))?;
    match v.get(FIELD) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => parse_time(s)
            .map(Some)
            .ok_or_else(|| ParseError::invalid(FIELD, "expected an ISO 8601 time")),
        Some(_) => Err(ParseError::invalid(FIELD, "expected a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::PhoneNumber;
    use crate::message::{ListRow, ListSection, ReplyButton};

    fn chat() -> ChatRef {
        let to: WhatsAppAddress = PhoneNumber::parse("+5491122223333").unwrap().into();
        ChatRef::contact("acme-whatsapp-5491100000000", &to)
    }

    fn body(content: &Content) -> Value {
        match v2_request(chat(), content, Some("ref-1")).unwrap() {
            V2Send::Messages(m) => serde_json::to_value(m).unwrap(),
            V2Send::Intent(i) => serde_json::to_value(i).unwrap(),
        }
    }

    #[test]
    fn text_goes_to_a_digits_only_contact() {
        let v = body(&Content::Text {
            body: "hola".into(),
        });
        assert_eq!(
            v,
            json!({"chat": {"channelId": "acme-whatsapp-5491100000000", "contactId": "5491122223333"},
                   "messages": [{"text": "hola", "webhookPayload": "ref-1"}]})
        );
    }

    #[test]
    fn media_needs_a_documented_mime_type() {
        let pdf =
            Media::new("https://cdn.example.com/docs/factura-001.pdf").with_caption("Tu factura");
        let v = body(&Content::Media(pdf));
        assert_eq!(
            v["messages"][0],
            json!({"text": "Tu factura", "webhookPayload": "ref-1",
                   "media": {"mimeType": "application/pdf", "url": "https://cdn.example.com/docs/factura-001.pdf", "filename": "factura-001.pdf"}})
        );
        let webp = Media::new("https://cdn.example.com/a.webp");
        assert!(matches!(
            v2_request(chat(), &Content::Media(webp), None),
            Err(Error::Invalid(ValidationError::Invalid {
                field: "mime_type",
                ..
            }))
        ));
        let gif = Media::new("https://cdn.example.com/a.jpg").with_mime_type("image/gif");
        assert!(matches!(
            v2_request(chat(), &Content::Media(gif), None),
            Err(Error::Invalid(ValidationError::Invalid {
                field: "mime_type",
                ..
            }))
        ));
        let png = Media::new("https://cdn.example.com/a").with_mime_type("IMAGE/PNG");
        assert_eq!(
            body(&Content::Media(png))["messages"][0]["media"],
            json!({"mimeType": "image/png", "url": "https://cdn.example.com/a"})
        );
    }

    #[test]
    fn location_coordinates_are_strings() {
        let l = Location::new(-34.6037, -58.3816).with_name("Obelisco");
        assert_eq!(
            body(&Content::Location(l))["messages"][0]["location"],
            json!({"latitude": "-34.6037", "longitude": "-58.3816", "name": "Obelisco"})
        );
    }

    #[test]
    fn interactive_variants() {
        let buttons = Interactive::buttons(
            "¿Seguimos?",
            vec![
                ReplyButton::new("si_intent", "Sí"),
                ReplyButton::new("no_intent", "No"),
            ],
        );
        assert_eq!(
            body(&Content::Interactive(buttons))["messages"][0]["whatsappInteractive"],
            json!({"body": "¿Seguimos?", "action": {"type": "intent", "buttons": [
                {"label": "Sí", "intent": "si_intent"}, {"label": "No", "intent": "no_intent"}]}})
        );
        let list = Interactive::list(
            "Elegí",
            "Ver opciones",
            vec![ListSection::new(
                None,
                vec![ListRow::new("r1", "Uno").with_description("el primero")],
            )],
        );
        assert_eq!(
            body(&Content::Interactive(list))["messages"][0]["whatsappInteractive"]["action"],
            json!({"type": "list", "button": "Ver opciones", "sections": [
                {"rows": [{"id": "r1", "title": "Uno", "description": "el primero"}]}]})
        );
        let mut url = Interactive::buttons("Mirá", vec![]);
        url.action = InteractiveAction::Url {
            label: "Abrir".into(),
            url: "https://example.com/x".into(),
        };
        url.header = Some("Hola".into());
        assert_eq!(
            body(&Content::Interactive(url))["messages"][0]["whatsappInteractive"],
            json!({"header": {"type": "text", "content": "Hola"}, "body": "Mirá",
                   "action": {"type": "url", "urlLink": "https://example.com/x", "label": "Abrir"}})
        );
        let mut loc = Interactive::buttons("¿Dónde estás?", vec![]);
        loc.action = InteractiveAction::RequestLocation;
        assert_eq!(
            body(&Content::Interactive(loc.clone()))["messages"][0]["whatsappInteractive"]["action"],
            json!({"type": "requestLocation"})
        );
        loc.footer = Some("pie".into());
        assert!(matches!(
            v2_request(chat(), &Content::Interactive(loc), None),
            Err(Error::Invalid(_))
        ));
    }

    #[test]
    fn templates_trigger_an_intent() {
        let t = Template::named("pedido_listo").with_variable("nombre", "Ana");
        assert_eq!(
            body(&Content::Template(t)),
            json!({"chat": {"channelId": "acme-whatsapp-5491100000000", "contactId": "5491122223333"},
                   "intentIdOrName": "pedido_listo", "variables": {"nombre": "Ana"}, "webhookPayload": "ref-1"})
        );
        let sid = Template::content_sid(format!("HX{}", "0".repeat(32)));
        assert!(matches!(
            v2_request(chat(), &Content::Template(sid), None),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn v1_bodies() {
        assert_eq!(v1_line("acme-whatsapp-5491100000000"), "5491100000000");
        assert_eq!(v1_line("+54 911 0000-0000"), "5491100000000");
        assert_eq!(v1_line("acme-telegram"), "acme-telegram");
        let (path, b) = v1_request(
            "5491100000000",
            "5491122223333",
            &Content::Media(Media::new("https://cdn.example.com/a.jpg").with_caption("foto")),
            None,
        )
        .unwrap();
        assert_eq!(path, "/message/v3");
        assert_eq!(
            b,
            json!({"chatPlatform": "whatsapp", "chatChannelNumber": "5491100000000",
                   "platformContactId": "5491122223333", "imageURL": "https://cdn.example.com/a.jpg",
                   "messageText": "foto"})
        );
        let (path, b) = v1_request(
            "5491100000000",
            "5491122223333",
            &Content::Template(Template::named("aviso").with_variable("1", "x")),
            Some("r-9"),
        )
        .unwrap();
        assert_eq!(path, "/intent/v2");
        assert_eq!(b["ruleNameOrId"], "aviso");
        assert_eq!(b["params"], json!({"1": "x"}));
        assert_eq!(b["clientPayload"], "r-9");
        assert!(matches!(
            v1_request("1", "2", &Content::Location(Location::new(0.0, 0.0)), None),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn answers_and_errors() {
        let ok = interpret(202, None, r#"{"webhookNotificationId": "WN-1"}"#).unwrap();
        assert_eq!(ok.message_id, "WN-1");
        assert_eq!(ok.status, DeliveryStatus::Accepted);
        assert_eq!(
            interpret(200, None, r#"{"id": "M1"}"#).unwrap().message_id,
            "M1"
        );
        assert_eq!(interpret(204, None, "").unwrap().message_id, "");

        let credit = interpret(
            200,
            None,
            r#"{"error": {"code": 101, "message": "Insufficient credit"}}"#,
        )
        .unwrap_err();
        assert_eq!(credit.kind, ApiErrorKind::InsufficientCredit);
        assert_eq!(credit.code.as_deref(), Some("101"));
        assert_eq!(credit.status, 200);
        let window = interpret(
            403,
            None,
            r#"{"error": {"code": "201", "message": "User window is over 24 hours"}}"#,
        )
        .unwrap_err();
        assert_eq!(window.kind, ApiErrorKind::OutsideWindow);

        let v2 = interpret(
            400,
            None,
            r#"{"errors": [{"type": "VALIDATION", "source": "chat.contactId", "message": "required"}, {"message": "bad media"}]}"#,
        )
        .unwrap_err();
        assert_eq!(v2.kind, ApiErrorKind::BadRequest);
        assert_eq!(v2.code.as_deref(), Some("VALIDATION"));
        assert_eq!(v2.message, "chat.contactId: required; bad media");

        let limited = interpret(429, Some(Duration::from_secs(1)), "").unwrap_err();
        assert!(limited.is_retryable());
        assert_eq!(limited.retry_after, Some(Duration::from_secs(1)));
        let server = interpret(502, None, "<html>bad gateway</html>").unwrap_err();
        assert_eq!(server.kind, ApiErrorKind::ServerError);
        assert_eq!(server.message, "<html>bad gateway</html>");
    }

    #[test]
    fn window_field() {
        assert_eq!(
            window_from_chat(r#"{"whatsAppWindowCloseDatetime": "2026-04-18T18:37:29.922Z"}"#)
                .unwrap()
                .map(|t| t.to_string()),
            Some("2026-04-18T18:37:29.922Z".into())
        );
        assert_eq!(window_from_chat(r#"{"firstName": "Ana"}"#), Ok(None));
        assert!(window_from_chat(r#"{"whatsAppWindowCloseDatetime": 5}"#).is_err());
        assert!(window_from_chat("nope").is_err());
    }
}
