//! Malformed inputs: each exits with code 2 and a message naming the file and
//! the line or key, never panics, and leaves nothing in the output folder.

mod common;

use std::fs;
use std::path::Path;

use common::{edgesim, stderr};

const GOOD: &str = r#"schema = 1
name = "bad"
model = "queue"

[run]
seed = 1
duration = "100s"
warmup = "10s"

[queue]
arrival_rate = "0.5/s"
servers = 1
service = { dist = "exponential", mean = "1s" }
"#;

/// Runs `edgesim run` on `content` written to `exp.toml` and checks the
/// contract; `needle` must appear in the message (a key or `exp.toml:LINE`).
fn rejects(content: &[u8], extra: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), content).unwrap();
    let mut args = vec!["run", "exp.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let out = edgesim(dir.path(), &args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, got {:?}: {err}",
        out.status.code()
    );
    assert!(!err.contains("panicked"), "panic: {err}");
    assert!(err.contains("error:"), "no error line: {err}");
    assert!(
        err.contains(needle),
        "message does not name `{needle}`: {err}"
    );
    assert!(
        !dir.path().join("out").exists(),
        "output folder written on bad input"
    );
    assert!(
        !dir.path().join("output").exists(),
        "output folder written on bad input"
    );
}

fn good_with(from: &str, to: &str) -> Vec<u8> {
    assert!(GOOD.contains(from), "{from}");
    GOOD.replacen(from, to, 1).into_bytes()
}

#[test]
fn the_good_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("out/results.csv").exists());
}

#[test]
fn syntax_error() {
    rejects(&good_with("[run]", "[run"), &[], "exp.toml:5");
}

#[test]
fn wrong_type() {
    rejects(
        &good_with("servers = 1", "servers = \"one\""),
        &[],
        "queue.servers",
    );
}

#[test]
fn unknown_key() {
    rejects(
        &good_with("seed = 1", "seed = 1\nsede = 2"),
        &[],
        "run.sede",
    );
}

#[test]
fn negative_rate() {
    rejects(
        &good_with("\"0.5/s\"", "\"-0.5/s\""),
        &[],
        "queue.arrival_rate",
    );
}

#[test]
fn zero_servers() {
    rejects(&good_with("servers = 1", "servers = 0"), &[], "exp.toml:12");
}

#[test]
fn warmup_not_shorter_than_duration() {
    rejects(
        &good_with("warmup = \"10s\"", "warmup = \"100s\""),
        &[],
        "run.warmup",
    );
}

#[test]
fn empty_sweep_list() {
    let text = format!("{GOOD}\n[[sweep.param]]\npath = \"queue.servers\"\nvalues = []\n");
    rejects(text.as_bytes(), &[], "sweep.param[0].values");
}

#[test]
fn unknown_model() {
    rejects(
        &good_with("model = \"queue\"", "model = \"qeueu\""),
        &[],
        "exp.toml:3",
    );
}

#[test]
fn sweep_path_that_does_not_exist() {
    let text = format!("{GOOD}\n[[sweep.param]]\npath = \"queue.servrs\"\nvalues = [1, 2]\n");
    rejects(text.as_bytes(), &[], "queue.servrs");
}

#[test]
fn nan_value() {
    rejects(&good_with("\"0.5/s\"", "nan"), &[], "queue.arrival_rate");
}

#[test]
fn infinite_value() {
    rejects(
        &good_with("mean = \"1s\"", "mean = inf"),
        &[],
        "queue.service",
    );
}

#[test]
fn absurd_size() {
    rejects(
        &good_with("servers = 1", "servers = 1000000000000"),
        &[],
        "queue.servers",
    );
    rejects(
        &good_with("duration = \"100s\"", "duration = \"1e30h\""),
        &[],
        "run.duration",
    );
}

#[test]
fn absurd_replications() {
    rejects(
        &good_with("seed = 1", "seed = 1\nreplications = 0"),
        &[],
        "run.replications",
    );
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = edgesim(dir.path(), &["run", "nope.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nope.toml"), "{}", stderr(&out));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_directory() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("d.toml")).unwrap();
    let out = edgesim(dir.path(), &["run", "d.toml", "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("d.toml: is a directory"),
        "{}",
        stderr(&out)
    );
    assert!(!dir.path().join("out").exists());
}

