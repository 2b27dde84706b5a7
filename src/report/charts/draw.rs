//! Drawing chart descriptions with plotters, on any backend: SVG (always;
//! inlined in the report) and PNG (when asked). Positions are computed here
//! in whole pixels and plotters only strokes them, so the output depends on
//! nothing but the chart. Text is laid out with the bundled DejaVu Sans, so
//! no system fonts are needed, for PNG or for measuring SVG text.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    Axis, Chart, ChartBody, HeatmapChart, LineChart, PALETTE, RuleKind, SLO_COLOUR, format_value,
};

/// Size of every chart, in pixels.
pub const SIZE: (u32, u32) = (880, 460);
/// Font sizes given to plotters, whose SVG writes 3/4 of them as
/// `font-size`: 16 is 12 px on the page, the least a person reads
/// without zooming.
const TEXT_PX: u32 = 16;
const TITLE_PX: u32 = 17;
const HEADING_PX: u32 = 20;
const FONT: &str = "sans-serif";
/// DejaVu Sans 2.37 (licence in assets/fonts/LICENSE-DejaVu.txt).
static FONT_BYTES: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

fn ensure_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bytes are a valid TrueType file compiled in; a failure would
        // show as a drawing error naming the missing font.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> Result<String, String> {
    ensure_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        paint(&root, chart)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// Writes the chart as a PNG file at `path`.
pub fn png(chart: &Chart, path: &Path) -> Result<(), String> {
    ensure_font();
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    paint(&root, chart)?;
    root.present().map_err(|e| e.to_string())
}

type Area<DB> = DrawingArea<DB, Shift>;

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

fn text_style(size: u32, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font())
        .color(&BLACK)
        .pos(Pos::new(h, v))
}

fn paint<DB: DrawingBackend>(root: &Area<DB>, chart: &Chart) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let title = truncate(&chart.title, 95);
    root.draw(&Text::new(
        title,
        (SIZE.0 as i32 / 2, 10),
        text_style(HEADING_PX, HPos::Center, VPos::Top),
    ))
    .map_err(e)?;
    match &chart.body {
        ChartBody::Lines(lines) => paint_lines(root, lines),
        ChartBody::Heatmap(map) => paint_heatmap(root, map),
    }
}

fn truncate(text: &str, most: usize) -> String {
    if text.chars().count() <= most {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(most - 1).collect::<String>())
    }
}

/// The plot rectangle and the mapping of axis positions into it.
struct Frame {
    left: i32,
    top: i32,
    right: i32,
    bottom: i32,
    x: (f64, f64),
    y: (f64, f64),
}

impl Frame {
    fn new(x: &Axis, y: &Axis, right: i32) -> Frame {
        Frame {
            left: 100,
            top: 44,
            right,
            bottom: SIZE.1 as i32 - 62,
            x: (x.min, x.max),
            y: (y.min, y.max),
        }
    }

    fn px(&self, x: f64) -> i32 {
        let span = (self.x.1 - self.x.0).max(f64::MIN_POSITIVE);
        self.left + ((x - self.x.0) / span * (self.right - self.left) as f64).round() as i32
    }

    fn py(&self, y: f64) -> i32 {
        let span = (self.y.1 - self.y.0).max(f64::MIN_POSITIVE);
        self.bottom - ((y - self.y.0) / span * (self.bottom - self.top) as f64).round() as i32
    }
}

