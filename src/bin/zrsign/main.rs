//! `zrsign` — deploy zrSign, run its MPC responder and relayer, and request keys and signatures from a terminal.
//!
//! Logs go to stderr (`RUST_LOG` filters them, default `info`); stdout carries only results. A failure is one
//! line on stderr and an exit code per class (see `exit.rs`: 2 usage, 3 chain, 4 protocol, 1 internal).

mod cmd;
mod exit;
mod opts;
mod progress;

use clap::{Parser, error::ErrorKind};
use std::process::ExitCode;

/// zrSign v1: deploy it, run its MPC responder and relayer, request keys and signatures.
#[derive(Parser)]
#[command(name = "zrsign", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    config: opts::ConfigOpts,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| exit::Failure::internal(format!("cannot start the async runtime: {e}")))
        .and_then(|runtime| runtime.block_on(cli.command.run(&cli.config)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(failure.class as u8)
        }
    }
}

/// Help and version print as clap renders them; a usage error prints as one line and exits 2.
fn usage_error(e: clap::Error) -> ExitCode {
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(exit::Class::Usage as u8)
        }
        _ => {
            let rendered = e.render().to_string();
            let first = rendered.lines().next().unwrap_or("invalid arguments");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("error: {first}; see --help for usage");
            ExitCode::from(exit::Class::Usage as u8)
        }
    }
}
