//! Twilio's webhooks: the raw parameters, typed views of the inbound-message and
//! status-callback parameters, and their normalization to [`InboundEvent`]s.
//!
//! Twilio posts `application/x-www-form-urlencoded` bodies (or, for webhooks configured as
//! `GET`, puts the same parameters in the query string). Every value is a string.
//! [`Params`] keeps them all, in the order received, decoded; [`InboundParams`] and
//! [`StatusParams`] read the parameters Twilio documents; [`parse_request`] turns a request
//! into events.
//!
//! Parameters this crate does not know are kept in [`Params`] and never make parsing fail.
//! Malformed input does, with a [`ParseError`] naming the parameter: bad percent-encoding,
//! invalid UTF-8, `MediaUrl{N}` parameters that do not match `NumMedia`, a `Latitude` or
//! `Longitude` that is not a number, a missing `MessageSid`.
//!
//! ```
//! use whatsapp_connector::twilio::webhook::parse_request;
//! use whatsapp_connector::{MessageContent, WebhookRequest};
//!
//! let body = "MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B14155550100\
//!             &To=whatsapp%3A%2B14155238886&Body=hola&NumMedia=0&ProfileName=Ana";
//! let request = WebhookRequest::new("https://bot.example.com/twilio", body)
//!     .with_header("content-type", "application/x-www-form-urlencoded");
//! let events = parse_request(&request).unwrap();
//! let message = events[0].as_message().unwrap();
//! assert_eq!(message.from.as_ref().unwrap().to_string(), "+14155550100");
//! assert_eq!(message.content, MessageContent::Text { body: "hola".into() });
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    DeliveryStatus, InboundEvent, InboundMessage, MediaItem, MessageContent, StatusError,
    StatusUpdate,
};
use crate::provider::{ProviderKind, WebhookRequest};

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
struct Span {
    name_start: usize,
    name_end: usize,
    value_end: usize,
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
                let byte = match (input.get(j + 1), input.get(j + 2)) {
                    (Some(&hi), Some(&lo)) => hex_value(hi).zip(hex_value(lo)),
                    _ => None,
                };
                let Some((hi, lo)) = byte else {
                    let param = match name_end {
                        Some(end) => lossy(buf.get(name_start..end)),
                        None => {
                            let raw = input.get(raw_start..).unwrap_or_default();
                            let stop = raw
                                .iter()
                                .position(|&b| b == b'=' || b == b'&')
                                .unwrap_or(raw.len());
                            lossy(raw.get(..stop))
                        }
                    };
                    return Err(FormError {
                        param,
                        reason: BAD_PERCENT,
                    });
                };
                buf.push((hi << 4) | lo);
                i = j + 3;
            }
        }
    }
    let text = match String::from_utf8(buf) {
        Ok(t) => t,
        Err(e) => {
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
            return Err(FormError {
                param: lossy(bytes.get(span.name_start..span.name_end)),
                reason: BAD_UTF8,
            });
        }
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

fn lossy(bytes: Option<&[u8]>) -> String {
    String::from_utf8_lossy(bytes.unwrap_or_default()).into_owned()
}

/// The parameters of a webhook, decoded, in the order received, unknown ones included.
///
/// `Debug` lists the names only: values carry message text and phone numbers.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Params {
    /// Every name and value, decoded, one after the other.
    text: String,
    spans: Vec<Span>,
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Params")
            .field("names", &self.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .finish()
    }
}

/// The business number a webhook names: `To` of an inbound message, `From` of a status
/// callback. `None` when the request is not a form Twilio would send.
pub(crate) fn business_address(request: &WebhookRequest) -> Option<String> {
    let params = Params::from_request(request).ok()?;
    let name = if params.get("MessageStatus").is_some() {
        "From"
    } else {
        "To"
    };
    params.get(name).map(str::to_owned)
}

impl Params {
    /// Decodes a form body. An error names the parameter that is not valid form encoding
    /// or not UTF-8.
    pub fn from_form(body: &[u8]) -> Result<Self, ParseError> {
        Ok(decode_form(body)?)
    }

    /// Decodes a query string (without its `?`).
    pub fn from_query(query: &str) -> Result<Self, ParseError> {
        Self::from_form(query.as_bytes())
    }

