//! A local anvil chain spawned through alloy's node bindings.
//!
//! Every anvil the project starts (tests, devnet, bench) goes through [`AnvilChain::spawn_on`], which keeps it
//! from leaking disk or slowing as blocks accumulate:
//! - `--prune-history N`: only the latest [`STATES_IN_MEMORY`] block states are kept, in memory, and none is
//!   written to disk (without it anvil moves older states to `~/.foundry/anvil/tmp/anvil-state-*` — about
//!   20 KB a block for simple transfers, 2.4 GB over 3,000 busy blocks — and never deletes them);
//! - `--cache-path`: should anvil persist anything anyway, it goes into a folder of this process under
//!   [`cache_root`] (`target/anvil/`), removed when the chain is dropped.

use super::{ChainError, ChainResult, RpcChain};
use crate::toolchain::Toolchain;
use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    signers::local::PrivateKeySigner,
};
use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU64, Ordering},
};

/// Block states anvil keeps (in memory): enough for calls at, and reorgs or rollbacks of, recent blocks.
pub const STATES_IN_MEMORY: u64 = 256;

/// A running anvil and a chain connected to it with its dev accounts. Dropping it stops anvil, then removes
/// its cache folder.
pub struct AnvilChain {
    /// Connected chain (signs with anvil's dev keys).
    pub rpc: RpcChain,
    // Field order matters: `instance` (anvil stopped and reaped) drops before `cache` (folder removed).
    instance: AnvilInstance,
    cache: CacheDir,
}

impl AnvilChain {
    /// Spawns anvil (Prague) on a free port with `evm_chain_id`.
    pub async fn spawn(toolchain: &Toolchain, evm_chain_id: u64) -> ChainResult<Self> {
        Self::spawn_with(toolchain, evm_chain_id, &[]).await
    }

    /// Spawns anvil with extra command-line arguments (e.g. `--block-time 1`).
    pub async fn spawn_with(toolchain: &Toolchain, evm_chain_id: u64, extra: &[&str]) -> ChainResult<Self> {
        Self::spawn_on(toolchain, evm_chain_id, None, extra).await
    }

    /// Spawns anvil on `port` (`None`: a free one) with extra command-line arguments.
    pub async fn spawn_on(
        toolchain: &Toolchain,
        evm_chain_id: u64,
        port: Option<u16>,
        extra: &[&str],
    ) -> ChainResult<Self> {
        let cache = CacheDir::create()?;
        let mut anvil = Anvil::at(&toolchain.anvil.path);
        if let Some(port) = port {
            anvil = anvil.port(port);
        }
        let instance = anvil
            .args(["--hardfork", "prague", "--chain-id", &evm_chain_id.to_string()])
            .args(["--prune-history", &STATES_IN_MEMORY.to_string()])
            .arg("--cache-path")
            .arg(cache.path())
            .args(extra.iter().copied())
            .try_spawn()
            .map_err(|e| ChainError::Spawn(format!("{} ({e})", toolchain.anvil.path.display())))?;
        let rpc = RpcChain::connect(&instance.endpoint(), signers(&instance)).await?;
        Ok(Self { rpc, instance, cache })
    }

    /// The HTTP endpoint.
    pub fn endpoint(&self) -> String {
        self.instance.endpoint()
    }

    /// The dev private keys (funded with 10,000 ether each).
    pub fn keys(&self) -> Vec<PrivateKeySigner> {
        signers(&self.instance)
    }

    /// The operating-system process id of anvil.
    pub fn pid(&self) -> u32 {
        self.instance.child().id()
    }

    /// The folder anvil may persist states into (removed on drop).
    pub fn cache_path(&self) -> &Path {
        self.cache.path()
    }
}

fn signers(instance: &AnvilInstance) -> Vec<PrivateKeySigner> {
    instance.keys().iter().cloned().map(PrivateKeySigner::from).collect()
}

/// Where anvil cache folders go: `$CARGO_TARGET_DIR/anvil`, else `target/anvil` of this crate when it exists
/// (a checkout), else the system's temporary folder.
pub fn cache_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir).join("anvil");
    }
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    if target.is_dir() { target.join("anvil") } else { std::env::temp_dir().join("zrsign-anvil") }
}

/// One anvil's cache folder, removed on drop.
struct CacheDir(PathBuf);

impl CacheDir {
    fn create() -> ChainResult<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let path = cache_root().join(name);
        std::fs::create_dir_all(&path)
            .map_err(|e| ChainError::Spawn(format!("create anvil cache folder {} ({e})", path.display())))?;
        Ok(Self(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for CacheDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.0.display(), error = %e, "could not remove anvil's cache folder");
        }
    }
}
