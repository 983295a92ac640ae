//! The threshold network over the wire: every node is its own process (`zrsign mpc-node run`) holding one key
//! share, serving HTTP/1 over mutual TLS ([`https`]) with certificates from the network's own CA ([`pki`]).
//!
//! Topology. The coordinator (the responder's [`remote::RemoteNode`] links) asks nodes to make presignatures
//! and partial signatures; the presignature protocol's messages go node to node, each POSTed by its sender
//! over that sender's own TLS identity, so no coordinator sees or can forge them ([`node`]). Every node checks
//! the request on the source chain itself before it issues a partial signature.

pub mod https;
pub mod layout;
pub mod node;
pub mod pki;
pub mod process;
pub mod remote;

/// Why a network operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A certificate or key file cannot be read or written.
    #[error("{context} {path}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A file already exists (certificates and keys are never overwritten).
    #[error("{0} already exists; not overwriting it")]
    Exists(std::path::PathBuf),
    /// Certificates could not be made, parsed or used.
    #[error("TLS setup: {0}")]
    Tls(String),
    /// A peer could not be reached or did not answer in time (a retry may help).
    #[error("{peer}: {message}")]
    Unreachable {
        /// The peer's address.
        peer: String,
        /// What failed.
        message: String,
    },
    /// A peer answered with an error status.
    #[error("{peer} answered {status}: {body}")]
    Status {
        /// The peer's address.
        peer: String,
        /// The HTTP status.
        status: u16,
        /// Its body.
        body: String,
    },
    /// A body is not the JSON expected.
    #[error("{peer}: bad body: {message}")]
    Body {
        /// The peer's address.
        peer: String,
        /// What is wrong.
        message: String,
    },
}

/// The crate's result type for the network.
pub type Result<T, E = NetError> = std::result::Result<T, E>;
