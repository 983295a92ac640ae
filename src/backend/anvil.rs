//! A local anvil chain spawned through alloy's node bindings.

use super::{BackendError, RpcBackend};
use crate::toolchain::Toolchain;
use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    signers::local::PrivateKeySigner,
};

/// A running anvil and a backend connected to it with its dev accounts. Dropping it stops anvil.
pub struct AnvilChain {
    /// Connected backend (signs with anvil's dev keys).
    pub rpc: RpcBackend,
    instance: AnvilInstance,
}

impl AnvilChain {
    /// Spawns anvil (Prague) on a free port with `chain_id`.
    pub async fn spawn(toolchain: &Toolchain, chain_id: u64) -> Result<Self, BackendError> {
        let instance = Anvil::at(&toolchain.anvil.path)
            .args(["--hardfork", "prague", "--chain-id", &chain_id.to_string()])
            .try_spawn()
            .map_err(|e| BackendError::Spawn(format!("{} ({e})", toolchain.anvil.path.display())))?;
        let signers: Vec<PrivateKeySigner> = instance.keys().iter().cloned().map(PrivateKeySigner::from).collect();
        let rpc = RpcBackend::connect(&instance.endpoint(), signers).await?;
        Ok(Self { rpc, instance })
    }

    /// The HTTP endpoint.
    pub fn endpoint(&self) -> String {
        self.instance.endpoint()
    }

    /// The dev private keys (funded with 10,000 ether each).
    pub fn keys(&self) -> Vec<PrivateKeySigner> {
        self.instance.keys().iter().cloned().map(PrivateKeySigner::from).collect()
    }
}
