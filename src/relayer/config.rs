//! The relayer's configuration: destination chains by CAIP-2 id, and its retry and give-up times.

use crate::{chain::retry::RetryPolicy, follower::FollowerConfig, protocol::Caip2};
use std::time::Duration;

/// A destination chain the relayer broadcasts to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Destination {
    /// Its CAIP-2 id (`eip155:<evm chain id>`).
    pub chain: Caip2,
    /// Its JSON-RPC endpoint.
    pub rpc_url: String,
    /// Blocks on top of the one holding a broadcast before it counts as confirmed (1: mined is enough).
    pub confirmations: u64,
}

/// Tuning of the relayer.
#[derive(Debug, Clone)]
pub struct RelayerConfig {
    /// The destinations it has RPCs for; a request for any other chain is recorded as unroutable.
    pub destinations: Vec<Destination>,
    /// The source-chain event follower.
    pub follower: FollowerConfig,
    /// How often a destination's broadcasts are looked at when nothing wakes the broadcaster earlier.
    pub poll_interval: Duration,
    /// Backoff of a broadcast the node refused for funds or fees (awaiting funds, underpriced).
    pub refused_backoff: RetryPolicy,
    /// How long after its first attempt such a broadcast is given up (then it fails permanently).
    pub give_up_after: Duration,
    /// Backoff while the destination's RPC is unreachable (retried for ever).
    pub unreachable_backoff: RetryPolicy,
    /// Retries of source-chain reads.
    pub retry: RetryPolicy,
}

impl Default for RelayerConfig {
    fn default() -> Self {
        Self {
            destinations: Vec::new(),
            follower: FollowerConfig::default(),
            poll_interval: Duration::from_millis(500),
            refused_backoff: RetryPolicy::forever(Duration::from_secs(2), Duration::from_secs(60)),
            give_up_after: Duration::from_secs(24 * 60 * 60),
            unreachable_backoff: RetryPolicy::forever(Duration::from_secs(1), Duration::from_secs(30)),
            retry: RetryPolicy::default(),
        }
    }
}
