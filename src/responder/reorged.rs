//! Answers taken off the chain by a reorg. The follower's stored hashes detect a reorg of the blocks it read,
//! but an answer's request may sit before the fork point: the request survives, its answer does not, and reading
//! on from the fork would never see the request again. So answer transactions mined at or after the fork point
//! (or in blocks the follower has not passed yet) are looked up again, and the requests of any that left the
//! chain are read again.

use super::{Responder, ResponderError};
use crate::{
    chain::{ChainSubmit, retry::retry},
    signer::Signer,
    store::SentTxState,
};

impl<C: ChainSubmit, S: Signer> Responder<C, S> {
    /// Answers taken off the chain by a reorg: every answer transaction mined at or after the fork point (or not
    /// yet passed by the follower, whose stored hashes cannot see a reorg there) is looked up again; one no longer
    /// in its block is recorded as dropped, and the follower reads again from the earliest block of its requests,
    /// so the requests that still exist are answered again (the contract settles each one once).
    pub(super) async fn recheck_answers(&mut self) -> Result<(), ResponderError> {
        self.follower.check_reorg().await?;
        let since = self.follower.take_fork().unwrap_or(u64::MAX).min(self.follower.next_block());
        let (chain, evm_chain_id) = (&self.chain, self.chain.evm_chain_id());
        let mut read_from: Option<u64> = None;
        for (sent, block) in self.store.mined_sent_since(evm_chain_id, since).await? {
            let hash = sent.tx_hash;
            let receipt = retry(&self.config.retry, "eth_getTransactionReceipt", || chain.receipt(hash)).await?;
            if receipt.is_some_and(|r| r.block_number == block) {
                continue;
            }
            tracing::warn!(tx = %hash, block, "an answer was reorged out; its requests are read again");
            self.store
                .settle_sent(hash, SentTxState::Dropped, None, Some(format!("reorged out of block {block}")))
                .await?;
            for id in sent.request_ids {
                if let Some(record) = self.store.request(evm_chain_id, self.proxy, id).await? {
                    read_from = Some(read_from.map_or(record.block, |b| b.min(record.block)));
                }
            }
        }
        if let Some(block) = read_from {
            self.follower.rewind_to(block).await?;
        }
        Ok(())
    }
}
