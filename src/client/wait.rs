//! Waiting for answers: one background task per client (shared by its clones) follows the settlement events
//! of exactly the requests being waited on.
//!
//! - **Filter mode** (JSON-RPC nodes): one log filter installed on the node (`eth_newFilter`) for the proxy's
//!   settlement events whose request-id topic (topic 1) is one of the watched ids, polled with
//!   `eth_getFilterChanges` every poll interval. When the watched set changes, the new filter is installed
//!   first, the old one drained once and removed, and the newly watched ids are caught up with one `eth_getLogs`
//!   from their request's block, topic-1-filtered and split into bounded ranges: no gap, and never an unbounded
//!   log scan.
//! - **Polling mode** (revm, or a node without filters): each watched id's `requestStatus` is read every poll
//!   interval; once settled, its settlement event is read from its request's block on, by its id topic.
//!
//! A lost filter (the node forgot it: expired, restarted) is reinstalled with a catch-up of every watched id,
//! and statuses are polled meanwhile. A request whose deadline passes unanswered is reported as expired.

use super::ClientConfig;
use crate::{
    bindings::IZrSign::{self, RequestStatus},
    chain::{ChainLog, ChainRead, LogFilter},
    protocol::events::{self, ZrEvent, request_id_topic},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolEvent,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    num::NonZeroU64,
    ops::Deref,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};
use tokio::sync::{mpsc, oneshot};

/// Topic 0 of the events that settle a request (each carries the request id as topic 1).
pub const SETTLEMENT_EVENTS: [B256; 4] = [
    IZrSign::ZrKeyResponded::SIGNATURE_HASH,
    IZrSign::ZrSignResponded::SIGNATURE_HASH,
    IZrSign::ZrRequestRejected::SIGNATURE_HASH,
    IZrSign::ZrRequestReclaimed::SIGNATURE_HASH,
];

/// How a request ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// A key: its address and public key.
    Key {
        /// EVM address.
        address: Address,
        /// Uncompressed public key `x ‖ y` (64 bytes), as the network answered it.
        public_key: Bytes,
    },
    /// A signature over `digest` by `signer`.
    Signature {
        /// The key's address.
        signer: Address,
        /// The digest.
        digest: B256,
        /// 65 bytes r ‖ s ‖ v.
        signature: Bytes,
    },
    /// Rejected by the network.
    Rejected {
        /// The reason code.
        reason: u8,
    },
    /// Reclaimed after its deadline.
    Reclaimed,
}

/// A settlement and where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// How the request ended.
    pub settlement: Settlement,
    /// The block of the settling transaction.
    pub block_number: u64,
    /// The settling transaction.
    pub tx_hash: B256,
}

/// How the client waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WatchMode {
    /// A log filter on the node, falling back to polling statuses where the node keeps none.
    #[default]
    Auto,
    /// Poll `requestStatus` only.
    Poll,
}

/// What the client's waiting task has done so far (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WatchStats {
    /// Log filters installed (`eth_newFilter`).
    pub filters_installed: u64,
    /// Filter polls (`eth_getFilterChanges`).
    pub filter_polls: u64,
    /// Filters the node lost.
    pub filters_lost: u64,
    /// Ranged, id-filtered log reads (`eth_getLogs`): catch-ups and settlements found by status.
    pub log_queries: u64,
    /// `requestStatus` reads.
    pub status_polls: u64,
    /// Whether it gave up on filters and polls statuses only.
    pub polling_only: bool,
}

#[derive(Debug, Default)]
struct Counters {
    filters_installed: AtomicU64,
    filter_polls: AtomicU64,
    filters_lost: AtomicU64,
    log_queries: AtomicU64,
    status_polls: AtomicU64,
    polling_only: AtomicBool,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Why a wait ended without a settlement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WatchFailure {
    /// The deadline passed with the request open.
    Expired {
        /// The deadline.
        deadline: u64,
    },
}

type Reply = oneshot::Sender<Result<Settled, WatchFailure>>;

/// A request to wait on.
pub(super) struct Watch {
    pub id: U256,
    /// The block of the request (settlements cannot be earlier).
    pub from_block: u64,
    /// Its deadline block.
    pub deadline: u64,
    pub reply: Reply,
}

/// The handle of the waiting task: started on the first wait, ended when the last client clone is dropped.
#[derive(Debug, Default)]
pub(super) struct Watcher {
    sender: Mutex<Option<mpsc::UnboundedSender<Watch>>>,
    counters: Arc<Counters>,
}

/// The filter that waits for `ids`' settlement events at `proxy`.
pub fn settlement_filter(proxy: Address, ids: impl IntoIterator<Item = U256>) -> LogFilter {
    LogFilter::new(proxy, 0, 0).events(SETTLEMENT_EVENTS).topic1(ids.into_iter().map(request_id_topic))
}

/// `from..=to` in ranges of at most `max` blocks.
pub fn ranges(from: u64, to: u64, max: NonZeroU64) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = start.saturating_add(max.get() - 1).min(to);
        out.push((start, end));
        if end == u64::MAX {
            break;
        }
        start = end + 1;
    }
    out
}

