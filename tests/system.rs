//! The `system` model: each part alone reproduces its own model run for
//! run, campaigns account for every notification, and the policies a
//! planner compares move the origin peak the way they should.

use std::path::Path;
use std::process::Command;

use edgesim::experiment::load_text;
use edgesim::run::{RunContext, RunOutput};

const CDN: &str = r#"
[cdn]
mode = "pull"
request_rate = "300/s"
report_regions = ["London", "Tokyo"]

[cdn.catalogue]
objects = "2k"
zipf_alpha = 0.8
cache_control = "max-age=600"
"#;

const PUSH: &str = r#"
[push]
transport = "websocket"
clients = "20k"
home = "Washington"

[push.routing]
mode = "geo-dns"

[[push.clusters]]
site = "Washington"
gateways = 2

[[push.clusters]]
site = "Frankfurt am Main"
gateways = 2

[[push.regions]]
name = "New York"

[[push.regions]]
name = "London"

[[push.regions]]
name = "Paris"

[push.producer]
rate = "200/s"
"#;

fn header(model: &str) -> String {
    format!(
        "schema = 1\nname = \"t\"\nmodel = \"{model}\"\n[run]\nseed = 1\nduration = \"120s\"\nwarmup = \"10s\"\n"
    )
}

/// Every point's run of `text` with `sets`, at `seed`.
fn run(text: &str, sets: &[&str], seed: u64) -> Vec<RunOutput> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let experiment = load_text(Path::new("test.toml"), text, &sets)
        .unwrap_or_else(|e| panic!("the experiment loads: {e}"));
    experiment
        .points
        .iter()
        .map(|point| {
            let ctx = RunContext::new(
                seed,
                point.spec.run.warmup.fixed(),
                point.spec.run.duration.0,
            );
            point.spec.model.run(&ctx).expect("the run succeeds")
        })
        .collect()
}

fn metric(out: &RunOutput, name: &str) -> f64 {
    out.get(name)
        .unwrap_or_else(|| panic!("metric {name} is missing"))
}

/// Every metric of `alone` is the system's `<prefix>.<metric>`, bit for bit.
fn same_metrics(alone: &RunOutput, system: &RunOutput, prefix: &str) {
    assert!(!alone.metrics.is_empty());
    for m in &alone.metrics {
        if m.name.starts_with("cost") || m.name.starts_with("warmup") {
            continue;
        }
        let theirs = metric(system, &format!("{prefix}.{}", m.name));
        assert!(
            theirs.to_bits() == m.value.to_bits() || (theirs.is_nan() && m.value.is_nan()),
            "{prefix}.{}: {theirs} in the system, {} alone",
            m.name,
            m.value
        );
    }
    assert_eq!(alone.events, system.events, "the same events, one by one");
}

#[test]
fn a_system_of_one_part_is_that_model_event_for_event() {
    for seed in [1, 2] {
        let cdn = run(&(header("cdn") + CDN), &[], seed);
        let system = run(&(header("system") + CDN), &[], seed);
        same_metrics(&cdn[0], &system[0], "cdn");
        let push = run(&(header("push") + PUSH), &[], seed);
        let system = run(&(header("system") + PUSH), &[], seed);
        same_metrics(&push[0], &system[0], "push");
    }
}

/// A campaign to a share of the push part's users, with `extra` keys.
fn campaign(extra: &str) -> String {
    format!(
        "{}{CDN}{PUSH}\n[[system.campaign]]\nname = \"news\"\nat = \"30s\"\nshare = 0.5\nthink = {{ dist = \"lognormal\", mean = \"2s\", cv = 1.0 }}\n{extra}\n",
        header("system")
    )
}

