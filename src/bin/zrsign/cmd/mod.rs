//! Subcommands, one file each.

mod bench;
mod devnet;
mod forge;
mod toolchain;

use clap::Subcommand;

/// What `zrsign` can do.
#[derive(Subcommand)]
pub enum Command {
    /// Print gas per call (revm) and the responder's throughput and latency percentiles (anvil).
    Bench(bench::Args),
    /// The two-chain devnet (ZrSign on eip155:31337, destination eip155:31338, responder and relayer);
    /// `--demo` walks every request kind, with two broadcast transfers, to verified answers.
    Devnet(devnet::Args),
    /// Find or install solc, forge, anvil and cast, build the contracts, and print what was used.
    Toolchain(toolchain::Args),
    /// Run the resolved forge in the repository (`zrsign forge test`, `zrsign forge fmt --check`, …).
    Forge(forge::Args),
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self) -> eyre::Result<()> {
        match self {
            Command::Bench(args) => args.run().await,
            Command::Devnet(args) => args.run().await,
            Command::Toolchain(args) => args.run(),
            Command::Forge(args) => args.run(),
        }
    }
}
