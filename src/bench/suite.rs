//! The whole benchmark, in order: gas (revm, anvil), execution and signing rates, the end-to-end run with
//! its ceiling, the relay run, and the load curve. Each load run has a fresh chain (two for the relay run).

use super::{
    BenchError, Percentiles,
    load::{self, LoadOutcome, LoadPlan},
    net::{BenchNet, Mining},
    report::{Ceiling, CurvePoint, EndToEnd, Machine, Relay, Report},
};
use crate::{chain::AnvilChain, contracts::Artifacts, store::RequestRecord, toolchain::Toolchain};
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in the end-to-end and ceiling runs.
    pub requests: usize,
    /// Users sending.
    pub users: usize,
    /// Offered rate of the end-to-end run (`None`: unpaced).
    pub rate: Option<f64>,
    /// Sign-tx requests with broadcast in the relay run (0: no relay run).
    pub relay_requests: usize,
    /// Offered rate of the relay run (`None`: unpaced).
    pub relay_rate: Option<f64>,
    /// Offered rates of the load curve (empty: no curve).
    pub curve: Vec<f64>,
    /// Seconds of load per curve point.
    pub curve_seconds: f64,
    /// Most requests in flight.
    pub max_in_flight: usize,
    /// Mining of the load runs.
    pub mining: Mining,
    /// Measure gas on anvil too (real transactions), besides revm.
    pub anvil_gas: bool,
    /// Signatures and revm requests timed for the signing and execution rates.
    pub rate_samples: usize,
    /// The command line, for the report.
    pub command: String,
}

/// What the suite hands its caller besides the report: latency samples per stage (ms), for the plots.
pub type StageSamples = Vec<(String, Vec<f64>)>;

/// Runs everything; `step` is told what runs now, `progress` how many of `total` requests are done.
pub async fn run(
    toolchain: &Toolchain,
    artifacts: &Artifacts,
    options: &Options,
    step: &(dyn Fn(&str, u64) + Sync),
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Report, StageSamples), BenchError> {
    let started = Instant::now();
    step("gas per call on revm", 0);
    let (gas_revm, batches_revm) = super::gas_per_call(&crate::chain::RevmChain::new(31_337, 3), artifacts).await?;
    step("revm sign requests/s", 0);
    let revm_rate = super::gas::revm_sign_rate(artifacts, (options.rate_samples / 10).max(1)).await?;
    step("signing rates", 0);
    let (raw_k256, responder_sign) = super::signing_rates(options.rate_samples, options.users).await?;
    let (gas_anvil, batches) = if options.anvil_gas {
        step("gas per call on anvil (real transactions)", 0);
        // Base fee 0: quotes are exact whatever the block, so no excess is credited (as in forge's suite).
        let node = AnvilChain::spawn_with(toolchain, 31_337, &["--block-base-fee-per-gas", "0"]).await?;
        super::gas_per_call(&node.rpc, artifacts).await?
    } else {
        (Vec::new(), batches_revm)
    };

    step("end to end (with the responder)", options.requests as u64);
    let (e2e, samples) = end_to_end(toolchain, artifacts, options, options.requests, options.rate, progress).await?;
    let peak_memory_bytes = super::peak_memory_bytes();

    step("ceiling (no responder)", options.requests as u64);
    let ceiling = ceiling(toolchain, artifacts, options, progress).await?;

    let relay = if options.relay_requests > 0 {
        step("relay (responder, relayer, destination chain)", options.relay_requests as u64);
        Some(relay(toolchain, artifacts, options, progress).await?)
    } else {
        None
    };

    let mut curve = Vec::new();
    for &rate in &options.curve {
        let requests = ((rate * options.curve_seconds) as usize).max(options.users);
        step(&format!("load curve: {rate:.0} requests/s offered"), requests as u64);
        let (point, _) = end_to_end(toolchain, artifacts, options, requests, Some(rate), progress).await?;
        let latency = Percentiles::of(&point.latencies());
        curve.push(CurvePoint {
            offered: rate,
            throughput: point.throughput(),
            p99_ms: latency.p99_ms,
            p50_ms: latency.p50_ms,
            requests,
        });
    }

    let latency = Percentiles::of(&e2e.latencies());
    let stage_percentiles = samples.iter().map(|(n, v)| (n.clone(), percentiles_ms(v))).collect();
    let report = Report {
        command: options.command.clone(),
        generated_at_ms: crate::store::now_ms(),
        machine: Machine::this(),
        mining: options.mining.clone(),
        gas_revm,
        gas_anvil,
        batches,
        revm_sign_requests_per_s: revm_rate,
        raw_k256_per_s: raw_k256,
        responder_signatures_per_s: responder_sign,
        end_to_end: EndToEnd {
            requests: options.requests,
            users: options.users,
            offered_rate: options.rate,
            fulfilled: e2e.fulfilled(),
            throughput: e2e.throughput(),
            latency: latency.clone(),
            stages: stage_percentiles,
            blocks: e2e.blocks,
        },
        throughput_over_time: e2e.per_second(),
        ceiling_over_time: ceiling.per_second(),
        ceiling: Ceiling { requests: options.requests, throughput: ceiling.throughput(), blocks: ceiling.blocks },
        relay: relay.as_ref().map(|(r, _)| r.clone()),
        curve,
        peak_memory_bytes,
        wall_s: started.elapsed().as_secs_f64(),
    };
    let mut plotted = samples;
    plotted.push(("answer mined (watcher)".into(), millis(&e2e.latencies())));
    if let Some((_, relay)) = relay {
        plotted.push((RELAY_PLOT.into(), millis(&relay.relay_latencies())));
    }
    Ok((report, plotted))
}

