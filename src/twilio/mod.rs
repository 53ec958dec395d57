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
//! Text, media (one URL per [`Content::Media`](crate::Content::Media); several through
//! [`MessageRequest::media_url`]), Content templates by SID (`HX…`, with their variables as
//! `ContentVariables`), and locations (`PersistentAction=geo:LAT,LON|LABEL`).
//! [`Content::Interactive`](crate::Content::Interactive) is refused with
//! [`Error::Unsupported`]: Twilio's Messages API sends buttons and lists only as Content
//! templates, so create one (in the console or the Content API) and send it as a
//! [`Template`] by its `HX…` SID. Templates by name are refused for the
//! same reason.

pub mod client;
pub mod signature;
pub mod twiml;
pub mod webhook;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::address::WhatsAppAddress;
use crate::error::{ConfigError, Error, ParseError, VerifyError};
use crate::event::InboundEvent;
use crate::message::{Limits, OutboundMessage, SendReceipt, Template};
use crate::provider::{
    Acknowledgement, ProviderKind, WebhookRequest, WhatsAppProvider, url_from_forwarded_headers,
};
use crate::retry::{RetryPolicy, traced_send};
use crate::secret::Secret;

pub use client::{DownloadedMedia, MessageRequest, classify};
pub use signature::{Verified, Verifier};

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
/// How long one HTTP request may take, unless configured otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest media download accepted, unless configured otherwise: 16 MiB, above
/// WhatsApp's 16 MB limit for a message.
pub const DEFAULT_MEDIA_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// How requests to Twilio's API authenticate.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// The account SID and its auth token.
    AuthToken(Secret),
    /// An API key (`SK…`) and its secret, which Twilio recommends for production. The
    /// account SID still goes in the URL.
    ApiKey {
        /// The API key SID (`SK` and 32 hex digits).
        sid: String,
        /// Its secret.
        secret: Secret,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::AuthToken(_) => f.write_str("AuthToken([REDACTED])"),
            Credentials::ApiKey { sid, .. } => f
                .debug_struct("ApiKey")
                .field("sid", sid)
                .field("secret", &"[REDACTED]")
                .finish(),
        }
    }
}

/// Who messages are sent from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sender {
    /// A WhatsApp sender: `From=whatsapp:+E164`.
    From(WhatsAppAddress),
    /// A Messaging Service (`MG…`), which picks the sender from its pool.
    MessagingService(String),
}

impl Sender {
    /// Reads `whatsapp:+E164` (or bare `+E164`) as a number, `MG…` as a Messaging Service.
    /// Anything else (a user id) is refused: a sender is a phone number.
    pub fn parse(s: &str) -> Result<Sender, ConfigError> {
        let s = s.trim();
        if s.starts_with("MG") {
            return if is_sid(s, "MG") {
                Ok(Sender::MessagingService(s.to_owned()))
            } else {
                Err(ConfigError::new(
                    "messaging_service_sid",
                    "must be MG followed by 32 hexadecimal digits",
                ))
            };
        }
        match WhatsAppAddress::parse(s) {
            Ok(a @ WhatsAppAddress::Phone(_)) => Ok(Sender::From(a)),
            Ok(_) => Err(ConfigError::new(
                "from",
                "must be whatsapp:+<E.164> (a sender is a phone number) or an MG… SID",
            )),
            Err(e) => Err(ConfigError::new(
                "from",
                format!("must be whatsapp:+<E.164>: {e}"),
            )),
        }
    }
}

/// Builds a [`TwilioProvider`]; see [`TwilioProvider::builder`].
#[derive(Clone)]
pub struct TwilioBuilder {
    account_sid: String,
    credentials: Option<Credentials>,
    sender: Option<Result<Sender, ConfigError>>,
    base_url: Option<String>,
    region: Option<String>,
    edge: Option<String>,
    client: Option<reqwest::Client>,
    retry: RetryPolicy,
    timeout: Duration,
    webhook_tokens: Vec<Secret>,
    shared_keys: Vec<(String, Secret)>,
    public_url: Option<String>,
    trust_forwarded_headers: bool,
    media_max_bytes: u64,
}