fn paint_axes<DB: DrawingBackend>(
    root: &Area<DB>,
    f: &Frame,
    x: &Axis,
    y: &Axis,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let grid = RGBColor(225, 225, 225);
    for t in &x.ticks {
        let Some(pos) = x.pos(t.at) else { continue };
        let px = f.px(pos);
        root.draw(&PathElement::new(vec![(px, f.top), (px, f.bottom)], grid))
            .map_err(e)?;
        root.draw(&Text::new(
            t.label.clone(),
            (px, f.bottom + 6),
            text_style(TEXT_PX, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
    }
    for t in &y.ticks {
        let Some(pos) = y.pos(t.at) else { continue };
        let py = f.py(pos);
        root.draw(&PathElement::new(vec![(f.left, py), (f.right, py)], grid))
            .map_err(e)?;
        root.draw(&Text::new(
            t.label.clone(),
            (f.left - 6, py),
            text_style(TEXT_PX, HPos::Right, VPos::Center),
        ))
        .map_err(e)?;
    }
    let frame = vec![
        (f.left, f.top),
        (f.right, f.top),
        (f.right, f.bottom),
        (f.left, f.bottom),
        (f.left, f.top),
    ];
    root.draw(&PathElement::new(frame, BLACK.mix(0.6)))
        .map_err(e)?;
    let x_title = format!(
        "{}{}",
        truncate(&x.title, 80),
        if x.log { " — log scale" } else { "" }
    );
    root.draw(&Text::new(
        x_title,
        ((f.left + f.right) / 2, f.bottom + 32),
        text_style(TITLE_PX, HPos::Center, VPos::Top),
    ))
    .map_err(e)?;
    let y_title = format!(
        "{}{}",
        truncate(&y.title, 50),
        if y.log { " — log scale" } else { "" }
    );
    let style = text_style(TITLE_PX, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
    root.draw(&Text::new(y_title, (12, (f.top + f.bottom) / 2), style))
        .map_err(e)?;
    Ok(())
}

fn paint_lines<DB: DrawingBackend>(root: &Area<DB>, chart: &LineChart) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let labels: Vec<String> = chart
        .lines
        .iter()
        .take(16)
        .map(|l| l.label.clone())
        .collect();
    let legend = super::legend::layout(&labels);
    let right = SIZE.0 as i32 - legend.width;
    let f = Frame::new(&chart.x, &chart.y, right);
    paint_axes(root, &f, &chart.x, &chart.y)?;
    let map = |x: f64, y: f64| Some((f.px(chart.x.pos(x)?), f.py(chart.y.pos(y)?)));
    for line in chart.lines.iter().filter(|l| !l.dots) {
        let colour = rgb(PALETTE[line.colour % PALETTE.len()]);
        let upper: Vec<(i32, i32)> = line.band.iter().filter_map(|b| map(b.0, b.2)).collect();
        let lower: Vec<(i32, i32)> = line
            .band
            .iter()
            .rev()
            .filter_map(|b| map(b.0, b.1))
            .collect();
        if upper.len() >= 2 {
            let outline: Vec<(i32, i32)> = upper.into_iter().chain(lower).collect();
            root.draw(&Polygon::new(outline, colour.mix(0.18).filled()))
                .map_err(e)?;
        }
    }
    for line in chart.lines.iter().filter(|l| l.dots) {
        paint_dots(root, line, &map)?;
    }
    for line in chart.lines.iter().filter(|l| !l.dots) {
        let colour = rgb(PALETTE[line.colour % PALETTE.len()]);
        let points: Vec<(i32, i32)> = line.points.iter().filter_map(|p| map(p.0, p.1)).collect();
        root.draw(&PathElement::new(points.clone(), colour.stroke_width(2)))
            .map_err(e)?;
        if line.markers {
            for p in points {
                root.draw(&Circle::new(p, 3, colour.filled())).map_err(e)?;
            }
        }
    }
    for rule in &chart.rules {
        let colour = match rule.kind {
            RuleKind::Slo => rgb(SLO_COLOUR),
            RuleKind::Marker => RGBColor(110, 110, 110),
        };
        let ends = if rule.vertical {
            chart
                .x
                .pos(rule.at)
                .map(|x| [(f.px(x), f.top), (f.px(x), f.bottom)])
        } else {
            chart
                .y
                .pos(rule.at)
                .map(|y| [(f.left, f.py(y)), (f.right, f.py(y))])
        };
        if let Some([from, to]) = ends {
            dashed(root, from, to, colour.stroke_width(2))?;
            if rule.vertical && rule.kind == RuleKind::Marker {
                // Instants are named on the chart: several may share the grey.
                let style = text_style(TEXT_PX, HPos::Left, VPos::Top).color(&colour);
                root.draw(&Text::new(
                    truncate(&rule.label, 24),
                    (from.0 + 4, f.top + 4),
                    style,
                ))
                .map_err(|e| e.to_string())?;
            }
        }
    }
    paint_legend(root, chart, &legend, (right + 16, f.top))
}

/// A dot per value and a whisker over its 95% CI, with caps.
fn paint_dots<DB: DrawingBackend>(
    root: &Area<DB>,
    line: &super::Line,
    map: &dyn Fn(f64, f64) -> Option<(i32, i32)>,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let colour = rgb(PALETTE[line.colour % PALETTE.len()]);
    for &(x, lo, hi) in &line.band {
        if let (Some(a), Some(b)) = (map(x, lo), map(x, hi)) {
            let style = colour.stroke_width(2);
            root.draw(&PathElement::new(vec![a, b], style)).map_err(e)?;
            for end in [a, b] {
                root.draw(&PathElement::new(
                    vec![(end.0 - 5, end.1), (end.0 + 5, end.1)],
                    style,
                ))
                .map_err(e)?;
            }
        }
    }
    for p in line.points.iter().filter_map(|p| map(p.0, p.1)) {
        root.draw(&Circle::new(p, 5, colour.filled())).map_err(e)?;
    }
    Ok(())
}

/// A dashed straight line: 6 pixels drawn, 4 left out.
fn dashed<DB: DrawingBackend>(
    root: &Area<DB>,
    from: (i32, i32),
    to: (i32, i32),
    style: ShapeStyle,
) -> Result<(), String> {
    let (dx, dy) = ((to.0 - from.0) as f64, (to.1 - from.1) as f64);
    let length = (dx * dx + dy * dy).sqrt();
    let mut at = 0.0;
    while at < length {
        let end = (at + 6.0).min(length);
        let point = |d: f64| {
            let t = if length > 0.0 { d / length } else { 0.0 };
            (
                from.0 + (dx * t).round() as i32,
                from.1 + (dy * t).round() as i32,
            )
        };
        root.draw(&PathElement::new(vec![point(at), point(end)], style))
            .map_err(|e| e.to_string())?;
        at += 10.0;
    }
    Ok(())
}

/// Writes `lines` from (`x`, `y`) down, one entry; the `y` after it.
fn paint_entry<DB: DrawingBackend>(
    root: &Area<DB>,
    lines: &[String],
    (x, y): (i32, i32),
) -> Result<i32, String> {
    let mut y = y;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            y += super::legend::LINE_PX;
        }
        root.draw(&Text::new(
            line.clone(),
            (x, y),
            text_style(TEXT_PX, HPos::Left, VPos::Center),
        ))
        .map_err(|e| e.to_string())?;
    }
    Ok(y + super::legend::ENTRY_PX)
}

/// `text` in whole words in lines of the legend's width (shortened in the
/// middle only when one word is longer than a line).
fn legend_lines(text: &str, legend: &super::legend::Legend) -> Vec<String> {
    super::legend::wrap(text, legend.chars)
        .unwrap_or_else(|| vec![super::shared::shorten_middle(text, legend.chars)])
}

fn paint_legend<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &LineChart,
    legend: &super::legend::Legend,
    (x, top): (i32, i32),
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let mut y = top + 6;
    if !legend.heading.is_empty() {
        y = paint_entry(root, &legend.heading, (x, y))?;
    }
    for (line, entry) in chart.lines.iter().zip(&legend.entries) {
        let colour = rgb(PALETTE[line.colour % PALETTE.len()]);
        if !line.band.is_empty() && !line.dots {
            root.draw(&Rectangle::new(
                [(x, y - 6), (x + 22, y + 6)],
                colour.mix(0.18).filled(),
            ))
            .map_err(e)?;
        }
        if line.dots {
            root.draw(&Circle::new((x + 11, y), 5, colour.filled()))
                .map_err(e)?;
        } else {
            root.draw(&PathElement::new(
                vec![(x, y), (x + 22, y)],
                colour.stroke_width(2),
            ))
            .map_err(e)?;
        }
        y = paint_entry(root, entry, (x + 28, y))?;
    }
    if let Some(note) = chart
        .band_note
        .as_ref()
        .filter(|_| chart.lines.iter().any(|l| !l.band.is_empty()))
    {
        y = paint_entry(root, &legend_lines(note, legend), (x, y))?;
    }
    paint_rule_legend(root, chart, legend, (x, y))
}

