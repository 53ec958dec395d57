//! The HTTP side of Meta's Cloud API: sends, typing indicators, read marks and reactions,
//! each a `POST /{version}/{phone-number-id}/messages` with the bearer token.
//!
//! A send is retried only when Meta did not process it (HTTP 429, the rate-limit codes, a
//! connection that never opened); a timeout or a 5xx after it went out is
//! [`Error::MaybeSent`] or an [`Error::Api`] that [may have been
//! sent](Error::may_have_been_sent), never repeated.

use super::MetaProvider;
use super::answer::{api_error, receipt, succeeded};
use super::mapping;
use super::request::{MessageBody, MessageRequest, Reaction, StatusRequest};
use crate::address::WhatsAppAddress;
use crate::error::{ApiError, ConfigError, Error, ValidationError};
use crate::event::InboundMessage;
use crate::message::{OutboundMessage, SendReceipt, validate_reaction};
use crate::provider::{ProviderKind, WhatsAppProvider};
use crate::retry::{run_with_retries, traced_send};
use crate::secret::Secret;
use crate::transport::{self, CredentialHeader, Effect, Http};

const META: ProviderKind = ProviderKind::META;
/// The longest `biz_opaque_callback_data` Meta takes.
const MAX_REFERENCE_CHARS: usize = 512;

/// The HTTP side of a provider.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) http: Http,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    /// `v23.0`.
    pub(crate) api_version: String,
    pub(crate) access_token: Option<Secret>,
    /// `Authorization: Bearer <token>`, made once (`None` without a token, or when a header
    /// cannot carry it).
    pub(crate) authorization: Option<CredentialHeader>,
    pub(crate) phone_number_id: Option<String>,
    /// The largest media download read.
    pub(crate) media_max_bytes: u64,
}

impl Client {
    /// The `Authorization` header for a token: `Bearer <token>`, marked sensitive.
    pub(crate) fn authorization_for(token: Option<&Secret>) -> Option<CredentialHeader> {
        CredentialHeader::new(&format!("Bearer {}", token?.expose()))
    }

    /// `Bearer <token>`, marked sensitive (made when the provider was built).
    pub(crate) fn bearer(&self) -> Result<reqwest::header::HeaderValue, Error> {
        match (&self.access_token, &self.authorization) {
            (_, Some(header)) => Ok(header.value()),
            (None, None) => Err(Error::Config(ConfigError::new(
                "access_token",
                "is not configured; calling the Cloud API needs it",
            ))),
            (Some(_), None) => Err(Error::Config(ConfigError::new(
                "access_token",
                "holds characters an HTTP header cannot carry",
            ))),
        }
    }

    /// The configured phone number id.
    fn phone_number_id(&self) -> Result<&str, Error> {
        self.phone_number_id.as_deref().ok_or_else(|| {
            Error::Config(ConfigError::new(
                "phone_number_id",
                "is not configured; sending through the Cloud API needs it",
            ))
        })
    }

    /// `{base}/{version}/{segments…}`, each segment escaped as one.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<url::Url, Error> {
        let mut url = url::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(ConfigError::new("base_url", e.to_string())))?;
        url.path_segments_mut()
            .map_err(|_| Error::Config(ConfigError::new("base_url", "cannot hold a path")))?
            .pop_if_empty()
            .push(&self.api_version)
            .extend(segments);
        Ok(url)
    }

    /// `{base}/{version}/{phone-number-id}/{edge}`.
    pub(crate) fn phone_url(&self, edge: &str) -> Result<url::Url, Error> {
        let id = self.phone_number_id()?;
        self.url(&[id, edge])
    }

    /// A request with the bearer token and `Accept: application/json`.
    pub(crate) fn request(
        &self,
        method: http::Method,
        url: &str,
    ) -> Result<reqwest::RequestBuilder, Error> {
        Ok(self
            .http
            .request(method, url)
            .header(reqwest::header::AUTHORIZATION, self.bearer()?)
            .header(reqwest::header::ACCEPT, transport::accept_json()))
    }

    /// POSTs a message and reads its receipt, retrying what Meta did not process.
    pub(crate) async fn post_message(&self, body: &MessageRequest) -> Result<SendReceipt, Error> {
        let url = self.phone_url("messages")?;
        let url = url.as_str();
        run_with_retries(&self.http.retry, |_| async {
            let request = self.request(http::Method::POST, url)?.json(body);
            let answer = transport::exchange(&META, url, Effect::Sends, request).await?;
            if !answer.is_success() {
                return Err(api_error(answer.status, &answer.text(), answer.retry_after).into());
            }
            receipt(url, answer.status, &answer.body)
        })
        .await
    }

    /// POSTs a read mark (with a typing indicator when asked). It has no effect worth
    /// guarding against repeats, so it is retried like a read.
    pub(crate) async fn post_status(&self, body: &StatusRequest<'_>) -> Result<(), Error> {
        let url = self.phone_url("messages")?;
        let url = url.as_str();
        run_with_retries(&self.http.retry, |_| async {
            let request = self.request(http::Method::POST, url)?.json(body);
            let answer = transport::exchange(&META, url, Effect::Reads, request).await?;
            let text = answer.text();
            if !answer.is_success() {
                return Err(api_error(answer.status, &text, answer.retry_after).into());
            }
            if !succeeded(&answer.body) {
                let e = ApiError::new(META, answer.status, "Meta answered \"success\": false")
                    .with_body(text);
                return Err(e.into());
            }
            Ok(())
        })
        .await
    }
}

