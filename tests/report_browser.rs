//! A report with every kind of default chart (CDF, tail, percentiles with
//! CI bands and an SLO line, metric lines, heatmaps with failing cells,
//! time series; PNG too) loads in headless Chromium from a file, with no
//! network and no script, and every chart is drawn with a real size. The
//! reports of the shipped experiments are checked the same way in
//! `report_experiments.rs`.

mod common;
mod report_support;

use std::fs;

use common::{SMALL_QUEUE, edgesim, stderr};
use report_support::check_renders;

#[test]
fn a_two_parameter_sweep_report_renders_in_headless_chromium() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    let sweep = format!(
        "{SMALL_QUEUE}\n[output]\npng = true\n\n[[output.slo]]\nmetric = \"time_in_system_s_p99\"\nmax = 8.0\n"
    );
    fs::write(d.join("exp.toml"), sweep).unwrap();
    let out = edgesim(d, &["run", "exp.toml", "--out", "grid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = fs::read_to_string(d.join("grid/report.html")).unwrap();
    for kind in [
        "cdf",
        "ccdf",
        "percentiles",
        "line",
        "heatmap",
        "timeseries",
    ] {
        assert!(report.contains(&format!("-{kind}-")), "no {kind} chart");
    }
    assert!(report.contains("SLO verdict"));
    check_renders(&d.join("grid"), "two-parameter sweep");
}
