//! A Twilio provider's settings: credentials, the sender, the API host, and the builder
//! that checks them.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::content::{ContentCache, MemoryContentCache};
use super::signature::Verifier;
use super::{
    DEFAULT_BASE_URL, DEFAULT_CONTENT_BASE_URL, DEFAULT_MEDIA_MAX_BYTES,
    DEFAULT_MESSAGING_BASE_URL, TwilioProvider, is_sid,
};
use crate::address::WhatsAppAddress;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{Http, HttpSettings, config_http_url};

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
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with the field `messaging_service_sid` for a value starting with `MG` that
    /// is not `MG` followed by 32 hexadecimal digits, or with the field `from` for a value that is
    /// not a valid phone number (a user id included).
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
    messaging_base_url: Option<String>,
    content_base_url: Option<String>,
    content_cache: Option<Arc<dyn ContentCache>>,
    region: Option<String>,
    edge: Option<String>,
    http: HttpSettings,
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
            .field("messaging_base_url", &self.messaging_base_url)
            .field("content_base_url", &self.content_base_url)
            .finish_non_exhaustive()
    }
}

impl TwilioBuilder {
    pub(crate) fn new(account_sid: String) -> Self {
        TwilioBuilder {
            account_sid,
            credentials: None,
            sender: None,
            base_url: None,
            messaging_base_url: None,
            content_base_url: None,
            content_cache: None,
            region: None,
            edge: None,
            http: HttpSettings::default(),
            webhook_tokens: Vec::new(),
            shared_keys: Vec::new(),
            public_url: None,
            trust_forwarded_headers: false,
            media_max_bytes: DEFAULT_MEDIA_MAX_BYTES,
        }
    }

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

    /// Calls this origin for Twilio's Messaging API v2 (the WhatsApp typing indicator)
    /// instead of `https://messaging.twilio.com`: a mock server in tests, a proxy. Not
    /// combinable with a region or edge. When unset and [`base_url`](Self::base_url) is set,
    /// the base URL serves both APIs (as [`FakeTwilio`](crate::testing::FakeTwilio) does),
    /// so that credentials meant for a test server never go to Twilio.
    pub fn messaging_base_url(mut self, url: impl Into<String>) -> Self {
        self.messaging_base_url = Some(url.into());
        self
    }

    /// Calls this origin for Twilio's Content API instead of `https://content.twilio.com`:
    /// a mock server in tests, a proxy. Not combinable with a region or edge. When unset and
    /// [`base_url`](Self::base_url) is set, the base URL serves the Content API too (as
    /// [`FakeTwilio`](crate::testing::FakeTwilio) does).
    pub fn content_base_url(mut self, url: impl Into<String>) -> Self {
        self.content_base_url = Some(url.into());
        self
    }

    /// Where the Content SIDs of interactive messages are remembered (default: a
    /// [`MemoryContentCache`] of this provider and its clones). Give a shared one so that
    /// several instances reuse the same Content resources; see
    /// [`ContentCache`] for what an implementation must do.
    pub fn content_cache(mut self, cache: Arc<dyn ContentCache>) -> Self {
        self.content_cache = Some(cache);
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
        self.http.client = Some(client);
        self
    }

