//! Reactions: the check that a reaction is one emoji.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::ValidationError;

/// Checks that `reaction` is exactly one emoji, as WhatsApp takes it: one grapheme cluster
/// (a flag, a skin tone or a family joined with zero-width joiners is still one) that holds
/// a pictographic character, a keycap (`1️⃣`, `#️⃣`) or a pair of regional indicators (a flag).
///
/// The check runs before any network call, so a provider never sees an empty reaction, a
/// word, or two emoji at once.
///
/// # Errors
///
/// [`ValidationError::Empty`] (field `reaction`) for an empty string, and
/// [`ValidationError::Invalid`] (field `reaction`) for anything that is not one emoji: text,
/// white space around it, or several emoji.
///
/// # Examples
///
/// ```
/// use whatsapp_connector::message::validate_reaction;
///
/// for ok in ["👍", "❤️", "👍🏽", "🇦🇷", "👨‍👩‍👧", "1️⃣"] {
///     assert!(validate_reaction(ok).is_ok(), "{ok}");
/// }
/// for bad in ["", "ok", " 👍", "👍👍", "a"] {
///     assert!(validate_reaction(bad).is_err(), "{bad:?}");
/// }
/// ```
pub fn validate_reaction(reaction: &str) -> Result<(), ValidationError> {
    const FIELD: &str = "reaction";
    if reaction.is_empty() {
        return Err(ValidationError::Empty { field: FIELD });
    }
    let invalid = |reason: &str| ValidationError::Invalid {
        field: FIELD,
        reason: reason.to_owned(),
    };
    let mut graphemes = reaction.graphemes(true);
    let (Some(grapheme), None) = (graphemes.next(), graphemes.next()) else {
        return Err(invalid("must be exactly one emoji"));
    };
    if is_emoji(grapheme) {
        Ok(())
    } else {
        Err(invalid("must be an emoji"))
    }
}

/// True when one grapheme cluster reads as an emoji.
fn is_emoji(grapheme: &str) -> bool {
    if grapheme
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return false;
    }
    let regional = grapheme
        .chars()
        .filter(|c| is_regional_indicator(*c))
        .count();
    if regional > 0 {
        // A flag is two regional indicators and nothing else.
        return regional == 2 && grapheme.chars().count() == 2;
    }
    if is_keycap(grapheme) {
        return true;
    }
    grapheme.chars().any(is_pictographic)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

/// `0`–`9`, `#` or `*`, an optional variation selector, and the combining keycap.
fn is_keycap(grapheme: &str) -> bool {
    let mut chars = grapheme.chars();
    let Some(base) = chars.next() else {
        return false;
    };
    let rest: Vec<char> = chars.collect();
    (base.is_ascii_digit() || base == '#' || base == '*')
        && matches!(rest.as_slice(), ['\u{20E3}'] | ['\u{FE0F}', '\u{20E3}'])
}

/// The blocks that hold emoji (close to Unicode's `Extended_Pictographic`), and the single
/// emoji outside them (`©`, `®`, `‼`, `™`, `〰`, …).
fn is_pictographic(c: char) -> bool {
    matches!(
        c,
        '\u{1F000}'..='\u{1FAFF}'
            | '\u{2600}'..='\u{27BF}'
            | '\u{2300}'..='\u{23FF}'
            | '\u{2B00}'..='\u{2BFF}'
            | '\u{2190}'..='\u{21FF}'
            | '\u{25A0}'..='\u{25FF}'
            | '\u{2900}'..='\u{297F}'
            | '\u{00A9}'
            | '\u{00AE}'
            | '\u{203C}'
            | '\u{2049}'
            | '\u{2122}'
            | '\u{2139}'
            | '\u{24C2}'
            | '\u{3030}'
            | '\u{303D}'
            | '\u{3297}'
            | '\u{3299}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_emoji_passes() {
        for ok in [
            "👍",
            "👍️",
            "❤️",
            "❤",
            "😂",
            "🙏🏼",
            "🇦🇷",
            "🇺🇸",
            "👩‍💻",
            "👨‍👩‍👧‍👦",
            "#️⃣",
            "7⃣",
            "©️",
            "⭐",
            "🫶",
            "☕",
        ] {
            assert_eq!(validate_reaction(ok), Ok(()), "{ok:?}");
        }
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(
            validate_reaction(""),
            Err(ValidationError::Empty { field: "reaction" })
        );
        for bad in [
            "a",
            "ok",
            "1",
            "#",
            " ",
            "\n",
            "👍 ",
            " 👍",
            "👍👍",
            "😂🙏",
            "🇦",
            "🇦🇷🇺🇸",
            "é",
            "中",
            "\u{FE0F}",
            "\u{200D}",
        ] {
            let e = validate_reaction(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    ValidationError::Invalid {
                        field: "reaction",
                        ..
                    }
                ),
                "{bad:?}: {e:?}"
            );
        }
    }
}
