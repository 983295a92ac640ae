//! The MPC responder: follows the contract's request events ([`crate::follower`]), decides what each
//! request gets ([`decide`]: a derived key, a signature over its digest, or a rejection with a reason),
//! has the signatures made by a [`Signer`] in batches, sends the answers in batch transactions
//! ([`send`]: each transaction recorded in the store with its hash and nonce before its receipt is awaited),
//! and commits the processed blocks with a record of every request in one store transaction.
//!
//! A request is answered at most once: before answering, the responder checks on-chain that it is still
//! open, committed to exactly the emitted record, and within its deadline in the block the answer lands in;
//! a request seen again (a replay after a restart, a reorg) is then recognised as settled. A transaction whose
//! receipt was not recorded (crash, RPC loss) is reconciled before anything new is sent.

mod decide;
mod reorged;
mod send;

use crate::{
    api::ServiceHealth,
    chain::{ChainError, ChainSubmit, retry::RetryPolicy},
    follower::{FollowError, Follower, FollowerConfig, Subscription},
    protocol::{
        RejectReason,
        events::{self, REQUEST_EVENTS, RequestEvent, ZrEvent},
    },
    signer::{SignError, Signer},
    store::{RequestRecord, RequestState, Store, StoreError, follower::Effect, now_ms},
};
use alloy::primitives::{Address, B256, U256};
use decide::Decision;
use std::{collections::BTreeMap, future::Future, num::NonZeroUsize, sync::Arc, time::Duration};

/// Tuning of the responder.
#[derive(Debug, Clone)]
pub struct ResponderConfig {
    /// Most answers per batch transaction.
    pub batch_size: NonZeroUsize,
    /// The event follower.
    pub follower: FollowerConfig,
    /// Retries of chain reads and of sends that certainly did not reach the node.
    pub retry: RetryPolicy,
    /// How long to wait for an answer's receipt.
    pub receipt_timeout: Duration,
}

/// Default most answers per batch transaction. (The `expect` runs at compile time: a zero would not build.)
pub const DEFAULT_BATCH_SIZE: NonZeroUsize = NonZeroUsize::new(20).expect("non-zero literal");

impl Default for ResponderConfig {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            follower: FollowerConfig::default(),
            retry: RetryPolicy::default(),
            receipt_timeout: crate::chain::RECEIPT_TIMEOUT,
        }
    }
}

/// Why a poll of the responder failed. The processed range is not committed: it is read again next time.
#[derive(Debug, thiserror::Error)]
pub enum ResponderError {
    /// A chain operation failed (after retries, when retryable).
    #[error("chain: {0}")]
    Chain(#[from] ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The signer could not sign now (transient or aborted).
    #[error("signer: {0}")]
    Signer(SignError),
    /// A transaction sent earlier is still waiting in the node's pool; nothing new is sent until it settles.
    #[error("answer transaction {0} still pending")]
    PendingTransaction(B256),
}

impl From<FollowError> for ResponderError {
    fn from(e: FollowError) -> Self {
        match e {
            FollowError::Chain(c) => Self::Chain(c),
            FollowError::Store(s) => Self::Store(s),
        }
    }
}

/// What one poll did.
#[derive(Debug, Clone, Default)]
pub struct PollReport {
    /// Key requests answered (accepted on-chain).
    pub keys: Vec<U256>,
    /// Sign requests answered (accepted on-chain).
    pub signatures: Vec<U256>,
    /// Requests rejected, with the reason.
    pub rejected: Vec<(U256, RejectReason)>,
    /// Requests not answered because they were no longer open or past their deadline.
    pub not_open: Vec<U256>,
    /// Batch items the contract skipped, with the error selector it reported.
    pub skipped: Vec<(U256, [u8; 4])>,
    /// Events that did not decode (recorded in the store and skipped).
    pub undecodable: usize,
    /// Gas used by the answering transactions.
    pub gas_used: u64,
    /// The blocks covered: `from..=to` (empty when `from > to`).
    pub blocks: (u64, u64),
}

/// The MPC responder of one deployment.
pub struct Responder<C, S> {
    chain: Arc<C>,
    signer: Arc<S>,
    store: Store,
    proxy: Address,
    from: Address,
    follower: Follower<C, ZrEvent>,
    config: ResponderConfig,
    /// Destination chain key → its EVM chain id (`None`: not an EVM chain), read from the registry once.
    chains: BTreeMap<B256, Option<u64>>,
    health: Option<ServiceHealth>,
}

/// The follower stream's service name.
pub const SERVICE: &str = "responder";

impl<C: ChainSubmit, S: Signer> Responder<C, S> {
    /// A responder for the deployment at `proxy` on `chain`, sending from `from` (which holds `MPC_ROLE`) and
    /// signing with `signer`; it resumes from `store`, or reads from `start_block` on a new store.
    pub async fn new(
        chain: Arc<C>,
        signer: Arc<S>,
        store: Store,
        proxy: Address,
        from: Address,
        start_block: u64,
        config: ResponderConfig,
    ) -> Result<Self, ResponderError> {
        let subscription = Subscription {
            service: SERVICE,
            address: proxy,
            topics: REQUEST_EVENTS.to_vec(),
            decode: events::decode,
            start_block,
        };
        let follower = Follower::new(chain.clone(), store.clone(), subscription, config.follower).await?;
        Ok(Self { chain, signer, store, proxy, from, follower, config, chains: BTreeMap::new(), health: None })
    }

