//! A chat's message history as `GET /messages` gives it: which messages to ask for
//! ([`MessageQuery`]), the messages ([`ChatMessage`]) and the pages they come in
//! ([`MessagePage`], continued with a [`NextPage`]).

use std::fmt;

use serde_json::Value;

use super::chat::{ChatIds, prefixed, string, strings, time};
use super::request::ChatRef;
use crate::error::ParseError;
use crate::event::Timestamp;
use crate::message::ValidationError;

/// The fewest messages a page may be asked for ([`MessageQuery::limit`]).
pub const MIN_PAGE_LIMIT: u32 = 250;
/// The most messages a page may be asked for ([`MessageQuery::limit`]).
pub const MAX_PAGE_LIMIT: u32 = 1500;

/// Which messages `GET /messages` returns: one chat's or every chat's, between two times.
///
/// Without [`from`](MessageQuery::from) and [`to`](MessageQuery::to), Botmaker picks the
/// range: for one chat, the last 90 days; for every chat, the last 3 days. Botmaker bills
/// these reads as BI data sources, so ask for the period you need and keep what you got.
///
/// ```
/// use whatsapp_connector::Timestamp;
/// use whatsapp_connector::botmaker::{ChatRef, MessageQuery};
///
/// let since = Timestamp::parse_rfc3339("2026-04-17T18:00:00Z").unwrap();
/// let query = MessageQuery::chat(ChatRef::chat_id("KD83JQW0ZX5VR2MTNB7C"))
///     .from(since)
///     .limit(250);
/// assert_eq!(
///     query.query_pairs(),
///     [
///         ("chat-id", "KD83JQW0ZX5VR2MTNB7C".to_owned()),
///         ("from", "2026-04-17T18:00:00Z".to_owned()),
///         ("limit", "250".to_owned()),
///     ]
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageQuery {
    chat: Option<ChatRef>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    chat_platform: Option<String>,
    limit: Option<u32>,
    long_term_search: bool,
}

impl MessageQuery {
    /// The messages of one chat: by its chat id (`chat-id`), or by channel and contact
    /// (`channel-id` and `contact-id`).
    pub fn chat(chat: ChatRef) -> Self {
        MessageQuery {
            chat: Some(chat),
            ..MessageQuery::all()
        }
    }

    /// The messages of every chat of the account.
    pub fn all() -> Self {
        MessageQuery {
            chat: None,
            from: None,
            to: None,
            chat_platform: None,
            limit: None,
            long_term_search: false,
        }
    }

    /// Only messages created at or after `from`.
    pub fn from(mut self, from: Timestamp) -> Self {
        self.from = Some(from);
        self
    }

    /// Only messages created at or before `to`.
    pub fn to(mut self, to: Timestamp) -> Self {
        self.to = Some(to);
        self
    }

    /// Only messages of one chat platform (`whatsapp`, `messenger`, `webchat`, …).
    pub fn chat_platform(mut self, platform: impl Into<String>) -> Self {
        self.chat_platform = Some(platform.into());
        self
    }

    /// How many messages a page holds, between [`MIN_PAGE_LIMIT`] and [`MAX_PAGE_LIMIT`];
    /// Botmaker's default when unset.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Searches older messages (`long-term-search=true`), which Botmaker bills by the bytes
    /// read: setting it says you accept that.
    pub fn long_term_search(mut self, yes: bool) -> Self {
        self.long_term_search = yes;
        self
    }

    /// The chat asked for, if any.
    pub fn chat_ref(&self) -> Option<&ChatRef> {
        self.chat.as_ref()
    }

