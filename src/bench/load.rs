//! The load generator: sign-hash requests from many users, pre-signed with locally managed nonces, sent in
//! JSON-RPC batches at an offered rate with a cap on those in flight (sent, not yet mined); and a watcher
//! that reads every new block's receipts once, timing when each request is mined and when its answer is.
//!
//! It is separate from the responder (another task, its own HTTP connection, no shared state), so the
//! figures are the system's and not the sender's: the sender does no per-request RPC but its send.

use super::{BenchError, net::BenchNet};
use crate::{
    bindings::IZrSign::{self, RequestKind, ZrSignParams},
    chain::{ChainRead, RpcChain},
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    sol_types::{SolCall, SolEvent},
};
use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// Most transactions in one JSON-RPC send batch.
const SEND_BATCH: usize = 200;
/// How often the sender and the watcher look again (the watcher reads the head; the sender sends what is
/// due). Short against the block time; each look is one small RPC.
const TICK: Duration = Duration::from_millis(2);
/// Gas limit sent, as a percentage of the first request's estimate.
const GAS_MARGIN_PCT: u64 = 125;
/// Fee cap of the pre-signed transactions (far above anvil's base fee, which falls on a lightly used chain).
const MAX_FEE_PER_GAS: u128 = 50_000_000_000;
/// Priority fee of the pre-signed transactions.
const PRIORITY_FEE_PER_GAS: u128 = 1_000_000;

/// One run's shape.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadPlan {
    /// Requests sent.
    pub requests: usize,
    /// Offered rate, requests per second (`None`: as fast as the cap allows).
    pub rate: Option<f64>,
    /// Most requests sent and not yet mined.
    pub max_in_flight: usize,
    /// Wait for every answer (a run with the responder) or only for every request to be mined (the ceiling).
    pub answers: bool,
    /// The longest the run may take.
    pub timeout: Duration,
}

/// Pre-signed request transactions, interleaved across users (each user's in nonce order).
pub struct Presigned {
    /// Encoded transactions.
    pub raw: Vec<Bytes>,
    /// Their hashes.
    pub hashes: Vec<B256>,
}

/// Builds `count` sign-hash requests spread over the net's users (who hold key 0), signed locally with the
/// nonces that follow each user's current one.
pub async fn presign(net: &BenchNet, count: usize, salt: u64) -> Result<Presigned, BenchError> {
    let chain = net.chain.as_ref();
    let dst = crate::protocol::chain_key(&crate::protocol::Caip2::eip155(chain.evm_chain_id()).to_string());
    let params = |i: usize| ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: U256::ZERO,
        dstChainId: dst,
        payload: keccak256([salt.to_be_bytes(), (i as u64).to_be_bytes()].concat()).to_vec().into(),
        broadcast: false,
    };
    presign_with(net, count, RequestKind::Hash, &|i| IZrSign::zrSignHashCall { params: params(i) }.abi_encode()).await
}

/// What the relay run sends: sign-tx requests with broadcast, and each one's transfer recipient on the
/// destination chain (one per request: the destination's receipts name it).
pub struct RelayRequests {
    /// The request transactions (source chain).
    pub txs: Presigned,
    /// The recipient of each one's transfer, in the same order.
    pub recipients: Vec<Address>,
}

/// Value of each relayed transfer (1 gwei).
const RELAY_VALUE: u128 = 1_000_000_000;

/// Builds `count` `zrSignTx` requests with `broadcast`, spread over the net's users as [`presign`] does; each
/// one's unsigned transaction is an EIP-1559 transfer on the destination chain from the user's key 0 (funded
/// there by [`BenchNet::fund_destination_keys`]) to an address of its own, with the key's next nonce there
/// (the keys have sent nothing on the destination).
pub async fn presign_relays(net: &BenchNet, count: usize, salt: u64) -> Result<RelayRequests, BenchError> {
    use crate::devnet::DESTINATION_CHAIN_ID;
    let users = net.users.len().max(1);
    let recipients: Vec<Address> = (0..count)
        .map(|i| Address::from_word(keccak256([b"relay".as_slice(), &salt.to_be_bytes(), &i.to_be_bytes()].concat())))
        .collect();
    let dst = crate::protocol::Caip2::eip155(DESTINATION_CHAIN_ID).key();
    let input = |i: usize| {
        let transfer = TxEip1559 {
            chain_id: DESTINATION_CHAIN_ID,
            nonce: (i / users) as u64,
            gas_limit: 21_000,
            max_fee_per_gas: MAX_FEE_PER_GAS,
            max_priority_fee_per_gas: PRIORITY_FEE_PER_GAS,
            to: TxKind::Call(recipients[i]),
            value: U256::from(RELAY_VALUE),
            ..Default::default()
        };
        let params = ZrSignParams {
            walletTypeId: net.wallet_type,
            walletIndex: U256::ZERO,
            dstChainId: dst,
            payload: transfer.encoded_for_signing().into(),
            broadcast: true,
        };
        IZrSign::zrSignTxCall { params }.abi_encode()
    };
    let txs = presign_with(net, count, RequestKind::Tx, &input).await?;
    Ok(RelayRequests { txs, recipients })
}

