//! Twilio's Programmable Messaging for WhatsApp.
//!
//! [`TwilioProvider`] sends messages through the Messages API, and verifies
//! ([`signature`]) and parses ([`webhook`]) the webhooks Twilio calls: inbound messages and
//! status callbacks. [`twiml`] writes the answers inbound webhooks expect.
//!
//! ```
//! use whatsapp_connector::twilio::TwilioProvider;
//! use whatsapp_connector::{WebhookRequest, WhatsAppProvider};
//!
//! let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
//!     .auth_token("12345")
//!     .from("whatsapp:+14155238886")
//!     .build()
//!     .unwrap();
//!
//! // Twilio posts an inbound message; verify, then parse it.
//! let url = "https://example.com/twilio/whatsapp/inbound";
//! let body = "MessageSid=SM0123456789abcdef0123456789abcdef&From=whatsapp%3A%2B14155550100\
//!             &To=whatsapp%3A%2B14155238886&Body=hola";
//! let params = [("MessageSid", "SM0123456789abcdef0123456789abcdef"),
//!     ("From", "whatsapp:+14155550100"), ("To", "whatsapp:+14155238886"), ("Body", "hola")];
//! let signature = whatsapp_connector::twilio::signature::sign("12345", url, &params);
//! let request = WebhookRequest::new(url, body)
//!     .with_header("content-type", "application/x-www-form-urlencoded")
//!     .with_header("x-twilio-signature", &signature);
//! twilio.verify(&request).unwrap();
//! let events = twilio.parse(&request).unwrap();
//! assert_eq!(events[0].as_message().unwrap().text(), Some("hola"));
//! ```
//!
//! # What can be sent
//!
//! Text, media (one URL per [`Content::Media`]; several through
//! [`MessageRequest::media_url`]), Content templates by SID (`HX…`, with their variables as
//! `ContentVariables`), and locations (`PersistentAction=geo:LAT,LON|LABEL`).
//! Reply buttons and lists ([`Content::Interactive`]) go out as
//! Content resources: Twilio's Messages API sends them only that way, so the provider creates
//! a `twilio/quick-reply` or `twilio/list-picker` once, remembers its SID, and sends it by
//! `ContentSid` (see [`content`]). A URL button and a location request are refused with
//! [`Error::Unsupported`], and so are templates by name: create them with the Content API
//! ([`TwilioProvider::content`]) and send them as a [`Template`] by their `HX…` SID.
//!
//! # Typing indicators, read marks and reactions
//!
//! [`WhatsAppProvider::typing`] calls Twilio's WhatsApp typing indicator
//! (`POST https://messaging.twilio.com/v2/Indicators/Typing.json`), which is a **public beta**
//! at Twilio: its behaviour may change. It takes the inbound message's SID (`SM…` or `MM…`),
//! marks that message read, and shows "typing…" until the reply is sent or 25 seconds pass.
//! [`WhatsAppProvider::mark_read`] is the same call, since Twilio has no other way to mark
//! a message read: it shows the typing indicator too. Twilio's Messages API sends no
//! reactions, so [`WhatsAppProvider::react`] gives [`Error::Unsupported`].
//!
//! # The account and its WhatsApp senders
//!
//! [`TwilioProvider::fetch_account`] checks that the account SID and auth token go together;
//! [`TwilioProvider::whatsapp_senders`] lists the account's WhatsApp numbers (Messaging API
//! v2 Senders) with their webhooks, and [`TwilioProvider::update_sender_webhook`] points a
//! sender's incoming messages at another URL.

mod account;
mod answer;
mod client;
mod config;
pub mod content;
mod request;
mod senders;
pub mod signature;
pub mod twiml;
pub mod webhook;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{Error, ParseError, VerifyError};
use crate::event::{InboundEvent, InboundMessage};
use crate::message::{Content, Limits, OutboundMessage, SendReceipt, Template};
use crate::provider::{
    Acknowledgement, ProviderKind, WebhookRequest, WhatsAppProvider, url_from_forwarded_headers,
};
use crate::retry::traced_send;

pub use crate::transport::DEFAULT_TIMEOUT;
pub use account::Account;
pub use answer::classify;
pub use client::DownloadedMedia;
pub use config::{Credentials, Sender, TwilioBuilder};
pub use request::MessageRequest;
pub use senders::{SenderWebhook, WhatsAppSender};
pub use signature::{Verified, Verifier};

