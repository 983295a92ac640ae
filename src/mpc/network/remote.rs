//! The coordinator's link to a networked node ([`super::node`]): the [`NodeLink`] the threshold signer drives,
//! over the coordinator's own mutual-TLS identity.

use super::{
    NetError,
    https::Tls,
    node::{NodeStatus, PresignAsk, SESSION_TIMEOUT},
};
use crate::{
    mpc::threshold::PartialSignature,
    signer::threshold::{NodeError, NodeLink, PartialAsk},
};
use std::{sync::Arc, time::Duration};

/// How long a node may take to answer a status or partial-signature call.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a status check may take before the node counts as down.
const STATUS_TIMEOUT: Duration = Duration::from_secs(2);

/// Node `index` at `addr`, as the coordinator sees it.
pub struct RemoteNode {
    index: u16,
    addr: String,
    tls: Tls,
    peers: Arc<Vec<(u16, String)>>,
}

impl RemoteNode {
    /// The links to every node of `peers` (`(index, host:port)`), over the coordinator's `tls`.
    pub fn network(tls: &Tls, peers: Vec<(u16, String)>) -> Vec<Arc<Self>> {
        let shared = Arc::new(peers);
        shared
            .iter()
            .map(|(index, addr)| {
                Arc::new(Self { index: *index, addr: addr.clone(), tls: tls.clone(), peers: shared.clone() })
            })
            .collect()
    }

    /// The node's status.
    pub async fn status(&self) -> Result<NodeStatus, NetError> {
        self.tls.get(self.index, &self.addr, "/v1/status", STATUS_TIMEOUT).await
    }

    /// A node's error answer read back, or the transport failure as unreachable.
    fn error(&self, e: NetError) -> NodeError {
        match e {
            NetError::Status { body, .. } => serde_json::from_str(&body)
                .unwrap_or(NodeError::Protocol { node: self.index, message: format!("{}: {body}", self.addr) }),
            other => {
                tracing::debug!(node = self.index, error = %other, "node call failed");
                NodeError::Unreachable(self.index)
            }
        }
    }
}

impl NodeLink for RemoteNode {
    fn index(&self) -> u16 {
        self.index
    }

    async fn is_up(&self) -> bool {
        self.status().await.is_ok_and(|s| s.index == self.index)
    }

    async fn presign(&self, id: u64, set: Vec<u16>) -> Result<(), NodeError> {
        let peers = self.peers.iter().filter(|(i, _)| set.contains(i)).cloned().collect();
        let ask = PresignAsk { id, set, peers };
        self.tls
            .post::<_, ()>(self.index, &self.addr, "/v1/presign", &ask, SESSION_TIMEOUT)
            .await
            .map_err(|e| self.error(e))
    }

    async fn partial(&self, ask: PartialAsk) -> Result<PartialSignature, NodeError> {
        self.tls.post(self.index, &self.addr, "/v1/partial", &ask, CALL_TIMEOUT).await.map_err(|e| self.error(e))
    }
}
