//! The compiled contracts as committed in the crate (`src/contracts/embedded.json`), so an installed `zrsign`
//! deploys and talks to them with no checkout, Node or solc: the ABI, the creation bytecode and the link
//! references of `ZrSign`, of every library it links, and of `ZrSignProxy`.
//!
//! The file is the output of [`EmbeddedContracts::from_compile`] on a fresh build of `contracts/`; the test
//! `tests/embedded.rs` fails when the two differ. Regenerate it with [`REGENERATE`].

use super::{Artifacts, BuildError, Linkable};
use alloy::json_abi::JsonAbi;
use foundry_compilers::artifacts::CompactBytecode;
use std::{collections::BTreeMap, path::Path, sync::OnceLock};

/// The committed file, relative to the repository root.
pub const EMBEDDED_PATH: &str = "src/contracts/embedded.json";

/// The one command that rewrites [`EMBEDDED_PATH`] from a fresh compile of `contracts/`.
pub const REGENERATE: &str = "cargo run -- artifacts write";

const EMBEDDED_JSON: &str = include_str!("embedded.json");

/// One contract: its ABI and creation bytecode (placeholders and link references kept for `ZrSign`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmbeddedContract {
    /// The ABI.
    pub abi: JsonAbi,
    /// Creation bytecode and link references (no source map).
    pub bytecode: CompactBytecode,
}

/// Every contract the Rust side deploys, by name: `ZrSign`, `ZrSignProxy` and `ZrSign`'s linked libraries.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EmbeddedContracts {
    /// How to regenerate the file (informational, kept in the file for whoever opens it).
    pub regenerate: String,
    /// The contracts.
    pub contracts: BTreeMap<String, EmbeddedContract>,
}

/// The implementation's contract name.
pub const ZRSIGN: &str = "ZrSign";
/// The proxy's contract name.
pub const PROXY: &str = "ZrSignProxy";

impl EmbeddedContracts {
    /// The committed contracts, parsed once per process.
    pub fn committed() -> Result<&'static Self, BuildError> {
        static PARSED: OnceLock<Result<EmbeddedContracts, BuildError>> = OnceLock::new();
        PARSED.get_or_init(|| Self::parse(EMBEDDED_JSON)).as_ref().map_err(Clone::clone)
    }

    /// Parses the embedded form.
    pub fn parse(json: &str) -> Result<Self, BuildError> {
        serde_json::from_str(json).map_err(|e| {
            BuildError::project(format!("embedded contracts ({EMBEDDED_PATH}); regenerate with `{REGENERATE}`"), e)
        })
    }

    /// The embedded form, pretty-printed with a trailing newline (what [`EMBEDDED_PATH`] holds).
    pub fn to_json(&self) -> Result<String, BuildError> {
        serde_json::to_string_pretty(self)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| BuildError::project("serialise the embedded contracts", e))
    }

    /// Writes [`EMBEDDED_PATH`] under `root`.
    pub fn write(&self, root: &Path) -> Result<(), BuildError> {
        let path = root.join(EMBEDDED_PATH);
        std::fs::write(&path, self.to_json()?).map_err(|e| BuildError::project(format!("write {}", path.display()), e))
    }

    /// The embedded form of a compile's output: `ZrSign`, its linked libraries, and the proxy.
    pub(super) fn from_compile(find: impl Fn(&str) -> Option<(JsonAbi, CompactBytecode)>) -> Result<Self, BuildError> {
        let get = |name: &str| {
            let (abi, mut bytecode) = find(name).ok_or_else(|| BuildError::MissingArtifact(name.to_owned()))?;
            bytecode.source_map = None;
            Ok::<_, BuildError>((name.to_owned(), EmbeddedContract { abi, bytecode }))
        };
        let zrsign = get(ZRSIGN)?;
        let mut contracts: BTreeMap<String, EmbeddedContract> = BTreeMap::new();
        for (_, library) in Linkable(zrsign.1.bytecode.clone()).libraries() {
            let (name, contract) = get(&library)?;
            contracts.insert(name, contract);
        }
        let proxy = get(PROXY)?;
        contracts.extend([zrsign, proxy]);
        Ok(Self { regenerate: REGENERATE.to_owned(), contracts })
    }

    fn contract(&self, name: &str) -> Result<&EmbeddedContract, BuildError> {
        self.contracts.get(name).ok_or_else(|| BuildError::MissingArtifact(name.to_owned()))
    }

    /// The deployable bytecode: `ZrSign` (still to link), its libraries and the proxy.
    pub fn artifacts(&self) -> Result<Artifacts, BuildError> {
        let linked = |name: &str| {
            let contract = self.contract(name)?;
            contract
                .bytecode
                .object
                .as_bytes()
                .filter(|b| !b.is_empty())
                .cloned()
                .ok_or_else(|| BuildError::Unlinked(name.to_owned()))
        };
        let zrsign = Linkable(self.contract(ZRSIGN)?.bytecode.clone());
        let libraries = zrsign
            .libraries()
            .into_iter()
            .map(|(_, library)| Ok((library.clone(), linked(&library)?)))
            .collect::<Result<_, BuildError>>()?;
        Ok(Artifacts { zrsign, proxy: linked(PROXY)?, libraries })
    }
}

/// The contracts embedded in the binary, ready to deploy (no toolchain needed).
pub fn embedded() -> Result<&'static Artifacts, BuildError> {
    static ARTIFACTS: OnceLock<Result<Artifacts, BuildError>> = OnceLock::new();
    ARTIFACTS.get_or_init(|| EmbeddedContracts::committed()?.artifacts()).as_ref().map_err(Clone::clone)
}
