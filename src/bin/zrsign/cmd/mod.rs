//! Subcommands, one file each (groups in a folder, one file per member).

mod artifacts;
mod bench;
mod client;
mod config;
mod deploy;
mod devnet;
mod fees;
mod forge;
mod key;
mod lookup;
#[cfg(feature = "threshold")]
mod mpc;
#[cfg(feature = "threshold")]
mod mpc_node;
mod reclaim;
mod relayer;
mod request;
mod responder;
mod services;
mod sign;
mod toolchain;
mod withdraw;

use crate::{
    exit::{Failure, Outcome},
    opts::ConfigOpts,
};
use clap::Subcommand;

/// What `zrsign` can do.
#[derive(Subcommand)]
pub enum Command {
    /// Deploy ZrSign (implementation, proxy, roles, root key, wallet types, chains, fees) and record it in the config.
    Deploy(deploy::Args),
    /// The MPC responder service.
    #[command(subcommand)]
    Responder(responder::Command),
    /// The cross-chain relayer service.
    #[command(subcommand)]
    Relayer(relayer::Command),
    /// Request, list and show keys.
    #[command(subcommand)]
    Key(key::Command),
    /// Request signatures over a hash, data or a transaction.
    #[command(subcommand)]
    Sign(sign::Command),
    /// Show or follow one request's lifecycle.
    #[command(subcommand)]
    Request(request::Command),
    /// Print the deployment's fee quotes.
    Fees(fees::Args),
    /// Take back the escrow of an expired, unanswered request.
    Reclaim(reclaim::Args),
    /// Withdraw the wallet's claimable balance (refunds, rebates).
    Withdraw(withdraw::Args),
    /// Write or print `zrsign.toml`.
    #[command(subcommand)]
    Config(config::Command),
    /// The two-chain devnet (ZrSign on eip155:31337, destination eip155:31338, responder and relayer);
    /// `--demo` walks every request kind, with two broadcast transfers, to verified answers.
    Devnet(devnet::Args),
    /// Benchmark: gas per call, signing, end-to-end throughput and latency with its ceiling, a load curve.
    Bench(bench::Args),
    /// The contracts embedded in the binary: regenerate them from `contracts/`, or check them.
    #[command(subcommand)]
    Artifacts(artifacts::Command),
    /// The threshold MPC network's key generation and benchmark.
    #[cfg(feature = "threshold")]
    #[command(subcommand)]
    Mpc(mpc::Command),
    /// One node of the threshold MPC network, as a service.
    #[cfg(feature = "threshold")]
    #[command(subcommand)]
    MpcNode(mpc_node::Command),
    /// Find or install solc, forge, anvil and cast, build the contracts, and print what was used.
    Toolchain(toolchain::Args),
    /// Run the resolved forge in the repository (`zrsign forge test`, `zrsign forge fmt --check`, …).
    Forge(forge::Args),
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Deploy(args) => args.run(config).await,
            Command::Responder(cmd) => cmd.run(config).await,
            Command::Relayer(cmd) => cmd.run(config).await,
            Command::Key(cmd) => cmd.run(config).await,
            Command::Sign(cmd) => cmd.run(config).await,
            Command::Request(cmd) => cmd.run(config).await,
            Command::Fees(args) => args.run(config).await,
            Command::Reclaim(args) => args.run(config).await,
            Command::Withdraw(args) => args.run(config).await,
            Command::Config(cmd) => cmd.run(config),
            Command::Devnet(args) => args.run().await.map_err(internal),
            Command::Bench(args) => args.run().await.map_err(internal),
            Command::Artifacts(cmd) => cmd.run(),
            #[cfg(feature = "threshold")]
            Command::Mpc(cmd) => cmd.run().await,
            #[cfg(feature = "threshold")]
            Command::MpcNode(cmd) => cmd.run().await,
            Command::Toolchain(args) => args.run().map_err(internal),
            Command::Forge(args) => args.run().map_err(internal),
        }
    }
}

/// The harness commands report through eyre: their failures are internal, the chain of causes on one line.
fn internal(e: eyre::Report) -> Failure {
    Failure::internal(format!("{e:#}"))
}
