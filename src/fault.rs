//! Deterministic fault seams for the fault tests (`tests/faults`), off unless their variable is set.
//!
//! - `ZRSIGN_FAULT_PAUSE_AFTER_SEND=<path>`: right after the responder has sent an answer transaction and recorded
//!   its hash (before its receipt is awaited and before the processed blocks are committed), it writes the hash to
//!   `<path>` and waits for ever, so a test can SIGKILL the process at exactly that point.

use alloy::primitives::B256;
use std::{path::PathBuf, sync::LazyLock};

/// The variable of [`after_send`].
pub const PAUSE_AFTER_SEND: &str = "ZRSIGN_FAULT_PAUSE_AFTER_SEND";

static PAUSE_AFTER_SEND_PATH: LazyLock<Option<PathBuf>> =
    LazyLock::new(|| std::env::var_os(PAUSE_AFTER_SEND).filter(|v| !v.is_empty()).map(PathBuf::from));

/// The seam after an answer was sent: returns at once unless [`PAUSE_AFTER_SEND`] is set.
pub async fn after_send(tx_hash: B256) {
    let Some(path) = PAUSE_AFTER_SEND_PATH.as_ref() else { return };
    tracing::warn!(%tx_hash, marker = %path.display(), "fault seam: pausing for ever after sending an answer");
    let path = path.clone();
    match tokio::task::spawn_blocking(move || std::fs::write(&path, tx_hash.to_string())).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "fault seam: could not write the marker"),
        Err(e) => tracing::error!(error = %e, "fault seam: marker task failed"),
    }
    std::future::pending::<()>().await
}
