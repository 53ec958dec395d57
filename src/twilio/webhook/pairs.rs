//! The borrowed form decoder: a name or value that holds no `%` and no `+` is a slice of
//! the body itself; only the others are decoded, one after the other, into one string.
//!
//! It reads well-formed bodies, which is what Twilio sends. Anything else (a bad `%`, bytes
//! that are not UTF-8) is handed to the reference decoder in `form`, whose result (and
//! error, naming the parameter) is the one returned: both decoders agree on every input.

use std::fmt;

use crate::error::ParseError;
use crate::event::InboundEvent;
use crate::provider::WebhookRequest;

use super::form::{FormError, decode_form, percent_byte};
use super::{InboundParams, Params, StatusParams};

/// One name or value: where it lies in the body, or (with [`IN_DECODED`] set in `start`)
/// in the decoded text. Eight bytes, so that it travels in a register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    start: u32,
    end: u32,
}

/// The bit of [`Piece::start`] that says the piece is in the decoded text. Inputs are
/// shorter than 2 GiB, so offsets never reach it.
const IN_DECODED: u32 = 1 << 31;

/// The parameters of a form body (or query string), in the order received, decoded, mostly
/// borrowed from the body.
/// `Debug` lists the names only, as [`Params`] does: values carry message text and phone
/// numbers.
#[derive(Clone, PartialEq, Eq, Default)]
pub(crate) struct FormPairs<'a> {
    /// The body, once known to be UTF-8.
    raw: &'a str,
    /// The names and values that held `%` or `+`, decoded, one after the other.
    decoded: String,
    pairs: Vec<(Piece, Piece)>,
}

impl fmt::Debug for FormPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormPairs")
            .field("names", &self.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

impl<'a> FormPairs<'a> {
    /// Decodes a form body: the same parameters as [`decode_form`], and the same error.
    pub(crate) fn decode(input: &'a [u8]) -> Result<Self, FormError> {
        match Decoder::run(input) {
            Some(pairs) => Ok(pairs),
            None => decode_form(input).map(FormPairs::from_params),
        }
    }

    /// The parameters of a webhook request, read as [`Params::from_request`] reads them.
    pub(crate) fn from_request(request: &'a WebhookRequest) -> Result<Self, ParseError> {
        if request.method() == http::Method::GET {
            return Ok(Self::decode(request.query().unwrap_or("").as_bytes())?);
        }
        // The content type by its predefined header name: no name to parse and hash.
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim());
        match content_type {
            None | Some("") => Ok(Self::decode(request.body())?),
            Some(ct) if ct.eq_ignore_ascii_case("application/x-www-form-urlencoded") => {
                Ok(Self::decode(request.body())?)
            }
            Some(ct) => Err(ParseError::UnsupportedContentType {
                content_type: ct.to_owned(),
            }),
        }
    }

    /// Parameters already decoded by the reference decoder.
    fn from_params(params: Params) -> Self {
        let pairs = params
            .spans
            .iter()
            .map(|s| {
                (
                    Piece::decoded(s.name_start, s.name_end),
                    Piece::decoded(s.name_end, s.value_end),
                )
            })
            .collect();
        FormPairs {
            raw: "",
            decoded: params.text,
            pairs,
        }
    }

    fn text(&self, p: Piece) -> &str {
        let source = if p.is_decoded() {
            self.decoded.as_str()
        } else {
            self.raw
        };
        source.get(p.range()).unwrap_or_default()
    }

    /// Every parameter, in the order received.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.pairs
            .iter()
            .map(|&(name, value)| (self.text(name), self.text(value)))
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// Every parameter, in the order received, as slices.
    pub(crate) fn slices(&self) -> Vec<(&str, &str)> {
        self.iter().collect()
    }

    /// The normalized events, as [`Params::to_events`] makes them.
    pub(crate) fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        events(&self.slices())
    }
}