    /// The parameters of a webhook request: the query string of a `GET`, else the form
    /// body. A body that is not a form (JSON, for one) is
    /// [`ParseError::UnsupportedContentType`]; a missing content type is read as a form.
    pub fn from_request(request: &WebhookRequest) -> Result<Self, ParseError> {
        if request.method() == http::Method::GET {
            return Self::from_query(request.query().unwrap_or(""));
        }
        // The content type by its predefined header name: no name to parse and hash.
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|ct| ct.split(';').next().unwrap_or("").trim());
        match content_type {
            None | Some("") => Self::from_form(request.body()),
            Some(ct) if ct.eq_ignore_ascii_case("application/x-www-form-urlencoded") => {
                Self::from_form(request.body())
            }
            Some(ct) => Err(ParseError::UnsupportedContentType {
                content_type: ct.to_owned(),
            }),
        }
    }

    /// Parameters from name-value pairs, in order.
    pub fn from_pairs<K, V, I>(pairs: I) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
        I: IntoIterator<Item = (K, V)>,
    {
        let mut params = Params::default();
        for (k, v) in pairs {
            let name_start = params.text.len();
            params.text.push_str(k.as_ref());
            let name_end = params.text.len();
            params.text.push_str(v.as_ref());
            params.spans.push(Span {
                name_start,
                name_end,
                value_end: params.text.len(),
            });
        }
        params
    }

    fn pair(&self, s: &Span) -> (&str, &str) {
        (
            self.text.get(s.name_start..s.name_end).unwrap_or_default(),
            self.text.get(s.name_end..s.value_end).unwrap_or_default(),
        )
    }

    /// Every parameter, in the order received.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.spans.iter().map(|s| self.pair(s))
    }

    /// The first value of `name` (names are case-sensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        // Names compared as bytes: no character-boundary checks for the names passed over.
        let bytes = self.text.as_bytes();
        self.spans
            .iter()
            .find(|s| bytes.get(s.name_start..s.name_end) == Some(name.as_bytes()))
            .map(|s| self.pair(s).1)
    }

    /// Every value of `name`, in order.
    pub fn get_all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.iter().filter(move |(k, _)| *k == name).map(|(_, v)| v)
    }

    /// How many parameters there are (repeats counted).
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// True for a status callback (it carries `MessageStatus`), false for an inbound
    /// message.
    pub fn is_status_callback(&self) -> bool {
        self.get("MessageStatus").is_some()
    }

    /// The typed view: a status callback when `MessageStatus` is present, else an inbound
    /// message.
    pub fn typed(&self) -> Result<Webhook<'_>, ParseError> {
        if self.is_status_callback() {
            StatusParams::from_params(self).map(|p| Webhook::Status(Box::new(p)))
        } else {
            InboundParams::from_params(self).map(|p| Webhook::Inbound(Box::new(p)))
        }
    }

    /// The normalized events: one message or one status change.
    pub fn to_events(&self) -> Result<Vec<InboundEvent>, ParseError> {
        let event = if self.is_status_callback() {
            InboundEvent::Status(StatusParams::from_params(self)?.to_status()?)
        } else {
            InboundEvent::Message(InboundParams::from_params(self)?.to_message()?)
        };
        Ok(vec![event])
    }
}

/// Parses a Twilio webhook request into events (one message, or one status change).
pub fn parse_request(request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
    Params::from_request(request)?.to_events()
}

/// What a Twilio webhook is.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Webhook<'a> {
    /// A message a user sent.
    Inbound(Box<InboundParams<'a>>),
    /// A change in the status of a message the bot sent.
    Status(Box<StatusParams<'a>>),
}

/// One media item of an inbound message: `MediaUrl{N}` and `MediaContentType{N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaParam<'a> {
    /// `MediaUrl{N}`: fetch it with the account's credentials
    /// ([`TwilioProvider::download_media`](super::TwilioProvider::download_media)).
    pub url: &'a str,
    /// `MediaContentType{N}`.
    pub content_type: Option<&'a str>,
}

