//! The responder: follows the contract's request events from a persisted cursor and answers them.
//!
//! Each poll reads the events of the blocks after the cursor, checks on-chain that every request it
//! found is still open (so a request seen twice — after a restart, or in two polls — is answered at
//! most once), computes keys and signatures with the request's root key version, sends the answers in
//! batches (`zrKeyResBatch`, `zrSignResBatch`), rejects malformed requests with `zrReject` and a
//! [`RejectReason`], and only then advances the cursor. RPC errors are retried with backoff.

use super::{
    MpcError, RejectReason,
    cursor::Cursor,
    digest,
    keys::{KeyPath, RootSecret},
    sign,
};
use crate::{
    backend::{Backend, BackendError, ChainLog},
    bindings::IZrSign::{self, ChainFamily, Request, RequestKind, RequestStatus},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::{SolCall, SolEvent, SolValue},
};
use std::{
    collections::BTreeMap,
    future::Future,
    num::{NonZeroU64, NonZeroUsize},
    sync::Arc,
    time::Duration,
};

/// Tuning of the responder.
#[derive(Debug, Clone)]
pub struct ResponderConfig {
    /// Most answers per batch transaction.
    pub batch_size: NonZeroUsize,
    /// Most blocks per `eth_getLogs` range.
    pub max_block_range: NonZeroU64,
    /// Attempts per RPC operation before giving up on this poll.
    pub rpc_attempts: u32,
    /// First retry delay (doubles each attempt, up to [`MAX_RETRY_DELAY`]).
    pub retry_delay: Duration,
}

/// Default most answers per batch transaction. (The `expect`s below run at compile time: a zero would not build.)
pub const DEFAULT_BATCH_SIZE: NonZeroUsize = NonZeroUsize::new(20).expect("non-zero literal");
/// Default most blocks per `eth_getLogs` range.
pub const DEFAULT_MAX_BLOCK_RANGE: NonZeroU64 = NonZeroU64::new(2_000).expect("non-zero literal");

/// The longest wait between two attempts of an RPC operation.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

impl Default for ResponderConfig {
    fn default() -> Self {
        Self {
            batch_size: DEFAULT_BATCH_SIZE,
            max_block_range: DEFAULT_MAX_BLOCK_RANGE,
            rpc_attempts: 5,
            retry_delay: Duration::from_millis(100),
        }
    }
}

/// A request read from its event.
#[derive(Debug, Clone)]
pub struct PendingRequest {
    /// Its id.
    pub id: U256,
    /// The record the contract committed to.
    pub request: Request,
    /// The payload signed over (sign requests).
    pub payload: Bytes,
    /// The block its event is in.
    pub block: u64,
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
    /// Gas used by the answering transactions.
    pub gas_used: u64,
    /// The blocks covered: `from..=to` (empty when `from > to`).
    pub blocks: (u64, u64),
}

/// The mock MPC responder.
pub struct Responder<B> {
    backend: Arc<B>,
    proxy: Address,
    from: Address,
    roots: BTreeMap<u32, RootSecret>,
    cursor: Cursor,
    config: ResponderConfig,
    chains: BTreeMap<B256, Option<u64>>,
}

impl<B: Backend> Responder<B> {
    /// A responder for the deployment at `proxy`, sending from `from` (which holds `MPC_ROLE`), with the
    /// root secrets it holds per key version.
    pub fn new(
        backend: Arc<B>,
        proxy: Address,
        from: Address,
        roots: BTreeMap<u32, RootSecret>,
        cursor: Cursor,
        config: ResponderConfig,
    ) -> Self {
        Self { backend, proxy, from, roots, cursor, config, chains: BTreeMap::new() }
    }

    /// The cursor's next block.
    pub fn next_block(&self) -> u64 {
        self.cursor.next_block()
    }

    /// Processes every block up to the latest once.
    pub async fn poll_once(&mut self) -> Result<PollReport, MpcError> {
        // An answer sent now lands in `inclusion` at the earliest (a request due before it is left to reclaim);
        // events are read up to the block before it, the last sealed one, so none can still be added there.
        let inclusion = self.retry("inclusion block", || self.backend.inclusion_block()).await?;
        let latest = inclusion.saturating_sub(1);
        let from = self.cursor.next_block();
        let mut report = PollReport { blocks: (from, latest), ..Default::default() };
        if from > latest {
            return Ok(report);
        }
        let mut start = from;
        while start <= latest {
            let end = latest.min(start.saturating_add(self.config.max_block_range.get() - 1));
            let logs = self.retry("eth_getLogs", || self.backend.logs(self.proxy, start, end)).await?;
            let pending = decode_requests(&logs)?;
            self.answer(pending, inclusion, &mut report).await?;
            self.cursor.advance(end + 1)?;
            start = end + 1;
        }
        Ok(report)
    }

