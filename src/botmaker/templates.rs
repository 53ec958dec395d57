//! WhatsApp templates as Botmaker's v2 API holds them (`/whatsapp/templates`): the template to
//! create ([`NewTemplate`], checked before it is sent), the template Botmaker answers with
//! ([`WhatsAppTemplate`]), and their parts.
//!
//! The shapes follow Botmaker's OpenAPI (`WhatsAppTemplateRequest`, `WhatsAppTemplateResponse`,
//! `Header`, `Body`, `Footer`, `WhatsAppTemplateButton`) field for field.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::template_kinds::unknown_category;
pub use super::template_kinds::{ButtonKind, HeaderFormat, TemplateCategory, TemplateState};
use super::template_rules::{
    invalid, placeholders, validate_buttons, validate_header, validate_locale, validate_name,
    validate_text, variables_of,
};
use crate::error::{ParseError, ValidationError};

/// The longest template name Botmaker takes (`name`, `maxLength` 512).
pub const MAX_NAME_CHARS: usize = 512;
/// The longest body text Botmaker takes (`body.text`, `maxLength` 1024).
pub const MAX_BODY_CHARS: usize = 1024;
/// The longest button label Botmaker takes (`buttons[].text`, `maxLength` 20).
pub const MAX_BUTTON_CHARS: usize = 20;
/// The most `QUICK_REPLY` buttons a template may have.
pub const MAX_QUICK_REPLIES: usize = 3;

/// A template's header (`header`): a text, or an image, document or video shown from an
/// example file when WhatsApp reviews the template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TemplateHeader {
    /// What the header holds (`format`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<HeaderFormat>,
    /// The header's text (`text`), for a `TEXT` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An example file WhatsApp reviews (`exampleURL`), for a media header.
    #[serde(
        rename = "exampleURL",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub example_url: Option<String>,
}

impl TemplateHeader {
    /// A text header.
    pub fn text(text: impl Into<String>) -> Self {
        TemplateHeader {
            format: Some(HeaderFormat::Text),
            text: Some(text.into()),
            example_url: None,
        }
    }

    /// A media header (`IMAGE`, `DOCUMENT` or `VIDEO`) with the example file WhatsApp reviews.
    pub fn media(format: HeaderFormat, example_url: impl Into<String>) -> Self {
        TemplateHeader {
            format: Some(format),
            text: None,
            example_url: Some(example_url.into()),
        }
    }
}

/// A text part of a template (`Body`, `Footer`): `{"text": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TextPart {
    #[serde(default, deserialize_with = "null_as_default")]
    pub(crate) text: String,
}

/// A template button (`WhatsAppTemplateButton`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TemplateButton {
    /// The kind (`type`).
    #[serde(rename = "type")]
    pub kind: ButtonKind,
    /// The label (`text`), at most [`MAX_BUTTON_CHARS`] characters.
    #[serde(default, deserialize_with = "null_as_default")]
    pub text: String,
    /// The intent a `QUICK_REPLY` runs (`intentIdOrName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_id_or_name: Option<String>,
    /// What a `QUICK_REPLY` reports to the webhook (`webhookPayload`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_payload: Option<String>,
    /// The URL a `URL` button opens (`url`); it may end in a `{botVarName}` variable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The number a `PHONE_NUMBER` button calls (`phoneNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
}

impl TemplateButton {
    fn new(kind: ButtonKind, text: impl Into<String>) -> Self {
        TemplateButton {
            kind,
            text: text.into(),
            intent_id_or_name: None,
            webhook_payload: None,
            url: None,
            phone_number: None,
        }
    }

    /// A `QUICK_REPLY` button; give it an intent or a webhook payload.
    pub fn quick_reply(text: impl Into<String>) -> Self {
        TemplateButton::new(ButtonKind::QuickReply, text)
    }

    /// A `URL` button.
    pub fn url(text: impl Into<String>, url: impl Into<String>) -> Self {
        let mut b = TemplateButton::new(ButtonKind::Url, text);
        b.url = Some(url.into());
        b
    }

    /// A `PHONE_NUMBER` button.
    pub fn phone_number(text: impl Into<String>, number: impl Into<String>) -> Self {
        let mut b = TemplateButton::new(ButtonKind::PhoneNumber, text);
        b.phone_number = Some(number.into());
        b
    }

