//! The HTTP layer every provider sends through: the client the crate builds (no redirects,
//! a timeout, its own `User-Agent`), one exchange with its answer read under a size cap,
//! `Retry-After`, URL checks, and what a failed request means for the caller.
//!
//! A failure is mapped by what the provider can have seen of it:
//!
//! - the connection never opened: [`Error::Connect`], safe to retry;
//! - the request went out and a request with effects (a send) got no complete answer:
//!   [`Error::MaybeSent`], never repeated by the crate;
//! - the same for a request without effects (a download, a lookup): [`Error::Transport`].
//!
//! Answers are read under a cap, so that a provider (or anything posing as one) cannot make
//! a client hold an arbitrarily large answer in memory: a success answer past 1 MiB is not
//! read, and an error answer's body is kept up to its first 64 KiB.

use std::time::Duration;

use bytes::{Bytes, BytesMut};

use crate::error::{ConfigError, Error, TransportError};
use crate::kind::ProviderKind;
use crate::retry::RetryPolicy;
use crate::urls::http_url;
pub(crate) use crate::urls::mask_password;

/// How long one HTTP request to a provider may take, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest the crate's own client waits for a connection to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `User-Agent` of the crate's requests.
pub(crate) const USER_AGENT: &str = concat!("whatsapp-connector/", env!("CARGO_PKG_VERSION"));

/// The most of an error answer's body that is read (and kept in [`ApiError::body`]); the
/// rest is dropped.
///
/// [`ApiError::body`]: crate::ApiError::body
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// The largest success answer (a receipt, a chat) that is read.
pub(crate) const MAX_SUCCESS_BODY: usize = 1024 * 1024;

/// The HTTP client a provider uses unless given one: it follows no redirect (reqwest keeps
/// custom headers such as an access token when it follows one to another host), gives up
/// on a connection after 10 s (or `timeout`, when shorter), and names the crate in its
/// `User-Agent`.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| ConfigError::new("http_client", e.to_string()))
}

/// The HTTP settings a provider builder takes: its own client (else the crate's), how long
/// one request may take, and how sends are retried.
#[derive(Debug, Clone)]
pub(crate) struct HttpSettings {
    pub(crate) client: Option<reqwest::Client>,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            client: None,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
        }
    }
}

impl HttpSettings {
    /// Checks the settings (errors name the builder setting) and makes the client.
    pub(crate) fn build(self) -> Result<Http, ConfigError> {
        if self.timeout.is_zero() {
            return Err(ConfigError::new("timeout", "must be more than zero"));
        }
        if self.retry.max_attempts == 0 {
            return Err(ConfigError::new(
                "retry_policy",
                "max_attempts must be at least 1",
            ));
        }
        let client = match self.client {
            Some(c) => c,
            None => client(self.timeout)?,
        };
        Ok(Http {
            client,
            timeout: self.timeout,
            retry: self.retry,
        })
    }
}

/// A built provider's HTTP side: the client, the timeout of each request, and the retry
/// policy of sends.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    pub(crate) client: reqwest::Client,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

impl Http {
    /// A request with `method` to `url`, with this provider's timeout.
    pub(crate) fn request(&self, method: http::Method, url: &str) -> reqwest::RequestBuilder {
        self.client.request(method, url).timeout(self.timeout)
    }

    /// A request with `method` to a URL prepared once ([`Target`]), with this provider's
    /// timeout: the URL is not parsed again.
    #[cfg_attr(not(feature = "twilio"), allow(dead_code))]
    pub(crate) fn request_to(
        &self,
        method: http::Method,
        target: &Target,
    ) -> reqwest::RequestBuilder {
        let builder = match &target.parsed {
            Some(url) => self.client.request(method, url.clone()),
            None => self.client.request(method, target.text.as_str()),
        };
        builder.timeout(self.timeout)
    }
}

/// A URL a provider requests again and again (where its sends go), parsed once when the
/// provider is built rather than on every request. A text that does not parse is kept as
/// it is, so that requests to it fail as any unusable URL does ([`request_error`]: a
/// configuration error naming `base_url`).
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "twilio"), allow(dead_code))]
pub(crate) struct Target {
    text: String,
    parsed: Option<url::Url>,
}

