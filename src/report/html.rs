//! `report.html`: one self-contained page (inline SVG and CSS, no script, no
//! network) that answers the experiment's question: what it asks, how it
//! was run (file, hash, seeds, version), the SLO verdict per point, a
//! summary with confidence intervals, every chart with a one-line reading,
//! and, folded, every metric, every run's seed and the experiment file.
//! Nothing in it depends on when or where it was written.

use std::fmt::Write;

use super::answer::cell;
use super::charts::defaults::{key_metrics, part_metrics};
use super::charts::legend::table_fields;
use super::charts::shared::point_label;
use super::charts::{Chart, format_value};
use super::output::PLOTS_DIR;
use super::tables::Tables;

/// Rows shown in the folded tables; the CSV files hold the rest.
const MAX_FOLDED_ROWS: usize = 5000;
/// Columns of the summary table.
const MAX_SUMMARY_COLUMNS: usize = 6;
/// Fewer columns than this from the top-level metrics: the summary adds
/// the parts' own ([`part_metrics`]).
const MIN_SUMMARY_COLUMNS: usize = 3;

pub const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #ccc}\
.question{font-size:1.15em}pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.85em}\
table{border-collapse:collapse;margin:.6em 0;font-size:.9em}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:right;white-space:nowrap}\
th,td.l{white-space:normal}\
.wide{overflow-x:auto}\
th{background:#f0f0f0}td.l,th.l{text-align:left}.ci{color:#777;font-size:.85em}\
table.headline{font-size:1em}table.headline td{white-space:normal}table.headline td b,.n,.ci{white-space:nowrap}p.winner{font-size:1.1em}\
.pass{color:#0a6e2f;font-weight:bold}.fail{color:#c00000;font-weight:bold}.warn{color:#8a5a00}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}\
figcaption{margin-top:.3em}";

/// A metric or parameter name for a table heading: escaped, with a line
/// break allowed after each `_` and `.`, so that wide tables wrap their
/// headings instead of scrolling at 1280 px.
pub fn heading(name: &str) -> String {
    escape(name).replace('_', "_<wbr>").replace('.', ".<wbr>")
}

/// HTML-escapes `text`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page, from the tables, the charts and their SVG text.
pub fn report(tables: &Tables, charts: &[Chart], svgs: &[String], warnings: &[String]) -> String {
    let study = &tables.study;
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>edgesim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&study.experiment)
    );
    question(&mut page, tables);
    super::answer::section(&mut page, tables);
    let comment = leading_comment(&study.source);
    if !comment.is_empty() {
        let _ = writeln!(page, "<pre class=\"comment\">{}</pre>", escape(&comment));
    }
    facts(&mut page, tables);
    steady_state(&mut page, tables);
    verdict(&mut page, tables);
    summary(&mut page, tables);
    super::worldmap::section(&mut page, tables);
    chart_section(&mut page, charts, svgs, warnings);
    folded_tables(&mut page, tables);
    let _ = write!(
        page,
        "<h2>Experiment file</h2>\n<pre>{}</pre>\n</body>\n</html>\n",
        escape(&study.source)
    );
    page
}

