//! Compiles `contracts/` with foundry-compilers and the resolved solc, once per process.
//!
//! Artifacts go to `<target>/zrsign-contracts/` (not forge's `out/`, so a parallel `forge test`
//! never races with this build); the compiler cache there makes an unchanged build a cache hit.
//! A file lock serialises builds across processes. The test helpers ([`TEST_HELPERS`]) are built
//! only when a test asks for one ([`test_helper`]), into `<target>/zrsign-test-helpers/`, so the
//! deployable build is neither slowed nor invalidated by them.
//!
//! The same contracts are committed in the crate ([`embedded`]): an installed binary deploys those, the test
//! suites compile afresh, and `tests/embedded.rs` checks that the two agree.

mod config;
pub mod embedded;

pub use embedded::{EmbeddedContracts, embedded};

use crate::toolchain::{self, Toolchain, ToolchainError};
use alloy::primitives::{Address, Bytes};
use foundry_compilers::{
    ProjectCompileOutput, ProjectPathsConfig,
    artifacts::{BytecodeHash, CompactBytecode, EvmVersion, Optimizer, Settings, SettingsMetadata},
    compilers::solc::{Solc, SolcCompiler, SolcSettings},
};
use std::{
    collections::BTreeMap,
    fs::File,
    path::{Path, PathBuf},
    sync::OnceLock,
};

/// The sources the Rust side deploys; their imports are compiled with them.
pub const SOURCES: [&str; 2] = ["contracts/ZrSign.sol", "contracts/ZrSignProxy.sol"];

/// Test-only contracts that expose internal libraries to the Rust tests (forge compiles them too).
pub const TEST_HELPERS: [&str; 1] = ["contracts/test/helpers/BitcoinAddressHarness.sol"];

/// Why the contracts could not be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BuildError {
    /// The toolchain is not available.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// solc reported errors; the message is solc's.
    #[error("solc failed to compile the contracts:\n{0}")]
    Compiler(String),
    /// foundry-compilers failed (I/O, cache, solc invocation).
    #[error("contract build: {context}: {message}")]
    Project {
        /// What was being done.
        context: String,
        /// The error.
        message: String,
    },
    /// A contract expected in the output is missing or has no bytecode.
    #[error("contract build: no bytecode for {0}")]
    MissingArtifact(String),
    /// Creation code still references a library with no address.
    #[error("contract build: library {0} is not linked")]
    Unlinked(String),
}

impl BuildError {
    fn project(context: impl Into<String>, err: impl std::fmt::Display) -> Self {
        Self::Project { context: context.into(), message: err.to_string() }
    }
}

/// Creation bytecode of the deployable contracts.
#[derive(Debug, Clone)]
pub struct Artifacts {
    /// The `ZrSign` implementation (may reference external libraries).
    pub zrsign: Linkable,
    /// The `ZrSignProxy` (OpenZeppelin ERC1967Proxy).
    pub proxy: Bytes,
    /// Creation code of every external library the build produced, by name.
    pub libraries: BTreeMap<String, Bytes>,
}

/// Creation code that may still hold library placeholders.
#[derive(Debug, Clone)]
pub struct Linkable(CompactBytecode);

impl Linkable {
    /// The external libraries it must be linked with, as `(source file, library name)`.
    pub fn libraries(&self) -> Vec<(String, String)> {
        self.0
            .link_references
            .iter()
            .flat_map(|(file, libs)| libs.keys().map(move |lib| (file.clone(), lib.clone())))
            .collect()
    }

    /// The creation code with each library's placeholder replaced by its address (`addresses` by name).
    pub fn link(&self, addresses: &BTreeMap<String, Address>) -> Result<Bytes, BuildError> {
        let mut code = self.0.clone();
        for (file, library) in self.libraries() {
            let address = addresses.get(&library).ok_or_else(|| BuildError::Unlinked(library.clone()))?;
            code.link(&file, &library, *address);
        }
        // Linking replaces placeholders in the hex text; `resolve` decodes it once no placeholder is left.
        code.object
            .resolve()
            .cloned()
            .ok_or_else(|| BuildError::Unlinked("ZrSign (placeholder left after linking)".into()))
    }
}

/// The compiled contracts, built once per process.
pub fn artifacts() -> Result<&'static Artifacts, BuildError> {
    static ARTIFACTS: OnceLock<Result<Artifacts, BuildError>> = OnceLock::new();
    ARTIFACTS.get_or_init(|| compiled()?.artifacts()).as_ref().map_err(Clone::clone)
}

