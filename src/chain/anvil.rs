//! A local anvil chain spawned through alloy's node bindings.

use super::{ChainError, ChainResult, RpcChain};
use crate::toolchain::Toolchain;
use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    signers::local::PrivateKeySigner,
};

/// A running anvil and a chain connected to it with its dev accounts. Dropping it stops anvil.
pub struct AnvilChain {
    /// Connected chain (signs with anvil's dev keys).
    pub rpc: RpcChain,
    instance: AnvilInstance,
}

impl AnvilChain {
    /// Spawns anvil (Prague) on a free port with `evm_chain_id`.
    pub async fn spawn(toolchain: &Toolchain, evm_chain_id: u64) -> ChainResult<Self> {
        Self::spawn_with(toolchain, evm_chain_id, &[]).await
    }

    /// Spawns anvil with extra command-line arguments (e.g. `--port 8545`, `--block-time 1`).
    pub async fn spawn_with(toolchain: &Toolchain, evm_chain_id: u64, extra: &[&str]) -> ChainResult<Self> {
        let instance = Anvil::at(&toolchain.anvil.path)
            .args(["--hardfork", "prague", "--chain-id", &evm_chain_id.to_string()])
            .args(extra.iter().copied())
            .try_spawn()
            .map_err(|e| ChainError::Spawn(format!("{} ({e})", toolchain.anvil.path.display())))?;
        let rpc = RpcChain::connect(&instance.endpoint(), signers(&instance)).await?;
        Ok(Self { rpc, instance })
    }

    /// The HTTP endpoint.
    pub fn endpoint(&self) -> String {
        self.instance.endpoint()
    }

    /// The dev private keys (funded with 10,000 ether each).
    pub fn keys(&self) -> Vec<PrivateKeySigner> {
        signers(&self.instance)
    }
}

fn signers(instance: &AnvilInstance) -> Vec<PrivateKeySigner> {
    instance.keys().iter().cloned().map(PrivateKeySigner::from).collect()
}
