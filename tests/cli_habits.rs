//! Command-line habits: what a user types by reflex (`--set` on a swept key,
//! a typo in a key or a name, `--out` on every command) does what they mean
//! or says exactly what to type instead. Each test runs the `edgesim`
//! binary in a temporary folder.

mod common;

use std::fs;

use common::{edgesim, root, stderr, stdout};

/// The quickstart experiment, by path from the project root.
fn quickstart() -> String {
    root()
        .join("experiments/quickstart.toml")
        .display()
        .to_string()
}

#[test]
fn set_on_a_swept_key_replaces_its_sweep_in_a_dry_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = quickstart();
    let out = edgesim(
        dir.path(),
        &["run", &file, "--set", "cdn.mode=push", "--dry-run"],
    );
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("--set cdn.mode=push replaces the sweep of cdn.mode (2 values)"),
        "{err}"
    );
    assert!(!text.contains("no-cdn") && !text.contains("pull"), "{text}");
    let header = text.lines().next().unwrap();
    assert_eq!(header, "run_index\tpoint\treplication\tseed", "{text}");
    // One point, two replications.
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn set_on_a_swept_key_runs_only_the_set_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = quickstart();
    let out = edgesim(
        dir.path(),
        &[
            "run",
            &file,
            "--set",
            "cdn.mode=push",
            "--set",
            "run.duration=60s",
            "--set",
            "run.warmup=10s",
            "--set",
            "run.replications=1",
            "--out",
            "q",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("--set cdn.mode=push replaces the sweep of cdn.mode (2 values)"),
        "{err}"
    );
    let manifest = fs::read_to_string(dir.path().join("q/manifest.json")).unwrap();
    assert!(manifest.contains("\"sweep_paths\": []"), "{manifest}");
    let results = fs::read_to_string(dir.path().join("q/results.csv")).unwrap();
    assert_eq!(results.lines().count(), 2, "one run: {results}");
    assert!(!results.contains("no-cdn") && !results.contains(",pull"));
}

#[test]
fn set_on_one_of_two_swept_keys_keeps_the_other_sweep() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), common::SMALL_QUEUE).unwrap();
    let out = edgesim(
        dir.path(),
        &["run", "exp.toml", "--set", "queue.servers=3", "--dry-run"],
    );
    let (text, err) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("--set queue.servers=3 replaces the sweep of queue.servers (2 values)"),
        "{err}"
    );
    let header = text.lines().next().unwrap();
    assert_eq!(
        header, "run_index\tpoint\treplication\tseed\tqueue.arrival_rate",
        "{text}"
    );
    // Two points (the arrival rates) of three replications.
    assert_eq!(text.lines().count(), 7, "{text}");
}

