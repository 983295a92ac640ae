//! The relayer's records: one broadcast per answered request that asked for it, with the signed raw
//! transaction, its hash (known before it is sent), sender and nonce, and where it is.

use super::{Query, QueryResult, Store, StoreResult, int, now_ms, parse_address, parse_b256, parse_u64};
use alloy::primitives::{Address, B256, Bytes};
use rusqlite::{Row, Transaction, params};
use std::str::FromStr;

/// Where a broadcast is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayState {
    /// Assembled and verified; not (known to be) sent yet.
    Pending,
    /// Accepted by the destination's node; waiting to be mined.
    Sent,
    /// The sender cannot pay value + gas on the destination: retried with backoff until the give-up time.
    AwaitingFunds,
    /// The node refused the fee cap (below its minimum or the base fee): retried the same way.
    Underpriced,
    /// Pooled but not mineable at its signed fees (base fee above its fee cap); `needed_fee` says what a
    /// replacement needs. It may still be mined if the base fee falls.
    Stuck,
    /// The destination's RPC cannot be reached: retried for ever with capped backoff.
    Unreachable,
    /// The relayer has no RPC for the destination chain: reported, kept until one is configured.
    Unroutable,
    /// Mined, fewer confirmations than required so far.
    Mined,
    /// Mined with the required confirmations: done.
    Confirmed,
    /// Another request's transaction at the same sender and nonce was mined (a fee replacement): done.
    Replaced,
    /// Permanently failed; `error_class` and `last_error` say why.
    Failed,
}

impl RelayState {
    /// All states.
    pub const ALL: [Self; 11] = [
        Self::Pending,
        Self::Sent,
        Self::AwaitingFunds,
        Self::Underpriced,
        Self::Stuck,
        Self::Unreachable,
        Self::Unroutable,
        Self::Mined,
        Self::Confirmed,
        Self::Replaced,
        Self::Failed,
    ];

    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::AwaitingFunds => "awaiting_funds",
            Self::Underpriced => "underpriced",
            Self::Stuck => "stuck",
            Self::Unreachable => "unreachable",
            Self::Unroutable => "unroutable",
            Self::Mined => "mined",
            Self::Confirmed => "confirmed",
            Self::Replaced => "replaced",
            Self::Failed => "failed",
        }
    }

    /// Whether nothing more will happen to it.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Confirmed | Self::Replaced | Self::Failed)
    }

    /// Whether it ended (or may end) with its effect on the destination chain: mined, confirmed, or replaced.
    pub const fn is_success(self) -> bool {
        matches!(self, Self::Mined | Self::Confirmed | Self::Replaced)
    }
}

impl FromStr for RelayState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|state| state.as_str() == s).ok_or_else(|| s.to_owned())
    }
}

impl std::fmt::Display for RelayState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a broadcast failed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    /// Another transaction (not a known replacement) was mined at its nonce.
    Superseded,
    /// The sender stayed unable to pay until the give-up time.
    InsufficientFunds,
    /// The node kept refusing its fee cap until the give-up time.
    Underpriced,
    /// The node refused it as invalid (chain id, signature, gas limit, …).
    Invalid,
    /// The answer could not be assembled into a transaction from the request's key for its chain.
    Unassemblable,
}

impl FailureClass {
    /// The stored name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Superseded => "superseded",
            Self::InsufficientFunds => "insufficient_funds",
            Self::Underpriced => "underpriced",
            Self::Invalid => "invalid",
            Self::Unassemblable => "unassemblable",
        }
    }
}

/// One broadcast.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Broadcast {
    /// The source chain (where ZrSign is).
    pub evm_chain_id: u64,
    /// The deployment.
    pub proxy: Address,
    /// The request.
    pub request_id: u64,
    /// The destination chain (CAIP-2).
    pub dst_chain: String,
    /// Its EVM chain id.
    pub dst_evm_chain_id: u64,
    /// The signed transaction (EIP-2718).
    pub raw_tx: Bytes,
    /// Its hash.
    pub tx_hash: B256,
    /// The key that signed it.
    pub sender: Address,
    /// Its nonce.
    pub nonce: u64,
    /// Its fee cap per gas.
    pub max_fee_per_gas: u128,
    /// Where it is.
    pub status: RelayState,
    /// The class of the last error (a [`FailureClass`] name when failed, else the retry's cause).
    pub error_class: Option<String>,
    /// The last error.
    pub last_error: Option<String>,
    /// Sends attempted.
    pub attempts: u32,
    /// When the first send was attempted (unix ms).
    pub first_attempt_at: Option<i64>,
    /// When to act on it next (unix ms).
    pub next_attempt_at: i64,
    /// The block it was mined in.
    pub mined_block: Option<u64>,
    /// That block's hash (a reorg changes it).
    pub mined_block_hash: Option<B256>,
    /// Confirmations seen.
    pub confirmations: u64,
    /// The request whose transaction replaced this one.
    pub replaced_by: Option<u64>,
    /// The base fee a replacement's fee cap must exceed (when stuck).
    pub needed_fee: Option<u128>,
    /// The source block the answer was in.
    pub answered_block: u64,
    /// When it was first seen mined on the destination (unix ms).
    pub mined_at: Option<i64>,
    /// When the broadcast was recorded (unix ms).
    pub created_at: i64,
    /// When it last changed (unix ms).
    pub updated_at: i64,
}

