//! `zrsign config init`: a new `zrsign.toml` from the flags and environment given.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, WalletOpts},
};
use std::path::PathBuf;
use zrsign::{config::Config, output::ConfigOutput, protocol::Caip2};

/// Arguments of `zrsign config init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    /// A destination chain's RPC, `CAIP2=URL` (repeatable), e.g. `eip155:11155111=https://…`.
    #[arg(long = "destination", value_name = "CAIP2=URL", value_parser = super::super::services::parse_destination)]
    destinations: Vec<(Caip2, String)>,
    /// The services' store.
    #[arg(long, value_name = "PATH", default_value = ".zrsign/zrsign.db")]
    store: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Writes the file.
    pub fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let mut config = Config::default();
        let wallet = super::show::effective(&mut config, &self.rpc, &self.wallet, &self.deployment);
        if config.chain.rpc_url.is_none() {
            config.chain.rpc_url = Some("http://127.0.0.1:8545".into());
        }
        config.responder.store = Some(self.store.clone());
        config.relayer.store = Some(self.store);
        config.destinations.extend(self.destinations);
        config.write_new(&opts.path, self.force).map_err(|e| match e {
            zrsign::config::ConfigError::Exists(path) => {
                Failure::usage(format!("{} already exists", path.display()), "pass --force to overwrite it")
            }
            other => Failure::usage(other.to_string(), "check the path"),
        })?;
        let output = ConfigOutput { path: opts.path.clone(), exists: true, wallet, config };
        self.output.print(&output, || format!("wrote {}", output.path.display()))
    }
}