#[test]
fn unknown_cache_control_directive_is_an_error_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    let file = quickstart();
    let out = edgesim(
        dir.path(),
        &[
            "check",
            &file,
            "--set",
            "cdn.catalogue.cache_control=max-agee=10",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("key `cdn.catalogue.cache_control`"), "{err}");
    assert!(err.contains("unknown directive \"max-agee\""), "{err}");
    assert!(err.contains("did you mean \"max-age\"?"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // A directive the RFCs define for responses but that changes nothing
    // for a shared cache still loads; a request directive does not.
    let ok = edgesim(
        dir.path(),
        &[
            "check",
            &file,
            "--set",
            "cdn.catalogue.cache_control=max-age=60, immutable, no-transform",
        ],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let request = edgesim(
        dir.path(),
        &[
            "check",
            &file,
            "--set",
            "cdn.catalogue.cache_control=max-stale=5",
        ],
    );
    assert_eq!(request.status.code(), Some(2));
    assert!(stderr(&request).contains("request directive"));
}

#[test]
fn every_shipped_experiment_still_checks() {
    let mut files = vec![];
    for sub in ["experiments", "experiments/validation"] {
        for entry in fs::read_dir(root().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10);
    let dir = tempfile::tempdir().unwrap();
    for path in files {
        let out = edgesim(dir.path(), &["check", &path.display().to_string()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            stderr(&out)
        );
    }
}

/// Runs `edgesim check` on the quickstart with `from` replaced by `to` and
/// returns stderr, checking the exit code is 2.
fn check_edited(from: &str, to: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(quickstart()).unwrap();
    assert!(text.contains(from), "{from}");
    fs::write(dir.path().join("exp.toml"), text.replacen(from, to, 1)).unwrap();
    let out = edgesim(dir.path(), &["check", "exp.toml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

#[test]
fn unknown_key_points_at_the_key_and_suggests_the_nearest_first() {
    let err = check_edited("request_rate = ", "requst_rate = ");
    let line = (fs::read_to_string(quickstart()).unwrap())
        .lines()
        .position(|l| l.starts_with("request_rate"))
        .unwrap()
        + 1;
    // Column 1: the key, not the value after `=`.
    assert!(
        err.contains(&format!("exp.toml:{line}:1: key `cdn.requst_rate`")),
        "{err}"
    );
    let hint = err
        .find("did you mean \"request_rate\"?")
        .expect("a suggestion");
    let list = err.find("expected one of: mode,").expect("the valid names");
    assert!(hint < list, "{err}");
    assert!(err.contains("unknown key `requst_rate`"), "{err}");
}

#[test]
fn unknown_names_suggest_the_near_one() {
    // A region: the near name, not 116 of them.
    let err = check_edited("\"Sydney\"]", "\"Sidney\"]");
    assert!(err.contains("did you mean \"Sydney\"?"), "{err}");
    assert!(!err.contains("Guadalajara"), "{err}");
    // A model.
    let err = check_edited("model = \"cdn\"", "model = \"cnd\"");
    assert!(err.contains("did you mean \"cdn\"?"), "{err}");
    // A value of a fixed set (serde's unknown variant).
    let err = check_edited("mode = \"pull\"", "mode = \"pul\"");
    assert!(err.contains("did you mean \"pull\"?"), "{err}");
    // A cache policy.
    let err = check_edited(
        "[cdn.catalogue]",
        "[cdn.cache]\npolicy = \"lur\"\n\n[cdn.catalogue]",
    );
    assert!(err.contains("did you mean \"lru\"?"), "{err}");
    // A PoP.
    let err = check_edited(
        "[output]",
        "[[cdn.failure]]\npop = \"Frankfurt am Mein\"\nat = \"6min\"\nduration = \"1min\"\n\n[output]",
    );
    assert!(err.contains("did you mean \"Frankfurt am Main\"?"), "{err}");
}

#[test]
fn set_of_another_models_key_names_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let file = quickstart();
    let out = edgesim(
        dir.path(),
        &["run", &file, "--set", "push.clients=5", "--dry-run"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "[push] holds parameters of model \"push\", but this experiment's model is \"cdn\""
        ),
        "{err}"
    );
    assert!(!err.contains("missing field"), "{err}");
}

#[test]
fn another_models_table_in_a_file_is_located() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.toml");
    fs::write(
        &path,
        "model = \"queue\"\n[queue]\narrival_rate = \"1/s\"\n[push]\nclients = 3\n",
    )
    .unwrap();
    let out = edgesim(dir.path(), &["check", "q.toml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("q.toml:4:"), "{err}");
    assert!(err.contains("model is \"queue\""), "{err}");
}

/// A small trace in `dir`, copied from the test data.
fn small_trace(dir: &std::path::Path) -> String {
    let from = root().join("tests/data/replay/zipf_sizes.csv");
    fs::copy(from, dir.join("mytrace.csv")).unwrap();
    "mytrace.csv".to_string()
}

#[test]
fn replay_takes_out_like_run() {
    let dir = tempfile::tempdir().unwrap();
    let trace = small_trace(dir.path());
    let out = edgesim(
        dir.path(),
        &["replay", &trace, "--cache-size", "10", "--out", "results/r"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("results/r/.edgesim-output").is_file());
    assert!(!dir.path().join("output").exists());
    let both = edgesim(
        dir.path(),
        &[
            "replay",
            &trace,
            "--cache-size",
            "10",
            "--out",
            "a",
            "--name",
            "b",
        ],
    );
    assert_eq!(both.status.code(), Some(2), "{}", stderr(&both));
}

#[test]
fn replay_folders_are_named_without_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let trace = small_trace(dir.path());
    let out = edgesim(dir.path(), &["replay", &trace, "--cache-size", "10"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(dir.path().join("output/replay-mytrace").is_dir());
    assert!(!dir.path().join("output/replay-mytrace.csv").exists());
}
