//! zrsign — the zrSign v1 protocol: contracts, the Rust side that builds, deploys and drives them, the MPC
//! responder and the cross-chain relayer.
//!
//! Modules, one runtime concern each:
//! - [`toolchain`]: finds or installs solc, forge, anvil and cast; [`contracts`]: compiles `contracts/`;
//!   [`forge`]: runs the Solidity suites;
//! - [`bindings`]: `sol!` bindings generated from the contracts' interface, and revert decoding;
//! - [`chain`]: chain access — reads, two-phase submits, raw broadcasts, dev-chain controls — over revm and
//!   JSON-RPC, with one typed error and one retry function;
//! - [`protocol`]: identifiers, key derivation, digests, events and signed-transaction assembly, shared by
//!   every part below;
//! - [`follower`]: the sealed-block event follower (positions, reorgs, undecodable events);
//! - [`signer`]: the MPC network's batched signer trait and the mock that implements it; [`mpc`]: the mock
//!   network's root secrets;
//! - [`store`]: the services' durable state in SQLite;
//! - [`responder`] and [`relayer`]: the two services;
//! - [`api`]: the services' HTTP status API, Prometheus metrics and the devnet's request explorer;
//! - [`deploy`], [`client`], [`devnet`], [`bench`]: deployment, the dapp-facing client, the two-chain local
//!   network and its demo, and the benchmarks.

pub mod api;
pub mod bench;
pub mod bindings;
pub mod chain;
pub mod client;
pub mod config;
pub mod contracts;
pub mod deploy;
pub mod devnet;
mod error;
pub mod fault;
pub mod follower;
pub mod forge;
pub mod mpc;
pub mod output;
pub mod protocol;
pub mod relayer;
pub mod responder;
pub mod signer;
pub mod store;
pub mod toolchain;

pub use error::{Error, Result};
