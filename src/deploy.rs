//! Deploys the `ZrSign` implementation behind its proxy and grants the operational roles, and the one
//! deployment plan ([`DeployPlan`], [`execute`]) that `zrsign deploy` and the devnet run. `script/Deploy.s.sol`
//! does the same steps in Solidity with the same defaults ([`defaults`]; `tests/scripts.rs` checks that the
//! two produce the same deployment).

use crate::{
    bindings::{
        IZrSign::{self, ChainFamily, RequestKind},
        ZrSignAdmin,
    },
    chain::{Call, ChainError, ChainSubmit},
    contracts::Artifacts,
    protocol::{Caip2, WalletType, chain_key},
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

/// The defaults of a deployment, shared with `script/DeployConfig.sol` (same names, upper case there).
pub mod defaults {
    /// Delay of a default-admin transfer set at initialisation, in seconds (`DEFAULT_ADMIN_DELAY`: 3 days).
    pub const ADMIN_DELAY: u64 = 3 * 24 * 60 * 60;
    /// MPC service fee of each wallet type, in wei (`DEFAULT_MPC_FEE`); the key request fee per unit of options
    /// defaults to it too (`ZRSIGN_KEY_MPC_FEE` defaults to `ZRSIGN_MPC_FEE`).
    pub const MPC_FEE: u128 = 0;
    /// Minimum gas price of a quote's responder part, wei (`DEFAULT_MIN_GAS_PRICE`: the base fee alone).
    pub const MIN_GAS_PRICE: u64 = 0;
    /// The wallet types registered: EVM (44, 60) only.
    pub const WALLET_TYPES: [crate::protocol::WalletType; 1] = [crate::protocol::WalletType::EVM];
    // Roles default to the deployer, the chains to `eip155:<the deployment's chain>`, the root key to none
    // (requests revert until one is set), and response gas, gas buffer and request TTL to the contract's own.
}

/// Delay of a default-admin transfer set at initialisation (seconds).
pub const ADMIN_TRANSFER_DELAY: u64 = defaults::ADMIN_DELAY;

/// Deploys the external libraries ZrSign links against, then the linked implementation. Returns its
/// address and the gas of its own deployment.
pub async fn deploy_implementation<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    from: Address,
) -> Result<(Address, u64), ChainError> {
    let (implementation, gas, _) = deploy_libraries(backend, artifacts, from).await?;
    Ok((implementation, gas))
}

/// [`deploy_implementation`], also returning the libraries' addresses by name.
async fn deploy_libraries<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    from: Address,
) -> Result<(Address, u64, BTreeMap<String, Address>), ChainError> {
    let mut addresses = BTreeMap::new();
    for (library, code) in &artifacts.libraries {
        let receipt = backend.send(Call::deploy(from, code.clone())).await?;
        addresses.insert(library.clone(), created(receipt.contract_address, library)?);
    }
    let code = artifacts.zrsign.link(&addresses).map_err(|e| ChainError::Evm(e.to_string()))?;
    let receipt = backend.send(Call::deploy(from, code)).await?;
    Ok((created(receipt.contract_address, "ZrSign")?, receipt.gas_used, addresses))
}

/// Deploys implementation + proxy (initialised, admin = `roles.admin`) and grants the other roles.
pub async fn deploy<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    roles: Roles,
) -> Result<Deployment, ChainError> {
    deploy_from(backend, artifacts, roles.admin, roles, defaults::ADMIN_DELAY).await
}

/// Deploys implementation + proxy from `deployer` (the initial admin, with `admin_delay`), grants the other
/// roles, and if `roles.admin` is another account begins the two-step admin transfer to it (it accepts after
/// the delay).
pub async fn deploy_from<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    deployer: Address,
    roles: Roles,
    admin_delay: u64,
) -> Result<Deployment, ChainError> {
    Ok(deploy_linked(backend, artifacts, deployer, roles, admin_delay).await?.0)
}

