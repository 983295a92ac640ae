//! Spawned anvils leave nothing behind: no state snapshots under `~/.foundry/anvil/tmp` (anvil's default,
//! never cleaned up), and the per-chain cache folder under `target/anvil/` is removed when the chain drops.
//!
//! The test runs with `HOME` pointing at a fresh folder (one test in this binary, so no other test sees the
//! change), which isolates it from other anvils on the machine: a bare anvil (the control) does write its
//! snapshots there, and the project's spawn must not.

mod common;

use alloy::{node_bindings::Anvil, primitives::U256, providers::Provider};
use std::path::Path;
use zrsign::chain::{AnvilChain, ChainSubmit};

/// Blocks mined, each with one transfer: well past the states anvil keeps in memory by default (~300).
const BLOCKS: usize = 700;

fn files_under(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { 1 + files_under(&e.path()) } else { 1 }).sum()
}

/// Mines `BLOCKS` blocks, each holding one transfer from dev account 0 (automine: one block per transaction).
async fn mine_transfers(provider: &impl Provider, from: alloy::primitives::Address) {
    let to = alloy::primitives::Address::repeat_byte(0x42);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    for _ in 0..BLOCKS {
        let tx = serde_json::json!({ "from": from, "to": to, "value": "0x1" });
        let hash: alloy::primitives::B256 =
            provider.raw_request("eth_sendTransaction".into(), (tx,)).await.expect("eth_sendTransaction");
        // Automine seals it shortly after answering; waiting for its receipt gives each transfer its own block.
        while provider.get_transaction_receipt(hash).await.expect("receipt").is_none() {
            assert!(std::time::Instant::now() < deadline, "{BLOCKS} transfers not mined within 120 s");
            tokio::task::yield_now().await;
        }
    }
    assert!(provider.get_block_number().await.expect("block number") >= BLOCKS as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawned_anvil_persists_nothing_and_removes_its_cache_folder() {
    let toolchain = common::toolchain();
    let home = tempfile::tempdir().expect("temp home");
    // SAFETY: the only test of this binary, run before any thread reads the environment concurrently
    // (anvil children inherit it at spawn).
    unsafe { std::env::set_var("HOME", home.path()) };
    let snapshots = home.path().join(".foundry/anvil/tmp");

    // Control: a bare anvil writes state snapshots under $HOME once past its in-memory states.
    {
        let bare = Anvil::at(&toolchain.anvil.path).args(["--hardfork", "prague"]).try_spawn().expect("bare anvil");
        let provider = alloy::providers::ProviderBuilder::new().connect_http(bare.endpoint().parse().expect("url"));
        mine_transfers(&provider, bare.addresses()[0]).await;
        // anvil moves states to disk in the background: wait for the first with a deadline.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while files_under(&snapshots) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the control anvil wrote no snapshot: this test proves nothing"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    std::fs::remove_dir_all(home.path().join(".foundry")).expect("clear the control's snapshots");

    let chain = AnvilChain::spawn(toolchain, 31_337).await.expect("spawn");
    let cache = chain.cache_path().to_path_buf();
    assert!(cache.is_dir(), "cache folder {} exists while anvil runs", cache.display());
    let [from] = chain.rpc.first_accounts().expect("account");
    mine_transfers(chain.rpc.provider(), from).await;
    // Old blocks and their receipts are still served (history pruning drops states, not blocks).
    let first = chain.rpc.provider().get_block_by_number(1.into()).await.expect("block 1");
    assert!(first.is_some(), "block 1 is still served");
    let balance = chain.rpc.provider().get_balance(alloy::primitives::Address::repeat_byte(0x42)).await;
    assert_eq!(balance.expect("balance"), U256::from(BLOCKS));
    assert_eq!(files_under(&snapshots), 0, "anvil wrote snapshots under $HOME/.foundry/anvil/tmp");
    drop(chain);

    assert!(!cache.exists(), "cache folder {} removed on drop", cache.display());
    assert!(!home.path().join(".foundry").exists(), "nothing under $HOME/.foundry");
}
