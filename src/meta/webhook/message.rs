//! The typed view of a user's message in Meta's webhooks: one struct per content type. Every
//! struct with room for more keeps the fields it does not name in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::wire::{WireError, opt_string, string};

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
