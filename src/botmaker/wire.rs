//! Botmaker's request bodies as they go on the wire: the serde shapes behind the public
//! request types. Nothing here is public.

use std::collections::BTreeMap;

use serde::Serialize;

/// Which chat a v2 request is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Chat<'a> {
    /// A channel and the user's contact id.
    Contact {
        #[serde(rename = "channelId")]
        channel_id: &'a str,
        #[serde(rename = "contactId")]
        contact_id: &'a str,
    },
    /// Botmaker's chat id.
    Chat {
        #[serde(rename = "chatId")]
        chat_id: &'a str,
    },
}

/// The body of `POST /chats-actions/send-messages`.
#[derive(Debug, Serialize)]
pub(crate) struct SendMessages<'a> {
    pub(crate) chat: Chat<'a>,
    pub(crate) messages: Vec<&'a Message>,
}

/// One message of a v2 send. Every part is optional; Botmaker sends what is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) text: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) buttons: Vec<Button>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) media: Option<Media>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) contact: Option<Contact>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) whatsapp_interactive: Option<Interactive>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) webhook_payload: Option<String>,
}

/// A button that triggers a Botmaker intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Button {
    pub(crate) label: String,
    pub(crate) intent: String,
}

/// An attachment: `mimeType` is one of [`MIME_TYPES`](super::MIME_TYPES).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Media {
    pub(crate) mime_type: String,
    pub(crate) url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) filename: Option<String>,
}

/// A location pin; Botmaker wants the coordinates as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Location {
    pub(crate) latitude: String,
    pub(crate) longitude: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) address: Option<String>,
}

/// A contact card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Contact {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) emails: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) phones: Vec<String>,
}

/// A `whatsappInteractive` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Interactive {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) header: Option<Header>,
    pub(crate) body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) footer: Option<String>,
    pub(crate) action: Action,
}

/// The header of an interactive message: `text` (the crate sends no other kind).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Header {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
    pub(crate) content: String,
}

/// The action of an interactive message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub(crate) enum Action {
    Url {
        #[serde(rename = "urlLink")]
        url_link: String,
        label: String,
    },
    Intent {
        buttons: Vec<Button>,
    },
    RequestLocation,
    List {
        button: String,
        sections: Vec<Section>,
    },
}

/// A section of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Section {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) title: Option<String>,
    pub(crate) rows: Vec<Row>,
}

/// A row of a list; its `id` comes back in the webhook as `buttonPayload`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Row {
    pub(crate) id: String,
    pub(crate) title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
}

/// The body of `POST /chats-actions/trigger-intent`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TriggerIntent<'a> {
    pub(crate) chat: Chat<'a>,
    pub(crate) intent_id_or_name: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) variables: &'a BTreeMap<String, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tags: &'a BTreeMap<String, bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) webhook_payload: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) post_action_intent_id_or_name: Option<&'a str>,
}

/// The body of a legacy v1 send (`/message/v3` or `/intent/v2`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct V1Send {
    pub(crate) chat_platform: &'static str,
    pub(crate) chat_channel_number: String,
    pub(crate) platform_contact_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) message_text: Option<String>,
    #[serde(rename = "imageURL", skip_serializing_if = "Option::is_none")]
    pub(crate) image_url: Option<String>,
    #[serde(rename = "audioURL", skip_serializing_if = "Option::is_none")]
    pub(crate) audio_url: Option<String>,
    #[serde(rename = "fileURL", skip_serializing_if = "Option::is_none")]
    pub(crate) file_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) rule_name_or_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) params: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_payload: Option<String>,
}

/// The body of `POST /chats-actions/send-read-typing-feedback`: `typing` true shows the
/// typing indicator, false marks the chat's previous messages read.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReadTypingFeedback<'a> {
    pub(crate) channel_id: &'a str,
    pub(crate) contact_id: &'a str,
    pub(crate) typing: bool,
}

/// The body of `POST /chats-actions/send-reaction` (with a reaction) and of `DELETE` on the
/// same path (without one).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reaction<'a> {
    pub(crate) message_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reaction: Option<&'a str>,
}
