//! Sending answers: batch transactions in two phases — submitted (hash and nonce recorded in the store),
//! then confirmed — and reconciliation of transactions whose receipt was never recorded.

use super::{PollReport, Responder, ResponderError, record_of, set};
use crate::{
    bindings::{
        IZrSign::{self, KeyResponse},
        PACKED_SIGN_ITEM, pack_sign_response,
    },
    chain::{Call, ChainError, ChainSubmit, Receipt, Submitted, retry::retry},
    protocol::{
        RejectReason,
        events::{RequestEvent, skipped_items},
    },
    signer::Signer,
    store::{RequestRecord, RequestState, SentTx, SentTxState, now_ms},
};
use alloy::{
    primitives::{Bytes, Signature, U256},
    sol_types::SolCall,
};

impl<C: ChainSubmit, S: Signer> Responder<C, S> {
    /// Settles the transactions the store still has as pending: mined or failed by their receipt, dropped if
    /// the node no longer knows them. One still waiting in the node's pool stops the poll (nothing new is sent
    /// until it settles, so its requests cannot be answered twice).
    pub(super) async fn reconcile_sent(&mut self) -> Result<(), ResponderError> {
        let chain = &self.chain;
        for sent in self.store.pending_sent(chain.evm_chain_id()).await? {
            let hash = sent.tx_hash;
            if let Some(receipt) =
                retry(&self.config.retry, "eth_getTransactionReceipt", || chain.receipt(hash)).await?
            {
                let state = if receipt.success { SentTxState::Mined } else { SentTxState::Failed };
                self.store.settle_sent(hash, state, Some(receipt.block_number), None).await?;
                tracing::info!(tx = %hash, ?state, "reconciled an answer sent before a restart or RPC loss");
                continue;
            }
            if retry(&self.config.retry, "eth_getTransactionByHash", || chain.transaction(hash)).await?.is_some() {
                return Err(ResponderError::PendingTransaction(hash));
            }
            self.store.settle_sent(hash, SentTxState::Dropped, None, Some("unknown to the node".into())).await?;
            tracing::warn!(tx = %hash, "an answer sent earlier was dropped by the node; its requests are read again");
        }
        Ok(())
    }

    /// Submits `tx` (retrying only failures that certainly did not reach the node) and records it with its
    /// hash and nonce before anything waits for its receipt.
    async fn submit_recorded(
        &self,
        tx: Call,
        purpose: &str,
        request_ids: Vec<u64>,
    ) -> Result<Submitted, ResponderError> {
        let chain = &self.chain;
        let submitted = match retry(&self.config.retry, purpose, || chain.submit(tx.clone())).await {
            Ok(s) => s,
            Err(ChainError::Unconfirmed { tx_hash, from, nonce, message }) => {
                tracing::warn!(%tx_hash, nonce, %message, "answer may have been sent; recording it to confirm");
                Submitted { tx_hash, from, nonce }
            }
            Err(e) => return Err(e.into()),
        };
        let sent = SentTx {
            tx_hash: submitted.tx_hash,
            evm_chain_id: chain.evm_chain_id(),
            sender: submitted.from,
            nonce: submitted.nonce,
            purpose: purpose.to_owned(),
            request_ids,
        };
        self.store.record_sent(sent).await?;
        crate::fault::after_send(submitted.tx_hash).await;
        Ok(submitted)
    }

    /// Waits for a recorded transaction's receipt and settles it in the store.
    async fn confirm_recorded(&self, submitted: Submitted) -> Result<Receipt, ResponderError> {
        match self.chain.confirm(&submitted, self.config.receipt_timeout).await {
            Ok(receipt) => {
                self.store.settle_sent(submitted.tx_hash, SentTxState::Mined, Some(receipt.block_number), None).await?;
                Ok(receipt)
            }
            Err(e @ (ChainError::Reverted { .. } | ChainError::Halted(_))) => {
                self.store.settle_sent(submitted.tx_hash, SentTxState::Failed, None, Some(e.to_string())).await?;
                Err(e.into())
            }
            // Unconfirmed: left pending in the store, reconciled at the next poll.
            Err(e) => Err(e.into()),
        }
    }

    /// Submits `call` (gas estimated by the node), records it, and waits for its receipt.
    async fn send_recorded<T: SolCall + Send + Sync>(
        &self,
        call: T,
        request_ids: Vec<u64>,
    ) -> Result<Receipt, ResponderError> {
        let tx = Call::sol(self.from, self.proxy, &call, U256::ZERO);
        let submitted = self.submit_recorded(tx, purpose::<T>(), request_ids).await?;
        self.confirm_recorded(submitted).await
    }