#[cfg_attr(not(feature = "twilio"), allow(dead_code))]
impl Target {
    /// `text`, parsed.
    pub(crate) fn new(text: String) -> Self {
        let parsed = url::Url::parse(&text).ok();
        Target { text, parsed }
    }

    /// The URL as it was given (for errors and logs).
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }
}

/// `Accept: application/json`, without building the value for each request.
pub(crate) fn accept_json() -> http::HeaderValue {
    http::HeaderValue::from_static("application/json")
}

/// A header value that carries a credential (an `Authorization` header), made once when the
/// provider is built. It is marked sensitive, so the HTTP stack leaves it out of its own
/// output, and this crate's `Debug` shows `***`.
#[derive(Clone)]
pub(crate) struct CredentialHeader(http::HeaderValue);

impl CredentialHeader {
    /// `value` as a sensitive header value, or `None` when a header cannot carry it.
    pub(crate) fn new(value: &str) -> Option<Self> {
        let mut value = http::HeaderValue::from_str(value).ok()?;
        value.set_sensitive(true);
        Some(CredentialHeader(value))
    }

    /// The value, for a request (a cheap copy: the bytes are shared).
    pub(crate) fn value(&self) -> http::HeaderValue {
        self.0.clone()
    }
}

impl std::fmt::Debug for CredentialHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CredentialHeader(***)")
    }
}

/// `s` as an `http(s)` URL, or the configuration error naming `field`.
pub(crate) fn config_http_url(field: &str, s: &str) -> Result<url::Url, ConfigError> {
    http_url(s).ok_or_else(|| ConfigError::new(field, format!("{s:?} is not an http(s) URL")))
}

/// Parses a `Retry-After` header value given in seconds. (The HTTP-date form is not used by
/// these providers and is read as absent.)
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    v.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

/// The `Retry-After` of an answer, when it gives one in seconds.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// Whether a request has effects at the provider (a send), which decides what a request
/// that got no complete answer means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    /// It sends something: without an answer, it may have been sent.
    Sends,
    /// It only reads: repeating it is safe.
    Reads,
}

#[cfg(any(feature = "twilio", feature = "meta"))]
/// The message of an error answer whose body is not the provider's error JSON: the status,
/// and that the body is empty or an excerpt of it (`not_what` says what it is not: "Twilio's
/// error JSON").
pub(crate) fn unreadable_error_message(status: u16, body: &str, not_what: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        format!("HTTP {status} with an empty body")
    } else {
        format!(
            "HTTP {status} with a body that is not {not_what}: {}",
            crate::error::excerpt(trimmed, ERROR_EXCERPT_CHARS)
        )
    }
}

#[cfg(any(feature = "twilio", feature = "meta"))]
/// How much of an unreadable error body [`unreadable_error_message`] shows.
const ERROR_EXCERPT_CHARS: usize = 200;

#[cfg(any(feature = "twilio", feature = "meta"))]
/// Where a redirect answer leads: its `Location`, resolved against `current`; otherwise
/// what was wrong with it. Whether the URL may be followed (and with which credentials) is
/// the caller's to decide.
pub(crate) fn redirect_location(
    current: &url::Url,
    response: &reqwest::Response,
) -> Result<url::Url, String> {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| format!("HTTP {status} redirect without a Location"))?;
    current
        .join(location)
        .map_err(|_| format!("HTTP {status} redirect to an invalid URL {location:?}"))
}

/// A failure after the request went out, by what the request does.
pub(crate) fn after_sending(effect: Effect, error: TransportError) -> Error {
    match effect {
        Effect::Sends => Error::MaybeSent(error),
        Effect::Reads => Error::Transport(error),
    }
}

