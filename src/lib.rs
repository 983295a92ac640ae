//! zrsign — the zrSign v1 protocol: contracts, the Rust harness that builds, deploys and drives them,
//! a mock MPC responder and a relayer.
//!
//! Modules, one job each:
//! - [`toolchain`]: finds or installs solc, forge, anvil and cast;
//! - [`contracts`]: compiles `contracts/` with foundry-compilers, once per process;
//! - [`bindings`]: `sol!` bindings generated from the contracts' interfaces, and revert decoding;
//! - [`backend`]: one interface over in-process revm and JSON-RPC (anvil) chains;
//! - [`deploy`]: deploys and configures the implementation behind its proxy;
//! - [`mpc`]: the mock MPC network (key derivation, digests, signing, the responder loop);
//! - [`forge`]: runs the Solidity test suites with the resolved toolchain.

pub mod backend;
pub mod bindings;
pub mod contracts;
pub mod deploy;
mod error;
pub mod forge;
pub mod mpc;
pub mod toolchain;

pub use error::{Error, Result};
