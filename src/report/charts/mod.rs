//! Charts: what to draw, computed from the output tables ([`build`], with
//! what the kinds share in [`shared`]),
//! chosen by `[[plot]]` or by default ([`defaults`]), and drawn with
//! plotters as SVG, or PNG with the bundled font ([`draw`]).
//!
//! A chart is first a plain description (axes with their ticks, lines with
//! confidence bands, SLO rules, heatmap cells) so that what is shown can be
//! tested without pixels; drawing it is then mechanical. Nothing here reads
//! a clock or iterates a hash map, so the same tables give the same bytes.

pub mod axes;
pub mod build;
pub mod defaults;
pub mod draw;
pub mod latency;
pub mod legend;
pub mod series;
pub mod shared;
pub mod storm;
pub mod sweep;

pub use axes::{Axis, Tick};

/// One chart, ready to draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File name without extension, e.g. `03-percentiles-latency_ms`.
    pub file_stem: String,
    pub title: String,
    /// One sentence saying what the chart shows.
    pub reading: String,
    pub body: ChartBody,
    /// Also write a PNG.
    pub png: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChartBody {
    Lines(LineChart),
    Heatmap(HeatmapChart),
}

/// Lines (with optional confidence bands) on two axes.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    pub x: Axis,
    pub y: Axis,
    pub lines: Vec<Line>,
    pub rules: Vec<Rule>,
    /// What the bands are, for the legend.
    pub band_note: Option<String>,
}

/// One line, in data units (the axes map them, log or linear).
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    /// Index into [`PALETTE`].
    pub colour: usize,
    pub points: Vec<(f64, f64)>,
    /// (x, low, high): the 95% confidence band, empty when unknown.
    pub band: Vec<(f64, f64, f64)>,
    /// Mark each point (few points: sweep values).
    pub markers: bool,
    /// Dots with CI whiskers, not joined: values of a categorical
    /// parameter (`lru`, `fifo`) have no order a line could follow.
    pub dots: bool,
}

/// A straight reference line across the plot: an SLO or an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// True for a vertical line at x = `at`, else horizontal at y = `at`.
    pub vertical: bool,
    pub at: f64,
    pub label: String,
    pub kind: RuleKind,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RuleKind {
    /// A service-level objective (red, dashed).
    Slo,
    /// A marked instant such as the end of the warm-up (grey, dashed).
    Marker,
}

/// Cells over two swept parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatmapChart {
    pub x_title: String,
    pub y_title: String,
    pub z_title: String,
    pub x_labels: Vec<String>,
    pub y_labels: Vec<String>,
    /// `cells[row][column]`, rows bottom to top (y labels order).
    pub cells: Vec<Vec<Option<f64>>>,
    /// Cells that miss the SLO, same shape as `cells`.
    pub failing: Vec<Vec<bool>>,
    /// What the SLO is, for the legend ("SLO ≤ 150"), if any.
    pub slo_text: Option<String>,
}

/// Colour-blind-safe line colours (Okabe & Ito, "Color Universal Design", 2008).
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (213, 94, 0),
    (204, 121, 167),
    (86, 180, 233),
    (120, 120, 120),
    (0, 0, 0),
];

/// The colour of SLO rules and failing heatmap cells.
pub const SLO_COLOUR: (u8, u8, u8) = (200, 0, 0);

/// A number for readings and labels: about four significant digits, no
/// exponent below 1e6, trailing zeros trimmed; the same text on every machine.
pub fn format_value(v: f64) -> String {
    format_significant(v, 4)
}

/// Like [`format_value`] with `digits` significant digits (2 suit a
/// confidence half-width).
pub fn format_significant(v: f64, digits: i32) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let magnitude = v.abs();
    if magnitude >= 1e6 {
        for (scale, suffix) in [(1e12, "T"), (1e9, "G"), (1e6, "M")] {
            if magnitude >= scale {
                return format!("{}{suffix}", format_significant(v / scale, digits));
            }
        }
    }
    let decimals = (digits - 1 - magnitude.log10().floor() as i32).clamp(0, 9) as usize;
    trim_zeros(format!("{v:.decimals$}"))
}

/// Drops trailing zeros after a decimal point ("1.50" -> "1.5", "2.0" -> "2").
pub fn trim_zeros(text: String) -> String {
    if !text.contains('.') {
        return text;
    }
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_format_compactly() {
        assert_eq!(format_value(12.3456), "12.35");
        assert_eq!(format_value(0.012345), "0.01235");
        assert_eq!(format_value(1234.6), "1235");
        assert_eq!(format_value(2.0), "2");
        assert_eq!(format_value(-0.5), "-0.5");
        assert_eq!(format_value(25_000_000.0), "25M");
        assert_eq!(format_value(f64::NAN), "–");
        assert_eq!(format_significant(0.07225, 2), "0.072");
    }
}
