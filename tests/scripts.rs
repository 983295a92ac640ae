//! The operators' path: `forge script script/Deploy.s.sol --broadcast` and `script/Upgrade.s.sol`
//! against a spawned anvil, then the deployment checked over JSON-RPC from Rust.

mod common;

use alloy::{
    hex,
    primitives::{Address, B256, U256},
    providers::Provider,
};
use zrsign::{
    bindings::{IZrSign, ZrSignAdmin},
    chain::{AnvilChain, ChainRead, ChainSubmit},
    mpc::keys::RootSecret,
    protocol::KeyPath,
};

/// ERC-1967 implementation slot: `bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)`.
const IMPLEMENTATION_SLOT: B256 =
    alloy::primitives::b256!("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");

/// Runs a forge script against `rpc` with `env`, returning its output; fails the test with forge's output.
fn forge_script(script: &str, rpc: &str, env: &[(&str, String)]) -> String {
    let mut cmd = common::toolchain().forge_command();
    cmd.args(["script", script, "--rpc-url", rpc, "--broadcast", "--slow"]);
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("run forge script");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "forge script {script} failed:\n{text}");
    text
}

/// The address printed after `label` (e.g. `ZrSign proxy: 0x…`).
fn printed_address(output: &str, label: &str) -> Address {
    let line = output
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in:\n{output}"));
    line.rsplit(' ').next().and_then(|a| a.parse().ok()).unwrap_or_else(|| panic!("bad address in {line:?}"))
}

#[tokio::test]
async fn deploy_and_upgrade_scripts_broadcast_to_anvil() {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("spawn anvil");
    let rpc = chain.endpoint();
    let backend = &chain.rpc;
    let mpc = backend.accounts()[1];
    let root = RootSecret::from_seed("deploy script").expect("root");
    let env = [
        ("ZRSIGN_ROOT_PUBKEY", format!("0x{}", hex::encode(root.public().xy()))),
        ("ZRSIGN_CHAINS", "eip155:31337,eip155:31338".to_owned()),
        ("ZRSIGN_MPC", mpc.to_string()),
        ("ZRSIGN_MPC_FEE", "1000".to_owned()),
    ];
    let output = forge_script("script/Deploy.s.sol", &rpc, &env);
    let proxy = printed_address(&output, "ZrSign proxy:");
    let implementation = printed_address(&output, "ZrSign implementation:");

    assert_eq!(backend.view(proxy, ZrSignAdmin::versionCall {}).await.expect("version"), U256::from(1));
    let mpc_role = backend.view(proxy, ZrSignAdmin::MPC_ROLECall {}).await.expect("role");
    assert!(backend.view(proxy, ZrSignAdmin::hasRoleCall { role: mpc_role, account: mpc }).await.expect("hasRole"));
    let evm = zrsign::protocol::wallet_type_id(44, 60);
    let wallet_type = backend.view(proxy, IZrSign::walletTypeCall { walletTypeId: evm }).await.expect("walletType");
    assert!(wallet_type.supported);
    assert_eq!(wallet_type.mpcFee, alloy::primitives::Uint::from(1000u64));
    let dst = backend
        .view(proxy, IZrSign::chainCall { chainId: zrsign::protocol::chain_key("eip155:31338") })
        .await
        .expect("chain");
    assert_eq!(dst.evmChainId, 31_338);
    // The root key the script set derives exactly what the Rust MPC derives.
    let owner = backend.accounts()[2];
    let path = KeyPath { evm_chain_id: 31_337, proxy, owner, wallet_type_id: evm, index: U256::from(7) };
    let on_chain = backend
        .view(proxy, IZrSign::derivedAddressCall { owner, walletTypeId: evm, index: U256::from(7) })
        .await
        .expect("derivedAddress");
    assert_eq!(on_chain, root.public().derive(&path).expect("key").address());

    let output = forge_script("script/Upgrade.s.sol", &rpc, &[("ZRSIGN_PROXY", proxy.to_string())]);
    let upgraded = printed_address(&output, "ZrSign implementation:");
    assert_ne!(upgraded, implementation, "a new implementation was deployed");
    let slot =
        backend.provider().get_storage_at(proxy, U256::from_be_bytes(IMPLEMENTATION_SLOT.0)).await.expect("slot");
    assert_eq!(Address::from_word(B256::from(slot)), upgraded, "the proxy points at the new implementation");
    assert!(backend.view(proxy, IZrSign::walletTypeCall { walletTypeId: evm }).await.expect("walletType").supported);
}

/// What a deployment's configuration reads as, for comparing two deployments.
async fn snapshot(chain: &zrsign::chain::RpcChain, proxy: Address, deployer: Address) -> String {
    let evm = zrsign::protocol::WalletType::EVM.id();
    let own = zrsign::protocol::Caip2::eip155(chain.evm_chain_id());
    let mut roles = Vec::new();
    for id in [
        chain.view(proxy, ZrSignAdmin::MPC_ROLECall {}).await.expect("role"),
        chain.view(proxy, ZrSignAdmin::FEE_ROLECall {}).await.expect("role"),
        chain.view(proxy, ZrSignAdmin::PAUSER_ROLECall {}).await.expect("role"),
    ] {
        roles.push(chain.view(proxy, ZrSignAdmin::hasRoleCall { role: id, account: deployer }).await.expect("hasRole"));
    }
    format!(
        "admin {:?} delay {:?} pending {:?} roles {roles:?} key version {:?} wallet type {:?} chain {:?} allowed {:?} fees {:?}",
        chain.view(proxy, ZrSignAdmin::defaultAdminCall {}).await.expect("admin"),
        chain.view(proxy, ZrSignAdmin::defaultAdminDelayCall {}).await.expect("delay"),
        chain.view(proxy, ZrSignAdmin::pendingDefaultAdminCall {}).await.expect("pending").newAdmin,
        chain.view(proxy, IZrSign::currentKeyVersionCall {}).await.expect("version"),
        chain.view(proxy, IZrSign::walletTypeCall { walletTypeId: evm }).await.expect("walletType"),
        chain.view(proxy, IZrSign::chainCall { chainId: own.key() }).await.expect("chain"),
        chain
            .view(proxy, IZrSign::isChainIdSupportedCall { walletTypeId: evm, chainId: own.key() })
            .await
            .expect("allowed"),
        chain.view(proxy, IZrSign::feeConfigCall {}).await.expect("feeConfig"),
    )
}

/// One set of defaults: `forge script script/Deploy.s.sol` with no settings and the Rust plan
/// (`zrsign deploy`, the devnet) with none produce the same deployment (admin delay, roles, wallet type and
/// fee, chains, fee settings, no root key).
#[tokio::test]
async fn deploy_script_and_rust_plan_share_their_defaults() {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("spawn anvil");
    let backend = &chain.rpc;
    let deployer = backend.accounts()[0];
    let output = forge_script("script/Deploy.s.sol", &chain.endpoint(), &[]);
    let by_script = printed_address(&output, "ZrSign proxy:");
    let plan = zrsign::deploy::DeployPlan::default();
    let by_plan = zrsign::deploy::execute(backend, common::artifacts(), deployer, &plan).await.expect("plan").proxy;
    let delay = backend.view(by_plan, ZrSignAdmin::defaultAdminDelayCall {}).await.expect("delay");
    assert_eq!(delay.to::<u64>(), zrsign::deploy::defaults::ADMIN_DELAY);
    assert_eq!(snapshot(backend, by_script, deployer).await, snapshot(backend, by_plan, deployer).await);
}
