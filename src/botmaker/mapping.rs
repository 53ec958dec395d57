//! From neutral content to Botmaker's requests: v2 messages and intents, and legacy v1
//! bodies.

use super::request::{ChatRef, Message, MessageRequest, TriggerIntentRequest};
use super::wire;
use crate::error::Error;
use crate::message::{
    Content, Interactive, InteractiveAction, Location, Media, Template, TemplateId, ValidationError,
};
use crate::provider::ProviderKind;

/// The media types Botmaker's v2 API accepts in `media.mimeType`.
pub const MIME_TYPES: [&str; 12] = [
    "image/jpeg",
    "image/png",
    "audio/aac",
    "audio/ogg",
    "audio/mp4",
    "audio/amr",
    "audio/mpeg",
    "application/pdf",
    "file/pdf",
    "file/vnd.ms-excel",
    "video/mp4",
    "video/3gpp",
];

/// The MIME type to send `media` with: the given one if Botmaker accepts it, else one
/// inferred from the URL's extension.
///
/// # Errors
///
/// [`ValidationError::Invalid`] (field `mime_type`) when the given MIME type is not one Botmaker
/// accepts ([`MIME_TYPES`]), or when none is given and the URL's extension does not tell it.
pub fn media_mime_type(media: &Media) -> Result<&'static str, ValidationError> {
    if let Some(given) = &media.mime_type {
        let wanted = given.trim().to_ascii_lowercase();
        return MIME_TYPES
            .iter()
            .copied()
            .find(|m| *m == wanted)
            .ok_or_else(|| ValidationError::Invalid {
                field: "mime_type",
                reason: format!(
                    "{given:?} is not a type Botmaker accepts ({})",
                    MIME_TYPES.join(", ")
                ),
            });
    }
    let ext = url_file_name(&media.url)
        .and_then(|n| n.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()));
    let inferred = match ext.as_deref() {
        Some("jpg" | "jpeg") => Some("image/jpeg"),
        Some("png") => Some("image/png"),
        Some("aac") => Some("audio/aac"),
        Some("ogg" | "oga" | "opus") => Some("audio/ogg"),
        Some("m4a") => Some("audio/mp4"),
        Some("amr") => Some("audio/amr"),
        Some("mp3") => Some("audio/mpeg"),
        Some("pdf") => Some("application/pdf"),
        Some("xls") => Some("file/vnd.ms-excel"),
        Some("mp4") => Some("video/mp4"),
        Some("3gp") => Some("video/3gpp"),
        _ => None,
    };
    inferred.ok_or_else(|| ValidationError::Invalid {
        field: "mime_type",
        reason: format!(
            "not given, and the URL's extension does not tell it; Botmaker accepts {}",
            MIME_TYPES.join(", ")
        ),
    })
}

/// The last path segment of a URL, if it has one.
fn url_file_name(u: &str) -> Option<String> {
    let parsed = url::Url::parse(u).ok()?;
    let last = parsed.path_segments()?.next_back()?;
    (!last.is_empty()).then(|| last.to_owned())
}

fn is_document(mime: &str) -> bool {
    mime.starts_with("application/") || mime.starts_with("file/")
}

/// A v2 message for neutral media.
pub(crate) fn media(media: &Media) -> Result<Message, ValidationError> {
    let mime = media_mime_type(media)?;
    let filename = media.filename.clone().or_else(|| {
        is_document(mime)
            .then(|| url_file_name(&media.url))
            .flatten()
    });
    Ok(Message(wire::Message {
        text: media.caption.clone(),
        media: Some(wire::Media {
            mime_type: mime.to_owned(),
            url: media.url.clone(),
            filename,
        }),
        ..wire::Message::default()
    }))
}

/// A v2 location, its coordinates as strings.
pub(crate) fn location(l: &Location) -> wire::Location {
    wire::Location {
        latitude: l.latitude.to_string(),
        longitude: l.longitude.to_string(),
        name: l.name.clone(),
        address: l.address.clone(),
    }
}

