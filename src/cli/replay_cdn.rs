//! `edgesim replay TRACE --model cdn`: the trace drives the whole CDN model
//! (routing, PoPs, cache servers, shield, origin, links), with every CDN
//! metric. The flags build an experiment in memory whose `[cdn.workload]`
//! is the trace, and it runs like `edgesim run` into `output/<name>/`
//! (results.csv, summary.csv, report.html, ...):
//!
//! - without `--experiment`, a default CDN experiment (the shipped world,
//!   the `[cdn]` defaults) lasting as long as the trace; its text, written
//!   as `experiment.toml`, reproduces the replay with `edgesim run`;
//! - with `--experiment FILE`, that file (model `cdn`), with the trace put
//!   in by `--set` overrides, which the manifest records.
//!
//! Several `--policy` or `--cache-size` values become a sweep of the cache
//! servers' policy and capacity; `--set` changes any other key.

use std::path::Path;

use serde::Serialize;
use toml::{Table, Value};

use super::replay::{ReplayArgs, trace_format};
use crate::batch::{self, BatchOptions};
use crate::engine::SimTime;
use crate::error::{Error, InputError};
use crate::experiment::path::KeyPath;
use crate::experiment::{self, Experiment, overrides};
use crate::replay::{CacheSize, footprint};
use crate::report;
use crate::report::tables::Tables;
use crate::units::Duration;
use crate::workload::trace::TraceFormat;
use crate::workload::trace::scan::{TraceSummary, scan};

/// Metrics printed after the run, in this order.
const SHOWN: [&str; 8] = [
    "requests",
    "hit_ratio",
    "byte_hit_ratio",
    "latency_ms_p50",
    "latency_ms_p99",
    "origin_requests_per_s",
    "origin_egress_bits_per_s",
    "failed_share",
];

fn arg_error(key: &str, message: impl Into<String>) -> Error {
    InputError::new("command line", message)
        .with_key(key)
        .into()
}

/// Runs `edgesim replay TRACE --model cdn`.
pub fn run(args: &ReplayArgs) -> Result<(), Error> {
    refuse_cache_only_flags(args)?;
    // The region column's names are checked against the experiment's world
    // when it loads; this first pass finds every other problem of the trace.
    let format = trace_format(args)?;
    let summary = scan(&args.trace, &format, args.skip_bad)?;
    report_input(&summary, &args.trace);
    let name = output_name(args);
    let dir = super::replay::output_folder(args, &name)?;
    let exp = experiment(args, &format, &summary, &name, &dir)?;
    let threads = match args.threads {
        Some(n) if n == 0 || n > 4096 => {
            return Err(arg_error("--threads", "expected 1 to 4096 threads"));
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let options = BatchOptions {
        dir: dir.clone(),
        threads,
        shard: None,
        resume: false,
        progress: true,
        record: None,
    };
    let _folder = super::replay::claim(args, &dir)?;
    let outcome = batch::run_into(&exp, &options)?;
    let published = report::publish(&outcome.study, &outcome.records, &dir, &outcome.execution)?;
    let tables = Tables::read(&dir)?;
    if args.json {
        print!("{}", json_lines(&tables));
    } else {
        print!("{}", table(&tables, &args.trace));
    }
    for w in &published.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "{} run(s) in {:.2} s; results in {}",
        outcome.executed,
        outcome.wall_s,
        dir.display()
    );
    Ok(())
}

fn report_input(summary: &TraceSummary, trace: &Path) {
    eprintln!(
        "trace {}: {} requests over {} s",
        trace.display(),
        summary.requests,
        summary.span().as_secs_f64()
    );
    super::replay::report_bad_skipped(&summary.stats);
    if summary.reordered > 0 {
        eprintln!(
            "{} requests are stamped earlier than a request before them; they arrive at the time of the latest",
            summary.reordered
        );
    }
}

fn refuse_cache_only_flags(args: &ReplayArgs) -> Result<(), Error> {
    if args.ignore_size {
        return Err(arg_error(
            "--ignore-size",
            "the CDN model moves bytes; object mode is for single-cache replay",
        ));
    }
    if args.max_requests.is_some() {
        return Err(arg_error(
            "--max-requests",
            "the CDN model replays the trace in simulated time; give --duration to replay part of it",
        ));
    }
    Ok(())
}

/// `--name`, else `replay-cdn-<trace file name without its extensions>`
/// (characters an experiment name cannot hold become `-`).
fn output_name(args: &ReplayArgs) -> String {
    args.name.clone().unwrap_or_else(|| {
        let clean: String = super::replay::trace_stem(&args.trace)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '-'
                }
            })
            .collect();
        format!("replay-cdn-{clean}")
    })
}

