//! Denial of service (`[[cdn.attack]]`, `[cdn.edge]`): the same flood
//! against a single origin, geo-DNS PoPs and anycast PoPs. Anycast splits
//! the flood over the catchments and keeps legitimate users' failed share
//! far below the single origin's; a name resolved once sends the whole
//! flood to one PoP under geo-DNS; a rate limit per address cuts what
//! reaches the origin; every attack request is counted once; bad attacks
//! and front ends exit 2 naming the key.

mod common;

use std::path::Path;

use common::{edgesim, stderr};
use edgesim::experiment::load_text;
use edgesim::run::{RunContext, RunOutput};

const BASE: &str = r#"
schema = 1
name = "t"
model = "cdn"

[run]
seed = 1
duration = "40s"
warmup = "20s"

[cdn]
request_rate = "1k/s"
report_regions = ["London", "Tokyo", "Sydney"]

[cdn.catalogue]
objects = "2k"
cache_control = "max-age=3600"

[cdn.edge]
request_capacity = "4k/s"

[cdn.origin]
request_capacity = "1k/s"

[[cdn.attack]]
at = "20s"
duration = "20s"
rate = "20k/s"
bots = "2k"
"#;

/// The run of `text` with `sets` at `seed` (one point).
fn run(text: &str, sets: &[&str], seed: u64) -> RunOutput {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let experiment = load_text(Path::new("test.toml"), text, &sets)
        .unwrap_or_else(|e| panic!("the experiment loads: {e}"));
    let point = &experiment.points[0];
    let ctx = RunContext::new(
        seed,
        point.spec.run.warmup.fixed(),
        point.spec.run.duration.0,
    );
    point.spec.model.run(&ctx).expect("the run succeeds")
}

fn metric(out: &RunOutput, name: &str) -> f64 {
    out.get(name)
        .unwrap_or_else(|| panic!("metric {name} is missing"))
}

#[test]
fn anycast_keeps_legitimate_failures_far_below_a_single_origin() {
    let origin = run(BASE, &["cdn.mode=no-cdn"], 1);
    let anycast = run(BASE, &["cdn.routing.mode=anycast"], 1);
    let (o, a) = (
        metric(&origin, "legit_failed_share"),
        metric(&anycast, "legit_failed_share"),
    );
    assert!(o > 0.5, "the single origin is overwhelmed: {o}");
    assert!(a < 0.1 * o, "anycast {a} against the single origin's {o}");
    // The flood was split over many catchments, none of them full.
    assert!(metric(&anycast, "attack.pops_reached") >= 20.0);
    assert!(metric(&anycast, "attack.busiest_pop_share") < 0.3);
    assert_eq!(metric(&anycast, "attack.dropped"), 0.0);
    assert!(metric(&anycast, "attack.absorbed_share") > 0.99);
    // Legitimate requests never count the attack's.
    let requests = metric(&anycast, "requests");
    assert!(requests < 1_000.0 * 21.0, "{requests} legitimate requests");
}

#[test]
fn a_name_resolved_once_sends_the_whole_flood_to_one_geo_dns_pop() {
    let pinned = run(BASE, &["cdn.routing.mode=geo-dns"], 2);
    assert_eq!(metric(&pinned, "attack.pops_reached"), 1.0);
    assert_eq!(metric(&pinned, "attack.busiest_pop_share"), 1.0);
    // 20k/s on a 4k/s front end: about four in five are dropped there.
    let dropped = metric(&pinned, "attack.dropped") / metric(&pinned, "attack.arrived");
    assert!((0.75..0.85).contains(&dropped), "dropped share {dropped}");
    let each = run(
        BASE,
        &["cdn.routing.mode=geo-dns", "cdn.attack[0].resolve=each"],
        2,
    );
    assert!(metric(&each, "attack.pops_reached") >= 20.0);
    assert!(metric(&each, "legit_failed_share") < metric(&pinned, "legit_failed_share"));
}

#[test]
fn cache_busting_reaches_the_origin_and_a_rate_limit_cuts_it() {
    let busting = [
        "cdn.attack[0].mix.cacheable=0.8",
        "cdn.attack[0].mix.cache_busting=0.2",
    ];
    let open = run(BASE, &busting, 3);
    // A fifth of the flood misses everywhere: 4k/s on a 1k/s origin.
    let up = metric(&open, "attack.upstream_share");
    assert!((0.18..0.22).contains(&up), "upstream share {up}");
    assert!(metric(&open, "legit_failed_share") > 0.05);
    let mut limited = busting.to_vec();
    limited.push("cdn.edge.rate_limit=2/s");
    let limited = run(BASE, &limited, 3);
    // Each bot sends Poisson at λ = 10/s into a one-token bucket refilled
    // at r = 2/s: a token waits 1/r to refill, then 1/λ for the next
    // request, so r/(r + λ) = 1/6 of the requests pass.
    let passed = 1.0 - metric(&limited, "attack.rate_limited") / metric(&limited, "attack.arrived");
    assert!((passed - 1.0 / 6.0).abs() < 0.01, "passed share {passed}");
    assert!(
        metric(&limited, "origin_requests_per_s_peak")
            < metric(&open, "origin_requests_per_s_peak")
    );
    assert!(metric(&limited, "legit_failed_share") < 0.5 * metric(&open, "legit_failed_share"));
}

