//! A short run of every fuzz target (see `tests/fuzz_harness` and
//! docs/reliability.md): a few thousand generated inputs each, no input
//! may panic, hang, be misread or fail without saying where. A failure
//! prints the seed and the command that replays it. Longer runs:
//! `cargo run --release --example fuzz -- --target all --minutes 30`.

mod fuzz_harness;

use std::time::Duration;

fn short(name: &str, count: u64) {
    let target = fuzz_harness::Target::new(name).unwrap();
    let summary = fuzz_harness::run(&target, 0, count, Duration::from_secs(3600), 5);
    let report: Vec<String> = summary.failures.iter().map(|f| f.to_string()).collect();
    assert!(report.is_empty(), "{}", report.join("\n\n"));
    assert_eq!(summary.inputs, count);
    assert!(
        summary.accepted > 0 && summary.accepted < count,
        "{summary:?}"
    );
}

#[test]
fn loader() {
    short("loader", 2000);
}

#[test]
fn traces() {
    short("traces", 5000);
}

#[test]
fn records() {
    short("records", 3000);
}

/// Found by the `records` target: a field the format does not have was
/// read past (the digest does not cover it), so an edited record with an
/// extra field was accepted.
#[test]
fn a_record_with_a_field_the_format_lacks_is_refused() {
    let corpus = fuzz_harness::records::Corpus::load();
    let mut record: serde_json::Value = serde_json::from_slice(&corpus.written()).unwrap();
    assert!(edgesim::batch::records::decode(&corpus.written()).is_ok());
    record["note"] = serde_json::Value::from("added by hand");
    let error = edgesim::batch::records::decode(&serde_json::to_vec(&record).unwrap())
        .err()
        .expect("the record is refused");
    assert!(error.contains("unknown field `note`"), "{error}");
}