/// `count` request transactions of `kind` with calldata `input(i)`, the fee quoted twice as value (the gas
/// part follows the base fee, and the excess is credited back to the user), round robin over the users.
async fn presign_with(
    net: &BenchNet,
    count: usize,
    kind: RequestKind,
    input: &(dyn Fn(usize) -> Vec<u8> + Sync),
) -> Result<Presigned, BenchError> {
    let chain = net.chain.as_ref();
    let fee: U256 = chain.view(net.proxy, IZrSign::signFeeCall { walletTypeId: net.wallet_type, kind }).await?;
    let value = fee * U256::from(2);
    let first = net.users.first().ok_or_else(|| BenchError::Incomplete("no users".into()))?;
    let probe = crate::chain::Call {
        from: first.address(),
        to: Some(net.proxy),
        value,
        input: Bytes::from(input(0)),
        gas_limit: None,
    };
    let gas_limit = chain.estimate_gas(&probe).await? * GAS_MARGIN_PCT / 100;
    let mut nonces = Vec::with_capacity(net.users.len());
    for user in &net.users {
        nonces.push(chain.nonce(user.address()).await?);
    }
    let (mut raw, mut hashes) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for i in 0..count {
        let u = i % net.users.len();
        let mut tx = TxEip1559 {
            chain_id: chain.evm_chain_id(),
            nonce: nonces[u],
            gas_limit,
            max_fee_per_gas: MAX_FEE_PER_GAS,
            max_priority_fee_per_gas: PRIORITY_FEE_PER_GAS,
            to: TxKind::Call(net.proxy),
            value,
            access_list: Default::default(),
            input: input(i).into(),
        };
        nonces[u] += 1;
        let signature = net.users[u]
            .sign_transaction_sync(&mut tx)
            .map_err(|e| BenchError::Incomplete(format!("sign request transaction: {e}")))?;
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        hashes.push(*envelope.tx_hash());
        raw.push(envelope.encoded_2718().into());
    }
    Ok(Presigned { raw, hashes })
}

/// One request's timeline, as offsets from the run's start.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Sample {
    /// The request id (once mined).
    pub id: Option<u64>,
    /// When it was sent.
    pub sent: Option<Duration>,
    /// When the watcher saw its block.
    pub mined: Option<Duration>,
    /// Its block.
    pub block: Option<u64>,
    /// Wall clock (ms since the epoch) when the watcher saw its block.
    pub mined_at_ms: Option<i64>,
    /// When the watcher saw the block with its answer.
    pub answered: Option<Duration>,
    /// The answer's block.
    pub answer_block: Option<u64>,
    /// When the watcher of the destination chain saw the block with its relayed transfer (relay runs).
    #[serde(default)]
    pub relayed: Option<Duration>,
    /// That destination block.
    #[serde(default)]
    pub relay_block: Option<u64>,
    /// Why it failed (send refused, reverted, its relayed transfer reverted).
    pub error: Option<String>,
}

/// What a run measured.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct LoadOutcome {
    /// The plan.
    pub plan: LoadPlan,
    /// Every request, in send order.
    pub samples: Vec<Sample>,
    /// Wall clock (ms since the epoch) at the start.
    pub started_at_ms: i64,
    /// Blocks the run spanned.
    pub blocks: u64,
    /// Destination blocks the run spanned (relay runs).
    #[serde(default)]
    pub destination_blocks: u64,
}

/// The destination chain of a relay run, and the recipient of each request's transfer (in send order).
pub struct Relays<'a> {
    /// The destination chain.
    pub chain: &'a RpcChain,
    /// Each request's transfer recipient.
    pub recipients: &'a [Address],
}

