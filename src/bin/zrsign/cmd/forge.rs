//! `zrsign forge …`: runs the resolved forge (native or the project's) with the resolved solc.

use eyre::WrapErr;

/// Arguments passed through to forge.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// forge's arguments, e.g. `test`, `fmt --check`, `script script/Deploy.s.sol`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true)]
    args: Vec<String>,
}

impl Args {
    /// Runs forge and exits with its status.
    pub fn run(self) -> eyre::Result<()> {
        let toolchain = zrsign::toolchain::toolchain()?;
        let status = toolchain
            .forge_command()
            .args(&self.args)
            .status()
            .wrap_err_with(|| format!("running {}", toolchain.forge.path.display()))?;
        if !status.success() {
            std::process::exit(status.code().unwrap_or(1));
        }
        Ok(())
    }
}