#[test]
fn non_utf8_bytes() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(b"\n# \xff\xfe bad\n");
    rejects(&bytes, &[], "not valid UTF-8");
    rejects(&bytes, &[], "exp.toml:15");
}

#[test]
fn empty_file() {
    rejects(b"", &[], "exp.toml: is empty");
    rejects(b"\n  \n", &[], "exp.toml: is empty");
}

#[test]
fn missing_required_key() {
    rejects(
        &good_with("duration = \"100s\"\n", ""),
        &[],
        "missing field `duration`",
    );
}

#[test]
fn unknown_distribution() {
    rejects(
        &good_with("\"exponential\"", "\"exponentail\""),
        &[],
        "queue.service",
    );
}

#[test]
fn bad_set_override() {
    rejects(
        GOOD.as_bytes(),
        &["--set", "queue.servers=abc"],
        "queue.servers",
    );
    rejects(GOOD.as_bytes(), &["--set", "noequals"], "--set");
    rejects(GOOD.as_bytes(), &["--set", "queue.servers.x=1"], "--set");
}

#[test]
fn bad_thread_count() {
    rejects(GOOD.as_bytes(), &["--threads", "0"], "--threads");
    rejects(GOOD.as_bytes(), &["--threads", "many"], "--threads");
}

#[test]
fn bad_name_for_a_folder() {
    rejects(
        &good_with("name = \"bad\"", "name = \"../escape\""),
        &[],
        "exp.toml:2",
    );
}

#[test]
fn table_of_another_model() {
    let text = format!("{GOOD}\n[cdn]\nx = 1\n");
    rejects(text.as_bytes(), &[], "cdn");
}

#[test]
fn bad_sweep_range() {
    let text = format!(
        "{GOOD}\n[[sweep.param]]\npath = \"queue.servers\"\nrange = {{ from = 4, to = 1, step = 1 }}\n"
    );
    rejects(text.as_bytes(), &[], "sweep.param[0].range");
}

#[test]
fn output_path_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD).unwrap();
    fs::write(dir.path().join("taken"), "x").unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "taken"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("taken"));
    assert_eq!(fs::read_to_string(dir.path().join("taken")).unwrap(), "x");
    let _ = Path::new("unused");
}

#[test]
fn check_reports_the_same_errors() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("exp.toml"),
        good_with("servers = 1", "servers = 0"),
    )
    .unwrap();
    let out = edgesim(dir.path(), &["check", "exp.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("queue.servers"));
}

const GOOD_PUSH: &str = r#"schema = 1
name = "bad-push"
model = "push"

[run]
seed = 1
duration = "60s"

[push]
transport = "websocket"
clients = 1000

[push.gateways]
count = 2

[push.connection]
lifetime = "1800s"
lifetime_jitter = "180s"

[push.producer]
rate = "100/s"

[push.kafka]
partitions = 12
"#;

fn push_with(from: &str, to: &str) -> Vec<u8> {
    assert!(GOOD_PUSH.contains(from), "{from}");
    GOOD_PUSH.replacen(from, to, 1).into_bytes()
}

#[test]
fn the_good_push_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD_PUSH).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn push_zero_gateways() {
    rejects(
        &push_with("count = 2", "count = 0"),
        &[],
        "push.gateways.count",
    );
}

#[test]
fn push_negative_rate() {
    rejects(
        &push_with("rate = \"100/s\"", "rate = \"-100/s\""),
        &[],
        "push.producer.rate",
    );
    rejects(
        &push_with("rate = \"100/s\"", "rate = -5"),
        &[],
        "exp.toml:21",
    );
}

#[test]
fn push_too_many_partitions() {
    rejects(
        &push_with("partitions = 12", "partitions = 20000"),
        &[],
        "push.kafka.partitions",
    );
}

#[test]
fn push_unknown_transport() {
    rejects(
        &push_with(
            "transport = \"websocket\"",
            "transport = \"carrier_pigeon\"",
        ),
        &[],
        "push.transport",
    );
}

#[test]
fn push_jitter_larger_than_lifetime() {
    rejects(
        &push_with("lifetime_jitter = \"180s\"", "lifetime_jitter = \"2h\""),
        &[],
        "push.connection.lifetime_jitter",
    );
}

