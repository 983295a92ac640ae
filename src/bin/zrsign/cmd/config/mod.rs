//! `zrsign config init|show`: write or print `zrsign.toml` (precedence: file < environment < flags).

mod init;
mod show;

use crate::{exit::Outcome, opts::ConfigOpts};

/// `zrsign config …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write a new `zrsign.toml` from the flags and environment given (refuses to overwrite without --force).
    Init(init::Args),
    /// Print the settings in effect: the file, overridden by the environment and the flags.
    Show(show::Args),
}

impl Command {
    /// Runs it.
    pub fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Init(args) => args.run(config),
            Command::Show(args) => args.run(config),
        }
    }
}