/// The legend entries of the SLO and marker rules, one per label, from `y` down.
fn paint_rule_legend<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &LineChart,
    legend: &super::legend::Legend,
    (x, mut y): (i32, i32),
) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for rule in &chart.rules {
        if seen.contains(&rule.label.as_str()) {
            continue;
        }
        seen.push(&rule.label);
        let colour = if rule.kind == RuleKind::Slo {
            rgb(SLO_COLOUR)
        } else {
            RGBColor(110, 110, 110)
        };
        dashed(root, (x, y), (x + 22, y), colour.stroke_width(2))?;
        y = paint_entry(root, &legend_lines(&rule.label, legend), (x + 28, y))?;
    }
    Ok(())
}

/// Viridis (matplotlib's default colour map) at `t` in [0, 1], from its
/// eight anchor colours, interpolated linearly.
fn viridis(t: f64) -> RGBColor {
    const ANCHORS: [(f64, f64, f64); 8] = [
        (68.0, 1.0, 84.0),
        (70.0, 50.0, 127.0),
        (54.0, 92.0, 141.0),
        (39.0, 127.0, 143.0),
        (31.0, 162.0, 136.0),
        (74.0, 194.0, 110.0),
        (160.0, 219.0, 57.0),
        (254.0, 232.0, 37.0),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let scaled = t * (ANCHORS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(ANCHORS.len() - 2);
    let w = scaled - i as f64;
    let (a, b) = (ANCHORS[i], ANCHORS[i + 1]);
    let mix = |p: f64, q: f64| (p + (q - p) * w).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Least span of a heatmap's colour scale, as a share of the values'
/// magnitude.
const LEAST_COLOUR_SPAN: f64 = 0.1;

/// The values a heatmap's colour scale spans: the cells' range, widened
/// about its middle to at least [`LEAST_COLOUR_SPAN`] of the largest
/// magnitude, so that cells differing by noise (31.59 to 31.74 ms) get
/// near-equal colours, not the two ends of the scale.
pub fn colour_range(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return (lo, hi);
    }
    let least = LEAST_COLOUR_SPAN * lo.abs().max(hi.abs());
    if hi - lo >= least || least == 0.0 {
        return (lo, hi);
    }
    let middle = (lo + hi) / 2.0;
    let (mut a, mut b) = (middle - least / 2.0, middle + least / 2.0);
    // Values that are never negative keep a scale that is not either.
    if lo >= 0.0 && a < 0.0 {
        (a, b) = (0.0, least);
    }
    (a, b)
}

fn paint_heatmap<DB: DrawingBackend>(root: &Area<DB>, map: &HeatmapChart) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (cols, rows) = (map.x_labels.len().max(1), map.y_labels.len().max(1));
    let right = SIZE.0 as i32 - 150;
    let f = Frame {
        left: 110,
        top: 44,
        right,
        bottom: SIZE.1 as i32 - 62,
        x: (0.0, cols as f64),
        y: (0.0, rows as f64),
    };
    let values: Vec<f64> = map.cells.iter().flatten().flatten().copied().collect();
    let (lo, hi) = colour_range(&values);
    let norm = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    let value_size = TEXT_PX;
    for (r, row) in map.cells.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (x0, y0) = (f.px(c as f64), f.py(r as f64 + 1.0));
            let (x1, y1) = (f.px(c as f64 + 1.0), f.py(r as f64));
            let Some(v) = cell else {
                root.draw(&Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    RGBColor(240, 240, 240).filled(),
                ))
                .map_err(e)?;
                continue;
            };
            let colour = viridis(norm(*v));
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour.filled()))
                .map_err(e)?;
            let light = norm(*v) > 0.6;
            let ink = if light { BLACK } else { WHITE };
            let centre = ((x0 + x1) / 2, (y0 + y1) / 2);
            let style = text_style(value_size, HPos::Center, VPos::Center).color(&ink);
            root.draw(&Text::new(format_value(*v), centre, style))
                .map_err(e)?;
            if map.failing[r][c] {
                let red = rgb(SLO_COLOUR).stroke_width(3);
                root.draw(&Rectangle::new([(x0 + 2, y0 + 2), (x1 - 2, y1 - 2)], red))
                    .map_err(e)?;
                root.draw(&PathElement::new(
                    vec![(x0 + 2, y0 + 2), (x0 + 14, y0 + 14)],
                    red,
                ))
                .map_err(e)?;
                root.draw(&PathElement::new(
                    vec![(x0 + 14, y0 + 2), (x0 + 2, y0 + 14)],
                    red,
                ))
                .map_err(e)?;
            }
        }
    }
    paint_heatmap_labels(root, map, &f)?;
    let cells = values.iter().copied().filter(|v| v.is_finite());
    let cells = (
        cells.clone().fold(f64::INFINITY, f64::min),
        cells.fold(f64::NEG_INFINITY, f64::max),
    );
    paint_colour_bar(root, map, (lo, hi), cells, (right + 24, f.top))
}

