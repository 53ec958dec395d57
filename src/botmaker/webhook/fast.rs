//! The quick path from a body to events, for a Format A message and a status snapshot: the
//! body is checked by [`scan`](super::scan), and the event is made from the body's own
//! strings, without the typed view in between.
//!
//! It gives up (`None`) on any body it is not sure of, and the general path then reads it:
//! not JSON or JSON the scanner does not take on, another format, a location or contacts,
//! a value of the wrong type, a time that does not parse, a missing id, an address that is
//! not valid. So every error still comes from the general path, and a body this path
//! accepts is one the general path accepts with the same fields, checked the same way.

use std::borrow::Cow;

use crate::event::{InboundEvent, Timestamp};

use super::events::{Context, FlatFields, SnapshotFields, flat_event, snapshot_event};
use super::json::K;
use super::read::{is_legacy, is_snapshot};
use super::scan::{self, Fields, Kind};
use super::times::parse_time;

/// The events of `body`, or `None` to leave it to the general path.
pub(super) fn events(body: &[u8]) -> Option<Vec<InboundEvent>> {
    let text = std::str::from_utf8(body).ok()?;
    let mut top = Fields::new();
    let mut last = None;
    // An envelope (`messages`) is left to the general path as soon as it shows.
    scan::read_body(text, &mut top, (K::LAST_MESSAGE, &mut last), K::messages)?;
    let has = |k| top.has(k);
    let r = Reader { text, f: &top };
    if is_snapshot(has) {
        let mut fields = SnapshotFields::default();
        r.snapshot(last.as_ref(), &mut fields)?;
        Some(vec![InboundEvent::Status(
            snapshot_event(&mut fields).ok()?,
        )])
    } else if is_legacy(has) {
        None
    } else {
        let mut fields = FlatFields::default();
        r.flat(&mut fields)?;
        Some(vec![InboundEvent::Message(
            flat_event(&mut fields, &Context::default(), "").ok()?,
        )])
    }
}

/// Reads the fields of one object as the typed view does, giving up where it would fail.
/// Each value is written where it goes, which is left alone (`None`) when the field is
/// absent; small results come back in registers.
struct Reader<'a, 'f> {
    text: &'a str,
    f: &'f Fields,
}

