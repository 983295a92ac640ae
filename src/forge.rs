//! Runs the Solidity test suites (`forge test`) with the resolved toolchain.

use crate::toolchain::{Toolchain, ToolchainError};
use std::process::Stdio;

/// What a `forge test` run reported.
#[derive(Debug, Clone)]
pub struct ForgeReport {
    /// Whether forge exited 0.
    pub success: bool,
    /// Tests passed, failed, skipped (from forge's closing summary line).
    pub passed: u64,
    /// Failed tests.
    pub failed: u64,
    /// Skipped tests.
    pub skipped: u64,
    /// forge's stdout and stderr.
    pub output: String,
}

/// Runs `forge test` with extra `args` in the repository.
pub fn run_tests(toolchain: &Toolchain, args: &[&str]) -> Result<ForgeReport, ToolchainError> {
    let out = toolchain
        .forge_command()
        .arg("test")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| ToolchainError::io(format!("run {}", toolchain.forge.path.display()), e))?;
    let output = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let (passed, failed, skipped) = summary(&output).unwrap_or_default();
    Ok(ForgeReport { success: out.status.success(), passed, failed, skipped, output })
}

/// Parses forge's closing line: `Ran 3 test suites in …: 12 tests passed, 0 failed, 0 skipped (12 total tests)`.
pub fn summary(output: &str) -> Option<(u64, u64, u64)> {
    let line = output.lines().rev().find(|l| l.contains(" passed, ") && l.contains(" total test"))?;
    let tail = line.rsplit(':').next()?;
    let mut numbers = tail.split(|c: char| !c.is_ascii_digit()).filter(|s| !s.is_empty()).map(str::parse::<u64>);
    Some((numbers.next()?.ok()?, numbers.next()?.ok()?, numbers.next()?.ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_forge_summary() {
        let out = "…\nRan 2 test suites in 20.02ms (8.33ms CPU time): 14 tests passed, 1 failed, 2 skipped (17 total tests)\n";
        assert_eq!(super::summary(out), Some((14, 1, 2)));
        assert_eq!(super::summary("no summary"), None);
    }
}
