//! Corrupt traces are bad input (exit code 2) naming the file and the line or
//! byte offset and what was wrong; never a panic, never a silent answer.
//! With `skip_bad` malformed lines are counted and skipped instead.

use std::io::Write;
use std::path::{Path, PathBuf};

use edgesim::cache::PolicyKind;
use edgesim::error::{EXIT_BAD_INPUT, Error};
use edgesim::replay::{CacheSize, ReplaySpec, Warmup, replay};
use edgesim::workload::trace::{TraceFormat, TraceReader};

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn spec() -> ReplaySpec {
    ReplaySpec {
        policies: vec![PolicyKind::Lru],
        sizes: vec![CacheSize::Units(100)],
        ignore_size: false,
        warmup: Warmup::Requests(0),
        max_requests: None,
    }
}

/// Replays `path` and returns the error's message, checking it is bad input
/// that names the file.
fn replay_error(path: &Path, format: &TraceFormat) -> String {
    let err: Error = replay(path, format, false, &spec()).expect_err("bad input must fail");
    assert_eq!(err.exit_code(), EXIT_BAD_INPUT, "{err}");
    let message = err.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    message
}

fn csv() -> TraceFormat {
    TraceFormat::by_name("csv").unwrap()
}

#[test]
fn truncated_oracle_general_names_the_record_offset() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for i in 0..3u64 {
        bytes.extend_from_slice(&(i as u32).to_le_bytes());
        bytes.extend_from_slice(&i.to_le_bytes());
        bytes.extend_from_slice(&100u32.to_le_bytes());
        bytes.extend_from_slice(&(-1i64).to_le_bytes());
    }
    bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    let path = write(dir.path(), "t.oracleGeneral", &bytes);
    let m = replay_error(&path, &TraceFormat::OracleGeneral);
    assert!(
        m.contains("byte offset 72") && m.contains("truncated record: 10 of 24 bytes"),
        "{m}"
    );
}

#[test]
fn wrong_column_count_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", b"time,id,size\n1,2,3\n2,5\n");
    let m = replay_error(&path, &csv());
    assert!(
        m.contains(":3: ") && m.contains("expected at least 3 fields, found 2"),
        "{m}"
    );
}

#[test]
fn non_numeric_fields_name_line_column_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", b"1,2,3\n2,7,abc\n");
    let m = replay_error(&path, &csv());
    assert!(
        m.contains(":2:5: key `size`") && m.contains("\"abc\""),
        "{m}"
    );
    let path = write(dir.path(), "u.csv", b"1,2,3\nnoon,7,3\n");
    let m = replay_error(&path, &csv());
    assert!(m.contains(":2:1: key `time`"), "{m}");
    let path = write(dir.path(), "v.csv", b"1,2,3\n2,0x1g,3\n");
    let m = replay_error(&path, &csv());
    assert!(
        m.contains(":2:3: key `obj_id`") && m.contains("integer object id"),
        "{m}"
    );
}

#[test]
fn negative_sizes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", b"1,2,3\n2,7,-40\n");
    let m = replay_error(&path, &csv());
    assert!(m.contains(":2:") && m.contains("cannot be negative"), "{m}");
}

#[test]
fn empty_files_hold_no_request() {
    let dir = tempfile::tempdir().unwrap();
    for (name, format) in [
        ("e.csv", csv()),
        ("e.oracleGeneral", TraceFormat::OracleGeneral),
    ] {
        let path = write(dir.path(), name, b"");
        assert!(replay_error(&path, &format).contains("holds no request"));
    }
    let path = write(dir.path(), "h.csv", b"timestamp,obj_id,size\n");
    assert!(replay_error(&path, &csv()).contains("holds no request"));
    let path = write(dir.path(), "z.csv", b"1,2,0\n2,3,0\n");
    let m = replay_error(&path, &csv());
    assert!(m.contains("2 of size 0 were dropped"), "{m}");
}

#[test]
fn binary_garbage_given_as_csv_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut x: u64 = 99;
    let garbage: Vec<u8> = (0..200_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect();
    let path = write(dir.path(), "g.csv", &garbage);
    let m = replay_error(&path, &csv());
    assert!(m.contains(&format!("{}:", path.display())), "{m}");
    // Every line of it through every text layout with skip_bad: no panic,
    // and every line is either delivered, dropped or counted as bad.
    for name in ["csv", "tsv", "txt", "wiki2019", "webcachesim"] {
        let mut reader =
            TraceReader::open(&path, &TraceFormat::by_name(name).unwrap(), true).unwrap();
        let mut batch = Vec::new();
        while reader.read_batch(&mut batch, 1000).unwrap() > 0 {}
        let stats = reader.stats();
        let lines = garbage.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        assert!(
            stats.requests + stats.zero_size_dropped + stats.bad_skipped <= lines,
            "{name}"
        );
        assert!(stats.bad_skipped > 0, "{name}");
    }
    // One long line without a newline: refused by the line-length bound.
    let long = vec![b'7'; (1 << 20) + 10];
    let path = write(dir.path(), "long.csv", &long);
    let m = replay_error(&path, &csv());
    assert!(m.contains("longer than"), "{m}");
}

#[test]
fn corrupt_compressed_input_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&b"1,2,3\n".repeat(10_000)).unwrap();
    let mut bytes = gz.finish().unwrap();
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    let path = write(dir.path(), "t.csv.gz", &bytes);
    let m = replay_error(&path, &csv());
    assert!(m.contains("decompress"), "{m}");
    let path = write(dir.path(), "t.csv.zst", b"this is not zstd");
    let m = replay_error(&path, &csv());
    assert!(m.contains("zstd") || m.contains("decompress"), "{m}");
}

#[test]
fn skip_bad_counts_and_reports_malformed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "t.csv", b"1,2,3\n2,x,3\n3,2,-1\n4,2\n5,2,3\n");
    let mut reader = TraceReader::open(&path, &csv(), true).unwrap();
    let mut batch = Vec::new();
    reader.read_batch(&mut batch, 100).unwrap();
    assert_eq!(batch.len(), 2);
    let stats = reader.stats();
    assert_eq!(stats.bad_skipped, 3);
    assert!(
        stats
            .first_bad
            .as_deref()
            .unwrap()
            .contains(":2:3: key `obj_id`")
    );
    let outcome = replay(&path, &csv(), true, &spec()).unwrap();
    assert_eq!(outcome.rows[0].requests, 2);
    assert_eq!(outcome.rows[0].misses, 1);
}

#[test]
fn missing_files_and_unknown_columns_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let err = replay(&dir.path().join("nope.csv"), &csv(), false, &spec()).unwrap_err();
    assert_eq!(err.exit_code(), EXIT_BAD_INPUT);
    let path = write(dir.path(), "t.csv", b"ts,key,bytes\n1,2,3\n");
    let mut format = csv();
    if let TraceFormat::Text(o) = &mut format {
        o.size = Some(edgesim::workload::trace::Column::Name("size".into()));
    }
    let m = replay_error(&path, &format);
    assert!(m.contains("no column named \"size\""), "{m}");
}