impl Broadcast {
    fn params(&self) -> StoreResult<[i64; 6]> {
        Ok([
            int("chain id", self.evm_chain_id)?,
            int("request id", self.request_id)?,
            int("chain id", self.dst_evm_chain_id)?,
            int("nonce", self.nonce)?,
            int("block", self.answered_block)?,
            int("confirmations", self.confirmations)?,
        ])
    }
}

const COLUMNS: &str = "evm_chain_id, proxy, request_id, dst_chain, dst_evm_chain_id, raw_tx, tx_hash, sender, nonce,
    max_fee_per_gas, status, error_class, last_error, attempts, first_attempt_at, next_attempt_at, mined_block,
    mined_block_hash, confirmations, replaced_by, needed_fee, answered_block, created_at, updated_at, mined_at";

/// Inserts a new broadcast; a request that already has one keeps it (one broadcast per request, ever).
pub(crate) fn insert(tx: &Transaction<'_>, b: &Broadcast, now: i64) -> QueryResult<()> {
    let ints = b.params().map_err(|e| Query::corrupt("broadcast", e.to_string()))?;
    tx.execute(
        &format!(
            "INSERT OR IGNORE INTO broadcasts ({COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23, ?24)"
        ),
        params![
            ints[0],
            b.proxy.to_string(),
            ints[1],
            b.dst_chain,
            ints[2],
            b.raw_tx.to_vec(),
            b.tx_hash.to_string(),
            b.sender.to_string(),
            ints[3],
            b.max_fee_per_gas.to_string(),
            b.status.as_str(),
            b.error_class,
            b.last_error,
            b.attempts,
            b.first_attempt_at,
            b.next_attempt_at,
            b.mined_block.map(|n| n as i64),
            b.mined_block_hash.map(|h| h.to_string()),
            ints[5],
            b.replaced_by.map(|n| n as i64),
            b.needed_fee.map(|f| f.to_string()),
            ints[4],
            now,
            b.mined_at
        ],
    )
    .map_err(Query::at("insert broadcast"))
    .map(drop)
}

fn row(r: &Row<'_>) -> QueryResult<Broadcast> {
    let q = Query::at("read broadcast");
    let text = |i| -> QueryResult<String> { r.get(i).map_err(Query::at("read broadcast")) };
    let integer = |i| -> QueryResult<i64> { r.get(i).map_err(Query::at("read broadcast")) };
    let opt_int = |i| -> QueryResult<Option<i64>> { r.get(i).map_err(Query::at("read broadcast")) };
    let opt_text = |i| -> QueryResult<Option<String>> { r.get(i).map_err(Query::at("read broadcast")) };
    let u128_of = |column, s: String| s.parse::<u128>().map_err(|_| Query::corrupt(column, s));
    let status = text(10)?;
    Ok(Broadcast {
        evm_chain_id: parse_u64("evm_chain_id", integer(0)?)?,
        proxy: parse_address("proxy", &text(1)?)?,
        request_id: parse_u64("request_id", integer(2)?)?,
        dst_chain: text(3)?,
        dst_evm_chain_id: parse_u64("dst_evm_chain_id", integer(4)?)?,
        raw_tx: Bytes::from(r.get::<_, Vec<u8>>(5).map_err(q)?),
        tx_hash: parse_b256("tx_hash", &text(6)?)?,
        sender: parse_address("sender", &text(7)?)?,
        nonce: parse_u64("nonce", integer(8)?)?,
        max_fee_per_gas: u128_of("max_fee_per_gas", text(9)?)?,
        status: status.parse().map_err(|s: String| Query::corrupt("status", s))?,
        error_class: opt_text(11)?,
        last_error: opt_text(12)?,
        attempts: r.get(13).map_err(Query::at("read broadcast"))?,
        first_attempt_at: opt_int(14)?,
        next_attempt_at: integer(15)?,
        mined_block: opt_int(16)?.map(|n| parse_u64("mined_block", n)).transpose()?,
        mined_block_hash: opt_text(17)?.map(|h| parse_b256("mined_block_hash", &h)).transpose()?,
        confirmations: parse_u64("confirmations", integer(18)?)?,
        replaced_by: opt_int(19)?.map(|n| parse_u64("replaced_by", n)).transpose()?,
        needed_fee: opt_text(20)?.map(|f| u128_of("needed_fee", f)).transpose()?,
        answered_block: parse_u64("answered_block", integer(21)?)?,
        created_at: integer(22)?,
        updated_at: integer(23)?,
        mined_at: opt_int(24)?,
    })
}