/// [`deploy_from`], also returning the linked libraries' addresses.
async fn deploy_linked<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    deployer: Address,
    roles: Roles,
    admin_delay: u64,
) -> Result<(Deployment, BTreeMap<String, Address>), ChainError> {
    let (implementation, implementation_gas, libraries) = deploy_libraries(backend, artifacts, deployer).await?;

    let delay = alloy::primitives::Uint::<48, 1>::try_from(admin_delay).map_err(|_| ChainError::OutOfRange {
        what: "admin delay",
        value: admin_delay.to_string(),
        bits: 48,
    })?;
    let init = ZrSignAdmin::initializeCall { admin: deployer, adminDelay: delay };
    let args = (implementation, Bytes::from(init.abi_encode())).abi_encode_params();
    let code: Bytes = [artifacts.proxy.as_ref(), args.as_slice()].concat().into();
    let proxy_receipt = backend.send(Call::deploy(deployer, code)).await?;
    let proxy = created(proxy_receipt.contract_address, "ZrSignProxy")?;

    for (role_call, account) in [
        (ZrSignAdmin::MPC_ROLECall {}.abi_encode(), roles.mpc),
        (ZrSignAdmin::FEE_ROLECall {}.abi_encode(), roles.fee),
        (ZrSignAdmin::PAUSER_ROLECall {}.abi_encode(), roles.pauser),
    ] {
        let role = backend.call(&Call { to: Some(proxy), input: role_call.into(), ..Default::default() }).await?;
        let role = B256::abi_decode(&role)
            .map_err(|e| ChainError::Decode { context: "role id".into(), message: e.to_string() })?;
        backend.transact(deployer, proxy, ZrSignAdmin::grantRoleCall { role, account }, U256::ZERO).await?;
    }
    if roles.admin != deployer {
        let begin = ZrSignAdmin::beginDefaultAdminTransferCall { newAdmin: roles.admin };
        backend.transact(deployer, proxy, begin, U256::ZERO).await?;
    }
    Ok((Deployment { proxy, implementation, deploy_gas: [implementation_gas, proxy_receipt.gas_used] }, libraries))
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

/// A wallet type to register, with its MPC service fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalletTypePlan {
    /// The (purpose, coin type) pair.
    pub wallet_type: WalletType,
    /// Its MPC service fee, in wei.
    pub mpc_fee: u128,
}

/// Fee settings a deployment may override; `None` keeps the contract's own default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeeSettings {
    /// Blocks a request stays answerable.
    pub request_ttl: Option<u32>,
    /// Percentage added on top of the response gas cost.
    pub gas_buffer_pct: Option<u16>,
    /// Gas the responder spends per request kind (Key, Hash, Data, Tx).
    pub response_gas: [Option<u32>; 4],
    /// Key request MPC fee per unit of options, every wallet type (default: the first wallet type's MPC fee).
    pub key_mpc_fee: Option<u128>,
    /// Minimum gas price of a quote's responder part (default [`defaults::MIN_GAS_PRICE`]; 0 is not sent).
    pub min_gas_price: Option<u64>,
}

/// Everything a deployment sets up. `None` and empty fields take the [`defaults`] (the script's too).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployPlan {
    /// The default admin (default: the deployer; another account gets a pending two-step transfer).
    pub admin: Option<Address>,
    /// Delay of a default-admin transfer, seconds.
    pub admin_delay: u64,
    /// Holder of `MPC_ROLE` (default: the deployer).
    pub mpc: Option<Address>,
    /// Holder of `FEE_ROLE` (default: the deployer).
    pub fee: Option<Address>,
    /// Holder of `PAUSER_ROLE` (default: the deployer).
    pub pauser: Option<Address>,
    /// The root public key, uncompressed `x ‖ y` (default: none; requests revert until one is set).
    pub root_public_key: Option<[u8; 64]>,
    /// Chains to register (default: `eip155:<the deployment's chain>`); each is allowed for every wallet type
    /// of its family.
    pub chains: Vec<Caip2>,
    /// Wallet types to register (default: EVM (44, 60) with [`defaults::MPC_FEE`]).
    pub wallet_types: Vec<WalletTypePlan>,
    /// Fee settings.
    pub fees: FeeSettings,
}

