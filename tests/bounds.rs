//! Bounds everywhere: a run that would exhaust memory stops with exit 1
//! naming the component, the bound and the key; a rate, interval or list
//! that cannot be simulated is refused up front (exit 2); reads are bounded
//! by the bytes read; sweeps that would be silently wrong are refused; a
//! trace's first line is data unless it reads as names; sizes cannot wrap
//! the byte counters. `docs/reliability.md` lists every bound.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, root, stderr};

const QUEUE: &str = r#"
schema = 1
name = "q"
model = "queue"

[run]
seed = 7
duration = "2000s"
warmup = "100s"

[queue]
arrival_rate = "0.8/s"
service = { dist = "exponential", mean = "1s" }
"#;

fn exits(d: &Path, args: &[&str], code: i32, needles: &[&str]) -> String {
    let out = edgesim(d, args);
    let err = stderr(&out);
    let short: String = err.chars().take(2000).collect();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {short}");
    assert!(!err.contains("panicked"), "{args:?}: {short}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: no {n:?} in {short}");
    }
    err
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("q.toml"), QUEUE).unwrap();
    dir
}

fn experiment(name: &str) -> String {
    root().join("experiments").join(name).display().to_string()
}

#[test]
fn an_unstable_queue_stops_at_its_bound_with_exit_1() {
    let temp = setup();
    let d = temp.path();
    let sets = [
        "--set",
        "queue.arrival_rate=1M/s",
        "--set",
        "run.duration=1h",
    ];
    let mut args = vec!["run", "q.toml", "--out", "o"];
    args.extend(sets);
    exits(d, &args, 1, &["queue:", "10000000", "`queue.queue_limit`"]);
    assert!(!d.join("o/manifest.json").exists());
}