impl fmt::Debug for TwilioBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioBuilder")
            .field("account_sid", &self.account_sid)
            .field("credentials", &self.credentials)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl TwilioBuilder {
    /// Authenticates with the account's auth token. The token also verifies webhooks
    /// (first among the webhook tokens).
    pub fn auth_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::AuthToken(token.into()));
        self
    }

    /// Authenticates with an API key (`SK…`) and its secret. Twilio signs webhooks with the
    /// auth token, not the key: add it with [`TwilioBuilder::webhook_auth_token`] to verify
    /// webhooks.
    pub fn api_key(mut self, sid: impl Into<String>, secret: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::ApiKey {
            sid: sid.into(),
            secret: secret.into(),
        });
        self
    }

    /// Sends from this WhatsApp number (`whatsapp:+E164`, or `+E164`), or through a
    /// Messaging Service when given an `MG…` SID.
    pub fn from(mut self, sender: &str) -> Self {
        self.sender = Some(Sender::parse(sender));
        self
    }

    /// Sends through this Messaging Service (`MG…`).
    pub fn messaging_service_sid(mut self, sid: &str) -> Self {
        self.sender = Some(if is_sid(sid, "MG") {
            Ok(Sender::MessagingService(sid.to_owned()))
        } else {
            Err(ConfigError::new(
                "messaging_service_sid",
                "must be MG followed by 32 hexadecimal digits",
            ))
        });
        self
    }

    /// Sets the sender.
    pub fn sender(mut self, sender: Sender) -> Self {
        self.sender = Some(Ok(sender));
        self
    }

    /// Calls this API origin instead of `https://api.twilio.com` (a mock server in tests,
    /// a proxy). Not combinable with a region or edge.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Calls Twilio's API in this region (`ie1`, `au1`): `api.{edge}.{region}.twilio.com`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// Calls Twilio's API through this edge location (`dublin`, `sydney`); the region is
    /// `us1` unless set.
    pub fn edge(mut self, edge: impl Into<String>) -> Self {
        self.edge = Some(edge.into());
        self
    }

    /// Uses this HTTP client (for its proxy, pool or TLS settings). The crate's own client
    /// follows no redirects; a client that does should keep reqwest's default of dropping
    /// credentials on a redirect to another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Sets how sends are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sets how long one HTTP request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Also accepts webhooks signed with this auth token: the secondary token during a
    /// rotation, a subaccount's token, or the auth token when requests use an API key.
    pub fn webhook_auth_token(mut self, token: impl Into<Secret>) -> Self {
        self.webhook_tokens.push(token.into());
        self
    }

    /// Accepts webhooks signed with this shared key, named `id` in
    /// `X-Twilio-Webhooks-Signature-Settings`.
    pub fn shared_key(mut self, id: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.shared_keys.push((id.into(), key.into()));
        self
    }

    /// Verifies every webhook as if Twilio had called this URL (the public URL configured
    /// in Twilio, when a proxy forwards to a different one). Leave it unset when Twilio
    /// calls several URLs, and give each [`WebhookRequest`] its public URL instead.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Rebuilds the URL to verify from `X-Forwarded-Proto`, `X-Forwarded-Host` and `Host`
    /// (see [`url_from_forwarded_headers`]), keeping the request's path and query.
    ///
    /// **Trust caveat:** any client can send these headers. Turn this on only behind a
    /// proxy you control that sets them and drops what clients sent; a configured
    /// [`TwilioBuilder::public_url`] (which takes precedence) is safer.
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded_headers = trust;
        self
    }

    /// Sets the largest media download accepted, in bytes (default 16 MiB).
    pub fn media_max_bytes(mut self, max: u64) -> Self {
        self.media_max_bytes = max;
        self
    }

    /// Validates the settings and builds the provider. An error names the setting.
    pub fn build(self) -> Result<TwilioProvider, ConfigError> {
        if !is_sid(&self.account_sid, "AC") {
            return Err(ConfigError::new(
                "account_sid",
                format!(
                    "must be AC followed by 32 hexadecimal digits, got {} characters",
                    self.account_sid.chars().count()
                ),
            ));
        }
        let mut verifier = Verifier::new();
        match &self.credentials {
            Some(Credentials::AuthToken(t)) => {
                if t.is_empty() {
                    return Err(ConfigError::new("auth_token", "is empty"));
                }
                verifier.add_auth_token(t.clone());
            }
            Some(Credentials::ApiKey { sid, secret }) => {
                if !is_sid(sid, "SK") {
                    return Err(ConfigError::new(
                        "api_key_sid",
                        "must be SK followed by 32 hexadecimal digits",
                    ));
                }
                if secret.is_empty() {
                    return Err(ConfigError::new("api_key_secret", "is empty"));
                }
            }
            None => {}
        }
        for t in self.webhook_tokens {
            if t.is_empty() {
                return Err(ConfigError::new("webhook_auth_token", "is empty"));
            }
            verifier.add_auth_token(t);
        }
        for (id, key) in self.shared_keys {
            if id.trim().is_empty() {
                return Err(ConfigError::new("shared_key", "the key id is empty"));
            }
            if key.is_empty() {
                return Err(ConfigError::new(
                    "shared_key",
                    format!("the key {id:?} is empty"),
                ));
            }
            verifier.add_shared_key(id, key);
        }
        let sender = self.sender.transpose()?;
        let api_base = api_base(
            self.base_url.as_deref(),
            self.region.as_deref(),
            self.edge.as_deref(),
        )?;
        if let Some(u) = &self.public_url {
            check_http_url("public_url", u)?;
        }
        if self.timeout.is_zero() {
            return Err(ConfigError::new("timeout", "must be above zero"));
        }
        if self.retry.max_attempts == 0 {
            return Err(ConfigError::new(
                "retry_policy",
                "max_attempts must be at least 1",
            ));
        }
        let client = match self.client {
            Some(c) => c,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| ConfigError::new("http_client", e.to_string()))?,
        };
        let mut media_origins = vec![origin_of(&api_base)];
        if let Ok(u) = url::Url::parse(DEFAULT_BASE_URL) {
            let o = u.origin();
            if !media_origins.contains(&o) {
                media_origins.push(o);
            }
        }
        Ok(TwilioProvider {
            inner: Arc::new(Inner {
                account_sid: self.account_sid,
                credentials: self.credentials,
                sender,
                api_base,
                client,
                retry: self.retry,
                timeout: self.timeout,
                verifier,
                public_url: self.public_url,
                trust_forwarded_headers: self.trust_forwarded_headers,
                media_max_bytes: self.media_max_bytes,
                media_origins,
            }),
        })
    }
}

