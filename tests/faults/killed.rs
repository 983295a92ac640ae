//! The responder process SIGKILLed after its batch transaction was sent and recorded, before the blocks were
//! committed (the `ZRSIGN_FAULT_PAUSE_AFTER_SEND` seam), then restarted: every request answered exactly once.

use crate::{Audit, all_settled, common, within};
use alloy::primitives::B256;
use common::cli::{Zrsign, dev_key, write_file};
use std::time::{Duration, Instant};
use zrsign::{
    chain::ChainSubmit,
    chain::{AnvilChain, ChainRead},
    client::Client,
    output::DeployOutput,
    protocol::WalletType,
    store::Store,
};

const ROOT_SECRET: &str = "0x0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c";
const REQUESTS: usize = 30;

#[tokio::test(flavor = "multi_thread")]
async fn responder_killed_after_sending_a_batch_answers_every_request_once_after_restart() {
    let started = Instant::now();
    let source = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("anvil");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let deployer = write_file(path, "deployer.key", &dev_key(&source, 0));
    let mpc = write_file(path, "mpc.key", &dev_key(&source, 1));
    let root = write_file(path, "root.key", ROOT_SECRET);
    let zrsign = Zrsign::new(path);
    let mpc_account = source.rpc.accounts()[1];
    let deployed: DeployOutput = zrsign
        .run(&[
            "deploy",
            "--rpc-url",
            &source.endpoint(),
            "--private-key-file",
            &deployer,
            "--mpc",
            &mpc_account.to_string(),
            "--root-key-file",
            &root,
            "--chain",
            "eip155:31337",
            "--json",
        ])
        .json();
    let proxy = deployed.deployed.proxy;
    let from = source.rpc.block_number().await.expect("head");

    // Requests waiting before the responder starts: its first batch is full (20 of 30).
    let user = source.rpc.accounts()[2];
    let client = Client::new(&source.rpc, proxy, user);
    for _ in 0..REQUESTS {
        client.send_key_request(user, WalletType::EVM.id(), 1, None).await.expect("key request");
    }

    let store = path.join("zrsign.db").display().to_string();
    let marker = path.join("sent.marker");
    let args = [
        "responder",
        "run",
        "--private-key-file",
        &mpc,
        "--root-key-file",
        &root,
        "--store",
        &store,
        "--poll-ms",
        "50",
        "--json",
    ];
    let mut first = zrsign.clone().with_env("ZRSIGN_FAULT_PAUSE_AFTER_SEND", &marker).spawn("responder-1", &args);
    let hash: B256 = within("the responder to send its first batch", Duration::from_secs(60), || {
        first.assert_running();
        let text = std::fs::read_to_string(&marker).ok();
        async move { text.and_then(|t| t.trim().parse().ok()) }
    })
    .await;
    first.kill();
    let killed_at = Instant::now();

    // The batch reached the chain; the store has it as sent but nothing committed.
    let receipt = source.rpc.receipt(hash).await.expect("receipt").expect("the batch was mined");
    assert!(receipt.success);
    let at_kill = Audit::read(&source.rpc, proxy, from).await;
    let answered_by_killed = at_kill.counts().0;
    assert!(answered_by_killed >= 1, "the killed batch answered some requests");
    let opened = Store::open(&path.join("zrsign.db")).await.expect("store");
    assert!(opened.request(31_337, proxy, 1).await.expect("read").is_none(), "the range was not committed");
    assert_eq!(opened.pending_sent(31_337).await.expect("read").len(), 1, "the batch is recorded as pending");
    drop(opened);

    let mut second = zrsign.spawn("responder-2", &args);
    let audit = all_settled(&source.rpc, proxy, from, REQUESTS, Duration::from_secs(60)).await;
    let recovered = killed_at.elapsed();
    second.assert_running();
    let (answered, rejected, _, duplicates, open) = audit.counts();
    println!(
        "fault responder-killed-mid-batch: requests {} answered {answered} (by the killed batch {answered_by_killed}) \
         rejected {rejected} duplicates {duplicates} open {open}; recovered {recovered:.1?} after SIGKILL; \
         test {:.1?}",
        audit.requested.len(),
        started.elapsed()
    );
    assert_eq!(audit.requested.len(), REQUESTS);
    assert_eq!(answered, REQUESTS);
    audit.assert_exactly_once();
}
