//! `zrsign request watch ID`: waits (spinner with the id and elapsed time on a terminal) until the request is
//! settled and, if it asked for broadcast and a store is at hand, its relay is done.

use super::Common;
use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, Session},
    progress::Spinner,
};
use std::time::{Duration, Instant};

/// Arguments of `zrsign request watch`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    timeout: u64,
    /// Poll interval, milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 500)]
    poll_ms: u64,
}

impl Args {
    /// Follows the request.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let c = &self.common;
        let session = Session::read(opts, &c.rpc, &c.deployment).await?;
        let store = super::super::lookup::store(&session, c.store.as_ref()).await?;
        let spinner = Spinner::start(format!("request {}: waiting", c.id));
        let started = Instant::now();
        let mut last = String::new();
        loop {
            let output = super::super::lookup::request(&session, c.id, store.as_ref()).await?;
            let relay = output.relay.as_ref().map(|r| r.status.clone());
            let state =
                format!("{}{}", output.status, relay.as_ref().map(|r| format!(", relay {r}")).unwrap_or_default());
            if state != last {
                spinner.set(format!("request {}: {state}", c.id));
                if !c.output.json {
                    tracing::info!(id = c.id, %state, "request");
                }
                last = state;
            }
            let relay_done = !output.broadcast
                || output.status != "answered"
                || store.is_none()
                || relay.as_deref().is_some_and(|s| matches!(s, "mined" | "confirmed" | "replaced" | "failed"));
            if output.status != "open" && relay_done {
                drop(spinner);
                return c.output.print(&output, || super::text(&output));
            }
            if started.elapsed() >= Duration::from_secs(self.timeout) {
                return Err(Failure::protocol(
                    format!("request {} still {last} after {}s", c.id, self.timeout),
                    "is the responder (and relayer) running? watch again, or reclaim after the deadline",
                ));
            }
            tokio::time::sleep(Duration::from_millis(self.poll_ms.max(10))).await;
        }
    }
}