fn check_http_url(field: &str, s: &str) -> Result<url::Url, ConfigError> {
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(ConfigError::new(
            field,
            format!("{s:?} is not an http(s) URL"),
        )),
    }
}

fn origin_of(api_base: &str) -> url::Origin {
    url::Url::parse(api_base)
        .map(|u| u.origin())
        .unwrap_or_else(|_| url::Origin::new_opaque())
}

fn check_label(field: &str, s: &str) -> Result<(), ConfigError> {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Ok(())
    } else {
        Err(ConfigError::new(
            field,
            format!("{s:?} must be lowercase letters, digits and dashes"),
        ))
    }
}

/// The API origin (no trailing slash): the base URL, or Twilio's host with the region and
/// edge in it.
fn api_base(
    base_url: Option<&str>,
    region: Option<&str>,
    edge: Option<&str>,
) -> Result<String, ConfigError> {
    if let Some(b) = base_url {
        if region.is_some() || edge.is_some() {
            return Err(ConfigError::new(
                "base_url",
                "set either a base URL or a region and edge, not both",
            ));
        }
        check_http_url("base_url", b)?;
        return Ok(b.trim_end_matches('/').to_owned());
    }
    if let Some(r) = region {
        check_label("region", r)?;
    }
    if let Some(e) = edge {
        check_label("edge", e)?;
    }
    Ok(match (edge, region) {
        (None, None) => DEFAULT_BASE_URL.to_owned(),
        (None, Some(r)) => format!("https://api.{r}.twilio.com"),
        (Some(e), r) => format!("https://api.{e}.{}.twilio.com", r.unwrap_or("us1")),
    })
}

