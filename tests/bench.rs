//! A tiny run of the benchmark suite: its report has every part, and every request is fulfilled. Figures are
//! reported by `zrsign bench`, never asserted here (they depend on the machine).

mod common;

use zrsign::bench::{gas, net::Mining, plot, suite};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_bench_fulfils_every_request_and_reports_every_figure() {
    let requests = 200;
    let options = suite::Options {
        requests,
        users: 20,
        rate: Some(1_000.0),
        relay_requests: 40,
        relay_rate: Some(200.0),
        curve: vec![200.0],
        curve_seconds: 0.5,
        max_in_flight: 1_000,
        mining: Mining { block_time_s: 0.5, gas_limit: 150_000_000 },
        anvil_gas: false,
        rate_samples: 200,
        command: "test".into(),
    };
    let steps = std::sync::Mutex::new(Vec::new());
    let step = |what: &str, _total: u64| steps.lock().expect("steps").push(what.to_owned());
    let (report, stages) =
        suite::run(common::toolchain(), common::artifacts(), &options, &step, &|_| {}).await.expect("bench");

    let e = &report.end_to_end;
    assert_eq!(e.fulfilled, requests, "every request answered on-chain");
    assert_eq!(e.latency.count, requests);
    assert!(e.latency.p50_ms <= e.latency.p99_ms && e.latency.p99_ms <= e.latency.max_ms);
    let names: Vec<&str> = e.stages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["event seen (responder)", "signed", "answer mined (responder's receipt)"]);
    assert!(e.stages.iter().all(|(_, p)| p.count == requests), "every request has every stage: {:?}", e.stages);
    assert_eq!(report.ceiling.requests, requests);
    assert_eq!(report.ceiling_over_time.iter().sum::<usize>(), requests, "the ceiling run mined every request");
    assert_eq!(report.throughput_over_time.iter().sum::<usize>(), requests);
    let relay = report.relay.as_ref().expect("the relay run's figures");
    assert_eq!(relay.requests, 40);
    assert_eq!(relay.answered, 40, "every relay request answered");
    assert_eq!(relay.relayed, 40, "every relayed request got its transfer mined on the destination");
    assert_eq!(relay.latency.count, 40);
    assert!(relay.throughput > 0.0 && relay.destination_blocks > 0);
    let relay_stages: Vec<&str> = relay.stages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(relay_stages.last(), Some(&"relay mined (destination watcher)"));
    assert!(relay.stages.iter().all(|(_, p)| p.count == 40), "every relay request has every stage: {:?}", relay.stages);
    let (mined, relayed) = (&relay.stages[relay.stages.len() - 2].1, &relay.stages[relay.stages.len() - 1].1);
    assert!(relayed.p50_ms >= mined.p50_ms, "a transfer is mined after its answer: {mined:?} {relayed:?}");
    assert_eq!(report.curve.len(), 1);
    for (label, _) in gas::V1 {
        assert!(report.gas_revm.iter().any(|g| g.label == label), "gas of {label}");
    }
    for kind in ["sign", "key"] {
        let sizes: Vec<usize> = report.batches.iter().filter(|b| b.kind == kind).map(|b| b.items).collect();
        assert_eq!(sizes, gas::BATCHES, "{kind} batches");
    }
    assert!(report.raw_k256_per_s > 0.0 && report.responder_signatures_per_s > 0.0);
    assert!(steps.lock().expect("steps").iter().any(|s| s.starts_with("ceiling")));

    let markdown = report.markdown("(plots)");
    for heading in ["## Targets", "## Gas per call", "## End to end", "## Relay", "## Load curve", "## Plots"] {
        assert!(markdown.contains(heading), "{heading} in the summary");
    }
    let dir = tempfile::tempdir().expect("dir");
    let files = plot::draw(&report, &stages, dir.path()).expect("plots");
    assert_eq!(files.len(), plot::FILES.len(), "every plot, the relay latency's too");
    for file in files {
        let svg = std::fs::read_to_string(&file).expect("svg");
        assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{} is an SVG", file.display());
    }
    let json = serde_json::to_string(&report).expect("json");
    let back: zrsign::bench::report::Report = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back.end_to_end.fulfilled, requests);
    assert_eq!(back.relay.map(|r| r.relayed), Some(40));
}
