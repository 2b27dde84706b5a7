//! Measures end-to-end replay throughput (open, read, replay) of one trace.
//!
//! Usage: replay_throughput TRACE POLICY CACHE_SIZE [REPEATS] [--ignore-size]
//! prints one JSON line: requests, misses, and requests per second (median
//! and best over REPEATS runs, wall time including reading the trace).

use std::path::PathBuf;
use std::time::Instant;

use edgesim::cache::PolicyKind;
use edgesim::replay::{CacheSize, ReplaySpec, Warmup, replay};
use edgesim::workload::trace::TraceFormat;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().filter(|a| a != "--ignore-size").collect();
    let ignore_size = std::env::args().any(|a| a == "--ignore-size");
    if args.len() < 4 {
        return Err(
            "usage: replay_throughput TRACE POLICY CACHE_SIZE [REPEATS] [--ignore-size]".into(),
        );
    }
    let path = PathBuf::from(&args[1]);
    let policy: PolicyKind = args[2].parse()?;
    let size = CacheSize::parse(&args[3])?;
    let repeats: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(5);
    let format = TraceFormat::from_path(&path).ok_or("unknown trace format")?;
    let spec = ReplaySpec {
        policies: vec![policy],
        sizes: vec![size],
        ignore_size,
        warmup: Warmup::Requests(0),
        max_requests: None,
    };
    let mut rates = Vec::new();
    let mut last = None;
    for _ in 0..repeats {
        let started = Instant::now();
        let outcome = replay(&path, &format, false, &spec)?;
        let seconds = started.elapsed().as_secs_f64();
        rates.push(outcome.read.stats.requests as f64 / seconds);
        last = Some(outcome);
    }
    rates.sort_by(f64::total_cmp);
    let outcome = last.expect("at least one run");
    let row = &outcome.rows[0];
    println!(
        "{{\"trace\":\"{}\",\"policy\":\"{policy}\",\"cache_size\":{},\"requests\":{},\"misses\":{},\"requests_per_s_median\":{:.0},\"requests_per_s_best\":{:.0}}}",
        path.display(),
        row.cache_size,
        row.requests,
        row.misses,
        rates[rates.len() / 2],
        rates[rates.len() - 1]
    );
    Ok(())
}
