//! The full CDN model (client -> anycast to a PoP -> cache server ->
//! origin on a miss) in requests simulated per second of wall time, on one
//! core. Preparing the point (checks, world) once and building the model of
//! each run (routing tables, catalogue) are set-up and not timed; the run is. The `_warm` variants first run `WARM_S` untimed
//! simulated seconds, so the timed 40 s see caches in their steady state
//! rather than filling from cold.
//!
//! Run: `cargo bench --bench cdn`. Figures: docs/cdn.md. Every variant
//! first runs once untimed (to print its events and hit ratio), even when a
//! criterion filter skips it; `EDGESIM_CDN_VARIANTS=a,b` (exact names) keeps
//! only those variants, for profiling one run of one variant
//! (`EDGESIM_CDN_VARIANTS=pull_anycast ... --bench nomatch`).

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use edgesim::cache::PolicyKind;
use edgesim::engine::{RunWindow, Scheduler, SimTime, run_on, run_with};
use edgesim::experiment::prepare::prepare_cdn;
use edgesim::models::cdn::params::PolicyName;
use edgesim::models::cdn::{CdnModel, CdnParams, CdnPoint, Mode, setup};
use edgesim::run::{RunContext, RunIo};
use edgesim::units::{Count, Rate};

/// Simulated requests per second over the shipped world (39 PoPs, 116 regions).
const RATE_PER_S: f64 = 50_000.0;
/// Simulated seconds per iteration: about 2 M requests.
const HORIZON_S: u64 = 40;
/// Untimed simulated seconds before the timed ones of a `_warm` variant.
const WARM_S: u64 = 120;

fn params(v: &Variant) -> CdnParams {
    let mut p = CdnParams {
        mode: v.mode,
        request_rate: Rate(RATE_PER_S),
        ..CdnParams::default()
    };
    p.catalogue.objects = Count(v.objects);
    p.cache.servers = v.servers;
    p.origin.workers = 8_250;
    p.shield.enabled = v.shield;
    p.cache.policy = PolicyName(v.policy);
    p
}

/// One benchmarked configuration.
#[derive(Copy, Clone)]
struct Variant {
    name: &'static str,
    mode: Mode,
    shield: bool,
    policy: PolicyKind,
    objects: u64,
    servers: u32,
    /// Untimed simulated seconds first (0: from cold caches).
    warm_s: u64,
}

/// A model with its first `warm_s` simulated seconds run, and the
/// scheduler to continue it with; the counters at that point.
struct Started {
    model: CdnModel,
    scheduler: Scheduler<<CdnModel as edgesim::engine::Model>::Event>,
    /// The end of the timed seconds.
    until: SimTime,
    requests: u64,
    hits: u64,
    served: u64,
}

fn start(point: &CdnPoint, warm_s: u64) -> Started {
    let ctx = RunContext::new(7, SimTime::ZERO, SimTime::from_secs(warm_s + HORIZON_S));
    let mut model =
        setup::build(point, &ctx, RunIo::default()).expect("benchmark parameters are valid");
    let mut scheduler = Scheduler::new();
    let window = RunWindow {
        warmup: SimTime::ZERO,
        horizon: SimTime::from_secs(warm_s),
        max_events: u64::MAX,
        max_pending: u64::MAX,
        max_queued: u64::MAX,
    };
    run_with(&mut model, &mut scheduler, window);
    let (requests, hits, served) = counts(&model);
    Started {
        model,
        scheduler,
        until: SimTime::from_secs(warm_s + HORIZON_S),
        requests,
        hits,
        served,
    }
}

/// (requests, hits, requests served) so far.
fn counts(model: &CdnModel) -> (u64, u64, u64) {
    let s = &model.stats;
    (s.requests + s.failed, s.hits, s.requests)
}

/// Runs the timed seconds; returns (requests, events, hit ratio) of them.
fn simulate(mut run: Started) -> (u64, u64, f64) {
    let report = run_on(&mut run.model, &mut run.scheduler, run.until, u64::MAX);
    let (requests, hits, served) = counts(&run.model);
    let hit_ratio = (hits - run.hits) as f64 / (served - run.served).max(1) as f64;
    (requests - run.requests, report.events, hit_ratio)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cdn");
    group.sample_size(10);
    let base = Variant {
        name: "pull_anycast",
        mode: Mode::Pull,
        shield: false,
        policy: PolicyKind::Lru,
        objects: 20_000,
        servers: 4,
        warm_s: 0,
    };
    let variants = [
        Variant {
            name: "pull_anycast_2k_objects",
            objects: 2_000,
            ..base
        },
        Variant {
            name: "pull_anycast_2k_objects_warm",
            objects: 2_000,
            warm_s: WARM_S,
            ..base
        },
        base,
        Variant {
            name: "pull_anycast_warm",
            warm_s: WARM_S,
            ..base
        },
        Variant {
            name: "pull_anycast_200k_objects",
            objects: 200_000,
            ..base
        },
        Variant {
            name: "pull_anycast_1_server_per_pop",
            servers: 1,
            ..base
        },
        Variant {
            name: "pull_anycast_sieve",
            policy: PolicyKind::Sieve,
            ..base
        },
        Variant {
            name: "pull_anycast_shield",
            shield: true,
            ..base
        },
        Variant {
            name: "no_cdn",
            mode: Mode::NoCdn,
            ..base
        },
    ];
    let only = std::env::var("EDGESIM_CDN_VARIANTS").ok();
    let wanted = |name: &str| {
        only.as_ref()
            .is_none_or(|o| o.split(',').any(|w| w == name))
    };
    for v in variants.iter().filter(|v| wanted(v.name)) {
        let name = v.name;
        let p = prepare_cdn(&params(v)).expect("benchmark parameters are valid");
        let (requests, events, hit_ratio) = simulate(start(&p, v.warm_s));
        eprintln!(
            "{name}: {requests} requests, {events} events ({:.2} per request), hit ratio {hit_ratio:.3}",
            events as f64 / requests as f64
        );
        group.throughput(Throughput::Elements(requests));
        group.bench_function(name, |b| {
            b.iter_batched(|| start(&p, v.warm_s), simulate, BatchSize::PerIteration)
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
