//! A sweep cut into shards that run as separate processes, then merged,
//! writes exactly what the unsharded sweep writes; merge refuses folders
//! that do not add up to one experiment, naming the folder.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{SMALL_QUEUE, edgesim, stderr};

/// Files that must be byte-identical between a merged and an unsharded run.
const SAME: [&str; 6] = [
    "results.csv",
    "summary.csv",
    "timeseries.csv",
    "histograms.csv",
    "experiment.toml",
    "report.html",
];

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    dir
}

fn run_shards(dir: &Path, count: usize) {
    let children: Vec<_> = (0..count)
        .map(|k| {
            Command::new(env!("CARGO_BIN_EXE_edgesim"))
                .args(["run", "exp.toml", "--threads", "1", "--shard"])
                .arg(format!("{k}/{count}"))
                .arg("--out")
                .arg(format!("shards/{k}"))
                .current_dir(dir)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    }
}

fn files_of(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = SAME
        .iter()
        .map(|name| (name.to_string(), fs::read(dir.join(name)).unwrap()))
        .collect();
    let mut plots: Vec<_> = fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    plots.sort();
    assert!(plots.len() >= 5, "charts were drawn: {plots:?}");
    for p in plots {
        let name = format!("plots/{}", p.file_name().unwrap().to_string_lossy());
        files.push((name, fs::read(p).unwrap()));
    }
    files
}

#[test]
fn merged_shards_equal_the_unsharded_run_byte_for_byte() {
    let dir = setup();
    let d = dir.path();
    let whole = edgesim(d, &["run", "exp.toml", "--out", "whole", "--threads", "2"]);
    assert!(whole.status.success(), "{}", stderr(&whole));
    run_shards(d, 4);
    let shard_manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("shards/1/manifest.json")).unwrap()).unwrap();
    assert_eq!(shard_manifest["shard"]["index"], 1);
    assert_eq!(shard_manifest["runs"].as_array().unwrap().len(), 3);
    assert!(
        !d.join("shards/1/summary.csv").exists(),
        "a shard writes no summary"
    );
    let merged = edgesim(
        d,
        &[
            "merge", "shards/0", "shards/1", "shards/2", "shards/3", "--out", "merged",
        ],
    );
    assert!(merged.status.success(), "{}", stderr(&merged));
    let (a, b) = (files_of(&d.join("whole")), files_of(&d.join("merged")));
    assert_eq!(a.len(), b.len());
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert!(
            x == y,
            "{name} differs between the merged and the unsharded run"
        );
    }
    let manifest = |p: &str| -> serde_json::Value {
        serde_json::from_slice(&fs::read(d.join(p).join("manifest.json")).unwrap()).unwrap()
    };
    let (mut m1, mut m2) = (manifest("whole"), manifest("merged"));
    for m in [&mut m1, &mut m2] {
        let o = m.as_object_mut().unwrap();
        for key in ["wall_s", "threads", "events_per_s"] {
            o.remove(key);
        }
        for run in o["runs"].as_array_mut().unwrap() {
            run.as_object_mut().unwrap().remove("wall_s");
        }
    }
    assert_eq!(m1, m2, "manifests differ beyond wall times and threads");
    let plot = edgesim(d, &["plot", "shards/2"]);
    assert_eq!(plot.status.code(), Some(2));
    assert!(
        stderr(&plot).contains("merge the shards first"),
        "{}",
        stderr(&plot)
    );
}

fn merge_fails(d: &Path, args: &[&str], naming: &str) {
    let mut all = vec!["merge"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", "bad-merge"]);
    let out = edgesim(d, &all);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(naming), "{args:?}: {}", stderr(&out));
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn merge_refuses_folders_that_do_not_make_one_experiment() {
    let dir = setup();
    let d = dir.path();
    run_shards(d, 3);
    merge_fails(d, &["shards/0", "shards/1"], "runs 2, 5, 8, 11");
    merge_fails(
        d,
        &["shards/0", "shards/1", "shards/2", "shards/2"],
        "shards/2",
    );
    merge_fails(d, &["shards/0", "nowhere"], "nowhere");
    fs::create_dir(d.join("empty")).unwrap();
    merge_fails(d, &["shards/0", "empty"], "empty/manifest.json");
    fs::write(
        d.join("other.toml"),
        SMALL_QUEUE.replace("seed = 7", "seed = 8"),
    )
    .unwrap();
    let other = edgesim(
        d,
        &["run", "other.toml", "--shard", "2/3", "--out", "other"],
    );
    assert!(other.status.success());
    merge_fails(
        d,
        &["shards/0", "shards/1", "other"],
        "another experiment file",
    );
    let with_set = edgesim(
        d,
        &[
            "run",
            "exp.toml",
            "--shard",
            "2/3",
            "--out",
            "set",
            "--set",
            "run.seed=7",
        ],
    );
    assert!(with_set.status.success());
    merge_fails(d, &["shards/0", "shards/1", "set"], "other --set values");
    fs::remove_file(d.join("shards/1/runs/run-00000004.json")).unwrap();
    merge_fails(
        d,
        &["shards/0", "shards/1", "shards/2"],
        "run-00000004.json",
    );
    fs::write(d.join("shards/0/manifest.json"), "{ not json").unwrap();
    merge_fails(
        d,
        &["shards/0", "shards/1", "shards/2"],
        "shards/0/manifest.json",
    );
}

#[test]
fn a_shard_dry_run_lists_only_its_runs() {
    let dir = setup();
    let out = edgesim(
        dir.path(),
        &["run", "exp.toml", "--dry-run", "--shard", "1/5"],
    );
    assert!(out.status.success());
    let indexes: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    assert_eq!(indexes, vec!["1", "6", "11"]);
    for bad in ["5/5", "1", "x/4", "-1/4"] {
        let out = edgesim(dir.path(), &["run", "exp.toml", "--shard", bad]);
        assert_eq!(out.status.code(), Some(2), "--shard {bad}");
    }
}
