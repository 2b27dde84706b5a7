//! The fuzz harness: structure-aware fuzz targets on stable Rust, each a
//! seeded generator of inputs and a check of the contract on every one.
//! Shared by `tests/fuzz_short.rs` (a short run in the suite) and
//! `examples/fuzz.rs` (a run for a time budget). Input `seed` of a target
//! is the same on every machine, so a failure prints the seed that
//! replays it (`--target T --seed S --count 1`).
#![allow(dead_code)]

pub mod draw;
pub mod loader;
pub mod records;
pub mod traces;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

pub const TARGETS: [&str; 3] = ["loader", "traces", "records"];

/// A case slower than this is a failure (inputs are small).
pub const CASE_LIMIT: Duration = Duration::from_secs(10);

/// A broken contract, with the seed and input that show it.
#[derive(Debug)]
pub struct Failure {
    pub target: String,
    pub seed: u64,
    pub what: String,
    pub input: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "fuzz target {} seed {}: {}\n  replay: cargo run --release --example fuzz -- --target {} --seed {} --count 1\n  input: {}",
            self.target, self.seed, self.what, self.target, self.seed, self.input
        )
    }
}

/// What a run of a target did.
#[derive(Debug, Default)]
pub struct Summary {
    pub inputs: u64,
    /// Inputs read or loaded without an error.
    pub accepted: u64,
    pub failures: Vec<Failure>,
    pub slowest: Duration,
    pub slowest_seed: u64,
}

/// A target with its corpus, ready to run inputs.
pub enum Target {
    Loader(loader::Corpus),
    Traces(tempfile::TempDir),
    Records(Box<records::Corpus>),
}

impl Target {
    pub fn new(name: &str) -> Option<Target> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Some(match name {
            "loader" => Target::Loader(loader::Corpus::load(root)),
            "traces" => Target::Traces(tempfile::tempdir().unwrap()),
            "records" => Target::Records(Box::new(records::Corpus::load())),
            _ => return None,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Target::Loader(_) => "loader",
            Target::Traces(_) => "traces",
            Target::Records(_) => "records",
        }
    }

    /// The input of `seed`, as a failure shows it.
    pub fn describe(&self, seed: u64) -> String {
        match self {
            Target::Loader(corpus) => loader::input(corpus, seed).describe(),
            Target::Traces(_) => traces::input(seed).describe(),
            Target::Records(corpus) => records::input(corpus, seed).describe(),
        }
    }

    /// Runs input `seed`: whether it was accepted, or how the contract broke
    /// (with the input described).
    fn case(&self, seed: u64) -> Result<bool, (String, String)> {
        match self {
            Target::Loader(corpus) => {
                let input = loader::input(corpus, seed);
                guarded(|| loader::check(&input)).map_err(|w| (w, input.describe()))
            }
            Target::Traces(dir) => {
                let input = traces::input(seed);
                guarded(|| traces::check(&input, dir.path())).map_err(|w| (w, input.describe()))
            }
            Target::Records(corpus) => {
                let input = records::input(corpus, seed);
                guarded(|| records::check(corpus, &input)).map_err(|w| (w, input.describe()))
            }
        }
    }
}

/// Runs `f`, turning a panic into a broken contract.
fn guarded(f: impl FnOnce() -> Result<bool, String>) -> Result<bool, String> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(format!("panicked: {what}"))
        }
    }
}

/// Keeps panics quiet (they are reported as failures with their seed).
fn quiet_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// Ends the process, naming the seed, when one case runs past `CASE_LIMIT`
/// (a hang cannot be caught in-process).
fn watchdog(
    target: &'static str,
    current: Arc<AtomicU64>,
    started_ms: Arc<AtomicU64>,
    clock: Instant,
) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(500));
            let began = started_ms.load(Ordering::Relaxed);
            let now = clock.elapsed().as_millis() as u64;
            if began != u64::MAX && now.saturating_sub(began) > CASE_LIMIT.as_millis() as u64 {
                eprintln!(
                    "fuzz target {target} seed {}: still running after {} s (unbounded time)",
                    current.load(Ordering::Relaxed),
                    CASE_LIMIT.as_secs()
                );
                std::process::exit(3);
            }
        }
    });
}

/// Runs `target` on seeds from `first`, at most `count` inputs and for at
/// most `budget`, stopping after `max_failures` failures.
pub fn run(
    target: &Target,
    first: u64,
    count: u64,
    budget: Duration,
    max_failures: usize,
) -> Summary {
    quiet_panics();
    let current = Arc::new(AtomicU64::new(first));
    let started_ms = Arc::new(AtomicU64::new(u64::MAX));
    let clock = Instant::now();
    watchdog(target.name(), current.clone(), started_ms.clone(), clock);
    let mut summary = Summary::default();
    let mut seed = first;
    while summary.inputs < count
        && clock.elapsed() < budget
        && summary.failures.len() < max_failures
    {
        current.store(seed, Ordering::Relaxed);
        started_ms.store(clock.elapsed().as_millis() as u64, Ordering::Relaxed);
        let t = Instant::now();
        let result = target.case(seed);
        let took = t.elapsed();
        started_ms.store(u64::MAX, Ordering::Relaxed);
        if took > summary.slowest {
            summary.slowest = took;
            summary.slowest_seed = seed;
        }
        summary.inputs += 1;
        match result {
            Ok(accepted) => summary.accepted += accepted as u64,
            Err((what, input)) => summary.failures.push(Failure {
                target: target.name().into(),
                seed,
                what,
                input,
            }),
        }
        seed = seed.wrapping_add(1);
    }
    summary
}
