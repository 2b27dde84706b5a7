//! The output bytes of every shipped experiment, at reduced size, against
//! the digests recorded in `tests/data/output-digests.txt`: a change that
//! should not alter results (a refactor, a speed-up) must keep every file
//! byte for byte. A change that alters results on purpose records the new
//! digests with `EDGESIM_BLESS_DIGESTS=1 cargo test --release --test
//! output_bytes` and says why in its commit.

mod common;
mod report_support;

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use common::root;
use report_support::{run_reduced, shipped_experiments, shipped_searches};
use sha2::{Digest, Sha256};

/// The files compared; `manifest.json` holds wall times and is left out.
const FILES: [&str; 5] = [
    "results.csv",
    "summary.csv",
    "timeseries.csv",
    "histograms.csv",
    "report.html",
];

/// The files of a search compared.
const SEARCH_FILES: [&str; 3] = ["plan.csv", "answer.json", "report.html"];

const DIGESTS: &str = "tests/data/output-digests.txt";

/// The digest of a file, with the checkout's own path (the report names the
/// experiment file as it was given, here an absolute path) replaced, so the
/// digests hold in any checkout.
fn digest(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let root = root().display().to_string();
            let text = String::from_utf8_lossy(&bytes).replace(&root, "ROOT");
            format!("{:x}", Sha256::digest(text.as_bytes()))
        }
        Err(_) => "absent".to_string(),
    }
}

#[test]
fn shipped_experiments_keep_their_output_bytes() {
    let temp = tempfile::tempdir().unwrap();
    let mut table = String::new();
    for (i, file) in shipped_experiments().iter().enumerate() {
        let out = temp.path().join(format!("out-{i}"));
        run_reduced(file, &out);
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for output in FILES {
            writeln!(table, "{name} {output} {}", digest(&out.join(output))).unwrap();
        }
    }
    for (i, file) in shipped_searches().iter().enumerate() {
        let out = temp.path().join(format!("search-{i}"));
        run_reduced(file, &out);
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        for output in SEARCH_FILES {
            writeln!(table, "{name} {output} {}", digest(&out.join(output))).unwrap();
        }
    }
    let recorded_path = root().join(DIGESTS);
    if std::env::var_os("EDGESIM_BLESS_DIGESTS").is_some() {
        fs::write(&recorded_path, &table).unwrap();
        return;
    }
    let recorded = fs::read_to_string(&recorded_path).unwrap_or_default();
    let differ: Vec<String> = table
        .lines()
        .filter(|line| !recorded.lines().any(|r| r == *line))
        .map(|line| line.rsplit_once(' ').unwrap().0.to_string())
        .collect();
    assert!(
        differ.is_empty() && recorded.lines().count() == table.lines().count(),
        "output bytes changed for: {differ:?} (see the top of tests/output_bytes.rs)"
    );
}
