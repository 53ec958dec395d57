//! From the crate's [`OutboundMessage`] to Meta's [`MessageRequest`].

use super::request::{
    Action, Button, Component, Header, Interactive as WireInteractive, Location as WireLocation,
    MediaRef, MessageBody, MessageRequest, Parameter, Row, Section, Template as WireTemplate, Text,
    TextObject,
};
use crate::error::{Error, ValidationError};
use crate::message::{
    Content, Interactive, InteractiveAction, Media, OutboundMessage, Template, TemplateId,
};
use crate::provider::ProviderKind;

/// The request for `message` (validated already). Its reference goes as
/// `biz_opaque_callback_data`, which Meta echoes in status webhooks; a status callback URL
/// has no place in Meta's API (statuses go to the app's webhook).
///
/// Media goes as the kind its MIME type names (`image/…`, `video/…`, `audio/…`; anything
/// else, or none, a document), or without a MIME type as the kind the URL's extension
/// names. A template needs its language, and is sent by name: its variables become the body's
/// parameters, in the order of their positions (`"1"`, `"2"`, …) when every name is a
/// number, else as named parameters.
pub(crate) fn request(message: &OutboundMessage) -> Result<MessageRequest, Error> {
    let body = match &message.content {
        Content::Text { body } => MessageBody::text(Text::new(body.clone())),
        Content::Media(m) => media(m)?,
        Content::Template(t) => MessageBody::Template {
            template: template(t)?,
        },
        Content::Location(l) => MessageBody::Location {
            location: WireLocation {
                latitude: l.latitude.to_string(),
                longitude: l.longitude.to_string(),
                name: l.name.clone(),
                address: l.address.clone(),
            },
        },
        Content::Interactive(i) => MessageBody::Interactive {
            interactive: interactive(i),
        },
    };
    let mut request = MessageRequest::new(message.to.wa_id(), body);
    request.biz_opaque_callback_data = message.reference.clone();
    Ok(request)
}

/// The kind of media at `m`: from its MIME type, else the URL's extension.
fn media_kind(m: &Media) -> &'static str {
    if let Some(mime) = &m.mime_type {
        let mime = mime.to_ascii_lowercase();
        return match mime.split('/').next().unwrap_or_default() {
            "image" if mime == "image/webp" => "sticker",
            "image" => "image",
            "video" => "video",
            "audio" => "audio",
            _ => "document",
        };
    }
    let path = url::Url::parse(&m.url)
        .map(|u| u.path().to_ascii_lowercase())
        .unwrap_or_default();
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    match ext {
        "jpg" | "jpeg" | "png" => "image",
        "webp" => "sticker",
        "mp4" | "3gp" => "video",
        "mp3" | "ogg" | "opus" | "aac" | "amr" | "m4a" => "audio",
        _ => "document",
    }
}

fn media(m: &Media) -> Result<MessageBody, Error> {
    let kind = media_kind(m);
    let mut r = MediaRef::link(m.url.clone());
    if let Some(c) = &m.caption {
        if matches!(kind, "audio" | "sticker") {
            return Err(Error::Invalid(ValidationError::Invalid {
                field: "caption",
                reason: format!("WhatsApp shows no caption under {kind}"),
            }));
        }
        r.caption = Some(c.clone());
    }
    if kind == "document" {
        r.filename = m.filename.clone();
    }
    Ok(match kind {
        "image" => MessageBody::Image { image: r },
        "video" => MessageBody::Video { video: r },
        "audio" => MessageBody::Audio { audio: r },
        "sticker" => MessageBody::Sticker { sticker: r },
        _ => MessageBody::Document { document: r },
    })
}

fn template(t: &Template) -> Result<WireTemplate, Error> {
    let name = match &t.id {
        TemplateId::Name(n) => n.clone(),
        TemplateId::Id(_) => {
            return Err(Error::Unsupported {
                provider: ProviderKind::META,
                what: "templates by id (Meta sends templates by name)",
            });
        }
    };
    let language = t.language.clone().ok_or(ValidationError::Empty {
        field: "template language",
    })?;
    let mut wire = WireTemplate::new(name, language);
    if t.variables.is_empty() {
        return Ok(wire);
    }
    let positional: Option<Vec<(u32, &String)>> = t
        .variables
        .iter()
        .map(|(k, v)| k.parse::<u32>().ok().map(|n| (n, v)))
        .collect();
    let parameters = match positional {
        Some(mut numbered) => {
            numbered.sort_by_key(|(n, _)| *n);
            numbered
                .into_iter()
                .map(|(_, v)| Parameter::text(v.clone()))
                .collect()
        }
        None => t
            .variables
            .iter()
            .map(|(k, v)| Parameter::named(k.clone(), v.clone()))
            .collect(),
    };
    wire = wire.with_component(Component::body(parameters));
    Ok(wire)
}

fn interactive(i: &Interactive) -> WireInteractive {
    let (kind, action) = match &i.action {
        InteractiveAction::Buttons { buttons } => (
            "button",
            Action {
                buttons: buttons
                    .iter()
                    .map(|b| Button::reply(b.id.clone(), b.title.clone()))
                    .collect(),
                ..Action::default()
            },
        ),
        InteractiveAction::List { button, sections } => (
            "list",
            Action {
                button: Some(button.clone()),
                sections: sections
                    .iter()
                    .map(|s| Section {
                        title: s.title.clone(),
                        rows: s
                            .rows
                            .iter()
                            .map(|r| Row {
                                id: r.id.clone(),
                                title: r.title.clone(),
                                description: r.description.clone(),
                            })
                            .collect(),
                    })
                    .collect(),
                ..Action::default()
            },
        ),
        InteractiveAction::Url { label, url } => (
            "cta_url",
            Action {
                name: Some("cta_url".into()),
                parameters: Some(serde_json::json!({"display_text": label, "url": url})),
                ..Action::default()
            },
        ),
        InteractiveAction::RequestLocation => (
            "location_request_message",
            Action {
                name: Some("send_location".into()),
                ..Action::default()
            },
        ),
    };
    WireInteractive {
        kind: kind.into(),
        header: i.header.as_ref().map(|h| Header {
            kind: "text".into(),
            text: Some(h.clone()),
            ..Header::default()
        }),
        body: Some(TextObject {
            text: i.body.clone(),
        }),
        footer: i.footer.as_ref().map(|f| TextObject { text: f.clone() }),
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_kinds() {
        let k = |m: Media| media_kind(&m);
        assert_eq!(k(Media::new("https://x.example/a.JPG")), "image");
        assert_eq!(k(Media::new("https://x.example/a.ogg?x=1")), "audio");
        assert_eq!(k(Media::new("https://x.example/a.mp4")), "video");
        assert_eq!(k(Media::new("https://x.example/a.pdf")), "document");
        assert_eq!(k(Media::new("https://x.example/file")), "document");
        assert_eq!(k(Media::new("https://x.example/a.webp")), "sticker");
        assert_eq!(
            k(Media::new("https://x.example/a").with_mime_type("video/mp4")),
            "video"
        );
        assert_eq!(
            k(Media::new("https://x.example/a.jpg").with_mime_type("application/pdf")),
            "document"
        );
    }
}
