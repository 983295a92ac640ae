//! `zrsign deploy`: the deployment plan ([`zrsign::deploy::DeployPlan`], the devnet's and
//! `script/Deploy.s.sol`'s, with the same defaults and `ZRSIGN_*` variables) carried out from the wallet with the
//! contracts embedded in the binary; prints the addresses and records them in the config file.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, OutputOpts, RpcOpts, WalletOpts},
};
use alloy::primitives::Address;
use std::path::PathBuf;
use zrsign::{
    config::{Config, DeploySection},
    deploy::{DeployPlan, FeeSettings, WalletTypePlan, defaults},
    mpc::keys::RootSecret,
    output::DeployOutput,
    protocol::{Caip2, WalletType},
};

/// Arguments of `zrsign deploy`. Unset values come from `[deploy]` in the config, then the plan's defaults.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    /// Default admin; another account than the deployer gets a pending two-step transfer [default: the deployer].
    #[arg(long, env = "ZRSIGN_ADMIN", value_name = "ADDRESS", help_heading = "Plan")]
    admin: Option<Address>,
    /// Delay of a default-admin transfer, seconds [default: 259200, 3 days].
    #[arg(long, env = "ZRSIGN_ADMIN_DELAY", value_name = "SECONDS", help_heading = "Plan")]
    admin_delay: Option<u64>,
    /// MPC_ROLE holder: the responder's account [default: the deployer].
    #[arg(long, env = "ZRSIGN_MPC", value_name = "ADDRESS", help_heading = "Plan")]
    mpc: Option<Address>,
    /// FEE_ROLE holder (withdraws protocol fees) [default: the deployer].
    #[arg(long = "fee-role", env = "ZRSIGN_FEE", value_name = "ADDRESS", help_heading = "Plan")]
    fee: Option<Address>,
    /// PAUSER_ROLE holder [default: the deployer].
    #[arg(long, env = "ZRSIGN_PAUSER", value_name = "ADDRESS", help_heading = "Plan")]
    pauser: Option<Address>,
    /// Root public key, 64-byte hex x ‖ y [default: none; requests revert until one is set].
    #[arg(
        long,
        env = "ZRSIGN_ROOT_PUBKEY",
        value_name = "HEX",
        conflicts_with = "root_key_file",
        help_heading = "Plan"
    )]
    root_public_key: Option<String>,
    /// Take the root public key from the mock network's root secret (a hex file, as `responder run` reads it).
    #[arg(long, value_name = "PATH", help_heading = "Plan")]
    root_key_file: Option<PathBuf>,
    /// Chains to register and allow, CAIP-2, repeatable or comma-separated [default: eip155:<this chain>].
    #[arg(long = "chain", env = "ZRSIGN_CHAINS", value_name = "CAIP2", value_delimiter = ',', value_parser = crate::opts::parse_caip2, help_heading = "Plan")]
    chains: Vec<Caip2>,
    /// Wallet types to register, PURPOSE:COIN_TYPE, repeatable [default: 44:60, EVM].
    #[arg(long = "wallet-type", value_name = "PURPOSE:COIN", value_parser = crate::opts::parse_wallet_type, help_heading = "Plan")]
    wallet_types: Vec<WalletType>,
    /// MPC service fee of each wallet type, wei [default: 0].
    #[arg(long, env = "ZRSIGN_MPC_FEE", value_name = "WEI", help_heading = "Plan")]
    mpc_fee: Option<u128>,
    /// Key request MPC fee per unit of options, wei [default: --mpc-fee].
    #[arg(long, env = "ZRSIGN_KEY_MPC_FEE", value_name = "WEI", help_heading = "Plan")]
    key_mpc_fee: Option<u128>,
    /// Minimum gas price of a quote's responder part, wei [default: 0, the base fee alone].
    #[arg(long, env = "ZRSIGN_MIN_GAS_PRICE", value_name = "WEI", help_heading = "Plan")]
    min_gas_price: Option<u64>,
    /// Blocks a request stays answerable [default: the contract's].
    #[arg(long, value_name = "BLOCKS", help_heading = "Plan")]
    request_ttl: Option<u32>,
    /// Percentage added to the response gas cost [default: the contract's].
    #[arg(long, value_name = "PCT", help_heading = "Plan")]
    gas_buffer_pct: Option<u16>,
    /// Do not record the deployment in the config file.
    #[arg(long)]
    no_write: bool,
    #[command(flatten)]
    output: OutputOpts,
}

fn parse_root_key(text: &str) -> Outcome<[u8; 64]> {
    let hex = text.trim();
    let hex = hex.strip_prefix("0x").unwrap_or(hex);
    let mut key = [0u8; 64];
    alloy::hex::decode_to_slice(hex, &mut key).map_err(|_| {
        Failure::usage(
            "the root public key is not 64 bytes of hex",
            "pass x ‖ y as 128 hex digits (uncompressed, without the 04 prefix)",
        )
    })?;
    zrsign::protocol::PublicKey::from_xy(&key)
        .map_err(|e| Failure::usage(format!("the root public key: {e}"), "pass a secp256k1 point as x ‖ y"))?;
    Ok(key)
}

