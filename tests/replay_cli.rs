//! `edgesim replay` from the command line: the table, `--json`, the
//! miss-ratio-curve file, exit code 2 with file and line/offset on corrupt
//! input (and no file written), and output independent of the thread count.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{edgesim, stderr, stdout};

fn golden_trace(name: &str) -> String {
    common::root()
        .join("tests/data/replay")
        .join(name)
        .display()
        .to_string()
}

fn replay_with_threads(dir: &Path, threads: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .arg("replay")
        .args(args)
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

#[test]
fn prints_a_table_and_writes_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let trace = golden_trace("zipf_sizes.csv");
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--policy",
            "lru,fifo",
            "--cache-size",
            "1%,10%",
            "--name",
            "t",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(
        table.contains("miss_ratio")
            && table.lines().filter(|l| l.starts_with("fifo")).count() == 2,
        "{table}"
    );
    let curve = std::fs::read_to_string(dir.path().join("output/t/miss_ratio_curve.csv")).unwrap();
    assert_eq!(curve.lines().count(), 5);
    assert!(curve.starts_with("policy,cache_size,cache_size_unit,"));
}

#[test]
fn json_lines_carry_every_field_and_match_libcachesim() {
    let dir = tempfile::tempdir().unwrap();
    let trace = golden_trace("zipf_sizes.oracleGeneral");
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--policy",
            "s3fifo",
            "--cache-size",
            "200",
            "--ignore-size",
            "--warmup",
            "1000",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let row: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    for key in [
        "requests",
        "misses",
        "miss_ratio",
        "bytes_requested",
        "bytes_missed",
        "byte_miss_ratio",
        "requests_per_s",
    ] {
        assert!(row.get(key).is_some(), "{key} missing in {text}");
    }
    // tests/data/replay/golden.csv: oracleGeneral,objects,s3fifo,200,1000 -> 2918 requests.
    let golden = std::fs::read_to_string(golden_trace("golden.csv")).unwrap();
    let line = golden
        .lines()
        .find(|l| l.starts_with("oracleGeneral,objects,s3fifo,200,1000,"))
        .unwrap();
    let misses: u64 = line.split(',').nth(6).unwrap().parse().unwrap();
    assert_eq!(row["requests"], 2918);
    assert_eq!(row["misses"], misses);
}

#[test]
fn corrupt_traces_exit_2_naming_file_and_place_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 4] = [
        ("bad.csv", b"1,2,3\n2,x,3\n", "bad.csv:2:3: key `obj_id`"),
        ("neg.csv", b"1,2,3\n2,4,-3\n", "neg.csv:2:5: key `size`"),
        (
            "short.csv",
            b"1,2,3\n2,4\n",
            "short.csv:2: expected at least 3 fields, found 2",
        ),
        (
            "cut.oracleGeneral",
            &[0u8; 30],
            "cut.oracleGeneral: byte offset 24: truncated record",
        ),
    ];
    for (name, bytes, expected) in cases {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = edgesim(
            dir.path(),
            &["replay", name, "--cache-size", "10", "--name", "x"],
        );
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
        assert!(
            !dir.path().join("output/x").exists(),
            "{name}: nothing written on bad input"
        );
    }
    std::fs::write(dir.path().join("empty.csv"), b"").unwrap();
    let out = edgesim(dir.path(), &["replay", "empty.csv", "--cache-size", "10"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("empty.csv: the trace holds no request"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn skip_bad_reports_and_continues() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), b"1,2,3\n2,x,3\n3,2,3\n").unwrap();
    let out = edgesim(
        dir.path(),
        &[
            "replay",
            "t.csv",
            "--cache-size",
            "10",
            "--skip-bad",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("skipped 1 malformed lines"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("\"requests\":2,\"misses\":1"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let trace = golden_trace("zipf_sizes.csv");
    for (args, expected) in [
        (
            vec!["--policy", "arc", "--cache-size", "10"],
            "unknown cache policy",
        ),
        (vec!["--cache-size", "lots"], "--cache-size"),
        (vec!["--cache-size", "1GiB", "--ignore-size"], "byte mode"),
        (
            vec!["--policy", "s3fifo", "--cache-size", "5", "--ignore-size"],
            "at least 10",
        ),
        (vec!["--cache-size", "10", "--warmup", "1.5"], "--warmup"),
        (
            vec!["--cache-size", "10", "--warmup", "5000"],
            "covers the whole trace",
        ),
        (
            vec!["--cache-size", "10", "--format", "parquet"],
            "unknown format",
        ),
    ] {
        let mut all = vec!["replay", trace.as_str()];
        all.extend(args.iter());
        let out = edgesim(dir.path(), &all);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(expected),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let trace = golden_trace("zipf_sizes.csv");
    let args = [
        "--policy",
        "lru,fifo,lfu,sieve,clock,s3fifo",
        "--cache-size",
        "1%,5%,30%",
        "--warmup",
        "0.1",
    ];
    let mut curves = Vec::new();
    for threads in ["1", "2", "4"] {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec![trace.as_str(), "--name", "t"];
        all.extend(args);
        let out = replay_with_threads(dir.path(), threads, &all);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        curves.push(std::fs::read(dir.path().join("output/t/miss_ratio_curve.csv")).unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["replay", trace.as_str(), "--name", "t", "--threads", "1"];
    all.extend(args);
    let out = edgesim(dir.path(), &all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    curves.push(std::fs::read(dir.path().join("output/t/miss_ratio_curve.csv")).unwrap());
    assert_eq!(curves[0], curves[1]);
    assert_eq!(curves[0], curves[2]);
    assert_eq!(curves[0], curves[3]);
}