/// A push file with a fault schedule that is valid as written.
fn faults_with(schedule: &str) -> Vec<u8> {
    let mut text = GOOD_PUSH.to_string();
    text.push_str(schedule);
    text.into_bytes()
}

#[test]
fn the_good_fault_schedule_runs() {
    let dir = tempfile::tempdir().unwrap();
    let text = faults_with(
        "\n[[push.faults]]\nkind = \"crash\"\ngateway = 1\nat = \"20s\"\nrestart_after = \"10s\"\n",
    );
    fs::write(dir.path().join("exp.toml"), text).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn fault_crash_of_a_gateway_that_does_not_exist() {
    rejects(
        &faults_with("\n[[push.faults]]\nkind = \"crash\"\ngateway = 2\nat = \"20s\"\n"),
        &[],
        "push.faults[0].gateway",
    );
}

#[test]
fn fault_recovery_before_failure() {
    rejects(
        &faults_with(
            "\n[[push.faults]]\nkind = \"crash\"\ngateway = 1\nat = \"20s\"\nrestart_at = \"10s\"\n",
        ),
        &[],
        "push.faults[0].restart_at",
    );
    rejects(
        &faults_with(
            "\n[[push.faults]]\nkind = \"restart\"\ngateway = 1\nat = \"10s\"\n\
             \n[[push.faults]]\nkind = \"crash\"\ngateway = 1\nat = \"20s\"\n",
        ),
        &[],
        "push.faults[0].at",
    );
}

#[test]
fn fault_negative_window() {
    rejects(
        &faults_with(
            "\n[[push.faults]]\nkind = \"kafka-leader-loss\"\npartition = 1\nat = \"30s\"\nuntil = \"10s\"\n",
        ),
        &[],
        "push.faults[0].until",
    );
    rejects(
        &faults_with(
            "\n[[push.faults]]\nkind = \"registry-slowdown\"\nat = \"30s\"\nduration = \"-10s\"\nfactor = 5\n",
        ),
        &[],
        "push.faults[0].duration",
    );
}

// --- The `cdn` model's parameters.

const GOOD_CDN: &str = r#"schema = 1
name = "bad-cdn"
model = "cdn"

[run]
seed = 1
duration = "60s"

[cdn]
request_rate = "100/s"
"#;

/// A world with two PoPs where region R may only reach PoP A.
const RESTRICTED_WORLD: &str = r#"
[[pop]]
name = "A"
lat = 0.0
lon = 0.0
continent = "x"

[[pop]]
name = "B"
lat = 10.0
lon = 10.0
continent = "x"

[links]
access = "10Gbps"
backbone = "10Gbps"
upstream = "10Gbps"
direct = "10Gbps"
pop_egress = "10Gbps"
origin_egress = "10Gbps"

[[origin]]
name = "o"
lat = 0.0
lon = 0.0

[[region]]
name = "R"
lat = 1.0
lon = 1.0
population_millions = 1.0
utc_offset_hours = 0.0
continent = "x"
pops = ["A"]
"#;

fn cdn_with(extra: &str) -> Vec<u8> {
    format!("{GOOD_CDN}{extra}").into_bytes()
}

/// Like `rejects`, with a world file `w.toml` next to the experiment.
fn rejects_with_world(content: &[u8], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), content).unwrap();
    fs::write(dir.path().join("w.toml"), RESTRICTED_WORLD).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    for needle in needles {
        assert!(
            err.contains(needle),
            "message does not name `{needle}`: {err}"
        );
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn the_good_cdn_file_runs() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), GOOD_CDN).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn cdn_negative_capacity() {
    let text = cdn_with("\n[cdn.cache]\ncapacity = \"-1GB\"\n");
    rejects(&text, &[], "key `cdn.cache.capacity`");
    rejects(&text, &[], "exp.toml:13");
    rejects(&text, &[], "cannot be negative");
}

