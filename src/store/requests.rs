//! The responder's records: every request it saw and what it did with it, and every transaction it sent
//! (recorded with its hash and nonce before its receipt is awaited).

use super::{Query, QueryResult, Store, StoreError, StoreResult, int, now_ms, parse_address, parse_b256, parse_u64};
use alloy::primitives::{Address, B256};
use rusqlite::{OptionalExtension, Row, Transaction, params};
use std::str::FromStr;

/// What the responder did with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Seen in an event, not settled by this responder (yet).
    Seen,
    /// Answered by this responder.
    Answered,
    /// Rejected by this responder.
    Rejected,
    /// Not open any more (settled by someone else, reclaimed, or past its deadline): nothing to do.
    NotOpen,
    /// The contract skipped this responder's answer in a batch (its reason in `detail`).
    Skipped,
}

impl RequestState {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Seen => "seen",
            Self::Answered => "answered",
            Self::Rejected => "rejected",
            Self::NotOpen => "not_open",
            Self::Skipped => "skipped",
        }
    }
}

impl FromStr for RequestState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "seen" => Self::Seen,
            "answered" => Self::Answered,
            "rejected" => Self::Rejected,
            "not_open" => Self::NotOpen,
            "skipped" => Self::Skipped,
            other => return Err(other.to_owned()),
        })
    }
}

/// The responder's record of one request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RequestRecord {
    /// The source chain.
    pub evm_chain_id: u64,
    /// The deployment.
    pub proxy: Address,
    /// The request id.
    pub request_id: u64,
    /// Key, Hash, Data or Tx.
    pub kind: String,
    /// Who paid.
    pub requester: Address,
    /// The block of its event.
    pub block: u64,
    /// Whether the relayer broadcasts its answer.
    pub broadcast: bool,
    /// What the responder did.
    pub status: RequestState,
    /// The rejection reason or skip selector.
    pub detail: Option<String>,
    /// The transaction that answered or rejected it.
    pub answer_tx: Option<B256>,
    /// When the responder first saw it (unix ms).
    pub seen_at: i64,
    /// When the responder had its answer ready: key derived or signature made (unix ms).
    pub signed_at: Option<i64>,
    /// When its answer was mined (unix ms).
    pub answered_at: Option<i64>,
}

impl RequestRecord {
    pub(crate) fn check(&self) -> StoreResult<()> {
        int("chain id", self.evm_chain_id)?;
        int("request id", self.request_id)?;
        int("block", self.block)?;
        Ok(())
    }
}

/// Inserts or updates a request record; an answer or rejection by this responder is never overwritten by a
/// later sighting (a replay after a restart sees the request settled: `not_open`).
pub(crate) fn upsert(tx: &Transaction<'_>, r: &RequestRecord, now: i64) -> QueryResult<()> {
    tx.execute(
        "INSERT INTO requests (evm_chain_id, proxy, request_id, kind, requester, block, broadcast, status, detail,
                               answer_tx, seen_at, answered_at, updated_at, signed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (evm_chain_id, proxy, request_id) DO UPDATE SET
           status = CASE WHEN requests.status IN ('answered', 'rejected') AND excluded.status IN ('seen', 'not_open')
                         THEN requests.status ELSE excluded.status END,
           detail = COALESCE(excluded.detail, requests.detail),
           answer_tx = COALESCE(excluded.answer_tx, requests.answer_tx),
           answered_at = COALESCE(requests.answered_at, excluded.answered_at),
           signed_at = COALESCE(requests.signed_at, excluded.signed_at),
           updated_at = excluded.updated_at",
        params![
            r.evm_chain_id as i64,
            r.proxy.to_string(),
            r.request_id as i64,
            r.kind,
            r.requester.to_string(),
            r.block as i64,
            r.broadcast,
            r.status.as_str(),
            r.detail,
            r.answer_tx.map(|h| h.to_string()),
            r.seen_at,
            r.answered_at,
            now,
            r.signed_at
        ],
    )
    .map_err(Query::at("write request"))
    .map(drop)
}

const REQUEST_COLUMNS: &str = "evm_chain_id, proxy, request_id, kind, requester, block, broadcast, status, detail, \
    answer_tx, seen_at, answered_at, signed_at";

fn request_row(row: &Row<'_>) -> QueryResult<RequestRecord> {
    let text = |i| -> QueryResult<String> { row.get(i).map_err(Query::at("read request")) };
    let integer = |i| -> QueryResult<i64> { row.get(i).map_err(Query::at("read request")) };
    let status = text(7)?;
    let answer_tx: Option<String> = row.get(9).map_err(Query::at("read request"))?;
    Ok(RequestRecord {
        evm_chain_id: parse_u64("evm_chain_id", integer(0)?)?,
        proxy: parse_address("proxy", &text(1)?)?,
        request_id: parse_u64("request_id", integer(2)?)?,
        kind: text(3)?,
        requester: parse_address("requester", &text(4)?)?,
        block: parse_u64("block", integer(5)?)?,
        broadcast: row.get(6).map_err(Query::at("read request"))?,
        status: status.parse().map_err(|v: String| Query::corrupt("status", v))?,
        detail: row.get(8).map_err(Query::at("read request"))?,
        answer_tx: answer_tx.map(|h| parse_b256("answer_tx", &h)).transpose()?,
        seen_at: integer(10)?,
        answered_at: row.get(11).map_err(Query::at("read request"))?,
        signed_at: row.get(12).map_err(Query::at("read request"))?,
    })
}