impl MetaProvider {
    /// The send behind [`WhatsAppProvider::send`].
    pub(crate) async fn send_outbound(
        &self,
        message: &OutboundMessage,
    ) -> Result<SendReceipt, Error> {
        message.validate_with(&self.limits())?;
        if let Some(r) = &message.reference {
            let chars = r.chars().count();
            if chars > MAX_REFERENCE_CHARS {
                return Err(ValidationError::TooLong {
                    field: "reference",
                    chars,
                    max: MAX_REFERENCE_CHARS,
                }
                .into());
            }
        }
        let request = mapping::request(message)?;
        self.client.post_message(&request).await
    }

    /// Sends a message built in Meta's own shapes ([`request`](super::request)): contacts,
    /// a reply to a message, media by uploaded id, template components, and everything
    /// [`WhatsAppProvider::send`] sends. The request goes as it is, unchecked by the
    /// crate: Meta checks it.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] without an access token or phone number id; otherwise the errors
    /// of [`WhatsAppProvider::send`]: [`Error::Api`] with the Graph API's error, classified
    /// by [`classify`](super::classify) ([`GraphError::of`](super::GraphError::of) reads the
    /// rest of it), [`Error::Connect`] when the connection never opened, and
    /// [`Error::MaybeSent`] when the message may have gone out.
    pub async fn send_request(&self, request: &MessageRequest) -> Result<SendReceipt, Error> {
        let kind = match &request.body {
            MessageBody::Text { .. } => "text",
            MessageBody::Template { .. } => "template",
            MessageBody::Location { .. } => "location",
            MessageBody::Interactive { .. } => "interactive",
            MessageBody::Contacts { .. } => "contacts",
            MessageBody::Reaction { .. } => "reaction",
            _ => "media",
        };
        traced_send(META, kind, &request.to, self.client.post_message(request)).await
    }

    /// The call behind [`WhatsAppProvider::typing`]: marks the message read and shows
    /// "typing…" (`status: read` with `typing_indicator: {type: text}`; the indicator is
    /// documented by Meta but absent from its OpenAPI description).
    pub(crate) async fn typing_indicator(&self, message: &InboundMessage) -> Result<(), Error> {
        let id = inbound_id(message)?;
        self.client
            .post_status(&StatusRequest::read(id, true))
            .await
    }

    /// The call behind [`WhatsAppProvider::mark_read`]: `status: read` for the message.
    pub(crate) async fn read_mark(&self, message: &InboundMessage) -> Result<(), Error> {
        let id = inbound_id(message)?;
        self.client
            .post_status(&StatusRequest::read(id, false))
            .await
    }

    /// The call behind [`WhatsAppProvider::react`]: a `reaction` message; `None` sends an
    /// empty emoji, which removes the reaction.
    pub(crate) async fn reaction(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        if message_id.trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "message id",
            }
            .into());
        }
        if let Some(r) = reaction {
            validate_reaction(r)?;
        }
        let request = MessageRequest::new(
            to.wa_id(),
            MessageBody::Reaction {
                reaction: Reaction {
                    message_id: message_id.to_owned(),
                    emoji: reaction.unwrap_or_default().to_owned(),
                },
            },
        );
        self.send_request(&request).await.map(|_| ())
    }
}

/// The id of an inbound message, which read marks and typing indicators name.
fn inbound_id(message: &InboundMessage) -> Result<&str, Error> {
    if message.id.trim().is_empty() {
        return Err(ValidationError::Empty {
            field: "message id",
        }
        .into());
    }
    Ok(&message.id)
}
