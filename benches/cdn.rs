//! The full CDN model (client -> anycast to a PoP -> cache server ->
//! origin on a miss) in requests simulated per second of wall time, on one
//! core. Building the model (world, routing tables, catalogue) is set-up and
//! not timed; the run is.
//!
//! Run: `cargo bench --bench cdn`. Figures: docs/cdn.md.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use edgesim::cache::PolicyKind;
use edgesim::cdn::params::PolicyName;
use edgesim::cdn::{CdnModel, CdnParams, Mode, setup};
use edgesim::engine::{RunWindow, SimTime, run};
use edgesim::model::RunContext;
use edgesim::units::{Count, Rate};

/// Simulated requests per second over the shipped world (39 PoPs, 116 regions).
const RATE_PER_S: f64 = 50_000.0;
/// Simulated seconds per iteration: about 2 M requests.
const HORIZON_S: u64 = 40;

fn params(mode: Mode, shield: bool, policy: PolicyKind) -> CdnParams {
    let mut p = CdnParams {
        mode,
        request_rate: Rate(RATE_PER_S),
        ..CdnParams::default()
    };
    p.catalogue.objects = Count(20_000);
    p.origin.workers = 8_250;
    p.shield.enabled = shield;
    p.cache.policy = PolicyName(policy);
    p
}

fn context() -> RunContext {
    RunContext::new(7, SimTime::ZERO, SimTime::from_secs(HORIZON_S))
}

fn build(p: &CdnParams) -> CdnModel {
    setup::build(p, &context()).expect("benchmark parameters are valid")
}

/// Runs once and returns (requests, events, hit ratio).
fn simulate(model: &mut CdnModel) -> (u64, u64, f64) {
    let window = RunWindow {
        warmup: SimTime::ZERO,
        horizon: SimTime::from_secs(HORIZON_S),
        max_events: u64::MAX,
    };
    let report = run(model, window);
    let requests = model.stats.requests + model.stats.failed;
    let hit_ratio = model.stats.hits as f64 / model.stats.requests.max(1) as f64;
    (requests, report.events, hit_ratio)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cdn");
    group.sample_size(10);
    for (name, mode, shield, policy) in [
        ("pull_anycast", Mode::Pull, false, PolicyKind::Lru),
        ("pull_anycast_sieve", Mode::Pull, false, PolicyKind::Sieve),
        ("pull_anycast_shield", Mode::Pull, true, PolicyKind::Lru),
        ("no_cdn", Mode::NoCdn, false, PolicyKind::Lru),
    ] {
        let p = params(mode, shield, policy);
        let (requests, events, hit_ratio) = simulate(&mut build(&p));
        eprintln!(
            "{name}: {requests} requests, {events} events ({:.2} per request), hit ratio {hit_ratio:.3}",
            events as f64 / requests as f64
        );
        group.throughput(Throughput::Elements(requests));
        group.bench_function(name, |b| {
            b.iter_batched(
                || build(&p),
                |mut model| simulate(&mut model),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
