//! The relayer on two anvil chains, one test per error class of its state machine, and its exactly-once
//! guarantee across a crash, a reorg and duplicate events. The responder and the relayer are driven by the
//! test (`poll_once`), so every step happens when the test says.

mod common;

use alloy::primitives::{Address, B256, U256};
use common::net::{DESTINATION, Net, is, relayer_config, signed_by, transfer};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};
use zrsign::{
    bindings::{IZrSign, Revert},
    chain::{BlockInfo, Call, ChainLog, ChainRead, ChainResult, DevChain, LogFilter, Receipt, RpcChain, TxLookup},
    store::{FailureClass, RelayState},
};

const GWEI: u128 = 1_000_000_000;
const ETHER: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
const VALUE: U256 = U256::from_limbs([1_000_000_000_000_000, 0, 0, 0]);

fn recipient(n: u8) -> Address {
    Address::repeat_byte(n)
}

#[tokio::test]
async fn unfunded_sender_awaits_funds_then_is_mined() {
    let mut net = Net::new().await;
    let key = net.key().await;
    let tx = transfer(0, recipient(0xa1), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    let mut relayer = net.relayer(net.destination.clone(), 1).await;

    let waiting = net
        .relay_until(&mut relayer, requested.id, "awaiting funds", |b| {
            b.status == RelayState::AwaitingFunds && b.attempts >= 2
        })
        .await;
    assert_eq!(waiting.error_class.as_deref(), Some("awaiting_funds"));
    assert!(
        waiting.last_error.as_deref().is_some_and(|e| e.to_lowercase().contains("insufficient funds")),
        "{waiting:?}"
    );
    assert!(waiting.next_attempt_at > waiting.updated_at - 1, "retried with a backoff, not in a hot loop");

    net.fund(key.address, ETHER).await;
    let done = net.relay_until(&mut relayer, requested.id, "confirmed", |b| b.status == RelayState::Confirmed).await;
    assert_eq!(net.destination.balance(recipient(0xa1)).await.expect("balance"), VALUE);
    assert!(done.mined_block.is_some() && done.confirmations >= 1);
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1);
}

#[tokio::test]
async fn funds_that_never_come_fail_at_the_give_up_time() {
    let mut net = Net::new().await;
    let key = net.key().await;
    let tx = transfer(0, recipient(0xa2), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    let config = zrsign::relayer::RelayerConfig { give_up_after: Duration::from_millis(300), ..relayer_config() };
    let mut relayer = net.relayer_with(net.destination.clone(), 1, config).await;
    let failed = net.relay_until(&mut relayer, requested.id, "given up", |b| b.status.is_terminal()).await;
    assert_eq!(failed.status, RelayState::Failed);
    assert_eq!(failed.error_class.as_deref(), Some(FailureClass::InsufficientFunds.as_str()));
    assert!(failed.attempts >= 2, "{failed:?}");
}

#[tokio::test]
async fn a_payload_for_another_chain_is_rejected_and_refunded() {
    let mut net = Net::new().await;
    let key = net.key().await;
    // Refused by the contract itself: the value sent comes back with the revert.
    let wrong = transfer(0, recipient(0xa3), VALUE, 3 * GWEI);
    let wrong = alloy::consensus::TxEip1559 { chain_id: 1, ..wrong };
    let params = IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: key.index,
        dstChainId: zrsign::protocol::Caip2::eip155(DESTINATION).key(),
        payload: alloy::consensus::SignableTransaction::encoded_for_signing(&wrong).into(),
        broadcast: true,
    };
    let err =
        net.client().send_sign_request(IZrSign::RequestKind::Tx, params, None).await.expect_err("chain id mismatch");
    let revert = err.revert().cloned().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(
        revert,
        Revert::ZrSign(IZrSign::IZrSignErrors::ZrSignTxChainIdMismatch(IZrSign::ZrSignTxChainIdMismatch {
            expected: U256::from(DESTINATION),
            actual: U256::from(1),
        }))
    );

    // Accepted on-chain, then the registry changes before the network answers: the network checks the
    // payload against the destination as registered now, rejects it, and the service fee is refunded.
    let tx = transfer(0, recipient(0xa3), VALUE, 3 * GWEI);
    let params = IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: key.index,
        dstChainId: zrsign::protocol::Caip2::eip155(DESTINATION).key(),
        payload: alloy::consensus::SignableTransaction::encoded_for_signing(&tx).into(),
        broadcast: true,
    };
    let requested = net.client().send_sign_request(IZrSign::RequestKind::Tx, params, None).await.expect("request");
    let admin = net.admin;
    let chain_key = zrsign::protocol::Caip2::eip155(DESTINATION).key();
    use zrsign::chain::ChainSubmit;
    net.source
        .transact(admin, net.proxy, IZrSign::removeChainCall { chainId: chain_key }, U256::ZERO)
        .await
        .expect("remove");
    let readd = IZrSign::addChainCall {
        caip2: format!("eip155:{DESTINATION}"),
        family: IZrSign::ChainFamily::Evm,
        evmChainId: 5,
    };
    net.source.transact(admin, net.proxy, readd, U256::ZERO).await.expect("re-add with another EVM id");
    let allow = IZrSign::allowChainCall { walletTypeId: net.wallet_type, chainId: chain_key };
    net.source.transact(admin, net.proxy, allow, U256::ZERO).await.expect("allow");
    let (source, proxy, user) = (net.source.clone(), net.proxy, net.user);
    let claimable = async || source.view(proxy, IZrSign::claimableCall { account: user }).await.expect("claimable");
    let before = claimable().await;
    net.answer(requested.id).await;
    assert_eq!(net.client().status(requested.id).await.expect("status"), IZrSign::RequestStatus::Rejected);
    assert_eq!(claimable().await - before, U256::from(requested.request.serviceFee), "service fee refunded");
    let record = net.store.request(31_337, net.proxy, requested.id.to()).await.expect("read").expect("record");
    assert_eq!(record.detail.as_deref(), Some("ChainIdMismatch"));
    // Nothing to relay.
    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    relayer.poll_once().await.expect("poll");
    assert!(net.relay(requested.id).await.is_none());
}

