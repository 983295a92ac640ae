//! The sealed-block event follower both services use. It reads a contract's logs (selected by topic 0) in
//! ranges of blocks that are sealed and have the configured number of confirmations, decodes them, and
//! hands the consumer a [`Batch`]; the consumer acts on the events and then [`commit`](Follower::commit)s the
//! batch together with its effects in one store transaction, so a restart resumes exactly after the last
//! committed range.
//!
//! Reorgs: the hash of the last block of every range (and of every block with an event) is stored; before
//! reading on, the follower checks that the last processed block's hash still matches the chain, and if it
//! does not, rewinds to the newest stored block that still matches (within the reorg window) and reads from
//! there again. Consumers must therefore be idempotent per event, which both services are (the contract's
//! request status and the store's one-broadcast-per-request rule).
//!
//! An event that does not decode is recorded with its reason ([`SkippedEvent`]) and skipped: it never stalls
//! the follower.

use crate::{
    chain::{
        ChainError, ChainLog, ChainRead, LogFilter,
        retry::{RetryPolicy, retry},
    },
    protocol::events::EventDecodeError,
    store::{RangeCommit, SkippedEvent, Store, StoreError, StreamId, follower::Effect},
};
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Log},
};
use std::{num::NonZeroU64, sync::Arc};

/// Tuning of a follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowerConfig {
    /// Blocks that must be built on top of a block before its events are read (0: any sealed block).
    pub confirmations: u64,
    /// Most blocks per `eth_getLogs` range.
    pub max_range: NonZeroU64,
    /// How many processed blocks' hashes are kept to find the fork point of a reorg.
    pub reorg_window: u64,
    /// Retries of chain reads.
    pub retry: RetryPolicy,
}

/// Default most blocks per `eth_getLogs` range.
pub const DEFAULT_MAX_RANGE: NonZeroU64 = NonZeroU64::new(2_000).expect("non-zero literal");
/// Default reorg window, in blocks.
pub const DEFAULT_REORG_WINDOW: u64 = 128;

impl Default for FollowerConfig {
    fn default() -> Self {
        Self {
            confirmations: 0,
            max_range: DEFAULT_MAX_RANGE,
            reorg_window: DEFAULT_REORG_WINDOW,
            retry: RetryPolicy::default(),
        }
    }
}

/// Why the follower could not go on.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// Reading the chain failed (after retries, when retryable).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl FollowError {
    /// Whether a later attempt can succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain(e) => e.is_retryable(),
            Self::Store(_) => false,
        }
    }
}

/// An event with its place on the chain.
#[derive(Debug, Clone)]
pub struct Located<E> {
    /// The decoded event.
    pub event: E,
    /// Its block.
    pub block: u64,
    /// Its transaction.
    pub tx_hash: B256,
    /// Its index in the block.
    pub log_index: u64,
}

/// A range of sealed blocks, read and decoded.
#[derive(Debug, Clone)]
pub struct Batch<E> {
    /// First block.
    pub from: u64,
    /// Last block (inclusive).
    pub to: u64,
    /// The decoded events, in chain order.
    pub events: Vec<Located<E>>,
    /// The events that did not decode.
    pub skipped: Vec<SkippedEvent>,
    /// The highest sealed block when the range was read.
    pub head: u64,
    blocks: Vec<(u64, B256)>,
}

/// Decodes one log: `Ok(None)` for logs the consumer does not care about.
pub type Decoder<E> = fn(&Log) -> Result<Option<E>, EventDecodeError>;

/// What a follower follows: one service's view of one contract's events.
#[derive(Debug, Clone)]
pub struct Subscription<E> {
    /// The following service (names the stream in the store).
    pub service: &'static str,
    /// The contract.
    pub address: Address,
    /// Topic 0 of the events to read.
    pub topics: Vec<B256>,
    /// Their decoder.
    pub decode: Decoder<E>,
    /// Where to start when the store has no position for the stream.
    pub start_block: u64,
}

/// Follows one contract's events on one chain.
pub struct Follower<C, E> {
    chain: Arc<C>,
    store: Store,
    stream: StreamId,
    topics: Vec<B256>,
    decode: Decoder<E>,
    config: FollowerConfig,
    start_block: u64,
    next_block: u64,
    head: Option<u64>,
    /// The earliest fork point found since [`take_fork`](Self::take_fork) was last called.
    fork: Option<u64>,
}

impl<C: ChainRead, E> Follower<C, E> {
    /// A follower of `subscription` on `chain`, resuming from the store's position for its stream, or starting
    /// at the subscription's start block.
    pub async fn new(
        chain: Arc<C>,
        store: Store,
        subscription: Subscription<E>,
        config: FollowerConfig,
    ) -> Result<Self, FollowError> {
        let Subscription { service, address, topics, decode, start_block } = subscription;
        let stream = StreamId { service, evm_chain_id: chain.evm_chain_id(), address };
        let next_block = store.init_position(&stream, start_block).await?;
        Ok(Self { chain, store, stream, topics, decode, config, start_block, next_block, head: None, fork: None })
    }

    /// The next block to read.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }

    /// The stream's identity.
    pub fn stream(&self) -> &StreamId {
        &self.stream
    }

    /// How many sealed, confirmed blocks are not processed yet (as of the last read).
    pub fn lag(&self) -> u64 {
        self.head.map_or(0, |h| (h + 1).saturating_sub(self.next_block))
    }

