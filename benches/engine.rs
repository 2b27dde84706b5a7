//! The engine on M/M/1 (arrival rate 0.9, service rate 1.0), against a bare
//! `BinaryHeap` event loop on the same workload in the same run, so the ratio
//! is measured on one machine at one time. Also the full `queue` model
//! (station, histograms, time-weighted statistics) for reference, and the
//! `edgesim run` path: the same model loaded from an experiment file and run
//! by the runner (`experiment::runner::run_one`: default outputs, the
//! steady-state check), with and without time series.
//!
//! Run: `cargo bench --bench engine`. Figures: BENCHMARKS.md.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use edgesim::dist::DurationDist;
use edgesim::engine::{Model, RunWindow, Scheduler, SimRng, SimTime, Streams, run};
use edgesim::experiment::{Experiment, load_text, runner};
use edgesim::models::queue::{QueueParams, run_queue};
use edgesim::run::RunContext;
use edgesim::units::Rate;
use rand_distr::{Distribution, Exp1};

const LAMBDA: f64 = 0.9;
const MU: f64 = 1.0;
/// Simulated seconds per iteration: about 900,000 customers, 1.8 M events.
const HORIZON_S: u64 = 1_000_000;

fn exp_ns(rng: &mut SimRng, rate: f64) -> u64 {
    let e: f64 = Exp1.sample(rng);
    (e / rate * 1e9) as u64
}

/// The baseline: a hand-written loop over `BinaryHeap<Reverse<(time, seq, target, kind)>>`
/// (32-byte entries), the practical single-core ceiling for this workload.
fn bare_heap(seed: u64) -> (u64, f64) {
    let streams = Streams::new(seed);
    let mut arrivals = streams.stream("arrivals", 0);
    let mut service = streams.stream("service", 0);
    let horizon = HORIZON_S * 1_000_000_000;
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut busy = false;
    let (mut events, mut served, mut sum_ns) = (0u64, 0u64, 0u128);
    heap.push(Reverse((exp_ns(&mut arrivals, LAMBDA), seq, 0, 0)));
    seq += 1;
    while let Some(Reverse((now, _, _, kind))) = heap.pop() {
        if now >= horizon {
            break;
        }
        events += 1;
        if kind == 0 {
            heap.push(Reverse((now + exp_ns(&mut arrivals, LAMBDA), seq, 0, 0)));
            seq += 1;
            queue.push_back(now);
            if !busy {
                busy = true;
                heap.push(Reverse((now + exp_ns(&mut service, MU), seq, 0, 1)));
                seq += 1;
            }
        } else {
            let arrived = queue.pop_front().expect("a job is in service");
            served += 1;
            sum_ns += (now - arrived) as u128;
            if queue.is_empty() {
                busy = false;
            } else {
                heap.push(Reverse((now + exp_ns(&mut service, MU), seq, 0, 1)));
                seq += 1;
            }
        }
    }
    (events, sum_ns as f64 / served as f64 / 1e9)
}

/// The same workload as an engine model.
struct Mm1 {
    arrivals: SimRng,
    service: SimRng,
    queue: VecDeque<SimTime>,
    busy: bool,
    served: u64,
    sum_ns: u128,
}

#[derive(Copy, Clone)]
enum Ev {
    Arrival,
    Departure,
}

impl Model for Mm1 {
    type Event = Ev;

    fn start(&mut self, s: &mut Scheduler<Ev>) {
        let gap = exp_ns(&mut self.arrivals, LAMBDA);
        s.schedule_at(SimTime::from_nanos(gap), Ev::Arrival);
    }

    #[inline]
    fn handle(&mut self, event: Ev, s: &mut Scheduler<Ev>) {
        let now = s.now();
        match event {
            Ev::Arrival => {
                let gap = exp_ns(&mut self.arrivals, LAMBDA);
                s.schedule_in(SimTime::from_nanos(gap), Ev::Arrival);
                self.queue.push_back(now);
                if !self.busy {
                    self.busy = true;
                    let d = exp_ns(&mut self.service, MU);
                    s.schedule_in(SimTime::from_nanos(d), Ev::Departure);
                }
            }
            Ev::Departure => {
                let arrived = self.queue.pop_front().expect("a job is in service");
                self.served += 1;
                self.sum_ns += (now - arrived).as_nanos() as u128;
                if self.queue.is_empty() {
                    self.busy = false;
                } else {
                    let d = exp_ns(&mut self.service, MU);
                    s.schedule_in(SimTime::from_nanos(d), Ev::Departure);
                }
            }
        }
    }