#[test]
fn every_notification_is_delivered_or_counted_and_every_delivery_fetches_or_is_counted() {
    for seed in 1..=4 {
        let out = &run(&campaign(""), &[], seed)[0];
        let notified = metric(out, "campaign.news.notified");
        let delivered = metric(out, "campaign.news.delivered");
        let not_delivered = metric(out, "campaign.news.not_delivered");
        let fetched = metric(out, "campaign.news.fetched");
        let failed = metric(out, "campaign.news.fetch_failed");
        let pending = metric(out, "campaign.news.fetch_pending");
        // 20k users in three regions, half of them notified.
        assert!((9_000.0..11_000.0).contains(&notified), "{notified}");
        assert_eq!(
            delivered + not_delivered,
            notified,
            "seed {seed}: all ended by 120 s"
        );
        assert_eq!(fetched + failed + pending, delivered, "seed {seed}");
        assert!(
            pending < 0.01 * delivered,
            "seed {seed}: {pending} still fetching"
        );
        assert!(metric(out, "push.messages_duplicated") == 0.0);
        // Every fetch went through the CDN part and counts there.
        assert!(metric(out, "campaign.news.edge_hit_ratio") > 0.9);
        let p50 = metric(out, "notify_to_content_ms_p50");
        let delivery = metric(out, "campaign.delivery_ms_p50");
        let fetch = metric(out, "campaign.fetch_ms_p50");
        assert!(p50 > delivery && p50 > fetch, "{p50} {delivery} {fetch}");
    }
}

/// Without collapsing or a shield every concurrent miss goes to the
/// origin: sending all at once makes the highest origin peak; spreading
/// the notifications over a window or pushing the object first lowers it.
#[test]
fn spreading_or_prewarming_lowers_the_origin_peak() {
    let text = campaign("") + "\n[[sweep.param]]\npath = \"cdn.collapsing\"\nvalues = [false]\n";
    let sets = ["system.campaign[0].think={ dist = \"exponential\", mean = \"1s\" }"];
    let peak = |extra: &[&str]| {
        let mut all: Vec<&str> = sets.to_vec();
        all.extend_from_slice(extra);
        let out = &run(&text, &all, 1)[0];
        (
            metric(out, "campaign.origin_fetches_per_s_peak"),
            metric(out, "origin_requests_per_s_peak"),
        )
    };
    let at_once = peak(&[]);
    let spread = peak(&["system.campaign[0].window=60s"]);
    let prewarmed = peak(&["system.campaign[0].prewarm=20s"]);
    assert!(at_once.0 >= 20.0, "a crowd of misses: {at_once:?}");
    assert!(spread.0 < 0.5 * at_once.0, "{spread:?} vs {at_once:?}");
    assert!(
        prewarmed.0 < 0.1 * at_once.0,
        "{prewarmed:?} vs {at_once:?}"
    );
    assert!(spread.1 < at_once.1 && prewarmed.1 < at_once.1);
}

/// With collapsing, the misses at a PoP wait on one fetch: at most one
/// origin fetch per PoP (the object's TTL outlasts the run); without it,
/// many.
#[test]
fn collapsing_keeps_about_one_origin_fetch_per_pop() {
    let fetches = |collapsing: bool| {
        let out = &run(&campaign(""), &[&format!("cdn.collapsing={collapsing}")], 1)[0];
        metric(out, "campaign.news.origin_fetches")
    };
    let with = fetches(true);
    let without = fetches(false);
    // At most one per PoP: the shipped world has 39, and anycast sends the
    // three regions' clients to many of them.
    assert!(
        (1.0..=39.0).contains(&with),
        "{with} origin fetches with collapsing"
    );
    assert!(without > 3.0 * with, "{without} without vs {with} with");
}

