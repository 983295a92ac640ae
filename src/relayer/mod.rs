//! The cross-chain relayer (spec §8): turns an answered `zrSignTx` whose request asked for `broadcast` into a
//! signed raw transaction and broadcasts it on its destination chain.
//!
//! Two halves, one store: the [`Watcher`] follows the source chain's answers and records one broadcast per
//! request (assembled and checked: it recovers to the request's key and carries the destination's chain id);
//! a [`Broadcaster`] per destination chain drives each broadcast to `confirmed`, `replaced` or `failed`, every
//! step saved first. Restarts resume from the store; duplicate events and resends never make a second
//! transaction (one broadcast per request, the same raw bytes every time, and the nonce).
//!
//! Each request's relay status is a library call away: [`relay_status`].

mod broadcast;
pub mod config;
mod watch;

pub use broadcast::{Broadcaster, REPLACEMENT_BUMP_PCT, bumped, replacement_fee_cap};
pub use config::{Destination, RelayerConfig};
pub use watch::{WatchReport, Watcher};

use crate::{
    api::{Health, ServiceHealth},
    chain::{ChainError, ChainRead, RpcChain},
    follower::{FollowError, Follower, Subscription},
    protocol::events,
    store::{Broadcast, Store, StoreError},
};
use alloy::primitives::{Address, U256};
use std::{collections::BTreeSet, sync::Arc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// Why the relayer could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    /// A chain operation failed (after retries, when retryable).
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An answer's request event was not found (the node's logs are incomplete); the range is read again.
    #[error("no ZrSignRequested event for answered request {0}")]
    MissingRequest(U256),
    /// Two destinations are configured for one chain, or a destination's RPC serves another chain.
    #[error("destination {chain}: {message}")]
    Destination {
        /// The destination's CAIP-2 id.
        chain: String,
        /// What is wrong.
        message: String,
    },
}

impl From<FollowError> for RelayerError {
    fn from(e: FollowError) -> Self {
        match e {
            FollowError::Chain(c) => Self::Chain(c),
            FollowError::Store(s) => Self::Store(s),
        }
    }
}

/// The follower stream's service name.
pub const SERVICE: &str = "relayer";

/// The relayer of one deployment: a watcher on the source chain and a broadcaster per destination.
pub struct Relayer<C, D = RpcChain> {
    watcher: Watcher<C>,
    broadcasters: Vec<Broadcaster<D>>,
    store: Store,
    config: RelayerConfig,
    wake: Arc<Notify>,
    health: Option<(ServiceHealth, Vec<ServiceHealth>)>,
}

impl<C: ChainRead, D: ChainRead> Relayer<C, D> {
    /// A relayer for the deployment at `proxy` on `source`, broadcasting to `destinations` (connected chains,
    /// one per configured [`Destination`]); it resumes from `store`, or reads from `start_block` on a new one.
    pub async fn new(
        source: Arc<C>,
        destinations: Vec<(Destination, Arc<D>)>,
        store: Store,
        proxy: Address,
        start_block: u64,
        config: RelayerConfig,
    ) -> Result<Self, RelayerError> {
        let mut routable = BTreeSet::new();
        let mut broadcasters = Vec::new();
        for (destination, chain) in destinations {
            let id = chain.evm_chain_id();
            if destination.chain.evm_chain_id() != Some(id) {
                return Err(RelayerError::Destination {
                    chain: destination.chain.to_string(),
                    message: format!("its RPC {} serves EVM chain {id}", destination.rpc_url),
                });
            }
            if !routable.insert(id) {
                return Err(RelayerError::Destination {
                    chain: destination.chain.to_string(),
                    message: "configured twice".into(),
                });
            }
            broadcasters.push(Broadcaster::new(chain, destination, store.clone(), config.clone()));
        }
        let subscription = Subscription {
            service: SERVICE,
            address: proxy,
            topics: watch::topics(),
            decode: events::decode,
            start_block,
        };
        let follower = Follower::new(source.clone(), store.clone(), subscription, config.follower).await?;
        let watcher = Watcher::new(source, follower, proxy, start_block, routable, config.retry);
        Ok(Self { watcher, broadcasters, store, config, wake: Arc::new(Notify::new()), health: None })
    }

