//! The bodies of `POST /{version}/{phone-number-id}/messages`, shaped as Meta's Cloud API
//! takes them (the `Message` schema of Meta's OpenAPI description, `v23.0`).
//!
//! [`MetaProvider::send`](crate::WhatsAppProvider::send) builds these from an
//! [`OutboundMessage`](crate::OutboundMessage); build one yourself for what the crate's
//! neutral [`Content`](crate::Content) does not hold (contacts, a reply to a message, media
//! by uploaded id, template components) and send it with
//! [`MetaProvider::send_request`](super::MetaProvider::send_request).
//!
//! ```
//! use whatsapp_connector::meta::request::{MessageBody, MessageRequest, Text};
//!
//! let reply = MessageRequest::new("5491122223333", MessageBody::text(Text::new("hola")))
//!     .in_reply_to("wamid.INVENTED1");
//! assert_eq!(
//!     serde_json::to_value(&reply).unwrap(),
//!     serde_json::json!({
//!         "messaging_product": "whatsapp", "recipient_type": "individual",
//!         "to": "5491122223333", "context": {"message_id": "wamid.INVENTED1"},
//!         "type": "text", "text": {"body": "hola"}
//!     })
//! );
//! ```

use serde::Serialize;

mod contact;
mod template;

pub use contact::{
    Contact, ContactAddress, ContactEmail, ContactName, ContactOrg, ContactPhone, ContactUrl,
};
pub use template::{Component, Currency, DateTime, Language, Parameter, Template};

/// One message to send: the envelope every message has, and its body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MessageRequest {
    /// Always `whatsapp`.
    pub messaging_product: &'static str,
    /// `individual` (a group's id goes with `group`).
    pub recipient_type: &'static str,
    /// The recipient: a WhatsApp id (the phone number's digits, without `+`).
    pub to: String,
    /// The message this one answers, shown quoted above it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// A reference of yours (at most 512 characters) that Meta echoes in the status
    /// webhooks of this message. Meta documents it; its OpenAPI description lacks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub biz_opaque_callback_data: Option<String>,
    /// What the message carries; serialized with its `type`.
    #[serde(flatten)]
    pub body: MessageBody,
}

impl MessageRequest {
    /// A message to `to` (digits only; a leading `+` is removed).
    pub fn new(to: impl Into<String>, body: MessageBody) -> Self {
        let to = to.into();
        let to = to.strip_prefix('+').map(str::to_owned).unwrap_or(to);
        MessageRequest {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            to,
            context: None,
            biz_opaque_callback_data: None,
            body,
        }
    }

    /// Sends it as a reply to the message `message_id` (a `wamid.…`).
    pub fn in_reply_to(mut self, message_id: impl Into<String>) -> Self {
        self.context = Some(Context {
            message_id: message_id.into(),
        });
        self
    }
}

/// The message a message answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Context {
    /// Its id (`wamid.…`).
    pub message_id: String,
}

/// What a message carries, with its `type`.
// Built once per send and serialized at once: the size of the larger variants costs
// nothing worth a box in every user's code.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageBody {
    /// Text.
    Text {
        /// The text.
        text: Text,
    },
    /// An image (JPEG or PNG).
    Image {
        /// The image.
        image: MediaRef,
    },
    /// A video.
    Video {
        /// The video.
        video: MediaRef,
    },
    /// Audio (no caption).
    Audio {
        /// The audio.
        audio: MediaRef,
    },
    /// A document (with a file name).
    Document {
        /// The document.
        document: MediaRef,
    },
    /// A sticker (WebP, no caption).
    Sticker {
        /// The sticker.
        sticker: MediaRef,
    },
    /// A location pin.
    Location {
        /// The place.
        location: Location,
    },
    /// One to five contact cards.
    Contacts {
        /// The cards.
        contacts: Vec<Contact>,
    },
    /// A reaction to a message (an empty emoji removes it).
    Reaction {
        /// The reaction.
        reaction: Reaction,
    },
    /// Buttons, a list, a URL button, a location request.
    Interactive {
        /// The interactive message.
        interactive: Interactive,
    },
    /// An approved template.
    Template {
        /// The template and its parameters.
        template: Template,
    },
}

impl MessageBody {
    /// A text message.
    pub fn text(text: Text) -> Self {
        MessageBody::Text { text }
    }
}

/// A text message's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Text {
    /// The text (at most 4,096 characters).
    pub body: String,
    /// Shows a preview of the first URL in the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preview_url: Option<bool>,
}

