//! Malformed inputs: each exits with code 2 and a message naming the file and
//! the line or key, never panics, and leaves nothing in the output folder.

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, stderr};

const GOOD: &str = r#"schema = 1
name = "bad"
model = "queue"

[run]
seed = 1
duration = "100s"
warmup = "10s"

[queue]
arrival_rate = "0.5/s"
servers = 1
service = { dist = "exponential", mean = "1s" }
"#;

/// Runs `edgesim run` on `content` written to `exp.toml` and checks the
/// contract; `needle` must appear in the message (a key or `exp.toml:LINE`).
fn rejects(content: &[u8], extra: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), content).unwrap();
    let mut args = vec!["run", "exp.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let out = edgesim(dir.path(), &args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, got {:?}: {err}",
        out.status.code()
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(err.contains("error:"), "no error line: {err}");
    assert!(
        err.contains(needle),
        "message does not name `{needle}`: {err}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "output folder written on bad input"
    );
    assert!(
        !dir.path().join("output").exists(),
        "output folder written on bad input"
    );
}

fn good_with(from: &str, to: &str) -> Vec<u8> {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1).into_bytes()
}

#[test]
fn the_good_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("out/results.csv").exists());
}

#[test]
fn syntax_error() {
    rejects(&good_with("[run]", "[run"), &[], "exp.toml:5");
}

#[test]
fn wrong_type() {
    rejects(
        &good_with("servers = 1", "servers = \"one\""),
        &[],
        "queue.servers",
    );
}

#[test]
fn unknown_key() {
    rejects(
        &good_with("seed = 1", "seed = 1\nsede = 2"),
        &[],
        "run.sede",
    );
}

#[test]
fn negative_rate() {
    rejects(
        &good_with("\"0.5/s\"", "\"-0.5/s\""),
        &[],
        "queue.arrival_rate",
    );
}

#[test]
fn zero_servers() {
    rejects(&good_with("servers = 1", "servers = 0"), &[], "exp.toml:12");
}

#[test]
fn warmup_not_shorter_than_duration() {
    rejects(
        &good_with("warmup = \"10s\"", "warmup = \"100s\""),
        &[],
        "run.warmup",
    );
}

#[test]
fn empty_sweep_list() {
    let text = format!("{GOOD}\n[[sweep.param]]\npath = \"queue.servers\"\nvalues = []\n");
    rejects(text.as_bytes(), &[], "sweep.param[0].values");
}

#[test]
fn unknown_model() {
    rejects(
        &good_with("model = \"queue\"", "model = \"qeueu\""),
        &[],
        "exp.toml:3",
    );
}

#[test]
fn sweep_path_that_does_not_exist() {
    let text = format!("{GOOD}\n[[sweep.param]]\npath = \"queue.servrs\"\nvalues = [1, 2]\n");
    rejects(text.as_bytes(), &[], "queue.servrs");
}

#[test]
fn nan_value() {
    rejects(&good_with("\"0.5/s\"", "nan"), &[], "queue.arrival_rate");
}

#[test]
fn infinite_value() {
    rejects(
        &good_with("mean = \"1s\"", "mean = inf"),
        &[],
        "queue.service",
    );
}

#[test]
fn absurd_size() {
    rejects(
        &good_with("servers = 1", "servers = 1000000000000"),
        &[],
        "queue.servers",
    );
    rejects(
        &good_with("duration = \"100s\"", "duration = \"1e30h\""),
        &[],
        "run.duration",
    );
}