use config::Inner;

impl ProviderKind {
    /// Twilio's Programmable Messaging: `twilio` in the event JSON.
    pub const TWILIO: ProviderKind = ProviderKind::new("twilio");
}

impl Limits {
    /// Twilio's: `Body` holds at most 1,600 characters, and a caption travels in `Body`.
    pub const TWILIO: Limits = Limits {
        max_text_chars: 1600,
        max_caption_chars: 1024,
    };
}

impl Template {
    /// A Twilio Content template by its SID (`HX` and 32 hexadecimal digits).
    pub fn content_sid(sid: impl Into<String>) -> Self {
        Template::with_id(sid)
    }
}

/// True for `prefix` followed by 32 hexadecimal digits (a Twilio SID).
pub(crate) fn is_sid(s: &str, prefix: &str) -> bool {
    s.len() == prefix.len() + 32
        && s.starts_with(prefix)
        && s[prefix.len()..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Twilio's API host.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";
/// Twilio's Content API host: templates and rich content ([`content`]).
pub const DEFAULT_CONTENT_BASE_URL: &str = "https://content.twilio.com";
/// Twilio's Messaging API v2 host, which serves the WhatsApp typing indicator.
pub const DEFAULT_MESSAGING_BASE_URL: &str = "https://messaging.twilio.com";
/// The largest media download accepted, unless configured otherwise: 16 MiB, above
/// WhatsApp's 16 MB limit for a message.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// WhatsApp through Twilio: sends through the Messages API, verifies and parses Twilio's
/// webhooks. Cheap to clone (the settings and HTTP client are shared).
///
/// `Debug` shows the account SID and the API origin, never a secret.
#[derive(Clone)]
pub struct TwilioProvider {
    inner: Arc<Inner>,
}

impl fmt::Debug for TwilioProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioProvider")
            .field("account_sid", &self.inner.account_sid)
            .field("credentials", &self.inner.credentials)
            .field("sender", &self.inner.sender)
            .field("api_base", &self.inner.api_base)
            .field("messaging_base", &self.inner.messaging_base)
            .field("content_base", &self.inner.content_base)
            .field("verifier", &self.inner.verifier)
            .field("public_url", &self.inner.public_url)
            .finish_non_exhaustive()
    }
}

impl TwilioProvider {
    /// Starts configuring a provider for the account `account_sid` (`AC…`).
    pub fn builder(account_sid: impl Into<String>) -> TwilioBuilder {
        TwilioBuilder::new(account_sid.into())
    }

    pub(crate) fn from_inner(inner: Inner) -> Self {
        TwilioProvider {
            inner: Arc::new(inner),
        }
    }

    /// The account SID.
    pub fn account_sid(&self) -> &str {
        &self.inner.account_sid
    }

    /// The API origin requests go to (`https://api.twilio.com`).
    pub fn api_base(&self) -> &str {
        &self.inner.api_base
    }

    /// The Messaging API v2 origin the typing indicator goes to
    /// (`https://messaging.twilio.com`).
    pub fn messaging_base(&self) -> &str {
        &self.inner.messaging_base
    }

    /// The sender, if configured.
    pub fn sender(&self) -> Option<&Sender> {
        self.inner.sender.as_ref()
    }

