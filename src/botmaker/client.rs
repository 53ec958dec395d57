//! The HTTP calls to Botmaker's API: JSON POSTs that send (with safe retries) and GETs that
//! read chats and messages, each with the `access-token` header.

use bytes::Bytes;
use serde::Serialize;

use super::answer::{api_error, carries_error, interpret};
use crate::error::{ConfigError, Error, ParseError};
use crate::message::{SendReceipt, ValidationError};
use crate::provider::ProviderKind;
use crate::retry::run_with_retries;
use crate::secret::Secret;
use crate::transport::{self, CredentialHeader, Effect, Http};

/// The header that carries the API access token.
pub const ACCESS_TOKEN_HEADER: &str = "access-token";

const BOTMAKER: ProviderKind = ProviderKind::BOTMAKER;

/// The HTTP side of a provider.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) http: Http,
    /// Without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) access_token: Option<Secret>,
    /// The token as a header value, made once from `access_token` ([`token_header`]).
    pub(crate) token_header: Option<CredentialHeader>,
}

/// The `access-token` header value of a token, or `None` when a header cannot carry it.
pub(crate) fn token_header(token: Option<&Secret>) -> Option<CredentialHeader> {
    token.and_then(|t| CredentialHeader::new(t.expose()))
}

/// `Content-Type: application/json`.
fn json_content_type() -> http::HeaderValue {
    http::HeaderValue::from_static("application/json")
}

/// `body` as JSON, once for all the attempts of a call.
fn json_body<B: Serialize + ?Sized>(body: &B) -> Result<Bytes, Error> {
    serde_json::to_vec(body).map(Bytes::from).map_err(|e| {
        Error::Invalid(ValidationError::Invalid {
            field: "body",
            reason: e.to_string(),
        })
    })
}

impl Client {
    /// The token's header value: made once (as the provider is built), shared by requests.
    fn token(&self) -> Result<http::HeaderValue, Error> {
        if let Some(header) = &self.token_header {
            return Ok(header.value());
        }
        Err(Error::Config(match &self.access_token {
            None => ConfigError::new(
                "access_token",
                "is not configured; calling Botmaker's API needs it",
            ),
            Some(_) => ConfigError::new(
                "access_token",
                "holds characters an HTTP header cannot carry",
            ),
        }))
    }

    /// One exchange with the token and the JSON `Accept` header.
    async fn exchange(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        effect: Effect,
    ) -> Result<transport::Answer, Error> {
        let request = request
            .header(ACCESS_TOKEN_HEADER, self.token()?)
            .header(reqwest::header::ACCEPT, transport::accept_json());
        transport::exchange(&BOTMAKER, url, effect, request).await
    }

    /// POSTs a JSON body to `path` and reads the receipt. The body is serialized once;
    /// every attempt sends the same bytes.
    pub(crate) async fn post<B: Serialize + ?Sized>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<SendReceipt, Error> {
        let url = format!("{}{}", self.base_url, path);
        let body = json_body(body)?;
        run_with_retries(&self.http.retry, |_| async {
            let request = self
                .http
                .request(http::Method::POST, &url)
                .header(http::header::CONTENT_TYPE, json_content_type())
                .body(body.clone());
            let answer = self.exchange(&url, request, Effect::Sends).await?;
            interpret(&url, answer.status, answer.retry_after, &answer.text())
        })
        .await
    }

    /// Sends a JSON body to a chat action (`path`) that answers without a body (204 or
    /// 202), with retries for what Botmaker did not process. A 2xx is a success unless its
    /// body carries Botmaker's errors.
    pub(crate) async fn action<B: Serialize + ?Sized>(
        &self,
        method: http::Method,
        path: &str,
        body: &B,
    ) -> Result<(), Error> {
        let url = format!("{}{}", self.base_url, path);
        let body = json_body(body)?;
        run_with_retries(&self.http.retry, |_| async {
            let request = self
                .http
                .request(method.clone(), &url)
                .header(http::header::CONTENT_TYPE, json_content_type())
                .body(body.clone());
            let answer = self.exchange(&url, request, Effect::Reads).await?;
            let text = answer.text();
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            if answer.is_success() && !json.as_ref().is_some_and(carries_error) {
                return Ok(());
            }
            let error = api_error(answer.status, answer.retry_after, &text, json.as_ref());
            Err(Error::from(error))
        })
        .await
    }

    /// `method url` with an optional JSON body, retried as the policy allows (429s, failures
    /// to connect): the answer of a 2xx, else the [`Error::Api`] of the error answer. A request
    /// with [`Effect::Sends`] that gets no complete answer is [`Error::MaybeSent`].
    pub(crate) async fn call<B: Serialize + ?Sized>(
        &self,
        method: http::Method,
        url: &url::Url,
        body: Option<&B>,
        effect: Effect,
    ) -> Result<transport::Answer, Error> {
        run_with_retries(&self.http.retry, |_| async {
            let mut request = self.http.request(method.clone(), url.as_str());
            if let Some(b) = body {
                request = request.json(b);
            }
            let answer = self.exchange(url.as_str(), request, effect).await?;
            if answer.is_success() {
                return Ok(answer);
            }
            let text = answer.text();
            let json = serde_json::from_str(&text).ok();
            let error = api_error(answer.status, answer.retry_after, &text, json.as_ref());
            Err(Error::from(error))
        })
        .await
    }

    /// The base URL with `segments` added to its path (each escaped as one segment).
    pub(crate) fn url(&self, segments: &[&str]) -> Result<url::Url, Error> {
        let mut url = url::Url::parse(&self.base_url)
            .map_err(|e| Error::Config(ConfigError::new("base_url", e.to_string())))?;
        url.path_segments_mut()
            .map_err(|_| Error::Config(ConfigError::new("base_url", "cannot hold a path")))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// A URL an answer gave (`nextPage`), resolved against the base URL. The access token
    /// goes with the request, so the URL must be on the base URL's scheme, host and port.
    pub(crate) fn answered_url(&self, field: &str, given: &str) -> Result<url::Url, Error> {
        let base = self.url(&[""])?;
        let url = base
            .join(given.trim())
            .map_err(|_| Error::Parse(ParseError::invalid(field, "is not a URL")))?;
        if url.origin() != base.origin() {
            return Err(Error::Parse(ParseError::invalid(
                field,
                "is not on the base URL's host; the access token is not sent there",
            )));
        }
        Ok(url)
    }

    /// `GET url`, retried as the policy allows: the body of a 2xx, or `None` for a 404 when
    /// `not_found_is_none` (else an error like any other error answer).
    pub(crate) async fn get(
        &self,
        url: &url::Url,
        not_found_is_none: bool,
    ) -> Result<Option<String>, Error> {
        let answer = run_with_retries(&self.http.retry, |_| async {
            let request = self.http.request(http::Method::GET, url.as_str());
            let answer = self.exchange(url.as_str(), request, Effect::Reads).await?;
            if answer.is_success() || (not_found_is_none && answer.status == 404) {
                Ok(answer)
            } else {
                let text = answer.text();
                let json = serde_json::from_str(&text).ok();
                let error = api_error(answer.status, answer.retry_after, &text, json.as_ref());
                Err(Error::from(error))
            }
        })
        .await?;
        Ok((answer.status != 404).then(|| answer.text()))
    }
}
