//! From the typed views to normalized events.

use crate::address::WhatsAppAddress;
use crate::error::ParseError;
use crate::event::{
    DeliveryStatus, InboundMessage, MediaItem, MessageContent, StatusError, StatusUpdate,
};
use crate::provider::ProviderKind;

use super::{InboundParams, StatusParams};

impl InboundParams<'_> {
    /// `From` as an address (`None` when absent). An error names `From`.
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidField`] (field `From`) when `From` is present but is not a valid
    /// address: empty, holding white space, or looking like a phone number without being a valid
    /// one.
    pub fn from_address(&self) -> Result<Option<WhatsAppAddress>, ParseError> {
        address("From", self.from)
    }

    /// `To` as an address (`None` when absent). An error names `To`.
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidField`] (field `To`) when `To` is present but is not a valid address:
    /// empty, holding white space, or looking like a phone number without being a valid one.
    pub fn to_address(&self) -> Result<Option<WhatsAppAddress>, ParseError> {
        address("To", self.to)
    }

    /// The answers of a WhatsApp Flow's reply: `FlowData` (a JSON string), else the
    /// `flowResponse` object inside `InteractiveData`. `FlowData` that is not JSON is kept as
    /// a JSON string, never an error: the reply must reach the bot.
    pub fn flow_response(&self) -> Option<serde_json::Value> {
        if let Some(data) = self.flow_data.filter(|d| !d.trim().is_empty()) {
            return Some(
                serde_json::from_str(data)
                    .unwrap_or_else(|_| serde_json::Value::String(data.to_owned())),
            );
        }
        let interactive: serde_json::Value = serde_json::from_str(self.interactive_data?).ok()?;
        interactive.get("flowResponse").cloned()
    }

    /// What the message carries, normalized:
    ///
    /// - a Flow's reply when `FlowData` is present, or `InteractiveData` holds a
    ///   `flowResponse` (see [`InboundParams::flow_response`]);
    /// - a reaction when `MessageType` is `reaction` and `OriginalRepliedMessageSid` names the
    ///   message (`Body` the emoji; none when it was removed); a reaction without the message
    ///   it is about stays unsupported;
    /// - a button reply when `ButtonText` or `ButtonPayload` is present;
    /// - media when `NumMedia` is above 0 (every item, `Body` as the caption);
    /// - a location when `Latitude` and `Longitude` are present (`Label` as the name);
    /// - text when `Body` is not empty, or `MessageType` is `text`;
    /// - else unsupported, with the `MessageType` as the reason.
    ///
    /// # Errors
    ///
    /// [`ParseError::MissingField`] for a location with only one coordinate: `Longitude` when only
    /// `Latitude` is given, and the reverse.
    pub fn content(&self) -> Result<MessageContent, ParseError> {
        if let Some(response) = self.flow_response() {
            return Ok(MessageContent::Flow { response });
        }
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
        if self.message_type == Some("reaction")
            && let Some(message_id) = self.original_replied_message_sid
        {
            // The reaction names the message it is about; an empty Body is a removal.
            return Ok(MessageContent::Reaction {
                message_id: message_id.to_owned(),
                emoji: self.body.map(str::to_owned),
            });
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
    ///
    /// # Errors
    ///
    /// The errors of [`content`](Self::content), [`from_address`](Self::from_address) and
    /// [`to_address`](Self::to_address).
    pub fn to_message(&self) -> Result<InboundMessage, ParseError> {
        let mut m = InboundMessage::new(ProviderKind::TWILIO, self.message_sid, self.content()?);
        m.from = self.from_address()?;
        m.to = self.to_address()?;
        m.profile_name = self.profile_name.map(str::to_owned);
        m.reply_to = self.original_replied_message_sid.map(str::to_owned);
        Ok(m)
    }
}

/// A parameter as an address; an error names the parameter.
fn address(name: &str, value: Option<&str>) -> Result<Option<WhatsAppAddress>, ParseError> {
    value
        .map(|v| WhatsAppAddress::parse(v).map_err(|e| ParseError::invalid(name, e.to_string())))
        .transpose()
}

impl StatusParams<'_> {
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
    ///
    /// # Errors
    ///
    /// [`ParseError::InvalidField`] (field `To`) when `To` is present but is not a valid address.
    pub fn to_status(&self) -> Result<StatusUpdate, ParseError> {
        let mut s = StatusUpdate::new(ProviderKind::TWILIO, self.status());
        s.message_id = Some(self.message_sid.to_owned());
        s.recipient = address("To", self.to)?;
        s.error = self.error();
        Ok(s)
    }
}