/// A v2 `whatsappInteractive` for neutral interactive content.
pub(crate) fn interactive(i: &Interactive) -> Result<wire::Interactive, ValidationError> {
    let action = match &i.action {
        InteractiveAction::Buttons { buttons } => wire::Action::Intent {
            buttons: buttons
                .iter()
                .map(|b| wire::Button {
                    label: b.title.clone(),
                    intent: b.id.clone(),
                })
                .collect(),
        },
        InteractiveAction::List { button, sections } => wire::Action::List {
            button: button.clone(),
            sections: sections
                .iter()
                .map(|s| wire::Section {
                    title: s.title.clone(),
                    rows: s
                        .rows
                        .iter()
                        .map(|r| wire::Row {
                            id: r.id.clone(),
                            title: r.title.clone(),
                            description: r.description.clone(),
                        })
                        .collect(),
                })
                .collect(),
        },
        InteractiveAction::Url { label, url } => wire::Action::Url {
            url_link: url.clone(),
            label: label.clone(),
        },
        InteractiveAction::RequestLocation => {
            if i.header.is_some() || i.footer.is_some() {
                return Err(ValidationError::Invalid {
                    field: "interactive",
                    reason: "a location request takes no header or footer".into(),
                });
            }
            wire::Action::RequestLocation
        }
    };
    Ok(wire::Interactive {
        header: i.header.clone().map(|content| wire::Header {
            kind: "text",
            content,
        }),
        body: i.body.clone(),
        footer: i.footer.clone(),
        action,
    })
}

/// What a v2 send of some content is: messages, or an intent (a template) to trigger.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V2Send {
    Messages(MessageRequest),
    Intent(TriggerIntentRequest),
}

fn template_name(t: &Template) -> Result<&str, Error> {
    match &t.id {
        TemplateId::Name(n) => Ok(n),
        _ => Err(Error::Unsupported {
            provider: ProviderKind::BOTMAKER,
            what: "Twilio Content templates (name a Botmaker intent or template instead)",
        }),
    }
}

/// The v2 request for `content`.
pub(crate) fn v2_request(
    chat: ChatRef,
    content: &Content,
    reference: Option<&str>,
) -> Result<V2Send, Error> {
    let message = match content {
        Content::Text { body } => Message::text(body.clone()),
        Content::Media(m) => media(m)?,
        Content::Location(l) => Message::location(l),
        Content::Interactive(i) => Message::interactive(i)?,
        Content::Template(t) => {
            let mut req = TriggerIntentRequest::new(chat, template_name(t)?);
            for (k, v) in &t.variables {
                req = req.with_variable(k.clone(), v.clone());
            }
            if let Some(r) = reference {
                req = req.with_webhook_payload(r);
            }
            return Ok(V2Send::Intent(req));
        }
    };
    let message = match reference {
        Some(r) => message.with_webhook_payload(r),
        None => message,
    };
    Ok(V2Send::Messages(MessageRequest::new(chat).message(message)))
}

/// The v1 line number from a channel id: the digits after `-whatsapp-`, or the digits of a
/// bare number; any other id is used as it is.
pub(crate) fn v1_line(channel_id: &str) -> String {
    let tail = channel_id
        .rsplit_once("-whatsapp-")
        .map_or(channel_id, |(_, t)| t);
    let numeric = tail
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-'));
    let digits: String = tail.chars().filter(char::is_ascii_digit).collect();
    if numeric && !digits.is_empty() {
        digits
    } else {
        channel_id.to_owned()
    }
}

