//! `plots/world-map.svg`: drawn for every run with a world (a CDN, push on
//! the world with clusters, `system`), one marker per PoP or cluster at its
//! projected coordinates, inlined in the report; for a scheduled failure the
//! report says where the failed site's load went; a model without a world
//! (queue) gets no map.

mod common;
mod report_support;

use std::fs;
use std::path::Path;

use common::{SMALL_QUEUE, edgesim, root, stderr};
use edgesim::report::worldmap::project;
use report_support::run_reduced;

/// (name, lat, lon) of the shipped world's PoPs, from `models/data/pops.csv`.
fn shipped_pops() -> Vec<(String, f64, f64)> {
    let text = fs::read_to_string(root().join("models/data/pops.csv")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

/// The value of attribute `name` in the SVG element `element`.
fn attribute(element: &str, name: &str) -> Option<f64> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let rest = &element[start..];
    rest[..rest.find('"')?].parse().ok()
}

/// The site markers of `svg` in `layer`: (data-name, centre x, centre y).
fn markers(svg: &str, layer: &str) -> Vec<(String, f64, f64)> {
    svg.lines()
        .filter(|l| l.contains("class=\"site\"") && l.contains(&format!("data-layer=\"{layer}\"")))
        .map(|l| {
            let name_at = l.find("data-name=\"").unwrap() + 11;
            let name = l[name_at..][..l[name_at..].find('"').unwrap()].to_string();
            let (x, y) = match (attribute(l, "cx"), attribute(l, "cy")) {
                (Some(x), Some(y)) => (x, y),
                _ => (
                    attribute(l, "x").unwrap() + 7.5,
                    attribute(l, "y").unwrap() + 7.5,
                ),
            };
            (name, x, y)
        })
        .collect()
}

fn slug(name: &str) -> String {
    name.to_lowercase().replace(' ', "-")
}

fn map_of(dir: &Path) -> String {
    let svg = fs::read_to_string(dir.join("plots/world-map.svg")).expect("a world map");
    let report = fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains(svg.trim()),
        "the map is inlined in the report"
    );
    svg
}

#[test]
fn the_projection_is_equirectangular() {
    assert_eq!(project(0.0, 0.0), (524.0, 268.0));
    assert_eq!(project(80.0, -180.0), (20.0, 44.0));
    let (x, y) = project(-60.0, 180.0);
    assert!((x - 1028.0).abs() < 1e-9 && (y - 436.0).abs() < 1e-9);
}

#[test]
fn a_cdn_run_maps_every_pop_at_its_coordinates() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("quick");
    run_reduced(&root().join("experiments/quickstart.toml"), &out);
    let svg = map_of(&out);
    let pops = shipped_pops();
    let drawn = markers(&svg, "PoP");
    assert_eq!(drawn.len(), pops.len(), "one marker per PoP");
    let (name, lat, lon) = pops.iter().find(|p| p.0 == "Sydney").unwrap();
    let (x, y) = project(*lat, *lon);
    let sydney = drawn.iter().find(|d| d.0 == slug(name)).unwrap();
    assert!(
        (sydney.1 - x).abs() < 0.06 && (sydney.2 - y).abs() < 0.06,
        "{sydney:?} vs ({x}, {y})"
    );
    // Sydney is in the south-east quarter of the map.
    assert!(sydney.1 > 900.0 && sydney.2 > 268.0);
    assert!(svg.matches("class=\"catchment\"").count() >= 100);
    assert!(
        svg.contains("pop.*.hit_ratio"),
        "coloured by the per-PoP hit ratio"
    );
}

#[test]
fn a_cdn_pop_failure_says_where_the_load_went() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("fail");
    run_reduced(&root().join("experiments/cdn-pop-failure.toml"), &out);
    let svg = map_of(&out);
    assert_eq!(markers(&svg, "PoP").len(), 4);
    let frankfurt = svg
        .lines()
        .find(|l| l.contains("data-name=\"frankfurt-am-main\""))
        .unwrap();
    assert!(
        frankfurt.contains("stroke=\"#C80000\""),
        "the failed PoP is outlined red"
    );
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Where Frankfurt am Main's load went"));
    let table = &report[report.find("table class=\"failure\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(table.contains("Frankfurt am Main (failed)</td><td>"));
    // Its clients' requests go elsewhere: the neighbours' gains add up to
    // most of what it carried (some fail while the PoP is still announced).
    let shares: f64 = table
        .split("<td>")
        .filter_map(|c| c.split(" %").next().filter(|_| c.contains(" %")))
        .map(|v| v.parse::<f64>().unwrap())
        .sum();
    assert!((80.0..=105.0).contains(&shares), "{shares} %\n{table}");
    // The scheduled failure is marked on the time-series charts, from the
    // schedule (with its --set time), not typed into a [[plot]].
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(
        manifest.contains("\"label\": \"Frankfurt am Main fails\""),
        "{manifest}"
    );
    let series: Vec<String> = fs::read_dir(out.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().contains("timeseries") && p.extension().is_some_and(|x| x == "svg")
        })
        .map(|p| fs::read_to_string(p).unwrap())
        .collect();
    assert!(!series.is_empty());
    assert!(
        series
            .iter()
            .all(|svg| svg.contains("Frankfurt am Main fails")),
        "every time series marks the failure"
    );
}

#[test]
fn push_on_the_world_maps_its_clusters_and_a_lost_cluster() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("push");
    run_reduced(&root().join("experiments/push-region-failover.toml"), &out);
    let svg = map_of(&out);
    let clusters = markers(&svg, "cluster");
    let names: Vec<&str> = clusters.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["washington", "frankfurt-am-main", "singapore"]);
    assert!(svg.contains("cluster.*.connections_mean"));
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("Where Frankfurt am Main's load went"));
}

