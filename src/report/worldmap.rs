//! The world maps (`plots/world-map.svg` for the first point with sites,
//! `plots/world-map-point-N.svg` for each other point mapped, on one colour
//! scale per layer so that points compare) and, for scheduled failures of
//! sites, where a failed site's load went. Drawn from the study's map data
//! (sites and regions at their coordinates, the routing's catchment, from
//! the manifest) and the run's rows: the per-site metrics of
//! `summary.csv` colour the sites, the per-site load series of
//! `timeseries.csv` give the before/during table. An equirectangular
//! projection from 80° N to 60° S with a 30° graticule and continent
//! labels; no coastlines.

use std::fmt::Write as _;

use super::charts::format_value;
use super::html::escape;
use super::tables::Tables;
use crate::study::worldmap::{MAX_MAPS, MapFailure, MapLayer, WorldMap};

/// The first map's file name in `plots/`.
pub const WORLD_MAP: &str = "world-map.svg";

/// The file name in `plots/` of the `k`-th map, of sweep point `point`.
pub fn file_name(k: usize, point: usize) -> String {
    if k == 0 {
        WORLD_MAP.to_string()
    } else {
        format!("world-map-point-{point}.svg")
    }
}

/// Whether `name` is a map's file name as [`file_name`] writes them.
pub fn is_map_file(name: &str) -> bool {
    name == WORLD_MAP
        || name
            .strip_prefix("world-map-point-")
            .and_then(|n| n.strip_suffix(".svg"))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Every map of `tables`' study: (file name, SVG), in point order.
pub fn maps(tables: &Tables) -> Vec<(String, String)> {
    tables
        .study
        .worlds
        .iter()
        .enumerate()
        .map(|(k, map)| (file_name(k, map.point), svg(tables, map)))
        .collect()
}

/// Width of the drawing, px (fits a 1280 px window without scaling); the
/// height grows with the legend, one block per layer of sites.
pub const WIDTH: f64 = 1040.0;
const LEGEND_BLOCK: f64 = 50.0;
/// The map's frame: left edge, top edge, px per degree.
pub const LEFT: f64 = 20.0;
pub const TOP: f64 = 44.0;
pub const SCALE: f64 = 2.8;
/// Latitudes shown (the populated world).
pub const NORTH: f64 = 80.0;
pub const SOUTH: f64 = -60.0;

/// Sequential colour scale, low to high (viridis stops).
const SCALE_COLOURS: [(u8, u8, u8); 5] = [
    (68, 1, 84),
    (59, 82, 139),
    (33, 145, 140),
    (94, 201, 98),
    (253, 231, 37),
];

/// Where (`lat`, `lon`) lands on the map, px.
pub fn project(lat: f64, lon: f64) -> (f64, f64) {
    (
        LEFT + (lon + 180.0) * SCALE,
        TOP + (NORTH - lat.clamp(SOUTH, NORTH)) * SCALE,
    )
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// The colour of `t` in [0, 1] on the scale.
fn colour(t: f64) -> String {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (SCALE_COLOURS.len() - 1) as f64;
    let i = (x.floor() as usize).min(SCALE_COLOURS.len() - 2);
    let f = x - i as f64;
    let (a, b) = (SCALE_COLOURS[i], SCALE_COLOURS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    format!(
        "#{:02X}{:02X}{:02X}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// The metric that colours `layer`'s sites and each site's value, at `point`.
fn site_values(tables: &Tables, layer: &MapLayer, point: usize) -> Option<(String, Vec<f64>)> {
    layer.metrics.iter().find_map(|m| {
        let values: Vec<f64> = layer
            .sites
            .iter()
            .map(|s| {
                let name = format!("{}{}.{m}", layer.prefix, s.name);
                tables.at(&name, point).map_or(f64::NAN, |r| r.value())
            })
            .collect();
        values
            .iter()
            .any(|v| v.is_finite())
            .then(|| (format!("{}*.{m}", layer.prefix), values))
    })
}

/// The (low, high) of layer `k`'s colour scale by `metric`: over the
/// sites of every map, so that one colour means one value on all of them.
fn shared_domain(tables: &Tables, k: usize, metric: &str) -> (f64, f64) {
    let all: Vec<f64> = tables
        .study
        .worlds
        .iter()
        .filter_map(|m| {
            m.layers
                .get(k)
                .and_then(|l| site_values(tables, l, m.point))
        })
        .filter(|(name, _)| name == metric)
        .flat_map(|(_, v)| v)
        .collect();
    domain(&all)
}

/// The (low, high) of the colour scale over `values`.
fn domain(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let lo = finite.clone().fold(f64::INFINITY, f64::min);
    let hi = finite.fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-9 * hi.abs().max(1.0) {
        return (lo - 0.5 * lo.abs().max(1e-3), hi + 0.5 * hi.abs().max(1e-3));
    }
    (lo, hi)
}

/// The map of one point of `tables`' study.
fn svg(tables: &Tables, map: &WorldMap) -> String {
    let mut out = String::new();
    let height = TOP + (NORTH - SOUTH) * SCALE + 34.0 + LEGEND_BLOCK * map.layers.len() as f64;
    let _ = writeln!(
        out,
        "<svg width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"DejaVu Sans, Verdana, sans-serif\">"
    );
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{WIDTH}\" height=\"{height}\" fill=\"#FFFFFF\"/>"
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"26\" text-anchor=\"middle\" font-size=\"17\" fill=\"#000000\">{}</text>",
        WIDTH / 2.0,
        escape(&title(tables, map))
    );
    graticule(&mut out);
    for layer in &map.layers {
        catchment(&mut out, map, layer);
    }
    for region in &map.regions {
        let (x, y) = project(region.lat, region.lon);
        let _ = writeln!(
            out,
            "<circle class=\"region\" data-name=\"{}\" cx=\"{}\" cy=\"{}\" r=\"2.5\" fill=\"#555555\"/>",
            escape(&region.name),
            px(x),
            px(y)
        );
    }
    let mut legend_y = TOP + (NORTH - SOUTH) * SCALE + 24.0;
    // Labels keep clear of every marker and of each other.
    let mut placed: Vec<Boxed> = map
        .layers
        .iter()
        .flat_map(|l| &l.sites)
        .map(|s| {
            let (x, y) = project(s.lat, s.lon);
            (x - 8.0, y - 8.0, x + 8.0, y + 8.0)
        })
        .collect();
    let mut named = Vec::new();
    for (k, layer) in map.layers.iter().enumerate() {
        let values = site_values(tables, layer, map.point);
        let values = values.map(|(m, v)| (shared_domain(tables, k, &m), m, v));
        sites(&mut out, layer, k, values.as_ref(), &mut placed, &mut named);
        legend(&mut out, layer, k, values.as_ref(), legend_y);
        legend_y += LEGEND_BLOCK;
    }
    out.push_str("</svg>\n");
    out
}

/// A layer's colour scale (low, high), the metric and each site's value.
type Coloured = ((f64, f64), String, Vec<f64>);

fn title(tables: &Tables, map: &WorldMap) -> String {
    let values = tables
        .study
        .point_values
        .get(map.point)
        .cloned()
        .unwrap_or_default();
    let point = if values.is_empty() {
        String::new()
    } else {
        let pairs: Vec<String> = tables
            .study
            .sweep_paths
            .iter()
            .zip(&values)
            .map(|(p, v)| format!("{p}={v}"))
            .collect();
        format!(" (point {}: {})", map.point, pairs.join(", "))
    };
    format!("Where clients land{point}")
}

/// Continents' labels at rough centres (lat, lon).
const CONTINENTS: [(&str, f64, f64); 6] = [
    ("North America", 50.0, -105.0),
    ("South America", -18.0, -62.0),
    ("Europe", 58.0, 18.0),
    ("Africa", 5.0, 20.0),
    ("Asia", 48.0, 92.0),
    ("Oceania", -28.0, 135.0),
];

fn graticule(out: &mut String) {
    let (x0, y0) = project(NORTH, -180.0);
    let (x1, y1) = project(SOUTH, 180.0);
    let _ = writeln!(
        out,
        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#F4F8FB\" stroke=\"#BBBBBB\"/>",
        px(x0),
        px(y0),
        px(x1 - x0),
        px(y1 - y0)
    );
    for lon in (-150..=150).step_by(30) {
        let (x, _) = project(0.0, lon as f64);
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#DDDDDD\"/>\n<text x=\"{0}\" y=\"{3}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#777777\">{4}°</text>",
            px(x),
            px(y0),
            px(y1),
            px(y1 + 15.0),
            lon
        );
    }
    for lat in [60, 30, 0, -30] {
        let (_, y) = project(lat as f64, 0.0);
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{2}\" x2=\"{1}\" y2=\"{2}\" stroke=\"#DDDDDD\"/>\n<text x=\"{3}\" y=\"{4}\" font-size=\"12\" fill=\"#777777\">{5}°</text>",
            px(x0),
            px(x1),
            px(y),
            px(x0 + 4.0),
            px(y - 4.0),
            lat
        );
    }
    for (name, lat, lon) in CONTINENTS {
        let (x, y) = project(lat, lon);
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"16\" fill=\"#B4BCC4\" font-style=\"italic\">{name}</text>",
            px(x),
            px(y)
        );
    }
}

/// A line from each region to each site its clients land on, as wide as
/// its share of the layer's clients.
fn catchment(out: &mut String, map: &WorldMap, layer: &MapLayer) {
    let widest = layer.links.iter().map(|l| l.2).fold(0.0, f64::max);
    for &(r, s, share) in &layer.links {
        let (Some(region), Some(site)) = (map.regions.get(r), layer.sites.get(s)) else {
            continue;
        };
        let (x0, y0) = project(region.lat, region.lon);
        let (x1, y1) = project(site.lat, site.lon);
        let width = 0.6 + 5.4 * (share / widest.max(f64::MIN_POSITIVE)).sqrt();
        let _ = writeln!(
            out,
            "<line class=\"catchment\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#D55E00\" stroke-opacity=\"0.35\" stroke-width=\"{:.2}\"/>",
            px(x0),
            px(y0),
            px(x1),
            px(y1),
            width
        );
    }
}

/// The sites of `layer` (PoPs as circles, clusters as squares), coloured
/// by their value, labelled where a label does not cover another; a name
/// already written at the same place (`named`) is not written again.
fn sites(
    out: &mut String,
    layer: &MapLayer,
    k: usize,
    values: Option<&Coloured>,
    placed: &mut Vec<Boxed>,
    named: &mut Vec<(String, f64, f64)>,
) {
    let (lo, hi) = values.map_or((0.0, 1.0), |c| c.0);
    for (i, site) in layer.sites.iter().enumerate() {
        let (x, y) = project(site.lat, site.lon);
        let value = values.map_or(f64::NAN, |c| c.2[i]);
        let fill = if value.is_finite() {
            colour((value - lo) / (hi - lo))
        } else {
            "#BBBBBB".to_string()
        };
        let failed = layer.failures.iter().any(|f| f.site == i);
        let stroke = if failed { "#C80000" } else { "#000000" };
        let shape = if k == 0 {
            format!("<circle cx=\"{}\" cy=\"{}\" r=\"7\"", px(x), px(y))
        } else {
            format!(
                "<rect x=\"{}\" y=\"{}\" width=\"15\" height=\"15\"",
                px(x - 7.5),
                px(y - 7.5)
            )
        };
        let _ = writeln!(
            out,
            "{shape} class=\"site\" data-layer=\"{}\" data-name=\"{}\" data-value=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"><title>{}: {}</title></{}>",
            escape(&layer.kind),
            escape(&site.name),
            format_value(value),
            if failed { 3 } else { 1 },
            escape(&site.label),
            format_value(value),
            if k == 0 { "circle" } else { "rect" }
        );
        let text = if failed {
            format!("{} (fails)", site.label)
        } else {
            site.label.clone()
        };
        // A city with both a PoP and a cluster is named once.
        let near =
            |n: &(String, f64, f64)| n.0 == text && (n.1 - x).abs() < 1.0 && (n.2 - y).abs() < 1.0;
        if !named.iter().any(near) {
            named.push((text.clone(), x, y));
            label(out, placed, x, y, &text, failed);
        }
    }
}

/// A box on the map: (left, top, right, bottom), px.
type Boxed = (f64, f64, f64, f64);

/// Writes `text` beside (`x`, `y`) where it covers no box in `placed`:
/// right of the marker, else left of it, else a line higher or lower (up
/// to three lines away) with a leader line to the marker. Only when every
/// place is taken is it left out (the marker's tooltip names the site).
fn label(out: &mut String, placed: &mut Vec<Boxed>, x: f64, y: f64, text: &str, failed: bool) {
    let wide = 7.4 * text.chars().count() as f64;
    let right_edge = LEFT + 360.0 * SCALE;
    let (top, bottom) = (project(NORTH, 0.0).1, project(SOUTH, 0.0).1);
    let overlaps = |b: &Boxed, c: &Boxed| b.0 < c.2 && c.0 < b.2 && b.1 < c.3 && c.1 < b.3;
    for dy in [0.0, -15.0, 15.0, -30.0, 30.0, -45.0, 45.0] {
        for left in [x + 10.0, x - 10.0 - wide] {
            let candidate = (left, y + dy - 8.0, left + wide, y + dy + 7.0);
            if left < LEFT || left + wide > right_edge || candidate.1 < top || candidate.3 > bottom
            {
                continue;
            }
            // Its own marker is in `placed` too; a label beside it misses it.
            if placed.iter().any(|b| overlaps(b, &candidate)) {
                continue;
            }
            placed.push(candidate);
            if dy != 0.0 {
                let end = if left > x {
                    left - 2.0
                } else {
                    left + wide + 2.0
                };
                let _ = writeln!(
                    out,
                    "<line class=\"leader\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#777777\" stroke-width=\"0.8\"/>",
                    px(x),
                    px(y),
                    px(end),
                    px(y + dy)
                );
            }
            let _ = writeln!(
                out,
                "<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"start\" font-size=\"12\" fill=\"{}\">{}</text>",
                px(left),
                px(y + dy + 4.0),
                if failed { "#C80000" } else { "#222222" },
                escape(text)
            );
            return;
        }
    }
}

fn legend(out: &mut String, layer: &MapLayer, k: usize, values: Option<&Coloured>, y: f64) {
    let shape = if k == 0 { "○" } else { "□" };
    let Some(((lo, hi), metric, _)) = values else {
        let _ = writeln!(
            out,
            "<text x=\"{LEFT}\" y=\"{}\" font-size=\"13\" fill=\"#000000\">{shape} {}s (no per-{} metric in this run)</text>",
            px(y + 14.0),
            escape(&layer.kind),
            escape(&layer.kind)
        );
        return;
    };
    let (lo, hi) = (*lo, *hi);
    let _ = writeln!(
        out,
        "<text x=\"{LEFT}\" y=\"{}\" font-size=\"13\" fill=\"#000000\">{shape} {}s coloured by {}</text>",
        px(y + 14.0),
        escape(&layer.kind),
        escape(metric)
    );
    let bar_x = LEFT + 440.0;
    for i in 0..40 {
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"6\" height=\"14\" fill=\"{}\"/>",
            px(bar_x + 6.0 * i as f64),
            px(y + 3.0),
            colour(i as f64 / 39.0)
        );
    }
    for (t, text_x) in [(lo, bar_x), (hi, bar_x + 240.0)] {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"#000000\">{}</text>",
            px(text_x),
            px(y + 32.0),
            format_value(t)
        );
    }
    if k == 0 {
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#D55E00\" stroke-opacity=\"0.5\" stroke-width=\"4\"/>\n<text x=\"{3}\" y=\"{4}\" font-size=\"13\" fill=\"#000000\">catchment (width ∝ √share)</text>\n<text x=\"{3}\" y=\"{5}\" font-size=\"13\" fill=\"#C80000\">red outline: fails</text>",
            px(bar_x + 270.0),
            px(y + 10.0),
            px(bar_x + 300.0),
            px(bar_x + 306.0),
            px(y + 14.0),
            px(y + 32.0)
        );
    }
}

