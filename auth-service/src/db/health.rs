//! What the service remembers about the database being reachable.
//!
//! Without this memory every request during an outage would wait the whole pool
//! checkout timeout before its 503 (r2d2 keeps retrying in the background and lets
//! each caller wait). Once a connection attempt fails, the database is *down*:
//! requests get their 503 at once, and one prober thread tries a fresh connection
//! every [`PROBE_INTERVAL`] until one succeeds. The outage is logged once when it
//! starts and once when it ends, never per request.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Time between connection attempts while the database is down: short, so the
/// service serves again well within 2 s of the database coming back.
pub const PROBE_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, Default)]
pub struct Health {
    /// Read on every request: one atomic load, no lock.
    down: AtomicBool,
    times: Mutex<Times>,
    /// Wakes the prober when the database goes down.
    went_down: Condvar,
}

#[derive(Debug, Default)]
struct Times {
    down_since: Option<Instant>,
    /// When the last outage ended: a connection attempt that began before this
    /// (and failed afterwards, e.g. a slow connect timeout) is old news, not a new outage.
    up_since: Option<Instant>,
}

impl Health {
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    /// A connection attempt begun at `attempt_started` failed with `error`.
    pub fn connect_failed(&self, attempt_started: Instant, error: &str) {
        let mut times = self.lock();
        if times.up_since.is_some_and(|up| attempt_started < up) {
            return;
        }
        if self.down.swap(true, Ordering::AcqRel) {
            tracing::debug!(error = %error, "database still unreachable");
            return;
        }
        times.down_since = Some(Instant::now());
        tracing::error!(
            error = %error,
            "database unreachable: answering 503 until a connection succeeds again"
        );
        self.went_down.notify_all();
    }

    /// A probe connected: serve again.
    pub fn recovered(&self) {
        let mut times = self.lock();
        let now = Instant::now();
        times.up_since = Some(now);
        if self.down.swap(false, Ordering::AcqRel) {
            let outage = times.down_since.take().map(|t| now - t).unwrap_or_default();
            tracing::info!(
                outage_ms = outage.as_millis() as u64,
                "database reachable again: serving"
            );
        }
    }

    /// Block until the database is down or `max` has passed; whether it is down.
    pub fn wait_until_down(&self, max: Duration) -> bool {
        let times = self.lock();
        if self.is_down() {
            return true;
        }
        let _unused = self
            .went_down
            .wait_timeout_while(times, max, |_| !self.is_down());
        self.is_down()
    }

    fn lock(&self) -> MutexGuard<'_, Times> {
        // The data is two instants: a panic elsewhere cannot leave them inconsistent.
        self.times.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn down_until_recovered_and_stale_failures_ignored() {
        let health = Health::default();
        assert!(!health.is_down());
        let before = Instant::now();
        health.connect_failed(before, "connection refused");
        assert!(health.is_down());
        assert!(health.wait_until_down(Duration::ZERO));
        health.recovered();
        assert!(!health.is_down());
        // began before the recovery: not a new outage
        health.connect_failed(before, "timeout expired");
        assert!(!health.is_down());
        assert!(!health.wait_until_down(Duration::from_millis(10)));
        health.connect_failed(Instant::now(), "connection refused");
        assert!(health.is_down());
    }
}