#[test]
fn a_system_run_maps_pops_and_clusters() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("system");
    run_reduced(
        &root().join("experiments/system-notification-crowd.toml"),
        &out,
    );
    let svg = map_of(&out);
    assert_eq!(markers(&svg, "PoP").len(), shipped_pops().len());
    assert_eq!(markers(&svg, "cluster").len(), 3);
    assert!(svg.contains("cdn.pop.*.hit_ratio"));
    assert!(svg.contains("push.cluster.*.connections_mean"));
    // Singapore has a PoP and a cluster: it is named once. Every PoP and
    // cluster is named (crowded labels move aside, with a leader line).
    let labels: Vec<&str> = svg
        .lines()
        .filter(|l| l.contains("class=\"label\""))
        .map(|l| {
            let text = &l[l.find('>').unwrap() + 1..];
            &text[..text.find('<').unwrap()]
        })
        .collect();
    assert_eq!(labels.iter().filter(|l| **l == "Singapore").count(), 1);
    let sites = markers(&svg, "PoP").len() + markers(&svg, "cluster").len();
    assert!(
        labels.len() + 3 >= sites,
        "{} labels for {sites} sites",
        labels.len()
    );
}

/// The low and high ends of the first colour scale of `svg`.
fn scale_ends(svg: &str) -> Vec<String> {
    svg.lines()
        .filter(|l| l.contains("text-anchor=\"middle\" font-size=\"12\" fill=\"#000000\""))
        .map(|l| l[l.find('>').unwrap() + 1..l.rfind("</").unwrap()].to_string())
        .collect()
}

#[test]
fn a_sweep_maps_each_point_on_one_colour_scale() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("routing");
    run_reduced(&root().join("experiments/cdn-routing.toml"), &out);
    let report = fs::read_to_string(out.join("report.html")).unwrap();
    let files = [
        "world-map.svg",
        "world-map-point-1.svg",
        "world-map-point-2.svg",
    ];
    let svgs: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(out.join("plots").join(f)).expect(f))
        .collect();
    for (point, (file, svg)) in files.iter().zip(&svgs).enumerate() {
        assert!(
            report.contains(svg.trim()),
            "{file} is inlined in the report"
        );
        assert!(
            svg.contains(&format!("(point {point}: cdn.routing.mode=")),
            "{file} names its point"
        );
        assert!(
            report.contains(&format!("<b>Point {point}: ")),
            "{file}'s caption"
        );
        assert_eq!(markers(svg, "PoP").len(), shipped_pops().len());
    }
    assert!(report.contains("<h2>World maps</h2>"));
    assert!(report.contains("One map per sweep point (points 0, 1, 2 of 3)"));
    // The routings send clients to different PoPs: the catchments differ.
    let lines = |svg: &str| -> Vec<String> {
        svg.lines()
            .filter(|l| l.contains("class=\"catchment\""))
            .map(str::to_string)
            .collect()
    };
    assert_ne!(
        lines(&svgs[0]),
        lines(&svgs[2]),
        "anycast and ideal routing"
    );
    // One colour means one value on every map.
    let ends = scale_ends(&svgs[0]);
    assert_eq!(ends.len(), 2, "{ends:?}");
    for svg in &svgs[1..] {
        assert_eq!(scale_ends(svg), ends);
    }
    assert!(!out.join("plots/world-map-point-3.svg").exists());
}

#[test]
fn a_long_sweep_maps_at_most_six_points_spread_over_it() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    let quick = fs::read_to_string(root().join("experiments/quickstart.toml")).unwrap();
    let ttls: Vec<String> = (1..=9).map(|m| format!("\"max-age={}\"", 60 * m)).collect();
    let exp = quick
        .replace(
            "path = \"cdn.mode\"",
            "path = \"cdn.catalogue.cache_control\"",
        )
        .replace(
            "values = [\"no-cdn\", \"pull\"]",
            &format!("values = [{}]", ttls.join(", ")),
        );
    fs::write(d.join("exp.toml"), exp).unwrap();
    let run = edgesim(
        d,
        &[
            "run",
            "exp.toml",
            "--out",
            "o",
            "--set",
            "run.replications=1",
            "--set",
            "run.duration=40s",
            "--set",
            "run.warmup=20s",
            "--set",
            "cdn.request_rate=200/s",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let mut maps: Vec<String> = fs::read_dir(d.join("o/plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("world-map"))
        .collect();
    maps.sort();
    // Points 0 and 8 and four evenly between them.
    assert_eq!(
        maps,
        [
            "world-map-point-1.svg",
            "world-map-point-3.svg",
            "world-map-point-4.svg",
            "world-map-point-6.svg",
            "world-map-point-8.svg",
            "world-map.svg"
        ]
    );
    let report = fs::read_to_string(d.join("o/report.html")).unwrap();
    assert!(
        report.contains("(points 0, 1, 3, 4, 6, 8 of 9; at most 6 are drawn)"),
        "{}",
        &report[report.find("<h2>World maps").unwrap()..][..900]
    );
    // A redraw replaces them all and adds none.
    let plot = edgesim(d, &["plot", "o"]);
    assert!(plot.status.success(), "{}", stderr(&plot));
    assert_eq!(
        fs::read_dir(d.join("o/plots"))
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("world-map"))
            .count(),
        6
    );
}

#[test]
fn a_model_without_a_world_has_no_map() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    fs::write(d.join("exp.toml"), SMALL_QUEUE).unwrap();
    let run = edgesim(d, &["run", "exp.toml", "--out", "q"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(!d.join("q/plots/world-map.svg").exists());
    let report = fs::read_to_string(d.join("q/report.html")).unwrap();
    assert!(!report.contains("World map"));
}