#[test]
fn the_pending_event_bound_is_a_key() {
    let temp = setup();
    let d = temp.path();
    // Zero is refused; a stable queue (two pending events) runs within a
    // small bound. The engine's own test shows the bound ending a run.
    exits(
        d,
        &["check", "q.toml", "--set", "run.max_pending_events=0"],
        2,
        &["run.max_pending_events"],
    );
    let ok = edgesim(
        d,
        &[
            "run",
            "q.toml",
            "--out",
            "o",
            "--set",
            "run.max_pending_events=1000",
        ],
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn rates_intervals_and_lists_that_cannot_be_simulated_are_refused_up_front() {
    let temp = setup();
    let d = temp.path();
    exits(
        d,
        &["check", "q.toml", "--set", "queue.arrival_rate=1e15/s"],
        2,
        &["queue.arrival_rate", "1e9/s"],
    );
    let flash = experiment("cdn-flash-crowd.toml");
    exits(
        d,
        &[
            "check",
            &flash,
            "--set",
            r#"cdn.flash_crowd=[{at="3min",duration="3min",rate="1e15/s"}]"#,
        ],
        2,
        &["cdn.flash_crowd[0].rate"],
    );
    let poll = experiment("push-poll-interval.toml");
    exits(
        d,
        &[
            "check",
            &poll,
            "--set",
            "push.short_poll.interval=1s",
            "--set",
            r#"push.producer.bursts=[{start="300s",duration="60s",rate="1e15/s"}]"#,
        ],
        2,
        &["push.producer.bursts[0].rate"],
    );
    exits(
        d,
        &["check", &poll, "--set", "push.short_poll.interval=1ns"],
        2,
        &["push.short_poll.interval", "at least 1ms"],
    );
    let regions = format!(
        "cdn.report_regions=[{}]",
        vec!["\"London\""; 10_000].join(",")
    );
    let quick = experiment("quickstart.toml");
    exits(
        d,
        &["check", &quick, "--set", &regions],
        2,
        &["cdn.report_regions[1]", "already listed"],
    );
}

#[test]
fn reads_are_bounded_by_the_bytes_read() {
    let temp = setup();
    let d = temp.path();
    exits(d, &["check", "/dev/zero"], 2, &["/dev/zero", "64 MiB"]);
    fs::write(
        d.join("w.toml"),
        "schema = 1\nname = \"w\"\nmodel = \"cdn\"\n[run]\nduration = \"10s\"\n\
         [cdn]\nrequest_rate = \"1k/s\"\nworld = \"/dev/zero\"\n",
    )
    .unwrap();
    exits(d, &["check", "w.toml"], 2, &["cdn.world", "64 MiB"]);
    exits(
        d,
        &[
            "replay",
            "/dev/zero",
            "--format",
            "oracleGeneral",
            "--model",
            "cdn",
            "--output-dir",
            "r",
        ],
        2,
        &["/dev/zero", "device"],
    );
}

/// A CDN file sweeping `cdn.request_rate` (`rates` values) and
/// `cdn.catalogue.objects` (`objects` values).
fn grid_file(rates: &[String], objects: &[String]) -> String {
    format!(
        "schema = 1\nname = \"many\"\nmodel = \"cdn\"\n[run]\nduration = \"10s\"\n\
         [cdn]\nrequest_rate = \"1k/s\"\n[cdn.catalogue]\nobjects = \"1k\"\n\
         [[sweep.param]]\npath = \"cdn.request_rate\"\nvalues = [{}]\n\
         [[sweep.param]]\npath = \"cdn.catalogue.objects\"\nvalues = [{}]\n",
        rates.join(","),
        objects.join(",")
    )
}

#[test]
fn check_of_a_million_points_checks_each_distinct_override_once() {
    let temp = setup();
    let d = temp.path();
    let rates: Vec<String> = (1..=1000).map(|i| format!("\"{i}/s\"")).collect();
    let objects: Vec<String> = (1..=1000).map(|i| format!("\"{}\"", 1000 + i)).collect();
    fs::write(d.join("many.toml"), grid_file(&rates, &objects)).unwrap();
    // 1000 x 1000: point 0, the 999 other values of each parameter and the
    // corner of the pair are checked, not 10^6 documents (39 s, 2.9 GB).
    let out = edgesim(d, &["check", "many.toml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains("1000000 point(s)"), "{text}");
    assert!(text.contains("checked 2000 distinct point(s)"), "{text}");
    // A bad value deep in the second list is still found and named.
    let mut bad = objects.clone();
    bad[997] = "\"many\"".into();
    fs::write(d.join("bad.toml"), grid_file(&rates, &bad)).unwrap();
    exits(
        d,
        &["check", "bad.toml"],
        2,
        &[
            "bad.toml:15:",
            "sweep value many for `cdn.catalogue.objects`",
        ],
    );
    // A small grid is checked point by point: a combination of values
    // each good alone (neither first nor last) is refused.
    let file = format!(
        "{QUEUE}\n[[sweep.param]]\npath = \"run.duration\"\nvalues = [\"2000s\", \"50s\", \"3000s\"]\n\
         [[sweep.param]]\npath = \"run.warmup\"\nvalues = [\"10s\", \"100s\", \"20s\"]\n"
    );
    fs::write(d.join("pair.toml"), file).unwrap();
    exits(d, &["check", "pair.toml"], 2, &["run.warmup"]);
}

#[test]
fn sweeps_that_would_be_silently_wrong_are_refused() {
    let temp = setup();
    let d = temp.path();
    for (path, values) in [
        ("run.replications", "[1, 3]"),
        ("sweep.mode", r#"["grid", "zip"]"#),
        ("sweep.param[0].values", "[[1], [2]]"),
    ] {
        let file = format!("{QUEUE}\n[[sweep.param]]\npath = \"{path}\"\nvalues = {values}\n");
        fs::write(d.join("s.toml"), file).unwrap();
        exits(d, &["check", "s.toml"], 2, &["sweep.param[0].path", path]);
        exits(d, &["run", "s.toml", "--out", "o"], 2, &[path]);
        assert!(!d.join("o").exists());
    }
}

#[test]
fn a_first_trace_line_is_a_header_only_when_it_reads_as_names() {
    let temp = setup();
    let d = temp.path();
    fs::write(d.join("neg.csv"), "-5,7,100\n1,2,3\n").unwrap();
    fs::write(d.join("nul.csv"), b"\0\0\0,\0,\0\n1,2,3\n").unwrap();
    fs::write(d.join("later.csv"), "1,2,3\n-5,7,100\n").unwrap();
    fs::write(d.join("hdr.csv"), "timestamp,obj_id,size\n1,2,3\n").unwrap();
    let replay = |file: &str| {
        vec![
            "replay".to_string(),
            file.to_string(),
            "--cache-size".into(),
            "1".into(),
            "--output-dir".into(),
            "r".into(),
            "--name".into(),
            file.replace('.', "-"),
        ]
    };
    exits(d, &args(&replay("neg.csv")), 2, &["neg.csv:1:1", "time"]);
    exits(
        d,
        &args(&replay("later.csv")),
        2,
        &["later.csv:2:1", "time"],
    );
    exits(d, &args(&replay("nul.csv")), 2, &["nul.csv:1"]);
    let ok = edgesim(d, &args(&replay("hdr.csv")));
    assert!(ok.status.success(), "{}", stderr(&ok));
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn sizes_cannot_wrap_the_byte_counters() {
    let temp = setup();
    let d = temp.path();
    for size in [u64::MAX, 1u64 << 63] {
        let text: String = (1..=5001).map(|i| format!("{i},{i},{size}\n")).collect();
        fs::write(d.join("big.csv"), text).unwrap();
        exits(
            d,
            &[
                "replay",
                "big.csv",
                "--cache-size",
                "1",
                "--output-dir",
                "r",
            ],
            2,
            &["big.csv:1:5", "size", "1 TiB"],
        );
    }
    // At the bound, 5001 requests count more bytes than 5000.
    let size = 1u64 << 40;
    let text: String = (1..=5001).map(|i| format!("{i},{i},{size}\n")).collect();
    fs::write(d.join("top.csv"), text).unwrap();
    let out = edgesim(
        d,
        &[
            "replay",
            "top.csv",
            "--cache-size",
            "1",
            "--json",
            "--output-dir",
            "r",
            "--name",
            "top",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let want = (5001u128 * size as u128).to_string();
    assert!(
        common::stdout(&out).contains(&want),
        "{}",
        common::stdout(&out)
    );
}

#[test]
fn replay_flags_are_named_not_the_generated_experiment() {
    let temp = setup();
    let d = temp.path();
    fs::write(d.join("t.csv"), "1,2,3\n2,3,4\n").unwrap();
    for (flag, value) in [
        ("--speed", "1e30"),
        ("--speed", "1e-30"),
        ("--warmup", "1000h"),
    ] {
        let err = exits(
            d,
            &[
                "replay",
                "t.csv",
                "--model",
                "cdn",
                flag,
                value,
                "--output-dir",
                "r",
                "--name",
                "x",
            ],
            2,
            &[&format!("key `{flag}`")],
        );
        assert!(!err.contains("experiment.toml"), "{err}");
    }
}

/// Runs `file` with `run.max_queued` lowered to 1000 and expects exit 1
/// naming the component, the bound and the keys in `needles`.
fn stops_at_max_queued(file: &str, needles: &[&str]) {
    let temp = setup();
    let d = temp.path();
    fs::write(d.join("x.toml"), file).unwrap();
    let args = [
        "run",
        "x.toml",
        "--out",
        "o",
        "--set",
        "run.max_queued=1000",
    ];
    let err = exits(d, &args, 1, needles);
    assert!(
        err.contains("1000") && err.contains("run.max_queued"),
        "{err}"
    );
    assert!(!d.join("o/manifest.json").exists());
}

#[test]
fn a_cdn_station_queue_stops_at_its_bound() {
    // No CDN: every request waits for the origin's one worker (100/s
    // against 20k/s).
    stops_at_max_queued(
        r#"schema = 1
name = "c"
model = "cdn"
[run]
duration = "60s"
[cdn]
mode = "no-cdn"
request_rate = "20k/s"
[cdn.origin]
workers = 1
service = { dist = "deterministic", value = "10ms" }
"#,
        &[
            "cdn origins:",
            "`cdn.origin.queue_limit`",
            "`cdn.origin.workers`",
        ],
    );
}

#[test]
fn kafka_partitions_stop_at_their_bound() {
    // One single-threaded processor takes 100 messages/s of 10k/s.
    stops_at_max_queued(
        r#"schema = 1
name = "k"
model = "push"
[run]
duration = "60s"
[push]
transport = "websocket"
clients = "10k"
[push.producer]
rate = "10k/s"
[push.processors]
replicas = 1
threads = 1
cpu = { dist = "deterministic", value = "10ms" }
"#,
        &["push kafka:", "`push.processors.replicas`"],
    );
}

#[test]
fn registry_nodes_stop_at_their_bound() {
    // 100k clients register at one node of 1 write/s.
    stops_at_max_queued(
        r#"schema = 1
name = "r"
model = "push"
[run]
duration = "200s"
[push]
transport = "websocket"
clients = "100k"
[push.registry]
store = "dynamodb"
nodes = 1
node_writes_per_s = "1/s"
"#,
        &["push registry:", "`push.registry.nodes`"],
    );
}

#[test]
fn an_endless_trace_through_a_pipe_ends_with_a_clear_exit() {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let temp = setup();
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args([
            "replay",
            "/dev/stdin",
            "--format",
            "csv",
            "--cache-size",
            "10",
        ])
        .current_dir(temp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One request line forever: its time never advances. The writer
    // stops when the reader is gone (a broken pipe).
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = "1,1,100\n".repeat(8192);
        while stdin.write_all(chunk.as_bytes()).is_ok() {}
    });
    let deadline = Instant::now() + Duration::from_secs(300);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("the replay of an endless stream did not end in 300 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    writer.join().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains("/dev/stdin") && err.contains("10000000"),
        "{err}"
    );
    assert!(err.contains("does not advance"), "{err}");
}