impl<'a> Reader<'a, '_> {
    /// A string; `null` and `""` are absent.
    fn string(&self, key: K, out: &mut Option<Cow<'a, str>>) -> Option<()> {
        let slot = self.f.get(key);
        match slot.kind {
            Kind::Absent | Kind::Null => {}
            // An escaped string is never empty, nor is its text.
            Kind::Str | Kind::Escaped if slot.is_empty() => {}
            // Built in place: a `Cow` handed back would be stored in parts and read whole.
            Kind::Str => *out = Some(Cow::Borrowed(scan::raw(self.text, slot)?)),
            Kind::Escaped => {
                *out = Some(Cow::Owned(scan::unescape(scan::raw(self.text, slot)?)?));
            }
            _ => return None,
        }
        Some(())
    }

    /// A string field no event is made from: its type only.
    fn check(&self, key: K) -> Option<()> {
        matches!(
            self.f.get(key).kind,
            Kind::Absent | Kind::Null | Kind::Str | Kind::Escaped
        )
        .then_some(())
    }

    /// The first of two keys that holds a string; both are checked.
    fn either(&self, a: K, b: K, out: &mut Option<Cow<'a, str>>) -> Option<()> {
        self.string(a, out)?;
        if out.is_some() {
            self.check(b)
        } else {
            self.string(b, out)
        }
    }

    fn boolean(&self, key: K, out: &mut Option<bool>) -> Option<()> {
        match self.f.get(key).kind {
            Kind::Absent | Kind::Null => {}
            Kind::True => *out = Some(true),
            Kind::False => *out = Some(false),
            _ => return None,
        }
        Some(())
    }

    /// A time that parses; `null` and `""` are absent.
    fn time(&self, key: K, out: &mut Option<Timestamp>) -> Option<()> {
        let mut s = None;
        self.string(key, &mut s)?;
        if let Some(s) = s {
            *out = Some(parse_time(&s)?);
        }
        Some(())
    }

    /// A key the typed view reads as an object or array, which this path leaves to it.
    fn none(&self, key: K) -> Option<()> {
        matches!(self.f.get(key).kind, Kind::Absent | Kind::Null).then_some(())
    }

    /// A flat message (or a snapshot's `LAST_MESSAGE`): every field the typed view reads,
    /// checked as it checks it.
    fn flat(&self, m: &mut FlatFields<'a>) -> Option<()> {
        self.none(K::location)?;
        self.none(K::contacts)?;
        self.check(K::sessionId)?;
        self.time(K::sessionCreationTime, &mut None)?;
        self.check(K::chatChannelId)?;
        self.check(K::queue)?;
        self.boolean(K::hasAttachment, &mut None)?;
        self.either(K::webhookPayload, K::clientPayload, &mut None)?;
        self.either(K::_id_, K::_id, &mut m.id)?;
        self.time(K::date, &mut m.date)?;
        self.string(K::chatPlatform, &mut m.chat_platform)?;
        self.string(K::contactId, &mut m.contact_id)?;
        self.string(K::customerId, &mut m.customer_id)?;
        self.string(K::message, &mut m.message)?;
        self.string(K::from, &mut m.from)?;
        self.boolean(K::fromCustomer, &mut m.from_customer)?;
        self.string(K::fromName, &mut m.from_name)?;
        self.either(
            K::WHATSAPP_NUMBER,
            K::whatsappNumber,
            &mut m.whatsapp_number,
        )?;
        self.string(K::operatorId, &mut m.operator_id)?;
        self.string(K::operatorName, &mut m.operator_name)?;
        self.string(K::operatorEmail, &mut m.operator_email)?;
        self.boolean(K::isButton, &mut m.is_button)?;
        self.string(K::buttonName, &mut m.button_name)?;
        self.string(K::buttonPayload, &mut m.button_payload)?;
        self.string(K::responseId, &mut m.response_id)?;
        self.string(K::image, &mut m.image)?;
        self.string(K::audio, &mut m.audio)?;
        self.string(K::video, &mut m.video)?;
        self.string(K::file, &mut m.file)?;
        self.string(K::caption, &mut m.caption)?;
        self.string(K::error, &mut m.error)
    }

    /// A status snapshot, its `LAST_MESSAGE` read from `last`.
    fn snapshot(&self, last: Option<&Fields>, s: &mut SnapshotFields<'a>) -> Option<()> {
        match (self.f.get(K::LAST_MESSAGE).kind, last) {
            (Kind::Absent | Kind::Null, _) => {}
            (Kind::Obj, Some(f)) => {
                let reader = Reader { text: self.text, f };
                reader.flat(s.last.insert(FlatFields::default()))?;
            }
            _ => return None,
        }
        self.check(K::chatChannelId)?;
        self.check(K::WHATSAPP_NUMBER)?;
        self.check(K::BUSINESS_ID)?;
        self.check(K::FIRST_NAME)?;
        self.check(K::LAST_NAME)?;
        self.time(K::CREATION_TIME, &mut None)?;
        self.time(K::LAST_MESSAGE_CREATION_TIME, &mut None)?;
        self.either(K::_id_, K::_id, &mut s.id)?;
        let mut status = None;
        self.string(K::STATUS, &mut status)?;
        s.status = status?;
        self.time(K::STATUS_CHANGE_TIME, &mut s.status_change_time)?;
        self.time(K::USER_LAST_MSG_RECEIVED, &mut s.user_last_msg_received)?;
        self.time(K::USER_LAST_MSG_READ, &mut s.user_last_msg_read)?;
        self.string(K::CHAT_PLATFORM_ID, &mut s.chat_platform)?;
        self.string(K::PLATFORM_CONTACT_ID, &mut s.platform_contact_id)?;
        self.string(K::CUSTOMER_ID, &mut s.customer_id)?;
        self.string(K::FROM, &mut s.from)
    }
}