    /// The query string's parameters, in the order they are sent.
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        match &self.chat {
            Some(ChatRef::Chat { chat_id }) => pairs.push(("chat-id", chat_id.clone())),
            Some(ChatRef::Contact {
                channel_id,
                contact_id,
            }) => {
                pairs.push(("channel-id", channel_id.clone()));
                pairs.push(("contact-id", contact_id.clone()));
            }
            None => {}
        }
        if let Some(t) = self.from {
            pairs.push(("from", t.to_string()));
        }
        if let Some(t) = self.to {
            pairs.push(("to", t.to_string()));
        }
        if let Some(p) = &self.chat_platform {
            pairs.push(("chat-platform", p.clone()));
        }
        if let Some(l) = self.limit {
            pairs.push(("limit", l.to_string()));
        }
        if self.long_term_search {
            pairs.push(("long-term-search", "true".to_owned()));
        }
        pairs
    }

    /// Checks what Botmaker would refuse, before any request.
    pub(crate) fn validate(&self) -> Result<(), ValidationError> {
        let empty = |s: &str| s.trim().is_empty();
        match &self.chat {
            Some(ChatRef::Chat { chat_id }) if empty(chat_id) => {
                return Err(ValidationError::Empty { field: "chat id" });
            }
            Some(ChatRef::Contact {
                channel_id,
                contact_id,
            }) if empty(channel_id) || empty(contact_id) => {
                return Err(ValidationError::Empty {
                    field: "channel id and contact id",
                });
            }
            _ => {}
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(ValidationError::Invalid {
                field: "from",
                reason: "is after `to`".into(),
            });
        }
        if let Some(l) = self.limit
            && !(MIN_PAGE_LIMIT..=MAX_PAGE_LIMIT).contains(&l)
        {
            return Err(ValidationError::Invalid {
                field: "limit",
                reason: format!("must be between {MIN_PAGE_LIMIT} and {MAX_PAGE_LIMIT}"),
            });
        }
        Ok(())
    }
}

/// Where the next page of messages is: the `nextPage` URL Botmaker gave, used as it comes.
///
/// Store it ([`NextPage::as_str`]) to resume later, and rebuild it with [`NextPage::new`].
/// It is only followed to the host of the provider's base URL, since the access token goes
/// with it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NextPage(String);

impl NextPage {
    /// A next-page URL, as Botmaker gave it.
    pub fn new(url: impl Into<String>) -> Self {
        NextPage(url.into())
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NextPage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NextPage")
            .field(&crate::urls::mask_password(&self.0))
            .finish()
    }
}

/// One page of `GET /messages`: messages sorted by creation time, and where the next page
/// is when there are more.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MessagePage {
    /// The messages (`items`).
    pub messages: Vec<ChatMessage>,
    /// The next page (`nextPage`); `None` on the last page.
    pub next: Option<NextPage>,
}

impl MessagePage {
    /// Reads a page from the JSON body of `GET /messages`.
    ///
    /// # Errors
    ///
    /// [`ParseError::Malformed`] when the body is not a JSON object;
    /// [`ParseError::InvalidField`] (`items`, `nextPage`, or a message's field, named as
    /// `items[3].creationTime`) and [`ParseError::MissingField`] (`items[3].chat`) when a
    /// message cannot be read.
    pub fn from_json(body: &str) -> Result<MessagePage, ParseError> {
        let v: Value = serde_json::from_str(body)
            .map_err(|e| ParseError::malformed(format!("the messages answer is not JSON: {e}")))?;
        if !v.is_object() {
            return Err(ParseError::malformed(
                "the messages answer is not a JSON object",
            ));
        }
        let next = string(&v, "nextPage")?.map(NextPage);
        let messages = match v.get("items") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    ChatMessage::from_value(item.clone())
                        .map_err(|e| prefixed(&format!("items[{i}]"), e))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(ParseError::invalid("items", "expected a list")),
        };
        Ok(MessagePage { messages, next })
    }
}

/// Who wrote a message (`from`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Sender {
    /// The bot.
    Bot,
    /// The user (the WhatsApp contact).
    User,
    /// A human agent ([`ChatMessage::agent_id`] says which).
    Agent,
    /// A value Botmaker does not document, as sent.
    Other(String),
}

impl Sender {
    fn parse(s: &str) -> Sender {
        match s {
            "bot" => Sender::Bot,
            "user" => Sender::User,
            "agent" => Sender::Agent,
            other => Sender::Other(other.to_owned()),
        }
    }
}

/// A message of a chat's history (Botmaker's `MessageResponse`).
///
/// The fields used most are typed; everything Botmaker sent is in [`ChatMessage::raw`]
/// (the content's buttons, location, call and encryption parameters among them).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ChatMessage {
    /// Botmaker's message id (`id`): the `_id_` its webhooks carry.
    pub id: Option<String>,
    /// When it was created (`creationTime`).
    pub created_at: Option<Timestamp>,
    /// Who wrote it (`from`).
    pub from: Option<Sender>,
    /// The agent who wrote it, when an agent did (`agentId`).
    pub agent_id: Option<String>,
    /// The chat's queue (`queueId`).
    pub queue_id: Option<String>,
    /// The chat it belongs to (`chat`).
    pub chat: ChatIds,
    /// The session it belongs to (`sessionId`).
    pub session_id: Option<String>,
    /// When that session began (`sessionCreationTime`).
    pub session_created_at: Option<Timestamp>,
    /// What it says (`content`).
    pub content: ChatMessageContent,
    /// The whole message, as Botmaker sent it.
    pub raw: Value,
}