fn paint_heatmap_labels<DB: DrawingBackend>(
    root: &Area<DB>,
    map: &HeatmapChart,
    f: &Frame,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let every_x = map.x_labels.len().div_ceil(14).max(1);
    for (c, label) in map.x_labels.iter().enumerate().step_by(every_x) {
        let at = (f.px(c as f64 + 0.5), f.bottom + 6);
        root.draw(&Text::new(
            truncate(label, 12),
            at,
            text_style(TEXT_PX, HPos::Center, VPos::Top),
        ))
        .map_err(e)?;
    }
    let every_y = map.y_labels.len().div_ceil(16).max(1);
    for (r, label) in map.y_labels.iter().enumerate().step_by(every_y) {
        let at = (f.left - 6, f.py(r as f64 + 0.5));
        root.draw(&Text::new(
            truncate(label, 12),
            at,
            text_style(TEXT_PX, HPos::Right, VPos::Center),
        ))
        .map_err(e)?;
    }
    let x_title = truncate(&map.x_title, 80);
    root.draw(&Text::new(
        x_title,
        ((f.left + f.right) / 2, f.bottom + 32),
        text_style(TITLE_PX, HPos::Center, VPos::Top),
    ))
    .map_err(e)?;
    let style = text_style(TITLE_PX, HPos::Center, VPos::Top).transform(FontTransform::Rotate270);
    root.draw(&Text::new(
        truncate(&map.y_title, 50),
        (12, (f.top + f.bottom) / 2),
        style,
    ))
    .map_err(e)?;
    Ok(())
}

