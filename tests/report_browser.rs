//! The report looks right in a real browser: headless Chromium loads each
//! report (every shipped experiment's, and a two-parameter sweep with SLOs)
//! from a file, with no network, and every chart is drawn with a real size.
//! `.ci/run` installs Chromium when it is missing; set `EDGESIM_CHROMIUM`
//! to use another binary.

mod common;
mod shipped;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{SMALL_QUEUE, edgesim, stderr};
use shipped::{run_reduced, shipped_experiments};

/// Counts the inline SVGs the browser laid out larger than 100 x 100 pixels
/// and writes the counts on `<body>`, where `--dump-dom` shows them.
const PROBE: &str = "<script>(function(){var s=document.querySelectorAll('svg'),v=0;\
for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();if(r.width>100&&r.height>100)v++;}\
document.body.setAttribute('data-svg-total',s.length);document.body.setAttribute('data-svg-visible',v);})();</script>";

fn chromium() -> PathBuf {
    if let Ok(path) = std::env::var("EDGESIM_CHROMIUM") {
        return PathBuf::from(path);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        let found = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file());
        if let Some(path) = found {
            return path;
        }
    }
    panic!(
        "this test needs headless Chromium: install the Debian package `chromium` (.ci/run does) or set EDGESIM_CHROMIUM"
    );
}

/// (SVGs in the page, SVGs laid out with a real size) as Chromium sees them.
fn rendered_svgs(report: &Path) -> (usize, usize) {
    let html = fs::read_to_string(report).unwrap();
    let probe_page = report.with_file_name("probe.html");
    fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    // To a file, not a pipe: a large DOM would fill the pipe and stall Chromium.
    let dump = report.with_file_name("dom.html");
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!(
            "file://{}",
            probe_page.canonicalize().unwrap().display()
        ))
        .stdout(fs::File::create(&dump).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("Chromium starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("Chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = fs::read_to_string(&dump).unwrap();
    let attribute = |name: &str| -> usize {
        let start = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the DOM:\n{dom}"));
        let rest = &dom[start + name.len() + 2..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    (attribute("data-svg-total"), attribute("data-svg-visible"))
}

fn check_report(dir: &Path, what: &str) {
    let report = dir.join("report.html");
    let html = fs::read_to_string(&report).unwrap();
    for scheme in ["http://", "https://"] {
        let outside = html.matches(scheme).count()
            - html
                .matches(&format!("xmlns=\"{scheme}www.w3.org/2000/svg\""))
                .count();
        assert_eq!(outside, 0, "{what}: the report refers to the network");
    }
    assert!(
        !html.contains("<script"),
        "{what}: the report needs no script"
    );
    let charts = fs::read_dir(dir.join("plots"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "svg")
        })
        .count();
    let (total, visible) = rendered_svgs(&report);
    assert!(charts >= 2, "{what}: {charts} charts");
    assert_eq!(total, charts, "{what}: every chart is in the page");
    assert_eq!(
        visible, charts,
        "{what}: every chart is drawn with a real size"
    );
}

#[test]
fn reports_render_in_headless_chromium() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    let sweep = format!(
        "{SMALL_QUEUE}\n[output]\npng = true\n\n[[output.slo]]\nmetric = \"time_in_system_s_p99\"\nmax = 8.0\n"
    );
    fs::write(d.join("exp.toml"), sweep).unwrap();
    let out = edgesim(d, &["run", "exp.toml", "--out", "grid"]);
    assert!(out.status.success(), "{}", stderr(&out));
    check_report(&d.join("grid"), "two-parameter sweep");
    for (i, file) in shipped_experiments().iter().enumerate() {
        let dir = d.join(format!("shipped-{i}"));
        run_reduced(file, &dir);
        check_report(&dir, &file.display().to_string());
    }
}
