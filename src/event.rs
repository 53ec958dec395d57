//! Events parsed from webhooks: a user's (or the bot's, or an agent's) message, a
//! delivery-status change, or an error a provider reports. They serialize to one
//! provider-neutral JSON shape, so they can be logged, queued and replayed.

use serde::{Deserialize, Serialize};

use crate::address::WhatsAppAddress;
use crate::kind::ProviderKind;

mod delivery;
mod timestamp;

pub use delivery::DeliveryStatus;
pub use timestamp::Timestamp;

/// One thing a webhook reported.
///
/// ```
/// use whatsapp_connector::InboundEvent;
///
/// let json = r#"{"type": "message", "provider": "twilio", "id": "SM1", "author": "user",
///  "from": "+14155550100", "to": "+14155238886", "profile_name": "Ana",
///  "timestamp": null, "reply_to": null, "conversation_id": null,
///  "content": {"type": "text", "body": "hola"}}"#;
/// let event: InboundEvent = serde_json::from_str(json).unwrap();
/// assert_eq!(event.dedup_key(), "twilio:SM1");
/// let InboundEvent::Message(m) = &event else { panic!() };
/// assert_eq!(m.text(), Some("hola"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum InboundEvent {
    /// A message written in the chat.
    Message(InboundMessage),
    /// A change in the delivery status of a message.
    Status(StatusUpdate),
    /// An error the provider reported about the business line, not about one message
    /// (Meta's webhook-level `errors`).
    Error(WebhookError),
}

impl InboundEvent {
    /// The provider that sent it.
    pub fn provider(&self) -> &ProviderKind {
        match self {
            InboundEvent::Message(m) => &m.provider,
            InboundEvent::Status(s) => &s.provider,
            InboundEvent::Error(e) => &e.provider,
        }
    }

    /// A key that is the same every time the provider redelivers this event, and differs
    /// between events: for a message, the provider's message id; for a status change, the
    /// message (or chat), the status and when it changed; for an error report, the business
    /// line, the code and the message (the same error reported again within the dedup
    /// window counts as a redelivery).
    pub fn dedup_key(&self) -> String {
        match self {
            InboundEvent::Message(m) => format!("{}:{}", m.provider, m.id),
            InboundEvent::Status(s) => {
                let mut key = format!(
                    "{}:status:{}:{}",
                    s.provider,
                    s.message_id.as_deref().unwrap_or(""),
                    s.status
                );
                if s.conversation_id.is_some() || s.timestamp.is_some() {
                    key.push(':');
                    key.push_str(s.conversation_id.as_deref().unwrap_or(""));
                    key.push(':');
                    if let Some(t) = &s.timestamp {
                        key.push_str(&t.to_string());
                    }
                }
                key
            }
            InboundEvent::Error(e) => format!(
                "{}:error:{}:{}:{}",
                e.provider,
                e.channel_id.as_deref().unwrap_or(""),
                e.error.code,
                e.error.message.as_deref().unwrap_or("")
            ),
        }
    }

    /// The message, if this is one.
    pub fn as_message(&self) -> Option<&InboundMessage> {
        match self {
            InboundEvent::Message(m) => Some(m),
            _ => None,
        }
    }

    /// The status change, if this is one.
    pub fn as_status(&self) -> Option<&StatusUpdate> {
        match self {
            InboundEvent::Status(s) => Some(s),
            _ => None,
        }
    }

    /// The provider's error report, if this is one.
    pub fn as_error(&self) -> Option<&WebhookError> {
        match self {
            InboundEvent::Error(e) => Some(e),
            _ => None,
        }
    }
}

/// An error a provider reported about a business line rather than about one message: for
/// Meta, an entry of a webhook's `errors` (the reason is in `error`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WebhookError {
    /// The provider that reported it.
    pub provider: ProviderKind,
    /// The provider's id of the business line it is about (Meta's phone number id).
    #[serde(default)]
    pub channel_id: Option<String>,
    /// The error.
    pub error: StatusError,
}