fn paint_colour_bar<DB: DrawingBackend>(
    root: &Area<DB>,
    map: &HeatmapChart,
    (lo, hi): (f64, f64),
    cells: (f64, f64),
    (x, top): (i32, i32),
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    const STEPS: i32 = 60;
    const HEIGHT: i32 = 240;
    root.draw(&Text::new(
        truncate(&map.z_title, 20),
        (x, top),
        text_style(TEXT_PX, HPos::Left, VPos::Top),
    ))
    .map_err(e)?;
    let bar_top = top + 22;
    for i in 0..STEPS {
        let y0 = bar_top + HEIGHT - (i + 1) * HEIGHT / STEPS;
        let y1 = bar_top + HEIGHT - i * HEIGHT / STEPS;
        let colour = viridis((i as f64 + 0.5) / STEPS as f64);
        root.draw(&Rectangle::new([(x, y0), (x + 18, y1)], colour.filled()))
            .map_err(e)?;
    }
    if lo.is_finite() && hi.is_finite() {
        // As many digits as it takes for the three labels to differ; one
        // label when the scale is a single value.
        let ticks = [hi, (lo + hi) / 2.0, lo];
        let texts = (4..=8)
            .map(|d| ticks.map(|v| super::format_significant(v, d)))
            .find(|t| t[0] != t[1] && t[1] != t[2])
            .unwrap_or_else(|| ticks.map(format_value));
        let places = [bar_top, bar_top + HEIGHT / 2, bar_top + HEIGHT];
        for (i, (text, y)) in texts.iter().zip(places).enumerate() {
            if i > 0 && texts[..i].contains(text) {
                continue;
            }
            root.draw(&Text::new(
                text.clone(),
                (x + 24, y),
                text_style(TEXT_PX, HPos::Left, VPos::Center),
            ))
            .map_err(e)?;
        }
    }
    let mut below = bar_top + HEIGHT + 26;
    if (lo, hi) != cells && cells.0.is_finite() {
        // A widened scale: say where the cells lie on it.
        root.draw(&Text::new(
            format!(
                "cells {}–{}",
                super::format_significant(cells.0, 4),
                super::format_significant(cells.1, 4)
            ),
            (x - 8, below - 8),
            text_style(TEXT_PX, HPos::Left, VPos::Top),
        ))
        .map_err(e)?;
        below += 26;
    }
    paint_misses_key(root, map, x, below)
}

