//! A webhook body read once into a tree that borrows its strings from the body, and the
//! objects of that tree, whose known keys are found through a table instead of a map.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::Extra;

/// A JSON value whose strings (and keys) borrow from the body when they hold no escapes.
pub(super) enum Val<'de> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'de, str>),
    Arr(Vec<Val<'de>>),
    Obj(Vec<Entry<'de>>),
}

/// A key, its value (`None` once read, or when a later duplicate of a known key hides it),
/// and the key's index among the known keys ([`UNKNOWN`] for others), found as it is read.
pub(super) type Entry<'de> = (Cow<'de, str>, Option<Val<'de>>, u8);

/// The index of a key no format reads.
const UNKNOWN: u8 = u8::MAX;

impl Val<'_> {
    /// The kind of value, as errors name it.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "a boolean",
            Val::Num(_) => "a number",
            Val::Str(_) => "a string",
            Val::Arr(_) => "an array",
            Val::Obj(_) => "an object",
        }
    }

    /// The owned `serde_json` value.
    fn into_value(self) -> Value {
        match self {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(b),
            Val::Num(n) => Value::Number(n),
            Val::Str(s) => Value::String(s.into_owned()),
            Val::Arr(items) => Value::Array(items.into_iter().map(Val::into_value).collect()),
            Val::Obj(entries) => Value::Object(into_map(entries)),
        }
    }
}

/// The entries still held, in order; a later duplicate replaces an earlier one, as in a map
/// read from the same text.
fn into_map(entries: Vec<Entry<'_>>) -> Map<String, Value> {
    let mut map = Map::new();
    for (k, v, _) in entries {
        if let Some(v) = v {
            map.insert(k.into_owned(), v.into_value());
        }
    }
    map
}

/// Reads a whole body: the same syntax, nesting limit and errors as `serde_json::from_slice`.
/// Valid UTF-8 (checked at once) is read as text, so that its strings are not checked
/// again one by one; otherwise the bytes are read, for serde_json's error and its position.
///
/// Without `keep`, the values of keys no format reads are checked (syntax and nesting) but
/// not kept: see [`Obj::rest`].
pub(super) fn from_slice(body: &[u8], keep: bool) -> Result<Val<'_>, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => read(serde_json::Deserializer::from_str(text), keep),
        Err(_) => read(serde_json::Deserializer::from_slice(body), keep),
    }
}

fn read<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    keep: bool,
) -> Result<Val<'de>, serde_json::Error> {
    let v = ValSeed { keep }.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Reads a [`Val`]; without `keep`, object entries under unknown keys are skipped.
#[derive(Clone, Copy)]
struct ValSeed {
    keep: bool,
}

impl<'de> DeserializeSeed<'de> for ValSeed {
    type Value = Val<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        d.deserialize_any(self)
    }
}

/// A value read and dropped. Read through `deserialize_any` (not `deserialize_ignored_any`,
/// which serde_json reads without its nesting limit), so that the limit holds everywhere.
struct Skip;

impl<'de> Deserialize<'de> for Skip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SkipVisitor)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = Skip;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_unit<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_none<E>(self) -> Result<Skip, E> {
        Ok(Skip)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Skip, D::Error> {
        Skip::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
        while seq.next_element::<Skip>()?.is_some() {}
        Ok(Skip)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
        while map.next_key::<Skip>()?.is_some() {
            map.next_value::<Skip>()?;
        }
        Ok(Skip)
    }
}

