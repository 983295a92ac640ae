//! The source side: follows `ZrSignResponded`, joins each answer with its `ZrSignRequested` record (read by
//! the request-id topic), keeps the transaction requests that asked for a broadcast, assembles and checks
//! their signed transactions, and records one broadcast per request with the follower's position.

use super::RelayerError;
use crate::{
    bindings::IZrSign::{self, ChainFamily, RequestKind},
    chain::{
        ChainRead, LogFilter,
        retry::{RetryPolicy, retry},
    },
    follower::{Batch, Follower},
    protocol::{
        events::{self, RequestEvent, ZrEvent, request_id_topic},
        signed_tx::{self, SignedTx},
    },
    store::{Broadcast, FailureClass, RelayState, follower::Effect, now_ms},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::SolEvent,
};
use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
};

/// A registered destination chain, as the source registry describes it.
#[derive(Debug, Clone)]
struct Registered {
    caip2: String,
    evm_chain_id: Option<u64>,
}

/// The source-chain half of the relayer.
pub struct Watcher<C> {
    pub(super) chain: Arc<C>,
    pub(super) follower: Follower<C, ZrEvent>,
    pub(super) proxy: Address,
    pub(super) start_block: u64,
    pub(super) routable: BTreeSet<u64>,
    pub(super) retry: RetryPolicy,
    registry: BTreeMap<B256, Registered>,
}

/// What one pass over the source chain found.
#[derive(Debug, Clone, Default)]
pub struct WatchReport {
    /// Broadcasts recorded (request ids).
    pub queued: Vec<u64>,
    /// Answers that need no broadcast.
    pub ignored: usize,
    /// Events that did not decode.
    pub undecodable: usize,
    /// Destination chains (EVM ids) that got new broadcasts.
    pub destinations: BTreeSet<u64>,
}

impl<C: ChainRead> Watcher<C> {
    pub(super) fn new(
        chain: Arc<C>,
        follower: Follower<C, ZrEvent>,
        proxy: Address,
        start_block: u64,
        routable: BTreeSet<u64>,
        retry: RetryPolicy,
    ) -> Self {
        Self { chain, follower, proxy, start_block, routable, retry, registry: BTreeMap::new() }
    }

    /// Processes every sealed block once.
    pub async fn poll_once(&mut self) -> Result<WatchReport, RelayerError> {
        let mut report = WatchReport::default();
        while let Some(batch) = self.follower.next_batch().await? {
            report.undecodable += batch.skipped.len();
            let effects = self.broadcasts(&batch, &mut report).await?;
            self.follower.commit(batch, effects).await?;
        }
        Ok(report)
    }

    /// The broadcasts of a batch of answers.
    async fn broadcasts(
        &mut self,
        batch: &Batch<ZrEvent>,
        report: &mut WatchReport,
    ) -> Result<Vec<Effect>, RelayerError> {
        let answers: Vec<(U256, Address, Bytes, u64)> = batch
            .events
            .iter()
            .filter_map(|e| match &e.event {
                ZrEvent::SignResponded { id, signer, signature, .. } => {
                    Some((*id, *signer, signature.clone(), e.block))
                }
                _ => None,
            })
            .collect();
        if answers.is_empty() {
            return Ok(Vec::new());
        }
        let requests = self.requests(answers.iter().map(|a| a.0), batch.to).await?;
        let mut effects = Vec::new();
        for (id, signer, signature, block) in answers {
            let Some(requested) = requests.get(&id) else {
                // An answer always follows its request on the same chain: missing means the node's log index
                // is incomplete. Fail the batch; it is read again.
                return Err(RelayerError::MissingRequest(id));
            };
            let r = &requested.request;
            if r.kind != RequestKind::Tx || !r.broadcast {
                report.ignored += 1;
                continue;
            }
            let broadcast = self.broadcast(requested, signer, &signature, block).await?;
            report.queued.push(broadcast.request_id);
            report.destinations.insert(broadcast.dst_evm_chain_id);
            metrics::counter!("zrsign_relay_queued_total", "status" => broadcast.status.as_str()).increment(1);
            effects.push(Effect::Broadcast(Box::new(broadcast)));
        }
        Ok(effects)
    }

