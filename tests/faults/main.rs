//! Fault tests: the services on anvil chains this test starts, through faults — a responder process killed
//! between sending a batch and committing it, a source reorg, RPC loss, a destination down, a burst of mixed
//! and bad requests, a wedged destination. Each test is bounded by deadlines (no sleeps to synchronise),
//! prints one `fault …` line with what it saw, and ends with the on-chain audit: every request settled at most
//! once (answer events counted per request id), none lost, and ether conserved on the contract.
//!
//! The long burst (5,000 requests from 50 users) is `#[ignore]`d: `cargo test --release --test faults -- --ignored`.

#[path = "../common/mod.rs"]
mod common;

mod burst;
mod destination;
mod killed;
mod proxy;
mod reorg;
mod rpc_loss;

use alloy::primitives::{Address, U256};
use common::net::{DEADLINE, Net, fast_retry};
use std::{collections::BTreeMap, future::Future, sync::Arc, time::Duration};
use tokio_util::sync::CancellationToken;
use zrsign::{
    bindings::IZrSign,
    chain::{ChainRead, ChainSubmit, LogFilter, RpcChain},
    protocol::events::{self, ZrEvent},
    responder::{Responder, ResponderConfig},
    signer::Signer,
    store::Store,
};

/// What the chain says happened to every request since `from`.
#[derive(Debug, Default)]
pub struct Audit {
    /// Request ids emitted (on the canonical chain).
    pub requested: Vec<U256>,
    /// Settlement events per request id: key/sign answers, rejections, reclaims.
    pub settled: BTreeMap<U256, Vec<&'static str>>,
    /// Contract balance, and escrow + claimable + protocol fees.
    pub balance: U256,
    pub accounted: U256,
    pub escrow: U256,
}

impl Audit {
    pub async fn read(chain: &RpcChain, proxy: Address, from: u64) -> Self {
        let to = chain.block_number().await.expect("head");
        let logs = chain.logs(&LogFilter { address: proxy, from, to, topics: Default::default() }).await.expect("logs");
        let mut audit = Audit::default();
        for log in logs {
            let Ok(Some(event)) = events::decode(&log.log) else { continue };
            let what = match &event {
                ZrEvent::Requested(r) => {
                    audit.requested.push(r.id);
                    continue;
                }
                ZrEvent::KeyResponded { .. } => "key",
                ZrEvent::SignResponded { .. } => "signature",
                ZrEvent::Rejected { .. } => "rejected",
                ZrEvent::Reclaimed { .. } => "reclaimed",
            };
            audit.settled.entry(event.request_id()).or_default().push(what);
        }
        audit.balance = chain.balance(proxy).await.expect("balance");
        audit.escrow = chain.view(proxy, IZrSign::totalEscrowCall {}).await.expect("totalEscrow");
        let claimable = chain.view(proxy, IZrSign::totalClaimableCall {}).await.expect("totalClaimable");
        let fees = chain.view(proxy, IZrSign::protocolFeesCall {}).await.expect("protocolFees");
        audit.accounted = audit.escrow + claimable + fees;
        audit
    }

    /// Settlement events counted: (answered, rejected, reclaimed, duplicates, open).
    pub fn counts(&self) -> (usize, usize, usize, usize, usize) {
        let of = |w: &str| self.settled.values().filter(|v| v.first() == Some(&w)).count();
        let duplicates = self.settled.values().filter(|v| v.len() > 1).count();
        let open = self.requested.iter().filter(|id| !self.settled.contains_key(id)).count();
        (of("key") + of("signature"), of("rejected"), of("reclaimed"), duplicates, open)
    }

    /// No request settled twice, none open, every settled one was requested, and ether conserved.
    pub fn assert_exactly_once(&self) {
        let (_, _, _, duplicates, open) = self.counts();
        assert_eq!(
            duplicates,
            0,
            "answered twice: {:?}",
            self.settled.iter().filter(|(_, v)| v.len() > 1).collect::<Vec<_>>()
        );
        let unanswered: Vec<_> = self.requested.iter().filter(|id| !self.settled.contains_key(id)).collect();
        assert_eq!(open, 0, "lost (never settled): {unanswered:?}");
        let requested: std::collections::BTreeSet<_> = self.requested.iter().collect();
        let strays: Vec<_> = self.settled.keys().filter(|id| !requested.contains(id)).collect();
        assert!(strays.is_empty(), "settled but not requested on this chain: {strays:?}");
        assert_eq!(self.balance, self.accounted, "ether conservation: balance == escrow + claimable + fees");
        assert_eq!(self.escrow, U256::ZERO, "no escrow left open");
    }
}

