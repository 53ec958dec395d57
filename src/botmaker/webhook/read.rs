//! Reading a body, in whichever of Botmaker's formats it comes, field by field into its
//! typed view.

use crate::error::ParseError;
use crate::event::{Contact, Timestamp};

use super::json::{self, K, Obj, Val};
use super::times::parse_time;
use super::{
    Envelope, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation, WebhookPayload,
};

/// Reads a body into the typed view of the format it is in. See
/// [`WebhookPayload::from_json`]. Without `keep_extra`, the keys no field takes are
/// dropped instead of kept in [`Extra`](super::Extra) (for callers that only want events).
pub(super) fn read_payload(body: &[u8], keep_extra: bool) -> Result<WebhookPayload, ParseError> {
    let value = json::from_slice(body, keep_extra)
        .map_err(|e| ParseError::malformed(format!("not valid JSON: {e}")))?;
    let entries = match value {
        Val::Obj(entries) => entries,
        other => {
            return Err(ParseError::malformed(format!(
                "expected a JSON object at the top level, got {}",
                other.kind()
            )));
        }
    };
    let obj = Obj::new(entries, String::new(), keep_extra);
    Ok(if obj.has(K::messages) {
        WebhookPayload::Envelope(Box::new(read_envelope(obj)?))
    } else if obj.is_snapshot() {
        WebhookPayload::Snapshot(Box::new(read_snapshot(obj)?))
    } else if obj.is_legacy() {
        WebhookPayload::Legacy(Box::new(read_legacy(obj)?))
    } else {
        WebhookPayload::Message(Box::new(read_flat(obj, true)?))
    })
}

/// Whether an object with the keys `has` says is a status snapshot (when it has no
/// `messages`, which make it an envelope).
pub(super) fn is_snapshot(has: impl Fn(K) -> bool) -> bool {
    has(K::STATUS)
        && (has(K::STATUS_CHANGE_TIME)
            || has(K::LAST_MESSAGE)
            || has(K::USER_LAST_MSG_RECEIVED)
            || has(K::USER_LAST_MSG_READ)
            || !has(K::date))
}

/// Whether an object that is neither an envelope nor a snapshot is a Format C message.
pub(super) fn is_legacy(has: impl Fn(K) -> bool) -> bool {
    !has(K::LAST_MESSAGE) && (has(K::MESSAGE) || has(K::FROM_NAME) || has(K::CHAT_PLATFORM_ID))
}

impl<'de> Obj<'de> {
    fn name(&self, key: K) -> String {
        format!("{}{}", self.prefix, key.name())
    }

    fn is_snapshot(&self) -> bool {
        is_snapshot(|k| self.has(k))
    }

    fn is_legacy(&self) -> bool {
        is_legacy(|k| self.has(k))
    }

    fn wrong_type(&self, key: K, expected: &str, got: &Val<'_>) -> ParseError {
        ParseError::invalid(
            self.name(key),
            format!("expected {expected}, got {}", got.kind()),
        )
    }

    /// A string; `null` and `""` are absent.
    fn string(&mut self, key: K) -> Result<Option<String>, ParseError> {
        match self.take(key) {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Str(s)) if s.is_empty() => Ok(None),
            Some(Val::Str(s)) => Ok(Some(s.into_owned())),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    /// A string field no event is made from: when the payload is read only for its events,
    /// its type is checked but the string is not kept.
    fn unused_string(&mut self, key: K) -> Result<Option<String>, ParseError> {
        if self.keeps() {
            return self.string(key);
        }
        match self.take(key) {
            None | Some(Val::Null | Val::Str(_)) => Ok(None),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    /// A string field, or an [`unused_string`](Self::unused_string) unless `used`.
    fn string_if(&mut self, used: bool, key: K) -> Result<Option<String>, ParseError> {
        if used {
            self.string(key)
        } else {
            self.unused_string(key)
        }
    }

    /// The first of several keys that is present, as a string.
    fn string_any(&mut self, keys: &[K]) -> Result<Option<String>, ParseError> {
        let mut found = None;
        for key in keys {
            let v = self.string(*key)?;
            if found.is_none() {
                found = v;
            }
        }
        Ok(found)
    }

    fn boolean(&mut self, key: K) -> Result<Option<bool>, ParseError> {
        match self.take(key) {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(key, "a boolean", &other)),
        }
    }

    /// A time: ISO 8601, or epoch milliseconds as a string; `""` is absent.
    fn time(&mut self, key: K) -> Result<Option<Timestamp>, ParseError> {
        let s = match self.take(key) {
            None | Some(Val::Null) => return Ok(None),
            Some(Val::Str(s)) if s.is_empty() => return Ok(None),
            Some(Val::Str(s)) => s,
            Some(other) => return Err(self.wrong_type(key, "a string", &other)),
        };
        parse_time(&s).map(Some).ok_or_else(|| {
            ParseError::invalid(
                self.name(key),
                "expected an ISO 8601 time or epoch milliseconds",
            )
        })
    }

    fn object(&mut self, key: K) -> Result<Option<Obj<'de>>, ParseError> {
        match self.take(key) {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Obj(m)) => Ok(Some(self.child(m, format!("{}.", self.name(key))))),
            Some(other) => Err(self.wrong_type(key, "an object", &other)),
        }
    }

