//! The output files read back for charts and the report: `manifest.json`,
//! `results.csv`, `summary.csv`, `histograms.csv` (merged per point) and
//! `timeseries.csv` (averaged over replications). Charts are drawn only from
//! these files, so `edgesim plot DIR` redraws them anywhere.

use std::collections::BTreeMap;
use std::path::Path;

use super::output::{HISTOGRAMS_COLUMNS, RESULTS_COLUMNS, SUMMARY_COLUMNS, TIMESERIES_COLUMNS};
use crate::engine::Histogram;
use crate::error::{Error, InputError};
use crate::run::TimeUnit;
use crate::study::{ManifestHead, Study, read_manifest, read_output_file};

/// One row of `results.csv` (its identity; values are summarised in
/// [`Tables::summary`]).
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    pub run_index: usize,
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
}

/// One row of `summary.csv`.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SummaryRow {
    pub n: u64,
    pub mean: f64,
    pub ci95: f64,
    pub pooled: Option<f64>,
}

impl SummaryRow {
    /// The value to plot and judge: pooled from merged histograms where the
    /// metric is a latency, else the mean over replications.
    pub fn value(&self) -> f64 {
        self.pooled.unwrap_or(self.mean)
    }

    /// The 95% confidence interval of the replication mean, when known.
    pub fn band(&self) -> Option<(f64, f64)> {
        (self.n >= 2 && self.ci95.is_finite() && self.mean.is_finite())
            .then_some((self.mean - self.ci95, self.mean + self.ci95))
    }
}

/// A histogram merged over the replications of each point.
#[derive(Clone, Debug)]
pub struct HistogramSet {
    pub name: String,
    pub unit: TimeUnit,
    /// Indexed by point.
    pub per_point: Vec<Histogram>,
}

/// One time series averaged over replications: (t_s, mean value) per bin.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesLine {
    pub point: usize,
    pub entity: String,
    pub values: Vec<(f64, f64)>,
}

/// Every series of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesSet {
    pub metric: String,
    /// Entities in order of first appearance.
    pub entities: Vec<String>,
    /// Ordered by point, then entity order.
    pub lines: Vec<SeriesLine>,
}

/// Everything the charts and the report read.
#[derive(Clone, Debug)]
pub struct Tables {
    pub study: Study,
    pub runs: Vec<RunRow>,
    /// Metric columns of `results.csv`, in order.
    pub metrics: Vec<String>,
    /// metric -> per point.
    pub summary: BTreeMap<String, Vec<Option<SummaryRow>>>,
    pub histograms: Vec<HistogramSet>,
    pub series: Vec<SeriesSet>,
}

impl Tables {
    /// Reads the output folder `dir`.
    pub fn read(dir: &Path) -> Result<Tables, Error> {
        Tables::read_with(dir, read_manifest(dir)?)
    }

    /// Reads the files of output folder `dir` that `head`, its manifest
    /// (read from the folder, or about to be written there), describes.
    pub fn read_with(dir: &Path, head: ManifestHead) -> Result<Tables, Error> {
        if let Some(shard) = head.shard {
            return Err(InputError::file(
                dir,
                format!("is shard {shard} of a sweep; charts are drawn from the whole sweep: merge the shards first (edgesim merge)"),
            )
            .into());
        }
        let study = head.study;
        let (runs, metrics) = read_results(dir, &study)?;
        let summary = read_summary(dir, &study)?;
        let histograms = if dir.join("histograms.csv").exists() {
            read_histograms(dir, &study)?
        } else {
            Vec::new()
        };
        let series = if dir.join("timeseries.csv").exists() {
            read_series(dir, &study)?
        } else {
            Vec::new()
        };
        Ok(Tables {
            study,
            runs,
            metrics,
            summary,
            histograms,
            series,
        })
    }

    /// The summary of `metric` at `point`.
    pub fn at(&self, metric: &str, point: usize) -> Option<&SummaryRow> {
        self.summary.get(metric)?.get(point)?.as_ref()
    }

