//! Where an outbound message is in its life, and which status wins when callbacks arrive out
//! of order.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Where an outbound message is in its life.
///
/// A value this crate does not know yet is kept as [`DeliveryStatus::Other`], so a provider
/// adding a status never breaks parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Taken by a messaging service, not yet queued.
    Accepted,
    /// Scheduled for later.
    Scheduled,
    /// Queued at the provider.
    Queued,
    /// Being sent.
    Sending,
    /// Handed to WhatsApp.
    Sent,
    /// On the user's phone.
    Delivered,
    /// Read by the user.
    Read,
    /// WhatsApp could not deliver it (terminal).
    Undelivered,
    /// The provider could not send it (terminal).
    Failed,
    /// Canceled before sending (terminal).
    Canceled,
    /// A status this crate does not know, as the provider wrote it (lowercased).
    Other(String),
}

impl DeliveryStatus {
    /// Parses a status name (any letter case). Unknown names become
    /// [`DeliveryStatus::Other`].
    pub fn parse(s: &str) -> Self {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "accepted" => DeliveryStatus::Accepted,
            "scheduled" => DeliveryStatus::Scheduled,
            "queued" => DeliveryStatus::Queued,
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "delivered" => DeliveryStatus::Delivered,
            "read" => DeliveryStatus::Read,
            "undelivered" => DeliveryStatus::Undelivered,
            "failed" => DeliveryStatus::Failed,
            "canceled" | "cancelled" => DeliveryStatus::Canceled,
            _ => DeliveryStatus::Other(lower),
        }
    }

    /// The name used in the event JSON.
    pub fn as_str(&self) -> &str {
        match self {
            DeliveryStatus::Accepted => "accepted",
            DeliveryStatus::Scheduled => "scheduled",
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Read => "read",
            DeliveryStatus::Undelivered => "undelivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Canceled => "canceled",
            DeliveryStatus::Other(s) => s,
        }
    }

    /// True for statuses after which nothing more happens to the message: `failed`,
    /// `undelivered`, `canceled`.
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            DeliveryStatus::Failed | DeliveryStatus::Undelivered | DeliveryStatus::Canceled
        )
    }

    /// How far along a successful message is: 0 accepted/scheduled, 1 queued, 2 sending,
    /// 3 sent, 4 delivered, 5 read. `None` for failures and unknown statuses.
    fn progress(&self) -> Option<u8> {
        Some(match self {
            DeliveryStatus::Accepted | DeliveryStatus::Scheduled => 0,
            DeliveryStatus::Queued => 1,
            DeliveryStatus::Sending => 2,
            DeliveryStatus::Sent => 3,
            DeliveryStatus::Delivered => 4,
            DeliveryStatus::Read => 5,
            _ => return None,
        })
    }

    /// Whether `self`, arriving after `current`, should replace it. Callbacks arrive out of
    /// order, so a status replaces another only when it is further along:
    ///
    /// - progress only moves forward: a late `delivered` never overwrites `read`;
    /// - a failure (`failed`, `undelivered`, `canceled`) is final: nothing overwrites it;
    /// - a failure replaces any progress short of `delivered` (a message on the phone has
    ///   not failed);
    /// - an unknown status never replaces a known one, and any known status replaces an
    ///   unknown one.
    ///
    /// ```
    /// use whatsapp_connector::DeliveryStatus::*;
    ///
    /// assert!(Read.supersedes(&Delivered));
    /// assert!(!Delivered.supersedes(&Read));
    /// assert!(!Sent.supersedes(&Failed));
    /// assert!(Failed.supersedes(&Sent));
    /// ```
    pub fn supersedes(&self, current: &DeliveryStatus) -> bool {
        if current.is_failure() {
            return false;
        }
        match (self.progress(), current.progress()) {
            (Some(new), Some(old)) => new > old,
            (None, Some(old)) => self.is_failure() && old < 4,
            (Some(_), None) => true,
            (None, None) => self.is_failure(),
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeliveryStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeliveryStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Ok(DeliveryStatus::parse(&s))
    }
}
