//! Runs the fuzz targets for a time budget (see docs/reliability.md):
//!
//! ```text
//! cargo run --release --example fuzz -- --target loader --minutes 10
//! cargo run --release --example fuzz -- --target all --minutes 30
//! cargo run --release --example fuzz -- --target traces --seed 1234 --count 1
//! cargo run --release --example fuzz -- --target loader --seed 1234 --show 1
//! ```
//!
//! Each failure prints its seed and the command that replays it; the exit
//! code is 1 when any input broke the contract.

#[path = "../tests/fuzz_harness/mod.rs"]
mod fuzz_harness;

use std::time::{Duration, Instant};

use fuzz_harness::{TARGETS, Target};

struct Args {
    targets: Vec<String>,
    minutes: f64,
    seed: u64,
    count: u64,
    /// Print the input of `seed` instead of running it.
    show: bool,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        targets: TARGETS.iter().map(|t| t.to_string()).collect(),
        minutes: 1.0,
        seed: 0,
        count: u64::MAX,
        show: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--target" if value == "all" => {}
            "--target" if TARGETS.contains(&value.as_str()) => args.targets = vec![value],
            "--target" => {
                return Err(format!(
                    "--target {value}: expected all or one of {TARGETS:?}"
                ));
            }
            "--minutes" => args.minutes = value.parse().map_err(|e| bad(&e))?,
            "--seed" => args.seed = value.parse().map_err(|e| bad(&e))?,
            "--count" => args.count = value.parse().map_err(|e| bad(&e))?,
            "--show" => args.show = value == "1",
            _ => {
                return Err(format!(
                    "unknown flag {flag}; expected --target, --minutes, --seed, --count, --show"
                ));
            }
        }
    }
    Ok(args)
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fuzz: {e}");
            std::process::exit(2);
        }
    };
    let budget = Duration::from_secs_f64(args.minutes * 60.0 / args.targets.len() as f64);
    let mut failed = false;
    for name in &args.targets {
        let target = Target::new(name).expect("a known target");
        if args.show {
            println!("{}", target.describe(args.seed));
            continue;
        }
        let started = Instant::now();
        let summary = fuzz_harness::run(&target, args.seed, args.count, budget, 20);
        for failure in &summary.failures {
            eprintln!("{failure}\n");
        }
        failed |= !summary.failures.is_empty();
        println!(
            "{name}: {} inputs (seeds {}..{}) in {:.0} s, {} accepted, {} failures; slowest input {:.3} s (seed {})",
            summary.inputs,
            args.seed,
            args.seed + summary.inputs,
            started.elapsed().as_secs_f64(),
            summary.accepted,
            summary.failures.len(),
            summary.slowest.as_secs_f64(),
            summary.slowest_seed
        );
    }
    std::process::exit(if failed { 1 } else { 0 });
}
