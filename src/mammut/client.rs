//! The Mammut client: sends the create and update requests [`BotConfig`] builds, and reads
//! Mammut's [`TaskResult`].

use std::fmt;
use std::time::Duration;

use super::{BotConfig, DEFAULT_BASE_URL, MammutRequest, QueryValueStyle, TaskFailed, TaskResult};
use crate::error::{ApiError, ConfigError, Error, ParseError, excerpt};
use crate::provider::ProviderKind;
use crate::retry::{RetryPolicy, run_with_retries};
use crate::secret::Secret;
use crate::transport::{self, Effect, Http, HttpSettings, config_http_url};

/// The name Mammut's errors carry.
const MAMMUT: ProviderKind = ProviderKind::new("mammut");
/// How many characters of an error body go into a message.
const EXCERPT_CHARS: usize = 200;

/// How requests to Mammut authenticate. Mammut's public pages document none, so the
/// deployment decides: a bearer token, or a header of its own. `Debug` never shows the
/// secret.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MammutAuth {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// A header of the deployment's own with a secret value.
    Header {
        /// The header's name.
        name: http::HeaderName,
        /// Its value.
        value: Secret,
    },
}

impl MammutAuth {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: impl Into<Secret>) -> Self {
        MammutAuth::Bearer(token.into())
    }

    /// The header `name` carrying `value`.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] with the field `auth` when `name` is not a valid header name.
    pub fn header(name: &str, value: impl Into<Secret>) -> Result<Self, ConfigError> {
        let name = http::HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| ConfigError::new("auth", format!("{name:?} is not a header name")))?;
        Ok(MammutAuth::Header {
            name,
            value: value.into(),
        })
    }

    /// The header to send, marked sensitive.
    fn header_pair(&self) -> Result<(http::HeaderName, http::HeaderValue), ConfigError> {
        let (name, value) = match self {
            MammutAuth::Bearer(t) => (
                http::header::AUTHORIZATION,
                format!("Bearer {}", t.expose()),
            ),
            MammutAuth::Header { name, value } => (name.clone(), value.expose().to_owned()),
        };
        let mut value = http::HeaderValue::from_str(&value).map_err(|_| {
            // The value is a secret: only say what is wrong with it.
            ConfigError::new("auth", "the secret holds characters a header cannot carry")
        })?;
        value.set_sensitive(true);
        Ok((name, value))
    }
}

impl fmt::Debug for MammutAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MammutAuth::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            MammutAuth::Header { name, .. } => f
                .debug_struct("Header")
                .field("name", name)
                .field("value", &"[REDACTED]")
                .finish(),
        }
    }
}

/// A failed call to Mammut.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MammutError {
    /// Mammut answered with an error status ([`Error::Api`], provider `mammut`), could not
    /// be reached ([`Error::Connect`]: nothing was applied), or gave no complete answer
    /// ([`Error::Transport`], [`Error::TooLarge`]: the write may have been applied).
    #[error(transparent)]
    Http(Error),
    /// Mammut answered with a `TaskResult` whose status is not `Success` (even with HTTP
    /// 200), with its reason when it gave one.
    #[error(transparent)]
    TaskFailed(#[from] TaskFailed),
    /// A success status whose body is not a `TaskResult`: the write may have been applied.
    #[error("mammut: HTTP {status}, but the answer is not a TaskResult: {error}")]
    Unreadable {
        /// The HTTP status.
        status: u16,
        /// What is wrong with the body.
        error: ParseError,
    },
    /// The create succeeded, but its `TaskResult` names no `user` vertex with a usable id.
    #[error("mammut: the create succeeded, but its TaskResult names no user vertex")]
    NoBotId {
        /// Mammut's answer.
        result: TaskResult,
    },
}

impl MammutError {
    /// True when Mammut may have applied the write although the call failed: no complete
    /// answer came back, Mammut answered 5xx, or its success answer could not be read.
    pub fn may_have_applied(&self) -> bool {
        match self {
            MammutError::Http(e) => {
                matches!(
                    e,
                    Error::Transport(_) | Error::MaybeSent(_) | Error::TooLarge { .. }
                ) || e.api().is_some_and(|a| a.status >= 500)
            }
            MammutError::Unreadable { .. } | MammutError::NoBotId { .. } => true,
            MammutError::TaskFailed(_) => false,
        }
    }
}

