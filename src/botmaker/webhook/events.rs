//! From the typed view to normalized events.

use std::borrow::Cow;

use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    Author, Contact, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent,
    StatusUpdate, Timestamp,
};
use crate::provider::ProviderKind;

use super::{
    Envelope, FlatMessage, LegacyMessage, StatusSnapshot, WebhookLocation, WebhookPayload,
};

impl WebhookPayload {
    /// The events the payload reports: one per message (several for a Format B envelope),
    /// or one status change for a snapshot.
    ///
    /// # Errors
    ///
    /// - [`ParseError::MissingField`] when a message has no id (`_id_`; `messages[N]._id` in an
    ///   envelope).
    /// - [`ParseError::InvalidField`] naming the field when a contact or business address is empty,
    ///   holds white space, or looks like a phone number but is not a valid one.
    pub fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        self.clone().into_events()
    }

    /// [`to_events`](Self::to_events), moving the payload's strings into the events.
    pub(super) fn into_events(self) -> Result<Vec<InboundEvent>, ParseError> {
        match self {
            // The boxes are read in place: the views are large to move.
            WebhookPayload::Message(mut m) => Ok(vec![InboundEvent::Message(flat_event(
                &mut FlatFields::take(&mut m),
                &Context::default(),
                "",
            )?)]),
            WebhookPayload::Envelope(e) => envelope_events(*e),
            WebhookPayload::Legacy(l) => Ok(vec![InboundEvent::Message(legacy_event(*l)?)]),
            WebhookPayload::Snapshot(mut s) => Ok(vec![InboundEvent::Status(snapshot_event(
                &mut SnapshotFields::take(&mut s),
            )?)]),
        }
    }
}

/// What a message event is made of: the strings of a flat message's typed view (moved,
/// not copied) or of the body itself (borrowed).
#[derive(Default)]
pub(super) struct FlatFields<'a> {
    pub(super) id: Option<Cow<'a, str>>,
    pub(super) date: Option<Timestamp>,
    pub(super) chat_platform: Option<Cow<'a, str>>,
    pub(super) contact_id: Option<Cow<'a, str>>,
    pub(super) customer_id: Option<Cow<'a, str>>,
    pub(super) message: Option<Cow<'a, str>>,
    pub(super) from: Option<Cow<'a, str>>,
    pub(super) from_customer: Option<bool>,
    pub(super) from_name: Option<Cow<'a, str>>,
    pub(super) whatsapp_number: Option<Cow<'a, str>>,
    pub(super) operator_id: Option<Cow<'a, str>>,
    pub(super) operator_name: Option<Cow<'a, str>>,
    pub(super) operator_email: Option<Cow<'a, str>>,
    pub(super) is_button: Option<bool>,
    pub(super) button_name: Option<Cow<'a, str>>,
    pub(super) button_payload: Option<Cow<'a, str>>,
    pub(super) response_id: Option<Cow<'a, str>>,
    pub(super) image: Option<Cow<'a, str>>,
    pub(super) audio: Option<Cow<'a, str>>,
    pub(super) video: Option<Cow<'a, str>>,
    pub(super) file: Option<Cow<'a, str>>,
    pub(super) caption: Option<Cow<'a, str>>,
    pub(super) location: Option<WebhookLocation>,
    pub(super) contacts: Option<Vec<Contact>>,
    pub(super) error: Option<Cow<'a, str>>,
}

/// Moves a string out of the typed view.
fn moved(s: &mut Option<String>) -> Option<Cow<'static, str>> {
    s.take().map(Cow::Owned)
}

/// An owned string for the event, copied only when it was borrowed.
fn owned(s: &mut Option<Cow<'_, str>>) -> Option<String> {
    s.take().map(Cow::into_owned)
}

impl FlatFields<'static> {
    /// The fields of `m`, its strings moved out.
    fn take(m: &mut FlatMessage) -> Self {
        FlatFields {
            id: moved(&mut m.id),
            date: m.date,
            chat_platform: moved(&mut m.chat_platform),
            contact_id: moved(&mut m.contact_id),
            customer_id: moved(&mut m.customer_id),
            message: moved(&mut m.message),
            from: moved(&mut m.from),
            from_customer: m.from_customer,
            from_name: moved(&mut m.from_name),
            whatsapp_number: moved(&mut m.whatsapp_number),
            operator_id: moved(&mut m.operator_id),
            operator_name: moved(&mut m.operator_name),
            operator_email: moved(&mut m.operator_email),
            is_button: m.is_button,
            button_name: moved(&mut m.button_name),
            button_payload: moved(&mut m.button_payload),
            response_id: moved(&mut m.response_id),
            image: moved(&mut m.image),
            audio: moved(&mut m.audio),
            video: moved(&mut m.video),
            file: moved(&mut m.file),
            caption: moved(&mut m.caption),
            location: m.location.take(),
            contacts: m.contacts.take(),
            error: moved(&mut m.error),
        }
    }
}

