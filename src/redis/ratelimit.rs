//! The send rate limiter on Redis.

use std::time::Duration;

use ::redis::Script;
use async_trait::async_trait;

use super::RedisConnection;
use crate::ratelimit::{Quota, RateLimitError, RateLimiter};

/// GCRA in one step, on the server's clock (microseconds): the key holds the theoretical
/// arrival time; returns 0 when a place was taken, else the microseconds to wait.
const GCRA: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local earliest = tat - tolerance
if earliest > now then return math.ceil(earliest - now) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1)
return 0
";

/// A [`RateLimiter`] shared by every instance on the same Redis: GCRA in one Lua script
/// (`GET`, `SET … PX` on the server's clock), keys under `wa:rate:` by default, each expiring
/// once its budget is full again.
#[derive(Debug, Clone)]
pub struct RedisRateLimiter {
    redis: RedisConnection,
    prefix: String,
    script: Script,
}

impl RedisRateLimiter {
    /// A limiter on `redis` with keys under `wa:rate:`.
    pub fn new(redis: &RedisConnection) -> Self {
        RedisRateLimiter {
            redis: redis.clone(),
            prefix: "wa:rate:".to_owned(),
            script: Script::new(GCRA),
        }
    }

    /// Uses another key prefix (the keys are `<prefix><provider>:<sender>`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

#[async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn acquire(&self, key: &str, quota: Quota) -> Result<Duration, RateLimitError> {
        let key = format!("{}{key}", self.prefix);
        let (interval, tolerance) = (micros(quota.interval()), micros(quota.tolerance()));
        let script = &self.script;
        let wait: u64 = self
            .redis
            .run("rate limit", |mut c| async move {
                script
                    .key(key)
                    .arg(interval)
                    .arg(tolerance)
                    .invoke_async(&mut c)
                    .await
            })
            .await
            .map_err(|f| RateLimitError::new(f.message, f.source.map(|e| Box::new(e) as Box<_>)))?;
        Ok(Duration::from_micros(wait))
    }
}
