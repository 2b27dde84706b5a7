//! Cache-server choice inside a PoP: at light load least-loaded spreads
//! objects over the servers (ties broken by the object's hash) as evenly
//! as consistent hashing, instead of sending everything to server 0.

use edgesim::engine::SimTime;
use edgesim::experiment::prepare::run_cdn;
use edgesim::models::cdn::CdnParams;
use edgesim::run::{RunContext, RunOutput};

/// One PoP with four cache servers, 200 requests/s: every worker idle
/// nearly always, so least-loaded meets ties on almost every request.
fn light(choice: &str) -> CdnParams {
    toml::from_str(&format!(
        r#"
pops = ["London"]
regions = ["London"]
request_rate = "200/s"
[cache]
servers = 4
server_choice = "{choice}"
[catalogue]
objects = "20k"
"#
    ))
    .unwrap()
}

fn run(p: &CdnParams) -> RunOutput {
    let ctx = RunContext::new(1, SimTime::from_secs(2), SimTime::from_secs(40));
    run_cdn(p, &ctx).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn least_loaded_at_light_load_spreads_objects_like_hashing() {
    let least = run(&light("least-loaded"));
    let hash = run(&light("consistent-hash"));
    for out in [&least, &hash] {
        // 1 is even; everything on one of four servers would be 4.
        let stored = get(out, "servers.stored_max_over_mean");
        let requests = get(out, "servers.requests_max_over_mean");
        assert!(stored < 1.25, "stored max/mean {stored}");
        assert!(requests < 1.3, "requests max/mean {requests}");
    }
    // Each object stays on one server, so the hit ratio matches hashing's.
    let (hl, hh) = (get(&least, "hit_ratio"), get(&hash, "hit_ratio"));
    assert!((hl - hh).abs() < 0.03, "least-loaded {hl}, hashing {hh}");
    let stored_ratio = get(&least, "stored_bytes") / get(&hash, "stored_bytes");
    assert!((0.9..1.1).contains(&stored_ratio), "{stored_ratio}");
}

/// The request router is a station: its utilisation is the offered load
/// over its capacity, a busy one adds its queueing to every request, and a
/// full queue refuses requests.
#[test]
fn a_request_router_with_little_capacity_queues_and_refuses() {
    let with_router = |rate: f64, workers: u32| {
        let mut p = light("consistent-hash");
        p.request_rate = edgesim::units::Rate(rate);
        p.router.workers = workers;
        p.router.service = edgesim::dist::DurationDist::exponential_mean(SimTime::from_millis(1));
        p.router.queue_limit = edgesim::units::Count(50);
        run(&p)
    };
    let free = with_router(600.0, 0);
    let busy = with_router(600.0, 1);
    // One worker of 1 ms at 600 requests/s: 60 % busy.
    let u = get(&busy, "router_utilisation_max");
    assert!((u - 0.6).abs() < 0.05, "router utilisation {u}");
    // M/M/1: a mean stay of 1 ms / (1 - 0.6) = 2.5 ms more per request.
    let extra = get(&busy, "latency_ms_mean") - get(&free, "latency_ms_mean");
    assert!((1.5..3.5).contains(&extra), "router adds {extra} ms");
    assert_eq!(get(&busy, "router_refused"), 0.0);
    let over = with_router(1_500.0, 1);
    let u = get(&over, "router_utilisation_max");
    assert!(u > 0.97 && u <= 1.0, "router utilisation {u}");
    assert!(get(&over, "router_refused") > 0.0);
    assert!(get(&over, "failed_refused") > 0.0);
}
