//! A provider's send budget: how many messages a second one sender may send.

use std::time::Duration;

/// A rate: `per_second` sends a second on average, with up to `burst` at once.
///
/// ```
/// use whatsapp_connector::ratelimit::Quota;
///
/// let q = Quota::per_second(80);
/// assert_eq!(q.burst, 80);
/// assert_eq!(q.interval(), std::time::Duration::from_micros(12_500));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Quota {
    /// Sends a second, on average (at least 1).
    pub per_second: u32,
    /// Sends allowed at once after a quiet spell (at least 1).
    pub burst: u32,
}

impl Quota {
    /// `n` sends a second, with a burst of one second's worth.
    pub const fn per_second(n: u32) -> Self {
        let n = if n == 0 { 1 } else { n };
        Quota {
            per_second: n,
            burst: n,
        }
    }

    /// The same rate with another burst (at least 1).
    pub const fn with_burst(mut self, burst: u32) -> Self {
        self.burst = if burst == 0 { 1 } else { burst };
        self
    }

    /// The time between two sends at the steady rate.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(1) / self.per_second.max(1)
    }

    /// How far ahead of the steady rate a burst may run.
    pub fn tolerance(&self) -> Duration {
        self.interval() * self.burst.max(1).saturating_sub(1)
    }
}

/// The budget a provider's sends count against: the sender they are keyed by (a number, a
/// service or an account) and the rate its API allows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendLimit {
    /// Who the budget belongs to, within the provider.
    pub sender: String,
    /// The rate.
    pub quota: Quota,
}

impl SendLimit {
    /// A budget of `quota` for `sender`.
    pub fn new(sender: impl Into<String>, quota: Quota) -> Self {
        SendLimit {
            sender: sender.into(),
            quota,
        }
    }
}
