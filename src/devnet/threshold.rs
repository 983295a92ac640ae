//! The devnet's threshold network: one `zrsign mpc-node run` process per share of a network directory, each
//! reading the source chain itself, and the responder's [`ThresholdSigner`] coordinating them over mutual TLS.

use crate::{
    mpc::network::{
        NetError,
        https::Tls,
        layout::{self, LayoutError},
        pki::Identity,
        process::{NodeCommand, NodeProcess},
        remote::RemoteNode,
    },
    protocol::PublicKey,
    signer::threshold::ThresholdSigner,
};
use alloy::primitives::Address;
use std::{path::PathBuf, sync::Arc};

/// Presignatures the devnet's network keeps ready.
pub const POOL: usize = 4;

/// Why the threshold network did not start.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdNetError {
    /// The network directory.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The nodes or their certificates.
    #[error(transparent)]
    Net(#[from] NetError),
}

/// Which network, and how to run its nodes.
#[derive(Debug, Clone)]
pub struct ThresholdOptions {
    /// The `zrsign` binary the nodes run.
    pub exe: PathBuf,
    /// The network directory (`zrsign mpc keygen --out`).
    pub dir: PathBuf,
    /// The share files' password.
    pub password: String,
}

/// The running network.
pub struct ThresholdNet {
    /// The node processes.
    pub nodes: Vec<NodeProcess>,
    /// The coordinator.
    pub signer: Arc<ThresholdSigner<RemoteNode>>,
}

impl ThresholdOptions {
    /// The network's root public key.
    pub fn root(&self) -> Result<PublicKey, ThresholdNetError> {
        let record = layout::read_root(&self.dir)?;
        Ok(record.public_key().map_err(LayoutError::from)?)
    }

    /// Starts every node against the source chain at `rpc_url` serving `proxy`, and their coordinator.
    pub async fn start(&self, rpc_url: &str, proxy: Address) -> Result<ThresholdNet, ThresholdNetError> {
        let record = layout::read_root(&self.dir)?;
        let root = record.public_key().map_err(LayoutError::from)?;
        let command = NodeCommand {
            exe: self.exe.clone(),
            dir: self.dir.clone(),
            password: self.password.clone(),
            rpc_url: rpc_url.into(),
            proxy,
        };
        let nodes = command.spawn_all(record.parties).await?;
        let tls = Tls::load(&self.dir, Identity::Coordinator, record.parties)?;
        let links = RemoteNode::network(&tls, nodes.iter().map(|n| (n.index, n.addr.clone())).collect());
        let signer = Arc::new(ThresholdSigner::new(1, root, record.threshold, links));
        tracing::info!(parties = record.parties, threshold = record.threshold, "threshold MPC nodes started");
        Ok(ThresholdNet { nodes, signer })
    }
}
