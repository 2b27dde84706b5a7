//! The miss-ratio curve as charts: miss ratio against cache size, one line
//! per policy (and, in byte mode, byte miss ratio likewise), described as
//! the report's line charts and drawn by its chart module, so they look
//! like every other edgesim chart and are the same bytes on every machine.

use std::path::{Path, PathBuf};

use super::mrc::MrcOutcome;
use super::{CurveSeries, ReplayOutcome, miss_ratio_curve};
use crate::error::Error;
use crate::report::charts::axes::param_positions;
use crate::report::charts::{Axis, Chart, ChartBody, Line, LineChart, Tick, draw, format_value};

/// A cache size for a tick: bytes with a decimal unit, or an object count.
fn size_label(size: u64, ignore_size: bool) -> String {
    if ignore_size {
        return format_value(size as f64);
    }
    let v = size as f64;
    let (scale, unit) = match v {
        v if v >= 1e12 => (1e12, "TB"),
        v if v >= 1e9 => (1e9, "GB"),
        v if v >= 1e6 => (1e6, "MB"),
        v if v >= 1e3 => (1e3, "kB"),
        _ => (1.0, "B"),
    };
    format!("{} {unit}", format_value(v / scale))
}

/// Which ratio a chart shows.
#[derive(Copy, Clone)]
enum Ratio {
    Requests,
    Bytes,
}

impl Ratio {
    fn of(self, point: &(u64, f64, f64)) -> f64 {
        match self {
            Ratio::Requests => point.1,
            Ratio::Bytes => point.2,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ratio::Requests => "miss ratio",
            Ratio::Bytes => "byte miss ratio",
        }
    }
}

/// The curve charts of a replay: miss ratio, and byte miss ratio in byte
/// mode (in object mode every size is 1 and the two are the same).
pub fn curve_charts(outcome: &ReplayOutcome, trace: &Path, ignore_size: bool) -> Vec<Chart> {
    let series = miss_ratio_curve(&outcome.rows);
    let view = View {
        trace,
        warmup_requests: outcome.read.warmup_requests,
        ignore_size,
        markers: true,
    };
    series_charts(&series, &view)
}

/// The curve charts of a one-pass run (`--mrc`): a line per policy and
/// method, with markers only when the points are few.
pub fn mrc_charts(outcome: &MrcOutcome, trace: &Path, ignore_size: bool) -> Vec<Chart> {
    let series = super::mrc::curve_series(outcome);
    let most_points = series.iter().map(|s| s.points.len()).max().unwrap_or(0);
    let view = View {
        trace,
        warmup_requests: outcome.read.warmup_requests,
        ignore_size,
        markers: most_points <= MARKED_POINTS_MAX,
    };
    series_charts(&series, &view)
}

/// Lines with more points than this are drawn without markers.
const MARKED_POINTS_MAX: usize = 20;

/// What every chart of one run shares.
struct View<'a> {
    trace: &'a Path,
    warmup_requests: u64,
    ignore_size: bool,
    markers: bool,
}

fn series_charts(series: &[CurveSeries], view: &View) -> Vec<Chart> {
    let mut charts = vec![chart(series, Ratio::Requests, view)];
    if !view.ignore_size {
        charts.push(chart(series, Ratio::Bytes, view));
    }
    charts
}

fn chart(series: &[CurveSeries], ratio: Ratio, view: &View) -> Chart {
    let View {
        trace,
        warmup_requests,
        ignore_size,
        markers,
    } = *view;
    let mut sizes: Vec<u64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    sizes.sort_unstable();
    sizes.dedup();
    let texts: Vec<String> = sizes.iter().map(u64::to_string).collect();
    let (_, log) = param_positions(&texts, None);
    let ticks = sizes
        .iter()
        .map(|&s| Tick {
            at: s as f64,
            label: size_label(s, ignore_size),
        })
        .collect();
    let unit = if ignore_size { "objects" } else { "bytes" };
    let x = Axis::with_ticks(&format!("cache size ({unit})"), log, ticks);
    let lines: Vec<Line> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Line {
            label: s.label.clone(),
            colour: i,
            points: s.points.iter().map(|p| (p.0 as f64, ratio.of(p))).collect(),
            band: Vec::new(),
            markers,
            dots: false,
        })
        .collect();
    let values: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .collect();
    let y = Axis::linear(ratio.name(), &values, true);
    let name = trace.file_name().map_or_else(
        || trace.display().to_string(),
        |n| n.to_string_lossy().to_string(),
    );
    let warmup = match warmup_requests {
        0 => String::new(),
        w => format!(", after {w} warm-up requests"),
    };
    let stem = match ratio {
        Ratio::Requests => "miss_ratio_curve",
        Ratio::Bytes => "byte_miss_ratio_curve",
    };
    Chart {
        file_stem: stem.to_string(),
        title: format!(
            "{} vs cache size: {name}{warmup}",
            capitalised(ratio.name())
        ),
        reading: reading(series, ratio, ignore_size),
        body: ChartBody::Lines(LineChart {
            x,
            y,
            lines,
            rules: Vec::new(),
            band_note: None,
        }),
        png: false,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// One sentence: the lowest ratio at the largest size, and how one
/// policy's ratio falls.
fn reading(series: &[CurveSeries], ratio: Ratio, ignore_size: bool) -> String {
    let largest = |s: &CurveSeries| s.points.last().copied();
    let best = series
        .iter()
        .filter_map(|s| largest(s).map(|p| (s, p)))
        .min_by(|a, b| ratio.of(&a.1).total_cmp(&ratio.of(&b.1)));
    let Some((best, point)) = best else {
        return String::new();
    };
    let first = best.points[0];
    format!(
        "At {} {} has the lowest {} ({}); from {} it falls from {}.",
        size_label(point.0, ignore_size),
        best.label,
        ratio.name(),
        format_value(ratio.of(&point)),
        size_label(first.0, ignore_size),
        format_value(ratio.of(&first)),
    )
}

/// Writes the curve charts as SVG into `dir`; returns their paths.
pub fn write_charts(
    dir: &Path,
    outcome: &ReplayOutcome,
    trace: &Path,
    ignore_size: bool,
) -> Result<Vec<PathBuf>, Error> {
    write_svgs(dir, curve_charts(outcome, trace, ignore_size))
}

/// Writes the charts of a one-pass run as SVG into `dir`; returns their paths.
pub fn write_mrc_charts(
    dir: &Path,
    outcome: &MrcOutcome,
    trace: &Path,
    ignore_size: bool,
) -> Result<Vec<PathBuf>, Error> {
    write_svgs(dir, mrc_charts(outcome, trace, ignore_size))
}

fn write_svgs(dir: &Path, charts: Vec<Chart>) -> Result<Vec<PathBuf>, Error> {
    let mut written = Vec::new();
    for chart in charts {
        let svg = draw::svg(&chart)
            .map_err(|m| Error::Run(format!("cannot draw chart {}: {m}", chart.file_stem)))?;
        let path = dir.join(format!("{}.svg", chart.file_stem));
        super::output::write_atomically(&path, &svg)?;
        written.push(path);
    }
    Ok(written)
}
