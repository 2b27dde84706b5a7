//! Purge: a purge of a hot object reaches each PoP after its propagation
//! delay; from then on the next request there misses (one origin fetch per
//! PoP, collapsing and consistent hashing keeping it to one), and not
//! before. Bad purges exit 2 naming their key.

mod common;

use std::fs;

use common::{edgesim, stderr};
use edgesim::engine::{SimTime, run};
use edgesim::experiment::prepare::{prepare_cdn, run_cdn};
use edgesim::models::cdn::{CdnParams, setup};
use edgesim::run::{RunContext, RunIo};

const POPS: u64 = 4;

/// Four PoPs, a hot object at rank 0 (about 3 % of 2k requests/s), cached
/// an hour, purged at 60 s with a propagation delay of `delay`.
fn params(delay: &str, extra: &str) -> CdnParams {
    toml::from_str(&format!(
        r#"
request_rate = "2k/s"
pops = ["London", "Paris", "Frankfurt am Main", "Amsterdam"]
regions = ["London", "Paris", "Berlin", "Amsterdam"]
[catalogue]
objects = "10k"
cache_control = "max-age=3600"
[[purge]]
at = "60s"
rank = 0
delay = "{delay}"
{extra}
"#
    ))
    .unwrap()
}

/// Origin fetches of the rank-0 object from the start to `until`.
fn hot_fetches(p: &CdnParams, seed: u64, until: SimTime) -> u64 {
    let point = prepare_cdn(p).unwrap();
    let ctx = RunContext::new(seed, SimTime::from_secs(1), until);
    let io = RunIo {
        trace: None,
        record: None,
    };
    let mut model = setup::build(&point, &ctx, io).unwrap();
    let hot = model.catalogue.object_at_rank(0);
    model.watch(hot);
    run(&mut model, ctx.window);
    model.watched_fetches(hot)
}

#[test]
fn a_purged_hot_object_misses_at_every_pop_after_the_delay_and_not_before() {
    for (seed, delay) in [(1, 150), (2, 150), (3, 2_000)] {
        let p = params(&format!("{delay}ms"), "");
        let purge_lands = SimTime::from_secs(60) + SimTime::from_millis(delay);
        // One cold fetch per PoP, then nothing until the purge lands.
        let before = hot_fetches(&p, seed, purge_lands - SimTime::from_millis(1));
        assert_eq!(before, POPS, "seed {seed}, before the purge lands");
        // Within 2 s after, every PoP has missed once more (one fetch each).
        let after = hot_fetches(&p, seed, purge_lands + SimTime::from_secs(2));
        assert_eq!(after, 2 * POPS, "seed {seed}, after the purge lands");
    }
}

#[test]
fn jitter_spreads_the_arrivals_and_soft_purges_revalidate() {
    let p = params("150ms", "jitter = \"1s\"\nsoft = true");
    let ctx = RunContext::new(4, SimTime::from_secs(30), SimTime::from_secs(120));
    let out = run_cdn(&p, &ctx).unwrap();
    let get = |m: &str| out.get(m).unwrap_or_else(|| panic!("no {m}"));
    assert_eq!(get("purge.count"), 1.0);
    // One copy per PoP (consistent hashing: one server each).
    assert_eq!(get("purge.objects_removed"), POPS as f64);
    let p99 = get("purge.propagation_ms_p99");
    assert!((150.0..=1_151.0).contains(&p99), "{p99}");
    // A soft purge keeps the copy: the next request revalidates it (304).
    assert!(get("origin_revalidations") >= POPS as f64);
}

#[test]
fn purging_a_prefix_of_hot_objects_spikes_the_origin() {
    let mut p = params("150ms", "");
    p.purge[0].rank = None;
    p.purge[0].ranks = Some([0, 1_000]);
    let ctx = RunContext::new(5, SimTime::from_secs(30), SimTime::from_secs(120));
    let out = run_cdn(&p, &ctx).unwrap();
    let get = |m: &str| out.get(m).unwrap_or_else(|| panic!("no {m}"));
    let (before, after) = (
        get("purge.origin_requests_10s_before"),
        get("purge.origin_requests_10s_after"),
    );
    assert!(after > 2.0 * before, "{before} before, {after} after");
    assert!(get("purge.objects_removed") > 1_000.0);
}

const GOOD: &str = r#"schema = 1
name = "purge"
model = "cdn"

[run]
seed = 1
duration = "60s"
warmup = "10s"

[cdn]
request_rate = "100/s"
pops = ["London"]
regions = ["London"]

[[cdn.purge]]
"#;

fn rejects(extra: &str, needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), format!("{GOOD}{extra}")).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains(needle), "`{needle}` not named: {err}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn bad_purges_exit_2_naming_the_key() {
    rejects("at = \"60s\"\nrank = 0\n", "cdn.purge[0].at");
    rejects("at = \"2min\"\nrank = 0\n", "cdn.purge[0].at");
    rejects("at = \"-5s\"\nrank = 0\n", "at");
    rejects("at = \"5s\"\n", "purge[0].rank");
    rejects("at = \"5s\"\nrank = 0\nclass = 0\n", "purge[0].rank");
    rejects("at = \"5s\"\nrank = 100000000\n", "purge[0].rank");
    rejects("at = \"5s\"\nranks = [10, 5]\n", "purge[0].ranks");
    rejects("at = \"5s\"\nclass = 3\n", "purge[0].class");
    rejects("at = \"5s\"\nrank = 0\ndelay = \"30d\"\n", "purge[0].delay");
}
