//! Runs every Solidity suite (`forge test`) with the resolved toolchain and fails on any failing test.

mod common;

use std::io::Write;

#[test]
fn forge_suites_pass() {
    let report = zrsign::forge::run_tests(common::toolchain(), &[]).expect("run forge test");
    // Shown with the cargo test output (written past the harness's capture).
    let _ = writeln!(
        std::io::stderr(),
        "forge test: {} Solidity tests passed, {} failed, {} skipped",
        report.passed,
        report.failed,
        report.skipped
    );
    assert!(report.success && report.failed == 0, "forge test failed:\n{}", report.output);
    assert!(report.passed > 0, "forge ran no Solidity test:\n{}", report.output);
}
