//! The typed view of a status callback's parameters.

use crate::error::ParseError;

use super::{Params, flag};

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
    ///
    /// # Errors
    ///
    /// [`ParseError::MissingField`] when `MessageSid` or `MessageStatus` is absent.
    pub fn from_params(params: &'a Params) -> Result<Self, ParseError> {
        Self::read(params.iter())
    }

    /// Reads the parameters from name-value pairs, in the order received (see
    /// [`from_params`](Self::from_params)).
    pub(super) fn read(
        params: impl Iterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ParseError> {
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
        for (name, value) in params {
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
}
