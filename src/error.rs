//! The crate's error type and its parts.

use std::fmt;
use std::time::Duration;

use crate::kind::ProviderKind;

mod webhook;
pub use webhook::{HandshakeError, ParseError, VerifyError};

/// Everything that can go wrong in this crate.
///
/// Branch on the parts callers act on: [`Error::is_retryable`], [`Error::may_have_been_sent`],
/// and [`ApiError::kind`] for what the provider said.
///
/// # Examples
///
/// What to do after a failed send, decided by what the error says. The errors here come from
/// a stand-in for Twilio on 127.0.0.1 ([`FakeTwilio`](crate::testing::FakeTwilio), feature
/// `testing-fakes`) told how to fail:
///
/// ```
/// # #[cfg(all(feature = "twilio", feature = "testing-fakes"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use whatsapp_connector::retry::RetryPolicy;
/// use whatsapp_connector::testing::{FakeResponse, FakeTwilio};
/// use whatsapp_connector::twilio::TwilioProvider;
/// use whatsapp_connector::{ApiErrorKind, Error, OutboundMessage, PhoneNumber, WhatsAppProvider};
///
/// #[derive(Debug, PartialEq)]
/// enum Next {
///     RetryIn(Duration),
///     SendTemplate,
///     CheckBeforeResending,
///     GiveUp,
/// }
///
/// fn next_step(e: &Error) -> Next {
///     if e.api().map(|a| a.kind) == Some(ApiErrorKind::OutsideWindow) {
///         // The user last wrote more than 24 hours ago: only an approved template goes out.
///         Next::SendTemplate
///     } else if e.is_retryable() {
///         // Not processed (rate limited, or never connected): sending again is safe.
///         Next::RetryIn(e.retry_after().unwrap_or(Duration::from_secs(1)))
///     } else if e.may_have_been_sent() {
///         // A timeout or a 5xx: the user may already have it, so look before resending.
///         Next::CheckBeforeResending
///     } else {
///         Next::GiveUp
///     }
/// }
///
/// let (sid, token) = ("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff");
/// let fake = FakeTwilio::start(sid, token).await?;
/// let twilio = TwilioProvider::builder(sid)
///     .auth_token(token)
///     .from("whatsapp:+14155238886")
///     .base_url(fake.base_url())
///     .retry_policy(RetryPolicy::never()) // show each error rather than retry it
///     .timeout(Duration::from_secs(1))
///     .build()?;
/// let hola = OutboundMessage::text(PhoneNumber::parse("+14155550100")?, "hola");
///
/// // Too many requests, with Retry-After: 2.
/// fake.push_response(FakeResponse::rate_limited(Some(2)));
/// let e = twilio.send(&hola).await.unwrap_err();
/// assert_eq!(e.api().map(|a| a.kind), Some(ApiErrorKind::RateLimited));
/// assert_eq!(next_step(&e), Next::RetryIn(Duration::from_secs(2)));
///
/// // Twilio's error 63016: a free-form message outside the 24-hour window.
/// fake.push_response(FakeResponse::Error {
///     status: 400,
///     body: r#"{"code": 63016, "message": "Outside the allowed window", "status": 400}"#.into(),
///     retry_after: None,
/// });
/// let e = twilio.send(&hola).await.unwrap_err();
/// assert_eq!(next_step(&e), Next::SendTemplate);
///
/// // No answer within the timeout: Twilio may have sent the message.
/// fake.push_response(FakeResponse::Hang(Duration::from_secs(10)));
/// let e = twilio.send(&hola).await.unwrap_err();
/// assert!(e.is_timeout());
/// assert_eq!(next_step(&e), Next::CheckBeforeResending);
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "twilio", feature = "testing-fakes")))]
/// # fn main() {}
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The message was rejected before any network call.
    #[error("invalid message: {0}")]
    Invalid(#[from] ValidationError),
    /// The provider answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request never reached the provider (connection refused, DNS, TLS handshake): the
    /// message was not sent, and retrying is safe.
    #[error(transparent)]
    Connect(TransportError),
    /// The request was sent but no complete answer came back (a timeout, a dropped
    /// connection, a success answer that is unreadable or names no message). The provider
    /// may have sent the message: the crate does not send it again.
    #[error(transparent)]
    MaybeSent(TransportError),
    /// An HTTP exchange without side effects (a media download, a lookup) failed after the
    /// request went out: a timeout, a dropped connection, a redirect that leads nowhere.
    /// Repeating it is safe.
    #[error(transparent)]
    Transport(TransportError),
    /// A download was larger than the configured limit, and was stopped.
    #[error("{provider}: the download is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The provider called.
        provider: ProviderKind,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A send was held back by the local send rate limit
    /// ([`RateLimited`](crate::ratelimit::RateLimited)) longer than its wait bound: the
    /// provider was not called, and retrying after `retry_after` is safe.
    #[error("{provider}: the send rate limit is reached; retry in {} ms", retry_after.as_millis())]
    Throttled {
        /// The provider that was not called.
        provider: ProviderKind,
        /// How long until the budget has a place again.
        retry_after: Duration,
    },
    /// A webhook failed verification.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A webhook or response body could not be parsed.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A configuration value is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The provider cannot send this kind of content.
    #[error("{provider} cannot send {what}")]
    Unsupported {
        /// The provider asked.
        provider: ProviderKind,
        /// What it cannot do.
        what: &'static str,
    },
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    /// True when the provider did not process the request, so sending it again is safe:
    /// HTTP 429 and rate-limit codes, and failures to connect.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connect(_) | Error::Throttled { .. } => true,
            Error::Api(api) => api.is_retryable(),
            _ => false,
        }
    }

    /// True when the request reached the provider and its outcome is unknown (a timeout, a
    /// 5xx, a dropped connection): the message may have been sent, and sending it again may
    /// deliver it twice.
    pub fn may_have_been_sent(&self) -> bool {
        match self {
            Error::MaybeSent(_) => true,
            Error::Api(api) => api.status >= 500,
            _ => false,
        }
    }

    /// The provider's error, when the provider answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(api) => Some(api),
            _ => None,
        }
    }

    /// How long the provider asked to wait before a retry, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Throttled { retry_after, .. } => Some(*retry_after),
            _ => self.api().and_then(|a| a.retry_after),
        }
    }

    /// What went wrong in the HTTP exchange, when the error is about the exchange itself
    /// rather than an answer: a failure to connect, a send that may have gone out, a
    /// failed download.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Error::Connect(t) | Error::MaybeSent(t) | Error::Transport(t) => Some(t),
            _ => None,
        }
    }

    /// True when a request got no answer in time (the connection, or the whole exchange,
    /// timed out).
    pub fn is_timeout(&self) -> bool {
        self.transport().is_some_and(TransportError::is_timeout)
    }

    /// The URL of the request that failed, with any password masked, when the error is
    /// about an HTTP exchange.
    pub fn url(&self) -> Option<&str> {
        self.transport().map(TransportError::url)
    }
}

