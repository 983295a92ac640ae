//! What `/ready` reports: each service's last poll, its follower lag and its chains' reachability, updated by
//! the services themselves ([`ServiceHealth`] handles, one per service or destination).

use crate::store::now_ms;
use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
};

/// The shared health board of one process.
#[derive(Clone, Default)]
pub struct Health {
    services: Arc<Mutex<BTreeMap<String, ServiceHealth>>>,
}

/// One service's health, updated after every poll.
#[derive(Clone, Default)]
pub struct ServiceHealth {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    polled: AtomicBool,
    ok: AtomicBool,
    lag_blocks: AtomicU64,
    last_poll_ms: AtomicI64,
    last_error: Mutex<Option<String>>,
}

/// A service's state as `/ready` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceReport {
    /// The service (`responder`, `relayer`, `relayer eip155:31338`, …).
    pub name: String,
    /// Whether its last poll succeeded (its chains answered).
    pub ok: bool,
    /// Sealed blocks its follower has not processed.
    pub lag_blocks: u64,
    /// When it last polled (unix ms; 0: never).
    pub last_poll_ms: i64,
    /// Its last error, if the last poll failed.
    pub last_error: Option<String>,
}

/// The most blocks a follower may lag and still be ready.
pub const MAX_READY_LAG: u64 = 2;

impl Health {
    /// Registers a service; its handle starts not ready (it has not polled).
    pub fn register(&self, name: impl Into<String>) -> ServiceHealth {
        let handle = ServiceHealth::default();
        self.services.lock().unwrap_or_else(|p| p.into_inner()).insert(name.into(), handle.clone());
        handle
    }

    /// Every service's state.
    pub fn report(&self) -> Vec<ServiceReport> {
        let services = self.services.lock().unwrap_or_else(|p| p.into_inner());
        services.iter().map(|(name, h)| h.report(name)).collect()
    }

    /// Ready: every registered service polled, its last poll succeeded, and its follower is caught up.
    pub fn is_ready(&self) -> bool {
        let report = self.report();
        !report.is_empty() && report.iter().all(|s| s.ok && s.last_poll_ms > 0 && s.lag_blocks <= MAX_READY_LAG)
    }
}

impl ServiceHealth {
    /// Records a successful poll with the follower's lag.
    pub fn polled(&self, lag_blocks: u64) {
        self.inner.lag_blocks.store(lag_blocks, Ordering::Relaxed);
        self.inner.ok.store(true, Ordering::Relaxed);
        self.inner.last_poll_ms.store(now_ms(), Ordering::Relaxed);
        self.inner.polled.store(true, Ordering::Relaxed);
        *self.inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Records a failed poll.
    pub fn failed(&self, error: &dyn std::fmt::Display) {
        self.inner.ok.store(false, Ordering::Relaxed);
        self.inner.last_poll_ms.store(now_ms(), Ordering::Relaxed);
        self.inner.polled.store(true, Ordering::Relaxed);
        *self.inner.last_error.lock().unwrap_or_else(|p| p.into_inner()) = Some(error.to_string());
    }

    fn report(&self, name: &str) -> ServiceReport {
        ServiceReport {
            name: name.to_owned(),
            ok: self.inner.ok.load(Ordering::Relaxed),
            lag_blocks: self.inner.lag_blocks.load(Ordering::Relaxed),
            last_poll_ms: self.inner.last_poll_ms.load(Ordering::Relaxed),
            last_error: self.inner.last_error.lock().unwrap_or_else(|p| p.into_inner()).clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_only_when_every_service_polled_ok_and_caught_up() {
        let health = Health::default();
        assert!(!health.is_ready(), "nothing registered");
        let a = health.register("responder");
        let b = health.register("relayer");
        assert!(!health.is_ready(), "not polled yet");
        a.polled(0);
        b.polled(MAX_READY_LAG + 1);
        assert!(!health.is_ready(), "relayer lagging");
        b.polled(0);
        assert!(health.is_ready());
        b.failed(&"connection refused");
        assert!(!health.is_ready());
        let report = health.report();
        assert_eq!(report[0].name, "relayer");
        assert_eq!(report[0].last_error.as_deref(), Some("connection refused"));
    }
}
