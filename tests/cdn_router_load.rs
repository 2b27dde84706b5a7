//! A PoP's request router works inside the PoP: when it is a station
//! (`[cdn.router]` with workers), a PoP's utilisation is the busy time of
//! its cache servers and its router over their joint capacity,
//! (servers busy + router busy) / (server workers + router workers), so
//! it stays at most 1 however busy either is.

use edgesim::engine::SimTime;
use edgesim::experiment::prepare::run_cdn;
use edgesim::models::cdn::CdnParams;
use edgesim::run::{RunContext, RunOutput};

/// One PoP of `servers` cache servers with `workers` workers each at
/// 1 ms a request, behind a router of `router` workers at 1 ms.
fn pop(rate: &str, servers: u32, workers: u32, router: u32) -> CdnParams {
    toml::from_str(&format!(
        r#"
pops = ["London"]
regions = ["London"]
request_rate = "{rate}"
[cache]
servers = {servers}
workers = {workers}
service = {{ dist = "exponential", mean = "1ms" }}
[router]
workers = {router}
service = {{ dist = "exponential", mean = "1ms" }}
queue_limit = 50
[catalogue]
objects = "5k"
"#
    ))
    .unwrap()
}

fn run(p: &CdnParams, seed: u64) -> RunOutput {
    let ctx = RunContext::new(seed, SimTime::from_secs(5), SimTime::from_secs(60));
    run_cdn(p, &ctx).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn pop_utilisation_counts_the_router_by_capacity() {
    for seed in 1..=3 {
        // 2 servers x 2 workers and a router of 2 workers, at 1.2k/s:
        // servers 0.3 busy, router 0.6 busy.
        let out = run(&pop("1.2k/s", 2, 2, 2), seed);
        let servers = get(&out, "pop.london.server_utilisation");
        let router = get(&out, "pop.london.router_utilisation");
        let pop = get(&out, "pop.london.utilisation");
        assert!((servers - 0.3).abs() < 0.03, "servers {servers}");
        assert!((router - 0.6).abs() < 0.04, "router {router}");
        let joint = (4.0 * servers + 2.0 * router) / 6.0;
        assert!((pop - joint).abs() < 1e-9, "{pop} against {joint}");
        assert!(pop > servers, "the router's work counts");
    }
}

#[test]
fn a_saturated_router_and_servers_keep_pop_utilisation_at_most_one() {
    for seed in 1..=2 {
        // Offered 3k/s against 1k/s of router and 2k/s of servers.
        let out = run(&pop("3k/s", 1, 2, 1), seed);
        let pop = get(&out, "pop.london.utilisation");
        let router = get(&out, "pop.london.router_utilisation");
        assert!(router > 0.97 && router <= 1.0, "router {router}");
        assert!(pop <= 1.0 + 1e-9, "pop {pop}");
        assert!(get(&out, "router_refused") > 0.0);
    }
    // Without a router station the PoP is its servers alone.
    let out = run(&pop("1.2k/s", 2, 2, 0), 1);
    let pop = get(&out, "pop.london.utilisation");
    assert!((pop - 0.3).abs() < 0.03, "pop {pop}");
    assert!(out.get("pop.london.router_utilisation").is_none());
}
