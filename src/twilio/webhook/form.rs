//! The `application/x-www-form-urlencoded` decoder: a body (or query string) into its
//! parameters, in one pass.

use std::borrow::Cow;
use std::fmt;
use std::string::FromUtf8Error;

use crate::error::ParseError;

use super::Params;

/// A form (or query-string) parameter that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormError {
    /// The parameter's name (as raw text when the name itself is what is broken).
    pub(crate) param: String,
    /// What is wrong.
    pub(crate) reason: &'static str,
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "parameter {}: {}", self.param, self.reason)
    }
}

impl From<FormError> for ParseError {
    fn from(e: FormError) -> Self {
        ParseError::invalid(e.param, e.reason)
    }
}

const BAD_PERCENT: &str = "it has a '%' that is not followed by two hexadecimal digits";
const BAD_UTF8: &str = "it is not valid UTF-8";

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes a query-string value as a form value (`+` is a space, `%XX` a byte); `None`
/// when it is malformed or not UTF-8.
pub(crate) fn decode_query_value(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(Cow::Borrowed(raw));
    }
    decode_form(format!("v={raw}").as_bytes())
        .ok()
        .and_then(|p| p.iter().next().map(|(_, v)| Cow::Owned(v.to_owned())))
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `x` that is zero (and possibly of bytes above the first
/// zero one, which never matters: only the lowest set bit is read).
fn zero_bytes(x: u64) -> u64 {
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// The special bytes of a form (`&`, `=`, `%`, `+`) among the eight bytes of `x`: the
/// lowest set bit marks the first.
fn special_bytes(x: u64) -> u64 {
    zero_bytes(x ^ (ONES * u64::from(b'&')))
        | zero_bytes(x ^ (ONES * u64::from(b'=')))
        | zero_bytes(x ^ (ONES * u64::from(b'%')))
        | zero_bytes(x ^ (ONES * u64::from(b'+')))
}

/// Copies the plain bytes from `from` to the next `&`, `=`, `%` or `+` into `out`, and
/// returns that byte's index (or the input's length). Eight bytes at a time: form bodies
/// are long runs of plain characters, and a fixed eight-byte copy is cheaper than a call
/// to copy a run of unknown length.
fn copy_plain(input: &[u8], from: usize, out: &mut Vec<u8>) -> usize {
    let mut i = from;
    while let Some(chunk) = input.get(i..i + 8) {
        let bytes = <[u8; 8]>::try_from(chunk).unwrap_or_default();
        let found = special_bytes(u64::from_le_bytes(bytes));
        if found != 0 {
            let k = (found.trailing_zeros() / 8) as usize;
            let len = out.len();
            out.extend_from_slice(&bytes);
            out.truncate(len + k);
            return i + k;
        }
        out.extend_from_slice(&bytes);
        i += 8;
    }
    while let Some(&b) = input.get(i) {
        if matches!(b, b'&' | b'=' | b'%' | b'+') {
            return i;
        }
        out.push(b);
        i += 1;
    }
    input.len()
}

/// The index of the next `&`, `=`, `%` or `+` at or after `from`, or the input's length.
#[cfg(test)]
fn next_special(input: &[u8], from: usize) -> usize {
    copy_plain(input, from, &mut Vec::new())
}

/// Where one parameter's name and value lie in the decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub(super) name_start: usize,
    pub(super) name_end: usize,
    pub(super) value_end: usize,
}

/// Decodes an `application/x-www-form-urlencoded` body (or query string) into its
/// parameters, in order, in one pass: every name and value is decoded into one string.
/// Empty pieces (`a=1&&b=2`) are skipped; a piece without `=` is a name with an empty
/// value; an `=` after the first is part of the value.
pub(crate) fn decode_form(input: &[u8]) -> Result<Params, FormError> {
    let mut buf: Vec<u8> = Vec::with_capacity(input.len());
    let mut spans: Vec<Span> = Vec::with_capacity(32);
    let mut raw_start = 0;
    let mut name_start = 0;
    let mut name_end: Option<usize> = None;
    let mut i = 0;
    loop {
        let j = copy_plain(input, i, &mut buf);
        match input.get(j) {
            None | Some(b'&') => {
                if j > raw_start {
                    spans.push(Span {
                        name_start,
                        name_end: name_end.unwrap_or(buf.len()),
                        value_end: buf.len(),
                    });
                }
                if j >= input.len() {
                    break;
                }
                i = j + 1;
                raw_start = i;
                name_start = buf.len();
                name_end = None;
            }
            Some(b'=') => {
                if name_end.is_none() {
                    name_end = Some(buf.len());
                } else {
                    buf.push(b'=');
                }
                i = j + 1;
            }
            Some(b'+') => {
                buf.push(b' ');
                i = j + 1;
            }
            Some(_) => {
                let Some(byte) = percent_byte(input, j) else {
                    let param = match name_end {
                        Some(end) => lossy(buf.get(name_start..end)),
                        None => raw_name(input.get(raw_start..).unwrap_or_default()),
                    };
                    return Err(FormError {
                        param,
                        reason: BAD_PERCENT,
                    });
                };
                buf.push(byte);
                i = j + 3;
            }
        }
    }
    into_params(buf, spans)
}

/// The byte a `%XX` at `at` stands for; `None` when two hexadecimal digits do not follow.
pub(super) fn percent_byte(input: &[u8], at: usize) -> Option<u8> {
    let hi = hex_value(*input.get(at + 1)?)?;
    let lo = hex_value(*input.get(at + 2)?)?;
    Some((hi << 4) | lo)
}

/// The name of a piece whose name is itself broken, as raw text: up to its `=` or `&`.
#[cold]
fn raw_name(raw: &[u8]) -> String {
    let stop = raw
        .iter()
        .position(|&b| b == b'=' || b == b'&')
        .unwrap_or(raw.len());
    lossy(raw.get(..stop))
}

/// The decoded bytes as parameters, once they are known to be UTF-8 with every name and
/// value on character boundaries.
fn into_params(buf: Vec<u8>, spans: Vec<Span>) -> Result<Params, FormError> {
    let text = match String::from_utf8(buf) {
        Ok(t) => t,
        Err(e) => return Err(not_utf8(e, &spans)),
    };
    // The text is valid as a whole; each name and value must also begin and end on
    // character boundaries (`%C3=%A9` is valid bytes split in the middle of a character).
    for s in &spans {
        let ok = [s.name_start, s.name_end, s.value_end]
            .iter()
            .all(|&b| text.is_char_boundary(b));
        if !ok {
            return Err(FormError {
                param: lossy(text.as_bytes().get(s.name_start..s.name_end)),
                reason: BAD_UTF8,
            });
        }
    }
    Ok(Params { text, spans })
}

/// The error for decoded bytes that are not UTF-8, naming the parameter they fail in.
#[cold]
fn not_utf8(e: FromUtf8Error, spans: &[Span]) -> FormError {
    let at = e.utf8_error().valid_up_to();
    let bytes = e.into_bytes();
    let span = spans
        .iter()
        .find(|s| at < s.value_end)
        .copied()
        .unwrap_or(Span {
            name_start: 0,
            name_end: 0,
            value_end: 0,
        });
    // The parameter is named by its name, even when the name is what is broken.
    FormError {
        param: lossy(bytes.get(span.name_start..span.name_end)),
        reason: BAD_UTF8,
    }
}

fn lossy(bytes: Option<&[u8]>) -> String {
    String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_percent_and_skips_empty_pieces() {
        let params = decode_form(b"a=b&c=d+e%26f&&g&h=&i=j=k&%C3%B1=%E2%82%AC").unwrap();
        let pairs: Vec<(&str, &str)> = params.iter().collect();
        assert_eq!(
            pairs,
            [
                ("a", "b"),
                ("c", "d e&f"),
                ("g", ""),
                ("h", ""),
                ("i", "j=k"),
                ("ñ", "€")
            ]
        );
        assert!(decode_form(b"").unwrap().is_empty());
        assert!(decode_form(b"&&").unwrap().is_empty());
    }

    #[test]
    fn finds_special_bytes_anywhere_in_a_chunk() {
        let plain = b"abcdefghijklmnopqrstuvwxyz0123456789";
        assert_eq!(next_special(plain, 0), plain.len());
        for (i, special) in [b'&', b'=', b'%', b'+']
            .into_iter()
            .cycle()
            .take(plain.len())
            .enumerate()
        {
            let mut input = plain.to_vec();
            input[i] = special;
            assert_eq!(next_special(&input, 0), i);
            assert_eq!(next_special(&input, i + 1), input.len());
        }
        // A byte just above a match is never reported before it.
        assert_eq!(next_special(b"\x01&'xxxxx", 0), 1);
        assert_eq!(next_special(b"xx\x80\xff%", 0), 4);
    }

    #[test]
    fn form_errors_name_the_parameter() {
        let e = decode_form(b"Body=50%&To=x").unwrap_err();
        assert_eq!(e.param, "Body");
        let e = decode_form(b"Body=%4").unwrap_err();
        assert_eq!(e.param, "Body");
        let e = decode_form(b"Body=%C3%28").unwrap_err();
        assert_eq!((e.param.as_str(), e.reason), ("Body", BAD_UTF8));
        let e = decode_form(b"A=1&Name%C3=%A9").unwrap_err();
        assert_eq!(e.reason, BAD_UTF8);
        let e = decode_form(b"A=%C3&B=%A9").unwrap_err();
        assert_eq!((e.param.as_str(), e.reason), ("A", BAD_UTF8));
        let e = decode_form(b"Bo%zzdy=1").unwrap_err();
        assert_eq!(e.param, "Bo%zzdy");
        let e = decode_form(b"Body=\xff").unwrap_err();
        assert_eq!(e.param, "Body");
    }
}
