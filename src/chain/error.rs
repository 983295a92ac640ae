//! The typed chain error, and the classes a node's rejection of a transaction falls into.

use crate::bindings::Revert;
use alloy::{
    primitives::{Address, B256},
    transports::{RpcError, TransportErrorKind},
};

/// Why a chain operation failed. [`is_retryable`](Self::is_retryable) says whether trying again can help.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The transaction or call reverted.
    #[error("reverted: {revert}")]
    Reverted {
        /// The decoded revert reason.
        revert: Revert,
    },
    /// The EVM halted (out of gas, invalid opcode, …).
    #[error("halted: {0}")]
    Halted(String),
    /// The node could not be reached or answered with a transport-level failure (connection refused or
    /// reset, timeout, HTTP 429/503). Retrying can help.
    #[error("{context}: RPC unreachable: {message}")]
    Unreachable {
        /// What was being done.
        context: String,
        /// The error.
        message: String,
    },
    /// The node answered with a JSON-RPC error that is not a revert or a transaction rejection.
    #[error("{context}: JSON-RPC error {code}: {message}")]
    Rpc {
        /// What was being done.
        context: String,
        /// The JSON-RPC error code.
        code: i64,
        /// The node's message.
        message: String,
    },
    /// The node refused a transaction; [`TxRejection`] says why.
    #[error("transaction rejected ({class}): {message}")]
    TxRejected {
        /// The class of the rejection.
        class: TxRejection,
        /// The node's message.
        message: String,
    },
    /// A transaction was handed to the node but its acceptance or receipt could not be read (transport failure
    /// or timeout). It may be or become mined: confirm it by hash, never send a new one blindly.
    #[error("transaction {tx_hash} (from {from}, nonce {nonce}) sent but unconfirmed: {message}")]
    Unconfirmed {
        /// The transaction.
        tx_hash: B256,
        /// Its sender.
        from: Address,
        /// Its nonce.
        nonce: u64,
        /// Why it is unconfirmed.
        message: String,
    },
    /// Return data or a response did not decode.
    #[error("decode {context}: {message}")]
    Decode {
        /// What was decoded.
        context: String,
        /// The error.
        message: String,
    },
    /// The in-process EVM refused the transaction (not a revert: e.g. insufficient balance).
    #[error("evm: {0}")]
    Evm(String),
    /// Spawning a local node failed.
    #[error("spawn anvil: {0}")]
    Spawn(String),
    /// The chain offers fewer funded accounts than the operation needs.
    #[error("the chain offers {available} funded accounts, {needed} are needed")]
    NotEnoughAccounts {
        /// Accounts needed.
        needed: usize,
        /// Accounts available.
        available: usize,
    },
    /// A value does not fit the contract's type (e.g. a fee above `uint96`).
    #[error("{what} {value} does not fit {bits} bits")]
    OutOfRange {
        /// What the value is.
        what: &'static str,
        /// The value.
        value: String,
        /// The width of the contract's type.
        bits: u32,
    },
    /// The sender is not an account this chain can sign for.
    #[error("no signer for {0}")]
    UnknownSender(Address),
    /// The chain does not support the operation (e.g. a reorg on revm).
    #[error("{0} is not supported by this chain")]
    Unsupported(&'static str),
}