    /// How many answers of `shape` go in one batch: the configured size, capped so one batch takes at most
    /// [`BLOCK_SHARE_PCT`] % of the block gas limit (when the chain reports one).
    pub(super) async fn batch_size(&self, shape: BatchShape) -> Result<usize, ResponderError> {
        let configured = self.config.batch_size.get();
        let chain = &self.chain;
        let Some(block_gas) = retry(&self.config.retry, "block gas limit", || chain.block_gas_limit()).await? else {
            return Ok(configured);
        };
        let budget = (block_gas * BLOCK_SHARE_PCT / 100).saturating_sub(BATCH_BASE_GAS);
        let fits = usize::try_from(budget / shape.item_gas()).unwrap_or(usize::MAX);
        Ok(configured.min(fits).max(1))
    }

    /// Answers key requests in batches.
    pub(super) async fn send_keys(
        &self,
        keys: Vec<(RequestEvent, Bytes)>,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<(), ResponderError> {
        let size = self.batch_size(BatchShape::Key).await?;
        let batches = keys.chunks(size).map(|chunk| {
            let responses = chunk
                .iter()
                .map(|(e, pk)| KeyResponse { requestId: e.id, request: e.request.clone(), publicKey: pk.clone() })
                .collect();
            (IZrSign::zrKeyResBatchCall { responses }, chunk)
        });
        let accepted = self.send_batches(BatchShape::Key, batches.collect(), records, report).await?;
        report.keys.extend(accepted);
        Ok(())
    }

    /// Answers sign requests in batches.
    pub(super) async fn send_signatures(
        &self,
        signatures: Vec<(RequestEvent, Signature)>,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<(), ResponderError> {
        let size = self.batch_size(BatchShape::Sign).await?;
        let batches = signatures.chunks(size).map(|chunk| {
            // The packed form: ~280 bytes of calldata an item instead of ~640, the same checks and events.
            let mut items = Vec::with_capacity(chunk.len() * PACKED_SIGN_ITEM);
            for (e, sig) in chunk {
                pack_sign_response(&mut items, e.id.saturating_to(), &e.request, &sig.as_bytes());
            }
            (IZrSign::zrSignResPackedCall { items: items.into() }, chunk)
        });
        let accepted = self.send_batches(BatchShape::Sign, batches.collect(), records, report).await?;
        report.signatures.extend(accepted);
        Ok(())
    }

    /// Sends batches pipelined: every batch is submitted and recorded (in nonce order), then all receipts are
    /// awaited together, so several batches are in flight at once. Returns the ids the contract accepted
    /// (skipped ones are recorded with the reason). Every receipt is settled before the first error, if any,
    /// is returned.
    async fn send_batches<T: SolCall + Send + Sync, A>(
        &self,
        shape: BatchShape,
        batches: Vec<(T, &[(RequestEvent, A)])>,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<Vec<U256>, ResponderError> {
        let mut in_flight = Vec::with_capacity(batches.len());
        let mut first_error = None;
        for (call, chunk) in batches {
            let ids: Vec<u64> = chunk.iter().map(|(e, _)| e.id.saturating_to()).collect();
            let mut tx = Call::sol(self.from, self.proxy, &call, U256::ZERO);
            let gas_limit = shape.gas_limit(chunk.len(), tx.input.len());
            tx.gas_limit = Some(gas_limit);
            match self.submit_recorded(tx, purpose::<T>(), ids).await {
                Ok(submitted) => in_flight.push((submitted, chunk, gas_limit)),
                Err(e) => {
                    // Later batches would take nonces after a gap: stop here, confirm what was sent.
                    first_error = Some(e);
                    break;
                }
            }
        }
        let receipts =
            futures::future::join_all(in_flight.iter().map(|(submitted, _, _)| self.confirm_recorded(*submitted)))
                .await;
        let mut accepted = Vec::new();
        for ((_, chunk, gas_limit), receipt) in in_flight.into_iter().zip(receipts) {
            let receipt = match receipt {
                Ok(r) => r,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            if receipt.gas_used * 100 > gas_limit * GAS_WARN_PCT {
                tracing::warn!(
                    gas_used = receipt.gas_used,
                    gas_limit,
                    items = chunk.len(),
                    "answer batch used most of its computed gas limit"
                );
            }
            metrics::histogram!("zrsign_batch_size", "call" => purpose::<T>()).record(chunk.len() as f64);
            report.gas_used += receipt.gas_used;
            let skipped = skipped_items(&receipt.logs);
            let now = now_ms();
            for (event, _) in chunk {
                if let Some((_, selector)) = skipped.iter().find(|(id, _)| *id == event.id) {
                    set(records, event.id, RequestState::Skipped, Some(format!("0x{}", alloy::hex::encode(selector))));
                    metrics::counter!("zrsign_requests_skipped_total", "kind" => super::kind_name(event)).increment(1);
                    continue;
                }
                accepted.push(event.id);
                answered(records, event, receipt.tx_hash, now);
            }
            report.skipped.extend(skipped);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(accepted),
        }
    }

    /// Rejects a request with `reason`; a request the contract no longer lets us reject counts as not open.
    pub(super) async fn reject(
        &self,
        event: &RequestEvent,
        reason: RejectReason,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<(), ResponderError> {
        let call =
            IZrSign::zrRejectCall { requestId: event.id, request: event.request.clone(), reasonCode: reason.code() };
        match self.send_recorded(call, vec![event.id.saturating_to()]).await {
            Ok(receipt) => {
                report.gas_used += receipt.gas_used;
                report.rejected.push((event.id, reason));
                set(records, event.id, RequestState::Rejected, Some(format!("{reason:?}")));
                if let Some(r) = record_of(records, event.id.saturating_to()) {
                    r.answer_tx = Some(receipt.tx_hash);
                    r.answered_at = Some(now_ms());
                }
                metrics::counter!("zrsign_requests_rejected_total", "kind" => super::kind_name(event)).increment(1);
                Ok(())
            }
            // Answered or expired meanwhile: nothing to do, and nothing lost (the contract refused it).
            Err(ResponderError::Chain(ChainError::Reverted { revert })) => {
                tracing::warn!(id = %event.id, %revert, "reject refused by the contract");
                report.not_open.push(event.id);
                set(records, event.id, RequestState::NotOpen, Some(revert.to_string()));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

/// The function name of `T`, as recorded with its transactions.
fn purpose<T: SolCall>() -> &'static str {
    T::SIGNATURE.split('(').next().unwrap_or(T::SIGNATURE)
}

/// Share of the block gas limit one answer batch may take.
pub const BLOCK_SHARE_PCT: u64 = 50;
/// A batch whose receipt uses more than this share of its computed limit is logged (the constants below
/// should be raised).
const GAS_WARN_PCT: u64 = 80;
/// Intrinsic gas of a transaction.
const TX_GAS: u64 = 21_000;
/// Calldata gas per byte, bounded above for any content: 16 per non-zero byte, and Prague's floor
/// (EIP-7623) charges 10 per token, 4 tokens per non-zero byte.
const CALLDATA_GAS_PER_BYTE: u64 = 40;
/// Execution gas of a batch besides its items (dispatch, the proxy's delegatecall, role check), with margin.
const BATCH_BASE_GAS: u64 = 60_000;

/// What a batch holds, for its gas limit: computed from its shape rather than estimated by the node (an
/// estimate is a round trip that replays the whole batch). Each item's figure is about twice its measured
/// execution gas (`zrsign bench` prints them), so a limit never runs short as storage warms or cools; the
/// node charges only the gas used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BatchShape {
    /// `zrKeyResBatch`.
    Key,
    /// `zrSignResBatch`.
    Sign,
}

impl BatchShape {
    /// Execution gas allowed per item (calldata aside).
    fn item_exec_gas(self) -> u64 {
        match self {
            Self::Key => 150_000,
            Self::Sign => 60_000,
        }
    }

    /// Gas per item, calldata included (an item's encoding is under 1 KB).
    fn item_gas(self) -> u64 {
        self.item_exec_gas() + 1_024 * CALLDATA_GAS_PER_BYTE
    }

    /// The gas limit of a batch of `items` whose calldata is `calldata_len` bytes.
    fn gas_limit(self, items: usize, calldata_len: usize) -> u64 {
        TX_GAS + BATCH_BASE_GAS + calldata_len as u64 * CALLDATA_GAS_PER_BYTE + items as u64 * self.item_exec_gas()
    }
}

/// Marks a request answered by `tx` and records the stage latency from its sighting.
fn answered(records: &mut [RequestRecord], event: &RequestEvent, tx: alloy::primitives::B256, now: i64) {
    if let Some(r) = record_of(records, event.id.saturating_to()) {
        r.status = RequestState::Answered;
        r.answer_tx = Some(tx);
        r.answered_at = Some(now);
        let seconds = (now - r.seen_at).max(0) as f64 / 1_000.0;
        metrics::histogram!("zrsign_stage_seconds", "stage" => "answer_mined").record(seconds);
    }
    metrics::counter!("zrsign_requests_answered_total", "kind" => super::kind_name(event)).increment(1);
}