/// A destination whose `send_raw` hands the transaction to the node and then never returns, while
/// `crashed` is set: the relayer is stopped there, as a process killed after sending and before recording.
struct CrashAfterSend {
    inner: Arc<RpcChain>,
    crashed: AtomicBool,
}

impl ChainRead for CrashAfterSend {
    fn evm_chain_id(&self) -> u64 {
        self.inner.evm_chain_id()
    }
    async fn call(&self, call: &Call) -> ChainResult<alloy::primitives::Bytes> {
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
        let hash = self.inner.send_raw(raw).await?;
        if self.crashed.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        Ok(hash)
    }
}

#[tokio::test]
async fn killed_after_sending_and_restarted_ends_mined_with_one_transaction() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    let tx = transfer(0, recipient(0xa4), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;

    let crashing = Arc::new(CrashAfterSend { inner: net.destination.clone(), crashed: AtomicBool::new(true) });
    let mut relayer = net.relayer(crashing, 1).await;
    let signed_hash = {
        // The relayer's pass stops inside send_raw; the node has the transaction by then.
        let poll = relayer.poll_once();
        tokio::pin!(poll);
        let deadline = tokio::time::Instant::now() + common::net::DEADLINE;
        loop {
            tokio::select! {
                biased;
                result = &mut poll => panic!("the crashing pass returned: {result:?}"),
                () = tokio::time::sleep(Duration::from_millis(5)) => {}
            }
            if let Some(pending) = net.relay(requested.id).await
                && net.destination.receipt(pending.tx_hash).await.expect("receipt").is_some()
            {
                break pending.tx_hash; // the process dies here: nothing after the send runs
            }
            assert!(tokio::time::Instant::now() < deadline, "the transaction never reached the destination");
        }
    };
    drop(relayer);
    let recorded = net.relay(requested.id).await.expect("record");
    assert_eq!(recorded.status, RelayState::Pending, "killed before recording the send");

    let mut restarted = net.relayer(net.destination.clone(), 1).await;
    let done = net.relay_until(&mut restarted, requested.id, "confirmed", |b| b.status == RelayState::Confirmed).await;
    assert_eq!(done.tx_hash, signed_hash);
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1, "one transaction at that nonce");
    assert_eq!(net.destination.balance(recipient(0xa4)).await.expect("balance"), VALUE, "sent once");

    // Duplicate events: the watcher reads the answers again from the start; still one broadcast, one transaction.
    let stream = zrsign::store::StreamId { service: "relayer", evm_chain_id: 31_337, address: net.proxy };
    net.store.rewind(&stream, net.start_block).await.expect("rewind");
    let mut replay = net.relayer(net.destination.clone(), 1).await;
    let report = replay.poll_once().await.expect("poll");
    assert_eq!(report.queued, vec![requested.id.to::<u64>()], "the answer is seen again");
    let after = net.relay(requested.id).await.expect("record");
    assert_eq!((after.status, after.tx_hash, after.attempts), (RelayState::Confirmed, done.tx_hash, done.attempts));
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1);
}

