//! `zrsign demo`: the main job. Spawns anvil, deploys and configures ZrSign, starts the mock MPC
//! responder and walks a key request and one request of each signing kind to verified answers,
//! printing each step.

use eyre::WrapErr;
use std::sync::Arc;
use zrsign::{
    backend::{AnvilChain, Backend},
    devnet::{self, Devnet, DevnetOptions},
};

/// Arguments of `zrsign demo` (no `Debug`: it holds the root seed).
#[derive(clap::Args)]
pub struct Args {
    /// Chain id of the spawned anvil.
    #[arg(long, default_value_t = 31_337)]
    chain_id: u64,
    /// Seed of the mock MPC root secret.
    #[arg(long, default_value = "zrsign devnet root")]
    root_seed: String,
}

impl Args {
    /// Runs the demo; exits non-zero if any answer fails to verify.
    pub async fn run(self) -> eyre::Result<()> {
        let started = std::time::Instant::now();
        let toolchain = zrsign::toolchain::toolchain()?;
        let artifacts = zrsign::contracts::artifacts().wrap_err("building contracts/")?;
        let chain = AnvilChain::spawn(toolchain, self.chain_id).await.wrap_err("spawning anvil")?;
        println!("anvil        {} (chain id {})", chain.endpoint(), chain.rpc.chain_id());
        let backend = Arc::new(chain.rpc.clone());
        let options = DevnetOptions { root_seed: self.root_seed, ..Default::default() };
        let net = Devnet::start(backend.clone(), artifacts, &options).await.wrap_err("deploying the devnet")?;
        println!("ZrSign       proxy {} implementation {}", net.deployment.proxy, net.deployment.implementation);
        println!("deploy gas   implementation {} proxy {}", net.deployment.deploy_gas[0], net.deployment.deploy_gas[1]);
        println!("root key     {} (responder holds version 1)", net.root.public().address());
        println!("chains       {} and {}", net.chains[0], net.chains[1]);

        let [_, _, user] = backend.first_accounts()?;
        println!("user         {user}");
        let steps = devnet::lifecycle(&net, user).await.wrap_err("walking the request lifecycle")?;
        for s in &steps {
            println!();
            println!(
                "{}: request {} (gas {}, fee {} wei) answered in {:.0?}",
                s.label, s.request_id, s.request_gas, s.fee, s.latency
            );
            if let Some(digest) = s.digest {
                println!("  digest     {digest}");
            }
            if let Some(signature) = &s.signature {
                println!("  signature  {signature}");
            }
            println!("  {}  {} ✓", if s.digest.is_some() { "recovered" } else { "key      " }, s.recovered);
        }
        net.stop().await;
        println!();
        println!("demo complete: {} requests answered and verified in {:.1?}", steps.len(), started.elapsed());
        Ok(())
    }
}
