//! The AWS backoff-and-jitter experiment (REFERENCES §2): at 100 contending
//! clients, 100 runs per strategy, full jitter makes at least 50% fewer write
//! calls than exponential backoff without jitter, and the rankings of the
//! blog post hold: calls full ≈ equal < decorrelated < exponential < none;
//! time none < decorrelated ≈ full < equal ≪ exponential.

mod common;

use edgesim::engine::SimTime;
use edgesim::engine::rng::mix2;
use edgesim::models::occ::{OccParams, STRATEGIES, run_occ};
use edgesim::run::RunContext;
use edgesim::stats::summarize;
use edgesim::units::{Count, Duration};

fn mean_of(strategy: &str, clients: u64, metric: &str) -> f64 {
    let params = OccParams {
        clients: Count(clients),
        strategy: strategy.into(),
        base: Duration(SimTime::from_millis(5)),
        cap: Duration(SimTime::from_millis(2000)),
        hop_mean: Duration(SimTime::from_millis(10)),
        hop_sd: Duration(SimTime::from_millis(2)),
        profile: None,
    };
    let values: Vec<f64> = (0..100)
        .map(|r| {
            let ctx = RunContext::new(mix2(2015, r), SimTime::ZERO, SimTime::from_secs(3600));
            let out = run_occ(&params, &ctx).unwrap();
            assert_eq!(
                out.get("unfinished_clients"),
                Some(0.0),
                "every client finishes"
            );
            out.get(metric).unwrap()
        })
        .collect();
    summarize(&values).mean
}

#[test]
fn jitter_halves_the_calls_and_rankings_hold() {
    let calls: Vec<f64> = STRATEGIES
        .iter()
        .map(|s| mean_of(s, 100, "calls"))
        .collect();
    let time: Vec<f64> = STRATEGIES
        .iter()
        .map(|s| mean_of(s, 100, "completion_time_ms"))
        .collect();
    let [none, expo, decorr, equal, full] = [0, 1, 2, 3, 4];
    println!("calls {calls:?}\ntime {time:?}");
    assert!(
        calls[full] <= 0.5 * calls[expo],
        "full jitter {} vs exponential {}",
        calls[full],
        calls[expo]
    );
    // Calls: full ≈ equal < decorrelated < exponential < none.
    assert!((calls[full] - calls[equal]).abs() / calls[full] < 0.1);
    assert!(calls[full] < calls[decorr] && calls[equal] < calls[decorr]);
    assert!(calls[decorr] < calls[expo] && calls[expo] < calls[none]);
    // Time: none < decorrelated ≈ full < equal ≪ exponential.
    assert!(time[none] < time[decorr] && time[none] < time[full]);
    assert!((time[decorr] - time[full]).abs() / time[full] < 0.15);
    assert!(time[full] < time[equal] && time[decorr] < time[equal]);
    assert!(time[expo] > 5.0 * time[equal]);
}

#[test]
fn without_backoff_work_grows_like_n_squared() {
    let small = mean_of("none", 20, "calls");
    let large = mean_of("none", 80, "calls");
    // Four times the clients: about sixteen times the calls (N^2), clearly
    // more than linear.
    assert!(large / small > 10.0, "{small} -> {large}");
}

#[test]
fn the_experiment_file_runs_at_reduced_size() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::root().join("experiments/aws-backoff.toml");
    let out = common::edgesim(
        dir.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            "o",
            "--set",
            "run.replications=3",
            "--set",
            "sweep.param[1].range={ from = 10, to = 30, step = 10 }",
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let results = std::fs::read_to_string(dir.path().join("o/results.csv")).unwrap();
    assert_eq!(results.lines().count(), 1 + 5 * 3 * 3);
}