/// Whether a sent transaction is settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SentTxState {
    /// Handed to the node; receipt not seen yet.
    Pending,
    /// Mined and successful.
    Mined,
    /// Mined and failed, or refused.
    Failed,
    /// Not known to the node any more (never mined).
    Dropped,
}

impl SentTxState {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Mined => "mined",
            Self::Failed => "failed",
            Self::Dropped => "dropped",
        }
    }
}

/// A transaction the responder sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentTx {
    /// Its hash.
    pub tx_hash: B256,
    /// Its chain.
    pub evm_chain_id: u64,
    /// Its sender.
    pub sender: Address,
    /// Its nonce.
    pub nonce: u64,
    /// What it does (the function called).
    pub purpose: String,
    /// The requests it settles.
    pub request_ids: Vec<u64>,
}

impl Store {
    /// The record of a request, if the responder saw it.
    pub async fn request(
        &self,
        evm_chain_id: u64,
        proxy: Address,
        request_id: u64,
    ) -> StoreResult<Option<RequestRecord>> {
        let (chain, id) = (int("chain id", evm_chain_id)?, int("request id", request_id)?);
        self.run(move |c| {
            let sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE evm_chain_id = ?1 AND proxy = ?2 AND request_id = ?3"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read request"))?;
            let mut rows = stmt.query(params![chain, proxy.to_string(), id]).map_err(Query::at("read request"))?;
            rows.next().map_err(Query::at("read request"))?.map(request_row).transpose()
        })
        .await
    }

    /// The most recent requests of a deployment, newest first.
    pub async fn recent_requests(
        &self,
        evm_chain_id: u64,
        proxy: Address,
        limit: u64,
    ) -> StoreResult<Vec<RequestRecord>> {
        let (chain, limit) = (int("chain id", evm_chain_id)?, int("limit", limit)?);
        self.run(move |c| {
            let sql = format!(
                "SELECT {REQUEST_COLUMNS} FROM requests WHERE evm_chain_id = ?1 AND proxy = ?2 ORDER BY request_id DESC LIMIT ?3"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read requests"))?;
            let mut rows = stmt.query(params![chain, proxy.to_string(), limit]).map_err(Query::at("read requests"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(Query::at("read requests"))? {
                out.push(request_row(row)?);
            }
            Ok(out)
        })
        .await
    }

    /// Writes request records outside a follower range (e.g. once their answer is mined).
    pub async fn put_requests(&self, records: Vec<RequestRecord>) -> StoreResult<()> {
        for r in &records {
            r.check()?;
        }
        self.run(move |c| {
            let tx = c.transaction().map_err(Query::at("begin"))?;
            let now = now_ms();
            for r in &records {
                upsert(&tx, r, now)?;
            }
            tx.commit().map_err(Query::at("commit"))
        })
        .await
    }

    /// Records a transaction the node accepted, before its receipt is awaited.
    pub async fn record_sent(&self, sent: SentTx) -> StoreResult<()> {
        let chain = int("chain id", sent.evm_chain_id)?;
        let nonce = int("nonce", sent.nonce)?;
        let ids = serde_json::to_string(&sent.request_ids).map_err(|e| StoreError::Task(e.to_string()))?;
        self.run(move |c| {
            let now = now_ms();
            c.execute(
                "INSERT OR IGNORE INTO sent_txs (tx_hash, evm_chain_id, sender, nonce, purpose, request_ids, status,
                                                 created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?7)",
                params![sent.tx_hash.to_string(), chain, sent.sender.to_string(), nonce, sent.purpose, ids, now],
            )
            .map_err(Query::at("record sent transaction"))
            .map(drop)
        })
        .await
    }

    /// Settles a sent transaction.
    pub async fn settle_sent(
        &self,
        tx_hash: B256,
        state: SentTxState,
        block: Option<u64>,
        error: Option<String>,
    ) -> StoreResult<()> {
        let block = block.map(|b| int("block", b)).transpose()?;
        self.run(move |c| {
            c.execute(
                "UPDATE sent_txs SET status = ?2, block = ?3, error = ?4, updated_at = ?5 WHERE tx_hash = ?1",
                params![tx_hash.to_string(), state.as_str(), block, error, now_ms()],
            )
            .map_err(Query::at("settle sent transaction"))
            .map(drop)
        })
        .await
    }

    /// Transactions sent on `evm_chain_id` whose receipt was never recorded (after a crash or an RPC loss).
    pub async fn pending_sent(&self, evm_chain_id: u64) -> StoreResult<Vec<SentTx>> {
        Ok(self.sent_in_state(evm_chain_id, SentTxState::Pending, 0).await?.into_iter().map(|(s, _)| s).collect())
    }

    /// Transactions mined on `evm_chain_id` in block `from` or later, with that block: what a reorg from `from`
    /// may have taken off the chain.
    pub async fn mined_sent_since(&self, evm_chain_id: u64, from: u64) -> StoreResult<Vec<(SentTx, u64)>> {
        self.sent_in_state(evm_chain_id, SentTxState::Mined, from).await
    }

    async fn sent_in_state(
        &self,
        evm_chain_id: u64,
        state: SentTxState,
        from_block: u64,
    ) -> StoreResult<Vec<(SentTx, u64)>> {
        let (chain, from_block) = (int("chain id", evm_chain_id)?, int("block", from_block)?);
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT tx_hash, sender, nonce, purpose, request_ids, COALESCE(block, 0) FROM sent_txs
                     WHERE evm_chain_id = ?1 AND status = ?2 AND COALESCE(block, 0) >= ?3 ORDER BY nonce",
                )
                .map_err(Query::at("read sent"))?;
            let rows = stmt
                .query_map(params![chain, state.as_str(), from_block], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })
                .map_err(Query::at("read sent"))?;
            rows.map(|row| {
                let (hash, sender, nonce, purpose, ids, block) = row.map_err(Query::at("read sent"))?;
                let sent = SentTx {
                    tx_hash: parse_b256("tx_hash", &hash)?,
                    evm_chain_id,
                    sender: parse_address("sender", &sender)?,
                    nonce: parse_u64("nonce", nonce)?,
                    purpose,
                    request_ids: serde_json::from_str(&ids).map_err(|_| Query::corrupt("request_ids", ids))?,
                };
                Ok((sent, parse_u64("block", block)?))
            })
            .collect()
        })
        .await
    }

    /// The stored state of a sent transaction.
    pub async fn sent_state(&self, tx_hash: B256) -> StoreResult<Option<SentTxState>> {
        self.run(move |c| {
            let status: Option<String> = c
                .query_row("SELECT status FROM sent_txs WHERE tx_hash = ?1", [tx_hash.to_string()], |r| r.get(0))
                .optional()
                .map_err(Query::at("read sent transaction"))?;
            status
                .map(|s| match s.as_str() {
                    "pending" => Ok(SentTxState::Pending),
                    "mined" => Ok(SentTxState::Mined),
                    "failed" => Ok(SentTxState::Failed),
                    "dropped" => Ok(SentTxState::Dropped),
                    _ => Err(Query::corrupt("sent_txs.status", s)),
                })
                .transpose()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(status: RequestState) -> RequestRecord {
        RequestRecord {
            evm_chain_id: 31_337,
            proxy: Address::repeat_byte(1),
            request_id: 7,
            kind: "Hash".into(),
            requester: Address::repeat_byte(2),
            block: 5,
            broadcast: false,
            status,
            detail: None,
            answer_tx: None,
            seen_at: 1,
            signed_at: None,
            answered_at: None,
        }
    }

    #[tokio::test]
    async fn an_answer_is_not_overwritten_by_a_replay() {
        let store = Store::in_memory().await.expect("store");
        store.put_requests(vec![record(RequestState::Seen)]).await.expect("seen");
        let answered = RequestRecord {
            answer_tx: Some(B256::repeat_byte(9)),
            answered_at: Some(3),
            ..record(RequestState::Answered)
        };
        store.put_requests(vec![answered.clone()]).await.expect("answered");
        store.put_requests(vec![RequestRecord { seen_at: 8, ..record(RequestState::NotOpen) }]).await.expect("replay");
        let stored = store.request(31_337, Address::repeat_byte(1), 7).await.expect("read").expect("present");
        assert_eq!(stored, answered, "status, answer and first sighting kept");
        assert_eq!(store.recent_requests(31_337, Address::repeat_byte(1), 10).await.expect("recent"), vec![answered]);
    }

    #[tokio::test]
    async fn sent_transactions_stay_pending_until_settled() {
        let store = Store::in_memory().await.expect("store");
        let sent = SentTx {
            tx_hash: B256::repeat_byte(4),
            evm_chain_id: 1,
            sender: Address::repeat_byte(5),
            nonce: 3,
            purpose: "zrSignResBatch".into(),
            request_ids: vec![1, 2],
        };
        store.record_sent(sent.clone()).await.expect("record");
        assert_eq!(store.pending_sent(1).await.expect("pending"), vec![sent.clone()]);
        store.settle_sent(sent.tx_hash, SentTxState::Mined, Some(9), None).await.expect("settle");
        assert!(store.pending_sent(1).await.expect("pending").is_empty());
        assert_eq!(store.sent_state(sent.tx_hash).await.expect("state"), Some(SentTxState::Mined));
    }
}
