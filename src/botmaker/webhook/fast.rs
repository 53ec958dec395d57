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
    scan::read_body(text, &mut top, K::LAST_MESSAGE, &mut last)?;
    let has = |k| top.has(k);
    let r = Reader { text };
    if has(K::messages) {
        None
    } else if is_snapshot(has) {
        let fields = r.snapshot(&top, last.as_ref())?;
        Some(vec![InboundEvent::Status(snapshot_event(fields).ok()?)])
    } else if is_legacy(has) {
        None
    } else {
        let mut fields = FlatFields::default();
        r.flat(&top, &mut fields)?;
        Some(vec![InboundEvent::Message(
            flat_event(&mut fields, &Context::default(), "").ok()?,
        )])
    }
}

/// Reads fields as the typed view does, giving up where it would fail.
struct Reader<'a> {
    text: &'a str,
}

impl<'a> Reader<'a> {
    /// A string; `null` and `""` are absent.
    fn string(&self, f: &Fields, key: K) -> Option<Option<Cow<'a, str>>> {
        let slot = f.get(key);
        match slot.kind {
            Kind::Absent | Kind::Null => Some(None),
            Kind::Str | Kind::Escaped => {
                Some(scan::text(self.text, slot).filter(|s| !s.is_empty()))
            }
            _ => None,
        }
    }

    /// A string field no event is made from: its type only.
    fn check(&self, f: &Fields, key: K) -> Option<()> {
        matches!(
            f.get(key).kind,
            Kind::Absent | Kind::Null | Kind::Str | Kind::Escaped
        )
        .then_some(())
    }

    /// The first of two keys that holds a string; both are checked.
    fn either(&self, f: &Fields, a: K, b: K) -> Option<Option<Cow<'a, str>>> {
        let first = self.string(f, a)?;
        let second = self.string(f, b)?;
        Some(first.or(second))
    }

    fn boolean(&self, f: &Fields, key: K) -> Option<Option<bool>> {
        match f.get(key).kind {
            Kind::Absent | Kind::Null => Some(None),
            Kind::True => Some(Some(true)),
            Kind::False => Some(Some(false)),
            _ => None,
        }
    }

    /// A time that parses; `null` and `""` are absent.
    fn time(&self, f: &Fields, key: K) -> Option<Option<Timestamp>> {
        match self.string(f, key)? {
            None => Some(None),
            Some(s) => parse_time(&s).map(Some),
        }
    }

    /// A key the typed view reads as an object or array, which this path leaves to it.
    fn none(&self, f: &Fields, key: K) -> Option<()> {
        matches!(f.get(key).kind, Kind::Absent | Kind::Null).then_some(())
    }

    /// A flat message (or a snapshot's `LAST_MESSAGE`): every field the typed view reads,
    /// checked as it checks it.
    fn flat(&self, f: &Fields, into: &mut FlatFields<'a>) -> Option<()> {
        self.none(f, K::location)?;
        self.none(f, K::contacts)?;
        self.check(f, K::sessionId)?;
        self.time(f, K::sessionCreationTime)?;
        self.check(f, K::chatChannelId)?;
        self.check(f, K::queue)?;
        self.boolean(f, K::hasAttachment)?;
        self.either(f, K::webhookPayload, K::clientPayload)?;
        // Field by field: the struct is large to build aside and move.
        into.id = self.either(f, K::_id_, K::_id)?;
        into.date = self.time(f, K::date)?;
        into.chat_platform = self.string(f, K::chatPlatform)?;
        into.contact_id = self.string(f, K::contactId)?;
        into.customer_id = self.string(f, K::customerId)?;
        into.message = self.string(f, K::message)?;
        into.from = self.string(f, K::from)?;
        into.from_customer = self.boolean(f, K::fromCustomer)?;
        into.from_name = self.string(f, K::fromName)?;
        into.whatsapp_number = self.either(f, K::WHATSAPP_NUMBER, K::whatsappNumber)?;
        into.operator_id = self.string(f, K::operatorId)?;
        into.operator_name = self.string(f, K::operatorName)?;
        into.operator_email = self.string(f, K::operatorEmail)?;
        into.is_button = self.boolean(f, K::isButton)?;
        into.button_name = self.string(f, K::buttonName)?;
        into.button_payload = self.string(f, K::buttonPayload)?;
        into.response_id = self.string(f, K::responseId)?;
        into.image = self.string(f, K::image)?;
        into.audio = self.string(f, K::audio)?;
        into.video = self.string(f, K::video)?;
        into.file = self.string(f, K::file)?;
        into.caption = self.string(f, K::caption)?;
        into.error = self.string(f, K::error)?;
        Some(())
    }

    /// A status snapshot, its `LAST_MESSAGE` read from `last`.
    fn snapshot(&self, f: &Fields, last: Option<&Fields>) -> Option<SnapshotFields<'a>> {
        let last = match (f.get(K::LAST_MESSAGE).kind, last) {
            (Kind::Absent | Kind::Null, _) => None,
            (Kind::Obj, Some(last)) => {
                let mut fields = FlatFields::default();
                self.flat(last, &mut fields)?;
                Some(fields)
            }
            _ => return None,
        };
        self.check(f, K::chatChannelId)?;
        self.check(f, K::WHATSAPP_NUMBER)?;
        self.check(f, K::BUSINESS_ID)?;
        self.check(f, K::FIRST_NAME)?;
        self.check(f, K::LAST_NAME)?;
        self.time(f, K::CREATION_TIME)?;
        self.time(f, K::LAST_MESSAGE_CREATION_TIME)?;
        Some(SnapshotFields {
            id: self.either(f, K::_id_, K::_id)?,
            status: self.string(f, K::STATUS)??,
            status_change_time: self.time(f, K::STATUS_CHANGE_TIME)?,
            user_last_msg_received: self.time(f, K::USER_LAST_MSG_RECEIVED)?,
            user_last_msg_read: self.time(f, K::USER_LAST_MSG_READ)?,
            chat_platform: self.string(f, K::CHAT_PLATFORM_ID)?,
            platform_contact_id: self.string(f, K::PLATFORM_CONTACT_ID)?,
            customer_id: self.string(f, K::CUSTOMER_ID)?,
            from: self.string(f, K::FROM)?,
            last,
        })
    }
}
