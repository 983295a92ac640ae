//! The full request lifecycle on a spawned anvil with the responder running in the background:
//! key request → answer → one request of each signing kind → answers, all verified off-chain.

mod common;

use std::sync::Arc;
use zrsign::{
    backend::{AnvilChain, Backend},
    bindings::IZrSign,
    devnet::{self, Devnet, DevnetOptions},
};

#[tokio::test]
async fn anvil_lifecycle_answers_and_verifies_every_kind() {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("spawn anvil");
    let backend = Arc::new(chain.rpc.clone());
    let cursor = tempfile::tempdir().expect("tempdir");
    let options = DevnetOptions { cursor_path: Some(cursor.path().join("cursor.json")), ..Default::default() };
    let net = Devnet::start(backend.clone(), common::artifacts(), &options).await.expect("devnet");
    let user = backend.accounts()[2];

    let steps = devnet::lifecycle(&net, user).await.expect("lifecycle verified");
    let labels: Vec<&str> = steps.iter().map(|s| s.label).collect();
    assert_eq!(labels, ["key", "sign hash", "sign data", "sign tx (EIP-1559)", "sign tx (v1 legacy, chain id 0)"]);
    let ids: Vec<u64> = steps.iter().map(|s| s.request_id.to::<u64>()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5], "request ids are sequential from 1");
    assert!(steps[1..].iter().all(|s| s.recovered == steps[0].recovered), "every signature is by the user's key");

    // Escrow moved on: nothing open, the protocol earned the service fees, the responder its gas parts.
    let proxy = net.deployment.proxy;
    assert_eq!(backend.view(proxy, IZrSign::totalEscrowCall {}).await.expect("escrow"), alloy::primitives::U256::ZERO);
    let fees = backend.view(proxy, IZrSign::protocolFeesCall {}).await.expect("fees");
    assert_eq!(fees, alloy::primitives::U256::from(5 * options.mpc_fee));
    let responder_credit =
        backend.view(proxy, IZrSign::claimableCall { account: net.roles.mpc }).await.expect("claimable");
    assert!(responder_credit > alloy::primitives::U256::ZERO);
    // The cursor was persisted past the block of the last request.
    let saved = std::fs::read_to_string(cursor.path().join("cursor.json")).expect("cursor file");
    let saved: zrsign::mpc::cursor::CursorState = serde_json::from_str(&saved).expect("cursor json");
    let last_request_block = backend.block_number().await.expect("block") - 1; // the last answer came after it
    assert!(saved.next_block > last_request_block, "{saved:?}");
    assert_eq!((saved.chain_id, saved.proxy), (31_337, proxy));
    net.stop().await;
}
