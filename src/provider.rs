//! The provider trait and the raw webhook request it verifies and parses.

use async_trait::async_trait;
use bytes::Bytes;
use http::{HeaderMap, Method};

use crate::address::WhatsAppAddress;
use crate::error::{Error, HandshakeError, ParseError, VerifyError};
use crate::event::{InboundEvent, InboundMessage, Timestamp};
pub use crate::kind::ProviderKind;
use crate::message::{Content, Limits, OutboundMessage, SendReceipt, split_text};
use crate::quota::SendLimit;

/// One WhatsApp provider: it sends messages, and verifies and parses the webhooks it calls.
///
/// The trait is object safe, so a bot platform can hold `Box<dyn WhatsAppProvider>` or
/// `Arc<dyn WhatsAppProvider>` for each bot. `verify` and `parse` are pure CPU work: no I/O.
///
/// To implement it for a provider of your own, put `#[async_trait]` on your `impl` (the
/// attribute is re-exported as [`whatsapp_connector::async_trait`](crate::async_trait)) and
/// name the provider with a [`ProviderKind`] of yours: [`guide::custom_provider`] has a
/// complete example.
///
/// [`guide::custom_provider`]: crate::guide::custom_provider
#[async_trait]
pub trait WhatsAppProvider: Send + Sync {
    /// Which provider this is.
    fn kind(&self) -> ProviderKind;

    /// Sends one message. Retries only what the provider did not process; see
    /// [`Error::may_have_been_sent`].
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error>;

    /// Proves the webhook came from the provider.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] when the request cannot be proved to come from the provider: the signature
    /// or token header is missing, malformed or repeated
    /// ([`MissingHeader`](VerifyError::MissingHeader),
    /// [`MalformedHeader`](VerifyError::MalformedHeader),
    /// [`AmbiguousHeader`](VerifyError::AmbiguousHeader)), matches no configured secret
    /// ([`NoMatch`](VerifyError::NoMatch), [`SignatureMismatch`](VerifyError::SignatureMismatch),
    /// [`TokenMismatch`](VerifyError::TokenMismatch)), or no
    /// secret is configured ([`NoSecret`](VerifyError::NoSecret)). Answer such a webhook with 401
    /// or 403 and do not act on it.
    fn verify(&self, request: &WebhookRequest) -> Result<(), VerifyError>;

    /// Turns a webhook into events. Call [`WhatsAppProvider::verify`] first.
    ///
    /// # Errors
    ///
    /// A [`ParseError`] when the body is not in the provider's format: a content type it does not
    /// send ([`UnsupportedContentType`](ParseError::UnsupportedContentType)), a body that cannot be
    /// decoded ([`Malformed`](ParseError::Malformed)), or a required field that is absent or of the
    /// wrong form ([`MissingField`](ParseError::MissingField),
    /// [`InvalidField`](ParseError::InvalidField)). Unknown fields, statuses and message types are
    /// not errors.
    fn parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, ParseError>;

    /// Verifies a webhook, then parses it: a verification failure comes first, as
    /// [`Error::Verify`]; then a parse failure, as [`Error::Parse`].
    ///
    /// The default calls [`WhatsAppProvider::verify`] then [`WhatsAppProvider::parse`]. A
    /// provider whose signature covers the decoded body (Twilio's) overrides it to decode
    /// the body once, with the same result.
    ///
    /// # Errors
    ///
    /// [`Error::Verify`] with the [`VerifyError`] of [`verify`](Self::verify), or when the webhook
    /// is genuine, [`Error::Parse`] with the [`ParseError`] of [`parse`](Self::parse).
    fn verify_and_parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, Error> {
        self.verify(request)?;
        Ok(self.parse(request)?)
    }

    /// The business addresses a webhook is for, best first: the phone numbers or channel ids
    /// under which its bot is registered in a [`Registry`](crate::registry::Registry).
    ///
    /// It runs before verification, to find whose secret to verify with, so it must read
    /// only the request (never a secret) and must not fail: a webhook it cannot read names
    /// no address. The default names none, so a provider that serves a shared endpoint
    /// overrides it.
    fn webhook_addresses(&self, request: &WebhookRequest) -> Vec<String> {
        let _ = request;
        Vec::new()
    }