/// The simulated time the trace needs: from its origin to its last
/// request at the replay speed, plus a second for the last responses.
fn trace_duration(args: &ReplayArgs, summary: &TraceSummary) -> Result<SimTime, Error> {
    let since = if args.time_origin.as_deref() == Some("zero") {
        summary.last
    } else {
        summary.span()
    };
    let speed = args.speed.unwrap_or(1.0);
    if !(speed.is_finite() && speed > 0.0 && speed <= 1e6) {
        return Err(arg_error(
            "--speed",
            format!("expected a speed above 0 and at most 1e6, got {speed}"),
        ));
    }
    let seconds = (since.as_secs_f64() / speed).ceil() + 1.0;
    if seconds > crate::units::MAX_DURATION_SECS {
        return Err(arg_error(
            "--speed",
            format!(
                "the trace's {} s at speed {speed} would take {seconds:.3e} s of simulated time; \
                 the longest run is 100 years: raise --speed",
                since.as_secs_f64()
            ),
        ));
    }
    Ok(SimTime::from_secs(seconds as u64))
}

/// `--warmup` with `--model cdn`: simulated time ("5min", a bare number is
/// seconds) or a share of the duration ("20%").
fn warmup(text: &str, duration: SimTime) -> Result<SimTime, Error> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        let share: f64 = p
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| (0.0..100.0).contains(s))
            .ok_or_else(|| {
                arg_error(
                    "--warmup",
                    format!("\"{text}\": expected a share from 0% to below 100%"),
                )
            })?;
        return Ok(SimTime::from_nanos(
            (duration.as_nanos() as f64 * share / 100.0) as u64,
        ));
    }
    let warmup = crate::units::parse_duration(t).map_err(|e| {
        arg_error(
            "--warmup",
            format!("\"{text}\": with --model cdn the warm-up is simulated time (\"5min\") or a share of the duration (\"20%\"): {e}"),
        )
    })?;
    if warmup >= duration {
        return Err(arg_error(
            "--warmup",
            format!(
                "\"{text}\" is not shorter than the replay's {duration} of simulated time (the \
                 trace's span at --speed, plus a second); give a shorter warm-up or a share (\"20%\")"
            ),
        ));
    }
    Ok(warmup)
}

/// Each cache-server capacity: bytes, or a share of the trace's footprint.
fn capacities(args: &ReplayArgs, format: &TraceFormat) -> Result<Vec<String>, Error> {
    let sizes = args
        .cache_sizes
        .iter()
        .map(|s| CacheSize::parse(s).map_err(|m| arg_error("--cache-size", m)))
        .collect::<Result<Vec<_>, _>>()?;
    let needs_footprint = sizes
        .iter()
        .any(|s| matches!(s, CacheSize::FootprintPercent(_)));
    let bytes = if needs_footprint {
        footprint(&args.trace, format, args.skip_bad)?.bytes
    } else {
        0
    };
    Ok(sizes
        .iter()
        .map(|s| match *s {
            CacheSize::Units(n) | CacheSize::Bytes(n) => format!("{n}B"),
            CacheSize::FootprintPercent(p) => format!("{}B", (bytes as f64 * p / 100.0) as u64),
        })
        .collect())
}