#[test]
fn bad_campaigns_exit_2_naming_the_key() {
    let dir = std::env::temp_dir().join(format!("edgesim-system-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases: &[(&str, &str)] = &[
        ("share = 0.5", "system.campaign[0].share"),
        (
            "share = 0.5\nregions = [\"Sidney\"]",
            "system.campaign[0].regions[0]",
        ),
        (
            "share = 0.5\nprewarm = \"60s\"",
            "system.campaign[0].prewarm",
        ),
        ("share = 0.5\nobjects = 0", "system.campaign[0].objects"),
    ];
    for (i, (keys, key)) in cases.iter().enumerate() {
        let keys = if i == 0 { "share = 1.5" } else { keys };
        let text = format!(
            "{}{CDN}{PUSH}\n[[system.campaign]]\nat = \"30s\"\n{keys}\n",
            header("system")
        );
        let file = dir.join(format!("bad-{i}.toml"));
        std::fs::write(&file, text).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_edgesim"))
            .args(["run", file.to_str().unwrap(), "--dry-run"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{keys}: {stderr}");
        assert!(stderr.contains(key), "{keys}: {stderr}");
    }
    // Too many notifications for their records: 20k clients, 64 campaigns
    // would be fine, so ask for 60 M clients at share 1.
    let file = dir.join("too-many.toml");
    let text = format!(
        "{}{CDN}{PUSH}\n[[system.campaign]]\nat = \"30s\"\nshare = 1.0\n",
        header("system")
    )
    .replace("clients = \"20k\"", "clients = \"60M\"");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(["run", file.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("system.campaign") && stderr.contains("notifications"),
        "{stderr}"
    );
    // A campaign needs both parts.
    let file = dir.join("no-push.toml");
    let text = format!(
        "{}{CDN}\n[[system.campaign]]\nat = \"30s\"\nshare = 0.5\n",
        header("system")
    );
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(["run", file.to_str().unwrap(), "--dry-run"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("system.campaign"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The shipped system experiment, reduced, gives the same bytes with one
/// thread and with two.
#[test]
fn system_outputs_do_not_depend_on_threads() {
    let dir = std::env::temp_dir().join(format!("edgesim-system-det-{}", std::process::id()));
    let run = |out: &str, threads: &str| {
        let out = dir.join(out);
        let status = Command::new(env!("CARGO_BIN_EXE_edgesim"))
            .args([
                "run",
                "experiments/system-notification-crowd.toml",
                "--out",
                out.to_str().unwrap(),
                "--threads",
                threads,
                "--set",
                "push.clients=5000",
                "--set",
                "cdn.request_rate=200/s",
                "--set",
                "run.duration=150s",
                "--set",
                "run.warmup=30s",
                "--set",
                "system.campaign[0].at=60s",
            ])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        ["results.csv", "summary.csv", "histograms.csv"]
            .map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let one = run("one", "1");
    let two = run("two", "2");
    assert!(one == two, "outputs differ between 1 and 2 threads");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cache_busting_flood_during_a_campaign_fails_its_fetches_at_the_origin() {
    // Both parts in one engine: the notified clients' fetches miss at
    // their PoPs and meet an origin that a cache-busting flood has filled.
    let flood = r#"
[[cdn.attack]]
at = "20s"
duration = "100s"
rate = "3k/s"
bots = "1k"
mix = { cacheable = 0.0, cache_busting = 1.0 }

[cdn.origin]
request_capacity = "1k/s"
"#;
    let calm = &run(&campaign(""), &[], 1)[0];
    let flooded = &run(&campaign(flood), &[], 1)[0];
    assert_eq!(metric(calm, "campaign.news.fetch_failed"), 0.0);
    let (failed, fetched) = (
        metric(flooded, "campaign.news.fetch_failed"),
        metric(flooded, "campaign.news.fetched"),
    );
    assert!(failed > 0.0, "{failed} failed, {fetched} fetched");
    assert!(metric(flooded, "cdn.legit_failed_share") > 0.1);
    assert!(metric(flooded, "cdn.attack.upstream_share") > 0.99);
    // The push part does not see the CDN's flood.
    assert_eq!(
        metric(calm, "campaign.news.delivered"),
        metric(flooded, "campaign.news.delivered")
    );
}

#[test]
fn the_shield_answers_most_of_the_crowds_misses_at_the_edge() {
    let shielded = &run(&campaign(""), &["cdn.shield.enabled=true"], 1)[0];
    let ratio = metric(shielded, "campaign.news.shield_hit_ratio");
    // Each shield fetches the article once; the other PoPs behind it hit.
    assert!(ratio > 0.5, "shield hit ratio {ratio}");
    let bare = &run(&campaign(""), &[], 1)[0];
    assert!(bare.get("campaign.news.shield_hit_ratio").is_none());
}
