//! Follower positions, the hashes of processed blocks (reorg detection), skipped events, and the atomic
//! commit of a processed block range with its effects.

use super::{
    Broadcast, Query, QueryResult, RequestRecord, Store, StoreResult, broadcasts, int, now_ms, parse_b256, parse_u64,
    requests,
};
use alloy::primitives::{Address, B256};
use rusqlite::{OptionalExtension, params};

/// One follower's identity: the service, the chain and the contract it follows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StreamId {
    /// The following service (`responder`, `relayer`).
    pub service: &'static str,
    /// The followed chain.
    pub evm_chain_id: u64,
    /// The followed contract.
    pub address: Address,
}

impl StreamId {
    /// The stream's key in the store.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.service, self.evm_chain_id, self.address)
    }
}

/// An event that did not decode, recorded and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedEvent {
    /// Its block.
    pub block: u64,
    /// Its index in the block.
    pub log_index: u64,
    /// Its transaction.
    pub tx_hash: B256,
    /// Why it was skipped.
    pub reason: String,
}

/// Something a processed range did, written with the range's position.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The responder's record of a request (inserted or updated).
    Request(RequestRecord),
    /// A new broadcast (ignored if the request already has one: exactly one per request).
    Broadcast(Box<Broadcast>),
}

/// A processed range: the next block to read, the hashes of blocks seen, skipped events, and the effects.
#[derive(Debug, Clone, Default)]
pub struct RangeCommit {
    /// The follower's next block after this range.
    pub next_block: u64,
    /// Hashes of blocks of the range (at least its last).
    pub blocks: Vec<(u64, B256)>,
    /// Events that did not decode.
    pub skipped: Vec<SkippedEvent>,
    /// Effects of the range's events.
    pub effects: Vec<Effect>,
    /// Block hashes older than `next_block − keep_blocks` are pruned.
    pub keep_blocks: u64,
}

impl Store {
    /// The stream's next block, creating the stream at `start_block` if it is new.
    pub async fn init_position(&self, stream: &StreamId, start_block: u64) -> StoreResult<u64> {
        let (key, chain, address) = (stream.key(), int("chain id", stream.evm_chain_id)?, stream.address.to_string());
        let start = int("block", start_block)?;
        self.run(move |c| {
            c.execute(
                "INSERT OR IGNORE INTO follower (stream, evm_chain_id, address, next_block, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![key, chain, address, start, now_ms()],
            )
            .map_err(Query::at("init follower"))?;
            let next: i64 = c
                .query_row("SELECT next_block FROM follower WHERE stream = ?1", [&key], |r| r.get(0))
                .map_err(Query::at("read follower"))?;
            parse_u64("next_block", next)
        })
        .await
    }

    /// The stream's next block, if the stream exists.
    pub async fn position(&self, stream: &StreamId) -> StoreResult<Option<u64>> {
        let key = stream.key();
        self.run(move |c| {
            let next: Option<i64> = c
                .query_row("SELECT next_block FROM follower WHERE stream = ?1", [&key], |r| r.get(0))
                .optional()
                .map_err(Query::at("read follower"))?;
            next.map(|n| parse_u64("next_block", n)).transpose()
        })
        .await
    }