    fn array(&mut self, key: K) -> Result<Option<Vec<Val<'de>>>, ParseError> {
        match self.take(key) {
            None | Some(Val::Null) => Ok(None),
            Some(Val::Arr(a)) => Ok(Some(a)),
            Some(other) => Err(self.wrong_type(key, "an array", &other)),
        }
    }

    /// The objects of an array, each named `key[i].` for errors.
    fn objects(&mut self, key: K) -> Result<Option<Vec<Obj<'de>>>, ParseError> {
        let Some(items) = self.array(key)? else {
            return Ok(None);
        };
        let base = self.name(key);
        items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Val::Obj(m) => Ok(self.child(m, format!("{base}[{i}]."))),
                other => Err(ParseError::invalid(
                    format!("{base}[{i}]"),
                    format!("expected an object, got {}", other.kind()),
                )),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn strings(&mut self, key: K) -> Result<Vec<String>, ParseError> {
        let Some(items) = self.array(key)? else {
            return Ok(Vec::new());
        };
        let base = self.name(key);
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.into_iter().enumerate() {
            match v {
                Val::Str(s) if s.is_empty() => {}
                Val::Str(s) => out.push(s.into_owned()),
                Val::Null => {}
                other => {
                    return Err(ParseError::invalid(
                        format!("{base}[{i}]"),
                        format!("expected a string, got {}", other.kind()),
                    ));
                }
            }
        }
        Ok(out)
    }

    /// A latitude (`max` 90) or longitude (`max` 180): a number, or a string holding one,
    /// between `-max` and `max`.
    fn coordinate(&mut self, key: K, max: f64) -> Result<f64, ParseError> {
        let v = match self.take(key) {
            None | Some(Val::Null) => return Err(ParseError::missing(self.name(key))),
            Some(v) => v,
        };
        let n = match &v {
            Val::Num(n) => n.as_f64(),
            Val::Str(s) => s.trim().parse::<f64>().ok(),
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
}

/// A flat message. Without `content`, when it is read for a status event (a snapshot's
/// `LAST_MESSAGE`), only its ids and times are kept, unless the whole payload is.
fn read_flat(mut o: Obj<'_>, content: bool) -> Result<FlatMessage, ParseError> {
    let location = match o.object(K::location)? {
        None => None,
        Some(mut l) => Some(WebhookLocation {
            latitude: l.coordinate(K::latitude, 90.0)?,
            longitude: l.coordinate(K::longitude, 180.0)?,
            name: l.string(K::name)?,
            address: l.string(K::address)?,
        }),
    };
    let contacts = match o.objects(K::contacts)? {
        None => None,
        Some(items) => Some(
            items
                .into_iter()
                .map(read_contact)
                .collect::<Result<Vec<_>, _>>()?,
        ),
    };
    Ok(FlatMessage {
        id: o.string_any(&[K::_id_, K::_id])?,
        date: o.time(K::date)?,
        chat_platform: o.string_if(content, K::chatPlatform)?,
        contact_id: o.string(K::contactId)?,
        customer_id: o.string(K::customerId)?,
        session_id: o.unused_string(K::sessionId)?,
        session_creation_time: o.time(K::sessionCreationTime)?,
        message: o.string_if(content, K::message)?,
        from: o.string_if(content, K::from)?,
        from_customer: o.boolean(K::fromCustomer)?,
        from_name: o.string_if(content, K::fromName)?,
        whatsapp_number: o.string_any(&[K::WHATSAPP_NUMBER, K::whatsappNumber])?,
        chat_channel_id: o.unused_string(K::chatChannelId)?,
        queue: o.unused_string(K::queue)?,
        operator_id: o.string_if(content, K::operatorId)?,
        operator_name: o.string_if(content, K::operatorName)?,
        operator_email: o.string_if(content, K::operatorEmail)?,
        is_button: o.boolean(K::isButton)?,
        button_name: o.string_if(content, K::buttonName)?,
        button_payload: o.string_if(content, K::buttonPayload)?,
        response_id: o.string_if(content, K::responseId)?,
        has_attachment: o.boolean(K::hasAttachment)?,
        image: o.string_if(content, K::image)?,
        audio: o.string_if(content, K::audio)?,
        video: o.string_if(content, K::video)?,
        file: o.string_if(content, K::file)?,
        caption: o.string_if(content, K::caption)?,
        location,
        contacts,
        error: o.string_if(content, K::error)?,
        webhook_payload: o.string_any(&[K::webhookPayload, K::clientPayload])?,
        extra: o.rest(),
    })
}

/// A WhatsApp contact card: `name{formatted_name, first_name, last_name}`,
/// `phones[]{phone, wa_id}`, `emails[]{email}`.
fn read_contact(mut o: Obj<'_>) -> Result<Contact, ParseError> {
    let name = match o.object(K::name)? {
        None => None,
        Some(mut n) => {
            let formatted = n.string(K::formatted_name)?;
            let first = n.string(K::first_name)?;
            let last = n.string(K::last_name)?;
            formatted.or_else(|| {
                let joined = [first, last].into_iter().flatten().collect::<Vec<_>>();
                (!joined.is_empty()).then(|| joined.join(" "))
            })
        }
    };
    let mut phones = Vec::new();
    for mut p in o.objects(K::phones)?.unwrap_or_default() {
        let phone = p.string(K::phone)?;
        let wa_id = p.string(K::wa_id)?;
        if let Some(v) = phone.or(wa_id) {
            phones.push(v);
        }
    }
    let mut emails = Vec::new();
    for mut e in o.objects(K::emails)?.unwrap_or_default() {
        if let Some(v) = e.string(K::email)? {
            emails.push(v);
        }
    }
    Ok(Contact::new(name, phones, emails))
}

fn read_envelope(mut o: Obj<'_>) -> Result<Envelope, ParseError> {
    let messages = o
        .objects(K::messages)?
        .ok_or_else(|| ParseError::missing("messages"))?
        .into_iter()
        .map(|m| read_flat(m, true))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Envelope {
        version: o.string(K::v)?,
        kind: o.string(K::type_)?,
        chat_platform: o.string(K::chatPlatform)?,
        contact_id: o.string(K::contactId)?,
        whatsapp_number: o.string_any(&[K::whatsappNumber, K::WHATSAPP_NUMBER])?,
        chat_id_in_chat_platform: o.string(K::chatIdInChatPlatform)?,
        chat_channel_id: o.string(K::chatChannelId)?,
        customer_id: o.string(K::customerId)?,
        first_name: o.string(K::firstName)?,
        last_name: o.string(K::lastName)?,
        whatsapp_nick_name: o.string(K::whatsappNickName)?,
        customer_creation_time: o.time(K::customerCreationTime)?,
        session_creation_time: o.time(K::sessionCreationTime)?,
        tx_id: o.string(K::txId)?,
        messages,
        extra: o.rest(),
    })
}

