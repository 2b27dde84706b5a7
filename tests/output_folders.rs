//! Output folders are edgesim's own: a folder of the user's files is
//! refused (unless `--force`, and then only edgesim's files are replaced);
//! one command writes a folder at a time; `manifest.json` comes last;
//! temporaries a killed run left are removed; `replay --name` stays inside
//! `--output-dir`.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{SMALL_QUEUE, edgesim, stderr, stdout};

/// Twelve runs of a few seconds each: the first command holds its folder
/// far longer than the others take to be refused, however busy the machine
/// (it is killed once they are).
const SLOW: &str = r#"
schema = 1
name = "slow"
model = "queue"

[run]
seed = 3
replications = 4
duration = "30000000s"
warmup = "1000s"

[queue]
arrival_rate = "0.8/s"
service = { dist = "exponential", mean = "1s" }

[[sweep.param]]
path = "queue.servers"
values = [1, 2, 3]
"#;

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("exp.toml"), SMALL_QUEUE).unwrap();
    fs::write(dir.path().join("slow.toml"), SLOW).unwrap();
    dir
}

/// A folder of the user's own: a figure in `plots/`, notes in `runs/`, a
/// file at the top.
fn users_folder(dir: &Path) {
    fs::create_dir_all(dir.join("plots")).unwrap();
    fs::create_dir_all(dir.join("runs")).unwrap();
    fs::write(dir.join("plots/my-figure.svg"), "<svg/>").unwrap();
    fs::write(dir.join("plots/01-draft.svg"), "<svg/>").unwrap();
    fs::write(dir.join("runs/notes.txt"), "mine").unwrap();
    fs::write(dir.join("thesis.tex"), "mine").unwrap();
}

fn users_files_survive(dir: &Path) {
    for file in [
        "plots/my-figure.svg",
        "plots/01-draft.svg",
        "runs/notes.txt",
        "thesis.tex",
    ] {
        assert!(dir.join(file).exists(), "{file} was removed");
    }
}