    /// Polls every `interval` until `shutdown` resolves. Poll errors are logged and retried next time.
    pub async fn run(&mut self, interval: Duration, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.poll_once().await {
                Ok(report) => log_report(&report),
                Err(e) => tracing::error!(error = %e, "responder poll failed; retrying next interval"),
            }
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }

    async fn answer(
        &mut self,
        pending: Vec<PendingRequest>,
        inclusion: u64,
        report: &mut PollReport,
    ) -> Result<(), MpcError> {
        let mut keys = Vec::new();
        let mut signatures = Vec::new();
        for item in pending {
            if !self.still_open(&item, inclusion).await? {
                report.not_open.push(item.id);
                continue;
            }
            match self.prepare(&item).await? {
                Ok(Answer::Key(pubkey)) => {
                    keys.push(IZrSign::KeyResponse { requestId: item.id, request: item.request, publicKey: pubkey })
                }
                Ok(Answer::Signature(sig)) => {
                    signatures.push(IZrSign::SignResponse { requestId: item.id, request: item.request, signature: sig })
                }
                Err(reason) => self.reject(&item, reason, report).await?,
            }
        }
        let key_call = |responses| IZrSign::zrKeyResBatchCall { responses };
        let answered_keys = self.send_batches(keys, |r| r.requestId, key_call, report).await?;
        report.keys.extend(answered_keys);
        let sign_call = |responses| IZrSign::zrSignResBatchCall { responses };
        let answered_signatures = self.send_batches(signatures, |r| r.requestId, sign_call, report).await?;
        report.signatures.extend(answered_signatures);
        Ok(())
    }

    /// Sends `items` in batches of at most `batch_size` and returns the ids the contract accepted (the
    /// skipped ones go to `report.skipped` with the contract's reason).
    async fn send_batches<T: Clone, C: SolCall + Clone + Send + Sync>(
        &self,
        items: Vec<T>,
        id: impl Fn(&T) -> U256,
        call: impl Fn(Vec<T>) -> C,
        report: &mut PollReport,
    ) -> Result<Vec<U256>, MpcError> {
        let mut accepted = Vec::with_capacity(items.len());
        for chunk in items.chunks(self.config.batch_size.get()) {
            let receipt = self.send(call(chunk.to_vec())).await?;
            report.gas_used += receipt.gas_used;
            let skipped = skipped_items(&receipt.logs);
            accepted.extend(chunk.iter().map(&id).filter(|i| !skipped.iter().any(|(s, _)| s == i)));
            report.skipped.extend(skipped);
        }
        Ok(accepted)
    }

    /// Open on-chain, committed to exactly this record, and not past its deadline in the block an answer
    /// would land in.
    async fn still_open(&self, item: &PendingRequest, inclusion: u64) -> Result<bool, MpcError> {
        let status = self
            .retry("requestStatus", || self.backend.view(self.proxy, IZrSign::requestStatusCall { requestId: item.id }))
            .await?;
        if status != RequestStatus::Open || inclusion > item.request.deadline {
            return Ok(false);
        }
        let commitment = self
            .retry("requestCommitment", || {
                self.backend.view(self.proxy, IZrSign::requestCommitmentCall { requestId: item.id })
            })
            .await?;
        if commitment != keccak256(item.request.abi_encode()) {
            tracing::warn!(id = %item.id, "event record does not match the on-chain commitment; not answering");
            return Ok(false);
        }
        Ok(true)
    }

    /// The answer to a request, or why it must be rejected.
    async fn prepare(&mut self, item: &PendingRequest) -> Result<Result<Answer, RejectReason>, MpcError> {
        let request = &item.request;
        let Some(root) = self.roots.get(&request.keyVersion) else {
            return Ok(Err(RejectReason::UnknownKeyVersion));
        };
        let path = KeyPath {
            chain_id: self.backend.chain_id(),
            proxy: self.proxy,
            owner: request.owner,
            wallet_type_id: request.walletTypeId,
            index: request.walletIndex,
        };
        let child = root.child(&path);
        if request.kind == RequestKind::Key {
            return Ok(Ok(Answer::Key(Bytes::copy_from_slice(&child.public().xy()))));
        }
        if child.public().address() != request.signer {
            return Ok(Err(RejectReason::WrongKey));
        }
        let dst = self.dst_evm_chain_id(request.dstChainId).await?;
        let digest = match digest::digest(request.kind, &item.payload, dst) {
            Ok(d) => d,
            Err(reason) => return Ok(Err(reason)),
        };
        if digest != request.digest {
            return Ok(Err(RejectReason::DigestMismatch));
        }
        let signature = sign::sign(&child, digest)?;
        Ok(Ok(Answer::Signature(Bytes::copy_from_slice(&sign::to_bytes(&signature)))))
    }