/// Neighbours listed one by one in a failure table (the most gaining
/// first); the rest share a row.
const SHOWN_NEIGHBOURS: usize = 8;

/// The failure sections of the report: for each scheduled failure of a
/// site, each site's mean load before it and while it lasts.
pub fn failure_tables(page: &mut String, tables: &Tables) {
    for map in &tables.study.worlds {
        for layer in &map.layers {
            for failure in &layer.failures {
                failure_table(page, tables, map, layer, failure);
            }
        }
    }
}

/// Mean over the bins in [`lo`, `hi`) of the sum of `site`'s entities.
fn window_mean(
    tables: &Tables,
    layer: &MapLayer,
    point: usize,
    site: usize,
    lo: f64,
    hi: f64,
) -> f64 {
    let Some(set) = tables.series_set(&layer.load_series) else {
        return f64::NAN;
    };
    let entities = &layer.sites[site].entities;
    let mut bins: Vec<(f64, f64)> = Vec::new();
    for line in set
        .lines
        .iter()
        .filter(|l| l.point == point && entities.contains(&l.entity))
    {
        for &(t, v) in line
            .values
            .iter()
            .filter(|(t, v)| *t >= lo && *t < hi && v.is_finite())
        {
            match bins.iter_mut().find(|(bt, _)| *bt == t) {
                Some((_, sum)) => *sum += v,
                None => bins.push((t, v)),
            }
        }
    }
    if bins.is_empty() {
        return f64::NAN;
    }
    bins.iter().map(|(_, v)| v).sum::<f64>() / bins.len() as f64
}