#[test]
fn a_folder_of_other_files_is_refused_and_left_alone() {
    let temp = setup();
    let d = temp.path();
    users_folder(&d.join("mine"));
    let out = edgesim(d, &["run", "exp.toml", "--out", "mine"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for word in ["--out", "mine", "not an edgesim output folder", "--force"] {
        assert!(err.contains(word), "no {word}: {err}");
    }
    users_files_survive(&d.join("mine"));
    assert!(!d.join("mine/results.csv").exists(), "nothing written");
    assert!(!d.join("mine/.edgesim-output").exists(), "not adopted");

    let merged_shard = edgesim(d, &["run", "exp.toml", "--shard", "0/1", "--out", "s"]);
    assert!(merged_shard.status.success(), "{}", stderr(&merged_shard));
    let merge = edgesim(d, &["merge", "s", "--out", "mine"]);
    assert_eq!(merge.status.code(), Some(2), "{}", stderr(&merge));
    assert!(stderr(&merge).contains("--force"), "{}", stderr(&merge));
    users_files_survive(&d.join("mine"));
}

#[test]
fn force_writes_into_it_and_replaces_only_edgesims_files() {
    let temp = setup();
    let d = temp.path();
    users_folder(&d.join("mine"));
    let out = edgesim(d, &["run", "exp.toml", "--out", "mine", "--force"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(d.join("mine/results.csv").exists());
    assert!(d.join("mine/.edgesim-output").exists(), "adopted");
    users_files_survive(&d.join("mine"));
    // Now edgesim's: no --force needed, and a redraw or a rerun that
    // draws other charts removes its own old charts only.
    let again = edgesim(
        d,
        &[
            "run",
            "exp.toml",
            "--out",
            "mine",
            "--set",
            "output.timeseries=false",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!d.join("mine/timeseries.csv").exists(), "an old data file");
    let charts: Vec<String> = fs::read_dir(d.join("mine/plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !charts.iter().any(|c| c.contains("timeseries")),
        "old charts removed: {charts:?}"
    );
    let plot = edgesim(d, &["plot", "mine"]);
    assert!(plot.status.success(), "{}", stderr(&plot));
    users_files_survive(&d.join("mine"));
    let merge = edgesim(d, &["run", "exp.toml", "--shard", "0/1", "--out", "s"]);
    assert!(merge.status.success());
    let merge = edgesim(d, &["merge", "s", "--out", "mine2", "--force"]);
    assert!(merge.status.success(), "{}", stderr(&merge));
}

#[test]
fn an_edgesim_folder_keeps_the_users_files_in_it() {
    let temp = setup();
    let d = temp.path();
    assert!(
        edgesim(d, &["run", "exp.toml", "--out", "o"])
            .status
            .success()
    );
    users_folder(&d.join("o"));
    for args in [
        &["run", "exp.toml", "--out", "o"][..],
        &["run", "exp.toml", "--out", "o", "--resume"],
        &["plot", "o"],
    ] {
        let out = edgesim(d, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        users_files_survive(&d.join("o"));
    }
}

fn spawn(d: &Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_edgesim"))
        .args(args)
        .current_dir(d)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until `child` holds the lock of `folder` (its pid is written in
/// the lock file).
fn wait_for_lock(child: &mut Child, folder: &Path) {
    let started = Instant::now();
    let pid = format!("pid {}\n", child.id());
    while !fs::read_to_string(folder.join(".edgesim-lock")).is_ok_and(|t| t.starts_with(&pid)) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the first run never took its folder"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the first run ended too soon"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn a_second_command_on_a_folder_in_use_is_refused_and_a_killed_holder_blocks_nothing() {
    let temp = setup();
    let d = temp.path();
    let shard = edgesim(d, &["run", "exp.toml", "--shard", "0/1", "--out", "s"]);
    assert!(shard.status.success());
    let mut first = spawn(d, &["run", "slow.toml", "--out", "o", "--threads", "1"]);
    wait_for_lock(&mut first, &d.join("o"));
    let holder = format!("edgesim process {}", first.id());
    let short = ["--set", "run.duration=2000s", "--set", "run.seed=12"];
    let mut second = vec!["run", "slow.toml", "--out", "o"];
    second.extend_from_slice(&short);
    let mut resume = second.clone();
    resume.push("--resume");
    for args in [
        &second[..],
        &resume,
        &["merge", "s", "--out", "o"],
        &["plot", "o"],
    ] {
        let out = edgesim(d, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("o: is in use by"), "{args:?}: {err}");
        assert!(err.contains(&holder), "{args:?}: {err}");
    }
    assert!(
        first.try_wait().unwrap().is_none(),
        "the refused commands did not end the first"
    );
    first.kill().unwrap();
    first.wait().unwrap();
    // The operating system released the lock of the killed run.
    let after = edgesim(d, &second);
    assert!(after.status.success(), "{}", stderr(&after));
    let manifest = fs::read_to_string(d.join("o/manifest.json")).unwrap();
    assert!(manifest.contains("\"master_seed\": 12"), "{manifest}");
    let results = fs::read_to_string(d.join("o/results.csv")).unwrap();
    assert_eq!(results.lines().count(), 13);
}

#[test]
fn the_manifest_is_written_last() {
    let temp = setup();
    let d = temp.path();
    let out = edgesim(d, &["run", "exp.toml", "--out", "o"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(
        printed.trim_end().ends_with("manifest.json"),
        "the last file written: {printed}"
    );
    let modified = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
    let manifest = modified(&d.join("o/manifest.json"));
    assert!(manifest >= modified(&d.join("o/report.html")));
    for chart in fs::read_dir(d.join("o/plots")).unwrap() {
        assert!(manifest >= modified(&chart.unwrap().path()));
    }
    // A run whose report cannot be drawn leaves no manifest: a folder with
    // a manifest is whole.
    fs::remove_dir_all(d.join("o/plots")).unwrap();
    fs::write(d.join("o/plots"), "in the way").unwrap();
    let failed = edgesim(d, &["run", "exp.toml", "--out", "o"]);
    assert!(!failed.status.success());
    assert!(stderr(&failed).contains("plots"), "{}", stderr(&failed));
    assert!(!d.join("o/manifest.json").exists());
    assert_eq!(fs::read_to_string(d.join("o/plots")).unwrap(), "in the way");
}

#[test]
fn stale_temporaries_are_removed_by_the_next_run() {
    let temp = setup();
    let d = temp.path();
    assert!(
        edgesim(d, &["run", "exp.toml", "--out", "o"])
            .status
            .success()
    );
    let stale = [
        ".timeseries.csv.tmp-99999",
        ".manifest.json.tmp-1",
        "runs/.run-00000003.json.tmp-99999",
        "plots/.01-cdf-time_in_system_s.svg.tmp-99999",
    ];
    let kept = [".notes.tmp-1", "runs/.mine.tmp-1", "plots/.x.svg.tmp-1"];
    for file in stale.iter().chain(&kept) {
        fs::write(d.join("o").join(file), "half").unwrap();
    }
    let out = edgesim(d, &["run", "exp.toml", "--out", "o", "--resume"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("12 of 12 runs already done"));
    for file in stale {
        assert!(!d.join("o").join(file).exists(), "{file} survived");
    }
    for file in kept {
        assert!(d.join("o").join(file).exists(), "{file} is not edgesim's");
    }
}

#[test]
fn replay_names_stay_inside_the_output_folder() {
    let temp = setup();
    let d = temp.path();
    fs::write(d.join("t.csv"), "1,1,10\n2,2,10\n3,1,10\n").unwrap();
    // Inside the test's folder: `work/out/../../escape` would be `escape`.
    fs::create_dir_all(d.join("work/out")).unwrap();
    for name in ["../../escape", "../escape", "", ".", "..", "a/b", "/abs"] {
        let out = edgesim(
            d,
            &[
                "replay",
                "t.csv",
                "--cache-size",
                "1",
                "--output-dir",
                "work/out",
                "--name",
                name,
            ],
        );
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--name"),
            "{name:?}: {}",
            stderr(&out)
        );
    }
    assert!(!d.join("escape").exists() && !d.join("work/escape").exists());
    assert_eq!(fs::read_dir(d.join("work/out")).unwrap().count(), 0);
    let good = edgesim(
        d,
        &[
            "replay",
            "t.csv",
            "--cache-size",
            "1",
            "--output-dir",
            "work/out",
            "--name",
            "fine",
        ],
    );
    assert!(good.status.success(), "{}", stderr(&good));
    assert!(d.join("work/out/fine/miss_ratio_curve.csv").exists());
    users_folder(&d.join("work/out/theirs"));
    let refused = edgesim(
        d,
        &[
            "replay",
            "t.csv",
            "--cache-size",
            "1",
            "--output-dir",
            "work/out",
            "--name",
            "theirs",
        ],
    );
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert!(stderr(&refused).contains("--force"));
}
