//! Finds the Solidity toolchain — `solc`, `forge`, `anvil`, `cast` — or installs the project's own.
//!
//! Order, per program: an explicit override (`ZRSIGN_SOLC`, `ZRSIGN_FORGE`, `ZRSIGN_ANVIL`,
//! `ZRSIGN_CAST`), then a native install (`PATH`, `~/.foundry/bin`, `~/.svm`), then the project's
//! npm-installed copies under `node_modules/`. When a program is found nowhere, `npm ci` runs once
//! (locked by `package-lock.json`, guarded by a file lock so parallel processes install once) and the
//! lookup is repeated. The result is computed once per process.

mod locate;
mod npm;

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::OnceLock,
};

/// The oldest native solc the contracts compile with (their pragma is `^0.8.28`).
pub const MIN_SOLC: (u64, u64, u64) = (0, 8, 28);

/// One of the four programs the project needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    /// The Solidity compiler (native, or the project's solc-js shim `tools/solc`).
    Solc,
    /// Foundry's test runner and script runner.
    Forge,
    /// Foundry's local chain.
    Anvil,
    /// Foundry's RPC client.
    Cast,
}

impl Program {
    /// All programs, in resolution order.
    pub const ALL: [Program; 4] = [Program::Solc, Program::Forge, Program::Anvil, Program::Cast];

    /// The executable's name.
    pub const fn name(self) -> &'static str {
        match self {
            Program::Solc => "solc",
            Program::Forge => "forge",
            Program::Anvil => "anvil",
            Program::Cast => "cast",
        }
    }

    /// The environment variable that overrides the lookup.
    pub const fn env_override(self) -> &'static str {
        match self {
            Program::Solc => "ZRSIGN_SOLC",
            Program::Forge => "ZRSIGN_FORGE",
            Program::Anvil => "ZRSIGN_ANVIL",
            Program::Cast => "ZRSIGN_CAST",
        }
    }
}

impl fmt::Display for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a program was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Named by its `ZRSIGN_*` environment variable.
    Override,
    /// A native install (PATH, `~/.foundry/bin`, `~/.svm`).
    Native,
    /// The project's npm-installed copy.
    Npm,
}

/// A resolved program.
#[derive(Debug, Clone)]
pub struct Tool {
    /// Absolute path of the executable.
    pub path: PathBuf,
    /// Where it came from.
    pub source: Source,
}

/// The resolved toolchain.
#[derive(Debug, Clone)]
pub struct Toolchain {
    /// The repository root (holds `foundry.toml`, `contracts/`, `package.json`).
    pub root: PathBuf,
    /// The Solidity compiler.
    pub solc: Tool,
    /// forge.
    pub forge: Tool,
    /// anvil.
    pub anvil: Tool,
    /// cast.
    pub cast: Tool,
}

/// Why the toolchain could not be made ready.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ToolchainError {
    /// A program is missing and npm, which would install it, is not on PATH.
    #[error(
        "zrsign toolchain: {missing} not found and `npm` is not on PATH to install it; install Node.js (>= 18, with npm) \
         or a native Foundry (forge, anvil, cast in ~/.foundry/bin) and solc >= 0.8.28"
    )]
    NpmMissing {
        /// The programs that were not found, comma-separated.
        missing: String,
    },
    /// The solc-js shim needs `node`, which is not on PATH.
    #[error(
        "zrsign toolchain: solc is the project's solc-js shim ({shim}), which needs `node`, and `node` is not on PATH"
    )]
    NodeMissing {
        /// The shim's path.
        shim: PathBuf,
    },
    /// `npm ci` ran and failed.
    #[error("zrsign toolchain: `npm ci` in {root} failed ({status}); its output is above")]
    NpmFailed {
        /// Where it ran.
        root: PathBuf,
        /// Its exit status.
        status: String,
    },
    /// A program is still missing after `npm ci` (e.g. no npm build of Foundry for this platform).
    #[error("zrsign toolchain: {program} not found after `npm ci` (looked in: {looked_in})")]
    StillMissing {
        /// The program.
        program: Program,
        /// The places searched.
        looked_in: String,
    },
    /// An I/O error with its context.
    #[error("zrsign toolchain: {context}: {message}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        message: String,
    },
}

impl ToolchainError {
    pub(crate) fn io(context: impl Into<String>, err: std::io::Error) -> Self {
        Self::Io { context: context.into(), message: err.to_string() }
    }
}

/// The repository root: `ZRSIGN_ROOT`, else the crate's manifest directory.
pub fn repo_root() -> PathBuf {
    std::env::var_os("ZRSIGN_ROOT").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The toolchain, resolved (and installed if needed) once per process.
pub fn toolchain() -> Result<&'static Toolchain, ToolchainError> {
    static TOOLCHAIN: OnceLock<Result<Toolchain, ToolchainError>> = OnceLock::new();
    TOOLCHAIN.get_or_init(|| Toolchain::resolve(&repo_root())).as_ref().map_err(Clone::clone)
}

impl Toolchain {
    /// Resolves every program for the repository at `root`, running `npm ci` once if one is missing.
    pub fn resolve(root: &Path) -> Result<Self, ToolchainError> {
        let first = locate::find_all(root);
        // The libraries (OpenZeppelin, forge-std) always come from npm, so node_modules must be current
        // even when every program is native.
        let found = if first.iter().all(Option::is_some) && npm::is_current(root) {
            first
        } else {
            npm::install(root, &missing_names(&first))?;
            locate::find_all(root)
        };
        let [solc, forge, anvil, cast] = found;
        let take = |tool: Option<Tool>, program: Program| {
            tool.ok_or_else(|| ToolchainError::StillMissing {
                program,
                looked_in: locate::describe_search(root, program),
            })
        };
        let toolchain = Self {
            root: root.to_path_buf(),
            solc: take(solc, Program::Solc)?,
            forge: take(forge, Program::Forge)?,
            anvil: take(anvil, Program::Anvil)?,
            cast: take(cast, Program::Cast)?,
        };
        if toolchain.solc.source == Source::Npm && locate::which("node").is_none() {
            return Err(ToolchainError::NodeMissing { shim: toolchain.solc.path.clone() });
        }
        for program in Program::ALL {
            let tool = toolchain.tool(program);
            tracing::debug!(%program, path = %tool.path.display(), source = ?tool.source, "toolchain");
        }
        Ok(toolchain)
    }

    /// The resolved tool for a program.
    pub fn tool(&self, program: Program) -> &Tool {
        match program {
            Program::Solc => &self.solc,
            Program::Forge => &self.forge,
            Program::Anvil => &self.anvil,
            Program::Cast => &self.cast,
        }
    }

    /// A `forge` command rooted at the repository, configured to use the resolved solc.
    pub fn forge_command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.forge.path);
        cmd.current_dir(&self.root).env("FOUNDRY_SOLC", &self.solc.path).env("FOUNDRY_OFFLINE", "true");
        cmd
    }
}

fn missing_names(found: &[Option<Tool>; 4]) -> String {
    let missing: Vec<&str> =
        Program::ALL.iter().zip(found).filter(|(_, t)| t.is_none()).map(|(p, _)| p.name()).collect();
    if missing.is_empty() { "the Solidity libraries".to_owned() } else { missing.join(", ") }
}
