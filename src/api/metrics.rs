//! The process's Prometheus recorder (installed once, before the services start) and its rendering, with
//! the gauges read from the store at scrape time (relay states).
//!
//! Metrics the services emit (`metrics` facade):
//! - `zrsign_requests_seen_total{kind}`, `zrsign_requests_answered_total{kind}`,
//!   `zrsign_requests_rejected_total{kind}`, `zrsign_requests_skipped_total{kind}` (responder);
//! - `zrsign_events_skipped_total{service}` (undecodable events), `zrsign_follower_reorgs_total{service}`,
//!   `zrsign_follower_lag_blocks{service}`;
//! - `zrsign_batch_size{call}` (histogram), `zrsign_stage_seconds{stage}` (histogram; stages `signed`: event
//!   seen → signed, `answer_mined`: event seen → answer mined, `relay_mined`: answer seen → relay mined);
//! - `zrsign_relay_queued_total{status}`, `zrsign_relay_sends_total`, `zrsign_relay_reorged_total`, and at
//!   scrape time `zrsign_relay_broadcasts{state}` (every broadcast in the store by state).

use crate::store::{RelayState, Store};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Buckets of the stage latencies, in seconds.
const STAGE_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];
/// Buckets of the batch sizes.
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0];

/// Why the recorder could not be installed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("metrics recorder: {0}")]
pub struct MetricsError(String);

/// The process's Prometheus handle, installing the recorder on first use. Install it before the services
/// start: what is emitted before goes nowhere.
pub fn handle() -> Result<&'static PrometheusHandle, MetricsError> {
    static HANDLE: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), STAGE_BUCKETS)
                .and_then(|b| b.set_buckets_for_metric(Matcher::Full("zrsign_batch_size".into()), BATCH_BUCKETS))
                .map_err(|e| MetricsError(e.to_string()))?;
            builder.install_recorder().map_err(|e| MetricsError(e.to_string()))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The Prometheus text exposition of everything recorded, with the store's relay-state gauges refreshed.
pub async fn render(handle: &PrometheusHandle, store: &Store) -> String {
    match store.relay_state_counts().await {
        Ok(counts) => {
            for state in RelayState::ALL {
                let n = counts.iter().find(|(s, _)| *s == state).map_or(0, |(_, n)| *n);
                metrics::gauge!("zrsign_relay_broadcasts", "state" => state.as_str()).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "relay state counts unavailable for /metrics"),
    }
    handle.run_upkeep();
    handle.render()
}
