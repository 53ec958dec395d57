//! A Meta provider's settings and the builder that checks them.

use std::time::Duration;

use super::MetaProvider;
use super::client::Client;
use super::signature::Verifier;
use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{HttpSettings, config_http_url};

/// The Graph API host.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";

/// The Graph API version requests go to unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v23.0";

/// Builds a [`MetaProvider`].
///
/// Receiving needs the app secret (webhook signatures) and, to answer Meta's verification
/// request, the verify token; sending needs the access token and the phone number id.
#[derive(Debug, Default)]
pub struct MetaBuilder {
    access_token: Option<Secret>,
    phone_number_id: Option<String>,
    app_secrets: Vec<Secret>,
    verify_tokens: Vec<Secret>,
    api_version: Option<String>,
    base_url: Option<String>,
    media_max_bytes: Option<u64>,
    http: HttpSettings,
}

impl MetaBuilder {
    /// The access token (a system user's token, or a temporary one from the app dashboard),
    /// sent as `Authorization: Bearer …`.
    pub fn access_token(mut self, token: impl Into<Secret>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The id of the business phone number to send from (`106540352242922`, from the app
    /// dashboard's API setup, or `GET /{WABA-ID}/phone_numbers`). Not the number itself.
    pub fn phone_number_id(mut self, id: impl Into<String>) -> Self {
        self.phone_number_id = Some(id.into());
        self
    }

    /// Adds an app secret (App settings › Basic): webhooks are signed with it. Add several to
    /// accept the old and the new secret while rotating.
    pub fn app_secret(mut self, secret: impl Into<Secret>) -> Self {
        self.app_secrets.push(secret.into());
        self
    }

    /// Adds a verify token: the value typed in the app dashboard beside the callback URL,
    /// which Meta's verification request carries as `hub.verify_token`. Add several to
    /// accept either while changing it.
    pub fn verify_token(mut self, token: impl Into<Secret>) -> Self {
        self.verify_tokens.push(token.into());
        self
    }

    /// The Graph API version (`v23.0`, the default: [`DEFAULT_API_VERSION`]).
    pub fn api_version(mut self, version: impl Into<String>) -> Self {
        self.api_version = Some(version.into());
        self
    }

    /// The API's base URL, for a proxy or a mock server. Defaults to
    /// [`DEFAULT_BASE_URL`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The largest media download [`MetaProvider::download_media`] reads, in bytes.
    /// Defaults to [`DEFAULT_MEDIA_MAX_BYTES`](super::DEFAULT_MEDIA_MAX_BYTES).
    pub fn media_max_bytes(mut self, max: u64) -> Self {
        self.media_max_bytes = Some(max);
        self
    }

    /// The HTTP client to use (to share a connection pool, or set a proxy). A request's
    /// own timeout ([`MetaBuilder::timeout`]) still applies.
    ///
    /// Give it `redirect(reqwest::redirect::Policy::none())`, as the crate's own client
    /// has, so that a redirect never carries a request elsewhere.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http.client = Some(client);
        self
    }

    /// How rate-limited sends are retried. Defaults to [`RetryPolicy::default`].
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.retry = policy;
        self
    }

    /// How long one request may take. Defaults to
    /// [`DEFAULT_TIMEOUT`](super::DEFAULT_TIMEOUT). A send that times out may have been
    /// delivered, so it is reported as [`Error::MaybeSent`](crate::Error::MaybeSent), never
    /// repeated.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// Checks the settings and builds the provider. An error names the setting by its
    /// builder method (`access_token`, `phone_number_id`, `app_secret`, …).
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] whose `field` names the setting:
    ///
    /// - `access_token` when the token is empty, or holds anything but visible ASCII without
    ///   spaces;
    /// - `phone_number_id` when it is empty or holds anything but digits;
    /// - `app_secret` or `verify_token` when one is empty;
    /// - `api_version` when it is not `v` followed by a version number (`v23.0`);
    /// - `base_url` when it is not an `http` or `https` URL;
    /// - `timeout` when it is zero, and `retry_policy` when its `max_attempts` is 0;
    /// - `http_client` when no client was given and the crate's own cannot be built.
    pub fn build(self) -> Result<MetaProvider, ConfigError> {
        if let Some(t) = &self.access_token {
            if t.is_empty() {
                return Err(ConfigError::new("access_token", "is empty"));
            }
            if !t.expose().bytes().all(|b| b.is_ascii_graphic()) {
                return Err(ConfigError::new(
                    "access_token",
                    "must be visible ASCII without spaces",
                ));
            }
        }
        if let Some(id) = &self.phone_number_id {
            if id.is_empty() {
                return Err(ConfigError::new("phone_number_id", "is empty"));
            }
            if !id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ConfigError::new(
                    "phone_number_id",
                    format!(
                        "{:?} is not a phone number id (digits only; not the phone number)",
                        crate::error::excerpt(id, 40)
                    ),
                ));
            }
        }
        if self.app_secrets.iter().any(Secret::is_empty) {
            return Err(ConfigError::new("app_secret", "is empty"));
        }
        if self.verify_tokens.iter().any(Secret::is_empty) {
            return Err(ConfigError::new("verify_token", "is empty"));
        }
        let version = self
            .api_version
            .unwrap_or_else(|| DEFAULT_API_VERSION.to_owned());
        if !is_api_version(&version) {
            return Err(ConfigError::new(
                "api_version",
                format!(
                    "{:?} is not a Graph API version such as \"v23.0\"",
                    crate::error::excerpt(&version, 20)
                ),
            ));
        }
        let base = self.base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        config_http_url("base_url", &base)?;
        let base = base.trim_end_matches('/').to_owned();
        Ok(MetaProvider {
            media_base: format!("{base}/{version}"),
            client: Client {
                http: self.http.build()?,
                base_url: base,
                api_version: version,
                authorization: Client::authorization_for(self.access_token.as_ref()),
                access_token: self.access_token,
                phone_number_id: self.phone_number_id,
                media_max_bytes: self
                    .media_max_bytes
                    .unwrap_or(super::DEFAULT_MEDIA_MAX_BYTES),
            },
            verifier: self
                .app_secrets
                .into_iter()
                .fold(Verifier::new(), Verifier::with_app_secret),
            verify_tokens: self.verify_tokens,
        })
    }
}

/// `v`, digits, and optionally `.` and digits: `v23.0`, `v24`.
fn is_api_version(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let (major, minor) = rest.split_once('.').unwrap_or((rest, "0"));
    !major.is_empty()
        && !minor.is_empty()
        && major.bytes().all(|b| b.is_ascii_digit())
        && minor.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(is_api_version("v23.0"));
        assert!(is_api_version("v24"));
        assert!(!is_api_version("23.0"));
        assert!(!is_api_version("v23."));
        assert!(!is_api_version("v"));
        assert!(!is_api_version("v23.0/../x"));
    }
}
