//! Checks a [`NewContent`] against the documented limits of each kind, and its variables,
//! before any call.
//!
//! Where each limit comes from (Twilio's Content API docs, `https://www.twilio.com/docs/content/…`):
//!
//! - `twilio/text`: `body` at most 1,600 characters (`twilio-text`).
//! - `twilio/media`: at least one media URL (`twilio-media`; the OpenAPI requires `media`).
//! - `twilio/quick-reply`: `body` at most 1,024 characters, 1 to 10 buttons
//!   (`twilio-quick-reply`: "between 1 and 10 quick-reply buttons"; in-session without
//!   approval WhatsApp shows at most 3). A button's title is at most 20 characters and its
//!   id at most 256: WhatsApp's reply-button limits, which Twilio's quick replies map to.
//! - `twilio/list-picker`: `body` at most 1,024 characters, 1 to 10 items; an item's text at
//!   most 24 characters, its id at most 200, its description at most 72
//!   (`twiliolist-picker`). The button label is held to WhatsApp's 20 characters.
//! - `twilio/call-to-action`: `body` at most 640 characters; at most 2 URL buttons and one
//!   phone-number or voice-call button; a button title at most 25 characters
//!   (`twilio-call-to-action`).
//! - `twilio/card`: a title and at least one other field (`twiliocard`).
//! - Variables (`using-variables-with-content-api`): at most 100 per template, a key of at
//!   most 16 characters without spaces, a value of at most 1,600 characters. For WhatsApp
//!   templates "content variables need to be in sequential order … definitions should not
//!   skip over integers": numbered placeholders must be `{{1}}` to `{{n}}` with no gap (in
//!   any order in the text). Each placeholder needs a sample, since WhatsApp reviews the
//!   template with them and Twilio falls back to them at send time.
//! - Approval names: WhatsApp template names are lowercase letters, digits and underscores
//!   (Twilio's Content Template Builder guide), at most 512 characters.

use std::collections::BTreeSet;

use super::model::{Action, ActionType, ContentTypes, NewContent};
use crate::error::ValidationError;

/// Most variables in one template.
pub const MAX_VARIABLES: usize = 100;
/// Longest variable key.
pub const MAX_VARIABLE_KEY_CHARS: usize = 16;
/// Longest variable value (sample).
pub const MAX_VARIABLE_VALUE_CHARS: usize = 1600;
/// Most quick-reply buttons in a template.
pub const MAX_QUICK_REPLIES: usize = 10;
/// Most list-picker items.
pub const MAX_LIST_ITEMS: usize = 10;
/// Longest WhatsApp template name.
pub const MAX_TEMPLATE_NAME_CHARS: usize = 512;

fn empty(field: &'static str, s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        Err(ValidationError::Empty { field })
    } else {
        Ok(())
    }
}

fn len(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    let chars = s.chars().count();
    if chars > max {
        return Err(ValidationError::TooLong { field, chars, max });
    }
    Ok(())
}

fn text(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    empty(field, s)?;
    len(field, s, max)
}

fn count(field: &'static str, n: usize, max: usize) -> Result<(), ValidationError> {
    if n == 0 {
        return Err(ValidationError::Empty { field });
    }
    if n > max {
        return Err(ValidationError::TooMany {
            field,
            count: n,
            max,
        });
    }
    Ok(())
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ValidationError {
    ValidationError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// An `http(s)` URL, where a variable may stand for its end.
fn media_url(field: &'static str, url: &str) -> Result<(), ValidationError> {
    let base = url.split("{{").next().unwrap_or_default();
    let ok = ["https://", "http://"]
        .iter()
        .any(|p| base.len() > p.len() && base.to_ascii_lowercase().starts_with(p));
    if ok && !url.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(ValidationError::NotHttpUrl {
            field,
            url: url.to_owned(),
        })
    }
}

/// Checks the content: its kinds' limits, then its variables.
pub(crate) fn validate(content: &NewContent) -> Result<(), ValidationError> {
    empty("language", &content.language)?;
    if !content
        .language
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(invalid(
            "language",
            format!(
                "{:?} is not a language code (en, es, pt_BR)",
                content.language
            ),
        ));
    }
    if let Some(name) = &content.friendly_name {
        len("friendly_name", name, 1024)?;
    }
    validate_types(&content.types)?;
    validate_variables(content)
}