impl<'de> Visitor<'de> for ValSeed {
    type Value = Val<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Val<'de>, E> {
        Ok(Val::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Val<'de>, E> {
        Ok(Val::Num(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Val<'de>, E> {
        Ok(Val::Num(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Val<'de>, E> {
        // As `serde_json::Value` reads it.
        Ok(Number::from_f64(v).map_or(Val::Null, Val::Num))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Val<'de>, E> {
        Ok(Val::Str(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_none<E>(self) -> Result<Val<'de>, E> {
        Ok(Val::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Val<'de>, D::Error> {
        self.deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Val<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Val::Arr(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Val<'de>, A::Error> {
        // 16 entries stay under the size from which glibc's malloc first consolidates its
        // small free chunks, which costs more than growing the few larger objects.
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(16));
        while let Some(Key(k)) = map.next_key()? {
            let index = known(k.as_bytes()).map_or(UNKNOWN, |i| i as u8);
            if self.keep || index != UNKNOWN {
                entries.push((k, Some(map.next_value_seed(self)?), index));
            } else {
                map.next_value::<Skip>()?;
            }
        }
        Ok(Val::Obj(entries))
    }
}

/// An object key, borrowed when it holds no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

macro_rules! known_keys {
    ($($id:ident = $name:literal,)*) => {
        /// Every key some format reads.
        #[derive(Clone, Copy, Debug)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        pub(super) enum K { $($id,)* }

        /// Their names, in the order of [`K`].
        pub(super) const NAMES: &[&str] = &[$($name,)*];
    };
}

known_keys! {
    _id_ = "_id_", _id = "_id", date = "date", chatPlatform = "chatPlatform",
    contactId = "contactId", customerId = "customerId", sessionId = "sessionId",
    sessionCreationTime = "sessionCreationTime", message = "message", from = "from",
    fromCustomer = "fromCustomer", fromName = "fromName", WHATSAPP_NUMBER = "WHATSAPP_NUMBER",
    whatsappNumber = "whatsappNumber", chatChannelId = "chatChannelId", queue = "queue",
    operatorId = "operatorId", operatorName = "operatorName", operatorEmail = "operatorEmail",
    isButton = "isButton", buttonName = "buttonName", buttonPayload = "buttonPayload",
    responseId = "responseId", hasAttachment = "hasAttachment", image = "image",
    audio = "audio", video = "video", file = "file", caption = "caption",
    location = "location", contacts = "contacts", error = "error",
    webhookPayload = "webhookPayload", clientPayload = "clientPayload",
    latitude = "latitude", longitude = "longitude", name = "name", address = "address",
    phones = "phones", emails = "emails", formatted_name = "formatted_name",
    first_name = "first_name", last_name = "last_name", phone = "phone", wa_id = "wa_id",
    email = "email",
    messages = "messages", v = "v", type_ = "type", chatIdInChatPlatform = "chatIdInChatPlatform",
    firstName = "firstName", lastName = "lastName", whatsappNickName = "whatsappNickName",
    customerCreationTime = "customerCreationTime", txId = "txId",
    CHAT_PLATFORM_ID = "CHAT_PLATFORM_ID", MESSAGE = "MESSAGE", CREATION_TIME = "CREATION_TIME",
    FROM_NAME = "FROM_NAME", CUSTOMER_ID = "CUSTOMER_ID", FROM = "FROM",
    SESSION_CREATION_TIME = "SESSION_CREATION_TIME", IMAGES_URLS = "IMAGES_URLS",
    AUDIOS_URLS = "AUDIOS_URLS", VIDEOS_URLS = "VIDEOS_URLS", FILES_URLS = "FILES_URLS",
    STATUS = "STATUS", STATUS_CHANGE_TIME = "STATUS_CHANGE_TIME",
    USER_LAST_MSG_RECEIVED = "USER_LAST_MSG_RECEIVED", USER_LAST_MSG_READ = "USER_LAST_MSG_READ",
    LAST_MESSAGE = "LAST_MESSAGE", PLATFORM_CONTACT_ID = "PLATFORM_CONTACT_ID",
    BUSINESS_ID = "BUSINESS_ID", FIRST_NAME = "FIRST_NAME", LAST_NAME = "LAST_NAME",
    LAST_MESSAGE_CREATION_TIME = "LAST_MESSAGE_CREATION_TIME",
}

/// How many keys some format reads.
pub(super) const KNOWN: usize = NAMES.len();
const _: () = assert!(KNOWN < u8::MAX as usize);

impl K {
    pub(super) fn name(self) -> &'static str {
        NAMES[self as usize]
    }
}

/// The index of a known key: its length, then its bytes, which the compiler compares a
/// few words at a time. Every name of [`NAMES`] is here, under its own index (a test reads
/// each one back).
#[rustfmt::skip]
pub(super) fn known(key: &[u8]) -> Option<usize> {
    let k = match key.len() {
        1 => match key { b"v" => K::v, _ => return None },
        3 => match key { b"_id" => K::_id, _ => return None },
        4 => match key { b"_id_" => K::_id_, b"date" => K::date, b"from" => K::from,
            b"file" => K::file, b"name" => K::name, b"type" => K::type_, b"txId" => K::txId,
            b"FROM" => K::FROM, _ => return None },
        5 => match key { b"queue" => K::queue, b"image" => K::image, b"audio" => K::audio,
            b"video" => K::video, b"error" => K::error, b"phone" => K::phone,
            b"wa_id" => K::wa_id, b"email" => K::email, _ => return None },
        6 => match key { b"phones" => K::phones, b"emails" => K::emails, b"STATUS" => K::STATUS,
            _ => return None },
        7 => match key { b"message" => K::message, b"caption" => K::caption,
            b"address" => K::address, b"MESSAGE" => K::MESSAGE, _ => return None },
        8 => match key { b"fromName" => K::fromName, b"isButton" => K::isButton,
            b"location" => K::location, b"contacts" => K::contacts, b"latitude" => K::latitude,
            b"messages" => K::messages, b"lastName" => K::lastName, _ => return None },
        9 => match key { b"contactId" => K::contactId, b"sessionId" => K::sessionId,
            b"longitude" => K::longitude, b"last_name" => K::last_name,
            b"firstName" => K::firstName, b"FROM_NAME" => K::FROM_NAME,
            b"LAST_NAME" => K::LAST_NAME, _ => return None },
        10 => match key { b"customerId" => K::customerId, b"operatorId" => K::operatorId,
            b"buttonName" => K::buttonName, b"responseId" => K::responseId,
            b"first_name" => K::first_name, b"FILES_URLS" => K::FILES_URLS,
            b"FIRST_NAME" => K::FIRST_NAME, _ => return None },
        11 => match key { b"CUSTOMER_ID" => K::CUSTOMER_ID, b"IMAGES_URLS" => K::IMAGES_URLS,
            b"AUDIOS_URLS" => K::AUDIOS_URLS, b"VIDEOS_URLS" => K::VIDEOS_URLS,
            b"BUSINESS_ID" => K::BUSINESS_ID, _ => return None },
        12 => match key { b"chatPlatform" => K::chatPlatform, b"fromCustomer" => K::fromCustomer,
            b"operatorName" => K::operatorName, b"LAST_MESSAGE" => K::LAST_MESSAGE,
            _ => return None },
        13 => match key { b"chatChannelId" => K::chatChannelId,
            b"operatorEmail" => K::operatorEmail, b"buttonPayload" => K::buttonPayload,
            b"hasAttachment" => K::hasAttachment, b"clientPayload" => K::clientPayload,
            b"CREATION_TIME" => K::CREATION_TIME, _ => return None },
        14 => match key { b"whatsappNumber" => K::whatsappNumber,
            b"webhookPayload" => K::webhookPayload, b"formatted_name" => K::formatted_name,
            _ => return None },
        15 => match key { b"WHATSAPP_NUMBER" => K::WHATSAPP_NUMBER, _ => return None },
        16 => match key { b"whatsappNickName" => K::whatsappNickName,
            b"CHAT_PLATFORM_ID" => K::CHAT_PLATFORM_ID, _ => return None },
        18 => match key { b"STATUS_CHANGE_TIME" => K::STATUS_CHANGE_TIME,
            b"USER_LAST_MSG_READ" => K::USER_LAST_MSG_READ, _ => return None },
        19 => match key { b"sessionCreationTime" => K::sessionCreationTime,
            b"PLATFORM_CONTACT_ID" => K::PLATFORM_CONTACT_ID, _ => return None },
        20 => match key { b"chatIdInChatPlatform" => K::chatIdInChatPlatform,
            b"customerCreationTime" => K::customerCreationTime, _ => return None },
        21 => match key { b"SESSION_CREATION_TIME" => K::SESSION_CREATION_TIME, _ => return None },
        22 => match key { b"USER_LAST_MSG_RECEIVED" => K::USER_LAST_MSG_RECEIVED,
            _ => return None },
        26 => match key { b"LAST_MESSAGE_CREATION_TIME" => K::LAST_MESSAGE_CREATION_TIME,
            _ => return None },
        _ => return None,
    };
    Some(k as usize)
}

const ABSENT: u32 = u32::MAX;

/// A JSON object being read: each read takes its key's value, and what is left is [`Extra`]
/// (built only when `keep` says the caller wants it). `prefix` names where the object sits
/// (`messages[1].`), for errors.
pub(super) struct Obj<'de> {
    entries: Vec<Entry<'de>>,
    /// Where each known key's value is in `entries`.
    slots: [u32; KNOWN],
    pub(super) prefix: String,
    keep: bool,
}

impl<'de> Obj<'de> {
    pub(super) fn new(mut entries: Vec<Entry<'de>>, prefix: String, keep: bool) -> Self {
        let mut slots = [ABSENT; KNOWN];
        for i in 0..entries.len() {
            let k = usize::from(entries[i].2);
            if k != usize::from(UNKNOWN) {
                // The last of duplicate keys counts, as in a map.
                if let Some(earlier) = entries.get_mut(slots[k] as usize) {
                    earlier.1 = None;
                }
                slots[k] = u32::try_from(i).unwrap_or(ABSENT);
            }
        }
        Obj {
            entries,
            slots,
            prefix,
            keep,
        }
    }

    /// A nested object, named `name` for errors.
    pub(super) fn child(&self, entries: Vec<Entry<'de>>, name: String) -> Obj<'de> {
        Obj::new(entries, name, self.keep)
    }

    /// Whether the keys no field takes are kept, and with them every field: false when
    /// the payload is read only to make events.
    pub(super) fn keeps(&self) -> bool {
        self.keep
    }

    pub(super) fn has(&self, key: K) -> bool {
        self.slots[key as usize] != ABSENT
    }

    /// Takes the value of `key`.
    pub(super) fn take(&mut self, key: K) -> Option<Val<'de>> {
        let i = self.slots[key as usize];
        self.entries.get_mut(i as usize)?.1.take()
    }

    /// The keys and values not read.
    pub(super) fn rest(self) -> Extra {
        if self.keep {
            Extra(into_map(self.entries))
        } else {
            Extra::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_key_is_found_and_others_are_not() {
        for (i, name) in NAMES.iter().enumerate() {
            assert_eq!(known(name.as_bytes()), Some(i), "{name}");
        }
        for other in [
            "",
            "_ID_",
            "Status",
            "country",
            "LAST_MESSAGE ",
            "messages2",
        ] {
            assert_eq!(known(other.as_bytes()), None, "{other}");
        }
    }

    #[test]
    fn duplicates_keep_the_last_value() {
        let Val::Obj(entries) =
            from_slice(br#"{"message": 1, "x": 1, "message": "b", "x": 2}"#, true).unwrap()
        else {
            panic!()
        };
        let mut o = Obj::new(entries, String::new(), true);
        assert!(matches!(o.take(K::message), Some(Val::Str(s)) if s == "b"));
        let rest = o.rest();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest.get("x"), Some(&Value::from(2)));
    }
}
