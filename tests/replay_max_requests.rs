//! `edgesim replay --max-requests N` (libCacheSim `--num-req`): the replay
//! of a trace's first N requests is the replay of a trace that holds only
//! them, one cache per size and in one pass (`--mrc`), with the warm-up and
//! every share of the footprint taken of those N; the table says so; 0 and
//! `--model cdn` are refused with exit code 2.

mod common;

use std::path::{Path, PathBuf};

use common::{edgesim, stderr, stdout};

/// The shipped trace (4,000 lines, 3,918 requests: those of size 0 are
/// dropped), and a copy of its header and first `n` requests in `dir`.
fn traces(dir: &Path, n: usize) -> (String, String) {
    let full = common::root().join("tests/data/replay/zipf_sizes.csv");
    let text = std::fs::read_to_string(&full).unwrap();
    let mut lines = text.lines();
    let mut head = vec![lines.next().unwrap()];
    let mut requests = 0;
    for line in lines {
        if requests == n {
            break;
        }
        requests += usize::from(!line.ends_with(",0"));
        head.push(line);
    }
    let cut = dir.join("head.csv");
    std::fs::write(&cut, head.join("\n") + "\n").unwrap();
    (
        full.display().to_string(),
        PathBuf::from(&cut).display().to_string(),
    )
}

/// The JSON lines of a replay, without the one timing field.
fn json_rows(dir: &Path, trace: &str, args: &[&str], name: &str) -> Vec<serde_json::Value> {
    let mut all = vec!["replay", trace, "--json", "--name", name];
    all.extend_from_slice(args);
    let out = edgesim(dir, &all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| {
            let mut row: serde_json::Value = serde_json::from_str(l).unwrap();
            row.as_object_mut().unwrap().remove("requests_per_s");
            row
        })
        .collect();
    assert!(!rows.is_empty());
    rows
}

#[test]
fn the_first_requests_replay_as_a_trace_of_only_them() {
    let dir = tempfile::tempdir().unwrap();
    let (full, head) = traces(dir.path(), 1_500);
    let cases: [&[&str]; 4] = [
        &[
            "--policy",
            "lru,sieve,s3fifo",
            "--cache-size",
            "100,400",
            "--ignore-size",
        ],
        // Shares of the footprint and a fractional warm-up: of the first requests.
        &[
            "--policy",
            "lru,fifo",
            "--cache-size",
            "5%,30%",
            "--warmup",
            "20%",
        ],
        &["--mrc", "--cache-size", "50,200,800", "--ignore-size"],
        &[
            "--mrc",
            "--sample",
            "50%",
            "--exact",
            "--ignore-size",
            "--policy",
            "lru,clock",
            "--warmup",
            "100",
        ],
    ];
    for (i, case) in cases.iter().enumerate() {
        let mut limited = case.to_vec();
        limited.extend_from_slice(&["--max-requests", "1500"]);
        let a = json_rows(dir.path(), &full, &limited, &format!("a{i}"));
        let b = json_rows(dir.path(), &head, case, &format!("b{i}"));
        assert_eq!(a, b, "case {case:?}");
        let requests: u64 = a
            .iter()
            .map(|r| r["requests"].as_u64().unwrap() + r["warmup_requests"].as_u64().unwrap())
            .max()
            .unwrap();
        assert!(requests <= 1_500, "case {case:?}: {requests} requests");
    }
    // And the curve differs from the whole trace's: the limit took effect.
    let whole = json_rows(dir.path(), &full, cases[0], "whole");
    assert_ne!(whole, json_rows(dir.path(), &head, cases[0], "head"));
}

#[test]
fn the_table_says_when_the_trace_was_cut() {
    let dir = tempfile::tempdir().unwrap();
    let (full, _) = traces(dir.path(), 10);
    let run = |max: &str, name: &str| {
        let out = edgesim(
            dir.path(),
            &[
                "replay",
                &full,
                "--cache-size",
                "100",
                "--max-requests",
                max,
                "--name",
                name,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out).lines().next().unwrap().to_string()
    };
    let cut = run("700", "cut");
    assert!(cut.contains(": the first 700 requests"), "{cut}");
    // A limit beyond the trace reads it all and says nothing of a cut.
    let whole = run("1000000", "whole");
    assert!(whole.contains(": 3918 requests"), "{whole}");
}

#[test]
fn zero_and_the_cdn_model_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (full, _) = traces(dir.path(), 10);
    for extra in [
        &["--max-requests", "0"][..],
        &["--max-requests", "10", "--model", "cdn"][..],
        &["--max-requests=-5"][..],
    ] {
        let mut args = vec!["replay", full.as_str(), "--cache-size", "1GiB"];
        args.extend_from_slice(extra);
        let out = edgesim(dir.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--max-requests"),
            "{extra:?}: {}",
            stderr(&out)
        );
        assert!(
            !dir.path().join("output").exists(),
            "{extra:?} wrote output"
        );
    }
}
