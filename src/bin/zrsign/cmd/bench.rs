//! `zrsign bench`: prints steady-state transaction gas per call (revm) and, on anvil with the responder
//! running, request throughput and request → answer latency percentiles.

use eyre::WrapErr;
use std::time::Duration;
use zrsign::{
    bench,
    chain::{ChainSubmit, RevmChain},
    devnet::{Devnet, DevnetOptions},
};

/// Arguments of `zrsign bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sign requests sent in the load run.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Responder poll interval in milliseconds.
    #[arg(long, default_value_t = 50)]
    poll_ms: u64,
    /// Skip the anvil load run (gas figures only).
    #[arg(long)]
    gas_only: bool,
}

impl Args {
    /// Runs the benchmarks and prints their figures.
    pub async fn run(self) -> eyre::Result<()> {
        let toolchain = zrsign::toolchain::toolchain()?;
        let artifacts = zrsign::contracts::artifacts().wrap_err("building contracts/")?;

        let chain = RevmChain::new(31_337, 3);
        let figures = bench::gas_per_call(&chain, artifacts).await.wrap_err("measuring gas on revm")?;
        println!("transaction gas per call (steady state, revm; 21,000 intrinsic and calldata included)");
        for f in &figures {
            println!("  {:<34} {:>9}", f.label, f.gas);
        }
        if self.gas_only {
            return Ok(());
        }

        let poll = Duration::from_millis(self.poll_ms);
        let options = DevnetOptions { poll_interval: poll, ..Default::default() };
        let quiet = |_: &str| {};
        let net = Devnet::start(toolchain, artifacts, &options, &quiet).await.wrap_err("starting the devnet")?;
        let [_, _, user] = net.source.first_accounts()?;
        bench::prepare_user(&net, user).await.wrap_err("preparing the user's key")?;
        let report = bench::load(&net, user, self.requests, Duration::from_millis(5)).await.wrap_err("load run")?;
        net.stop().await;
        println!();
        println!(
            "anvil load: {} sign-hash requests answered in {:.2?} ({:.1} requests/s; responder polls every {:?})",
            report.requests,
            report.elapsed,
            report.throughput(),
            poll
        );
        println!(
            "  request -> answer latency: p50 {:.0?}  p90 {:.0?}  p99 {:.0?}  max {:.0?}",
            report.percentile(50.0),
            report.percentile(90.0),
            report.percentile(99.0),
            report.percentile(100.0)
        );
        let gas: u64 = report.request_gas.iter().sum();
        println!("  mean request gas {}", gas / report.request_gas.len().max(1) as u64);
        Ok(())
    }
}