fn read_legacy(mut o: Obj<'_>) -> Result<LegacyMessage, ParseError> {
    Ok(LegacyMessage {
        id: o.string_any(&[K::_id_, K::_id])?,
        chat_platform: o.string(K::CHAT_PLATFORM_ID)?,
        message: o.string(K::MESSAGE)?,
        creation_time: o.time(K::CREATION_TIME)?,
        from_name: o.string(K::FROM_NAME)?,
        customer_id: o.string(K::CUSTOMER_ID)?,
        from: o.string(K::FROM)?,
        session_creation_time: o.time(K::SESSION_CREATION_TIME)?,
        whatsapp_number: o.string(K::WHATSAPP_NUMBER)?,
        images_urls: o.strings(K::IMAGES_URLS)?,
        audios_urls: o.strings(K::AUDIOS_URLS)?,
        videos_urls: o.strings(K::VIDEOS_URLS)?,
        files_urls: o.strings(K::FILES_URLS)?,
        extra: o.rest(),
    })
}

fn read_snapshot(mut o: Obj<'_>) -> Result<StatusSnapshot, ParseError> {
    let status = o
        .string(K::STATUS)?
        .ok_or_else(|| ParseError::invalid("STATUS", "empty"))?;
    let last_message = match o.object(K::LAST_MESSAGE)? {
        None => None,
        // A status event reads only the last message's ids.
        Some(m) => Some(read_flat(m, false)?),
    };
    Ok(StatusSnapshot {
        id: o.string_any(&[K::_id_, K::_id])?,
        status,
        status_change_time: o.time(K::STATUS_CHANGE_TIME)?,
        user_last_msg_received: o.time(K::USER_LAST_MSG_RECEIVED)?,
        user_last_msg_read: o.time(K::USER_LAST_MSG_READ)?,
        chat_platform: o.string(K::CHAT_PLATFORM_ID)?,
        chat_channel_id: o.unused_string(K::chatChannelId)?,
        whatsapp_number: o.unused_string(K::WHATSAPP_NUMBER)?,
        platform_contact_id: o.string(K::PLATFORM_CONTACT_ID)?,
        customer_id: o.string(K::CUSTOMER_ID)?,
        from: o.string(K::FROM)?,
        business_id: o.unused_string(K::BUSINESS_ID)?,
        first_name: o.unused_string(K::FIRST_NAME)?,
        last_name: o.unused_string(K::LAST_NAME)?,
        creation_time: o.time(K::CREATION_TIME)?,
        last_message_creation_time: o.time(K::LAST_MESSAGE_CREATION_TIME)?,
        last_message,
        extra: o.rest(),
    })
}
