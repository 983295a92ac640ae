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
        let mut anvil = Anvil::at(&toolchain.anvil.path);
        if let Some(port) = port {
            anvil = anvil.port(port);
        }
        let instance = anvil
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