/// `[cdn.workload]` keys the flags give (only those given).
fn workload_keys(args: &ReplayArgs) -> Vec<(&'static str, Value)> {
    let text = |v: &Option<String>| v.clone().map(Value::String);
    let mut keys: Vec<(&'static str, Option<Value>)> = vec![
        (
            "trace",
            Some(Value::String(args.trace.to_string_lossy().to_string())),
        ),
        ("format", text(&args.format)),
        ("time_unit", text(&args.time_unit)),
        ("time_col", text(&args.time_col)),
        ("id_col", text(&args.id_col)),
        ("size_col", text(&args.size_col)),
        ("region_col", text(&args.region_col)),
        ("client_col", text(&args.client_col)),
        ("delimiter", text(&args.delimiter)),
        ("header", text(&args.header)),
        ("id_kind", text(&args.id_kind)),
        ("hash_by", text(&args.hash_by)),
        ("time_origin", text(&args.time_origin)),
        ("spread", text(&args.spread)),
        ("speed", args.speed.map(Value::Float)),
    ];
    if args.skip_bad {
        keys.push(("skip_bad", Some(Value::Boolean(true))));
    }
    keys.into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// Every key the flags set, as (path, value), and the swept ones.
struct Plan {
    keys: Vec<(String, Value)>,
    sweeps: Vec<(String, Vec<Value>)>,
}

fn plan(
    args: &ReplayArgs,
    format: &TraceFormat,
    summary: &TraceSummary,
    name: &str,
) -> Result<Plan, Error> {
    let mut keys: Vec<(String, Value)> = vec![("name".into(), Value::String(name.into()))];
    let duration = match &args.duration {
        Some(text) => Some(
            crate::units::parse_duration(text)
                .map_err(|e| arg_error("--duration", format!("\"{text}\": {e}")))?,
        ),
        None if args.experiment.is_none() => Some(trace_duration(args, summary)?),
        None => None,
    };
    if let Some(d) = duration {
        keys.push((
            "run.duration".into(),
            Value::String(Duration(d).to_string()),
        ));
    }
    if let Some(text) = &args.warmup {
        let Some(d) = duration else {
            return Err(arg_error(
                "--warmup",
                "with --experiment, give the warm-up with --set run.warmup=... (or --duration too)",
            ));
        };
        let w = warmup(text, d)?;
        keys.push(("run.warmup".into(), Value::String(Duration(w).to_string())));
    }
    for (key, value) in workload_keys(args) {
        keys.push((format!("cdn.workload.{key}"), value));
    }
    let mut sweeps = Vec::new();
    let policies: Vec<Value> = args
        .policies
        .iter()
        .map(|p| Value::String(p.clone()))
        .collect();
    let sizes: Vec<Value> = capacities(args, format)?
        .into_iter()
        .map(Value::String)
        .collect();
    for (path, values) in [
        ("cdn.cache.policy", policies),
        ("cdn.cache.capacity", sizes),
    ] {
        match values.len() {
            0 => {}
            1 => keys.push((path.into(), values[0].clone())),
            _ => sweeps.push((path.to_string(), values)),
        }
    }
    Ok(Plan { keys, sweeps })
}

fn experiment(
    args: &ReplayArgs,
    format: &TraceFormat,
    summary: &TraceSummary,
    name: &str,
    dir: &Path,
) -> Result<Experiment, Error> {
    let plan = plan(args, format, summary, name)?;
    match &args.experiment {
        Some(file) => with_file(file, plan, &args.sets),
        None => default_experiment(plan, &args.trace, dir, &args.sets),
    }
}

/// The user's experiment file, with the flags as `--set` overrides.
fn with_file(file: &Path, plan: Plan, user_sets: &[String]) -> Result<Experiment, Error> {
    if let Some((path, _)) = plan.sweeps.first() {
        let which = if path.ends_with("policy") {
            "--policy"
        } else {
            "--cache-size"
        };
        return Err(arg_error(
            which,
            format!(
                "with --experiment, give one value (or sweep `{path}` in the file's [[sweep.param]])"
            ),
        ));
    }
    // The model first, so that a queue experiment is named as such rather
    // than refusing the `cdn.*` keys the flags set.
    let bare = experiment::load(file, &[])?;
    if bare.spec.model.name() != "cdn" {
        return Err(InputError::file(
            file,
            format!(
                "is an experiment of model \"{}\"; --model cdn replays through a \"cdn\" experiment",
                bare.spec.model.name()
            ),
        )
        .with_key("model")
        .into());
    }
    let mut sets: Vec<String> = plan.keys.iter().map(|(k, v)| format!("{k}={v}")).collect();
    sets.extend(user_sets.iter().cloned());
    Ok(experiment::load(file, &sets)?)
}

/// A CDN experiment with the `[cdn]` defaults, written out in full so that
/// `experiment.toml` alone reproduces the replay.
fn default_experiment(
    plan: Plan,
    trace: &Path,
    dir: &Path,
    user_sets: &[String],
) -> Result<Experiment, Error> {
    let mut table = Table::new();
    table.insert("schema".into(), Value::Integer(1));
    table.insert(
        "description".into(),
        Value::String(format!(
            "The trace {} replayed through the CDN model",
            trace.display()
        )),
    );
    table.insert("model".into(), Value::String("cdn".into()));
    for (key, value) in plan.keys {
        let path = KeyPath::parse(&key).map_err(|m| Error::Run(format!("{key}: {m}")))?;
        overrides::apply(&mut table, &path, value)
            .map_err(|m| Error::Run(format!("{key}: {m}")))?;
    }
    if !plan.sweeps.is_empty() {
        let params = plan
            .sweeps
            .into_iter()
            .map(|(path, values)| {
                let mut param = Table::new();
                param.insert("path".into(), Value::String(path));
                param.insert("values".into(), Value::Array(values));
                Value::Table(param)
            })
            .collect();
        let mut sweep = Table::new();
        sweep.insert("param".into(), Value::Array(params));
        table.insert("sweep".into(), Value::Table(sweep));
    }
    let text = toml::to_string(&table).map_err(|e| Error::Run(e.to_string()))?;
    let source = format!(
        "# Made by `edgesim replay {} --model cdn`; `edgesim run` on this file reproduces it.\n{text}",
        trace.display()
    );
    Ok(experiment::load_text(
        &dir.join("experiment.toml"),
        &source,
        user_sets,
    )?)
}

/// One point's shown metrics: the swept values, then each metric's pooled
/// value (latency) or mean over replications.
fn point_values(tables: &Tables, point: usize) -> Vec<(String, Option<f64>)> {
    SHOWN
        .iter()
        .map(|&m| {
            let v = tables
                .summary
                .get(m)
                .and_then(|rows| rows.get(point).cloned().flatten())
                .map(|row| row.value());
            (m.to_string(), v)
        })
        .collect()
}

/// The readable table printed by default: one row per point.
fn table(tables: &Tables, trace: &Path) -> String {
    use std::fmt::Write as _;
    let study = &tables.study;
    let mut out = format!(
        "trace {} through the CDN model: {} point(s) x {} replication(s), {} s simulated\n",
        trace.display(),
        study.point_values.len().max(1),
        study.replications,
        study.duration_s
    );
    let params: Vec<String> = study
        .sweep_paths
        .iter()
        .map(|p| p.rsplit('.').next().unwrap_or(p).to_string())
        .collect();
    for p in &params {
        let _ = write!(out, "{p:>12} ");
    }
    let _ = writeln!(
        out,
        "{:>10} {:>9} {:>9} {:>10} {:>10} {:>12} {:>14} {:>8}",
        "requests", "hit", "byte_hit", "p50_ms", "p99_ms", "origin_rq/s", "origin_bit/s", "failed"
    );
    for point in 0..study.point_values.len().max(1) {
        for v in study.point_values.get(point).into_iter().flatten() {
            let _ = write!(out, "{v:>12} ");
        }
        let values = point_values(tables, point);
        let cell = |i: usize| {
            values[i]
                .1
                .map_or("–".to_string(), crate::report::charts::format_value)
        };
        let _ = writeln!(
            out,
            "{:>10} {:>9} {:>9} {:>10} {:>10} {:>12} {:>14} {:>8}",
            cell(0),
            cell(1),
            cell(2),
            cell(3),
            cell(4),
            cell(5),
            cell(6),
            cell(7)
        );
    }
    out
}

#[derive(Serialize)]
struct JsonPoint {
    point: usize,
    params: serde_json::Map<String, serde_json::Value>,
    replications: u32,
    metrics: serde_json::Map<String, serde_json::Value>,
}

/// `--json`: one object per point with its swept values and shown metrics.
fn json_lines(tables: &Tables) -> String {
    let study = &tables.study;
    let mut out = String::new();
    for point in 0..study.point_values.len().max(1) {
        let params = study
            .sweep_paths
            .iter()
            .zip(study.point_values.get(point).into_iter().flatten())
            .map(|(p, v)| (p.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let metrics = point_values(tables, point)
            .into_iter()
            .map(|(m, v)| {
                (
                    m,
                    v.map_or(serde_json::Value::Null, serde_json::Value::from),
                )
            })
            .collect();
        let row = JsonPoint {
            point,
            params,
            replications: study.replications,
            metrics,
        };
        out.push_str(&serde_json::to_string(&row).expect("plain data serializes"));
        out.push('\n');
    }
    out
}