/// A fresh compile of the contracts in their embedded form (what [`embedded::EMBEDDED_PATH`] must hold), once
/// per process.
pub fn compiled() -> Result<&'static EmbeddedContracts, BuildError> {
    static COMPILED: OnceLock<Result<EmbeddedContracts, BuildError>> = OnceLock::new();
    COMPILED.get_or_init(|| export(toolchain::toolchain()?)).as_ref().map_err(Clone::clone)
}

/// Where the Rust build writes its artifacts and cache.
pub fn build_dir(root: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() { target } else { root.join(target) };
    target.join("zrsign-contracts")
}

/// Creation code of the test helper contract `name` (declared in one of [`TEST_HELPERS`]), built once
/// per process.
pub fn test_helper(name: &str) -> Result<Bytes, BuildError> {
    static HELPERS: OnceLock<Result<BTreeMap<String, Bytes>, BuildError>> = OnceLock::new();
    HELPERS
        .get_or_init(|| {
            let output = compile(toolchain::toolchain()?, "zrsign-test-helpers", &TEST_HELPERS)?;
            Ok(output
                .artifacts()
                .filter_map(|(name, artifact)| Some((name, artifact.bytecode.clone()?.into_bytes()?)))
                .filter(|(_, code)| !code.is_empty())
                .collect())
        })
        .as_ref()
        .map_err(Clone::clone)?
        .get(name)
        .cloned()
        .ok_or_else(|| BuildError::MissingArtifact(name.to_owned()))
}

/// Compiles [`SOURCES`] with the toolchain's solc.
pub fn build(toolchain: &Toolchain) -> Result<Artifacts, BuildError> {
    export(toolchain)?.artifacts()
}

/// Compiles [`SOURCES`] with the toolchain's solc, keeping what the embedded form holds.
pub fn export(toolchain: &Toolchain) -> Result<EmbeddedContracts, BuildError> {
    let output = compile(toolchain, "zrsign-contracts", &SOURCES)?;
    EmbeddedContracts::from_compile(|name| {
        let artifact = output.find_first(name)?;
        let bytecode =
            artifact.bytecode.clone().filter(|b| b.object.is_unlinked() || b.object.is_non_empty_bytecode())?;
        Some((artifact.abi.clone()?, bytecode))
    })
}

/// Compiles `sources` (paths relative to the root) into `<target>/<dir_name>/`, under that directory's lock.
fn compile(
    toolchain: &Toolchain,
    dir_name: &str,
    sources: &[&str],
) -> Result<ProjectCompileOutput<SolcCompiler>, BuildError> {
    let root = &toolchain.root;
    let foundry = config::FoundryConfig::read(root)?;
    let dir = build_dir(root).with_file_name(dir_name);
    std::fs::create_dir_all(&dir).map_err(|e| BuildError::project(format!("create {}", dir.display()), e))?;
    let lock_path = dir.join(".lock");
    let lock =
        File::create(&lock_path).map_err(|e| BuildError::project(format!("create {}", lock_path.display()), e))?;
    lock.lock().map_err(|e| BuildError::project(format!("lock {}", lock_path.display()), e))?;

    let paths = ProjectPathsConfig::builder()
        .root(root)
        .sources(root.join("contracts"))
        .artifacts(dir.join("out"))
        .build_infos(dir.join("out").join("build-info"))
        .cache(dir.join("cache").join("solidity-files-cache.json"))
        .libs([root.join("node_modules")])
        .remappings(foundry.remappings.clone())
        .build()
        .map_err(|e| BuildError::project("project paths", e))?;

    let mut settings = Settings {
        optimizer: Optimizer { enabled: Some(true), runs: Some(foundry.optimizer_runs), details: None },
        evm_version: Some(EvmVersion::Prague),
        metadata: Some(SettingsMetadata::new(BytecodeHash::None, false)),
        ..Default::default()
    };
    settings.remappings = foundry.remappings;
    let solc = Solc::new(&toolchain.solc.path)
        .map_err(|e| BuildError::project(format!("solc at {}", toolchain.solc.path.display()), e))?;
    let project = foundry_compilers::ProjectBuilder::<SolcCompiler>::default()
        .paths(paths)
        .settings(SolcSettings { settings, ..Default::default() })
        .offline()
        .build(SolcCompiler::Specific(solc))
        .map_err(|e| BuildError::project("project setup", e))?;

    let files: Vec<PathBuf> = sources.iter().map(|s| root.join(s)).collect();
    let output = project.compile_files(files).map_err(|e| BuildError::project("compile", e))?;
    if output.has_compiler_errors() {
        return Err(BuildError::Compiler(
            output.output().errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"),
        ));
    }
    tracing::debug!(unchanged = output.is_unchanged(), ?sources, "contracts compiled");
    Ok(output)
}