impl WebhookError {
    /// An error report; the business line is unknown.
    pub fn new(provider: ProviderKind, error: StatusError) -> Self {
        WebhookError {
            provider,
            channel_id: None,
            error,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Author {
    /// The WhatsApp user. The only author a bot answers.
    #[default]
    User,
    /// The bot itself (an echo of what it sent).
    Bot,
    /// A human agent in the provider's console.
    Agent,
}

/// A message in a chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboundMessage {
    /// The provider that delivered it.
    pub provider: ProviderKind,
    /// The provider's id for the message.
    pub id: String,
    /// Who wrote it. A bot must answer only `user` messages.
    pub author: Author,
    /// The sender: E.164 with `+` for a phone number, else the provider's user id.
    pub from: Option<WhatsAppAddress>,
    /// The receiver (for a user's message, the business number).
    pub to: Option<WhatsAppAddress>,
    /// The sender's WhatsApp profile name.
    pub profile_name: Option<String>,
    /// When it was written, if the provider said.
    pub timestamp: Option<Timestamp>,
    /// The id of the message it replies to.
    pub reply_to: Option<String>,
    /// The provider's chat or conversation id.
    pub conversation_id: Option<String>,
    /// What it carries.
    pub content: MessageContent,
    /// The provider's id of the business line it came through, when the provider names it
    /// apart from the number (Meta's phone number id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// The sender's business-scoped user id (Meta's `US.13491208655302741918`), when the
    /// provider gives one beside (or instead of) the phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// WhatsApp marked the message forwarded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub forwarded: bool,
    /// WhatsApp marked the message forwarded many times.
    #[serde(default, skip_serializing_if = "is_false")]
    pub frequently_forwarded: bool,
    /// The click-to-WhatsApp ad or post the user came from (boxed: most messages have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referral: Option<Box<Referral>>,
}

/// The ad or post a user clicked to start the conversation (click-to-WhatsApp).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Referral {
    /// `ad` or `post`.
    #[serde(default)]
    pub source_type: Option<String>,
    /// The ad's or post's id.
    #[serde(default)]
    pub source_id: Option<String>,
    /// Its URL.
    #[serde(default)]
    pub source_url: Option<String>,
    /// Its headline.
    #[serde(default)]
    pub headline: Option<String>,
    /// Its body.
    #[serde(default)]
    pub body: Option<String>,
    /// `image` or `video`.
    #[serde(default)]
    pub media_type: Option<String>,
    /// The image's or video's URL.
    #[serde(default)]
    pub media_url: Option<String>,
    /// The click id (Meta's `ctwa_clid`, for its Conversions API).
    #[serde(default)]
    pub click_id: Option<String>,
}

impl InboundMessage {
    /// A message from the user with the given id and content; the other fields are empty.
    pub fn new(provider: ProviderKind, id: impl Into<String>, content: MessageContent) -> Self {
        InboundMessage {
            provider,
            id: id.into(),
            author: Author::User,
            from: None,
            to: None,
            profile_name: None,
            timestamp: None,
            reply_to: None,
            conversation_id: None,
            content,
            channel_id: None,
            user_id: None,
            forwarded: false,
            frequently_forwarded: false,
            referral: None,
        }
    }

    /// The text of a text message, the caption of media, or the text of a button reply.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            MessageContent::Text { body } => Some(body),
            MessageContent::Media { caption, .. } => caption.as_deref(),
            MessageContent::Button { text, .. } => text.as_deref(),
            _ => None,
        }
    }
}

/// What an inbound message carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
#[non_exhaustive]
pub enum MessageContent {
    /// Text.
    Text {
        /// The text.
        body: String,
    },
    /// One or more media items, with an optional caption.
    Media {
        /// The items.
        items: Vec<MediaItem>,
        /// The caption.
        caption: Option<String>,
    },
    /// A shared location.
    Location {
        /// Degrees north.
        latitude: f64,
        /// Degrees east.
        longitude: f64,
        /// The place's name.
        name: Option<String>,
        /// Its address.
        address: Option<String>,
    },
    /// A reply button (or list row) the user pressed.
    Button {
        /// The visible text.
        text: Option<String>,
        /// The payload or id behind it.
        payload: Option<String>,
    },
    /// Shared contact cards.
    Contacts {
        /// The contacts.
        contacts: Vec<Contact>,
    },
    /// An emoji reaction to an earlier message, or its removal.
    Reaction {
        /// The provider's id of the message reacted to.
        message_id: String,
        /// The emoji; `None` when the user removed the reaction.
        emoji: Option<String>,
    },
    /// The reply of a WhatsApp Flow (a form the business sent): the answers as the Flow
    /// returned them, a JSON object (or, when the provider's text is not JSON, that text as a
    /// JSON string).
    Flow {
        /// The answers.
        response: serde_json::Value,
    },
    /// An order of products from the business's catalog.
    Order {
        /// The catalog.
        catalog_id: Option<String>,
        /// The user's note.
        text: Option<String>,
        /// The products.
        items: Vec<OrderItem>,
    },
    /// A notice from WhatsApp about the user rather than from them (Meta's `system`
    /// messages: the user changed their number or user id). Not written by the user: do not
    /// answer it as a message.
    System {
        /// What happened (`user_changed_number`, `user_changed_user_id`).
        kind: String,
        /// The notice's text.
        body: Option<String>,
        /// The user's new WhatsApp id or user id.
        new_id: Option<String>,
    },
    /// A kind of message this crate does not model (a reaction, a sticker, a new type): it
    /// is passed through, not dropped.
    Unsupported {
        /// What it was (the provider's type name, or why it could not be read).
        reason: String,
    },
}