    /// Reports every pass of [`run`](Self::run) to `health`: the source watcher as `relayer`, each destination's
    /// reachability as `relayer <caip2>`.
    pub fn with_health(mut self, health: &Health) -> Self {
        let destinations =
            self.broadcasters.iter().map(|b| health.register(format!("relayer {}", b.destination.chain))).collect();
        self.health = Some((health.register("relayer"), destinations));
        self
    }

    /// The store it records into.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The watcher's next source block.
    pub fn next_block(&self) -> u64 {
        self.watcher.follower.next_block()
    }

    /// Sealed source blocks not processed yet, as of the last poll.
    pub fn lag(&self) -> u64 {
        self.watcher.follower.lag()
    }

    /// One pass: the source chain's new answers, then every due broadcast once.
    pub async fn poll_once(&mut self) -> Result<WatchReport, RelayerError> {
        let report = self.watcher.poll_once().await?;
        for b in &self.broadcasters {
            b.pass().await?;
        }
        Ok(report)
    }

    /// Runs until `shutdown` is cancelled: the watcher polls the source every `poll_interval`; each
    /// broadcaster works its due broadcasts, woken early when the watcher queues new ones. An in-flight step
    /// finishes (and is saved) before shutdown is honoured.
    pub async fn run(&mut self, shutdown: CancellationToken) {
        let interval = self.config.poll_interval;
        let wake = self.wake.clone();
        let watcher = &mut self.watcher;
        let (source_health, destination_health) = match &self.health {
            Some((s, d)) => (Some(s.clone()), d.iter().cloned().map(Some).collect()),
            None => (None, vec![None; self.broadcasters.len()]),
        };
        let watch_loop = async {
            loop {
                match watcher.poll_once().await {
                    Ok(report) => {
                        if !report.queued.is_empty() {
                            tracing::info!(queued = ?report.queued, "relayer queued broadcasts");
                            wake.notify_waiters();
                        }
                        if let Some(h) = &source_health {
                            h.polled(watcher.follower.lag());
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "relayer source poll failed; retrying next interval");
                        if let Some(h) = &source_health {
                            h.failed(&e);
                        }
                    }
                }
                tokio::select! {
                    () = shutdown.cancelled() => return,
                    () = tokio::time::sleep(interval) => {}
                }
            }
        };
        let broadcast_loops = self.broadcasters.iter().zip(destination_health).map(|(b, health)| {
            let (wake, shutdown) = (self.wake.clone(), shutdown.clone());
            async move {
                loop {
                    if let Err(e) = b.pass().await {
                        tracing::error!(chain = %b.destination.chain, error = %e, "broadcaster pass failed");
                    }
                    if let Some(h) = &health {
                        match b.chain.block_number().await {
                            Ok(_) => h.polled(0),
                            Err(e) => h.failed(&e),
                        }
                    }
                    let idle = b.idle_for().await.unwrap_or(interval);
                    tokio::select! {
                        () = shutdown.cancelled() => return,
                        () = wake.notified() => {}
                        () = tokio::time::sleep(idle) => {}
                    }
                }
            }
        });
        tokio::join!(watch_loop, futures::future::join_all(broadcast_loops));
    }
}

/// A request's relay status: its broadcast record (status, hash, block, confirmations, error class and
/// reason), or `None` if the relayer has none (not answered yet, or no broadcast asked).
pub async fn relay_status(
    store: &Store,
    source_evm_chain_id: u64,
    proxy: Address,
    request_id: u64,
) -> Result<Option<Broadcast>, StoreError> {
    store.broadcast(source_evm_chain_id, proxy, request_id).await
}
