//! Sending through Twilio's Messages API, and downloading inbound media.
//!
//! A send is one form-encoded `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`.
//! Twilio answers `201` with the Message resource, which becomes the [`SendReceipt`], or
//! with an error body that becomes an [`ApiError`], classified by [`classify`].
//!
//! Retries follow the provider's [`RetryPolicy`](crate::retry::RetryPolicy): only what
//! Twilio did not process is sent again (HTTP 429, code 20429 or 63018, a failure to
//! connect), after a full-jitter exponential backoff or the `Retry-After` Twilio gave. A
//! timeout or a 5xx after the request went out comes back as "may have been sent"
//! ([`Error::may_have_been_sent`]) and is never sent again.
//!
//! Answers are read under a cap: a success answer past 1 MiB is not read (the message may
//! have been sent, so it is [`Error::MaybeSent`]), and an error answer's body is kept up to
//! its first 64 KiB. Media downloads stop at the configured limit with [`Error::TooLarge`].

use bytes::Bytes;
use serde_json::Value;

use super::{Credentials, Inner, Sender};
use crate::address::WhatsAppAddress;
use crate::body::{MAX_ERROR_BODY, MAX_SUCCESS_BODY, read_capped};
use crate::error::{ApiError, ApiErrorKind, ConfigError, Error, excerpt};
use crate::event::DeliveryStatus;
use crate::message::{Content, Limits, OutboundMessage, SendReceipt, TemplateId, ValidationError};
use crate::provider::ProviderKind;
use crate::retry::{parse_retry_after, run_with_retries};

const TWILIO: ProviderKind = ProviderKind::TWILIO;
/// How many characters of a body that is not Twilio's error JSON go into the message.
const EXCERPT_CHARS: usize = 200;
/// The most redirects a media download follows.
const MAX_REDIRECTS: usize = 5;

/// The form of one Messages API call: the recipient and the parameters, in order.
///
/// [`TwilioProvider::send`](crate::WhatsAppProvider::send) builds one from an
/// [`OutboundMessage`]; build one yourself for what the neutral message does not hold
/// (several media URLs, other Messages API parameters).
///
/// ```
/// use whatsapp_connector::twilio::MessageRequest;
/// use whatsapp_connector::WhatsAppAddress;
///
/// let to = WhatsAppAddress::parse("whatsapp:+14155550100").unwrap();
/// let req = MessageRequest::new(to)
///     .body("Two photos")
///     .media_url("https://example.com/a.jpg")
///     .media_url("https://example.com/b.jpg");
/// assert_eq!(req.params()[1], ("MediaUrl".to_string(), "https://example.com/a.jpg".to_string()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    to: WhatsAppAddress,
    params: Vec<(String, String)>,
}

impl MessageRequest {
    /// A message to `to` with no content yet.
    pub fn new(to: WhatsAppAddress) -> Self {
        MessageRequest {
            to,
            params: Vec::new(),
        }
    }

    /// The recipient.
    pub fn to(&self) -> &WhatsAppAddress {
        &self.to
    }

    /// The parameters other than `To` and the sender, in order.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Adds any Messages API parameter (`ValidityPeriod`, `ShortenUrls`, …). A repeated
    /// name is sent repeated.
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Sets `Body`: the text, or a media caption (at most 1,600 characters).
    pub fn body(self, body: impl Into<String>) -> Self {
        self.param("Body", body)
    }

    /// Adds a `MediaUrl` (repeat it for several).
    pub fn media_url(self, url: impl Into<String>) -> Self {
        self.param("MediaUrl", url)
    }

    /// Sets `ContentSid` (a Content template, `HX…`).
    pub fn content_sid(self, sid: impl Into<String>) -> Self {
        self.param("ContentSid", sid)
    }

    /// Sets `ContentVariables`: the template's variables as a JSON object, sent as a
    /// string.
    pub fn content_variables<'a, I>(self, variables: I) -> Self
    where
        I: IntoIterator<Item = (&'a String, &'a String)>,
    {
        let map: serde_json::Map<String, Value> = variables
            .into_iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        self.param("ContentVariables", Value::Object(map).to_string())
    }

    /// Adds a `PersistentAction` (`geo:LAT,LON|LABEL` for a location).
    pub fn persistent_action(self, action: impl Into<String>) -> Self {
        self.param("PersistentAction", action)
    }

    /// Sets `StatusCallback`: where Twilio posts this message's status changes.
    pub fn status_callback(self, url: impl Into<String>) -> Self {
        self.param("StatusCallback", url)
    }