/// The key of the red outline of cells that miss the SLO, at `y`.
fn paint_misses_key<DB: DrawingBackend>(
    root: &Area<DB>,
    map: &HeatmapChart,
    x: i32,
    below: i32,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    if let Some(slo) = &map.slo_text {
        let y = below;
        let red = rgb(SLO_COLOUR).stroke_width(3);
        root.draw(&Rectangle::new([(x, y), (x + 18, y + 18)], red))
            .map_err(e)?;
        root.draw(&Text::new(
            "misses",
            (x + 24, y + 9),
            text_style(TEXT_PX, HPos::Left, VPos::Center),
        ))
        .map_err(e)?;
        root.draw(&Text::new(
            truncate(slo, 22),
            (x - 8, y + 30),
            text_style(TEXT_PX, HPos::Left, VPos::Top),
        ))
        .map_err(e)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(254, 232, 37));
        assert_eq!(viridis(f64::NAN), RGBColor(68, 1, 84));
    }

    #[test]
    fn a_colour_scale_spans_at_least_a_tenth_of_the_values() {
        // 31.59 to 31.74 ms: noise, not a difference worth the whole scale.
        let (lo, hi) = colour_range(&[31.59, 31.74, 31.62]);
        assert!((hi - lo - 3.174).abs() < 1e-9, "{lo}..{hi}");
        assert!(lo < 31.59 && hi > 31.74);
        let (a, b) = (31.59 - lo, hi - 31.74);
        assert!((a - b).abs() < 1e-9, "centred");
        assert_eq!(colour_range(&[1.0, 5.0, f64::NAN]), (1.0, 5.0));
        assert_eq!(colour_range(&[0.0, 0.001]), (0.0, 0.001));
        let (lo, _) = colour_range(&[0.0, 0.0001, 0.01]);
        assert_eq!(lo, 0.0);
        assert_eq!(colour_range(&[0.0, 0.0]), (0.0, 0.0));
    }
}