    /// The webhook verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The URL a request's signature is checked at: the configured public URL; else, when
    /// forwarded headers are trusted and give a host, the URL they rebuild; else the
    /// request's own URL.
    pub fn verification_url<'r>(&self, request: &'r WebhookRequest) -> Cow<'r, str> {
        if let Some(u) = &self.inner.public_url {
            return Cow::Owned(u.clone());
        }
        if self.inner.trust_forwarded_headers {
            if let Some(u) =
                url_from_forwarded_headers(request.headers(), path_and_query(request.url()))
            {
                return Cow::Owned(u);
            }
        }
        Cow::Borrowed(request.url())
    }

    /// Verifies a webhook and says what matched: the URL variant, the algorithm and which
    /// secret.
    ///
    /// # Errors
    ///
    /// The errors of [`Verifier::verify`](signature::Verifier::verify), checked at
    /// [`verification_url`](Self::verification_url).
    pub fn verify_detailed(&self, request: &WebhookRequest) -> Result<Verified, VerifyError> {
        let url = self.verification_url(request);
        self.inner.verifier.verify_detailed_at(&url, request)
    }

    /// Sends a message built field by field (several media URLs, extra parameters).
    ///
    /// # Errors
    ///
    /// - [`Error::Config`] when no sender (field `from`) or no auth token or API key (field
    ///   `auth_token`) is configured, or the base URL cannot be requested (field `base_url`).
    /// - [`Error::Api`] when Twilio answers with an error;
    ///   [`ApiError::kind`](crate::ApiError::kind) says what it means:
    ///   [`OutsideWindow`](crate::ApiErrorKind::OutsideWindow) (63016: send a template),
    ///   [`SandboxNotJoined`](crate::ApiErrorKind::SandboxNotJoined),
    ///   [`InvalidRecipient`](crate::ApiErrorKind::InvalidRecipient),
    ///   [`Unauthorized`](crate::ApiErrorKind::Unauthorized),
    ///   [`RateLimited`](crate::ApiErrorKind::RateLimited) once the retries are spent,
    ///   [`ServerError`](crate::ApiErrorKind::ServerError) for a 5xx (the message may have been
    ///   sent).
    /// - [`Error::Connect`] when Twilio cannot be reached, after the retries the provider's
    ///   [`RetryPolicy`](crate::retry::RetryPolicy) allows: nothing was sent.
    /// - [`Error::MaybeSent`] when the request went out and no usable answer came back (a timeout,
    ///   a dropped connection, a success answer without a message SID): the message may have been
    ///   sent, so it is not sent again.
    pub async fn send_request(&self, request: &MessageRequest) -> Result<SendReceipt, Error> {
        let send = client::send(&self.inner, request);
        traced_send(ProviderKind::TWILIO, request.kind(), request.to(), send).await
    }

    /// Shows "typing…" in reply to the inbound message `message_sid` (`SM…` or `MM…`), and
    /// marks it read: `POST /v2/Indicators/Typing.json` on the Messaging API, a **public
    /// beta** at Twilio. WhatsApp hides the indicator when the reply arrives, or after 25
    /// seconds. A rate-limited call is retried as the provider's
    /// [`RetryPolicy`](crate::retry::RetryPolicy) allows; a call that timed out is not, and
    /// repeating it is harmless.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when `message_sid` is not `SM` or `MM` followed by 32 hexadecimal
    ///   digits, before any network call.
    /// - [`Error::Config`] (field `auth_token`) when no auth token or API key is configured.
    /// - [`Error::Api`] when Twilio answers with an error, or with `"success": false`.
    /// - [`Error::Connect`] when Twilio cannot be reached; [`Error::Transport`] when the call went
    ///   out and no complete answer came back.
    pub async fn typing_indicator(&self, message_sid: &str) -> Result<(), Error> {
        client::typing(&self.inner, message_sid).await
    }

    /// Downloads an inbound message's media (a `MediaUrl{N}`). The account's credentials
    /// are sent only to Twilio's API origin, never along a redirect to another host (Twilio
    /// answers with a redirect to a short-lived CDN URL). Stops with [`Error::TooLarge`]
    /// past the configured limit.
    ///
    /// # Errors
    ///
    /// - [`Error::Invalid`] when `url` is not an `http` or `https` URL.
    /// - [`Error::Config`] (field `auth_token`) when the URL is on Twilio's API and no auth token
    ///   or API key is configured.
    /// - [`Error::Api`] when Twilio, or the host it redirects to, answers with an error status
    ///   ([`NotFound`](crate::ApiErrorKind::NotFound) for media that was deleted).
    /// - [`Error::Connect`] when the host cannot be reached.
    /// - [`Error::Transport`] when the download went out and failed (a timeout, a dropped
    ///   connection), or the redirects lead nowhere (more than 5, no `Location`, a URL that is not
    ///   `http` or `https`); repeating it is safe.
    /// - [`Error::TooLarge`] when the file is larger than the configured
    ///   [`media_max_bytes`](TwilioBuilder::media_max_bytes).
    pub async fn download_media(&self, url: &str) -> Result<DownloadedMedia, Error> {
        client::download_media(&self.inner, url).await
    }
}

/// The path and query of a URL (everything from the first `/` after the authority), or
/// `/` when it has none.
fn path_and_query(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find(['/', '?']) {
        Some(i) => &url[after_scheme + i..],
        None => "/",
    }
}

