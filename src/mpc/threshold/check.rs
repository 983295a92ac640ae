//! What every node checks on the source chain before it contributes a partial signature: an open sign request
//! of the deployment asked for exactly this digest, by exactly this child key, and that digest is what the
//! contract computes from the request's payload. The coordinator's word is never taken for it.

use crate::{
    bindings::IZrSign::{self, ChainFamily, RequestKind, RequestStatus},
    chain::{ChainError, ChainRead, LogFilter},
    protocol::{KeyPath, digest, events},
    signer::SignItem,
};
use alloy::{
    primitives::{Address, U256, keccak256},
    sol_types::SolValue,
};

/// Why a node will not sign an item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum Refusal {
    /// No open request of the deployment asks for this digest by this key.
    #[error("no open sign request for digest {digest} by key {path:?} (key version {key_version})")]
    NoOpenRequest {
        /// The digest asked for.
        digest: alloy::primitives::B256,
        /// The key asked for.
        path: KeyPath,
        /// The root version asked for.
        key_version: u32,
    },
    /// The item names another deployment than the one this node serves.
    #[error("the item is for deployment ({0}, {1}), this node serves ({2}, {3})")]
    WrongDeployment(u64, Address, u64, Address),
    /// The source chain could not be read: the node cannot check, so it does not sign.
    #[error("cannot check the request on the source chain: {0}")]
    Unreachable(String),
}

impl From<ChainError> for Refusal {
    fn from(e: ChainError) -> Self {
        Self::Unreachable(e.to_string())
    }
}

/// A node's view of its deployment on the source chain.
#[derive(Debug, Clone)]
pub struct RequestCheck<C> {
    chain: std::sync::Arc<C>,
    proxy: Address,
    lookback: u64,
}

impl<C: ChainRead> RequestCheck<C> {
    /// Checks requests of the ZrSign proxy `proxy` on `chain`, made in the last `lookback` blocks (at least the
    /// contract's request TTL: older requests are past their deadline anyway).
    pub fn new(chain: std::sync::Arc<C>, proxy: Address, lookback: u64) -> Self {
        Self { chain, proxy, lookback }
    }

    /// The id of the open request that asks for `item` under root `key_version`, or why there is none.
    pub async fn check(&self, key_version: u32, item: &SignItem) -> Result<U256, Refusal> {
        let evm_chain_id = self.chain.evm_chain_id();
        if item.path.evm_chain_id != evm_chain_id || item.path.proxy != self.proxy {
            return Err(Refusal::WrongDeployment(item.path.evm_chain_id, item.path.proxy, evm_chain_id, self.proxy));
        }
        let head = self.chain.block_number().await?;
        let filter =
            LogFilter::new(self.proxy, head.saturating_sub(self.lookback), head).event::<IZrSign::ZrSignRequested>();
        for log in self.chain.logs(&filter).await? {
            let Ok(Some(events::ZrEvent::Requested(event))) = events::decode(&log.log) else { continue };
            let r = &event.request;
            let path = KeyPath {
                evm_chain_id,
                proxy: self.proxy,
                owner: r.owner,
                wallet_type_id: r.walletTypeId,
                index: r.walletIndex,
            };
            if r.kind == RequestKind::Key || r.digest != item.digest || path != item.path || r.keyVersion != key_version
            {
                continue;
            }
            if r.deadline < head || !self.digest_matches(&event).await? || !self.open(&event).await? {
                continue;
            }
            return Ok(event.id);
        }
        Err(Refusal::NoOpenRequest { digest: item.digest, path: item.path, key_version })
    }

    /// The request's digest is what the contract computes from its payload.
    async fn digest_matches(&self, event: &events::RequestEvent) -> Result<bool, Refusal> {
        let r = &event.request;
        let info = self.chain.view(self.proxy, IZrSign::chainCall { chainId: r.dstChainId }).await?;
        let dst = (info.family == ChainFamily::Evm).then_some(info.evmChainId);
        Ok(digest::digest(r.kind, &event.payload, dst).is_ok_and(|d| d == r.digest))
    }

    /// The request is open and its event record is the one the contract committed to.
    async fn open(&self, event: &events::RequestEvent) -> Result<bool, Refusal> {
        let status = self.chain.view(self.proxy, IZrSign::requestStatusCall { requestId: event.id }).await?;
        if status != RequestStatus::Open {
            return Ok(false);
        }
        let commitment = self.chain.view(self.proxy, IZrSign::requestCommitmentCall { requestId: event.id }).await?;
        Ok(commitment == keccak256(event.request.abi_encode()))
    }
}