impl Text {
    /// A text without a link preview setting.
    pub fn new(body: impl Into<String>) -> Self {
        Text {
            body: body.into(),
            preview_url: None,
        }
    }

    /// Asks for (or against) a preview of the first URL in the text.
    pub fn with_preview_url(mut self, preview: bool) -> Self {
        self.preview_url = Some(preview);
        self
    }
}

/// Media to send: by the id an upload gave ([`MetaProvider::upload_media`]), or by a public
/// URL Meta fetches. Exactly one of `id` and `link` is set.
///
/// [`MetaProvider::upload_media`]: super::MetaProvider::upload_media
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct MediaRef {
    /// The media id of an upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// A public `http(s)` URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// A caption (images, videos and documents; at most 1,024 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The file name a document is shown with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
}

impl MediaRef {
    /// Media uploaded before, by its id.
    pub fn id(id: impl Into<String>) -> Self {
        MediaRef {
            id: Some(id.into()),
            ..MediaRef::default()
        }
    }

    /// Media at a public URL.
    pub fn link(url: impl Into<String>) -> Self {
        MediaRef {
            link: Some(url.into()),
            ..MediaRef::default()
        }
    }

    /// Sets the caption.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Sets a document's file name.
    pub fn with_filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }
}

/// A location pin. Meta's schema gives the coordinates as strings (`"37.4847"`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Location {
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

/// A reaction: `emoji` on the message `message_id`; an empty `emoji` removes the reaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reaction {
    /// The message reacted to (`wamid.…`).
    pub message_id: String,
    /// One emoji, or empty to remove the reaction.
    pub emoji: String,
}

/// An interactive message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interactive {
    /// `button`, `list`, `cta_url`, `location_request_message`, `flow`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// A header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    /// The body text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<TextObject>,
    /// A footer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub footer: Option<TextObject>,
    /// What the user can do.
    pub action: Action,
}

/// An object holding one text (`{"text": "…"}`): an interactive body or footer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextObject {
    /// The text.
    pub text: String,
}

/// An interactive message's header: a text (or media, by `kind`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Header {
    /// `text`, `image`, `video` or `document`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text of a `text` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The image of an `image` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<MediaRef>,
    /// The video of a `video` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub video: Option<MediaRef>,
    /// The document of a `document` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<MediaRef>,
}

/// An interactive message's action. Which fields are set depends on the message's type:
/// `buttons` (reply buttons), `button` and `sections` (a list), `name` and `parameters`
/// (`cta_url`, `send_location`, `flow`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Action {
    /// A list's button label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button: Option<String>,
    /// Reply buttons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub buttons: Vec<Button>,
    /// A list's sections.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// A named action: `cta_url`, `send_location`, `flow`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The named action's parameters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
}

/// A reply button: `{"type": "reply", "reply": {"id": …, "title": …}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Button {
    /// Always `reply`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Its id and title.
    pub reply: ButtonReply,
}

impl Button {
    /// A reply button.
    pub fn reply(id: impl Into<String>, title: impl Into<String>) -> Self {
        Button {
            kind: "reply",
            reply: ButtonReply {
                id: id.into(),
                title: title.into(),
            },
        }
    }
}

/// A reply button's id (what comes back) and title (what is shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ButtonReply {
    /// Comes back when pressed (at most 256 characters).
    pub id: String,
    /// Shown (at most 20 characters).
    pub title: String,
}

/// A list section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The title (needed when there are several sections).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its rows.
    pub rows: Vec<Row>,
}

/// A list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    /// Comes back when chosen.
    pub id: String,
    /// Shown.
    pub title: String,
    /// Shown under the title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The body of a read mark (`status: read`) and, with `typing_indicator`, of a typing
/// indicator. Meta's OpenAPI description has the read mark as `MarkMessageRequestPayload`;
/// the typing indicator is in Meta's documentation only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct StatusRequest<'a> {
    pub(crate) messaging_product: &'static str,
    pub(crate) status: &'static str,
    pub(crate) message_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) typing_indicator: Option<TypingIndicator>,
}

/// `{"type": "text"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TypingIndicator {
    #[serde(rename = "type")]
    pub(crate) kind: &'static str,
}

impl<'a> StatusRequest<'a> {
    /// Marks `message_id` read, and shows "typing…" when `typing`.
    pub(crate) fn read(message_id: &'a str, typing: bool) -> Self {
        StatusRequest {
            messaging_product: "whatsapp",
            status: "read",
            message_id,
            typing_indicator: typing.then_some(TypingIndicator { kind: "text" }),
        }
    }
}
