//! Turning finished runs into files and pictures: the CSV and JSON writers
//! and the names in an output folder (`output`), reading the files back
//! (`tables`), charts (`charts`), the HTML report (`html`) and redrawing
//! both from a folder (`plot`); [`publish`] does it all for a set of run
//! records. The report knows only rows: it never imports an experiment, a
//! batch or a model.

pub mod charts;
pub mod html;
pub mod output;
pub mod plot;
pub mod search;
pub mod tables;

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
    Ok(Published { written, warnings })
}
