//! `zrsign devnet` as a user runs it: a child process that writes `devnet.json`, through which another process
//! reaches both chains, the deployment and the status API, and that stops cleanly on SIGTERM (or Ctrl-C), taking
//! both anvils with it.

mod common;

use alloy::{primitives::U256, transports::http::reqwest};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};
use zrsign::{
    bindings::ZrSignAdmin,
    chain::{ChainRead, RpcChain},
    devnet::DevnetInfo,
};

/// Kills the child if the test fails before it stopped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn devnet_runs_until_interrupted_and_devnet_json_reaches_both_chains() {
    common::artifacts(); // the toolchain and the contract build, before the clock of this test starts
    let dir = tempfile::tempdir().expect("tempdir");
    let info_path = dir.path().join("devnet.json");
    let child = Command::new(env!("CARGO_BIN_EXE_zrsign"))
        .args(["devnet", "--info"])
        .arg(&info_path)
        .arg("--store")
        .arg(dir.path().join("zrsign.db"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn zrsign devnet");
    let mut guard = Guard(child);

    let info: DevnetInfo = common::net::until("devnet.json", || async {
        let text = std::fs::read_to_string(&info_path).ok()?;
        Some(serde_json::from_str(&text).expect("devnet.json parses"))
    })
    .await;
    assert_eq!(info.chains.len(), 2);
    for chain in &info.chains {
        let rpc = RpcChain::connect(&chain.rpc_url, Vec::new()).await.expect("reach the chain");
        assert_eq!(rpc.evm_chain_id(), chain.evm_chain_id, "{chain:?}");
        assert_eq!(Some(chain.evm_chain_id), chain.caip2.evm_chain_id());
    }
    let source = RpcChain::connect(&info.chains[0].rpc_url, Vec::new()).await.expect("source");
    assert_eq!(source.view(info.proxy, ZrSignAdmin::versionCall {}).await.expect("version"), U256::from(1));
    for account in &info.accounts {
        let signer = alloy::signers::local::PrivateKeySigner::from_bytes(&account.private_key).expect("key");
        assert_eq!(signer.address(), account.address, "the printed key is the account's");
        assert!(source.balance(account.address).await.expect("balance") > U256::ZERO);
    }
    let http = info.http.clone().expect("status API served");
    let ready = reqwest::get(format!("{http}healthz")).await.expect("healthz");
    assert!(ready.status().is_success());

    // SIGTERM (as a service manager stops it; Ctrl-C is SIGINT, handled alike): services finish, the anvils end,
    // the process exits 0.
    let pid = guard.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().expect("kill").success());
    let deadline = tokio::time::Instant::now() + common::net::DEADLINE;
    let status = loop {
        if let Some(status) = guard.0.try_wait().expect("wait") {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "the devnet did not exit after SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status:?}");
    for chain in &info.chains {
        assert!(RpcChain::connect(&chain.rpc_url, Vec::new()).await.is_err(), "{} still answers", chain.rpc_url);
    }
}
