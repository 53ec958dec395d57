//! A chat as `GET /chats/{chatReference}` gives it: [`Chat`], with the ids in [`ChatIds`].

use std::collections::BTreeMap;

use serde_json::Value;

use super::webhook::parse_time;
use crate::error::ParseError;
use crate::event::Timestamp;

/// The ids of a chat (Botmaker's `ChatReferenceRes`): Botmaker's chat id, the channel and
/// the contact (on WhatsApp, the user's phone number as digits). Each is `None` when
/// Botmaker leaves it out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChatIds {
    /// Botmaker's chat id (`chatId`), as in `https://go.botmaker.com/#/chats/{chatId}`.
    pub chat_id: Option<String>,
    /// The channel (`channelId`), e.g. `acme-whatsapp-5491100000000`.
    pub channel_id: Option<String>,
    /// The contact (`contactId`): on WhatsApp, the phone number.
    pub contact_id: Option<String>,
}

/// The state of a chat in Botmaker, read by
/// [`BotmakerProvider::chat`](super::BotmakerProvider::chat).
///
/// The fields used most are typed; everything Botmaker sent, these included, is in
/// [`Chat::raw`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Chat {
    /// The chat's ids (`chat`).
    pub ids: ChatIds,
    /// When the conversation began (`creationTime`).
    pub created_at: Option<Timestamp>,
    /// Until when free-form messages may be sent (`whatsAppWindowCloseDatetime`); after it,
    /// only templates. `None` when Botmaker gives no time.
    pub window_closes_at: Option<Timestamp>,
    /// When the user last wrote (`lastUserMessageDatetime`).
    pub last_user_message_at: Option<Timestamp>,
    /// The user's first name (`firstName`).
    pub first_name: Option<String>,
    /// The user's last name (`lastName`).
    pub last_name: Option<String>,
    /// The user's id in the organization's own records (`externalId`).
    pub external_id: Option<String>,
    /// The queue the chat is in (`queueId`).
    pub queue_id: Option<String>,
    /// The agent the chat is assigned to (`agentId`).
    pub agent_id: Option<String>,
    /// The chat's variables (`variables`). Botmaker documents them as strings; a value of
    /// another JSON type is kept as its JSON text (`12`, `true`), and `null` is left out.
    pub variables: BTreeMap<String, String>,
    /// The tags the chat is tagged with (`tags`).
    pub tags: Vec<String>,
    /// The whole answer, as Botmaker sent it.
    pub raw: Value,
}

impl Chat {
    /// Reads a chat from the JSON body of `GET /chats/{chatReference}`.
    ///
    /// ```
    /// use whatsapp_connector::botmaker::Chat;
    ///
    /// let chat = Chat::from_json(r#"{
    ///   "chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C", "channelId": "acme-whatsapp-5491100000000",
    ///            "contactId": "5491122223333"},
    ///   "whatsAppWindowCloseDatetime": "2026-04-18T18:37:29.922Z",
    ///   "variables": {"plan": "gold"}, "tags": ["buyer"], "isBotMuted": false}"#).unwrap();
    /// assert_eq!(chat.ids.chat_id.as_deref(), Some("KD83JQW0ZX5VR2MTNB7C"));
    /// assert_eq!(chat.window_closes_at.unwrap().to_string(), "2026-04-18T18:37:29.922Z");
    /// assert_eq!(chat.variables["plan"], "gold");
    /// assert_eq!(chat.tags, ["buyer"]);
    /// assert_eq!(chat.raw["isBotMuted"], false);
    /// ```
    ///
    /// # Errors
    ///
    /// [`ParseError::Malformed`] when the body is not a JSON object, and
    /// [`ParseError::InvalidField`] when a typed field has the wrong type (a time that is not
    /// an ISO 8601 string, a tag that is not a string, …). Absent and `null` fields are `None`
    /// or empty.
    pub fn from_json(body: &str) -> Result<Chat, ParseError> {
        let raw: Value = serde_json::from_str(body)
            .map_err(|e| ParseError::malformed(format!("the chat answer is not JSON: {e}")))?;
        Chat::from_value(raw)
    }

    pub(crate) fn from_value(raw: Value) -> Result<Chat, ParseError> {
        if !raw.is_object() {
            return Err(ParseError::malformed(
                "the chat answer is not a JSON object",
            ));
        }
        let ids = match raw.get("chat") {
            None | Some(Value::Null) => ChatIds::default(),
            Some(v) => ChatIds::from_value("chat", v)?,
        };
        Ok(Chat {
            ids,
            created_at: time(&raw, "creationTime")?,
            window_closes_at: time(&raw, "whatsAppWindowCloseDatetime")?,
            last_user_message_at: time(&raw, "lastUserMessageDatetime")?,
            first_name: string(&raw, "firstName")?,
            last_name: string(&raw, "lastName")?,
            external_id: string(&raw, "externalId")?,
            queue_id: string(&raw, "queueId")?,
            agent_id: string(&raw, "agentId")?,
            variables: variables(&raw)?,
            tags: strings(&raw, "tags")?,
            raw,
        })
    }
}