    /// The HTTP methods the provider calls its webhooks with. The default is `POST` alone.
    fn webhook_methods(&self) -> &'static [Method] {
        &[Method::POST]
    }

    /// Answers a request that is not an event delivery but a subscription handshake: the
    /// provider checks that the endpoint is yours before it sends any event (a `GET` with a
    /// challenge to echo, for example). `None` when the request is not a handshake, so it
    /// goes on to routing, verification and parsing; `Some(Ok(answer))` to accept it with
    /// that answer; `Some(Err(_))` to refuse it.
    ///
    /// A handshake names no business address, so the
    /// [`Registry`](crate::registry::Registry) asks every bot of the provider (see
    /// [`Registry::handshake`](crate::registry::Registry::handshake)) and the endpoint answers
    /// it before routing. It must read only the request and the provider's own settings:
    /// no I/O. The default says no request is a handshake.
    fn handshake(
        &self,
        request: &WebhookRequest,
    ) -> Option<Result<Acknowledgement, HandshakeError>> {
        let _ = request;
        None
    }

    /// The send budget of this provider's API: the sender it is kept for and the rate, used
    /// by [`RateLimited`](crate::ratelimit::RateLimited). The default names none.
    fn send_limit(&self) -> Option<SendLimit> {
        None
    }

    /// What to answer the provider once a webhook was verified, parsed and accepted. The
    /// default is `200` with an empty body.
    fn acknowledgement(&self) -> Acknowledgement {
        Acknowledgement::empty()
    }

    /// When the provider says the customer-service window with `to` closes, for a provider
    /// that keeps track of it (Botmaker's chat lookup); `Ok(None)` when it does not say. The
    /// default says nothing. [`ConversationWindows`](crate::window::ConversationWindows) asks
    /// this first.
    ///
    /// # Errors
    ///
    /// The provider's [`Error`] when its lookup fails.
    async fn window_closes_at(&self, to: &WhatsAppAddress) -> Result<Option<Timestamp>, Error> {
        let _ = to;
        Ok(None)
    }

    /// The length limits of the provider's messages. The default is WhatsApp's own
    /// ([`Limits::WHATSAPP`]); Twilio's `Body` holds less ([`Limits`]' `TWILIO`).
    fn limits(&self) -> Limits {
        Limits::WHATSAPP
    }

    /// Shows the user "typing…" in reply to `message` (an inbound message from this
    /// provider), so they see an answer is on its way. WhatsApp hides it when the reply
    /// arrives, or after about 25 seconds. Providers that show it also mark the message
    /// read; see each provider's documentation.
    ///
    /// The default gives [`Error::Unsupported`]: a provider that can show it overrides it.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the provider cannot show a typing indicator;
    /// [`Error::Invalid`] when `message` lacks what the provider needs (its id, its sender),
    /// before any network call; otherwise the errors of the HTTP call, as for
    /// [`send`](Self::send) ([`Error::Api`], [`Error::Connect`], [`Error::Transport`],
    /// [`Error::Config`]).
    async fn typing(&self, message: &InboundMessage) -> Result<(), Error> {
        let _ = message;
        Err(Error::Unsupported {
            provider: self.kind(),
            what: "typing indicators",
        })
    }

    /// Marks `message` (an inbound message from this provider) as read: the user sees the
    /// blue ticks.
    ///
    /// The default gives [`Error::Unsupported`]: a provider that can mark messages read
    /// overrides it.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the provider cannot mark messages read; [`Error::Invalid`]
    /// when `message` lacks what the provider needs, before any network call; otherwise the
    /// errors of the HTTP call, as for [`typing`](Self::typing).
    async fn mark_read(&self, message: &InboundMessage) -> Result<(), Error> {
        let _ = message;
        Err(Error::Unsupported {
            provider: self.kind(),
            what: "read marks",
        })
    }

    /// Reacts to the message `message_id` in the chat with `to`: `Some(emoji)` sets the
    /// reaction (exactly one emoji, checked with
    /// [`validate_reaction`](crate::message::validate_reaction)), `None` removes it.
    ///
    /// The default gives [`Error::Unsupported`]: a provider that can send reactions
    /// overrides it.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`] when the provider cannot send reactions; [`Error::Invalid`] for
    /// an empty message id or a reaction that is not exactly one emoji, before any network
    /// call; otherwise the errors of the HTTP call, as for [`typing`](Self::typing).
    async fn react(
        &self,
        message_id: &str,
        to: &WhatsAppAddress,
        reaction: Option<&str>,
    ) -> Result<(), Error> {
        let _ = (message_id, to, reaction);
        Err(Error::Unsupported {
            provider: self.kind(),
            what: "reactions",
        })
    }

    /// Sends a message like [`WhatsAppProvider::send`], except that a text longer than the
    /// provider takes ([`WhatsAppProvider::limits`]) goes as several messages, in order, cut
    /// at paragraph, then sentence, then word boundaries ([`split_text`]). Returns each
    /// part's receipt. `send` itself keeps refusing a text that is too long, so splitting is
    /// something you ask for.
    ///
    /// # Errors
    ///
    /// [`SplitSendError`]: before anything is sent, the text could not be cut (a word longer
    /// than a part may hold) or the message is invalid, and `sent` is empty; or a part failed,
    /// and `sent` holds the receipts of the parts before it (the parts after it are not
    /// sent).
    async fn send_split(
        &self,
        message: &OutboundMessage,
    ) -> Result<Vec<SendReceipt>, SplitSendError> {
        let max = self.limits().max_text_chars;
        let parts = match &message.content {
            Content::Text { body } if body.chars().count() > max => {
                split_text(body, max).map_err(|e| SplitSendError::new(Vec::new(), e.into()))?
            }
            _ => {
                return self
                    .send(message)
                    .await
                    .map(|r| vec![r])
                    .map_err(|e| SplitSendError::new(Vec::new(), e));
            }
        };
        let mut sent = Vec::with_capacity(parts.len());
        for part in parts {
            let mut one = message.clone();
            one.content = Content::Text { body: part };
            match self.send(&one).await {
                Ok(receipt) => sent.push(receipt),
                Err(e) => return Err(SplitSendError::new(sent, e)),
            }
        }
        Ok(sent)
    }
}

