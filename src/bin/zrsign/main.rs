//! `zrsign` — the command-line front of the zrsign harness.
//!
//! Logs go to stderr (`RUST_LOG` filters them, default `info`); stdout carries only results.

mod cmd;

use clap::Parser;

/// zrSign v1: contracts, harness and mock MPC responder.
#[derive(Parser)]
#[command(name = "zrsign", version, about)]
struct Cli {
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(cli.command.run())
}
