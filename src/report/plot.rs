//! `edgesim plot DIR`, also run at the end of every sweep and merge: reads
//! the output files of DIR, chooses the charts (`[[plot]]`, else the
//! defaults), draws them into `plots/` and writes `report.html`. Everything
//! comes from the files, so redrawing the same folder gives the same bytes.

use std::path::{Path, PathBuf};

use super::charts::build::build;
use super::charts::defaults::default_plots;
use super::charts::{Chart, draw, storm};
use super::html;
use super::output::{
    PLOTS_DIR, REPORT, RESULTS, remove_if_present, remove_stale_temps, write_atomically,
};
use super::tables::Tables;
use crate::error::{Error, InputError};
use crate::study::plotspec::{PlotKind, PlotSpec};
use crate::study::{MANIFEST, ManifestHead, ManifestRun, is_temp_of, read_manifest};

/// The list of the chart files in `plots/` that edgesim drew last, kept at
/// the top of the output folder: what the next drawing may remove.
pub const CHART_LIST: &str = ".edgesim-charts";

/// What a redraw wrote, and the charts it could not draw.
#[derive(Clone, Debug, Default)]
pub struct Drawn {
    pub written: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// The most charts a report draws: a planner reads the first few. Charts
/// a file names (`[[plot]]`) are always drawn; default charts fill up to
/// this many, in their order of importance.
pub const MAX_CHARTS: usize = 20;
/// Default time-series charts kept even when other defaults would fill
/// the report: they show storms, faults and warm-up.
const MIN_TIMESERIES: usize = 4;

/// Chooses and builds the charts of `tables`. Charts a file names but the
/// data cannot give become warnings; default charts that do not apply are
/// left out quietly, and so are those past [`MAX_CHARTS`].
pub fn choose(tables: &Tables) -> (Vec<Chart>, Vec<String>) {
    let named = &tables.study.plots;
    let mut specs: Vec<(PlotSpec, bool)> = named.iter().map(|p| (p.clone(), true)).collect();
    if named.is_empty() || !tables.study.replace_defaults {
        // Defaults follow the named charts, leaving out what they repeat.
        let same =
            |a: &PlotSpec, b: &PlotSpec| (a.kind, &a.x, &a.y, &a.z) == (b.kind, &b.x, &b.y, &b.z);
        for d in default_plots(tables) {
            if !named.iter().any(|n| same(n, &d)) {
                specs.push((d, false));
            }
        }
    }
    // The storm after a fault leads the default charts (its place holds a
    // time-series spec, for the budget).
    let mut storm =
        storm::storm(tables).filter(|_| !tables.study.replace_defaults || named.is_empty());
    let storm_at = storm.as_ref().map(|c| {
        let holder = PlotSpec {
            kind: PlotKind::Timeseries,
            y: Some(c.file_stem.clone()),
            ..PlotSpec::default()
        };
        specs.insert(named.len(), (holder, false));
        named.len()
    });
    let mut built: Vec<(usize, Vec<Chart>)> = Vec::new();
    let mut warnings = Vec::new();
    for (i, (spec, is_named)) in specs.iter().enumerate() {
        if Some(i) == storm_at {
            let mut chart = storm.take().into_iter().collect::<Vec<_>>();
            for c in &mut chart {
                c.file_stem = format!("00-{}", c.file_stem.replace('.', "_"));
            }
            built.push((i, chart));
            continue;
        }
        match build(tables, spec, 0) {
            Ok(charts) => built.push((i, charts)),
            Err(_) if !*is_named => {}
            Err(message) => {
                built.push((i, Vec::new()));
                let what = spec.y.as_deref().or(spec.z.as_deref()).unwrap_or("");
                warnings.push(format!(
                    "[[plot]] number {} ({} {what}): {message}",
                    i + 1,
                    spec.kind.as_str()
                ));
            }
        }
    }
    // A sweep's maps after the first take places of default charts.
    let maps = tables.study.worlds.len().saturating_sub(1);
    let kept = within_budget(&specs, &built, MAX_CHARTS.saturating_sub(maps));
    let mut charts = Vec::new();
    let mut drawn = 0;
    for (k, (i, group)) in built.into_iter().enumerate() {
        if !kept[k] {
            continue;
        }
        // Named charts keep their place in the file; defaults that do not
        // apply, or do not fit, leave no gap.
        let number = if specs[i].1 { i + 1 } else { drawn + 1 };
        drawn = number;
        charts.extend(group.into_iter().map(|mut c| {
            c.file_stem = format!("{number:02}{}", &c.file_stem[2..]);
            c
        }));
    }
    (charts, warnings)
}

/// Which of the `built` groups of charts are drawn: every named one, then
/// defaults in order up to `most` charts in all, with room kept for
/// up to [`MIN_TIMESERIES`] time series.
fn within_budget(
    specs: &[(PlotSpec, bool)],
    built: &[(usize, Vec<Chart>)],
    most: usize,
) -> Vec<bool> {
    let is_series = |i: usize| specs[i].0.kind == PlotKind::Timeseries;
    let count = |f: &dyn Fn(usize) -> bool| -> usize {
        built
            .iter()
            .filter(|(i, _)| f(*i))
            .map(|(_, g)| g.len())
            .sum()
    };
    let named = count(&|i| specs[i].1);
    let mut room = most.saturating_sub(named);
    let series = count(&|i| !specs[i].1 && is_series(i));
    let mut other_room = room.saturating_sub(series.min(MIN_TIMESERIES));
    let mut kept = vec![false; built.len()];
    for pass_series in [false, true] {
        for (k, (i, group)) in built.iter().enumerate() {
            if specs[*i].1 {
                kept[k] = true;
            } else if is_series(*i) == pass_series {
                let limit = if pass_series { room } else { other_room };
                if group.len() <= limit {
                    kept[k] = true;
                    room -= group.len();
                    other_room = other_room.saturating_sub(group.len());
                }
            }
        }
    }
    kept
}

/// Redraws the charts and the report of output folder `dir`.
pub fn redraw(dir: &Path) -> Result<Drawn, Error> {
    redraw_with(dir, read_manifest(dir)?)
}

/// Redraws the charts and the report of output folder `dir` whose manifest
/// is `head` (read from the folder, or not yet written there).
pub fn redraw_with(dir: &Path, head: ManifestHead) -> Result<Drawn, Error> {
    let listed = head.runs.clone();
    let tables = Tables::read_with(dir, head)?;
    check_runs(dir, &listed, &tables)?;
    let (charts, warnings) = choose(&tables);
    let plots = dir.join(PLOTS_DIR);
    create_plots_folder(&plots)?;
    remove_charts(dir)?;
    let names: Vec<String> = charts
        .iter()
        .flat_map(|c| {
            let png = c.png.then(|| format!("{}.png", c.file_stem));
            std::iter::once(format!("{}.svg", c.file_stem)).chain(png)
        })
        .collect();
    // Listed before they are drawn, so that every chart file edgesim
    // writes is one it knows to replace.
    let maps = super::worldmap::maps(&tables);
    let mut names = names;
    names.extend(maps.iter().map(|(name, _)| name.clone()));
    let mut list = names.join("\n");
    list.push('\n');
    write_atomically(dir, CHART_LIST, list.as_bytes())?;
    let mut written = Vec::new();
    let mut svgs = Vec::with_capacity(charts.len());
    for chart in &charts {
        let svg = draw::svg(chart)
            .map_err(|m| Error::Run(format!("cannot draw chart {}: {m}", chart.file_stem)))?;
        written.push(write_atomically(
            &plots,
            &format!("{}.svg", chart.file_stem),
            svg.as_bytes(),
        )?);
        if chart.png {
            written.push(write_png(&plots, chart)?);
        }
        svgs.push(svg);
    }
    for (name, map) in &maps {
        written.push(write_atomically(&plots, name, map.as_bytes())?);
    }
    let report = html::report(&tables, &charts, &svgs, &warnings);
    written.push(write_atomically(dir, REPORT, report.as_bytes())?);
    let mut warnings = warnings;
    warnings.extend(super::answer::headline_warnings(&tables));
    Ok(Drawn { written, warnings })
}

/// `results.csv` holds exactly the runs the manifest lists.
fn check_runs(dir: &Path, listed: &[ManifestRun], tables: &Tables) -> Result<(), Error> {
    let differs = listed.len() != tables.runs.len()
        || listed.iter().zip(&tables.runs).any(|(m, r)| {
            (m.run_index, m.point, m.replication, m.seed)
                != (r.run_index, r.point, r.replication, r.seed)
        });
    if !differs {
        return Ok(());
    }
    let first = listed
        .iter()
        .zip(&tables.runs)
        .find(|(m, r)| (m.run_index, m.seed) != (r.run_index, r.seed))
        .map_or(String::new(), |(m, r)| {
            format!(
                "; its first difference: run {} with seed {} where the manifest has run {} with seed {}",
                r.run_index, r.seed, m.run_index, m.seed
            )
        });
    Err(InputError::file(
        &dir.join(RESULTS),
        format!(
            "does not match {MANIFEST}: it holds {} runs where the manifest lists {}{first}; the folder's files do not belong together: run the experiment again",
            tables.runs.len(),
            listed.len()
        ),
    )
    .into())
}

fn create_plots_folder(plots: &Path) -> Result<(), Error> {
    if plots.exists() && !plots.is_dir() {
        return Err(InputError::file(
            plots,
            "is not a folder; edgesim draws its charts into this folder: move the file away",
        )
        .into());
    }
    std::fs::create_dir_all(plots)
        .map_err(|e| Error::io(format!("cannot create {}", plots.display()), e))
}

/// Removes the charts and the report an earlier drawing of `dir` wrote
/// (where a shard or a run without a report now leaves the folder).
pub fn remove_drawing(dir: &Path) -> Result<(), Error> {
    remove_charts(dir)?;
    remove_if_present(&dir.join(CHART_LIST))?;
    remove_stale_temps(dir, &[REPORT, CHART_LIST])?;
    remove_if_present(&dir.join(REPORT))
}

/// Removes the chart files edgesim listed when it last drew into `dir`'s
/// `plots/`, and the temporaries of chart files: only files named the way
/// edgesim names charts, never other files of `plots/`.
fn remove_charts(dir: &Path) -> Result<(), Error> {
    let plots = dir.join(PLOTS_DIR);
    let list = dir.join(CHART_LIST);
    match std::fs::read_to_string(&list) {
        Ok(text) => {
            for name in text.lines().filter(|n| is_chart_file(n)) {
                remove_if_present(&plots.join(name))?;
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("cannot read {}", list.display()), e)),
    }
    let entries = match std::fs::read_dir(&plots) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(format!("cannot list {}", plots.display()), e)),
    };
    for entry in entries.filter_map(|e| e.ok()) {
        if is_chart_temp(&entry.file_name().to_string_lossy()) {
            remove_if_present(&entry.path())?;
        }
    }
    remove_stale_temps(dir, &[REPORT, CHART_LIST])
}

