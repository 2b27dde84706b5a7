//! Turning finished runs into files: `results.csv`, `summary.csv`,
//! `timeseries.csv`, `histograms.csv` and `manifest.json`. The report knows
//! only rows, never models.

pub mod output;
pub mod stats;
