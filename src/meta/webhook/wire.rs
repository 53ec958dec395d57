//! The typed view of Meta's webhook bodies. Every struct keeps the fields it does not name
//! in `extra`, so nothing Meta adds is lost; those fields are never logged.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::ParseError;

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

/// A user's message. Which of the content fields is set depends on `type`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WireMessage {
    /// The message id (`wamid.…`).
    #[serde(deserialize_with = "string")]
    pub id: String,
    /// The sender's WhatsApp id (phone digits); absent for users known only by user id.
    #[serde(default, deserialize_with = "opt_string")]
    pub from: Option<String>,
    /// The sender's business-scoped user id.
    #[serde(default, deserialize_with = "opt_string")]
    pub from_user_id: Option<String>,
    /// Unix seconds.
    #[serde(default, deserialize_with = "opt_string")]
    pub timestamp: Option<String>,
    /// `text`, `image`, `interactive`, … (`unsupported` for what WhatsApp cannot pass on).
    #[serde(default, rename = "type")]
    pub kind: String,
    /// Text.
    #[serde(default)]
    pub text: Option<Text>,
    /// An image.
    #[serde(default)]
    pub image: Option<WireMedia>,
    /// An audio or voice note.
    #[serde(default)]
    pub audio: Option<WireMedia>,
    /// A video.
    #[serde(default)]
    pub video: Option<WireMedia>,
    /// A document.
    #[serde(default)]
    pub document: Option<WireMedia>,
    /// A sticker.
    #[serde(default)]
    pub sticker: Option<WireMedia>,
    /// A location.
    #[serde(default)]
    pub location: Option<WireLocation>,
    /// Contact cards.
    #[serde(default)]
    pub contacts: Option<Vec<ContactCard>>,
    /// A reply to an interactive message.
    #[serde(default)]
    pub interactive: Option<Interactive>,
    /// A template's quick-reply button.
    #[serde(default)]
    pub button: Option<Button>,
    /// A reaction.
    #[serde(default)]
    pub reaction: Option<Reaction>,
    /// An order from a catalog.
    #[serde(default)]
    pub order: Option<Order>,
    /// A system notice (the user changed number).
    #[serde(default)]
    pub system: Option<System>,
    /// The ad or post the conversation started from.
    #[serde(default)]
    pub referral: Option<Referral>,
    /// The message replied to, and forwarding flags.
    #[serde(default)]
    pub context: Option<Context>,
    /// Why the message could not be passed on (type `unsupported`).
    #[serde(default)]
    pub errors: Vec<WireError>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A text body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Text {
    /// The text.
    #[serde(default)]
    pub body: String,
}

/// A media item, by its id: fetch it with `GET /{version}/{id}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WireMedia {
    /// The media id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// The MIME type (`image/jpeg`).
    #[serde(default)]
    pub mime_type: Option<String>,
    /// The SHA-256 of the file, base64.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The caption (image, video, document).
    #[serde(default)]
    pub caption: Option<String>,
    /// The file name (document).
    #[serde(default)]
    pub filename: Option<String>,
    /// A voice note (audio).
    #[serde(default)]
    pub voice: Option<bool>,
    /// An animated sticker.
    #[serde(default)]
    pub animated: Option<bool>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A shared location.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WireLocation {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// The place's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Its address.
    #[serde(default)]
    pub address: Option<String>,
    /// Its web site.
    #[serde(default)]
    pub url: Option<String>,
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactCard {
    /// The name.
    #[serde(default)]
    pub name: Option<ContactName>,
    /// Phone numbers.
    #[serde(default)]
    pub phones: Vec<ContactPhone>,
    /// E-mail addresses.
    #[serde(default)]
    pub emails: Vec<ContactEmail>,
    /// Fields not named above (`org`, `addresses`, `urls`, `birthday`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact card's name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactName {
    /// The full name.
    #[serde(default)]
    pub formatted_name: Option<String>,
    /// The first name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// The last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Fields not named above.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A contact card's phone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactPhone {
    /// The number as written.
    #[serde(default)]
    pub phone: Option<String>,
    /// Its WhatsApp id.
    #[serde(default, deserialize_with = "opt_string")]
    pub wa_id: Option<String>,
    /// `MOBILE`, `HOME`, ….
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// A contact card's e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContactEmail {
    /// The address.
    #[serde(default)]
    pub email: Option<String>,
    /// `WORK`, `HOME`, ….
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// The reply to an interactive message: a button, a list row, or a Flow's answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Interactive {
    /// `button_reply`, `list_reply`, `nfm_reply`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The reply button pressed.
    #[serde(default)]
    pub button_reply: Option<Reply>,
    /// The list row chosen.
    #[serde(default)]
    pub list_reply: Option<Reply>,
    /// A Flow's answers.
    #[serde(default)]
    pub nfm_reply: Option<FlowReply>,
}

/// A reply button or list row.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reply {
    /// The id the business gave it.
    #[serde(default)]
    pub id: Option<String>,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its description (list rows).
    #[serde(default)]
    pub description: Option<String>,
}

