//! Client slots keep their instants in 48 bits of nanoseconds (78 hours,
//! `docs/push.md`, "State per client"): a push run with persistent
//! connections that would end beyond that, or a ping interval beyond it, is
//! refused up front with exit code 2 naming the key; runs inside it keep
//! their output bytes (`tests/output_bytes.rs`).

mod common;

use std::fs;

use common::{edgesim, stderr};

const PUSH: &str = r#"schema = 1
name = "slots"
model = "push"

[run]
seed = 1
duration = "100s"
warmup = "10s"

[push]
transport = "websocket"
clients = 1000
"#;

fn exit_2_naming(content: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), content).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "expected exit 2: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(
        err.contains(needle),
        "message does not name `{needle}`: {err}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "output written on bad input"
    );
}

#[test]
fn a_run_beyond_the_slots_range_is_refused() {
    exit_2_naming(&PUSH.replace("\"100s\"", "\"80h\""), "run.duration");
}

#[test]
fn a_ping_interval_beyond_the_slots_range_is_refused() {
    let content = format!("{PUSH}\n[push.connection]\nping_interval = \"100h\"\n");
    exit_2_naming(&content, "push.connection.ping_interval");
}

#[test]
fn a_run_inside_the_range_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), PUSH).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
}
