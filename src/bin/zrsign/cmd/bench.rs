//! `zrsign bench`: gas per call (revm and anvil), execution and signing rates, end-to-end throughput and
//! latency with the responder beside the chain's ceiling, relayed transfers on a destination chain, and a
//! load curve; JSON, Markdown and SVG plots under `target/bench/`, and with `--publish` the same Markdown as
//! `BENCHMARKS.md` and the plots under `docs/bench/` (run from the repository's root).

use eyre::WrapErr;
use indicatif::{ProgressBar, ProgressStyle};
use std::{io::IsTerminal, path::PathBuf};
use zrsign::bench::{self, net::Mining, suite};

/// Arguments of `zrsign bench`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sign requests in the end-to-end run (and its ceiling).
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// Users sending them (each its own account and nonces).
    #[arg(long, default_value_t = 20)]
    users: usize,
    /// Offered rate of the end-to-end run, requests per second (0: unpaced).
    #[arg(long, default_value_t = 1_000.0)]
    rate: f64,
    /// Sign-tx requests with broadcast in the relay run (a second anvil as the destination chain, the relayer
    /// in process); 0: no relay run. Default 3,000 (100 with --quick).
    #[arg(long)]
    relay_requests: Option<usize>,
    /// Offered rate of the relay run, requests per second (0: unpaced).
    #[arg(long, default_value_t = 500.0)]
    relay_rate: f64,
    /// Offered rates of the load curve, comma-separated (empty: no curve).
    #[arg(long, value_delimiter = ',', default_value = "250,500,1000,2000")]
    curve: Vec<f64>,
    /// Seconds of load per curve point.
    #[arg(long, default_value_t = 6.0)]
    curve_seconds: f64,
    /// Most requests sent and not yet mined.
    #[arg(long, default_value_t = 3_000)]
    max_in_flight: usize,
    /// Seconds between blocks (interval mining) in the load runs.
    #[arg(long, default_value_t = 0.5)]
    block_time: f64,
    /// Block gas limit in the load runs.
    #[arg(long, default_value_t = 150_000_000)]
    gas_limit: u64,
    /// A short run: 200 requests and 100 relayed unless --requests / --relay-requests say otherwise, no load
    /// curve, gas on revm only.
    #[arg(long)]
    quick: bool,
    /// Gas per call on revm only, printed (no load runs, no report).
    #[arg(long)]
    gas_only: bool,
    /// Where the report goes.
    #[arg(long, default_value = "target/bench")]
    out: PathBuf,
    /// Also write BENCHMARKS.md and docs/bench/*.svg in the current folder (the repository's root).
    #[arg(long)]
    publish: bool,
}

impl Args {
    /// Runs the benchmarks, writes the report and prints its Markdown.
    pub async fn run(self) -> eyre::Result<()> {
        let toolchain = zrsign::toolchain::toolchain()?;
        let artifacts = zrsign::contracts::artifacts().wrap_err("building contracts/")?;
        if self.gas_only {
            let chain = zrsign::chain::RevmChain::new(31_337, 3);
            let (figures, batches) = bench::gas_per_call(&chain, artifacts).await.wrap_err("measuring gas on revm")?;
            println!("transaction gas per call (steady state, revm; 21,000 intrinsic and calldata included)");
            for f in &figures {
                println!("  {:<34} {:>9}", f.label, f.gas);
            }
            for b in &batches {
                let extra = b.per_extra_item.map_or_else(|| "-".to_owned(), |g| g.to_string());
                let label = format!("{} batch of {}", b.kind, b.items);
                println!("  {label:<34} {:>9}   per extra item {extra:>6}", b.gas);
            }
            return Ok(());
        }
        let requests = if self.quick && self.requests == 20_000 { 200 } else { self.requests };
        let relay_requests = self.relay_requests.unwrap_or(if self.quick { 100 } else { 3_000 });
        let command = std::env::args().collect::<Vec<_>>().join(" ");
        let command = match command.split_once(" bench") {
            Some((_, rest)) => format!("zrsign bench{rest}"),
            None => command,
        };
        let options = suite::Options {
            requests,
            users: self.users,
            rate: (self.rate > 0.0).then_some(self.rate),
            relay_requests,
            relay_rate: (self.relay_rate > 0.0).then_some(self.relay_rate),
            curve: if self.quick { Vec::new() } else { self.curve.clone() },
            curve_seconds: self.curve_seconds,
            max_in_flight: self.max_in_flight,
            mining: Mining { block_time_s: self.block_time, gas_limit: self.gas_limit },
            anvil_gas: !self.quick,
            rate_samples: if self.quick { 2_000 } else { 20_000 },
            command,
        };
        let bar = if std::io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
        if let Ok(style) = ProgressStyle::with_template("{msg:40} [{bar:30}] {pos}/{len} ({elapsed})") {
            bar.set_style(style.progress_chars("=> "));
        }
        let step = |what: &str, total: u64| {
            tracing::info!(step = what, "bench");
            bar.set_message(what.to_owned());
            bar.set_length(total);
            bar.set_position(0);
        };
        let progress = |done: usize| bar.set_position(done as u64);
        let (report, stages) = suite::run(toolchain, artifacts, &options, &step, &progress).await?;
        bar.finish_and_clear();

        std::fs::create_dir_all(&self.out).wrap_err_with(|| format!("creating {}", self.out.display()))?;
        let svgs = bench::plot::draw(&report, &stages, &self.out)?;
        let json = self.out.join("report.json");
        std::fs::write(&json, serde_json::to_vec_pretty(&report)?)
            .wrap_err_with(|| format!("writing {}", json.display()))?;
        let names: Vec<String> =
            svgs.iter().filter_map(|p| p.file_name()).map(|f| f.to_string_lossy().into_owned()).collect();
        let local: Vec<String> = names.iter().map(|f| format!("- [{f}]({f})")).collect();
        let summary = self.out.join("summary.md");
        std::fs::write(&summary, report.markdown(&local.join("\n")))
            .wrap_err_with(|| format!("writing {}", summary.display()))?;
        let published: Vec<String> = names.iter().map(|f| format!("![{f}](docs/bench/{f})")).collect();
        let markdown = report.markdown(&published.join("\n\n"));
        if self.publish {
            std::fs::create_dir_all("docs/bench").wrap_err("creating docs/bench")?;
            for svg in &svgs {
                if let Some(name) = svg.file_name() {
                    std::fs::copy(svg, PathBuf::from("docs/bench").join(name))
                        .wrap_err_with(|| format!("copying {}", svg.display()))?;
                }
            }
            std::fs::write("BENCHMARKS.md", &markdown).wrap_err("writing BENCHMARKS.md")?;
        }
        println!("{markdown}");
        eprintln!("report: {} ({}, plots beside it)", json.display(), summary.display());
        Ok(())
    }
}