/// A boxed underlying error: the HTTP client's, an I/O or a JSON error.
type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong in one HTTP exchange with a provider, without an answer to show for it
/// (or with one the crate could not use): which provider, the URL called (any password
/// masked), what happened, and the underlying error as its
/// [`source`](std::error::Error::source).
///
/// It is the part [`Error::Connect`], [`Error::MaybeSent`] and [`Error::Transport`] hold;
/// the crate makes them, and callers read them.
///
/// # Examples
///
/// A send to a local port nothing listens on: the connection is refused, so the message
/// never left and sending it again is safe.
///
/// ```
/// # #[cfg(feature = "twilio")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::error::Error as _;
/// use whatsapp_connector::retry::RetryPolicy;
/// use whatsapp_connector::twilio::TwilioProvider;
/// use whatsapp_connector::{OutboundMessage, PhoneNumber, ProviderKind, WhatsAppProvider};
///
/// let closed_port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
/// let twilio = TwilioProvider::builder("AC0123456789abcdef0123456789abcdef")
///     .auth_token("00112233445566778899aabbccddeeff")
///     .from("whatsapp:+14155238886")
///     .base_url(format!("http://127.0.0.1:{closed_port}"))
///     .retry_policy(RetryPolicy::never())
///     .build()?;
/// let hola = OutboundMessage::text(PhoneNumber::parse("+14155550100")?, "hola");
/// let e = twilio.send(&hola).await.unwrap_err();
/// assert!(e.is_retryable() && !e.may_have_been_sent());
///
/// let t = e.transport().expect("the HTTP exchange failed");
/// assert!(t.is_connect() && !t.is_timeout());
/// assert_eq!(t.provider(), &ProviderKind::TWILIO);
/// assert!(t.url().starts_with(&format!("http://127.0.0.1:{closed_port}/2010-04-01/")));
/// assert!(t.source().is_some()); // the HTTP client's own error, for the details
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "twilio"))]
/// # fn main() {}
/// ```
#[derive(Debug)]
pub struct TransportError {
    provider: ProviderKind,
    url: String,
    what: String,
    timeout: bool,
    connect: bool,
    source: Option<Cause>,
}