impl From<Error> for MammutError {
    fn from(e: Error) -> Self {
        MammutError::Http(e)
    }
}

/// A bot Mammut created.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedBot {
    /// The id of its `user` vertex: the `mammut-id` of later updates.
    pub id: u64,
    /// Mammut's whole answer.
    pub result: TaskResult,
}

/// Sends bot configs to Mammut's graph API. Cheap to clone (the HTTP client is shared).
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use whatsapp_connector::mammut::{BotConfig, MammutAuth, MammutClient};
///
/// let mammut = MammutClient::builder()
///     .base_url("https://mammut.example.com")
///     .auth(MammutAuth::bearer("a-token-of-your-deployment"))
///     .build()?;
/// let config = BotConfig::new("AC0123456789abcdef0123456789abcdef",
///     "0123456789abcdef0123456789abcdef", "whatsapp:+14155238886")?;
/// let bot = mammut.create_bot(&config).await?;
/// println!("created bot {}", bot.id);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MammutClient {
    base_url: String,
    auth: Option<(http::HeaderName, http::HeaderValue)>,
    style: QueryValueStyle,
    http: Http,
}

impl fmt::Debug for MammutClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MammutClient")
            .field("base_url", &transport::mask_password(&self.base_url))
            .field("auth_header", &self.auth.as_ref().map(|(name, _)| name))
            .field("style", &self.style)
            .finish_non_exhaustive()
    }
}

/// Builds a [`MammutClient`]; see [`MammutClient::builder`].
#[derive(Debug, Clone)]
pub struct MammutClientBuilder {
    base_url: String,
    auth: Option<MammutAuth>,
    style: QueryValueStyle,
    http: HttpSettings,
}

impl MammutClientBuilder {
    /// Calls this origin instead of `https://api.mammut.io` (a self-hosted Mammut, a test
    /// server).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Authenticates every request this way.
    pub fn auth(mut self, auth: MammutAuth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// How update query values are written ([`QueryValueStyle::Plain`] unless set).
    pub fn query_style(mut self, style: QueryValueStyle) -> Self {
        self.style = style;
        self
    }

    /// Sends with this HTTP client instead of the crate's own.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http.client = Some(client);
        self
    }

    /// How long one request may take (30 seconds unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.http.timeout = timeout;
        self
    }

    /// How calls Mammut did not process (HTTP 429, a refused connection) are retried.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.http.retry = policy;
        self
    }

    /// Checks the settings and makes the client.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting: `base_url` when it is not an `http` or `https`
    /// URL; `auth` when the secret cannot be sent in a header; `timeout` when it is zero and
    /// `retry_policy` when its `max_attempts` is 0; `http_client` when no client was given
    /// and the crate's own cannot be built.
    pub fn build(self) -> Result<MammutClient, ConfigError> {
        config_http_url("base_url", &self.base_url)?;
        let auth = self
            .auth
            .as_ref()
            .map(MammutAuth::header_pair)
            .transpose()?;
        Ok(MammutClient {
            base_url: self.base_url.trim_end_matches('/').to_owned(),
            auth,
            style: self.style,
            http: self.http.build()?,
        })
    }
}