    async fn dst_evm_chain_id(&mut self, chain_id: B256) -> Result<Option<u64>, MpcError> {
        if let Some(cached) = self.chains.get(&chain_id) {
            return Ok(*cached);
        }
        let info =
            self.retry("chain", || self.backend.view(self.proxy, IZrSign::chainCall { chainId: chain_id })).await?;
        let evm = (info.family == ChainFamily::Evm).then_some(info.evmChainId);
        self.chains.insert(chain_id, evm);
        Ok(evm)
    }

    async fn reject(
        &self,
        item: &PendingRequest,
        reason: RejectReason,
        report: &mut PollReport,
    ) -> Result<(), MpcError> {
        let call =
            IZrSign::zrRejectCall { requestId: item.id, request: item.request.clone(), reasonCode: reason.code() };
        match self.send(call).await {
            Ok(receipt) => {
                report.gas_used += receipt.gas_used;
                report.rejected.push((item.id, reason));
                Ok(())
            }
            // Answered or expired meanwhile: nothing to do, and nothing lost (the contract refused it).
            Err(MpcError::Backend(BackendError::Reverted { revert })) => {
                tracing::warn!(id = %item.id, %revert, "reject refused by the contract");
                report.not_open.push(item.id);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    async fn send<C: SolCall + Clone + Send + Sync>(&self, call: C) -> Result<crate::backend::Receipt, MpcError> {
        self.retry(C::SIGNATURE, || self.backend.transact(self.from, self.proxy, call.clone(), U256::ZERO)).await
    }

    /// Runs `op`, retrying transient RPC failures with exponential backoff. Reverts are not retried.
    async fn retry<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, MpcError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, BackendError>>,
    {
        let mut delay = self.config.retry_delay;
        let mut attempt = 1;
        loop {
            match op().await {
                Err(BackendError::Rpc { context, message }) if attempt < self.config.rpc_attempts => {
                    tracing::warn!(what, attempt, %context, %message, ?delay, "rpc error; retrying");
                    tokio::time::sleep(delay).await;
                    delay = delay.saturating_mul(2).min(MAX_RETRY_DELAY);
                    attempt += 1;
                }
                other => return other.map_err(MpcError::from),
            }
        }
    }
}

enum Answer {
    Key(Bytes),
    Signature(Bytes),
}

/// Decodes the request events among `logs`, in chain order.
pub fn decode_requests(logs: &[ChainLog]) -> Result<Vec<PendingRequest>, MpcError> {
    let mut out = Vec::new();
    for entry in logs {
        let event_error =
            |e: alloy::sol_types::Error| MpcError::Event { block: entry.block_number, message: e.to_string() };
        match entry.log.topics().first() {
            Some(&IZrSign::ZrKeyRequested::SIGNATURE_HASH) => {
                let event = IZrSign::ZrKeyRequested::decode_log(&entry.log).map_err(event_error)?.data;
                out.push(PendingRequest {
                    id: event.requestId,
                    request: event.request,
                    payload: Bytes::new(),
                    block: entry.block_number,
                });
            }
            Some(&IZrSign::ZrSignRequested::SIGNATURE_HASH) => {
                let event = IZrSign::ZrSignRequested::decode_log(&entry.log).map_err(event_error)?.data;
                out.push(PendingRequest {
                    id: event.requestId,
                    request: event.request,
                    payload: event.payload,
                    block: entry.block_number,
                });
            }
            _ => {}
        }
    }
    Ok(out)
}

fn skipped_items(logs: &[alloy::primitives::Log]) -> Vec<(U256, [u8; 4])> {
    logs.iter()
        .filter_map(|log| IZrSign::ZrResponseSkipped::decode_log(log).ok())
        .map(|e| (e.data.requestId, e.data.reason.0))
        .collect()
}

fn log_report(report: &PollReport) {
    if report.keys.is_empty() && report.signatures.is_empty() && report.rejected.is_empty() {
        return;
    }
    tracing::info!(
        keys = report.keys.len(),
        signatures = report.signatures.len(),
        rejected = report.rejected.len(),
        skipped = report.skipped.len(),
        gas = report.gas_used,
        blocks = ?report.blocks,
        "responder answered"
    );
}