#[test]
fn a_thin_ingress_link_drops_legitimate_requests_as_saturated() {
    // 20k/s of 800-byte requests is 128 Mbit/s at the one pinned PoP.
    let thin = run(
        BASE,
        &[
            "cdn.routing.mode=geo-dns",
            "cdn.edge.bandwidth=50Mbit/s",
            "cdn.edge.request_capacity=1M/s",
        ],
        4,
    );
    assert!(metric(&thin, "failed_saturated") > 0.0);
    let dropped = metric(&thin, "attack.dropped") / metric(&thin, "attack.arrived");
    assert!((0.55..0.7).contains(&dropped), "dropped share {dropped}");
}

#[test]
fn every_attack_request_is_counted_once_over_seeds() {
    for seed in 1..=4 {
        for sets in [
            vec!["cdn.mode=no-cdn"],
            vec!["cdn.routing.mode=geo-dns", "cdn.edge.rate_limit=5/s"],
            vec![
                "cdn.attack[0].mix.cacheable=0.5",
                "cdn.attack[0].mix.cache_busting=0.5",
            ],
        ] {
            let out = run(BASE, &sets, seed);
            let ended: f64 = [
                "attack.unrouted",
                "attack.dropped",
                "attack.rate_limited",
                "attack.served_from_cache",
                "attack.served_upstream",
                "attack.failed",
                "attack.in_flight",
            ]
            .iter()
            .map(|m| metric(&out, m))
            .sum();
            assert_eq!(
                ended,
                metric(&out, "attack.requests"),
                "seed {seed} {sets:?}"
            );
            // About rate x duration requests.
            let sent = metric(&out, "attack.requests");
            assert!((380_000.0..420_000.0).contains(&sent), "{sent}");
            let legit = metric(&out, "requests");
            let failed = metric(&out, "failed_requests");
            assert_eq!(metric(&out, "legit_failed_share"), failed / legit);
        }
    }
}

#[test]
fn without_attacks_nothing_changes() {
    let plain = BASE.split("[cdn.edge]").next().unwrap().to_string();
    let out = run(&plain, &[], 5);
    assert!(out.get("legit_failed_share").is_none());
    assert!(out.get("failed_saturated").is_none());
    assert!(out.get("attack.requests").is_none());
}

#[test]
fn bad_attacks_and_front_ends_exit_2_naming_the_key() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    std::fs::write(d.join("exp.toml"), BASE).unwrap();
    let cases = [
        ("cdn.attack[0].rate=0/s", "attack[0].rate"),
        ("cdn.attack[0].rate=1G/s", "attack[0].rate"),
        ("cdn.attack[0].bots=0", "attack[0].bots"),
        ("cdn.attack[0].mix.cache_busting=0.5", "attack[0].mix"),
        ("cdn.attack[0].duration=0s", "attack[0].duration"),
        ("cdn.attack[0].rank=5k", "attack[0].rank"),
        ("cdn.attack[0].sources={Atlantis=1.0}", "attack[0].sources"),
        ("cdn.edge.request_capacity=0/s", "edge.request_capacity"),
        ("cdn.edge.rate_limit=0/s", "edge.rate_limit"),
        ("cdn.edge.request_bytes=0B", "edge.request_bytes"),
        ("cdn.origin.request_capacity=0/s", "origin.request_capacity"),
        ("cdn.attack[0].duration=1000d", "attack"),
    ];
    for (set, key) in cases {
        let out = edgesim(d, &["check", "exp.toml", "--set", set]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(err.contains(key), "{set}: {err}");
    }
    let many: String = (0..17)
        .map(|i| format!("\n[[cdn.attack]]\nat = \"{i}s\"\nduration = \"1s\"\nrate = \"1k/s\"\n"))
        .collect();
    std::fs::write(d.join("many.toml"), format!("{BASE}{many}")).unwrap();
    let out = edgesim(d, &["check", "many.toml"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("at most 16 attacks"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn attack_runs_give_the_same_bytes_at_any_thread_and_shard_count() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    let sweep = format!(
        "{}\n[[sweep.param]]\npath = \"cdn.routing.mode\"\nvalues = [\"anycast\", \"geo-dns\"]\n",
        BASE.replace("duration = \"40s\"", "duration = \"30s\"")
            .replace("seed = 1", "seed = 1\nreplications = 2")
    );
    std::fs::write(d.join("exp.toml"), sweep).unwrap();
    let bytes = |dir: &str, file: &str| std::fs::read(d.join(dir).join(file)).unwrap();
    for (out, threads) in [("one", "1"), ("two", "2")] {
        let run = edgesim(d, &["run", "exp.toml", "--out", out, "--threads", threads]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    for k in 0..2 {
        let shard = format!("{k}/2");
        let out = format!("shard{k}");
        let run = edgesim(
            d,
            &[
                "run",
                "exp.toml",
                "--threads",
                "1",
                "--shard",
                &shard,
                "--out",
                &out,
            ],
        );
        assert!(run.status.success(), "{}", stderr(&run));
    }
    let merge = edgesim(d, &["merge", "shard0", "shard1", "--out", "merged"]);
    assert!(merge.status.success(), "{}", stderr(&merge));
    for file in ["results.csv", "summary.csv"] {
        assert_eq!(
            bytes("one", file),
            bytes("two", file),
            "{file}: 1 vs 2 threads"
        );
        assert_eq!(bytes("one", file), bytes("merged", file), "{file}: sharded");
    }
}