#[test]
fn absurd_replications() {
    rejects(
        &good_with("seed = 1", "seed = 1\nreplications = 0"),
        &[],
        "run.replications",
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = edgesim(dir.path(), &["run", "nope.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("d.toml")).unwrap();
    let out = edgesim(dir.path(), &["run", "d.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("d.toml: is a directory"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn non_utf8_bytes() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n# \xff\xfe bad\n");
    rejects(&bytes, &[], "not valid UTF-8");
    rejects(&bytes, &[], "exp.toml:15");
}

#[test]
fn empty_file() {
    rejects(b"", &[], "exp.toml: is empty");
    rejects(b"\n  \n", &[], "exp.toml: is empty");
}

#[test]
fn missing_required_key() {
    rejects(
        &good_with("duration = \"100s\"\n", ""),
        &[],
        "missing field `duration`",
    );
}

#[test]
fn unknown_distribution() {
    rejects(
        &good_with("\"exponential\"", "\"exponentail\""),
        &[],
        "queue.service",
    );
}

#[test]
fn bad_set_override() {
    rejects(
        GOOD.as_bytes(),
        &["--set", "queue.servers=abc"],
        "queue.servers",
    );
    rejects(GOOD.as_bytes(), &["--set", "noequals"], "--set");
    rejects(GOOD.as_bytes(), &["--set", "queue.servers.x=1"], "--set");
}

#[test]
fn bad_thread_count() {
    rejects(GOOD.as_bytes(), &["--threads", "0"], "--threads");
    rejects(GOOD.as_bytes(), &["--threads", "many"], "--threads");
}

#[test]
fn bad_name_for_a_folder() {
    rejects(
        &good_with("name = \"bad\"", "name = \"../escape\""),
        &[],
        "exp.toml:2",
    );
}

#[test]
fn table_of_another_model() {
    let text = format!("{GOOD}\n[cdn]\nx = 1\n");
    rejects(text.as_bytes(), &[], "cdn");
}

#[test]
fn bad_sweep_range() {
    let text = format!(
        "{GOOD}\n[[sweep.param]]\npath = \"queue.servers\"\nrange = {{ from = 4, to = 1, step = 1 }}\n"
    );
    rejects(text.as_bytes(), &[], "sweep.param[0].range");
}

#[test]
fn output_path_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD).unwrap();
    fs::write(dir.path().join("taken"), "x").unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "taken"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("taken"));
    assert_eq!(fs::read_to_string(dir.path().join("taken")).unwrap(), "x");
    let _ = Path::new("unused");
}

#[test]
fn check_reports_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("exp.toml"),
        good_with("servers = 1", "servers = 0"),
    )
    .unwrap();
    let out = edgesim(dir.path(), &["check", "exp.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("queue.servers"));
}

const GOOD_PUSH: &str = r#"schema = 1
name = "bad-push"
model = "push"

[run]
seed = 1
duration = "60s"

[push]
transport = "websocket"
clients = 1000

[push.gateways]
count = 2

[push.connection]
lifetime = "1800s"
lifetime_jitter = "180s"

[push.producer]
rate = "100/s"

[push.kafka]
partitions = 12
"#;

fn push_with(from: &str, to: &str) -> Vec<u8> {
    assert!(GOOD_PUSH.contains(from), "{from}");
    GOOD_PUSH.replacen(from, to, 1).into_bytes()
}

#[test]
fn the_good_push_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD_PUSH).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn push_zero_gateways() {
    rejects(
        &push_with("count = 2", "count = 0"),
        &[],
        "push.gateways.count",
    );
}

#[test]
fn push_negative_rate() {
    rejects(
        &push_with("rate = \"100/s\"", "rate = \"-100/s\""),
        &[],
        "push.producer.rate",
    );
    rejects(
        &push_with("rate = \"100/s\"", "rate = -5"),
        &[],
        "exp.toml:21",
    );
}

#[test]
fn push_too_many_partitions() {
    rejects(
        &push_with("partitions = 12", "partitions = 20000"),
        &[],
        "push.kafka.partitions",
    );
}

#[test]
fn push_unknown_transport() {
    rejects(
        &push_with(
            "transport = \"websocket\"",
            "transport = \"carrier_pigeon\"",
        ),
        &[],
        "push.transport",
    );
}

#[test]
fn push_jitter_larger_than_lifetime() {
    rejects(
        &push_with("lifetime_jitter = \"180s\"", "lifetime_jitter = \"2h\""),
        &[],
        "push.connection.lifetime_jitter",
    );
}