impl MammutClient {
    /// Starts configuring a client of `https://api.mammut.io`, without authentication.
    pub fn builder() -> MammutClientBuilder {
        MammutClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            auth: None,
            style: QueryValueStyle::default(),
            http: HttpSettings::default(),
        }
    }

    /// The origin requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The request [`create_bot`](Self::create_bot) sends.
    pub fn create_request(&self, config: &BotConfig) -> MammutRequest {
        config.create_request(&self.base_url)
    }

    /// The request [`update_bot`](Self::update_bot) sends.
    pub fn update_request(&self, id: u64, config: &BotConfig) -> MammutRequest {
        config.update_request(id, &self.base_url, self.style)
    }

    /// Creates the bot: `POST /app:mammut-1/graph/user` with the config's create body, and
    /// returns the id of the `user` vertex Mammut made.
    ///
    /// # Errors
    ///
    /// - [`MammutError::TaskFailed`] when Mammut answers with a `Failed` `TaskResult` (even with
    ///   HTTP 200), with its reason.
    /// - [`MammutError::Http`] when Mammut answers with an error status, cannot be reached, or
    ///   gives no complete answer.
    /// - [`MammutError::Unreadable`] when a success answer is not a `TaskResult`, and
    ///   [`MammutError::NoBotId`] when it names no `user` vertex: the bot may exist.
    pub async fn create_bot(&self, config: &BotConfig) -> Result<CreatedBot, MammutError> {
        let request = self.create_request(config);
        let (status, body) = self.send(&request, config.twilio_auth_token()).await?;
        let result = read_task_result(status, &body)?.into_success()?;
        match result
            .created_user_id()
            .and_then(|id| u64::try_from(id).ok())
        {
            Some(id) => Ok(CreatedBot { id, result }),
            None => Err(MammutError::NoBotId { result }),
        }
    }

    /// Updates bot `id` to the config: `POST /app:mammut-1/graph/user:<id>?<fields>`. Mammut's
    /// page documents no body for this answer: an empty one is a success (`None`), and a
    /// `TaskResult` is read and checked.
    ///
    /// # Errors
    ///
    /// The errors of [`create_bot`](Self::create_bot), save [`MammutError::NoBotId`].
    pub async fn update_bot(
        &self,
        id: u64,
        config: &BotConfig,
    ) -> Result<Option<TaskResult>, MammutError> {
        let request = self.update_request(id, config);
        let (status, body) = self.send(&request, config.twilio_auth_token()).await?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        Ok(Some(read_task_result(status, &body)?.into_success()?))
    }

    /// Sends one request and returns a success answer's status and body. An error answer
    /// that echoes `secret` (the request carries it) has it replaced by `[REDACTED]`.
    async fn send(
        &self,
        request: &MammutRequest,
        secret: &Secret,
    ) -> Result<(u16, bytes::Bytes), Error> {
        // The query of an update carries the auth token: errors name the path only.
        let shown = request.url.split('?').next().unwrap_or_default();
        let body = request.body.to_string();
        run_with_retries(&self.http.retry, |_| async {
            let mut builder = self
                .http
                .request(request.method.clone(), &request.url)
                .header(http::header::CONTENT_TYPE, "application/json")
                .header(http::header::ACCEPT, "application/json")
                .body(body.clone());
            if let Some((name, value)) = &self.auth {
                builder = builder.header(name.clone(), value.clone());
            }
            let answer = transport::exchange(&MAMMUT, shown, Effect::Reads, builder).await?;
            if answer.is_success() {
                return Ok((answer.status, answer.body));
            }
            let mut text = answer.text();
            if !secret.is_empty() {
                text = text.replace(secret.expose(), "[REDACTED]");
            }
            let trimmed = text.trim();
            let message = if trimmed.is_empty() {
                format!("HTTP {} with an empty body", answer.status)
            } else {
                format!(
                    "HTTP {}: {}",
                    answer.status,
                    excerpt(trimmed, EXCERPT_CHARS)
                )
            };
            Err(ApiError::new(MAMMUT, answer.status, message)
                .with_body(text)
                .with_retry_after(answer.retry_after)
                .into())
        })
        .await
    }
}

fn read_task_result(status: u16, body: &[u8]) -> Result<TaskResult, MammutError> {
    TaskResult::from_json(body).map_err(|error| MammutError::Unreadable { status, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_is_never_shown() {
        let bearer = MammutAuth::bearer("s3cr3t-bearer");
        let header = MammutAuth::header("X-Mammut-Key", "s3cr3t-key").unwrap();
        for shown in [format!("{bearer:?}"), format!("{header:?}")] {
            assert!(!shown.contains("s3cr3t"), "{shown}");
        }
        let (name, value) = bearer.header_pair().unwrap();
        assert_eq!(name, http::header::AUTHORIZATION);
        assert!(value.is_sensitive());
        assert!(MammutAuth::header("bad name", "x").is_err());
        let e = MammutAuth::bearer("line\nbreak").header_pair().unwrap_err();
        assert_eq!(e.field, "auth");
        assert!(!e.to_string().contains("line"), "{e}");
        let client = MammutClient::builder()
            .auth(MammutAuth::header("X-Mammut-Key", "s3cr3t-key").unwrap())
            .build()
            .unwrap();
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn base_urls_are_checked() {
        let e = MammutClient::builder()
            .base_url("ftp://mammut.test")
            .build()
            .unwrap_err();
        assert_eq!(e.field, "base_url");
        let c = MammutClient::builder()
            .base_url("http://127.0.0.1:9/")
            .build()
            .unwrap();
        assert_eq!(c.base_url(), "http://127.0.0.1:9");
    }
}