/// A long text sent in parts stopped at a part that failed.
#[derive(Debug, thiserror::Error)]
#[error("{} part(s) of the text were sent, then: {error}", sent.len())]
#[non_exhaustive]
pub struct SplitSendError {
    /// The receipts of the parts sent before the failure, in order.
    pub sent: Vec<SendReceipt>,
    /// Why the next part was not sent (or, with nothing sent, why the text could not be).
    #[source]
    pub error: Error,
}

impl SplitSendError {
    fn new(sent: Vec<SendReceipt>, error: Error) -> Self {
        SplitSendError { sent, error }
    }
}

/// The answer to an accepted webhook: a status, a content type and a body.
///
/// ```
/// use whatsapp_connector::provider::Acknowledgement;
///
/// let ack = Acknowledgement::new("text/xml", "<Response/>");
/// assert_eq!(ack.status(), http::StatusCode::OK);
/// assert_eq!(ack.content_type(), Some("text/xml"));
/// assert_eq!(&ack.body()[..], b"<Response/>");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    status: http::StatusCode,
    content_type: Option<&'static str>,
    body: Bytes,
}

impl Acknowledgement {
    /// `200` with no body.
    pub fn empty() -> Self {
        Acknowledgement {
            status: http::StatusCode::OK,
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// `200` with a body of the given content type.
    pub fn new(content_type: &'static str, body: impl Into<Bytes>) -> Self {
        Acknowledgement {
            status: http::StatusCode::OK,
            content_type: Some(content_type),
            body: body.into(),
        }
    }

    /// Another status (a `2xx`: anything else makes the provider redeliver).
    pub fn with_status(mut self, status: http::StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The status.
    pub fn status(&self) -> http::StatusCode {
        self.status
    }

    /// The content type, if there is a body.
    pub fn content_type(&self) -> Option<&'static str> {
        self.content_type
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }
}

/// A webhook as it arrived: the URL the provider called, the method, headers and body bytes.
///
/// The URL must be the public one the provider was configured with (scheme, host, port, path
/// and query exactly as received), because signatures cover it byte for byte. Behind a proxy,
/// pass it in explicitly, or see [`url_from_forwarded_headers`].
///
/// ```
/// use whatsapp_connector::WebhookRequest;
///
/// let req = WebhookRequest::new("https://bot.example.com/twilio", b"Body=hola".to_vec())
///     .with_header("content-type", "application/x-www-form-urlencoded")
///     .with_header("x-twilio-signature", "c2lnbmF0dXJl");
/// assert_eq!(req.header("X-Twilio-Signature"), Some("c2lnbmF0dXJl"));
/// assert_eq!(req.content_type(), Some("application/x-www-form-urlencoded"));
/// ```
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    method: Method,
    url: String,
    headers: HeaderMap,
    body: Bytes,
}

impl WebhookRequest {
    /// A `POST` to `url` with `body` and no headers yet.
    pub fn new(url: impl Into<String>, body: impl Into<Bytes>) -> Self {
        WebhookRequest {
            method: Method::POST,
            url: url.into(),
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    /// Builds one from raw parts.
    pub fn from_parts(
        method: Method,
        url: impl Into<String>,
        headers: HeaderMap,
        body: impl Into<Bytes>,
    ) -> Self {
        WebhookRequest {
            method,
            url: url.into(),
            headers,
            body: body.into(),
        }
    }

    /// Builds one from an [`http::Request`]. A server sees only the path and query of the
    /// URL, so `public_origin` (`https://bot.example.com`) supplies the scheme, host and
    /// port the provider called; the path and query are kept exactly as received. An
    /// absolute request URI is used as it is.
    pub fn from_http<B: Into<Bytes>>(request: http::Request<B>, public_origin: &str) -> Self {
        let (parts, body) = request.into_parts();
        let url = if parts.uri.scheme().is_some() {
            parts.uri.to_string()
        } else {
            let pq = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            format!("{}{}", public_origin.trim_end_matches('/'), pq)
        };
        WebhookRequest {
            method: parts.method,
            url,
            headers: parts.headers,
            body: body.into(),
        }
    }

    /// Sets the method (webhooks are `POST` unless the provider was configured for `GET`).
    pub fn with_method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Sets a header, replacing any value it had. A name or value that is not valid in HTTP
    /// leaves the request unchanged: use [`WebhookRequest::try_with_header`] to see the
    /// error.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Ok((n, v)) = header_parts(name, value) {
            self.headers.insert(n, v);
        }
        self
    }

