//! The typed view of Botmaker's webhook bodies: one struct for each shape, and [`Extra`] for
//! the keys this crate does not model.

use std::fmt;

use serde_json::{Map, Value};

use crate::event::{Contact, Timestamp};

/// The keys of a webhook object that this crate does not model: bot and user variables
/// (which can hold personal data) and fields Botmaker may add.
///
/// They are kept so nothing is lost, but `Debug` prints only their names, never their
/// values, so logging a parsed payload does not log them.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(pub(super) Map<String, Value>);

impl Extra {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The names of the keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The keys and values, for code that handles them knowingly.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }
}

impl fmt::Debug for Extra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extra")
            .field("keys", &self.0.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// A location as a webhook reports it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookLocation {
    /// Degrees north.
    pub latitude: f64,
    /// Degrees east.
    pub longitude: f64,
    /// The place's name.
    pub name: Option<String>,
    /// Its address.
    pub address: Option<String>,
}

/// A Format A message: the flat object Botmaker posts per message. The same shape is used
/// for the items of a Format B envelope's `messages[]` and for a snapshot's `LAST_MESSAGE`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct FlatMessage {
    /// `_id_` (or `_id` in Format B): Botmaker's message id.
    pub id: Option<String>,
    /// `date`: when it was written.
    pub date: Option<Timestamp>,
    /// `chatPlatform`: `whatsapp`, `webchat`, ….
    pub chat_platform: Option<String>,
    /// `contactId`: the user's id on the platform (on WhatsApp, the phone number's digits).
    pub contact_id: Option<String>,
    /// `customerId`: Botmaker's chat id.
    pub customer_id: Option<String>,
    /// `sessionId`.
    pub session_id: Option<String>,
    /// `sessionCreationTime`.
    pub session_creation_time: Option<Timestamp>,
    /// `message`: the text.
    pub message: Option<String>,
    /// `from`: `user`, `bot` or `operator`.
    pub from: Option<String>,
    /// `fromCustomer`: true on the user's messages.
    pub from_customer: Option<bool>,
    /// `fromName`: the user's WhatsApp name, the agent's name, or `Bot`.
    pub from_name: Option<String>,
    /// `WHATSAPP_NUMBER`: the business line's digits.
    pub whatsapp_number: Option<String>,
    /// `chatChannelId`.
    pub chat_channel_id: Option<String>,
    /// `queue`.
    pub queue: Option<String>,
    /// `operatorId`: the agent who wrote it.
    pub operator_id: Option<String>,
    /// `operatorName`.
    pub operator_name: Option<String>,
    /// `operatorEmail`.
    pub operator_email: Option<String>,
    /// `isButton`: the user pressed a button.
    pub is_button: Option<bool>,
    /// `buttonName`: the pressed button's label.
    pub button_name: Option<String>,
    /// `buttonPayload`: the id of the chosen list row.
    pub button_payload: Option<String>,
    /// `responseId`: the id of a template's quick-reply button.
    pub response_id: Option<String>,
    /// `hasAttachment`.
    pub has_attachment: Option<bool>,
    /// `image`: an image URL.
    pub image: Option<String>,
    /// `audio`: an audio URL.
    pub audio: Option<String>,
    /// `video`: a video URL.
    pub video: Option<String>,
    /// `file`: a document URL.
    pub file: Option<String>,
    /// `caption`: the text attached to media.
    pub caption: Option<String>,
    /// `location`.
    pub location: Option<WebhookLocation>,
    /// `contacts`: shared contact cards.
    pub contacts: Option<Vec<Contact>>,
    /// `error`: why Botmaker could not represent the message (`Unsupported message`).
    pub error: Option<String>,
    /// `webhookPayload` (or the legacy `clientPayload`): the reference given when sending.
    pub webhook_payload: Option<String>,
    /// Every other key.
    pub extra: Extra,
}

