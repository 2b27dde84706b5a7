//! `edgesim replay TRACE --model cdn` and `[cdn.workload] trace`: a trace
//! drives the whole CDN model, the experiment it builds reproduces with
//! `edgesim run`, policy and size flags sweep, and the region and client
//! columns place the clients.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{edgesim, root, stderr, stdout};

fn golden_trace() -> String {
    root()
        .join("tests/data/replay/zipf_sizes.csv")
        .display()
        .to_string()
}

fn results(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn number(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key].parse().unwrap_or(f64::NAN)
}

#[test]
fn a_replay_sweeps_policies_and_sizes_and_reproduces_with_run() {
    let dir = tempfile::tempdir().unwrap();
    let trace = golden_trace();
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--model",
            "cdn",
            "--policy",
            "lru,s3fifo",
            "--cache-size",
            "1MB,10%",
            "--name",
            "t",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert_eq!(
        table.lines().filter(|l| l.contains("lru")).count(),
        2,
        "{table}"
    );
    assert_eq!(table.lines().filter(|l| l.contains("s3fifo")).count(), 2);
    let folder = dir.path().join("output/t");
    for file in [
        "results.csv",
        "summary.csv",
        "report.html",
        "experiment.toml",
    ] {
        assert!(folder.join(file).exists(), "{file}");
    }
    let rows = results(&folder.join("results.csv"));
    assert_eq!(rows.len(), 4);
    for row in &rows {
        // The golden trace has 4,000 lines, 82 of them of size 0 (dropped).
        assert_eq!(number(row, "requests"), 3_918.0);
        assert_eq!(number(row, "trace.sent_requests"), 3_918.0);
        assert!(number(row, "hit_ratio") > 0.0);
    }
    let rerun = edgesim(
        dir.path(),
        &["run", "output/t/experiment.toml", "--out", "again"],
    );
    assert_eq!(rerun.status.code(), Some(0), "{}", stderr(&rerun));
    for file in ["results.csv", "summary.csv", "histograms.csv"] {
        let a = std::fs::read(folder.join(file)).unwrap();
        let b = std::fs::read(dir.path().join("again").join(file)).unwrap();
        assert_eq!(a, b, "{file}");
    }
}

#[test]
fn json_has_one_object_per_point() {
    let dir = tempfile::tempdir().unwrap();
    let trace = golden_trace();
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--model",
            "cdn",
            "--policy",
            "lru,sieve",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["params"]["cdn.cache.policy"], "sieve");
    assert_eq!(lines[0]["metrics"]["requests"], 3_918.0);
    assert!(lines[0]["metrics"]["latency_ms_p99"].as_f64().unwrap() > 0.0);
    assert!(dir.path().join("output/replay-cdn-zipf_sizes").is_dir());
}

/// `pop.<name>.requests_per_s` of every PoP that served requests.
fn busy_pops(row: &BTreeMap<String, String>) -> Vec<String> {
    row.iter()
        .filter(|(k, v)| {
            k.starts_with("pop.")
                && k.ends_with(".requests_per_s")
                && v.parse::<f64>().unwrap() > 0.0
        })
        .map(|(k, _)| k.clone())
        .collect()
}

#[test]
fn region_and_client_columns_place_the_clients() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("time,object,bytes,city,user\n");
    for i in 0..400 {
        let city = if i % 2 == 0 { "Sydney" } else { "tokyo" };
        text.push_str(&format!(
            "{},{},{},{city},{}\n",
            i / 10,
            i % 40,
            1000 + i,
            i % 7
        ));
    }
    std::fs::write(dir.path().join("t.csv"), &text).unwrap();
    let experiment = r#"
schema = 1
name = "regions"
model = "cdn"
[run]
duration = "60s"
[cdn.routing]
mode = "ideal"
[cdn.workload]
trace = "t.csv"
region_col = "city"
client_col = "user"
[output]
report = false
"#;
    std::fs::write(dir.path().join("e.toml"), experiment).unwrap();
    let out = edgesim(dir.path(), &["run", "e.toml", "--out", "o"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let row = &results(&dir.path().join("o/results.csv"))[0];
    assert_eq!(number(row, "requests"), 400.0);
    assert_eq!(
        busy_pops(row),
        ["pop.sydney.requests_per_s", "pop.tokyo.requests_per_s"]
    );
    // Without the region column, each of the 7 client ids picks a region by population.
    let out = edgesim(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o2",
            "--set",
            "cdn.workload.region_col=\"none\"",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let row = &results(&dir.path().join("o2/results.csv"))[0];
    let pops = busy_pops(row);
    assert!((2..=7).contains(&pops.len()), "{pops:?}");
    assert_ne!(
        pops,
        ["pop.sydney.requests_per_s", "pop.tokyo.requests_per_s"]
    );
}