    /// The intent a `QUICK_REPLY` runs when tapped.
    pub fn with_intent(mut self, intent: impl Into<String>) -> Self {
        self.intent_id_or_name = Some(intent.into());
        self
    }

    /// What a `QUICK_REPLY` reports to the webhook when tapped.
    pub fn with_webhook_payload(mut self, payload: impl Into<String>) -> Self {
        self.webhook_payload = Some(payload.into());
        self
    }
}

/// A template to create with
/// [`BotmakerProvider::create_whatsapp_template`](super::BotmakerProvider::create_whatsapp_template)
/// (Botmaker's `WhatsAppTemplateRequest`). It is checked ([`NewTemplate::validate`]) before it
/// is sent.
///
/// Variables are written in the header and body texts as WhatsApp writes them, `{{1}}`,
/// `{{2}}`, …, numbered from 1 without gaps; or by name (`{{nombre}}`), the name of the bot
/// variable [`TriggerIntentRequest::with_variable`](super::TriggerIntentRequest::with_variable)
/// sets. One text uses one style.
///
/// ```
/// use whatsapp_connector::botmaker::{NewTemplate, TemplateButton, TemplateCategory};
///
/// let t = NewTemplate::new("turno_confirmado", "Hola {{1}}, tu turno es el {{2}}.")
///     .with_category(TemplateCategory::Utility)
///     .with_locale("es_AR")
///     .with_footer("Clínica Ejemplo")
///     .with_button(TemplateButton::quick_reply("Confirmar").with_intent("confirmar_turno"));
/// t.validate().unwrap();
/// assert_eq!(t.variables(), ["1", "2"]);
///
/// let gap = NewTemplate::new("turno", "Hola {{1}}, tu turno es el {{3}}.");
/// assert!(gap.validate().unwrap_err().to_string().contains("body.text"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTemplate {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_line_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bot_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    category: Option<TemplateCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    opt_in_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    header: Option<TemplateHeader>,
    body: TextPart,
    #[serde(skip_serializing_if = "Option::is_none")]
    footer: Option<TextPart>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    buttons: Vec<TemplateButton>,
}

impl NewTemplate {
    /// A template named `name` (lower-case snake case) whose body is `body`.
    pub fn new(name: impl Into<String>, body: impl Into<String>) -> Self {
        NewTemplate {
            name: name.into(),
            phone_line_number: None,
            bot_name: None,
            category: None,
            locale: None,
            opt_in_image: None,
            header: None,
            body: TextPart { text: body.into() },
            footer: None,
            buttons: Vec::new(),
        }
    }

    /// The category.
    pub fn with_category(mut self, category: TemplateCategory) -> Self {
        self.category = Some(category);
        self
    }

    /// The language, as WhatsApp names it (`es_AR`, `en_US`, `pt_BR`, `es`).
    pub fn with_locale(mut self, locale: impl Into<String>) -> Self {
        self.locale = Some(locale.into());
        self
    }

    /// The WhatsApp line the template is for (`phoneLineNumber`); needed when the project has
    /// more than one WhatsApp business account.
    pub fn with_phone_line_number(mut self, number: impl Into<String>) -> Self {
        self.phone_line_number = Some(number.into());
        self
    }

    /// The bot the template sets when triggered (`botName`); needed when the project has
    /// several bots.
    pub fn with_bot_name(mut self, bot: impl Into<String>) -> Self {
        self.bot_name = Some(bot.into());
        self
    }

    /// An image showing how users are asked for permission (`optInImage`).
    pub fn with_opt_in_image(mut self, url: impl Into<String>) -> Self {
        self.opt_in_image = Some(url.into());
        self
    }

    /// The header.
    pub fn with_header(mut self, header: TemplateHeader) -> Self {
        self.header = Some(header);
        self
    }

    /// The footer text.
    pub fn with_footer(mut self, text: impl Into<String>) -> Self {
        self.footer = Some(TextPart { text: text.into() });
        self
    }

