//! zrsign — the zrSign v1 protocol: contracts, the Rust harness that builds, deploys and drives them,
//! and a mock MPC responder. (The relayer of spec §8 is not built yet.)
//!
//! Modules, one job each:
//! - [`toolchain`]: finds or installs solc, forge, anvil and cast;
//! - [`contracts`]: compiles `contracts/` with foundry-compilers, once per process;
//! - [`bindings`]: `sol!` bindings generated from the contracts' interfaces, and revert decoding;
//! - [`backend`]: one interface over in-process revm and JSON-RPC (anvil) chains;
//! - [`deploy`]: deploys and configures the implementation behind its proxy;
//! - [`client`]: the dapp-facing client (request, read the record back, wait for the answer);
//! - [`devnet`]: a local network (deployment + running responder) and the verified request lifecycle;
//! - [`bench`]: gas per call, responder throughput and latency percentiles;
//! - [`mpc`]: the mock MPC network (key derivation, digests, signing, the responder loop);
//! - [`forge`]: runs the Solidity test suites with the resolved toolchain.

pub mod backend;
pub mod bench;
pub mod bindings;
pub mod bitcoin;
pub mod client;
pub mod contracts;
pub mod deploy;
pub mod devnet;
mod error;
pub mod forge;
pub mod mpc;
pub mod toolchain;

pub use error::{Error, Result};
