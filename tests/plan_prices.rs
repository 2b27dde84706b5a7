//! The price file is part of a run's plan identity: records made with other
//! prices (an edited `models/prices.toml` in a rebuilt binary, or another
//! `[prices] file`) are never reused by `--resume` or joined by `merge`,
//! because every cost metric of those runs is wrong for the new prices.

mod common;

use std::fs;
use std::path::Path;

use common::{SMALL_QUEUE, edgesim, root, stderr};
use edgesim::prices::{Prices, SHIPPED_PRICES_TOML};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The small queue sweep priced from `prices.toml` in its folder.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL_QUEUE.replace("[queue]", "[prices]\nfile = \"prices.toml\"\n\n[queue]");
    fs::write(dir.path().join("exp.toml"), text).unwrap();
    fs::write(dir.path().join("prices.toml"), SHIPPED_PRICES_TOML).unwrap();
    dir
}

/// The price file with the c5.large list price changed.
fn reprice(d: &Path) {
    let text = SHIPPED_PRICES_TOML.replacen("usd_per_hour = 0.085", "usd_per_hour = 0.095", 1);
    assert_ne!(
        text, SHIPPED_PRICES_TOML,
        "the shipped c5.large price moved"
    );
    fs::write(d.join("prices.toml"), text).unwrap();
}

fn refused(out: &std::process::Output, naming: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for word in naming {
        assert!(err.contains(word), "no {word:?} in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn the_shipped_prices_digest_is_the_files_and_reaches_the_manifest() {
    let shipped = fs::read(root().join("models/prices.toml")).unwrap();
    assert_eq!(Prices::shipped().sha256, sha256_hex(&shipped));
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("o/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["prices_sha256"], sha256_hex(&shipped));
    let record = fs::read_to_string(dir.path().join("o/runs/run-00000000.json")).unwrap();
    assert!(record.contains(&sha256_hex(&shipped)), "{record}");
}

#[test]
fn resume_refuses_records_made_with_other_prices() {
    let dir = setup();
    let d = dir.path();
    let first = edgesim(d, &["run", "exp.toml", "--out", "o"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let same = edgesim(d, &["run", "exp.toml", "--out", "o", "--resume"]);
    assert!(same.status.success(), "{}", stderr(&same));
    assert!(
        stderr(&same).contains("12 of 12 runs already done, 0 to run"),
        "the same prices keep every record: {}",
        stderr(&same)
    );
    reprice(d);
    let out = edgesim(d, &["run", "exp.toml", "--out", "o", "--resume"]);
    refused(&out, &["run-00000000.json", "other prices"]);
    let fresh = edgesim(d, &["run", "exp.toml", "--out", "o"]);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    let again = edgesim(d, &["run", "exp.toml", "--out", "o", "--resume"]);
    assert!(stderr(&again).contains("12 of 12 runs already done"));
}

#[test]
fn merge_refuses_shards_made_with_other_prices() {
    let dir = setup();
    let d = dir.path();
    let shard = |k: usize| {
        let (s, out) = (format!("{k}/2"), format!("shards/{k}"));
        let run = edgesim(d, &["run", "exp.toml", "--shard", &s, "--out", &out]);
        assert!(run.status.success(), "{}", stderr(&run));
    };
    shard(0);
    reprice(d);
    shard(1);
    let out = edgesim(d, &["merge", "shards/0", "shards/1", "--out", "m"]);
    refused(&out, &["other prices"]);
}