    /// The request for a neutral message: validated against Twilio's limits, and refused
    /// with [`Error::Unsupported`] for interactive content and templates by name (Twilio
    /// sends both only as Content templates, by `HX…` SID).
    pub fn from_outbound(message: &OutboundMessage) -> Result<Self, Error> {
        message.validate_with(&Limits::TWILIO)?;
        let mut req = MessageRequest::new(message.to.clone());
        req = match &message.content {
            Content::Text { body } => req.body(body.clone()),
            Content::Media(m) => {
                let req = match &m.caption {
                    Some(c) if !c.is_empty() => req.body(c.clone()),
                    _ => req,
                };
                req.media_url(m.url.clone())
            }
            Content::Template(t) => match &t.id {
                TemplateId::Id(sid) => {
                    if !super::is_sid(sid, "HX") {
                        return Err(ValidationError::Invalid {
                            field: "content sid",
                            reason: "must be HX followed by 32 hexadecimal digits".into(),
                        }
                        .into());
                    }
                    let req = req.content_sid(sid.clone());
                    if t.variables.is_empty() {
                        req
                    } else {
                        req.content_variables(&t.variables)
                    }
                }
                TemplateId::Name(_) => {
                    return Err(Error::Unsupported {
                        provider: TWILIO,
                        what: "templates by name (Twilio sends Content templates by their HX… SID)",
                    });
                }
            },
            Content::Location(l) => {
                let label = l.name.as_deref().or(l.address.as_deref());
                let mut action = format!("geo:{},{}", l.latitude, l.longitude);
                if let Some(label) = label {
                    action.push('|');
                    action.push_str(label);
                }
                // Twilio needs a Body with the location; the address (or name) reads best.
                let body = l
                    .address
                    .clone()
                    .or_else(|| l.name.clone())
                    .unwrap_or_else(|| format!("{}, {}", l.latitude, l.longitude));
                req.body(body).persistent_action(action)
            }
            Content::Interactive(_) => {
                return Err(Error::Unsupported {
                    provider: TWILIO,
                    what: "interactive messages without a Content template (create one and send it as a template by its HX… SID)",
                });
            }
        };
        if let Some(cb) = &message.status_callback {
            // Twilio refuses a StatusCallback whose host name has an underscore.
            let host = url::Url::parse(cb)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned));
            if host.is_some_and(|h| h.contains('_')) {
                return Err(Error::Invalid(ValidationError::Invalid {
                    field: "status_callback",
                    reason: "Twilio does not accept an underscore in its host name".into(),
                }));
            }
            req = req.status_callback(cb.clone());
        }
        Ok(req)
    }

    /// What the request sends, for logs: `template`, `media`, `location` or `text`.
    pub(crate) fn kind(&self) -> &'static str {
        let has = |name: &str| self.params.iter().any(|(k, _)| k == name);
        if has("ContentSid") {
            "template"
        } else if has("MediaUrl") {
            "media"
        } else if has("PersistentAction") {
            "location"
        } else {
            "text"
        }
    }

    /// The form body, with `To` and the sender first.
    fn encode(&self, sender: &Sender) -> Result<String, Error> {
        let mut form: Vec<(&str, String)> = Vec::with_capacity(self.params.len() + 2);
        form.push(("To", self.to.whatsapp()));
        match sender {
            Sender::From(a) => form.push(("From", a.whatsapp())),
            Sender::MessagingService(sid) => form.push(("MessagingServiceSid", sid.clone())),
        }
        for (k, v) in &self.params {
            form.push((k, v.clone()));
        }
        serde_urlencoded::to_string(&form).map_err(|e| {
            Error::Invalid(ValidationError::Invalid {
                field: "form",
                reason: e.to_string(),
            })
        })
    }
}

/// What an error code means. Twilio's own code wins over the HTTP status: 20003 is an auth
/// failure, 21211 an invalid `To`, 21610 a recipient who opted out, 63015 a sandbox
/// recipient who has not joined, 63016 a free-form message outside the 24-hour window,
/// 20429 and 63018 (and HTTP 429) rate limiting.
///
/// ```
/// use whatsapp_connector::twilio::classify;
/// use whatsapp_connector::ApiErrorKind;
///
/// assert_eq!(classify(400, Some("63016")), ApiErrorKind::OutsideWindow);
/// assert_eq!(classify(429, None), ApiErrorKind::RateLimited);
/// assert_eq!(classify(503, None), ApiErrorKind::ServerError);
/// ```
pub fn classify(http_status: u16, code: Option<&str>) -> ApiErrorKind {
    match code.map(str::trim) {
        Some("20003") => ApiErrorKind::Unauthorized,
        Some("21211") => ApiErrorKind::InvalidRecipient,
        Some("21610") => ApiErrorKind::OptedOut,
        Some("63015") => ApiErrorKind::SandboxNotJoined,
        Some("63016") => ApiErrorKind::OutsideWindow,
        Some("20429") | Some("63018") => ApiErrorKind::RateLimited,
        _ => ApiErrorKind::from_http_status(http_status),
    }
}