impl TransportError {
    /// An exchange with `provider` at `url` (stored with any password masked) that went
    /// wrong as `what` says.
    #[cfg_attr(
        not(any(feature = "twilio", feature = "botmaker", feature = "meta")),
        allow(dead_code)
    )]
    pub(crate) fn new(provider: ProviderKind, url: &str, what: impl Into<String>) -> Self {
        TransportError {
            provider,
            url: crate::urls::mask_password(url),
            what: what.into(),
            timeout: false,
            connect: false,
            source: None,
        }
    }

    /// Keeps `source` as the underlying error.
    #[cfg(any(feature = "twilio", feature = "botmaker", feature = "meta"))]
    #[cfg_attr(not(feature = "twilio"), allow(dead_code))]
    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Keeps the HTTP client's error (its URL masked as this one's), and whether it was a
    /// timeout or a failure to connect.
    #[cfg(any(feature = "twilio", feature = "botmaker", feature = "meta"))]
    #[cfg_attr(not(any(feature = "twilio", feature = "botmaker")), allow(dead_code))]
    pub(crate) fn with_reqwest(mut self, e: reqwest::Error) -> Self {
        self.timeout = e.is_timeout();
        self.connect = e.is_connect();
        let e = match url::Url::parse(&self.url) {
            Ok(masked) => e.with_url(masked),
            Err(_) => e.without_url(),
        };
        self.source = Some(Box::new(e));
        self
    }

    /// The provider called.
    pub fn provider(&self) -> &ProviderKind {
        &self.provider
    }

    /// The URL called, with any password replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What happened, in words.
    pub fn what(&self) -> &str {
        &self.what
    }

    /// True when no answer came in time.
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }

    /// True when the connection could not be opened (refused, DNS, TLS handshake).
    pub fn is_connect(&self) -> bool {
        self.connect
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.provider, self.what, self.url)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// What a provider's error means, for the callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// Too many requests (HTTP 429, Twilio 20429 or 63018, Meta 130429, 131056 or 80007):
    /// retry later.
    RateLimited,
    /// The credentials were refused (HTTP 401/403, Twilio 20003, Meta 190).
    Unauthorized,
    /// The recipient is not a valid WhatsApp address (Twilio 21211).
    InvalidRecipient,
    /// The recipient opted out of messages (Twilio 21610).
    OptedOut,
    /// A free-form message outside the 24-hour window (Twilio 63016, Botmaker 201, Meta
    /// 131047): send an
    /// approved template instead.
    OutsideWindow,
    /// The recipient has not joined the Twilio sandbox (Twilio 63015).
    SandboxNotJoined,
    /// The account has no credit left (Botmaker 101).
    InsufficientCredit,
    /// The message could not be delivered to the recipient (Meta 131026: not on WhatsApp,
    /// an old app, or terms not accepted). Sending the same message again will not help.
    Undeliverable,
    /// The provider does not take this type of message (Meta 131051).
    UnsupportedType,
    /// The template does not exist in that language, is not approved, or its parameters do
    /// not match it (Meta 132000, 132001 and the other 132xxx codes).
    Template,
    /// The request was malformed (HTTP 400 or 422 without a more precise code).
    BadRequest,
    /// Not found (HTTP 404).
    NotFound,
    /// The provider failed (HTTP 5xx): the message may have been sent.
    ServerError,
    /// Anything else.
    Other,
}

