//! The destination side: drives each broadcast of one destination chain to a final state, every step saved
//! before the next. The raw bytes never change — the relayer cannot raise fees (the MPC signature covers
//! them) — so a resend is always the same transaction: the nonce makes every effect happen at most once.
//!
//! | node says / sees                              | state                                                  |
//! |-----------------------------------------------|--------------------------------------------------------|
//! | accepted, or "already known"                  | `sent`                                                 |
//! | receipt                                       | `mined`, then `confirmed` at the required depth        |
//! | receipt gone (reorg)                          | `pending`: the same bytes are sent again               |
//! | "nonce too low", its own hash mined           | `mined`                                                |
//! | "nonce too low", a known replacement mined    | `replaced` (success)                                   |
//! | "nonce too low", anything else mined          | `failed` / `superseded`                                |
//! | "insufficient funds"                          | `awaiting_funds`, backoff until the give-up time       |
//! | fee cap refused                               | `underpriced`, backoff until the give-up time          |
//! | pooled, fee cap below the next base fee       | `stuck`, with the fee cap a replacement needs          |
//! | RPC unreachable                               | `unreachable`, capped backoff for ever                 |

use super::config::{Destination, RelayerConfig};
use crate::{
    chain::{ChainError, ChainRead, TxRejection},
    store::{Broadcast, FailureClass, RelayState, Store, StoreError, now_ms},
};
use alloy::eips::BlockNumberOrTag;
use std::{sync::Arc, time::Duration};

/// Broadcasts read per pass.
const BATCH: u64 = 100;

/// Most senders whose broadcasts step at once in one pass.
pub const PIPELINE: usize = 32;

/// Percentage a replacement's fee cap must exceed the pooled transaction's by (geth's and anvil's rule).
pub const REPLACEMENT_BUMP_PCT: u128 = 10;

/// The least fee cap a replacement of a transaction capped at `fee_cap` needs when the base fee is
/// `base_fee`: [`REPLACEMENT_BUMP_PCT`] above it (pool rule) and above the base fee (to be mineable).
pub fn replacement_fee_cap(fee_cap: u128, base_fee: u128) -> u128 {
    bumped(fee_cap).max(base_fee.saturating_add(1))
}

/// `fee` raised by [`REPLACEMENT_BUMP_PCT`], rounded up (the pool's rule for any replaced fee field).
pub fn bumped(fee: u128) -> u128 {
    fee.saturating_mul(100 + REPLACEMENT_BUMP_PCT).div_ceil(100)
}

