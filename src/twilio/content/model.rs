//! What a create sends, typed: [`NewContent`] and the kinds WhatsApp uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A Content resource to create: `POST https://content.twilio.com/v1/Content`.
///
/// ```
/// use whatsapp_connector::twilio::content::{Action, NewContent, QuickReply};
///
/// let content = NewContent::new(
///     "es",
///     QuickReply::new(
///         "Hola {{1}}, ¿confirmás tu turno del {{2}}?",
///         vec![Action::quick_reply("Sí", "yes"), Action::quick_reply("No", "no")],
///     ),
/// )
/// .with_friendly_name("turno_confirmacion")
/// .with_variable("1", "Ana")
/// .with_variable("2", "martes");
/// assert!(content.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NewContent {
    /// A name for people, not shown to the recipient.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// The language (`en`, `es`, `pt_BR`, …).
    pub language: String,
    /// The sample of each variable (`{"1": "Ana"}`): WhatsApp reviews a template with them,
    /// and Twilio falls back to them when a send leaves a variable out.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// The content, in one or more kinds (Twilio sends the richest one the channel takes).
    pub types: ContentTypes,
}

impl NewContent {
    /// Content in `language` of one kind.
    pub fn new(language: impl Into<String>, kind: impl Into<ContentTypes>) -> Self {
        NewContent {
            friendly_name: None,
            language: language.into(),
            variables: BTreeMap::new(),
            types: kind.into(),
        }
    }

    /// Sets the friendly name.
    pub fn with_friendly_name(mut self, name: impl Into<String>) -> Self {
        self.friendly_name = Some(name.into());
        self
    }

    /// Adds the sample of variable `key` (`"1"` for `{{1}}`).
    pub fn with_variable(mut self, key: impl Into<String>, sample: impl Into<String>) -> Self {
        self.variables.insert(key.into(), sample.into());
        self
    }
}

/// The kinds of one Content resource (its `types`), each at most once. Kinds WhatsApp does
/// not use (`twilio/carousel`, `twilio/catalog`, …) are not offered here; a fetched
/// resource keeps whatever it holds ([`ContentResource::types`](super::ContentResource::types)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ContentTypes {
    /// `twilio/text`.
    #[serde(
        rename = "twilio/text",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub text: Option<Text>,
    /// `twilio/media`.
    #[serde(
        rename = "twilio/media",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub media: Option<MediaContent>,
    /// `twilio/quick-reply`.
    #[serde(
        rename = "twilio/quick-reply",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub quick_reply: Option<QuickReply>,
    /// `twilio/list-picker`.
    #[serde(
        rename = "twilio/list-picker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub list_picker: Option<ListPicker>,
    /// `twilio/call-to-action`.
    #[serde(
        rename = "twilio/call-to-action",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub call_to_action: Option<CallToAction>,
    /// `twilio/card`.
    #[serde(
        rename = "twilio/card",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub card: Option<Card>,
}

impl ContentTypes {
    /// The kinds this crate creates, by their names in the API.
    pub const KNOWN: [&'static str; 6] = [
        "twilio/text",
        "twilio/media",
        "twilio/quick-reply",
        "twilio/list-picker",
        "twilio/call-to-action",
        "twilio/card",
    ];

    /// True when no kind is set.
    pub fn is_empty(&self) -> bool {
        self.text.is_none()
            && self.media.is_none()
            && self.quick_reply.is_none()
            && self.list_picker.is_none()
            && self.call_to_action.is_none()
            && self.card.is_none()
    }
}

macro_rules! kind_into_types {
    ($($kind:ident => $field:ident),*) => {$(
        impl From<$kind> for ContentTypes {
            fn from(k: $kind) -> Self {
                ContentTypes { $field: Some(k), ..ContentTypes::default() }
            }
        }
    )*};
}
kind_into_types!(Text => text, MediaContent => media, QuickReply => quick_reply,
    ListPicker => list_picker, CallToAction => call_to_action, Card => card);

/// `twilio/text`: text alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Text {
    /// The text (at most 1,600 characters).
    pub body: String,
}

impl Text {
    /// Text content.
    pub fn new(body: impl Into<String>) -> Self {
        Text { body: body.into() }
    }
}

/// `twilio/media`: files, with an optional text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct MediaContent {
    /// The text under the media.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Public `http(s)` URLs of the files (a variable may end one: `https://…/{{1}}`).
    pub media: Vec<String>,
}

impl MediaContent {
    /// Media at `url`.
    pub fn new(url: impl Into<String>) -> Self {
        MediaContent {
            body: None,
            media: vec![url.into()],
        }
    }

    /// Sets the text.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// `twilio/quick-reply`: a text with reply buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct QuickReply {
    /// The text above the buttons (at most 1,024 characters).
    pub body: String,
    /// The buttons ([`Action::quick_reply`]; 1 to 10).
    pub actions: Vec<Action>,
}

