//! The outputs of a capacity search, from its rows alone: `plan.csv`
//! (every candidate evaluated), `answer.json` (the choice, its binding
//! constraint and the headroom of the others), the answer's lines for
//! stderr, and `report.html` with the answer first and a chart per
//! constraint (and metric objective) along the searched variable.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::charts::shared::domain;
use super::charts::{Axis, Chart, ChartBody, Line, LineChart, Rule, RuleKind, draw, format_value};
use super::html::{STYLE, escape};
use super::output::{number, write_atomically};
use crate::error::Error;
use crate::study::search::{CandidateRow, ConstraintInfo, SearchTable};
use crate::study::{EXPERIMENT_COPY, Study};

/// The file names a search writes.
pub const PLAN_CSV: &str = "plan.csv";
pub const ANSWER_JSON: &str = "answer.json";
pub const REPORT_HTML: &str = "report.html";

/// `plan.csv`: one row per candidate in evaluation order.
pub fn plan_csv(t: &SearchTable) -> Result<Vec<u8>, Error> {
    let mut header: Vec<String> = vec!["round".into(), "candidate".into()];
    header.extend(t.params.iter().cloned());
    header.extend(["replications".into(), "evaluation".into()]);
    for c in &t.constraints {
        let l = c.label();
        header.extend([
            format!("{l}.estimate"),
            format!("{l}.bound"),
            format!("{l}.verdict"),
        ]);
    }
    header.extend(["feasible".into(), "objective".into()]);
    let mut w = csv::Writer::from_writer(Vec::new());
    let bad = |e: csv::Error| Error::Run(format!("cannot format CSV: {e}"));
    w.write_record(&header).map_err(bad)?;
    for r in &t.rows {
        let mut row: Vec<String> = vec![r.round.to_string(), r.candidate.to_string()];
        row.extend(r.values.iter().cloned());
        row.push(r.replications.to_string());
        row.push(evaluation(r).into());
        for j in &r.judged {
            row.extend([num(j.estimate), num(j.bound), j.verdict.as_str().into()]);
        }
        row.push(r.feasible.to_string());
        row.push(num(r.objective));
        w.write_record(&row).map_err(bad)?;
    }
    w.into_inner()
        .map_err(|e| Error::Run(format!("cannot format CSV: {e}")))
}

fn evaluation(r: &CandidateRow) -> &'static str {
    if r.certain {
        "certain"
    } else {
        "max_replications"
    }
}

fn num(v: f64) -> String {
    if v.is_finite() {
        number(v)
    } else {
        String::new()
    }
}

#[derive(Serialize)]
struct AnswerFile {
    experiment: String,
    feasible: bool,
    /// Parameter path -> chosen value (in `[[search.param]]` order).
    values: Option<serde_json::Map<String, serde_json::Value>>,
    minimize: String,
    objective: Option<f64>,
    replications: Option<u32>,
    evaluation: Option<String>,
    binding: Option<Headroom>,
    headroom: Vec<Headroom>,
    confidence: f64,
    strategy: String,
    candidates_evaluated: usize,
}

#[derive(Clone, Serialize)]
struct Headroom {
    metric: String,
    scenario: Option<String>,
    limit: String,
    estimate: Option<f64>,
    bound: Option<f64>,
    /// How far the bound is inside the limit, in the metric's unit.
    headroom: Option<f64>,
    /// The same as a share of the limit (None for a zero limit).
    headroom_share: Option<f64>,
}

