//! Botmaker's webhook bodies: a typed view of every known shape, and the events they become.
//!
//! Botmaker posts JSON in one of several shapes, depending on how and when the webhook was
//! configured:
//!
//! - **Format A**, a flat object per message (`_id_`, `date`, `contactId`, `customerId`,
//!   `message`, `from`, `WHATSAPP_NUMBER`, media URLs under `image`, `audio`, `video` or
//!   `file`, …): [`FlatMessage`].
//! - **Format B**, the "v 1.1" envelope whose `messages[]` carries one or more messages (ids
//!   under `_id`): [`Envelope`].
//! - **Format C**, the legacy upper-case object (`MESSAGE`, `FROM`, `CUSTOMER_ID`,
//!   `IMAGES_URLS`, …): [`LegacyMessage`].
//! - **Status snapshots**: the chat's state after a delivery or read (`STATUS`,
//!   `STATUS_CHANGE_TIME`, the watermarks `USER_LAST_MSG_RECEIVED` and `USER_LAST_MSG_READ`,
//!   `LAST_MESSAGE`), with the bot's variables flattened beside them: [`StatusSnapshot`].
//!
//! Keys this crate does not model, which include the bot's variables and so can hold personal
//! data, are kept in [`Extra`], whose `Debug` shows their names but never their values.
//!
//! Parsing is strict about types and lenient about presence: a missing optional field is
//! absent, an empty string is absent, but a number where a string belongs is a
//! [`ParseError::InvalidField`] naming the field.

use std::fmt;

use serde_json::{Map, Value};
use time::format_description::well_known::Iso8601;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    StatusUpdate, Timestamp,
};
use crate::provider::ProviderKind;

/// One webhook body, in the shape it arrived in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WebhookPayload {
    /// Format A: one message, flat.
    Message(Box<FlatMessage>),
    /// Format B: the "v 1.1" envelope with `messages[]`.
    Envelope(Box<Envelope>),
    /// Format C: the legacy upper-case message.
    Legacy(Box<LegacyMessage>),
    /// A chat snapshot sent when a message's status changed.
    Snapshot(Box<StatusSnapshot>),
}

/// The keys of a webhook object that this crate does not model: bot and user variables
/// (which can hold personal data) and fields Botmaker may add.
///
/// They are kept so nothing is lost, but `Debug` prints only their names, never their
/// values, so logging a parsed payload does not log them.
#[derive(Clone, Default, PartialEq)]
pub struct Extra(Map<String, Value>);

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

/// Parses a webhook body into its typed view.
///
/// The body must be a JSON object. Not JSON, a top-level array or scalar, nesting deeper
/// than JSON parsing allows (128 levels) and a value of the wrong type are
/// [`ParseError`]s; a missing optional field is not.
///
/// ```
/// use whatsapp_connector::botmaker::webhook::{parse_payload, WebhookPayload};
///
/// let p = parse_payload(br#"{"_id_": "MSG0001", "message": "hola", "contactId": "14155550100"}"#).unwrap();
/// let WebhookPayload::Message(m) = p else { panic!() };
/// assert_eq!(m.message.as_deref(), Some("hola"));
/// assert!(parse_payload(b"[]").is_err());
/// ```
pub fn parse_payload(body: &[u8]) -> Result<WebhookPayload, ParseError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ParseError::malformed(format!("not valid JSON: {e}")))?;
    let map = match value {
        Value::Object(map) => map,
        other => {
            return Err(ParseError::malformed(format!(
                "expected a JSON object at the top level, got {}",
                kind_of(&other)
            )));
        }
    };
    let obj = Obj::new(map, String::new());
    Ok(if obj.has("messages") {
        WebhookPayload::Envelope(Box::new(read_envelope(obj)?))
    } else if obj.is_snapshot() {
        WebhookPayload::Snapshot(Box::new(read_snapshot(obj)?))
    } else if obj.is_legacy() {
        WebhookPayload::Legacy(Box::new(read_legacy(obj)?))
    } else {
        WebhookPayload::Message(Box::new(read_flat(obj)?))
    })
}

/// Parses a webhook body into events: one per message, or one status change.
pub fn parse_events(body: &[u8]) -> Result<Vec<InboundEvent>, ParseError> {
    parse_payload(body)?.to_events()
}

