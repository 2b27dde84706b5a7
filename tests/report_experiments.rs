//! Every experiment shipped in `experiments/` produces its charts and
//! `report.html` (at reduced size here), the report renders in headless
//! Chromium with every chart drawn, and `edgesim plot` redraws them from
//! the output files to the same bytes.

mod common;
mod report_support;

use std::fs;
use std::path::Path;

use common::{edgesim, root, stderr};
use report_support::{check_renders, run_reduced, shipped_experiments};

fn chart_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// The metric columns of the report's Summary table: its header cells
/// but the point's own (`<th>point</th>`) and the swept parameters'
/// (`<th class="l">`).
fn summary_metric_columns(report: &str) -> usize {
    let summary = &report[report.find("<h2>Summary</h2>").expect("a Summary section")..];
    let header = &summary[..summary.find("</tr>").expect("a header row")];
    header.matches("<th>").count() - 1
}

#[test]
fn every_shipped_experiment_gets_charts_and_a_report() {
    let files = shipped_experiments();
    assert!(files.len() >= 2);
    let temp = tempfile::tempdir().unwrap();
    for (i, file) in files.iter().enumerate() {
        let out = temp.path().join(format!("out-{i}"));
        run_reduced(file, &out);
        let report = fs::read_to_string(out.join("report.html")).unwrap();
        let charts = chart_files(&out);
        let svgs: Vec<&(String, Vec<u8>)> =
            charts.iter().filter(|(n, _)| n.ends_with(".svg")).collect();
        assert!(svgs.len() >= 2, "{}: {} charts", file.display(), svgs.len());
        // About 20 charts at most (and the first world map; a sweep's
        // other maps take places of default charts): the defaults that
        // answer the question first, the rest left out.
        let drawn = svgs.iter().filter(|(n, _)| n != "world-map.svg").count();
        assert!(
            drawn <= edgesim::report::plot::MAX_CHARTS,
            "{}: {drawn} charts",
            file.display()
        );
        assert_eq!(
            report.matches("<figure ").count(),
            svgs.len(),
            "{}",
            file.display()
        );
        for (name, bytes) in &svgs {
            let svg = String::from_utf8(bytes.clone()).unwrap();
            assert!(
                report.contains(svg.trim()),
                "{name} is not inlined in the report"
            );
        }
        assert!(
            report.contains(
                &fs::read_to_string(file)
                    .unwrap()
                    .replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
                    .replace('\'', "&#39;")
            )
        );
        if fs::read_to_string(file)
            .unwrap()
            .contains("model = \"system\"")
        {
            // The coupled model names its results by part (`cdn.…`,
            // `push.…`): its summary shows them, not one lone column.
            let columns = summary_metric_columns(&report);
            assert!(
                columns >= 3,
                "{}: {columns} summary columns",
                file.display()
            );
        }
        let redraw = edgesim(root(), &["plot", out.to_str().unwrap()]);
        assert!(redraw.status.success(), "{}", stderr(&redraw));
        assert_eq!(
            fs::read_to_string(out.join("report.html")).unwrap(),
            report,
            "{}: plot redraws differently",
            file.display()
        );
        check_renders(&out, &file.display().to_string());
        assert_eq!(
            chart_files(&out),
            charts,
            "{}: plot redraws differently",
            file.display()
        );
    }
}

#[test]
fn plot_on_a_bad_folder_exits_2_naming_it() {
    let temp = tempfile::tempdir().unwrap();
    let d = temp.path();
    let cases: Vec<(&str, String)> = vec![
        ("missing", "missing".into()),
        ("empty", "empty/manifest.json".into()),
    ];
    fs::create_dir(d.join("empty")).unwrap();
    for (folder, naming) in cases {
        let out = edgesim(d, &["plot", folder]);
        assert_eq!(out.status.code(), Some(2), "{folder}");
        assert!(stderr(&out).contains(&naming), "{folder}: {}", stderr(&out));
    }
    let quick = root().join("experiments/quickstart.toml");
    run_reduced(&quick, &d.join("ok"));
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(d.join("ok/manifest.json")).unwrap()).unwrap();
    manifest["point_values"] = serde_json::json!([]);
    let no_points = manifest.to_string();
    for (file, content, naming) in [
        ("results.csv", "run_index,point\n1,2\n", "results.csv:1"),
        ("summary.csv", "", "summary.csv"),
        (
            "histograms.csv",
            "run_index,histogram,unit,count,sum_ns,min_ns,max_ns,buckets\n0,x,s,1,1,1,1,oops\n",
            "histograms.csv:2",
        ),
        ("manifest.json", "[]", "manifest.json"),
        ("manifest.json", no_points.as_str(), "lists no points"),
    ] {
        let broken = d.join(format!("broken-{file}"));
        fs::create_dir_all(&broken).unwrap();
        for entry in fs::read_dir(d.join("ok")).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::copy(&path, broken.join(path.file_name().unwrap())).unwrap();
            }
        }
        fs::write(broken.join(file), content).unwrap();
        let out = edgesim(d, &["plot", broken.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{file}: {}", stderr(&out));
        assert!(stderr(&out).contains(naming), "{file}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
    }
}
