//! The library's error type: one enum per concern, gathered here.

use crate::{backend::BackendError, contracts::BuildError, toolchain::ToolchainError};

/// Every error the zrsign library returns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Finding or installing solc / forge / anvil / cast failed.
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    /// Compiling the contracts failed.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A chain backend (revm or JSON-RPC) failed or a transaction reverted.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A client operation failed.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// The MPC responder could not process a request.
    #[error(transparent)]
    Mpc(#[from] crate::mpc::MpcError),
}

/// `Result` with the library's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
