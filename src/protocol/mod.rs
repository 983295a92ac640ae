//! The protocol, shared by the client, the responder and the relayer: identifiers ([`ids`]), the public key
//! derivation ([`derivation`]) and native Bitcoin addresses of derived keys ([`bitcoin`]), the digest of each
//! request kind ([`digest`]), the contract's events ([`events`]) and the assembly of signed transactions
//! ([`signed_tx`]).

pub mod bitcoin;
pub mod derivation;
pub mod digest;
pub mod events;
pub mod ids;
pub mod signed_tx;

pub use derivation::{InvalidPublicKey, KeyPath, PublicKey, SECP256K1_N};
pub use ids::{Caip2, WalletType, chain_key, wallet_type_id};

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
    /// The signer refused the request (policy).
    Refused = 7,
    /// The request's wallet type was removed, or its (wallet type, chain) pairing disallowed, after it was made:
    /// the contract no longer accepts an answer; the rejection refunds the service fee at once.
    Stopped = 8,
}

impl RejectReason {
    /// The on-chain reason code.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The reason of an on-chain code.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::UndecodablePayload,
            2 => Self::ChainIdMismatch,
            3 => Self::DigestMismatch,
            4 => Self::WrongKey,
            5 => Self::UnknownKeyVersion,
            6 => Self::UnsupportedChain,
            7 => Self::Refused,
            8 => Self::Stopped,
            _ => return None,
        })
    }
}
