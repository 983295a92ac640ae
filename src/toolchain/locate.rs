//! Where each program is looked for.

use super::{MIN_SOLC, Program, Source, Tool};
use std::{
    env,
    path::{Path, PathBuf},
    process::Command,
};

/// Looks up every program; `None` where it was not found.
pub(super) fn find_all(root: &Path) -> [Option<Tool>; 4] {
    Program::ALL.map(|program| find(root, program))
}

fn find(root: &Path, program: Program) -> Option<Tool> {
    if let Some(path) = env::var_os(program.env_override()).map(PathBuf::from) {
        return path.is_file().then_some(Tool { path, source: Source::Override });
    }
    let native = native_candidates(program).into_iter().find(|p| acceptable(program, p));
    if let Some(path) = native {
        return Some(Tool { path, source: Source::Native });
    }
    let npm = npm_path(root, program);
    npm.is_file().then_some(Tool { path: npm, source: Source::Npm })
}

/// The project's own copy: the solc-js shim, or the binary of `@foundry-rs/<tool>-linux-amd64`.
pub(super) fn npm_path(root: &Path, program: Program) -> PathBuf {
    match program {
        Program::Solc => root.join("tools").join("solc"),
        tool => root
            .join("node_modules")
            .join("@foundry-rs")
            .join(format!("{}-linux-amd64", tool.name()))
            .join("bin")
            .join(tool.name()),
    }
}

fn native_candidates(program: Program) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = which(program.name()).into_iter().collect();
    if let Some(home) = env::var_os("HOME").map(PathBuf::from) {
        match program {
            Program::Solc => out.extend(svm_solcs(&home.join(".svm"))),
            tool => out.push(home.join(".foundry").join("bin").join(tool.name())),
        }
    }
    out
}

/// Native solc builds installed by svm, newest first.
fn svm_solcs(svm: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(svm) else { return Vec::new() };
    let mut found: Vec<((u64, u64, u64), PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let version = parse_semver(&name)?;
            Some((version, e.path().join(format!("solc-{name}"))))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found.into_iter().map(|(_, p)| p).collect()
}

/// A native candidate is acceptable if it exists and, for solc, is new enough for the contracts.
fn acceptable(program: Program, path: &Path) -> bool {
    if !path.is_file() {
        return false;
    }
    match program {
        Program::Solc => solc_version(path).is_some_and(|v| v >= MIN_SOLC),
        _ => true,
    }
}

fn solc_version(path: &Path) -> Option<(u64, u64, u64)> {
    let out = Command::new(path).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.lines().find_map(|l| l.strip_prefix("Version: "))?;
    parse_semver(version)
}

fn parse_semver(s: &str) -> Option<(u64, u64, u64)> {
    let core = s.split(['+', '-']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

/// The first executable named `name` on PATH.
pub(super) fn which(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Human-readable list of the places searched for a program (for errors).
pub(super) fn describe_search(root: &Path, program: Program) -> String {
    let mut places = vec![format!("${}", program.env_override()), "PATH".to_owned()];
    places.push(match program {
        Program::Solc => "~/.svm".to_owned(),
        _ => "~/.foundry/bin".to_owned(),
    });
    places.push(npm_path(root, program).display().to_string());
    places.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_solc_versions() {
        assert_eq!(parse_semver("0.8.30+commit.73712a01.Linux.g++"), Some((0, 8, 30)));
        assert_eq!(parse_semver("0.8.28"), Some((0, 8, 28)));
        assert_eq!(parse_semver("latest"), None);
    }

    #[test]
    fn npm_paths_point_into_node_modules() {
        let root = Path::new("/r");
        assert_eq!(
            npm_path(root, Program::Anvil),
            Path::new("/r/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
        );
        assert_eq!(npm_path(root, Program::Solc), Path::new("/r/tools/solc"));
    }
}