/// A product in an order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrderItem {
    /// The product's id in the catalog.
    #[serde(default)]
    pub product_id: Option<String>,
    /// How many.
    #[serde(default)]
    pub quantity: Option<f64>,
    /// The price of one.
    #[serde(default)]
    pub unit_price: Option<f64>,
    /// The currency (ISO 4217).
    #[serde(default)]
    pub currency: Option<String>,
}

impl OrderItem {
    /// A product in an order.
    pub fn new(
        product_id: Option<String>,
        quantity: Option<f64>,
        unit_price: Option<f64>,
        currency: Option<String>,
    ) -> Self {
        OrderItem {
            product_id,
            quantity,
            unit_price,
            currency,
        }
    }
}

/// A media item of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaItem {
    /// Where to fetch it (Twilio's media URLs need the account's credentials). For Meta,
    /// the Graph API URL of the media object (`https://graph.facebook.com/v23.0/{id}`): a
    /// `GET` with the access token answers with the download URL.
    pub url: String,
    /// Its MIME type, if given.
    pub content_type: Option<String>,
    /// The provider's media id, for a provider that hands media out by id (Meta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The file's SHA-256 as the provider wrote it (Meta: base64), to check a download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The file name the user gave (documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl MediaItem {
    /// A media item.
    pub fn new(url: impl Into<String>, content_type: Option<String>) -> Self {
        MediaItem {
            url: url.into(),
            content_type,
            id: None,
            sha256: None,
            filename: None,
        }
    }

    /// Sets the provider's media id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the file's SHA-256, as the provider wrote it.
    pub fn with_sha256(mut self, sha256: impl Into<String>) -> Self {
        self.sha256 = Some(sha256.into());
        self
    }

    /// Sets the file name.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// The full name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone numbers, as given.
    #[serde(default)]
    pub phones: Vec<String>,
    /// E-mail addresses.
    #[serde(default)]
    pub emails: Vec<String>,
}

impl Contact {
    /// A contact.
    pub fn new(name: Option<String>, phones: Vec<String>, emails: Vec<String>) -> Self {
        Contact {
            name,
            phones,
            emails,
        }
    }
}

/// A change in the delivery status of an outbound message (or, for Botmaker, of a chat).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusUpdate {
    /// The provider that reported it.
    pub provider: ProviderKind,
    /// The provider's id of the message, when the change is about one message.
    pub message_id: Option<String>,
    /// Who the message was sent to.
    pub recipient: Option<WhatsAppAddress>,
    /// The provider's chat or conversation id.
    pub conversation_id: Option<String>,
    /// The new status.
    pub status: DeliveryStatus,
    /// When it changed, if the provider said.
    pub timestamp: Option<Timestamp>,
    /// Why delivery failed, for failed and undelivered messages.
    pub error: Option<StatusError>,
    /// The business number the message was sent from, when the provider says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<WhatsAppAddress>,
    /// The provider's id of the business line it was sent from, when the provider names it
    /// apart from the number (Meta's phone number id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<String>,
    /// How the message is billed, when the provider says (Meta's `pricing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pricing: Option<Pricing>,
}

/// How a message is billed, as the provider reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Pricing {
    /// Whether it is billed.
    #[serde(default)]
    pub billable: Option<bool>,
    /// The pricing model (Meta: `CBP`, `PMP`).
    #[serde(default)]
    pub model: Option<String>,
    /// The category (`service`, `marketing`, `utility`, `authentication`, …).
    #[serde(default)]
    pub category: Option<String>,
}

impl Pricing {
    /// Pricing as reported.
    pub fn new(billable: Option<bool>, model: Option<String>, category: Option<String>) -> Self {
        Pricing {
            billable,
            model,
            category,
        }
    }
}

impl StatusUpdate {
    /// A status change; the other fields are empty.
    pub fn new(provider: ProviderKind, status: DeliveryStatus) -> Self {
        StatusUpdate {
            provider,
            message_id: None,
            recipient: None,
            conversation_id: None,
            status,
            timestamp: None,
            error: None,
            sender: None,
            channel_id: None,
            pricing: None,
        }
    }
}

/// The error a failed delivery reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StatusError {
    /// The provider's code (`63016`).
    pub code: String,
    /// Its message.
    pub message: Option<String>,
}

impl StatusError {
    /// An error.
    pub fn new(code: impl Into<String>, message: Option<String>) -> Self {
        StatusError {
            code: code.into(),
            message,
        }
    }
}
