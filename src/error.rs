//! The library's error type: one enum per concern, gathered here.

use crate::{chain::ChainError, contracts::BuildError, store::StoreError, toolchain::ToolchainError};

/// Every error the zrsign library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Finding or installing solc / forge / anvil / cast failed.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// Compiling the contracts failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A chain operation failed or a transaction reverted.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A client operation failed.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// The responder failed.
    #[error(transparent)]
    Responder(#[from] crate::responder::ResponderError),
    /// The relayer failed.
    #[error(transparent)]
    Relayer(#[from] crate::relayer::RelayerError),
    /// A root secret is unusable.
    #[error(transparent)]
    Key(#[from] crate::mpc::KeyError),
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
