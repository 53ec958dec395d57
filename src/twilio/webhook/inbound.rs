//! The typed view of an inbound message's parameters.

use crate::error::ParseError;

use super::{Params, flag};

/// One media item of an inbound message: `MediaUrl{N}` and `MediaContentType{N}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct MediaParam<'a> {
    /// `MediaUrl{N}`: fetch it with the account's credentials
    /// ([`TwilioProvider::download_media`](crate::twilio::TwilioProvider::download_media)).
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

/// What is read before it can be checked: the required `MessageSid`, the numbers, and the
/// indexed media parameters.
#[derive(Default)]
struct Pending<'a> {
    message_sid: Option<&'a str>,
    num_media: Option<&'a str>,
    latitude: Option<&'a str>,
    longitude: Option<&'a str>,
    external_user_identifier: Option<&'a str>,
    /// `MediaUrl{N}` by `N`, the first of each.
    urls: Vec<(usize, &'a str)>,
    /// `MediaContentType{N}` by `N`, the first of each.
    types: Vec<(usize, &'a str)>,
}

impl<'a> Pending<'a> {
    /// Keeps a `MediaUrl{N}` or `MediaContentType{N}` (the first value of each `N`);
    /// ignores any other name.
    fn read_media(&mut self, name: &str, value: &'a str) {
        if let Some(i) = indexed(name, "MediaUrl") {
            if !self.urls.iter().any(|(j, _)| *j == i) {
                self.urls.push((i, value));
            }
        } else if let Some(i) = indexed(name, "MediaContentType") {
            if !self.types.iter().any(|(j, _)| *j == i) {
                self.types.push((i, value));
            }
        }
    }

    /// `NumMedia`, or how many `MediaUrl{N}` there are when it is absent.
    fn num_media(&self) -> Result<usize, ParseError> {
        match self.num_media {
            Some(n) => n
                .trim()
                .parse()
                .map_err(|_| ParseError::invalid("NumMedia", format!("{n:?} is not a count"))),
            None => Ok(self.urls.len()),
        }
    }

    /// The media items `0..num_media`, each with its content type. Every index below
    /// `num_media` must be present, and none at or above it.
    fn media(&self, num_media: usize) -> Result<Vec<MediaParam<'a>>, ParseError> {
        let mut media = Vec::new();
        // The loop stops at the first missing index, so a huge NumMedia costs nothing.
        for n in 0..num_media {
            let url = self
                .urls
                .iter()
                .find(|(i, _)| *i == n)
                .map(|(_, u)| *u)
                .ok_or_else(|| {
                    let why = match self.num_media {
                        Some(_) => format!("is missing though NumMedia is {num_media}"),
                        None => "is missing though a later MediaUrl is present".to_owned(),
                    };
                    ParseError::invalid(format!("MediaUrl{n}"), why)
                })?;
            let content_type = self.types.iter().find(|(i, _)| *i == n).map(|(_, t)| *t);
            media.push(MediaParam { url, content_type });
        }
        if let Some((i, _)) = self.urls.iter().find(|(i, _)| *i >= num_media) {
            return Err(ParseError::invalid(
                format!("MediaUrl{i}"),
                format!("NumMedia is {num_media}, so there is no item {i}"),
            ));
        }
        Ok(media)
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
    ///
    /// # Errors
    ///
    /// - [`ParseError::MissingField`] when `MessageSid` is absent.
    /// - [`ParseError::InvalidField`] naming the parameter when `NumMedia` is not a count, a
    ///   `MediaUrl{N}` below it is missing or one at or above it is present, or `Latitude` or
    ///   `Longitude` is not a number in range.
    pub fn from_params(params: &'a Params) -> Result<Self, ParseError> {
        Self::read(params.iter())
    }

    /// Reads the parameters from name-value pairs, in the order received (see
    /// [`from_params`](Self::from_params)).
    pub(super) fn read(
        params: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ParseError> {
        let mut p = InboundParams::blank();
        let mut pending = Pending::default();
        for (name, value) in params {
            if value.is_empty() {
                continue;
            }
            // The first value of a name counts; repeats stay in the raw parameters.
            match p.slot(name, &mut pending) {
                Some(slot) => {
                    if slot.is_none() {
                        *slot = Some(value);
                    }
                }
                None => match name {
                    "Forwarded" => p.forwarded = p.forwarded.or(flag(value)),
                    "FrequentlyForwarded" => {
                        p.frequently_forwarded = p.frequently_forwarded.or(flag(value));
                    }
                    other => pending.read_media(other, value),
                },
            }
        }
        p.finish(pending)
    }

    /// Nothing read yet.
    fn blank() -> Self {
        InboundParams {
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
        }
    }

    /// Where the value of a text parameter goes: a field, or a value to check once every
    /// parameter is read. `None` for flags, indexed media and unknown names.
    fn slot<'s>(
        &'s mut self,
        name: &str,
        pending: &'s mut Pending<'a>,
    ) -> Option<&'s mut Option<&'a str>> {
        Some(match name {
            "MessageSid" => &mut pending.message_sid,
            "SmsSid" => &mut self.sms_sid,
            "SmsMessageSid" => &mut self.sms_message_sid,
            "AccountSid" => &mut self.account_sid,
            "MessagingServiceSid" => &mut self.messaging_service_sid,
            "From" => &mut self.from,
            "To" => &mut self.to,
            "Body" => &mut self.body,
            "NumMedia" => &mut pending.num_media,
            "NumSegments" => &mut self.num_segments,
            "SmsStatus" => &mut self.sms_status,
            "ApiVersion" => &mut self.api_version,
            "MessageType" => &mut self.message_type,
            "ProfileName" => &mut self.profile_name,
            "WaId" => &mut self.wa_id,
            "ExternalUserId" => &mut self.external_user_id,
            "ExternalUserIdentifier" => &mut pending.external_user_identifier,
            "ButtonText" => &mut self.button_text,
            "ButtonPayload" => &mut self.button_payload,
            "ButtonType" => &mut self.button_type,
            "InteractiveData" => &mut self.interactive_data,
            "FlowData" => &mut self.flow_data,
            "ChannelMetadata" => &mut self.channel_metadata,
            "Latitude" => &mut pending.latitude,
            "Longitude" => &mut pending.longitude,
            "Address" => &mut self.address,
            "Label" => &mut self.label,
            "ReferralBody" => &mut self.referral.body,
            "ReferralHeadline" => &mut self.referral.headline,
            "ReferralSourceId" => &mut self.referral.source_id,
            "ReferralSourceType" => &mut self.referral.source_type,
            "ReferralSourceUrl" => &mut self.referral.source_url,
            "ReferralMediaId" => &mut self.referral.media_id,
            "ReferralMediaContentType" => &mut self.referral.media_content_type,
            "ReferralMediaUrl" => &mut self.referral.media_url,
            "ReferralNumMedia" => &mut self.referral.num_media,
            "ReferralCtwaClid" => &mut self.referral.ctwa_clid,
            "OriginalRepliedMessageSid" => &mut self.original_replied_message_sid,
            "OriginalRepliedMessageSender" => &mut self.original_replied_message_sender,
            "FromCity" => &mut self.from_city,
            "FromState" => &mut self.from_state,
            "FromZip" => &mut self.from_zip,
            "FromCountry" => &mut self.from_country,
            "ToCity" => &mut self.to_city,
            "ToState" => &mut self.to_state,
            "ToZip" => &mut self.to_zip,
            "ToCountry" => &mut self.to_country,
            _ => return None,
        })
    }

    /// Checks what had to wait for every parameter: `MessageSid` is present, the media
    /// match `NumMedia`, the coordinates are numbers in range.
    fn finish(mut self, pending: Pending<'a>) -> Result<Self, ParseError> {
        self.message_sid = pending
            .message_sid
            .ok_or_else(|| ParseError::missing("MessageSid"))?;
        if self.external_user_id.is_none() {
            self.external_user_id = pending.external_user_identifier;
        }
        self.num_media = pending.num_media()?;
        self.media = pending.media(self.num_media)?;
        self.latitude = pending
            .latitude
            .map(|v| coordinate("Latitude", v, 90.0))
            .transpose()?;
        self.longitude = pending
            .longitude
            .map(|v| coordinate("Longitude", v, 180.0))
            .transpose()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