/// A Format B envelope: the chat's details and its `messages[]`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Envelope {
    /// `v`: the format version (`1.1`).
    pub version: Option<String>,
    /// `type`: `message`.
    pub kind: Option<String>,
    /// `chatPlatform`.
    pub chat_platform: Option<String>,
    /// `contactId`: the user's phone (here possibly with `+`).
    pub contact_id: Option<String>,
    /// `whatsappNumber`: the business line.
    pub whatsapp_number: Option<String>,
    /// `chatIdInChatPlatform`: the user's id on other platforms.
    pub chat_id_in_chat_platform: Option<String>,
    /// `chatChannelId`.
    pub chat_channel_id: Option<String>,
    /// `customerId`: Botmaker's chat id.
    pub customer_id: Option<String>,
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `whatsappNickName`: the user's WhatsApp profile name.
    pub whatsapp_nick_name: Option<String>,
    /// `customerCreationTime`.
    pub customer_creation_time: Option<Timestamp>,
    /// `sessionCreationTime`.
    pub session_creation_time: Option<Timestamp>,
    /// `txId`: the `webhookNotificationId` of the API call that caused it.
    pub tx_id: Option<String>,
    /// `messages`.
    pub messages: Vec<FlatMessage>,
    /// Every other key.
    pub extra: Extra,
}

/// A Format C message: the legacy upper-case shape.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct LegacyMessage {
    /// `_id_`: the message id.
    pub id: Option<String>,
    /// `CHAT_PLATFORM_ID`.
    pub chat_platform: Option<String>,
    /// `MESSAGE`.
    pub message: Option<String>,
    /// `CREATION_TIME`.
    pub creation_time: Option<Timestamp>,
    /// `FROM_NAME`.
    pub from_name: Option<String>,
    /// `CUSTOMER_ID`: Botmaker's chat id.
    pub customer_id: Option<String>,
    /// `FROM`: the user's phone.
    pub from: Option<String>,
    /// `SESSION_CREATION_TIME`.
    pub session_creation_time: Option<Timestamp>,
    /// `WHATSAPP_NUMBER`: the business line, when given.
    pub whatsapp_number: Option<String>,
    /// `IMAGES_URLS`.
    pub images_urls: Vec<String>,
    /// `AUDIOS_URLS`.
    pub audios_urls: Vec<String>,
    /// `VIDEOS_URLS`.
    pub videos_urls: Vec<String>,
    /// `FILES_URLS`.
    pub files_urls: Vec<String>,
    /// Every other key.
    pub extra: Extra,
}

/// A status notification: a snapshot of the chat after one of its messages was delivered
/// or read. It carries no id of the message whose status changed; the watermarks say up to
/// when messages were received and read.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct StatusSnapshot {
    /// `_id_`: the chat id (in the documented 2018 shape, a message id).
    pub id: Option<String>,
    /// `STATUS`: `delivered`, `read`, ….
    pub status: String,
    /// `STATUS_CHANGE_TIME`.
    pub status_change_time: Option<Timestamp>,
    /// `USER_LAST_MSG_RECEIVED`: messages up to this time are on the user's phone.
    pub user_last_msg_received: Option<Timestamp>,
    /// `USER_LAST_MSG_READ`: messages up to this time were read (absent while unread).
    pub user_last_msg_read: Option<Timestamp>,
    /// `CHAT_PLATFORM_ID`.
    pub chat_platform: Option<String>,
    /// `chatChannelId`.
    pub chat_channel_id: Option<String>,
    /// `WHATSAPP_NUMBER`: the business line.
    pub whatsapp_number: Option<String>,
    /// `PLATFORM_CONTACT_ID`: the user's phone digits.
    pub platform_contact_id: Option<String>,
    /// `CUSTOMER_ID` (2018 shape): the chat id.
    pub customer_id: Option<String>,
    /// `FROM` (2018 shape): the user's phone.
    pub from: Option<String>,
    /// `BUSINESS_ID`.
    pub business_id: Option<String>,
    /// `FIRST_NAME`.
    pub first_name: Option<String>,
    /// `LAST_NAME`.
    pub last_name: Option<String>,
    /// `CREATION_TIME`.
    pub creation_time: Option<Timestamp>,
    /// `LAST_MESSAGE_CREATION_TIME`.
    pub last_message_creation_time: Option<Timestamp>,
    /// `LAST_MESSAGE`: the chat's last message, from whoever wrote it.
    pub last_message: Option<FlatMessage>,
    /// Every other key: the bot's variables (personal data), `QUEUE`, `LAST_SEEN`, ….
    pub extra: Extra,
}
