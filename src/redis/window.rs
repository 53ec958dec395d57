//! The conversation windows on Redis.

use ::redis::Script;
use async_trait::async_trait;

use super::RedisConnection;
use crate::event::Timestamp;
use crate::window::{WINDOW, WindowError, WindowStore};

/// Keeps the later of the stored and the given time, and lets the key expire with the window.
const RECORD: &str = r"
local current = redis.call('GET', KEYS[1])
if (not current) or tonumber(current) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 1
";

/// A [`WindowStore`] shared by every instance on the same Redis: one key per bot and user,
/// `wa:window:<bot>:<user>` by default, holding the time of the user's last message in
/// milliseconds, expiring when the window closes. A message seen late never moves the time
/// back (one script compares and sets).
#[derive(Debug, Clone)]
pub struct RedisWindowStore {
    redis: RedisConnection,
    prefix: String,
}

impl RedisWindowStore {
    /// A store on `redis` with keys under `wa:window:`.
    pub fn new(redis: &RedisConnection) -> Self {
        RedisWindowStore {
            redis: redis.clone(),
            prefix: "wa:window:".to_owned(),
        }
    }

    /// Uses another key prefix (the keys are `<prefix><bot>:<user>`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, bot: &str, user: &str) -> String {
        format!("{}{bot}:{user}", self.prefix)
    }
}

fn window_error(f: super::Failure) -> WindowError {
    match f.source {
        Some(e) => WindowError::with_source(f.message, e),
        None => WindowError::new(f.message),
    }
}

#[async_trait]
impl WindowStore for RedisWindowStore {
    async fn record(&self, bot: &str, user: &str, at: Timestamp) -> Result<(), WindowError> {
        let key = self.key(bot, user);
        let at_ms = at.unix_millis();
        // The key lives as long as the window from `at` (at least a millisecond).
        let now_ms = Timestamp::now().unix_millis();
        let window_ms = i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX);
        let ttl_ms = at_ms.saturating_add(window_ms).saturating_sub(now_ms);
        if ttl_ms <= 0 {
            return Ok(());
        }
        self.redis
            .run("window record", |mut c| async move {
                Script::new(RECORD)
                    .key(key)
                    .arg(at_ms)
                    .arg(ttl_ms)
                    .invoke_async::<i64>(&mut c)
                    .await
            })
            .await
            .map_err(window_error)?;
        Ok(())
    }

    async fn last_message(&self, bot: &str, user: &str) -> Result<Option<Timestamp>, WindowError> {
        let key = self.key(bot, user);
        let ms: Option<i64> = self
            .redis
            .run("window read", |mut c| async move {
                ::redis::cmd("GET").arg(key).query_async(&mut c).await
            })
            .await
            .map_err(window_error)?;
        Ok(ms.and_then(Timestamp::from_unix_millis))
    }

    async fn forget(&self, bot: &str, user: &str) -> Result<(), WindowError> {
        let key = self.key(bot, user);
        self.redis
            .run("window forget", |mut c| async move {
                ::redis::cmd("DEL")
                    .arg(key)
                    .query_async::<i64>(&mut c)
                    .await
            })
            .await
            .map_err(window_error)?;
        Ok(())
    }
}
