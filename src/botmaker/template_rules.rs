//! The rules a WhatsApp template is checked against before it is created: its name, language,
//! texts, variables and buttons.

use super::template_kinds::{ButtonKind, HeaderFormat};
use super::templates::{
    MAX_BUTTON_CHARS, MAX_NAME_CHARS, MAX_QUICK_REPLIES, TemplateButton, TemplateHeader,
};
use crate::error::ValidationError;

pub(super) fn invalid(field: &'static str, reason: impl Into<String>) -> ValidationError {
    ValidationError::Invalid {
        field,
        reason: reason.into(),
    }
}

pub(super) fn validate_name(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        return Err(ValidationError::Empty { field: "name" });
    }
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(ValidationError::TooLong {
            field: "name",
            chars,
            max: MAX_NAME_CHARS,
        });
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid(
            "name",
            format!("{name:?} must be snake case: lower-case letters, digits and _ only"),
        ));
    }
    Ok(())
}

/// `es`, `fil`, `pt_BR`, `zh_HK`: a language, and a region after `_`.
pub(super) fn validate_locale(locale: &str) -> Result<(), ValidationError> {
    let (lang, region) = match locale.split_once('_') {
        Some((l, r)) => (l, Some(r)),
        None => (locale, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok =
        region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()));
    if lang_ok && region_ok {
        Ok(())
    } else {
        Err(invalid(
            "locale",
            format!("{locale:?} is not a language code such as es, en_US or pt_BR"),
        ))
    }
}

pub(super) fn validate_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    let chars = text.chars().count();
    if chars > max {
        return Err(ValidationError::TooLong { field, chars, max });
    }
    Ok(())
}

pub(super) fn validate_header(h: &TemplateHeader) -> Result<(), ValidationError> {
    match &h.format {
        None => Err(invalid(
            "header.format",
            "is required: TEXT, IMAGE, DOCUMENT or VIDEO",
        )),
        Some(HeaderFormat::Other(f)) => Err(invalid(
            "header.format",
            format!("{f:?} is not TEXT, IMAGE, DOCUMENT or VIDEO"),
        )),
        Some(HeaderFormat::Text) => {
            let text = h.text.as_deref().unwrap_or("");
            validate_text("header.text", text, 60)?;
            if variables_of("header.text", text)?.len() > 1 {
                return Err(invalid(
                    "header.text",
                    "a header takes at most one variable",
                ));
            }
            Ok(())
        }
        Some(_) => match h.example_url.as_deref().map(crate::urls::http_url) {
            Some(Some(_)) => Ok(()),
            Some(None) => Err(invalid("header.exampleURL", "is not an http(s) URL")),
            None => Err(invalid(
                "header.exampleURL",
                "is required for a media header: WhatsApp reviews the example file",
            )),
        },
    }
}

pub(super) fn validate_buttons(buttons: &[TemplateButton]) -> Result<(), ValidationError> {
    let count = |k: ButtonKind| buttons.iter().filter(|b| b.kind == k).count();
    let (quick, url, phone) = (
        count(ButtonKind::QuickReply),
        count(ButtonKind::Url),
        count(ButtonKind::PhoneNumber),
    );
    if quick > 0 && url + phone > 0 {
        return Err(invalid(
            "buttons",
            "QUICK_REPLY buttons cannot be combined with URL or PHONE_NUMBER buttons",
        ));
    }
    if quick > MAX_QUICK_REPLIES {
        return Err(ValidationError::TooMany {
            field: "buttons",
            count: quick,
            max: MAX_QUICK_REPLIES,
        });
    }
    if url > 1 || phone > 1 {
        return Err(invalid(
            "buttons",
            "at most one URL and one PHONE_NUMBER button are allowed",
        ));
    }
    for (i, b) in buttons.iter().enumerate() {
        let chars = b.text.chars().count();
        if b.text.trim().is_empty() || chars > MAX_BUTTON_CHARS {
            return Err(invalid(
                "buttons",
                format!(
                    "button {i}: its label must have 1 to {MAX_BUTTON_CHARS} characters; it has {chars}"
                ),
            ));
        }
        let wrong = |what: &str| invalid("buttons", format!("button {i} ({}): {what}", b.kind));
        let quick_only = b.intent_id_or_name.is_some() || b.webhook_payload.is_some();
        match &b.kind {
            ButtonKind::QuickReply
                if b.intent_id_or_name.is_some() && b.webhook_payload.is_some() =>
            {
                return Err(wrong("takes an intent or a webhook payload, not both"));
            }
            ButtonKind::QuickReply if b.url.is_some() || b.phone_number.is_some() => {
                return Err(wrong("takes no URL or phone number"));
            }
            ButtonKind::Url if b.url.as_deref().is_none_or(|u| u.trim().is_empty()) => {
                return Err(wrong("needs a URL"));
            }
            ButtonKind::PhoneNumber
                if b.phone_number
                    .as_deref()
                    .is_none_or(|p| p.trim().is_empty()) =>
            {
                return Err(wrong("needs a phone number"));
            }
            ButtonKind::Url | ButtonKind::PhoneNumber | ButtonKind::Mpm if quick_only => {
                return Err(wrong(
                    "an intent or webhook payload is only for QUICK_REPLY",
                ));
            }
            ButtonKind::Other(k) => return Err(wrong(&format!("{k:?} is not a button kind"))),
            _ => {}
        }
    }
    Ok(())
}

/// The placeholders of `text` in order: `Ok(name)` for each `{{name}}`, `Err(raw)` for one
/// that is neither a number nor a name (`{{ }}`, `{{a b}}`) or is never closed.
pub(super) fn placeholders(text: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            out.push(Err(rest[start..].chars().take(20).collect()));
            break;
        };
        let inner = after[..end].trim();
        let ok = !inner.is_empty()
            && (inner.bytes().all(|b| b.is_ascii_digit())
                || (inner.starts_with(|c: char| c.is_ascii_alphabetic())
                    && inner
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_')));
        out.push(if ok {
            Ok(inner.to_owned())
        } else {
            Err(format!("{{{{{}}}}}", &after[..end]))
        });
        rest = &after[end + 2..];
    }
    out
}

/// The variables of `text`, checked: well formed, one style, numbers 1..n without gaps.
pub(super) fn variables_of(
    field: &'static str,
    text: &str,
) -> Result<Vec<String>, ValidationError> {
    let mut names = Vec::new();
    for p in placeholders(text) {
        match p {
            Ok(n) => names.push(n),
            Err(raw) => {
                return Err(invalid(
                    field,
                    format!("{raw:?} is not a variable: write {{{{1}}}} or {{{{name}}}}"),
                ));
            }
        }
    }
    let numbers: Vec<u32> = names.iter().filter_map(|n| n.parse().ok()).collect();
    if numbers.is_empty() {
        return Ok(names);
    }
    if numbers.len() != names.len() {
        return Err(invalid(
            field,
            "mixes numbered ({{1}}) and named ({{name}}) variables",
        ));
    }
    let max = numbers.iter().copied().max().unwrap_or(0);
    if let Some(missing) = (1..=max).find(|n| !numbers.contains(n)) {
        return Err(invalid(
            field,
            format!(
                "variables must be numbered from {{{{1}}}} without gaps; {{{{{missing}}}}} is missing (the highest is {{{{{max}}}}})"
            ),
        ));
    }
    Ok(names)
}