#[async_trait]
impl WhatsAppProvider for TwilioProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::TWILIO
    }

    /// 80 sends a second per sender (the number or Messaging Service it sends from; the
    /// account when it has neither).
    fn send_limit(&self) -> Option<crate::ratelimit::SendLimit> {
        let sender = match self.sender() {
            Some(config::Sender::From(address)) => address.to_string(),
            Some(config::Sender::MessagingService(sid)) => sid.clone(),
            None => self.account_sid().to_owned(),
        };
        Some(crate::ratelimit::SendLimit::new(
            sender,
            crate::ratelimit::Quota::per_second(80),
        ))
    }

    /// Sends text, media, a Content template (by `HX…` SID), a location, or reply buttons
    /// and lists as Content resources created once and reused ([`content`]). Templates by
    /// name, URL buttons and location requests give [`Error::Unsupported`] (see the module
    /// docs).
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        let send = async {
            if let Content::Interactive(i) = &message.content {
                message.validate_with(&Limits::TWILIO)?;
                return content::send_interactive(&self.inner, message, i).await;
            }
            let request = MessageRequest::from_outbound(message)?;
            client::send(&self.inner, &request).await
        };
        traced_send(
            ProviderKind::TWILIO,
            message.content.kind(),
            &message.to,
            send,
        )
        .await
    }

    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError> {
        let url = self.verification_url(request);
        self.inner.verifier.verify_at(&url, request)
    }

    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError> {
        webhook::parse_request(request)
    }

    /// The business number: `To` of an inbound message, `From` of a status callback (the
    /// callback is about a message the business sent).
    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        webhook::business_address(request).into_iter().collect()
    }

    /// Twilio calls webhooks with `POST`, or `GET` where the number is configured so.
    fn webhook_methods(&self) -> &'static [http::Method] {
        &[http::Method::POST, http::Method::GET]
    }

    /// An empty TwiML `<Response/>`: Twilio sends nothing back to the user.
    fn acknowledgement(&self) -> Acknowledgement {
        Acknowledgement::new(twiml::CONTENT_TYPE, twiml::empty())
    }

    /// Twilio's typing indicator for the message's SID ([`TwilioProvider::typing_indicator`],
    /// a public beta at Twilio): it also marks the message read.
    async fn typing(&self, message: &InboundMessage) -> Result<(), Error> {
        self.typing_indicator(&message.id).await
    }

    /// The same call as [`typing`](WhatsAppProvider::typing), because Twilio marks a
    /// message read only through its typing indicator: the user sees "typing…" too, until
    /// the reply or for 25 seconds.
    async fn mark_read(&self, message: &InboundMessage) -> Result<(), Error> {
        self.typing_indicator(&message.id).await
    }

    /// [`Error::Unsupported`]: Twilio's Messages API sends no reactions.
    async fn react(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        let _ = (message_id, to, reaction);
        Err(Error::Unsupported {
            provider: ProviderKind::TWILIO,
            what: "reactions (its Messages API has no reaction send)",
        })
    }

    /// [`Limits::TWILIO`]: `Body` holds at most 1,600 characters.
    fn limits(&self) -> Limits {
        Limits::TWILIO
    }

    /// Decodes the body once, for both the signature and the events: the same result as
    /// [`WhatsAppProvider::verify`] followed by [`WhatsAppProvider::parse`], with less work.
    fn verify_and_parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, Error> {
        let url = self.verification_url(request);
        let verifier = &self.inner.verifier;
        match webhook::FormPairs::from_request(request) {
            Ok(params) if request.method() != http::Method::GET => {
                let pairs = params.slices();
                verifier.verify_prepared(&url, request, &pairs)?;
                Ok(webhook::events(&pairs)?)
            }
            Ok(params) => {
                verifier.verify_at(&url, request)?;
                Ok(params.to_events()?)
            }
            Err(e) => {
                verifier.verify_at(&url, request)?;
                Err(e.into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_of_urls() {
        assert_eq!(path_and_query("https://h.test/a/b?c=1"), "/a/b?c=1");
        assert_eq!(path_and_query("https://h.test?c=1"), "?c=1");
        assert_eq!(path_and_query("https://h.test"), "/");
    }
}