impl QuickReply {
    /// Reply buttons under `body`.
    pub fn new(body: impl Into<String>, actions: Vec<Action>) -> Self {
        QuickReply {
            body: body.into(),
            actions,
        }
    }
}

/// `twilio/list-picker`: a text with a button that opens a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ListPicker {
    /// The text (at most 1,024 characters).
    pub body: String,
    /// The label of the button that opens the list.
    pub button: String,
    /// The rows (1 to 10).
    pub items: Vec<ListItem>,
}

impl ListPicker {
    /// A list behind `button`.
    pub fn new(body: impl Into<String>, button: impl Into<String>, items: Vec<ListItem>) -> Self {
        ListPicker {
            body: body.into(),
            button: button.into(),
            items,
        }
    }
}

/// A row of a [`ListPicker`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ListItem {
    /// What comes back when the row is chosen (at most 200 characters).
    pub id: String,
    /// The row's text (at most 24 characters).
    pub item: String,
    /// A description (at most 72 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ListItem {
    /// A row.
    pub fn new(id: impl Into<String>, item: impl Into<String>) -> Self {
        ListItem {
            id: id.into(),
            item: item.into(),
            description: None,
        }
    }

    /// Sets the description.
    pub fn with_description(mut self, d: impl Into<String>) -> Self {
        self.description = Some(d.into());
        self
    }
}

/// `twilio/call-to-action`: a text with buttons that open a URL, call a number or copy a
/// code. WhatsApp sends it only as an approved template, inside the 24-hour window too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct CallToAction {
    /// The text (at most 640 characters).
    pub body: String,
    /// The buttons: at most 2 [`ActionType::Url`], and one [`ActionType::PhoneNumber`] or
    /// [`ActionType::VoiceCall`].
    pub actions: Vec<Action>,
}

impl CallToAction {
    /// Buttons under `body`.
    pub fn new(body: impl Into<String>, actions: Vec<Action>) -> Self {
        CallToAction {
            body: body.into(),
            actions,
        }
    }
}

/// `twilio/card`: a title with at least one of a subtitle, media and buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Card {
    /// The title.
    pub title: String,
    /// A subtitle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// Public `http(s)` URLs of media.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media: Vec<String>,
    /// Buttons (any [`ActionType`] but [`ActionType::VoiceCallRequest`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
}

impl Card {
    /// A card with a title (add a subtitle, media or buttons).
    pub fn new(title: impl Into<String>) -> Self {
        Card {
            title: title.into(),
            subtitle: None,
            media: Vec::new(),
            actions: Vec::new(),
        }
    }

    /// Sets the subtitle.
    pub fn with_subtitle(mut self, s: impl Into<String>) -> Self {
        self.subtitle = Some(s.into());
        self
    }

    /// Adds a media URL.
    pub fn with_media(mut self, url: impl Into<String>) -> Self {
        self.media.push(url.into());
        self
    }

    /// Adds a button.
    pub fn with_action(mut self, action: Action) -> Self {
        self.actions.push(action);
        self
    }
}

/// What a button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ActionType {
    /// Sends its title (and id) back as the user's reply.
    QuickReply,
    /// Opens `url`.
    Url,
    /// Calls `phone`.
    PhoneNumber,
    /// Copies `code`.
    CopyCode,
    /// A WhatsApp call to the business (a private beta at Twilio).
    VoiceCall,
    /// Asks the user for a WhatsApp call (a private beta at Twilio).
    VoiceCallRequest,
}

/// A button of a quick reply, call to action or card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Action {
    /// What it does.
    #[serde(rename = "type")]
    pub kind: ActionType,
    /// Its label.
    pub title: String,
    /// What comes back when a quick reply is pressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The URL a [`ActionType::Url`] button opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The number a [`ActionType::PhoneNumber`] button calls (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The code a [`ActionType::CopyCode`] button copies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Action {
    fn new(kind: ActionType, title: impl Into<String>) -> Self {
        Action {
            kind,
            title: title.into(),
            id: None,
            url: None,
            phone: None,
            code: None,
        }
    }

    /// A reply button: `title` shown, `id` sent back.
    pub fn quick_reply(title: impl Into<String>, id: impl Into<String>) -> Self {
        Action {
            id: Some(id.into()),
            ..Action::new(ActionType::QuickReply, title)
        }
    }

    /// A button that opens `url`.
    pub fn url(title: impl Into<String>, url: impl Into<String>) -> Self {
        Action {
            url: Some(url.into()),
            ..Action::new(ActionType::Url, title)
        }
    }

    /// A button that calls `phone` (E.164).
    pub fn phone_number(title: impl Into<String>, phone: impl Into<String>) -> Self {
        Action {
            phone: Some(phone.into()),
            ..Action::new(ActionType::PhoneNumber, title)
        }
    }

    /// A button that copies `code`.
    pub fn copy_code(title: impl Into<String>, code: impl Into<String>) -> Self {
        Action {
            code: Some(code.into()),
            ..Action::new(ActionType::CopyCode, title)
        }
    }
}
