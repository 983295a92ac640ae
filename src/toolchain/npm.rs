//! Installing the project's pinned JS tools with `npm ci`.

use super::{ToolchainError, locate};
use std::{
    fs::{self, File},
    io::Write,
    path::Path,
    process::{Command, Stdio},
};

/// Files whose presence says the npm install is complete (libraries and the solc-js package).
const REQUIRED: [&str; 4] = [
    "node_modules/solc/package.json",
    "node_modules/@openzeppelin/contracts/package.json",
    "node_modules/@openzeppelin/contracts-upgradeable/package.json",
    "node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std/Test.sol",
];

/// Whether `node_modules/` holds everything and is not older than `package-lock.json`.
pub(super) fn is_current(root: &Path) -> bool {
    if !REQUIRED.iter().all(|f| root.join(f).is_file()) {
        return false;
    }
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&root.join("package-lock.json")), modified(&root.join("node_modules/.package-lock.json"))) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    }
}

/// Runs `npm ci` once, printing what it does on stderr; parallel processes wait on a file lock and
/// skip the install if another one completed it meanwhile.
pub(super) fn install(root: &Path, missing: &str) -> Result<(), ToolchainError> {
    let npm = locate::which("npm").ok_or_else(|| ToolchainError::NpmMissing { missing: missing.to_owned() })?;
    let lock_path = root.join(".npm-install.lock");
    let lock =
        File::create(&lock_path).map_err(|e| ToolchainError::io(format!("create {}", lock_path.display()), e))?;
    lock.lock().map_err(|e| ToolchainError::io(format!("lock {}", lock_path.display()), e))?;
    if is_current(root) && locate::find_all(root).iter().all(Option::is_some) {
        return Ok(());
    }
    // Written straight to the stderr handle: test harnesses capture `eprintln!` but not this.
    let mut err = std::io::stderr();
    let _ = writeln!(
        err,
        "zrsign: {missing} not found; installing the pinned toolchain with `npm ci` in {} (see package-lock.json) …",
        root.display()
    );
    let status = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .map_err(|e| ToolchainError::io("run `npm ci`", e))?;
    if !status.success() {
        return Err(ToolchainError::NpmFailed { root: root.to_path_buf(), status: status.to_string() });
    }
    let _ = writeln!(err, "zrsign: toolchain installed under {}", root.join("node_modules").display());
    Ok(())
}