/// The v1 path and body for `content`.
pub(crate) fn v1_request(
    line: &str,
    contact_id: &str,
    content: &Content,
    reference: Option<&str>,
) -> Result<(&'static str, wire::V1Send), Error> {
    let unsupported = |what| Error::Unsupported {
        provider: ProviderKind::BOTMAKER,
        what,
    };
    let mut body = wire::V1Send {
        chat_platform: "whatsapp",
        chat_channel_number: line.to_owned(),
        platform_contact_id: contact_id.to_owned(),
        message_text: None,
        image_url: None,
        audio_url: None,
        file_url: None,
        rule_name_or_id: None,
        params: None,
        client_payload: None,
    };
    let path = match content {
        Content::Text { body: text } => {
            body.message_text = Some(text.clone());
            "/message/v3"
        }
        Content::Media(m) => {
            let mime = media_mime_type(m)?;
            let url = Some(m.url.clone());
            if mime.starts_with("image/") {
                body.image_url = url;
            } else if mime.starts_with("audio/") {
                body.audio_url = url;
            } else if mime.starts_with("video/") {
                return Err(unsupported("video through the legacy v1 API"));
            } else {
                body.file_url = url;
            }
            body.message_text = m.caption.clone();
            "/message/v3"
        }
        Content::Template(t) => {
            body.rule_name_or_id = Some(template_name(t)?.to_owned());
            body.params = Some(t.variables.clone());
            body.client_payload = reference.map(str::to_owned);
            "/intent/v2"
        }
        Content::Location(_) => return Err(unsupported("locations through the legacy v1 API")),
        Content::Interactive(_) => {
            return Err(unsupported(
                "interactive messages through the legacy v1 API",
            ));
        }
    };
    Ok((path, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::{PhoneNumber, WhatsAppAddress};
    use crate::message::{ListRow, ListSection, ReplyButton};
    use serde_json::{Value, json};

    fn chat() -> ChatRef {
        let to: WhatsAppAddress = PhoneNumber::parse("+5491122223333").unwrap().into();
        ChatRef::contact("acme-whatsapp-5491100000000", &to)
    }

    fn body(content: &Content) -> Value {
        match v2_request(chat(), content, Some("ref-1")).unwrap() {
            V2Send::Messages(m) => serde_json::to_value(m.wire()).unwrap(),
            V2Send::Intent(i) => serde_json::to_value(i.wire()).unwrap(),
        }
    }

    #[test]
    fn text_goes_to_a_digits_only_contact() {
        let v = body(&Content::Text {
            body: "hola".into(),
        });
        assert_eq!(
            v,
            json!({"chat": {"channelId": "acme-whatsapp-5491100000000", "contactId": "5491122223333"},
                   "messages": [{"text": "hola", "webhookPayload": "ref-1"}]})
        );
    }

    #[test]
    fn media_needs_a_documented_mime_type() {
        let pdf =
            Media::new("https://cdn.example.com/docs/factura-001.pdf").with_caption("Tu factura");
        let v = body(&Content::Media(pdf));
        assert_eq!(
            v["messages"][0],
            json!({"text": "Tu factura", "webhookPayload": "ref-1",
                   "media": {"mimeType": "application/pdf", "url": "https://cdn.example.com/docs/factura-001.pdf", "filename": "factura-001.pdf"}})
        );
        let webp = Media::new("https://cdn.example.com/a.webp");
        assert!(matches!(
            v2_request(chat(), &Content::Media(webp), None),
            Err(Error::Invalid(ValidationError::Invalid {
                field: "mime_type",
                ..
            }))
        ));
        let gif = Media::new("https://cdn.example.com/a.jpg").with_mime_type("image/gif");
        assert!(matches!(
            v2_request(chat(), &Content::Media(gif), None),
            Err(Error::Invalid(ValidationError::Invalid {
                field: "mime_type",
                ..
            }))
        ));
        let png = Media::new("https://cdn.example.com/a").with_mime_type("IMAGE/PNG");
        assert_eq!(
            body(&Content::Media(png))["messages"][0]["media"],
            json!({"mimeType": "image/png", "url": "https://cdn.example.com/a"})
        );
    }

    #[test]
    fn location_coordinates_are_strings() {
        let l = Location::new(-34.6037, -58.3816).with_name("Obelisco");
        assert_eq!(
            body(&Content::Location(l))["messages"][0]["location"],
            json!({"latitude": "-34.6037", "longitude": "-58.3816", "name": "Obelisco"})
        );
    }

    #[test]
    fn interactive_variants() {
        let buttons = Interactive::buttons(
            "¿Seguimos?",
            vec![
                ReplyButton::new("si_intent", "Sí"),
                ReplyButton::new("no_intent", "No"),
            ],
        );
        assert_eq!(
            body(&Content::Interactive(buttons))["messages"][0]["whatsappInteractive"],
            json!({"body": "¿Seguimos?", "action": {"type": "intent", "buttons": [
                {"label": "Sí", "intent": "si_intent"}, {"label": "No", "intent": "no_intent"}]}})
        );
        let list = Interactive::list(
            "Elegí",
            "Ver opciones",
            vec![ListSection::new(
                None,
                vec![ListRow::new("r1", "Uno").with_description("el primero")],
            )],
        );
        assert_eq!(
            body(&Content::Interactive(list))["messages"][0]["whatsappInteractive"]["action"],
            json!({"type": "list", "button": "Ver opciones", "sections": [
                {"rows": [{"id": "r1", "title": "Uno", "description": "el primero"}]}]})
        );
        let mut url = Interactive::buttons("Mirá", vec![]);
        url.action = InteractiveAction::Url {
            label: "Abrir".into(),
            url: "https://example.com/x".into(),
        };
        url.header = Some("Hola".into());
        assert_eq!(
            body(&Content::Interactive(url))["messages"][0]["whatsappInteractive"],
            json!({"header": {"type": "text", "content": "Hola"}, "body": "Mirá",
                   "action": {"type": "url", "urlLink": "https://example.com/x", "label": "Abrir"}})
        );
        let mut loc = Interactive::buttons("¿Dónde estás?", vec![]);
        loc.action = InteractiveAction::RequestLocation;
        assert_eq!(
            body(&Content::Interactive(loc.clone()))["messages"][0]["whatsappInteractive"]["action"],
            json!({"type": "requestLocation"})
        );
        loc.footer = Some("pie".into());
        assert!(matches!(
            v2_request(chat(), &Content::Interactive(loc), None),
            Err(Error::Invalid(_))
        ));
    }

    #[test]
    fn templates_trigger_an_intent() {
        let t = Template::named("pedido_listo").with_variable("nombre", "Ana");
        assert_eq!(
            body(&Content::Template(t)),
            json!({"chat": {"channelId": "acme-whatsapp-5491100000000", "contactId": "5491122223333"},
                   "intentIdOrName": "pedido_listo", "variables": {"nombre": "Ana"}, "webhookPayload": "ref-1"})
        );
        let sid = Template::content_sid(format!("HX{}", "0".repeat(32)));
        assert!(matches!(
            v2_request(chat(), &Content::Template(sid), None),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn v1_bodies() {
        assert_eq!(v1_line("acme-whatsapp-5491100000000"), "5491100000000");
        assert_eq!(v1_line("+54 911 0000-0000"), "5491100000000");
        assert_eq!(v1_line("acme-telegram"), "acme-telegram");
        let (path, b) = v1_request(
            "5491100000000",
            "5491122223333",
            &Content::Media(Media::new("https://cdn.example.com/a.jpg").with_caption("foto")),
            None,
        )
        .unwrap();
        assert_eq!(path, "/message/v3");
        assert_eq!(
            serde_json::to_value(b).unwrap(),
            json!({"chatPlatform": "whatsapp", "chatChannelNumber": "5491100000000",
                   "platformContactId": "5491122223333", "imageURL": "https://cdn.example.com/a.jpg",
                   "messageText": "foto"})
        );
        let (path, b) = v1_request(
            "5491100000000",
            "5491122223333",
            &Content::Template(Template::named("aviso").with_variable("1", "x")),
            Some("r-9"),
        )
        .unwrap();
        assert_eq!(path, "/intent/v2");
        let b = serde_json::to_value(b).unwrap();
        assert_eq!(b["ruleNameOrId"], "aviso");
        assert_eq!(b["params"], json!({"1": "x"}));
        assert_eq!(b["clientPayload"], "r-9");
        assert!(matches!(
            v1_request("1", "2", &Content::Location(Location::new(0.0, 0.0)), None),
            Err(Error::Unsupported { .. })
        ));
    }
}
