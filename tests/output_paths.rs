//! An output path edgesim cannot use is bad input: exit 2, with a message
//! naming the flag and the path, and nothing written. And a TOML file
//! nested past the reader's limit says where and which limit.
#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;

use common::{SMALL_QUEUE, edgesim, stderr};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("exp.toml"), SMALL_QUEUE).unwrap();
    fs::write(d.join("a-file"), "x").unwrap();
    fs::write(d.join("t.csv"), "1,1,10\n2,2,10\n").unwrap();
    std::os::unix::fs::symlink("nowhere", d.join("dangling")).unwrap();
    let shard = edgesim(d, &["run", "exp.toml", "--shard", "0/1", "--out", "s"]);
    assert!(shard.status.success(), "{}", stderr(&shard));
    dir
}

fn bad_path(d: &Path, args: &[&str], flag: &str, path: &str) {
    let out = edgesim(d, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(&format!("key `{flag}`")), "{args:?}: {err}");
    assert!(err.contains(path), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
}

/// A folder this process cannot write into, when there is one: a
/// read-only folder, unless running as root (which may write anyway).
fn unwritable(d: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let dir = d.join("read-only");
    fs::create_dir(&dir).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(dir.join("probe"), "x").is_err() {
        return Some("read-only/out".into());
    }
    let sys = Path::new("/sys/edgesim-test-output");
    match fs::create_dir(sys) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            Some(sys.display().to_string())
        }
        _ => None,
    }
}

#[test]
fn output_path_problems_exit_2_naming_the_flag_and_the_path() {
    let temp = setup();
    let d = temp.path();
    let long = "n".repeat(300);
    let mut cases: Vec<(Vec<&str>, &str, String)> = vec![
        (
            vec!["run", "exp.toml", "--out", &long],
            "--out",
            long.clone(),
        ),
        (
            vec!["run", "exp.toml", "--out", "a-file/out"],
            "--out",
            "a-file/out".into(),
        ),
        (
            vec!["run", "exp.toml", "--out", "a-file"],
            "--out",
            "a-file".into(),
        ),
        (
            vec!["run", "exp.toml", "--out", "dangling"],
            "--out",
            "dangling".into(),
        ),
        (
            vec!["run", "exp.toml", "--out", "/dev/null"],
            "--out",
            "/dev/null".into(),
        ),
        (
            vec!["merge", "s", "--out", "a-file"],
            "--out",
            "a-file".into(),
        ),
        (
            vec!["merge", "s", "--out", "/dev/null"],
            "--out",
            "/dev/null".into(),
        ),
        (
            vec![
                "replay",
                "t.csv",
                "--cache-size",
                "1",
                "--output-dir",
                "a-file",
            ],
            "--output-dir",
            "a-file".into(),
        ),
        (
            vec![
                "replay",
                "t.csv",
                "--cache-size",
                "1",
                "--output-dir",
                "dangling",
            ],
            "--output-dir",
            "dangling".into(),
        ),
        (vec!["plot", "a-file"], "DIR", "a-file".into()),
        (vec!["plot", "dangling"], "DIR", "dangling".into()),
    ];
    let denied = unwritable(d);
    if let Some(path) = &denied {
        cases.push((
            vec!["run", "exp.toml", "--out", path],
            "--out",
            path.clone(),
        ));
    } else {
        eprintln!("no folder this test cannot write into: the permission case is skipped");
    }
    for (args, flag, path) in &cases {
        bad_path(d, args, flag, path);
    }
    assert_eq!(fs::read_to_string(d.join("a-file")).unwrap(), "x");
    assert!(!d.join("nowhere").exists());
}

#[test]
fn a_too_deep_table_names_the_file_the_line_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = vec!["a"; 5000].join(".");
    fs::write(
        d.join("deep.toml"),
        format!("schema = 1\n\n[{key}]\nx = 1\n"),
    )
    .unwrap();
    let out = edgesim(d, &["check", "deep.toml"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("deep.toml:3:1"), "{err}");
    assert!(err.contains("recursion limit"), "{err}");
    assert!(err.contains("80 levels"), "{err}");
    assert!(err.contains("5000 dotted parts"), "{err}");
    let run = edgesim(d, &["run", "deep.toml", "--out", "o"]);
    assert_eq!(run.status.code(), Some(2));
    assert!(!d.join("o").exists());
}