impl ChainError {
    /// Whether the same operation may succeed if tried again later: unreachable nodes, and JSON-RPC errors a
    /// node reports for overload. Reverts, rejections and decode errors are permanent for the same input;
    /// [`ChainError::Unconfirmed`] is not retryable either (the transaction must be confirmed, not re-sent).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable { .. } => true,
            // -32005: limit exceeded / rate limited (EIP-1474); -32603 is used by some nodes for transient failures.
            Self::Rpc { code, .. } => matches!(code, -32005 | -32603),
            _ => false,
        }
    }

    /// The decoded revert, if this is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Reverted { revert } => Some(revert),
            _ => None,
        }
    }

    /// The rejection class, if a node refused a transaction.
    pub fn rejection(&self) -> Option<TxRejection> {
        match self {
            Self::TxRejected { class, .. } => Some(*class),
            _ => None,
        }
    }

    /// Maps a JSON-RPC client error: revert data → [`Reverted`](Self::Reverted), transport failure →
    /// [`Unreachable`](Self::Unreachable), a node's transaction rejection → [`TxRejected`](Self::TxRejected),
    /// other error responses → [`Rpc`](Self::Rpc).
    pub fn from_rpc(context: impl Into<String>, err: RpcError<TransportErrorKind>) -> Self {
        let context = context.into();
        if let Some(payload) = err.as_error_resp() {
            if let Some(data) = payload.as_revert_data() {
                return Self::Reverted { revert: Revert::decode(&data) };
            }
            let message = payload.message.to_string();
            if let Some(class) = TxRejection::classify(&message) {
                return Self::TxRejected { class, message };
            }
            return Self::Rpc { context, code: payload.code, message };
        }
        match err {
            RpcError::Transport(kind) => Self::Unreachable { context, message: kind.to_string() },
            RpcError::NullResp => Self::Unreachable { context, message: "null response".into() },
            other => Self::Decode { context, message: other.to_string() },
        }
    }
}

/// Why a node refused a transaction, from its error message (geth, reth, anvil and erigon spell them alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TxRejection {
    /// The node already has this exact transaction (pool or chain): not a failure.
    AlreadyKnown,
    /// The sender's nonce is past this transaction's: it or another transaction at that nonce was mined.
    NonceTooLow,
    /// The sender cannot pay value + gas × fee cap.
    InsufficientFunds,
    /// The fee cap is below the base fee or the pool's minimum, or too low to replace a pooled transaction.
    Underpriced,
    /// The transaction is malformed for this chain (wrong chain id, bad signature, gas limit, …).
    Invalid,
}

impl TxRejection {
    /// The class of a node's rejection message, if it is one.
    pub fn classify(message: &str) -> Option<Self> {
        let m = message.to_ascii_lowercase();
        let any = |needles: &[&str]| needles.iter().any(|n| m.contains(n));
        if any(&["already known", "known transaction", "already imported", "transaction already exists"]) {
            Some(Self::AlreadyKnown)
        } else if any(&["nonce too low", "nonce has already been used", "nonce is too low", "old nonce"]) {
            Some(Self::NonceTooLow)
        } else if any(&["insufficient funds", "insufficient balance", "not enough funds"]) {
            Some(Self::InsufficientFunds)
        } else if any(&[
            "underpriced",
            "less than block base fee",
            "fee cap less than",
            "fee too low",
            "max fee per gas less than",
        ]) {
            Some(Self::Underpriced)
        } else if any(&[
            "invalid chain id",
            "chain id mismatch",
            "invalid sender",
            "invalid signature",
            "intrinsic gas too low",
            "exceeds block gas limit",
            "rlp",
            "nonce too high",
            "incompatible chain id",
            "transaction type not supported",
        ]) {
            Some(Self::Invalid)
        } else {
            None
        }
    }

    /// A short stable name (stored, and shown in status output).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AlreadyKnown => "already_known",
            Self::NonceTooLow => "nonce_too_low",
            Self::InsufficientFunds => "insufficient_funds",
            Self::Underpriced => "underpriced",
            Self::Invalid => "invalid",
        }
    }
}

impl std::fmt::Display for TxRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::TxRejection::{self, *};

    #[test]
    fn classifies_node_messages() {
        let cases = [
            ("already known", Some(AlreadyKnown)),
            ("nonce too low: next nonce 3, tx nonce 2", Some(NonceTooLow)),
            ("Insufficient funds for gas * price + value", Some(InsufficientFunds)),
            ("insufficient funds for gas * price + value: balance 0", Some(InsufficientFunds)),
            ("max fee per gas less than block base fee", Some(Underpriced)),
            ("replacement transaction underpriced", Some(Underpriced)),
            ("invalid chain id for signer", Some(Invalid)),
            ("execution reverted", None),
        ];
        for (message, class) in cases {
            assert_eq!(TxRejection::classify(message), class, "{message}");
        }
    }
}