fn finite(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// What a constraint's headroom is a share of: the limit, but for a floor
/// on a metric that cannot pass 1 (a ratio or share, `connected_share >=
/// 0.99`), the shortfall the floor allows (1 - 0.99): a share just under
/// its ceiling always has little room as a share of its limit, which made
/// it look binding when it was not.
fn scale(c: &ConstraintInfo, estimate: f64) -> f64 {
    let (_, ceiling) = domain(&c.metric, &[estimate]);
    if !c.upper && ceiling == 1.0 && c.limit < 1.0 {
        1.0 - c.limit
    } else {
        c.limit.abs()
    }
}

/// Every constraint of the answer with its headroom, and the binding one
/// (the least headroom as a share of its [`scale`]; ties: the first).
fn headrooms(t: &SearchTable, row: &CandidateRow) -> (Option<Headroom>, Vec<Headroom>) {
    let all: Vec<Headroom> = t
        .constraints
        .iter()
        .zip(&row.judged)
        .map(|(c, j)| {
            let room = if c.upper {
                c.limit - j.bound
            } else {
                j.bound - c.limit
            };
            Headroom {
                metric: c.metric.clone(),
                scenario: c.scenario.clone(),
                limit: c.bound_text(),
                estimate: finite(j.estimate),
                bound: finite(j.bound),
                headroom: finite(room),
                headroom_share: finite(room / scale(c, j.estimate)),
            }
        })
        .collect();
    let key = |h: &Headroom| h.headroom_share.or(h.headroom).unwrap_or(f64::INFINITY);
    let binding = (0..all.len()).fold(None, |best: Option<usize>, i| match best {
        Some(b) if key(&all[b]) <= key(&all[i]) => Some(b),
        _ => Some(i),
    });
    match binding {
        Some(b) => {
            let chosen = all[b].clone();
            let others = all
                .into_iter()
                .enumerate()
                .filter(|(i, _)| *i != b)
                .map(|(_, h)| h)
                .collect();
            (Some(chosen), others)
        }
        None => (None, all),
    }
}

/// `answer.json`.
pub fn answer_json(t: &SearchTable) -> Vec<u8> {
    let row = t.answer.map(|a| &t.rows[a]);
    let (binding, headroom) = row.map_or((None, Vec::new()), |r| headrooms(t, r));
    let values = row.map(|r| {
        let mut map = serde_json::Map::new();
        for (p, v) in t.params.iter().zip(&r.values) {
            let value = v
                .parse::<i64>()
                .map_or_else(|_| serde_json::Value::String(v.clone()), Into::into);
            map.insert(p.clone(), value);
        }
        map
    });
    let file = AnswerFile {
        experiment: t.experiment.clone(),
        feasible: row.is_some(),
        values,
        minimize: t.minimize.clone(),
        objective: row.and_then(|r| finite(r.objective)),
        replications: row.map(|r| r.replications),
        evaluation: row.map(|r| evaluation(r).to_string()),
        binding,
        headroom,
        confidence: t.confidence,
        strategy: t.strategy.clone(),
        candidates_evaluated: t.rows.len(),
    };
    let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The answer in a few lines, for stderr and the report.
pub fn answer_lines(t: &SearchTable) -> Vec<String> {
    let Some(row) = t.answer.map(|a| &t.rows[a]) else {
        return vec![format!(
            "{}: no candidate meets every constraint at {}% confidence ({} evaluated)",
            t.experiment,
            t.confidence * 100.0,
            t.rows.len()
        )];
    };
    let values: Vec<String> = t
        .params
        .iter()
        .zip(&row.values)
        .map(|(p, v)| format!("{p} = {v}"))
        .collect();
    let objective = match t.params.iter().position(|p| *p == t.minimize) {
        Some(i) => row.values[i].clone(),
        None => format_value(row.objective),
    };
    let mut lines = vec![format!(
        "{}: answer: {} ({} {objective}, {} replications, {} candidates evaluated)",
        t.experiment,
        values.join(", "),
        t.minimize,
        row.replications,
        t.rows.len()
    )];
    let (binding, _) = headrooms(t, row);
    if let Some(b) = binding {
        lines.push(format!(
            "{}: binding: {}{} {}: estimate {}, {}% bound {}",
            t.experiment,
            b.metric,
            b.scenario.map_or(String::new(), |s| format!(" ({s})")),
            b.limit,
            b.estimate.map_or("-".into(), format_value),
            t.confidence * 100.0,
            b.bound.map_or("-".into(), format_value),
        ));
    }
    lines
}

/// Writes `plan.csv`, `report.html`, the experiment's copy and, last,
/// `answer.json`: a folder with an answer is whole.
pub fn publish(t: &SearchTable, study: &Study, dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut written = vec![write_atomically(dir, PLAN_CSV, &plan_csv(t)?)?];
    written.push(write_atomically(
        dir,
        EXPERIMENT_COPY,
        study.source.as_bytes(),
    )?);
    if study.report {
        let page = report(t, &study.source)?;
        written.push(write_atomically(dir, REPORT_HTML, page.as_bytes())?);
    }
    written.push(write_atomically(dir, ANSWER_JSON, &answer_json(t))?);
    Ok(written)
}

/// The x position of a row: the bisected value, else the candidate index.
fn x_of(t: &SearchTable, r: &CandidateRow) -> f64 {
    t.bisected.map_or(r.candidate as f64, |a| r.positions[a])
}

/// The rows grouped by the values of every parameter but the bisected one.
fn groups(t: &SearchTable) -> Vec<(String, Vec<&CandidateRow>)> {
    let mut out: Vec<(String, Vec<&CandidateRow>)> = Vec::new();
    for r in &t.rows {
        let label: Vec<String> = t
            .params
            .iter()
            .zip(&r.values)
            .enumerate()
            .filter(|(i, _)| Some(*i) != t.bisected && t.bisected.is_some())
            .map(|(_, (p, v))| format!("{p} = {v}"))
            .collect();
        let label = if label.is_empty() {
            "candidates".to_string()
        } else {
            label.join(", ")
        };
        match out.iter_mut().find(|(l, _)| *l == label) {
            Some((_, rows)) => rows.push(r),
            None => out.push((label, vec![r])),
        }
    }
    for (_, rows) in &mut out {
        rows.sort_by(|a, b| x_of(t, a).total_cmp(&x_of(t, b)));
    }
    out
}

/// One chart per constraint (estimate with its bound as a band, limit as
/// a rule) and one of a metric objective, along the searched variable.
pub fn charts(t: &SearchTable) -> Vec<Chart> {
    let x_title = t
        .bisected
        .map_or("candidate".to_string(), |a| t.params[a].clone());
    let groups = groups(t);
    let mut charts = Vec::new();
    for (k, c) in t.constraints.iter().enumerate() {
        let lines: Vec<Line> = groups
            .iter()
            .enumerate()
            .map(|(g, (label, rows))| Line {
                label: label.clone(),
                colour: g % 8,
                points: rows
                    .iter()
                    .map(|r| (x_of(t, r), r.judged[k].estimate))
                    .collect(),
                band: rows
                    .iter()
                    .map(|r| {
                        let (e, b) = (r.judged[k].estimate, r.judged[k].bound);
                        (x_of(t, r), e.min(b), e.max(b))
                    })
                    .filter(|(_, lo, hi)| lo.is_finite() && hi.is_finite())
                    .collect(),
                markers: true,
                dots: false,
            })
            .collect();
        let title = format!("{} {}", c.label(), c.bound_text());
        let reading = format!(
            "The mean of {} over replications for every candidate evaluated; the band reaches its one-sided {}% confidence bound, the red line is the limit.",
            c.label(),
            t.confidence * 100.0
        );
        charts.push(chart(t, k, &x_title, &title, reading, lines, Some(c.limit)));
    }
    if t.params.iter().all(|p| *p != t.minimize) {
        let lines = groups
            .iter()
            .enumerate()
            .map(|(g, (label, rows))| Line {
                label: label.clone(),
                colour: g % 8,
                points: rows.iter().map(|r| (x_of(t, r), r.objective)).collect(),
                band: Vec::new(),
                markers: true,
                dots: false,
            })
            .collect();
        let reading = format!("The objective {} (mean of the base design).", t.minimize);
        let k = t.constraints.len();
        charts.push(chart(t, k, &x_title, &t.minimize, reading, lines, None));
    }
    charts
}

fn chart(
    t: &SearchTable,
    number: usize,
    x_title: &str,
    title: &str,
    reading: String,
    lines: Vec<Line>,
    limit: Option<f64>,
) -> Chart {
    let xs: Vec<f64> = t.rows.iter().map(|r| x_of(t, r)).collect();
    let mut ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .map(|p| p.1)
                .chain(l.band.iter().flat_map(|b| [b.1, b.2]))
        })
        .collect();
    ys.extend(limit);
    let rules = limit.map_or(Vec::new(), |at| {
        vec![Rule {
            vertical: false,
            at,
            label: "limit".into(),
            kind: RuleKind::Slo,
        }]
    });
    Chart {
        file_stem: format!("{:02}-search", number + 1),
        title: title.to_string(),
        reading,
        body: ChartBody::Lines(LineChart {
            x: Axis::linear(x_title, &xs, false),
            y: search_axis(title, &ys),
            lines,
            rules,
            band_note: Some(format!("{}% one-sided bound", t.confidence * 100.0)),
        }),
        png: false,
    }
}

