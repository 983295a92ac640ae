//! SVG plots of a [`Report`]: latency distribution per stage, throughput over time, the load curve.

use super::{BenchError, report::Report, suite::RELAY_PLOT};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// File names of the plots, in the order [`draw`] writes them (the last only when the relay ran).
pub const FILES: [&str; 4] = ["latency.svg", "throughput.svg", "load-curve.svg", "relay.svg"];

fn err(e: impl std::fmt::Display) -> BenchError {
    BenchError::Plot(e.to_string())
}

const COLORS: [RGBColor; 5] = [BLUE, RED, GREEN, MAGENTA, BLACK];

/// Draws every plot of `report` into `dir`, with each stage's latency samples (ms, any order; the relay
/// latency's, named [`RELAY_PLOT`], drawn on a plot of its own); returns the files written.
pub fn draw(report: &Report, stages: &[(String, Vec<f64>)], dir: &Path) -> Result<Vec<PathBuf>, BenchError> {
    let mut paths: Vec<PathBuf> = FILES.iter().map(|f| dir.join(f)).collect();
    let (relay, stages): (Vec<_>, Vec<_>) = stages.iter().cloned().partition(|(name, _)| name == RELAY_PLOT);
    latency(&stages, "Latency from the request's block, per stage (CDF)", &paths[0])?;
    throughput(report, &paths[1])?;
    curve(report, &paths[2])?;
    if relay.is_empty() {
        paths.truncate(3);
    } else {
        latency(&relay, "Relay latency: answer mined → transfer mined on the destination (CDF)", &paths[3])?;
    }
    Ok(paths)
}

/// Cumulative distribution of each stage's latency.
fn latency(stages: &[(String, Vec<f64>)], caption: &str, path: &Path) -> Result<(), BenchError> {
    let root = SVGBackend::new(path, (900, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let max = stages.iter().flat_map(|(_, v)| v.iter().copied()).fold(1.0, f64::max);
    let mut chart = ChartBuilder::on(&root)
        .caption(caption, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..max * 1.05, 0.0..100.0)
        .map_err(err)?;
    chart.configure_mesh().x_desc("milliseconds").y_desc("percent of requests").draw().map_err(err)?;
    for (i, (name, samples)) in stages.iter().enumerate() {
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len().max(1) as f64;
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                sorted.iter().enumerate().map(|(k, v)| (*v, (k + 1) as f64 * 100.0 / n)),
                color,
            ))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err)?;
    root.present().map_err(err)
}

/// Fulfilled requests per second over the end-to-end run, and mined requests per second over the ceiling run.
fn throughput(report: &Report, path: &Path) -> Result<(), BenchError> {
    let root = SVGBackend::new(path, (900, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let series = [
        ("answered/s (with responder)", &report.throughput_over_time),
        ("requests mined/s (ceiling, no responder)", &report.ceiling_over_time),
    ];
    let len = series.iter().map(|(_, s)| s.len()).max().unwrap_or(1).max(1);
    let top = series.iter().flat_map(|(_, s)| s.iter().copied()).max().unwrap_or(1).max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption("Throughput over time", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..len as f64, 0.0..top * 1.1)
        .map_err(err)?;
    chart.configure_mesh().x_desc("seconds since the run started").y_desc("per second").draw().map_err(err)?;
    for (i, (name, s)) in series.iter().enumerate() {
        let color = COLORS[i];
        chart
            .draw_series(LineSeries::new(s.iter().enumerate().map(|(t, v)| (t as f64 + 0.5, *v as f64)), color))
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err)?;
    root.present().map_err(err)
}

/// Throughput and p99 against offered load.
fn curve(report: &Report, path: &Path) -> Result<(), BenchError> {
    let root = SVGBackend::new(path, (900, 760)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (upper, lower) = root.split_vertically(380);
    let max_x = report.curve.iter().map(|c| c.offered).fold(1.0, f64::max) * 1.1;
    let max_t = report.curve.iter().map(|c| c.throughput.max(c.offered)).fold(1.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&upper)
        .caption("Load curve: fulfilled vs offered requests/s", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_x, 0.0..max_t)
        .map_err(err)?;
    chart.configure_mesh().x_desc("offered requests/s").y_desc("fulfilled requests/s").draw().map_err(err)?;
    chart
        .draw_series(LineSeries::new(report.curve.iter().map(|c| (c.offered, c.throughput)), BLUE))
        .map_err(err)?
        .label("fulfilled")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    chart
        .draw_series(report.curve.iter().map(|c| Circle::new((c.offered, c.throughput), 4, BLUE.filled())))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new([(0.0, 0.0), (max_x, max_x)], BLACK.mix(0.3)))
        .map_err(err)?
        .label("offered")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.3)));
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err)?;
    let max_p = report.curve.iter().map(|c| c.p99_ms).fold(1_000.0, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(&lower)
        .caption("p99 and p50, request mined → answer mined", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_x, 0.0..max_p)
        .map_err(err)?;
    chart.configure_mesh().x_desc("offered requests/s").y_desc("milliseconds").draw().map_err(err)?;
    for (name, color, pick) in [("p99", RED, 0), ("p50", GREEN, 1)] {
        let value = |c: &super::report::CurvePoint| if pick == 0 { c.p99_ms } else { c.p50_ms };
        chart
            .draw_series(LineSeries::new(report.curve.iter().map(|c| (c.offered, value(c))), color))
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        chart
            .draw_series(report.curve.iter().map(|c| Circle::new((c.offered, value(c)), 4, color.filled())))
            .map_err(err)?;
    }
    chart.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err)?;
    root.present().map_err(err)
}
