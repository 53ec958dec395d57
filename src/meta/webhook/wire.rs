//! The typed view of Meta's webhook bodies. Every struct keeps the fields it does not name
//! in `extra`, so nothing Meta adds is lost; those fields are never logged.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::ParseError;

use super::message::WireMessage;

/// A webhook body: `{"object": "whatsapp_business_account", "entry": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookPayload {
    /// `whatsapp_business_account`.
    pub object: String,
    /// One entry per business account.
    pub entry: Vec<Entry>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The changes of one WhatsApp Business Account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// The WhatsApp Business Account id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// What changed.
    #[serde(default)]
    pub changes: Vec<Change>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One change: the webhook field it belongs to and its value, kept as JSON because each
/// field has its own shape. [`Change::messages_value`] reads a `messages` change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// The webhook field: `messages`, `group_lifecycle_update`, `account_update`, ….
    #[serde(default)]
    pub field: String,
    /// The value, as sent.
    #[serde(default)]
    pub value: Value,
}

impl Change {
    /// The value of a `messages` change, typed; `None` for another field.
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidField`] or [`ParseError::MissingField`], naming the field by its
    /// path under `value` (`messages[0].id`), when the value is not in Meta's shape.
    pub fn messages_value(&self) -> Result<Option<ChangeValue>, ParseError> {
        if self.field != "messages" {
            return Ok(None);
        }
        decode::<ChangeValue>(&self.value, "value").map(Some)
    }
}

/// The value of a `messages` change: the business number it is for, and the messages,
/// statuses or errors it reports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChangeValue {
    /// `whatsapp`.
    #[serde(default)]
    pub messaging_product: Option<String>,
    /// The business phone number.
    #[serde(default)]
    pub metadata: Option<Metadata>,
    /// The senders' profiles.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Users' messages.
    #[serde(default)]
    pub messages: Vec<WireMessage>,
    /// Delivery statuses of the business's messages.
    #[serde(default)]
    pub statuses: Vec<Status>,
    /// Errors not tied to one message.
    #[serde(default)]
    pub errors: Vec<WireError>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The business phone number a change is for.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Metadata {
    /// The number as displayed (`15550783881`).
    #[serde(default, deserialize_with = "opt_string")]
    pub display_phone_number: Option<String>,
    /// Its id, which sends go from.
    #[serde(default, deserialize_with = "opt_string")]
    pub phone_number_id: Option<String>,
}

/// A sender's profile.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// The profile.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// The WhatsApp id (usually the phone number's digits).
    #[serde(default, deserialize_with = "opt_string")]
    pub wa_id: Option<String>,
    /// The business-scoped user id (`US.13491208655302741918`).
    #[serde(default, deserialize_with = "opt_string")]
    pub user_id: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A WhatsApp profile.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Profile {
    /// The profile name.
    #[serde(default)]
    pub name: Option<String>,
    /// The username, for users who set one.
    #[serde(default)]
    pub username: Option<String>,
}

/// The delivery status of a message the business sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Status {
    /// The message id (`wamid.…`).
    #[serde(deserialize_with = "string")]
    pub id: String,
    /// `sent`, `delivered`, `read`, `failed`, ….
    #[serde(deserialize_with = "string")]
    pub status: String,
    /// Unix seconds.
    #[serde(default, deserialize_with = "opt_string")]
    pub timestamp: Option<String>,
    /// The recipient's WhatsApp id.
    #[serde(default, deserialize_with = "opt_string")]
    pub recipient_id: Option<String>,
    /// The recipient's business-scoped user id.
    #[serde(default, deserialize_with = "opt_string")]
    pub recipient_user_id: Option<String>,
    /// The conversation the message was billed in.
    #[serde(default)]
    pub conversation: Option<Conversation>,
    /// How it is billed.
    #[serde(default)]
    pub pricing: Option<Pricing>,
    /// Why it failed.
    #[serde(default)]
    pub errors: Vec<WireError>,
    /// Fields not named above (`biz_opaque_callback_data`, `group_id`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A billing conversation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Conversation {
    /// Its id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// When it expires (Unix seconds).
    #[serde(default, deserialize_with = "opt_string")]
    pub expiration_timestamp: Option<String>,
    /// What opened it (`origin.type`: `service`, `marketing`, …).
    #[serde(default)]
    pub origin: Option<Value>,
}

/// How a message is billed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pricing {
    /// Whether it is billed.
    #[serde(default)]
    pub billable: Option<bool>,
    /// `CBP`, `PMP`.
    #[serde(default)]
    pub pricing_model: Option<String>,
    /// `service`, `marketing`, `utility`, `authentication`, ….
    #[serde(default)]
    pub category: Option<String>,
    /// Fields not named above (`type`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An error Meta reports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WireError {
    /// The code (`131051`).
    #[serde(default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its message.
    #[serde(default)]
    pub message: Option<String>,
    /// `error_data.details`.
    #[serde(default)]
    pub error_data: Option<ErrorData>,
    /// A link to its documentation.
    #[serde(default)]
    pub href: Option<String>,
}

/// Details of an error.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorData {
    /// The details.
    #[serde(default)]
    pub details: Option<String>,
}

/// A string, or a number written as one (Meta writes ids and times either way).
pub(super) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {}",
            crate::error::json_kind(&other)
        ))),
    }
}

pub(super) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {}",
            crate::error::json_kind(&other)
        ))),
    }
}

/// Decodes `value` as `T`, naming a failing field by its path under `prefix`.
pub(super) fn decode<'de, T: Deserialize<'de>>(
    value: &'de Value,
    prefix: &str,
) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        field_error(prefix, &path, &inner)
    })
}

/// Decodes `value` (taken, so its strings move rather than copy) as `T`, naming a failing
/// field by its path.
pub(super) fn decode_owned<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, ParseError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        field_error("", &path, &inner)
    })
}

/// A serde error at `path` as the [`ParseError`] naming the field.
pub(super) fn field_error(prefix: &str, path: &str, message: &str) -> ParseError {
    let path = if path == "." { "" } else { path };
    let join = |parts: &[&str]| {
        parts
            .iter()
            .filter(|p| !p.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(".")
    };
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or("");
        return ParseError::missing(join(&[prefix, path, name]));
    }
    let field = join(&[prefix, path]);
    // serde's message ends with the position in the text, which says nothing here.
    let reason = message.split(" at line ").next().unwrap_or(message);
    ParseError::invalid(
        if field.is_empty() {
            "body".to_owned()
        } else {
            field
        },
        reason,
    )
}
