//! The destination chain through a proxy: down when a broadcast is due (retried with a backoff, mined when it
//! returns), and wedged (a transaction that can never be mined at its signed fees: reported `stuck`, polled at
//! the configured interval, never re-sent in a hot loop — the RPC calls through the proxy are counted).

use crate::{
    all_settled, answered_key, common, connect, fresh_store, proxy::Proxy, request_transfer, spawn_relayer,
    spawn_responder, within,
};
use alloy::primitives::{Address, U256};
use common::net::{Net, relayer_config};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use zrsign::{
    chain::{ChainRead, DevChain, RpcChain},
    signer::MockSigner,
    store::{Broadcast, RelayState},
};

const GWEI: u128 = 1_000_000_000;

async fn relay_state(net: &Net, store: &zrsign::store::Store, id: U256) -> Option<Broadcast> {
    store.broadcast(common::net::SOURCE, net.proxy, id.to()).await.expect("store")
}

#[tokio::test(flavor = "multi_thread")]
async fn destination_down_when_a_broadcast_is_due_is_retried_and_mined_when_it_returns() {
    let started = Instant::now();
    let net = Net::new().await;
    let from = net.source.block_number().await.expect("head") + 1;
    let proxy = Proxy::start(&net.destination_node.endpoint()).await;
    let destination = Arc::new(RpcChain::connect(&proxy.url, Vec::new()).await.expect("connect"));
    let store = fresh_store(&net, "destination.db").await;
    let source = connect(&net, &net.source_node.endpoint()).await;
    let responder =
        spawn_responder(&net, source.clone(), Arc::new(MockSigner::single(net.root.clone())), store.clone()).await;
    let relayer = spawn_relayer(&net, source, destination, &proxy.url, store.clone(), relayer_config()).await;
    let key = answered_key(&net, from, 1).await;
    net.fund(key.address, U256::from(10u64).pow(U256::from(18))).await;

    proxy.down();
    let recipient = Address::repeat_byte(0xd1);
    let id = request_transfer(&net, &key, 0, recipient, U256::from(777), 3 * GWEI).await;
    let down = within("the broadcast retried while the destination is down", Duration::from_secs(60), || async {
        relay_state(&net, &store, id).await.filter(|b| b.status == RelayState::Unreachable && b.attempts >= 3)
    })
    .await;
    assert_eq!(down.error_class.as_deref(), Some("unreachable"));
    proxy.up();
    let up_at = Instant::now();
    let mined = within("the transfer mined after the destination returned", Duration::from_secs(60), || async {
        relay_state(&net, &store, id).await.filter(|b| matches!(b.status, RelayState::Mined | RelayState::Confirmed))
    })
    .await;
    let recovered = up_at.elapsed();
    let audit = all_settled(&net.source, net.proxy, from, 2, Duration::from_secs(10)).await;
    responder.stop().await;
    relayer.stop().await;
    assert_eq!(net.destination.balance(recipient).await.expect("balance"), U256::from(777));
    assert_eq!(net.destination.nonce(key.address).await.expect("nonce"), 1, "sent once");
    let (answered, rejected, _, duplicates, open) = audit.counts();
    println!(
        "fault destination-down: requests {} answered {answered} rejected {rejected} duplicates {duplicates} open \
         {open}; broadcast attempts while down {} (then {} in all), relayed 1, mined {recovered:.1?} after the \
         destination returned; test {:.1?}",
        audit.requested.len(),
        down.attempts,
        mined.attempts,
        started.elapsed()
    );
    audit.assert_exactly_once();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wedged_destination_is_reported_stuck_and_not_retried_in_a_hot_loop() {
    let started = Instant::now();
    let net = Net::new().await;
    let from = net.source.block_number().await.expect("head") + 1;
    let proxy = Proxy::start(&net.destination_node.endpoint()).await;
    let destination = Arc::new(RpcChain::connect(&proxy.url, Vec::new()).await.expect("connect"));
    let store = fresh_store(&net, "wedged.db").await;
    let source = connect(&net, &net.source_node.endpoint()).await;
    let responder =
        spawn_responder(&net, source.clone(), Arc::new(MockSigner::single(net.root.clone())), store.clone()).await;
    let poll = Duration::from_millis(200);
    let config = zrsign::relayer::RelayerConfig { poll_interval: poll, ..relayer_config() };
    let relayer = spawn_relayer(&net, source, destination, &proxy.url, store.clone(), config).await;
    let key = answered_key(&net, from, 1).await;
    net.fund(key.address, U256::from(10u64).pow(U256::from(18))).await;

    // Pooled, then the base fee rises above its signed fee cap for good: it can never be mined.
    net.destination.set_automine(false).await.expect("automine off");
    let id = request_transfer(&net, &key, 0, Address::repeat_byte(0xd2), U256::from(1), 3 * GWEI).await;
    within("the broadcast pooled", Duration::from_secs(60), || async {
        relay_state(&net, &store, id).await.filter(|b| b.status == RelayState::Sent)
    })
    .await;
    net.destination.set_next_base_fee(100 * GWEI).await.expect("base fee");
    let stuck = within("the broadcast reported stuck", Duration::from_secs(60), || async {
        relay_state(&net, &store, id).await.filter(|b| b.status == RelayState::Stuck)
    })
    .await;
    assert!(stuck.needed_fee.is_some_and(|f| f > 100 * GWEI), "{stuck:?}");

    // A window of relayer passes over the stuck broadcast: calls bounded by the poll interval, nothing re-sent.
    let window = Duration::from_secs(3);
    let (calls, sends) = (proxy.calls(), proxy.sends());
    let window_started = Instant::now();
    tokio::time::sleep(window).await; // the observation window, not a synchronisation
    let elapsed = window_started.elapsed();
    let (calls, sends) = (proxy.calls() - calls, proxy.sends() - sends);
    let still = relay_state(&net, &store, id).await.expect("record");
    responder.stop().await;
    relayer.stop().await;
    let passes = elapsed.as_millis() / poll.as_millis() + 2;
    // Each pass over a stuck broadcast reads at most its receipt, its transaction, the base fee and the fee a
    // replacement needs, plus the broadcaster's own due/nonce reads: allow 8 calls a pass.
    let bound = (passes * 8) as u64;
    println!(
        "fault wedged-destination: status {} (needed fee {:?} wei, base fee 100 gwei, fee cap 3 gwei); {calls} RPC \
         calls and {sends} sends through the proxy in {elapsed:.1?} at a {poll:?} poll interval (bound {bound}); \
         test {:.1?}",
        still.status.as_str(),
        still.needed_fee,
        started.elapsed()
    );
    assert_eq!(still.status, RelayState::Stuck);
    assert_eq!(sends, 0, "a stuck transaction is not re-sent");
    assert!(calls > 0, "the relayer keeps watching it");
    assert!(calls <= bound, "{calls} calls in {elapsed:?}: a hot loop (bound {bound})");
    let audit = crate::Audit::read(&net.source, net.proxy, from).await;
    audit.assert_exactly_once();
}
