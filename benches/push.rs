//! The push model at scale. First, once: the scale scenario of
//! `experiments/netflix-10m.toml` (10 million connected WebSocket clients,
//! 50,000 messages/s, 10 simulated minutes), printing wall time, events/s,
//! peak resident memory and simulator state per client. Then criterion
//! throughput benchmarks at reduced size (events per second).
//!
//! Run: `cargo bench --bench push` (set `EDGESIM_BENCH_SKIP_10M=1` to skip
//! the one-shot run). Figures: docs/push.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use edgesim::engine::SimTime;
use edgesim::models::push::{PushParams, run_push};
use edgesim::run::RunContext;

/// The `[push]` table of an experiment file in `experiments/`.
fn experiment_params(file: &str) -> (PushParams, SimTime) {
    let path = format!("{}/experiments/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the experiment file exists");
    let mut doc: toml::Table = toml::from_str(&text).expect("the experiment parses");
    let run = doc["run"].as_table().expect("[run]").clone();
    let duration = edgesim::units::parse_duration(run["duration"].as_str().expect("duration"))
        .expect("a duration");
    let push = doc.remove("push").expect("a [push] table");
    (push.try_into().expect("valid push parameters"), duration)
}

/// Peak resident set size of this process (Linux `VmHWM`), in bytes.
fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn scale_10m() {
    let (params, duration) = experiment_params("netflix-10m.toml");
    let ctx = RunContext::new(1, SimTime::ZERO, duration);
    let started = Instant::now();
    let out = run_push(&params, &ctx).expect("the scale run succeeds");
    let wall = started.elapsed().as_secs_f64();
    let get = |name: &str| out.get(name).unwrap_or(f64::NAN);
    println!("push/scale_10m: clients {}", params.clients.0);
    println!("  simulated {duration}, wall {wall:.1} s");
    println!(
        "  events {} ({:.2} M events/s)",
        out.events,
        out.events as f64 / wall / 1e6
    );
    println!(
        "  messages delivered {}, connects/s {:.0}, lost {}",
        get("messages_delivered"),
        get("connects_per_s"),
        get("messages_lost")
    );
    println!(
        "  simulator state per client {} bytes",
        get("sim_state_bytes_per_client")
    );
    if let Some(rss) = peak_rss_bytes() {
        println!(
            "  peak resident memory {:.0} MiB ({:.1} bytes per client)",
            rss as f64 / (1 << 20) as f64,
            rss as f64 / params.clients.0 as f64
        );
    }
}

fn throughput(c: &mut Criterion) {
    let cases = [
        (
            "websocket_100k_clients_2k_msgs",
            "websocket",
            100_000,
            2_000.0,
        ),
        (
            "short_poll_100k_clients_10s",
            "short_poll",
            100_000,
            2_000.0,
        ),
    ];
    let mut group = c.benchmark_group("push");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for (name, transport, clients, rate) in cases {
        let params: PushParams = toml::from_str(&format!(
            "transport = \"{transport}\"\nclients = {clients}\n\
             short_poll = {{ interval = \"10s\" }}\nproducer = {{ rate = {rate} }}\n"
        ))
        .expect("benchmark parameters parse");
        let ctx = RunContext::new(7, SimTime::ZERO, SimTime::from_secs(120));
        let events = run_push(&params, &ctx).expect("runs").events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| {
            b.iter(|| run_push(&params, &ctx).expect("runs").events)
        });
    }
    group.finish();
}

fn main() {
    if std::env::var_os("EDGESIM_BENCH_SKIP_10M").is_none() {
        scale_10m();
    }
    let mut c = Criterion::default().configure_from_args();
    throughput(&mut c);
    c.final_summary();
}
