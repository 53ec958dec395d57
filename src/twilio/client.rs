//! The HTTP calls to Twilio: a send (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`,
//! form-encoded, with safe retries) and inbound media downloads.
//!
//! Retries follow the provider's [`RetryPolicy`](crate::retry::RetryPolicy): only what
//! Twilio did not process is sent again (HTTP 429, code 20429 or 63018, a failure to
//! connect), after a full-jitter exponential backoff or the `Retry-After` Twilio gave. A
//! timeout or a 5xx after the request went out comes back as "may have been sent"
//! ([`Error::may_have_been_sent`]) and is never sent again.

use bytes::Bytes;

use super::answer::{api_error, receipt};
use super::config::{Credentials, Inner};
use super::request::MessageRequest;
use crate::error::{ApiError, ConfigError, Error, TransportError};
use crate::message::{SendReceipt, ValidationError, check_http_url};
use crate::provider::ProviderKind;
use crate::retry::run_with_retries;
use crate::transport::{self, Effect};

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// The most redirects a media download follows.
const MAX_REDIRECTS: usize = 5;

pub(super) fn credentials(inner: &Inner) -> Result<(&str, &str), Error> {
    match &inner.credentials {
        Some(Credentials::AuthToken(t)) => Ok((&inner.account_sid, t.expose())),
        Some(Credentials::ApiKey { sid, secret }) => Ok((sid, secret.expose())),
        None => Err(Error::Config(ConfigError::new(
            "auth_token",
            "no auth token or API key is configured; sending needs one",
        ))),
    }
}

/// Sends with retries (the caller wraps it in the send span).
pub(crate) async fn send(inner: &Inner, request: &MessageRequest) -> Result<SendReceipt, Error> {
    let sender = inner.sender.as_ref().ok_or_else(|| {
        Error::Config(ConfigError::new(
            "from",
            "is not configured; sending needs it (a whatsapp:+E164 number or a MessagingServiceSid)",
        ))
    })?;
    let (user, password) = credentials(inner)?;
    let body = request.encode(sender)?;
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        inner.api_base, inner.account_sid
    );
    run_with_retries(&inner.http.retry, |_| async {
        let request = form_post(inner, &url, (user, password), body.clone());
        let answer = transport::exchange(&TWILIO, &url, Effect::Sends, request).await?;
        if answer.is_success() {
            receipt(&url, answer.status, &answer.body)
        } else {
            let text = answer.text();
            Err(api_error(answer.status, &text, answer.retry_after).into())
        }
    })
    .await
}

/// A form `POST` to `url` with the account's Basic credentials, asking for JSON back.
fn form_post(
    inner: &Inner,
    url: &str,
    (user, password): (&str, &str),
    body: String,
) -> reqwest::RequestBuilder {
    inner
        .http
        .request(http::Method::POST, url)
        .basic_auth(user, Some(password))
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
}

/// `POST {messaging}/v2/Indicators/Typing.json` with `messageId` and `channel=whatsapp`,
/// with retries for what Twilio did not process.
pub(crate) async fn typing(inner: &Inner, message_sid: &str) -> Result<(), Error> {
    if !(super::is_sid(message_sid, "SM") || super::is_sid(message_sid, "MM")) {
        return Err(Error::Invalid(ValidationError::Invalid {
            field: "message id",
            reason: "must be the inbound message's SID: SM or MM followed by 32 hexadecimal digits"
                .into(),
        }));
    }
    let (user, password) = credentials(inner)?;
    let body = serde_urlencoded::to_string([("messageId", message_sid), ("channel", "whatsapp")])
        .map_err(|e| {
        Error::Invalid(ValidationError::Invalid {
            field: "form",
            reason: e.to_string(),
        })
    })?;
    let url = format!("{}/v2/Indicators/Typing.json", inner.messaging_base);
    tracing::debug!(message_id = message_sid, "twilio: typing indicator");
    run_with_retries(&inner.http.retry, |_| async {
        let request = form_post(inner, &url, (user, password), body.clone());
        let answer = transport::exchange(&TWILIO, &url, Effect::Reads, request).await?;
        let text = answer.text();
        if !answer.is_success() {
            return Err(api_error(answer.status, &text, answer.retry_after).into());
        }
        // `{"success": true}`; a body that says `false` is a refusal.
        let refused = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("success").and_then(serde_json::Value::as_bool))
            == Some(false);
        if refused {
            let e = ApiError::new(
                TWILIO,
                answer.status,
                "Twilio answered \"success\": false to the typing indicator",
            )
            .with_body(text);
            return Err(e.into());
        }
        Ok(())
    })
    .await
}

/// A downloaded media file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadedMedia {
    /// The `Content-Type` of the answer, when given.
    pub content_type: Option<String>,
    /// The bytes.
    pub bytes: Bytes,
    /// The URL the bytes finally came from (after redirects).
    pub url: String,
}

/// Downloads `url`, following up to [`MAX_REDIRECTS`] redirects; credentials go only to
/// Twilio's API origins, never to a host a redirect leads to (the CDN).
pub(crate) async fn download_media(inner: &Inner, url: &str) -> Result<DownloadedMedia, Error> {
    let mut current = check_http_url("media url", url)?;
    for _ in 0..=MAX_REDIRECTS {
        let mut request = inner.http.request(http::Method::GET, current.as_str());
        if inner.media_origins.contains(&current.origin()) {
            let (user, password) = credentials(inner)?;
            request = request.basic_auth(user, Some(password));
        }
        let mut response =
            transport::send(&TWILIO, current.as_str(), Effect::Reads, request).await?;
        let status = response.status();
        if status.is_redirection() {
            current = redirect_target(&current, &response)?;
            continue;
        }
        if !status.is_success() {
            let retry = transport::retry_after(response.headers());
            let body = transport::read_error_body(&mut response).await;
            let text = String::from_utf8_lossy(&body);
            return Err(api_error(status.as_u16(), &text, retry).into());
        }
        return read_media(inner, current, response).await;
    }
    Err(Error::Transport(TransportError::new(
        TWILIO,
        current.as_str(),
        format!("more than {MAX_REDIRECTS} redirects"),
    )))
}

/// Where a redirect answer leads: an `http(s)` URL, resolved against the current one.
fn redirect_target(current: &url::Url, response: &reqwest::Response) -> Result<url::Url, Error> {
    let failed =
        |what: String| Error::Transport(TransportError::new(TWILIO, current.as_str(), what));
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| failed(format!("HTTP {status} redirect without a Location")))?;
    let next = current
        .join(location)
        .map_err(|_| failed(format!("redirect to an invalid URL {location:?}")))?;
    check_http_url("media url", next.as_str()).map_err(|_| {
        failed(format!(
            "redirect to a URL that is not http(s): {location:?}"
        ))
    })
}

/// Reads a media answer's body up to the configured limit.
async fn read_media(
    inner: &Inner,
    url: url::Url,
    mut response: reqwest::Response,
) -> Result<DownloadedMedia, Error> {
    let limit = inner.media_max_bytes;
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let read = transport::read_capped(
        &mut response,
        usize::try_from(limit).unwrap_or(usize::MAX),
        true,
    )
    .await
    .map_err(|e| {
        let error = TransportError::new(TWILIO, url.as_str(), "the download failed");
        Error::Transport(error.with_reqwest(e))
    })?;
    if !read.complete {
        return Err(Error::TooLarge {
            provider: TWILIO,
            limit,
        });
    }
    Ok(DownloadedMedia {
        content_type,
        bytes: read.bytes,
        url: url.into(),
    })
}
