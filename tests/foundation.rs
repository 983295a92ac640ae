//! The build pipeline end to end: toolchain → foundry-compilers build → deployment behind the proxy
//! on revm and on anvil → calls through the `sol!` bindings; and the Solidity suites through forge.

mod common;

use alloy::primitives::{Address, U256};
use zrsign::{
    bindings::{OzErrors, Revert, ZrSignAdmin},
    chain::{AnvilChain, ChainRead, ChainSubmit, RevmChain},
    deploy::{self, Roles},
};

async fn deployed_proxy_answers<B: ChainSubmit>(backend: &B) {
    let accounts = backend.accounts();
    let (admin, stranger) = (accounts[0], accounts[1]);
    let deployment = deploy::deploy(backend, common::artifacts(), Roles::all(admin)).await.expect("deploy");
    let proxy = deployment.proxy;

    assert_eq!(backend.view(proxy, ZrSignAdmin::versionCall {}).await.expect("version"), U256::from(1));
    assert_eq!(backend.view(proxy, ZrSignAdmin::defaultAdminCall {}).await.expect("defaultAdmin"), admin);
    let mpc_role = backend.view(proxy, ZrSignAdmin::MPC_ROLECall {}).await.expect("MPC_ROLE");
    assert!(backend.view(proxy, ZrSignAdmin::hasRoleCall { role: mpc_role, account: admin }).await.expect("hasRole"));
    assert!(
        !backend.view(proxy, ZrSignAdmin::hasRoleCall { role: mpc_role, account: stranger }).await.expect("hasRole")
    );

    // The implementation itself cannot be initialised (its constructor disabled initializers).
    let init = ZrSignAdmin::initializeCall { admin: stranger, adminDelay: Default::default() };
    let err = backend.transact(stranger, deployment.implementation, init, U256::ZERO).await.expect_err("init impl");
    assert_eq!(
        err.revert(),
        Some(&Revert::Oz(OzErrors::OzErrorsErrors::InvalidInitialization(OzErrors::InvalidInitialization {})))
    );

    // A stranger cannot upgrade; the revert decodes into OpenZeppelin's typed error.
    let upgrade =
        ZrSignAdmin::upgradeToAndCallCall { newImplementation: deployment.implementation, data: Default::default() };
    let err = backend.transact(stranger, proxy, upgrade, U256::ZERO).await.expect_err("upgrade by stranger");
    match err.revert() {
        Some(Revert::Oz(OzErrors::OzErrorsErrors::AccessControlUnauthorizedAccount(e))) => {
            assert_eq!(e.account, stranger);
            assert_eq!(e.neededRole, alloy::primitives::B256::ZERO);
        }
        other => panic!("expected AccessControlUnauthorizedAccount, got {other:?}"),
    }
    assert_ne!(deployment.proxy, Address::ZERO);
}

#[tokio::test]
async fn revm_deploys_behind_proxy_and_calls_through_bindings() {
    let chain = RevmChain::new(31_337, 4);
    deployed_proxy_answers(&chain).await;
}

#[tokio::test]
async fn anvil_deploys_behind_proxy_and_calls_through_bindings() {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("spawn anvil");
    assert_eq!(chain.rpc.evm_chain_id(), 31_337);
    deployed_proxy_answers(&chain.rpc).await;
}
