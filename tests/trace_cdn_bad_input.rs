//! Bad input to the trace-driven CDN model and to `--record-trace`: each
//! exits with code 2, names the file and line (or the key) and what was
//! expected, and writes nothing.

mod common;

use std::path::Path;

use common::{SMALL_QUEUE, edgesim, stderr};

const TRACE: &str = "time,object,bytes,city\n0,1,100,Sydney\n1,2,100,Atlantis\n2,3,x,Tokyo\n";

const EXPERIMENT: &str = r#"
schema = 1
name = "bad"
model = "cdn"
[run]
duration = "10s"
[cdn.workload]
trace = "t.csv"
[output]
report = false
"#;

fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), TRACE).unwrap();
    std::fs::write(dir.path().join("e.toml"), EXPERIMENT).unwrap();
    std::fs::write(dir.path().join("q.toml"), SMALL_QUEUE).unwrap();
    dir
}

/// Runs edgesim in `dir` and checks exit code 2, every `expected` text in
/// stderr and that no output folder appeared.
fn refused(dir: &Path, args: &[&str], expected: &[&str]) {
    let out = edgesim(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for text in expected {
        assert!(err.contains(text), "{args:?}: no {text:?} in {err}");
    }
    for made in ["o", "output"] {
        assert!(!dir.join(made).exists(), "{args:?} wrote {made}/");
    }
}

#[test]
fn a_missing_region_column_names_the_trace_and_its_header() {
    let dir = folder();
    let missing = "t.csv:1: key `region`: no column named \"region\" in the header";
    refused(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o",
            "--set",
            "cdn.workload.region_col=\"region\"",
        ],
        &["key `cdn.workload.trace`", missing],
    );
    refused(
        dir.path(),
        &[
            "replay",
            "t.csv",
            "--model",
            "cdn",
            "--region-col",
            "region",
        ],
        &[missing],
    );
}

#[test]
fn bad_trace_lines_name_file_line_column_and_key() {
    let dir = folder();
    refused(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o",
            "--set",
            "cdn.workload.region_col=\"city\"",
        ],
        &["t.csv:3:9: key `region`: unknown region \"Atlantis\""],
    );
    refused(
        dir.path(),
        &["run", "e.toml", "--out", "o"],
        &["t.csv:4:5: key `size`"],
    );
    refused(
        dir.path(),
        &["replay", "t.csv", "--model", "cdn"],
        &["t.csv:4:5: key `size`"],
    );
    refused(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o",
            "--set",
            "cdn.workload.trace=\"gone.csv\"",
        ],
        &["gone.csv: cannot open the trace"],
    );
}

#[test]
fn recording_paths_and_models_are_checked_before_running() {
    let dir = folder();
    let good = "0,1,100\n1,2,100\n";
    std::fs::write(dir.path().join("t.csv"), good).unwrap();
    refused(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o",
            "--record-trace",
            "nowhere/r.csv",
        ],
        &[
            "nowhere/r.csv",
            "key `--record-trace`",
            "the folder nowhere does not exist",
        ],
    );
    refused(
        dir.path(),
        &["run", "e.toml", "--out", "o", "--record-trace", "nowhere/"],
        &["the folder to record into does not exist"],
    );
    refused(
        dir.path(),
        &["run", "e.toml", "--out", "o", "--record-trace", "r.txt"],
        &["name the file *.csv or *.oracleGeneral"],
    );
    refused(
        dir.path(),
        &["run", "q.toml", "--out", "o", "--record-trace", "r.csv"],
        &["model \"queue\" has no request stream to record"],
    );
    refused(
        dir.path(),
        &["run", "e.toml", "--out", "o", "--record-format", "csv"],
        &["--record-format needs --record-trace"],
    );
    refused(
        dir.path(),
        &[
            "run",
            "e.toml",
            "--out",
            "o",
            "--record-trace",
            "r.csv",
            "--shard",
            "1/2",
        ],
        &["records run 0, which this invocation does not run"],
    );
    assert!(!dir.path().join("r.csv").exists());
}

#[test]
fn workload_keys_are_checked_against_the_model() {
    let dir = folder();
    std::fs::write(dir.path().join("t.csv"), "0,1,100\n1,2,100\n").unwrap();
    let cases: [(&str, &str); 6] = [
        (
            "cdn.workload.trace=\"\"",
            "expected the path of a trace file",
        ),
        (
            "cdn.mode=\"push\"",
            "a trace workload runs in \"pull\" or \"no-cdn\" mode",
        ),
        (
            "cdn.workload.spread=\"often\"",
            "expected \"auto\", \"none\" or a duration",
        ),
        ("cdn.workload.speed=0", "key `cdn.workload.speed`"),
        (
            "cdn.workload.hash_by=\"user\"",
            "key `cdn.workload.hash_by`",
        ),
        ("cdn.diurnal.amplitude=0.5", "key `cdn.diurnal.amplitude`"),
    ];
    for (set, expected) in cases {
        refused(
            dir.path(),
            &["run", "e.toml", "--out", "o", "--set", set],
            &[expected],
        );
    }
    std::fs::write(
        dir.path().join("e.toml"),
        EXPERIMENT.replace("trace = \"t.csv\"", "time_unit = \"ms\""),
    )
    .unwrap();
    refused(
        dir.path(),
        &["run", "e.toml", "--out", "o"],
        &["key `cdn.workload.trace`", "set `trace` to its file"],
    );
}

#[test]
fn replay_flags_are_checked_against_the_mode() {
    let dir = folder();
    std::fs::write(dir.path().join("t.csv"), "0,1,100\n1,2,100\n").unwrap();
    let cases: [(Vec<&str>, &str); 7] = [
        (
            vec!["--cache-size", "10", "--region-col", "2"],
            "--region-col applies to the full-model replay; add --model cdn",
        ),
        (
            vec!["--cache-size", "10", "--model", "edge"],
            "unknown model \"edge\"",
        ),
        (
            vec!["--model", "cdn", "--ignore-size"],
            "object mode is for single-cache",
        ),
        (vec!["--model", "cdn", "--warmup", "lots"], "key `--warmup`"),
        (
            vec!["--model", "cdn", "--experiment", "q.toml"],
            "--model cdn replays through a \"cdn\" experiment",
        ),
        (
            vec![
                "--model",
                "cdn",
                "--experiment",
                "e.toml",
                "--policy",
                "lru,fifo",
            ],
            "with --experiment, give one value",
        ),
        (vec![], "give at least one cache size"),
    ];
    for (args, expected) in cases {
        let mut all = vec!["replay", "t.csv"];
        all.extend(args);
        refused(dir.path(), &all, &[expected]);
    }
}
