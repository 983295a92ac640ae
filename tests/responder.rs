//! The MPC responder on revm: batches, its store across restarts, requests seen twice, rejections with a
//! reason code, RPC errors retried with backoff, and deadlines.

mod common;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};
use zrsign::{
    bindings::IZrSign::{self, RequestKind, RequestStatus},
    chain::{
        BlockInfo, Call, ChainError, ChainLog, ChainRead, ChainResult, ChainSubmit, DevChain, LogFilter, Receipt,
        RevmChain, Submitted, TxLookup, retry::RetryPolicy,
    },
    client::Client,
    deploy::{self, Roles, Setup},
    mpc::keys::RootSecret,
    protocol::RejectReason,
    responder::{Responder, ResponderConfig},
    signer::MockSigner,
    store::{RequestState, Store},
};

struct Net {
    chain: Arc<RevmChain>,
    proxy: Address,
    wallet_type: B256,
    admin: Address,
    mpc: Address,
    user: Address,
    root: RootSecret,
    start: u64,
}

async fn net() -> Net {
    let chain = Arc::new(RevmChain::new(31_337, 4));
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

async fn responder<C: ChainSubmit>(
    net: &Net,
    chain: Arc<C>,
    store: &Store,
    batch_size: usize,
) -> Responder<C, MockSigner> {
    let signer = Arc::new(MockSigner::single(net.root.clone()));
    let batch_size = std::num::NonZeroUsize::new(batch_size).expect("batch size > 0");
    let retry = RetryPolicy { first_delay: Duration::from_millis(1), ..Default::default() };
    let mut config = ResponderConfig { batch_size, retry, ..Default::default() };
    config.follower.retry = retry;
    Responder::new(chain, signer, store.clone(), net.proxy, net.mpc, net.start, config).await.expect("responder")
}

async fn memory() -> Store {
    Store::in_memory().await.expect("store")
}

async fn status(net: &Net, id: U256) -> RequestStatus {
    net.chain.view(net.proxy, IZrSign::requestStatusCall { requestId: id }).await.expect("status")
}

#[tokio::test]
async fn answers_in_batches_once_across_restarts_and_replays() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("zrsign.db");
    let store = Store::open(&path).await.expect("store");

    let mut keys = Vec::new();
    for _ in 0..5 {
        keys.push(client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("request").id);
    }
    net.chain.mine(1).await.expect("seal the requests' block");
    let mut first = responder(&net, net.chain.clone(), &store, 2).await;
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
        dstChainId: zrsign::protocol::chain_key("eip155:31337"),
        payload: keccak256("hash to sign").to_vec().into(),
        broadcast: false,
    };
    let sign = client.send_sign_request(RequestKind::Hash, params, None).await.expect("sign request");
    drop(first);
    drop(store);
    net.chain.mine(1).await.expect("seal");
    let store = Store::open(&path).await.expect("reopen the store");
    let mut restarted = responder(&net, net.chain.clone(), &store, 2).await;
    let report = restarted.poll_once().await.expect("poll after restart");
    assert!(report.keys.is_empty(), "keys answered before the restart are not seen again: {report:?}");
    assert_eq!(report.signatures, vec![sign.id]);
    // The store has every request and the transaction that answered it.
    for id in keys.iter().chain([&sign.id]) {
        let record = store.request(31_337, net.proxy, id.to()).await.expect("read").expect("recorded");
        assert_eq!(record.status, RequestState::Answered, "{record:?}");
        assert!(record.answer_tx.is_some());
    }

    // A responder that lost its store reads every event again: nothing is answered twice.
    let mut replay = responder(&net, net.chain.clone(), &memory().await, 2).await;
    let report = replay.poll_once().await.expect("replay");
    assert!(report.keys.is_empty() && report.signatures.is_empty(), "{report:?}");
    assert_eq!(report.not_open.len(), keys.len() + 1, "each request recognised as settled");
    assert_eq!(report.gas_used, 0, "no transaction sent on a replay");
}