fn failure_table(
    page: &mut String,
    tables: &Tables,
    map: &WorldMap,
    layer: &MapLayer,
    failure: &MapFailure,
) {
    let study = &tables.study;
    let failed = &layer.sites[failure.site];
    // After the warm-up where there is time for it, else from the start.
    let from = if study.warmup_s < failure.from_s {
        study.warmup_s
    } else {
        0.0
    };
    let before = (from, failure.from_s);
    let during = (failure.from_s, failure.to_s.unwrap_or(study.duration_s));
    let rows: Vec<(usize, f64, f64)> = (0..layer.sites.len())
        .map(|s| {
            let b = window_mean(tables, layer, map.point, s, before.0, before.1);
            let d = window_mean(tables, layer, map.point, s, during.0, during.1);
            (s, b, d)
        })
        .collect();
    failure_intro(page, map, layer, failure, (before, during));
    if rows
        .iter()
        .all(|(_, b, d)| !b.is_finite() && !d.is_finite())
    {
        let _ = writeln!(
            page,
            "<p class=\"warn\">The run wrote no <code>{}</code> series (set <code>[output] timeseries = true</code>).</p>",
            escape(&layer.load_series)
        );
        return;
    }
    let lost = rows[failure.site].1 - rows[failure.site].2;
    let mut order: Vec<&(usize, f64, f64)> = rows.iter().filter(|r| r.0 != failure.site).collect();
    order.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)).then(a.0.cmp(&b.0)));
    page.push_str("<div class=\"wide\"><table class=\"failure\">\n<tr><th class=\"l\">site</th><th>before</th><th>during</th><th>change</th><th>share of the failed load</th></tr>\n");
    let row = |page: &mut String, name: &str, (b, d): (f64, f64), failed: bool| {
        let share = if failed || !lost.is_finite() || lost.abs() < f64::MIN_POSITIVE {
            "–".to_string()
        } else {
            format!("{:.1} %", 100.0 * (d - b) / lost)
        };
        let _ = writeln!(
            page,
            "<tr><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{share}</td></tr>",
            escape(name),
            format_value(b),
            format_value(d),
            format_value(d - b),
        );
    };
    let (_, b, d) = rows[failure.site];
    row(page, &format!("{} (failed)", failed.label), (b, d), true);
    for &&(s, b, d) in order.iter().take(SHOWN_NEIGHBOURS) {
        row(page, &layer.sites[s].label, (b, d), false);
    }
    let rest = &order[order.len().min(SHOWN_NEIGHBOURS)..];
    if !rest.is_empty() {
        let sum = |f: fn(&(usize, f64, f64)) -> f64| rest.iter().map(|r| f(r)).sum::<f64>();
        let name = format!("{} other {}s", rest.len(), layer.kind);
        row(page, &name, (sum(|r| r.1), sum(|r| r.2)), false);
    }
    page.push_str("</table></div>\n");
}