impl WebhookPayload {
    /// The events the payload reports: one per message (several for a Format B envelope),
    /// or one status change for a snapshot.
    pub fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        match self {
            WebhookPayload::Message(m) => Ok(vec![InboundEvent::Message(flat_event(
                m,
                &Context::default(),
                "",
            )?)]),
            WebhookPayload::Envelope(e) => envelope_events(e),
            WebhookPayload::Legacy(l) => Ok(vec![InboundEvent::Message(legacy_event(l)?)]),
            WebhookPayload::Snapshot(s) => Ok(vec![InboundEvent::Status(snapshot_event(s)?)]),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Reading the JSON object field by field.

/// A JSON object being read: each read removes the key, and what is left is [`Extra`].
/// `prefix` names where the object sits (`messages[1].`), for errors.
struct Obj {
    map: Map<String, Value>,
    prefix: String,
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Obj {
    fn new(map: Map<String, Value>, prefix: String) -> Self {
        Obj { map, prefix }
    }

    fn name(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    fn is_snapshot(&self) -> bool {
        self.has("STATUS")
            && (self.has("STATUS_CHANGE_TIME")
                || self.has("LAST_MESSAGE")
                || self.has("USER_LAST_MSG_RECEIVED")
                || self.has("USER_LAST_MSG_READ")
                || !self.has("date"))
    }

    fn is_legacy(&self) -> bool {
        !self.has("LAST_MESSAGE")
            && (self.has("MESSAGE") || self.has("FROM_NAME") || self.has("CHAT_PLATFORM_ID"))
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> ParseError {
        ParseError::invalid(
            self.name(key),
            format!("expected {expected}, got {}", kind_of(got)),
        )
    }

    /// A string; `null` and `""` are absent.
    fn string(&mut self, key: &str) -> Result<Option<String>, ParseError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    /// The first of several keys that is present, as a string.
    fn string_any(&mut self, keys: &[&str]) -> Result<Option<String>, ParseError> {
        let mut found = None;
        for key in keys {
            let v = self.string(key)?;
            if found.is_none() {
                found = v;
            }
        }
        Ok(found)
    }

    fn boolean(&mut self, key: &str) -> Result<Option<bool>, ParseError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(key, "a boolean", &other)),
        }
    }

    /// A time: ISO 8601, or epoch milliseconds as a string; `""` is absent.
    fn time(&mut self, key: &str) -> Result<Option<Timestamp>, ParseError> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        parse_time(&s).map(Some).ok_or_else(|| {
            ParseError::invalid(
                self.name(key),
                "expected an ISO 8601 time or epoch milliseconds",
            )
        })
    }

    fn object(&mut self, key: &str) -> Result<Option<Obj>, ParseError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(m)) => Ok(Some(Obj::new(m, format!("{}.", self.name(key))))),
            Some(other) => Err(self.wrong_type(key, "an object", &other)),
        }
    }

    fn array(&mut self, key: &str) -> Result<Option<Vec<Value>>, ParseError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(other) => Err(self.wrong_type(key, "an array", &other)),
        }
    }

    /// The objects of an array, each named `key[i].` for errors.
    fn objects(&mut self, key: &str) -> Result<Option<Vec<Obj>>, ParseError> {
        let Some(items) = self.array(key)? else {
            return Ok(None);
        };
        let base = self.name(key);
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Value::Object(m) => Ok(Obj::new(m, format!("{base}[{i}]."))),
                other => Err(ParseError::invalid(
                    format!("{base}[{i}]"),
                    format!("expected an object, got {}", kind_of(&other)),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn strings(&mut self, key: &str) -> Result<Vec<String>, ParseError> {
        let Some(items) = self.array(key)? else {
            return Ok(Vec::new());
        };
        let base = self.name(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.into_iter().enumerate() {
            match v {
                Value::String(s) if s.is_empty() => {}
                Value::String(s) => out.push(s),
                Value::Null => {}
                other => {
                    return Err(ParseError::invalid(
                        format!("{base}[{i}]"),
                        format!("expected a string, got {}", kind_of(&other)),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// A coordinate: a number, or a number written as a string.
    /// A latitude (`max` 90) or longitude (`max` 180): a number, or a string holding one,
    /// between `-max` and `max`.
    fn coordinate(&mut self, key: &str, max: f64) -> Result<f64, ParseError> {
        let v = match self.map.remove(key) {
            None | Some(Value::Null) => return Err(ParseError::missing(self.name(key))),
            Some(v) => v,
        };
        let n = match &v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            other => return Err(self.wrong_type(key, "a number", other)),
        };
        match n.filter(|n| n.is_finite()) {
            None => Err(ParseError::invalid(self.name(key), "not a number")),
            Some(n) if n.abs() > max => Err(ParseError::invalid(
                self.name(key),
                format!("{n} is outside -{max} to {max}"),
            )),
            Some(n) => Ok(n),
        }
    }

    fn rest(self) -> Extra {
        Extra(self.map)
    }
}

/// Parses a webhook time: RFC 3339 or another ISO 8601 form (a time without an offset is
/// UTC), or milliseconds since the Unix epoch written as digits.
///
/// The result is always writable as RFC 3339 (as the event JSON requires): an offset RFC
/// 3339 cannot write (24 hours or more, or with seconds) is turned into UTC, and a time
/// whose year is not between 0 and 9999 is refused.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    rfc3339_writable(parse_any_time(s)?.as_offset_date_time())
}

/// `t` as a time RFC 3339 can write: in UTC when its offset is 24 hours or more or has
/// seconds; `None` when its year is not between 0 and 9999.
fn rfc3339_writable(t: OffsetDateTime) -> Option<Timestamp> {
    let offset = t.offset();
    let t = if offset.seconds_past_minute() != 0 || offset.whole_hours().unsigned_abs() >= 24 {
        t.checked_to_offset(UtcOffset::UTC)?
    } else {
        t
    };
    (0..=9999).contains(&t.year()).then(|| t.into())
}

fn parse_any_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().and_then(Timestamp::from_unix_millis);
    }
    if let Some(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.into());
    }
    if let Ok(t) = PrimitiveDateTime::parse(s, &Iso8601::DEFAULT) {
        return Some(t.assume_utc().into());
    }
    // `2026-04-17 18:37:32` and the like.
    if s.len() > 10 && s.as_bytes().get(10) == Some(&b' ') {
        let t = format!("{}T{}", &s[..10], &s[11..]);
        if t != s {
            return parse_any_time(&t);
        }
    }
    None
}

fn read_flat(mut o: Obj) -> Result<FlatMessage, ParseError> {
    let location = match o.object("location")? {
        None => None,
        Some(mut l) => Some(WebhookLocation {
            latitude: l.coordinate("latitude", 90.0)?,
            longitude: l.coordinate("longitude", 180.0)?,
            name: l.string("name")?,
            address: l.string("address")?,
        }),
    };
    let contacts = match o.objects("contacts")? {
        None => None,
        Some(items) => Some(
            items
                .into_iter()
                .map(read_contact)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(FlatMessage {
        id: o.string_any(&["_id_", "_id"])?,
        date: o.time("date")?,
        chat_platform: o.string("chatPlatform")?,
        contact_id: o.string("contactId")?,
        customer_id: o.string("customerId")?,
        session_id: o.string("sessionId")?,
        session_creation_time: o.time("sessionCreationTime")?,
        message: o.string("message")?,
        from: o.string("from")?,
        from_customer: o.boolean("fromCustomer")?,
        from_name: o.string("fromName")?,
        whatsapp_number: o.string_any(&["WHATSAPP_NUMBER", "whatsappNumber"])?,
        chat_channel_id: o.string("chatChannelId")?,
        queue: o.string("queue")?,
        operator_id: o.string("operatorId")?,
        operator_name: o.string("operatorName")?,
        operator_email: o.string("operatorEmail")?,
        is_button: o.boolean("isButton")?,
        button_name: o.string("buttonName")?,
        button_payload: o.string("buttonPayload")?,
        response_id: o.string("responseId")?,
        has_attachment: o.boolean("hasAttachment")?,
        image: o.string("image")?,
        audio: o.string("audio")?,
        video: o.string("video")?,
        file: o.string("file")?,
        caption: o.string("caption")?,
        location,
        contacts,
        error: o.string("error")?,
        webhook_payload: o.string_any(&["webhookPayload", "clientPayload"])?,
        extra: o.rest(),
    })
}

/// A WhatsApp contact card: `name{formatted_name, first_name, last_name}`,
/// `phones[]{phone, wa_id}`, `emails[]{email}`.
fn read_contact(mut o: Obj) -> Result<Contact, ParseError> {
    let name = match o.object("name")? {
        None => None,
        Some(mut n) => {
            let formatted = n.string("formatted_name")?;
            let first = n.string("first_name")?;
            let last = n.string("last_name")?;
            formatted.or_else(|| {
                let joined = [first, last].into_iter().flatten().collect::<Vec<_>>();
                (!joined.is_empty()).then(|| joined.join(" "))
            })
        }
    };
    let mut phones = Vec::new();
    for mut p in o.objects("phones")?.unwrap_or_default() {
        let phone = p.string("phone")?;
        let wa_id = p.string("wa_id")?;
        if let Some(v) = phone.or(wa_id) {
            phones.push(v);
        }
    }
    let mut emails = Vec::new();
    for mut e in o.objects("emails")?.unwrap_or_default() {
        if let Some(v) = e.string("email")? {
            emails.push(v);
        }
    }
    Ok(Contact::new(name, phones, emails))
}

fn read_envelope(mut o: Obj) -> Result<Envelope, ParseError> {
    let messages = o
        .objects("messages")?
        .ok_or_else(|| ParseError::missing("messages"))?
        .into_iter()
        .map(read_flat)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Envelope {
        version: o.string("v")?,
        kind: o.string("type")?,
        chat_platform: o.string("chatPlatform")?,
        contact_id: o.string("contactId")?,
        whatsapp_number: o.string_any(&["whatsappNumber", "WHATSAPP_NUMBER"])?,
        chat_id_in_chat_platform: o.string("chatIdInChatPlatform")?,
        chat_channel_id: o.string("chatChannelId")?,
        customer_id: o.string("customerId")?,
        first_name: o.string("firstName")?,
        last_name: o.string("lastName")?,
        whatsapp_nick_name: o.string("whatsappNickName")?,
        customer_creation_time: o.time("customerCreationTime")?,
        session_creation_time: o.time("sessionCreationTime")?,
        tx_id: o.string("txId")?,
        messages,
        extra: o.rest(),
    })
}

fn read_legacy(mut o: Obj) -> Result<LegacyMessage, ParseError> {
    Ok(LegacyMessage {
        id: o.string_any(&["_id_", "_id"])?,
        chat_platform: o.string("CHAT_PLATFORM_ID")?,
        message: o.string("MESSAGE")?,
        creation_time: o.time("CREATION_TIME")?,
        from_name: o.string("FROM_NAME")?,
        customer_id: o.string("CUSTOMER_ID")?,
        from: o.string("FROM")?,
        session_creation_time: o.time("SESSION_CREATION_TIME")?,
        whatsapp_number: o.string("WHATSAPP_NUMBER")?,
        images_urls: o.strings("IMAGES_URLS")?,
        audios_urls: o.strings("AUDIOS_URLS")?,
        videos_urls: o.strings("VIDEOS_URLS")?,
        files_urls: o.strings("FILES_URLS")?,
        extra: o.rest(),
    })
}

fn read_snapshot(mut o: Obj) -> Result<StatusSnapshot, ParseError> {
    let status = o
        .string("STATUS")?
        .ok_or_else(|| ParseError::invalid("STATUS", "empty"))?;
    let last_message = match o.object("LAST_MESSAGE")? {
        None => None,
        Some(m) => Some(read_flat(m)?),
    };
    Ok(StatusSnapshot {
        id: o.string_any(&["_id_", "_id"])?,
        status,
        status_change_time: o.time("STATUS_CHANGE_TIME")?,
        user_last_msg_received: o.time("USER_LAST_MSG_RECEIVED")?,
        user_last_msg_read: o.time("USER_LAST_MSG_READ")?,
        chat_platform: o.string("CHAT_PLATFORM_ID")?,
        chat_channel_id: o.string("chatChannelId")?,
        whatsapp_number: o.string("WHATSAPP_NUMBER")?,
        platform_contact_id: o.string("PLATFORM_CONTACT_ID")?,
        customer_id: o.string("CUSTOMER_ID")?,
        from: o.string("FROM")?,
        business_id: o.string("BUSINESS_ID")?,
        first_name: o.string("FIRST_NAME")?,
        last_name: o.string("LAST_NAME")?,
        creation_time: o.time("CREATION_TIME")?,
        last_message_creation_time: o.time("LAST_MESSAGE_CREATION_TIME")?,
        last_message,
        extra: o.rest(),
    })
}

// ---------------------------------------------------------------------------------------
// From the typed view to events.

/// Values a Format B envelope supplies to its messages.
#[derive(Default)]
struct Context<'a> {
    chat_platform: Option<&'a str>,
    contact_id: Option<&'a str>,
    whatsapp_number: Option<&'a str>,
    customer_id: Option<&'a str>,
    nick_name: Option<&'a str>,
}

/// A user or line id as an address: on WhatsApp (or when the platform is not said) a phone
/// number, given as digits or `+digits`, becomes `+E164`; on other platforms the id is kept.
fn address(field: &str, platform: Option<&str>, id: &str) -> Result<WhatsAppAddress, ParseError> {
    let on_whatsapp = platform.is_none_or(|p| p.eq_ignore_ascii_case("whatsapp"));
    if on_whatsapp {
        return WhatsAppAddress::parse(id).map_err(|e| ParseError::invalid(field, e.to_string()));
    }
    let id = id.trim();
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ParseError::invalid(
            field,
            "empty, or holds white space or control characters",
        ));
    }
    Ok(WhatsAppAddress::UserId(id.to_owned()))
}

fn opt_address(
    field: &str,
    platform: Option<&str>,
    id: Option<&str>,
) -> Result<Option<WhatsAppAddress>, ParseError> {
    id.map(|id| address(field, platform, id)).transpose()
}

/// Who wrote a message. `from` decides when it is `user`, `bot` or `operator`/`agent`;
/// without it, `fromCustomer` or the operator fields do. Any other `from` value is treated
/// as not the user, so a bot never answers it.
fn author_of(m: &FlatMessage) -> Author {
    match m.from.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("user" | "customer" | "contact") => Author::User,
        Some("bot") => Author::Bot,
        Some("operator" | "agent") => Author::Agent,
        Some(_) => Author::Bot,
        None => {
            if m.from_customer == Some(true) {
                Author::User
            } else if m.operator_id.is_some()
                || m.operator_name.is_some()
                || m.operator_email.is_some()
            {
                Author::Agent
            } else if m.from_customer == Some(false) {
                Author::Bot
            } else {
                Author::User
            }
        }
    }
}

fn flat_content(m: &FlatMessage) -> MessageContent {
    if m.is_button == Some(true) || m.button_payload.is_some() || m.response_id.is_some() {
        return MessageContent::Button {
            text: m.button_name.clone().or_else(|| m.message.clone()),
            payload: m.button_payload.clone().or_else(|| m.response_id.clone()),
        };
    }
    let items: Vec<MediaItem> = [&m.image, &m.video, &m.audio, &m.file]
        .into_iter()
        .flatten()
        .map(|url| MediaItem::new(url.clone(), None))
        .collect();
    if !items.is_empty() {
        return MessageContent::Media {
            items,
            caption: m.caption.clone().or_else(|| m.message.clone()),
        };
    }
    if let Some(l) = &m.location {
        return MessageContent::Location {
            latitude: l.latitude,
            longitude: l.longitude,
            name: l.name.clone(),
            address: l.address.clone(),
        };
    }
    if let Some(c) = &m.contacts {
        return MessageContent::Contacts {
            contacts: c.clone(),
        };
    }
    if let Some(body) = &m.message {
        return MessageContent::Text { body: body.clone() };
    }
    MessageContent::Unsupported {
        reason: m
            .error
            .clone()
            .unwrap_or_else(|| "no text, media, location or contacts".into()),
    }
}

fn flat_event(
    m: &FlatMessage,
    ctx: &Context<'_>,
    prefix: &str,
) -> Result<InboundMessage, ParseError> {
    let id =
        m.id.clone()
            .ok_or_else(|| ParseError::missing(format!("{prefix}_id_")))?;
    let platform = m.chat_platform.as_deref().or(ctx.chat_platform);
    let user = opt_address(
        &format!("{prefix}contactId"),
        platform,
        m.contact_id.as_deref().or(ctx.contact_id),
    )?;
    let line = opt_address(
        &format!("{prefix}WHATSAPP_NUMBER"),
        platform,
        m.whatsapp_number.as_deref().or(ctx.whatsapp_number),
    )?;
    let author = author_of(m);
    let (from, to) = match author {
        Author::User => (user, line),
        _ => (line, user),
    };
    let profile_name = match author {
        Author::User => m.from_name.as_deref().or(ctx.nick_name),
        _ => m.operator_name.as_deref().or(m.from_name.as_deref()),
    };
    let mut event = InboundMessage::new(ProviderKind::BOTMAKER, id, flat_content(m));
    event.author = author;
    event.from = from;
    event.to = to;
    event.profile_name = profile_name.map(str::to_owned);
    event.timestamp = m.date;
    event.conversation_id = m
        .customer_id
        .clone()
        .or_else(|| ctx.customer_id.map(str::to_owned));
    Ok(event)
}

fn envelope_events(e: &Envelope) -> Result<Vec<InboundEvent>, ParseError> {
    let ctx = Context {
        chat_platform: e.chat_platform.as_deref(),
        contact_id: e
            .contact_id
            .as_deref()
            .or(e.chat_id_in_chat_platform.as_deref()),
        whatsapp_number: e.whatsapp_number.as_deref(),
        customer_id: e.customer_id.as_deref(),
        nick_name: e.whatsapp_nick_name.as_deref(),
    };
    e.messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let prefix = format!("messages[{i}].");
            let mut ev = flat_event(m, &ctx, &prefix);
            if let Err(ParseError::MissingField { field }) = &mut ev {
                // Format B names the id `_id`.
                if field.ends_with("_id_") {
                    field.pop();
                }
            }
            ev.map(InboundEvent::Message)
        })
        .collect()
}

