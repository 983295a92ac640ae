//! Deploys the `ZrSign` implementation behind its proxy and grants the operational roles.

use crate::{
    bindings::{
        IZrSign::{self, ChainFamily},
        ZrSignAdmin,
    },
    chain::{Call, ChainError, ChainSubmit},
    contracts::Artifacts,
    protocol::{WalletType, chain_key},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256},
    sol_types::{SolCall, SolValue},
};
use std::collections::BTreeMap;

/// Who holds which role after deployment.
#[derive(Debug, Clone, Copy)]
pub struct Roles {
    /// Default admin (config, upgrades, role grants).
    pub admin: Address,
    /// The MPC responder.
    pub mpc: Address,
    /// Protocol fee withdrawer.
    pub fee: Address,
    /// Pauser.
    pub pauser: Address,
}

impl Roles {
    /// Every role held by one account.
    pub fn all(account: Address) -> Self {
        Self { admin: account, mpc: account, fee: account, pauser: account }
    }
}

/// A deployed ZrSign.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    /// The proxy: the address users call.
    pub proxy: Address,
    /// The implementation behind it.
    pub implementation: Address,
    /// Gas used by each deployment step, in order: implementation, proxy (with initialize).
    pub deploy_gas: [u64; 2],
}

/// Delay of a default-admin transfer set at initialisation (seconds).
pub const ADMIN_TRANSFER_DELAY: u64 = 3 * 24 * 60 * 60;

/// Deploys the external libraries ZrSign links against, then the linked implementation. Returns its
/// address and the gas of its own deployment.
pub async fn deploy_implementation<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    from: Address,
) -> Result<(Address, u64), ChainError> {
    let mut addresses = BTreeMap::new();
    for (library, code) in &artifacts.libraries {
        let receipt = backend.send(Call::deploy(from, code.clone())).await?;
        addresses.insert(library.clone(), created(receipt.contract_address, library)?);
    }
    let code = artifacts.zrsign.link(&addresses).map_err(|e| ChainError::Evm(e.to_string()))?;
    let receipt = backend.send(Call::deploy(from, code)).await?;
    Ok((created(receipt.contract_address, "ZrSign")?, receipt.gas_used))
}

/// Deploys implementation + proxy (initialised, admin = `roles.admin`) and grants the other roles.
pub async fn deploy<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    roles: Roles,
) -> Result<Deployment, ChainError> {
    let (implementation, implementation_gas) = deploy_implementation(backend, artifacts, roles.admin).await?;

    let init = ZrSignAdmin::initializeCall {
        admin: roles.admin,
        adminDelay: alloy::primitives::Uint::from(ADMIN_TRANSFER_DELAY),
    };
    let args = (implementation, Bytes::from(init.abi_encode())).abi_encode_params();
    let code: Bytes = [artifacts.proxy.as_ref(), args.as_slice()].concat().into();
    let proxy_receipt = backend.send(Call::deploy(roles.admin, code)).await?;
    let proxy = created(proxy_receipt.contract_address, "ZrSignProxy")?;

    for (role_call, account) in [
        (ZrSignAdmin::MPC_ROLECall {}.abi_encode(), roles.mpc),
        (ZrSignAdmin::FEE_ROLECall {}.abi_encode(), roles.fee),
        (ZrSignAdmin::PAUSER_ROLECall {}.abi_encode(), roles.pauser),
    ] {
        let role = backend.call(&Call { to: Some(proxy), input: role_call.into(), ..Default::default() }).await?;
        let role = B256::abi_decode(&role)
            .map_err(|e| ChainError::Decode { context: "role id".into(), message: e.to_string() })?;
        backend.transact(roles.admin, proxy, ZrSignAdmin::grantRoleCall { role, account }, U256::ZERO).await?;
    }
    Ok(Deployment { proxy, implementation, deploy_gas: [implementation_gas, proxy_receipt.gas_used] })
}

fn created(address: Option<Address>, name: &str) -> Result<Address, ChainError> {
    address.ok_or_else(|| ChainError::Evm(format!("deployment of {name} returned no address")))
}

/// What [`configure`] sets up.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The root public key (uncompressed x ‖ y).
    pub root_public_key: [u8; 64],
    /// MPC service fee, in wei: the EVM wallet type's (sign) fee and the key request fee per unit of options.
    pub mpc_fee: u128,
    /// EVM chains `(caip2, evm chain id)` the EVM wallet type may sign for.
    pub evm_chains: Vec<(String, u64)>,
}

/// Sets the root key, registers the EVM wallet type, sets the key MPC fee, registers the chains and allows them
/// for the wallet type. Returns the EVM wallet type id.
pub async fn configure<B: ChainSubmit>(
    backend: &B,
    proxy: Address,
    admin: Address,
    setup: &Setup,
) -> Result<B256, ChainError> {
    let fee = alloy::primitives::Uint::<96, 2>::try_from(setup.mpc_fee).map_err(|_| ChainError::OutOfRange {
        what: "MPC fee",
        value: setup.mpc_fee.to_string(),
        bits: 96,
    })?;
    let root = IZrSign::setRootKeyCall { publicKey: Bytes::copy_from_slice(&setup.root_public_key) };
    backend.transact(admin, proxy, root, U256::ZERO).await?;
    let WalletType { purpose, coin_type } = WalletType::EVM;
    backend
        .transact(admin, proxy, IZrSign::addWalletTypeCall { purpose, coinType: coin_type, mpcFee: fee }, U256::ZERO)
        .await?;
    backend.transact(admin, proxy, IZrSign::setKeyMpcFeeCall { fee }, U256::ZERO).await?;
    let wallet_type = WalletType::EVM.id();
    for (caip2, evm_chain_id) in &setup.evm_chains {
        let add = IZrSign::addChainCall { caip2: caip2.clone(), family: ChainFamily::Evm, evmChainId: *evm_chain_id };
        backend.transact(admin, proxy, add, U256::ZERO).await?;
        let allow = IZrSign::allowChainCall { walletTypeId: wallet_type, chainId: chain_key(caip2) };
        backend.transact(admin, proxy, allow, U256::ZERO).await?;
    }
    Ok(wallet_type)
}