impl ApiErrorKind {
    /// The kind an HTTP status alone implies, before any provider code is read.
    pub fn from_http_status(status: u16) -> Self {
        match status {
            429 => ApiErrorKind::RateLimited,
            401 | 403 => ApiErrorKind::Unauthorized,
            400 | 422 => ApiErrorKind::BadRequest,
            404 => ApiErrorKind::NotFound,
            500..=599 => ApiErrorKind::ServerError,
            _ => ApiErrorKind::Other,
        }
    }
}

/// An error answer from a provider's API, with everything it said.
///
/// [`Error::api`] gives it when the provider answered with an error.
///
/// # Examples
///
/// Twilio (here a stand-in on 127.0.0.1, [`FakeTwilio`](crate::testing::FakeTwilio), feature
/// `testing-fakes`) answers a send with HTTP 429:
///
/// ```
/// # #[cfg(all(feature = "twilio", feature = "testing-fakes"))]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use whatsapp_connector::retry::RetryPolicy;
/// use whatsapp_connector::testing::{FakeResponse, FakeTwilio};
/// use whatsapp_connector::twilio::TwilioProvider;
/// use whatsapp_connector::{ApiErrorKind, OutboundMessage, PhoneNumber, WhatsAppProvider};
///
/// let (sid, token) = ("AC0123456789abcdef0123456789abcdef", "00112233445566778899aabbccddeeff");
/// let fake = FakeTwilio::start(sid, token).await?;
/// let twilio = TwilioProvider::builder(sid)
///     .auth_token(token)
///     .from("whatsapp:+14155238886")
///     .base_url(fake.base_url())
///     .retry_policy(RetryPolicy::never())
///     .build()?;
/// fake.push_response(FakeResponse::rate_limited(Some(3)));
///
/// let to = PhoneNumber::parse("+14155550100")?;
/// let e = twilio.send(&OutboundMessage::text(to, "hola")).await.unwrap_err();
/// let api = e.api().expect("Twilio answered with an error");
/// assert_eq!(api.status, 429);
/// assert_eq!(api.code.as_deref(), Some("20429"));
/// assert_eq!(api.retry_after, Some(Duration::from_secs(3)));
/// assert!(api.is_retryable());
/// let advice = match api.kind() {
///     ApiErrorKind::RateLimited => "wait, then send it again",
///     ApiErrorKind::OutsideWindow => "send an approved template instead",
///     ApiErrorKind::SandboxNotJoined => "ask the user to join the sandbox first",
///     _ => "log it and give up",
/// };
/// assert_eq!(advice, "wait, then send it again");
/// # Ok(())
/// # }
/// # #[cfg(not(all(feature = "twilio", feature = "testing-fakes")))]
/// # fn main() {}
/// ```
#[derive(Clone, thiserror::Error)]
#[error("{provider} API error (HTTP {status}{}): {message}", code.as_deref().map(|c| format!(", code {c}")).unwrap_or_default())]
#[non_exhaustive]
pub struct ApiError {
    /// The provider that answered.
    pub provider: ProviderKind,
    /// The HTTP status (a 2xx when the error came inside a success answer, as Botmaker v1
    /// does).
    pub status: u16,
    /// The provider's own error code (`21211`, `63016`, `201`, …), when it gave one.
    pub code: Option<String>,
    /// The provider's message, or an excerpt of a body that was not in its error format.
    pub message: String,
    /// Twilio's `more_info` link.
    pub more_info: Option<String>,
    /// The `Retry-After` the provider sent.
    pub retry_after: Option<Duration>,
    /// What the code means.
    pub kind: ApiErrorKind,
    /// The raw response body (at most its first 64 KiB when it came from an HTTP answer).
    pub body: String,
}

