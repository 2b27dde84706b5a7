//! Parallel sweeps: the same experiment (8 runs of the `queue` model, about
//! 1.8 M events each) on 1 and on 2 threads, measured in one benchmark run
//! so that the speed-up is a ratio of figures taken on one machine at one
//! time. Criterion measures the runner; a paired measurement at the end
//! also times the whole `run` (run records, CSVs, charts, report) and prints
//! both speed-ups.
//!
//! Run: `cargo bench --bench sweep` on a quiet machine (the ratio needs
//! both cores free). Figures: docs/scale-out.md.

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group};
use edgesim::batch::{BatchOptions, run_into};
use edgesim::experiment::runner::{RunnerOptions, execute};
use edgesim::experiment::{Experiment, load};

/// Two points, four replications: eight runs of equal cost, so two threads
/// can split them evenly.
const EXPERIMENT: &str = r#"
schema = 1
name = "sweep-bench"
model = "queue"

[run]
seed = 11
replications = 4
duration = "1000000s"
warmup = "1000s"

[queue]
arrival_rate = "0.9/s"
service = { dist = "exponential", mean = "1s" }

[[sweep.param]]
path = "queue.servers"
values = [1, 2]

[output]
timeseries_step = "1h"
"#;

fn experiment(dir: &Path) -> Experiment {
    let file = dir.join("sweep-bench.toml");
    std::fs::write(&file, EXPERIMENT).expect("the temporary folder is writable");
    load(&file, &[]).expect("the benchmark experiment is valid")
}

fn sweep(exp: &Experiment, threads: usize) -> u64 {
    let options = RunnerOptions {
        threads,
        progress: false,
        record: None,
    };
    let records = execute(exp, &exp.plan(), &options).expect("the runs succeed");
    records.iter().map(|r| r.output.events).sum()
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exp = experiment(dir.path());
    let events = sweep(&exp, 1);
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    // Short, so that a quiet spell of a shared machine covers the whole run.
    group.warm_up_time(Duration::from_secs(2));
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(events));
    for threads in [1, 2] {
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| sweep(&exp, threads))
        });
    }
    group.finish();
}

criterion_group!(sweep_benches, benches);

/// Median wall seconds of `f` over `rounds`, each configuration timed in
/// turn so that slow drifts of the machine hit both alike.
fn paired(rounds: usize, mut f: impl FnMut(usize)) -> (f64, f64) {
    let mut times = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (slot, threads) in [(0, 1), (1, 2)] {
            let started = Instant::now();
            f(threads);
            times[slot].push(started.elapsed().as_secs_f64());
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut times[0]), median(&mut times[1]))
}

fn whole_run(exp: &Experiment, out: &Path, threads: usize) {
    let options = BatchOptions {
        dir: out.join(format!("t{threads}")),
        threads,
        shard: None,
        resume: false,
        progress: false,
        record: None,
    };
    run_into(exp, &options).expect("the sweep succeeds");
}

fn main() {
    sweep_benches();
    Criterion::default().configure_from_args().final_summary();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let exp = experiment(dir.path());
    let (one, two) = paired(5, |threads| {
        sweep(&exp, threads);
    });
    println!(
        "runner: 1 thread {one:.3} s, 2 threads {two:.3} s, speed-up {:.2}x",
        one / two
    );
    let (one, two) = paired(5, |threads| whole_run(&exp, dir.path(), threads));
    println!(
        "whole run (records, CSVs, charts, report): 1 thread {one:.3} s, 2 threads {two:.3} s, speed-up {:.2}x",
        one / two
    );
}
