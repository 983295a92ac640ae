//! The dapp-facing client on the two-chain devnet (anvil, responder and relayer running): keys and
//! signatures answered and verified, transactions prepared from the destination, signed, relayed and mined,
//! a stuck transaction replaced; on a deployment nobody answers: a timeout carrying the request id, expiry,
//! reclaim and withdraw; on revm (no log filters): waiting by polling statuses, and an answer that does not
//! verify off-chain; a lost or missing log filter. Nothing sleeps to synchronise: every wait is on its condition, with a deadline.

mod common;

use alloy::primitives::{Address, B256, Bytes, U256, eip191_hash_message, keccak256};
use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};
use zrsign::{
    bindings::{
        IZrSign::{self, IZrSignErrors, RequestKind, RequestStatus},
        Revert,
    },
    chain::{
        BlockInfo, Call, ChainError, ChainLog, ChainRead, ChainResult, ChainSubmit, DevChain, LogFilter, Receipt,
        RevmChain, RpcChain, Submitted, TxLookup,
    },
    client::{Client, ClientConfig, ClientError, TxRequest, TxType, WatchStats},
    deploy::{self, Roles, Setup},
    devnet::{DESTINATION_CHAIN_ID, Devnet, DevnetOptions, SOURCE_CHAIN_ID},
    mpc::keys::RootSecret,
    protocol::{KeyPath, digest::UnsignedTx},
    store::RelayState,
};

const ETHER: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
const AMOUNT: U256 = U256::from_limbs([10_000_000_000_000_000, 0, 0, 0]);
const WAIT: Duration = Duration::from_secs(60);

async fn devnet() -> Devnet {
    let quiet = |_: &str| {};
    Devnet::start(common::toolchain(), common::artifacts(), &DevnetOptions::default(), &quiet).await.expect("devnet")
}

fn config() -> ClientConfig {
    ClientConfig { timeout: WAIT, poll_interval: Duration::from_millis(20), ..Default::default() }
}

fn client(net: &Devnet, user: Address) -> Client<Arc<RpcChain>> {
    Client::new(net.source.clone(), net.deployment.proxy, user)
        .with_config(config())
        .with_destination(net.destination.clone())
}

