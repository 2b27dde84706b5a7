//! End-of-run invariants of the CDN model, over several seeds and designs
//! that exercise every path (evictions, forwarding, refusals, a PoP
//! failure, the shield, push, no CDN, video and a flash crowd): every
//! request that ended was a hit, a miss or a failure, overall and at each
//! PoP, no cache holds more bytes than its capacity, and no station or
//! PoP is busy more than its capacity (utilisation at most 1, overall and
//! in every time bin), checked here with busy servers that refuse and
//! forward.

use edgesim::engine::{SimTime, run};
use edgesim::experiment::prepare::prepare_cdn;
use edgesim::models::cdn::{CdnParams, setup};
use edgesim::run::{RunContext, RunIo};

/// Small caches, busy servers and a failing PoP over a few European PoPs.
const BASE: &str = r#"
pops = ["Frankfurt am Main", "London", "Paris", "Amsterdam"]
regions = ["Berlin", "London", "Paris", "Madrid"]
request_rate = "3k/s"
clients_per_region = 20
[cache]
capacity = "20MB"
workers = 1
service = { dist = "exponential", mean = "3ms" }
queue_limit = 5
[overload]
forward_wait = "2ms"
[catalogue]
objects = "5k"
cache_control = "max-age=20, stale-while-revalidate=5"
[[failure]]
pop = "Paris"
at = "10s"
duration = "8s"
withdraw_after = "2s"
"#;

/// The designs: the base, and each variant applied to it as TOML.
const DESIGNS: [(&str, &str); 5] = [
    ("pull", ""),
    (
        "shield",
        "[shield]\nenabled = true\ncapacity = \"40MB\"\npolicy = \"lfu\"",
    ),
    (
        "least-loaded",
        "[cache]\nserver_choice = \"least-loaded\"\npolicy = \"s3fifo\"",
    ),
    (
        "push",
        "mode = \"push\"\n[catalogue]\npublish_rate = \"5/s\"",
    ),
    (
        "video-flash",
        "[video]\nsession_rate = \"2/s\"\n[[flash_crowd]]\nat = \"5s\"\nduration = \"10s\"\nrate = \"500/s\"",
    ),
];

/// The base with `variant`'s tables merged over it.
fn params(variant: &str) -> CdnParams {
    let mut base: toml::Table = toml::from_str(BASE).unwrap();
    let over: toml::Table = toml::from_str(variant).unwrap();
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(table)), toml::Value::Table(extra)) => table.extend(extra),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
    base.try_into().unwrap()
}

#[test]
fn counts_add_up_and_caches_stay_within_capacity_over_seeds() {
    let mut designs: Vec<(&str, CdnParams)> =
        DESIGNS.iter().map(|(n, v)| (*n, params(v))).collect();
    let mut no_cdn = params("");
    no_cdn.mode = edgesim::models::cdn::Mode::NoCdn;
    no_cdn.failure.clear();
    designs.push(("no-cdn", no_cdn));
    for (name, p) in &designs {
        let point = prepare_cdn(p).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        for seed in 1..=4 {
            let mut ctx = RunContext::new(seed, SimTime::from_secs(3), SimTime::from_secs(30));
            ctx.series_step = Some(SimTime::from_millis(500));
            let mut model = setup::build(&point, &ctx, RunIo::default()).unwrap();
            let end = run(&mut model, ctx.window).end;
            model
                .check_invariants(end)
                .unwrap_or_else(|e| panic!("{name}, seed {seed}: {e}"));
            let st = &model.stats;
            assert!(
                st.requests > 1_000,
                "{name}, seed {seed}: {} served",
                st.requests
            );
            if *name == "pull" {
                let (failed, forwarded) = (st.failed, st.forwarded);
                assert!(
                    failed > 0 && forwarded > 0,
                    "{failed} failed, {forwarded} forwarded"
                );
            }
        }
    }
}

/// A PoP offered several times its capacity: its utilisation comes out
/// near 1 and never above it, where counting the service handed to queued
/// requests (the old measure) gave more than 1.
#[test]
fn utilisation_of_an_overloaded_pop_is_busy_time_over_capacity() {
    let mut p = params("[overload]\nforward_wait = \"10s\"\n[cache]\nqueue_limit = 2000");
    p.failure.clear();
    p.pops = Some(vec!["London".into()]);
    let point = prepare_cdn(&p).unwrap();
    let mut ctx = RunContext::new(1, SimTime::from_secs(2), SimTime::from_secs(12));
    ctx.series_step = Some(SimTime::from_millis(250));
    let mut model = setup::build(&point, &ctx, RunIo::default()).unwrap();
    let end = run(&mut model, ctx.window).end;
    model.check_invariants(end).unwrap();
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    let out = model.output(end, measured_s, &[]);
    let metric = |name: &str| out.metrics.iter().find(|m| m.name == name).unwrap().value;
    let u = metric("pop.london.utilisation");
    assert!(u > 0.97 && u <= 1.0, "utilisation {u}");
    let series = out
        .series
        .iter()
        .find(|s| s.name == "pop_utilisation")
        .unwrap();
    let peak = series.values.iter().cloned().fold(0.0, f64::max);
    assert!(peak > 0.99 && peak <= 1.0 + 1e-9, "peak bin {peak}");
}
