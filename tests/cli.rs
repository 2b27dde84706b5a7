//! The command line as a user meets it: help, check, dry run, run, validate.

mod common;

use common::{SMALL_QUEUE, edgesim, root, stderr, stdout};

#[test]
fn help_lists_commands_and_examples() {
    let out = edgesim(root(), &["--help"]);
    assert!(out.status.success());
    let text = stdout(&out);
    for word in [
        "run",
        "check",
        "validate",
        "Examples:",
        "experiments/quickstart.toml",
    ] {
        assert!(text.contains(word), "help lacks {word}: {text}");
    }
}

#[test]
fn check_accepts_every_shipped_experiment() {
    let mut files = vec![];
    for dir in ["experiments", "experiments/validation"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 2);
    for file in files {
        let out = edgesim(root(), &["check", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", file.display(), stderr(&out));
        assert!(stdout(&out).starts_with("ok:"));
    }
}

#[test]
fn dry_run_prints_the_run_table() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    let out = edgesim(dir.path(), &["run", "exp.toml", "--dry-run"]);
    assert!(out.status.success());
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "run_index\tpoint\treplication\tseed\tqueue.servers\tqueue.arrival_rate"
    );
    assert_eq!(lines.len(), 13);
    assert!(lines[1].starts_with("0\t0\t0\t"));
    assert!(lines[12].starts_with("11\t3\t2\t"));
    assert!(lines[12].ends_with("\t2\t0.8/s"));
    assert!(
        !dir.path().join("output").exists(),
        "a dry run writes nothing"
    );
}

#[test]
fn run_writes_every_output_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    let out = edgesim(
        dir.path(),
        &["run", "exp.toml", "--set", "run.replications=2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let folder = dir.path().join("output/small");
    for name in [
        "results.csv",
        "summary.csv",
        "timeseries.csv",
        "histograms.csv",
        "manifest.json",
    ] {
        assert!(folder.join(name).exists(), "{name} missing");
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["runs"].as_array().unwrap().len(), 8);
    assert_eq!(manifest["experiment_sha256"].as_str().unwrap().len(), 64);
    assert!(manifest["events"].as_u64().unwrap() > 0);
    assert!(manifest["events_per_s"].as_f64().unwrap() > 0.0);
    let summary = std::fs::read_to_string(folder.join("summary.csv")).unwrap();
    assert!(
        summary.starts_with("point,queue.servers,queue.arrival_rate,metric,n,mean,ci95_half_width")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn validate_passes() {
    let out = edgesim(root(), &["validate", "--only", "M/M/1 rho=0.9"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("pass"));
}
