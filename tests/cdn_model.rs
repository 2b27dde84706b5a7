//! Behaviours of the CDN model, each on a small world: HTTP freshness rules
//! through the full request path, the shield, busy-PoP forwarding, the
//! timeout, push targets and video sessions.

use edgesim::dist::DurationDist;
use edgesim::engine::SimTime;
use edgesim::experiment::prepare::{prepare_cdn, run_cdn};
use edgesim::models::cdn::CdnParams;
use edgesim::models::cdn::params::{Mode, OutageParams};
use edgesim::run::{RunContext, RunOutput};
use edgesim::units::{Bandwidth, Count, Duration, Rate};
use edgesim::validate::cdn::{point_params, point_world, run_cdn_in};
use edgesim::workload::sizes::SizeSpec;
use edgesim::world::RoutingMode;

fn context(seconds: u64) -> RunContext {
    RunContext::new(
        1,
        SimTime::from_secs(seconds / 10),
        SimTime::from_secs(seconds),
    )
}

fn point(params: &CdnParams, seconds: u64) -> RunOutput {
    run_cdn_in(params, point_world(), &context(seconds)).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

/// 100 objects at 10 requests/s each, 50 ms at the origin.
fn hot(header: &str) -> CdnParams {
    point_params(100, 1_000.0, header, SimTime::from_millis(50))
}

#[test]
fn no_store_is_fetched_for_every_request_and_never_collapsed() {
    let out = point(&hot("no-store, max-age=60"), 100);
    assert_eq!(get(&out, "hit_ratio"), 0.0);
    assert_eq!(get(&out, "collapsed_requests"), 0.0);
    assert_eq!(get(&out, "uncacheable_requests"), get(&out, "requests"));
}

#[test]
fn stale_while_revalidate_serves_stale_and_refreshes_in_the_background() {
    let swr = point(&hot("max-age=1, stale-while-revalidate=30"), 100);
    let plain = point(&hot("max-age=1"), 100);
    assert!(get(&swr, "stale_hits") > 0.0);
    assert!(get(&swr, "hit_ratio") > 0.99, "{}", get(&swr, "hit_ratio"));
    assert!(get(&swr, "hit_ratio") > get(&plain, "hit_ratio"));
    assert!(get(&swr, "origin_revalidations") > 0.0);
    assert!(get(&swr, "latency_ms_p99") < get(&plain, "latency_ms_p99"));
}

#[test]
fn s_maxage_forbids_serving_stale() {
    // RFC 9111 §5.2.2.10: s-maxage carries proxy-revalidate.
    let out = point(&hot("s-maxage=1, stale-while-revalidate=30"), 100);
    assert_eq!(get(&out, "stale_hits"), 0.0);
}

#[test]
fn stale_if_error_covers_an_origin_outage() {
    let outage = OutageParams {
        at: Duration(SimTime::from_secs(40)),
        duration: Duration(SimTime::from_secs(20)),
    };
    let mut sie = hot("max-age=1, stale-if-error=600");
    sie.origin.outage = vec![outage.clone()];
    let mut plain = hot("max-age=1");
    plain.origin.outage = vec![outage];
    let sie = point(&sie, 100);
    let plain = point(&plain, 100);
    assert!(get(&sie, "stale_if_error_served") > 0.0);
    assert_eq!(get(&sie, "failed_requests"), 0.0);
    assert!(get(&plain, "failed_origin_error") > 0.0);
}

#[test]
fn a_slow_link_times_requests_out() {
    let mut p = hot("max-age=60");
    p.catalogue.size = SizeSpec::fixed(1_000_000);
    p.network.client_bandwidth = Some(Bandwidth(1e6));
    p.network.timeout = Duration(SimTime::from_secs(5));
    let out = point(&p, 20);
    assert_eq!(get(&out, "failed_requests"), get(&out, "failed_timeout"));
    assert!(get(&out, "failed_share") > 0.99);
}

/// The shipped world cut to a few PoPs and regions.
fn europe(pops: &[&str], regions: &[&str]) -> CdnParams {
    let mut p = CdnParams {
        request_rate: Rate(500.0),
        pops: Some(pops.iter().map(|s| s.to_string()).collect()),
        regions: Some(regions.iter().map(|s| s.to_string()).collect()),
        ..CdnParams::default()
    };
    p.catalogue.objects = Count(5_000);
    p
}

#[test]
fn the_shield_absorbs_misses_shared_by_pops() {
    let pops = [
        "London",
        "Paris",
        "Amsterdam",
        "Frankfurt am Main",
        "Madrid",
    ];
    let regions = ["London", "Paris", "Amsterdam", "Berlin", "Madrid", "Rome"];
    let without = run_cdn(&europe(&pops, &regions), &context(300)).unwrap();
    let mut p = europe(&pops, &regions);
    p.shield.enabled = true;
    let with = run_cdn(&p, &context(300)).unwrap();
    let origin = "origin_requests_per_s";
    assert!(get(&with, origin) < 0.7 * get(&without, origin));
    assert!((get(&with, "hit_ratio") - get(&without, "hit_ratio")).abs() < 0.02);
}

#[test]
fn a_busy_pop_forwards_to_its_neighbour() {
    let mut p = europe(&["London", "Paris"], &["London"]);
    p.routing.mode = RoutingMode::Ideal;
    p.request_rate = Rate(1_000.0);
    p.cache.servers = 1;
    p.cache.workers = 1;
    p.cache.service = DurationDist::deterministic(SimTime::from_millis(2));
    let busy = run_cdn(&p, &context(60)).unwrap();
    assert!(get(&busy, "forwarded_requests") > 0.0);
    assert!(get(&busy, "pop.paris.requests_per_s") > 100.0);
    assert_eq!(get(&busy, "failed_requests"), 0.0);
    p.overload.forward_wait = None;
    let queued = run_cdn(&p, &context(60)).unwrap();
    assert_eq!(get(&queued, "forwarded_requests"), 0.0);
    assert!(get(&queued, "latency_ms_p99") > get(&busy, "latency_ms_p99"));
}

#[test]
fn push_reaches_only_its_target_pops() {
    let pops = ["London", "Paris"];
    let mut p = europe(&pops, &["London", "Paris"]);
    p.mode = Mode::Push;
    p.routing.mode = RoutingMode::Ideal;
    p.push.pops = Some(vec!["London".into()]);
    p.catalogue.publish_rate = Rate(1.0);
    let out = run_cdn(&p, &context(120)).unwrap();
    assert!(get(&out, "pop.paris.stored_bytes") < get(&out, "pop.london.stored_bytes"));
    assert!(get(&out, "pop.london.hit_ratio") > get(&out, "pop.paris.hit_ratio"));
    assert!(get(&out, "push_bytes") > 0.0);
}

#[test]
fn video_sessions_play_and_a_slow_origin_without_cdn_stalls_them() {
    let mut p = europe(&["London", "Frankfurt am Main"], &["London", "Berlin"]);
    p.request_rate = Rate(0.0);
    p.video.session_rate = Rate(2.0);
    p.video.videos = Count(20);
    p.video.watch_mean = Duration(SimTime::from_secs(60));
    let cdn = run_cdn(&p, &context(600)).unwrap();
    assert!(get(&cdn, "video.completed_sessions") > 100.0);
    assert!(get(&cdn, "video.segments") > 1_000.0);
    assert!(get(&cdn, "hit_ratio") > 0.5);
    assert!(get(&cdn, "video.startup_ms_p50") > 0.0);
    p.mode = Mode::NoCdn;
    p.network.client_bandwidth = Some(Bandwidth(4e6));
    let slow = run_cdn(&p, &context(600)).unwrap();
    assert!(get(&slow, "video.rebuffer_ratio") > get(&cdn, "video.rebuffer_ratio"));
    assert!(get(&slow, "video.startup_ms_p50") > get(&cdn, "video.startup_ms_p50"));
}

#[test]
fn random_pop_failures_are_seeded_and_every_pop_recovers() {
    let text = r#"
request_rate = "500/s"
[catalogue]
objects = "2k"
cache_control = "max-age=600"
[[failure]]
pop = "Frankfurt am Main"
mtbf = "60s"
mttr = "10s"
withdraw_after = "2s"
"#;
    let params: CdnParams = toml::from_str(text).unwrap();
    prepare_cdn(&params).unwrap();
    let ctx = RunContext::new(5, SimTime::from_secs(10), SimTime::from_secs(300));
    let a = run_cdn(&params, &ctx).unwrap();
    let b = run_cdn(&params, &ctx).unwrap();
    assert_eq!(
        a.metrics, b.metrics,
        "the same seed gives the same failures"
    );
    assert!(
        get(&a, "failed_requests") > 0.0,
        "Frankfurt failed at least once"
    );
    let other = run_cdn(
        &params,
        &RunContext::new(6, SimTime::from_secs(10), SimTime::from_secs(300)),
    )
    .unwrap();
    assert_ne!(get(&a, "failed_requests"), get(&other, "failed_requests"));
    let mut both = params.clone();
    both.failure[0].at = Some(Duration(SimTime::from_secs(30)));
    assert!(
        prepare_cdn(&both).is_err(),
        "`at` and `mtbf` together are refused"
    );
}