    /// Metric names in `summary.csv` order of first appearance.
    pub fn summary_metrics(&self) -> Vec<String> {
        self.metrics
            .iter()
            .filter(|m| self.summary.contains_key(*m))
            .cloned()
            .collect()
    }

    pub fn histogram(&self, name: &str) -> Option<&HistogramSet> {
        self.histograms.iter().find(|h| h.name == name)
    }

    pub fn series_set(&self, metric: &str) -> Option<&SeriesSet> {
        self.series.iter().find(|s| s.metric == metric)
    }

    /// True when `metric` comes from a histogram (it has a pooled value).
    pub fn is_pooled(&self, metric: &str) -> bool {
        self.summary
            .get(metric)
            .is_some_and(|rows| rows.iter().flatten().any(|r| r.pooled.is_some()))
    }
}

/// A CSV reader over a file of the folder, and a function that makes
/// errors naming the file and line.
fn open_csv(dir: &Path, name: &str) -> Result<csv::Reader<std::io::Cursor<Vec<u8>>>, Error> {
    let bytes = read_output_file(dir, name)?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::Cursor::new(bytes)))
}

fn bad(dir: &Path, name: &str, line: Option<u64>, message: impl Into<String>) -> Error {
    let mut e = InputError::file(&dir.join(name), message);
    if let Some(line) = line {
        e = e.at_line(line as usize);
    }
    e.into()
}

fn csv_error(dir: &Path, name: &str, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    bad(dir, name, line, format!("malformed CSV: {e}"))
}

fn header(
    reader: &mut csv::Reader<std::io::Cursor<Vec<u8>>>,
    dir: &Path,
    name: &str,
) -> Result<Vec<String>, Error> {
    Ok(reader
        .headers()
        .map_err(|e| csv_error(dir, name, e))?
        .iter()
        .map(String::from)
        .collect())
}

fn expect_prefix(
    dir: &Path,
    name: &str,
    header: &[String],
    expected: &[String],
) -> Result<(), Error> {
    if header.len() < expected.len() || header[..expected.len()] != *expected {
        return Err(bad(
            dir,
            name,
            Some(1),
            format!(
                "the header does not match manifest.json: expected it to start with {}",
                expected.join(",")
            ),
        ));
    }
    Ok(())
}

fn number(text: &str) -> Option<f64> {
    if text.is_empty() {
        Some(f64::NAN)
    } else {
        text.parse().ok()
    }
}

type Results = (Vec<RunRow>, Vec<String>);

fn read_results(dir: &Path, study: &Study) -> Result<Results, Error> {
    const NAME: &str = "results.csv";
    let mut reader = open_csv(dir, NAME)?;
    let header = header(&mut reader, dir, NAME)?;
    let mut expected: Vec<String> = RESULTS_COLUMNS.map(String::from).to_vec();
    expected.extend(study.sweep_paths.iter().cloned());
    expected.push("events".into());
    expect_prefix(dir, NAME, &header, &expected)?;
    let metrics = header[expected.len()..].to_vec();
    let mut runs = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(dir, NAME, e))?;
        let line = row.position().map(|p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let run = (|| {
            Some(RunRow {
                run_index: field(0).parse().ok()?,
                point: field(1).parse().ok()?,
                replication: field(2).parse().ok()?,
                seed: field(3).parse().ok()?,
            })
        })()
        .filter(|r| r.point < study.point_values.len() && study.point_of(r.run_index) == r.point)
        .ok_or_else(|| {
            bad(
                dir,
                NAME,
                line,
                "bad run_index, point, replication or seed for this experiment",
            )
        })?;
        if (expected.len()..header.len()).any(|i| number(field(i)).is_none()) {
            return Err(bad(dir, NAME, line, "a metric value is not a number"));
        }
        runs.push(run);
    }
    Ok((runs, metrics))
}

