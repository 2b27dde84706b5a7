//! Charts named in the experiment file (`[[plot]]`) with their SLOs and
//! options; a chart the data cannot give is reported, not fatal; bad
//! `[[plot]]` and `[[output.slo]]` entries exit 2 naming the file, line and
//! key before anything runs.

mod common;

use std::fs;

use common::{SMALL_QUEUE, edgesim, stderr};

const PLOTS: &str = r#"
[[plot]]
kind = "percentiles"
x = "queue.arrival_rate"
y = "time_in_system_s"
series = "queue.servers"
quantiles = ["p50", "p99"]
slo = 8.0
title = "Tail latency vs load"

[[plot]]
kind = "heatmap"
x = "queue.arrival_rate"
y = "queue.servers"
z = "utilisation"
png = true

[[plot]]
kind = "line"
x = "queue.arrival_rate"
y = "throughput_per_s"
slo_min = 0.6

[[plot]]
kind = "ccdf"
y = "time_in_system_s"

[[plot]]
kind = "timeseries"
y = "in_system"
marks = [{ at = "10min", label = "operator restarts" }, { at = "20min" }]

[[plot]]
kind = "line"
y = "no_such_metric"

[[output.slo]]
metric = "utilisation"
max = 0.75
"#;

#[test]
fn named_charts_are_drawn_in_file_order() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), format!("{SMALL_QUEUE}{PLOTS}")).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "warning: [[plot]] number 6 (line no_such_metric): no metric `no_such_metric`"
        ),
        "{}",
        stderr(&out)
    );
    let mut names: Vec<String> = fs::read_dir(dir.path().join("o/plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // The named charts keep their numbers; the defaults follow them.
    assert_eq!(
        names[..6],
        [
            "01-percentiles-time_in_system_s.svg",
            "02-heatmap-utilisation.png",
            "02-heatmap-utilisation.svg",
            "03-line-throughput_per_s.svg",
            "04-ccdf-time_in_system_s.svg",
            "05-timeseries-in_system.svg",
        ]
    );
    assert!(names.len() > 6 && names[6].starts_with("07-"), "{names:?}");
    assert!(
        !names[6..].contains(&"07-ccdf-time_in_system_s.svg".to_string()),
        "a default the file names is not drawn twice: {names:?}"
    );
    // `replace_defaults = true`: only the named charts.
    let only = dir.path().join("only.toml");
    fs::write(
        &only,
        format!("{SMALL_QUEUE}{PLOTS}").replace(
            "[[output.slo]]",
            "[output]\nreplace_defaults = true\n\n[[output.slo]]",
        ),
    )
    .unwrap();
    let out = edgesim(dir.path(), &["run", "only.toml", "--out", "p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read_dir(dir.path().join("p/plots")).unwrap().count(), 6);
    let png = fs::read(dir.path().join("o/plots/02-heatmap-utilisation.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let report = fs::read_to_string(dir.path().join("o/report.html")).unwrap();
    assert!(report.contains("<b>Tail latency vs load.</b>"));
    assert!(report.contains("SLO ≤ 8"), "the chart's own SLO is drawn");
    assert!(report.contains("cells miss the SLO utilisation ≤ 0.75"));
    assert!(report.contains("Charts not drawn"));
    assert!(report.contains("SLO verdict"));
    assert!(report.contains("FAIL") && report.contains("pass"));
    let series =
        fs::read_to_string(dir.path().join("o/plots/05-timeseries-in_system.svg")).unwrap();
    assert!(series.contains("operator restarts") && series.contains("t = 1200 s"));
}

#[test]
fn bad_plot_entries_exit_2_before_running() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "[[plot]]\nkind = \"pie\"\n",
            "plot[0].kind",
            "unknown value `pie`",
        ),
        (
            "[[plot]]\nkind = \"line\"\nx = \"queue.nope\"\ny = \"m\"\n",
            "plot[0].x",
            "not a swept parameter",
        ),
        ("[[plot]]\nkind = \"line\"\n", "plot[0].y", "needs `y`"),
        (
            "[[plot]]\nkind = \"heatmap\"\nz = \"m\"\ny = \"queue.servers\"\nx = \"queue.servers\"\n",
            "plot[0].y",
            "must be different",
        ),
        (
            "[[plot]]\nkind = \"percentiles\"\nquantiles = [\"p42\"]\n",
            "plot[0].quantiles",
            "unknown percentile",
        ),
        (
            "[[plot]]\nkind = \"cdf\"\ncolour = \"red\"\n",
            "plot[0]",
            "unknown key `colour`",
        ),
        (
            "[[output.slo]]\nmetric = \"m\"\n",
            "output.slo[0].max",
            "needs `max`",
        ),
        (
            "[[plot]]\nkind = \"line\"\ny = \"m\"\nseries = \"queue.servers\"\nx = \"queue.servers\"\n",
            "plot[0].series",
            "must differ",
        ),
        (
            "[[plot]]\nkind = \"cdf\"\nmarks = [{ at = \"1s\" }]\n",
            "plot[0].marks",
            "only timeseries",
        ),
    ];
    for (extra, key, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("exp.toml"), format!("{SMALL_QUEUE}{extra}")).unwrap();
        let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "o"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{extra}: {err}");
        assert!(err.contains("exp.toml:"), "{extra}: {err}");
        assert!(err.contains(key), "{extra}: {err}");
        assert!(err.contains(message), "{extra}: {err}");
        assert!(
            !dir.path().join("o").exists(),
            "nothing is written on bad input"
        );
    }
}

#[test]
fn sweep_charts_need_a_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let single = SMALL_QUEUE
        .split("[[sweep.param]]")
        .next()
        .unwrap()
        .to_string();
    fs::write(
        dir.path().join("exp.toml"),
        format!("{single}[[plot]]\nkind = \"heatmap\"\nz = \"m\"\n"),
    )
    .unwrap();
    let out = edgesim(dir.path(), &["check", "exp.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("needs a swept parameter"),
        "{}",
        stderr(&out)
    );
}

/// The report opens with the answer: the headline metrics per point with
/// their intervals, each point's SLO verdict, and the best point that
/// meets every SLO by the first headline metric.
#[test]
fn the_report_opens_with_the_headline_table_and_the_winner() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[output]\nheadline = [\"wait_s_mean\", \"utilisation\", \"no_such_metric\"]\n\n[[output.slo]]\nmetric = \"utilisation\"\nmax = 0.75\n";
    fs::write(dir.path().join("exp.toml"), format!("{SMALL_QUEUE}{extra}")).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("output.headline: no metric `no_such_metric`"),
        "{}",
        stderr(&out)
    );
    let report = fs::read_to_string(dir.path().join("o/report.html")).unwrap();
    let answer = report
        .find("<h2 id=\"answer\">Answer</h2>")
        .expect("an answer");
    let first_h2 = report.find("<h2").unwrap();
    assert_eq!(answer, first_h2, "the answer is the first section");
    let table = &report[answer..report[answer..].find("</table>").unwrap() + answer];
    // Headings may break after `_` (wide tables wrap instead of scrolling).
    assert!(table.contains("<th>wait_<wbr>s_<wbr>mean</th><th>utilisation</th><th>SLOs</th>"));
    assert!(!table.contains("no_such_metric"));
    assert_eq!(table.matches("<tr><td>").count(), 4, "one row per point");
    assert!(table.contains("±"), "intervals over 3 replications");
    // Utilisation 0.8 on one server misses the SLO; the shortest wait
    // among the rest is two servers at 0.5/s.
    assert!(table.contains("FAIL") && table.contains("pass"));
    assert!(
        report.contains("3 of 4 points meet every SLO. Best among those by wait_s_mean (lower is better): point 2 (servers=2, arrival_rate=0.5/s)"),
        "{}",
        &report[answer..answer + 3000]
    );
}

