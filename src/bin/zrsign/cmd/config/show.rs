//! `zrsign config show`: the settings in effect.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, PRIVATE_KEY_ENV, RpcOpts, WalletOpts},
};
use zrsign::{config::Config, output::ConfigOutput};

/// Arguments of `zrsign config show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Prints the effective settings (never a secret: the wallet is named by where its key comes from).
    pub fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let file = Config::read(&opts.path)
            .map_err(|e| Failure::usage(e.to_string(), "fix the file or point --config at another"))?;
        let exists = file.is_some();
        let mut config = file.unwrap_or_default();
        let out = effective(&mut config, &self.rpc, &self.wallet, &self.deployment);
        let output = ConfigOutput { path: opts.path.clone(), exists, wallet: out, config };
        self.output.print(&output, || {
            let body = output.config.to_toml().unwrap_or_default();
            let state = if output.exists { "" } else { " (no such file: defaults, environment and flags only)" };
            let wallet = output.wallet.as_deref().unwrap_or("none");
            format!("# {}{state}\n# wallet: {wallet}\n{body}", output.path.display())
        })
    }
}

/// Applies the environment and flags over the file's settings; returns where the wallet's key comes from.
pub fn effective(
    config: &mut Config,
    rpc: &RpcOpts,
    wallet: &WalletOpts,
    deployment: &DeploymentOpts,
) -> Option<String> {
    if let Some(url) = &rpc.rpc_url {
        config.chain.rpc_url = Some(url.clone());
    }
    if let Some(proxy) = deployment.proxy {
        config.deployment.proxy = Some(proxy);
    }
    if let Some(path) = &wallet.private_key_file {
        config.wallet = zrsign::config::WalletSection { private_key_file: Some(path.clone()), ..Default::default() };
    } else if let Some(path) = &wallet.keystore {
        config.wallet = zrsign::config::WalletSection {
            keystore: Some(path.clone()),
            password_file: wallet.password_file.clone().or(config.wallet.password_file.take()),
            ..Default::default()
        };
    }
    if wallet.private_key_file.is_none() && wallet.keystore.is_none() && std::env::var_os(PRIVATE_KEY_ENV).is_some() {
        Some(format!("environment {PRIVATE_KEY_ENV}"))
    } else if let Some(path) = &config.wallet.private_key_file {
        Some(format!("key file {}", path.display()))
    } else {
        config.wallet.keystore.as_ref().map(|path| format!("keystore {}", path.display()))
    }
}
