//! The mock MPC network's keys: root secrets held in memory, and the child secrets they derive. The network's
//! behaviour lives elsewhere: signing behind the [`crate::signer::Signer`] trait ([`crate::signer::mock`]),
//! answering in [`crate::responder`].

pub mod keys;

/// Why a root secret is not usable.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The root secret is not a valid non-zero secp256k1 scalar.
    #[error("invalid root secret: {0}")]
    InvalidRootSecret(String),
    /// The key is the identity point (a zero child secret).
    #[error(transparent)]
    NoPublicKey(#[from] crate::protocol::InvalidPublicKey),
    /// Reading the root key file failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
}
#[cfg(feature = "threshold")]
pub mod network;
#[cfg(feature = "threshold")]
pub mod threshold;
