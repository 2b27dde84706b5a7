//! Turning finished runs into files and pictures: the CSV and JSON writers
//! and the names in an output folder (`output`), reading the files back
//! (`tables`), charts (`charts`), the HTML report (`html`) and redrawing
//! both from a folder (`plot`); [`publish`] does it all for a set of run
//! records. The report knows only rows: it never imports an experiment, a
//! batch or a model.

pub mod answer;
pub mod charts;
pub mod html;
pub mod output;
pub mod plot;
pub mod search;
pub mod tables;
pub mod worldmap;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::study::{Execution, MANIFEST, RunRecord, Study, parse_manifest};

/// What publishing wrote, and the charts that could not be drawn, and why.
#[derive(Clone, Debug, Default)]
pub struct Published {
    pub written: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Writes the output files of `records` into `dir` and, for a whole plan
/// whose experiment wants a report, the charts and `report.html`; then, last,
/// `manifest.json`, so that a folder with a manifest is whole: a run killed
/// or failed before that leaves none. The report reads the manifest from
/// memory, as `edgesim plot` reads it from the folder.
pub fn publish(
    study: &Study,
    records: &[RunRecord],
    dir: &Path,
    execution: &Execution,
) -> Result<Published, Error> {
    let mut written = output::write_tables(study, records, dir, execution)?;
    let manifest = output::manifest_json(study, records, execution);
    let mut warnings = Vec::new();
    if execution.shard.is_none() && study.report {
        let drawn = plot::redraw_with(dir, parse_manifest(dir, &manifest)?)?;
        written.extend(drawn.written);
        warnings = drawn.warnings;
    } else {
        plot::remove_drawing(dir)?;
    }
    written.push(output::write_atomically(dir, MANIFEST, &manifest)?);
    warnings.extend(warmup_warnings(records));
    Ok(Published { written, warnings })
}

/// A warning per run whose warm-up is shorter than the MSER-5 truncation
/// point of its key series (`warmup_ok` = 0), at most a few, then a count.
pub fn warmup_warnings(records: &[RunRecord]) -> Vec<String> {
    const SHOWN: usize = 5;
    let short: Vec<&RunRecord> = records
        .iter()
        .filter(|r| r.output.get("warmup_ok") == Some(0.0))
        .collect();
    let mut lines: Vec<String> = short
        .iter()
        .take(SHOWN)
        .map(|r| {
            let get = |m: &str| r.output.get(m).unwrap_or(f64::NAN);
            format!(
                "run {} (point {}, replication {}): warm-up {} s is shorter than the MSER-5 truncation point {} s; set run.warmup to at least that, or warmup = \"auto\"",
                r.plan.run_index,
                r.plan.point,
                r.plan.replication,
                get("warmup_s"),
                get("warmup_suggested_s")
            )
        })
        .collect();
    if short.len() > SHOWN {
        lines.push(format!(
            "{} more runs have a warm-up shorter than their MSER-5 truncation point",
            short.len() - SHOWN
        ));
    }
    lines
}