impl ChatIds {
    /// Reads the ids object found at `field`.
    pub(crate) fn from_value(field: &str, v: &Value) -> Result<ChatIds, ParseError> {
        if !v.is_object() {
            return Err(ParseError::invalid(field, "expected an object"));
        }
        let inner = |name: &str| string(v, name).map_err(|e| prefixed(field, e));
        Ok(ChatIds {
            chat_id: inner("chatId")?,
            channel_id: inner("channelId")?,
            contact_id: inner("contactId")?,
        })
    }
}

/// `e` with its field named inside `outer` (`chat.chatId`).
pub(crate) fn prefixed(outer: &str, e: ParseError) -> ParseError {
    match e {
        ParseError::InvalidField { field, reason } => {
            ParseError::invalid(format!("{outer}.{field}"), reason)
        }
        ParseError::MissingField { field } => ParseError::missing(format!("{outer}.{field}")),
        other => other,
    }
}

/// A string field; absent, `null` or `""` is `None`.
pub(crate) fn string(v: &Value, field: &str) -> Result<Option<String>, ParseError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ParseError::invalid(field, "expected a string")),
    }
}

/// A time field (ISO 8601, or epoch milliseconds as digits); absent, `null` or blank is
/// `None`.
pub(crate) fn time(v: &Value, field: &str) -> Result<Option<Timestamp>, ParseError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => parse_time(s)
            .map(Some)
            .ok_or_else(|| ParseError::invalid(field, "expected an ISO 8601 time")),
        Some(_) => Err(ParseError::invalid(field, "expected a string")),
    }
}

/// A list of strings; absent or `null` is empty.
pub(crate) fn strings(v: &Value, field: &str) -> Result<Vec<String>, ParseError> {
    match v.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                _ => Err(ParseError::invalid(field, "expected a list of strings")),
            })
            .collect(),
        Some(_) => Err(ParseError::invalid(field, "expected a list of strings")),
    }
}

fn variables(v: &Value) -> Result<BTreeMap<String, String>, ParseError> {
    match v.get("variables") {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .filter_map(|(k, v)| match v {
                Value::Null => None,
                Value::String(s) => Some((k.clone(), s.clone())),
                other => Some((k.clone(), other.to_string())),
            })
            .collect()),
        Some(_) => Err(ParseError::invalid("variables", "expected an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_and_raw() {
        let chat = Chat::from_json(
            r#"{"chat": {"chatId": "KD83JQW0ZX5VR2MTNB7C", "channelId": "acme-whatsapp-5491100000000",
                "contactId": "5491122223333"},
              "creationTime": "2026-01-05T10:00:00Z",
              "whatsAppWindowCloseDatetime": "2026-04-18T18:37:29.922Z",
              "lastUserMessageDatetime": "2026-04-17T18:37:29.922Z",
              "firstName": "Ana", "lastName": "", "queueId": "ventas",
              "variables": {"plan": "gold", "visits": 3, "vip": true, "gone": null},
              "tags": ["buyer", "returning"], "isBanned": false}"#,
        )
        .unwrap();
        assert_eq!(
            chat.ids.channel_id.as_deref(),
            Some("acme-whatsapp-5491100000000")
        );
        assert_eq!(chat.ids.contact_id.as_deref(), Some("5491122223333"));
        assert_eq!(chat.created_at.unwrap().to_string(), "2026-01-05T10:00:00Z");
        assert_eq!(
            chat.last_user_message_at.unwrap().to_string(),
            "2026-04-17T18:37:29.922Z"
        );
        assert_eq!(chat.first_name.as_deref(), Some("Ana"));
        assert_eq!(chat.last_name, None);
        assert_eq!(chat.queue_id.as_deref(), Some("ventas"));
        let vars: Vec<(&str, &str)> = chat
            .variables
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(vars, [("plan", "gold"), ("vip", "true"), ("visits", "3")]);
        assert_eq!(chat.tags, ["buyer", "returning"]);
        assert_eq!(chat.raw["isBanned"], false);
    }

    #[test]
    fn absent_fields_and_wrong_types() {
        let chat = Chat::from_json(r#"{"firstName": "Ana"}"#).unwrap();
        assert_eq!(chat.ids, ChatIds::default());
        assert_eq!(chat.window_closes_at, None);
        assert!(chat.variables.is_empty() && chat.tags.is_empty());
        let empty = Chat::from_json(r#"{"whatsAppWindowCloseDatetime": ""}"#).unwrap();
        assert_eq!(empty.window_closes_at, None);

        let field = |body: &str| match Chat::from_json(body) {
            Err(ParseError::InvalidField { field, .. }) => field,
            other => panic!("{body}: {other:?}"),
        };
        assert_eq!(
            field(r#"{"whatsAppWindowCloseDatetime": 5}"#),
            "whatsAppWindowCloseDatetime"
        );
        assert_eq!(field(r#"{"creationTime": "yesterday"}"#), "creationTime");
        assert_eq!(field(r#"{"tags": ["a", 1]}"#), "tags");
        assert_eq!(field(r#"{"variables": []}"#), "variables");
        assert_eq!(field(r#"{"chat": {"chatId": 7}}"#), "chat.chatId");
        assert_eq!(field(r#"{"chat": "KD83"}"#), "chat");
        assert!(matches!(
            Chat::from_json("nope"),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            Chat::from_json("[]"),
            Err(ParseError::Malformed { .. })
        ));
    }
}
