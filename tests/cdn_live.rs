//! Live video: segments appear at the origin one every segment duration,
//! players reload the playlist every segment duration and sit a few
//! segments behind the live edge. The live edge is a flash crowd every
//! segment: with request collapsing each live segment costs about one
//! origin fetch per PoP that served it, without it many; a lower viewer
//! bandwidth lowers the mean bitrate and raises the rebuffer ratio. Bad
//! live parameters exit 2 naming their key.

mod common;

use std::fs;

use common::{edgesim, stderr};
use edgesim::engine::SimTime;
use edgesim::experiment::prepare::run_cdn;
use edgesim::models::cdn::CdnParams;
use edgesim::run::{RunContext, RunOutput};

/// Live viewers of one channel in four European cities, at `extra`.
fn live(extra: &str) -> CdnParams {
    toml::from_str(&format!(
        r#"
request_rate = "0/s"
pops = ["London", "Paris", "Frankfurt am Main", "Amsterdam"]
regions = ["London", "Paris", "Berlin", "Amsterdam"]
{extra}
[video]
session_rate = "8/s"
mode = "live"
videos = 1
abr = true
watch_mean = "2min"
"#
    ))
    .unwrap()
}

fn run(p: &CdnParams, seed: u64) -> RunOutput {
    let ctx = RunContext::new(seed, SimTime::from_secs(60), SimTime::from_secs(240));
    run_cdn(p, &ctx).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

const PER_POP: &str = "video.live.origin_fetches_per_segment_per_pop";

#[test]
fn collapsing_keeps_about_one_origin_fetch_per_live_segment_per_pop() {
    for seed in 1..=3 {
        let on = run(&live("collapsing = true"), seed);
        let off = run(&live("collapsing = false"), seed);
        let (with, without) = (get(&on, PER_POP), get(&off, PER_POP));
        // A little under one: segments first served before the warm-up ended
        // were fetched before counting began.
        assert!((0.95..=1.0).contains(&with), "seed {seed}: {with}");
        assert!(without > 3.0, "seed {seed}: {without}");
        assert!(get(&on, "video.live.segments_at_pops") > 100.0);
        assert!(get(&on, "video.completed_sessions") > 200.0);
    }
}

#[test]
fn a_shield_takes_live_segments_off_the_origin() {
    let shielded = run(&live("[shield]\nenabled = true"), 4);
    let pop = get(&shielded, "video.live.pop_fetches_per_segment_per_pop");
    let origin = get(&shielded, PER_POP);
    assert!((0.95..=1.0).contains(&pop), "{pop}");
    // Four PoPs share fewer shields: fewer origin fetches than PoP fetches.
    assert!(origin < 0.8 * pop, "{origin} {pop}");
}

#[test]
fn viewers_start_near_the_live_edge_and_a_lower_bandwidth_costs_bitrate() {
    let at = |bandwidth: &str| {
        run(
            &live(&format!("[network]\nclient_bandwidth = \"{bandwidth}\"")),
            5,
        )
    };
    let (fast, slow) = (at("50Mbps"), at("120kbps"));
    let bitrate = |o: &RunOutput| get(o, "video.mean_bitrate_bits_per_s");
    let rebuffer = |o: &RunOutput| get(o, "video.rebuffer_ratio");
    assert!(
        bitrate(&fast) > 5.0 * bitrate(&slow),
        "{} {}",
        bitrate(&fast),
        bitrate(&slow)
    );
    assert!(
        rebuffer(&slow) > rebuffer(&fast),
        "{} {}",
        rebuffer(&slow),
        rebuffer(&fast)
    );
    // Three segments behind the edge, a first segment is at the origin
    // already: startup is a playlist and a segment, not a segment's wait.
    assert!(get(&fast, "video.startup_ms_p50") < 1_000.0);
    // Each viewer reloads the playlist every segment (6 s): about as many
    // playlist requests as segment requests.
    let segments = get(&fast, "video.segments");
    let requests = get(&fast, "requests");
    let playlists = requests - segments;
    assert!(
        (0.8..=1.3).contains(&(playlists / segments)),
        "{playlists} {segments}"
    );
}

#[test]
fn a_playlist_through_a_shield_is_no_older_than_its_max_age() {
    // Playlists are cached half a segment (max-age=3 for 6 s segments,
    // as AWS Elemental MediaPackage sends). A PoP that got its copy from the
    // shield counts the shield copy's age against it (RFC 9111 §4.2.3),
    // so what viewers are served is at most 3 s old and about 1.5 s on
    // average, with a shield as without; counting the shield's age again
    // at the PoP would double it.
    for seed in 6..=7 {
        let direct = run(&live(""), seed);
        let shielded = run(&live("[shield]\nenabled = true"), seed);
        for (name, out) in [("direct", &direct), ("shield", &shielded)] {
            let age = get(out, "served_age_s_mean");
            assert!((0.5..=1.8).contains(&age), "seed {seed}, {name}: {age} s");
        }
        // A playlist is stale when a segment completed after its content
        // time: about the mean age over the 6 s segment.
        let stale = get(&shielded, "stale_served_share");
        let age = get(&shielded, "served_age_s_mean");
        assert!(
            (stale - age / 6.0).abs() < 0.08,
            "seed {seed}: {stale} {age}"
        );
    }
}

const GOOD: &str = r#"schema = 1
name = "live"
model = "cdn"

[run]
seed = 1
duration = "60s"
warmup = "10s"

[cdn]
request_rate = "0/s"
pops = ["London"]
regions = ["London"]

[cdn.video]
session_rate = "1/s"
mode = "live"
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
fn bad_live_parameters_exit_2_naming_the_key() {
    rejects("live_latency = 0\n", "video.live_latency");
    rejects("live_latency = 5000\n", "video.live_latency");
    rejects("segment_duration = \"0s\"\n", "video.segment_duration");
    rejects("mode = \"replay\"\n", "mode");
    rejects(
        "manifest_cache_control = \"max-age=x\"\n",
        "video.manifest_cache_control",
    );
}