#[test]
fn cdn_ttl_that_does_not_parse() {
    let header = cdn_with("\n[cdn.catalogue]\ncache_control = \"max-age=soon\"\n");
    rejects(&header, &[], "key `cdn.catalogue.cache_control`");
    rejects(&header, &[], "expected max-age=<seconds>");
    let ttl = cdn_with("\n[cdn.catalogue]\ndefault_ttl = \"1 fortnight\"\n");
    rejects(&ttl, &[], "key `cdn.catalogue.default_ttl`");
    let crowd = cdn_with(
        "\n[[cdn.flash_crowd]]\nat = \"10s\"\nduration = \"10s\"\nrate = \"1k/s\"\ncache_control = \"s-maxage\"\n",
    );
    rejects(&crowd, &[], "key `cdn.flash_crowd[0].cache_control`");
}

#[test]
fn cdn_unknown_pop() {
    let failure = cdn_with("\n[[cdn.failure]]\npop = \"Atlantis\"\nat = \"10s\"\n");
    rejects(&failure, &[], "key `cdn.failure[0].pop`");
    rejects(&failure, &[], "unknown PoP `Atlantis`");
    let selection = cdn_with("pops = [\"Atlantis\"]\n");
    rejects(&selection, &[], "key `cdn.pops`");
    let region = cdn_with("report_regions = [\"Atlantis\"]\n");
    rejects(&region, &[], "unknown region `Atlantis`");
}

#[test]
fn cdn_zero_pops() {
    rejects(&cdn_with("pops = []\n"), &[], "zero PoPs");
    rejects(&cdn_with("pops = []\n"), &[], "key `cdn.pops`");
}

#[test]
fn cdn_region_with_no_route() {
    let text = cdn_with("world = \"w.toml\"\npops = [\"B\"]\n");
    rejects_with_world(
        &text,
        &[
            "key `cdn.pops`",
            "region `R` has no route",
            "w.toml",
            "exp.toml:12",
        ],
    );
    let missing = cdn_with("world = \"nowhere.toml\"\n");
    rejects_with_world(&missing, &["key `cdn.world`", "nowhere.toml"]);
}

/// The good push file with gateway clusters appended.
fn push_clusters(clusters: &str) -> Vec<u8> {
    format!("{GOOD_PUSH}\n{clusters}").into_bytes()
}

#[test]
fn push_cluster_at_an_unknown_site() {
    rejects(
        &push_clusters("[[push.clusters]]\nsite = \"Atlantis\"\ngateways = 2\n"),
        &[],
        "push.clusters[0].site",
    );
}

#[test]
fn push_cluster_without_gateways() {
    rejects(
        &push_clusters("[[push.clusters]]\nsite = \"Washington\"\ngateways = 0\n"),
        &[],
        "push.clusters[0].gateways",
    );
}

#[test]
fn push_two_clusters_at_one_site() {
    let two = "[[push.clusters]]\nsite = \"Washington\"\ngateways = 1\n\n[[push.clusters]]\nsite = \"Washington\"\ngateways = 1\n";
    rejects(&push_clusters(two), &[], "push.clusters[1].site");
}

#[test]
fn push_clients_in_an_unknown_region() {
    let file = push_clusters(
        "[[push.clusters]]\nsite = \"Washington\"\ngateways = 2\n\n[[push.regions]]\nname = \"Atlantis\"\nshare = 1.0\n",
    );
    rejects(&file, &[], "push.regions[0].name");
}

#[test]
fn push_home_not_a_cluster_site() {
    let file = push_clusters("[[push.clusters]]\nsite = \"Washington\"\ngateways = 2\n");
    rejects(&file, &["--set", "push.home=\"Tokyo\""], "push.home");
}

#[test]
fn push_zero_registry_nodes() {
    let file = format!("{GOOD_PUSH}\n[push.registry]\nnodes = 0\n");
    rejects(file.as_bytes(), &[], "push.registry.nodes");
}

#[test]
fn cdn_bad_anycast_graph() {
    let peering = cdn_with("\n[cdn.routing.anycast]\nisps_per_region = 2\npeering_isps = 3\n");
    rejects(&peering, &[], "cdn.routing.anycast.peering_isps");
    let transits = cdn_with("\n[cdn.routing.anycast]\ntransits_per_pop = 0\n");
    rejects(&transits, &[], "cdn.routing.anycast.transits_per_pop");
    // The nearest share is an outcome of the graph, not a key.
    let share = cdn_with("\n[cdn.routing.anycast]\nnearest_share = 0.55\n");
    rejects(&share, &[], "nearest_share");
}
