//! A durable inbox between the webhook endpoint and your handler.
//!
//! Without an inbox, the endpoint answers the provider 200 and then runs your handler in the
//! same process: an event whose handler fails, or that was in flight when the process
//! crashed or was redeployed, is lost (the providers do not redeliver after a 200).
//!
//! With one ([`WebhookServer::with_inbox`](crate::server::WebhookServer::with_inbox)), the
//! endpoint stores each verified, parsed, not-yet-seen event *before* it answers, and answers
//! 503 when it cannot store it, so nothing is acknowledged that is not stored. A [`Worker`]
//! (in the same process or another) takes the events, calls your handler, and acknowledges
//! each only once the handler returned `Ok`:
//!
//! - a failing event is retried with backoff ([`Worker::with_retry_backoff`]) and moved to
//!   the dead letters after [`Worker::with_max_attempts`] attempts, where
//!   [`Inbox::dead_letters`] lists it and [`Inbox::replay`] puts it back;
//! - while an event of a conversation waits for its retry, the later events of the same
//!   conversation wait behind it (other conversations go on), so one worker hands each
//!   conversation's events over in the order they were stored. With several workers, events
//!   are shared out by batch: two events of one conversation can then run at once on two
//!   workers, and a retried event can come after a later one handled elsewhere;
//! - a worker that dies leaves its events pending; another claims them once they have been
//!   idle for the inbox's claim time (30 s for the Redis inbox by default). A handler that
//!   runs longer than that may see its event handed to another worker too: delivery is *at
//!   least once*, so make handlers idempotent where a repeat matters (the event's
//!   [`dedup_key`](crate::InboundEvent::dedup_key) is stable).
//!
//! [`MemoryInbox`] keeps everything in the process (for tests, and for one process that
//! wants retries and dead letters without a server); the Redis inbox (feature `redis`)
//! survives restarts and is shared by every instance.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::address::WhatsAppAddress;
use crate::event::{Author, InboundEvent};

mod memory;
mod worker;

pub use memory::MemoryInbox;
pub use worker::{Delivery, Worker};

/// An event as the inbox keeps it: the id of the bot it is for, and the event.
///
/// It serializes to `{"bot": "<id>", "event": <the event JSON>}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InboxEntry {
    /// The id of the bot the webhook was for ([`Bot::id`](crate::registry::Bot::id)).
    #[serde(rename = "bot")]
    pub bot_id: String,
    /// The event.
    pub event: InboundEvent,
}

impl InboxEntry {
    /// An entry for the bot `bot_id`.
    pub fn new(bot_id: impl Into<String>, event: InboundEvent) -> Self {
        InboxEntry {
            bot_id: bot_id.into(),
            event,
        }
    }

    /// The key under which the entry is remembered as seen: the bot and the event's
    /// [`dedup_key`](InboundEvent::dedup_key).
    pub fn dedup_key(&self) -> String {
        format!("{}:{}", self.bot_id, self.event.dedup_key())
    }

    /// The conversation the entry belongs to, whose events are handed over in order: the bot
    /// and the user's address (the sender of a user's message, the recipient of the bot's
    /// or an agent's, the recipient of a status change), else the provider's conversation
    /// id. An event that names neither is a conversation of its own.
    pub fn conversation(&self) -> String {
        let (user, conversation_id) = match &self.event {
            InboundEvent::Message(m) => {
                let user = match m.author {
                    Author::User => m.from.as_ref(),
                    _ => m.to.as_ref(),
                };
                (user, m.conversation_id.as_deref())
            }
            InboundEvent::Status(s) => (s.recipient.as_ref(), s.conversation_id.as_deref()),
            _ => (None, None),
        };
        let who = match (user, conversation_id) {
            (Some(WhatsAppAddress::Phone(p)), _) => format!("+{}", p.digits()),
            (Some(other), _) => other.to_string(),
            (None, Some(c)) => format!("conversation:{c}"),
            (None, None) => format!("event:{}", self.event.dedup_key()),
        };
        format!("{}|{who}", self.bot_id)
    }
}

/// An entry handed to a worker: the inbox's id for it, the entry, and how many handler
/// attempts already failed (recorded with [`Inbox::fail`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Taken {
    /// The inbox's id of the entry (for the Redis inbox, the stream entry id).
    pub id: String,
    /// The entry.
    pub entry: InboxEntry,
    /// Failed attempts so far.
    pub failures: u32,
}

impl Taken {
    /// An entry taken under `id`, with `failures` failed attempts behind it.
    pub fn new(id: impl Into<String>, entry: InboxEntry, failures: u32) -> Self {
        Taken {
            id: id.into(),
            entry,
            failures,
        }
    }
}

/// An entry moved aside after its last failed attempt.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeadLetter {
    /// Its id among the dead letters (pass it to [`Inbox::replay`]).
    pub id: String,
    /// The entry.
    pub entry: InboxEntry,
    /// How many attempts were made.
    pub attempts: u32,
    /// The last error, as the handler's error displayed itself.
    pub error: String,
}