/// The content of a [`ChatMessage`] (Botmaker's `Content`); the rest of it is in the
/// message's `raw["content"]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatMessageContent {
    /// The kind (`type`): `text`, `image`, `audio`, `file`, `video`, `buttons`,
    /// `carousel`, `button-click` or `call`.
    pub kind: Option<String>,
    /// The text (`text`).
    pub text: Option<String>,
    /// The option buttons shown to the user (`buttons`).
    pub buttons: Vec<String>,
    /// The button the user chose (`selectedButton`).
    pub selected_button: Option<String>,
    /// The attachment's URL (`media.url`).
    pub media_url: Option<String>,
    /// The attachment's caption (`media.caption`).
    pub media_caption: Option<String>,
    /// The WhatsApp template the message was, if it was one (`whatsAppTemplateName`).
    pub template_name: Option<String>,
}

impl ChatMessage {
    pub(crate) fn from_value(raw: Value) -> Result<ChatMessage, ParseError> {
        if !raw.is_object() {
            return Err(ParseError::malformed("a message is not a JSON object"));
        }
        let chat = match raw.get("chat") {
            None | Some(Value::Null) => return Err(ParseError::missing("chat")),
            Some(v) => ChatIds::from_value("chat", v)?,
        };
        let content = match raw.get("content") {
            None | Some(Value::Null) => ChatMessageContent::default(),
            Some(c) => content(c).map_err(|e| prefixed("content", e))?,
        };
        Ok(ChatMessage {
            id: string(&raw, "id")?,
            created_at: time(&raw, "creationTime")?,
            from: string(&raw, "from")?.as_deref().map(Sender::parse),
            agent_id: string(&raw, "agentId")?,
            queue_id: string(&raw, "queueId")?,
            chat,
            session_id: string(&raw, "sessionId")?,
            session_created_at: time(&raw, "sessionCreationTime")?,
            content,
            raw,
        })
    }
}