#[derive(Default)]
struct Shared {
    samples: Vec<Sample>,
    by_hash: HashMap<B256, usize>,
    by_id: HashMap<u64, usize>,
    by_recipient: HashMap<Address, usize>,
    mined: usize,
    answered: usize,
    relayed: usize,
    failed: usize,
}

impl Shared {
    /// Requests settled as the plan asks: mined; answered; or answered and relayed.
    fn settled(&self, plan: &LoadPlan, relays: bool) -> usize {
        if relays {
            self.relayed.min(self.answered)
        } else if plan.answers {
            self.answered
        } else {
            self.mined
        }
    }

    /// Every request settled as the plan asks, or failed.
    fn finished(&self, plan: &LoadPlan, relays: bool) -> bool {
        self.settled(plan, relays) + self.failed >= self.samples.len()
    }
}

/// Sends `txs` as `plan` says and watches until every request is mined (and answered, if asked; and its
/// transfer mined on the destination chain, with `relays`) or the plan's timeout. `progress` is told how many
/// are done.
pub async fn run(
    chain: &RpcChain,
    txs: Presigned,
    plan: &LoadPlan,
    relays: Option<Relays<'_>>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<LoadOutcome, BenchError> {
    let count = txs.raw.len();
    let relaying = relays.is_some();
    let shared = Arc::new(Mutex::new(Shared {
        samples: vec![Sample::default(); count],
        by_hash: txs.hashes.iter().enumerate().map(|(i, h)| (*h, i)).collect(),
        by_recipient: relays
            .as_ref()
            .map_or_else(HashMap::new, |r| r.recipients.iter().enumerate().map(|(i, a)| (*a, i)).collect()),
        ..Default::default()
    }));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let started_at_ms = crate::store::now_ms();
    let deadline = started + plan.timeout;
    let first_block = chain.block_number().await?;
    // The sender has its own HTTP client: its batches never queue behind the watcher's reads.
    let sender_chain = RpcChain::connect(chain.url(), Vec::new()).await?;

    let send = async {
        let mut next = 0usize;
        while next < count && Instant::now() < deadline {
            let elapsed = started.elapsed().as_secs_f64();
            let offered = plan.rate.map_or(count, |r| ((r * elapsed).floor() as usize).min(count));
            let in_flight = {
                let s = lock(&shared);
                next - s.mined - s.failed
            };
            let room = plan.max_in_flight.saturating_sub(in_flight);
            let due = offered.saturating_sub(next).min(room).min(SEND_BATCH);
            if due == 0 {
                tokio::time::sleep(TICK).await;
                continue;
            }
            let batch = &txs.raw[next..next + due];
            let sent_at = started.elapsed();
            let results = send_batch(&sender_chain, batch).await;
            let mut s = lock(&shared);
            for (k, result) in results.into_iter().enumerate() {
                let sample = &mut s.samples[next + k];
                sample.sent = Some(sent_at);
                if let Err(e) = result {
                    sample.error = Some(e);
                    s.failed += 1;
                }
            }
            next += due;
        }
    };

    let finished = || lock(&shared).finished(plan, relaying);
    let watch = follow(chain, first_block, started, deadline, &finished, |number, receipts, seen, seen_ms| {
        let mut s = lock(&shared);
        for receipt in receipts {
            absorb(&mut s, receipt, number, seen, seen_ms);
        }
        let settled = s.settled(plan, relaying);
        done.store(settled, Ordering::Relaxed);
        progress(settled);
    });
    let watch_destination = async {
        let Some(relays) = &relays else { return Ok((0, 0)) };
        let first = relays.chain.block_number().await?;
        let last = follow(relays.chain, first, started, deadline, &finished, |number, receipts, seen, _| {
            let mut s = lock(&shared);
            for receipt in receipts {
                absorb_relay(&mut s, receipt, number, seen);
            }
        })
        .await?;
        Ok::<_, BenchError>((first, last))
    };

    let ((), last, destination) = tokio::join!(send, watch, watch_destination);
    let last = last?;
    let (first_destination, last_destination) = destination?;
    let shared = lock(&shared);
    if !shared.finished(plan, relaying) {
        return Err(BenchError::Incomplete(format!(
            "after {:?}: {} of {count} requests mined, {} answered, {} relayed, {} failed",
            plan.timeout, shared.mined, shared.answered, shared.relayed, shared.failed
        )));
    }
    Ok(LoadOutcome {
        plan: plan.clone(),
        samples: shared.samples.clone(),
        started_at_ms,
        blocks: last - first_block,
        destination_blocks: last_destination - first_destination,
    })
}

