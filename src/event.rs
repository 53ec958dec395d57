//! Events parsed from webhooks: a user's (or the bot's, or an agent's) message, or a
//! delivery-status change. They serialize to one provider-neutral JSON shape, so they can be
//! logged, queued and replayed.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::address::WhatsAppAddress;
use crate::kind::ProviderKind;

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
}

impl InboundEvent {
    /// The provider that sent it.
    pub fn provider(&self) -> &ProviderKind {
        match self {
            InboundEvent::Message(m) => &m.provider,
            InboundEvent::Status(s) => &s.provider,
        }
    }

    /// A key that is the same every time the provider redelivers this event, and differs
    /// between events: for a message, the provider's message id; for a status change, the
    /// message (or chat), the status and when it changed.
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
        }
    }

    /// The message, if this is one.
    pub fn as_message(&self) -> Option<&InboundMessage> {
        match self {
            InboundEvent::Message(m) => Some(m),
            InboundEvent::Status(_) => None,
        }
    }

    /// The status change, if this is one.
    pub fn as_status(&self) -> Option<&StatusUpdate> {
        match self {
            InboundEvent::Status(s) => Some(s),
            InboundEvent::Message(_) => None,
        }
    }
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
    /// A kind of message this crate does not model (a reaction, a sticker, a new type): it
    /// is passed through, not dropped.
    Unsupported {
        /// What it was (the provider's type name, or why it could not be read).
        reason: String,
    },
}

/// A media item of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MediaItem {
    /// Where to fetch it (Twilio's media URLs need the account's credentials).
    pub url: String,
    /// Its MIME type, if given.
    pub content_type: Option<String>,
}

impl MediaItem {
    /// A media item.
    pub fn new(url: impl Into<String>, content_type: Option<String>) -> Self {
        MediaItem {
            url: url.into(),
            content_type,
        }
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

/// Where an outbound message is in its life.
///
/// A value this crate does not know yet is kept as [`DeliveryStatus::Other`], so a provider
/// adding a status never breaks parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Taken by a messaging service, not yet queued.
    Accepted,
    /// Scheduled for later.
    Scheduled,
    /// Queued at the provider.
    Queued,
    /// Being sent.
    Sending,
    /// Handed to WhatsApp.
    Sent,
    /// On the user's phone.
    Delivered,
    /// Read by the user.
    Read,
    /// WhatsApp could not deliver it (terminal).
    Undelivered,
    /// The provider could not send it (terminal).
    Failed,
    /// Canceled before sending (terminal).
    Canceled,
    /// A status this crate does not know, as the provider wrote it (lowercased).
    Other(String),
}

impl DeliveryStatus {
    /// Parses a status name (any letter case). Unknown names become
    /// [`DeliveryStatus::Other`].
    pub fn parse(s: &str) -> Self {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "accepted" => DeliveryStatus::Accepted,
            "scheduled" => DeliveryStatus::Scheduled,
            "queued" => DeliveryStatus::Queued,
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "undelivered" => DeliveryStatus::Undelivered,
            "failed" => DeliveryStatus::Failed,
            "canceled" | "cancelled" => DeliveryStatus::Canceled,
            _ => DeliveryStatus::Other(lower),
        }
    }

    /// The name used in the event JSON.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Scheduled => "scheduled",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Canceled => "canceled",
            DeliveryStatus::Other(s) => s,
        }
    }

    /// True for statuses after which nothing more happens to the message: `failed`,
    /// `undelivered`, `canceled`.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            DeliveryStatus::Failed | DeliveryStatus::Undelivered | DeliveryStatus::Canceled
        )
    }

    /// How far along a successful message is: 0 accepted/scheduled, 1 queued, 2 sending,
    /// 3 sent, 4 delivered, 5 read. `None` for failures and unknown statuses.
    fn progress(&self) -> Option<u8> {
        Some(match self {
            DeliveryStatus::Accepted | DeliveryStatus::Scheduled => 0,
            DeliveryStatus::Queued => 1,
            DeliveryStatus::Sending => 2,
            DeliveryStatus::Sent => 3,
            DeliveryStatus::Delivered => 4,
            DeliveryStatus::Read => 5,
            _ => return None,
        })
    }

    /// Whether `self`, arriving after `current`, should replace it. Callbacks arrive out of
    /// order, so a status replaces another only when it is further along:
    ///
    /// - progress only moves forward: a late `delivered` never overwrites `read`;
    /// - a failure (`failed`, `undelivered`, `canceled`) is final: nothing overwrites it;
    /// - a failure replaces any progress short of `delivered` (a message on the phone has
    ///   not failed);
    /// - an unknown status never replaces a known one, and any known status replaces an
    ///   unknown one.
    ///
    /// ```
    /// use whatsapp_connector::DeliveryStatus::*;
    ///
    /// assert!(Read.supersedes(&Delivered));
    /// assert!(!Delivered.supersedes(&Read));
    /// assert!(!Sent.supersedes(&Failed));
    /// assert!(Failed.supersedes(&Sent));
    /// ```
    pub fn supersedes(&self, current: &DeliveryStatus) -> bool {
        if current.is_failure() {
            return false;
        }
        match (self.progress(), current.progress()) {
            (Some(new), Some(old)) => new > old,
            (None, Some(old)) => self.is_failure() && old < 4,
            (Some(_), None) => true,
            (None, None) => self.is_failure(),
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeliveryStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeliveryStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(DeliveryStatus::parse(&s))
    }
}

/// A point in time, written as RFC 3339 (`2026-04-17T18:37:32.032Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Parses RFC 3339 (`2026-04-17T18:37:32.032Z`, `2026-04-17T15:37:32-03:00`).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        OffsetDateTime::parse(s.trim(), &Rfc3339)
            .ok()
            .map(Timestamp)
    }

    /// The current time.
    pub fn now() -> Self {
        Timestamp(OffsetDateTime::now_utc())
    }

    /// Milliseconds since the Unix epoch.
    pub fn from_unix_millis(ms: i64) -> Option<Self> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .ok()
            .map(Timestamp)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        (self.0.unix_timestamp_nanos() / 1_000_000) as i64
    }

    /// The underlying date-time.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(t: OffsetDateTime) -> Self {
        Timestamp(t)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 with the fraction in whole milli-, micro- or nanoseconds (`.030`, never
    /// `.03`), none when it is zero, and `Z` for UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let nanos = t.nanosecond();
        if nanos != 0 {
            if nanos % 1_000_000 == 0 {
                write!(f, ".{:03}", nanos / 1_000_000)?;
            } else if nanos % 1_000 == 0 {
                write!(f, ".{:06}", nanos / 1_000)?;
            } else {
                write!(f, ".{nanos:09}")?;
            }
        }
        let offset = t.offset();
        if offset.is_utc() {
            f.write_str("Z")
        } else {
            let (h, m, _) = offset.as_hms();
            let sign = if offset.is_negative() { '-' } else { '+' };
            write!(f, "{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("{s:?} is not an RFC 3339 time")))
    }
}
