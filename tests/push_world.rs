//! Push on the world (`[[push.clusters]]`): one cluster at one site stands
//! where today's single-region model stands, and every hop's latency comes
//! from the world's RTTs.

#[path = "push_common/mod.rs"]
mod push_common;

use std::fs;

use edgesim::experiment::prepare::prepare_push;
use edgesim::models::push::params::ClusterParams;
use edgesim::models::push::{PushParams, run_point};
use edgesim::run::RunOutput;
use push_common::{context, metric};

/// The one-site world: one region and one site, 25 ms apart one way (the
/// model's default client transit).
const ONE_SITE: &str = "tests/data/push/one-site-world.toml";

/// The `[push]` table of a shipped experiment, with `edit` applied.
fn shipped(file: &str, edit: impl FnOnce(&mut toml::Table)) -> PushParams {
    let text = fs::read_to_string(format!("experiments/{file}")).expect("the experiment reads");
    let doc: toml::Table = toml::from_str(&text).expect("the experiment parses");
    let mut push = doc["push"].as_table().expect("a [push] table").clone();
    edit(&mut push);
    toml::Value::Table(push)
        .try_into()
        .expect("the parameters parse")
}

fn set(t: &mut toml::Table, key: &str, value: toml::Value) {
    t.insert(key.to_string(), value);
}

fn with_one_site(p: &PushParams) -> PushParams {
    let mut p = p.clone();
    p.world = Some(ONE_SITE.to_string());
    p.clusters = vec![ClusterParams {
        site: "dc".to_string(),
        gateways: p.gateways.count,
    }];
    p
}

fn run(p: &PushParams, seed: u64, warmup_s: u64, duration_s: u64) -> RunOutput {
    let point = prepare_push(p).unwrap_or_else(|e| panic!("the point prepares: {e:?}"));
    run_point(&point, &context(seed, warmup_s, duration_s)).expect("the run succeeds")
}

/// Mean and 95 % confidence half-width (Student t, n − 1 degrees of freedom).
fn mean_ci(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let t = match values.len() {
        2 => 12.706,
        3 => 4.303,
        4 => 3.182,
        _ => 2.776,
    };
    (mean, t * (var / n).sqrt())
}

/// Runs `a` and `b` over `seeds` and asserts each metric's means agree
/// within the two confidence intervals (plus a relative 1e-9 for
/// metrics that do not vary).
fn assert_same_summary(
    what: &str,
    a: &PushParams,
    b: &PushParams,
    seeds: &[u64],
    window: (u64, u64),
    metrics: &[&str],
) {
    let outs = |p: &PushParams| -> Vec<RunOutput> {
        seeds
            .iter()
            .map(|&s| run(p, s, window.0, window.1))
            .collect()
    };
    let (ra, rb) = (outs(a), outs(b));
    for name in metrics {
        let va: Vec<f64> = ra.iter().map(|o| metric(o, name)).collect();
        let vb: Vec<f64> = rb.iter().map(|o| metric(o, name)).collect();
        let ((ma, ca), (mb, cb)) = (mean_ci(&va), mean_ci(&vb));
        let slack = ca + cb + 1e-9 * ma.abs().max(mb.abs());
        assert!(
            (ma - mb).abs() <= slack,
            "{what}: {name} today {ma} ± {ca}, on one site {mb} ± {cb}"
        );
    }
}

const SUMMARY: &[&str] = &[
    "delivered_per_s",
    "drop_share",
    "requests_per_s",
    "connects_per_s",
    "connections_mean",
    "connections_per_gateway_mean",
    "gateway_cpu_utilisation",
    "delivery_latency_ms_mean",
    "delivery_latency_ms_p50",
    "delivery_latency_ms_p99",
    "connect_latency_ms_mean",
    "connect_latency_ms_p99",
    "registry_writes_per_s",
    "kafka_lag_max",
    "processors_max",
];

