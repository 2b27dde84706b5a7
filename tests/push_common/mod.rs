//! Helpers shared by the push model's tests: parameters from TOML text,
//! one run through the library, metric lookup.
#![allow(dead_code)]

use edgesim::engine::SimTime;
use edgesim::models::push::{PushParams, check, run_push};
use edgesim::run::{RunContext, RunOutput};

/// Parses a `[push]` table body and checks it validates.
pub fn params(text: &str) -> PushParams {
    let p: PushParams = toml::from_str(text).expect("the test parameters parse");
    if let Err(problems) = check(&p) {
        panic!("test parameters do not validate: {problems:?}");
    }
    p
}

/// Runs one replication with `seed` over `duration_s` after `warmup_s`.
pub fn run(p: &PushParams, seed: u64, warmup_s: u64, duration_s: u64) -> RunOutput {
    run_ctx(p, context(seed, warmup_s, duration_s))
}

pub fn context(seed: u64, warmup_s: u64, duration_s: u64) -> RunContext {
    RunContext::new(
        seed,
        SimTime::from_secs(warmup_s),
        SimTime::from_secs(warmup_s + duration_s),
    )
}

pub fn run_ctx(p: &PushParams, ctx: RunContext) -> RunOutput {
    run_push(p, &ctx).expect("the run succeeds")
}

/// The value of metric `name`.
pub fn metric(out: &RunOutput, name: &str) -> f64 {
    out.get(name)
        .unwrap_or_else(|| panic!("no metric `{name}`"))
}

/// Asserts `actual` is within `rel` (relative) of `expected`.
pub fn assert_close(what: &str, actual: f64, expected: f64, rel: f64) {
    let err = (actual - expected).abs() / expected.abs();
    assert!(
        err <= rel,
        "{what}: got {actual}, expected {expected} within {:.2} % (off by {:.3} %)",
        rel * 100.0,
        err * 100.0
    );
}