fn legacy_event(l: &LegacyMessage) -> Result<InboundMessage, ParseError> {
    let id = l.id.clone().ok_or_else(|| ParseError::missing("_id_"))?;
    let platform = l.chat_platform.as_deref();
    let items: Vec<MediaItem> = [
        &l.images_urls,
        &l.videos_urls,
        &l.audios_urls,
        &l.files_urls,
    ]
    .into_iter()
    .flatten()
    .map(|u| MediaItem::new(u.clone(), None))
    .collect();
    let content = if !items.is_empty() {
        MessageContent::Media {
            items,
            caption: l.message.clone(),
        }
    } else if let Some(body) = &l.message {
        MessageContent::Text { body: body.clone() }
    } else {
        MessageContent::Unsupported {
            reason: "no text or media".into(),
        }
    };
    let mut event = InboundMessage::new(ProviderKind::BOTMAKER, id, content);
    event.from = opt_address("FROM", platform, l.from.as_deref())?;
    event.to = opt_address("WHATSAPP_NUMBER", platform, l.whatsapp_number.as_deref())?;
    event.profile_name = l.from_name.clone();
    event.timestamp = l.creation_time;
    event.conversation_id = l.customer_id.clone();
    Ok(event)
}

fn snapshot_event(s: &StatusSnapshot) -> Result<StatusUpdate, ParseError> {
    let status = match s.status.trim().to_ascii_lowercase().as_str() {
        "error" => DeliveryStatus::Failed,
        other => DeliveryStatus::parse(other),
    };
    let last = s.last_message.as_ref();
    let chat = s
        .customer_id
        .clone()
        .or_else(|| last.and_then(|m| m.customer_id.clone()))
        .or_else(|| s.id.clone());
    // Real snapshots name the chat in `_id_` and the last message in `LAST_MESSAGE`; the
    // documented 2018 shape has `_id_` for the message and `CUSTOMER_ID` for the chat.
    let message_id = match last {
        Some(m) => m.id.clone(),
        None => {
            s.id.clone()
                .filter(|id| s.customer_id.as_ref().is_some_and(|c| c != id))
        }
    };
    let platform = s.chat_platform.as_deref();
    let (field, contact) = if let Some(c) = &s.platform_contact_id {
        ("PLATFORM_CONTACT_ID", Some(c.as_str()))
    } else if let Some(c) = last.and_then(|m| m.contact_id.as_deref()) {
        ("LAST_MESSAGE.contactId", Some(c))
    } else {
        ("FROM", s.from.as_deref())
    };
    let mut update = StatusUpdate::new(ProviderKind::BOTMAKER, status);
    update.message_id = message_id;
    update.recipient = opt_address(field, platform, contact)?;
    update.conversation_id = chat;
    update.timestamp = s.status_change_time.or(match update.status {
        DeliveryStatus::Read => s.user_last_msg_read,
        DeliveryStatus::Delivered => s.user_last_msg_received,
        _ => None,
    });
    Ok(update)
}