impl Default for DeployPlan {
    fn default() -> Self {
        Self {
            admin: None,
            admin_delay: defaults::ADMIN_DELAY,
            mpc: None,
            fee: None,
            pauser: None,
            root_public_key: None,
            chains: Vec::new(),
            wallet_types: defaults::WALLET_TYPES
                .iter()
                .map(|&wallet_type| WalletTypePlan { wallet_type, mpc_fee: defaults::MPC_FEE })
                .collect(),
            fees: FeeSettings::default(),
        }
    }
}

/// Why a plan cannot be carried out.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// A chain operation failed (a revert carries the decoded error).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The plan names a chain the contract cannot register.
    #[error("chain {0}: only eip155:<number> and bip122:<genesis hash> chains can be registered")]
    UnsupportedChain(Caip2),
    /// The plan names a wallet type whose chain family is unknown.
    #[error("wallet type {0}:{1}: no chain family known (EVM is coin type 60, Bitcoin purpose 84)")]
    UnknownWalletFamily(u32, u32),
}

/// What a deployment produced.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct Deployed {
    /// The source chain.
    pub chain: Caip2,
    /// The proxy: the address users call.
    pub proxy: Address,
    /// The implementation behind it.
    pub implementation: Address,
    /// The linked libraries, by name.
    pub libraries: BTreeMap<String, Address>,
    /// The block the deployment finished at (services follow from it).
    pub start_block: u64,
    /// The deployer (initial default admin).
    pub deployer: Address,
    /// The default admin once the transfer (if any) is accepted.
    pub admin: Address,
    /// Whether a two-step admin transfer to `admin` is pending.
    pub admin_transfer_pending: bool,
    /// The registered wallet types: `purpose:coin_type` → id.
    pub wallet_types: BTreeMap<String, B256>,
    /// The registered chains.
    pub chains: Vec<Caip2>,
    /// Gas of the implementation and the proxy deployments.
    pub deploy_gas: [u64; 2],
}

/// The chain family of a CAIP-2 id and its EVM chain id (0 for non-EVM), as `addChain` takes them.
pub fn chain_family(chain: &Caip2) -> Result<(ChainFamily, u64), DeployError> {
    match chain.as_str().split_once(':') {
        Some(("eip155", _)) => chain
            .evm_chain_id()
            .map(|id| (ChainFamily::Evm, id))
            .ok_or_else(|| DeployError::UnsupportedChain(chain.clone())),
        Some(("bip122", _)) => Ok((ChainFamily::Bip122, 0)),
        _ => Err(DeployError::UnsupportedChain(chain.clone())),
    }
}

/// The chain family a wallet type signs for: EVM for coin type 60, Bitcoin for purpose 84 or coin types 0/1.
pub fn wallet_family(wallet_type: WalletType) -> Result<ChainFamily, DeployError> {
    match (wallet_type.purpose, wallet_type.coin_type) {
        (_, 60) => Ok(ChainFamily::Evm),
        (84, _) | (_, 0 | 1) => Ok(ChainFamily::Bip122),
        (p, c) => Err(DeployError::UnknownWalletFamily(p, c)),
    }
}