/// What a failed request means: not sent when the connection never opened; a
/// configuration error when the URL could not be used; else by the request's effect.
pub(crate) fn request_error(
    provider: &ProviderKind,
    url: &str,
    effect: Effect,
    e: reqwest::Error,
) -> Error {
    if e.is_builder() {
        return Error::Config(ConfigError::new(
            "base_url",
            format!("{:?} cannot be requested", mask_password(url)),
        ));
    }
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_timeout() {
        match effect {
            Effect::Sends => "no answer within the timeout; the message may have been sent",
            Effect::Reads => "no answer within the timeout",
        }
    } else {
        match effect {
            Effect::Sends => "the request failed after it was sent; the message may have been sent",
            Effect::Reads => "the request failed",
        }
    };
    let error = TransportError::new(provider.clone(), url, what).with_reqwest(e);
    if error.is_connect() {
        Error::Connect(error)
    } else {
        after_sending(effect, error)
    }
}

/// Sends `request` to `url` (the URL it was built with, for errors).
pub(crate) async fn send(
    provider: &ProviderKind,
    url: &str,
    effect: Effect,
    request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, Error> {
    request
        .send()
        .await
        .map_err(|e| request_error(provider, url, effect, e))
}

/// An answer: its status, its `Retry-After`, and its body (a success body whole; an error
/// body up to [`MAX_ERROR_BODY`]).
#[derive(Debug)]
pub(crate) struct Answer {
    /// The HTTP status.
    pub(crate) status: u16,
    /// The `Retry-After` it gave.
    pub(crate) retry_after: Option<Duration>,
    /// The body.
    pub(crate) body: Bytes,
}

impl Answer {
    /// True for a 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One exchange: sends `request` and reads the answer. A 2xx whose body cannot be read, or
/// runs past [`MAX_SUCCESS_BODY`], may have been processed when the request has effects;
/// for a read it is a transport failure or [`Error::TooLarge`].
pub(crate) async fn exchange(
    provider: &ProviderKind,
    url: &str,
    effect: Effect,
    request: reqwest::RequestBuilder,
) -> Result<Answer, Error> {
    let mut response = send(provider, url, effect, request).await?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    if !(200..300).contains(&status) {
        return Ok(Answer {
            status,
            retry_after,
            body: read_error_body(&mut response).await,
        });
    }
    let read = read_capped(&mut response, MAX_SUCCESS_BODY, true)
        .await
        .map_err(|e| {
            let what = format!("HTTP {status}, but the body could not be read");
            after_sending(
                effect,
                TransportError::new(provider.clone(), url, what).with_reqwest(e),
            )
        })?;
    if !read.complete {
        return Err(match effect {
            Effect::Sends => Error::MaybeSent(TransportError::new(
                provider.clone(),
                url,
                format!(
                    "HTTP {status} with a body larger than {MAX_SUCCESS_BODY} bytes, which was not read; the message may have been sent"
                ),
            )),
            Effect::Reads => Error::TooLarge {
                provider: provider.clone(),
                limit: MAX_SUCCESS_BODY as u64,
            },
        });
    }
    Ok(Answer {
        status,
        retry_after,
        body: read.bytes,
    })
}

/// An error answer's body, up to [`MAX_ERROR_BODY`]; what could not be read is left out.
pub(crate) async fn read_error_body(response: &mut reqwest::Response) -> Bytes {
    read_capped(response, MAX_ERROR_BODY, false)
        .await
        .map(|r| r.bytes)
        .unwrap_or_default()
}

/// The start of a body, at most the cap.
pub(crate) struct Capped {
    /// The bytes read.
    pub(crate) bytes: Bytes,
    /// False when the body went on past the cap (and was not read further).
    pub(crate) complete: bool,
}

/// Reads `response`'s body up to `limit` bytes. A body announced larger than the limit is
/// not read at all when `skip_oversized` is set; otherwise its first `limit` bytes are kept.
pub(crate) async fn read_capped(
    response: &mut reqwest::Response,
    limit: usize,
    skip_oversized: bool,
) -> Result<Capped, reqwest::Error> {
    let announced = response.content_length();
    if skip_oversized && announced.is_some_and(|n| n > limit as u64) {
        return Ok(Capped {
            bytes: Bytes::new(),
            complete: false,
        });
    }
    // The usual answer (a receipt) arrives in one chunk: it is kept as it came, not copied.
    let Some(first) = response.chunk().await? else {
        return Ok(Capped {
            bytes: Bytes::new(),
            complete: true,
        });
    };
    if first.len() <= limit && announced == Some(first.len() as u64) {
        if let Some(more) = response.chunk().await? {
            // More than it announced: hyper does not let that happen; read it as any body.
            let mut buf = BytesMut::with_capacity(first.len() + more.len());
            buf.extend_from_slice(&first);
            return read_rest(response, buf, more, limit).await;
        }
        return Ok(Capped {
            bytes: first,
            complete: true,
        });
    }
    let capacity = announced.map_or(0, |n| n.min(limit as u64) as usize);
    read_rest(response, BytesMut::with_capacity(capacity), first, limit).await
}

/// Reads the rest of a body into `buf` from `chunk` (read already) on, up to `limit` bytes.
async fn read_rest(
    response: &mut reqwest::Response,
    mut buf: BytesMut,
    chunk: Bytes,
    limit: usize,
) -> Result<Capped, reqwest::Error> {
    let mut next = Some(chunk);
    while let Some(chunk) = next {
        let room = limit.saturating_sub(buf.len());
        if chunk.len() > room {
            buf.extend_from_slice(chunk.get(..room).unwrap_or_default());
            return Ok(Capped {
                bytes: buf.freeze(),
                complete: false,
            });
        }
        buf.extend_from_slice(&chunk);
        next = response.chunk().await?;
    }
    Ok(Capped {
        bytes: buf.freeze(),
        complete: true,
    })
}

/// A 2xx answer to a send that the crate cannot read as a receipt (not JSON, or no
/// message id): the provider took the request, but the crate cannot say which message it
/// made, so a retry could send it twice.
pub(crate) fn unconfirmed_send(
    provider: &ProviderKind,
    url: &str,
    status: u16,
    why: &str,
    excerpt: &str,
) -> TransportError {
    let what = if excerpt.is_empty() {
        format!("HTTP {status}, but {why}; the message may have been sent")
    } else {
        format!("HTTP {status}, but {why}; the message may have been sent: {excerpt}")
    };
    TransportError::new(provider.clone(), url, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_retry_after_seconds() {
        assert_eq!(parse_retry_after(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    #[test]
    fn http_urls() {
        assert!(crate::urls::http_url("https://example.com/a").is_some());
        assert!(crate::urls::http_url("http://127.0.0.1:9").is_some());
        assert!(crate::urls::http_url("ftp://example.com").is_none());
        assert!(crate::urls::http_url("not a url").is_none());
        assert!(crate::urls::http_url("file:///etc/passwd").is_none());
        let e = config_http_url("base_url", "ftp://x").unwrap_err();
        assert_eq!(e.field, "base_url");
        assert_eq!(e.reason, "\"ftp://x\" is not an http(s) URL");
    }

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_password("https://bot:hunter2@example.com/a?b=1"),
            "https://bot:***@example.com/a?b=1"
        );
        assert_eq!(
            mask_password("https://example.com/a"),
            "https://example.com/a"
        );
        assert!(!mask_password("http://u:hunter2@[bad/").contains("hunter2"));
    }

    #[test]
    fn a_credential_header_is_sensitive_and_never_shown() {
        let h = CredentialHeader::new("Basic QUM6aHVudGVyMg==").unwrap();
        assert!(h.value().is_sensitive());
        assert_eq!(h.value(), "Basic QUM6aHVudGVyMg==");
        assert_eq!(format!("{h:?}"), "CredentialHeader(***)");
        assert!(CredentialHeader::new("line\nbreak").is_none());
    }

    #[test]
    fn a_target_keeps_its_text_and_parses_it_once() {
        let t = Target::new("http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json".into());
        assert_eq!(
            t.as_str(),
            "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json"
        );
        assert_eq!(t.parsed.as_ref().map(url::Url::port), Some(Some(9)));
        // Text that does not parse is kept, for the request to fail as reqwest fails it.
        let bad = Target::new("http://[bad/x".into());
        assert!(bad.parsed.is_none());
        assert_eq!(bad.as_str(), "http://[bad/x");
    }

    #[test]
    fn the_user_agent_names_the_crate() {
        assert!(USER_AGENT.starts_with("whatsapp-connector/"));
        assert!(USER_AGENT.ends_with(env!("CARGO_PKG_VERSION")));
    }
}