#[tokio::test]
async fn rejects_what_it_cannot_answer_and_refunds_the_requester() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    // The admin rotates the root key to a version this responder does not hold.
    let other = RootSecret::from_seed("another root").expect("root");
    let rotate = IZrSign::setRootKeyCall { publicKey: Bytes::copy_from_slice(&other.public().xy()) };
    net.chain.transact(net.admin, net.proxy, rotate, U256::ZERO).await.expect("rotate");
    let requested = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("request");
    assert_eq!(requested.request.keyVersion, 2);
    net.chain.mine(1).await.expect("seal");

    let claimable =
        async || net.chain.view(net.proxy, IZrSign::claimableCall { account: net.user }).await.expect("claimable");
    let before = claimable().await;
    let store = memory().await;
    let mut mpc = responder(&net, net.chain.clone(), &store, 10).await;
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.rejected, vec![(requested.id, RejectReason::UnknownKeyVersion)]);
    let record = store.request(31_337, net.proxy, requested.id.to()).await.expect("read").expect("recorded");
    assert_eq!((record.status, record.detail.as_deref()), (RequestState::Rejected, Some("UnknownKeyVersion")));
    assert_eq!(status(&net, requested.id).await, RequestStatus::Rejected);
    let refund = claimable().await - before;
    assert_eq!(refund, U256::from(requested.request.serviceFee), "the service fee went back to the requester");
}

/// A chain whose next `failures` operations fail with a transient error (only its submissions, when
/// `sends_only`). A failure happens before the operation reaches the chain.
struct Flaky<C> {
    inner: Arc<C>,
    failures: AtomicU32,
    sends_only: bool,
}

impl<C> Flaky<C> {
    fn fail_read(&self) -> ChainResult<()> {
        if self.sends_only { Ok(()) } else { self.fail() }
    }

    fn fail(&self) -> ChainResult<()> {
        let left = self.failures.load(Ordering::SeqCst);
        if left == 0 {
            return Ok(());
        }
        self.failures.store(left - 1, Ordering::SeqCst);
        Err(ChainError::Unreachable { context: "test".into(), message: "connection reset".into() })
    }
}

impl<C: ChainSubmit> ChainRead for Flaky<C> {
    fn evm_chain_id(&self) -> u64 {
        self.inner.evm_chain_id()
    }
    async fn call(&self, call: &Call) -> ChainResult<Bytes> {
        self.fail_read()?;
        self.inner.call(call).await
    }
    async fn logs(&self, filter: &LogFilter) -> ChainResult<Vec<ChainLog>> {
        self.fail_read()?;
        self.inner.logs(filter).await
    }
    async fn block(&self, at: alloy::eips::BlockNumberOrTag) -> ChainResult<Option<BlockInfo>> {
        self.fail_read()?;
        self.inner.block(at).await
    }
    async fn block_number(&self) -> ChainResult<u64> {
        self.fail_read()?;
        self.inner.block_number().await
    }
    async fn inclusion_block(&self) -> ChainResult<u64> {
        self.fail_read()?;
        self.inner.inclusion_block().await
    }
    async fn receipt(&self, tx_hash: B256) -> ChainResult<Option<Receipt>> {
        self.fail_read()?;
        self.inner.receipt(tx_hash).await
    }
    async fn transaction(&self, tx_hash: B256) -> ChainResult<Option<TxLookup>> {
        self.fail_read()?;
        self.inner.transaction(tx_hash).await
    }
    async fn balance(&self, account: Address) -> ChainResult<U256> {
        self.inner.balance(account).await
    }
    async fn nonce(&self, account: Address) -> ChainResult<u64> {
        self.inner.nonce(account).await
    }
    async fn base_fee(&self) -> ChainResult<u128> {
        self.inner.base_fee().await
    }
    async fn send_raw(&self, raw: &[u8]) -> ChainResult<B256> {
        self.fail()?;
        self.inner.send_raw(raw).await
    }
}