fn read_summary(
    dir: &Path,
    study: &Study,
) -> Result<BTreeMap<String, Vec<Option<SummaryRow>>>, Error> {
    const NAME: &str = "summary.csv";
    let mut reader = open_csv(dir, NAME)?;
    let header = header(&mut reader, dir, NAME)?;
    let mut expected = vec!["point".to_string()];
    expected.extend(study.sweep_paths.iter().cloned());
    expected.extend(SUMMARY_COLUMNS.map(String::from));
    expect_prefix(dir, NAME, &header, &expected)?;
    let base = 1 + study.sweep_paths.len();
    let points = study.point_values.len();
    let mut summary: BTreeMap<String, Vec<Option<SummaryRow>>> = BTreeMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(dir, NAME, e))?;
        let line = row.position().map(|p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let parsed = (|| {
            let point: usize = field(0).parse().ok().filter(|&p| p < points)?;
            let pooled = number(field(base + 7))?;
            let summary_row = SummaryRow {
                n: field(base + 1).parse().ok()?,
                mean: number(field(base + 2))?,
                ci95: number(field(base + 3))?,
                pooled: pooled.is_finite().then_some(pooled),
            };
            Some((point, summary_row))
        })();
        let (point, summary_row) =
            parsed.ok_or_else(|| bad(dir, NAME, line, "bad point or number"))?;
        summary
            .entry(field(base).to_string())
            .or_insert_with(|| vec![None; points])[point] = Some(summary_row);
    }
    Ok(summary)
}

fn parse_buckets(text: &str) -> Option<Vec<(u64, u64)>> {
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split(';')
        .map(|pair| {
            let (v, c) = pair.split_once(':')?;
            Some((v.parse().ok()?, c.parse().ok()?))
        })
        .collect()
}

/// (point, unit, histogram) of one `histograms.csv` row.
fn histogram_row(row: &csv::StringRecord, study: &Study) -> Option<(usize, TimeUnit, Histogram)> {
    let field = |i: usize| row.get(i).unwrap_or("");
    let run_index: usize = field(0).parse().ok()?;
    let point = Some(study.point_of(run_index)).filter(|&p| p < study.point_values.len())?;
    let unit = match field(2) {
        "s" => TimeUnit::Seconds,
        "ms" => TimeUnit::Millis,
        _ => return None,
    };
    let extreme = |i: usize| {
        if field(i).is_empty() {
            Some(0)
        } else {
            field(i).parse().ok()
        }
    };
    let sum_ns: u128 = field(4).parse().ok()?;
    let buckets = parse_buckets(field(7))?;
    let histogram = Histogram::from_parts(&buckets, sum_ns, extreme(5)?, extreme(6)?);
    Some((point, unit, histogram))
}

fn read_histograms(dir: &Path, study: &Study) -> Result<Vec<HistogramSet>, Error> {
    const NAME: &str = "histograms.csv";
    let mut reader = open_csv(dir, NAME)?;
    let header = header(&mut reader, dir, NAME)?;
    let expected = HISTOGRAMS_COLUMNS.map(String::from);
    expect_prefix(dir, NAME, &header, &expected)?;
    let points = study.point_values.len();
    let mut sets: Vec<HistogramSet> = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(dir, NAME, e))?;
        let line = row.position().map(|p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let parsed = histogram_row(&row, study);
        let (point, unit, histogram) = parsed.ok_or_else(|| {
            bad(
                dir,
                NAME,
                line,
                "bad run index, unit, number or bucket list",
            )
        })?;
        let name = field(1);
        let index = match sets.iter().position(|s| s.name == name) {
            Some(i) => i,
            None => {
                sets.push(HistogramSet {
                    name: name.to_string(),
                    unit,
                    per_point: vec![Histogram::new(); points],
                });
                sets.len() - 1
            }
        };
        sets[index].per_point[point].merge(&histogram);
    }
    Ok(sets)
}

/// One bin of a series over replications: (t_s, sum of values, values).
type Bin = (f64, f64, u32);

/// Accumulates series rows: (metric, entity) -> point -> per-bin (t, sum, n).
#[derive(Default)]
struct SeriesAccumulator {
    metrics: Vec<String>,
    entities: Vec<Vec<String>>,
    sums: BTreeMap<(usize, usize, usize), Vec<Bin>>,
    /// Position of the next bin of (metric, entity) within the current run.
    cursor: BTreeMap<(usize, usize), usize>,
    run: Option<usize>,
}