/// What a status event is made of, as [`FlatFields`] are for a message.
#[derive(Default)]
pub(super) struct SnapshotFields<'a> {
    pub(super) id: Option<Cow<'a, str>>,
    pub(super) status: Cow<'a, str>,
    pub(super) status_change_time: Option<Timestamp>,
    pub(super) user_last_msg_received: Option<Timestamp>,
    pub(super) user_last_msg_read: Option<Timestamp>,
    pub(super) chat_platform: Option<Cow<'a, str>>,
    pub(super) platform_contact_id: Option<Cow<'a, str>>,
    pub(super) customer_id: Option<Cow<'a, str>>,
    pub(super) from: Option<Cow<'a, str>>,
    /// The last message's id, contact and chat ids.
    pub(super) last: Option<FlatFields<'a>>,
}

impl SnapshotFields<'static> {
    /// The fields of `s`, its strings moved out.
    fn take(s: &mut StatusSnapshot) -> Self {
        SnapshotFields {
            id: moved(&mut s.id),
            status: Cow::Owned(std::mem::take(&mut s.status)),
            status_change_time: s.status_change_time,
            user_last_msg_received: s.user_last_msg_received,
            user_last_msg_read: s.user_last_msg_read,
            chat_platform: moved(&mut s.chat_platform),
            platform_contact_id: moved(&mut s.platform_contact_id),
            customer_id: moved(&mut s.customer_id),
            from: moved(&mut s.from),
            last: s.last_message.as_mut().map(|m| FlatFields {
                id: moved(&mut m.id),
                contact_id: moved(&mut m.contact_id),
                customer_id: moved(&mut m.customer_id),
                ..FlatFields::default()
            }),
        }
    }
}

/// Values a Format B envelope supplies to its messages.
#[derive(Default)]
pub(super) struct Context<'a> {
    chat_platform: Option<&'a str>,
    contact_id: Option<&'a str>,
    whatsapp_number: Option<&'a str>,
    customer_id: Option<&'a str>,
    nick_name: Option<&'a str>,
}

/// A user or line id as an address: on WhatsApp (or when the platform is not said) a phone
/// number, given as digits or `+digits`, becomes `+E164`; on other platforms the id is kept.
/// `field` (after `prefix`, `messages[1].` in an envelope) names the id in errors.
fn address(
    (prefix, field): (&str, &str),
    platform: Option<&str>,
    id: &str,
) -> Result<WhatsAppAddress, ParseError> {
    let on_whatsapp = platform.is_none_or(|p| p.eq_ignore_ascii_case("whatsapp"));
    if on_whatsapp {
        return WhatsAppAddress::parse(id)
            .map_err(|e| ParseError::invalid(format!("{prefix}{field}"), e.to_string()));
    }
    let id = id.trim();
    if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ParseError::invalid(
            format!("{prefix}{field}"),
            "empty, or holds white space or control characters",
        ));
    }
    Ok(WhatsAppAddress::UserId(id.to_owned()))
}

fn opt_address(
    field: (&str, &str),
    platform: Option<&str>,
    id: Option<&str>,
) -> Result<Option<WhatsAppAddress>, ParseError> {
    id.map(|id| address(field, platform, id)).transpose()
}