/// The business addresses a webhook body names, best first: the WhatsApp number, then the
/// channel id. Empty when the body is not a JSON object.
pub(crate) fn business_addresses(body: &[u8]) -> Vec<String> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    [
        "WHATSAPP_NUMBER",
        "whatsappNumber",
        "chatChannelId",
        "channelId",
    ]
    .into_iter()
    .filter_map(|key| match map.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        _ => None,
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_come_out_writable_as_rfc_3339() {
        use time::{Date, Month, Time};
        let at = |year: i32, offset: UtcOffset| {
            Date::from_calendar_date(year, Month::August, 28)
                .unwrap()
                .with_time(Time::from_hms(14, 0, 0).unwrap())
                .assume_offset(offset)
        };
        // -24:00 (what newer `time` releases read from `1730240T14-24`) and an offset with
        // seconds are given in UTC; the instant is kept.
        for offset in [
            UtcOffset::from_hms(-24, 0, 0).unwrap(),
            UtcOffset::from_hms(25, 30, 0).unwrap(),
            UtcOffset::from_hms(1, 0, 30).unwrap(),
        ] {
            let t = rfc3339_writable(at(1730, offset)).unwrap();
            assert!(t.as_offset_date_time().offset().is_utc(), "{offset}");
            assert_eq!(t.as_offset_date_time(), at(1730, offset));
            assert_eq!(Timestamp::parse_rfc3339(&t.to_string()), Some(t));
        }
        let minus_three = UtcOffset::from_hms(-3, 0, 0).unwrap();
        assert_eq!(
            rfc3339_writable(at(2026, minus_three)).unwrap().to_string(),
            "2026-08-28T14:00:00-03:00"
        );
        // A year RFC 3339 cannot write, in the given offset or once in UTC.
        assert_eq!(rfc3339_writable(at(-1, UtcOffset::UTC)), None);
        assert!(rfc3339_writable(at(0, UtcOffset::UTC)).is_some());
    }

    #[test]
    fn times_in_every_documented_form() {
        let iso = parse_time("2026-04-17T18:37:32.032Z").unwrap();
        assert_eq!(iso.unix_millis(), 1_776_451_052_032);
        assert_eq!(parse_time("1776451052032"), Some(iso));
        assert_eq!(parse_time("2026-04-17T15:37:32.032-03:00"), Some(iso));
        assert_eq!(parse_time("2026-04-17T18:37:32.032"), Some(iso));
        assert_eq!(parse_time("2026-04-17 18:37:32.032Z"), Some(iso));
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("yesterday"), None);
        assert_eq!(parse_time("99999999999999999999999"), None);
    }

    #[test]
    fn extra_debug_shows_names_not_values() {
        let p = parse_payload(br#"{"_id_": "M1", "CPF": "secret-number-123"}"#).unwrap();
        let dbg = format!("{p:?}");
        assert!(dbg.contains("CPF"));
        assert!(!dbg.contains("secret-number-123"));
    }

    #[test]
    fn format_detection() {
        assert!(matches!(
            parse_payload(br#"{"STATUS": "delivered", "_id_": "C1"}"#),
            Ok(WebhookPayload::Snapshot(_))
        ));
        assert!(matches!(
            parse_payload(br#"{"MESSAGE": "hi", "_id_": "M1"}"#),
            Ok(WebhookPayload::Legacy(_))
        ));
        assert!(matches!(
            parse_payload(br#"{"v": "1.1", "messages": []}"#),
            Ok(WebhookPayload::Envelope(_))
        ));
        // A bot variable named STATUS on a message does not make it a snapshot.
        assert!(matches!(
            parse_payload(br#"{"_id_": "M1", "date": "2026-01-01T00:00:00Z", "STATUS": "x"}"#),
            Ok(WebhookPayload::Message(_))
        ));
    }
}
