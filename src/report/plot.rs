//! `edgesim plot DIR`, also run at the end of every sweep and merge: reads
//! the output files of DIR, chooses the charts (`[[plot]]`, else the
//! defaults), draws them into `plots/` and writes `report.html`. Everything
//! comes from the files, so redrawing the same folder gives the same bytes.

use std::path::{Path, PathBuf};

use super::charts::build::build;
use super::charts::defaults::default_plots;
use super::charts::{Chart, draw};
use super::html;
use super::output::{PLOTS_DIR, REPORT, write_atomically};
use super::tables::Tables;
use crate::error::Error;

/// What a redraw wrote, and the charts it could not draw.
#[derive(Clone, Debug, Default)]
pub struct Drawn {
    pub written: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// Chooses and builds the charts of `tables`. Charts a file names but the
/// data cannot give become warnings; default charts that do not apply are
/// left out quietly.
pub fn choose(tables: &Tables) -> (Vec<Chart>, Vec<String>) {
    let named = !tables.study.plots.is_empty();
    let specs = if named {
        tables.study.plots.clone()
    } else {
        default_plots(tables)
    };
    let mut charts = Vec::new();
    let mut warnings = Vec::new();
    let mut drawn = 0;
    for (i, spec) in specs.iter().enumerate() {
        // Named charts keep their place in the file; defaults that do not
        // apply leave no gap.
        let number = if named { i + 1 } else { drawn + 1 };
        match build(tables, spec, number) {
            Ok(built) => {
                drawn += 1;
                charts.extend(built);
            }
            Err(message) if named => {
                let what = spec.y.as_deref().or(spec.z.as_deref()).unwrap_or("");
                warnings.push(format!(
                    "[[plot]] number {} ({} {what}): {message}",
                    i + 1,
                    spec.kind.as_str()
                ));
            }
            Err(_) => {}
        }
    }
    (charts, warnings)
}

/// Redraws the charts and the report of output folder `dir`.
pub fn redraw(dir: &Path) -> Result<Drawn, Error> {
    let tables = Tables::read(dir)?;
    let (charts, warnings) = choose(&tables);
    let plots = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots)
        .map_err(|e| Error::io(format!("cannot create {}", plots.display()), e))?;
    remove_old_charts(&plots)?;
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
    let report = html::report(&tables, &charts, &svgs, &warnings);
    written.push(write_atomically(dir, REPORT, report.as_bytes())?);
    Ok(Drawn { written, warnings })
}

/// Charts of an earlier drawing would otherwise linger next to new ones.
fn remove_old_charts(plots: &Path) -> Result<(), Error> {
    let entries = std::fs::read_dir(plots)
        .map_err(|e| Error::io(format!("cannot list {}", plots.display()), e))?;
    for entry in entries.filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.extension().is_some_and(|x| x == "svg" || x == "png") {
            std::fs::remove_file(&path)
                .map_err(|e| Error::io(format!("cannot remove {}", path.display()), e))?;
        }
    }
    Ok(())
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