impl DeadLetter {
    /// A dead letter.
    pub fn new(
        id: impl Into<String>,
        entry: InboxEntry,
        attempts: u32,
        error: impl Into<String>,
    ) -> Self {
        DeadLetter {
            id: id.into(),
            entry,
            attempts,
            error: error.into(),
        }
    }
}

/// Where verified events wait for a worker.
///
/// # Semantics (for implementors)
///
/// - [`Inbox::store`] is one atomic step: *if the entry's [`dedup_key`](InboxEntry::dedup_key)
///   was not seen within `dedup_ttl`, remember it and append the entry*. When it fails,
///   nothing is remembered, so the provider's redelivery of a webhook answered 503 is
///   stored.
/// - [`Inbox::take`] hands out entries in the order they were stored, each to one consumer,
///   and also hands out again entries that another consumer took and left unacknowledged
///   for longer than the inbox's claim time.
/// - An entry stays pending until [`Inbox::ack`] or [`Inbox::dead_letter`].
#[async_trait]
pub trait Inbox: Send + Sync + fmt::Debug {
    /// Stores `entry` unless its dedup key was seen within `dedup_ttl`; `true` when stored.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached or refused the write; then
    /// nothing was stored or remembered.
    async fn store(&self, entry: &InboxEntry, dedup_ttl: Duration) -> Result<bool, InboxError>;

    /// Takes up to `max` entries for the consumer named `consumer`: first entries left idle
    /// by another consumer past the claim time, then new ones, waiting at most `wait` when
    /// there are none.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn take(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Taken>, InboxError>;

    /// Tells the inbox that `consumer` still works on the entries `ids`, so that they are not
    /// claimed by another consumer as idle. The default does nothing.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn keep(&self, consumer: &str, ids: &[String]) -> Result<(), InboxError> {
        let _ = (consumer, ids);
        Ok(())
    }

    /// Acknowledges the entry `id`: it was handled and is never handed out again.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn ack(&self, id: &str) -> Result<(), InboxError>;

    /// Records one failed attempt at the entry `id`; returns the failures so far.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn fail(&self, id: &str) -> Result<u32, InboxError>;

    /// Moves `taken` to the dead letters with the last `error`, and acknowledges it, in one
    /// step.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached; the entry then stays pending.
    async fn dead_letter(&self, taken: &Taken, error: &str) -> Result<(), InboxError>;

    /// The dead letters, oldest first, at most `max`.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn dead_letters(&self, max: usize) -> Result<Vec<DeadLetter>, InboxError>;

    /// Puts the dead letter `id` back in the inbox as a new entry (its dedup key is not
    /// checked) and removes it from the dead letters; `false` when there is no such dead
    /// letter.
    ///
    /// # Errors
    ///
    /// [`InboxError`] when the store could not be reached.
    async fn replay(&self, id: &str) -> Result<bool, InboxError>;
}

/// An inbox operation failed (the store was unreachable, did not answer in time, or
/// refused). It never holds a password.
#[derive(Debug, thiserror::Error)]
#[error("inbox: {message}")]
pub struct InboxError {
    message: String,
    timeout: bool,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl InboxError {
    /// A failure described by `message` alone.
    pub fn new(message: impl Into<String>) -> Self {
        InboxError {
            message: message.into(),
            timeout: false,
            source: None,
        }
    }

    /// A failure described by `message`, caused by `source`.
    pub fn with_source(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        InboxError {
            message: message.into(),
            timeout: false,
            source: Some(source.into()),
        }
    }

    /// An operation that got no answer within `limit`.
    pub fn timeout(what: &str, limit: Duration) -> Self {
        InboxError {
            message: format!("{what}: no answer within {} ms", limit.as_millis()),
            timeout: true,
            source: None,
        }
    }

    /// A timeout described by `message`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn with_timeout_message(message: String) -> Self {
        InboxError {
            message,
            timeout: true,
            source: None,
        }
    }

    /// What failed, without the cause.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// True when the store did not answer in time.
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{InboundMessage, MessageContent};
    use crate::provider::ProviderKind;

    fn message(id: &str, from: &str) -> InboundEvent {
        let mut m = InboundMessage::new(
            ProviderKind::new("acme"),
            id,
            MessageContent::Text { body: "hi".into() },
        );
        m.from = Some(WhatsAppAddress::parse(from).unwrap());
        InboundEvent::Message(m)
    }

    #[test]
    fn an_entry_round_trips_as_json_and_names_its_conversation() {
        let e = InboxEntry::new("bot-1", message("M1", "whatsapp:+14155550100"));
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.starts_with(r#"{"bot":"bot-1","event":{"type":"message""#));
        assert_eq!(serde_json::from_str::<InboxEntry>(&json).unwrap(), e);
        assert_eq!(e.conversation(), "bot-1|+14155550100");
        assert_eq!(e.dedup_key(), "bot-1:acme:M1");
        let same_user = InboxEntry::new("bot-1", message("M2", "+14155550100"));
        assert_eq!(same_user.conversation(), e.conversation());
    }
}
