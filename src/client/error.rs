//! The client's one error type. Every variant about a request carries its id ([`ClientError::request_id`]),
//! and [`ClientError::is_retryable`] says whether doing the same again (or waiting longer) can help.

use crate::{
    bindings::IZrSign::{RequestKind, RequestStatus},
    chain::ChainError,
    protocol::signed_tx::AssembleError,
};
use alloy::primitives::{B256, U256};
use std::time::Duration;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A chain operation failed (a revert carries the decoded `IZrSign` error).
    #[error("{}{source}", on(*request))]
    Chain {
        /// The request it was about, if any.
        request: Option<U256>,
        /// The chain's error (boxed: it is large).
        #[source]
        source: Box<ChainError>,
    },
    /// The root key derives no key for the path (the identity point): no request can be answered with it.
    #[error("no key derives there: {0}")]
    NoDerivedKey(#[from] crate::protocol::InvalidPublicKey),
    /// A request transaction's receipt lacks the request event.
    #[error("transaction {tx_hash} has no {event} event")]
    MissingEvent {
        /// The event's name.
        event: &'static str,
        /// The request transaction.
        tx_hash: B256,
    },
    /// No event of the request was found in the blocks searched.
    #[error("request {id}: no {event} event from block {from_block} on")]
    NotFound {
        /// The request.
        id: U256,
        /// What was looked for.
        event: &'static str,
        /// The first block searched.
        from_block: u64,
    },
    /// A signature was asked for with a kind that is not one (Key).
    #[error("{0:?} is not a signature request kind")]
    NotASignatureKind(RequestKind),
    /// The request was not settled within the client's timeout. It is still open: wait again, or reclaim it
    /// after its deadline.
    #[error("request {id} still {status:?} after {waited:?}")]
    Timeout {
        /// The request.
        id: U256,
        /// Its status when the wait ended (`None` if it could not be read).
        status: Option<RequestStatus>,
        /// How long the client waited.
        waited: Duration,
    },
    /// The request's deadline passed unanswered: it can no longer be answered, only reclaimed.
    #[error("request {id} expired unanswered at block {deadline}; reclaim it")]
    Expired {
        /// The request.
        id: U256,
        /// Its deadline block.
        deadline: u64,
    },
    /// The MPC network refused the request (its service fee was credited back).
    #[error("request {id} rejected by the MPC network (reason code {reason})")]
    Rejected {
        /// The request.
        id: U256,
        /// `zrReject`'s reason code ([`crate::protocol::RejectReason::from_code`]).
        reason: u8,
    },
    /// The request was reclaimed while being waited on.
    #[error("request {id} was reclaimed")]
    Reclaimed {
        /// The request.
        id: U256,
    },
    /// The request was settled with another kind of answer than the one waited for.
    #[error("request {id}: expected {expected}, got {got}")]
    UnexpectedAnswer {
        /// The request.
        id: U256,
        /// What was expected.
        expected: &'static str,
        /// What came.
        got: String,
    },
    /// The answer does not verify off-chain (the key is not the derived child, the digest differs, the
    /// signature does not recover to the key). The contract should have refused it: report it.
    #[error("request {id}: answer does not verify: {message}")]
    Verification {
        /// The request.
        id: U256,
        /// What did not match.
        message: String,
    },
    /// The answered transaction does not assemble into a signed transaction for its chain.
    #[error("request {id}: {source}")]
    Assemble {
        /// The request.
        id: U256,
        /// Why.
        #[source]
        source: AssembleError,
    },
    /// The client has no RPC for the destination chain, or the chain is not an EVM chain.
    #[error("no RPC for destination chain {chain}: add it with Client::with_destination")]
    UnknownDestination {
        /// The chain (EVM chain id, or the registry key).
        chain: String,
    },
    /// The destination chain is not registered as an EVM chain in the deployment.
    #[error("chain {chain_key} is not a registered EVM chain of the deployment")]
    NotEvmChain {
        /// The registry key.
        chain_key: B256,
    },
    /// The owner has no answered key at that index.
    #[error("no answered key for index {index} of wallet type {wallet_type}")]
    NoKey {
        /// The wallet type.
        wallet_type: B256,
        /// The index.
        index: U256,
    },
    /// A transaction to send needs an explicit gas limit (the destination cannot estimate it).
    #[error("the destination cannot estimate gas ({0}); give the transaction a gas limit")]
    GasLimitNeeded(String),
    /// The signed transaction was not mined on the destination within the client's timeout.
    #[error("{}transaction {tx_hash} not mined with {confirmations} confirmation(s) after {waited:?}", on(*request))]
    RelayTimeout {
        /// Its request.
        request: Option<U256>,
        /// The transaction.
        tx_hash: B256,
        /// Confirmations waited for.
        confirmations: u64,
        /// How long the client waited.
        waited: Duration,
    },
    /// The signed transaction was mined and failed on the destination.
    #[error("{}transaction {tx_hash} failed on the destination in block {block}", on(*request))]
    RelayFailed {
        /// Its request.
        request: Option<U256>,
        /// The transaction.
        tx_hash: B256,
        /// Its block.
        block: u64,
    },
    /// Another transaction of the key was mined at this one's nonce (a replacement, or something else): this
    /// one can never be mined.
    #[error("{}transaction {tx_hash} can no longer be mined: the sender's nonce {nonce} is used", on(*request))]
    NonceUsed {
        /// Its request.
        request: Option<U256>,
        /// The transaction.
        tx_hash: B256,
        /// Its nonce.
        nonce: u64,
    },
    /// The transaction cannot be replaced (it is mined already).
    #[error("{}transaction {tx_hash} cannot be replaced: {reason}", on(*request))]
    NotReplaceable {
        /// Its request.
        request: Option<U256>,
        /// The transaction.
        tx_hash: B256,
        /// Why.
        reason: String,
    },
}