impl<C: ChainSubmit> ChainSubmit for Flaky<C> {
    fn accounts(&self) -> Vec<Address> {
        self.inner.accounts()
    }
    async fn submit(&self, call: Call) -> ChainResult<Submitted> {
        self.fail()?;
        self.inner.submit(call).await
    }
    async fn confirm(&self, submitted: &Submitted, timeout: Duration) -> ChainResult<Receipt> {
        self.inner.confirm(submitted, timeout).await
    }
}

#[tokio::test]
async fn retries_transient_rpc_errors() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let requested = client.send_key_request(net.user, net.wallet_type, 2, None).await.expect("request");
    net.chain.mine(1).await.expect("seal");
    // Four consecutive failures: within the five attempts of one operation.
    let flaky = Arc::new(Flaky { inner: net.chain.clone(), failures: AtomicU32::new(4), sends_only: false });
    let mut mpc = responder(&net, flaky.clone(), &memory().await, 10).await;
    let report = mpc.poll_once().await.expect("poll despite transient errors");
    assert_eq!(report.keys, vec![requested.id]);
    assert_eq!(flaky.failures.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_failed_answer_keeps_the_cursor_and_is_answered_once_later() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let requested = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(1).await.expect("seal");
    // Reading the logs works; every answering transaction fails, beyond the retry attempts.
    let flaky = Arc::new(Flaky { inner: net.chain.clone(), failures: AtomicU32::new(100), sends_only: true });
    let mut mpc = responder(&net, flaky.clone(), &memory().await, 10).await;
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
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let ttl = IZrSign::setRequestTtlCall { blocks: 10 };
    net.chain.transact(net.admin, net.proxy, ttl, U256::ZERO).await.expect("ttl");
    let due = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(10).await.expect("mine");
    assert_eq!(net.chain.inclusion_block().await.expect("block"), due.request.deadline, "revm includes in this block");
    let mut mpc = responder(&net, net.chain.clone(), &memory().await, 10).await;
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.keys, vec![due.id], "answered in its deadline block");

    let expired = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("request");
    net.chain.mine(11).await.expect("mine");
    let report = mpc.poll_once().await.expect("poll");
    assert!(report.keys.is_empty() && report.rejected.is_empty() && report.gas_used == 0, "{report:?}");
    assert_eq!(report.not_open, vec![expired.id], "past its deadline: left open for its requester to reclaim");
    assert_eq!(status(&net, expired.id).await, RequestStatus::Open);
}

#[tokio::test]
async fn a_request_stopped_by_the_registry_is_rejected_and_refunded() {
    let net = net().await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let key = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("key request");
    let mut mpc = responder(&net, net.chain.clone(), &memory().await, 10).await;
    net.chain.mine(1).await.expect("seal");
    mpc.poll_once().await.expect("answer the key");
    // A sign request, then the admin disallows its (wallet type, chain) pairing before the network answers.
    let chain_key = zrsign::protocol::chain_key("eip155:31337");
    let params = IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: key.request.walletIndex,
        dstChainId: chain_key,
        payload: keccak256("stopped").to_vec().into(),
        broadcast: false,
    };
    let sign = client.send_sign_request(RequestKind::Hash, params, None).await.expect("sign request");
    let disallow = IZrSign::disallowChainCall { walletTypeId: net.wallet_type, chainId: chain_key };
    net.chain.transact(net.admin, net.proxy, disallow, U256::ZERO).await.expect("disallow");
    net.chain.mine(1).await.expect("seal");
    let before = net.chain.view(net.proxy, IZrSign::claimableCall { account: net.user }).await.expect("claimable");
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.rejected, vec![(sign.id, RejectReason::Stopped)]);
    assert!(report.signatures.is_empty() && report.skipped.is_empty(), "{report:?}");
    assert_eq!(status(&net, sign.id).await, RequestStatus::Rejected);
    let after = net.chain.view(net.proxy, IZrSign::claimableCall { account: net.user }).await.expect("claimable");
    assert_eq!(after - before, U256::from(sign.request.serviceFee), "the service fee is back with the requester");
}