/// The y axis of a search chart: logarithmic when every value is positive
/// and they span more than a decade, so that one far-off candidate (an
/// infeasible design at 38.7 s) does not flatten those near the limit
/// (0.25 s); linear otherwise.
fn search_axis(title: &str, ys: &[f64]) -> Axis {
    let finite: Vec<f64> = ys.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !finite.is_empty() && lo > 0.0 && hi / lo > 10.0 {
        Axis::log(title, &finite)
    } else {
        Axis::linear(title, ys, false)
    }
}

/// The report page: the answer, the charts, every candidate, the file.
pub fn report(t: &SearchTable, source: &str) -> Result<String, Error> {
    let mut page = String::new();
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>edgesim: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n<p class=\"question\">{}</p>\n<h2>Answer</h2>\n",
        escape(&t.experiment),
        escape(&t.experiment),
        escape(&t.description)
    );
    for line in answer_lines(t) {
        let class = if t.answer.is_some() { "pass" } else { "fail" };
        let text = line
            .split_once(": ")
            .map_or(line.as_str(), |(_, rest)| rest);
        let _ = writeln!(page, "<p class=\"{class}\">{}</p>", escape(text));
    }
    let _ = writeln!(
        page,
        "<p>Strategy: {}. Constraints are judged on one-sided {}% confidence bounds (Student t over replications), with {} to {} replications per candidate.</p>",
        escape(&t.strategy),
        t.confidence * 100.0,
        t.min_replications,
        t.max_replications
    );
    if let Some(row) = t.answer.map(|a| &t.rows[a]) {
        headroom_table(&mut page, t, row);
    }
    page.push_str("<h2>Along the search</h2>\n");
    for chart in charts(t) {
        let svg = draw::svg(&chart).map_err(|e| Error::Run(format!("cannot draw: {e}")))?;
        let _ = writeln!(
            page,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            escape(&chart.reading)
        );
    }
    plan_table(&mut page, t);
    let _ = write!(
        page,
        "<h2>Experiment file</h2>\n<pre>{}</pre>\n</body>\n</html>\n",
        escape(source)
    );
    Ok(page)
}

