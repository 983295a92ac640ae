//! The MPC network's signing, behind one async batched trait: a [`Signer`] signs digests with the child keys
//! of a root key version, item by item. Today's implementation is the [`mock`] (k256, root secrets in
//! memory); a threshold network implements the same trait. Key answers need no signer: the child public key
//! is the public derivation of the root key the signer reports ([`Signer::root_public_key`]).

pub mod mock;
#[cfg(feature = "threshold")]
pub mod threshold;

pub use mock::MockSigner;

use crate::protocol::{KeyPath, PublicKey};
use alloy::primitives::{B256, Signature};
use std::future::Future;

/// One digest to sign with the child key at `path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignItem {
    /// The child key.
    pub path: KeyPath,
    /// The digest (signed as is).
    pub digest: B256,
}

/// Why an item was not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The signer will not sign it (unknown key version, policy): answer with a rejection.
    #[error("refused: {0}")]
    Refused(String),
    /// A temporary failure (a party unreachable, a timeout): try again later.
    #[error("transient: {0}")]
    Transient(String),
    /// The signing session was aborted (a party misbehaved, shutdown): try again later, possibly elsewhere.
    #[error("aborted: {0}")]
    Aborted(String),
}

impl SignError {
    /// Whether trying again later can succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Refused(_))
    }
}

/// A signature in the form the contract takes and verifies: low-s, recovering to the child key.
pub type SignResult = Result<Signature, SignError>;

/// Signs batches of digests with derived child keys.
pub trait Signer: Send + Sync {
    /// The root public key of `key_version`, or `None` if this signer does not hold that version.
    fn root_public_key(&self, key_version: u32) -> Option<PublicKey>;

    /// Signs every item with the child of root `key_version` at its path; one result per item, in order.
    fn sign_batch(&self, key_version: u32, items: Vec<SignItem>) -> impl Future<Output = Vec<SignResult>> + Send;
}