    /// Adds a value to a header, keeping those it had. A name or value that is not valid in
    /// HTTP leaves the request unchanged: use [`WebhookRequest::try_append_header`] to see
    /// the error.
    pub fn append_header(mut self, name: &str, value: &str) -> Self {
        if let Ok((n, v)) = header_parts(name, value) {
            self.headers.append(n, v);
        }
        self
    }

    /// Sets a header, replacing any value it had; an invalid name or value is an error.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`] when `name` is not a valid header name, or `value` holds a character HTTP
    /// does not allow in a header (a line break, a control character).
    ///
    /// # Examples
    ///
    /// ```
    /// use whatsapp_connector::WebhookRequest;
    ///
    /// let req = WebhookRequest::new("https://bot.example.com/twilio", "")
    ///     .with_header("x-twilio-signature", "first")
    ///     .with_header("x-twilio-signature", "second");
    /// assert_eq!(req.header("x-twilio-signature"), Some("second"));
    /// let err = req.try_with_header("x-twilio-signature", "line\nbreak").unwrap_err();
    /// assert!(err.to_string().contains("x-twilio-signature"));
    /// ```
    pub fn try_with_header(mut self, name: &str, value: &str) -> Result<Self, InvalidHeader> {
        let (n, v) = header_parts(name, value)?;
        self.headers.insert(n, v);
        Ok(self)
    }