impl SeriesAccumulator {
    fn add(&mut self, run_index: usize, point: usize, metric: &str, entity: &str, t: f64, v: f64) {
        if self.run != Some(run_index) {
            self.run = Some(run_index);
            self.cursor.clear();
        }
        let m = match self.metrics.iter().position(|x| x == metric) {
            Some(m) => m,
            None => {
                self.metrics.push(metric.to_string());
                self.entities.push(Vec::new());
                self.metrics.len() - 1
            }
        };
        let entities = &mut self.entities[m];
        let e = match entities.iter().position(|x| x == entity) {
            Some(e) => e,
            None => {
                entities.push(entity.to_string());
                entities.len() - 1
            }
        };
        let bin = self.cursor.entry((m, e)).or_insert(0);
        let bins = self.sums.entry((m, point, e)).or_default();
        if bins.len() <= *bin {
            bins.push((t, 0.0, 0));
        }
        if v.is_finite() {
            bins[*bin].1 += v;
            bins[*bin].2 += 1;
        }
        *bin += 1;
    }

    fn finish(self) -> Vec<SeriesSet> {
        let mut sets: Vec<SeriesSet> = self
            .metrics
            .iter()
            .zip(&self.entities)
            .map(|(metric, entities)| SeriesSet {
                metric: metric.clone(),
                entities: entities.clone(),
                lines: Vec::new(),
            })
            .collect();
        for ((m, point, e), bins) in self.sums {
            let values = bins
                .into_iter()
                .map(|(t, sum, n)| (t, if n == 0 { f64::NAN } else { sum / n as f64 }))
                .collect();
            let entity = sets[m].entities[e].clone();
            sets[m].lines.push(SeriesLine {
                point,
                entity,
                values,
            });
        }
        sets
    }
}

fn read_series(dir: &Path, study: &Study) -> Result<Vec<SeriesSet>, Error> {
    const NAME: &str = "timeseries.csv";
    let mut reader = open_csv(dir, NAME)?;
    let header = header(&mut reader, dir, NAME)?;
    let expected = TIMESERIES_COLUMNS.map(String::from);
    expect_prefix(dir, NAME, &header, &expected)?;
    let points = study.point_values.len();
    let mut acc = SeriesAccumulator::default();
    let mut row = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(dir, NAME, e)),
        }
        let line = row.position().map(|p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("");
        let parsed = (|| {
            let run_index: usize = field(0).parse().ok()?;
            let point = Some(study.point_of(run_index)).filter(|&p| p < points)?;
            Some((run_index, point, number(field(1))?, number(field(4))?))
        })();
        let (run_index, point, t, v) =
            parsed.ok_or_else(|| bad(dir, NAME, line, "bad run index or number"))?;
        acc.add(run_index, point, field(2), field(3), t, v);
    }
    Ok(acc.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_are_averaged_bin_by_bin_over_replications() {
        let mut acc = SeriesAccumulator::default();
        for (run, v) in [(0, 1.0), (1, 3.0)] {
            acc.add(run, 0, "m", "a", 0.0, v);
            acc.add(run, 0, "m", "a", 1.0, v * 2.0);
            acc.add(run, 0, "m", "b", 0.0, 5.0);
        }
        let sets = acc.finish();
        assert_eq!(sets.len(), 1);
        assert_eq!(sets[0].entities, vec!["a", "b"]);
        assert_eq!(sets[0].lines[0].values, vec![(0.0, 2.0), (1.0, 4.0)]);
        assert_eq!(sets[0].lines[1].values, vec![(0.0, 5.0)]);
    }

    #[test]
    fn buckets_parse() {
        assert_eq!(
            parse_buckets("1000:2;2000:1"),
            Some(vec![(1000, 2), (2000, 1)])
        );
        assert_eq!(parse_buckets(""), Some(vec![]));
        assert_eq!(parse_buckets("x"), None);
    }
}
