//! The status API on a devnet that ran the demo story: `/healthz`, `/ready`, `/metrics` (Prometheus text with
//! the services' counters, histograms and relay states), `/requests/{id}`; and the request explorer rendered
//! by a real headless Chromium (Debian's, installed by `tools/install-chromium` when missing), whose DOM shows
//! the demo's requests with their final states.

mod common;

use alloy::transports::http::reqwest;
use std::{path::Path, process::Command};
use zrsign::{
    chain::ChainSubmit,
    devnet::{Devnet, DevnetOptions, demo},
};

async fn demo_devnet(dir: &Path) -> Devnet {
    let options = DevnetOptions {
        store_path: Some(dir.join("zrsign.db")),
        http: Some("127.0.0.1:0".parse().expect("addr")),
        ..Default::default()
    };
    let quiet = |_: &str| {};
    let net = Devnet::start(common::toolchain(), common::artifacts(), &options, &quiet).await.expect("devnet");
    let [_, _, user] = net.source.first_accounts().expect("accounts");
    demo::run(&net, user).await.expect("demo");
    net
}

/// GETs `url` until `ok` accepts (status, body), failing after the deadline.
async fn get_until(url: &str, ok: impl Fn(u16, &str) -> bool) -> (u16, String) {
    let client = reqwest::Client::new();
    let last = std::sync::Mutex::new(String::new());
    let result = tokio::time::timeout(
        common::net::DEADLINE,
        common::net::until(url, || async {
            let response = match client.get(url).send().await {
                Ok(r) => r,
                Err(e) => {
                    *last.lock().expect("lock") = e.to_string();
                    return None;
                }
            };
            let status = response.status().as_u16();
            let body = response.text().await.ok()?;
            *last.lock().expect("lock") = format!("{status} {body}");
            ok(status, &body).then_some((status, body))
        }),
    )
    .await;
    result.unwrap_or_else(|_| panic!("GET {url}: last answer {}", last.lock().expect("lock")))
}

/// The value of the first sample of `metric` whose labels contain `labels`.
fn sample(metrics: &str, metric: &str, labels: &str) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(metric) && l[metric.len()..].starts_with(['{', ' ']) && l.contains(labels))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn status_api_serves_health_readiness_metrics_and_lifecycles() {
    let dir = tempfile::tempdir().expect("tempdir");
    let net = demo_devnet(dir.path()).await;
    let base = format!("http://{}", net.http.expect("served"));

    let (status, body) = get_until(&format!("{base}/healthz"), |s, _| s == 200).await;
    assert_eq!((status, body.trim()), (200, "ok"));
    let (_, ready) = get_until(&format!("{base}/ready"), |s, _| s == 200).await;
    let ready: serde_json::Value = serde_json::from_str(&ready).expect("json");
    let names: Vec<&str> =
        ready["services"].as_array().expect("services").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, ["relayer", "relayer eip155:31337", "relayer eip155:31338", "responder"]);

    // Both broadcasts confirmed in the store before the metrics are read (the relayer commits after the
    // destination receipt the demo waited for).
    let (_, lifecycle) = get_until(&format!("{base}/requests/5"), |s, b| s == 200 && b.contains("\"confirmed\"")).await;
    let lifecycle: serde_json::Value = serde_json::from_str(&lifecycle).expect("json");
    assert_eq!(lifecycle["responder"]["status"], "answered");
    assert_eq!(lifecycle["responder"]["kind"], "tx");
    assert_eq!(lifecycle["relay"]["dst_chain"], "eip155:31338");
    assert!(lifecycle["stages"]["answered_ms"].as_i64().is_some_and(|ms| ms >= 0), "{lifecycle}");
    assert!(lifecycle["stages"]["relay_mined_ms"].as_i64().is_some(), "{lifecycle}");
    get_until(&format!("{base}/requests/4"), |s, b| s == 200 && b.contains("\"confirmed\"")).await;
    let (status, _) = get_until(&format!("{base}/requests/999"), |_, _| true).await;
    assert_eq!(status, 404);
    let (status, body) = get_until(&format!("{base}/requests/abc"), |_, _| true).await;
    assert_eq!(status, 400, "{body}");

    let (_, metrics) = get_until(&format!("{base}/metrics"), |s, _| s == 200).await;
    for (metric, labels, at_least) in [
        ("zrsign_requests_seen_total", "kind=\"key\"", 1.0),
        ("zrsign_requests_answered_total", "kind=\"tx\"", 2.0),
        ("zrsign_requests_answered_total", "kind=\"hash\"", 1.0),
        ("zrsign_batch_size_count", "call=\"zrSignResPacked\"", 1.0),
        ("zrsign_stage_seconds_count", "stage=\"signed\"", 1.0),
        ("zrsign_stage_seconds_count", "stage=\"answer_mined\"", 5.0),
        ("zrsign_stage_seconds_count", "stage=\"relay_mined\"", 2.0),
        ("zrsign_relay_broadcasts", "state=\"confirmed\"", 2.0),
        ("zrsign_follower_lag_blocks", "service=\"responder\"", 0.0),
    ] {
        let value =
            sample(&metrics, metric, labels).unwrap_or_else(|| panic!("no {metric}{{{labels}}} in:\n{metrics}"));
        assert!(value >= at_least, "{metric}{{{labels}}} = {value}, expected >= {at_least}");
    }
    assert!(metrics.contains("zrsign_stage_seconds_bucket{stage=\"relay_mined\",le="), "histogram buckets");
    net.stop().await;
}

#[tokio::test]
async fn the_explorer_shows_the_demo_requests_in_a_real_browser() {
    let install = Command::new("tools/install-chromium").status().expect("run tools/install-chromium");
    assert!(install.success(), "tools/install-chromium failed: Chromium is needed for this test");
    let dir = tempfile::tempdir().expect("tempdir");
    let net = demo_devnet(dir.path()).await;
    let url = format!("http://{}/", net.http.expect("served"));
    get_until(&format!("{url}requests/5"), |s, b| s == 200 && b.contains("\"confirmed\"")).await;

    let profile = tempfile::tempdir().expect("profile");
    let dom = common::net::until("the explorer's rows", || async {
        let out = tokio::process::Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--virtual-time-budget=5000",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(&url)
            .output()
            .await
            .expect("run chromium");
        let dom = String::from_utf8_lossy(&out.stdout).into_owned();
        (dom.contains("data-loaded=\"true\"") && dom.contains("data-request-id=\"5\"")).then_some(dom)
    })
    .await;
    let row = |id: u64| {
        let start = dom.find(&format!("data-request-id=\"{id}\"")).unwrap_or_else(|| panic!("no row {id}:\n{dom}"));
        let end = dom[start..].find("</tr>").map_or(dom.len(), |e| start + e);
        dom[start..end].to_owned()
    };
    for (id, kind) in [(1, "key"), (2, "hash"), (3, "data"), (4, "tx"), (5, "tx")] {
        let r = row(id);
        assert!(r.contains(&format!("data-kind=\"{kind}\"")), "{r}");
        assert!(r.contains("data-status=\"answered\""), "{r}");
        let relay = if kind == "tx" { "confirmed" } else { "" };
        assert!(r.contains(&format!("data-relay=\"{relay}\"")), "{r}");
    }
    assert!(row(4).contains("class=\"status confirmed\""), "the relay badge is rendered");
    net.stop().await;
}