    /// Adds a value to a header, keeping those it had; an invalid name or value is an
    /// error.
    ///
    /// # Errors
    ///
    /// [`InvalidHeader`] when `name` is not a valid header name, or `value` holds a character HTTP
    /// does not allow in a header (a line break, a control character).
    pub fn try_append_header(mut self, name: &str, value: &str) -> Result<Self, InvalidHeader> {
        let (n, v) = header_parts(name, value)?;
        self.headers.append(n, v);
        Ok(self)
    }

    /// Replaces the URL (for example with the public URL behind a proxy).
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The URL, exactly as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The first value of a header (names are case-insensitive), if present and visible
    /// ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The one value of a header that must not repeat, such as a signature: `Ok(None)` when
    /// absent, [`VerifyError::AmbiguousHeader`] when it comes more than once (which value
    /// was meant to be checked is then unknown), and
    /// [`VerifyError::MalformedHeader`] when it is not visible ASCII.
    ///
    /// # Errors
    ///
    /// - [`VerifyError::AmbiguousHeader`] when the header comes more than once.
    /// - [`VerifyError::MalformedHeader`] when its value is not visible ASCII.
    pub fn unique_header(&self, name: &'static str) -> Result<Option<&str>, VerifyError> {
        let mut values = self.headers.get_all(name).iter();
        let Some(first) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(VerifyError::AmbiguousHeader { header: name });
        }
        first
            .to_str()
            .map(Some)
            .map_err(|_| VerifyError::MalformedHeader {
                header: name,
                reason: "it is not visible ASCII".into(),
            })
    }

    /// The media type of the body, without parameters (`application/json`).
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
            .map(|ct| ct.split(';').next().unwrap_or("").trim())
    }

    /// The query string of the URL (after `?`, before any `#`), if any.
    pub fn query(&self) -> Option<&str> {
        let (_, rest) = self.url.split_once('?')?;
        Some(rest.split('#').next().unwrap_or(""))
    }
}

/// Rebuilds the public URL of a request behind a reverse proxy from `X-Forwarded-Proto`,
/// `X-Forwarded-Host` and `Host`, followed by `path_and_query` exactly as received.
///
/// **Trust caveat:** any client can send these headers. Use this only when a proxy you
/// control sets them (and strips what clients sent); otherwise an attacker chooses the URL
/// that is checked. A URL configured explicitly is always safer. Returns `None` when no host
/// is known.
///
/// ```
/// use http::HeaderMap;
/// use whatsapp_connector::provider::url_from_forwarded_headers;
///
/// let mut h = HeaderMap::new();
/// h.insert("host", "10.0.0.5:8080".parse().unwrap());
/// h.insert("x-forwarded-proto", "https".parse().unwrap());
/// h.insert("x-forwarded-host", "bot.example.com".parse().unwrap());
/// assert_eq!(
///     url_from_forwarded_headers(&h, "/twilio?tenant=1").as_deref(),
///     Some("https://bot.example.com/twilio?tenant=1")
/// );
/// ```
pub fn url_from_forwarded_headers(headers: &HeaderMap, path_and_query: &str) -> Option<String> {
    // A proxy chain appends values: the first is what the client (the provider) used.
    let first = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let proto = first("x-forwarded-proto").unwrap_or("https");
    if proto != "https" && proto != "http" {
        return None;
    }
    let host = first("x-forwarded-host").or_else(|| first("host"))?;
    if host.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let pq = if path_and_query.starts_with('/') {
        path_and_query.to_owned()
    } else {
        format!("/{path_and_query}")
    };
    Some(format!("{proto}://{host}{pq}"))
}

/// A header name or value that HTTP does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid header {name:?}: {reason}")]
#[non_exhaustive]
pub struct InvalidHeader {
    /// The name given.
    pub name: String,
    /// What is wrong: the name, or the value (which is not repeated here, as it may be a
    /// secret).
    pub reason: &'static str,
}

fn header_parts(
    name: &str,
    value: &str,
) -> Result<(http::HeaderName, http::HeaderValue), InvalidHeader> {
    let n = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| InvalidHeader {
        name: name.to_owned(),
        reason: "not a valid header name",
    })?;
    let v = http::HeaderValue::from_str(value).map_err(|_| InvalidHeader {
        name: name.to_owned(),
        reason: "the value holds a character HTTP does not allow in a header",
    })?;
    Ok((n, v))
}
