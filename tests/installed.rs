//! An installed `zrsign` needs no checkout, Node or solc: the built binary, copied alone into an empty
//! directory and run with a `PATH` that holds only it (no node, no solc, no forge) and a repository root that
//! does not exist, deploys the embedded contracts to an anvil this test starts, and talks to them.

mod common;

use common::cli::{BIN, Zrsign, dev_key, write_file};
use zrsign::{
    chain::{AnvilChain, ChainRead, ChainSubmit},
    output::{DeployOutput, FeesOutput, KeyListOutput},
};

#[tokio::test]
async fn the_binary_alone_deploys_and_reads_the_contracts() {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("anvil");
    let install = tempfile::tempdir().expect("tempdir");
    let bin_dir = install.path().join("bin");
    std::fs::create_dir(&bin_dir).expect("bin dir");
    let bin = bin_dir.join("zrsign");
    std::fs::copy(BIN, &bin).expect("copy the binary");
    let work = install.path().join("work");
    std::fs::create_dir(&work).expect("work dir");
    let key = write_file(install.path(), "deployer.key", &dev_key(&chain, 0));

    let zrsign = Zrsign::at(bin, &work)
        .with_env("PATH", &bin_dir)
        .with_env("HOME", install.path())
        .with_env("ZRSIGN_ROOT", install.path().join("no-checkout-here"));
    assert!(
        zrsign.run(&["toolchain"]).code != 0,
        "sanity: without a checkout, node or solc the toolchain is not available here"
    );
    let deployed: DeployOutput =
        zrsign.run(&["deploy", "--rpc-url", &chain.endpoint(), "--private-key-file", &key, "--json"]).json();
    let proxy = deployed.deployed.proxy;
    let version = chain.rpc.view(proxy, zrsign::bindings::ZrSignAdmin::versionCall {}).await.expect("version");
    assert_eq!(version, alloy::primitives::U256::from(1));
    assert!(work.join("zrsign.toml").exists(), "the deployment is recorded in the config");

    let fees: FeesOutput = zrsign.run(&["fees", "--json"]).json();
    assert_eq!(fees.wallet_types[0].wallet_type, "44:60");
    let owner = chain.rpc.accounts()[0].to_string();
    let keys: KeyListOutput = zrsign.run(&["key", "list", &owner, "--json"]).json();
    assert!(keys.keys.is_empty());
}