/// Polls `probe` until it yields a value, failing after `timeout`.
async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(started.elapsed() < timeout, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn keys_signatures_and_transfers_are_verified_and_relayed() {
    let net = devnet().await;
    let [_, _, user] = net.source.first_accounts().expect("accounts");
    let client = client(&net, user);
    let wallet_type = net.wallet_type;

    // Offline derivation from the on-chain root key predicts the key, as the contract does.
    let (version, root) = client.root_key(None).await.expect("root key");
    assert_eq!((version, root), (1, net.root.public()));
    let predicted = client.derive_address(&root, user, wallet_type, U256::ZERO).expect("derives");
    let started = Instant::now();
    let key = client.request_key(wallet_type, 1).await.expect("key answered and verified");
    let key_latency = started.elapsed();
    assert_eq!((key.address, key.public_key, key.index()), (predicted.evm_address(), predicted.public_key, U256::ZERO));
    let call = IZrSign::derivedAddressCall { owner: user, walletTypeId: wallet_type, index: U256::ZERO };
    assert_eq!(net.source.view(net.deployment.proxy, call).await.expect("derivedAddress"), key.address);

    let hash = keccak256("zrsign client: a hash");
    let started = Instant::now();
    let signed = client.sign_hash(wallet_type, key.index(), hash).await.expect("hash signed");
    let hash_latency = started.elapsed();
    assert_eq!(signed.digest, hash);
    assert_eq!(signed.signature.recover_address_from_prehash(&hash).expect("recovers"), key.address);
    let data = b"zrsign client: some data";
    let signed = client.sign_data(wallet_type, key.index(), data).await.expect("data signed");
    assert_eq!(signed.digest, eip191_hash_message(data));
    assert_eq!(signed.signature.recover_address_from_prehash(&signed.digest).expect("recovers"), key.address);

    // Concurrent waits share the client's one subscription.
    let hashes: Vec<B256> = (0..4u8).map(|i| keccak256([i])).collect();
    let signatures =
        futures::future::join_all(hashes.iter().map(|h| client.sign_hash(wallet_type, key.index(), *h))).await;
    for (h, s) in hashes.iter().zip(signatures) {
        assert_eq!(s.expect("concurrent signature").digest, *h);
    }

    // The key pays for its transfers on the destination.
    let [funder] = net.destination.first_accounts().expect("accounts");
    net.destination.send(Call::transfer(funder, key.address, ETHER)).await.expect("funding");
    let recipient = Address::repeat_byte(0xc1);
    for (tx_type, nonce) in [(TxType::Eip1559, 0), (TxType::Legacy, 1)] {
        let before = net.destination.balance(recipient).await.expect("balance");
        let request = TxRequest {
            tx_type,
            ..TxRequest::transfer(wallet_type, key.index(), DESTINATION_CHAIN_ID, recipient, AMOUNT)
        };
        let prepared = client.prepare_tx(request).await.expect("prepared from the destination");
        assert_eq!((prepared.from, prepared.unsigned.chain_id()), (key.address, Some(DESTINATION_CHAIN_ID)));
        let signed = client.sign_tx(&prepared, true).await.expect("signed");
        assert_eq!((signed.signed.sender, signed.signed.nonce), (key.address, nonce), "{tx_type:?}");
        let relayed = client.wait_relayed(&signed).await.expect("relayed and mined");
        assert!(relayed.receipt.success && relayed.confirmations >= 1);
        assert_eq!(relayed.receipt.tx_hash, signed.signed.tx_hash);
        assert_eq!(net.destination.balance(recipient).await.expect("balance"), before + AMOUNT, "{tx_type:?}");
    }

    // Every wait went through the id-filtered log filter: no status polling, one bounded catch-up per filter.
    let stats: WatchStats = client.watch_stats();
    assert!(!stats.polling_only && stats.filters_installed >= 1 && stats.filter_polls >= 1, "{stats:?}");
    assert_eq!(stats.status_polls, 0, "{stats:?}");
    assert!(stats.log_queries <= stats.filters_installed, "{stats:?}");
    eprintln!("request → verified answer: key {key_latency:?}, hash signature {hash_latency:?}; {stats:?}");
    net.stop().await;
}

#[tokio::test]
async fn a_stuck_transaction_is_replaced_at_its_nonce() {
    let net = devnet().await;
    let [_, _, user] = net.source.first_accounts().expect("accounts");
    let client = client(&net, user);
    let key = client.request_key(net.wallet_type, 1).await.expect("key");
    let [funder] = net.destination.first_accounts().expect("accounts");
    net.destination.send(Call::transfer(funder, key.address, ETHER)).await.expect("funding");
    let recipient = Address::repeat_byte(0xd2);
    let transfer = TxRequest::transfer(net.wallet_type, key.index(), DESTINATION_CHAIN_ID, recipient, AMOUNT);
    let prepared = client.prepare_tx(transfer).await.expect("prepared");
    let UnsignedTx::Eip1559(original) = &prepared.unsigned else { panic!("EIP-1559 by default") };

    // The destination's base fee jumps above the fee cap the transaction will be signed with.
    net.destination.set_next_base_fee(original.max_fee_per_gas * 4).await.expect("base fee");
    net.destination.mine(1).await.expect("mine");
    assert!(net.destination.base_fee().await.expect("base fee") > original.max_fee_per_gas);
    let stuck = client.sign_tx(&prepared, true).await.expect("signed");
    let (source, proxy) = (SOURCE_CHAIN_ID, net.deployment.proxy);
    let stuck_id: u64 = stuck.request_id.to();
    eventually("the relayer finds the transaction unmineable", WAIT, || async {
        let b = net.store.broadcast(source, proxy, stuck_id).await.expect("store")?;
        matches!(b.status, RelayState::Underpriced | RelayState::Stuck).then_some(())
    })
    .await;

    let replacement = client.replace(&stuck).await.expect("re-signed");
    assert_eq!((replacement.signed.nonce, replacement.signed.sender), (stuck.signed.nonce, key.address));
    assert!(replacement.signed.max_fee_per_gas > net.destination.base_fee().await.expect("base fee"));
    assert!(replacement.signed.max_fee_per_gas >= zrsign::relayer::replacement_fee_cap(original.max_fee_per_gas, 0));
    assert!(replacement.signed.max_priority_fee_per_gas > original.max_priority_fee_per_gas);
    let relayed = client.wait_relayed(&replacement).await.expect("the replacement is mined");
    assert!(relayed.receipt.success);
    assert_eq!(net.destination.balance(recipient).await.expect("balance"), AMOUNT, "paid once");

    // The original can never be mined now, and the relayer records it as replaced by the new request.
    match client.wait_relayed(&stuck).await {
        Err(ClientError::NonceUsed { request, nonce, .. }) => {
            assert_eq!((request, nonce), (Some(stuck.request_id), stuck.signed.nonce));
        }
        other => panic!("expected NonceUsed, got {other:?}"),
    }
    let replaced = eventually("the original ends replaced", WAIT, || async {
        let b = net.store.broadcast(source, proxy, stuck_id).await.expect("store")?;
        (b.status == RelayState::Replaced).then_some(b)
    })
    .await;
    assert_eq!(replaced.replaced_by, Some(replacement.request_id.to::<u64>()));
    net.stop().await;
}

#[tokio::test]
async fn an_unanswered_request_times_out_expires_and_is_reclaimed_and_withdrawn() {
    let net = devnet().await;
    let [admin, _, user] = net.source.first_accounts().expect("accounts");
    // A second deployment on the source chain that no responder watches.
    let roles = Roles { admin, mpc: admin, fee: admin, pauser: admin };
    let deployment = deploy::deploy(net.source.as_ref(), common::artifacts(), roles).await.expect("deploy");
    let proxy = deployment.proxy;
    let setup = Setup {
        root_public_key: net.root.public().xy(),
        mpc_fee: 1_000_000_000_000_000,
        evm_chains: vec![("eip155:31337".into(), SOURCE_CHAIN_ID)],
    };
    let wallet_type = deploy::configure(net.source.as_ref(), proxy, admin, &setup).await.expect("configure");
    let ttl = IZrSign::setRequestTtlCall { blocks: 10 };
    net.source.transact(admin, proxy, ttl, U256::ZERO).await.expect("ttl");
    let from_block = net.source.block_number().await.expect("block");
    let short = ClientConfig { timeout: Duration::from_millis(300), ..config() };
    let client = Client::new(net.source.clone(), proxy, user).with_config(short);

    let requested = client.send_key_request(user, wallet_type, 1, None).await.expect("request");
    let id = requested.id;
    let err = client.wait_key(&requested).await.expect_err("nobody answers");
    assert!(matches!(err, ClientError::Timeout { id: i, status: Some(RequestStatus::Open), .. } if i == id), "{err:?}");
    assert!(err.is_retryable() && err.to_string().contains(&format!("request {id}")), "{err}");
    let early = client.reclaim(&requested).await.expect_err("not expired yet");
    assert_eq!(early.request_id(), Some(id));
    assert!(matches!(early.revert(), Some(Revert::ZrSign(IZrSignErrors::ZrSignRequestNotExpired(_)))), "{early:?}");

    // Past the deadline the wait ends at once: expired, not a timeout.
    net.source.mine(11).await.expect("mine past the deadline");
    let waiting = client.clone().with_config(config());
    match waiting.wait_key(&requested).await {
        Err(ClientError::Expired { id: i, deadline }) => assert_eq!((i, deadline), (id, requested.request.deadline)),
        other => panic!("expected Expired, got {other:?}"),
    }

    // The whole escrow is credited back, on top of the quote headroom credited at the request.
    let credited = client.claimable(user).await.expect("claimable");
    let reclaimed = client.reclaim(&requested).await.expect("reclaimed");
    let escrow = U256::from(requested.request.serviceFee) + U256::from(requested.request.gasFee);
    assert_eq!((reclaimed.request_id, reclaimed.amount, reclaimed.requester), (id, escrow, user));
    assert_eq!(client.claimable(user).await.expect("claimable"), credited + escrow);
    assert!(matches!(waiting.wait_key(&requested).await, Err(ClientError::Reclaimed { id: i }) if i == id));
    let found = client.requested(id, from_block).await.expect("found by its id topic");
    assert_eq!((found.request, found.receipt.tx_hash), (requested.request.clone(), requested.receipt.tx_hash));

    let before = net.source.balance(user).await.expect("balance");
    let withdrawn = client.withdraw().await.expect("withdrawn");
    let gas = U256::from(withdrawn.receipt.gas_used) * U256::from(withdrawn.receipt.effective_gas_price);
    assert_eq!((withdrawn.account, withdrawn.amount), (user, credited + escrow));
    assert_eq!(net.source.balance(user).await.expect("balance"), before + withdrawn.amount - gas);
    assert_eq!(client.claimable(user).await.expect("claimable"), U256::ZERO);
    let nothing = client.withdraw().await.expect_err("nothing left");
    assert!(matches!(nothing.revert(), Some(Revert::ZrSign(IZrSignErrors::ZrSignNothingToWithdraw(_)))));
    assert_eq!(nothing.request_id(), None);
    net.stop().await;
}

#[tokio::test]
async fn on_revm_waits_poll_statuses_and_answers_are_verified_off_chain() {
    let chain = Arc::new(RevmChain::new(SOURCE_CHAIN_ID, 3));
    let [admin, mpc, user] = chain.first_accounts().expect("accounts");
    let roles = Roles { admin, mpc, fee: admin, pauser: admin };
    let proxy = deploy::deploy(chain.as_ref(), common::artifacts(), roles).await.expect("deploy").proxy;
    let root = RootSecret::from_seed("client on revm").expect("root");
    let setup = Setup {
        root_public_key: root.public().xy(),
        mpc_fee: 1_000,
        evm_chains: vec![("eip155:31337".into(), SOURCE_CHAIN_ID)],
    };
    let wallet_type = deploy::configure(chain.as_ref(), proxy, admin, &setup).await.expect("configure");
    let config = ClientConfig { poll_interval: Duration::from_millis(5), ..config() };
    let client = Client::<_, RevmChain>::build(chain.clone(), proxy, user).with_config(config);

    // The test answers as the MPC network does.
    let requested = client.send_key_request(user, wallet_type, 1, None).await.expect("request");
    let path =
        KeyPath { evm_chain_id: SOURCE_CHAIN_ID, proxy, owner: user, wallet_type_id: wallet_type, index: U256::ZERO };
    let child = root.child(&path);
    let answer = IZrSign::zrKeyResCall {
        requestId: requested.id,
        request: requested.request.clone(),
        publicKey: child.public().expect("key").xy().to_vec().into(),
    };
    chain.transact(mpc, proxy, answer, U256::ZERO).await.expect("key answer");
    let key = client.wait_key(&requested).await.expect("verified");
    assert_eq!(key.address, child.public().expect("key").address());

    // A data signature whose payload, as the client holds it, is not what was signed: refused off-chain.
    let params = IZrSign::ZrSignParams {
        walletTypeId: wallet_type,
        walletIndex: U256::ZERO,
        dstChainId: zrsign::protocol::chain_key("eip155:31337"),
        payload: Bytes::from_static(b"signed"),
        broadcast: false,
    };
    let requested = client.send_sign_request(RequestKind::Data, params, None).await.expect("request");
    let signature = zrsign::signer::mock::sign(&child, requested.request.digest).expect("sign");
    let answer = IZrSign::zrSignResCall {
        requestId: requested.id,
        request: requested.request.clone(),
        signature: signature.as_bytes().to_vec().into(),
    };
    chain.transact(mpc, proxy, answer, U256::ZERO).await.expect("signature answer");
    let signed = client.wait_signature(&requested).await.expect("verified");
    assert_eq!(signed.signer, key.address);
    let tampered = zrsign::client::Requested { payload: Bytes::from_static(b"not signed"), ..requested.clone() };
    let err = client.wait_signature(&tampered).await.expect_err("digest differs");
    assert!(matches!(err, ClientError::Verification { id, .. } if id == requested.id), "{err:?}");

    // A transaction for a chain the client has no RPC for is refused before anything is sent.
    let tx = TxRequest::transfer(wallet_type, U256::ZERO, DESTINATION_CHAIN_ID, Address::ZERO, U256::ZERO);
    assert!(matches!(client.prepare_tx(tx).await, Err(ClientError::UnknownDestination { .. })));

    let stats = client.watch_stats();
    assert!(stats.polling_only && stats.filters_installed == 0 && stats.status_polls >= 2, "{stats:?}");
}

/// How [`Filters`] breaks the node's log filters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Breakage {
    /// The first filter poll fails as if the node forgot the filter.
    LoseOnce,
    /// The node has no filter methods.
    Unsupported,
}

