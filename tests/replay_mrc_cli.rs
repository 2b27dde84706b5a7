//! `edgesim replay --mrc` from the command line: the table, the CSV and the
//! charts of one-pass curves, JSON lines, output independent of the thread
//! count, and bad flags or an inexact byte-mode request exiting 2 with the
//! flag named and nothing written.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{edgesim, stderr, stdout};

/// A small Zipf-like trace whose objects keep one size each.
fn write_trace(dir: &Path) -> String {
    let mut text = String::from("time,obj_id,size\n");
    let mut x = 1u64;
    for i in 0..5_000u64 {
        x = edgesim::engine::rng::splitmix64(x);
        // Low ids are drawn far more often than high ones.
        let id = (x % 1_000) * (x >> 40) % 1_000 / 7;
        let size = 100 + id * 37 % 900;
        text.push_str(&format!("{i},{id},{size}\n"));
    }
    let path = dir.join("t.csv");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn run_with_threads(dir: &Path, threads: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .arg("replay")
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

#[test]
fn writes_the_exact_curve_at_the_default_sizes_with_its_chart() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(dir.path());
    let out = edgesim(
        dir.path(),
        &["replay", &trace, "--mrc", "--ignore-size", "--name", "m"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.contains("method") && table.contains("exact"),
        "{table}"
    );
    let curve = std::fs::read_to_string(dir.path().join("output/m/miss_ratio_curve.csv")).unwrap();
    assert!(
        curve.starts_with("policy,method,sample_rate,cache_size,"),
        "{curve}"
    );
    // The default: 100 sizes evenly spaced up to the footprint (fewer when
    // the footprint has fewer objects than that), plus the header.
    let rows = curve.lines().count() - 1;
    assert!((50..=100).contains(&rows), "{rows} rows");
    assert!(curve.lines().skip(1).all(|l| l.starts_with("lru,exact,1,")));
    let svg = std::fs::read_to_string(dir.path().join("output/m/miss_ratio_curve.svg")).unwrap();
    assert!(svg.contains("<svg"));
}

#[test]
fn sampled_curves_come_with_their_error_against_the_exact_one() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(dir.path());
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--mrc",
            "--sample",
            "50%",
            "--exact",
            "--policy",
            "lru,fifo",
            "--cache-size",
            "10%,50%",
            "--name",
            "s",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // lru exact, lru shards, fifo shards; two sizes each.
    assert_eq!(lines.len(), 6);
    let methods: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["policy"].as_str().unwrap(), l["method"].as_str().unwrap()))
        .collect();
    assert_eq!(
        methods,
        [
            ("lru", "exact"),
            ("lru", "exact"),
            ("lru", "shards"),
            ("lru", "shards"),
            ("fifo", "shards"),
            ("fifo", "shards")
        ]
    );
    assert!(lines[2]["abs_error"].as_f64().is_some());
    assert!(lines[4]["abs_error"].is_null());
    assert_eq!(lines[2]["sample_rate"].as_f64(), Some(0.5));
    for name in [
        "miss_ratio_curve.csv",
        "miss_ratio_curve.svg",
        "byte_miss_ratio_curve.svg",
    ] {
        assert!(dir.path().join("output/s").join(name).exists(), "{name}");
    }
}

#[test]
fn the_curves_do_not_depend_on_the_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(dir.path());
    let mut curves = Vec::new();
    for threads in ["1", "3"] {
        let name = format!("t{threads}");
        let args = [
            trace.as_str(),
            "--mrc",
            "--sample",
            "20%",
            "--exact",
            "--policy",
            "lru,s3fifo,sieve",
            "--mrc-points",
            "30",
            "--name",
            &name,
        ];
        let out = run_with_threads(dir.path(), threads, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let path = dir
            .path()
            .join("output")
            .join(&name)
            .join("miss_ratio_curve.csv");
        curves.push(std::fs::read(path).unwrap());
    }
    assert_eq!(curves[0], curves[1]);
}

/// Runs a replay that must fail with exit code 2, naming `flag`, and write nothing.
fn assert_refused(dir: &Path, args: &[&str], flag: &str, expected: &str) {
    let out = edgesim(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(
        err.contains(flag) && err.contains(expected),
        "{args:?}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!dir.join("output").exists(), "{args:?} wrote output");
}

#[test]
fn bad_flags_exit_2_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(dir.path());
    let t = trace.as_str();
    let cases: [(&[&str], &str, &str); 11] = [
        (
            &["replay", t, "--sample", "1%", "--cache-size", "10"],
            "--sample",
            "add --mrc",
        ),
        (
            &["replay", t, "--exact", "--cache-size", "10"],
            "--exact",
            "add --mrc",
        ),
        (
            &["replay", t, "--mrc-points", "5", "--cache-size", "10"],
            "--mrc-points",
            "add --mrc",
        ),
        (
            &["replay", t, "--mrc", "--sample", "0"],
            "--sample",
            "sampling rate in (0, 1]",
        ),
        (
            &["replay", t, "--mrc", "--sample", "150%"],
            "--sample",
            "sampling rate in (0, 1]",
        ),
        (
            &["replay", t, "--mrc", "--sample", "lots"],
            "--sample",
            "sampling rate in (0, 1]",
        ),
        (
            &["replay", t, "--mrc", "--exact"],
            "--exact",
            "give --sample",
        ),
        (
            &["replay", t, "--mrc", "--mrc-points", "0"],
            "--mrc-points",
            "expected 1 to",
        ),
        (
            &[
                "replay",
                t,
                "--mrc",
                "--mrc-points",
                "9",
                "--cache-size",
                "5",
            ],
            "--mrc-points",
            "cannot go with --cache-size",
        ),
        (
            &["replay", t, "--mrc", "--policy", "fifo"],
            "--policy",
            "needs --sample",
        ),
        (
            &["replay", t, "--mrc", "--model", "cdn"],
            "--mrc",
            "--model cache",
        ),
    ];
    for (args, flag, expected) in cases {
        assert_refused(dir.path(), args, flag, expected);
    }
}

#[test]
fn a_cache_scaled_below_what_its_policy_needs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let trace = write_trace(dir.path());
    // 100 objects at 1 % is one object; S3-FIFO needs at least 10.
    assert_refused(
        dir.path(),
        &[
            "replay",
            &trace,
            "--mrc",
            "--ignore-size",
            "--sample",
            "1%",
            "--policy",
            "s3fifo",
            "--cache-size",
            "100",
        ],
        "--sample",
        "give a higher --sample",
    );
}

#[test]
fn byte_mode_refuses_an_object_whose_size_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changing.csv");
    std::fs::write(&path, "time,obj_id,size\n0,1,10\n1,2,10\n2,1,20\n").unwrap();
    let trace = path.display().to_string();
    assert_refused(
        dir.path(),
        &["replay", &trace, "--mrc", "--cache-size", "15"],
        "--mrc",
        "object 1 has 20 bytes at request 3 but had 10 before",
    );
    // Object mode has no sizes to disagree on.
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--mrc",
            "--ignore-size",
            "--cache-size",
            "1,2",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
