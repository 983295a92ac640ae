//! `zrsign artifacts write|check`: the contracts embedded in the binary (`src/contracts/embedded.json`),
//! regenerated from a fresh compile of `contracts/` (needs the checkout and the toolchain).

use crate::exit::{Failure, Outcome};
use zrsign::contracts::embedded::{EMBEDDED_PATH, EmbeddedContracts, REGENERATE};

/// `zrsign artifacts …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Compile `contracts/` and rewrite the embedded artifacts (commit the result).
    Write,
    /// Compile `contracts/` and fail if the embedded artifacts differ.
    Check,
}

impl Command {
    /// Runs it.
    pub fn run(self) -> Outcome<()> {
        let build = |e: zrsign::contracts::BuildError| Failure::internal(format!("building contracts/: {e}"));
        let fresh = zrsign::contracts::compiled().map_err(build)?;
        let root = zrsign::toolchain::repo_root();
        match self {
            Command::Write => {
                fresh.write(&root).map_err(build)?;
                println!("wrote {} ({} contracts)", root.join(EMBEDDED_PATH).display(), fresh.contracts.len());
                Ok(())
            }
            Command::Check => {
                let committed = EmbeddedContracts::committed().map_err(build)?;
                if committed == fresh {
                    println!("{EMBEDDED_PATH} matches a fresh compile of contracts/");
                    Ok(())
                } else {
                    Err(Failure::internal(format!(
                        "{EMBEDDED_PATH} differs from a fresh compile of contracts/; regenerate it with `{REGENERATE}` and commit it"
                    )))
                }
            }
        }
    }
}
