//! What the report tests share: the experiments shipped in `experiments/`
//! and how to run them at reduced size, and headless Chromium to check
//! that a report renders. `.ci/run` installs Chromium when it is missing;
//! set `EDGESIM_CHROMIUM` to use another binary.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{edgesim, root, stderr};

/// Extra `--set` values that make a shipped experiment quick enough for a
/// test, by file name (the models' own tests use the same sizes). Every
/// file also runs at most 2 replications. Add heavy new experiments here.
const REDUCED: &[(&str, &[&str])] = &[
    ("quickstart.toml", &CDN_SMALL),
    ("cdn-ttl.toml", &CDN_SMALL),
    ("cdn-pull-push.toml", &CDN_SMALL),
    ("cdn-routing.toml", &CDN_SMALL),
    (
        "ddos-anycast.toml",
        &[
            "run.replications=1",
            "run.duration=50s",
            "run.warmup=30s",
            "cdn.request_rate=1k/s",
            "cdn.attack[0].at=30s",
            "cdn.attack[0].duration=20s",
            "cdn.attack[0].rate=20k/s",
        ],
    ),
    (
        "anycast-pop-withdrawal.toml",
        &[
            "run.replications=1",
            "run.duration=3min",
            "run.warmup=1min",
            "cdn.request_rate=2k/s",
            r#"sweep.param[0].values=["1h", "1min"]"#,
        ],
    ),
    (
        "cdn-cache-size-policy.toml",
        &[
            "run.replications=1",
            "run.duration=4min",
            "run.warmup=1min",
            "cdn.request_rate=2k/s",
        ],
    ),
    (
        "cdn-pop-failure.toml",
        &[
            "run.replications=1",
            "run.duration=5min",
            "run.warmup=1min",
            "cdn.request_rate=2k/s",
            "cdn.failure[0].at=2min",
            "cdn.failure[0].duration=2min",
        ],
    ),
    (
        "cdn-flash-crowd.toml",
        &[
            "run.replications=1",
            "run.duration=3min",
            "run.warmup=30s",
            "cdn.flash_crowd[0].at=1min",
            "cdn.flash_crowd[0].duration=1min",
            "cdn.flash_crowd[0].rate=5k/s",
        ],
    ),
    (
        "small-vs-big-servers.toml",
        &[
            "run.replications=1",
            "push.clients=100000",
            "push.producer.rate=100/s",
            "run.duration=700s",
            "run.warmup=500s",
        ],
    ),
    (
        "graceful-drain.toml",
        &[
            "run.replications=1",
            "push.clients=20000",
            "push.producer.rate=100/s",
        ],
    ),
    (
        "faults-pipeline.toml",
        &[
            "run.replications=1",
            "push.clients=20000",
            "run.duration=600s",
        ],
    ),
    (
        "mailru.toml",
        &[
            "push.clients=5000",
            "push.producer.rate=255/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "push-poll-interval.toml",
        &[
            "push.clients=2000",
            "push.producer.rate=20/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "push-long-poll-wait.toml",
        &[
            "push.clients=2000",
            "push.producer.rate=10/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "push-poller-threads.toml",
        &[
            "push.clients=256",
            "push.producer.rate=3/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "push-io-models.toml",
        &["run.duration=20s", "run.warmup=5s"],
    ),
    (
        "push-transports.toml",
        &[
            "push.clients=5000",
            "push.producer.rate=255/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "push-idle-timeout.toml",
        &["push.clients=5000", "run.duration=240s", "run.warmup=30s"],
    ),
    (
        "netflix-pipeline.toml",
        &[
            "push.clients=20000",
            "push.producer.rate=500/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    (
        "netflix-10m.toml",
        &[
            "push.clients=20000",
            "push.producer.rate=500/s",
            "run.duration=240s",
            "run.warmup=30s",
        ],
    ),
    ("push-reconnect-dither.toml", &["push.clients=20000"]),
    (
        "plan-cdn-cache.toml",
        &[
            "search.param[0].values=[1, 4]",
            "search.min_replications=2",
            "search.max_replications=4",
            "run.duration=3min",
            "run.warmup=1min",
        ],
    ),
    (
        "push-registry-storm.toml",
        &["push.clients=20000", "push.producer.rate=100/s"],
    ),
    (
        "push-region-failover.toml",
        &["push.clients=20000", "push.producer.rate=200/s"],
    ),
    (
        "system-notification-crowd.toml",
        &[
            "push.clients=20000",
            "push.producer.rate=100/s",
            "push.clusters[0].gateways=2",
            "push.clusters[1].gateways=2",
            "push.clusters[2].gateways=2",
            "cdn.request_rate=300/s",
            "run.duration=240s",
            "run.warmup=30s",
            "system.campaign[0].at=60s",
        ],
    ),
];

/// The CDN model's test size (tests/cdn_experiments.rs).
const CDN_SMALL: [&str; 4] = [
    "run.replications=1",
    "run.duration=4min",
    "run.warmup=1min",
    "cdn.request_rate=1k/s",
];

/// Every experiment file under `experiments/` but the searches.
pub fn shipped_experiments() -> Vec<PathBuf> {
    shipped_files()
        .into_iter()
        .filter(|f| !is_search(f))
        .collect()
}

/// The shipped experiments with `[search]` (their outputs are a plan, an
/// answer and a report, not a sweep's tables and charts).
pub fn shipped_searches() -> Vec<PathBuf> {
    shipped_files()
        .into_iter()
        .filter(|f| is_search(f))
        .collect()
}

fn is_search(file: &Path) -> bool {
    edgesim::experiment::load(file, &[])
        .expect("a shipped experiment loads")
        .search
        .is_some()
}

/// Every experiment file under `experiments/`.
fn shipped_files() -> Vec<PathBuf> {
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

/// Runs `file` at reduced size into `out`; no chart may be missing.
pub fn run_reduced(file: &Path, out: &Path) {
    let exp = edgesim::experiment::load(file, &[]).expect("a shipped experiment loads");
    let replications = exp.spec.run.replications.min(2);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut args = vec![
        "run".to_string(),
        file.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ];
    // A search chooses its replications (its REDUCED entry bounds them).
    if exp.search.is_none() {
        args.extend(["--set".into(), format!("run.replications={replications}")]);
    }
    for (_, sets) in REDUCED.iter().filter(|(n, _)| *n == name) {
        for set in *sets {
            args.extend(["--set".into(), set.to_string()]);
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = edgesim(root(), &args);
    assert!(run.status.success(), "{}: {}", file.display(), stderr(&run));
    // Reduced runs are shorter than the shipped ones, so the warm-up check
    // may flag them (the shipped sizes pass it: tests/costs_steady.rs);
    // every other warning fails.
    let other = stderr(&run)
        .lines()
        .filter(|l| l.contains("warning") && !l.contains("MSER-5"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(other.is_empty(), "{}: {other}", file.display());
}

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
    let _ = fs::remove_file(&probe_page);
    let _ = fs::remove_file(&dump);
    let attribute = |name: &str| -> usize {
        let start = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the DOM:\n{dom}"));
        let rest = &dom[start + name.len() + 2..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    (attribute("data-svg-total"), attribute("data-svg-visible"))
}

/// Checks that the report in `dir` needs no network and no script, and that
/// Chromium draws every chart of `dir/plots` in it with a real size.
pub fn check_renders(dir: &Path, what: &str) {
    let html = fs::read_to_string(dir.join("report.html")).unwrap();
    for scheme in ["http://", "https://"] {
        let namespaces = html
            .matches(&format!("xmlns=\"{scheme}www.w3.org/2000/svg\""))
            .count();
        assert_eq!(
            html.matches(scheme).count(),
            namespaces,
            "{what}: the report refers to the network"
        );
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
    let (total, visible) = rendered_svgs(&dir.join("report.html"));
    assert!(charts >= 2, "{what}: {charts} charts");
    assert_eq!(total, charts, "{what}: every chart is in the page");
    assert_eq!(
        visible, charts,
        "{what}: every chart is drawn with a real size"
    );
}
