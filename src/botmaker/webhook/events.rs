//! From the typed view to normalized events.

use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    Author, DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent, StatusUpdate,
};
use crate::provider::ProviderKind;

use super::{Envelope, FlatMessage, LegacyMessage, StatusSnapshot, WebhookPayload};

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
                &mut m,
                &Context::default(),
                "",
            )?)]),
            WebhookPayload::Envelope(e) => envelope_events(*e),
            WebhookPayload::Legacy(l) => Ok(vec![InboundEvent::Message(legacy_event(*l)?)]),
            WebhookPayload::Snapshot(mut s) => {
                Ok(vec![InboundEvent::Status(snapshot_event(&mut s)?)])
            }
        }
    }
}

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

/// The content, with the strings taken out of `m`.
fn flat_content(m: &mut FlatMessage) -> MessageContent {
    if m.is_button == Some(true) || m.button_payload.is_some() || m.response_id.is_some() {
        return MessageContent::Button {
            text: m.button_name.take().or_else(|| m.message.take()),
            payload: m.button_payload.take().or_else(|| m.response_id.take()),
        };
    }
    let items: Vec<MediaItem> = [&mut m.image, &mut m.video, &mut m.audio, &mut m.file]
        .into_iter()
        .filter_map(Option::take)
        .map(|url| MediaItem::new(url, None))
        .collect();
    if !items.is_empty() {
        return MessageContent::Media {
            items,
            caption: m.caption.take().or_else(|| m.message.take()),
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
    if let Some(body) = m.message.take() {
        return MessageContent::Text { body };
    }
    MessageContent::Unsupported {
        reason: m
            .error
            .take()
            .unwrap_or_else(|| "no text, media, location or contacts".into()),
    }
}

fn flat_event(
    m: &mut FlatMessage,
    ctx: &Context<'_>,
    prefix: &str,
) -> Result<InboundMessage, ParseError> {
    let id =
        m.id.take()
            .ok_or_else(|| ParseError::missing(format!("{prefix}_id_")))?;
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
        Author::User => m
            .from_name
            .take()
            .or_else(|| ctx.nick_name.map(str::to_owned)),
        _ => m.operator_name.take().or_else(|| m.from_name.take()),
    };
    let conversation_id = m
        .customer_id
        .take()
        .or_else(|| ctx.customer_id.map(str::to_owned));
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
            let mut ev = flat_event(&mut m, &ctx, &prefix);
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

fn snapshot_event(s: &mut StatusSnapshot) -> Result<StatusUpdate, ParseError> {
    let status = match s.status.trim() {
        error if error.eq_ignore_ascii_case("error") => DeliveryStatus::Failed,
        other => DeliveryStatus::parse(other),
    };
    let last = s.last_message.as_ref();
    let platform = s.chat_platform.as_deref();
    let (field, contact) = if let Some(c) = &s.platform_contact_id {
        ("PLATFORM_CONTACT_ID", Some(c.as_str()))
    } else if let Some(c) = last.and_then(|m| m.contact_id.as_deref()) {
        ("LAST_MESSAGE.contactId", Some(c))
    } else {
        ("FROM", s.from.as_deref())
    };
    let recipient = opt_address(("", field), platform, contact)?;
    // Real snapshots name the chat in `_id_` and the last message in `LAST_MESSAGE`; the
    // documented 2018 shape has `_id_` for the message and `CUSTOMER_ID` for the chat.
    let message_id = match s.last_message.as_mut() {
        Some(m) => m.id.take(),
        None => {
            s.id.clone()
                .filter(|id| s.customer_id.as_ref().is_some_and(|c| c != id))
        }
    };
    let chat = s
        .customer_id
        .take()
        .or_else(|| s.last_message.as_mut().and_then(|m| m.customer_id.take()))
        .or_else(|| s.id.take());
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
