//! From the typed view of a webhook to the crate's events.

use super::message::{ContactCard, Interactive, WireMedia, WireMessage};
use super::wire::{ChangeValue, Contact, Status, WebhookPayload, WireError};
use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    Contact as ContactEvent, DeliveryStatus, InboundEvent, InboundMessage, MediaItem,
    MessageContent, OrderItem, Pricing, Referral, StatusError, StatusUpdate, Timestamp,
    WebhookError,
};
use crate::kind::ProviderKind;

/// Where media ids are looked up unless the provider says otherwise.
pub(crate) const DEFAULT_MEDIA_BASE: &str = "https://graph.facebook.com/v23.0";

/// The events of every `messages` change, in order: per change, its messages, then its
/// statuses, then its errors. Other fields give none.
pub(super) fn events(
    payload: &WebhookPayload,
    media_base: &str,
) -> Result<Vec<InboundEvent>, ParseError> {
    let mut out = Vec::new();
    for (e, entry) in payload.entry.iter().enumerate() {
        for (c, change) in entry.changes.iter().enumerate() {
            let value = change
                .messages_value()
                .map_err(|err| prefix_error(err, &format!("entry[{e}].changes[{c}]")))?;
            if let Some(value) = value {
                change_events(&value, media_base, &mut out);
            }
        }
    }
    Ok(out)
}

fn prefix_error(err: ParseError, prefix: &str) -> ParseError {
    match err {
        ParseError::MissingField { field } => ParseError::missing(format!("{prefix}.{field}")),
        ParseError::InvalidField { field, reason } => {
            ParseError::invalid(format!("{prefix}.{field}"), reason)
        }
        other => other,
    }
}

/// The business line a change is for.
struct Line<'a> {
    number: Option<WhatsAppAddress>,
    id: Option<&'a str>,
}

/// The events of one `messages` change's value, appended to `out`.
pub(super) fn change_events(value: &ChangeValue, media_base: &str, out: &mut Vec<InboundEvent>) {
    let meta = value.metadata.as_ref();
    let line = Line {
        number: meta
            .and_then(|m| m.display_phone_number.as_deref())
            .and_then(address),
        id: meta.and_then(|m| m.phone_number_id.as_deref()),
    };
    for m in &value.messages {
        let contact = sender_contact(&value.contacts, m);
        out.push(InboundEvent::Message(message(
            m, contact, &line, media_base,
        )));
    }
    for s in &value.statuses {
        out.push(InboundEvent::Status(status(s, &line)));
    }
    for e in &value.errors {
        let mut report = WebhookError::new(ProviderKind::META, status_error(e));
        report.channel_id = line.id.map(str::to_owned);
        out.push(InboundEvent::Error(report));
    }
}

/// The profile of a message's sender: the contact with its WhatsApp id or user id, else
/// the only contact.
fn sender_contact<'a>(contacts: &'a [Contact], m: &WireMessage) -> Option<&'a Contact> {
    let matches = |c: &&Contact| {
        (m.from.is_some() && c.wa_id == m.from)
            || (m.from_user_id.is_some() && c.user_id == m.from_user_id)
    };
    contacts.iter().find(matches).or(match contacts {
        [only] => Some(only),
        _ => None,
    })
}

/// A WhatsApp id (digits) or user id as an address; `None` for an empty or unreadable one.
fn address(id: &str) -> Option<WhatsAppAddress> {
    let id = id.trim();
    if id.is_empty() {
        return None;
    }
    if id.bytes().all(|b| b.is_ascii_digit()) {
        return WhatsAppAddress::parse(&format!("+{id}")).ok();
    }
    WhatsAppAddress::parse(id).ok()
}

fn timestamp(secs: Option<&str>) -> Option<Timestamp> {
    let secs: i64 = secs?.trim().parse().ok()?;
    Timestamp::from_unix_millis(secs.checked_mul(1000)?)
}

