//! Deploys the `ZrSign` implementation behind its proxy and grants the operational roles.

use crate::{
    backend::{Backend, BackendError, Call},
    bindings::ZrSignAdmin,
    contracts::Artifacts,
};
use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolValue},
};

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

/// Deploys implementation + proxy (initialised, admin = `roles.admin`) and grants the other roles.
pub async fn deploy<B: Backend>(backend: &B, artifacts: &Artifacts, roles: Roles) -> Result<Deployment, BackendError> {
    let implementation_receipt = backend.send(Call::deploy(roles.admin, artifacts.zrsign.clone())).await?;
    let implementation = created(implementation_receipt.contract_address, "ZrSign")?;

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
        let role = backend.call(Call { to: Some(proxy), input: role_call.into(), ..Default::default() }).await?;
        let role = alloy::primitives::B256::abi_decode(&role)
            .map_err(|e| BackendError::Decode { context: "role id".into(), message: e.to_string() })?;
        backend.transact(roles.admin, proxy, ZrSignAdmin::grantRoleCall { role, account }, U256::ZERO).await?;
    }
    Ok(Deployment { proxy, implementation, deploy_gas: [implementation_receipt.gas_used, proxy_receipt.gas_used] })
}

fn created(address: Option<Address>, name: &str) -> Result<Address, BackendError> {
    address.ok_or_else(|| BackendError::Evm(format!("deployment of {name} returned no address")))
}