fn content(c: &Value) -> Result<ChatMessageContent, ParseError> {
    if !c.is_object() {
        return Err(ParseError::invalid("content", "expected an object"));
    }
    let (media_url, media_caption) = match c.get("media") {
        None | Some(Value::Null) => (None, None),
        Some(m) if m.is_object() => (
            string(m, "url").map_err(|e| prefixed("media", e))?,
            string(m, "caption").map_err(|e| prefixed("media", e))?,
        ),
        Some(_) => return Err(ParseError::invalid("media", "expected an object")),
    };
    Ok(ChatMessageContent {
        kind: string(c, "type")?,
        text: string(c, "text")?,
        buttons: strings(c, "buttons")?,
        selected_button: string(c, "selectedButton")?,
        media_url,
        media_caption,
        template_name: string(c, "whatsAppTemplateName")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_typed_messages() {
        let page = MessagePage::from_json(
            r#"{"nextPage": "https://api.botmaker.com/v2.0/messages?cursor=c2",
              "items": [
                {"id": "M0000000000000000001", "creationTime": "2026-04-17T18:00:00Z", "from": "user",
                 "chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C", "channelId": "acme-whatsapp-5491100000000",
                          "contactId": "5491122223333"},
                 "sessionId": "KD83JQW0ZX5VR2MTNB7C_2026-04-17T17:00:00Z",
                 "sessionCreationTime": "2026-04-17T17:00:00Z",
                 "content": {"type": "text", "text": "Hola", "encrypted": false}},
                {"id": "M0000000000000000002", "from": "agent", "agentId": "ag-7",
                 "chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C"},
                 "content": {"type": "image", "media": {"url": "https://cdn.example.com/a.jpg", "caption": "foto"},
                             "buttons": ["Sí", "No"], "whatsAppTemplateName": "promo"}},
                {"chat": {}, "from": "system"}
              ]}"#,
        )
        .unwrap();
        assert_eq!(
            page.next.as_ref().map(NextPage::as_str),
            Some("https://api.botmaker.com/v2.0/messages?cursor=c2")
        );
        let [m1, m2, m3] = &page.messages[..] else {
            panic!("{page:?}")
        };
        assert_eq!(m1.id.as_deref(), Some("M0000000000000000001"));
        assert_eq!(m1.created_at.unwrap().to_string(), "2026-04-17T18:00:00Z");
        assert_eq!(m1.from, Some(Sender::User));
        assert_eq!(m1.chat.contact_id.as_deref(), Some("5491122223333"));
        assert_eq!(
            m1.session_created_at.unwrap().to_string(),
            "2026-04-17T17:00:00Z"
        );
        assert_eq!(m1.content.kind.as_deref(), Some("text"));
        assert_eq!(m1.content.text.as_deref(), Some("Hola"));
        assert_eq!(m1.raw["content"]["encrypted"], false);
        assert_eq!(m2.from, Some(Sender::Agent));
        assert_eq!(m2.agent_id.as_deref(), Some("ag-7"));
        assert_eq!(
            m2.content.media_url.as_deref(),
            Some("https://cdn.example.com/a.jpg")
        );
        assert_eq!(m2.content.media_caption.as_deref(), Some("foto"));
        assert_eq!(m2.content.buttons, ["Sí", "No"]);
        assert_eq!(m2.content.template_name.as_deref(), Some("promo"));
        assert_eq!(m3.from, Some(Sender::Other("system".into())));
        assert_eq!(m3.content, ChatMessageContent::default());

        let last = MessagePage::from_json(r#"{"items": [], "nextPage": ""}"#).unwrap();
        assert!(last.messages.is_empty() && last.next.is_none());
        assert_eq!(MessagePage::from_json("{}").unwrap().messages.len(), 0);
    }

    #[test]
    fn unreadable_pages_name_the_field() {
        let err = |body: &str| MessagePage::from_json(body).unwrap_err();
        assert_eq!(
            err(r#"{"items": [{"id": "M1"}]}"#),
            ParseError::missing("items[0].chat")
        );
        assert_eq!(
            err(r#"{"items": [{"chat": {}}, {"chat": {}, "creationTime": 5}]}"#),
            ParseError::invalid("items[1].creationTime", "expected a string")
        );
        assert_eq!(
            err(r#"{"items": [{"chat": {}, "content": {"media": {"url": 1}}}]}"#),
            ParseError::invalid("items[0].content.media.url", "expected a string")
        );
        assert_eq!(
            err(r#"{"items": {}}"#),
            ParseError::invalid("items", "expected a list")
        );
        assert_eq!(
            err(r#"{"nextPage": 3}"#),
            ParseError::invalid("nextPage", "expected a string")
        );
        assert!(matches!(err("[]"), ParseError::Malformed { .. }));
        assert!(matches!(
            err(r#"{"items": [7]}"#),
            ParseError::Malformed { .. }
        ));
    }

    #[test]
    fn queries_are_checked() {
        let t = |s| Timestamp::parse_rfc3339(s).unwrap();
        assert!(MessageQuery::all().validate().is_ok());
        assert!(
            MessageQuery::chat(ChatRef::chat_id(" "))
                .validate()
                .is_err()
        );
        let contact = ChatRef::Contact {
            channel_id: "acme-whatsapp-5491100000000".into(),
            contact_id: String::new(),
        };
        assert!(MessageQuery::chat(contact).validate().is_err());
        let backwards = MessageQuery::all()
            .from(t("2026-04-18T00:00:00Z"))
            .to(t("2026-04-17T00:00:00Z"));
        assert!(backwards.validate().is_err());
        assert!(MessageQuery::all().limit(249).validate().is_err());
        assert!(MessageQuery::all().limit(1501).validate().is_err());
        assert!(MessageQuery::all().limit(1500).validate().is_ok());
        let q = MessageQuery::chat(ChatRef::Contact {
            channel_id: "acme-whatsapp-5491100000000".into(),
            contact_id: "5491122223333".into(),
        })
        .to(t("2026-04-18T00:00:00Z"))
        .chat_platform("whatsapp")
        .long_term_search(true);
        let names: Vec<&str> = q.query_pairs().iter().map(|(k, _)| *k).collect();
        assert_eq!(
            names,
            [
                "channel-id",
                "contact-id",
                "to",
                "chat-platform",
                "long-term-search"
            ]
        );
    }
}
