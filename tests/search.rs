//! The capacity search (`[search]`): its answers against theory (Erlang C
//! for the M/M/c queue, Che's approximation for an LRU cache), the same
//! bytes at any thread count, resuming from its run records, and bad
//! search input refused with exit 2 naming the key.

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, root, stderr};
use edgesim::models::queue::theory::mmc_wait;
use edgesim::validate::cache::che_lru_miss_ratio;
use edgesim::workload::zipf::Zipf;

/// The outputs of a search compared byte for byte.
const FILES: [&str; 3] = ["plan.csv", "answer.json", "report.html"];

fn answer(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("answer.json")).unwrap()).unwrap()
}

fn run(dir: &Path, args: &[&str]) {
    let out = edgesim(dir, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

/// The smallest c with M/M/c mean wait within `limit` (service rate 1).
fn erlang_c_servers(lambda: f64, limit: f64) -> u32 {
    (1..1000)
        .find(|&c| mmc_wait(lambda, 1.0, c) <= limit)
        .unwrap()
}

#[test]
fn plan_queue_finds_the_erlang_c_server_count_at_three_loads() {
    let temp = tempfile::tempdir().unwrap();
    let file = root().join("experiments/plan-queue.toml");
    for (lambda, expected) in [(2.0, 4), (4.0, 6), (5.0, 7)] {
        assert_eq!(erlang_c_servers(lambda, 0.25), expected);
        let out = temp.path().join(format!("l{lambda}"));
        let rate = format!("queue.arrival_rate={lambda}/s");
        run(
            temp.path(),
            &[
                "run",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
                "--set",
                &rate,
                "--set",
                "run.duration=10000s",
            ],
        );
        let a = answer(&out);
        assert_eq!(a["feasible"], true, "{a}");
        assert_eq!(a["values"]["queue.servers"], expected, "load {lambda}: {a}");
        assert_eq!(a["binding"]["metric"], "wait_s_mean");
    }
}

#[test]
fn plan_cdn_cache_agrees_with_che_within_one_step() {
    let temp = tempfile::tempdir().unwrap();
    let file = root().join("experiments/plan-cdn-cache.toml");
    let out = temp.path().join("cdn");
    run(
        temp.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--set",
            "search.param[0].values=[1]",
            "--set",
            "search.max_replications=6",
            "--set",
            "run.duration=4min",
            "--set",
            "run.warmup=1min",
        ],
    );
    let a = answer(&out);
    let chosen = a["values"]["cdn.cache.capacity"].as_str().unwrap();
    let mib: f64 = chosen.strip_suffix("MiB").unwrap().parse().unwrap();
    // Che: the smallest cache (in 10 kB objects) with hit ratio >= 0.9.
    let zipf = Zipf::new(20_000, 1.0).unwrap();
    let hit = |c: u64| 1.0 - che_lru_miss_ratio(zipf.probabilities(), c as f64);
    let (mut lo, mut hi) = (1u64, 19_999u64);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if hit(mid) >= 0.9 { hi = mid } else { lo = mid }
    }
    let objects = hi;
    let che_mib = objects as f64 * 10_000.0 / (1u64 << 20) as f64;
    assert!(
        (mib - che_mib).abs() <= 8.0,
        "search {chosen}, Che {che_mib:.1} MiB: {a}"
    );
}

/// A small search with a scenario: two variables, three rounds or more.
const SMALL: &str = r#"
schema = 1
name = "small-search"
model = "queue"

[run]
seed = 2
duration = "3000s"
warmup = "100s"

[queue]
arrival_rate = "3/s"
servers = 1
service = { dist = "exponential", mean = "1s" }

[search]
minimize = "queue.servers"
min_replications = 3
max_replications = 12

[[search.param]]
path = "queue.service.mean"
values = ["0.8s", "1s"]

[[search.param]]
path = "queue.servers"
range = { from = 1, to = 16 }

[[search.constraint]]
metric = "wait_s_mean"
max = 0.3

[[search.scenario]]
name = "busy hour"
set = { "queue.arrival_rate" = "3.5/s" }
"#;

