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
pub mod tables;

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::study::{Execution, RunRecord, Study};

/// What publishing wrote, and the charts that could not be drawn, and why.
#[derive(Clone, Debug, Default)]
pub struct Published {
    pub written: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Writes the output files of `records` into `dir` and, for a whole plan
/// whose experiment wants a report, the charts and `report.html`.
pub fn publish(
    study: &Study,
    records: &[RunRecord],
    dir: &Path,
    execution: &Execution,
) -> Result<Published, Error> {
    let mut written = output::write_all(study, records, dir, execution)?;
    let mut warnings = Vec::new();
    if execution.shard.is_none() && study.report {
        let drawn = plot::redraw(dir)?;
        written.extend(drawn.written);
        warnings = drawn.warnings;
    }
    Ok(Published { written, warnings })
}
