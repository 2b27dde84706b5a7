//! A sweep killed midway and run again with `--resume` keeps the runs that
//! finished, runs only the rest, and ends with exactly the bytes of an
//! uninterrupted sweep.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{edgesim, stderr};

/// Twelve runs of a few hundred milliseconds each, so that a kill lands
/// midway on any machine.
const SLOW: &str = r#"
schema = 1
name = "slow"
model = "queue"

[run]
seed = 3
replications = 4
duration = "1500000s"
warmup = "1000s"

[queue]
arrival_rate = "0.8/s"
service = { dist = "exponential", mean = "1s" }

[[sweep.param]]
path = "queue.servers"
values = [1, 2, 3]
"#;

const FILES: [&str; 5] = [
    "results.csv",
    "summary.csv",
    "timeseries.csv",
    "histograms.csv",
    "report.html",
];

fn records(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = match fs::read_dir(dir.join("runs")) {
        Ok(read) => read
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    fs::read(&p).unwrap(),
                )
            })
            .collect(),
        Err(_) => Vec::new(),
    };
    found.sort();
    found
}

/// Starts the sweep and kills it once at least `finished` runs are recorded.
fn run_and_kill(dir: &Path, finished: usize) -> Vec<(String, Vec<u8>)> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(["run", "slow.toml", "--out", "cut", "--threads", "1"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while records(&dir.join("cut")).len() < finished {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the sweep made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    records(&dir.join("cut"))
}

#[test]
fn resume_after_a_kill_gives_the_uninterrupted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("slow.toml"), SLOW).unwrap();
    let before = run_and_kill(d, 3);
    assert!(
        before.len() >= 3 && before.len() < 12,
        "{} runs recorded",
        before.len()
    );
    assert!(
        !d.join("cut/manifest.json").exists(),
        "killed before the end"
    );
    let resumed = edgesim(
        d,
        &[
            "run",
            "slow.toml",
            "--out",
            "cut",
            "--resume",
            "--threads",
            "2",
        ],
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let message = format!(
        "resuming: {} of 12 runs already done, {} to run",
        before.len(),
        12 - before.len()
    );
    assert!(stderr(&resumed).contains(&message), "{}", stderr(&resumed));
    let after = records(&d.join("cut"));
    assert_eq!(after.len(), 12);
    for (name, bytes) in &before {
        let kept = after.iter().find(|(n, _)| n == name).unwrap();
        assert!(&kept.1 == bytes, "{name} was run again");
    }
    let whole = edgesim(d, &["run", "slow.toml", "--out", "whole", "--threads", "2"]);
    assert!(whole.status.success());
    for name in FILES {
        let (a, b) = (
            fs::read(d.join("whole").join(name)).unwrap(),
            fs::read(d.join("cut").join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs after resume");
    }
    let again = edgesim(d, &["run", "slow.toml", "--out", "cut", "--resume"]);
    assert!(stderr(&again).contains("12 of 12 runs already done, 0 to run"));
    assert_eq!(
        records(&d.join("cut")),
        after,
        "a finished sweep is not run again"
    );
}

#[test]
fn resume_refuses_records_of_another_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let small = SLOW.replace("1500000s", "2000s");
    fs::write(d.join("slow.toml"), &small).unwrap();
    assert!(
        edgesim(d, &["run", "slow.toml", "--out", "o"])
            .status
            .success()
    );
    fs::write(d.join("slow.toml"), small.replace("seed = 3", "seed = 4")).unwrap();
    let out = edgesim(d, &["run", "slow.toml", "--out", "o", "--resume"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("run-00000000.json"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("another experiment file"),
        "{}",
        stderr(&out)
    );
    let fresh = edgesim(d, &["run", "slow.toml", "--out", "o"]);
    assert!(
        fresh.status.success(),
        "without --resume the folder starts over"
    );
    fs::write(d.join("o/runs/run-00000005.json"), b"{ torn").unwrap();
    let torn = edgesim(d, &["run", "slow.toml", "--out", "o", "--resume"]);
    assert_eq!(torn.status.code(), Some(2));
    assert!(
        stderr(&torn).contains("run-00000005.json"),
        "{}",
        stderr(&torn)
    );
}
