//! The devnet's whole story on two anvil chains, with the responder and the relayer running on one store:
//! key → funded on the destination → hash and data signatures → an EIP-1559 and a v1 legacy transfer, each
//! signed with `broadcast`, relayed and mined on the destination chain; every answer verified off-chain.

mod common;

use alloy::primitives::U256;
use std::time::Duration;
use zrsign::{
    bindings::IZrSign,
    chain::{ChainRead, ChainSubmit},
    devnet::{Devnet, DevnetOptions, demo},
    store::{RelayState, RequestState},
};

#[tokio::test]
async fn devnet_demo_answers_everything_and_relays_both_transfers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = DevnetOptions { store_path: Some(dir.path().join("zrsign.db")), ..Default::default() };
    let quiet = |_: &str| {};
    let net = Devnet::start(common::toolchain(), common::artifacts(), &options, &quiet).await.expect("devnet");
    let [_, _, user] = net.source.first_accounts().expect("accounts");

    let report = demo::run(&net, user).await.expect("the demo verifies");
    let labels: Vec<&str> = report.steps.iter().map(|s| s.label).collect();
    assert_eq!(
        labels,
        [
            "key",
            "sign hash",
            "sign data",
            "sign tx (EIP-1559) + broadcast",
            "sign tx (v1 legacy, chain id 0) + broadcast"
        ]
    );
    let ids: Vec<u64> = report.steps.iter().map(|s| s.request_id.to::<u64>()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5], "request ids are sequential from 1");
    assert!(report.steps.iter().all(|s| s.recovered == report.key), "every signature is by the user's key");

    // Both transfers are on the destination chain, from the key, at nonces 0 and 1, and paid their recipients.
    let relayed: Vec<_> = report.steps.iter().filter_map(|s| s.relayed.clone()).collect();
    assert_eq!(relayed.len(), 2);
    for r in &relayed {
        assert_eq!(r.balance.1 - r.balance.0, demo::TRANSFER, "{r:?}");
        assert_eq!(net.destination.balance(r.recipient).await.expect("balance"), demo::TRANSFER);
        let tx = net.destination.transaction(r.tx_hash).await.expect("lookup").expect("on the destination");
        assert_eq!(tx.from, report.key);
    }
    assert_eq!(net.destination.nonce(report.key).await.expect("nonce"), 2, "exactly two transactions from the key");

    // Escrow moved on: nothing open, the protocol earned the service fees, the responder its gas parts.
    let proxy = net.deployment.proxy;
    assert_eq!(net.source.view(proxy, IZrSign::totalEscrowCall {}).await.expect("escrow"), U256::ZERO);
    let fees = net.source.view(proxy, IZrSign::protocolFeesCall {}).await.expect("fees");
    assert_eq!(fees, U256::from(5 * options.mpc_fee));
    let credit = net.source.view(proxy, IZrSign::claimableCall { account: net.roles.mpc }).await.expect("claimable");
    assert!(credit > U256::ZERO);

    // The store shows every request answered and both broadcasts confirmed. The services commit after the
    // effects the client saw, so this waits for the store itself (SQLite transactions: never a torn read).
    let store = &net.store;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let requests = store.recent_requests(31_337, proxy, 10).await.expect("requests");
        let answered = requests.iter().filter(|r| r.status == RequestState::Answered).count();
        let mut confirmed = 0;
        for id in [4, 5] {
            if store
                .broadcast(31_337, proxy, id)
                .await
                .expect("broadcast")
                .is_some_and(|b| b.status == RelayState::Confirmed)
            {
                confirmed += 1;
            }
        }
        if answered == 5 && confirmed == 2 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "store: {answered}/5 answered, {confirmed}/2 confirmed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let b = store.broadcast(31_337, proxy, 4).await.expect("read").expect("broadcast");
    assert_eq!((b.tx_hash, b.sender, b.nonce, b.attempts), (relayed[0].tx_hash, report.key, 0, 1));
    assert_eq!(b.mined_block, Some(relayed[0].block));
    net.stop().await;
}