#[test]
fn one_cluster_at_one_site_reproduces_mailru_and_netflix_pipeline() {
    // mailru's WebSocket point (clustered runs are persistent), at 1/25 size.
    let mailru = shipped("mailru.toml", |t| {
        set(t, "transport", "websocket".into());
        set(t, "clients", "20k".into());
        set(t, "producer", toml::from_str("rate = \"1022/s\"").unwrap());
    });
    assert_same_summary(
        "mailru",
        &mailru,
        &with_one_site(&mailru),
        &[1, 2, 3],
        (20, 60),
        SUMMARY,
    );
    // netflix-pipeline at 1/100 size with its burst and autoscaling.
    let netflix = shipped("netflix-pipeline.toml", |t| {
        set(t, "clients", "20k".into());
        let producer = "rate = \"500/s\"\noffline_share = 0.2\nbursts = [{ start = \"100s\", duration = \"20s\", rate = \"5k/s\" }]";
        set(t, "producer", toml::from_str(producer).unwrap());
    });
    assert_same_summary(
        "netflix-pipeline",
        &netflix,
        &with_one_site(&netflix),
        &[1, 2, 3],
        (60, 240),
        SUMMARY,
    );
}

/// Clients in Paris on a Frankfurt cluster: the connect latency and the
/// delivery latency grow by the world's Frankfurt–Washington RTT when the
/// registry, Kafka and processors sit in Washington instead.
#[test]
fn a_far_home_adds_the_inter_site_round_trip() {
    let base = |home: &str| -> PushParams {
        let text = format!(
            r#"
transport = "websocket"
clients = 4000
home = "{home}"
regions = [{{ name = "Paris" }}]
routing = {{ mode = "ideal" }}
clusters = [{{ site = "Frankfurt am Main", gateways = 2 }}, {{ site = "Washington", gateways = 2 }}]
[producer]
rate = "200/s"
"#
        );
        toml::from_str(&text).unwrap()
    };
    let near = run(&base("Frankfurt am Main"), 1, 10, 60);
    let far = run(&base("Washington"), 1, 10, 60);
    let spec = edgesim::world::WorldSpec::shipped();
    let world = edgesim::world::World::build(spec);
    let (fra, iad) = (
        world.pop_by_name("Frankfurt am Main").unwrap(),
        world.pop_by_name("Washington").unwrap(),
    );
    let rtt_ms = world.rtt_pop_pop(fra, iad).as_secs_f64() * 1e3;
    // Every client is on Frankfurt (ideal routing from Paris); only
    // Frankfurt's gateways hold connections.
    assert_eq!(
        metric(&near, "connections_per_gateway_max"),
        metric(&far, "connections_per_gateway_max")
    );
    let connect = metric(&far, "connect_latency_ms_p50") - metric(&near, "connect_latency_ms_p50");
    assert!(
        (connect - rtt_ms).abs() < 1.0,
        "registry write: +{connect} ms, RTT {rtt_ms} ms"
    );
    let delivery =
        metric(&far, "delivery_latency_ms_p50") - metric(&near, "delivery_latency_ms_p50");
    assert!(
        (delivery - rtt_ms / 2.0).abs() < 1.0,
        "processor to gateway: +{delivery} ms, one way {} ms",
        rtt_ms / 2.0
    );
}

/// Two clusters, Washington and Frankfurt, clients in New York and Paris
/// routed to their nearest (ideal routing), the registry in Washington,
/// and `faults` appended.
fn two_sites(extra: &str) -> PushParams {
    let text = format!(
        r#"
transport = "websocket"
clients = 4000
home = "Washington"
regions = [{{ name = "New York" }}, {{ name = "Paris" }}]
routing = {{ mode = "ideal" }}
clusters = [{{ site = "Washington", gateways = 2 }}, {{ site = "Frankfurt am Main", gateways = 2 }}]
[producer]
rate = "200/s"
{extra}
"#
    );
    toml::from_str(&text).expect("the parameters parse")
}

const LOSE_FRANKFURT: &str = r#"
[[faults]]
kind = "cluster-outage"
cluster = "Frankfurt am Main"
at = "20s"
"#;

fn world_rtt_ms(region: &str, site: &str) -> f64 {
    let world = edgesim::world::World::build(edgesim::world::WorldSpec::shipped());
    let r = world.region_by_name(region).unwrap();
    let p = world.pop_by_name(site).unwrap();
    world.rtt_region_pop(r, p).as_secs_f64() * 1e3
}

