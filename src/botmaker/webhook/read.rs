//! Reading a body, in whichever of Botmaker's formats it comes, field by field into its
//! typed view.

use serde_json::{Map, Value};

use crate::error::ParseError;
use crate::event::{Contact, Timestamp};

use super::times::parse_time;
use super::{
    Envelope, Extra, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation, WebhookPayload,
};

/// Reads a body into the typed view of the format it is in. See
/// [`WebhookPayload::from_json`].
pub(super) fn read_payload(body: &[u8]) -> Result<WebhookPayload, ParseError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ParseError::malformed(format!("not valid JSON: {e}")))?;
    let map = match value {
        Value::Object(map) => map,
        other => {
            return Err(ParseError::malformed(format!(
                "expected a JSON object at the top level, got {}",
                crate::error::json_kind(&other)
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

/// A JSON object being read: each read removes the key, and what is left is [`Extra`].
/// `prefix` names where the object sits (`messages[1].`), for errors.
struct Obj {
    map: Map<String, Value>,
    prefix: String,
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
            format!("expected {expected}, got {}", crate::error::json_kind(got)),
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
                    format!(
                        "expected an object, got {}",
                        crate::error::json_kind(&other)
                    ),
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
                        format!("expected a string, got {}", crate::error::json_kind(&other)),
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