/// A chart file name as [`super::charts::build`] makes them: a number of
/// two or more digits, maybe a letter, `-`, a file-name-safe stem of at
/// most 80 characters, and `.svg` or `.png`.
fn is_chart_file(name: &str) -> bool {
    if super::worldmap::is_map_file(name) {
        return true;
    }
    let Some(stem) = name
        .strip_suffix(".svg")
        .or_else(|| name.strip_suffix(".png"))
    else {
        return false;
    };
    let Some((number, rest)) = stem.split_once('-') else {
        return false;
    };
    let digits = number.trim_end_matches(|c: char| c.is_ascii_lowercase());
    digits.len() >= 2
        && number.len() <= digits.len() + 1
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (1..=80).contains(&rest.len())
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The temporary name of a chart file: `.NAME.tmp-PID` (SVG) or
/// `.STEM.tmp-PID.png` (PNG, see [`write_png`]).
fn is_chart_temp(file: &str) -> bool {
    let Some(inner) = file.strip_prefix('.') else {
        return false;
    };
    let pid = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if let Some((stem, p)) = inner
        .strip_suffix(".png")
        .and_then(|i| i.rsplit_once(".tmp-"))
        && pid(p)
        && is_chart_file(&format!("{stem}.png"))
    {
        return true;
    }
    inner
        .rsplit_once(".tmp-")
        .is_some_and(|(name, _)| is_chart_file(name) && is_temp_of(file, name))
}

fn write_png(plots: &Path, chart: &Chart) -> Result<PathBuf, Error> {
    let target = plots.join(format!("{}.png", chart.file_stem));
    // The bitmap backend picks the format from the extension, so the
    // temporary name ends in .png too.
    let temp = plots.join(format!(
        ".{}.tmp-{}.png",
        chart.file_stem,
        std::process::id()
    ));
    draw::png(chart, &temp).map_err(|m| {
        let _ = std::fs::remove_file(&temp);
        Error::Run(format!("cannot draw {}: {m}", target.display()))
    })?;
    std::fs::rename(&temp, &target)
        .map_err(|e| Error::io(format!("cannot rename {}", temp.display()), e))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_chart_names_and_their_temporaries_are_charts() {
        for name in [
            "01-line-x.svg",
            "02-heatmap-utilisation.png",
            "05b-timeseries-in_system.svg",
            "123-ccdf-a_b.svg",
        ] {
            assert!(is_chart_file(name), "{name}");
        }
        for name in [
            "my-figure.svg",
            "1-x.svg",
            "01-.svg",
            "01-x.pdf",
            "01ab-x.svg",
            "01-a b.svg",
            "01-../x.svg",
            ".edgesim-charts",
        ] {
            assert!(!is_chart_file(name), "{name}");
        }
        assert!(is_chart_temp(".01-line-x.svg.tmp-42"));
        assert!(is_chart_temp(".02-heatmap-u.tmp-42.png"));
        assert!(!is_chart_temp(".my-figure.svg.tmp-42"));
        assert!(!is_chart_temp(".01-line-x.svg.tmp-x"));
        assert!(!is_chart_temp("01-line-x.svg"));
    }
}