/// Waits until `check` returns `Some` (polled every 20 ms), failing after `deadline`.
pub async fn within<T, F, Fut>(what: &str, deadline: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let end = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < end, "timed out after {deadline:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until the chain holds at least `expected` requests since `from` and every one is settled.
pub async fn all_settled(chain: &RpcChain, proxy: Address, from: u64, expected: usize, deadline: Duration) -> Audit {
    within(&format!("{expected} requests settled"), deadline, || async {
        let audit = Audit::read(chain, proxy, from).await;
        (audit.requested.len() >= expected && audit.counts().4 == 0).then_some(audit)
    })
    .await
}

/// A responder running in the background until its token is cancelled.
pub struct Running {
    pub stop: CancellationToken,
    pub task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn stop(self) {
        self.stop.cancel();
        tokio::time::timeout(DEADLINE, self.task).await.expect("service stops").expect("service task");
    }
}

/// A responder of `net`'s deployment on `chain` (e.g. through a proxy) and `store`, polling every 20 ms.
pub async fn spawn_responder<S: Signer + 'static>(
    net: &Net,
    chain: Arc<RpcChain>,
    signer: Arc<S>,
    store: Store,
) -> Running {
    let mut config = ResponderConfig { retry: fast_retry(), ..Default::default() };
    config.follower.retry = fast_retry();
    let mpc = chain.accounts()[1];
    let mut responder =
        Responder::new(chain, signer, store, net.proxy, mpc, net.start_block, config).await.expect("responder");
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move { responder.run(Duration::from_millis(20), token.cancelled_owned()).await });
    Running { stop, task }
}

/// The deployment's source chain with every dev key, connected to `url` (a node or a proxy in front of it).
pub async fn connect(net: &Net, url: &str) -> Arc<RpcChain> {
    Arc::new(RpcChain::connect(url, net.source_node.keys()).await.expect("connect"))
}

/// A fresh store in `net`'s temporary directory.
pub async fn fresh_store(net: &Net, name: &str) -> Store {
    Store::open(&net.dir.path().join(name)).await.expect("store")
}

/// `net.user`'s key `index`, requested and answered by whichever responder is running.
pub async fn answered_key(net: &Net, from: u64, expected: usize) -> common::net::Key {
    let requested = net.client().send_key_request(net.user, net.wallet_type, 1, None).await.expect("key request");
    all_settled(&net.source, net.proxy, from, expected, DEADLINE).await;
    let index = requested.request.walletIndex;
    let path = zrsign::protocol::KeyPath {
        evm_chain_id: common::net::SOURCE,
        proxy: net.proxy,
        owner: net.user,
        wallet_type_id: net.wallet_type,
        index,
    };
    let secret = net.root.child(&path);
    common::net::Key { index, address: secret.public().expect("key").address(), secret }
}

/// A relayer of `net`'s deployment reading the source through `source` and broadcasting to `destination` (whose
/// RPC is `url`), on `store`, running in the background.
pub async fn spawn_relayer(
    net: &Net,
    source: Arc<RpcChain>,
    destination: Arc<RpcChain>,
    url: &str,
    store: Store,
    config: zrsign::relayer::RelayerConfig,
) -> Running {
    let route = zrsign::relayer::Destination {
        chain: zrsign::protocol::Caip2::eip155(common::net::DESTINATION),
        rpc_url: url.to_owned(),
        confirmations: 1,
    };
    let mut relayer =
        zrsign::relayer::Relayer::new(source, vec![(route, destination)], store, net.proxy, net.start_block, config)
            .await
            .expect("relayer");
    let stop = CancellationToken::new();
    let token = stop.clone();
    let task = tokio::spawn(async move { relayer.run(token).await });
    Running { stop, task }
}

/// A signed-transaction request with broadcast: a transfer of `value` from `key` on the destination.
pub async fn request_transfer(
    net: &Net,
    key: &common::net::Key,
    nonce: u64,
    to: Address,
    value: U256,
    fee: u128,
) -> U256 {
    use alloy::consensus::SignableTransaction;
    let tx = common::net::transfer(nonce, to, value, fee);
    let params = IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: key.index,
        dstChainId: zrsign::protocol::Caip2::eip155(common::net::DESTINATION).key(),
        payload: tx.encoded_for_signing().into(),
        broadcast: true,
    };
    net.client().send_sign_request(IZrSign::RequestKind::Tx, params, None).await.expect("sign tx request").id
}