#[tokio::test]
async fn a_reorg_that_drops_the_transfer_is_rebroadcast_and_mined_again() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    let tx = transfer(0, recipient(0xa5), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    let mut relayer = net.relayer(net.destination.clone(), 3).await;
    let mined = net.relay_until(&mut relayer, requested.id, "mined", |b| b.status == RelayState::Mined).await;
    assert_eq!(mined.attempts, 1);

    net.destination.reorg(1).await.expect("anvil_reorg drops the block");
    assert!(net.destination.receipt(mined.tx_hash).await.expect("receipt").is_none(), "the reorg dropped it");
    let again = net
        .relay_until(&mut relayer, requested.id, "re-mined", |b| b.status == RelayState::Mined && b.attempts == 2)
        .await;
    assert_eq!(again.tx_hash, mined.tx_hash, "the same raw bytes");
    net.destination.mine(2).await.expect("mine");
    let done = net.relay_until(&mut relayer, requested.id, "confirmed", |b| b.status == RelayState::Confirmed).await;
    assert!(done.confirmations >= 3);
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1);
    assert_eq!(net.destination.balance(recipient(0xa5)).await.expect("balance"), VALUE);
}

#[tokio::test]
async fn a_transaction_already_known_or_already_mined_is_fine() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    let first = transfer(0, recipient(0xa6), VALUE, 3 * GWEI);
    let second = transfer(1, recipient(0xa6), VALUE, 3 * GWEI);
    let a = net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&first)).await;
    let b = net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&second)).await;
    // Someone else broadcast both already: the first is mined, the second waits in the pool.
    net.destination.send_raw(&signed_by(&key, &first)).await.expect("first mined");
    net.destination.set_automine(false).await.expect("automine off");
    net.destination.send_raw(&signed_by(&key, &second)).await.expect("second pooled");

    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    let mined = net.relay_until(&mut relayer, a.id, "first", |b| b.status == RelayState::Confirmed).await;
    assert_eq!(mined.attempts, 1, "nonce too low with its own hash mined: success");
    let pooled = net.relay_until(&mut relayer, b.id, "second sent", |x| x.status == RelayState::Sent).await;
    assert_eq!(pooled.error_class, None, "already known: success");
    net.destination.set_automine(true).await.expect("automine on");
    net.destination.mine(1).await.expect("mine");
    net.relay_until(&mut relayer, b.id, "second", |x| x.status == RelayState::Confirmed).await;
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 2);
    assert_eq!(net.destination.balance(recipient(0xa6)).await.expect("balance"), VALUE * U256::from(2));
}

#[tokio::test]
async fn another_transaction_at_the_nonce_supersedes_it() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    let tx = transfer(0, recipient(0xa7), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    // The key's owner spends nonce 0 elsewhere first.
    let other = transfer(0, recipient(0xb7), VALUE, 3 * GWEI);
    net.destination.send_raw(&signed_by(&key, &other)).await.expect("other");
    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    let failed = net.relay_until(&mut relayer, requested.id, "superseded", |b| b.status.is_terminal()).await;
    assert_eq!(failed.status, RelayState::Failed);
    assert_eq!(failed.error_class.as_deref(), Some(FailureClass::Superseded.as_str()));
    assert_eq!(net.destination.balance(recipient(0xa7)).await.expect("balance"), U256::ZERO);
}

#[tokio::test]
async fn a_fee_cap_below_the_base_fee_is_retried_until_it_fits() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    let tx = transfer(0, recipient(0xa8), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    net.destination.set_next_base_fee(50 * GWEI).await.expect("base fee");
    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    let refused = net
        .relay_until(&mut relayer, requested.id, "underpriced", |b| {
            b.status == RelayState::Underpriced && b.attempts >= 2
        })
        .await;
    assert!(refused.needed_fee.is_some_and(|f| f > 50 * GWEI), "reports what a replacement needs: {refused:?}");
    // The base fee falls back: the same signed transaction fits.
    net.destination.set_next_base_fee(GWEI).await.expect("base fee");
    net.relay_until(&mut relayer, requested.id, "confirmed", |b| b.status == RelayState::Confirmed).await;
    assert_eq!(net.destination.balance(recipient(0xa8)).await.expect("balance"), VALUE);
}

