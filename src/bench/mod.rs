//! `zrsign bench`: figures of the whole system, measured as a user sees it.
//!
//! - [`gas`]: gas per call and per batch item, as real transactions (revm and anvil);
//! - [`load`]: a load generator separate from the responder (many users, locally managed nonces, pre-signed
//!   transactions, pipelined with a cap on those in flight, at an offered rate) and a watcher that times
//!   each request's mining and its answer's mining from the blocks' receipts;
//! - [`net`]: the chain under test (anvil with interval mining), the deployment and the responder;
//! - [`report`]: the JSON and Markdown report (`target/bench/`, `BENCHMARKS.md`); [`plot`]: its SVG plots.

pub mod gas;
pub mod load;
pub mod net;
pub mod plot;
pub mod report;
pub mod suite;

pub use gas::{BatchFigure, GasFigure, gas_per_call};

use std::time::Duration;

/// Why a benchmark could not run or finish.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// Deploying, configuring or talking to the devnet's contracts failed.
    #[error(transparent)]
    Devnet(#[from] crate::devnet::DevnetError),
    /// A chain operation failed.
    #[error("chain: {0}")]
    Chain(#[from] crate::chain::ChainError),
    /// A client call failed.
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// Deploying failed.
    #[error(transparent)]
    Deploy(#[from] crate::deploy::DeployError),
    /// The responder could not start.
    #[error(transparent)]
    Responder(#[from] crate::responder::ResponderError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A key could not be made.
    #[error(transparent)]
    Key(#[from] crate::mpc::KeyError),
    /// A run did not complete: what was missing.
    #[error("{0}")]
    Incomplete(String),
    /// Writing the report failed.
    #[error("{context}: {source}")]
    Io {
        /// What was written.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// Drawing a plot failed.
    #[error("plot {0}")]
    Plot(String),
}

/// Latency percentiles of one stage, in milliseconds.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Percentiles {
    /// Samples.
    pub count: usize,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Percentiles {
    /// The percentiles of `samples` (any order), nearest rank.
    pub fn of(samples: &[Duration]) -> Self {
        let mut sorted: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1_000.0).collect();
        sorted.sort_by(f64::total_cmp);
        let at = |p: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1]
        };
        Self { count: sorted.len(), p50_ms: at(50.0), p90_ms: at(90.0), p99_ms: at(99.0), max_ms: at(100.0) }
    }
}

/// The peak resident memory of this process (`VmHWM`), in bytes, where the platform reports it.
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1_024)
}

/// Raw k256 signatures per second on this thread over `count` digests (one key, RFC 6979), and the
/// responder's signer (the [`crate::signer::MockSigner`], keys derived per path and cached) over the same
/// count spread across `paths` child keys, on one blocking thread as the responder runs it.
pub async fn signing_rates(count: usize, paths: usize) -> Result<(f64, f64), BenchError> {
    use crate::{
        mpc::keys::RootSecret,
        protocol::KeyPath,
        signer::{MockSigner, SignItem, Signer},
    };
    use alloy::primitives::{Address, B256, U256, keccak256};
    let root = RootSecret::from_seed("bench signing")?;
    let path = |i: usize| KeyPath {
        evm_chain_id: 31_337,
        proxy: Address::repeat_byte(7),
        owner: Address::with_last_byte((i % paths.max(1) % 251) as u8),
        wallet_type_id: B256::ZERO,
        index: U256::from(i % paths.max(1)),
    };
    let digests: Vec<B256> = (0..count).map(|i| keccak256(i.to_be_bytes())).collect();
    let key = k256::ecdsa::SigningKey::from_slice(keccak256("raw").as_slice())
        .map_err(|e| BenchError::Incomplete(format!("raw key: {e}")))?;
    let raw = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        for d in &digests {
            // The same work as the signer's: a recoverable RFC 6979 signature over a prehash.
            let _ = std::hint::black_box(key.sign_prehash_recoverable(d.as_slice()));
        }
        count as f64 / started.elapsed().as_secs_f64()
    })
    .await
    .map_err(|e| BenchError::Incomplete(format!("raw signing task: {e}")))?;
    let signer = MockSigner::single(root);
    let items: Vec<SignItem> =
        (0..count).map(|i| SignItem { path: path(i), digest: keccak256(i.to_be_bytes()) }).collect();
    // Warm the key cache as a running responder's is: each user's key signs again and again.
    signer.sign_batch(1, items.iter().take(paths).copied().collect()).await;
    let started = std::time::Instant::now();
    let results = signer.sign_batch(1, items).await;
    let responder = count as f64 / started.elapsed().as_secs_f64();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        return Err(BenchError::Incomplete(format!("signer refused: {e}")));
    }
    Ok((raw, responder))
}
