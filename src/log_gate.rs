//! Logging a repeated failure without a log storm.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lets a repeated failure through to the log at most once per interval, counting the ones
/// it held back.
#[derive(Debug)]
pub(crate) struct LogGate {
    interval: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl LogGate {
    pub(crate) const fn new(interval: Duration) -> Self {
        LogGate {
            interval,
            state: Mutex::new((None, 0)),
        }
    }

    /// `Some(held back since the last one)` when this failure should be logged.
    pub(crate) fn check(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        match state.0 {
            Some(last) if now.duration_since(last) < self.interval => {
                state.1 += 1;
                None
            }
            _ => {
                let held = state.1;
                *state = (Some(now), 0);
                Some(held)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_gate_lets_one_through_per_interval() {
        let gate = LogGate::new(Duration::from_secs(3600));
        assert_eq!(gate.check(), Some(0));
        assert_eq!(gate.check(), None);
        assert_eq!(gate.check(), None);
        let open = LogGate::new(Duration::ZERO);
        assert_eq!(open.check(), Some(0));
        assert_eq!(open.check(), Some(0));
    }
}