/// A Flow's reply (`nfm_reply`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FlowReply {
    /// The answers: a JSON object, as a string.
    #[serde(default)]
    pub response_json: Option<String>,
    /// The text shown in the chat (`Sent`).
    #[serde(default)]
    pub body: Option<String>,
    /// `flow`.
    #[serde(default)]
    pub name: Option<String>,
}

/// A template's quick-reply button.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Button {
    /// The button's payload.
    #[serde(default)]
    pub payload: Option<String>,
    /// Its text.
    #[serde(default)]
    pub text: Option<String>,
}

/// A reaction (an empty or absent emoji removes it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reaction {
    /// The message reacted to.
    #[serde(default)]
    pub message_id: String,
    /// The emoji.
    #[serde(default)]
    pub emoji: Option<String>,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Order {
    /// The catalog.
    #[serde(default, deserialize_with = "opt_string")]
    pub catalog_id: Option<String>,
    /// The user's note.
    #[serde(default)]
    pub text: Option<String>,
    /// The products.
    #[serde(default)]
    pub product_items: Vec<ProductItem>,
}

/// A product of an order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProductItem {
    /// The product's id in the catalog.
    #[serde(default, deserialize_with = "opt_string")]
    pub product_retailer_id: Option<String>,
    /// How many.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// The price of one.
    #[serde(default)]
    pub item_price: Option<f64>,
    /// ISO 4217.
    #[serde(default)]
    pub currency: Option<String>,
}

/// A system notice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct System {
    /// `user_changed_number`, `user_changed_user_id`, ….
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// The notice.
    #[serde(default)]
    pub body: Option<String>,
    /// The user's new WhatsApp id.
    #[serde(default, deserialize_with = "opt_string")]
    pub wa_id: Option<String>,
    /// The user's new business-scoped user id.
    #[serde(default, deserialize_with = "opt_string")]
    pub user_id: Option<String>,
}

/// The click-to-WhatsApp ad or post a conversation started from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Referral {
    /// The ad's or post's URL.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Its id.
    #[serde(default, deserialize_with = "opt_string")]
    pub source_id: Option<String>,
    /// `ad` or `post`.
    #[serde(default)]
    pub source_type: Option<String>,
    /// Its body.
    #[serde(default)]
    pub body: Option<String>,
    /// Its headline.
    #[serde(default)]
    pub headline: Option<String>,
    /// `image` or `video`.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The image's URL.
    #[serde(default)]
    pub image_url: Option<String>,
    /// The video's URL.
    #[serde(default)]
    pub video_url: Option<String>,
    /// The video's thumbnail URL.
    #[serde(default)]
    pub thumbnail_url: Option<String>,
    /// The click id, for Meta's Conversions API.
    #[serde(default)]
    pub ctwa_clid: Option<String>,
    /// Fields not named above (`welcome_message`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What a message replies to, and whether it was forwarded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// The message replied to (or the message the button belonged to).
    #[serde(default)]
    pub id: Option<String>,
    /// Who sent the message replied to.
    #[serde(default, deserialize_with = "opt_string")]
    pub from: Option<String>,
    /// The message was forwarded.
    #[serde(default)]
    pub forwarded: Option<bool>,
    /// The message was forwarded many times.
    #[serde(default)]
    pub frequently_forwarded: Option<bool>,
    /// Fields not named above (`referred_product`, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {}",
            crate::error::json_kind(&other)
        ))),
    }
}

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
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
