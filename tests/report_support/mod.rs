//! What the report tests share: the experiments shipped in `experiments/`
//! and how to run them at reduced size, and headless Chromium to check
//! that a report renders. `.ci/run` installs Chromium when it is missing;
//! set `EDGESIM_CHROMIUM` to use another binary.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
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
        "plan-push-fleet.toml",
        &[
            "push.clients=200000",
            "push.producer.rate=1000/s",
            "search.param[1].range={ from = 2, to = 20 }",
            "push.kafka.partitions=12",
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

/// Checks the page as Chromium laid it out and writes the findings on
/// `<body>`, where `--dump-dom` shows them: how many inline SVGs there are
/// and how many are drawn larger than 100 x 100 px; and every problem
/// found (`data-problems`, ` | ` between them): the headline table is
/// missing or a chart comes before it; an SVG text renders under 12 px
/// (font size times the SVG's scale on the page); two legend entries of a
/// chart read the same, one is cut ("…") or runs off the chart (the legend
/// is the text right of the plot's grid box in an 880-wide chart, an entry
/// its text lines less than 18 px apart; a heatmap's cells reach there, so
/// not heatmaps); a confidence band (a filled polygon) leaves the
/// plot area (the box of the grid lines); the headline or SLO verdict
/// table is wider than the page and needs horizontal scrolling.
const PROBE: &str = r##"<script>(function(){
var problems=[],svgs=document.querySelectorAll('svg'),visible=0;
var head=document.querySelector('table.headline');
if(!head){problems.push('no headline table');}
else if(svgs.length&&(head.compareDocumentPosition(svgs[0])&Node.DOCUMENT_POSITION_PRECEDING)){problems.push('a chart comes before the headline table');}
for(var i=0;i<svgs.length;i++){
 var s=svgs[i],r=s.getBoundingClientRect(),fig=s.closest('figure'),id=fig?fig.id:('svg '+i);
 if(r.width>100&&r.height>100)visible++;
 var vb=s.viewBox&&s.viewBox.baseVal,scale=(vb&&vb.width)?r.width/vb.width:1;
 var grid=s.querySelectorAll('polyline[stroke="#E1E1E1"]'),box=null;
 for(var g=0;g<grid.length;g++){var b=grid[g].getBBox();
  box=box?{x0:Math.min(box.x0,b.x),y0:Math.min(box.y0,b.y),x1:Math.max(box.x1,b.x+b.width),y1:Math.max(box.y1,b.y+b.height)}:{x0:b.x,y0:b.y,x1:b.x+b.width,y1:b.y+b.height};}
 var texts=s.querySelectorAll('text'),seen={},entries=[],last=null,right=box?box.x1+8:630;
 for(var j=0;j<texts.length;j++){
  var t=texts[j],label=t.textContent.trim(),size=parseFloat(getComputedStyle(t).fontSize)*scale;
  if(label&&size<11.95)problems.push(id+': text "'+label+'" is '+size.toFixed(1)+' px');
  var tx=parseFloat(t.getAttribute('x')),ty=parseFloat(t.getAttribute('y'));
  if(s.getAttribute('width')==='880'&&id.indexOf('heatmap')<0&&tx>=right&&label){
   if(t.getBBox().x+t.getBBox().width>881)problems.push(id+': legend text "'+label+'" runs off the chart');
   if(last&&tx===last.x&&ty-last.y>0&&ty-last.y<18)entries[entries.length-1]+=' '+label;else entries.push(label);
   last={x:tx,y:ty};}
 }
 for(var q=0;q<entries.length;q++){var en=entries[q];
  if(seen[en])problems.push(id+': legend entry "'+en+'" twice');seen[en]=1;
  if(en.indexOf('\u2026')>=0)problems.push(id+': legend entry "'+en+'" is cut');}
 var bands=s.querySelectorAll('polygon');
 for(var k=0;box&&k<bands.length;k++){var p=bands[k].getBBox();
  if(p.y<box.y0-1||p.y+p.height>box.y1+1||p.x<box.x0-1||p.x+p.width>box.x1+1)
   problems.push(id+': a band leaves the plot area (y '+p.y.toFixed(0)+'-'+(p.y+p.height).toFixed(0)+' outside '+box.y0.toFixed(0)+'-'+box.y1.toFixed(0)+')');}
}
var tabs=document.querySelectorAll('table.headline,table.verdict');
for(var w=0;w<tabs.length;w++){var tw=tabs[w].getBoundingClientRect().width,room=tabs[w].parentElement.clientWidth;
 if(tw>room+1)problems.push('table.'+tabs[w].className+' needs horizontal scrolling ('+tw.toFixed(0)+' px in '+room+' px)');}
document.body.setAttribute('data-svg-total',svgs.length);
document.body.setAttribute('data-svg-visible',visible);
document.body.setAttribute('data-problems',problems.join(' | '));
})();</script>"##;

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