/// The click-to-WhatsApp ad a conversation started from (`Referral*` parameters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Referral<'a> {
    /// `ReferralBody`.
    pub body: Option<&'a str>,
    /// `ReferralHeadline`.
    pub headline: Option<&'a str>,
    /// `ReferralSourceId`.
    pub source_id: Option<&'a str>,
    /// `ReferralSourceType` (`post`, `ad`).
    pub source_type: Option<&'a str>,
    /// `ReferralSourceUrl`.
    pub source_url: Option<&'a str>,
    /// `ReferralMediaId`: Meta's media id, not a Twilio media SID.
    pub media_id: Option<&'a str>,
    /// `ReferralMediaContentType`.
    pub media_content_type: Option<&'a str>,
    /// `ReferralMediaUrl`.
    pub media_url: Option<&'a str>,
    /// `ReferralNumMedia` (`0` on every WhatsApp message, ad or not).
    pub num_media: Option<&'a str>,
    /// `ReferralCtwaClid`: the click id for Meta's Conversions API.
    pub ctwa_clid: Option<&'a str>,
}

impl Referral<'_> {
    /// True when the message came from an ad or post (any field but `ReferralNumMedia`).
    pub fn is_present(&self) -> bool {
        self.body.is_some()
            || self.headline.is_some()
            || self.source_id.is_some()
            || self.source_type.is_some()
            || self.source_url.is_some()
            || self.media_id.is_some()
            || self.media_content_type.is_some()
            || self.media_url.is_some()
            || self.ctwa_clid.is_some()
    }
}

/// The parameters of an inbound WhatsApp message, typed.
///
/// An empty value reads as absent. Flags (`Forwarded`, …) are `Some(true)`/`Some(false)` for
/// `true`/`false` (any letter case) and `None` otherwise. The raw [`Params`] keep
/// everything exactly as received.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InboundParams<'a> {
    /// `MessageSid` (`SM…`, or `MM…` for some media messages).
    pub message_sid: &'a str,
    /// `SmsSid` (deprecated; the same SID).
    pub sms_sid: Option<&'a str>,
    /// `SmsMessageSid` (deprecated; the same SID).
    pub sms_message_sid: Option<&'a str>,
    /// `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// `MessagingServiceSid`.
    pub messaging_service_sid: Option<&'a str>,
    /// `From`: `whatsapp:+E164`, or a business-scoped user id such as `whatsapp:US.ABC123`.
    pub from: Option<&'a str>,
    /// `To`: the business's address.
    pub to: Option<&'a str>,
    /// `Body`.
    pub body: Option<&'a str>,
    /// `NumMedia` (0 when absent).
    pub num_media: usize,
    /// `MediaUrl{N}` with `MediaContentType{N}`, for N from 0 to `NumMedia - 1`.
    pub media: Vec<MediaParam<'a>>,
    /// `NumSegments`.
    pub num_segments: Option<&'a str>,
    /// `SmsStatus` (`received`).
    pub sms_status: Option<&'a str>,
    /// `ApiVersion`.
    pub api_version: Option<&'a str>,
    /// `MessageType` (`text`, `image`, `location`, `interactive`, `button`, …).
    pub message_type: Option<&'a str>,
    /// `ProfileName`: the sender's WhatsApp profile name.
    pub profile_name: Option<&'a str>,
    /// `WaId`: the sender's WhatsApp id (digits, no `+`).
    pub wa_id: Option<&'a str>,
    /// `ExternalUserId` (or `ExternalUserIdentifier`): the business-scoped user id.
    pub external_user_id: Option<&'a str>,
    /// `Forwarded`.
    pub forwarded: Option<bool>,
    /// `FrequentlyForwarded`.
    pub frequently_forwarded: Option<bool>,
    /// `ButtonText`: the visible text of the pressed button.
    pub button_text: Option<&'a str>,
    /// `ButtonPayload`: the payload or id of the pressed button.
    pub button_payload: Option<&'a str>,
    /// `ButtonType` (`REPLY`, `ACTION`).
    pub button_type: Option<&'a str>,
    /// `InteractiveData` (a JSON string).
    pub interactive_data: Option<&'a str>,
    /// `FlowData` (a JSON string).
    pub flow_data: Option<&'a str>,
    /// `ChannelMetadata` (a JSON string).
    pub channel_metadata: Option<&'a str>,
    /// `Latitude`.
    pub latitude: Option<f64>,
    /// `Longitude`.
    pub longitude: Option<f64>,
    /// `Address`.
    pub address: Option<&'a str>,
    /// `Label`.
    pub label: Option<&'a str>,
    /// The `Referral*` parameters.
    pub referral: Referral<'a>,
    /// `OriginalRepliedMessageSid`: the message this one replies to.
    pub original_replied_message_sid: Option<&'a str>,
    /// `OriginalRepliedMessageSender`.
    pub original_replied_message_sender: Option<&'a str>,
    /// `FromCity`.
    pub from_city: Option<&'a str>,
    /// `FromState`.
    pub from_state: Option<&'a str>,
    /// `FromZip`.
    pub from_zip: Option<&'a str>,
    /// `FromCountry`.
    pub from_country: Option<&'a str>,
    /// `ToCity`.
    pub to_city: Option<&'a str>,
    /// `ToState`.
    pub to_state: Option<&'a str>,
    /// `ToZip`.
    pub to_zip: Option<&'a str>,
    /// `ToCountry`.
    pub to_country: Option<&'a str>,
}