/// Builds the error for a non-2xx answer: Twilio's JSON (`code`, `message`, `more_info`,
/// or the newer `title`/`detail`), or an excerpt of a body that is not.
pub(crate) fn api_error(
    status: u16,
    body: &str,
    retry_after: Option<std::time::Duration>,
) -> ApiError {
    let json = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .filter(|m| m.contains_key("code") || m.contains_key("message"));
    let err = match json {
        Some(m) => {
            let code = match m.get("code") {
                Some(Value::Number(n)) => Some(n.to_string()),
                Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                _ => None,
            };
            let text = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_owned);
            let message = text("message")
                .or_else(|| text("detail"))
                .or_else(|| text("title"))
                .unwrap_or_else(|| format!("HTTP {status}"));
            let mut e = ApiError::new(TWILIO, status, message)
                .with_more_info(text("more_info"))
                .with_kind(classify(status, code.as_deref()));
            if let Some(c) = code {
                e = e.with_code(c);
            }
            e
        }
        None => {
            let trimmed = body.trim();
            let message = if trimmed.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                format!(
                    "HTTP {status} with a body that is not Twilio's error JSON: {}",
                    excerpt(trimmed, EXCERPT_CHARS)
                )
            };
            ApiError::new(TWILIO, status, message).with_kind(classify(status, None))
        }
    };
    err.with_body(body).with_retry_after(retry_after)
}

/// Reads the `201` Message resource.
pub(crate) fn receipt(status: u16, body: &[u8]) -> Result<SendReceipt, Error> {
    let unreadable = |why: &str| Error::MaybeSent {
        provider: TWILIO,
        reason: format!(
            "Twilio answered HTTP {status} but {why}: {}",
            excerpt(String::from_utf8_lossy(body).trim(), EXCERPT_CHARS)
        ),
    };
    let value: Value =
        serde_json::from_slice(body).map_err(|_| unreadable("the body is not JSON"))?;
    let sid = value
        .get("sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| unreadable("the body has no message sid"))?
        .to_owned();
    let status = value.get("status").and_then(Value::as_str).map_or(
        DeliveryStatus::Other("unknown".into()),
        DeliveryStatus::parse,
    );
    Ok(SendReceipt::new(TWILIO, sid, status, value))
}

/// The error chain of a reqwest error, without the URL (it can be long and says nothing
/// new).
fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

fn credentials(inner: &Inner) -> Result<(&str, &str), Error> {
    match &inner.credentials {
        Some(Credentials::AuthToken(t)) => Ok((&inner.account_sid, t.expose())),
        Some(Credentials::ApiKey { sid, secret }) => Ok((sid, secret.expose())),
        None => Err(Error::Config(ConfigError::new(
            "credentials",
            "no auth token or API key is configured",
        ))),
    }
}

/// Sends with retries (the caller wraps it in the send span).
pub(crate) async fn send(inner: &Inner, request: &MessageRequest) -> Result<SendReceipt, Error> {
    let sender = inner.sender.as_ref().ok_or_else(|| {
        Error::Config(ConfigError::new(
            "from",
            "no sender is configured (a whatsapp:+E164 number or a MessagingServiceSid)",
        ))
    })?;
    let (user, password) = credentials(inner)?;
    let body = request.encode(sender)?;
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        inner.api_base, inner.account_sid
    );
    run_with_retries(&inner.retry, |_| {
        attempt(inner, &url, user, password, &body)
    })
    .await
}

async fn attempt(
    inner: &Inner,
    url: &str,
    user: &str,
    password: &str,
    body: &str,
) -> Result<SendReceipt, Error> {
    let mut response = inner
        .client
        .post(url)
        .basic_auth(user, Some(password))
        .header(http::header::ACCEPT, "application/json")
        .header(
            http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body.to_owned())
        .timeout(inner.timeout)
        .send()
        .await
        .map_err(|e| send_error(&e))?;
    let status = response.status().as_u16();
    let retry_after = retry_after(response.headers());
    if (200..300).contains(&status) {
        let read = read_capped(&mut response, MAX_SUCCESS_BODY, true)
            .await
            .map_err(|e| Error::MaybeSent {
                provider: TWILIO,
                reason: format!("the answer could not be read: {}", describe(&e)),
            })?;
        if !read.complete {
            return Err(Error::MaybeSent {
                provider: TWILIO,
                reason: format!(
                    "Twilio answered HTTP {status} with a body larger than {MAX_SUCCESS_BODY} bytes, which was not read"
                ),
            });
        }
        receipt(status, &read.bytes)
    } else {
        let text = read_capped(&mut response, MAX_ERROR_BODY, false)
            .await
            .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
            .unwrap_or_default();
        Err(Error::from(api_error(status, &text, retry_after)))
    }
}

