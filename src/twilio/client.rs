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
use crate::transport::{self, CredentialHeader, Effect, Target};

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// The most redirects a media download follows.
const MAX_REDIRECTS: usize = 5;

/// The user and password of the account's Basic credentials (for the calls that set them
/// per request: Content, accounts, senders).
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

/// What every call to Twilio's API reuses, made once when the provider is built: the
/// `Authorization` header (the Basic credentials, encoded), and the URLs of the Messages
/// and typing-indicator resources (parsed).
#[derive(Debug)]
pub(crate) struct Prepared {
    /// `None` without credentials, or when a header cannot carry them.
    authorization: Option<CredentialHeader>,
    messages: Target,
    typing: Target,
}

impl Prepared {
    pub(crate) fn new(
        account_sid: &str,
        credentials: Option<&Credentials>,
        api_base: &str,
        messaging_base: &str,
    ) -> Self {
        let authorization = credentials.and_then(|c| {
            let (user, password) = match c {
                Credentials::AuthToken(t) => (account_sid, t.expose()),
                Credentials::ApiKey { sid, secret } => (sid.as_str(), secret.expose()),
            };
            basic_authorization(user, password)
        });
        Prepared {
            authorization,
            messages: Target::new(format!(
                "{api_base}/2010-04-01/Accounts/{account_sid}/Messages.json"
            )),
            typing: Target::new(format!("{messaging_base}/v2/Indicators/Typing.json")),
        }
    }
}

/// `Basic` and the base64 of `user:password`, as reqwest's `basic_auth` makes it.
fn basic_authorization(user: &str, password: &str) -> Option<CredentialHeader> {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    let mut plain = String::with_capacity(user.len() + password.len() + 1);
    plain.push_str(user);
    plain.push(':');
    plain.push_str(password);
    let mut value = String::from("Basic ");
    STANDARD.encode_string(plain.as_bytes(), &mut value);
    CredentialHeader::new(&value)
}

/// The account's `Authorization` header, or the configuration error saying none is set.
fn authorization(inner: &Inner) -> Result<http::HeaderValue, Error> {
    match &inner.prepared.authorization {
        Some(h) => Ok(h.value()),
        None if inner.credentials.is_some() => Err(Error::Config(ConfigError::new(
            "auth_token",
            "holds characters an HTTP header cannot carry",
        ))),
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
    let authorization = authorization(inner)?;
    // Encoded once; every attempt sends the same bytes (shared, not copied).
    let body = Bytes::from(request.encode(sender));
    let target = &inner.prepared.messages;
    run_with_retries(&inner.http.retry, |_| async {
        let request = form_post(inner, target, authorization.clone(), body.clone());
        let answer = transport::exchange(&TWILIO, target.as_str(), Effect::Sends, request).await?;
        if answer.is_success() {
            receipt(target.as_str(), answer.status, &answer.body)
        } else {
            let text = answer.text();
            Err(api_error(answer.status, &text, answer.retry_after).into())
        }
    })
    .await
}

/// A form `POST` to `target` with the account's Basic credentials, asking for JSON back.
fn form_post(
    inner: &Inner,
    target: &Target,
    authorization: http::HeaderValue,
    body: Bytes,
) -> reqwest::RequestBuilder {
    inner
        .http
        .request_to(http::Method::POST, target)
        .header(http::header::AUTHORIZATION, authorization)
        .header(http::header::ACCEPT, transport::accept_json())
        .header(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded"),
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
    let authorization = authorization(inner)?;
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("messageId", message_sid)
        .append_pair("channel", "whatsapp")
        .finish();
    let body = Bytes::from(body);
    let target = &inner.prepared.typing;
    tracing::debug!(message_id = message_sid, "twilio: typing indicator");
    run_with_retries(&inner.http.retry, |_| async {
        let request = form_post(inner, target, authorization.clone(), body.clone());
        let answer = transport::exchange(&TWILIO, target.as_str(), Effect::Reads, request).await?;
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
            request = request.header(http::header::AUTHORIZATION, authorization(inner)?);
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
    let next = transport::redirect_location(current, response).map_err(failed)?;
    check_http_url("media url", next.as_str()).map_err(|_| {
        failed(format!(
            "redirect to a URL that is not http(s): {}",
            next.as_str()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn the_authorization_header_is_made_once_as_basic_auth_makes_it() {
        let token = Credentials::AuthToken(Secret::new("hunter2"));
        let p = Prepared::new(
            "AC1",
            Some(&token),
            "https://api.example",
            "https://m.example",
        );
        // base64("AC1:hunter2")
        let header = p.authorization.as_ref().unwrap().value();
        assert_eq!(header, "Basic QUMxOmh1bnRlcjI=");
        assert!(header.is_sensitive());
        assert!(!format!("{p:?}").contains("QUMx"));
        assert_eq!(
            p.messages.as_str(),
            "https://api.example/2010-04-01/Accounts/AC1/Messages.json"
        );
        assert_eq!(
            p.typing.as_str(),
            "https://m.example/v2/Indicators/Typing.json"
        );

        let key = Credentials::ApiKey {
            sid: "SK1".into(),
            secret: Secret::new("s3cret"),
        };
        let p = Prepared::new(
            "AC1",
            Some(&key),
            "https://api.example",
            "https://m.example",
        );
        // base64("SK1:s3cret")
        assert_eq!(p.authorization.unwrap().value(), "Basic U0sxOnMzY3JldA==");
        assert!(
            Prepared::new("AC1", None, "https://a", "https://m")
                .authorization
                .is_none()
        );
    }
}
