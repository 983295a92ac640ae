//! Sending answers: batch transactions in two phases — submitted (hash and nonce recorded in the store),
//! then confirmed — and reconciliation of transactions whose receipt was never recorded.

use super::{PollReport, Responder, ResponderError, set};
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

    /// Submits `call` (retrying only failures that certainly did not reach the node), records it, and waits
    /// for its receipt.
    async fn send_recorded<T: SolCall + Send + Sync>(
        &self,
        call: T,
        request_ids: Vec<u64>,
    ) -> Result<Receipt, ResponderError> {
        let tx = Call::sol(self.from, self.proxy, &call, U256::ZERO);
        let chain = &self.chain;
        let submitted = match retry(&self.config.retry, T::SIGNATURE, || chain.submit(tx.clone())).await {
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
            purpose: T::SIGNATURE.split('(').next().unwrap_or(T::SIGNATURE).to_owned(),
            request_ids,
        };
        self.store.record_sent(sent).await?;
        crate::fault::after_send(submitted.tx_hash).await;
        match chain.confirm(&submitted, self.config.receipt_timeout).await {
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

    /// Answers key requests in batches.
    pub(super) async fn send_keys(
        &self,
        keys: Vec<(RequestEvent, Bytes)>,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<(), ResponderError> {
        for chunk in keys.chunks(self.config.batch_size.get()) {
            let responses = chunk
                .iter()
                .map(|(e, pk)| KeyResponse { requestId: e.id, request: e.request.clone(), publicKey: pk.clone() })
                .collect();
            let accepted = self.send_batch(IZrSign::zrKeyResBatchCall { responses }, chunk, records, report).await?;
            report.keys.extend(accepted);
        }
        Ok(())
    }

    /// Answers sign requests in batches.
    pub(super) async fn send_signatures(
        &self,
        signatures: Vec<(RequestEvent, Signature)>,
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<(), ResponderError> {
        for chunk in signatures.chunks(self.config.batch_size.get()) {
            // The packed form: ~280 bytes of calldata an item instead of ~640, the same checks and events.
            let mut items = Vec::with_capacity(chunk.len() * PACKED_SIGN_ITEM);
            for (e, sig) in chunk {
                pack_sign_response(&mut items, e.id.saturating_to(), &e.request, &sig.as_bytes());
            }
            let call = IZrSign::zrSignResPackedCall { items: items.into() };
            let accepted = self.send_batch(call, chunk, records, report).await?;
            report.signatures.extend(accepted);
        }
        Ok(())
    }

    /// Sends one batch; returns the ids the contract accepted (skipped ones are recorded with the reason).
    async fn send_batch<T: SolCall + Send + Sync, A>(
        &self,
        call: T,
        chunk: &[(RequestEvent, A)],
        records: &mut [RequestRecord],
        report: &mut PollReport,
    ) -> Result<Vec<U256>, ResponderError> {
        let ids: Vec<u64> = chunk.iter().map(|(e, _)| e.id.saturating_to()).collect();
        let receipt = self.send_recorded(call, ids).await?;
        metrics::histogram!("zrsign_batch_size", "call" => T::SIGNATURE.split('(').next().unwrap_or("batch"))
            .record(chunk.len() as f64);
        report.gas_used += receipt.gas_used;
        let skipped = skipped_items(&receipt.logs);
        let mut accepted = Vec::with_capacity(chunk.len());
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
        Ok(accepted)
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
                if let Some(r) = records.iter_mut().find(|r| r.request_id == event.id.saturating_to::<u64>()) {
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

/// Marks a request answered by `tx` and records the stage latency from its sighting.
fn answered(records: &mut [RequestRecord], event: &RequestEvent, tx: alloy::primitives::B256, now: i64) {
    let id: u64 = event.id.saturating_to();
    if let Some(r) = records.iter_mut().find(|r| r.request_id == id) {
        r.status = RequestState::Answered;
        r.answer_tx = Some(tx);
        r.answered_at = Some(now);
        let seconds = (now - r.seen_at).max(0) as f64 / 1_000.0;
        metrics::histogram!("zrsign_stage_seconds", "stage" => "answer_mined").record(seconds);
    }
    metrics::counter!("zrsign_requests_answered_total", "kind" => super::kind_name(event)).increment(1);
}