fn flag(v: &str) -> Option<bool> {
    if v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn coordinate(name: &str, v: &str, max: f64) -> Result<f64, ParseError> {
    let x: f64 = v
        .trim()
        .parse()
        .map_err(|_| ParseError::invalid(name, format!("{v:?} is not a number")))?;
    if !x.is_finite() || x.abs() > max {
        return Err(ParseError::invalid(
            name,
            format!("{v:?} is outside -{max} to {max}"),
        ));
    }
    Ok(x)
}

/// The index of `MediaUrl{N}`-style names: `Some(N)` when `name` is `prefix` then digits.
fn indexed(name: &str, prefix: &str) -> Option<usize> {
    let digits = name.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // An index too large for usize can never match NumMedia.
    Some(digits.parse().unwrap_or(usize::MAX))
}

impl<'a> InboundParams<'a> {
    /// Reads the inbound-message parameters. Fails on a missing `MessageSid`, a `NumMedia`
    /// that is not a count, `MediaUrl{N}` parameters that do not match it, or a coordinate
    /// that is not a number in range.
    pub fn from_params(params: &'a Params) -> Result<Self, ParseError> {
        let mut p = InboundParams {
            message_sid: "",
            sms_sid: None,
            sms_message_sid: None,
            account_sid: None,
            messaging_service_sid: None,
            from: None,
            to: None,
            body: None,
            num_media: 0,
            media: Vec::new(),
            num_segments: None,
            sms_status: None,
            api_version: None,
            message_type: None,
            profile_name: None,
            wa_id: None,
            external_user_id: None,
            forwarded: None,
            frequently_forwarded: None,
            button_text: None,
            button_payload: None,
            button_type: None,
            interactive_data: None,
            flow_data: None,
            channel_metadata: None,
            latitude: None,
            longitude: None,
            address: None,
            label: None,
            referral: Referral::default(),
            original_replied_message_sid: None,
            original_replied_message_sender: None,
            from_city: None,
            from_state: None,
            from_zip: None,
            from_country: None,
            to_city: None,
            to_state: None,
            to_zip: None,
            to_country: None,
        };
        let mut message_sid = None;
        let mut num_media: Option<&str> = None;
        let mut latitude: Option<&str> = None;
        let mut longitude: Option<&str> = None;
        let mut external_user_identifier = None;
        let mut urls: Vec<(usize, &'a str)> = Vec::new();
        let mut types: Vec<(usize, &'a str)> = Vec::new();
        for (name, value) in params.iter() {
            if value.is_empty() {
                continue;
            }
            // The first value of a name counts; repeats stay in the raw parameters.
            let slot: &mut Option<&'a str> = match name {
                "MessageSid" => &mut message_sid,
                "SmsSid" => &mut p.sms_sid,
                "SmsMessageSid" => &mut p.sms_message_sid,
                "AccountSid" => &mut p.account_sid,
                "MessagingServiceSid" => &mut p.messaging_service_sid,
                "From" => &mut p.from,
                "To" => &mut p.to,
                "Body" => &mut p.body,
                "NumMedia" => &mut num_media,
                "NumSegments" => &mut p.num_segments,
                "SmsStatus" => &mut p.sms_status,
                "ApiVersion" => &mut p.api_version,
                "MessageType" => &mut p.message_type,
                "ProfileName" => &mut p.profile_name,
                "WaId" => &mut p.wa_id,
                "ExternalUserId" => &mut p.external_user_id,
                "ExternalUserIdentifier" => &mut external_user_identifier,
                "Forwarded" => {
                    p.forwarded = p.forwarded.or(flag(value));
                    continue;
                }
                "FrequentlyForwarded" => {
                    p.frequently_forwarded = p.frequently_forwarded.or(flag(value));
                    continue;
                }
                "ButtonText" => &mut p.button_text,
                "ButtonPayload" => &mut p.button_payload,
                "ButtonType" => &mut p.button_type,
                "InteractiveData" => &mut p.interactive_data,
                "FlowData" => &mut p.flow_data,
                "ChannelMetadata" => &mut p.channel_metadata,
                "Latitude" => &mut latitude,
                "Longitude" => &mut longitude,
                "Address" => &mut p.address,
                "Label" => &mut p.label,
                "ReferralBody" => &mut p.referral.body,
                "ReferralHeadline" => &mut p.referral.headline,
                "ReferralSourceId" => &mut p.referral.source_id,
                "ReferralSourceType" => &mut p.referral.source_type,
                "ReferralSourceUrl" => &mut p.referral.source_url,
                "ReferralMediaId" => &mut p.referral.media_id,
                "ReferralMediaContentType" => &mut p.referral.media_content_type,
                "ReferralMediaUrl" => &mut p.referral.media_url,
                "ReferralNumMedia" => &mut p.referral.num_media,
                "ReferralCtwaClid" => &mut p.referral.ctwa_clid,
                "OriginalRepliedMessageSid" => &mut p.original_replied_message_sid,
                "OriginalRepliedMessageSender" => &mut p.original_replied_message_sender,
                "FromCity" => &mut p.from_city,
                "FromState" => &mut p.from_state,
                "FromZip" => &mut p.from_zip,
                "FromCountry" => &mut p.from_country,
                "ToCity" => &mut p.to_city,
                "ToState" => &mut p.to_state,
                "ToZip" => &mut p.to_zip,
                "ToCountry" => &mut p.to_country,
                other => {
                    if let Some(i) = indexed(other, "MediaUrl") {
                        if !urls.iter().any(|(j, _)| *j == i) {
                            urls.push((i, value));
                        }
                    } else if let Some(i) = indexed(other, "MediaContentType") {
                        if !types.iter().any(|(j, _)| *j == i) {
                            types.push((i, value));
                        }
                    }
                    continue;
                }
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        p.message_sid = message_sid.ok_or_else(|| ParseError::missing("MessageSid"))?;
        if p.external_user_id.is_none() {
            p.external_user_id = external_user_identifier;
        }
        p.num_media = match num_media {
            Some(n) => n
                .trim()
                .parse()
                .map_err(|_| ParseError::invalid("NumMedia", format!("{n:?} is not a count")))?,
            None => urls.len(),
        };
        // Every index below NumMedia is present (the loop stops at the first missing one,
        // so a huge NumMedia costs nothing).
        for n in 0..p.num_media {
            let url = urls
                .iter()
                .find(|(i, _)| *i == n)
                .map(|(_, u)| *u)
                .ok_or_else(|| {
                    let why = match num_media {
                        Some(_) => format!("is missing though NumMedia is {}", p.num_media),
                        None => "is missing though a later MediaUrl is present".to_owned(),
                    };
                    ParseError::invalid(format!("MediaUrl{n}"), why)
                })?;
            let content_type = types.iter().find(|(i, _)| *i == n).map(|(_, t)| *t);
            p.media.push(MediaParam { url, content_type });
        }
        if let Some((i, _)) = urls.iter().find(|(i, _)| *i >= p.num_media) {
            return Err(ParseError::invalid(
                format!("MediaUrl{i}"),
                format!("NumMedia is {}, so there is no item {i}", p.num_media),
            ));
        }
        p.latitude = latitude
            .map(|v| coordinate("Latitude", v, 90.0))
            .transpose()?;
        p.longitude = longitude
            .map(|v| coordinate("Longitude", v, 180.0))
            .transpose()?;
        Ok(p)
    }

    /// `From` as an address (`None` when absent). An error names `From`.
    pub fn from_address(&self) -> Result<Option<WhatsAppAddress>, ParseError> {
        address("From", self.from)
    }

    /// `To` as an address (`None` when absent). An error names `To`.
    pub fn to_address(&self) -> Result<Option<WhatsAppAddress>, ParseError> {
        address("To", self.to)
    }

    /// What the message carries, normalized:
    ///
    /// - a button reply when `ButtonText` or `ButtonPayload` is present;
    /// - media when `NumMedia` is above 0 (every item, `Body` as the caption);
    /// - a location when `Latitude` and `Longitude` are present (`Label` as the name);
    /// - text when `Body` is not empty, or `MessageType` is `text`;
    /// - else unsupported, with the `MessageType` as the reason.
    pub fn content(&self) -> Result<MessageContent, ParseError> {
        if self.button_text.is_some() || self.button_payload.is_some() {
            return Ok(MessageContent::Button {
                text: self.button_text.map(str::to_owned),
                payload: self.button_payload.map(str::to_owned),
            });
        }
        if !self.media.is_empty() {
            return Ok(MessageContent::Media {
                items: self
                    .media
                    .iter()
                    .map(|m| MediaItem::new(m.url, m.content_type.map(str::to_owned)))
                    .collect(),
                caption: self.body.map(str::to_owned),
            });
        }
        match (self.latitude, self.longitude) {
            (Some(latitude), Some(longitude)) => {
                return Ok(MessageContent::Location {
                    latitude,
                    longitude,
                    name: self.label.map(str::to_owned),
                    address: self.address.map(str::to_owned),
                });
            }
            (Some(_), None) => return Err(ParseError::missing("Longitude")),
            (None, Some(_)) => return Err(ParseError::missing("Latitude")),
            (None, None) => {}
        }
        if let Some(body) = self.body {
            return Ok(MessageContent::Text {
                body: body.to_owned(),
            });
        }
        Ok(match self.message_type {
            Some("text") => MessageContent::Text {
                body: String::new(),
            },
            Some(t) => MessageContent::Unsupported {
                reason: t.to_owned(),
            },
            None => MessageContent::Unsupported {
                reason: "a message with no body, media, location or button".into(),
            },
        })
    }

    /// The normalized message.
    pub fn to_message(&self) -> Result<InboundMessage, ParseError> {
        let mut m = InboundMessage::new(ProviderKind::TWILIO, self.message_sid, self.content()?);
        m.from = self.from_address()?;
        m.to = self.to_address()?;
        m.profile_name = self.profile_name.map(str::to_owned);
        m.reply_to = self.original_replied_message_sid.map(str::to_owned);
        Ok(m)
    }
}

fn address(name: &str, value: Option<&str>) -> Result<Option<WhatsAppAddress>, ParseError> {
    value
        .map(|v| WhatsAppAddress::parse(v).map_err(|e| ParseError::invalid(name, e.to_string())))
        .transpose()
}

/// The parameters of a status callback, typed. An empty value reads as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusParams<'a> {
    /// `MessageSid`: the message whose status changed.
    pub message_sid: &'a str,
    /// `MessageStatus` (`queued`, `sent`, `delivered`, `read`, `undelivered`, `failed`, …).
    pub message_status: &'a str,
    /// `SmsSid` (deprecated; the same SID).
    pub sms_sid: Option<&'a str>,
    /// `SmsStatus`.
    pub sms_status: Option<&'a str>,
    /// `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// `MessagingServiceSid`.
    pub messaging_service_sid: Option<&'a str>,
    /// `From`: the business's address.
    pub from: Option<&'a str>,
    /// `To`: the recipient.
    pub to: Option<&'a str>,
    /// `ErrorCode` (`63016`, …), on failures.
    pub error_code: Option<&'a str>,
    /// `ErrorMessage`.
    pub error_message: Option<&'a str>,
    /// `ChannelStatusMessage`: the channel's own message about a failure.
    pub channel_status_message: Option<&'a str>,
    /// `ChannelInstallSid` (`XE…`).
    pub channel_install_sid: Option<&'a str>,
    /// `ChannelPrefix` (`whatsapp`).
    pub channel_prefix: Option<&'a str>,
    /// `ChannelToAddress`: the recipient's bare number, sometimes partly masked.
    pub channel_to_address: Option<&'a str>,
    /// `EventType` (`DELIVERED`, `READ`, `UNDELIVERED`). `READ` makes the status `read`;
    /// see [`status`](Self::status).
    pub event_type: Option<&'a str>,
    /// `StructuredMessage`.
    pub structured_message: Option<bool>,
    /// `RawDlrDoneDate` (SMS; `YYMMDDhhmm`).
    pub raw_dlr_done_date: Option<&'a str>,
    /// `ApiVersion`.
    pub api_version: Option<&'a str>,
}

impl<'a> StatusParams<'a> {
    /// Reads the status-callback parameters. Fails on a missing `MessageSid` or
    /// `MessageStatus`.
    pub fn from_params(params: &'a Params) -> Result<Self, ParseError> {
        let mut message_sid = None;
        let mut message_status = None;
        let mut p = StatusParams {
            message_sid: "",
            message_status: "",
            sms_sid: None,
            sms_status: None,
            account_sid: None,
            messaging_service_sid: None,
            from: None,
            to: None,
            error_code: None,
            error_message: None,
            channel_status_message: None,
            channel_install_sid: None,
            channel_prefix: None,
            channel_to_address: None,
            event_type: None,
            structured_message: None,
            raw_dlr_done_date: None,
            api_version: None,
        };
        for (name, value) in params.iter() {
            if value.is_empty() {
                continue;
            }
            let slot: &mut Option<&'a str> = match name {
                "MessageSid" => &mut message_sid,
                "MessageStatus" => &mut message_status,
                "SmsSid" => &mut p.sms_sid,
                "SmsStatus" => &mut p.sms_status,
                "AccountSid" => &mut p.account_sid,
                "MessagingServiceSid" => &mut p.messaging_service_sid,
                "From" => &mut p.from,
                "To" => &mut p.to,
                "ErrorCode" => &mut p.error_code,
                "ErrorMessage" => &mut p.error_message,
                "ChannelStatusMessage" => &mut p.channel_status_message,
                "ChannelInstallSid" => &mut p.channel_install_sid,
                "ChannelPrefix" => &mut p.channel_prefix,
                "ChannelToAddress" => &mut p.channel_to_address,
                "EventType" => &mut p.event_type,
                "StructuredMessage" => {
                    p.structured_message = p.structured_message.or(flag(value));
                    continue;
                }
                "RawDlrDoneDate" => &mut p.raw_dlr_done_date,
                "ApiVersion" => &mut p.api_version,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        p.message_sid = message_sid.ok_or_else(|| ParseError::missing("MessageSid"))?;
        p.message_status = message_status.ok_or_else(|| ParseError::missing("MessageStatus"))?;
        Ok(p)
    }

    /// The status. A WhatsApp read receipt can come as `MessageStatus=delivered` with
    /// `EventType=READ`: an `EventType` of `READ` (any letter case) makes the status
    /// [`DeliveryStatus::Read`], whatever `MessageStatus` says. Otherwise the status is
    /// `MessageStatus`. The raw values stay in [`message_status`](Self::message_status) and
    /// [`event_type`](Self::event_type).
    pub fn status(&self) -> DeliveryStatus {
        match self.event_type {
            Some(e) if e.trim().eq_ignore_ascii_case("read") => DeliveryStatus::Read,
            _ => DeliveryStatus::parse(self.message_status),
        }
    }

    /// The error of a failed delivery: `ErrorCode`, with `ErrorMessage` or else
    /// `ChannelStatusMessage` as its message.
    pub fn error(&self) -> Option<StatusError> {
        self.error_code.map(|code| {
            StatusError::new(
                code,
                self.error_message
                    .or(self.channel_status_message)
                    .map(str::to_owned),
            )
        })
    }

    /// The normalized status change; the recipient comes from `To`.
    pub fn to_status(&self) -> Result<StatusUpdate, ParseError> {
        let mut s = StatusUpdate::new(ProviderKind::TWILIO, self.status());
        s.message_id = Some(self.message_sid.to_owned());
        s.recipient = address("To", self.to)?;
        s.error = self.error();
        Ok(s)
    }
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

    #[test]
    fn indexed_names() {
        assert_eq!(indexed("MediaUrl0", "MediaUrl"), Some(0));
        assert_eq!(indexed("MediaUrl12", "MediaUrl"), Some(12));
        assert_eq!(indexed("MediaUrl", "MediaUrl"), None);
        assert_eq!(indexed("MediaUrlX", "MediaUrl"), None);
        assert_eq!(
            indexed("MediaUrl99999999999999999999999", "MediaUrl"),
            Some(usize::MAX)
        );
    }
}
