//! `zrsign devnet`: the two-chain local devnet — source `eip155:31337` with ZrSign, destination
//! `eip155:31338` — with the MPC responder and the relayer on one store. Prints what another process needs
//! (also written to `devnet.json`) and runs until Ctrl-C or SIGTERM; `--demo` walks the whole request story and exits.

use eyre::WrapErr;
use std::{io::IsTerminal, path::PathBuf, time::Instant};
use zrsign::devnet::{Devnet, DevnetInfo, DevnetOptions, demo};

/// Arguments of `zrsign devnet` (no `Debug`: it holds the root seed).
#[derive(clap::Args)]
pub struct Args {
    /// Run the demo story (key → funding → hash, data and two broadcast transfers) and exit.
    #[arg(long)]
    demo: bool,
    /// Where to write the devnet's description.
    #[arg(long, default_value = "devnet.json")]
    info: PathBuf,
    /// The services' store (recreated at start).
    #[arg(long, default_value = ".zrsign/devnet.db")]
    store: PathBuf,
    /// Seed of the mock MPC root secret.
    #[arg(long, default_value = "zrsign devnet root")]
    root_seed: String,
    /// Responder and relayer poll interval, in milliseconds.
    #[arg(long, default_value_t = 100)]
    poll_ms: u64,
    /// Where to serve the status API, /metrics and the request explorer (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    http: std::net::SocketAddr,
    /// The MPC network: `mock` (one process holds the root secret) or `threshold` (a 2-of-3 cggmp21 network
    /// of `zrsign mpc-node` processes over mutual TLS; its key directory is `<store>.mpc/`, made by a key
    /// generation on first use; needs a build with `--features threshold`).
    #[arg(long, value_enum, default_value_t = Mpc::Mock)]
    mpc: Mpc,
    /// Pre-generated safe primes for the threshold keygen (TEST ONLY: `zrsign mpc primes` output, e.g.
    /// tests/fixtures/mpc-primes.json); without it each party generates fresh primes (minutes).
    #[arg(long, value_name = "FILE")]
    #[cfg_attr(not(feature = "threshold"), allow(dead_code))]
    mpc_primes: Option<PathBuf>,
}

/// Which MPC network answers.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mpc {
    /// The mock.
    Mock,
    /// A 2-of-3 threshold network.
    Threshold,
}

/// The devnet's 2-of-3 network directory, next to the store (`<store>.mpc/`): reused if a previous devnet made
/// it, else made now by a fresh key generation (primes from `primes`, else fresh). The share password is
/// ZRSIGN_SHARE_PASSWORD, else the devnet's fixed development password.
#[cfg(feature = "threshold")]
async fn threshold_network(
    store: &std::path::Path,
    primes: Option<&PathBuf>,
) -> eyre::Result<zrsign::devnet::threshold::ThresholdOptions> {
    use zrsign::mpc::{
        network::layout,
        threshold::{self, Primes, share},
    };
    let dir = store.with_extension("mpc");
    let password = std::env::var("ZRSIGN_SHARE_PASSWORD").unwrap_or_else(|_| DEV_SHARE_PASSWORD.into());
    let exe = std::env::current_exe().wrap_err("locating the zrsign binary the nodes run")?;
    let options = zrsign::devnet::threshold::ThresholdOptions { exe, dir: dir.clone(), password: password.clone() };
    if layout::root_path(&dir).exists() {
        tracing::info!(dir = %dir.display(), "reusing the devnet's threshold key");
        return Ok(options);
    }
    let started = Instant::now();
    let primes: Vec<Primes> = match primes {
        Some(path) => {
            let text = std::fs::read_to_string(path).wrap_err_with(|| format!("reading {}", path.display()))?;
            serde_json::from_str::<Vec<Primes>>(&text)
                .wrap_err_with(|| format!("{} is not `zrsign mpc primes` output", path.display()))?
                .into_iter()
                .take(3)
                .collect()
        }
        None => {
            tracing::info!("generating safe primes for 3 parties (minutes; --mpc-primes skips it in tests)");
            let tasks: Vec<_> = (0..3).map(|_| tokio::task::spawn_blocking(threshold::generate_primes)).collect();
            let mut primes = Vec::new();
            for task in tasks {
                primes.push(task.await?);
            }
            primes
        }
    };
    let mut eid = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut eid);
    let shares = threshold::local_keygen(&eid, 3, 2, primes).await.wrap_err("threshold key generation")?;
    let out = dir.clone();
    tokio::task::spawn_blocking(move || layout::write(&out, &shares, password.as_bytes(), share::DEFAULT_LOG_N))
        .await?
        .wrap_err_with(|| format!("writing the network directory {}", dir.display()))?;
    tracing::info!(seconds = started.elapsed().as_secs_f64(), dir = %dir.display(), "2-of-3 threshold key generated");
    Ok(options)
}