fn validate_types(t: &ContentTypes) -> Result<(), ValidationError> {
    if t.is_empty() {
        return Err(ValidationError::Empty { field: "types" });
    }
    if let Some(k) = &t.text {
        text("twilio/text body", &k.body, 1600)?;
    }
    if let Some(k) = &t.media {
        count("twilio/media media", k.media.len(), 10)?;
        for url in &k.media {
            media_url("twilio/media media", url)?;
        }
        if let Some(b) = &k.body {
            len("twilio/media body", b, 1600)?;
        }
    }
    if let Some(k) = &t.quick_reply {
        text("twilio/quick-reply body", &k.body, 1024)?;
        count(
            "twilio/quick-reply actions",
            k.actions.len(),
            MAX_QUICK_REPLIES,
        )?;
        for a in &k.actions {
            if a.kind != ActionType::QuickReply {
                return Err(invalid(
                    "twilio/quick-reply actions",
                    "every button must be of type QUICK_REPLY",
                ));
            }
            text("twilio/quick-reply action title", &a.title, 20)?;
            if let Some(id) = &a.id {
                len("twilio/quick-reply action id", id, 256)?;
            }
        }
    }
    if let Some(k) = &t.list_picker {
        text("twilio/list-picker body", &k.body, 1024)?;
        text("twilio/list-picker button", &k.button, 20)?;
        count("twilio/list-picker items", k.items.len(), MAX_LIST_ITEMS)?;
        for i in &k.items {
            text("twilio/list-picker item", &i.item, 24)?;
            text("twilio/list-picker item id", &i.id, 200)?;
            if let Some(d) = &i.description {
                len("twilio/list-picker item description", d, 72)?;
            }
        }
    }
    if let Some(k) = &t.call_to_action {
        text("twilio/call-to-action body", &k.body, 640)?;
        count("twilio/call-to-action actions", k.actions.len(), 3)?;
        validate_actions("twilio/call-to-action actions", &k.actions, false)?;
    }
    if let Some(k) = &t.card {
        text("twilio/card title", &k.title, 1024)?;
        if k.subtitle.is_none() && k.media.is_empty() && k.actions.is_empty() {
            return Err(invalid(
                "twilio/card",
                "a card needs a subtitle, media or buttons besides its title",
            ));
        }
        for url in &k.media {
            media_url("twilio/card media", url)?;
        }
        validate_actions("twilio/card actions", &k.actions, true)?;
    }
    Ok(())
}

/// The buttons of a call to action (`card == false`) or a card: each with what its type
/// needs; at most 2 URL buttons and one call button.
fn validate_actions(
    field: &'static str,
    actions: &[Action],
    card: bool,
) -> Result<(), ValidationError> {
    let (mut urls, mut calls) = (0, 0);
    for a in actions {
        text("action title", &a.title, 25)?;
        match a.kind {
            ActionType::Url => {
                urls += 1;
                media_url("action url", a.url.as_deref().unwrap_or_default())?;
            }
            ActionType::PhoneNumber => {
                calls += 1;
                empty("action phone", a.phone.as_deref().unwrap_or_default())?;
            }
            ActionType::VoiceCall => calls += 1,
            ActionType::CopyCode => empty("action code", a.code.as_deref().unwrap_or_default())?,
            ActionType::QuickReply if card => {}
            ActionType::VoiceCallRequest if !card => calls += 1,
            other => {
                return Err(invalid(
                    field,
                    format!("a {other:?} button is not allowed here"),
                ));
            }
        }
    }
    if urls > 2 {
        return Err(ValidationError::TooMany {
            field: "URL buttons",
            count: urls,
            max: 2,
        });
    }
    if calls > 1 {
        return Err(ValidationError::TooMany {
            field: "call buttons",
            count: calls,
            max: 1,
        });
    }
    Ok(())
}

fn push_actions<'a>(out: &mut Vec<&'a str>, list: &'a [Action]) {
    for a in list {
        out.push(a.title.as_str());
        out.extend(
            [&a.id, &a.url, &a.phone, &a.code]
                .into_iter()
                .flatten()
                .map(String::as_str),
        );
    }
}

/// Every string of the content that may hold placeholders.
fn strings(t: &ContentTypes) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    if let Some(k) = &t.text {
        out.push(&k.body);
    }
    if let Some(k) = &t.media {
        out.extend(k.body.as_deref());
        out.extend(k.media.iter().map(String::as_str));
    }
    if let Some(k) = &t.quick_reply {
        out.push(&k.body);
        push_actions(&mut out, &k.actions);
    }
    if let Some(k) = &t.list_picker {
        out.push(&k.body);
        out.push(&k.button);
        for i in &k.items {
            out.push(&i.item);
            out.push(&i.id);
            out.extend(i.description.as_deref());
        }
    }
    if let Some(k) = &t.call_to_action {
        out.push(&k.body);
        push_actions(&mut out, &k.actions);
    }
    if let Some(k) = &t.card {
        out.push(&k.title);
        out.extend(k.subtitle.as_deref());
        out.extend(k.media.iter().map(String::as_str));
        push_actions(&mut out, &k.actions);
    }
    out
}

