//! What a request gets: checks against the chain (still open, committed to this record, within its deadline)
//! and the answer or the reason to reject it.

use super::{Responder, ResponderError};
use crate::{
    bindings::IZrSign::{self, ChainFamily, RequestKind, RequestStatus},
    chain::{ChainSubmit, retry::retry},
    protocol::{KeyPath, RejectReason, digest, events::RequestEvent},
    signer::{SignItem, Signer},
};
use alloy::{
    primitives::{B256, Bytes, keccak256},
    sol_types::SolValue,
};

/// What a request gets.
pub(super) enum Decision {
    /// A key request: the child's uncompressed public key.
    Key(Bytes),
    /// A sign request: the digest to sign with the child of root `key version`.
    Sign(u32, SignItem),
    /// A rejection.
    Reject(RejectReason),
}

impl<C: ChainSubmit, S: Signer> Responder<C, S> {
    /// Open on-chain, committed to exactly this record, and not past its deadline in the block an answer
    /// would land in (`inclusion`).
    pub(super) async fn still_open(&self, event: &RequestEvent, inclusion: u64) -> Result<bool, ResponderError> {
        let (chain, proxy, id) = (&self.chain, self.proxy, event.id);
        let status = retry(&self.config.retry, "requestStatus", || {
            chain.view(proxy, IZrSign::requestStatusCall { requestId: id })
        })
        .await?;
        if status != RequestStatus::Open || inclusion > event.request.deadline {
            return Ok(false);
        }
        let commitment = retry(&self.config.retry, "requestCommitment", || {
            chain.view(proxy, IZrSign::requestCommitmentCall { requestId: id })
        })
        .await?;
        if commitment != keccak256(event.request.abi_encode()) {
            tracing::warn!(%id, "event record does not match the on-chain commitment; not answering");
            return Ok(false);
        }
        Ok(true)
    }

    /// The answer to an open request, or why it must be rejected.
    pub(super) async fn decide(&mut self, event: &RequestEvent) -> Result<Decision, ResponderError> {
        let request = &event.request;
        if self.stopped(event).await? {
            return Ok(Decision::Reject(RejectReason::Stopped));
        }
        let Some(root) = self.signer.root_public_key(request.keyVersion) else {
            return Ok(Decision::Reject(RejectReason::UnknownKeyVersion));
        };
        let path = KeyPath {
            evm_chain_id: self.chain.evm_chain_id(),
            proxy: self.proxy,
            owner: request.owner,
            wallet_type_id: request.walletTypeId,
            index: request.walletIndex,
        };
        // A root that derives the identity for this path has no key there to give or sign with.
        let Ok(child) = root.derive(&path) else {
            return Ok(Decision::Reject(RejectReason::WrongKey));
        };
        if request.kind == RequestKind::Key {
            return Ok(Decision::Key(Bytes::copy_from_slice(&child.xy())));
        }
        if child.address() != request.signer {
            return Ok(Decision::Reject(RejectReason::WrongKey));
        }
        let dst = self.dst_evm_chain_id(request.dstChainId).await?;
        let digest = match digest::digest(request.kind, &event.payload, dst) {
            Ok(d) => d,
            Err(reason) => return Ok(Decision::Reject(reason)),
        };
        if digest != request.digest {
            return Ok(Decision::Reject(RejectReason::DigestMismatch));
        }
        Ok(Decision::Sign(request.keyVersion, SignItem { path, digest }))
    }

    /// Whether the registry stopped the request after it was made (its wallet type removed, or its pairing
    /// disallowed): the contract accepts no answer then, only a rejection or a reclaim.
    async fn stopped(&self, event: &RequestEvent) -> Result<bool, ResponderError> {
        let (chain, proxy, r) = (&self.chain, self.proxy, &event.request);
        let live = if r.kind == RequestKind::Key {
            let call = || chain.view(proxy, IZrSign::isWalletTypeSupportedCall { walletTypeId: r.walletTypeId });
            retry(&self.config.retry, "isWalletTypeSupported", call).await?
        } else {
            let call = || {
                chain.view(
                    proxy,
                    IZrSign::isChainIdSupportedCall { walletTypeId: r.walletTypeId, chainId: r.dstChainId },
                )
            };
            retry(&self.config.retry, "isChainIdSupported", call).await?
        };
        Ok(!live)
    }

    /// The EVM chain id of a registered destination chain (`None` for another family), read once.
    async fn dst_evm_chain_id(&mut self, chain_key: B256) -> Result<Option<u64>, ResponderError> {
        if let Some(cached) = self.chains.get(&chain_key) {
            return Ok(*cached);
        }
        let (chain, proxy) = (&self.chain, self.proxy);
        let info =
            retry(&self.config.retry, "chain", || chain.view(proxy, IZrSign::chainCall { chainId: chain_key })).await?;
        let evm = (info.family == ChainFamily::Evm).then_some(info.evmChainId);
        // An unregistered chain (family None) is not cached: it may be registered later.
        if info.family != ChainFamily::None {
            self.chains.insert(chain_key, evm);
        }
        Ok(evm)
    }
}