pub(crate) struct Inner {
    pub(crate) account_sid: String,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) sender: Option<Sender>,
    pub(crate) api_base: String,
    pub(crate) client: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    verifier: Verifier,
    public_url: Option<String>,
    trust_forwarded_headers: bool,
    pub(crate) media_max_bytes: u64,
    pub(crate) media_origins: Vec<url::Origin>,
}

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
            .field("verifier", &self.inner.verifier)
            .field("public_url", &self.inner.public_url)
            .finish_non_exhaustive()
    }
}

impl TwilioProvider {
    /// Starts configuring a provider for the account `account_sid` (`AC…`).
    pub fn builder(account_sid: impl Into<String>) -> TwilioBuilder {
        TwilioBuilder {
            account_sid: account_sid.into(),
            credentials: None,
            sender: None,
            base_url: None,
            region: None,
            edge: None,
            client: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            webhook_tokens: Vec::new(),
            shared_keys: Vec::new(),
            public_url: None,
            trust_forwarded_headers: false,
            media_max_bytes: DEFAULT_MEDIA_MAX_BYTES,
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
    pub fn verify_detailed(&self, request: &WebhookRequest) -> Result<Verified, VerifyError> {
        let url = self.verification_url(request);
        self.inner.verifier.verify_detailed_at(&url, request)
    }

    /// Sends a message built field by field (several media URLs, extra parameters).
    pub async fn send_request(&self, request: &MessageRequest) -> Result<SendReceipt, Error> {
        let send = client::send(&self.inner, request);
        traced_send(ProviderKind::TWILIO, request.kind(), request.to(), send).await
    }

    /// Downloads an inbound message's media (a `MediaUrl{N}`). The account's credentials
    /// are sent only to Twilio's API origin, never along a redirect to another host (Twilio
    /// answers with a redirect to a short-lived CDN URL). Stops with [`Error::TooLarge`]
    /// past the configured limit.
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

    /// Sends text, media, a Content template (by `HX…` SID) or a location. Interactive
    /// content and templates by name give [`Error::Unsupported`] (see the module docs).
    async fn send(&self, message: &OutboundMessage) -> Result<SendReceipt, Error> {
        let send = async {
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

    /// Decodes the body once, for both the signature and the events: the same result as
    /// [`WhatsAppProvider::verify`] followed by [`WhatsAppProvider::parse`], with less work.
    fn verify_and_parse(&self, request: &WebhookRequest) -> Result<Vec<InboundEvent>, Error> {
        let url = self.verification_url(request);
        let verifier = &self.inner.verifier;
        match webhook::Params::from_request(request) {
            Ok(params) if request.method() != http::Method::GET => {
                verifier.verify_prepared(&url, request, &params)?;
                Ok(params.to_events()?)
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
    fn hosts_from_region_and_edge() {
        assert_eq!(
            api_base(None, None, None).unwrap(),
            "https://api.twilio.com"
        );
        assert_eq!(
            api_base(None, Some("ie1"), None).unwrap(),
            "https://api.ie1.twilio.com"
        );
        assert_eq!(
            api_base(None, None, Some("sydney")).unwrap(),
            "https://api.sydney.us1.twilio.com"
        );
        assert_eq!(
            api_base(None, Some("au1"), Some("sydney")).unwrap(),
            "https://api.sydney.au1.twilio.com"
        );
        assert_eq!(
            api_base(Some("http://127.0.0.1:9/"), None, None).unwrap(),
            "http://127.0.0.1:9"
        );
        assert_eq!(
            api_base(None, Some("IE1/x"), None).unwrap_err().field,
            "region"
        );
        assert_eq!(
            api_base(Some("http://x.test"), Some("ie1"), None)
                .unwrap_err()
                .field,
            "base_url"
        );
        assert_eq!(
            api_base(Some("ftp://x"), None, None).unwrap_err().field,
            "base_url"
        );
    }

    #[test]
    fn path_and_query_of_urls() {
        assert_eq!(path_and_query("https://h.test/a/b?c=1"), "/a/b?c=1");
        assert_eq!(path_and_query("https://h.test?c=1"), "?c=1");
        assert_eq!(path_and_query("https://h.test"), "/");
    }
}
