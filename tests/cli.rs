//! The `zrsign` binary end to end, against two anvil chains this test starts itself (not the devnet):
//! `deploy` → `responder run` and `relayer run` as child processes → `key request --wait --json` → the key
//! funded on the destination → `sign tx --broadcast --wait --json` → the destination balance changed. Every
//! `--json` output parses into its documented shape (`zrsign::output`), and both services stop cleanly on
//! SIGTERM.

mod common;

use alloy::primitives::{Address, U256};
use common::cli::{Zrsign, dev_key, wait_for, write_file};
use std::time::Duration;
use zrsign::{
    chain::{AnvilChain, Call, ChainRead, ChainSubmit},
    mpc::keys::RootSecret,
    output::{
        ConfigOutput, DeployOutput, FeesOutput, KeyListOutput, KeyOutput, RequestOutput, ServiceOutput, SignOutput,
        WithdrawOutput,
    },
};

const ROOT_SECRET: &str = "0x0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
const TRANSFER: u64 = 10_000_000_000_000_000; // 0.01 ether

#[tokio::test(flavor = "multi_thread")]
async fn deploy_run_services_request_a_key_and_relay_a_transfer() {
    let toolchain = common::toolchain();
    let (source, destination) =
        tokio::try_join!(AnvilChain::spawn(toolchain, 31_337), AnvilChain::spawn(toolchain, 31_338)).expect("anvils");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let deployer = write_file(path, "deployer.key", &dev_key(&source, 0));
    let mpc = write_file(path, "mpc.key", &dev_key(&source, 1));
    let user = write_file(path, "user.key", &dev_key(&source, 2));
    let root = write_file(path, "root.key", ROOT_SECRET);
    let mpc_account = source.rpc.accounts()[1];
    let user_account = source.rpc.accounts()[2];
    let zrsign = Zrsign::new(path);
    let (src_url, dst_url) = (source.endpoint(), destination.endpoint());

    // Deploy with the embedded contracts; the addresses land in ./zrsign.toml.
    let deployed: DeployOutput = zrsign
        .run(&[
            "deploy",
            "--rpc-url",
            &src_url,
            "--private-key-file",
            &deployer,
            "--mpc",
            &mpc_account.to_string(),
            "--root-key-file",
            &root,
            "--chain",
            "eip155:31337,eip155:31338",
            "--mpc-fee",
            "1000000000000",
            "--json",
        ])
        .json();
    assert_eq!(deployed.config.as_deref(), Some(std::path::Path::new("zrsign.toml")));
    assert_eq!(deployed.deployed.chains.len(), 2);
    let proxy = deployed.deployed.proxy;
    let shown: ConfigOutput = zrsign.run(&["config", "show", "--json"]).json();
    assert_eq!(shown.config.deployment.proxy, Some(proxy));
    assert_eq!(shown.config.chain.rpc_url.as_deref(), Some(src_url.as_str()));
    let expected_root = RootSecret::from_key_file(&path.join("root.key")).expect("root").public();
    let on_chain = source
        .rpc
        .view(
            proxy,
            zrsign::bindings::IZrSign::derivedAddressCall {
                owner: user_account,
                walletTypeId: zrsign::protocol::WalletType::EVM.id(),
                index: U256::ZERO,
            },
        )
        .await
        .expect("derivedAddress");

    // The services, as child processes on one store (killed and reaped by their guards if anything fails).
    let store = path.join("zrsign.db").display().to_string();
    let mut responder = zrsign.spawn(
        "responder",
        &[
            "responder",
            "run",
            "--private-key-file",
            &mpc,
            "--root-key-file",
            &root,
            "--store",
            &store,
            "--poll-ms",
            "100",
            "--http",
            "0",
            "--json",
        ],
    );
    let destination_arg = format!("eip155:31338={dst_url}");
    let mut relayer = zrsign.spawn(
        "relayer",
        &["relayer", "run", "--destination", &destination_arg, "--store", &store, "--poll-ms", "100", "--json"],
    );
    let mut http = None;
    for service in [&mut responder, &mut relayer] {
        let up: ServiceOutput = wait_for(&format!("{} to start", service.name), Duration::from_secs(30), || {
            service.assert_running();
            std::fs::read_to_string(&service.stdout).ok().and_then(|s| serde_json::from_str(&s).ok())
        });
        assert_eq!(up.proxy, proxy);
        http = http.or(up.http);
    }
    // `--http 0`: the status API on a free loopback port.
    let http = http.expect("the responder serves the status API");
    assert!(http.starts_with("127.0.0.1:"), "{http}");
    let healthz = alloy::transports::http::reqwest::get(format!("http://{http}/healthz")).await.expect("GET /healthz");
    assert!(healthz.status().is_success(), "{healthz:?}");

    // A key for the user, waited for and verified.
    let run = zrsign.run(&["key", "request", "--wait", "--timeout", "60", "--private-key-file", &user, "--json"]);
    assert_eq!(run.stderr, "", "no spinner or progress when stderr is not a terminal");
    let key: KeyOutput = run.json();
    assert_eq!((key.status.as_str(), key.owner, key.index, key.request_id), ("answered", user_account, 0, Some(1)));
    let key_address = key.address.expect("answered key has an address");
    assert_eq!(key_address, on_chain, "the key is the derived child");
    let _ = expected_root;
    let shown: KeyOutput = zrsign.run(&["key", "show", &user_account.to_string(), "0", "--json"]).json();
    assert_eq!(shown.address, Some(key_address));
    assert_eq!(shown.native_address, Some(key_address.to_checksum(None)));
    let listed: KeyListOutput = zrsign.run(&["key", "list", &user_account.to_string(), "--json"]).json();
    assert_eq!(listed.keys, vec![shown.clone()]);
    let fees: FeesOutput = zrsign.run(&["fees", "--json"]).json();
    assert_eq!(fees.wallet_types.len(), 1);
    assert_eq!(fees.wallet_types[0].mpc_fee, "1000000000000");

    // Fund the key on the destination, then a transfer signed with broadcast and waited for until mined there.
    let [funder] = destination.rpc.first_accounts().expect("accounts");
    destination
        .rpc
        .send(Call::transfer(funder, key_address, U256::from(10u64).pow(U256::from(18))))
        .await
        .expect("fund");
    let recipient = Address::repeat_byte(0xbe);
    let before = destination.rpc.balance(recipient).await.expect("balance");
    let signed: SignOutput = zrsign
        .run(&[
            "sign",
            "tx",
            "--chain",
            "eip155:31338",
            "--to",
            &recipient.to_string(),
            "--value",
            &TRANSFER.to_string(),
            "--broadcast",
            "--destination-rpc",
            &dst_url,
            "--wait",
            "--timeout",
            "60",
            "--private-key-file",
            &user,
            "--json",
        ])
        .json();
    assert_eq!((signed.kind.as_str(), signed.status.as_str(), signed.signer), ("tx", "answered", key_address));
    let relay = signed.relay.clone().expect("relayed");
    assert_eq!((relay.status.as_str(), Some(relay.tx_hash)), ("mined", signed.tx_hash));
    let after = destination.rpc.balance(recipient).await.expect("balance");
    assert_eq!(after - before, U256::from(TRANSFER), "the destination balance changed by the transfer");
    let tx = destination.rpc.transaction(relay.tx_hash).await.expect("lookup").expect("on the destination");
    assert_eq!(tx.from, key_address);

    // The lifecycle, source and destination, from the contract and the services' store.
    let id = signed.request_id.to_string();
    let lifecycle: RequestOutput = wait_for("the relayer's record to reach mined", Duration::from_secs(30), || {
        let r: RequestOutput = zrsign.run(&["request", "show", &id, "--store", &store, "--json"]).json();
        r.relay.as_ref().is_some_and(|relay| matches!(relay.status.as_str(), "mined" | "confirmed")).then_some(r)
    });
    assert_eq!((lifecycle.status.as_str(), lifecycle.kind.as_str(), lifecycle.broadcast), ("answered", "tx", true));
    assert_eq!(lifecycle.relay.as_ref().map(|r| r.tx_hash), Some(relay.tx_hash));
    assert_eq!(lifecycle.responder.as_ref().map(|r| r.status.as_str()), Some("answered"));
    // Without the store, the relay's hash still comes from the answer (its receipt needs the destination's RPC in
    // the config, which this one lacks).
    let bare: RequestOutput = zrsign.run(&["request", "show", &id, "--json"]).json();
    assert_eq!(bare.relay.as_ref().map(|r| (r.tx_hash, r.status.as_str())), Some((relay.tx_hash, "unknown")));
    let watched: RequestOutput = zrsign.run(&["request", "watch", &id, "--store", &store, "--json"]).json();
    assert_eq!(watched.status, "answered");

    // The responder earned its gas parts; it withdraws them.
    let withdrawn: WithdrawOutput = zrsign.run(&["withdraw", "--private-key-file", &mpc, "--json"]).json();
    assert_eq!(withdrawn.account, mpc_account);
    assert!(withdrawn.amount.parse::<u128>().expect("decimal wei") > 0);

    // Both services stop cleanly on SIGTERM.
    for service in [&mut responder, &mut relayer] {
        service.assert_running();
        assert_eq!(service.terminate(Duration::from_secs(20)), 0, "{} exit code:\n{}", service.name, service.output());
    }
}