/// The keys of the placeholders in `s` (`{{1}}` gives `1`), or why one is malformed.
pub(crate) fn placeholders(s: &str) -> Result<Vec<&str>, ValidationError> {
    let mut keys = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(invalid(
                "variables",
                format!("a placeholder is not closed: {:?}", excerpt(&rest[start..])),
            ));
        };
        let key = &after[..end];
        check_key(key)?;
        keys.push(key);
        rest = &after[end + 2..];
    }
    Ok(keys)
}

fn excerpt(s: &str) -> String {
    s.chars().take(24).collect()
}

fn check_key(key: &str) -> Result<(), ValidationError> {
    if key.is_empty() {
        return Err(invalid("variables", "an empty placeholder {{}}"));
    }
    if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(invalid(
            "variables",
            format!(
                "the variable {{{{{key}}}}} must be letters, digits and underscores, without spaces"
            ),
        ));
    }
    if key.chars().count() > MAX_VARIABLE_KEY_CHARS {
        return Err(ValidationError::TooLong {
            field: "variable key",
            chars: key.chars().count(),
            max: MAX_VARIABLE_KEY_CHARS,
        });
    }
    Ok(())
}

fn validate_variables(content: &NewContent) -> Result<(), ValidationError> {
    let mut used: BTreeSet<&str> = BTreeSet::new();
    for s in strings(&content.types) {
        used.extend(placeholders(s)?);
    }
    if used.len() > MAX_VARIABLES {
        return Err(ValidationError::TooMany {
            field: "variables",
            count: used.len(),
            max: MAX_VARIABLES,
        });
    }
    // Numbered placeholders: 1 to n, each once at least, no gap.
    let mut numbers: Vec<u64> = Vec::new();
    for key in &used {
        if key.bytes().all(|b| b.is_ascii_digit()) {
            match key.parse::<u64>() {
                Ok(n) if n >= 1 && !key.starts_with('0') => numbers.push(n),
                _ => {
                    return Err(invalid(
                        "variables",
                        format!(
                            "{{{{{key}}}}}: numbered variables start at {{{{1}}}}, without leading zeros"
                        ),
                    ));
                }
            }
        }
    }
    numbers.sort_unstable();
    for (i, n) in numbers.iter().enumerate() {
        let expected = i as u64 + 1;
        if *n != expected {
            return Err(invalid(
                "variables",
                format!(
                    "the numbered variables skip {{{{{expected}}}}}: they must run from {{{{1}}}} with no gap"
                ),
            ));
        }
    }
    for key in &used {
        match content.variables.get(*key) {
            None => {
                return Err(invalid(
                    "variables",
                    format!("{{{{{key}}}}} has no sample; add it to the variables"),
                ));
            }
            Some(v) => {
                empty("variable sample", v)?;
                len("variable sample", v, MAX_VARIABLE_VALUE_CHARS)?;
            }
        }
    }
    if let Some(extra) = content
        .variables
        .keys()
        .find(|k| !used.contains(k.as_str()))
    {
        return Err(invalid(
            "variables",
            format!("the sample of {extra:?} belongs to no {{{{{extra}}}}} in the content"),
        ));
    }
    Ok(())
}

/// A WhatsApp template name: lowercase letters, digits and underscores, at most 512.
pub(crate) fn validate_template_name(name: &str) -> Result<(), ValidationError> {
    text("name", name, MAX_TEMPLATE_NAME_CHARS)?;
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(invalid(
            "name",
            format!(
                "{name:?}: a WhatsApp template name is lowercase letters, digits and underscores"
            ),
        ));
    }
    Ok(())
}

/// A Content SID: `HX` and 32 hexadecimal digits.
pub(crate) fn validate_sid(sid: &str) -> Result<(), ValidationError> {
    if crate::twilio::is_sid(sid, "HX") {
        Ok(())
    } else {
        Err(invalid(
            "content sid",
            "must be HX followed by 32 hexadecimal digits",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_read_and_checked() {
        assert_eq!(placeholders("Hi {{1}}, gate {{2}}.").unwrap(), ["1", "2"]);
        assert_eq!(placeholders("no vars").unwrap(), Vec::<&str>::new());
        assert!(placeholders("Hi {{1}").is_err());
        assert!(placeholders("Hi {{}} x").is_err());
        assert!(placeholders("Hi {{id name}} x").is_err());
        assert!(placeholders("Hi {{abcdefghijklmnopq}} x").is_err());
    }

    #[test]
    fn template_names() {
        assert!(validate_template_name("order_update_2").is_ok());
        assert!(validate_template_name("Order update").is_err());
        assert!(validate_template_name("").is_err());
    }
}
