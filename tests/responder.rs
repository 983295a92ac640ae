//! The mock MPC responder on revm: batches, the persisted cursor across restarts, requests seen
//! twice, rejections with a reason code, and RPC errors retried with backoff.

mod common;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use std::{
    collections::BTreeMap,
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
};
use zrsign::{
    backend::{Backend, BackendError, Call, ChainLog, Receipt, RevmBackend},
    bindings::IZrSign::{self, RequestKind, RequestStatus},
    client::Client,
    deploy::{self, Roles, Setup},
    mpc::{
        RejectReason,
        cursor::Cursor,
        keys::RootSecret,
        responder::{Responder, ResponderConfig},
    },
};

struct Net {
    chain: Arc<RevmBackend>,
    proxy: Address,
    wallet_type: B256,
    admin: Address,
    mpc: Address,
    user: Address,
    root: RootSecret,
    start: u64,
}

async fn net() -> Net {
    let chain = Arc::new(RevmBackend::new(31_337, 4));
    let accounts = chain.accounts();
    let (admin, mpc, user) = (accounts[0], accounts[1], accounts[2]);
    let deployment =
        deploy::deploy(chain.as_ref(), common::artifacts(), Roles { admin, mpc, fee: admin, pauser: admin })
            .await
            .expect("deploy");
    let root = RootSecret::from_seed("responder tests").expect("root");
    let setup = Setup {
        root_public_key: root.public().xy(),
        mpc_fee: 1_000,
        evm_chains: vec![("eip155:31337".into(), 31_337)],
    };
    let wallet_type = deploy::configure(chain.as_ref(), deployment.proxy, admin, &setup).await.expect("configure");
    let start = chain.block_number().await.expect("block");
    Net { chain, proxy: deployment.proxy, wallet_type, admin, mpc, user, root, start }
}

fn responder<B: Backend>(net: &Net, backend: Arc<B>, cursor: Option<&Path>, batch_size: usize) -> Responder<B> {
    let cursor = Cursor::open(cursor, 31_337, net.proxy, net.start).expect("cursor");
    let roots = BTreeMap::from([(1u32, net.root.clone())]);
    let batch_size = std::num::NonZeroUsize::new(batch_size).expect("batch size > 0");
    let config = ResponderConfig { batch_size, retry_delay: std::time::Duration::from_millis(1), ..Default::default() };
    Responder::new(backend, net.proxy, net.mpc, roots, cursor, config)
}

async fn status(net: &Net, id: U256) -> RequestStatus {
    net.chain.view(net.proxy, IZrSign::requestStatusCall { requestId: id }).await.expect("status")
}

#[tokio::test]
async fn answers_in_batches_once_across_restarts_and_replays() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy);
    let dir = tempfile::tempdir().expect("tempdir");
    let cursor = dir.path().join("cursor.json");

    let mut keys = Vec::new();
    for _ in 0..5 {
        keys.push(client.request_key(net.user, net.user, net.wallet_type, 1, None).await.expect("request").id);
    }
    net.chain.mine(1).await.expect("seal the requests' block");
    let mut first = responder(&net, net.chain.clone(), Some(&cursor), 2);
    let report = first.poll_once().await.expect("poll");
    assert_eq!(report.keys, keys, "every key answered, in order, in batches of 2");
    assert!(report.skipped.is_empty() && report.rejected.is_empty());
    for id in &keys {
        assert_eq!(status(&net, *id).await, RequestStatus::Answered);
    }

    // A sign request after the restart: the new responder resumes from the persisted cursor.
    net.chain.mine(1).await.expect("mine");
    let params = IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: U256::from(3),
        dstChainId: deploy::chain_id("eip155:31337"),
        payload: keccak256("hash to sign").to_vec().into(),
        broadcast: false,
    };
    let sign = client.request_signature(net.user, RequestKind::Hash, params, None).await.expect("sign request");
    drop(first);
    net.chain.mine(1).await.expect("seal");
    let mut restarted = responder(&net, net.chain.clone(), Some(&cursor), 2);
    let report = restarted.poll_once().await.expect("poll after restart");
    assert!(report.keys.is_empty(), "keys answered before the restart are not seen again: {report:?}");
    assert_eq!(report.signatures, vec![sign.id]);

    // A responder that lost its cursor reads every event again: nothing is answered twice.
    let mut replay = responder(&net, net.chain.clone(), None, 2);
    let report = replay.poll_once().await.expect("replay");
    assert!(report.keys.is_empty() && report.signatures.is_empty(), "{report:?}");
    assert_eq!(report.not_open.len(), keys.len() + 1, "each request recognised as settled");
    assert_eq!(report.gas_used, 0, "no transaction sent on a replay");
}

#[tokio::test]
async fn rejects_what_it_cannot_answer_and_refunds_the_requester() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy);
    // The admin rotates the root key to a version this responder does not hold.
    let other = RootSecret::from_seed("another root").expect("root");
    let rotate = IZrSign::setRootKeyCall { publicKey: Bytes::copy_from_slice(&other.public().xy()) };
    net.chain.transact(net.admin, net.proxy, rotate, U256::ZERO).await.expect("rotate");
    let requested = client.request_key(net.user, net.user, net.wallet_type, 1, None).await.expect("request");
    assert_eq!(requested.request.keyVersion, 2);
    net.chain.mine(1).await.expect("seal");

    let claimable =
        async || net.chain.view(net.proxy, IZrSign::claimableCall { account: net.user }).await.expect("claimable");
    let before = claimable().await;
    let mut mpc = responder(&net, net.chain.clone(), None, 10);
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.rejected, vec![(requested.id, RejectReason::UnknownKeyVersion)]);
    assert_eq!(status(&net, requested.id).await, RequestStatus::Rejected);
    let refund = claimable().await - before;
    assert_eq!(refund, U256::from(requested.request.serviceFee), "the service fee went back to the requester");
}