/// A chain whose log filters are lost or missing; everything else is the inner chain's.
struct Filters {
    inner: Arc<RpcChain>,
    breakage: Breakage,
    polls: std::sync::atomic::AtomicU32,
}

impl ChainRead for Filters {
    fn evm_chain_id(&self) -> u64 {
        self.inner.evm_chain_id()
    }
    async fn call(&self, call: &Call) -> ChainResult<Bytes> {
        self.inner.call(call).await
    }
    async fn logs(&self, filter: &LogFilter) -> ChainResult<Vec<ChainLog>> {
        self.inner.logs(filter).await
    }
    async fn block(&self, at: alloy::eips::BlockNumberOrTag) -> ChainResult<Option<BlockInfo>> {
        self.inner.block(at).await
    }
    async fn block_number(&self) -> ChainResult<u64> {
        self.inner.block_number().await
    }
    async fn inclusion_block(&self) -> ChainResult<u64> {
        self.inner.inclusion_block().await
    }
    async fn receipt(&self, tx_hash: B256) -> ChainResult<Option<Receipt>> {
        self.inner.receipt(tx_hash).await
    }
    async fn transaction(&self, tx_hash: B256) -> ChainResult<Option<TxLookup>> {
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
        self.inner.send_raw(raw).await
    }
    async fn install_log_filter(&self, filter: &LogFilter) -> ChainResult<U256> {
        match self.breakage {
            Breakage::Unsupported => Err(ChainError::Rpc {
                context: "eth_newFilter".into(),
                code: -32601,
                message: "method not found".into(),
            }),
            Breakage::LoseOnce => self.inner.install_log_filter(filter).await,
        }
    }
    async fn log_filter_changes(&self, id: U256) -> ChainResult<Vec<ChainLog>> {
        if self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return Err(ChainError::Rpc {
                context: "eth_getFilterChanges".into(),
                code: -32000,
                message: "filter not found".into(),
            });
        }
        self.inner.log_filter_changes(id).await
    }
    async fn uninstall_log_filter(&self, id: U256) -> ChainResult<bool> {
        self.inner.uninstall_log_filter(id).await
    }
}