/// Losing Frankfurt sends Paris to Washington: Paris's RTT to its gateway
/// rises by the world's difference, New York's stays, and the surviving
/// cluster's connects per second peak with the storm.
#[test]
fn losing_a_cluster_moves_its_regions_and_peaks_the_survivor() {
    let calm = run(&two_sites(""), 1, 10, 70);
    let lost = run(&two_sites(LOSE_FRANKFURT), 1, 10, 70);
    let rtt =
        |out: &RunOutput, region: &str| metric(out, &format!("region.{region}.gateway_rtt_ms_p50"));
    let (paris_fra, paris_iad) = (
        world_rtt_ms("Paris", "Frankfurt am Main"),
        world_rtt_ms("Paris", "Washington"),
    );
    assert!(
        (rtt(&calm, "paris") - paris_fra).abs() < 0.5,
        "Paris on Frankfurt: {} ms, world {paris_fra} ms",
        rtt(&calm, "paris")
    );
    // 50 of the 70 measured seconds come after the outage: the median is Washington's.
    let rise = rtt(&lost, "paris") - rtt(&calm, "paris");
    assert!(
        (rise - (paris_iad - paris_fra)).abs() < 1.0,
        "Paris's RTT rose by {rise} ms; the world's difference is {} ms",
        paris_iad - paris_fra
    );
    assert_eq!(rtt(&lost, "new-york"), rtt(&calm, "new-york"));
    let peak = |out: &RunOutput| metric(out, "cluster.washington.connects_per_s_peak");
    let paris_clients = metric(&calm, "region.paris.connections_mean");
    assert!(
        peak(&lost) > 10.0 * peak(&calm) && peak(&lost) > 0.3 * paris_clients,
        "Washington's connects peak: {} with the outage, {} without ({paris_clients} Paris clients)",
        peak(&lost),
        peak(&calm)
    );
    assert!(metric(&lost, "region.paris.time_to_95_back_s") < 5.0);
    assert_eq!(metric(&lost, "region.new-york.time_to_95_back_s"), 0.0);
    assert!(metric(&lost, "cluster.frankfurt-am-main.connections_mean") < 0.3 * paris_clients);
}

/// Over several seeds: every client an outage disconnects is connected
/// again or has given up, and without faults no message is lost or
/// duplicated on three clusters with anycast routing.
#[test]
fn failover_invariants_over_seeds() {
    let backoff = "[reconnect]\nbackoff = { policy = \"full-jitter\", base = \"1s\", cap = \"4s\", max_attempts = 3 }\n";
    let lose_both = format!(
        "{backoff}{LOSE_FRANKFURT}\n[[faults]]\nkind = \"cluster-outage\"\ncluster = \"Washington\"\nat = \"20s\"\n"
    );
    let fault_free: PushParams = toml::from_str(
        r#"
transport = "websocket"
clients = 6000
upstream_rate = "0.01/s"
clusters = [{ site = "Washington", gateways = 2 }, { site = "Frankfurt am Main", gateways = 2 }, { site = "Singapore", gateways = 1 }]
[connection]
lifetime = "60s"
lifetime_jitter = "20s"
[producer]
rate = "300/s"
"#,
    )
    .unwrap();
    for seed in 1..=4 {
        let one = run(
            &two_sites(&format!("{backoff}{LOSE_FRANKFURT}")),
            seed,
            10,
            70,
        );
        let affected = metric(&one, "fault_affected_clients");
        assert!(affected > 1000.0, "seed {seed}: {affected} affected");
        assert_eq!(
            metric(&one, "fault_reconnected_clients"),
            affected,
            "seed {seed}"
        );
        assert_eq!(metric(&one, "clients_gave_up"), 0.0, "seed {seed}");
        let both = run(&two_sites(&lose_both), seed, 10, 70);
        // An attempt on its way when the outage strikes holds nothing yet:
        // it is refused later rather than cut, and not counted as affected.
        let affected = metric(&both, "fault_affected_clients");
        assert!(
            affected >= 3990.0,
            "seed {seed}: {affected} of 4000 affected"
        );
        assert_eq!(
            metric(&both, "fault_reconnected_clients"),
            0.0,
            "seed {seed}: nowhere to go"
        );
        assert_eq!(
            metric(&both, "fault_clients_not_reconnected"),
            affected,
            "seed {seed}"
        );
        let gave_up = metric(&both, "clients_gave_up");
        assert!(
            gave_up >= affected && gave_up <= 4000.0,
            "seed {seed}: {gave_up} gave up, {affected} affected"
        );
        let calm = run(&fault_free, seed, 10, 120);
        assert!(metric(&calm, "messages_delivered") > 20_000.0);
        assert!(metric(&calm, "connects_per_s") > 50.0, "connections churn");
        for name in [
            "messages_lost",
            "messages_duplicated",
            "messages_unaccounted",
        ] {
            assert_eq!(metric(&calm, name), 0.0, "seed {seed}: {name}");
        }
    }
}