/// Carries out `plan` from `deployer`: libraries and implementation, the proxy (initialised with the deployer as
/// admin), the root key, wallet types, chains and their pairing, fee settings, roles, and the admin transfer —
/// the steps and defaults of `script/Deploy.s.sol`.
pub async fn execute<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
    deployer: Address,
    plan: &DeployPlan,
) -> Result<Deployed, DeployError> {
    let source = Caip2::eip155(backend.evm_chain_id());
    let chains = if plan.chains.is_empty() { vec![source.clone()] } else { plan.chains.clone() };
    let families = chains.iter().map(chain_family).collect::<Result<Vec<_>, _>>()?;
    let wallet_families =
        plan.wallet_types.iter().map(|w| wallet_family(w.wallet_type)).collect::<Result<Vec<_>, _>>()?;
    let or_deployer = |a: Option<Address>| a.unwrap_or(deployer);
    let roles = Roles {
        admin: or_deployer(plan.admin),
        mpc: or_deployer(plan.mpc),
        fee: or_deployer(plan.fee),
        pauser: or_deployer(plan.pauser),
    };

    // Roles first (the deployer stays admin until the end: it configures everything below).
    let (deployment, libraries) =
        deploy_linked(backend, artifacts, deployer, Roles { admin: deployer, ..roles }, plan.admin_delay).await?;
    let proxy = deployment.proxy;
    if let Some(root) = &plan.root_public_key {
        let call = IZrSign::setRootKeyCall { publicKey: Bytes::copy_from_slice(root) };
        backend.transact(deployer, proxy, call, U256::ZERO).await?;
    }
    let mut wallet_types = BTreeMap::new();
    for (w, family) in plan.wallet_types.iter().zip(wallet_families) {
        let mpc_fee = alloy::primitives::Uint::<96, 2>::try_from(w.mpc_fee).map_err(|_| ChainError::OutOfRange {
            what: "MPC fee",
            value: w.mpc_fee.to_string(),
            bits: 96,
        })?;
        let WalletType { purpose, coin_type } = w.wallet_type;
        let call = IZrSign::addWalletTypeCall { purpose, coinType: coin_type, mpcFee: mpc_fee };
        backend.transact(deployer, proxy, call, U256::ZERO).await?;
        wallet_types.insert(format!("{purpose}:{coin_type}"), (w.wallet_type.id(), family));
    }
    for (chain, (family, evm_chain_id)) in chains.iter().zip(families) {
        let add = IZrSign::addChainCall { caip2: chain.to_string(), family, evmChainId: evm_chain_id };
        backend.transact(deployer, proxy, add, U256::ZERO).await?;
        for (id, _) in wallet_types.values().filter(|(_, f)| *f == family) {
            let allow = IZrSign::allowChainCall { walletTypeId: *id, chainId: chain.key() };
            backend.transact(deployer, proxy, allow, U256::ZERO).await?;
        }
    }
    let fees = plan.fees;
    if let Some(blocks) = fees.request_ttl {
        backend.transact(deployer, proxy, IZrSign::setRequestTtlCall { blocks }, U256::ZERO).await?;
    }
    if let Some(pct) = fees.gas_buffer_pct {
        backend.transact(deployer, proxy, IZrSign::setGasBufferCall { pct }, U256::ZERO).await?;
    }
    // As the script: the key fee always (default: the MPC fee), the minimum gas price when it is not zero.
    let key_fee = fees.key_mpc_fee.or(plan.wallet_types.first().map(|w| w.mpc_fee)).unwrap_or(defaults::MPC_FEE);
    let key_fee = alloy::primitives::Uint::<96, 2>::try_from(key_fee).map_err(|_| ChainError::OutOfRange {
        what: "key MPC fee",
        value: key_fee.to_string(),
        bits: 96,
    })?;
    backend.transact(deployer, proxy, IZrSign::setKeyMpcFeeCall { fee: key_fee }, U256::ZERO).await?;
    let min_gas_price = fees.min_gas_price.unwrap_or(defaults::MIN_GAS_PRICE);
    if min_gas_price != 0 {
        backend.transact(deployer, proxy, IZrSign::setMinGasPriceCall { price: min_gas_price }, U256::ZERO).await?;
    }
    let kinds = [RequestKind::Key, RequestKind::Hash, RequestKind::Data, RequestKind::Tx];
    for (kind, gas) in kinds.into_iter().zip(fees.response_gas) {
        if let Some(gas) = gas {
            backend.transact(deployer, proxy, IZrSign::setResponseGasCall { kind, gas }, U256::ZERO).await?;
        }
    }
    let admin_transfer_pending = roles.admin != deployer;
    if admin_transfer_pending {
        let begin = ZrSignAdmin::beginDefaultAdminTransferCall { newAdmin: roles.admin };
        backend.transact(deployer, proxy, begin, U256::ZERO).await?;
    }
    let start_block = backend.block_number().await?;
    Ok(Deployed {
        chain: source,
        proxy,
        implementation: deployment.implementation,
        libraries,
        start_block,
        deployer,
        admin: roles.admin,
        admin_transfer_pending,
        wallet_types: wallet_types.into_iter().map(|(k, (id, _))| (k, id)).collect(),
        chains,
        deploy_gas: deployment.deploy_gas,
    })
}