impl Watcher {
    /// What the task has done.
    pub fn stats(&self) -> WatchStats {
        let c = &self.counters;
        WatchStats {
            filters_installed: c.filters_installed.load(Ordering::Relaxed),
            filter_polls: c.filter_polls.load(Ordering::Relaxed),
            filters_lost: c.filters_lost.load(Ordering::Relaxed),
            log_queries: c.log_queries.load(Ordering::Relaxed),
            status_polls: c.status_polls.load(Ordering::Relaxed),
            polling_only: c.polling_only.load(Ordering::Relaxed),
        }
    }

    /// Hands `watch` to the task, starting it if needed (on the current tokio runtime).
    pub fn watch<H, S>(&self, chain: &H, proxy: Address, config: &ClientConfig, watch: Watch)
    where
        H: Deref<Target = S> + Clone + Send + Sync + 'static,
        S: ChainRead + 'static,
    {
        let mut sender = self.sender.lock().unwrap_or_else(|p| p.into_inner());
        let watch = match sender.as_ref() {
            Some(s) => match s.send(watch) {
                Ok(()) => return,
                // The task is gone (its runtime ended): start another.
                Err(mpsc::error::SendError(watch)) => watch,
            },
            None => watch,
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let task = Task {
            chain: chain.clone(),
            proxy,
            poll_interval: config.poll_interval,
            max_range: config.max_log_range,
            filters: config.watch == WatchMode::Auto,
            counters: self.counters.clone(),
            watched: BTreeMap::new(),
            filter: None,
        };
        if config.watch == WatchMode::Poll {
            self.counters.polling_only.store(true, Ordering::Relaxed);
        }
        tracing::debug!(%proxy, "starting the client's settlement watcher");
        tokio::spawn(task.run(rx));
        // The receiver is alive: the task holds it until every sender is gone.
        let _ = tx.send(watch);
        *sender = Some(tx);
    }
}

struct Entry {
    from_block: u64,
    deadline: u64,
    replies: Vec<Reply>,
    /// Its settlement events up to the live filter's start have been read (or the filter saw them).
    covered: bool,
}

struct Installed {
    id: U256,
    ids: BTreeSet<U256>,
}

struct Task<H> {
    chain: H,
    proxy: Address,
    poll_interval: Duration,
    max_range: NonZeroU64,
    /// Whether to use log filters (false: configured so, or the node keeps none).
    filters: bool,
    counters: Arc<Counters>,
    watched: BTreeMap<U256, Entry>,
    filter: Option<Installed>,
}

impl<H, S> Task<H>
where
    H: Deref<Target = S> + Send + Sync,
    S: ChainRead,
{
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Watch>) {
        let mut tick = tokio::time::interval(self.poll_interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let idle = self.watched.is_empty();
            tokio::select! {
                biased;
                command = commands.recv() => match command {
                    Some(watch) => self.add(watch),
                    None => break,
                },
                _ = tick.tick(), if !idle => {}
            }
            while let Ok(watch) = commands.try_recv() {
                self.add(watch);
            }
            self.watched.retain(|_, e| {
                e.replies.retain(|r| !r.is_closed());
                !e.replies.is_empty()
            });
            if self.watched.is_empty() {
                self.remove_filter().await;
                continue;
            }
            self.step().await;
            if self.watched.is_empty() {
                // Nothing left to wait on: the node need not keep matching for us.
                self.remove_filter().await;
            }
        }
        self.remove_filter().await;
        tracing::debug!(proxy = %self.proxy, "client settlement watcher stopped");
    }

    fn add(&mut self, watch: Watch) {
        let entry = self.watched.entry(watch.id).or_insert_with(|| Entry {
            from_block: watch.from_block,
            deadline: watch.deadline,
            replies: Vec::new(),
            covered: false,
        });
        entry.from_block = entry.from_block.min(watch.from_block);
        entry.replies.push(watch.reply);
    }

