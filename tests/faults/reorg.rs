//! A source reorg dropping blocks that hold requests and their answers: the requests that still exist are
//! answered (again), the vanished ones are not, and the follower's stored hashes are what detects it.

use crate::{Audit, common};
use common::net::Net;
use std::time::{Duration, Instant};
use zrsign::{
    chain::{ChainRead, DevChain},
    store::StreamId,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_source_reorg_dropping_requests_and_answers_is_detected_and_answered_once() {
    let started = Instant::now();
    let mut net = Net::new().await;
    let from = net.source.block_number().await.expect("head") + 1;
    let client = net.client();
    let a1 = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("A1");
    let a2 = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("A2");
    drop(client);
    // Answered in one batch, and the answer's block processed too (its hash stored).
    net.responder.poll_once().await.expect("poll");
    net.responder.poll_once().await.expect("poll");
    let before = Audit::read(&net.source, net.proxy, from).await;
    assert_eq!((before.requested.len(), before.counts().0), (2, 2), "{before:?}");
    let answered_block = net.source.block_number().await.expect("head");
    assert!(answered_block > a2.receipt.block_number);
    let stream =
        StreamId { service: zrsign::responder::SERVICE, evm_chain_id: common::net::SOURCE, address: net.proxy };
    let stored = net.store.recent_blocks(&stream, 16).await.expect("stored hashes");
    assert!(stored.iter().any(|(n, _)| *n == answered_block), "the answer block's hash is stored: {stored:?}");

    // Drop A2's block and the answers' block; the chain grows past the old height with other blocks.
    let depth = answered_block - a1.receipt.block_number;
    net.source.rollback(depth).await.expect("rollback");
    net.source.mine(depth + 2).await.expect("mine");
    let a3 = net.client().send_key_request(net.user, net.wallet_type, 1, None).await.expect("A3");
    let reorged_at = Instant::now();
    let deadline = reorged_at + Duration::from_secs(60);
    let audit = loop {
        net.responder.poll_once().await.expect("poll");
        let audit = Audit::read(&net.source, net.proxy, from).await;
        if audit.counts().4 == 0 && audit.requested.len() >= 2 {
            break audit;
        }
        assert!(Instant::now() < deadline, "the surviving requests were not answered on the new chain: {audit:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let recovered = reorged_at.elapsed();
    let stored = net.store.recent_blocks(&stream, 16).await.expect("stored hashes");
    for (number, hash) in &stored {
        let block = net.source.block(alloy::eips::BlockNumberOrTag::Number(*number)).await.expect("block");
        assert_eq!(block.map(|b| b.hash), Some(*hash), "stored hashes are of the new chain after the rewind");
    }
    // A2's transaction is gone with its block (its id is reused by A3 on the new chain).
    let a2_gone = net.source.receipt(a2.receipt.tx_hash).await.expect("lookup").is_none();
    let (answered, rejected, _, duplicates, open) = audit.counts();
    println!(
        "fault source-reorg: rolled back {depth} blocks (requests and answers); before: requested {} answered {}; \
         after: requested {} (A1 kept, A2 {}, A3 new, id {}) answered {answered} rejected {rejected} duplicates \
         {duplicates} open {open}; answered again {recovered:.1?} after the reorg; test {:.1?}",
        before.requested.len(),
        before.counts().0,
        audit.requested.len(),
        if a2_gone { "vanished" } else { "re-included" },
        a3.id,
        started.elapsed()
    );
    assert!(a2_gone, "the rollback dropped A2");
    assert_eq!(audit.requested, vec![a1.id, a3.id], "A1 kept, A2 vanished, A3 new");
    assert!(audit.settled.keys().all(|id| audit.requested.contains(id)), "a vanished request is not answered");
    audit.assert_exactly_once();
}
