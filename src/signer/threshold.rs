//! The threshold network's signer: t-of-n nodes each holding one key share ([`crate::mpc::threshold`]); no
//! process holds the root secret. The client (this [`ThresholdSigner`]) coordinates: it keeps a pool of
//! presignatures per signing set, generated ahead of time by the nodes themselves; a request then costs one
//! round, in which every node of the set checks the request on the source chain ([`RequestCheck`]), applies
//! the contract's tweak to its presignature share and returns a partial signature. The client combines them
//! and returns the signature only if it recovers to the child key.
//!
//! Nodes are reached through [`NodeLink`]: in-process ([`LocalNode`]) or over mutual TLS (the `mpc-node`).

use super::{SignError, SignItem, SignResult, Signer};
use crate::{
    chain::ChainRead,
    mpc::threshold::{
        self, KeyShare, PartialSignature, PresignMsg, Presignature,
        check::{Refusal, RequestCheck},
        local,
    },
    protocol::PublicKey,
};
use std::{
    collections::{HashMap, VecDeque},
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};

/// Why a node did not contribute.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum NodeError {
    /// The node is not reachable.
    #[error("node {0} is unreachable")]
    Unreachable(u16),
    /// The node refused to sign (no open request asks for it, or it cannot check).
    #[error("node {node} refused: {refusal}")]
    Refused {
        /// The node.
        node: u16,
        /// Why.
        refusal: Box<Refusal>,
    },
    /// The node has no presignature of that id (used, or never made).
    #[error("node {node} has no presignature {id}")]
    NoPresignature {
        /// The node.
        node: u16,
        /// The presignature.
        id: u64,
    },
    /// The presignature protocol failed.
    #[error("node {node}: {message}")]
    Protocol {
        /// The node.
        node: u16,
        /// What failed.
        message: String,
    },
}

/// One signature share asked of a node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartialAsk {
    /// The root key version.
    pub key_version: u32,
    /// What to sign.
    pub item: SignItem,
    /// The signing set (keygen indexes) the presignature was made by.
    pub set: Vec<u16>,
    /// The presignature to consume.
    pub presignature: u64,
}

/// How the client reaches one node.
pub trait NodeLink: Send + Sync {
    /// The node's keygen index.
    fn index(&self) -> u16;
    /// Whether the node answers.
    fn is_up(&self) -> impl Future<Output = bool> + Send;
    /// The node joins presignature generation `id` by `set` (keygen indexes, ascending) and keeps its share of
    /// the presignature; it returns when its share is made. The session's messages travel between the nodes
    /// themselves (in-process, or over their mutual-TLS channels), never through the coordinator.
    fn presign(&self, id: u64, set: Vec<u16>) -> impl Future<Output = Result<(), NodeError>> + Send;
    /// The node checks the request and issues its partial signature.
    fn partial(&self, ask: PartialAsk) -> impl Future<Output = Result<PartialSignature, NodeError>> + Send;
}

/// A node running in this process: its share, its presignature shares and its own view of the source chain.
pub struct LocalNode<C> {
    share: Arc<KeyShare>,
    check: RequestCheck<C>,
    online: AtomicBool,
    presignatures: Mutex<HashMap<u64, Presignature>>,
    refusals: AtomicU64,
    sessions: Arc<local::Hub<PresignMsg>>,
}

impl<C: ChainRead> LocalNode<C> {
    /// A node with `share`, checking requests with `check`; co-located nodes share one `sessions` hub.
    pub fn new(share: KeyShare, check: RequestCheck<C>, sessions: Arc<local::Hub<PresignMsg>>) -> Self {
        Self {
            share: Arc::new(share),
            check,
            online: AtomicBool::new(true),
            presignatures: Mutex::new(HashMap::new()),
            refusals: AtomicU64::new(0),
            sessions,
        }
    }

    /// Takes the node down or brings it back (tests: a crashed node keeps nothing it had not persisted, so its
    /// presignature shares are dropped).
    pub fn set_online(&self, online: bool) {
        if !online {
            self.lock().clear();
        }
        self.online.store(online, Ordering::SeqCst);
    }

    /// How many partial signatures this node refused.
    pub fn refusals(&self) -> u64 {
        self.refusals.load(Ordering::SeqCst)
    }

