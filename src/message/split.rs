//! Cutting a long text into parts a provider takes, at the most natural places.

use unicode_segmentation::UnicodeSegmentation;

use crate::error::ValidationError;

/// Cuts `text` into ordered parts of at most `max_chars` characters each, for a text longer
/// than one message may hold (Twilio's `Body` takes 1,600 characters, WhatsApp 4,096).
///
/// Each cut is made at the last paragraph break (a blank line) that fits, else the last line
/// break, else the last sentence end, else the last space between words: never inside a word,
/// and so never inside a grapheme cluster (an emoji with its modifiers, a letter with its
/// combining marks) or a UTF-16 surrogate pair. Chinese and Japanese, written without spaces,
/// may also be cut between two ideographs or kana. The white space at a cut is dropped;
/// nothing else is. A text that already fits is one part, as it is.
///
/// ```
/// use whatsapp_connector::message::split_text;
///
/// let text = "First paragraph, short.\n\nSecond one. It has two sentences.";
/// assert_eq!(
///     split_text(text, 40)?,
///     ["First paragraph, short.", "Second one. It has two sentences."]
/// );
/// assert_eq!(split_text("a few words here", 9)?, ["a few", "words", "here"]);
/// # Ok::<(), whatsapp_connector::ValidationError>(())
/// ```
///
/// # Errors
///
/// [`ValidationError::Invalid`] for the field `text` when one word is longer than
/// `max_chars` (there is no place to cut it), and [`ValidationError::Empty`] for an empty
/// text or a `max_chars` of zero.
pub fn split_text(text: &str, max_chars: usize) -> Result<Vec<String>, ValidationError> {
    if text.trim().is_empty() {
        return Err(ValidationError::Empty { field: "text" });
    }
    if max_chars == 0 {
        return Err(ValidationError::Empty {
            field: "part length",
        });
    }
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max_chars {
        let cut = cut_point(rest, max_chars).ok_or_else(|| too_long_word(rest, max_chars))?;
        let part = rest[..cut].trim_end();
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        parts.push(rest.to_owned());
    }
    Ok(parts)
}

/// The byte index of the best place to cut `text` so that what comes before holds at most
/// `max_chars` characters; `None` when the first word alone is longer.
fn cut_point(text: &str, max_chars: usize) -> Option<usize> {
    // The byte index just past the last character that fits.
    let limit = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| i);
    let window = &text[..limit];
    let non_empty = |i: &usize| !text[..*i].trim().is_empty();
    if let Some(i) = window.rfind("\n\n").map(|i| i + 2).filter(non_empty) {
        return Some(i);
    }
    if let Some(i) = window.rfind('\n').map(|i| i + 1).filter(non_empty) {
        return Some(i);
    }
    // Sentence and word boundaries of the whole text (a boundary's place does not depend on
    // what follows the window only when it is computed on the whole text).
    let sentence = text
        .split_sentence_bound_indices()
        .map(|(i, _)| i)
        .take_while(|i| *i <= limit)
        .filter(|i| *i > 0 && non_empty(i))
        .last();
    if let Some(i) = sentence {
        return Some(i);
    }
    // Between words: before a space, or after an ideograph or kana (Chinese and Japanese
    // put no spaces between words, and each such character is a word of its own).
    text.split_word_bound_indices()
        .take_while(|(i, _)| *i <= limit)
        .filter(|(i, word)| {
            *i > 0
                && non_empty(i)
                && (word.chars().all(char::is_whitespace)
                    || text[..*i].chars().next_back().is_some_and(is_ideographic))
        })
        .map(|(i, _)| i)
        .last()
}

/// Han ideographs, kana and CJK punctuation: scripts written without spaces between words.
fn is_ideographic(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3FFFF}')
}

fn too_long_word(text: &str, max_chars: usize) -> ValidationError {
    let word = text.split_whitespace().next().unwrap_or(text);
    ValidationError::Invalid {
        field: "text",
        reason: format!(
            "a word of {} characters is longer than the {max_chars} characters a part may hold",
            word.chars().count()
        ),
    }
}
