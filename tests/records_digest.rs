//! Run records prove themselves: a record edited after edgesim wrote it
//! (a metric changed, a NaN put in), one whose seed contradicts the plan,
//! and a manifest that contradicts the files it describes are refused with
//! exit 2 naming the file, by merge, resume and plot alike.

mod common;

use std::fs;
use std::path::Path;

use common::{SMALL_QUEUE, edgesim, stderr};
use edgesim::batch::records::{decode, encode};
use edgesim::study::read_manifest;
use serde_json::Value;

const RECORD: &str = "runs/run-00000004.json";

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    dir
}

fn run_ok(d: &Path, args: &[&str]) {
    let out = edgesim(d, args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
}

/// Three shard folders `shards/K` of the small sweep.
fn shards(d: &Path) {
    for k in 0..3 {
        let shard = format!("{k}/3");
        let out = format!("shards/{k}");
        run_ok(d, &["run", "exp.toml", "--shard", &shard, "--out", &out]);
    }
}

fn merge(d: &Path) -> std::process::Output {
    edgesim(
        d,
        &[
            "merge", "shards/0", "shards/1", "shards/2", "--out", "merged",
        ],
    )
}

fn refused(out: &std::process::Output, naming: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for word in naming {
        assert!(err.contains(word), "no {word}: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Rewrites the JSON of `path` with `edit`; the rewrite alone (other key
/// order, same content) changes nothing a record proves.
fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    edit(&mut value);
    fs::write(path, serde_json::to_vec(&value).unwrap()).unwrap();
}

fn set_first_metric(path: &Path, text: &str) {
    edit_json(path, |v| v["metrics"][0][1] = Value::String(text.into()));
}

#[test]
fn a_record_rewritten_without_a_change_is_accepted() {
    let temp = setup();
    let d = temp.path();
    shards(d);
    edit_json(&d.join("shards/1").join(RECORD), |_| {});
    let out = merge(d);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn an_edited_metric_is_refused_by_merge_resume_and_plot() {
    let temp = setup();
    let d = temp.path();
    shards(d);
    set_first_metric(&d.join("shards/1").join(RECORD), "12345");
    refused(&merge(d), &["shards/1/runs/run-00000004.json", "SHA-256"]);
    assert!(!d.join("merged/results.csv").exists(), "nothing merged");

    run_ok(d, &["run", "exp.toml", "--out", "whole"]);
    set_first_metric(&d.join("whole").join(RECORD), "12345");
    let resume = edgesim(d, &["run", "exp.toml", "--out", "whole", "--resume"]);
    refused(&resume, &["whole/runs/run-00000004.json", "SHA-256"]);
    refused(
        &edgesim(d, &["plot", "whole"]),
        &["whole/runs/run-00000004.json", "SHA-256"],
    );
}

#[test]
fn a_nan_metric_put_in_a_record_is_refused() {
    let temp = setup();
    let d = temp.path();
    shards(d);
    set_first_metric(&d.join("shards/1").join(RECORD), "NaN");
    refused(&merge(d), &["run-00000004.json", "SHA-256"]);
}

#[test]
fn a_record_whose_seed_contradicts_the_plan_is_refused_by_merge() {
    let temp = setup();
    let d = temp.path();
    shards(d);
    // A record with a valid digest but another seed: what a foreign or a
    // forged record looks like once its digest is recomputed.
    let path = d.join("shards/1").join(RECORD);
    let study = read_manifest(&d.join("shards/1")).unwrap().study;
    let mut record = decode(&fs::read(&path).unwrap()).unwrap().record;
    record.plan.seed ^= 1;
    fs::write(&path, encode(&study, &record)).unwrap();
    refused(&merge(d), &["shards/1/runs/run-00000004.json", "seed"]);
    // A record of the same run of another experiment (other --set values).
    run_ok(
        d,
        &[
            "run",
            "exp.toml",
            "--shard",
            "1/3",
            "--out",
            "other",
            "--set",
            "run.seed=8",
        ],
    );
    fs::copy(d.join("other").join(RECORD), &path).unwrap();
    refused(
        &merge(d),
        &["shards/1/runs/run-00000004.json", "other --set values"],
    );
}

#[test]
fn edited_data_files_are_refused_by_plot() {
    let temp = setup();
    let d = temp.path();
    run_ok(d, &["run", "exp.toml", "--out", "o"]);
    let results = d.join("o/results.csv");
    let text = fs::read_to_string(&results).unwrap();
    let edited = text.replacen(",1,", ",2,", 1);
    assert_ne!(text, edited);
    fs::write(&results, edited).unwrap();
    refused(
        &edgesim(d, &["plot", "o"]),
        &["o/results.csv", "run records"],
    );
    // The records rebuild it.
    run_ok(d, &["run", "exp.toml", "--out", "o", "--resume"]);
    assert_eq!(fs::read_to_string(&results).unwrap(), text);
    run_ok(d, &["plot", "o"]);
}

#[test]
fn a_manifest_that_contradicts_its_files_is_refused_by_plot() {
    let temp = setup();
    let d = temp.path();
    run_ok(d, &["run", "exp.toml", "--out", "o"]);
    let manifest = d.join("o/manifest.json");
    let original = fs::read(&manifest).unwrap();
    let more_points = |v: &mut Value| {
        let points = v["point_values"].as_array_mut().unwrap();
        points.push(serde_json::json!(["3", "0.5/s"]));
        points.push(serde_json::json!(["3", "0.8/s"]));
    };
    // Six points listed where the files hold four: the manifest's own
    // counts and run list contradict it.
    edit_json(&manifest, more_points);
    refused(&edgesim(d, &["plot", "o"]), &["o/manifest.json", "points"]);
    // A manifest consistent in itself, listing runs the folder lacks.
    fs::write(&manifest, &original).unwrap();
    edit_json(&manifest, |v| {
        more_points(v);
        v["points"] = Value::from(6);
        v["total_runs"] = Value::from(18);
        let runs = v["runs"].as_array_mut().unwrap();
        let last = runs.last().unwrap().clone();
        for index in 12..18u64 {
            let mut run = last.clone();
            run["run_index"] = Value::from(index);
            run["point"] = Value::from(index / 3);
            run["replication"] = Value::from(index % 3);
            runs.push(run);
        }
    });
    refused(&edgesim(d, &["plot", "o"]), &["run-00000012.json"]);
    fs::remove_dir_all(d.join("o/runs")).unwrap();
    refused(
        &edgesim(d, &["plot", "o"]),
        &["o/results.csv", "manifest.json", "12 runs", "18"],
    );
}
