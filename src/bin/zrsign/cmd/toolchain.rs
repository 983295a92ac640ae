//! `zrsign toolchain`: resolve (installing if needed) the toolchain and build the contracts.

use eyre::WrapErr;
use zrsign::toolchain::Program;

/// Arguments of `zrsign toolchain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also compile the contracts with the resolved solc.
    #[arg(long)]
    build: bool,
}

impl Args {
    /// Prints each program's path and where it came from.
    pub fn run(self) -> eyre::Result<()> {
        let toolchain = zrsign::toolchain::toolchain()?;
        for program in Program::ALL {
            let tool = toolchain.tool(program);
            println!("{program:6} {:?} {}", tool.source, tool.path.display());
        }
        if self.build {
            let started = std::time::Instant::now();
            let artifacts = zrsign::contracts::artifacts().wrap_err("building contracts/")?;
            let libraries: Vec<&str> = artifacts.libraries.keys().map(String::as_str).collect();
            println!(
                "built ZrSign (links {}) and ZrSignProxy ({} bytes) in {:.1?}",
                if libraries.is_empty() { "no library".to_owned() } else { libraries.join(", ") },
                artifacts.proxy.len(),
                started.elapsed()
            );
        }
        Ok(())
    }
}