#[test]
fn a_search_writes_the_same_bytes_at_one_and_two_threads() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    fs::write(d.join("s.toml"), SMALL).unwrap();
    run(d, &["run", "s.toml", "--out", "one", "--threads", "1"]);
    run(d, &["run", "s.toml", "--out", "two", "--threads", "2"]);
    for name in FILES {
        let (a, b) = (
            fs::read(d.join("one").join(name)).unwrap(),
            fs::read(d.join("two").join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
    let a = answer(&d.join("one"));
    assert_eq!(a["feasible"], true, "{a}");
    // The scenario is judged too: its column is in the plan.
    let plan = fs::read_to_string(d.join("one/plan.csv")).unwrap();
    assert!(
        plan.lines()
            .next()
            .unwrap()
            .contains("wait_s_mean@busy hour.bound")
    );
    let report = fs::read_to_string(d.join("one/report.html")).unwrap();
    let answer_at = report.find("<h2>Answer</h2>").unwrap();
    assert!(
        answer_at < report.find("<svg").unwrap(),
        "the answer comes first"
    );
}

fn records(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found: Vec<(String, Vec<u8>)> = fs::read_dir(dir.join("runs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, fs::read(&p).unwrap())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn a_search_cut_short_resumes_from_its_records() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    fs::write(d.join("s.toml"), SMALL).unwrap();
    run(d, &["run", "s.toml", "--out", "whole", "--threads", "2"]);
    run(d, &["run", "s.toml", "--out", "cut", "--threads", "2"]);
    // What a kill leaves: some records of the last rounds missing, no answer.
    let all = records(&d.join("cut"));
    assert!(all.len() > 10, "{} runs", all.len());
    let kept: Vec<(String, Vec<u8>)> = all[..all.len() / 2].to_vec();
    for (name, _) in &all[all.len() / 2..] {
        fs::remove_file(d.join("cut/runs").join(name)).unwrap();
    }
    for name in FILES {
        fs::remove_file(d.join("cut").join(name)).unwrap();
    }
    let resumed = edgesim(
        d,
        &[
            "run",
            "s.toml",
            "--out",
            "cut",
            "--resume",
            "--threads",
            "1",
        ],
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let message = format!("resuming: {} runs already recorded", kept.len());
    assert!(stderr(&resumed).contains(&message), "{}", stderr(&resumed));
    let after = records(&d.join("cut"));
    assert_eq!(after.len(), all.len());
    for (name, bytes) in &kept {
        let again = after.iter().find(|(n, _)| n == name).unwrap();
        assert!(&again.1 == bytes, "{name} was run again");
    }
    for name in FILES {
        let (a, b) = (
            fs::read(d.join("whole").join(name)).unwrap(),
            fs::read(d.join("cut").join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs after resume");
    }
}

/// `edgesim run` on `text` exits 2 naming `needle`, writing nothing.
fn rejects(text: &str, needle: &str) {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    fs::write(d.join("s.toml"), text).unwrap();
    let out = edgesim(d, &["run", "s.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains(needle),
        "message does not name `{needle}`: {err}"
    );
    assert!(!d.join("out").exists(), "output written on bad input");
}

fn small_with(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "{from}");
    SMALL.replacen(from, to, 1)
}

#[test]
fn bad_searches_exit_2_naming_the_key() {
    let params_start = SMALL.find("[[search.param]]").unwrap();
    let params_end = SMALL.find("[[search.constraint]]").unwrap();
    let no_params = format!("{}{}", &SMALL[..params_start], &SMALL[params_end..]);
    rejects(&no_params, "search.param");
    rejects(
        &small_with("metric = \"wait_s_mean\"", "metric = \"wait_p99_typo\""),
        "search.constraint[0].metric",
    );
    rejects(
        &small_with("{ from = 1, to = 16 }", "{ from = 16, to = 1 }"),
        "search.param[1].range.to",
    );
    rejects(
        &small_with(
            "minimize = \"queue.servers\"",
            "minimize = \"cost_per_year\"",
        ),
        "search.minimize",
    );
    rejects(
        &small_with(
            "\"queue.arrival_rate\" = \"3.5/s\"",
            "\"queue.arival_rate\" = 1",
        ),
        "queue.arival_rate",
    );
    rejects(
        &format!("{SMALL}\n[[sweep.param]]\npath = \"queue.servers\"\nvalues = [1]\n"),
        "sweep",
    );
    rejects(
        &small_with("seed = 2", "seed = 2\nreplications = 3"),
        "run.replications",
    );
}

/// Starts `edgesim run s.toml --out cut` and kills it once at least
/// `finished` run records are written; returns the records it left.
fn run_and_kill(dir: &Path, finished: usize) -> Vec<(String, Vec<u8>)> {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(["run", "s.toml", "--out", "cut", "--threads", "2"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let count = || match fs::read_dir(dir.join("cut/runs")) {
        Ok(read) => read
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
            })
            .count(),
        Err(_) => 0,
    };
    while count() < finished {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the search made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the search ended before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    records(&dir.join("cut"))
}

#[test]
fn a_killed_search_resumes_to_the_uninterrupted_bytes() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    // Runs of a few hundred milliseconds, so that the kill lands midway.
    fs::write(d.join("s.toml"), small_with("\"3000s\"", "\"100000s\"")).unwrap();
    let before = run_and_kill(d, 4);
    assert!(!before.is_empty());
    assert!(!d.join("cut/answer.json").exists(), "killed before the end");
    let resumed = edgesim(
        d,
        &[
            "run",
            "s.toml",
            "--out",
            "cut",
            "--resume",
            "--threads",
            "1",
        ],
    );
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let message = format!("resuming: {} runs already recorded", before.len());
    assert!(stderr(&resumed).contains(&message), "{}", stderr(&resumed));
    let after = records(&d.join("cut"));
    assert!(after.len() > before.len(), "{} runs", after.len());
    for (name, bytes) in &before {
        let kept = after.iter().find(|(n, _)| n == name).unwrap();
        assert!(&kept.1 == bytes, "{name} was run again");
    }
    run(d, &["run", "s.toml", "--out", "whole", "--threads", "2"]);
    assert_eq!(records(&d.join("whole")).len(), after.len());
    for name in FILES {
        let (a, b) = (
            fs::read(d.join("whole").join(name)).unwrap(),
            fs::read(d.join("cut").join(name)).unwrap(),
        );
        assert!(a == b, "{name} differs after the kill and resume");
    }
}

#[test]
fn a_model_that_panics_in_the_metric_probe_stops_the_search() {
    use edgesim::experiment::search::probe_metric_names;
    use edgesim::run::RunOutput;
    let err = probe_metric_names(|| panic!("a bug in setup")).unwrap_err();
    assert!(err.contains("panicked"), "{err}");
    assert!(err.contains("a bug in setup"), "{err}");
    // A model that cannot run for a millisecond is not checked here (its
    // own runs report the error); one that runs gives its names.
    assert_eq!(probe_metric_names(|| Err("too short".into())), Ok(None));
    let mut output = RunOutput::default();
    output.scalar("wait_s_mean", 0.5);
    let names = probe_metric_names(|| Ok(output)).unwrap().unwrap();
    assert_eq!(names[0], "wait_s_mean");
    assert!(names.iter().any(|n| n == "warmup_ok"));
}