impl ChainSubmit for Filters {
    fn accounts(&self) -> Vec<Address> {
        self.inner.accounts()
    }
    async fn submit(&self, call: Call) -> ChainResult<Submitted> {
        self.inner.submit(call).await
    }
    async fn confirm(&self, submitted: &Submitted, timeout: Duration) -> ChainResult<Receipt> {
        self.inner.confirm(submitted, timeout).await
    }
}

#[tokio::test]
async fn a_lost_or_missing_filter_falls_back_to_polling_statuses() {
    let net = devnet().await;
    let [_, _, user, other] = net.source.first_accounts().expect("accounts");
    for (breakage, sender) in [(Breakage::LoseOnce, user), (Breakage::Unsupported, other)] {
        let chain = Arc::new(Filters { inner: net.source.clone(), breakage, polls: Default::default() });
        let client = Client::new(chain, net.deployment.proxy, sender).with_config(config());
        let key = client.request_key(net.wallet_type, 1).await.expect("answered despite the filter");
        let signed = client.sign_hash(net.wallet_type, key.index(), B256::repeat_byte(1)).await.expect("signed");
        assert_eq!(signed.signer, key.address);
        let stats = client.watch_stats();
        match breakage {
            Breakage::LoseOnce => assert!(
                stats.filters_lost == 1 && stats.filters_installed >= 2 && !stats.polling_only,
                "reinstalled after the loss: {stats:?}"
            ),
            Breakage::Unsupported => assert!(
                stats.polling_only && stats.filters_installed == 0 && stats.status_polls >= 2,
                "statuses polled: {stats:?}"
            ),
        }
    }
    net.stop().await;
}