#[test]
fn bad_headlines_exit_2_naming_the_key() {
    for (extra, key) in [
        (
            "[output]\nheadline = [\"a\", \"a\"]\n",
            "output.headline[1]",
        ),
        ("[output]\nheadline = [\"\"]\n", "output.headline[0]"),
        ("[output]\nbetter = \"sideways\"\n", "output.better"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("exp.toml"), format!("{SMALL_QUEUE}{extra}")).unwrap();
        let out = edgesim(dir.path(), &["check", "exp.toml"]);
        assert_eq!(out.status.code(), Some(2), "{extra}: {}", stderr(&out));
        assert!(stderr(&out).contains(key), "{extra}: {}", stderr(&out));
    }
}

/// Chart text is at least 12 px on the page (plotters writes 3/4 of the
/// size it is given), the charts of the headline metrics come first, and a
/// count is not charted beside its rate.
#[test]
fn chart_text_is_readable_and_headlines_come_first() {
    let dir = tempfile::tempdir().unwrap();
    let extra = "[output]\nheadline = [\"utilisation\", \"wait_s_mean\"]\n";
    fs::write(dir.path().join("exp.toml"), format!("{SMALL_QUEUE}{extra}")).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut names: Vec<String> = fs::read_dir(dir.path().join("o/plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names[0], "01-line-utilisation.svg");
    assert_eq!(names[1], "02-line-wait_s_mean.svg");
    for name in &names {
        let svg = fs::read_to_string(dir.path().join("o/plots").join(name)).unwrap();
        for size in svg.split("font-size=\"").skip(1) {
            let px: f64 = size[..size.find('"').unwrap()].parse().unwrap();
            assert!(px >= 12.0, "{name}: text of {px} px");
        }
    }
}