    /// Reports every poll of [`run`](Self::run) to `health` (for `/ready`).
    pub fn with_health(mut self, health: ServiceHealth) -> Self {
        self.health = Some(health);
        self
    }

    /// The next block whose events are not processed.
    pub fn next_block(&self) -> u64 {
        self.follower.next_block()
    }

    /// Sealed blocks not processed yet, as of the last poll.
    pub fn lag(&self) -> u64 {
        self.follower.lag()
    }

    /// The store it records into.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Processes every sealed block once.
    pub async fn poll_once(&mut self) -> Result<PollReport, ResponderError> {
        self.reconcile_sent().await?;
        self.recheck_answers().await?;
        let from = self.follower.next_block();
        let mut report = PollReport { blocks: (from, from.saturating_sub(1)), ..Default::default() };
        while let Some(batch) = self.follower.next_batch().await? {
            report.undecodable += batch.skipped.len();
            let requests: Vec<(RequestEvent, u64)> = batch
                .events
                .iter()
                .filter_map(|e| match &e.event {
                    ZrEvent::Requested(r) => Some((r.clone(), e.block)),
                    _ => None,
                })
                .collect();
            let records = self.answer(requests, &mut report).await?;
            report.blocks.1 = batch.to;
            self.follower.commit(batch, records.into_iter().map(Effect::Request).collect()).await?;
        }
        Ok(report)
    }