fn collect(stmt: &mut rusqlite::Statement<'_>, params: impl rusqlite::Params) -> QueryResult<Vec<Broadcast>> {
    let mut rows = stmt.query(params).map_err(Query::at("read broadcasts"))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(Query::at("read broadcasts"))? {
        out.push(row(r)?);
    }
    Ok(out)
}

impl Store {
    /// A request's broadcast: its relay status.
    pub async fn broadcast(
        &self,
        evm_chain_id: u64,
        proxy: Address,
        request_id: u64,
    ) -> StoreResult<Option<Broadcast>> {
        let (chain, id) = (int("chain id", evm_chain_id)?, int("request id", request_id)?);
        self.run(move |c| {
            let sql =
                format!("SELECT {COLUMNS} FROM broadcasts WHERE evm_chain_id = ?1 AND proxy = ?2 AND request_id = ?3");
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read broadcast"))?;
            Ok(collect(&mut stmt, params![chain, proxy.to_string(), id])?.pop())
        })
        .await
    }

    /// Broadcasts to `dst_evm_chain_id` that are not terminal and due by `now` (unix ms), oldest first.
    pub async fn due_broadcasts(&self, dst_evm_chain_id: u64, now: i64, limit: u64) -> StoreResult<Vec<Broadcast>> {
        let (chain, limit) = (int("chain id", dst_evm_chain_id)?, int("limit", limit)?);
        self.run(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM broadcasts WHERE dst_evm_chain_id = ?1
                 AND status NOT IN ('confirmed', 'replaced', 'failed') AND next_attempt_at <= ?2
                 ORDER BY next_attempt_at, request_id LIMIT ?3"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read due broadcasts"))?;
            collect(&mut stmt, params![chain, now, limit])
        })
        .await
    }

    /// The earliest `next_attempt_at` of the non-terminal broadcasts to `dst_evm_chain_id`.
    pub async fn next_due(&self, dst_evm_chain_id: u64) -> StoreResult<Option<i64>> {
        let chain = int("chain id", dst_evm_chain_id)?;
        self.run(move |c| {
            c.query_row(
                "SELECT MIN(next_attempt_at) FROM broadcasts WHERE dst_evm_chain_id = ?1
                 AND status NOT IN ('confirmed', 'replaced', 'failed')",
                [chain],
                |r| r.get(0),
            )
            .map_err(Query::at("read next due"))
        })
        .await
    }

    /// The other broadcasts from `sender` at `nonce` on `dst_evm_chain_id` (fee replacements of each other).
    pub async fn broadcasts_at_nonce(
        &self,
        dst_evm_chain_id: u64,
        sender: Address,
        nonce: u64,
    ) -> StoreResult<Vec<Broadcast>> {
        let (chain, nonce) = (int("chain id", dst_evm_chain_id)?, int("nonce", nonce)?);
        self.run(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM broadcasts WHERE dst_evm_chain_id = ?1 AND sender = ?2 AND nonce = ?3 ORDER BY request_id"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read broadcasts at nonce"))?;
            collect(&mut stmt, params![chain, sender.to_string(), nonce])
        })
        .await
    }

    /// Every broadcast of a deployment, newest request first.
    pub async fn recent_broadcasts(
        &self,
        evm_chain_id: u64,
        proxy: Address,
        limit: u64,
    ) -> StoreResult<Vec<Broadcast>> {
        let (chain, limit) = (int("chain id", evm_chain_id)?, int("limit", limit)?);
        self.run(move |c| {
            let sql = format!(
                "SELECT {COLUMNS} FROM broadcasts WHERE evm_chain_id = ?1 AND proxy = ?2 ORDER BY request_id DESC LIMIT ?3"
            );
            let mut stmt = c.prepare_cached(&sql).map_err(Query::at("read broadcasts"))?;
            collect(&mut stmt, params![chain, proxy.to_string(), limit])
        })
        .await
    }

    /// Saves a broadcast's progress (its identity and transaction never change).
    pub async fn save_broadcast(&self, b: Broadcast) -> StoreResult<()> {
        let ints = b.params()?;
        let mined = b.mined_block.map(|n| int("block", n)).transpose()?;
        let replaced = b.replaced_by.map(|n| int("request id", n)).transpose()?;
        self.run(move |c| {
            c.execute(
                "UPDATE broadcasts SET status = ?4, error_class = ?5, last_error = ?6, attempts = ?7,
                   first_attempt_at = ?8, next_attempt_at = ?9, mined_block = ?10, mined_block_hash = ?11,
                   confirmations = ?12, replaced_by = ?13, needed_fee = ?14, updated_at = ?15, mined_at = ?16
                 WHERE evm_chain_id = ?1 AND proxy = ?2 AND request_id = ?3",
                params![
                    ints[0],
                    b.proxy.to_string(),
                    ints[1],
                    b.status.as_str(),
                    b.error_class,
                    b.last_error,
                    b.attempts,
                    b.first_attempt_at,
                    b.next_attempt_at,
                    mined,
                    b.mined_block_hash.map(|h| h.to_string()),
                    ints[5],
                    replaced,
                    b.needed_fee.map(|f| f.to_string()),
                    now_ms(),
                    b.mined_at
                ],
            )
            .map_err(Query::at("save broadcast"))
            .map(drop)
        })
        .await
    }

    /// How many broadcasts are in each state (for metrics).
    pub async fn relay_state_counts(&self) -> StoreResult<Vec<(RelayState, u64)>> {
        self.run(move |c| {
            let mut stmt = c
                .prepare_cached("SELECT status, COUNT(*) FROM broadcasts GROUP BY status")
                .map_err(Query::at("count"))?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(Query::at("count"))?;
            rows.map(|row| {
                let (status, n) = row.map_err(Query::at("count"))?;
                Ok((status.parse().map_err(|s: String| Query::corrupt("status", s))?, parse_u64("count", n)?))
            })
            .collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{RangeCommit, StreamId, follower::Effect};

    pub(crate) fn sample(request_id: u64, nonce: u64) -> Broadcast {
        Broadcast {
            evm_chain_id: 31_337,
            proxy: Address::repeat_byte(1),
            request_id,
            dst_chain: "eip155:31338".into(),
            dst_evm_chain_id: 31_338,
            raw_tx: Bytes::from(vec![1, 2, 3]),
            tx_hash: B256::repeat_byte(request_id as u8),
            sender: Address::repeat_byte(2),
            nonce,
            max_fee_per_gas: u128::MAX,
            status: RelayState::Pending,
            error_class: None,
            last_error: None,
            attempts: 0,
            first_attempt_at: None,
            next_attempt_at: 0,
            mined_block: None,
            mined_block_hash: None,
            confirmations: 0,
            replaced_by: None,
            needed_fee: None,
            answered_block: 4,
            created_at: 0,
            updated_at: 0,
            mined_at: None,
        }
    }

    #[tokio::test]
    async fn one_broadcast_per_request_and_progress_is_saved() {
        let store = Store::in_memory().await.expect("store");
        let stream = StreamId { service: "relayer", evm_chain_id: 31_337, address: Address::repeat_byte(1) };
        store.init_position(&stream, 1).await.expect("init");
        let first = sample(5, 0);
        let twin = Broadcast { raw_tx: Bytes::from(vec![9]), ..sample(5, 0) };
        for b in [first.clone(), twin] {
            let commit =
                RangeCommit { next_block: 9, effects: vec![Effect::Broadcast(Box::new(b))], ..Default::default() };
            store.commit_range(&stream, commit).await.expect("commit");
        }
        let stored = store.broadcast(31_337, first.proxy, 5).await.expect("read").expect("present");
        assert_eq!(stored.raw_tx, first.raw_tx, "a duplicate event never replaces the first broadcast");
        assert_eq!(store.due_broadcasts(31_338, 0, 10).await.expect("due").len(), 1);

        let mined = Broadcast {
            status: RelayState::Confirmed,
            attempts: 1,
            mined_block: Some(3),
            mined_block_hash: Some(B256::repeat_byte(7)),
            confirmations: 2,
            ..stored
        };
        store.save_broadcast(mined.clone()).await.expect("save");
        let reread = store.broadcast(31_337, first.proxy, 5).await.expect("read").expect("present");
        assert_eq!((reread.status, reread.mined_block, reread.confirmations), (RelayState::Confirmed, Some(3), 2));
        assert!(store.due_broadcasts(31_338, i64::MAX, 10).await.expect("due").is_empty(), "terminal");
        assert_eq!(store.broadcasts_at_nonce(31_338, first.sender, 0).await.expect("nonce").len(), 1);
        assert_eq!(store.relay_state_counts().await.expect("counts"), vec![(RelayState::Confirmed, 1)]);
    }
}
