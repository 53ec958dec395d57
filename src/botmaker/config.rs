//! A Botmaker provider's settings and the builder that checks them.

use super::auth::Verifier;
use std::time::Duration;

use super::BotmakerProvider;
use super::client::Client;
use super::request::ApiVersion;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{HttpSettings, config_http_url};

/// Builds a [`BotmakerProvider`].
#[derive(Debug, Default)]
pub struct BotmakerBuilder {
    access_token: Option<Secret>,
    channel_id: Option<String>,
    version: ApiVersion,
    base_url: Option<String>,
    http: HttpSettings,
    webhook_tokens: Vec<Secret>,
    accept_unsigned: bool,
}

impl BotmakerBuilder {
    /// The API access token (the JWT from Botmaker's console), sent as `access-token`.
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The channel to send from: `acme-whatsapp-5491100000000` (from `GET /channels`), or
    /// the line's number. For the v1 API the line's number is taken from it.
    pub fn channel_id(mut self, channel_id: impl Into<String>) -> Self {
        self.channel_id = Some(channel_id.into());
        self
    }

    /// Which API to send through: [`ApiVersion::V2`] (the default) or the legacy
    /// [`ApiVersion::V1`].
    pub fn api_version(mut self, version: ApiVersion) -> Self {
        self.version = version;
        self
    }

    /// The API's base URL, for a proxy or a mock server. Defaults to the version's public
    /// URL ([`V2_BASE_URL`](super::V2_BASE_URL) or [`V1_BASE_URL`](super::V1_BASE_URL)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The HTTP client to use (to share a connection pool, or set a proxy). A request's
    /// own timeout ([`BotmakerBuilder::timeout`]) still applies.
    ///
    /// Give it `redirect(reqwest::redirect::Policy::none())`, as the crate's own client
    /// has: when reqwest follows a redirect to another host it drops `Authorization` but
    /// keeps other headers, so the `access-token` header would go to that host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http.client = Some(client);
        self
    }

    /// How rate-limited sends are retried. Defaults to [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.retry = policy;
        self
    }

    /// How long one request may take. Defaults to [`DEFAULT_TIMEOUT`](super::DEFAULT_TIMEOUT). A send that times
    /// out may have been delivered, so it is reported as [`Error::MaybeSent`](crate::Error::MaybeSent), never
    /// repeated.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// Adds a webhook token: the value Botmaker sends in `auth-bm-token`. Add several to
    /// accept the old and the new token while rotating.
    pub fn webhook_token(mut self, token: impl Into<Secret>) -> Self {
        self.webhook_tokens.push(token.into());
        self
    }

    /// **Insecure.** Accepts webhooks that arrive without an `auth-bm-token` header (for
    /// legacy endpoints configured without a token). Anyone who knows the URL can then post
    /// events. A header that is present must still match. Off by default.
    pub fn accept_unsigned_webhooks(mut self, accept: bool) -> Self {
        self.accept_unsigned = accept;
        self
    }

    /// Checks the settings and builds the provider. An error names the setting by its
    /// builder method (`access_token`, `channel_id`, `base_url`, …).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] whose `field` names the setting:
    ///
    /// - `access_token` when the token is empty, or holds anything but visible ASCII without
    ///   spaces;
    /// - `channel_id` when it is empty, or holds white space or control characters;
    /// - `webhook_token` when a webhook token is empty;
    /// - `base_url` when it is not an `http` or `https` URL;
    /// - `timeout` when it is zero, and `retry_policy` when its `max_attempts` is 0;
    /// - `http_client` when no client was given and the crate's own cannot be built (its TLS
    ///   backend fails to start).
    pub fn build(self) -> Result<BotmakerProvider, ConfigError> {
        if let Some(t) = &self.access_token {
            if t.is_empty() {
                return Err(ConfigError::new("access_token", "is empty"));
            }
            if !t.expose().bytes().all(|b| (0x21..0x7f).contains(&b)) {
                return Err(ConfigError::new(
                    "access_token",
                    "must be visible ASCII without spaces",
                ));
            }
        }
        if let Some(c) = &self.channel_id {
            if c.trim().is_empty() {
                return Err(ConfigError::new("channel_id", "is empty"));
            }
            if c.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                return Err(ConfigError::new(
                    "channel_id",
                    "holds white space or control characters",
                ));
            }
        }
        if self.webhook_tokens.iter().any(Secret::is_empty) {
            return Err(ConfigError::new("webhook_token", "is empty"));
        }
        let base = self
            .base_url
            .unwrap_or_else(|| self.version.default_base_url().to_owned());
        config_http_url("base_url", &base)?;
        Ok(BotmakerProvider {
            client: Client {
                http: self.http.build()?,
                base_url: base.trim_end_matches('/').to_owned(),
                token_header: super::client::token_header(self.access_token.as_ref()),
                access_token: self.access_token,
            },
            version: self.version,
            channel_id: self.channel_id,
            verifier: self.webhook_tokens.into_iter().fold(
                Verifier::new().accept_unsigned(self.accept_unsigned),
                |v, token| v.with_token(token),
            ),
        })
    }
}