    /// How many presignature shares it holds.
    pub fn pooled(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Presignature>> {
        self.presignatures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks `ask` on the source chain and, if an open request asks for it, issues the partial signature.
    pub async fn sign_share(&self, ask: &PartialAsk) -> Result<PartialSignature, NodeError> {
        sign_share(self.share.i, &self.check, &self.presignatures, &self.refusals, ask).await
    }
}

/// What every node does when asked for a partial signature (in-process or networked): checks `ask` on the
/// source chain through `check` and, only if an open request asks for it, consumes the presignature share and
/// issues the partial signature. A refusal is counted in `refusals`; the presignature stays unused.
pub async fn sign_share<C: ChainRead>(
    node: u16,
    check: &RequestCheck<C>,
    presignatures: &Mutex<HashMap<u64, Presignature>>,
    refusals: &AtomicU64,
    ask: &PartialAsk,
) -> Result<PartialSignature, NodeError> {
    if let Err(refusal) = check.check(ask.key_version, &ask.item).await {
        refusals.fetch_add(1, Ordering::SeqCst);
        tracing::warn!(node, %refusal, "refusing to sign");
        return Err(NodeError::Refused { node, refusal: Box::new(refusal) });
    }
    let presignature = presignatures
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(&ask.presignature)
        .ok_or(NodeError::NoPresignature { node, id: ask.presignature })?;
    Ok(threshold::partial_sign(presignature, &ask.item.path, ask.item.digest))
}

/// Runs this node's part of presignature generation `id` by `set` over `delivery`, off the async workers.
pub async fn presign_share<D>(
    share: Arc<KeyShare>,
    id: u64,
    set: Vec<u16>,
    delivery: D,
) -> Result<Presignature, NodeError>
where
    D: round_based::Delivery<PresignMsg> + Send + 'static,
    D::Send: Send,
    D::Receive: Send,
{
    let node = share.i;
    let position = set_position(node, &set)?;
    let eid = presign_eid(&share, id, &set);
    let task =
        threshold::off_runtime(async move { threshold::presign_party(&eid, position, &set, &share, delivery).await });
    task.await
        .map_err(|e| NodeError::Protocol { node, message: e.to_string() })?
        .map_err(|e| NodeError::Protocol { node, message: e.to_string() })
}

/// `node`'s position in the signing set `set`.
pub fn set_position(node: u16, set: &[u16]) -> Result<u16, NodeError> {
    set.iter()
        .position(|&i| i == node)
        .map(|p| p as u16)
        .ok_or_else(|| NodeError::Protocol { node, message: format!("not in the signing set {set:?}") })
}

impl<C: ChainRead + Send + Sync> NodeLink for LocalNode<C> {
    fn index(&self) -> u16 {
        self.share.i
    }

    async fn is_up(&self) -> bool {
        self.online.load(Ordering::SeqCst)
    }

    async fn presign(&self, id: u64, set: Vec<u16>) -> Result<(), NodeError> {
        let node = self.share.i;
        if !self.is_up().await {
            return Err(NodeError::Unreachable(node));
        }
        let position = set_position(node, &set)?;
        let delivery = self.sessions.join(id, set.len() as u16, position).ok_or_else(|| NodeError::Protocol {
            node,
            message: format!("already joined presignature session {id}"),
        })?;
        let presignature = presign_share(self.share.clone(), id, set, delivery).await?;
        self.lock().insert(id, presignature);
        Ok(())
    }

    async fn partial(&self, ask: PartialAsk) -> Result<PartialSignature, NodeError> {
        if !self.is_up().await {
            return Err(NodeError::Unreachable(self.share.i));
        }
        self.sign_share(&ask).await
    }
}

/// The execution id of presignature `id` by `set`: unique per key, set and id.
pub fn presign_eid(share: &KeyShare, id: u64, set: &[u16]) -> Vec<u8> {
    let mut eid = b"zrsign.presign".to_vec();
    eid.extend_from_slice(&share.shared_public_key.to_bytes(true));
    eid.extend_from_slice(&id.to_be_bytes());
    for i in set {
        eid.extend_from_slice(&i.to_be_bytes());
    }
    eid
}

/// Coordinates the nodes of one root key.
pub struct ThresholdSigner<N> {
    key_version: u32,
    root: PublicKey,
    threshold: u16,
    nodes: Vec<Arc<N>>,
    next_presignature: AtomicU64,
    pools: Mutex<HashMap<Vec<u16>, VecDeque<u64>>>,
}

impl<N: NodeLink + 'static> ThresholdSigner<N> {
    /// A client of `nodes` (every party of the key, in any order) holding root `root` as `key_version`.
    pub fn new(key_version: u32, root: PublicKey, threshold: u16, nodes: Vec<Arc<N>>) -> Self {
        Self {
            key_version,
            root,
            threshold,
            nodes,
            next_presignature: AtomicU64::new(first_presignature_id()),
            pools: Mutex::new(HashMap::new()),
        }
    }

    /// The nodes.
    pub fn nodes(&self) -> &[Arc<N>] {
        &self.nodes
    }

    fn pools(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u16>, VecDeque<u64>>> {
        self.pools.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The first `threshold` reachable nodes, or how many are reachable.
    async fn signing_set(&self) -> Result<Vec<Arc<N>>, usize> {
        // Every node is asked at once: one unreachable node costs one timeout, not one per node after it.
        let answers = futures::future::join_all(self.nodes.iter().map(|node| node.is_up())).await;
        let mut up: Vec<Arc<N>> =
            self.nodes.iter().zip(answers).filter(|(_, is_up)| *is_up).map(|(node, _)| node.clone()).collect();
        let reachable = up.len();
        if reachable < usize::from(self.threshold) {
            return Err(reachable);
        }
        up.sort_by_key(|n| n.index());
        up.truncate(usize::from(self.threshold));
        Ok(up)
    }

    /// Generates `count` presignatures by `set` (every node makes and keeps its own share), adding them to the
    /// set's pool.
    pub async fn refill(&self, set: &[Arc<N>], count: usize) -> Result<(), NodeError> {
        let indexes: Vec<u16> = set.iter().map(|n| n.index()).collect();
        let runs = (0..count).map(|_| {
            let id = self.next_presignature.fetch_add(1, Ordering::SeqCst);
            let indexes = indexes.clone();
            async move {
                let joins = set.iter().map(|node| node.presign(id, indexes.clone()));
                futures::future::try_join_all(joins).await.map(|_| id)
            }
        });
        let made = futures::future::join_all(runs).await;
        let mut pools = self.pools();
        let pool = pools.entry(indexes).or_default();
        let mut first_error = None;
        for result in made {
            match result {
                Ok(id) => pool.push_back(id),
                Err(e) => first_error = first_error.or(Some(e)),
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    /// Generates presignatures ahead of time for the current signing set until its pool holds `target`.
    pub async fn fill_pool(&self, target: usize) -> Result<usize, SignError> {
        let set = self.signing_set().await.map_err(|up| self.too_few(up))?;
        let indexes: Vec<u16> = set.iter().map(|n| n.index()).collect();
        let have = self.pools().get(&indexes).map_or(0, VecDeque::len);
        if have < target {
            self.refill(&set, target - have).await.map_err(|e| SignError::Transient(e.to_string()))?;
        }
        Ok(self.pools().get(&indexes).map_or(0, VecDeque::len))
    }

    fn too_few(&self, up: usize) -> SignError {
        SignError::Transient(format!(
            "only {up} of {} MPC nodes reachable, {} needed to sign",
            self.nodes.len(),
            self.threshold
        ))
    }

    fn take(&self, set: &[u16], count: usize) -> Vec<u64> {
        let mut pools = self.pools();
        let pool = pools.entry(set.to_vec()).or_default();
        let n = count.min(pool.len());
        pool.drain(..n).collect()
    }

    async fn sign_one(&self, set: &[Arc<N>], indexes: &[u16], item: SignItem, presignature: u64) -> SignResult {
        let ask = PartialAsk { key_version: self.key_version, item, set: indexes.to_vec(), presignature };
        let partials = futures::future::join_all(set.iter().map(|n| n.partial(ask.clone()))).await;
        let mut shares = Vec::with_capacity(partials.len());
        for result in partials {
            match result {
                Ok(p) => shares.push(p),
                // A node that sees no open request may lag behind the coordinator's view of the chain: the
                // request stays open (retried, or reclaimed by its requester), never rejected on a node's word.
                Err(e) => return Err(SignError::Transient(e.to_string())),
            }
        }
        let child = self.root.derive(&item.path).map_err(|e| SignError::Refused(e.to_string()))?;
        threshold::combine(&shares, item.digest, &child).map_err(|e| SignError::Aborted(e.to_string()))
    }
}

impl<N: NodeLink + 'static> Signer for ThresholdSigner<N> {
    fn root_public_key(&self, key_version: u32) -> Option<PublicKey> {
        (key_version == self.key_version).then_some(self.root)
    }

    async fn sign_batch(&self, key_version: u32, items: Vec<SignItem>) -> Vec<SignResult> {
        if key_version != self.key_version {
            let refused = SignError::Refused(format!("key version {key_version} is not held by this network"));
            return vec![Err(refused); items.len()];
        }
        let set = match self.signing_set().await {
            Ok(set) => set,
            Err(up) => {
                let error = self.too_few(up);
                tracing::warn!(%error, "cannot sign");
                return vec![Err(error); items.len()];
            }
        };
        let indexes: Vec<u16> = set.iter().map(|n| n.index()).collect();
        let mut ids = self.take(&indexes, items.len());
        if ids.len() < items.len() {
            // The pool ran dry (or the set changed): make what is missing now, at the cost of the extra rounds.
            if let Err(e) = self.refill(&set, items.len() - ids.len()).await {
                tracing::warn!(error = %e, "presignature generation failed");
            }
            ids.extend(self.take(&indexes, items.len() - ids.len()));
        }
        let signing = items.iter().zip(&ids).map(|(item, id)| self.sign_one(&set, &indexes, *item, *id));
        let mut results = futures::future::join_all(signing).await;
        let missing = SignError::Transient("no presignature available".into());
        results.resize(items.len(), Err(missing));
        results
    }
}

/// Presignature ids start from the clock so a restarted client does not reuse a running node's ids.
fn first_presignature_id() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
}

impl<N: NodeLink + 'static> ThresholdSigner<N> {
    /// Keeps the current signing set's pool at `target` presignatures until `stop`, checking every `interval`
    /// (a failed refill is logged and retried: the nodes may be down).
    pub async fn keep_pool_filled(
        self: Arc<Self>,
        target: usize,
        interval: std::time::Duration,
        stop: tokio_util::sync::CancellationToken,
    ) {
        while !stop.is_cancelled() {
            if let Err(e) = self.fill_pool(target).await {
                tracing::warn!(error = %e, "presignature pool not refilled");
            }
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}
