//! The experiments shipped in `experiments/`, and how the tests run them
//! at reduced size.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{edgesim, root, stderr};

/// Extra `--set` values that make a shipped experiment quick enough for a
/// test, by file name; every file also gets `run.replications=2`.
const REDUCED: &[(&str, &[&str])] = &[];

/// Every experiment file under `experiments/`.
pub fn shipped_experiments() -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(&root().join("experiments"), &mut found);
    found
}

/// Runs `file` at reduced size into `out`.
pub fn run_reduced(file: &Path, out: &Path) {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut args = vec![
        "run".to_string(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(["--set".into(), "run.replications=2".into()]);
    for (_, sets) in REDUCED.iter().filter(|(n, _)| *n == name) {
        for set in *sets {
            args.extend(["--set".into(), set.to_string()]);
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = edgesim(root(), &args);
    assert!(run.status.success(), "{}: {}", file.display(), stderr(&run));
    assert!(
        !stderr(&run).contains("warning"),
        "{}: {}",
        file.display(),
        stderr(&run)
    );
}