/// The normalized events of a webhook's parameters, as [`Params::to_events`] makes them.
pub(crate) fn events(pairs: &[(&str, &str)]) -> Result<Vec<InboundEvent>, ParseError> {
    const STATUS: &str = "MessageStatus";
    let event = if pairs.iter().any(|(name, _)| *name == STATUS) {
        InboundEvent::Status(StatusParams::read(pairs.iter().copied())?.to_status()?)
    } else {
        InboundEvent::Message(InboundParams::read(pairs.iter().copied())?.to_message()?)
    };
    Ok(vec![event])
}

/// One pass over a well-formed body, eight bytes at a time: each `&`, `=`, `%` and `+` is
/// found with bit arithmetic on a 64-bit word, and the plain runs between them are never
/// looked at byte by byte (nor copied, unless their name or value holds `%` or `+`).
struct Decoder<'a> {
    bytes: &'a [u8],
    decoded: Vec<u8>,
    pairs: Vec<(Piece, Piece)>,
    /// Where the current name-value piece starts.
    piece_start: usize,
    /// The name, once its `=` is seen.
    name: Option<Piece>,
    /// Where the current name or value starts.
    seg_start: usize,
    /// The bytes of the current name or value from here on are not yet decoded.
    copied: usize,
    /// Where the current name or value starts in the decoded text, once it holds an escape.
    decoded_start: Option<usize>,
}

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const LOWS: u64 = u64::from_ne_bytes([0x7f; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `x` that is not `byte` (exactly: no carries between bytes).
fn differs(x: u64, byte: u8) -> u64 {
    let t = x ^ (ONES * u64::from(byte));
    ((t & LOWS).wrapping_add(LOWS)) | t
}

/// The last bytes of an input, zero-padded to a word (a zero byte is never special).
#[cold]
fn tail(rest: &[u8]) -> [u8; 8] {
    let mut word = [0u8; 8];
    for (slot, b) in word.iter_mut().zip(rest) {
        *slot = *b;
    }
    word
}

/// The high bit of each byte of `x` that is `&`, `=`, `%` or `+`, and of no other.
fn specials(x: u64) -> u64 {
    !(differs(x, b'&') & differs(x, b'=') & differs(x, b'%') & differs(x, b'+')) & HIGHS
}

impl<'a> Decoder<'a> {
    /// The parameters of `input`; `None` when it is not a well-formed form body in UTF-8
    /// (or is 2 GiB long or more).
    fn run(input: &'a [u8]) -> Option<FormPairs<'a>> {
        if input.len() >= IN_DECODED as usize {
            return None;
        }
        let raw = std::str::from_utf8(input).ok()?;
        let mut d = Decoder {
            bytes: input,
            // The decoded text is never longer than the input.
            decoded: Vec::with_capacity(input.len()),
            pairs: Vec::with_capacity(24),
            piece_start: 0,
            name: None,
            seg_start: 0,
            copied: 0,
            decoded_start: None,
        };
        let mut at = 0;
        while at < input.len() {
            let word = match input.get(at..at + 8) {
                Some(chunk) => <[u8; 8]>::try_from(chunk).unwrap_or_default(),
                None => tail(input.get(at..).unwrap_or_default()),
            };
            let mut found = specials(u64::from_le_bytes(word));
            while found != 0 {
                let i = at + (found.trailing_zeros() / 8) as usize;
                found &= found - 1;
                d.special(i)?;
            }
            at += 8;
        }
        d.end_piece(input.len());
        let decoded = String::from_utf8(d.decoded).ok()?;
        // The decoded text is UTF-8 as a whole; each decoded piece must also start and end
        // on character boundaries (`%C3=%A9` splits a character between name and value).
        // Pieces of the body are bounded by ASCII delimiters, so they always do.
        let on_boundaries = d.pairs.iter().flat_map(|(n, v)| [n, v]).all(|p| {
            let r = p.range();
            !p.is_decoded()
                || (decoded.is_char_boundary(r.start) && decoded.is_char_boundary(r.end))
        });
        on_boundaries.then_some(FormPairs {
            raw,
            decoded,
            pairs: d.pairs,
        })
    }

    /// Handles the `&`, `=`, `%` or `+` at `i`. `None` for a `%` not followed by two
    /// hexadecimal digits.
    fn special(&mut self, i: usize) -> Option<()> {
        match self.bytes.get(i).copied() {
            Some(b'&') => {
                self.end_piece(i);
                self.piece_start = i + 1;
                self.seg_start = i + 1;
                self.copied = i + 1;
            }
            // The first `=` ends the name; a later one is part of the value.
            Some(b'=') if self.name.is_none() => {
                self.name = Some(self.end_segment(i));
                self.seg_start = i + 1;
                self.copied = i + 1;
            }
            Some(b'=') | None => {}
            Some(b) => {
                if self.decoded_start.is_none() {
                    self.decoded_start = Some(self.decoded.len());
                }
                // Escapes often follow each other (`%3A%2B`): no copy call for nothing.
                if self.copied < i {
                    self.decoded
                        .extend_from_slice(self.bytes.get(self.copied..i).unwrap_or_default());
                }
                if b == b'+' {
                    self.decoded.push(b' ');
                    self.copied = i + 1;
                } else {
                    // The hexadecimal digits after it are never `&`, `=`, `%` or `+`.
                    self.decoded.push(percent_byte(self.bytes, i)?);
                    self.copied = i + 3;
                }
            }
        }
        Some(())
    }

    /// Ends the current name or value at `end`.
    #[inline(always)]
    fn end_segment(&mut self, end: usize) -> Piece {
        match self.decoded_start.take() {
            None => Piece::raw(self.seg_start, end),
            Some(from) => {
                self.decoded
                    .extend_from_slice(self.bytes.get(self.copied..end).unwrap_or_default());
                Piece::decoded(from, self.decoded.len())
            }
        }
    }

    /// Ends the current piece at `end` (an `&` or the end of the input); an empty piece
    /// is skipped, and a piece without `=` is a name with an empty value.
    fn end_piece(&mut self, end: usize) {
        let last = self.end_segment(end);
        let pair = match self.name.take() {
            Some(name) => (name, last),
            None => (last, Piece::raw(end, end)),
        };
        if end > self.piece_start {
            self.pairs.push(pair);
        }
    }
}

impl Piece {
    /// A slice of the body (whose length was checked to be below 2 GiB).
    #[allow(clippy::cast_possible_truncation)]
    fn raw(start: usize, end: usize) -> Self {
        Piece {
            start: start as u32 & !IN_DECODED,
            end: end as u32,
        }
    }

    /// A slice of the decoded text (never longer than the body).
    #[allow(clippy::cast_possible_truncation)]
    fn decoded(start: usize, end: usize) -> Self {
        Piece {
            start: start as u32 | IN_DECODED,
            end: end as u32,
        }
    }

    fn is_decoded(self) -> bool {
        self.start & IN_DECODED != 0
    }

    fn range(self) -> std::ops::Range<usize> {
        (self.start & !IN_DECODED) as usize..self.end as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(input: &[u8]) -> Vec<(String, String)> {
        FormPairs::decode(input)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn reference(input: &[u8]) -> Result<Vec<(String, String)>, FormError> {
        decode_form(input).map(|p| {
            p.iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect()
        })
    }

    #[test]
    fn borrows_plain_pieces_and_decodes_the_others() {
        let form = FormPairs::decode(b"a=b&c=d+e%26f&&g&h=&i=j=k&%C3%B1=%E2%82%AC").unwrap();
        let got: Vec<(&str, &str)> = form.iter().collect();
        assert_eq!(
            got,
            [
                ("a", "b"),
                ("c", "d e&f"),
                ("g", ""),
                ("h", ""),
                ("i", "j=k"),
                ("ñ", "€")
            ]
        );
        // Only `d+e%26f`, `ñ` and `€` were decoded; the rest are slices of the body.
        assert_eq!(form.decoded, "d e&fñ€");
        assert!(!form.raw.is_empty());
        assert_eq!(form.get("i"), Some("j=k"));
        assert_eq!(form.get("z"), None);
    }

    #[test]
    fn edge_cases_match_the_reference_decoder() {
        let cases: &[&[u8]] = &[
            b"",
            b"&",
            b"&&",
            b"=",
            b"==",
            b"=x",
            b"a",
            b"a&",
            b"&a",
            b"a=",
            b"a=1&a=2&a=1",
            b"+=+",
            b"a+b=c+d",
            b"%41%42=%43",
            b"%4a=%4A",
            b"a%3Db=c%26d",
            b"x=%2B%25%26%3D",
            b"ProfileName=Jane+Doe&Body=Here%27s+the+photo+%26+receipt",
            b"a=caf\xc3\xa9&b=%C3%A9t%C3%A9",
            b"k=v&&&k2=v2&",
            // Malformed: the reference decoder's error, naming the parameter.
            b"Body=50%&To=x",
            b"Body=%4",
            b"Body=%",
            b"Body=%zz",
            b"Body=%z1",
            b"Body=%1z",
            b"Bo%zzdy=1",
            b"Bo%4=1",
            b"Body=%C3%28",
            b"Body=%C3",
            b"Body=%FF",
            b"A=1&Name%C3=%A9",
            b"A=%C3&B=%A9",
            b"%C3=%A9",
            b"Body=\xff",
            b"B\xffody=1",
            b"Body=caf\xc3",
            b"a=%C3%A9&b=%E2%82",
        ];
        for &input in cases {
            let fast = FormPairs::decode(input).map(|f| {
                f.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect::<Vec<_>>()
            });
            assert_eq!(
                fast,
                reference(input),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn errors_are_typed_and_name_the_parameter() {
        let e = FormPairs::decode(b"To=x&Body=50%zz").unwrap_err();
        assert_eq!(e.param, "Body");
        assert!(e.reason.contains("two hexadecimal digits"), "{}", e.reason);
        let e = FormPairs::decode(b"Body=%4").unwrap_err();
        assert_eq!(e.param, "Body");
        let e = FormPairs::decode(b"Body=%C3%28&To=x").unwrap_err();
        assert_eq!(e.param, "Body");
        assert!(e.reason.contains("UTF-8"), "{}", e.reason);
        let e = FormPairs::decode(b"A=1&Body=\xff").unwrap_err();
        assert_eq!(e.param, "Body");
    }

    #[test]
    fn finds_exactly_the_special_bytes() {
        for special in [b'&', b'=', b'%', b'+'] {
            for at in 0..8 {
                // Neighbours one above and below each special byte, and high bytes.
                for filler in [special - 1, special + 1, 0x80 | special, 0xff, 0] {
                    if matches!(filler, b'&' | b'=' | b'%' | b'+') {
                        continue;
                    }
                    let mut word = [filler; 8];
                    word[at] = special;
                    let found = specials(u64::from_le_bytes(word));
                    assert_eq!(found, 0x80 << (8 * at), "{special} at {at} among {filler}");
                }
            }
        }
        assert_eq!(
            specials(u64::from_le_bytes(*b"a&b=c%d+")),
            0x8000_8000_8000_8000
        );
    }

    #[test]
    fn random_inputs_match_the_reference_decoder() {
        let alphabet: &[&[u8]] = &[
            b"a",
            b"Z",
            b"=",
            b"&",
            b"+",
            b"%",
            b"%2",
            b"%41",
            b"%2B",
            b"%26",
            b"%3D",
            b"%C3",
            b"%A9",
            b"\xc3\xa9",
            b"\xff",
            b"0",
            b"g",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let input: Vec<u8> = (0..rng.usize(0..12))
                .flat_map(|_| alphabet[rng.usize(..alphabet.len())].iter().copied())
                .collect();
            let fast = FormPairs::decode(&input).map(|f| {
                f.iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect::<Vec<_>>()
            });
            assert_eq!(
                fast,
                reference(&input),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
        // Long plain runs, as in real bodies, across many eight-byte words.
        assert_eq!(
            pairs(&[b"MediaUrl0=".as_slice(), &[b'x'; 300], b"%2F", &[b'y'; 70]].concat())[0]
                .1
                .len(),
            371
        );
    }
}
