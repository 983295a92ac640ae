//! The sealed-block follower on anvil: a reorg of the source chain rewinds it to the fork point and the new
//! chain's events are read; an event that does not decode is recorded with its reason and skipped, and the
//! requests after it are still answered.

mod common;

use alloy::{
    primitives::{Bytes, U256},
    providers::Provider,
    sol_types::SolEvent,
};
use common::net::Net;
use zrsign::{
    bindings::IZrSign,
    chain::{Call, ChainSubmit, DevChain},
    follower::{Follower, FollowerConfig, Subscription},
    protocol::events::{self, REQUEST_EVENTS, ZrEvent},
    store::{RequestState, Store, StreamId},
};

#[tokio::test]
async fn a_source_reorg_rewinds_the_follower_and_reads_the_new_chain() {
    let net = Net::new().await;
    let store = Store::in_memory().await.expect("store");
    let subscription = Subscription {
        service: "test",
        address: net.proxy,
        topics: REQUEST_EVENTS.to_vec(),
        decode: events::decode,
        start_block: net.start_block,
    };
    let mut follower =
        Follower::new(net.source.clone(), store, subscription, FollowerConfig::default()).await.expect("follower");
    let owner = |n: u8| alloy::primitives::Address::repeat_byte(n);

    let orphaned = net.client().send_key_request(owner(0xa), net.wallet_type, 1, None).await.expect("request A");
    let batch = follower.next_batch().await.expect("read").expect("a batch");
    let owners: Vec<_> = batch
        .events
        .iter()
        .filter_map(|e| match &e.event {
            ZrEvent::Requested(r) => Some(r.request.owner),
            _ => None,
        })
        .collect();
    assert_eq!(owners, vec![owner(0xa)]);
    follower.commit(batch, Vec::new()).await.expect("commit");
    assert!(follower.next_batch().await.expect("read").is_none(), "caught up");

    // The block holding A is replaced; B lands on the new chain.
    net.source.reorg(1).await.expect("reorg");
    let b = net.client().send_key_request(owner(0xb), net.wallet_type, 1, None).await.expect("request B");
    assert_eq!(b.receipt.block_number, orphaned.receipt.block_number + 1);
    let mut seen = Vec::new();
    while let Some(batch) = follower.next_batch().await.expect("read") {
        seen.extend(batch.events.iter().filter_map(|e| match &e.event {
            ZrEvent::Requested(r) => Some(r.request.owner),
            _ => None,
        }));
        follower.commit(batch, Vec::new()).await.expect("commit");
    }
    assert_eq!(seen, vec![owner(0xb)], "the orphaned request is not read again; the new one is");
}

/// Runtime code that emits `LOG2(topic0 = calldata[0..32], topic1 = calldata[32..64], data = calldata[64..])`.
const LOG_EMITTER: [u8; 20] = [
    0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x60, 0x20, 0x51, 0x60, 0x00, 0x51, 0x60, 0x40, 0x36, 0x03, 0x60, 0x40, 0xa2,
    0x00,
];

#[tokio::test]
async fn an_undecodable_event_is_recorded_and_skipped_and_later_requests_are_answered() {
    let mut net = Net::new().await;
    // The proxy emits a ZrKeyRequested whose data is three bytes: its code is swapped for a log emitter for
    // one transaction (the proxy's storage stays), then restored.
    let code = net.source.provider().get_code_at(net.proxy).await.expect("code");
    net.source.set_code(net.proxy, Bytes::copy_from_slice(&LOG_EMITTER)).await.expect("set code");
    let input: Vec<u8> =
        [IZrSign::ZrKeyRequested::SIGNATURE_HASH.as_slice(), U256::from(99).to_be_bytes::<32>().as_slice(), &[1, 2, 3]]
            .concat();
    let call =
        Call { from: net.user, to: Some(net.proxy), input: input.into(), value: U256::ZERO, gas_limit: Some(100_000) };
    let bad = net.source.send(call).await.expect("emit");
    net.source.set_code(net.proxy, code).await.expect("restore code");

    let report = net.responder.poll_once().await.expect("poll");
    assert_eq!(report.undecodable, 1, "{report:?}");
    let stream = StreamId { service: "responder", evm_chain_id: 31_337, address: net.proxy };
    let skipped = net.store.skipped_events(&stream).await.expect("skipped");
    assert_eq!(skipped.len(), 1);
    assert_eq!((skipped[0].block, skipped[0].tx_hash), (bad.block_number, bad.tx_hash));
    assert!(skipped[0].reason.contains("ZrKeyRequested"), "{:?}", skipped[0]);

    let requested = net.client().send_key_request(net.user, net.wallet_type, 1, None).await.expect("request");
    net.answer(requested.id).await;
    let record = net.store.request(31_337, net.proxy, requested.id.to()).await.expect("read").expect("recorded");
    assert_eq!(record.status, RequestState::Answered);
}