/// The comment lines at the top of the file, without their `#`.
pub fn leading_comment(source: &str) -> String {
    source
        .lines()
        .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        .map(|l| {
            let text = l.trim_start().trim_start_matches('#');
            text.strip_prefix(' ').unwrap_or(text)
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn question(page: &mut String, tables: &Tables) {
    let study = &tables.study;
    let _ = writeln!(page, "<h1>{}</h1>", escape(&study.experiment));
    if !study.description.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"question\">{}</p>",
            escape(&study.description)
        );
    }
}

fn facts(page: &mut String, tables: &Tables) {
    let s = &tables.study;
    let swept = if s.sweep_paths.is_empty() {
        "nothing".to_string()
    } else {
        s.sweep_paths.join(", ")
    };
    let sets = if s.set.is_empty() {
        "none".to_string()
    } else {
        s.set.join("  ")
    };
    let rows = [
        ("Model", s.model.clone()),
        ("Experiment file", s.experiment_file.clone()),
        ("SHA-256 of the file", s.experiment_sha256.clone()),
        ("--set", sets),
        ("edgesim version", s.edgesim_version.clone()),
        (
            "Master seed",
            format!("{} (seed mode {})", s.master_seed, s.seed_mode),
        ),
        (
            "Runs",
            format!(
                "{} points × {} replications = {}",
                s.point_values.len(),
                s.replications,
                s.total_runs()
            ),
        ),
        ("Swept", swept),
        (
            "Simulated per run",
            format!(
                "{} s, of which {} s warm-up",
                format_value(s.duration_s),
                format_value(s.warmup_s)
            ),
        ),
    ];
    page.push_str("<table class=\"facts\">\n");
    for (k, v) in rows {
        let _ = writeln!(
            page,
            "<tr><th class=\"l\">{}</th><td class=\"l\">{}</td></tr>",
            escape(k),
            escape(&v)
        );
    }
    page.push_str("</table>\n");
}

fn point_header(page: &mut String, tables: &Tables) {
    page.push_str("<tr><th>point</th>");
    for p in &tables.study.sweep_paths {
        let _ = write!(page, "<th class=\"l\">{}</th>", heading(p));
    }
}

fn point_cells(page: &mut String, tables: &Tables, point: usize) {
    let _ = write!(page, "<tr><td>{point}</td>");
    for v in compact_values(&tables.study, point) {
        let _ = write!(page, "<td class=\"l\">{}</td>", escape(&v));
    }
}

/// The swept values of `point` for a table cell: a table value
/// (`{ cores = 2, count = 64 }`) shows only the fields that differ between
/// points (`count=64`), so that the numbers stay in view; others as written.
pub fn compact_values(study: &crate::study::Study, point: usize) -> Vec<String> {
    let fields = table_fields;
    let Some(values) = study.point_values.get(point) else {
        return Vec::new();
    };
    values
        .iter()
        .enumerate()
        .map(|(j, v)| {
            let Some(own) = fields(v) else {
                return v.clone();
            };
            let others: Vec<Vec<String>> = study
                .point_values
                .iter()
                .filter_map(|p| p.get(j).and_then(|o| fields(o)))
                .collect();
            let varying: Vec<String> = own
                .iter()
                .filter(|f| others.iter().any(|o| !o.contains(f)))
                .cloned()
                .collect();
            if varying.is_empty() {
                v.clone()
            } else {
                varying.join(", ")
            }
        })
        .collect()
}

fn verdict(page: &mut String, tables: &Tables) {
    let slos = &tables.study.slo;
    if slos.is_empty() {
        return;
    }
    page.push_str("<h2>SLO verdict</h2>\n<p>Each point is judged on the pooled value (latency metrics, from the merged histograms of all replications) or the mean over replications; <span class=\"warn\">borderline</span> means the bound lies inside the 95% confidence interval.</p>\n<div class=\"wide\"><table class=\"verdict\">\n");
    point_header(page, tables);
    for s in slos {
        let _ = write!(
            page,
            "<th>{} {}</th>",
            heading(&s.metric),
            escape(&s.bound_text())
        );
    }
    page.push_str("<th>all</th></tr>\n");
    for point in 0..tables.study.point_values.len() {
        point_cells(page, tables, point);
        let mut all = true;
        for s in slos {
            let row = tables.at(&s.metric, point);
            let Some(r) = row.filter(|r| r.value().is_finite()) else {
                all = false;
                page.push_str("<td class=\"warn\">no value</td>");
                continue;
            };
            let met = s.met_by(r.value());
            all &= met;
            // A zero-width interval (every replication the same) is no doubt.
            let borderline = r.band().is_some_and(|(lo, hi)| {
                lo < hi
                    && (s.max.is_some_and(|m| lo <= m && m <= hi)
                        || s.min.is_some_and(|m| lo <= m && m <= hi))
            });
            let _ = write!(
                page,
                "<td>{} <span class=\"{}\">{}</span>{}</td>",
                format_value(r.value()),
                if met { "pass" } else { "fail" },
                if met { "pass" } else { "FAIL" },
                if borderline {
                    " <span class=\"warn\">borderline</span>"
                } else {
                    ""
                }
            );
        }
        let _ = writeln!(
            page,
            "<td><span class=\"{}\">{}</span></td></tr>",
            if all { "pass" } else { "fail" },
            if all { "pass" } else { "FAIL" }
        );
    }
    page.push_str("</table></div>\n");
}

/// The summary's columns: SLO metrics, p50 and p99 of the first
/// ungrouped histograms, then the key scalar metrics; none of the headline
/// metrics (the answer table above has them).
fn summary_metrics(tables: &Tables) -> Vec<String> {
    let mut metrics: Vec<String> = tables.study.slo.iter().map(|s| s.metric.clone()).collect();
    let ungrouped = tables.histograms.iter().filter(|h| !h.name.contains('.'));
    for h in ungrouped.take(2) {
        metrics.push(format!("{}_p50", h.name));
        metrics.push(format!("{}_p99", h.name));
    }
    metrics.extend(key_metrics(tables));
    let mut unique: Vec<String> = Vec::new();
    let take = |metrics: Vec<String>, unique: &mut Vec<String>| {
        for m in metrics {
            let headline = tables.study.headline.contains(&m);
            if tables.summary.contains_key(&m) && !unique.contains(&m) && !headline {
                unique.push(m);
            }
        }
    };
    take(metrics, &mut unique);
    // A model that names its results by part (the `system` model's
    // `cdn.…`, `push.…`, `campaign.…`) leaves few top-level ones.
    if unique.len() < MIN_SUMMARY_COLUMNS {
        take(part_metrics(tables), &mut unique);
    }
    if unique.is_empty() {
        unique = tables.summary_metrics();
    }
    unique.truncate(MAX_SUMMARY_COLUMNS);
    unique
}

/// The warm-up check: a warning naming every point where some run's
/// warm-up is shorter than its MSER-5 truncation point.
fn steady_state(page: &mut String, tables: &Tables) {
    let short = steady_state_warnings(tables);
    if short.is_empty() {
        return;
    }
    page.push_str(
        "<h2>Warning: warm-up too short</h2>
<ul>
",
    );
    for line in short {
        let _ = writeln!(page, "<li>{}</li>", escape(&line));
    }
    page.push_str(
        "</ul>
",
    );
}

/// One line per point whose runs did not all pass the warm-up check
/// (`warmup_ok` below 1 on average).
pub fn steady_state_warnings(tables: &Tables) -> Vec<String> {
    let row = |metric: &str, point: usize| tables.at(metric, point).map(|r| r.mean);
    (0..tables.study.point_values.len())
        .filter(|&p| row("warmup_ok", p).is_some_and(|ok| ok < 1.0))
        .map(|p| {
            format!(
                "point {p}: the warm-up of {} s is shorter than the MSER-5 truncation point (mean {} s over replications); statistics include the transient. Set run.warmup to at least that, or warmup = \"auto\".",
                row("warmup_s", p).unwrap_or(f64::NAN),
                row("warmup_suggested_s", p).unwrap_or(f64::NAN)
            )
        })
        .collect()
}

fn summary(page: &mut String, tables: &Tables) {
    let metrics = summary_metrics(tables);
    page.push_str("<h2>Summary</h2>\n<p>Per point: latency percentiles pooled from the merged histograms of all replications, other metrics the mean over replications; ± is the 95% confidence half-width of the mean over replications (Student t). Every metric is in <code>summary.csv</code> and below.</p>\n<div class=\"wide\"><table>\n");
    point_header(page, tables);
    for m in &metrics {
        let _ = write!(page, "<th>{}</th>", heading(m));
    }
    page.push_str("</tr>\n");
    for point in 0..tables.study.point_values.len() {
        point_cells(page, tables, point);
        for m in &metrics {
            page.push_str(&cell(tables.at(m, point), false));
        }
        page.push_str("</tr>\n");
    }
    page.push_str("</table></div>\n");
}

fn chart_section(page: &mut String, charts: &[Chart], svgs: &[String], warnings: &[String]) {
    let _ = writeln!(
        page,
        "<h2>Charts</h2>\n<p>{} charts; each is also in <code>{PLOTS_DIR}/</code>.</p>",
        charts.len()
    );
    for (chart, svg) in charts.iter().zip(svgs) {
        let _ = writeln!(
            page,
            "<figure id=\"{id}\" class=\"chart\">\n{svg}\n<figcaption><b>{title}.</b> {reading} <a href=\"{PLOTS_DIR}/{id}.svg\">SVG</a></figcaption>\n</figure>",
            id = escape(&chart.file_stem),
            svg = svg.trim(),
            title = escape(&chart.title),
            reading = escape(&chart.reading),
        );
    }
    if !warnings.is_empty() {
        page.push_str("<h3>Charts not drawn</h3>\n<ul>\n");
        for w in warnings {
            let _ = writeln!(page, "<li class=\"warn\">{}</li>", escape(w));
        }
        page.push_str("</ul>\n");
    }
}

fn folded_tables(page: &mut String, tables: &Tables) {
    page.push_str("<h2>All metrics</h2>\n<details><summary>Every metric at every point (from summary.csv)</summary>\n<table>\n");
    point_header(page, tables);
    page.push_str("<th class=\"l\">metric</th><th>value</th><th>n</th></tr>\n");
    let mut rows = 0;
    'points: for point in 0..tables.study.point_values.len() {
        for m in tables.summary_metrics() {
            if rows == MAX_FOLDED_ROWS {
                break 'points;
            }
            rows += 1;
            point_cells(page, tables, point);
            let row = tables.at(&m, point);
            let _ = writeln!(
                page,
                "<td class=\"l\">{}</td>{}<td>{}</td></tr>",
                escape(&m),
                cell(row, false),
                row.map_or(0, |r| r.n)
            );
        }
    }
    page.push_str("</table>\n</details>\n<h2>Runs and seeds</h2>\n<details><summary>Every run with its seed (from results.csv)</summary>\n<table>\n<tr><th>run_index</th><th>point</th><th>replication</th><th>seed</th><th class=\"l\">parameters</th></tr>\n");
    for run in tables.runs.iter().take(MAX_FOLDED_ROWS) {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            run.run_index,
            run.point,
            run.replication,
            run.seed,
            escape(&point_label(&tables.study, run.point))
        );
    }
    page.push_str("</table>\n</details>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_comments() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let src = "# How many servers?\n#\n# Second line.\nschema = 1\n# not this\n";
        assert_eq!(leading_comment(src), "How many servers?\n\nSecond line.");
    }
}
