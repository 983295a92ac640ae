//! Shared fixtures of the integration tests.
#![allow(dead_code)]

pub mod cli;
pub mod net;

use std::io::Write;
use zrsign::{contracts::Artifacts, toolchain::Toolchain};

/// Prints one line and ends the test process: a missing toolchain is not a test failure to
/// report per test, and a panic backtrace would bury the one thing to fix.
fn exit_with(message: impl std::fmt::Display) -> ! {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    std::process::exit(2)
}

/// The resolved (or freshly installed) toolchain.
pub fn toolchain() -> &'static Toolchain {
    zrsign::toolchain::toolchain().unwrap_or_else(|e| exit_with(e))
}

/// The compiled contracts.
pub fn artifacts() -> &'static Artifacts {
    toolchain();
    zrsign::contracts::artifacts().unwrap_or_else(|e| exit_with(e))
}