/// The devnet's share password when ZRSIGN_SHARE_PASSWORD is unset (development only: it is in the source).
#[cfg(feature = "threshold")]
const DEV_SHARE_PASSWORD: &str = "zrsign devnet shares";

impl Args {
    /// Starts the devnet; with `--demo` runs the story and stops, else waits for Ctrl-C.
    pub async fn run(self) -> eyre::Result<()> {
        let started = Instant::now();
        let toolchain = zrsign::toolchain::toolchain()?;
        let artifacts = zrsign::contracts::artifacts().wrap_err("building contracts/")?;
        #[cfg(feature = "threshold")]
        let threshold = match self.mpc {
            Mpc::Mock => None,
            Mpc::Threshold => Some(threshold_network(&self.store, self.mpc_primes.as_ref()).await?),
        };
        #[cfg(not(feature = "threshold"))]
        if self.mpc == Mpc::Threshold {
            eyre::bail!(
                "this zrsign was built without the threshold network: build it with `--features threshold` \
                 (needs m4 for GMP: tools/install-gmp-build)"
            );
        }
        let options = DevnetOptions {
            #[cfg(feature = "threshold")]
            threshold,
            root_seed: self.root_seed,
            poll_interval: std::time::Duration::from_millis(self.poll_ms),
            store_path: Some(self.store.clone()),
            http: Some(self.http),
            ..Default::default()
        };
        let progress = |line: &str| tracing::info!("{line}");
        let net = Devnet::start(toolchain, artifacts, &options, &progress).await.wrap_err("starting the devnet")?;
        let info = net.info();
        let json = serde_json::to_string_pretty(&info)?;
        // Written whole or not at all: another process may be waiting for it.
        let partial = self.info.with_extension("json.partial");
        std::fs::write(&partial, json).wrap_err_with(|| format!("writing {}", partial.display()))?;
        std::fs::rename(&partial, &self.info).wrap_err_with(|| format!("writing {}", self.info.display()))?;
        print_table(&info, &self.info, self.mpc);
        println!(
            "deploy gas     implementation {} proxy {}",
            net.deployment.deploy_gas[0], net.deployment.deploy_gas[1]
        );

        if self.demo {
            let user =
                info.accounts.get(2).map(|a| a.address).ok_or_else(|| eyre::eyre!("anvil gave no user account"))?;
            let report = demo::run(&net, user).await.wrap_err("the demo story");
            net.stop().await;
            let report = report?;
            print_demo(&report);
            println!();
            println!(
                "demo complete: {} requests answered and verified, {} transfers mined on {}, in {:.1?}",
                report.steps.len(),
                report.steps.iter().filter(|s| s.relayed.is_some()).count(),
                info.chains.get(1).map_or("the destination", |c| c.caip2.as_str()),
                started.elapsed()
            );
            return Ok(());
        }
        let stop = super::services::shutdown_on_signals("devnet").map_err(|f| eyre::eyre!("{}", f.what))?;
        if std::io::stderr().is_terminal() {
            eprintln!("devnet running; Ctrl-C stops it");
        }
        stop.cancelled().await;
        tracing::info!("stopping: services finish their in-flight work, then both anvils end");
        net.stop().await;
        Ok(())
    }
}

fn print_table(info: &DevnetInfo, path: &std::path::Path, mpc: Mpc) {
    println!("chains");
    for c in &info.chains {
        println!("  {:<12} {:<14} {}", c.role, c.caip2, c.rpc_url);
    }
    println!("contracts");
    println!("  proxy          {}", info.proxy);
    println!("  implementation {}", info.implementation);
    println!("  wallet type    {} (EVM, 44/60)", info.wallet_type);
    let holder = match mpc {
        Mpc::Mock => "the mock MPC network holds version 1",
        Mpc::Threshold => "version 1, shared 2-of-3 by the threshold network's nodes",
    };
    println!("  root key       {} ({holder})", info.root_key_address);
    println!("accounts (funded on both chains; anvil dev keys)");
    for a in &info.accounts {
        println!("  {:<38} {} {}", a.role, a.address, a.private_key);
    }
    println!("store          {}", info.store.display());
    if let Some(http) = &info.http {
        println!("explorer       {http}  (status API: {http}ready, {http}metrics, {http}requests/ID)");
    }
    println!("written to     {}", path.display());
}

fn print_demo(report: &demo::DemoReport) {
    println!();
    println!("user         {}", report.user);
    println!("key          {} (funded on the destination by {})", report.key, report.funding_tx);
    for s in &report.steps {
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
        if let Some(r) = &s.relayed {
            println!("  relayed    {} mined in block {} after {:.0?}", r.tx_hash, r.block, r.latency);
            println!("  recipient  {} balance {} -> {} wei ✓", r.recipient, r.balance.0, r.balance.1);
        }
    }
}
