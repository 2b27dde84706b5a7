//! Helpers shared by the integration tests: run the `edgesim` binary.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// Runs `edgesim` with `args` in folder `dir`.
pub fn edgesim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the edgesim binary runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The project root (where `experiments/` is).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A small queue experiment with a sweep, fast enough for any test.
pub const SMALL_QUEUE: &str = r#"
schema = 1
name = "small"
model = "queue"

[run]
seed = 7
replications = 3
duration = "2000s"
warmup = "100s"

[queue]
arrival_rate = "0.8/s"
service = { dist = "exponential", mean = "1s" }

[[sweep.param]]
path = "queue.servers"
values = [1, 2]

[[sweep.param]]
path = "queue.arrival_rate"
values = ["0.5/s", "0.8/s"]
"#;