fn message(
    m: &WireMessage,
    contact: Option<&Contact>,
    line: &Line<'_>,
    media_base: &str,
) -> InboundMessage {
    let mut msg = InboundMessage::new(ProviderKind::META, m.id.clone(), content(m, media_base));
    let user_id = m
        .from_user_id
        .clone()
        .or_else(|| contact.and_then(|c| c.user_id.clone()));
    msg.from = m
        .from
        .as_deref()
        .and_then(address)
        .or_else(|| user_id.as_deref().and_then(address));
    msg.user_id = user_id;
    msg.to = line.number.clone();
    msg.channel_id = line.id.map(str::to_owned);
    msg.profile_name = contact
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.clone());
    msg.timestamp = timestamp(m.timestamp.as_deref());
    if let Some(ctx) = &m.context {
        msg.reply_to = ctx.id.clone().filter(|id| !id.is_empty());
        msg.forwarded = ctx.forwarded.unwrap_or(false);
        msg.frequently_forwarded = ctx.frequently_forwarded.unwrap_or(false);
        if msg.frequently_forwarded {
            msg.forwarded = true;
        }
    }
    msg.referral = m.referral.as_ref().map(|r| {
        Box::new(Referral {
            source_type: r.source_type.clone(),
            source_id: r.source_id.clone(),
            source_url: r.source_url.clone(),
            headline: r.headline.clone(),
            body: r.body.clone(),
            media_type: r.media_type.clone(),
            media_url: r.image_url.clone().or_else(|| r.video_url.clone()),
            click_id: r.ctwa_clid.clone(),
        })
    });
    msg
}

/// What a message carries, by its `type`. A type this crate does not know, or whose
/// object is missing, is [`MessageContent::Unsupported`] naming it.
fn content(m: &WireMessage, media_base: &str) -> MessageContent {
    let unsupported = |reason: String| MessageContent::Unsupported { reason };
    let missing = || unsupported(format!("{}: the message has no {} object", m.kind, m.kind));
    match m.kind.as_str() {
        "text" => match &m.text {
            Some(t) => MessageContent::Text {
                body: t.body.clone(),
            },
            None => missing(),
        },
        "image" | "video" | "audio" | "document" | "sticker" => {
            let media = match m.kind.as_str() {
                "image" => &m.image,
                "video" => &m.video,
                "audio" => &m.audio,
                "document" => &m.document,
                _ => &m.sticker,
            };
            match media {
                Some(media) => media_content(media, media_base),
                None => missing(),
            }
        }
        "location" => match &m.location {
            Some(l) if l.latitude.is_finite() && l.longitude.is_finite() => {
                MessageContent::Location {
                    latitude: l.latitude,
                    longitude: l.longitude,
                    name: l.name.clone(),
                    address: l.address.clone(),
                }
            }
            Some(_) => unsupported("location: the coordinates are not numbers".to_owned()),
            None => missing(),
        },
        "contacts" => match &m.contacts {
            Some(cards) => MessageContent::Contacts {
                contacts: cards.iter().map(contact_card).collect(),
            },
            None => missing(),
        },
        "interactive" => match &m.interactive {
            Some(i) => interactive(i),
            None => missing(),
        },
        "button" => match &m.button {
            Some(b) => MessageContent::Button {
                text: b.text.clone(),
                payload: b.payload.clone(),
            },
            None => missing(),
        },
        "reaction" => match &m.reaction {
            Some(r) => MessageContent::Reaction {
                message_id: r.message_id.clone(),
                emoji: r.emoji.clone().filter(|e| !e.is_empty()),
            },
            None => missing(),
        },
        "order" => match &m.order {
            Some(o) => MessageContent::Order {
                catalog_id: o.catalog_id.clone(),
                text: o.text.clone().filter(|t| !t.is_empty()),
                items: o
                    .product_items
                    .iter()
                    .map(|p| {
                        OrderItem::new(
                            p.product_retailer_id.clone(),
                            p.quantity,
                            p.item_price,
                            p.currency.clone(),
                        )
                    })
                    .collect(),
            },
            None => missing(),
        },
        "system" => match &m.system {
            Some(s) => MessageContent::System {
                kind: s.kind.clone().unwrap_or_default(),
                body: s.body.clone(),
                new_id: s.wa_id.clone().or_else(|| s.user_id.clone()),
            },
            None => missing(),
        },
        "" => unsupported("a message without a type".to_owned()),
        other => match m.errors.first() {
            Some(e) => unsupported(format!("{other}: {}", describe(e))),
            None => unsupported(other.to_owned()),
        },
    }
}