/// One destination chain's broadcaster.
pub struct Broadcaster<D> {
    pub(super) chain: Arc<D>,
    pub(super) destination: Destination,
    store: Store,
    config: RelayerConfig,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl<D: ChainRead> Broadcaster<D> {
    pub(super) fn new(chain: Arc<D>, destination: Destination, store: Store, config: RelayerConfig) -> Self {
        Self { chain, destination, store, config }
    }

    /// The EVM chain id it broadcasts to.
    pub fn evm_chain_id(&self) -> u64 {
        self.chain.evm_chain_id()
    }

    /// Acts on every due broadcast once; returns how many it looked at. Broadcasts are pipelined: those of
    /// different senders step concurrently (at most [`PIPELINE`] senders at once), those of one sender in
    /// nonce order, one after another (a node may refuse a nonce gap).
    pub async fn pass(&self) -> Result<usize, StoreError> {
        use futures::StreamExt;
        let due = self.store.due_broadcasts(self.evm_chain_id(), now_ms(), BATCH).await?;
        let count = due.len();
        let mut by_sender: Vec<Vec<Broadcast>> = Vec::new();
        for b in due {
            match by_sender.iter_mut().find(|group| group[0].sender == b.sender) {
                Some(group) => group.push(b),
                None => by_sender.push(vec![b]),
            }
        }
        for group in &mut by_sender {
            group.sort_by_key(|b| b.nonce);
        }
        let results: Vec<Result<(), StoreError>> = futures::stream::iter(by_sender)
            .map(|group| async move {
                for broadcast in group {
                    self.step_and_save(broadcast).await?;
                }
                Ok(())
            })
            .buffer_unordered(PIPELINE)
            .collect()
            .await;
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok(count)
    }

    /// One step of `broadcast`, logged and saved.
    async fn step_and_save(&self, broadcast: Broadcast) -> Result<(), StoreError> {
        let id = broadcast.request_id;
        let before = broadcast.status;
        let after = self.step(broadcast).await;
        if after.status != before {
            tracing::info!(
                request = id,
                from = %before,
                to = %after.status,
                tx = %after.tx_hash,
                error = after.last_error.as_deref().unwrap_or(""),
                "relay status"
            );
            if after.status.is_success() && !before.is_success() && after.status != RelayState::Replaced {
                let seconds = (now_ms() - after.created_at).max(0) as f64 / 1_000.0;
                metrics::histogram!("zrsign_stage_seconds", "stage" => "relay_mined").record(seconds);
            }
        }
        self.store.save_broadcast(after).await
    }

    /// The milliseconds until the next broadcast is due (at most the poll interval).
    pub async fn idle_for(&self) -> Result<Duration, StoreError> {
        let poll = self.config.poll_interval;
        Ok(match self.store.next_due(self.evm_chain_id()).await? {
            Some(at) => Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)).min(poll),
            None => poll,
        })
    }

    /// One step of a broadcast's state machine.
    pub(super) async fn step(&self, b: Broadcast) -> Broadcast {
        match b.status {
            RelayState::Unroutable => Broadcast { status: RelayState::Pending, last_error: None, ..b },
            RelayState::Pending | RelayState::AwaitingFunds | RelayState::Underpriced | RelayState::Unreachable => {
                self.send(b).await
            }
            RelayState::Sent | RelayState::Stuck => self.check_sent(b).await,
            RelayState::Mined => self.check_mined(b).await,
            RelayState::Confirmed | RelayState::Replaced | RelayState::Failed => b,
        }
    }

    /// Sends the raw bytes and classifies the node's answer.
    async fn send(&self, mut b: Broadcast) -> Broadcast {
        let now = now_ms();
        b.attempts = b.attempts.saturating_add(1);
        b.first_attempt_at.get_or_insert(now);
        metrics::counter!("zrsign_relay_sends_total").increment(1);
        match self.chain.send_raw(&b.raw_tx).await {
            Ok(_) | Err(ChainError::TxRejected { class: TxRejection::AlreadyKnown, .. }) => self.sent(b, now),
            Err(ChainError::TxRejected { class: TxRejection::NonceTooLow, message }) => {
                self.nonce_used(b, message).await
            }
            Err(ChainError::TxRejected { class: TxRejection::InsufficientFunds, message }) => {
                self.refused(b, RelayState::AwaitingFunds, FailureClass::InsufficientFunds, message, now)
            }
            Err(ChainError::TxRejected { class: TxRejection::Underpriced, message }) => {
                b.needed_fee = self.replacement_fee(&b).await;
                self.refused(b, RelayState::Underpriced, FailureClass::Underpriced, message, now)
            }
            Err(ChainError::TxRejected { class: TxRejection::Invalid, message }) => {
                self.failed(b, FailureClass::Invalid, message)
            }
            Err(e) if e.is_retryable() => self.unreachable(b, e.to_string(), now),
            // A refusal the classifier does not know: retried like a fee refusal, then given up as invalid.
            Err(e) => self.refused(b, RelayState::Underpriced, FailureClass::Invalid, e.to_string(), now),
        }
    }

    fn sent(&self, b: Broadcast, now: i64) -> Broadcast {
        Broadcast {
            status: RelayState::Sent,
            error_class: None,
            last_error: None,
            needed_fee: None,
            next_attempt_at: now + ms(self.config.poll_interval),
            ..b
        }
    }

    fn failed(&self, b: Broadcast, class: FailureClass, message: String) -> Broadcast {
        tracing::error!(request = b.request_id, class = class.as_str(), %message, "broadcast failed for good");
        Broadcast {
            status: RelayState::Failed,
            error_class: Some(class.as_str().into()),
            last_error: Some(message),
            ..b
        }
    }

    /// A refusal that may pass later (funds arrive, the base fee falls): backoff, until the give-up time.
    fn refused(&self, b: Broadcast, state: RelayState, give_up: FailureClass, message: String, now: i64) -> Broadcast {
        let first = b.first_attempt_at.unwrap_or(now);
        if now.saturating_sub(first) >= ms(self.config.give_up_after) {
            return self.failed(b, give_up, format!("given up after {:?}: {message}", self.config.give_up_after));
        }
        let delay = self.config.refused_backoff.delay(b.attempts);
        Broadcast {
            status: state,
            error_class: Some(state.as_str().into()),
            last_error: Some(message),
            next_attempt_at: now + ms(delay),
            ..b
        }
    }

    fn unreachable(&self, b: Broadcast, message: String, now: i64) -> Broadcast {
        tracing::warn!(request = b.request_id, chain = %self.destination.chain, %message, "destination RPC unreachable; retrying");
        let delay = self.config.unreachable_backoff.delay(b.attempts);
        // The previous state is kept when the transaction may already be out (sent / mined), else `unreachable`.
        let status = match b.status {
            RelayState::Sent | RelayState::Stuck | RelayState::Mined => b.status,
            _ => RelayState::Unreachable,
        };
        Broadcast {
            status,
            error_class: Some(RelayState::Unreachable.as_str().into()),
            last_error: Some(message),
            next_attempt_at: now + ms(delay),
            ..b
        }
    }

    /// The sender's nonce is used: by this transaction, by a known replacement, or by something else.
    async fn nonce_used(&self, b: Broadcast, message: String) -> Broadcast {
        match self.chain.receipt(b.tx_hash).await {
            Ok(Some(receipt)) => return self.mined(b, receipt.block_number, receipt.block_hash).await,
            Ok(None) => {}
            Err(e) => return self.unreachable(b, e.to_string(), now_ms()),
        }
        let others = match self.store.broadcasts_at_nonce(b.dst_evm_chain_id, b.sender, b.nonce).await {
            Ok(others) => others,
            Err(e) => return self.unreachable(b, format!("store: {e}"), now_ms()),
        };
        for other in others.iter().filter(|o| o.request_id != b.request_id) {
            match self.chain.receipt(other.tx_hash).await {
                Ok(Some(_)) => {
                    tracing::info!(
                        request = b.request_id,
                        by = other.request_id,
                        "replaced by a re-signed transaction at the same nonce"
                    );
                    return Broadcast {
                        status: RelayState::Replaced,
                        replaced_by: Some(other.request_id),
                        error_class: None,
                        last_error: None,
                        ..b
                    };
                }
                Ok(None) => {}
                Err(e) => return self.unreachable(b, e.to_string(), now_ms()),
            }
        }
        self.failed(b, FailureClass::Superseded, format!("another transaction was mined at nonce: {message}"))
    }

    /// A sent transaction: mined, still pooled (maybe stuck), or gone.
    async fn check_sent(&self, b: Broadcast) -> Broadcast {
        let now = now_ms();
        match self.chain.receipt(b.tx_hash).await {
            Ok(Some(receipt)) => return self.mined(b, receipt.block_number, receipt.block_hash).await,
            Ok(None) => {}
            Err(e) => return self.unreachable(b, e.to_string(), now),
        }
        match self.chain.transaction(b.tx_hash).await {
            Ok(Some(_)) => {
                let base_fee = self.next_base_fee().await;
                let next_attempt_at = now + ms(self.config.poll_interval);
                match base_fee {
                    Some(base) if base > b.max_fee_per_gas => {
                        let needed = self.replacement_fee(&b).await;
                        if b.status != RelayState::Stuck {
                            tracing::warn!(
                                request = b.request_id,
                                base_fee = base,
                                fee_cap = b.max_fee_per_gas,
                                ?needed,
                                "broadcast stuck: fee cap below the base fee; a replacement must be re-signed"
                            );
                        }
                        Broadcast {
                            status: RelayState::Stuck,
                            error_class: Some(RelayState::Stuck.as_str().into()),
                            last_error: Some(format!("base fee {base} above the signed fee cap {}", b.max_fee_per_gas)),
                            needed_fee: needed,
                            next_attempt_at,
                            ..b
                        }
                    }
                    _ => Broadcast { status: RelayState::Sent, next_attempt_at, ..b },
                }
            }
            // Neither mined nor pooled: dropped (pool eviction, node restart) or reorged out. If the nonce is
            // still free, the same bytes go out again; if not, whoever used it decides the outcome.
            Ok(None) => match self.chain.nonce(b.sender).await {
                Ok(next) if next > b.nonce => self.nonce_used(b, format!("sender nonce is {next}")).await,
                Ok(_) => {
                    tracing::warn!(request = b.request_id, tx = %b.tx_hash, "transaction dropped; sending it again");
                    self.send(b).await
                }
                Err(e) => self.unreachable(b, e.to_string(), now),
            },
            Err(e) => self.unreachable(b, e.to_string(), now),
        }
    }

    /// Mined in `block`: counts confirmations.
    async fn mined(&self, b: Broadcast, block: u64, block_hash: alloy::primitives::B256) -> Broadcast {
        let now = now_ms();
        let head = match self.chain.block(BlockNumberOrTag::Latest).await {
            Ok(Some(head)) => head.number,
            Ok(None) => block,
            Err(e) => return self.unreachable(b, e.to_string(), now),
        };
        let confirmations = head.saturating_sub(block) + 1;
        let status =
            if confirmations >= self.destination.confirmations { RelayState::Confirmed } else { RelayState::Mined };
        Broadcast {
            status,
            mined_block: Some(block),
            mined_block_hash: Some(block_hash),
            mined_at: b.mined_at.or(Some(now)),
            confirmations,
            error_class: None,
            last_error: None,
            needed_fee: None,
            next_attempt_at: now + ms(self.config.poll_interval),
            ..b
        }
    }

    /// A mined transaction not yet confirmed: still in the chain (maybe in another block after a reorg)?
    async fn check_mined(&self, b: Broadcast) -> Broadcast {
        match self.chain.receipt(b.tx_hash).await {
            Ok(Some(receipt)) => {
                if Some(receipt.block_hash) != b.mined_block_hash {
                    tracing::warn!(request = b.request_id, "broadcast re-mined in another block after a reorg");
                }
                self.mined(b, receipt.block_number, receipt.block_hash).await
            }
            Ok(None) => {
                tracing::warn!(request = b.request_id, tx = %b.tx_hash, "a reorg dropped the mined broadcast; sending the same bytes again");
                metrics::counter!("zrsign_relay_reorged_total").increment(1);
                let pending = Broadcast {
                    status: RelayState::Pending,
                    mined_block: None,
                    mined_block_hash: None,
                    confirmations: 0,
                    ..b
                };
                self.send(pending).await
            }
            Err(e) => self.unreachable(b, e.to_string(), now_ms()),
        }
    }

    /// The base fee of the next block (what a transaction sent now must pay), or of the latest block where the
    /// node serves no pending block.
    async fn next_base_fee(&self) -> Option<u128> {
        match self.chain.block(BlockNumberOrTag::Pending).await {
            Ok(Some(pending)) if pending.base_fee > 0 => Some(pending.base_fee),
            _ => self.chain.base_fee().await.ok(),
        }
    }

    /// The fee cap a replacement needs: above the next block's base fee, and 10% above this one's (pool rule).
    async fn replacement_fee(&self, b: &Broadcast) -> Option<u128> {
        let base = self.next_base_fee().await?;
        Some(replacement_fee_cap(b.max_fee_per_gas, base))
    }
}