impl ApiError {
    /// An error with the given status and message; its kind comes from the status.
    pub fn new(provider: ProviderKind, status: u16, message: impl Into<String>) -> Self {
        ApiError {
            provider,
            status,
            code: None,
            message: message.into(),
            more_info: None,
            retry_after: None,
            kind: ApiErrorKind::from_http_status(status),
            body: String::new(),
        }
    }

    /// Sets the provider's code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// Sets the kind.
    pub fn with_kind(mut self, kind: ApiErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the raw body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self
    }

    /// Sets `more_info`.
    pub fn with_more_info(mut self, more_info: Option<String>) -> Self {
        self.more_info = more_info;
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// What the error means.
    pub fn kind(&self) -> ApiErrorKind {
        self.kind
    }

    /// True for rate limiting: the provider did not process the request.
    pub fn is_retryable(&self) -> bool {
        self.kind == ApiErrorKind::RateLimited
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body is the provider's answer; it is shown by length only, because it can
        // echo message content.
        f.debug_struct("ApiError")
            .field("provider", &self.provider)
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("more_info", &self.more_info)
            .field("retry_after", &self.retry_after)
            .field("kind", &self.kind)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The first `max` characters of `s`, with `…` when it was cut: for error messages built
/// from bodies that were not in the provider's error format.
#[cfg_attr(
    not(any(feature = "twilio", feature = "botmaker", feature = "meta")),
    allow(dead_code)
)]
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// A configuration value that is invalid, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The setting: a provider builder's method name (`account_sid`, `access_token`,
    /// `base_url`, …), or for a stored bot configuration the key it is stored under
    /// (`twilio-account-sid`, …).
    pub field: String,
    /// What is wrong with it. Never the secret value itself.
    pub reason: String,
}

impl ConfigError {
    /// An error about `field`.
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Why a message was rejected before sending.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A required text is empty.
    #[error("{field} is empty")]
    Empty {
        /// Which text.
        field: &'static str,
    },
    /// A text is longer than allowed.
    #[error("{field} has {chars} characters; at most {max} are allowed")]
    TooLong {
        /// Which text.
        field: &'static str,
        /// How many characters it has.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// Too many items.
    #[error("{count} {field}; at most {max} are allowed")]
    TooMany {
        /// Which items.
        field: &'static str,
        /// How many were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A URL that is not `http` or `https`.
    #[error("{field} {url:?} is not an http(s) URL")]
    NotHttpUrl {
        /// Which URL.
        field: &'static str,
        /// The URL given.
        url: String,
    },
    /// A latitude outside -90 to 90 (or not a number).
    #[error("latitude {0} is outside -90 to 90")]
    Latitude(f64),
    /// A longitude outside -180 to 180 (or not a number).
    #[error("longitude {0} is outside -180 to 180")]
    Longitude(f64),
    /// Another value of the wrong form.
    #[error("{field} is invalid: {reason}")]
    Invalid {
        /// Which value.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// What kind of JSON value `v` is, for error messages ("a string", "an array", …).
#[cfg(any(feature = "mammut", feature = "meta"))]
pub(crate) fn json_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