#[tokio::test]
async fn a_stuck_transaction_is_reported_and_its_mined_replacement_succeeds_for_both() {
    let mut net = Net::new().await;
    let key = net.key().await;
    net.fund(key.address, ETHER).await;
    net.destination.set_automine(false).await.expect("automine off");
    let low = transfer(0, recipient(0xa9), VALUE, 3 * GWEI);
    let a = net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&low)).await;
    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    net.relay_until(&mut relayer, a.id, "pooled", |b| b.status == RelayState::Sent).await;
    // The next block's base fee jumps above the signed fee cap: the pooled transaction cannot be mined.
    net.destination.set_next_base_fee(50 * GWEI).await.expect("base fee");
    let stuck = net.relay_until(&mut relayer, a.id, "stuck", |b| b.status == RelayState::Stuck).await;
    let needed = stuck.needed_fee.expect("the fee a replacement needs");
    assert!(needed > 50 * GWEI, "{stuck:?}");

    // The user re-requests a signature at the same nonce with the fees the relayer reported.
    let high = transfer(0, recipient(0xa9), VALUE, needed * 2);
    let b = net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&high)).await;
    net.relay_until(&mut relayer, b.id, "replacement sent", |x| is(x, &[RelayState::Sent])).await;
    net.destination.set_automine(true).await.expect("automine on");
    net.destination.mine(1).await.expect("mine");
    net.relay_until(&mut relayer, b.id, "replacement confirmed", |x| x.status == RelayState::Confirmed).await;
    let replaced = net.relay_until(&mut relayer, a.id, "replaced", |x| x.status.is_terminal()).await;
    assert_eq!((replaced.status, replaced.replaced_by), (RelayState::Replaced, Some(b.id.to())));
    assert!(replaced.status.is_success());
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1);
    assert_eq!(net.destination.balance(recipient(0xa9)).await.expect("balance"), VALUE);
}

#[tokio::test]
async fn an_unreachable_destination_is_retried_and_reported() {
    let mut net = Net::new().await;
    let key = net.key().await;
    let tx = transfer(0, recipient(0xaa), VALUE, 3 * GWEI);
    let requested =
        net.sign_tx(&key, DESTINATION, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    // A destination anvil on a known port, stopped after the relayer connected.
    let port = free_port();
    let node =
        zrsign::chain::AnvilChain::spawn_on(common::toolchain(), DESTINATION, Some(port), &[]).await.expect("anvil");
    let destination = Arc::new(RpcChain::connect(&node.endpoint(), Vec::new()).await.expect("connect"));
    let mut relayer = net.relayer(destination, 1).await;
    drop(node);
    let down = net
        .relay_until(&mut relayer, requested.id, "unreachable", |b| {
            b.status == RelayState::Unreachable && b.attempts >= 3
        })
        .await;
    assert_eq!(down.error_class.as_deref(), Some("unreachable"));
    assert!(down.last_error.as_deref().is_some_and(|e| e.contains("unreachable")), "{down:?}");
    // The node comes back (empty: a new chain on the same port); the key gets funds; the broadcast goes out.
    // (The old process may hold the port for a moment after it was killed.)
    let node = common::net::until("anvil back on its port", || async {
        zrsign::chain::AnvilChain::spawn_on(common::toolchain(), DESTINATION, Some(port), &[]).await.ok()
    })
    .await;
    let [funder] = zrsign::chain::ChainSubmit::first_accounts(&node.rpc).expect("accounts");
    zrsign::chain::ChainSubmit::send(&node.rpc, Call::transfer(funder, key.address, ETHER)).await.expect("fund");
    net.relay_until(&mut relayer, requested.id, "confirmed", |b| b.status == RelayState::Confirmed).await;
    assert_eq!(node.rpc.balance(recipient(0xaa)).await.expect("balance"), VALUE);
}

#[tokio::test]
async fn a_destination_without_rpc_is_reported_not_dropped() {
    let mut net = Net::new().await;
    let key = net.key().await;
    // A transaction for the source chain: the relayer below has an RPC only for the destination.
    let tx =
        alloy::consensus::TxEip1559 { chain_id: common::net::SOURCE, ..transfer(0, recipient(0xab), VALUE, 3 * GWEI) };
    let requested =
        net.sign_tx(&key, common::net::SOURCE, alloy::consensus::SignableTransaction::encoded_for_signing(&tx)).await;
    let mut relayer = net.relayer(net.destination.clone(), 1).await;
    relayer.poll_once().await.expect("poll");
    let record = net.relay(requested.id).await.expect("recorded");
    assert_eq!(record.status, RelayState::Unroutable);
    assert_eq!(record.dst_chain, "eip155:31337");
    assert!(record.last_error.as_deref().is_some_and(|e| e.contains("no RPC")));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}
