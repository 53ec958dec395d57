//! The requests a Botmaker provider sends: [`MessageRequest`] (v2 `send-messages`, one or
//! more [`Message`]s) and [`TriggerIntentRequest`] (v2 `trigger-intent`), both for a
//! [`ChatRef`]. Their wire shapes stay private; these types are built with methods.

use std::collections::BTreeMap;

use super::wire;
use crate::address::WhatsAppAddress;
use crate::message::{Interactive, Location, Media, ValidationError};

/// Botmaker's current API.
pub const V2_BASE_URL: &str = "https://api.botmaker.com/v2.0";
/// Botmaker's legacy API.
pub const V1_BASE_URL: &str = "https://go.botmaker.com/api/v1.0";

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

/// Which chat a v2 request is for: a channel and a contact, or Botmaker's chat id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChatRef {
    /// A channel (`acme-whatsapp-5491100000000`, or the line's number) and the user's
    /// contact id (on WhatsApp the phone number's digits, without `+`).
    Contact {
        /// The channel id.
        channel_id: String,
        /// The contact id.
        contact_id: String,
    },
    /// Botmaker's chat id (the webhook's `customerId`).
    Chat {
        /// The chat id.
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

    /// Who the request is for, for debug logs: the contact or chat id.
    pub(crate) fn label(&self) -> &str {
        match self {
            ChatRef::Contact { contact_id, .. } => contact_id,
            ChatRef::Chat { chat_id } => chat_id,
        }
    }

    pub(crate) fn wire(&self) -> wire::Chat<'_> {
        match self {
            ChatRef::Contact {
                channel_id,
                contact_id,
            } => wire::Chat::Contact {
                channel_id,
                contact_id,
            },
            ChatRef::Chat { chat_id } => wire::Chat::Chat { chat_id },
        }
    }
}

/// A v2 `send-messages` request: one or more messages to a chat, sent in order.
///
/// [`BotmakerProvider::send`](crate::WhatsAppProvider::send) builds one from an
/// [`OutboundMessage`](crate::OutboundMessage); build one yourself for what the neutral
/// message does not hold (several messages at once, contact cards, intent buttons, a chat
/// addressed by its Botmaker chat id), and send it with
/// [`BotmakerProvider::send_request`](super::BotmakerProvider::send_request).
///
/// ```
/// use whatsapp_connector::botmaker::{ChatRef, ContactCard, Message, MessageRequest};
///
/// let req = MessageRequest::new(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"))
///     .message(Message::text("Our sales contact:"))
///     .message(Message::contact(ContactCard::new("Bruno").with_phone("+14155550142")));
/// assert_eq!(req.messages().len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRequest {
    chat: ChatRef,
    messages: Vec<Message>,
}

impl MessageRequest {
    /// A request to `chat` with no messages yet.
    pub fn new(chat: ChatRef) -> Self {
        MessageRequest {
            chat,
            messages: Vec::new(),
        }
    }

    /// Adds a message (they are sent in order).
    pub fn message(mut self, message: Message) -> Self {
        self.messages.push(message);
        self
    }

    /// The chat.
    pub fn chat(&self) -> &ChatRef {
        &self.chat
    }

    /// The messages, in order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub(crate) fn wire(&self) -> wire::SendMessages<'_> {
        wire::SendMessages {
            chat: self.chat.wire(),
            messages: self.messages.iter().map(|m| &m.0).collect(),
        }
    }
}

/// One message of a [`MessageRequest`]: text, an attachment, a location, a contact card or
/// an interactive message, with optional intent buttons and your reference.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message(pub(crate) wire::Message);

impl Message {
    /// A text (`*bold*`, `_italic_`).
    pub fn text(text: impl Into<String>) -> Self {
        Message(wire::Message {
            text: Some(text.into()),
            ..wire::Message::default()
        })
    }

    /// An attachment at `url`; `mime_type` should be one of
    /// [`MIME_TYPES`](super::MIME_TYPES). Its caption is [`Message::with_text`].
    pub fn media_url(mime_type: impl Into<String>, url: impl Into<String>) -> Self {
        Message(wire::Message {
            media: Some(wire::Media {
                mime_type: mime_type.into(),
                url: url.into(),
                filename: None,
            }),
            ..wire::Message::default()
        })
    }

    /// Neutral media, with the MIME type Botmaker accepts for it (given, or inferred from
    /// the URL), its caption, and for documents a file name.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Invalid`] (field `mime_type`) when the MIME type is not one Botmaker
    /// accepts, or is not given and the URL's extension does not tell it (see
    /// [`media_mime_type`](super::media_mime_type)).
    pub fn media(media: &Media) -> Result<Self, ValidationError> {
        super::mapping::media(media)
    }

    /// A location pin.
    pub fn location(location: &Location) -> Self {
        Message(wire::Message {
            location: Some(super::mapping::location(location)),
            ..wire::Message::default()
        })
    }

    /// A contact card (WhatsApp only).
    pub fn contact(card: ContactCard) -> Self {
        Message(wire::Message {
            contact: Some(card.0),
            ..wire::Message::default()
        })
    }