fn retry_after(headers: &http::HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(http::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after)
}

/// A failed send: not sent when the connection never opened, else maybe sent.
fn send_error(e: &reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Connect {
            provider: TWILIO,
            reason: describe(e),
        }
    } else if e.is_builder() {
        Error::Config(ConfigError::new("base_url", describe(e)))
    } else if e.is_timeout() {
        Error::MaybeSent {
            provider: TWILIO,
            reason: format!("no answer within the timeout: {}", describe(e)),
        }
    } else {
        Error::MaybeSent {
            provider: TWILIO,
            reason: describe(e),
        }
    }
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

pub(crate) async fn download_media(inner: &Inner, url: &str) -> Result<DownloadedMedia, Error> {
    let not_http = || {
        Error::Invalid(ValidationError::NotHttpUrl {
            field: "media url",
            url: url.to_owned(),
        })
    };
    let mut current = url::Url::parse(url).map_err(|_| not_http())?;
    for _ in 0..=MAX_REDIRECTS {
        if !matches!(current.scheme(), "http" | "https") || current.host().is_none() {
            return Err(not_http());
        }
        let mut request = inner.client.get(current.as_str()).timeout(inner.timeout);
        // Credentials go only to Twilio's API origin; a redirect elsewhere (the CDN) gets
        // none.
        if inner.media_origins.contains(&current.origin()) {
            let (user, password) = credentials(inner)?;
            request = request.basic_auth(user, Some(password));
        }
        let mut response = request.send().await.map_err(|e| fetch_error(&e))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| Error::Transport {
                    provider: TWILIO,
                    reason: format!("HTTP {} redirect without a Location", status.as_u16()),
                })?;
            current = current.join(location).map_err(|_| Error::Transport {
                provider: TWILIO,
                reason: format!("redirect to an invalid URL {location:?}"),
            })?;
            continue;
        }
        if !status.is_success() {
            let retry = retry_after(response.headers());
            let text = read_capped(&mut response, MAX_ERROR_BODY, false)
                .await
                .map(|r| String::from_utf8_lossy(&r.bytes).into_owned())
                .unwrap_or_default();
            return Err(Error::from(api_error(status.as_u16(), &text, retry)));
        }
        let limit = inner.media_max_bytes;
        let content_type = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let too_large = Error::TooLarge {
            provider: TWILIO,
            limit,
        };
        let read = read_capped(
            &mut response,
            usize::try_from(limit).unwrap_or(usize::MAX),
            true,
        )
        .await
        .map_err(|e| fetch_error(&e))?;
        if !read.complete {
            return Err(too_large);
        }
        return Ok(DownloadedMedia {
            content_type,
            bytes: read.bytes,
            url: current.into(),
        });
    }
    Err(Error::Transport {
        provider: TWILIO,
        reason: format!("more than {MAX_REDIRECTS} redirects"),
    })
}

fn fetch_error(e: &reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Connect {
            provider: TWILIO,
            reason: describe(e),
        }
    } else {
        Error::Transport {
            provider: TWILIO,
            reason: describe(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies() {
        let e = api_error(
            400,
            r#"{"code": 21211, "message": "The 'To' number is not valid.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#,
            None,
        );
        assert_eq!(e.code.as_deref(), Some("21211"));
        assert_eq!(e.kind, ApiErrorKind::InvalidRecipient);
        assert_eq!(
            e.more_info.as_deref(),
            Some("https://www.twilio.com/docs/errors/21211")
        );
        let e = api_error(502, "<html>Bad gateway</html>", None);
        assert_eq!(e.kind, ApiErrorKind::ServerError);
        assert!(e.message.contains("<html>Bad gateway</html>"));
        assert!(e.code.is_none());
        let e = api_error(400, "[1, 2]", None);
        assert!(e.message.contains("not Twilio's error JSON"));
        let e = api_error(
            429,
            r#"{"type": "x", "title": "Too Many Requests", "status": 429, "code": "20429"}"#,
            None,
        );
        assert_eq!(
            (e.kind, e.message.as_str()),
            (ApiErrorKind::RateLimited, "Too Many Requests")
        );
    }

    #[test]
    fn receipts() {
        let r = receipt(201, br#"{"sid": "SM1", "status": "queued"}"#).unwrap();
        assert_eq!(
            (r.message_id.as_str(), r.status),
            ("SM1", DeliveryStatus::Queued)
        );
        assert!(receipt(201, b"oops").unwrap_err().may_have_been_sent());
        assert!(receipt(201, b"{}").unwrap_err().may_have_been_sent());
    }
}
