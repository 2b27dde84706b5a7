//! Adaptive bitrate: players pick each segment's rendition from their
//! measured throughput, so a lower client bandwidth lowers the mean bitrate
//! and, below the lowest rendition, raises the rebuffer ratio.

use edgesim::engine::SimTime;
use edgesim::experiment::prepare::run_cdn;
use edgesim::models::cdn::CdnParams;
use edgesim::run::{RunContext, RunOutput};

fn viewers(bandwidth: &str) -> CdnParams {
    toml::from_str(&format!(
        r#"
pops = ["London"]
regions = ["London"]
request_rate = "10/s"
[network]
client_bandwidth = "{bandwidth}"
[video]
session_rate = "1/s"
abr = true
segments = 40
watch_mean = "2min"
"#
    ))
    .unwrap()
}

fn run(bandwidth: &str) -> RunOutput {
    let ctx = RunContext::new(2, SimTime::from_secs(30), SimTime::from_secs(330));
    run_cdn(&viewers(bandwidth), &ctx).unwrap()
}

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

#[test]
fn a_lower_bandwidth_lowers_the_mean_bitrate_and_raises_rebuffering() {
    let (fast, mid, slow) = (run("50Mbps"), run("1.5Mbps"), run("100kbps"));
    let bitrate = |o: &RunOutput| get(o, "video.mean_bitrate_bits_per_s");
    let rebuffer = |o: &RunOutput| get(o, "video.rebuffer_ratio");
    assert!(
        bitrate(&fast) > 2.0 * bitrate(&mid),
        "{} {}",
        bitrate(&fast),
        bitrate(&mid)
    );
    assert!(bitrate(&mid) > bitrate(&slow));
    // 1.5 Mbit/s carries at most the 1.1 Mbit/s rendition (0.7 of the estimate).
    assert!(bitrate(&mid) < 1.5e6);
    assert!(rebuffer(&slow) > rebuffer(&fast) + 0.05);
    assert!(get(&fast, "video.switches_up") > 0.0);
    assert!(get(&fast, "video.completed_sessions") > 50.0);
}