/// Reads every block of `chain` after `last` once, as it is mined, handing `on_block` its number, receipts and
/// when it was seen (since `started`, and wall clock ms), until `finished` or `deadline`; returns the last
/// block read.
async fn follow(
    chain: &RpcChain,
    mut last: u64,
    started: Instant,
    deadline: Instant,
    finished: &(dyn Fn() -> bool + Sync),
    mut on_block: impl FnMut(u64, &[TransactionReceipt], Duration, i64),
) -> Result<u64, BenchError> {
    loop {
        if finished() || Instant::now() >= deadline {
            return Ok(last);
        }
        let head = chain.block_number().await?;
        if head == last {
            tokio::time::sleep(TICK).await;
            continue;
        }
        for number in last + 1..=head {
            let receipts: Option<Vec<TransactionReceipt>> = chain
                .provider()
                .raw_request("eth_getBlockReceipts".into(), (format!("0x{number:x}"),))
                .await
                .map_err(|e| crate::chain::ChainError::from_rpc("eth_getBlockReceipts", e))?;
            on_block(number, &receipts.unwrap_or_default(), started.elapsed(), crate::store::now_ms());
        }
        last = head;
    }
}

fn lock(shared: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    // A panic elsewhere cannot leave the counters half-updated in a way that matters to a benchmark.
    shared.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Records what one receipt says: one of our requests mined (with its id), or answers to them.
fn absorb(s: &mut Shared, receipt: &TransactionReceipt, block: u64, seen: Duration, seen_ms: i64) {
    if let Some(&i) = s.by_hash.get(&receipt.transaction_hash) {
        if !receipt.status() {
            s.samples[i].error = Some(format!("reverted in block {block}"));
            s.failed += 1;
            return;
        }
        let id = receipt.inner.logs().iter().find_map(|l| {
            IZrSign::ZrSignRequested::decode_log(&l.inner).ok().map(|e| e.requestId.saturating_to::<u64>())
        });
        let sample = &mut s.samples[i];
        sample.mined = Some(seen);
        sample.block = Some(block);
        sample.mined_at_ms = Some(seen_ms);
        sample.id = id;
        s.mined += 1;
        if let Some(id) = id {
            s.by_id.insert(id, i);
        }
        return;
    }
    for log in receipt.inner.logs() {
        if log.inner.topics().first() != Some(&IZrSign::ZrSignResponded::SIGNATURE_HASH) {
            continue;
        }
        let Some(id) = log.inner.topics().get(1).map(|t| U256::from_be_bytes(t.0).saturating_to::<u64>()) else {
            continue;
        };
        if let Some(&i) = s.by_id.get(&id)
            && s.samples[i].answered.is_none()
        {
            s.samples[i].answered = Some(seen);
            s.samples[i].answer_block = Some(block);
            s.answered += 1;
        }
    }
}

/// Records what one destination receipt says: a relayed transfer to one of the run's recipients mined (after
/// its request's answer: the relayer sends only answered requests' transactions).
fn absorb_relay(s: &mut Shared, receipt: &TransactionReceipt, block: u64, seen: Duration) {
    let Some(&i) = receipt.to.as_ref().and_then(|to| s.by_recipient.get(to)) else { return };
    if s.samples[i].relayed.is_some() || s.samples[i].error.is_some() {
        return;
    }
    if !receipt.status() {
        s.samples[i].error = Some(format!("relayed transfer reverted in destination block {block}"));
        s.failed += 1;
        return;
    }
    s.samples[i].relayed = Some(seen);
    s.samples[i].relay_block = Some(block);
    s.relayed += 1;
}

/// Sends raw transactions in one JSON-RPC batch; one result per transaction.
async fn send_batch(chain: &RpcChain, raw: &[Bytes]) -> Vec<Result<(), String>> {
    let mut batch = alloy::rpc::client::BatchRequest::new(chain.provider().client());
    let mut waiters = Vec::with_capacity(raw.len());
    for tx in raw {
        match batch.add_call::<_, B256>("eth_sendRawTransaction", &(tx,)) {
            Ok(w) => waiters.push(Ok(w)),
            Err(e) => waiters.push(Err(e.to_string())),
        }
    }
    if let Err(e) = batch.send().await {
        return vec![Err(format!("send batch: {e}")); raw.len()];
    }
    let mut out = Vec::with_capacity(raw.len());
    for w in waiters {
        out.push(match w {
            Ok(w) => w.await.map(drop).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        });
    }
    out
}

impl LoadOutcome {
    /// Requests that ended well (mined, and answered when the run waited for answers).
    pub fn fulfilled(&self) -> usize {
        self.samples.iter().filter(|s| if self.plan.answers { s.answered.is_some() } else { s.mined.is_some() }).count()
    }

    /// Fulfilled per second, from the first request sent to the last one fulfilled (the same window for a
    /// run with the responder and for its ceiling).
    pub fn throughput(&self) -> f64 {
        let first = self.samples.iter().filter_map(|s| s.sent).min();
        let last = self.samples.iter().filter_map(|s| if self.plan.answers { s.answered } else { s.mined }).max();
        match (first, last) {
            (Some(a), Some(b)) if b > a => self.fulfilled() as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }

    /// Request mined → answer mined, per answered request.
    pub fn latencies(&self) -> Vec<Duration> {
        self.samples.iter().filter_map(|s| Some(s.answered? - s.mined?)).collect()
    }

    /// Requests whose transfer was mined on the destination chain.
    pub fn relayed(&self) -> usize {
        self.samples.iter().filter(|s| s.relayed.is_some()).count()
    }

    /// Transfers mined on the destination per second, from the first answer mined to the last transfer mined.
    pub fn relay_throughput(&self) -> f64 {
        let first = self.samples.iter().filter_map(|s| s.answered).min();
        let last = self.samples.iter().filter_map(|s| s.relayed).max();
        match (first, last) {
            (Some(a), Some(b)) if b > a => self.relayed() as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }

    /// Answer mined → transfer mined on the destination, per relayed request (both as the watchers saw the
    /// blocks).
    pub fn relay_latencies(&self) -> Vec<Duration> {
        self.samples.iter().filter_map(|s| s.relayed?.checked_sub(s.answered?)).collect()
    }

    /// Request mined → transfer mined on the destination, per relayed request.
    pub fn relay_stage(&self) -> Vec<Duration> {
        self.samples.iter().filter_map(|s| s.relayed?.checked_sub(s.mined?)).collect()
    }

    /// Requests fulfilled in each whole second since the start.
    pub fn per_second(&self) -> Vec<usize> {
        let mut buckets: Vec<usize> = Vec::new();
        for s in &self.samples {
            let at = if self.plan.answers { s.answered } else { s.mined };
            if let Some(at) = at {
                let i = at.as_secs() as usize;
                if buckets.len() <= i {
                    buckets.resize(i + 1, 0);
                }
                buckets[i] += 1;
            }
        }
        buckets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(requests: usize) -> LoadPlan {
        LoadPlan { requests, rate: None, max_in_flight: 10, answers: true, timeout: Duration::from_secs(1) }
    }

    fn at(ms: u64) -> Option<Duration> {
        Some(Duration::from_millis(ms))
    }

    #[test]
    fn relay_run_finishes_only_when_every_request_is_answered_and_relayed() {
        let mut s = Shared { samples: vec![Sample::default(); 2], ..Default::default() };
        let plan = plan(2);
        s.answered = 2;
        s.relayed = 1;
        assert!(!s.finished(&plan, true), "one transfer still to be mined");
        assert!(s.finished(&plan, false), "without relays, answers are enough");
        s.relayed = 2;
        s.answered = 1;
        assert!(!s.finished(&plan, true), "a transfer seen before its answer's block is not the end");
        s.failed = 1;
        assert!(s.finished(&plan, true), "a failed request settles");
    }

    #[test]
    fn relay_figures_run_from_the_answer_to_the_transfer() {
        let sample = |mined, answered, relayed| Sample {
            mined: at(mined),
            answered: at(answered),
            relayed,
            ..Default::default()
        };
        let outcome = LoadOutcome {
            plan: plan(3),
            samples: vec![sample(0, 500, at(1_000)), sample(0, 1_000, at(2_000)), sample(500, 1_000, None)],
            started_at_ms: 0,
            blocks: 4,
            destination_blocks: 4,
        };
        assert_eq!(outcome.relayed(), 2);
        assert_eq!(outcome.relay_latencies(), [Duration::from_millis(500), Duration::from_millis(1_000)]);
        assert_eq!(outcome.relay_stage(), [Duration::from_millis(1_000), Duration::from_millis(2_000)]);
        // Two transfers between the first answer (0.5 s) and the last transfer (2 s).
        assert!((outcome.relay_throughput() - 2.0 / 1.5).abs() < 1e-9, "{}", outcome.relay_throughput());
    }
}