fn on(request: Option<U256>) -> String {
    request.map(|id| format!("request {id}: ")).unwrap_or_default()
}

impl From<ChainError> for ClientError {
    fn from(source: ChainError) -> Self {
        Self::Chain { request: None, source: Box::new(source) }
    }
}

impl ClientError {
    /// A chain error about request `id`.
    pub fn chain(id: U256, source: ChainError) -> Self {
        Self::Chain { request: Some(id), source: Box::new(source) }
    }

    /// The request the error is about, if there is one.
    pub fn request_id(&self) -> Option<U256> {
        match self {
            Self::Chain { request, .. }
            | Self::RelayTimeout { request, .. }
            | Self::RelayFailed { request, .. }
            | Self::NonceUsed { request, .. }
            | Self::NotReplaceable { request, .. } => *request,
            Self::NotFound { id, .. }
            | Self::Timeout { id, .. }
            | Self::Expired { id, .. }
            | Self::Rejected { id, .. }
            | Self::Reclaimed { id }
            | Self::UnexpectedAnswer { id, .. }
            | Self::Verification { id, .. }
            | Self::Assemble { id, .. } => Some(*id),
            Self::MissingEvent { .. }
            | Self::NoDerivedKey(_)
            | Self::NotASignatureKind(_)
            | Self::UnknownDestination { .. }
            | Self::NotEvmChain { .. }
            | Self::NoKey { .. }
            | Self::GasLimitNeeded(_) => None,
        }
    }

    /// Whether trying again can help: a chain error that says so (node unreachable or overloaded), a
    /// timeout (wait again: the request is still open, the transaction may still be mined), or an event not
    /// found yet (the node's logs may lag). Everything else is final for the same input; an expired request
    /// is reclaimed, a stuck transaction replaced.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Chain { source, .. } => source.is_retryable(),
            Self::Timeout { .. } | Self::RelayTimeout { .. } | Self::NotFound { .. } => true,
            _ => false,
        }
    }

    /// The decoded revert, if the chain refused a call.
    pub fn revert(&self) -> Option<&crate::bindings::Revert> {
        match self {
            Self::Chain { source, .. } => source.revert(),
            _ => None,
        }
    }
}

/// Attaches a request id to chain errors.
pub(crate) trait AtRequest<T> {
    /// The result, its chain error about request `id`.
    fn at(self, id: U256) -> Result<T, ClientError>;
}

impl<T> AtRequest<T> for Result<T, ChainError> {
    fn at(self, id: U256) -> Result<T, ClientError> {
        self.map_err(|e| ClientError::chain(id, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_request_id_and_say_whether_to_retry() {
        let id = U256::from(7);
        let unreachable = ChainError::Unreachable { context: "eth_call".into(), message: "refused".into() };
        let e = ClientError::chain(id, unreachable);
        assert_eq!(e.request_id(), Some(id));
        assert!(e.is_retryable());
        assert!(e.to_string().starts_with("request 7: "), "{e}");
        let timeout = ClientError::Timeout { id, status: Some(RequestStatus::Open), waited: Duration::from_secs(1) };
        assert!(timeout.is_retryable() && timeout.to_string().contains("request 7"));
        let expired = ClientError::Expired { id, deadline: 9 };
        assert!(!expired.is_retryable() && expired.request_id() == Some(id));
        let plain: ClientError = ChainError::Unsupported("x").into();
        assert_eq!(plain.request_id(), None);
        assert!(!plain.is_retryable());
    }
}
