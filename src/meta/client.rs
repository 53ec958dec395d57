//! The HTTP side of Meta's Cloud API: sends, typing indicators, read marks and reactions.
//!
//! Sending through the Cloud API is not available yet: each of these calls gives
//! [`Error::Unsupported`] without any network call.

use super::MetaProvider;
use crate::address::WhatsAppAddress;
use crate::error::Error;
use crate::event::InboundMessage;
use crate::message::{OutboundMessage, SendReceipt};
use crate::provider::ProviderKind;
use crate::secret::Secret;
use crate::transport::Http;

/// The HTTP side of a provider.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) http: Http,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    /// `v23.0`.
    pub(crate) api_version: String,
    pub(crate) access_token: Option<Secret>,
    pub(crate) phone_number_id: Option<String>,
}

fn not_yet(what: &'static str) -> Error {
    Error::Unsupported {
        provider: ProviderKind::META,
        what,
    }
}

impl MetaProvider {
    /// The send behind [`WhatsAppProvider::send`](crate::WhatsAppProvider::send).
    pub(crate) async fn send_outbound(
        &self,
        message: &OutboundMessage,
    ) -> Result<SendReceipt, Error> {
        let _ = (message, &self.client.http);
        Err(not_yet("sending through the Cloud API"))
    }

    /// The call behind [`WhatsAppProvider::typing`](crate::WhatsAppProvider::typing).
    pub(crate) async fn typing_indicator(&self, message: &InboundMessage) -> Result<(), Error> {
        let _ = message;
        Err(not_yet("typing indicators through the Cloud API"))
    }

    /// The call behind [`WhatsAppProvider::mark_read`](crate::WhatsAppProvider::mark_read).
    pub(crate) async fn read_mark(&self, message: &InboundMessage) -> Result<(), Error> {
        let _ = message;
        Err(not_yet("read marks through the Cloud API"))
    }

    /// The call behind [`WhatsAppProvider::react`](crate::WhatsAppProvider::react).
    pub(crate) async fn reaction(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        let _ = (message_id, to, reaction);
        Err(not_yet("reactions through the Cloud API"))
    }
}
