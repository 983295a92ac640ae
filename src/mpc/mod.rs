//! The mock MPC network: the network's behaviour without its threshold cryptography.
//!
//! - [`keys`]: the root secret and the additive child derivation the contract checks (spec §3);
//! - [`digest`]: the digest of each request kind, decoding transactions with alloy's consensus types;
//! - [`sign`]: low-s k256 signatures with recovery id, 65 bytes as the contract takes them;
//! - [`responder`]: follows the contract's events from a persisted [`cursor`] and answers in batches.

pub mod cursor;
pub mod digest;
pub mod keys;
pub mod responder;
pub mod sign;

/// Why the MPC network refuses a request (`zrReject`'s reason code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejectReason {
    /// The transaction payload does not decode as an unsigned EIP-155 legacy or EIP-1559 transaction.
    UndecodablePayload = 1,
    /// The transaction's chain id is not the destination chain's.
    ChainIdMismatch = 2,
    /// The digest the contract recorded is not the digest of the payload.
    DigestMismatch = 3,
    /// The key the request names is not the one this network derives for it.
    WrongKey = 4,
    /// The request names a root key version this network does not hold.
    UnknownKeyVersion = 5,
    /// The destination chain is not an EVM chain the network can sign transactions for.
    UnsupportedChain = 6,
}

impl RejectReason {
    /// The on-chain reason code.
    pub const fn code(self) -> u8 {
        self as u8
    }
}

/// Why the MPC responder could not go on.
#[derive(Debug, thiserror::Error)]
pub enum MpcError {
    /// The root secret is not a valid non-zero secp256k1 scalar.
    #[error("invalid root secret: {0}")]
    InvalidRootSecret(String),
    /// Reading or writing the root key file or the cursor file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// The cursor file is not valid or belongs to another deployment.
    #[error("cursor {path}: {message}")]
    Cursor {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A chain operation failed after its retries.
    #[error("chain: {0}")]
    Backend(#[from] crate::backend::BackendError),
    /// An event from the contract did not decode.
    #[error("event at block {block}: {message}")]
    Event {
        /// Its block.
        block: u64,
        /// The decoding error.
        message: String,
    },
    /// Signing failed.
    #[error("signing: {0}")]
    Signing(String),
}