    /// An interactive message (WhatsApp only): buttons, a list, a URL button or a location
    /// request.
    ///
    /// # Errors
    ///
    /// [`ValidationError::Invalid`] (field `interactive`) for a location request with a header or a
    /// footer, which WhatsApp does not allow.
    pub fn interactive(interactive: &Interactive) -> Result<Self, ValidationError> {
        Ok(Message(wire::Message {
            whatsapp_interactive: Some(super::mapping::interactive(interactive)?),
            ..wire::Message::default()
        }))
    }

    /// Sets the text: the message's text, or an attachment's caption.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.0.text = Some(text.into());
        self
    }

    /// Sets an attachment's file name (shown for documents); nothing without one.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        if let Some(m) = &mut self.0.media {
            m.filename = Some(filename.into());
        }
        self
    }

    /// Adds a quick button labelled `label` that triggers the intent `intent`.
    pub fn with_button(mut self, label: impl Into<String>, intent: impl Into<String>) -> Self {
        self.0.buttons.push(wire::Button {
            label: label.into(),
            intent: intent.into(),
        });
        self
    }

    /// Sets your reference, echoed in webhook notifications (`webhookPayload`).
    pub fn with_webhook_payload(mut self, payload: impl Into<String>) -> Self {
        self.0.webhook_payload = Some(payload.into());
        self
    }
}

/// A contact card for [`Message::contact`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactCard(wire::Contact);

impl ContactCard {
    /// A contact with a first name.
    pub fn new(first_name: impl Into<String>) -> Self {
        ContactCard(wire::Contact {
            first_name: Some(first_name.into()),
            ..wire::Contact::default()
        })
    }

    /// Sets the middle name.
    pub fn with_middle_name(mut self, middle_name: impl Into<String>) -> Self {
        self.0.middle_name = Some(middle_name.into());
        self
    }

    /// Sets the last name.
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.0.last_name = Some(last_name.into());
        self
    }

    /// Adds a phone number.
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.0.phones.push(phone.into());
        self
    }

    /// Adds an e-mail address.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.0.emails.push(email.into());
        self
    }
}

/// A v2 `trigger-intent` request: runs an intent, or sends an approved WhatsApp template,
/// in a chat.
///
/// ```
/// use whatsapp_connector::botmaker::{ChatRef, TriggerIntentRequest};
///
/// let req = TriggerIntentRequest::new(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"), "pedido_listo")
///     .with_variable("nombre", "Ana");
/// assert_eq!(req.intent(), "pedido_listo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerIntentRequest {
    chat: ChatRef,
    intent: String,
    variables: BTreeMap<String, String>,
    tags: BTreeMap<String, bool>,
    webhook_payload: Option<String>,
    then_intent: Option<String>,
}

impl TriggerIntentRequest {
    /// Triggers `intent` (an intent's or template's name or id) in `chat`.
    pub fn new(chat: ChatRef, intent: impl Into<String>) -> Self {
        TriggerIntentRequest {
            chat,
            intent: intent.into(),
            variables: BTreeMap::new(),
            tags: BTreeMap::new(),
            webhook_payload: None,
            then_intent: None,
        }
    }

    /// Sets a variable before the intent runs: a template's parameter.
    pub fn with_variable(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Sets a tag before the intent runs.
    pub fn with_tag(mut self, name: impl Into<String>, value: bool) -> Self {
        self.tags.insert(name.into(), value);
        self
    }

    /// Sets your reference, echoed in webhook notifications (`webhookPayload`).
    pub fn with_webhook_payload(mut self, payload: impl Into<String>) -> Self {
        self.webhook_payload = Some(payload.into());
        self
    }

    /// Runs this intent after the first (`postActionIntentIdOrName`).
    pub fn then_intent(mut self, intent: impl Into<String>) -> Self {
        self.then_intent = Some(intent.into());
        self
    }

    /// The chat.
    pub fn chat(&self) -> &ChatRef {
        &self.chat
    }

    /// The intent's or template's name or id.
    pub fn intent(&self) -> &str {
        &self.intent
    }

    /// The variables.
    pub fn variables(&self) -> &BTreeMap<String, String> {
        &self.variables
    }

    /// The tags.
    pub fn tags(&self) -> &BTreeMap<String, bool> {
        &self.tags
    }

    /// Your reference (`webhookPayload`), if set.
    pub fn webhook_payload(&self) -> Option<&str> {
        self.webhook_payload.as_deref()
    }

    /// The intent run after this one (`postActionIntentIdOrName`), if set.
    pub fn next_intent(&self) -> Option<&str> {
        self.then_intent.as_deref()
    }

    pub(crate) fn wire(&self) -> wire::TriggerIntent<'_> {
        wire::TriggerIntent {
            chat: self.chat.wire(),
            intent_id_or_name: &self.intent,
            variables: &self.variables,
            tags: &self.tags,
            webhook_payload: self.webhook_payload.as_deref(),
            post_action_intent_id_or_name: self.then_intent.as_deref(),
        }
    }
}
