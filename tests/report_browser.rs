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

#[test]
fn the_chromium_probe_finds_each_kind_of_defect() {
    let temp = tempfile::tempdir().unwrap();
    let page = temp.path().join("report.html");
    let chart = r##"<figure id="bad"><svg width="880" height="460" viewBox="0 0 880 460" xmlns="http://www.w3.org/2000/svg">
<polyline fill="none" stroke="#E1E1E1" points="100,44 100,398 "/>
<polyline fill="none" stroke="#E1E1E1" points="100,398 630,398 "/>
<polygon points="120,20 200,20 200,300 120,300" fill="#0072B2"/>
<text x="640" y="50" font-size="13">pull</text>
<text x="640" y="70" font-size="13">pull</text>
<text x="640" y="90" font-size="13">cap=6…0s</text>
<text x="640" y="110" font-size="13">{count=2},</text>
<text x="640" y="125" font-size="13">{policy=immediate}</text>
<text x="640" y="145" font-size="13">{count=4},</text>
<text x="640" y="160" font-size="13">{policy=immediate}</text>
<text x="640" y="180" font-size="13">a legend entry far too long for its column, and longer still</text>
<text x="10" y="440" font-size="8">tiny</text>
</svg></figure>"##;
    fs::write(
        &page,
        format!("<!DOCTYPE html><html><body>{chart}<table class=\"headline\"><tr><td>1</td></tr></table><div style=\"width:300px\"><table class=\"verdict\"><tr><td style=\"white-space:nowrap\">{}</td></tr></table></div><script>console.error('broken')</script></body></html>", "wide ".repeat(80)),
    )
    .unwrap();
    let seen = report_support::rendered(&page);
    let all = seen.problems.join("\n");
    for expected in [
        "a chart comes before the headline table",
        "bad: legend entry \"pull\" twice",
        "bad: text \"tiny\" is 8.0 px",
        "bad: legend entry \"cap=6…0s\" is cut",
        "bad: legend text \"a legend entry far too long for its column, and longer still\" runs off the chart",
        "bad: a band leaves the plot area",
        "table.verdict needs horizontal scrolling",
    ] {
        assert!(all.contains(expected), "{expected} not in:\n{all}");
    }
    // An entry's second line is part of it: two entries that share only
    // their second line are told apart.
    assert!(!all.contains("{policy=immediate}\" twice"), "{all}");
    assert!(
        seen.console.iter().any(|l| l.contains("broken")),
        "{:?}",
        seen.console
    );
}

/// With `EDGESIM_SCREENSHOTS=DIR` set, writes `DIR/quickstart.png` and
/// `DIR/small-vs-big-servers.png`: the top of each shipped report (run at
/// its shipped size) as a 1280 px wide window shows it. The PNGs in
/// `docs/screenshots/` are made this way:
/// `EDGESIM_SCREENSHOTS=docs/screenshots cargo test --release --test report_browser screenshots`.
#[test]
fn screenshots_of_the_shipped_reports_for_the_docs() {
    let Some(dir) = std::env::var_os("EDGESIM_SCREENSHOTS") else {
        return;
    };
    let dir = common::root().join(dir);
    fs::create_dir_all(&dir).unwrap();
    let temp = tempfile::tempdir().unwrap();
    for (name, height) in [("quickstart", 2400), ("small-vs-big-servers", 2000)] {
        let out = temp.path().join(name);
        // Named from the project root, as a reader runs it.
        let file = format!("experiments/{name}.toml");
        let run = edgesim(
            common::root(),
            &["run", &file, "--out", out.to_str().unwrap()],
        );
        assert!(run.status.success(), "{name}: {}", stderr(&run));
        let png = dir.join(format!("{name}.png"));
        report_support::screenshot(&out.join("report.html"), &png, height);
        let size = fs::metadata(&png).unwrap().len();
        assert!(size < 400_000, "{}: {size} bytes", png.display());
    }
}