    /// The request events of `ids`, found by their request-id topic in `start_block..=to`.
    async fn requests(
        &self,
        ids: impl Iterator<Item = U256>,
        to: u64,
    ) -> Result<BTreeMap<U256, RequestEvent>, RelayerError> {
        let filter = LogFilter::new(self.proxy, self.start_block, to)
            .event::<IZrSign::ZrSignRequested>()
            .topic1(ids.map(request_id_topic));
        let logs = retry(&self.retry, "eth_getLogs(ZrSignRequested by id)", || self.chain.logs(&filter)).await?;
        let mut out = BTreeMap::new();
        for log in logs {
            match events::decode(&log.log) {
                Ok(Some(ZrEvent::Requested(r))) => {
                    out.insert(r.id, r);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(block = log.block_number, error = %e, "undecodable request event ignored"),
            }
        }
        Ok(out)
    }

    /// The destination chain's registration, read once per chain key.
    async fn registered(&mut self, chain_key: B256) -> Result<Registered, RelayerError> {
        if let Some(r) = self.registry.get(&chain_key) {
            return Ok(r.clone());
        }
        let (chain, proxy) = (&self.chain, self.proxy);
        let info = retry(&self.retry, "chain", || chain.view(proxy, IZrSign::chainCall { chainId: chain_key })).await?;
        let registered = Registered {
            caip2: info.caip2.clone(),
            evm_chain_id: (info.family == ChainFamily::Evm).then_some(info.evmChainId),
        };
        // A chain removed from the registry after the answer reads as family None: not cached.
        if info.family != ChainFamily::None {
            self.registry.insert(chain_key, registered.clone());
        }
        Ok(registered)
    }

    /// The broadcast record of an answered transaction request.
    async fn broadcast(
        &mut self,
        requested: &RequestEvent,
        signer: Address,
        signature: &[u8],
        block: u64,
    ) -> Result<Broadcast, RelayerError> {
        let registered = self.registered(requested.request.dstChainId).await?;
        let now = now_ms();
        let mut record = Broadcast {
            evm_chain_id: self.chain.evm_chain_id(),
            proxy: self.proxy,
            request_id: requested.id.saturating_to(),
            dst_chain: registered.caip2.clone(),
            dst_evm_chain_id: registered.evm_chain_id.unwrap_or_default(),
            raw_tx: Bytes::new(),
            tx_hash: B256::ZERO,
            sender: signer,
            nonce: 0,
            max_fee_per_gas: 0,
            status: RelayState::Pending,
            error_class: None,
            last_error: None,
            attempts: 0,
            first_attempt_at: None,
            next_attempt_at: now,
            mined_block: None,
            mined_block_hash: None,
            confirmations: 0,
            replaced_by: None,
            needed_fee: None,
            answered_block: block,
            created_at: now,
            updated_at: now,
            mined_at: None,
        };
        let assembled = match registered.evm_chain_id {
            Some(evm) => signed_tx::assemble(&requested.payload, signature, signer, evm).map_err(|e| e.to_string()),
            None => Err(format!("destination {} is not an EVM chain", registered.caip2)),
        };
        match assembled {
            Ok(SignedTx { raw, tx_hash, nonce, max_fee_per_gas, .. }) => {
                record.raw_tx = raw;
                record.tx_hash = tx_hash;
                record.nonce = nonce;
                record.max_fee_per_gas = max_fee_per_gas;
                if !self.routable.contains(&record.dst_evm_chain_id) {
                    tracing::warn!(id = record.request_id, chain = %record.dst_chain, "no RPC configured for the destination; recorded as unroutable");
                    record.status = RelayState::Unroutable;
                    record.last_error = Some(format!("no RPC configured for {}", record.dst_chain));
                }
            }
            Err(reason) => {
                tracing::error!(id = record.request_id, %reason, "answer does not assemble into a transaction");
                record.status = RelayState::Failed;
                record.error_class = Some(FailureClass::Unassemblable.as_str().into());
                record.last_error = Some(reason);
            }
        }
        Ok(record)
    }
}

/// Topic 0 of the events the watcher follows.
pub(super) fn topics() -> Vec<B256> {
    vec![IZrSign::ZrSignResponded::SIGNATURE_HASH]
}