fn media_content(media: &WireMedia, media_base: &str) -> MessageContent {
    let id = media.id.clone().unwrap_or_default();
    let url = if id.is_empty() {
        String::new()
    } else {
        format!("{media_base}/{id}")
    };
    let mut item = MediaItem::new(url, media.mime_type.clone());
    item.id = media.id.clone();
    item.sha256 = media.sha256.clone();
    item.filename = media.filename.clone();
    MessageContent::Media {
        items: vec![item],
        caption: media.caption.clone(),
    }
}

fn contact_card(card: &ContactCard) -> ContactEvent {
    let name = card.name.as_ref().and_then(|n| {
        n.formatted_name
            .clone()
            .filter(|f| !f.is_empty())
            .or_else(|| {
                let parts: Vec<&str> = [n.first_name.as_deref(), n.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
    });
    ContactEvent::new(
        name,
        card.phones
            .iter()
            .filter_map(|p| p.phone.clone().or_else(|| p.wa_id.clone()))
            .collect(),
        card.emails.iter().filter_map(|e| e.email.clone()).collect(),
    )
}

fn interactive(i: &Interactive) -> MessageContent {
    let reply = match i.kind.as_str() {
        "button_reply" => i.button_reply.as_ref(),
        "list_reply" => i.list_reply.as_ref(),
        "nfm_reply" => {
            let Some(flow) = &i.nfm_reply else {
                return MessageContent::Unsupported {
                    reason: "interactive nfm_reply: the message has no nfm_reply object".into(),
                };
            };
            let raw = flow.response_json.as_deref().unwrap_or("");
            let response = serde_json::from_str::<serde_json::Value>(raw)
                .unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()));
            return MessageContent::Flow { response };
        }
        other => {
            return MessageContent::Unsupported {
                reason: format!("interactive {other}"),
            };
        }
    };
    match reply {
        Some(r) => MessageContent::Button {
            text: r.title.clone(),
            payload: r.id.clone(),
        },
        None => MessageContent::Unsupported {
            reason: format!(
                "interactive {}: the message has no {} object",
                i.kind, i.kind
            ),
        },
    }
}

fn status(s: &Status, line: &Line<'_>) -> StatusUpdate {
    let mut out = StatusUpdate::new(ProviderKind::META, DeliveryStatus::parse(&s.status));
    out.message_id = Some(s.id.clone());
    out.recipient = s
        .recipient_id
        .as_deref()
        .or(s.recipient_user_id.as_deref())
        .and_then(address);
    out.conversation_id = s.conversation.as_ref().and_then(|c| c.id.clone());
    out.timestamp = timestamp(s.timestamp.as_deref());
    out.error = s.errors.first().map(status_error);
    out.sender = line.number.clone();
    out.channel_id = line.id.map(str::to_owned);
    out.pricing = s
        .pricing
        .as_ref()
        .map(|p| Pricing::new(p.billable, p.pricing_model.clone(), p.category.clone()));
    out
}

fn status_error(e: &WireError) -> StatusError {
    let text = [e.message.as_deref(), e.title.as_deref()]
        .into_iter()
        .flatten()
        .find(|t| !t.is_empty());
    let details = e
        .error_data
        .as_ref()
        .and_then(|d| d.details.as_deref())
        .filter(|d| !d.is_empty() && Some(*d) != text);
    let message = match (text, details) {
        (Some(t), Some(d)) => Some(format!("{t}: {d}")),
        (Some(t), None) => Some(t.to_owned()),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    };
    StatusError::new(e.code.clone().unwrap_or_default(), message)
}

/// An error as one line: `131051 Message type unknown: Message type is currently not
/// supported.`
fn describe(e: &WireError) -> String {
    let err = status_error(e);
    match (err.code.is_empty(), err.message) {
        (false, Some(m)) => format!("{} {m}", err.code),
        (false, None) => err.code,
        (true, Some(m)) => m,
        (true, None) => "an error without a code".to_owned(),
    }
}