impl Args {
    /// The plan: flags (and their variables), then the config's `[deploy]`, then the defaults.
    fn plan(&self, file: &DeploySection) -> Outcome<DeployPlan> {
        let root_public_key = match (&self.root_public_key, &self.root_key_file, &file.root_public_key) {
            (Some(hex), _, _) => Some(parse_root_key(hex)?),
            (None, Some(path), _) => Some(
                RootSecret::from_key_file(path)
                    .map_err(|e| Failure::usage(e.to_string(), "the file must hold the root secret as 64 hex digits"))?
                    .public()
                    .xy(),
            ),
            (None, None, Some(hex)) => {
                Some(parse_root_key(hex).map_err(|f| f.context("config deploy.root_public_key"))?)
            }
            (None, None, None) => None,
        };
        let mpc_fee = self.mpc_fee.or(file.mpc_fee.map(u128::from)).unwrap_or(defaults::MPC_FEE);
        let wallet_types = if !self.wallet_types.is_empty() {
            self.wallet_types.clone()
        } else if !file.wallet_types.is_empty() {
            file.wallet_types
                .iter()
                .map(|w| {
                    crate::opts::parse_wallet_type(w)
                        .map_err(|e| Failure::usage(format!("config deploy.wallet_types: {e}"), "fix zrsign.toml"))
                })
                .collect::<Outcome<_>>()?
        } else {
            defaults::WALLET_TYPES.to_vec()
        };
        let g = file.response_gas;
        Ok(DeployPlan {
            admin: self.admin.or(file.admin),
            admin_delay: self.admin_delay.or(file.admin_delay).unwrap_or(defaults::ADMIN_DELAY),
            mpc: self.mpc.or(file.mpc),
            fee: self.fee.or(file.fee),
            pauser: self.pauser.or(file.pauser),
            root_public_key,
            chains: if self.chains.is_empty() { file.chains.clone() } else { self.chains.clone() },
            wallet_types: wallet_types.into_iter().map(|wallet_type| WalletTypePlan { wallet_type, mpc_fee }).collect(),
            fees: FeeSettings {
                request_ttl: self.request_ttl.or(file.request_ttl),
                gas_buffer_pct: self.gas_buffer_pct.or(file.gas_buffer_pct),
                response_gas: [g.key, g.hash, g.data, g.tx],
                key_mpc_fee: self.key_mpc_fee.or(file.key_mpc_fee.map(u128::from)),
                min_gas_price: self.min_gas_price.or(file.min_gas_price),
            },
        })
    }

    /// Deploys and records the deployment.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let config: Config = opts.load()?;
        let plan = self.plan(&config.deploy)?;
        let signer = self.wallet.signer(&config)?;
        let deployer = signer.address();
        let url = self.rpc.url(&config)?;
        let chain = crate::opts::connect(&url, vec![signer]).await?;
        let artifacts = zrsign::contracts::embedded()
            .map_err(|e| Failure::internal(format!("the contracts embedded in this binary: {e}")))?;
        let spinner = crate::progress::Spinner::start(format!("deploying ZrSign from {deployer}"));
        let deployed = zrsign::deploy::execute(&chain, artifacts, deployer, &plan).await.map_err(|e| match e {
            zrsign::deploy::DeployError::Chain(c) => Failure::from_chain("deploy", &c),
            other => Failure::usage(format!("deploy: {other}"), "fix the plan (--chain, --wallet-type)"),
        })?;
        drop(spinner);
        let written = if self.no_write {
            None
        } else {
            zrsign::config::record_deployment(&opts.path, &deployed, &url)
                .map_err(|e| {
                    Failure::usage(format!("deployed, but cannot record it: {e}"), "record the addresses below by hand")
                })
                .inspect_err(|f| eprintln!("warning: {f}"))
                .ok()
                .map(|()| opts.path.clone())
        };
        let output = DeployOutput { deployed, config: written };
        self.output.print(&output, || text(&output))
    }
}

fn text(output: &DeployOutput) -> String {
    let d = &output.deployed;
    let mut lines = vec![
        format!("chain          {}", d.chain),
        format!("proxy          {}", d.proxy),
        format!("implementation {}", d.implementation),
    ];
    lines.extend(d.libraries.iter().map(|(name, address)| format!("library        {address} {name}")));
    lines.extend(d.wallet_types.iter().map(|(wt, id)| format!("wallet type    {wt} {id}")));
    let chains: Vec<String> = d.chains.iter().map(ToString::to_string).collect();
    lines.push(format!("chains         {}", chains.join(", ")));
    lines.push(format!("start block    {}", d.start_block));
    if d.admin_transfer_pending {
        lines.push(format!("admin          {} (pending: it accepts the transfer after the delay)", d.admin));
    } else {
        lines.push(format!("admin          {}", d.admin));
    }
    if let Some(path) = &output.config {
        lines.push(format!("recorded in    {}", path.display()));
    }
    lines.join("\n")
}