    /// The stored hashes of processed blocks, newest first, at most `limit`.
    pub async fn recent_blocks(&self, stream: &StreamId, limit: u64) -> StoreResult<Vec<(u64, B256)>> {
        let (key, limit) = (stream.key(), int("limit", limit)?);
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT number, hash FROM follower_blocks WHERE stream = ?1 ORDER BY number DESC LIMIT ?2",
                )
                .map_err(Query::at("read blocks"))?;
            let rows = stmt
                .query_map(params![key, limit], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                .map_err(Query::at("read blocks"))?;
            rows.map(|row| {
                let (n, h) = row.map_err(Query::at("read blocks"))?;
                Ok((parse_u64("number", n)?, parse_b256("hash", &h)?))
            })
            .collect()
        })
        .await
    }

    /// Writes a processed range atomically: position, block hashes, skipped events and effects, or nothing.
    pub async fn commit_range(&self, stream: &StreamId, range: RangeCommit) -> StoreResult<()> {
        let key = stream.key();
        let next = int("block", range.next_block)?;
        let oldest_kept = int("block", range.next_block.saturating_sub(range.keep_blocks))?;
        let blocks = range
            .blocks
            .iter()
            .map(|(n, h)| Ok((int("block", *n)?, h.to_string())))
            .collect::<StoreResult<Vec<_>>>()?;
        let skipped = range
            .skipped
            .iter()
            .map(|s| {
                Ok((int("block", s.block)?, int("log index", s.log_index)?, s.tx_hash.to_string(), s.reason.clone()))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let effects = range.effects;
        for effect in &effects {
            if let Effect::Request(r) = effect {
                r.check()?;
            }
        }
        self.run(move |c| {
            let tx = c.transaction().map_err(Query::at("begin"))?;
            let now = now_ms();
            let updated = tx
                .execute(
                    "UPDATE follower SET next_block = ?2, updated_at = ?3 WHERE stream = ?1",
                    params![key, next, now],
                )
                .map_err(Query::at("write position"))?;
            if updated != 1 {
                return Err(Query::corrupt("follower.stream", format!("{key} (not initialised)")));
            }
            for (n, h) in &blocks {
                tx.execute(
                    "INSERT OR REPLACE INTO follower_blocks (stream, number, hash) VALUES (?1, ?2, ?3)",
                    params![key, n, h],
                )
                .map_err(Query::at("write block hash"))?;
            }
            tx.execute("DELETE FROM follower_blocks WHERE stream = ?1 AND number < ?2", params![key, oldest_kept])
                .map_err(Query::at("prune block hashes"))?;
            for (block, index, hash, reason) in &skipped {
                tx.execute(
                    "INSERT OR IGNORE INTO skipped_events (stream, block, log_index, tx_hash, reason, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![key, block, index, hash, reason, now],
                )
                .map_err(Query::at("record skipped event"))?;
            }
            for effect in &effects {
                match effect {
                    Effect::Request(r) => requests::upsert(&tx, r, now)?,
                    Effect::Broadcast(b) => broadcasts::insert(&tx, b, now)?,
                }
            }
            tx.commit().map_err(Query::at("commit"))
        })
        .await
    }

    /// Moves the stream back to `next_block` (after a reorg) and forgets the hashes of blocks from it on.
    pub async fn rewind(&self, stream: &StreamId, next_block: u64) -> StoreResult<()> {
        let (key, next) = (stream.key(), int("block", next_block)?);
        self.run(move |c| {
            let tx = c.transaction().map_err(Query::at("begin"))?;
            tx.execute(
                "UPDATE follower SET next_block = ?2, updated_at = ?3 WHERE stream = ?1",
                params![key, next, now_ms()],
            )
            .map_err(Query::at("rewind"))?;
            tx.execute("DELETE FROM follower_blocks WHERE stream = ?1 AND number >= ?2", params![key, next])
                .map_err(Query::at("rewind blocks"))?;
            tx.commit().map_err(Query::at("commit"))
        })
        .await
    }

    /// The events the stream skipped, oldest first.
    pub async fn skipped_events(&self, stream: &StreamId) -> StoreResult<Vec<SkippedEvent>> {
        let key = stream.key();
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT block, log_index, tx_hash, reason FROM skipped_events WHERE stream = ?1 ORDER BY block, log_index",
                )
                .map_err(Query::at("read skipped"))?;
            let rows = stmt
                .query_map([&key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?)))
                .map_err(Query::at("read skipped"))?;
            rows.map(|row| -> QueryResult<SkippedEvent> {
                let (block, index, hash, reason) = row.map_err(Query::at("read skipped"))?;
                Ok(SkippedEvent {
                    block: parse_u64("block", block)?,
                    log_index: parse_u64("log_index", index)?,
                    tx_hash: parse_b256("tx_hash", &hash)?,
                    reason,
                })
            })
            .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream() -> StreamId {
        StreamId { service: "test", evm_chain_id: 1, address: Address::repeat_byte(1) }
    }

    #[tokio::test]
    async fn positions_blocks_and_skips_commit_together() {
        let store = Store::in_memory().await.expect("store");
        let s = stream();
        assert_eq!(store.position(&s).await.expect("pos"), None);
        assert_eq!(store.init_position(&s, 10).await.expect("init"), 10);
        assert_eq!(store.init_position(&s, 99).await.expect("init again keeps the position"), 10);
        let skipped = SkippedEvent { block: 11, log_index: 2, tx_hash: B256::repeat_byte(3), reason: "bad".into() };
        let commit = RangeCommit {
            next_block: 13,
            blocks: vec![(11, B256::repeat_byte(0x11)), (12, B256::repeat_byte(0x12))],
            skipped: vec![skipped.clone()],
            effects: vec![],
            keep_blocks: 100,
        };
        store.commit_range(&s, commit).await.expect("commit");
        assert_eq!(store.position(&s).await.expect("pos"), Some(13));
        assert_eq!(
            store.recent_blocks(&s, 10).await.expect("blocks"),
            vec![(12, B256::repeat_byte(0x12)), (11, B256::repeat_byte(0x11))]
        );
        assert_eq!(store.skipped_events(&s).await.expect("skipped"), vec![skipped]);
        store.rewind(&s, 12).await.expect("rewind");
        assert_eq!(store.position(&s).await.expect("pos"), Some(12));
        assert_eq!(store.recent_blocks(&s, 10).await.expect("blocks"), vec![(11, B256::repeat_byte(0x11))]);
    }

    #[tokio::test]
    async fn a_range_of_an_unknown_stream_writes_nothing() {
        let store = Store::in_memory().await.expect("store");
        let commit = RangeCommit { next_block: 5, blocks: vec![(4, B256::ZERO)], ..Default::default() };
        assert!(store.commit_range(&stream(), commit).await.is_err());
        assert!(store.recent_blocks(&stream(), 10).await.expect("blocks").is_empty(), "rolled back");
    }
}
