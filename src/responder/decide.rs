//! What a request gets: checks against the chain (still open, committed to this record, within its deadline)
//! and the answer or the reason to reject it.

use super::{Responder, ResponderError};
use crate::{
    bindings::IZrSign::{self, ChainFamily, RequestKind, RequestStatus},
    chain::{Call, ChainError, ChainSubmit, retry::retry},
    protocol::{KeyPath, RejectReason, digest, events::RequestEvent},
    signer::{SignItem, Signer},
};
use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::{SolCall, SolValue},
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

/// Request ids per `getRequestStates` call (about 2,600 gas each: ~1.3 M gas a call).
const STATES_PER_CALL: usize = 500;

impl<C: ChainSubmit, S: Signer> Responder<C, S> {
    /// For each request: `None` if it is not to be answered (not open on-chain, not committed to exactly this
    /// record, or past its deadline in the block an answer would land in, `inclusion`), else whether the
    /// registry stopped it (its wallet type removed or its pairing disallowed: only a rejection is accepted).
    /// Every on-chain read of the batch goes in one [`ChainRead::call_many`] (one JSON-RPC batch): the status and
    /// commitment of every request in one `getRequestStates` call, and each distinct registry check.
    pub(super) async fn open_checks(
        &self,
        events: &[&RequestEvent],
        inclusion: u64,
    ) -> Result<Vec<Option<bool>>, ResponderError> {
        let (chain, proxy) = (&self.chain, self.proxy);
        let view = |input: Vec<u8>| Call {
            from: Address::ZERO,
            to: Some(proxy),
            input: input.into(),
            value: U256::ZERO,
            gas_limit: None,
        };
        // `getRequestStates` reads one cold slot per id: chunks of STATES_PER_CALL keep each call far below
        // the call gas caps of nodes and providers.
        let mut calls: Vec<Call> = events
            .chunks(STATES_PER_CALL)
            .map(|chunk| {
                let request_ids = chunk.iter().map(|e| e.id).collect();
                view(IZrSign::getRequestStatesCall { requestIds: request_ids }.abi_encode())
            })
            .collect();
        let state_calls = calls.len();
        let mut registry: Vec<(bool, B256, B256)> = Vec::new();
        for event in events {
            let check = registry_check(event);
            if !registry.contains(&check) {
                registry.push(check);
            }
        }
        for &(key, wallet_type, chain_id) in &registry {
            calls.push(view(if key {
                IZrSign::isWalletTypeSupportedCall { walletTypeId: wallet_type }.abi_encode()
            } else {
                IZrSign::isChainIdSupportedCall { walletTypeId: wallet_type, chainId: chain_id }.abi_encode()
            }));
        }
        let results = retry(&self.config.retry, "request states", || async {
            // A failed item fails the whole read (retried as one): its results are all needed.
            chain.call_many(&calls).await?.into_iter().collect::<Result<Vec<Bytes>, ChainError>>()
        })
        .await?;
        let decode = |i: usize, what: &str| -> Result<&Bytes, ResponderError> {
            results.get(i).ok_or_else(|| {
                ResponderError::Chain(ChainError::Decode { context: what.into(), message: format!("no result {i}") })
            })
        };
        let live: Vec<bool> = (0..registry.len())
            .map(|j| {
                let out = decode(state_calls + j, "registry check")?;
                Ok(bool::abi_decode(out)
                    .map_err(|e| ChainError::Decode { context: "registry check".into(), message: e.to_string() })?)
            })
            .collect::<Result<_, ResponderError>>()?;
        let mut states = Vec::with_capacity(events.len());
        for i in 0..state_calls {
            states.extend(
                IZrSign::getRequestStatesCall::abi_decode_returns(decode(i, "getRequestStates")?)
                    .map_err(|e| ChainError::Decode { context: "getRequestStates".into(), message: e.to_string() })?,
            );
        }
        if states.len() != events.len() {
            return Err(ResponderError::Chain(ChainError::Decode {
                context: "getRequestStates".into(),
                message: format!("{} states for {} requests", states.len(), events.len()),
            }));
        }
        let mut out = Vec::with_capacity(events.len());
        for (event, state) in events.iter().zip(states) {
            if state.status != RequestStatus::Open || inclusion > event.request.deadline {
                out.push(None);
                continue;
            }
            if state.commitment != keccak256(event.request.abi_encode()) {
                tracing::warn!(id = %event.id, "event record does not match the on-chain commitment; not answering");
                out.push(None);
                continue;
            }
            let check = registry_check(event);
            let stopped = registry.iter().position(|c| *c == check).is_some_and(|j| !live[j]);
            out.push(Some(stopped));
        }
        Ok(out)
    }

    /// The answer to an open request, or why it must be rejected.
    pub(super) async fn decide(&mut self, event: &RequestEvent, stopped: bool) -> Result<Decision, ResponderError> {
        let request = &event.request;
        if stopped {
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

/// The registry read that says whether `event` is still served: (key request, wallet type, destination chain).
fn registry_check(event: &RequestEvent) -> (bool, B256, B256) {
    let r = &event.request;
    if r.kind == RequestKind::Key { (true, r.walletTypeId, B256::ZERO) } else { (false, r.walletTypeId, r.dstChainId) }
}
