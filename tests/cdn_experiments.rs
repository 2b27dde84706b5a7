//! Every CDN experiment in `experiments/` runs from the command line, at a
//! reduced size (`--set`), and its summary shows the direction the
//! experiment asks about.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{edgesim, root, stderr};

/// Per point (the swept values joined by `|`), metric -> pooled value
/// (or the mean over replications when the metric is not pooled).
type Summary = BTreeMap<String, BTreeMap<String, f64>>;

fn run_experiment(file: &str, sets: &[&str]) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let experiment = root().join("experiments").join(file);
    let mut args = vec![
        "run".to_string(),
        experiment.display().to_string(),
        "--out".into(),
        "out".into(),
    ];
    for set in sets {
        args.push("--set".into());
        args.push(set.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = edgesim(dir.path(), &args);
    assert!(out.status.success(), "{file}: {}", stderr(&out));
    read_summary(&dir.path().join("out/summary.csv"))
}

fn read_summary(path: &Path) -> Summary {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let metric_at = headers.iter().position(|h| h == "metric").unwrap();
    let mean_at = headers.iter().position(|h| h == "mean").unwrap();
    let pooled_at = headers.iter().position(|h| h == "pooled").unwrap();
    let mut summary = Summary::new();
    for record in reader.records() {
        let record = record.unwrap();
        let point: Vec<&str> = (1..metric_at).map(|i| &record[i]).collect();
        let value = if record[pooled_at].is_empty() {
            &record[mean_at]
        } else {
            &record[pooled_at]
        };
        let value = value.parse().unwrap_or(f64::NAN);
        summary
            .entry(point.join("|"))
            .or_default()
            .insert(record[metric_at].to_string(), value);
    }
    summary
}

fn get(summary: &Summary, point: &str, metric: &str) -> f64 {
    let values = summary
        .get(point)
        .unwrap_or_else(|| panic!("no point `{point}` in {:?}", summary.keys()));
    *values
        .get(metric)
        .unwrap_or_else(|| panic!("no metric `{metric}` at point `{point}`"))
}

const SMALL: [&str; 3] = ["run.replications=1", "run.duration=4min", "run.warmup=1min"];

fn small(extra: &[&'static str]) -> Vec<&'static str> {
    SMALL.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn quickstart_cdn_lowers_far_regions_latency_and_origin_load() {
    let s = run_experiment("quickstart.toml", &small(&["cdn.request_rate=1k/s"]));
    let (origin, cdn) = ("no-cdn", "pull");
    // Medians fall wherever the origin is far; the tail falls for the
    // regions farthest from it (elsewhere anycast's distant routes set it).
    let far = [
        ("sydney", "p99"),
        ("johannesburg", "p99"),
        ("mumbai", "p99"),
        ("sydney", "p50"),
        ("johannesburg", "p50"),
        ("mumbai", "p50"),
        ("sao-paulo", "p50"),
        ("london", "p50"),
    ];
    for (region, q) in far {
        let metric = format!("region.{region}.latency_ms_{q}");
        let (before, after) = (get(&s, origin, &metric), get(&s, cdn, &metric));
        assert!(after < before, "{metric}: CDN {after} vs origin {before}");
    }
    let requests = "origin_requests_per_s";
    assert!(get(&s, cdn, requests) < 0.5 * get(&s, origin, requests));
    let bits = "origin_egress_bits_per_s";
    assert!(get(&s, cdn, bits) < 0.5 * get(&s, origin, bits));
    assert!(get(&s, cdn, "hit_ratio") > 0.6);
    assert_eq!(get(&s, origin, "hit_ratio"), 0.0);
}

#[test]
fn longer_ttl_raises_the_hit_ratio_and_staleness_and_cuts_egress() {
    let s = run_experiment(
        "cdn-ttl.toml",
        &small(&[
            "cdn.request_rate=1k/s",
            r#"sweep.param[0].values=["max-age=10", "max-age=60", "max-age=600"]"#,
        ]),
    );
    let points = ["max-age=10", "max-age=60", "max-age=600"];
    for pair in points.windows(2) {
        let (short, long) = (pair[0], pair[1]);
        assert!(get(&s, long, "hit_ratio") > get(&s, short, "hit_ratio") + 0.05);
        assert!(get(&s, long, "origin_requests_per_s") < get(&s, short, "origin_requests_per_s"));
        // The trade: staleness rises with the TTL.
        assert!(get(&s, long, "stale_served_share") > get(&s, short, "stale_served_share"));
        assert!(get(&s, long, "served_age_s_mean") > get(&s, short, "served_age_s_mean"));
    }
    // Egress falls: fewer revalidations, so fewer find a new version.
    let egress = |p: &str| get(&s, p, "origin_egress_bits_per_s");
    let (long, short) = (egress("max-age=600"), egress("max-age=10"));
    assert!(long < short, "egress {long} at 600 s, {short} at 10 s");
}

#[test]
fn larger_caches_hit_more_and_sieve_beats_lru_when_small() {
    let s = run_experiment(
        "cdn-cache-size-policy.toml",
        &small(&[
            "cdn.request_rate=2k/s",
            r#"sweep.param[0].values=["16MiB", "256MiB"]"#,
            r#"sweep.param[1].values=["lru", "sieve"]"#,
        ]),
    );
    for policy in ["lru", "sieve"] {
        let small = get(&s, &format!("16MiB|{policy}"), "hit_ratio");
        let large = get(&s, &format!("256MiB|{policy}"), "hit_ratio");
        assert!(large > small + 0.2, "{policy}: {small} -> {large}");
    }
    let lru = get(&s, "16MiB|lru", "hit_ratio");
    let sieve = get(&s, "16MiB|sieve", "hit_ratio");
    assert!(sieve > lru, "SIEVE {sieve} vs LRU {lru}");
}

#[test]
fn push_avoids_cold_misses_at_the_cost_of_push_bandwidth() {
    let s = run_experiment("cdn-pull-push.toml", &small(&["cdn.request_rate=1k/s"]));
    assert!(get(&s, "push", "hit_ratio") > get(&s, "pull", "hit_ratio"));
    assert!(
        get(&s, "push", "origin_requests_per_s") < 0.5 * get(&s, "pull", "origin_requests_per_s")
    );
    assert!(get(&s, "push", "push_bits_per_s") > 0.0);
    assert!(get(&s, "push", "stored_bytes") > get(&s, "pull", "stored_bytes"));
}

#[test]
fn routing_reports_the_anycast_calibration_and_ideal_is_the_bound() {
    let s = run_experiment("cdn-routing.toml", &small(&["cdn.request_rate=1k/s"]));
    // Calder et al., IMC 2015: about 55 % reach their nearest front-end,
    // about 20 % are served clearly (>= 25 ms) worse than their best.
    assert!((get(&s, "anycast", "routing.nearest_share") - 0.55).abs() < 0.03);
    assert!((get(&s, "anycast", "routing.suboptimal_share") - 0.20).abs() < 0.03);
    let sampled = get(&s, "anycast", "requests_to_nearest_pop_share");
    assert!((sampled - 0.55).abs() < 0.03, "sampled {sampled}");
    assert!((get(&s, "ideal", "routing.nearest_share") - 1.0).abs() < 1e-9);
    for mode in ["anycast", "geo-dns"] {
        assert!(get(&s, "ideal", "latency_ms_p50") <= get(&s, mode, "latency_ms_p50"));
        assert!(get(&s, "ideal", "routing.rtt_ms_mean") < get(&s, mode, "routing.rtt_ms_mean"));
    }
}

#[test]
fn pop_failure_fails_requests_until_withdrawn_then_fails_over() {
    let s = run_experiment(
        "cdn-pop-failure.toml",
        &[
            "run.replications=1",
            "run.duration=5min",
            "run.warmup=1min",
            "cdn.failure[0].at=2min",
            "cdn.failure[0].duration=2min",
            r#"sweep.param[0].values=["2s", "60s"]"#,
        ],
    );
    let (fast, slow) = ("2s", "60s");
    assert!(get(&s, slow, "failed_requests") > 5.0 * get(&s, fast, "failed_requests"));
    assert!(get(&s, fast, "failed_requests") > 0.0);
    assert!(get(&s, fast, "failed_over_requests") > get(&s, slow, "failed_over_requests"));
    // Anycast re-homes a client to its ISP's next route on the graph: on
    // these four PoPs Frankfurt's catchment is mostly clients near it, so
    // most failed-over requests get slower (measured 0.93 at this size).
    let slower = get(&s, fast, "failed_over.slower_share");
    assert!(slower > 0.5 && slower <= 1.0, "slower share {slower}");
    assert!(get(&s, fast, "failed_over.latency_ms_p50") > 0.0);
    assert_eq!(
        get(&s, fast, "failed_pop_down"),
        get(&s, fast, "failed_requests")
    );
    // The failover loads a neighbour the graph connects Frankfurt's ISPs to
    // (on the graph mostly Milan: 0.90 busy over the measured time at this
    // size, Amsterdam 0.79, Warsaw 0.46), near its capacity.
    let busiest = ["amsterdam", "milan", "warsaw"]
        .map(|p| get(&s, fast, &format!("pop.{p}.utilisation")))
        .into_iter()
        .fold(0.0, f64::max);
    assert!(
        busiest > 0.75 && busiest < 1.0,
        "busiest neighbour {busiest}"
    );
    assert!(get(&s, fast, "forwarded_requests") > 0.0);
}

#[test]
fn collapsing_cuts_origin_fetches_per_expiry_to_one_per_pop() {
    let s = run_experiment(
        "cdn-flash-crowd.toml",
        &[
            "run.replications=1",
            "run.duration=3min",
            "run.warmup=30s",
            "cdn.flash_crowd[0].at=1min",
            "cdn.flash_crowd[0].duration=1min",
            "cdn.flash_crowd[0].rate=5k/s",
        ],
    );
    let with = get(&s, "true", "flash.origin_fetches_per_expiry");
    let without = get(&s, "false", "flash.origin_fetches_per_expiry");
    // About one: an expiry late in the run may see no request before the end
    // (measured 0.998 with the anycast graph's catchments).
    assert!((with - 1.0).abs() < 0.01, "with collapsing: {with}");
    assert!(without > 5.0, "without collapsing: {without}");
    assert!(get(&s, "true", "origin_requests_per_s") < get(&s, "false", "origin_requests_per_s"));
    assert!(get(&s, "true", "collapsed_requests") > 0.0);
}

#[test]
fn hashing_hits_most_and_least_loaded_evens_the_load_and_the_tail() {
    let s = run_experiment(
        "cdn-server-choice.toml",
        &["run.duration=40s", "run.warmup=15s"],
    );
    let (hash, least, rr) = (
        "consistent-hash|in-path",
        "least-loaded|in-path",
        "round-robin|in-path",
    );
    assert!(get(&s, hash, "hit_ratio") > get(&s, least, "hit_ratio") + 0.05);
    assert!(get(&s, least, "hit_ratio") > get(&s, rr, "hit_ratio"));
    let balance = "servers.requests_max_over_mean";
    assert!(
        get(&s, least, balance) < 1.05,
        "{}",
        get(&s, least, balance)
    );
    assert!(get(&s, hash, balance) > get(&s, least, balance) + 0.05);
    assert!(get(&s, hash, "latency_ms_p99") > get(&s, least, "latency_ms_p99"));
    // A redirect costs a round trip and a handshake.
    let redirect = "consistent-hash|http-redirect";
    assert!(get(&s, redirect, "latency_ms_p50") > get(&s, hash, "latency_ms_p50") + 10.0);
    let router = get(&s, hash, "router_utilisation_max");
    assert!(router > 0.05 && router < 1.0, "{router}");
}

#[test]
fn a_busy_pop_that_forwards_keeps_its_tail_down() {
    let s = run_experiment(
        "cdn-busy-forward.toml",
        &["run.duration=90s", "run.warmup=20s"],
    );
    let (off, on) = ("2.4k/s|0", "2.4k/s|1");
    assert!(get(&s, off, "pop.london.utilisation") > 0.99);
    assert!(get(&s, off, "pop.london.utilisation") <= 1.0);
    assert!(get(&s, off, "latency_ms_p99") > 5_000.0);
    assert!(get(&s, on, "latency_ms_p99") < 1_000.0);
    assert!(get(&s, on, "forwarded_requests") > 0.0);
    assert!(get(&s, on, "pop.paris.utilisation") > 0.1);
    assert_eq!(get(&s, "1.6k/s|0", "failed_share"), 0.0);
}

#[test]
fn withdrawing_the_busiest_anycast_pop_moves_its_catchment_to_connected_pops() {
    let s = run_experiment(
        "anycast-pop-withdrawal.toml",
        &[
            "run.replications=1",
            "run.duration=3min",
            "run.warmup=1min",
            "cdn.request_rate=2k/s",
            r#"sweep.param[0].values=["1h", "1min"]"#,
        ],
    );
    let (base, out) = ("1h", "1min");
    let delhi = "pop.new-delhi.requests_per_s";
    assert!(get(&s, base, delhi) > 0.0);
    assert!(get(&s, out, delhi) < 0.05 * get(&s, base, delhi));
    assert_eq!(get(&s, base, "failed_requests"), 0.0);
    assert!(get(&s, out, "failed_requests") > 0.0);
    // Its requests went to other PoPs, and Delhi's clients got slower.
    let total = |p: &str| get(&s, p, "requests_per_s");
    assert!((total(out) - total(base)).abs() < 0.05 * total(base));
    let p50 = "region.delhi.latency_ms_p50";
    assert!(get(&s, out, p50) > get(&s, base, p50));
}