/// What Chromium saw of a report.
#[derive(Debug)]
pub struct Rendered {
    /// SVGs in the page.
    pub total: usize,
    /// SVGs laid out larger than 100 x 100 px.
    pub visible: usize,
    /// What the probe found wrong (see [`PROBE`]).
    pub problems: Vec<String>,
    /// Lines the page wrote to the console (an error, an uncaught exception).
    pub console: Vec<String>,
}

/// Loads `report` (with the probe added) in headless Chromium and reads
/// back what the probe wrote in the DOM and what the console said.
pub fn rendered(report: &Path) -> Rendered {
    let html = fs::read_to_string(report).unwrap();
    let probe_page = report.with_file_name("probe.html");
    fs::write(
        &probe_page,
        html.replace("</body>", &format!("{PROBE}</body>")),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    // To files, not pipes: a large DOM would fill a pipe and stall Chromium.
    let dump = report.with_file_name("dom.html");
    let log = report.with_file_name("chromium.log");
    let mut child = Command::new(chromium())
        .args(CHROMIUM_FLAGS)
        .args(["--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!(
            "file://{}",
            probe_page.canonicalize().unwrap().display()
        ))
        .stdout(fs::File::create(&dump).unwrap())
        .stderr(fs::File::create(&log).unwrap())
        .spawn()
        .expect("Chromium starts");
    wait_for(&mut child);
    let dom = fs::read_to_string(&dump).unwrap();
    let console = fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    for file in [&probe_page, &dump, &log] {
        let _ = fs::remove_file(file);
    }
    let attribute = |name: &str| -> String {
        let start = dom
            .find(&format!("{name}=\""))
            .unwrap_or_else(|| panic!("no {name} in the DOM:\n{dom}"));
        let rest = &dom[start + name.len() + 2..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    let problems = attribute("data-problems");
    Rendered {
        total: attribute("data-svg-total").parse().unwrap(),
        visible: attribute("data-svg-visible").parse().unwrap(),
        problems: problems
            .split(" | ")
            .filter(|p| !p.is_empty())
            .map(|p| p.replace("&quot;", "\"").replace("&amp;", "&"))
            .collect(),
        console,
    }
}

/// The flags every headless Chromium here runs with; a window as wide as a
/// laptop's (1280 px), the width the report is read at.
pub const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--window-size=1280,1024",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Waits for Chromium, at most 90 s.
pub fn wait_for(child: &mut std::process::Child) {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("Chromium did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Checks that the report in `dir` needs no network and no script, that
/// Chromium draws every chart of `dir/plots` in it with a real size, and
/// that the page passes the probe's checks ([`PROBE`]: the headline table
/// first, no duplicate legend entry, no text under 12 px, no band outside
/// its plot) with nothing written to the console.
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
    let seen = rendered(&dir.join("report.html"));
    assert!(charts >= 2, "{what}: {charts} charts");
    assert_eq!(seen.total, charts, "{what}: every chart is in the page");
    assert_eq!(
        seen.visible, charts,
        "{what}: every chart is drawn with a real size"
    );
    assert!(
        seen.problems.is_empty(),
        "{what}: as Chromium lays the report out:\n{}",
        seen.problems.join("\n")
    );
    assert!(
        seen.console.is_empty(),
        "{what}: the page wrote to the console:\n{}",
        seen.console.join("\n")
    );
}

/// Writes what a person sees of `report` in a 1280 px wide window, the top
/// `height` px of the page, to `png`.
pub fn screenshot(report: &Path, png: &Path, height: u32) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args(&CHROMIUM_FLAGS[..1])
        .args(&CHROMIUM_FLAGS[2..])
        .arg(format!("--window-size=1280,{height}"))
        .arg("--hide-scrollbars")
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!(
            "file://{}",
            report.canonicalize().unwrap().display()
        ))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("Chromium starts");
    wait_for(&mut child);
    assert!(png.exists(), "Chromium wrote no {}", png.display());
}