    /// The highest block whose events may be read now: sealed (no transaction can still be added to it) and
    /// with the configured confirmations on top.
    async fn sealed_head(&self) -> Result<Option<u64>, ChainError> {
        let inclusion = retry(&self.config.retry, "inclusion block", || self.chain.inclusion_block()).await?;
        Ok(inclusion.checked_sub(1).and_then(|sealed| sealed.checked_sub(self.config.confirmations)))
    }

    async fn hash_of(&self, number: u64) -> Result<Option<B256>, ChainError> {
        let block =
            retry(&self.config.retry, "eth_getBlockByNumber", || self.chain.block(BlockNumberOrTag::Number(number)))
                .await?;
        Ok(block.map(|b| b.hash))
    }

    /// Checks the last processed block against the chain; after a reorg, rewinds to the fork point and returns
    /// it (the first block to read again).
    pub async fn check_reorg(&mut self) -> Result<Option<u64>, FollowError> {
        let stored = self.store.recent_blocks(&self.stream, self.config.reorg_window.max(1)).await?;
        let Some(&(last, last_hash)) = stored.first() else { return Ok(None) };
        if self.hash_of(last).await? == Some(last_hash) {
            return Ok(None);
        }
        let mut fork_next = stored.last().map_or(self.start_block, |(n, _)| *n).max(self.start_block);
        for &(number, hash) in stored.iter().skip(1) {
            if self.hash_of(number).await? == Some(hash) {
                fork_next = number + 1;
                break;
            }
        }
        tracing::warn!(stream = %self.stream.key(), last_processed = last, rewind_to = fork_next, "reorg detected; rewinding");
        metrics::counter!("zrsign_follower_reorgs_total", "service" => self.stream.service).increment(1);
        self.store.rewind(&self.stream, fork_next).await?;
        self.next_block = fork_next;
        self.fork = Some(self.fork.map_or(fork_next, |f| f.min(fork_next)));
        Ok(Some(fork_next))
    }

    /// The earliest fork point of the reorgs found since the last call (also those found inside
    /// [`next_batch`](Self::next_batch)), if any.
    pub fn take_fork(&mut self) -> Option<u64> {
        self.fork.take()
    }

    /// Reads again from `next_block` (when it is before the next block to read): the consumer found that
    /// something it did for earlier events was undone (e.g. its answer was reorged out, the request kept).
    pub async fn rewind_to(&mut self, next_block: u64) -> Result<(), FollowError> {
        let next_block = next_block.max(self.start_block);
        if next_block < self.next_block {
            tracing::warn!(stream = %self.stream.key(), rewind_to = next_block, "reading earlier events again");
            self.store.rewind(&self.stream, next_block).await?;
            self.next_block = next_block;
        }
        Ok(())
    }

    /// Reads the next range of sealed blocks (at most `max_range`), or `None` when the follower is caught up.
    pub async fn next_batch(&mut self) -> Result<Option<Batch<E>>, FollowError> {
        let _ = self.check_reorg().await?;
        let Some(head) = self.sealed_head().await? else { return Ok(None) };
        self.head = Some(head);
        metrics::gauge!("zrsign_follower_lag_blocks", "service" => self.stream.service).set(self.lag() as f64);
        let from = self.next_block;
        if from > head {
            return Ok(None);
        }
        let to = head.min(from.saturating_add(self.config.max_range.get() - 1));
        // The last block's hash before and after the read: equal means the logs are of that chain.
        let before = self.hash_of(to).await?;
        let filter = LogFilter::new(self.stream.address, from, to).events(self.topics.iter().copied());
        let logs = retry(&self.config.retry, "eth_getLogs", || self.chain.logs(&filter)).await?;
        let after = self.hash_of(to).await?;
        let Some(to_hash) = before.filter(|h| Some(*h) == after) else {
            tracing::warn!(stream = %self.stream.key(), block = to, "chain changed while reading; reading again");
            return Ok(None);
        };
        let mut blocks = vec![(to, to_hash)];
        let mut events = Vec::new();
        let mut skipped = Vec::new();
        for log in logs {
            if blocks.last().is_none_or(|(n, _)| *n != log.block_number) && log.block_number != to {
                blocks.push((log.block_number, log.block_hash));
            }
            self.decode_into(log, &mut events, &mut skipped);
        }
        Ok(Some(Batch { from, to, events, skipped, head, blocks }))
    }

    fn decode_into(&self, log: ChainLog, events: &mut Vec<Located<E>>, skipped: &mut Vec<SkippedEvent>) {
        match (self.decode)(&log.log) {
            Ok(Some(event)) => {
                events.push(Located { event, block: log.block_number, tx_hash: log.tx_hash, log_index: log.log_index })
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(stream = %self.stream.key(), block = log.block_number, tx = %log.tx_hash, error = %e, "undecodable event skipped");
                metrics::counter!("zrsign_events_skipped_total", "service" => self.stream.service).increment(1);
                skipped.push(SkippedEvent {
                    block: log.block_number,
                    log_index: log.log_index,
                    tx_hash: log.tx_hash,
                    reason: e.to_string(),
                });
            }
        }
    }

    /// Records that `batch` is processed, with `effects`, atomically; the next read starts after it.
    pub async fn commit(&mut self, batch: Batch<E>, effects: Vec<Effect>) -> Result<(), FollowError> {
        let next_block = batch.to + 1;
        let commit = RangeCommit {
            next_block,
            blocks: batch.blocks,
            skipped: batch.skipped,
            effects,
            keep_blocks: self.config.reorg_window,
        };
        self.store.commit_range(&self.stream, commit).await?;
        self.next_block = next_block;
        Ok(())
    }
}
