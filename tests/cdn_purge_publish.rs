//! A purge that publishes: the origin gets new versions of the purged
//! objects at `at`. Until the purge lands at a PoP its copies are stale;
//! an answer the origin gave before `at` that reaches a cache after the
//! purge landed there is not stored, so no old copy outlives the purge and
//! the last stale response comes within one upstream fetch of the landing.
//! The stale-served share is zero in the window before the purge and grows
//! with the propagation delay in the window after it.

mod common;

use std::fs;

use common::{edgesim, stderr};
use edgesim::cache::CachePolicy;
use edgesim::engine::{SimTime, run};
use edgesim::experiment::prepare::{prepare_cdn, run_cdn};
use edgesim::models::cdn::{CdnParams, setup};
use edgesim::run::{RunContext, RunIo, RunOutput};

/// Four PoPs, 2k requests/s over 10k objects cached for `max_age` seconds;
/// ranks [0, 1000) are purged and published anew at 60 s.
fn params(delay: &str, max_age: u32, extra: &str) -> CdnParams {
    toml::from_str(&format!(
        r#"
request_rate = "2k/s"
pops = ["London", "Paris", "Frankfurt am Main", "Amsterdam"]
regions = ["London", "Paris", "Berlin", "Amsterdam"]
{extra}
[catalogue]
objects = "10k"
cache_control = "max-age={max_age}"
[[purge]]
at = "60s"
ranks = [0, 1000]
delay = "{delay}"
publish = true
"#
    ))
    .unwrap()
}

fn run_until(p: &CdnParams, seed: u64, until: u64) -> RunOutput {
    let ctx = RunContext::new(seed, SimTime::from_secs(30), SimTime::from_secs(until));
    run_cdn(p, &ctx).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn no_copy_from_before_a_publishing_purge_outlives_it() {
    for (seed, extra) in [(1, ""), (2, ""), (3, "[shield]\nenabled = true")] {
        // Copies kept 30 s are fetched again all the time, so fetches are in
        // flight when the purge lands; an old answer stored then would
        // still be held at 62 s.
        let p = params("150ms", 30, extra);
        let point = prepare_cdn(&p).unwrap();
        let ctx = RunContext::new(seed, SimTime::from_secs(1), SimTime::from_secs(62));
        let io = RunIo {
            trace: None,
            record: None,
        };
        let mut model = setup::build(&point, &ctx, io).unwrap();
        run(&mut model, ctx.window);
        let purged: Vec<u64> = (0..1000)
            .map(|r| model.catalogue.object_at_rank(r))
            .collect();
        let at = SimTime::from_secs(60);
        let mut copies = 0;
        for server in &mut model.servers {
            for &id in &purged {
                if let Some(e) = server.cache.peek_mut(id) {
                    let e = *e;
                    let content = model.cfg.content_time(model.catalogue.class(id) as u8, &e);
                    assert!(content >= at, "seed {seed}: a copy of {id} from {content}");
                    copies += 1;
                }
            }
        }
        assert!(copies > 500, "seed {seed}: {copies} copies after the purge");
    }
}

#[test]
fn old_answers_in_flight_are_not_stored_and_stale_responses_end_soon_after_the_landing() {
    for seed in 1..=3 {
        let out = run_until(&params("150ms", 30, ""), seed, 120);
        // Fetches the origin answered before 60 s were still on their way
        // (origin service 100-200 ms) when the purge landed at 60.15 s.
        let cancelled = get(&out, "purge.answers_not_stored");
        assert!(cancelled >= 1.0, "seed {seed}: {cancelled}");
        // The last stale response: the landing plus at most one fetch (the
        // origin's 200 ms, the round trips, the queues), not the 30 s the
        // old copies would otherwise be kept.
        let last = get(&out, "purge.stale_served_last_ms");
        assert!((100.0..=1_000.0).contains(&last), "seed {seed}: {last} ms");
        assert!(get(&out, "purge.stale_served_published") > 0.0);
    }
}

#[test]
fn the_stale_share_is_zero_before_the_purge_and_grows_with_its_delay() {
    let share = |delay: &str, seed: u64| {
        let out = run_until(&params(delay, 3600, ""), seed, 90);
        let before = get(&out, "purge.stale_served_share_10s_before");
        assert_eq!(before, 0.0, "nothing changes before the purge");
        get(&out, "purge.stale_served_share_10s_after")
    };
    for seed in 1..=2 {
        let (short, long) = (share("500ms", seed), share("2s", seed));
        // Stale responses are the hits on purged objects until the purge
        // lands: about proportional to the delay (4x here), less the misses.
        assert!(short > 0.0, "seed {seed}: {short}");
        let ratio = long / short;
        assert!(
            (3.0..=4.5).contains(&ratio),
            "seed {seed}: {long} / {short}"
        );
        // Within the 10 s window, a 2 s delay leaves at most a fifth stale.
        assert!(long < 0.2, "seed {seed}: {long}");
    }
}

#[test]
fn a_purge_that_does_not_publish_leaves_content_unchanged() {
    let text = "request_rate = \"2k/s\"\npops = [\"London\"]\nregions = [\"London\"]\n\
                [catalogue]\nobjects = \"10k\"\ncache_control = \"max-age=3600\"\n\
                [[purge]]\nat = \"60s\"\nranks = [0, 1000]\n";
    let p: CdnParams = toml::from_str(text).unwrap();
    let out = run_until(&p, 1, 90);
    assert!(out.get("stale_served_share").is_none());
    assert!(out.get("purge.stale_served_last_ms").is_none());
    assert!(get(&out, "purge.objects_removed") > 500.0);
}

#[test]
fn a_publishing_purge_in_push_mode_exits_2_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text = "schema = 1\nname = \"pp\"\nmodel = \"cdn\"\n[run]\nduration = \"60s\"\n\
                [cdn]\nmode = \"push\"\nrequest_rate = \"100/s\"\npops = [\"London\"]\n\
                regions = [\"London\"]\n[[cdn.purge]]\nat = \"5s\"\nrank = 0\npublish = true\n";
    fs::write(dir.path().join("exp.toml"), text).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("cdn.purge[0].publish"), "{err}");
    assert!(!dir.path().join("out").exists());
}