fn headroom_table(page: &mut String, t: &SearchTable, row: &CandidateRow) {
    let (binding, others) = headrooms(t, row);
    page.push_str("<table><tr><th class=\"l\">constraint</th><th class=\"l\">scenario</th><th>limit</th><th>estimate</th><th>bound</th><th>headroom</th><th class=\"l\"></th></tr>\n");
    let show = |v: Option<f64>| v.map_or("-".into(), format_value);
    for (h, note) in binding
        .iter()
        .map(|b| (b, "binding"))
        .chain(others.iter().map(|h| (h, "")))
    {
        let _ = writeln!(
            page,
            "<tr><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{note}</td></tr>",
            escape(&h.metric),
            escape(h.scenario.as_deref().unwrap_or("base")),
            escape(&h.limit),
            show(h.estimate),
            show(h.bound),
            show(h.headroom),
        );
    }
    page.push_str("</table>\n");
}

fn plan_table(page: &mut String, t: &SearchTable) {
    page.push_str("<h2>Every candidate</h2>\n<div class=\"wide\"><table><tr><th>round</th>");
    for p in &t.params {
        let _ = write!(page, "<th>{}</th>", escape(p));
    }
    page.push_str("<th>replications</th>");
    for c in &t.constraints {
        let _ = write!(
            page,
            "<th>{} {}</th>",
            escape(&c.label()),
            escape(&c.bound_text())
        );
    }
    page.push_str("<th>verdict</th><th>objective</th></tr>\n");
    for (i, r) in t.rows.iter().enumerate() {
        let _ = write!(page, "<tr><td>{}</td>", r.round + 1);
        for v in &r.values {
            let _ = write!(page, "<td>{}</td>", escape(v));
        }
        let _ = write!(page, "<td>{}</td>", r.replications);
        for j in &r.judged {
            let class = match j.verdict.as_str() {
                "holds" => "pass",
                "fails" => "fail",
                _ => "warn",
            };
            let _ = write!(
                page,
                "<td class=\"{class}\">{} <span class=\"ci\">({})</span></td>",
                format_value(j.estimate),
                if j.bound.is_finite() {
                    format_value(j.bound)
                } else {
                    "-".into()
                }
            );
        }
        let verdict = match (t.answer == Some(i), r.feasible) {
            (true, _) => "answer",
            (false, true) => "feasible",
            (false, false) => "infeasible",
        };
        let _ = writeln!(
            page,
            "<td>{verdict}</td><td>{}</td></tr>",
            format_value(r.objective)
        );
    }
    page.push_str("</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::{ConstraintInfo, scale, search_axis};

    fn constraint(metric: &str, limit: f64, upper: bool) -> ConstraintInfo {
        ConstraintInfo {
            metric: metric.into(),
            scenario: None,
            limit,
            upper,
        }
    }

    #[test]
    fn a_floor_on_a_share_measures_headroom_against_the_shortfall_it_allows() {
        // plan-push-fleet: connected_share 0.9992 against >= 0.99 has 92 % of
        // its allowed shortfall left, not 0.9 % of its limit; a p99 of 950 ms
        // against <= 1000 ms has 5 % left and is the binding one.
        let share = constraint("connected_share", 0.99, false);
        assert!((scale(&share, 0.9992) - 0.01).abs() < 1e-12);
        let p99 = constraint("delivery_latency_ms_p99", 1000.0, true);
        assert_eq!(scale(&p99, 950.0), 1000.0);
        // A ceiling on a share, and a floor on an unbounded metric, keep the limit.
        assert_eq!(scale(&constraint("utilisation", 0.8, true), 0.7), 0.8);
        assert_eq!(
            scale(&constraint("requests_per_s", 500.0, false), 900.0),
            500.0
        );
        // A floor at the ceiling itself has no shortfall to measure against.
        assert_eq!(scale(&constraint("hit_ratio", 1.0, false), 1.0), 1.0);
    }

    #[test]
    fn a_far_off_candidate_puts_the_search_chart_on_a_log_axis() {
        // plan-queue: the 4-server candidate's p99 is 38.7 s, the others
        // lie near the 0.25 s limit.
        let axis = search_axis("p99", &[38.7, 0.31, 0.24, 0.21, 0.25]);
        assert!(axis.log);
        let near = axis.pos(0.24).unwrap() - axis.pos(0.21).unwrap();
        // On a linear axis the two would be 0.08 % of the height apart.
        assert!(near > 0.01 * (axis.max - axis.min), "{near}");
        assert!(!search_axis("p99", &[0.31, 0.24, 0.21]).log);
        assert!(!search_axis("cost", &[0.0, 3.0, 40.0]).log);
    }
}
