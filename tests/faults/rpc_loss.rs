//! RPC loss: the responder and the relayer reach the source node through a proxy that drops every connection
//! and refuses new ones for a few seconds while requests keep arriving (sent straight to the node). They back
//! off, reconnect and catch up without operator action.

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
use zrsign::{chain::ChainRead, signer::MockSigner, store::RelayState};

const OUTAGE: Duration = Duration::from_secs(3);
const GWEI: u128 = 1_000_000_000;

#[tokio::test(flavor = "multi_thread")]
async fn source_rpc_loss_is_survived_and_caught_up() {
    let started = Instant::now();
    let net = Net::new().await;
    let from = net.source.block_number().await.expect("head") + 1;
    let proxy = Proxy::start(&net.source_node.endpoint()).await;
    let source = connect(&net, &proxy.url).await;
    let store = fresh_store(&net, "rpc-loss.db").await;
    let signer = Arc::new(MockSigner::single(net.root.clone()));
    let responder = spawn_responder(&net, source.clone(), signer, store.clone()).await;
    let relayer = spawn_relayer(
        &net,
        source,
        net.destination.clone(),
        &net.destination_node.endpoint(),
        store.clone(),
        relayer_config(),
    )
    .await;
    let key = answered_key(&net, from, 1).await;
    net.fund(key.address, U256::from(10u64).pow(U256::from(18))).await;

    // The outage: connections dropped, requests arrive meanwhile.
    proxy.down();
    let down_at = Instant::now();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(net.client().send_key_request(net.user, net.wallet_type, 1, None).await.expect("key").id);
    }
    let recipient = Address::repeat_byte(0xc1);
    let transfer = request_transfer(&net, &key, 0, recipient, U256::from(12_345), 3 * GWEI).await;
    let outage_left = OUTAGE.saturating_sub(down_at.elapsed());
    tokio::time::sleep(outage_left).await; // the fault's duration, not a synchronisation
    proxy.up();
    let up_at = Instant::now();
    let outage = up_at.duration_since(down_at);

    let audit = all_settled(&net.source, net.proxy, from, 7, Duration::from_secs(60)).await;
    let answered_in = up_at.elapsed();
    let relayed = within("the transfer relayed", Duration::from_secs(60), || async {
        let b = store.broadcast(common::net::SOURCE, net.proxy, transfer.to()).await.expect("store")?;
        matches!(b.status, RelayState::Mined | RelayState::Confirmed).then_some(b)
    })
    .await;
    let recovered = up_at.elapsed();
    responder.stop().await;
    relayer.stop().await;
    assert_eq!(net.destination.balance(recipient).await.expect("balance"), U256::from(12_345));
    let (answered, rejected, _, duplicates, open) = audit.counts();
    println!(
        "fault rpc-loss: source unreachable for {outage:.1?} ({} connections refused at the proxy); requests {} \
         answered {answered} rejected {rejected} duplicates {duplicates} open {open}; relayed 1 (attempts {}); \
         answered {answered_in:.1?} and relayed {recovered:.1?} after the RPC returned; test {:.1?}",
        proxy.refused(),
        audit.requested.len(),
        relayed.attempts,
        started.elapsed()
    );
    assert_eq!((answered, rejected), (7, 0));
    // Two services retrying with a capped backoff (10 ms doubling to 100 ms): tens of attempts (a hot loop
    // makes thousands); twice that allowed for the HTTP client's own reconnects.
    let bound = 4 * (outage.as_millis() as u64 / 100 + 10);
    assert!(proxy.refused() <= bound, "{} connection attempts in {outage:?} (bound {bound})", proxy.refused());
    audit.assert_exactly_once();
}