    /// Sets how sends are retried (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.retry = policy;
        self
    }

    /// Sets how long one HTTP request may take (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
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
    /// calls several URLs, and give each [`WebhookRequest`](crate::WebhookRequest) its public URL instead.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// Rebuilds the URL to verify from `X-Forwarded-Proto`, `X-Forwarded-Host` and `Host`
    /// (see [`url_from_forwarded_headers`](crate::provider::url_from_forwarded_headers)), keeping the request's path and query.
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

    /// Validates the settings and builds the provider. An error names the setting by its
    /// builder method (`account_sid`, `auth_token`, `base_url`, …).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] whose `field` names the setting:
    ///
    /// - `account_sid` when it is not `AC` followed by 32 hexadecimal digits;
    /// - `auth_token` when it is empty; `api_key` when the key SID is not `SK` followed by 32
    ///   hexadecimal digits or the secret is empty;
    /// - `webhook_auth_token` when one is empty; `shared_key` when a key or its id is empty;
    /// - `from` or `messaging_service_sid` when the sender is invalid (see [`Sender::parse`]);
    /// - `base_url`, `messaging_base_url` or `content_base_url` when it is not an `http` or `https` URL, or is set
    ///   together with a region or edge;
    /// - `region` or `edge` when it holds anything but lowercase letters, digits and dashes;
    /// - `public_url` when it is not an `http` or `https` URL;
    /// - `timeout` when it is zero, and `retry_policy` when its `max_attempts` is 0;
    /// - `http_client` when no client was given and the crate's own cannot be built (its TLS
    ///   backend fails to start).
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
        let verifier = verifier(
            self.credentials.as_ref(),
            self.webhook_tokens,
            self.shared_keys,
        )?;
        let sender = self.sender.transpose()?;
        let api_base = api_base(
            self.base_url.as_deref(),
            self.region.as_deref(),
            self.edge.as_deref(),
        )?;
        let messaging_base = product_base(
            Product::Messaging,
            self.messaging_base_url
                .as_deref()
                .or(self.base_url.as_deref()),
            self.region.as_deref(),
            self.edge.as_deref(),
        )?;
        let content_base = product_base(
            Product::Content,
            self.content_base_url
                .as_deref()
                .or(self.base_url.as_deref()),
            self.region.as_deref(),
            self.edge.as_deref(),
        )?;
        if let Some(u) = &self.public_url {
            config_http_url("public_url", u)?;
        }
        let http = self.http.build()?;
        let media_origins = media_origins(&api_base);
        let prepared = super::client::Prepared::new(
            &self.account_sid,
            self.credentials.as_ref(),
            &api_base,
            &messaging_base,
        );
        Ok(TwilioProvider::from_inner(Inner {
            prepared,
            account_sid: self.account_sid,
            credentials: self.credentials,
            sender,
            api_base,
            messaging_base,
            content_base,
            content_cache: self
                .content_cache
                .unwrap_or_else(|| Arc::new(MemoryContentCache::new())),
            content_locks: super::content::CreateLocks::default(),
            http,
            verifier,
            public_url: self.public_url,
            trust_forwarded_headers: self.trust_forwarded_headers,
            media_max_bytes: self.media_max_bytes,
            media_origins,
        }))
    }
}

/// The webhook verifier: the auth token (when requests use it), the other webhook tokens,
/// and the shared keys, each checked as it goes in.
fn verifier(
    credentials: Option<&Credentials>,
    webhook_tokens: Vec<Secret>,
    shared_keys: Vec<(String, Secret)>,
) -> Result<Verifier, ConfigError> {
    let mut verifier = Verifier::new();
    match credentials {
        Some(Credentials::AuthToken(t)) => {
            if t.is_empty() {
                return Err(ConfigError::new("auth_token", "is empty"));
            }
            verifier.add_auth_token(t.clone());
        }
        Some(Credentials::ApiKey { sid, secret }) => {
            if !is_sid(sid, "SK") {
                return Err(ConfigError::new(
                    "api_key",
                    "the key SID must be SK followed by 32 hexadecimal digits",
                ));
            }
            if secret.is_empty() {
                return Err(ConfigError::new("api_key", "the key secret is empty"));
            }
        }
        None => {}
    }
    for t in webhook_tokens {
        if t.is_empty() {
            return Err(ConfigError::new("webhook_auth_token", "is empty"));
        }
        verifier.add_auth_token(t);
    }
    for (id, key) in shared_keys {
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
    Ok(verifier)
}

/// The origins media downloads send credentials to: the API's, and Twilio's own.
fn media_origins(api_base: &str) -> Vec<url::Origin> {
    let mut origins = vec![origin_of(api_base)];
    let twilio = origin_of(DEFAULT_BASE_URL);
    if !origins.contains(&twilio) {
        origins.push(twilio);
    }
    origins
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

/// A Twilio API host: `api` (the 2010 API), `messaging` (Messaging v2) or `content`
/// (the Content API).
#[derive(Clone, Copy)]
enum Product {
    Api,
    Messaging,
    Content,
}

impl Product {
    /// The host's first label, the builder setting that overrides it, and its default origin.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Product::Api => ("api", "base_url", DEFAULT_BASE_URL),
            Product::Messaging => (
                "messaging",
                "messaging_base_url",
                DEFAULT_MESSAGING_BASE_URL,
            ),
            Product::Content => ("content", "content_base_url", DEFAULT_CONTENT_BASE_URL),
        }
    }
}