/// Who wrote a message. `from` decides when it is `user`, `bot` or `operator`/`agent`;
/// without it, `fromCustomer` or the operator fields do. Any other `from` value is treated
/// as not the user, so a bot never answers it.
fn author_of(m: &FlatFields<'_>) -> Author {
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

/// The content, with the strings taken out of `m`.
fn flat_content(m: &mut FlatFields<'_>) -> MessageContent {
    if m.is_button == Some(true) || m.button_payload.is_some() || m.response_id.is_some() {
        return MessageContent::Button {
            text: owned(&mut m.button_name).or_else(|| owned(&mut m.message)),
            payload: owned(&mut m.button_payload).or_else(|| owned(&mut m.response_id)),
        };
    }
    let items: Vec<MediaItem> = [&mut m.image, &mut m.video, &mut m.audio, &mut m.file]
        .into_iter()
        .filter_map(owned)
        .map(|url| MediaItem::new(url, None))
        .collect();
    if !items.is_empty() {
        return MessageContent::Media {
            items,
            caption: owned(&mut m.caption).or_else(|| owned(&mut m.message)),
        };
    }
    if let Some(l) = m.location.take() {
        return MessageContent::Location {
            latitude: l.latitude,
            longitude: l.longitude,
            name: l.name,
            address: l.address,
        };
    }
    if let Some(contacts) = m.contacts.take() {
        return MessageContent::Contacts { contacts };
    }
    if let Some(body) = owned(&mut m.message) {
        return MessageContent::Text { body };
    }
    MessageContent::Unsupported {
        reason: owned(&mut m.error)
            .unwrap_or_else(|| "no text, media, location or contacts".into()),
    }
}

/// A message event; `prefix` (`messages[1].` in an envelope) names its fields in errors.
pub(super) fn flat_event(
    m: &mut FlatFields<'_>,
    ctx: &Context<'_>,
    prefix: &str,
) -> Result<InboundMessage, ParseError> {
    let id = owned(&mut m.id).ok_or_else(|| ParseError::missing(format!("{prefix}_id_")))?;
    let platform = m.chat_platform.as_deref().or(ctx.chat_platform);
    let user = opt_address(
        (prefix, "contactId"),
        platform,
        m.contact_id.as_deref().or(ctx.contact_id),
    )?;
    let line = opt_address(
        (prefix, "WHATSAPP_NUMBER"),
        platform,
        m.whatsapp_number.as_deref().or(ctx.whatsapp_number),
    )?;
    let author = author_of(m);
    let (from, to) = match author {
        Author::User => (user, line),
        _ => (line, user),
    };
    let profile_name = match author {
        Author::User => owned(&mut m.from_name).or_else(|| ctx.nick_name.map(str::to_owned)),
        _ => owned(&mut m.operator_name).or_else(|| owned(&mut m.from_name)),
    };
    let conversation_id = owned(&mut m.customer_id).or_else(|| ctx.customer_id.map(str::to_owned));
    let timestamp = m.date;
    let mut event = InboundMessage::new(ProviderKind::BOTMAKER, id, flat_content(m));
    event.author = author;
    event.from = from;
    event.to = to;
    event.profile_name = profile_name;
    event.timestamp = timestamp;
    event.conversation_id = conversation_id;
    Ok(event)
}

fn envelope_events(mut e: Envelope) -> Result<Vec<InboundEvent>, ParseError> {
    let messages = std::mem::take(&mut e.messages);
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
    messages
        .into_iter()
        .enumerate()
        .map(|(i, mut m)| {
            let prefix = format!("messages[{i}].");
            let mut ev = flat_event(&mut FlatFields::take(&mut m), &ctx, &prefix);
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

fn legacy_event(l: LegacyMessage) -> Result<InboundMessage, ParseError> {
    let id = l.id.ok_or_else(|| ParseError::missing("_id_"))?;
    let platform = l.chat_platform.as_deref();
    let items: Vec<MediaItem> = [l.images_urls, l.videos_urls, l.audios_urls, l.files_urls]
        .into_iter()
        .flatten()
        .map(|u| MediaItem::new(u, None))
        .collect();
    let from = opt_address(("", "FROM"), platform, l.from.as_deref())?;
    let to = opt_address(
        ("", "WHATSAPP_NUMBER"),
        platform,
        l.whatsapp_number.as_deref(),
    )?;
    let content = if !items.is_empty() {
        MessageContent::Media {
            items,
            caption: l.message,
        }
    } else if let Some(body) = l.message {
        MessageContent::Text { body }
    } else {
        MessageContent::Unsupported {
            reason: "no text or media".into(),
        }
    };
    let mut event = InboundMessage::new(ProviderKind::BOTMAKER, id, content);
    event.from = from;
    event.to = to;
    event.profile_name = l.from_name;
    event.timestamp = l.creation_time;
    event.conversation_id = l.customer_id;
    Ok(event)
}

/// A status event.
pub(super) fn snapshot_event(s: &mut SnapshotFields<'_>) -> Result<StatusUpdate, ParseError> {
    let status = match s.status.trim() {
        error if error.eq_ignore_ascii_case("error") => DeliveryStatus::Failed,
        other => DeliveryStatus::parse(other),
    };
    let platform = s.chat_platform.as_deref();
    let (field, contact) = if let Some(c) = s.platform_contact_id.as_deref() {
        ("PLATFORM_CONTACT_ID", Some(c))
    } else if let Some(c) = s.last.as_ref().and_then(|m| m.contact_id.as_deref()) {
        ("LAST_MESSAGE.contactId", Some(c))
    } else {
        ("FROM", s.from.as_deref())
    };
    let recipient = opt_address(("", field), platform, contact)?;
    // Real snapshots name the chat in `_id_` and the last message in `LAST_MESSAGE`; the
    // documented 2018 shape has `_id_` for the message and `CUSTOMER_ID` for the chat.
    let message_id = match s.last.as_mut() {
        Some(m) => owned(&mut m.id),
        None => {
            s.id.as_deref()
                .filter(|id| s.customer_id.as_deref().is_some_and(|c| c != *id))
                .map(str::to_owned)
        }
    };
    let chat = owned(&mut s.customer_id)
        .or_else(|| s.last.as_mut().and_then(|m| owned(&mut m.customer_id)))
        .or_else(|| owned(&mut s.id));
    let mut update = StatusUpdate::new(ProviderKind::BOTMAKER, status);
    update.message_id = message_id;
    update.recipient = recipient;
    update.conversation_id = chat;
    update.timestamp = s.status_change_time.or(match update.status {
        DeliveryStatus::Read => s.user_last_msg_read,
        DeliveryStatus::Delivered => s.user_last_msg_received,
        _ => None,
    });
    Ok(update)
}
