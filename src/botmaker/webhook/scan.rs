//! A JSON reader for the quick path: it checks a whole body and notes where the values of
//! known keys are, without building anything.
//!
//! It accepts a subset of what serde_json accepts and gives up (`None`) on anything else:
//! invalid JSON, but also valid JSON it does not take on (a number with an exponent or over
//! 30 characters, a `\u` escape of a surrogate, an escaped key, a repeated known key, nesting
//! deeper than 100 levels, a body over 4 GiB, the key its caller says to stop at). Whoever
//! gets `None` reads the body with serde_json instead, which then gives the value or the
//! error.

use super::json::{K, KNOWN, known};

/// What a known key holds.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
#[repr(u8)]
pub(super) enum Kind {
    /// The key is not there.
    #[default]
    Absent,
    Null,
    False,
    True,
    /// A string without escapes.
    Str,
    /// A string with escapes, decoded when read.
    Escaped,
    Num,
    Arr,
    Obj,
}

/// A known key's value: its kind and, for a string, where its text is in the body (between
/// the quotes): the start in the low 32 bits of `span`, the end in the high ones.
#[derive(Clone, Copy, Debug)]
pub(super) struct Slot {
    pub(super) kind: Kind,
    span: u64,
}

impl Slot {
    /// Whether it is a string with no text (`""`).
    pub(super) fn is_empty(self) -> bool {
        self.start() == self.end()
    }

    fn start(self) -> usize {
        self.span as u32 as usize
    }

    fn end(self) -> usize {
        (self.span >> 32) as usize
    }
}

/// The known keys of one object, each with its value. (Kinds and places apart, in arrays of
/// zeros, so that a new one is a plain fill.)
pub(super) struct Fields {
    kinds: [Kind; KNOWN],
    spans: [u64; KNOWN],
}

impl Fields {
    pub(super) fn new() -> Self {
        Fields {
            kinds: [Kind::Absent; KNOWN],
            spans: [0; KNOWN],
        }
    }

    pub(super) fn get(&self, key: K) -> Slot {
        Slot {
            kind: self.kinds[key as usize],
            span: self.spans[key as usize],
        }
    }

    pub(super) fn has(&self, key: K) -> bool {
        self.get(key).kind != Kind::Absent
    }
}

/// The deepest nesting read; serde_json allows 128 levels, so anything this reader accepts
/// serde_json accepts too.
const MAX_DEPTH: u32 = 100;

/// Reads `text`, a whole body, which must be one JSON object: its known keys go to `top`,
/// and those of the object under `nested_key`, when that is an object, to `nested`. Gives
/// up at once on the key `stop` (in either), which marks a body the caller leaves to others.
pub(super) fn read_body(
    text: &str,
    top: &mut Fields,
    (nested_key, nested): (K, &mut Option<Fields>),
    stop: K,
) -> Option<()> {
    u32::try_from(text.len()).ok()?;
    let mut s = Scanner {
        b: text.as_bytes(),
        i: 0,
        span: 0,
        stop: stop as usize,
    };
    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    s.object(1, Some(top), Some((nested_key, nested)))?;
    s.ws();
    (s.i == s.b.len()).then_some(())
}

/// The text of a string slot as the body has it, escapes and all.
#[inline]
pub(super) fn raw(body: &str, slot: Slot) -> Option<&str> {
    body.get(slot.start()..slot.end())
}

/// Decodes the escapes of a string the scanner accepted.
pub(super) fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let b = rest.as_bytes();
        let (c, used) = match *b.get(at + 1)? {
            b'"' => ('"', 2),
            b'\\' => ('\\', 2),
            b'/' => ('/', 2),
            b'b' => ('\u{8}', 2),
            b'f' => ('\u{c}', 2),
            b'n' => ('\n', 2),
            b'r' => ('\r', 2),
            b't' => ('\t', 2),
            b'u' => (char::from_u32(hex4(b.get(at + 2..at + 6)?)?)?, 6),
            _ => return None,
        };
        out.push(c);
        rest = &rest[at + used..];
    }
    out.push_str(rest);
    Some(out)
}

fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |n, &d| Some(n * 16 + char::from(d).to_digit(16)?))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Marks (the high bit of) the bytes of `x` that end or interrupt a string's plain run: a
/// quote, a backslash or a control character. Only the lowest mark is exact (a borrow can
/// mark a higher byte too), which is the one used.
fn specials(x: u64) -> u64 {
    let quote = x ^ (ONES * u64::from(b'"'));
    let backslash = x ^ (ONES * u64::from(b'\\'));
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    (zero(quote) | zero(backslash) | x.wrapping_sub(ONES * 0x20) & !x) & HIGHS
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
    /// Where the last string read lies (between its quotes): the start in the low 32 bits,
    /// the end in the high ones, in one word so that it is stored and loaded at once.
    span: u64,
    /// The known key to give up on.
    stop: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.i += 1;
        }
    }

    /// After `{`: the members, up to and past `}`. Known keys go to `fields`, when given (a
    /// repeated one gives up); the value of `nested`'s key, when an object, is read into its
    /// fields.
    fn object(
        &mut self,
        depth: u32,
        mut fields: Option<&mut Fields>,
        mut nested: Option<(K, &mut Option<Fields>)>,
    ) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            if self.string()? != Kind::Str {
                return None;
            }
            let key = Slot {
                kind: Kind::Str,
                span: self.span,
            };
            let key = key.start()..key.end();
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            let k = match fields {
                Some(_) => known(&self.b[key]),
                None => None,
            };
            match (k, fields.as_deref_mut()) {
                (Some(k), Some(fields)) => {
                    if fields.kinds[k] != Kind::Absent || k == self.stop {
                        return None;
                    }
                    let kind = match nested.as_mut() {
                        Some((nk, inner)) if *nk as usize == k && self.peek()? == b'{' => {
                            self.object(depth + 1, Some(inner.insert(Fields::new())), None)?;
                            Kind::Obj
                        }
                        _ => self.value(depth)?,
                    };
                    fields.kinds[k] = kind;
                    // Where the value's text is, when it is a string.
                    fields.spans[k] = self.span;
                }
                _ => {
                    self.value(depth)?;
                }
            }
            if self.closes(b'}')? {
                return Some(());
            }
        }
    }

    /// After a member or an item: `,` (false) or `close` (true), and past it.
    fn closes(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let c = self.peek()?;
        self.i += 1;
        if c == b',' {
            self.ws();
            Some(false)
        } else {
            (c == close).then_some(true)
        }
    }

    /// After `[`: the items, up to and past `]`.
    fn array(&mut self, depth: u32) -> Option<()> {
        self.i += 1;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(());
        }
        loop {
            self.value(depth)?;
            if self.closes(b']')? {
                return Some(());
            }
        }
    }

    /// One value, inside `depth` levels of nesting. (Kinds, not slots, are returned, and a
    /// string's place is left in the scanner: a small value comes back in a register.)
    fn value(&mut self, depth: u32) -> Option<Kind> {
        Some(match self.peek()? {
            b'"' => return self.string(),
            b'{' | b'[' if depth >= MAX_DEPTH => return None,
            b'{' => {
                self.object(depth + 1, None, None)?;
                Kind::Obj
            }
            b'[' => {
                self.array(depth + 1)?;
                Kind::Arr
            }
            b'n' => self.literal(b"null", Kind::Null)?,
            b't' => self.literal(b"true", Kind::True)?,
            b'f' => self.literal(b"false", Kind::False)?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        })
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Option<Kind> {
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(kind)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)?`, at most 30 characters; an exponent gives up.
    fn number(&mut self) -> Option<Kind> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek()? {
            b'0' => self.i += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            let first = self.i;
            self.digits();
            if self.i == first {
                return None;
            }
        }
        match self.peek() {
            Some(b'e' | b'E' | b'0'..=b'9') => None,
            _ => (self.i - start <= 30).then_some(Kind::Num),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    /// At `"`: a string, up to and past its closing quote. Escapes are checked (a `\u`
    /// escape of a surrogate gives up); a control character gives up.
    /// Where its text lies is left in `span`.
    #[inline(always)]
    fn string(&mut self) -> Option<Kind> {
        self.i += 1;
        let start = self.i;
        let mut kind = Kind::Str;
        loop {
            // Eight bytes at a time to the next quote, backslash or control character.
            while let Some(chunk) = self.b.get(self.i..self.i + 8) {
                let word = u64::from_le_bytes(chunk.try_into().ok()?);
                let marks = specials(word);
                if marks != 0 {
                    self.i += marks.trailing_zeros() as usize / 8;
                    break;
                }
                self.i += 8;
            }
            match self.peek()? {
                b'"' => {
                    // The body's length fits in 32 bits (checked first).
                    self.span = start as u64 | (self.i as u64) << 32;
                    self.i += 1;
                    return Some(kind);
                }
                b'\\' => {
                    kind = Kind::Escaped;
                    self.escape()?;
                }
                0..0x20 => return None,
                _ => self.i += 1,
            }
        }
    }

    /// At `\`: one escape, past it.
    fn escape(&mut self) -> Option<()> {
        match *self.b.get(self.i + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 2,
            b'u' => {
                let code = hex4(self.b.get(self.i + 2..self.i + 6)?)?;
                if (0xD800..=0xDFFF).contains(&code) {
                    return None;
                }
                self.i += 6;
            }
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    /// The text of a string slot, its escapes decoded.
    fn text(body: &str, slot: Slot) -> Option<Cow<'_, str>> {
        match slot.kind {
            Kind::Str => raw(body, slot).map(Cow::Borrowed),
            Kind::Escaped => unescape(raw(body, slot)?).map(Cow::Owned),
            _ => None,
        }
    }

    fn scan(body: &str) -> Option<(Fields, Fields)> {
        let (mut top, mut nested) = (Fields::new(), None);
        read_body(body, &mut top, (K::LAST_MESSAGE, &mut nested), K::messages)?;
        Some((top, nested.unwrap_or_else(Fields::new)))
    }

    #[test]
    fn accepts_only_what_serde_json_accepts() {
        let bodies = [
            r#"{}"#,
            r#" { "a" : [ 1 , -2.5 , 0 , -0.0 , true , false , null , "x" , { } , [ ] ] } "#,
            r#"{"a": "\" \\ \/ \b \f \n \r \t \u00e9 \u0000"}"#,
            r#"{"a": 1,}"#,
            r#"{"a": [1,]}"#,
            r#"{"a" 1}"#,
            r#"{"a": 01}"#,
            r#"{"a": 1.}"#,
            r#"{"a": -}"#,
            r#"{"a": .5}"#,
            r#"{"a": +1}"#,
            r#"{"a": tru}"#,
            r#"{"a": nulll}"#,
            r#"{"a": "\x"}"#,
            r#"{"a": "\u12G4"}"#,
            "{\"a\": \"tab\there\"}",
            r#"{"a": 1} x"#,
            r#"{"a": 1}}"#,
            r#"{1: 1}"#,
            r#"[]"#,
            r#""#,
            "\u{feff}{}",
            r#"{"a": {"b": [{"c": "d"}]}}"#,
            r#"{"a": "0123456789abcdef\"0123456789abcdef"}"#,
        ];
        for body in bodies {
            let serde =
                serde_json::from_str::<serde_json::Value>(body).is_ok_and(|v| v.is_object());
            assert_eq!(scan(body).is_some(), serde, "{body}");
        }
        let deep = format!(r#"{{"x": {}{}}}"#, "[".repeat(200), "]".repeat(200));
        assert!(scan(&deep).is_none());
    }

    #[test]
    fn gives_up_on_what_it_does_not_take_on() {
        for body in [
            r#"{"a": 1e5}"#,
            r#"{"a": 1234567890123456789012345678901}"#,
            r#"{"a": "\ud83d\ude00"}"#,
            r#"{"\u005fid_": "x"}"#,
            r#"{"_id_": "a", "_id_": "b"}"#,
            r#"{"v": "1.1", "messages": []}"#,
            r#"{"LAST_MESSAGE": {"messages": 1}}"#,
        ] {
            assert!(
                serde_json::from_str::<serde_json::Value>(body).is_ok(),
                "{body}"
            );
            assert!(scan(body).is_none(), "{body}");
        }
    }

    #[test]
    fn known_keys_are_found_with_their_text() {
        let body = r#"{"x": {"_id_": 1}, "_id_": "M\n1", "message": "hola",
            "LAST_MESSAGE": {"_id_": "L1", "date": null}, "fromCustomer": true}"#;
        let (top, nested) = scan(body).unwrap();
        assert_eq!(text(body, top.get(K::_id_)).as_deref(), Some("M\n1"));
        assert_eq!(text(body, top.get(K::message)).as_deref(), Some("hola"));
        assert_eq!(top.get(K::fromCustomer).kind, Kind::True);
        assert_eq!(top.get(K::LAST_MESSAGE).kind, Kind::Obj);
        assert!(!top.has(K::date));
        assert_eq!(text(body, nested.get(K::_id_)).as_deref(), Some("L1"));
        assert_eq!(nested.get(K::date).kind, Kind::Null);
    }

    #[test]
    fn strings_of_every_length_end_at_their_quote() {
        for n in 0..40 {
            let s = "é".repeat(n % 7) + &"a".repeat(n);
            for tail in ["", "\\n", "\\u00e9x"] {
                let body = format!(r#"{{"message": "{s}{tail}", "from": "user"}}"#);
                let (top, _) = scan(&body).unwrap();
                let want = serde_json::from_str::<serde_json::Value>(&body).unwrap();
                assert_eq!(
                    text(&body, top.get(K::message)).as_deref(),
                    want["message"].as_str()
                );
                assert_eq!(text(&body, top.get(K::from)).as_deref(), Some("user"));
            }
        }
    }
}
