//! Costs from `models/prices.toml` and the steady-state (warm-up) check:
//! cost arithmetic computed by hand on small cases, a profile the price
//! file lacks refused with its key, and MSER-5 flagging a warm-up that is
//! too short while the shipped quickstart passes.

use std::path::Path;

use edgesim::engine::SimTime;
use edgesim::experiment::{self, runner};
use edgesim::models::queue::{QueueParams, run_queue};
use edgesim::prices::Prices;
use edgesim::run::RunContext;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn queue_file(profile: &str) -> String {
    format!(
        "schema = 1\nname = \"q\"\nmodel = \"queue\"\n[run]\nduration = \"200s\"\nwarmup = \"20s\"\n[queue]\narrival_rate = \"2/s\"\nservers = 3\nservice = {{ dist = \"exponential\", mean = \"1s\" }}\n{profile}"
    )
}

#[test]
fn queue_servers_cost_their_profile_times_their_count() {
    let exp = experiment::load_text(
        Path::new("q.toml"),
        &queue_file("profile = \"c5.xlarge\"\n"),
        &[],
    )
    .unwrap();
    let plan = exp.plan();
    let record = runner::run_one(&exp, &plan[0], None).unwrap();
    let get = |m: &str| record.output.get(m).unwrap();
    // 3 servers x $0.17/h (c5.xlarge, us-east-1), nothing else billed.
    assert!((get("cost_compute_per_hour") - 0.51).abs() < 1e-12);
    assert_eq!(get("cost_egress_per_hour"), 0.0);
    assert_eq!(get("cost_requests_per_hour"), 0.0);
    assert!((get("cost_per_hour") - 0.51).abs() < 1e-12);
    // Without a profile: the cheapest in the file (c5.large, $0.085/h).
    let params: QueueParams = toml::from_str(
        "arrival_rate = \"1/s\"\nservers = 2\nservice = { dist = \"exponential\", mean = \"1s\" }",
    )
    .unwrap();
    let ctx = RunContext::new(1, SimTime::ZERO, SimTime::from_secs(10));
    let out = run_queue(&params, &ctx).unwrap();
    assert!((out.get("cost_per_hour").unwrap() - 0.17).abs() < 1e-12);
}

#[test]
fn an_unknown_profile_is_refused_with_its_key() {
    let e = experiment::load_text(
        Path::new("q.toml"),
        &queue_file("profile = \"c9.mega\"\n"),
        &[],
    )
    .unwrap_err();
    assert_eq!(e.key.as_deref(), Some("queue.profile"), "{e}");
    assert!(e.message.contains("c5.large"), "{e}");
    let e = experiment::load_text(
        Path::new("q.toml"),
        &queue_file("[prices]\nfile = \"no/such/prices.toml\"\n"),
        &[],
    )
    .unwrap_err();
    assert!(e.message.contains("cannot read the price file"), "{e}");
}

#[test]
fn a_push_fleet_costs_its_gateways_processors_registry_and_brokers() {
    let text = "schema = 1\nname = \"p\"\nmodel = \"push\"\n[run]\nduration = \"60s\"\nwarmup = \"20s\"\n[push]\ntransport = \"short_poll\"\nclients = 2000\n[push.gateways]\ncount = 4\nprofile = \"c5.2xlarge\"\n";
    let exp = experiment::load_text(Path::new("p.toml"), text, &[]).unwrap();
    let spec = &exp.points[0].spec;
    let record = runner::run_one(&exp, &exp.plan()[0], None).unwrap();
    let get = |m: &str| record.output.get(m).unwrap();
    let prices = Prices::shipped();
    let usd = |name: &str| prices.instance(name).unwrap().usd_per_hour;
    // 4 x c5.2xlarge + processors x c5.xlarge + 3 x r5.large + 3 x m5.large.
    let compute = 4.0 * 0.34 + get("processors_mean") * 0.17 + 3.0 * 0.126 + 3.0 * 0.096;
    assert!((get("cost_compute_per_hour") - compute).abs() < 1e-9);
    assert_eq!(usd("c5.2xlarge"), 0.34);
    // Every poll is a request at $0.0100 per 10,000 (north-america, HTTPS).
    let requests = get("requests_per_s") * 3600.0 / 10_000.0 * 0.01;
    assert!(requests > 0.0);
    assert!((get("cost_requests_per_hour") - requests).abs() < 1e-9);
    assert!(
        matches!(&spec.model, experiment::ModelSpec::Push(p) if p.params().gateways.cores == 8)
    );
}

#[test]
fn the_old_quickstart_warmup_is_flagged_and_the_shipped_one_passes() {
    let file = root().join("experiments/quickstart.toml");
    let pull = |sets: &[&str]| {
        let mut all: Vec<String> = vec!["run.replications=1".into()];
        all.extend(sets.iter().map(|s| s.to_string()));
        let exp = experiment::load(&file, &all).unwrap();
        let plan = exp.plan();
        let run = plan.iter().find(|p| p.point == 1).unwrap();
        runner::run_one(&exp, run, None).unwrap().output
    };
    // Before the fix: 3 minutes of warm-up in 10.
    let old = pull(&["run.duration=\"10min\"", "run.warmup=\"3min\""]);
    assert_eq!(old.get("warmup_ok"), Some(0.0));
    assert!(old.get("warmup_suggested_s").unwrap() > 180.0);
    let shipped = pull(&[]);
    assert_eq!(shipped.get("warmup_ok"), Some(1.0));
    assert!(shipped.get("hit_ratio").unwrap() > old.get("hit_ratio").unwrap());
}

#[test]
fn shipped_cdn_experiments_pass_the_warmup_check() {
    // Two of the cheaper shipped files, every point, one replication: the
    // routing comparison (a cold cache) and the flash crowd (read up to
    // the crowd).
    for name in ["cdn-routing.toml", "cdn-flash-crowd.toml"] {
        let file = root().join("experiments").join(name);
        let exp = experiment::load(&file, &["run.replications=1".to_string()]).unwrap();
        for plan in exp.plan() {
            let out = runner::run_one(&exp, &plan, None).unwrap().output;
            assert_eq!(
                out.get("warmup_ok"),
                Some(1.0),
                "{name} point {}",
                plan.point
            );
        }
    }
}

#[test]
fn auto_warmup_uses_the_truncation_point_of_the_run() {
    let exp = experiment::load_text(
        Path::new("q.toml"),
        &queue_file("").replace("warmup = \"20s\"", "warmup = \"auto\""),
        &[],
    )
    .unwrap();
    let record = runner::run_one(&exp, &exp.plan()[0], None).unwrap();
    let get = |m: &str| record.output.get(m).unwrap();
    assert_eq!(get("warmup_s"), get("warmup_suggested_s"));
    assert_eq!(get("warmup_ok"), 1.0);
    // The same seed gives the same truncation point and metrics.
    let again = runner::run_one(&exp, &exp.plan()[0], None).unwrap();
    assert_eq!(again.output.metrics, record.output.metrics);
}
