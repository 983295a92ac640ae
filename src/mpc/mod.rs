//! The mock MPC network: key derivation, request digests, signing and the responder loop.

/// Why the MPC responder could not process a request.
#[derive(Debug, thiserror::Error)]
pub enum MpcError {
    /// The root secret is not a valid secp256k1 scalar.
    #[error("invalid root secret: {0}")]
    InvalidRootSecret(String),
}
