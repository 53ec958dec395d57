//! The dedup store on Redis.

use std::time::Duration;

use ::redis::AsyncCommands;
use ::redis::SetExpiry;
use ::redis::SetOptions;
use async_trait::async_trait;

use super::RedisConnection;
use crate::dedup::{DedupError, DedupStore};

/// A [`DedupStore`] shared by every instance on the same Redis: one `SET key 1 NX PX <ttl>`
/// per event (`OK` means first seen), under the prefix `wa:dedup:` by default.
///
/// It is for the endpoint without an inbox (`WebhookServer::with_dedup`, feature `axum`);
/// the [`RedisInbox`](super::RedisInbox) does its own dedup in the same step as the store.
#[derive(Debug, Clone)]
pub struct RedisDedupStore {
    redis: RedisConnection,
    prefix: String,
}

impl RedisDedupStore {
    /// A store on `redis` with keys under `wa:dedup:`.
    pub fn new(redis: &RedisConnection) -> Self {
        RedisDedupStore {
            redis: redis.clone(),
            prefix: "wa:dedup:".to_owned(),
        }
    }

    /// Uses another key prefix (the keys are `<prefix><dedup key>`).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }
}

#[async_trait]
impl DedupStore for RedisDedupStore {
    async fn first_seen(&self, key: &str, ttl: Duration) -> Result<bool, DedupError> {
        let key = format!("{}{key}", self.prefix);
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let options = SetOptions::default()
            .conditional_set(::redis::ExistenceCheck::NX)
            .with_expiration(SetExpiry::PX(ms));
        let set: Option<String> = self
            .redis
            .run("SET NX", |mut c| async move {
                c.set_options(key, 1, options).await
            })
            .await?;
        Ok(set.is_some())
    }
}