/// The heading and the sentence that say what a failure table holds.
fn failure_intro(
    page: &mut String,
    map: &WorldMap,
    layer: &MapLayer,
    failure: &MapFailure,
    (before, during): ((f64, f64), (f64, f64)),
) {
    let failed = &layer.sites[failure.site];
    let _ = writeln!(
        page,
        "<h3>Where {}'s load went</h3>\n<p>{} {} fails at {} s{} (point {}). Mean <code>{}</code> per {} before the failure ({}–{} s) and while it lasts ({}–{} s), from timeseries.csv; the share column is each {}'s gain as a share of what the failed {} carried before.</p>",
        escape(&failed.label),
        escape(&layer.kind),
        escape(&failed.label),
        format_value(failure.from_s),
        failure
            .to_s
            .map_or(" and stays down".to_string(), |t| format!(
                " until {} s",
                format_value(t)
            )),
        map.point,
        escape(&layer.load_series),
        escape(&layer.kind),
        format_value(before.0),
        format_value(before.1),
        format_value(during.0),
        format_value(during.1),
        escape(&layer.kind),
        escape(&layer.kind),
    );
}

/// The report's world-map section: each point's map inlined, named by its
/// point, and the failure tables.
pub fn section(page: &mut String, tables: &Tables) {
    let maps = maps(tables);
    if maps.is_empty() {
        return;
    }
    let worlds = &tables.study.worlds;
    let points = tables.study.point_values.len();
    let plural = if maps.len() > 1 { "s" } else { "" };
    let _ = write!(
        page,
        "<h2>World map{plural}</h2>\n<p>Client regions (grey dots) and sites at their coordinates (equirectangular, 30° graticule, no coastlines); lines go from each region to the sites its clients are routed to, as wide as their share of the clients."
    );
    if maps.len() > 1 {
        let listed: Vec<String> = worlds.iter().map(|m| m.point.to_string()).collect();
        let bound = if points > maps.len() {
            format!("; at most {MAX_MAPS} are drawn")
        } else {
            String::new()
        };
        let _ = write!(
            page,
            " One map per sweep point (points {} of {points}{bound}), each kind of site on one colour scale for all of them.",
            listed.join(", ")
        );
    }
    page.push_str("</p>\n");
    for ((name, svg), map) in maps.iter().zip(worlds) {
        let label = if points > 1 {
            let values = super::answer::compact_label(&tables.study, map.point);
            format!("Point {}: {values}.", map.point)
        } else {
            "Where clients land.".to_string()
        };
        let _ = writeln!(
            page,
            "<figure id=\"{}\" class=\"chart\">\n{}\n<figcaption><b>{}</b> <a href=\"plots/{name}\">SVG</a></figcaption>\n</figure>",
            name.trim_end_matches(".svg"),
            svg.trim(),
            escape(&label)
        );
    }
    failure_tables(page, tables);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crowded_labels_move_aside_instead_of_dropping_out() {
        // Six European PoPs within a few degrees of each other.
        let cities = [
            ("London", 51.5, -0.1),
            ("Paris", 48.9, 2.4),
            ("Amsterdam", 52.4, 4.9),
            ("Brussels", 50.8, 4.4),
            ("Frankfurt", 50.1, 8.7),
            ("Luxembourg", 49.6, 6.1),
        ];
        let mut placed: Vec<Boxed> = cities
            .iter()
            .map(|c| {
                let (x, y) = project(c.1, c.2);
                (x - 8.0, y - 8.0, x + 8.0, y + 8.0)
            })
            .collect();
        let markers = placed.len();
        let mut out = String::new();
        for (name, lat, lon) in cities {
            let (x, y) = project(lat, lon);
            label(&mut out, &mut placed, x, y, name, false);
        }
        for (name, _, _) in cities {
            assert!(out.contains(&format!(">{name}</text>")), "{name} left out");
        }
        let labels = &placed[markers..];
        for (i, a) in labels.iter().enumerate() {
            for b in &labels[..i] {
                let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                assert!(apart, "{a:?} covers {b:?}");
            }
        }
        assert!(out.contains("class=\"leader\""));
    }
}
