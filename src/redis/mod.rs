//! Redis for several instances (feature `redis`): the durable inbox on Redis Streams
//! ([`RedisInbox`]), a shared dedup store ([`RedisDedupStore`]), a shared send rate
//! limiter ([`RedisRateLimiter`]) and shared conversation windows ([`RedisWindowStore`]).
//!
//! Everything goes through one [`RedisConnection`]: a URL of the form
//! `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS, with the `rustls` or
//! `native-tls` feature), one multiplexed connection that reconnects by itself, and a time
//! limit on every command (2 s by default). The password never appears in `Debug`, errors or
//! logs.
//!
//! One Redis server (or a primary with replicas) is assumed, not a Redis Cluster: the
//! inbox's scripts touch several keys at once.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};

use crate::error::ConfigError;

mod dedup;
mod inbox;
mod ratelimit;
mod window;

pub use dedup::RedisDedupStore;
pub use inbox::RedisInbox;
pub use ratelimit::RedisRateLimiter;
pub use window::RedisWindowStore;

/// A connection to one Redis server, shared by clones: one multiplexed connection that is
/// opened on first use and reopened by itself after a failure, with a time limit on every
/// command.
///
/// ```
/// use std::time::Duration;
/// use whatsapp_connector::redis::RedisConnection;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// // Nothing is sent until the first command.
/// let redis = RedisConnection::open("redis://:s3cret@127.0.0.1:6379/2")?
///     .with_timeout(Duration::from_secs(1));
/// assert!(!format!("{redis:?}").contains("s3cret"));
/// assert!(RedisConnection::open("http://127.0.0.1").is_err());
/// # Ok::<(), whatsapp_connector::ConfigError>(())
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct RedisConnection {
    client: ::redis::Client,
    manager: ConnectionManager,
    masked_url: String,
    timeout: Duration,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("url", &self.masked_url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// The time limit on one command, by default: 2 s (also the limit on opening the
    /// connection).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// A connection to the server at `url` (`redis://` or `rediss://`, with an optional
    /// password and database number). It must be called within a Tokio runtime; it sends
    /// nothing yet: a server that is down is noticed (and retried) by the first commands.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] (field `redis_url`) when `url` is not a `redis://` or `rediss://` URL,
    /// or names TLS in a build with neither the `rustls` nor the `native-tls` feature. The
    /// error shows the URL with its password masked.
    pub fn open(url: &str) -> Result<Self, ConfigError> {
        Self::open_with(url, Self::DEFAULT_TIMEOUT)
    }

    fn open_with(url: &str, timeout: Duration) -> Result<Self, ConfigError> {
        let masked_url = crate::urls::mask_password(url);
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("redis") => {}
            Some("rediss") if cfg!(any(feature = "rustls", feature = "native-tls")) => {}
            Some("rediss") => {
                return Err(ConfigError::new(
                    "redis_url",
                    format!("{masked_url}: rediss:// needs the `rustls` or `native-tls` feature"),
                ));
            }
            _ => {
                return Err(ConfigError::new(
                    "redis_url",
                    format!("{masked_url:?} is not a redis:// or rediss:// URL"),
                ));
            }
        }
        let client = ::redis::Client::open(url).map_err(|e| {
            ConfigError::new(
                "redis_url",
                format!("{masked_url:?} is not a usable Redis URL ({:?})", e.kind()),
            )
        })?;
        let manager = manager(&client, timeout)?;
        Ok(RedisConnection {
            client,
            manager,
            masked_url,
            timeout,
        })
    }

    /// Sets the time limit on one command (and on opening the connection), default
    /// [`RedisConnection::DEFAULT_TIMEOUT`]. It opens a new connection for this handle.
    ///
    /// # Errors
    ///
    /// None in practice: the URL was checked by [`RedisConnection::open`]; a [`ConfigError`]
    /// is returned only if the client refuses the new settings.
    pub fn with_timeout(self, timeout: Duration) -> Result<Self, ConfigError> {
        let manager = manager(&self.client, timeout)?;
        Ok(RedisConnection {
            manager,
            timeout,
            ..self
        })
    }

    /// The URL, its password masked.
    pub fn url(&self) -> &str {
        &self.masked_url
    }

    /// The time limit on one command.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A separate connection to the same server for commands that wait up to `wait` for an
    /// answer (a blocking read must not hold up the commands of the shared connection).
    fn blocking(&self, wait: Duration) -> Result<RedisConnection, ConfigError> {
        let timeout = self.timeout.saturating_add(wait);
        Ok(RedisConnection {
            manager: manager(&self.client, timeout)?,
            timeout,
            ..self.clone()
        })
    }

    /// Runs one exchange on the shared connection within the time limit.
    async fn run<T, F, Fut>(&self, what: &'static str, f: F) -> Result<T, Failure>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = ::redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, f(self.manager.clone())).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(Failure::redis(what, e)),
            Err(_) => Err(Failure {
                message: format!(
                    "{what}: Redis did not answer within {} ms",
                    self.timeout.as_millis()
                ),
                timeout: true,
                source: None,
            }),
        }
    }
}

fn manager(client: &::redis::Client, timeout: Duration) -> Result<ConnectionManager, ConfigError> {
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        .set_number_of_retries(2)
        .set_max_delay(Duration::from_millis(500));
    ConnectionManager::new_lazy_with_config(client.clone(), config).map_err(|e| {
        ConfigError::new(
            "redis_url",
            format!("the Redis client refused its settings ({:?})", e.kind()),
        )
    })
}

/// A failed Redis exchange, before it becomes the caller's error type.
#[derive(Debug)]
struct Failure {
    message: String,
    timeout: bool,
    source: Option<::redis::RedisError>,
}

impl Failure {
    fn redis(what: &'static str, e: ::redis::RedisError) -> Self {
        Failure {
            message: format!("{what}: {}", describe(&e)),
            timeout: e.is_timeout(),
            source: Some(e),
        }
    }

    fn nogroup(&self) -> bool {
        self.source
            .as_ref()
            .and_then(|e| e.code())
            .is_some_and(|c| c == "NOGROUP")
    }
}

/// A Redis error in words. The client's messages name the server's address at most, never
/// the password.
fn describe(e: &::redis::RedisError) -> String {
    if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
        format!("Redis unreachable ({e})")
    } else {
        e.to_string()
    }
}

impl From<Failure> for crate::inbox::InboxError {
    fn from(f: Failure) -> Self {
        match (f.timeout, f.source) {
            (true, _) => crate::inbox::InboxError::with_timeout_message(f.message),
            (false, Some(e)) => crate::inbox::InboxError::with_source(f.message, e),
            (false, None) => crate::inbox::InboxError::new(f.message),
        }
    }
}

impl From<Failure> for crate::dedup::DedupError {
    fn from(f: Failure) -> Self {
        match f.source {
            Some(e) => crate::dedup::DedupError::with_source(f.message, e),
            None => crate::dedup::DedupError::new(f.message),
        }
    }
}