    fn end_warmup(&mut self, _: SimTime) {
        self.served = 0;
        self.sum_ns = 0;
    }
}

fn engine(seed: u64) -> (u64, f64) {
    let streams = Streams::new(seed);
    let mut model = Mm1 {
        arrivals: streams.stream("arrivals", 0),
        service: streams.stream("service", 0),
        queue: VecDeque::new(),
        busy: false,
        served: 0,
        sum_ns: 0,
    };
    let report = run(
        &mut model,
        RunWindow {
            warmup: SimTime::ZERO,
            horizon: SimTime::from_secs(HORIZON_S),
            max_events: u64::MAX,
            max_pending: u64::MAX,
            max_queued: u64::MAX,
        },
    );
    (
        report.events,
        model.sum_ns as f64 / model.served as f64 / 1e9,
    )
}

fn queue_model(seed: u64) -> u64 {
    let params = QueueParams {
        arrival_rate: Rate(LAMBDA),
        servers: 1,
        service: DurationDist::exponential_mean(SimTime::from_secs(1)),
        queue_limit: None,
        profile: None,
    };
    let ctx = RunContext::new(seed, SimTime::ZERO, SimTime::from_secs(HORIZON_S));
    run_queue(&params, &ctx).expect("valid parameters").events
}

/// The experiment `edgesim run` would load for this workload: the bench's
/// horizon, a warm-up, default outputs (time series, histograms, the
/// steady-state check), with `sets` applied as `--set` would.
const RUN_PATH_TOML: &str = r#"
schema = 1
name = "bench-mm1"
description = "M/M/1 at rho = 0.9 through the runner"
model = "queue"

[run]
seed = 1
replications = 1
duration = "1000000s"
warmup = "5000s"

[queue]
arrival_rate = "0.9/s"
servers = 1
service = { dist = "exponential", rate = "1/s" }
"#;

fn run_path_experiment(sets: &[&str]) -> Experiment {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    load_text(std::path::Path::new("bench-mm1.toml"), RUN_PATH_TOML, &sets)
        .expect("the bench experiment is valid")
}

/// One run of the plan exactly as `edgesim run --threads 1` makes it
/// (the run store's file writing left out); its events.
fn run_path(exp: &Experiment) -> u64 {
    let plan = exp.plan()[0];
    let record = runner::run_one(exp, &plan, None).expect("the run succeeds");
    record.output.events
}

/// The two run-path variants as functions of their own, so that a profile
/// (`valgrind --tool=callgrind ... --bench --test`) tells them apart.
#[inline(never)]
fn run_path_series(exp: &Experiment) -> u64 {
    run_path(exp)
}

#[inline(never)]
fn run_path_no_series(exp: &Experiment) -> u64 {
    run_path(exp)
}

fn mm1(c: &mut Criterion) {
    let (events, w_heap) = bare_heap(1);
    let (events_engine, w_engine) = engine(1);
    // Same streams, same workload: the two loops must agree exactly.
    assert_eq!(events, events_engine);
    assert_eq!(w_heap, w_engine);
    let mut group = c.benchmark_group("mm1");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    group.bench_function("bare_binary_heap", |b| b.iter(|| bare_heap(1)));
    group.bench_function("edgesim_engine", |b| b.iter(|| engine(1)));
    group.throughput(Throughput::Elements(queue_model(1)));
    group.bench_function("edgesim_queue_model", |b| b.iter(|| queue_model(1)));
    let with_series = run_path_experiment(&[]);
    let without_series = run_path_experiment(&["output.timeseries=false"]);
    group.throughput(Throughput::Elements(run_path(&with_series)));
    group.bench_function("edgesim_run_path", |b| {
        b.iter(|| run_path_series(&with_series))
    });
    group.throughput(Throughput::Elements(run_path(&without_series)));
    group.bench_function("edgesim_run_path_no_series", |b| {
        b.iter(|| run_path_no_series(&without_series))
    });
    group.finish();
}

criterion_group!(benches, mm1);
criterion_main!(benches);