/// The name of the relay latency's samples among those the suite hands back (the plots draw them apart).
pub const RELAY_PLOT: &str = "relay latency (answer mined → transfer mined)";

fn millis(samples: &[Duration]) -> Vec<f64> {
    samples.iter().map(|d| d.as_secs_f64() * 1_000.0).collect()
}

/// The relay run: a fresh source chain and a destination chain, the responder and the relayer, the users'
/// keys funded on the destination, then sign-tx requests with broadcast, each watched until its transfer is
/// mined on the destination.
async fn relay(
    toolchain: &Toolchain,
    artifacts: &Artifacts,
    options: &Options,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(Relay, LoadOutcome), BenchError> {
    let requests = options.relay_requests;
    let mut net = BenchNet::start(toolchain, artifacts, &options.mining, options.users, true).await?;
    net.start_responder().await?;
    net.start_relayer().await?;
    net.prepare_keys().await?;
    let destination = net.fund_destination_keys().await?;
    let sends = load::presign_relays(&net, requests, 3).await?;
    let plan = LoadPlan {
        requests,
        rate: options.relay_rate,
        max_in_flight: options.max_in_flight,
        answers: true,
        timeout: timeout(requests, options.relay_rate),
    };
    let relays = load::Relays { chain: &destination, recipients: &sends.recipients };
    let outcome = load::run(&net.chain, sends.txs, &plan, Some(relays), progress).await?;
    net.stop_relayer().await;
    net.stop_responder().await;
    let records = net.store.recent_requests(crate::devnet::SOURCE_CHAIN_ID, net.proxy, (requests * 2) as u64).await?;
    let mut stages: Vec<(String, Percentiles)> =
        stages(&outcome, &records).into_iter().map(|(n, v)| (n, percentiles_ms(&v))).collect();
    stages.push(("answer mined (watcher)".into(), Percentiles::of(&outcome.latencies())));
    stages.push(("relay mined (destination watcher)".into(), Percentiles::of(&outcome.relay_stage())));
    let report = Relay {
        requests,
        offered_rate: options.relay_rate,
        answered: outcome.fulfilled(),
        relayed: outcome.relayed(),
        throughput: outcome.relay_throughput(),
        latency: Percentiles::of(&outcome.relay_latencies()),
        stages,
        blocks: outcome.blocks,
        destination_blocks: outcome.destination_blocks,
    };
    Ok((report, outcome))
}

fn percentiles_ms(ms: &[f64]) -> Percentiles {
    let durations: Vec<Duration> = ms.iter().map(|m| Duration::from_secs_f64(m.max(0.0) / 1_000.0)).collect();
    Percentiles::of(&durations)
}

/// How long a run may take: generous against its offered duration (a bench stops itself).
fn timeout(requests: usize, rate: Option<f64>) -> Duration {
    let offered = rate.map_or(0.0, |r| requests as f64 / r);
    Duration::from_secs_f64(60.0 + offered * 3.0 + requests as f64 / 200.0)
}

/// One run with the responder; returns it and each stage's latency from the request's block (ms).
async fn end_to_end(
    toolchain: &Toolchain,
    artifacts: &Artifacts,
    options: &Options,
    requests: usize,
    rate: Option<f64>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(LoadOutcome, StageSamples), BenchError> {
    let mut net = BenchNet::start(toolchain, artifacts, &options.mining, options.users, false).await?;
    net.start_responder().await?;
    net.prepare_keys().await?;
    let txs = load::presign(&net, requests, 1).await?;
    let plan = LoadPlan {
        requests,
        rate,
        max_in_flight: options.max_in_flight,
        answers: true,
        timeout: timeout(requests, rate),
    };
    let outcome = load::run(&net.chain, txs, &plan, None, progress).await?;
    net.stop_responder().await;
    let records = net.store.recent_requests(crate::devnet::SOURCE_CHAIN_ID, net.proxy, (requests * 2) as u64).await?;
    let stages = stages(&outcome, &records);
    Ok((outcome, stages))
}

/// Each stage's latency from the request's block as the watcher saw it, by the responder's records.
fn stages(outcome: &LoadOutcome, records: &[RequestRecord]) -> StageSamples {
    let by_id: std::collections::HashMap<u64, &RequestRecord> = records.iter().map(|r| (r.request_id, r)).collect();
    let mut seen = Vec::new();
    let mut signed = Vec::new();
    let mut answered = Vec::new();
    for s in &outcome.samples {
        let (Some(id), Some(mined)) = (s.id, s.mined_at_ms) else { continue };
        let Some(r) = by_id.get(&id) else { continue };
        seen.push((r.seen_at - mined) as f64);
        if let Some(at) = r.signed_at {
            signed.push((at - mined) as f64);
        }
        if let Some(at) = r.answered_at {
            answered.push((at - mined) as f64);
        }
    }
    vec![
        ("event seen (responder)".into(), seen),
        ("signed".into(), signed),
        ("answer mined (responder's receipt)".into(), answered),
    ]
}

/// The same request transactions mined with no responder (its keys answered first, then it stops).
async fn ceiling(
    toolchain: &Toolchain,
    artifacts: &Artifacts,
    options: &Options,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<LoadOutcome, BenchError> {
    let mut net = BenchNet::start(toolchain, artifacts, &options.mining, options.users, false).await?;
    net.start_responder().await?;
    net.prepare_keys().await?;
    net.stop_responder().await;
    let txs = load::presign(&net, options.requests, 2).await?;
    let plan = LoadPlan {
        requests: options.requests,
        rate: None,
        max_in_flight: options.max_in_flight,
        answers: false,
        timeout: timeout(options.requests, None),
    };
    load::run(&net.chain, txs, &plan, None, progress).await
}