    async fn step(&mut self) {
        let ids: BTreeSet<U256> = self.watched.keys().copied().collect();
        // A filter on more ids than are watched is kept (their events are ignored): it is replaced only when
        // an id it lacks is watched, and removed when nothing is.
        if self.filters && self.filter.as_ref().is_none_or(|f| !ids.is_subset(&f.ids)) {
            self.install(ids).await;
        }
        let mut by_status: Vec<U256> = Vec::new();
        match self.filter.as_ref().map(|f| (f.id, f.ids.clone())) {
            Some((filter_id, filter_ids)) => {
                self.catch_up().await;
                match self.chain.log_filter_changes(filter_id).await {
                    Ok(logs) => {
                        bump(&self.counters.filter_polls);
                        self.resolve(&logs);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "log filter lost; reinstalling it, polling statuses meanwhile");
                        bump(&self.counters.filters_lost);
                        self.remove_filter().await;
                        self.watched.values_mut().for_each(|e| e.covered = false);
                    }
                }
                let live = self.filter.is_some();
                by_status.extend(self.watched.keys().filter(|id| !live || !filter_ids.contains(id)).copied());
            }
            None => by_status.extend(self.watched.keys().copied()),
        }
        for id in by_status {
            self.poll_status(id).await;
        }
        self.check_deadlines().await;
    }

    /// Installs the filter of `ids`; drains and removes the previous one.
    async fn install(&mut self, ids: BTreeSet<U256>) {
        let filter = settlement_filter(self.proxy, ids.iter().copied());
        match self.chain.install_log_filter(&filter).await {
            Ok(id) => {
                bump(&self.counters.filters_installed);
                tracing::debug!(filter = %id, ids = ids.len(), "settlement filter installed");
                if let Some(old) = self.filter.replace(Installed { id, ids }) {
                    // The old filter saw its ids' events up to now, after the new one started: no gap.
                    match self.chain.log_filter_changes(old.id).await {
                        Ok(logs) => self.resolve(&logs),
                        Err(_) => self.watched.values_mut().for_each(|e| e.covered = false),
                    }
                    if let Err(e) = self.chain.uninstall_log_filter(old.id).await {
                        tracing::debug!(error = %e, "uninstalling the previous filter failed");
                    }
                }
            }
            Err(e) if e.is_retryable() => {
                tracing::warn!(error = %e, "installing the settlement filter failed; retrying, polling statuses meanwhile");
            }
            Err(e) => {
                tracing::info!(error = %e, "the node keeps no log filters; waiting by polling requestStatus");
                self.filters = false;
                self.counters.polling_only.store(true, Ordering::Relaxed);
                self.remove_filter().await;
            }
        }
    }

    async fn remove_filter(&mut self) {
        if let Some(old) = self.filter.take()
            && let Err(e) = self.chain.uninstall_log_filter(old.id).await
        {
            tracing::debug!(error = %e, "uninstalling the settlement filter failed");
        }
    }

    /// Reads the settlement events of the watched ids the live filter started after, from their requests'
    /// blocks to the head, by id topic and in bounded ranges.
    async fn catch_up(&mut self) {
        let uncovered: Vec<(U256, u64)> =
            self.watched.iter().filter(|(_, e)| !e.covered).map(|(id, e)| (*id, e.from_block)).collect();
        let Some(from) = uncovered.iter().map(|(_, b)| *b).min() else { return };
        let ids: Vec<U256> = uncovered.iter().map(|(id, _)| *id).collect();
        match self.settlement_logs(ids.iter().copied(), from).await {
            Ok(logs) => {
                for id in &ids {
                    if let Some(e) = self.watched.get_mut(id) {
                        e.covered = true;
                    }
                }
                self.resolve(&logs);
            }
            Err(e) => tracing::warn!(error = %e, "reading settlement events failed; retrying"),
        }
    }

    /// The settlement events of `ids` from block `from` to the head.
    async fn settlement_logs(
        &self,
        ids: impl IntoIterator<Item = U256>,
        from: u64,
    ) -> Result<Vec<ChainLog>, crate::chain::ChainError> {
        let head = self.chain.block_number().await?;
        let filter = settlement_filter(self.proxy, ids);
        let mut logs = Vec::new();
        for (start, end) in ranges(from, head, self.max_range) {
            bump(&self.counters.log_queries);
            logs.extend(self.chain.logs(&LogFilter { from: start, to: end, ..filter.clone() }).await?);
        }
        Ok(logs)
    }

    async fn status(&self, id: U256) -> Option<RequestStatus> {
        bump(&self.counters.status_polls);
        match self.chain.view(self.proxy, IZrSign::requestStatusCall { requestId: id }).await {
            Ok(status) => Some(status),
            Err(e) => {
                tracing::warn!(request = %id, error = %e, "reading the request status failed; retrying");
                None
            }
        }
    }

    /// Polls `id`'s status; a settled request's settlement event is read.
    async fn poll_status(&mut self, id: U256) {
        let Some(from) = self.watched.get(&id).map(|e| e.from_block) else { return };
        match self.status(id).await {
            Some(RequestStatus::Open) | None => {}
            Some(_) => match self.settlement_logs([id], from).await {
                Ok(logs) => self.resolve(&logs),
                Err(e) => tracing::warn!(request = %id, error = %e, "reading the settlement failed; retrying"),
            },
        }
    }

    /// Requests whose deadline passed: expired if still open.
    async fn check_deadlines(&mut self) {
        let Ok(inclusion) = self.chain.inclusion_block().await else { return };
        let late: Vec<(U256, u64)> =
            self.watched.iter().filter(|(_, e)| inclusion > e.deadline).map(|(id, e)| (*id, e.deadline)).collect();
        for (id, deadline) in late {
            match self.status(id).await {
                Some(RequestStatus::Open) => self.reply(id, Err(WatchFailure::Expired { deadline })),
                Some(_) => self.poll_status(id).await,
                None => {}
            }
        }
    }

    fn resolve(&mut self, logs: &[ChainLog]) {
        for entry in logs {
            let settlement = match events::decode(&entry.log) {
                Ok(Some(ZrEvent::KeyResponded { id, evm_address, public_key })) => {
                    (id, Settlement::Key { address: evm_address, public_key })
                }
                Ok(Some(ZrEvent::SignResponded { id, signer, digest, signature })) => {
                    (id, Settlement::Signature { signer, digest, signature })
                }
                Ok(Some(ZrEvent::Rejected { id, reason_code })) => (id, Settlement::Rejected { reason: reason_code }),
                Ok(Some(ZrEvent::Reclaimed { id, .. })) => (id, Settlement::Reclaimed),
                Ok(_) => continue,
                Err(e) => {
                    tracing::warn!(block = entry.block_number, error = %e, "undecodable settlement event ignored");
                    continue;
                }
            };
            let (id, settlement) = settlement;
            if entry.log.address == self.proxy {
                let settled = Settled { settlement, block_number: entry.block_number, tx_hash: entry.tx_hash };
                self.reply(id, Ok(settled));
            }
        }
    }

    fn reply(&mut self, id: U256, result: Result<Settled, WatchFailure>) {
        if let Some(entry) = self.watched.remove(&id) {
            for reply in entry.replies {
                // A waiter that gave up has dropped its receiver: nothing to tell it.
                let _ = reply.send(result.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(address: Address, event: B256, id: u64) -> alloy::primitives::Log {
        let data = alloy::primitives::LogData::new_unchecked(vec![event, B256::from(U256::from(id))], Bytes::new());
        alloy::primitives::Log { address, data }
    }

    #[test]
    fn the_filter_is_the_proxy_s_settlements_of_the_watched_ids_only() {
        let proxy = Address::repeat_byte(7);
        let filter = settlement_filter(proxy, [U256::from(3), U256::from(9)]);
        assert_eq!(filter.address, proxy);
        assert_eq!(filter.topics[0], SETTLEMENT_EVENTS.to_vec());
        assert_eq!(filter.topics[1], vec![B256::from(U256::from(3)), B256::from(U256::from(9))]);
        assert!(filter.topics[2].is_empty() && filter.topics[3].is_empty());
        assert!(filter.matches(&log(proxy, IZrSign::ZrRequestRejected::SIGNATURE_HASH, 9)));
        assert!(filter.matches(&log(proxy, IZrSign::ZrSignResponded::SIGNATURE_HASH, 3)));
        // Only settlements, of the watched ids, at the proxy.
        assert!(!filter.matches(&log(proxy, IZrSign::ZrSignRequested::SIGNATURE_HASH, 3)));
        assert!(!filter.matches(&log(proxy, IZrSign::ZrRequestRejected::SIGNATURE_HASH, 4)));
        assert!(!filter.matches(&log(Address::ZERO, IZrSign::ZrRequestRejected::SIGNATURE_HASH, 9)));
    }

    #[test]
    fn catch_up_ranges_are_bounded() {
        let max = NonZeroU64::new(10).expect("non-zero");
        assert_eq!(ranges(5, 4, max), vec![]);
        assert_eq!(ranges(5, 5, max), vec![(5, 5)]);
        assert_eq!(ranges(0, 25, max), vec![(0, 9), (10, 19), (20, 25)]);
        assert_eq!(ranges(u64::MAX - 1, u64::MAX, max), vec![(u64::MAX - 1, u64::MAX)]);
    }
}