    /// Adds a button.
    pub fn with_button(mut self, button: TemplateButton) -> Self {
        self.buttons.push(button);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The body text.
    pub fn body(&self) -> &str {
        &self.body.text
    }

    /// The variables of the header and body texts, in order of first use: `["1", "2"]`, or
    /// names. (Malformed placeholders are left out; [`NewTemplate::validate`] reports them.)
    pub fn variables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let header = self.header.as_ref().and_then(|h| h.text.as_deref());
        for text in header.into_iter().chain([self.body.text.as_str()]) {
            for p in placeholders(text).into_iter().flatten() {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    /// Checks the template as Botmaker's OpenAPI and WhatsApp describe it, before any call:
    ///
    /// - `name`: 1 to 512 characters, lower-case letters, digits and `_` (snake case);
    /// - `category`: one Botmaker documents;
    /// - `locale`: a language code (`es`, `pt_BR`, `fil`);
    /// - `body.text`: not empty, at most 1024 characters; `header.text`: required for a `TEXT`
    ///   header, at most one variable; `header.exampleURL`: required for a media header;
    ///   `footer.text`: not empty, no variables;
    /// - variables: `{{1}}`, `{{2}}`, … numbered without gaps, or named `{{name}}`, never both;
    /// - `buttons`: labels of 1 to 20 characters; `QUICK_REPLY` (at most 3, with an intent or a
    ///   webhook payload, not both) never with `URL` or `PHONE_NUMBER` (at most one of each),
    ///   `URL` with a URL and `PHONE_NUMBER` with a number.
    ///
    /// # Errors
    ///
    /// A [`ValidationError`] naming the field (`name`, `category`, `locale`, `header.text`,
    /// `header.exampleURL`, `body.text`, `footer.text`, `buttons`): the first problem found.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_name(&self.name)?;
        if let Some(TemplateCategory::Other(c)) = &self.category {
            return Err(unknown_category(c));
        }
        if let Some(l) = &self.locale {
            validate_locale(l)?;
        }
        validate_text("body.text", &self.body.text, MAX_BODY_CHARS)?;
        let body_vars = variables_of("body.text", &self.body.text)?;
        if let Some(h) = &self.header {
            validate_header(h)?;
        }
        if let Some(f) = &self.footer {
            validate_text("footer.text", &f.text, 60)?;
            if !variables_of("footer.text", &f.text)?.is_empty() {
                return Err(invalid("footer.text", "a footer takes no variables"));
            }
        }
        let header_vars = match self.header.as_ref().and_then(|h| h.text.as_deref()) {
            Some(t) => variables_of("header.text", t)?,
            None => Vec::new(),
        };
        let numbered = |v: &[String]| v.first().is_some_and(|p| p.parse::<u32>().is_ok());
        if !header_vars.is_empty()
            && !body_vars.is_empty()
            && numbered(&header_vars) != numbered(&body_vars)
        {
            return Err(invalid(
                "header.text",
                "uses numbered variables where the body uses named ones, or the reverse",
            ));
        }
        validate_buttons(&self.buttons)
    }
}

/// A WhatsApp template as Botmaker answers with it (`WhatsAppTemplateResponse`).
///
/// Every field Botmaker documents is typed; the whole answer is in [`WhatsAppTemplate::raw`].
/// Values this crate does not know pass through as `Other`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WhatsAppTemplate {
    /// The name (`name`).
    #[serde(default)]
    pub name: Option<String>,
    /// The approval state (`state`).
    #[serde(default)]
    pub state: Option<TemplateState>,
    /// Problems found in the approval process (`notes`), as Botmaker gives them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub notes: Vec<Value>,
    /// The WhatsApp lines the template is on (`phoneLinesNumbers`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub phone_lines_numbers: Vec<String>,
    /// The bot the template sets (`botName`).
    #[serde(default)]
    pub bot_name: Option<String>,
    /// The category (`category`).
    #[serde(default)]
    pub category: Option<TemplateCategory>,
    /// The language (`locale`).
    #[serde(default)]
    pub locale: Option<String>,
    /// The opt-in example image (`optInImage`).
    #[serde(default)]
    pub opt_in_image: Option<String>,
    /// The header (`header`).
    #[serde(default)]
    pub header: Option<TemplateHeader>,
    /// The body text (`body.text`).
    #[serde(default, deserialize_with = "text_of")]
    pub body: Option<String>,
    /// The footer text (`footer.text`).
    #[serde(default, deserialize_with = "text_of")]
    pub footer: Option<String>,
    /// The buttons (`buttons`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub buttons: Vec<TemplateButton>,
    /// Who created the template (`requesterEmail`).
    #[serde(default)]
    pub requester_email: Option<String>,
    /// The queues that may use the template (`allowedQueues`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub allowed_queues: Vec<String>,
    /// The whole answer, as Botmaker sent it.
    #[serde(skip)]
    pub raw: Value,
}

/// A value that may be `null`, read as its default.
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn text_of<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<TextPart>::deserialize(d)?.map(|p| p.text))
}

