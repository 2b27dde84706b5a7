//! Writes a synthetic Zipf trace as CSV and oracleGeneral, for benchmarks.
//!
//! Usage: make_zipf_trace OUT_STEM REQUESTS OBJECTS ALPHA [SEED]
//! writes OUT_STEM.csv (timestamp,obj_id,size with a header) and
//! OUT_STEM.oracleGeneral with the same requests. Object ids are scattered
//! 64-bit values; each object has a fixed size between 256 B and ~1 MiB.

use std::path::PathBuf;

use edgesim::engine::rng::splitmix64;
use edgesim::engine::{SimTime, Streams};
use edgesim::workload::trace::{CsvTraceWriter, OracleGeneralWriter, Request, TimeUnit};
use edgesim::workload::zipf::Zipf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 5 {
        return Err("usage: make_zipf_trace OUT_STEM REQUESTS OBJECTS ALPHA [SEED]".into());
    }
    let stem = PathBuf::from(&args[1]);
    let requests: u64 = args[2].parse()?;
    let objects: u64 = args[3].parse()?;
    let alpha: f64 = args[4].parse()?;
    let seed: u64 = args.get(5).map(|s| s.parse()).transpose()?.unwrap_or(1);
    let zipf = Zipf::new(objects, alpha)?;
    let mut rng = Streams::new(seed).stream("bench/zipf-trace", 0);
    let mut csv = CsvTraceWriter::create(&stem.with_extension("csv"), TimeUnit::Seconds)?;
    let mut bin =
        OracleGeneralWriter::create(&stem.with_extension("oracleGeneral"), TimeUnit::Seconds)?;
    for i in 0..requests {
        let rank = zipf.sample(&mut rng);
        let id = splitmix64(rank ^ seed) >> 1;
        let h = splitmix64(id);
        let size = (256u64 << (h % 12)) + (h >> 32) % 1024;
        let r = Request {
            time: SimTime::from_secs(i / 1000),
            id,
            size,
        };
        csv.write(&r)?;
        bin.write(&r)?;
    }
    csv.finish()?;
    bin.finish()?;
    Ok(())
}