/// The API origin (no trailing slash): the base URL, or Twilio's host with the region and
/// edge in it.
fn api_base(
    base_url: Option<&str>,
    region: Option<&str>,
    edge: Option<&str>,
) -> Result<String, ConfigError> {
    product_base(Product::Api, base_url, region, edge)
}

/// A product's origin (no trailing slash): the configured URL, or Twilio's host for the
/// product with the region and edge in it, as Twilio's SDKs build it.
fn product_base(
    product: Product,
    base_url: Option<&str>,
    region: Option<&str>,
    edge: Option<&str>,
) -> Result<String, ConfigError> {
    let (label, field, default) = product.parts();
    if let Some(b) = base_url {
        if region.is_some() || edge.is_some() {
            return Err(ConfigError::new(
                field,
                "set either a base URL or a region and edge, not both",
            ));
        }
        config_http_url(field, b)?;
        return Ok(b.trim_end_matches('/').to_owned());
    }
    if let Some(r) = region {
        check_label("region", r)?;
    }
    if let Some(e) = edge {
        check_label("edge", e)?;
    }
    Ok(match (edge, region) {
        (None, None) => default.to_owned(),
        (None, Some(r)) => format!("https://{label}.{r}.twilio.com"),
        (Some(e), r) => format!("https://{label}.{e}.{}.twilio.com", r.unwrap_or("us1")),
    })
}

/// A built provider's settings, shared by its clones.
pub(crate) struct Inner {
    /// The `Authorization` header and the URLs of sends, made once.
    pub(crate) prepared: super::client::Prepared,
    pub(crate) account_sid: String,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) sender: Option<Sender>,
    pub(crate) api_base: String,
    /// The Messaging v2 origin (the typing indicator), without a trailing slash.
    pub(crate) messaging_base: String,
    /// The Content API origin, without a trailing slash.
    pub(crate) content_base: String,
    /// Where the Content SIDs of interactive messages are remembered.
    pub(crate) content_cache: Arc<dyn ContentCache>,
    /// One lock per content being created, so that concurrent sends create it once.
    pub(crate) content_locks: super::content::CreateLocks,
    pub(crate) http: Http,
    pub(crate) verifier: Verifier,
    pub(crate) public_url: Option<String>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) media_max_bytes: u64,
    pub(crate) media_origins: Vec<url::Origin>,
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
        let messaging = |b, r, e| product_base(Product::Messaging, b, r, e);
        assert_eq!(
            messaging(None, None, None).unwrap(),
            "https://messaging.twilio.com"
        );
        assert_eq!(
            messaging(None, Some("au1"), Some("sydney")).unwrap(),
            "https://messaging.sydney.au1.twilio.com"
        );
        assert_eq!(
            messaging(Some("http://127.0.0.1:4012/"), None, None).unwrap(),
            "http://127.0.0.1:4012"
        );
        assert_eq!(
            messaging(Some("ftp://x"), None, None).unwrap_err().field,
            "messaging_base_url"
        );
        let content = |b, r, e| product_base(Product::Content, b, r, e);
        assert_eq!(
            content(None, None, None).unwrap(),
            "https://content.twilio.com"
        );
        assert_eq!(
            content(Some("http://127.0.0.1:4013/"), None, None).unwrap(),
            "http://127.0.0.1:4013"
        );
        assert_eq!(
            content(Some("ftp://x"), None, None).unwrap_err().field,
            "content_base_url"
        );
    }
}