/// A backend whose next `failures` JSON-RPC-like operations fail with a transient error (only its
/// transactions, when `sends_only`).
struct Flaky<B> {
    inner: Arc<B>,
    failures: AtomicU32,
    sends_only: bool,
}

impl<B> Flaky<B> {
    fn fail_read(&self) -> Result<(), BackendError> {
        if self.sends_only { Ok(()) } else { self.fail() }
    }

    fn fail(&self) -> Result<(), BackendError> {
        let left = self.failures.load(Ordering::SeqCst);
        if left == 0 {
            return Ok(());
        }
        self.failures.store(left - 1, Ordering::SeqCst);
        Err(BackendError::Rpc { context: "test".into(), message: "connection reset".into() })
    }
}

impl<B: Backend> Backend for Flaky<B> {
    fn chain_id(&self) -> u64 {
        self.inner.chain_id()
    }
    fn accounts(&self) -> Vec<Address> {
        self.inner.accounts()
    }
    async fn send(&self, call: Call) -> Result<Receipt, BackendError> {
        self.fail()?;
        self.inner.send(call).await
    }
    async fn call(&self, call: Call) -> Result<Bytes, BackendError> {
        self.fail_read()?;
        self.inner.call(call).await
    }
    async fn block_number(&self) -> Result<u64, BackendError> {
        self.fail_read()?;
        self.inner.block_number().await
    }
    async fn inclusion_block(&self) -> Result<u64, BackendError> {
        self.fail_read()?;
        self.inner.inclusion_block().await
    }
    async fn mine(&self, blocks: u64) -> Result<(), BackendError> {
        self.inner.mine(blocks).await
    }
    async fn balance(&self, account: Address) -> Result<U256, BackendError> {
        self.inner.balance(account).await
    }
    async fn base_fee(&self) -> Result<u128, BackendError> {
        self.inner.base_fee().await
    }
    async fn logs(&self, address: Address, from: u64, to: u64) -> Result<Vec<ChainLog>, BackendError> {
        self.fail_read()?;
        self.inner.logs(address, from, to).await
    }
}

#[tokio::test]
async fn retries_transient_rpc_errors() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy);
    let requested = client.request_key(net.user, net.user, net.wallet_type, 2, None).await.expect("request");
    net.chain.mine(1).await.expect("seal");
    // Four consecutive failures: within the five attempts of one operation.
    let flaky = Arc::new(Flaky { inner: net.chain.clone(), failures: AtomicU32::new(4), sends_only: false });
    let mut mpc = responder(&net, flaky.clone(), None, 10);
    let report = mpc.poll_once().await.expect("poll despite transient errors");
    assert_eq!(report.keys, vec![requested.id]);
    assert_eq!(flaky.failures.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_failed_answer_keeps_the_cursor_and_is_answered_once_later() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy);
    let requested = client.request_key(net.user, net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(1).await.expect("seal");
    // Reading the logs works; every answering transaction fails, beyond the retry attempts.
    let flaky = Arc::new(Flaky { inner: net.chain.clone(), failures: AtomicU32::new(100), sends_only: true });
    let mut mpc = responder(&net, flaky.clone(), None, 10);
    let before = mpc.next_block();
    let err = mpc.poll_once().await.expect_err("gives up after its attempts");
    assert!(err.to_string().contains("connection reset"), "{err}");
    assert_eq!(mpc.next_block(), before, "the block holding the unanswered request stays unprocessed");
    assert_eq!(status(&net, requested.id).await, RequestStatus::Open);
    // The chain recovers: the same responder answers it, once.
    flaky.failures.store(0, Ordering::SeqCst);
    let report = mpc.poll_once().await.expect("healthy poll");
    assert_eq!(report.keys, vec![requested.id]);
    assert!(mpc.next_block() > before);
    let again = mpc.poll_once().await.expect("idle poll");
    assert!(again.keys.is_empty() && again.gas_used == 0, "{again:?}");
}

#[tokio::test]
async fn answers_up_to_the_deadline_block_and_leaves_later_ones_to_reclaim() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy);
    let ttl = IZrSign::setRequestTtlCall { blocks: 10 };
    net.chain.transact(net.admin, net.proxy, ttl, U256::ZERO).await.expect("ttl");
    let due = client.request_key(net.user, net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(10).await.expect("mine");
    assert_eq!(net.chain.inclusion_block().await.expect("block"), due.request.deadline, "revm includes in this block");
    let mut mpc = responder(&net, net.chain.clone(), None, 10);
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.keys, vec![due.id], "answered in its deadline block");

    let expired = client.request_key(net.user, net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(11).await.expect("mine");
    let report = mpc.poll_once().await.expect("poll");
    assert!(report.keys.is_empty() && report.rejected.is_empty() && report.gas_used == 0, "{report:?}");
    assert_eq!(report.not_open, vec![expired.id], "past its deadline: left open for its requester to reclaim");
    assert_eq!(status(&net, expired.id).await, RequestStatus::Open);
}