    /// Polls every `interval` until `shutdown` resolves; errors are logged and the poll is tried again. An
    /// in-flight poll finishes before shutdown is honoured (its range is committed or left to read again).
    pub async fn run(&mut self, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.poll_once().await {
                Ok(report) => {
                    log_report(&report);
                    if let Some(h) = &self.health {
                        h.polled(self.lag());
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "responder poll failed; retrying next interval");
                    if let Some(h) = &self.health {
                        h.failed(&e);
                    }
                }
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    /// Decides, signs and answers the requests of one range; returns their records.
    async fn answer(
        &mut self,
        requests: Vec<(RequestEvent, u64)>,
        report: &mut PollReport,
    ) -> Result<Vec<RequestRecord>, ResponderError> {
        let seen_at = now_ms();
        let mut records: Vec<RequestRecord> = Vec::with_capacity(requests.len());
        let mut keys = Vec::new();
        let mut to_sign: BTreeMap<u32, Vec<(RequestEvent, crate::signer::SignItem)>> = BTreeMap::new();
        let mut rejects = Vec::new();
        let inclusion =
            crate::chain::retry::retry(&self.config.retry, "inclusion block", || self.chain.inclusion_block()).await?;
        let checks = if requests.is_empty() {
            Vec::new()
        } else {
            self.open_checks(&requests.iter().map(|(e, _)| e).collect::<Vec<_>>(), inclusion).await?
        };
        for ((event, block), check) in requests.into_iter().zip(checks) {
            records.push(record(&event, block, seen_at, self.chain.evm_chain_id(), self.proxy));
            metrics::counter!("zrsign_requests_seen_total", "kind" => kind_name(&event)).increment(1);
            let Some(stopped) = check else {
                report.not_open.push(event.id);
                set(&mut records, event.id, RequestState::NotOpen, None);
                continue;
            };
            match self.decide(&event, stopped).await? {
                Decision::Key(public_key) => {
                    signed(&mut records, event.id);
                    keys.push((event, public_key))
                }
                Decision::Sign(version, item) => to_sign.entry(version).or_default().push((event, item)),
                Decision::Reject(reason) => rejects.push((event, reason)),
            }
        }
        let mut signatures = Vec::new();
        for (version, items) in to_sign {
            let started = std::time::Instant::now();
            let results = self.signer.sign_batch(version, items.iter().map(|(_, item)| *item).collect()).await;
            metrics::histogram!("zrsign_stage_seconds", "stage" => "signed").record(started.elapsed().as_secs_f64());
            for ((event, _), result) in items.into_iter().zip(results) {
                match result {
                    Ok(signature) => {
                        signed(&mut records, event.id);
                        signatures.push((event, signature))
                    }
                    Err(SignError::Refused(why)) => {
                        tracing::warn!(id = %event.id, %why, "signer refused; rejecting");
                        rejects.push((event, RejectReason::Refused));
                    }
                    Err(e) => return Err(ResponderError::Signer(e)),
                }
            }
        }
        for (event, reason) in rejects {
            self.reject(&event, reason, &mut records, report).await?;
        }
        self.send_keys(keys, &mut records, report).await?;
        self.send_signatures(signatures, &mut records, report).await?;
        Ok(records)
    }
}

/// A request's first record.
fn record(event: &RequestEvent, block: u64, seen_at: i64, evm_chain_id: u64, proxy: Address) -> RequestRecord {
    let r = &event.request;
    RequestRecord {
        evm_chain_id,
        proxy,
        request_id: event.id.saturating_to(),
        kind: kind_name(event).to_owned(),
        requester: r.requester,
        block,
        broadcast: r.broadcast,
        status: RequestState::Seen,
        detail: None,
        answer_tx: None,
        seen_at,
        signed_at: None,
        answered_at: None,
    }
}

/// Request `id`'s record among `records`. They are in event order, which is id order, so a binary search
/// finds it (a range of thousands of requests would make a scan per request quadratic); a scan is the
/// fallback should the order ever differ.
pub(super) fn record_of(records: &mut [RequestRecord], id: u64) -> Option<&mut RequestRecord> {
    match records.binary_search_by_key(&id, |r| r.request_id) {
        Ok(i) => records.get_mut(i),
        Err(_) => records.iter_mut().find(|r| r.request_id == id),
    }
}

/// Sets the outcome of request `id` among `records`.
fn set(records: &mut [RequestRecord], id: U256, status: RequestState, detail: Option<String>) {
    if let Some(r) = record_of(records, id.saturating_to()) {
        r.status = status;
        r.detail = detail.or(r.detail.take());
    }
}

/// Records that request `id`'s answer is ready.
fn signed(records: &mut [RequestRecord], id: U256) {
    if let Some(r) = record_of(records, id.saturating_to()) {
        r.signed_at = Some(now_ms());
    }
}

fn kind_name(event: &RequestEvent) -> &'static str {
    use crate::bindings::IZrSign::RequestKind;
    match event.request.kind {
        RequestKind::Key => "key",
        RequestKind::Hash => "hash",
        RequestKind::Data => "data",
        RequestKind::Tx => "tx",
        RequestKind::__Invalid => "invalid",
    }
}

fn log_report(report: &PollReport) {
    if report.keys.is_empty() && report.signatures.is_empty() && report.rejected.is_empty() && report.undecodable == 0 {
        return;
    }
    tracing::info!(
        keys = report.keys.len(),
        signatures = report.signatures.len(),
        rejected = report.rejected.len(),
        skipped = report.skipped.len(),
        undecodable = report.undecodable,
        gas = report.gas_used,
        blocks = ?report.blocks,
        "responder answered"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(ids: &[u64]) -> Vec<RequestRecord> {
        ids.iter()
            .map(|&id| RequestRecord {
                evm_chain_id: 1,
                proxy: Address::ZERO,
                request_id: id,
                kind: "hash".into(),
                requester: Address::ZERO,
                block: 1,
                broadcast: false,
                status: RequestState::Seen,
                detail: None,
                answer_tx: None,
                seen_at: 0,
                signed_at: None,
                answered_at: None,
            })
            .collect()
    }

    #[test]
    fn record_of_finds_each_request_in_id_order_or_not() {
        for ids in [vec![3, 5, 8, 13], vec![8, 3, 13, 5]] {
            let mut rs = records(&ids);
            for id in &ids {
                assert_eq!(record_of(&mut rs, *id).map(|r| r.request_id), Some(*id), "{id} among {ids:?}");
            }
            assert!(record_of(&mut rs, 4).is_none());
            set(&mut rs, U256::from(13), RequestState::NotOpen, None);
            assert_eq!(rs.iter().filter(|r| r.status == RequestState::NotOpen).count(), 1);
        }
    }
}