impl WhatsAppTemplate {
    /// Reads a template from Botmaker's JSON.
    ///
    /// # Errors
    ///
    /// [`ParseError::Malformed`] when the value is not an object, or a documented field has the
    /// wrong type (the message says which).
    pub fn from_value(raw: Value) -> Result<WhatsAppTemplate, ParseError> {
        if !raw.is_object() {
            return Err(ParseError::malformed("a template is not a JSON object"));
        }
        let mut t = WhatsAppTemplate::deserialize(&raw)
            .map_err(|e| ParseError::malformed(format!("a template cannot be read: {e}")))?;
        t.raw = raw;
        Ok(t)
    }

    /// The template's variables, in order of first use (see [`NewTemplate::variables`]).
    pub fn variables(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let header = self.header.as_ref().and_then(|h| h.text.as_deref());
        for text in header.into_iter().chain(self.body.as_deref()) {
            for p in placeholders(text).into_iter().flatten() {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(t: &NewTemplate) -> &'static str {
        match t.validate().unwrap_err() {
            ValidationError::Invalid { field, .. }
            | ValidationError::Empty { field }
            | ValidationError::TooLong { field, .. }
            | ValidationError::TooMany { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    fn ok() -> NewTemplate {
        NewTemplate::new("pedido_listo", "Hola {{1}}, tu pedido {{2}} está listo.")
    }

    #[test]
    fn serializes_as_the_openapi_names_it() {
        let t = ok()
            .with_category(TemplateCategory::Utility)
            .with_locale("es_AR")
            .with_phone_line_number("5491100000000")
            .with_header(TemplateHeader::media(
                HeaderFormat::Image,
                "https://cdn.example.com/pedido.png",
            ))
            .with_footer("Tienda Ejemplo")
            .with_button(TemplateButton::url(
                "Ver pedido",
                "https://example.com/{pedidoId}",
            ));
        t.validate().unwrap();
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"name": "pedido_listo", "phoneLineNumber": "5491100000000",
                   "category": "UTILITY", "locale": "es_AR",
                   "header": {"format": "IMAGE", "exampleURL": "https://cdn.example.com/pedido.png"},
                   "body": {"text": "Hola {{1}}, tu pedido {{2}} está listo."},
                   "footer": {"text": "Tienda Ejemplo"},
                   "buttons": [{"type": "URL", "text": "Ver pedido", "url": "https://example.com/{pedidoId}"}]})
        );
    }

    #[test]
    fn names_and_locales() {
        assert_eq!(field(&NewTemplate::new("", "hola")), "name");
        assert_eq!(field(&NewTemplate::new("Pedido_Listo", "hola")), "name");
        assert_eq!(field(&NewTemplate::new("pedido listo", "hola")), "name");
        assert_eq!(field(&NewTemplate::new("a".repeat(513), "hola")), "name");
        NewTemplate::new("a".repeat(512), "hola")
            .validate()
            .unwrap();
        for l in ["es", "es_AR", "fil", "zh_HK"] {
            ok().with_locale(l).validate().unwrap();
        }
        for l in ["", "ES", "es-AR", "es_ar", "spanish"] {
            assert_eq!(field(&ok().with_locale(l)), "locale", "{l}");
        }
    }

    #[test]
    fn categories() {
        assert_eq!(
            "utility".parse::<TemplateCategory>().unwrap(),
            TemplateCategory::Utility
        );
        assert_eq!(TemplateCategory::KNOWN.len(), 16);
        let e = "PROMO".parse::<TemplateCategory>().unwrap_err();
        assert!(matches!(
            e,
            ValidationError::Invalid {
                field: "category",
                ..
            }
        ));
        let unknown = ok().with_category(TemplateCategory::from("PROMO".to_owned()));
        assert_eq!(field(&unknown), "category");
    }

    #[test]
    fn variables_are_numbered_without_gaps() {
        assert_eq!(ok().variables(), ["1", "2"]);
        let gap = NewTemplate::new("x", "Hola {{1}}, {{3}}");
        let e = gap.validate().unwrap_err().to_string();
        assert!(
            e.contains("body.text") && e.contains("{{2}} is missing"),
            "{e}"
        );
        assert_eq!(field(&NewTemplate::new("x", "Hola {{2}}")), "body.text");
        NewTemplate::new("x", "{{2}} y {{1}} y {{1}}")
            .validate()
            .unwrap();
        NewTemplate::new("x", "Hola {{nombre}}, {{fecha}}")
            .validate()
            .unwrap();
        for bad in [
            "Hola {{1}} {{nombre}}",
            "Hola {{ }}",
            "Hola {{a b}}",
            "Hola {{1",
        ] {
            assert_eq!(field(&NewTemplate::new("x", bad)), "body.text", "{bad}");
        }
        let header = ok().with_header(TemplateHeader::text("Pedido {{1}} {{2}}"));
        assert_eq!(field(&header), "header.text");
        let mixed = ok().with_header(TemplateHeader::text("Pedido {{id}}"));
        assert_eq!(field(&mixed), "header.text");
        assert_eq!(field(&ok().with_footer("{{1}}")), "footer.text");
        assert_eq!(field(&NewTemplate::new("x", " ")), "body.text");
        assert_eq!(field(&NewTemplate::new("x", "a".repeat(1025))), "body.text");
    }

    #[test]
    fn headers_and_buttons() {
        let no_example = TemplateHeader {
            format: Some(HeaderFormat::Video),
            text: None,
            example_url: None,
        };
        assert_eq!(field(&ok().with_header(no_example)), "header.exampleURL");
        let b = TemplateButton::quick_reply;
        let with = |bs: Vec<TemplateButton>| bs.into_iter().fold(ok(), NewTemplate::with_button);
        with(vec![
            b("Sí").with_intent("si"),
            b("No").with_webhook_payload("no"),
        ])
        .validate()
        .unwrap();
        assert_eq!(
            field(&with(vec![b("a"), b("b"), b("c"), b("d")])),
            "buttons"
        );
        assert_eq!(
            field(&with(vec![
                b("a"),
                TemplateButton::url("b", "https://x.example")
            ])),
            "buttons"
        );
        assert_eq!(
            field(&with(vec![
                b("a").with_intent("i").with_webhook_payload("p")
            ])),
            "buttons"
        );
        assert_eq!(field(&with(vec![b(&"a".repeat(21))])), "buttons");
        assert_eq!(
            field(&with(vec![TemplateButton::phone_number("Llamar", " ")])),
            "buttons"
        );
        with(vec![
            TemplateButton::url("Web", "https://x.example"),
            TemplateButton::phone_number("Llamar", "+5491100000000"),
        ])
        .validate()
        .unwrap();
    }

    #[test]
    fn reads_answers_and_keeps_unknown_values() {
        let raw = json!({"name": "pedido_listo", "state": "PAUSED", "category": "UTILITY",
            "locale": "es_AR", "body": {"text": "Hola {{1}}"}, "footer": {"text": "Tienda"},
            "buttons": [{"type": "QUICK_REPLY", "text": "Sí", "intentIdOrName": "si"}],
            "phoneLinesNumbers": ["5491100000000"], "id": "T-1"});
        let t = WhatsAppTemplate::from_value(raw).unwrap();
        assert_eq!(t.state, Some(TemplateState::Other("PAUSED".into())));
        assert_eq!(t.category, Some(TemplateCategory::Utility));
        assert_eq!(t.body.as_deref(), Some("Hola {{1}}"));
        assert_eq!(t.footer.as_deref(), Some("Tienda"));
        assert_eq!(t.buttons[0].kind, ButtonKind::QuickReply);
        assert_eq!(t.variables(), ["1"]);
        assert_eq!(t.raw["id"], "T-1");
        let nulls = json!({"name": null, "notes": null, "buttons": [{"type": "URL", "text": null}],
            "body": {"text": null}, "allowedQueues": null});
        let t = WhatsAppTemplate::from_value(nulls).unwrap();
        assert_eq!(
            (t.buttons[0].text.as_str(), t.body.as_deref()),
            ("", Some(""))
        );
        assert!(WhatsAppTemplate::from_value(json!({"name": 5})).is_err());
        assert!(WhatsAppTemplate::from_value(json!([])).is_err());
    }
}
