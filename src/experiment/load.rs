//! Loading an experiment: read the file, parse it, apply `--set` overrides,
//! deserialize and validate the base document, then expand the sweep and
//! deserialize and validate every point. Every error names the file, the
//! line and column, the key, and what was expected; nothing is run or
//! written before the whole experiment is known to be good.

use std::path::Path;

use sha2::{Digest, Sha256};
use toml::{Table, Value};

use super::models::ModelSpec;
use super::overrides::{self, Override, OverrideOrigin, display_value};
use super::path::KeyPath;
use super::prepare::{PriceFiles, Worlds};
use super::search::{Objective, Search, SearchSpec};
use super::spans::SpanIndex;
use super::spec::{ExperimentFile, MAX_REPLICATIONS, MAX_RUNS, SCHEMA_VERSION};
use super::sweep::{Lists, Replaced};
use super::{Experiment, ExperimentSpec, Point};
use crate::error::InputError;
use crate::study::plotspec::{self, PlotKind, PlotSpec};
use crate::suggest;

/// The largest experiment file accepted.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// Loads and validates the experiment at `path` with `--set` overrides `sets`.
pub fn load(path: &Path, sets: &[String]) -> Result<Experiment, InputError> {
    let (bytes, source) = read_source(path)?;
    load_source(path, &bytes, source, sets)
}

/// Loads and validates an experiment made in memory (`edgesim replay
/// --model cdn`), shown as `path`.
pub fn load_text(path: &Path, source: &str, sets: &[String]) -> Result<Experiment, InputError> {
    load_source(path, source.as_bytes(), source.to_string(), sets)
}

fn load_source(
    path: &Path,
    bytes: &[u8],
    source: String,
    sets: &[String],
) -> Result<Experiment, InputError> {
    parsed(path, &source, sets, |ctx, start| {
        let swept = match start {
            Start::Search(parts) => {
                return Ok(search_experiment(parts, path, bytes, source.clone(), sets));
            }
            Start::Sweep(swept) => swept,
        };
        let points = (0..swept.lists.len())
            .map(|index| ctx.point(&swept, index))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Experiment {
            path: path.to_path_buf(),
            sha256: hex(&Sha256::digest(bytes)),
            source: source.clone(),
            sets: sets.to_vec(),
            spec: swept.base_spec,
            sweep_paths: swept.sweep_paths,
            points,
            notes: swept.notes,
            search: None,
        })
    })
}

/// A grid of at most this many points is checked point by point; a larger
/// one by its distinct overrides ([`super::sweep::Lists::distinct_points`]).
pub const EXACT_CHECK_POINTS: usize = 10_000;

/// What `edgesim check` found: the base document, how many points the
/// experiment has and how many distinct point documents were validated.
#[derive(Clone, Debug)]
pub struct Checked {
    pub spec: ExperimentSpec,
    pub points: usize,
    pub validated: usize,
    pub notes: Vec<String>,
    pub search: Option<Search>,
}

/// Checks the experiment at `path` like [`load`], without making every
/// point: a grid larger than [`EXACT_CHECK_POINTS`] is checked by each
/// value of each parameter once and the corners of each pair of
/// parameters. (`run` still checks every point before it runs any.)
pub fn check(path: &Path, sets: &[String]) -> Result<Checked, InputError> {
    let (_, source) = read_source(path)?;
    parsed(path, &source, sets, |ctx, start| match start {
        Start::Search((search, spec, points)) => Ok(Checked {
            spec,
            points: points.len(),
            validated: points.len(),
            notes: Vec::new(),
            search: Some(search),
        }),
        Start::Sweep(swept) => {
            let chosen = swept.lists.distinct_points(EXACT_CHECK_POINTS);
            for &index in &chosen {
                ctx.point(&swept, index)?;
            }
            Ok(Checked {
                points: swept.lists.len(),
                validated: chosen.len(),
                spec: swept.base_spec,
                notes: swept.notes,
                search: None,
            })
        }
    })
}

/// A parsed and validated base document: a search with its points, or a
/// sweep whose points are still to be made.
enum Start {
    Search((Search, ExperimentSpec, Vec<Point>)),
    Sweep(Swept),
}

/// The base document of a sweep and the sweep's lists, checked.
struct Swept {
    /// The file with `--set` applied, without its sweep (whose value lists
    /// read again for every point made checking n points take time n²).
    unswept: Table,
    applied: Vec<Override>,
    base_spec: ExperimentSpec,
    lists: Lists,
    sweep_paths: Vec<String>,
    notes: Vec<String>,
}

/// Parses `source`, applies `sets`, validates the base document and the
/// sweep, and hands them to `then`.
fn parsed<T>(
    path: &Path,
    source: &str,
    sets: &[String],
    then: impl FnOnce(&Ctx, Start) -> Result<T, InputError>,
) -> Result<T, InputError> {
    let origin = path.display().to_string();
    let spans = SpanIndex::parse(source).map_err(|e| syntax_error(&origin, source, &e))?;
    let mut table: Table = toml::from_str(source).map_err(|e| syntax_error(&origin, source, &e))?;
    let ctx = Ctx::new(&origin, source, &spans, sets);
    let applied = apply_sets(&mut table, sets)?;
    refuse_other_models(&ctx, &table, &applied)?;
    let base = ctx.deserialize(&table, &applied)?;
    let base_spec = ctx.validate(&base, &applied)?;
    if let Some(search) = &base.search {
        let parts = ctx.search_points(&table, search, &base, base_spec, &applied)?;
        return then(&ctx, Start::Search(parts));
    }
    let swept = ctx.swept(table, &base, base_spec, applied, sets)?;
    then(&ctx, Start::Sweep(swept))
}

/// Puts every `--set` into `table`, in order.
fn apply_sets(table: &mut Table, sets: &[String]) -> Result<Vec<Override>, InputError> {
    let mut applied = Vec::new();
    for (index, text) in sets.iter().enumerate() {
        let (key, value) = overrides::parse_set(text).map_err(|m| set_error(index, text, &m))?;
        overrides::apply(table, &key, value.clone()).map_err(|m| set_error(index, text, &m))?;
        applied.push(Override {
            path: key,
            value,
            origin: OverrideOrigin::Set { index },
        });
    }
    Ok(applied)
}

/// A table of another model than the file's (`[push]` in a CDN file, or
/// `--set push.clients=5` on one) is named as such before its fields are
/// read, so the message is not about a field that model lacks.
fn refuse_other_models(ctx: &Ctx, table: &Table, applied: &[Override]) -> Result<(), InputError> {
    let Some(model) = table.get("model").and_then(toml::Value::as_str) else {
        return Ok(());
    };
    if !super::models::MODEL_NAMES.contains(&model) {
        return Ok(());
    }
    let own = super::models::tables_of(model);
    for other in super::models::MODEL_NAMES
        .iter()
        .filter(|m| !own.contains(m))
    {
        if table.contains_key(*other) {
            let key = KeyPath::parse(other).unwrap_or_default();
            return Err(ctx.error_at(
                &key,
                applied,
                format!(
                    "[{other}] holds parameters of model \"{other}\", but this experiment's model is \"{model}\"; its keys are under [{model}]"
                ),
            ));
        }
    }
    Ok(())
}

/// Leaves out of `spec` the plots drawn against a sweep a `--set`
/// replaced; the notes say what `--set` replaced and left out.
fn without_replaced(
    spec: &mut ExperimentSpec,
    replaced: &[Replaced],
    applied: &[Override],
    sets: &[String],
    sweep_paths: &[String],
) -> Vec<String> {
    let mut notes = replaced_notes(replaced, applied, sets);
    let replaced_paths: Vec<String> = replaced.iter().map(|r| r.path.to_string()).collect();
    let (plots, dropped) = drop_plots_of(&spec.plots, &replaced_paths, sweep_paths);
    notes.extend(dropped);
    spec.plots = plots;
    notes
}

/// One line per sweep a `--set` replaced, e.g. "--set cdn.mode=push replaces
/// the sweep of cdn.mode (2 values)".
fn replaced_notes(replaced: &[Replaced], applied: &[Override], sets: &[String]) -> Vec<String> {
    replaced
        .iter()
        .map(|r| {
            let by = applied
                .iter()
                .rev()
                .find(|o| r.path.starts_with(&o.path) || o.path.starts_with(&r.path));
            let text = match by.map(|o| &o.origin) {
                Some(OverrideOrigin::Set { index }) => sets.get(*index).map_or("", |s| s.trim()),
                _ => "",
            };
            let count = match r.values {
                Some(1) => " (1 value)".to_string(),
                Some(n) => format!(" ({n} values)"),
                None => String::new(),
            };
            format!("--set {text} replaces the sweep of {}{count}", r.path)
        })
        .collect()
}

/// The plots still drawable once the sweeps of `replaced` are gone, and a
/// note for each plot left out.
fn drop_plots_of(
    plots: &[PlotSpec],
    replaced: &[String],
    sweep_paths: &[String],
) -> (Vec<PlotSpec>, Vec<String>) {
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    for (i, plot) in plots.iter().enumerate() {
        let axis = [&plot.x, &plot.y, &plot.z, &plot.series]
            .into_iter()
            .flatten()
            .find(|a| replaced.contains(a));
        let needs_sweep = matches!(
            plot.kind,
            PlotKind::Line | PlotKind::Percentiles | PlotKind::Heatmap
        );
        match axis {
            Some(axis) => notes.push(format!(
                "plot[{i}] is not drawn: it draws against `{axis}`, which --set fixes"
            )),
            None if needs_sweep && sweep_paths.is_empty() && !replaced.is_empty() => notes.push(
                format!("plot[{i}] is not drawn: --set leaves no swept parameter to draw against"),
            ),
            None => kept.push(plot.clone()),
        }
    }
    (kept, notes)
}

fn read_source(path: &Path) -> Result<(Vec<u8>, String), InputError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        InputError::file(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                _ => format!("cannot read the file: {e}"),
            },
        )
    })?;
    if meta.is_dir() {
        return Err(InputError::file(
            path,
            "is a directory; expected an experiment file (TOML)",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(InputError::file(
            path,
            "is larger than 64 MiB; that is not an experiment file",
        ));
    }
    let bytes = crate::error::read_limited(path, MAX_FILE_BYTES)
        .map_err(|e| InputError::file(path, format!("cannot read the file: {e}")))?
        .ok_or_else(|| {
            InputError::file(
                path,
                "is larger than 64 MiB (or never ends); that is not an experiment file",
            )
        })?;
    let source = match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_string(),
        Err(e) => {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(InputError::file(
                path,
                format!(
                    "is not valid UTF-8 (bad byte at offset {}); expected a TOML text file",
                    e.valid_up_to()
                ),
            )
            .at_line(line)
            .at_offset(e.valid_up_to() as u64));
        }
    };
    if source.trim().is_empty() {
        return Err(InputError::file(
            path,
            "is empty; expected an experiment with at least `schema`, `name`, `model` and [run]",
        ));
    }
    Ok((bytes, source))
}

fn syntax_error(origin: &str, source: &str, e: &toml::de::Error) -> InputError {
    let message = e.message().trim_end();
    if e.span().is_none() && message == "recursion limit" {
        return recursion_error(origin, source);
    }
    let mut err = InputError::new(origin, format!("TOML syntax error: {message}"));
    if let Some(span) = e.span() {
        err = err.with_snippet(source, span);
    }
    err
}

/// The TOML reader stops at keys of more dotted parts than this (and tables
/// nested deeper) and does not say where.
const TOML_NESTING_LIMIT: usize = 80;

/// The TOML reader's "recursion limit" says neither where nor what: find
/// the dotted key (in a `[table]` header or before `=`) that nests too deep.
fn recursion_error(origin: &str, source: &str) -> InputError {
    let what = format!(
        "TOML syntax error: recursion limit: the file nests tables deeper than the TOML reader allows ({TOML_NESTING_LIMIT} levels)"
    );
    match deep_key(source) {
        Some((span, parts)) => InputError::new(
            origin,
            format!("{what}: this key has {parts} dotted parts; keep keys and tables to {TOML_NESTING_LIMIT} levels or fewer"),
        )
        .with_snippet(source, span),
        None => InputError::new(origin, what),
    }
}

/// The first key of `source` with more than [`TOML_NESTING_LIMIT`] dotted
/// parts (dots inside quotes do not count): its span and its parts.
fn deep_key(source: &str) -> Option<(std::ops::Range<usize>, usize)> {
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        let start = offset + (line.len() - line.trim_start().len());
        offset += line.len();
        let key = line.trim_start();
        let key = key.trim_start_matches('[');
        let mut parts = 1;
        let mut quote: Option<char> = None;
        let mut end = key.len();
        for (i, c) in key.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '.') => parts += 1,
                (None, '=' | ']' | '#' | '\n') => {
                    end = i;
                    break;
                }
                (None, _) => {}
            }
        }
        if parts > TOML_NESTING_LIMIT {
            let lead = line.trim_start().len() - key.len();
            return Some((start..start + lead + end, parts));
        }
    }
    None
}

fn set_error(index: usize, text: &str, message: &str) -> InputError {
    InputError::new(
        "--set",
        format!("`{text}` (--set number {}): {message}", index + 1),
    )
}

struct Ctx<'a> {
    origin: &'a str,
    source: &'a str,
    spans: &'a SpanIndex<'a>,
    sets: &'a [String],
    /// The worlds of the base document and the points, each built once.
    worlds: Worlds,
    /// The price files, each read once.
    prices: PriceFiles,
}

impl<'a> Ctx<'a> {
    fn new(
        origin: &'a str,
        source: &'a str,
        spans: &'a SpanIndex<'a>,
        sets: &'a [String],
    ) -> Ctx<'a> {
        Ctx {
            origin,
            source,
            spans,
            sets,
            worlds: Worlds::new(),
            prices: PriceFiles::default(),
        }
    }

    fn deserialize(
        &self,
        table: &Table,
        overrides: &[Override],
    ) -> Result<ExperimentFile, InputError> {
        let value = Value::Table(table.clone());
        serde_path_to_error::deserialize::<_, ExperimentFile>(value).map_err(|e| {
            let path = KeyPath::from_serde(e.path());
            let message = serde_message(e.inner());
            match unknown_name(&message) {
                Some((message, true)) => self.error_at_key(&path, overrides, message),
                Some((message, false)) => self.error_at(&path, overrides, message),
                None => self.error_at(&path, overrides, message),
            }
        })
    }

    /// Semantic checks of one (base or point) document.
    fn validate(
        &self,
        file: &ExperimentFile,
        overrides: &[Override],
    ) -> Result<ExperimentSpec, InputError> {
        let fail = |key: &str, message: String| {
            self.error_at(&KeyPath::parse(key).unwrap_or_default(), overrides, message)
        };
        if file.schema != SCHEMA_VERSION {
            return Err(fail(
                "schema",
                format!(
                    "unsupported schema {}; this edgesim reads schema {SCHEMA_VERSION}",
                    file.schema
                ),
            ));
        }
        check_name(&file.name).map_err(|m| fail("name", m))?;
        check_run(file).map_err(|(key, m)| fail(&key, m))?;
        let prices = self.prices.get(file.prices.file.as_deref())?;
        let mut model =
            ModelSpec::from_file(file, &self.worlds).map_err(|(key, m)| fail(&key, m))?;
        model
            .apply_prices(&prices)
            .map_err(|(key, m)| fail(&key, m))?;
        if let Err(problems) = model.validate() {
            let (key, message) = problems.into_iter().next().unwrap_or_default();
            return Err(fail(&key, message));
        }
        check_window(&model, file.run.duration.0).map_err(|(key, m)| fail(&key, m))?;
        Ok(ExperimentSpec {
            name: file.name.clone(),
            description: file.description.clone(),
            model,
            run: file.run.clone(),
            output: file.output.clone(),
            plots: file.plot.clone(),
            prices,
        })
    }

    /// An error about `path`: located at the sweep parameter or `--set` that
    /// put the value there when one did, otherwise at the key in the file.
    fn error_at(&self, path: &KeyPath, overrides: &[Override], message: String) -> InputError {
        let culprit = overrides
            .iter()
            .rev()
            .find(|o| path.starts_with(&o.path) || (!path.is_empty() && o.path.starts_with(path)));
        match culprit {
            Some(Override {
                origin: OverrideOrigin::Set { index },
                value,
                path: set_path,
            }) => {
                let text = self.sets.get(*index).cloned().unwrap_or_default();
                InputError::new(
                    "--set",
                    format!(
                        "`{text}` sets `{set_path}` to {}: {message}",
                        display_value(value)
                    ),
                )
                .with_key(path.to_string())
            }
            Some(Override {
                origin: OverrideOrigin::Sweep { index },
                value,
                path: swept,
            }) => {
                let param = ["values", "range"]
                    .iter()
                    .filter_map(|k| KeyPath::parse(&format!("sweep.param[{index}].{k}")).ok())
                    .find(|p| self.spans.locate(p).is_some_and(|_| self.key_written(p)))
                    .unwrap_or_else(|| {
                        KeyPath::parse(&format!("sweep.param[{index}]")).unwrap_or_default()
                    });
                let message = format!(
                    "sweep value {} for `{swept}`: {message}",
                    display_value(value)
                );
                self.located(&param, message).with_key(path.to_string())
            }
            Some(Override {
                origin: OverrideOrigin::At { key, what },
                value,
                path: put,
            }) => {
                let message = format!("{what} puts {} at `{put}`: {message}", display_value(value));
                let at = KeyPath::parse(key).unwrap_or_default();
                self.located(&at, message).with_key(path.to_string())
            }
            None => self.located(path, message).with_key(path.to_string()),
        }
    }

    /// Like [`error_at`](Self::error_at), but pointing at the key itself
    /// (not its value) when the file wrote it: for an unknown key.
    fn error_at_key(&self, path: &KeyPath, overrides: &[Override], message: String) -> InputError {
        let from_override = overrides
            .iter()
            .any(|o| path.starts_with(&o.path) || (!path.is_empty() && o.path.starts_with(path)));
        match self.spans.locate_key(path) {
            Some(span) if !from_override => InputError::new(self.origin, message)
                .with_snippet(self.source, span)
                .with_key(path.to_string()),
            _ => self.error_at(path, overrides, message),
        }
    }

    /// The points of a search (every candidate in the base design and each
    /// scenario), each deserialized and validated; then the metric names
    /// of constraints and objective checked against what the model reports.
    /// The sweep of `base`, checked against the base document: its lists,
    /// the plots, SLOs and headline, and the number of runs.
    fn swept(
        &self,
        mut table: Table,
        base: &ExperimentFile,
        mut base_spec: ExperimentSpec,
        applied: Vec<Override>,
        sets: &[String],
    ) -> Result<Swept, InputError> {
        let fixed: Vec<KeyPath> = applied.iter().map(|o| o.path.clone()).collect();
        let (lists, replaced) = base.sweep.lists_fixing(&fixed).map_err(|e| {
            let key =
                KeyPath::parse(&format!("sweep.param[{}].{}", e.index, e.key)).unwrap_or_default();
            self.error_at(&key, &applied, e.message)
        })?;
        let sweep_paths: Vec<String> = lists.paths.iter().map(|p| p.to_string()).collect();
        let notes = without_replaced(&mut base_spec, &replaced, &applied, sets, &sweep_paths);
        plotspec::check_plots(&base_spec.plots, &sweep_paths)
            .and_then(|()| plotspec::check_slos(&base.output.slo))
            .and_then(|()| plotspec::check_headline(&base.output.headline))
            .map_err(|(key, m)| {
                self.error_at(&KeyPath::parse(&key).unwrap_or_default(), &applied, m)
            })?;
        let runs = lists.len() as u64 * base_spec.run.replications as u64;
        if runs > MAX_RUNS {
            return Err(self.error_at(
                &KeyPath::parse("run.replications").unwrap_or_default(),
                &applied,
                format!("the experiment plans {runs} runs; at most {MAX_RUNS} are allowed"),
            ));
        }
        table.remove("sweep");
        Ok(Swept {
            unswept: table,
            applied,
            base_spec,
            lists,
            sweep_paths,
            notes,
        })
    }

    /// Point `index` of the sweep, made and validated.
    fn point(&self, swept: &Swept, index: usize) -> Result<Point, InputError> {
        let point_overrides = swept.lists.point(index);
        let mut point_table = swept.unswept.clone();
        for o in &point_overrides {
            overrides::apply(&mut point_table, &o.path, o.value.clone())
                .map_err(|m| self.error_at(&o.path, &point_overrides, m))?;
        }
        let mut all = swept.applied.clone();
        all.extend(point_overrides.iter().cloned());
        let file = self.deserialize(&point_table, &all)?;
        let mut spec = self.validate(&file, &all)?;
        spec.plots.clone_from(&swept.base_spec.plots);
        let values = point_overrides
            .iter()
            .map(|o| display_value(&o.value))
            .collect();
        Ok(Point {
            index,
            values,
            spec,
        })
    }

    fn search_points(
        &self,
        table: &Table,
        spec: &SearchSpec,
        base: &ExperimentFile,
        mut base_spec: ExperimentSpec,
        sets: &[Override],
    ) -> Result<(Search, ExperimentSpec, Vec<Point>), InputError> {
        let fail =
            |key: &str, m: String| self.error_at(&KeyPath::parse(key).unwrap_or_default(), sets, m);
        search_conflicts(table, base).map_err(|(k, m)| fail(&k, m))?;
        let search = Search::from_spec(spec).map_err(|(k, m)| fail(&k, m))?;
        let max = search.max_replications;
        let total = search.candidates() * search.points_per_candidate();
        if total as u64 * max as u64 > MAX_RUNS {
            return Err(fail(
                "search.max_replications",
                format!(
                    "{total} candidates times scenarios at up to {max} replications is more than {MAX_RUNS} runs; narrow the search or lower max_replications"
                ),
            ));
        }
        let mut points = Vec::with_capacity(total);
        for c in 0..search.candidates() {
            for s in 0..search.points_per_candidate() {
                let overrides = search_overrides(&search, c, s);
                let mut point_table = table.clone();
                for o in &overrides {
                    overrides::apply(&mut point_table, &o.path, o.value.clone())
                        .map_err(|m| self.error_at(&o.path, &overrides, m))?;
                }
                let mut all = sets.to_vec();
                all.extend(overrides.iter().cloned());
                let file = self.deserialize(&point_table, &all)?;
                let mut point_spec = self.validate(&file, &all)?;
                point_spec.run.replications = max;
                let mut values: Vec<String> = overrides
                    .iter()
                    .take(search.variables.len())
                    .map(|o| display_value(&o.value))
                    .collect();
                if !search.scenarios.is_empty() {
                    values.push(
                        s.checked_sub(1)
                            .map_or("base".into(), |j| search.scenarios[j].name.clone()),
                    );
                }
                points.push(Point {
                    index: points.len(),
                    values,
                    spec: point_spec,
                });
            }
        }
        if let Some(first) = points.first() {
            check_search_metrics(&search, &first.spec).map_err(|(k, m)| fail(&k, m))?;
        }
        base_spec.run.replications = max;
        Ok((search, base_spec, points))
    }

    /// True when the last key of `path` itself is written in the file.
    fn key_written(&self, path: &KeyPath) -> bool {
        let Some(parent) = path.0.split_last().map(|(_, p)| KeyPath(p.to_vec())) else {
            return false;
        };
        self.spans.locate(path) != self.spans.locate(&parent)
    }

    fn located(&self, path: &KeyPath, message: String) -> InputError {
        let err = InputError::new(self.origin, message);
        match self.spans.locate(path) {
            Some(span) => err.with_snippet(self.source, span),
            None => err,
        }
    }
}

/// A serde message without the "in `key`" context the TOML value
/// deserializer appends (the key is reported separately).
fn serde_message(e: &toml::de::Error) -> String {
    let text = e.to_string();
    let text = text.split("\nin `").next().unwrap_or(&text);
    text.trim_end().to_string()
}

/// serde's "unknown field `x`, expected one of `a`, `b`" (or "unknown
/// variant") rewritten with the nearest names first: the new message, and
/// whether it is about a key (true) or a value (false).
fn unknown_name(message: &str) -> Option<(String, bool)> {
    let (is_key, what) = if message.starts_with("unknown field `") {
        (true, "key")
    } else if message.starts_with("unknown variant `") {
        (false, "value")
    } else {
        return None;
    };
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let (word, expected) = quoted.split_first()?;
    let mut text = format!("unknown {what} `{word}`");
    if let Some(hint) = suggest::did_you_mean(word, expected.iter().copied()) {
        text.push_str(&format!("; {hint}"));
    }
    if expected.is_empty() {
        text.push_str("; this table takes no keys");
    } else {
        text.push_str(&format!("; expected one of: {}", expected.join(", ")));
    }
    Some((text, is_key))
}

/// The experiment of a search, from its points.
fn search_experiment(
    (search, spec, points): (Search, ExperimentSpec, Vec<Point>),
    path: &Path,
    bytes: &[u8],
    source: String,
    sets: &[String],
) -> Experiment {
    let mut sweep_paths: Vec<String> = search
        .variables
        .iter()
        .map(|v| v.path.to_string())
        .collect();
    if !search.scenarios.is_empty() {
        sweep_paths.push("scenario".into());
    }
    Experiment {
        path: path.to_path_buf(),
        sha256: hex(&Sha256::digest(bytes)),
        source,
        sets: sets.to_vec(),
        spec,
        sweep_paths,
        points,
        notes: Vec::new(),
        search: Some(search),
    }
}

/// What a search file may not also have: a sweep, `run.replications`
/// (the search chooses them), charts and SLOs of a sweep.
fn search_conflicts(table: &Table, base: &ExperimentFile) -> Result<(), (String, String)> {
    if !base.sweep.param.is_empty() {
        return Err((
            "sweep".into(),
            "a file with [search] cannot also have [[sweep.param]]: the search chooses the points; give the values to [[search.param]] instead".into(),
        ));
    }
    let written = |t: &str, k: &str| table.get(t).and_then(|v| v.get(k)).is_some();
    if written("run", "replications") {
        return Err((
            "run.replications".into(),
            "a search adds replications itself, from search.min_replications to search.max_replications; remove run.replications".into(),
        ));
    }
    if !base.plot.is_empty() {
        return Err((
            "plot".into(),
            "a search draws its own chart of the objective and constraints; [[plot]] is for sweeps"
                .into(),
        ));
    }
    if !base.output.slo.is_empty() {
        return Err((
            "output.slo".into(),
            "a search judges [[search.constraint]]s; [[output.slo]] is for sweeps".into(),
        ));
    }
    Ok(())
}

/// The overrides of candidate `c` in point `s` (0 = base design): the
/// parameter values, then the scenario's `set`.
fn search_overrides(search: &Search, c: usize, s: usize) -> Vec<Override> {
    let mut out: Vec<Override> = search
        .variables
        .iter()
        .zip(search.indices(c))
        .enumerate()
        .map(|(i, (v, ix))| Override {
            path: v.path.clone(),
            value: v.values[ix].clone(),
            origin: OverrideOrigin::At {
                key: format!("search.param[{i}]"),
                what: format!("[[search.param]] number {}", i + 1),
            },
        })
        .collect();
    if let Some(j) = s.checked_sub(1) {
        let scenario = &search.scenarios[j];
        out.extend(scenario.sets.iter().map(|(path, value)| Override {
            path: path.clone(),
            value: value.clone(),
            origin: OverrideOrigin::At {
                key: format!("search.scenario[{j}].set"),
                what: format!("scenario \"{}\"", scenario.name),
            },
        }));
    }
    out
}

/// The metrics of constraints and objective must be ones the model
/// reports: a run of a millisecond of `spec` says which. (A model that
/// cannot run that briefly is not checked here; one that panics stops the
/// search.)
fn check_search_metrics(search: &Search, spec: &ExperimentSpec) -> Result<(), (String, String)> {
    let Some(names) = super::runner::metric_names(spec).map_err(|m| ("search".to_string(), m))?
    else {
        return Ok(());
    };
    let unknown = |name: &str| !names.iter().any(|n| n == name);
    let listed = || {
        let mut shown: Vec<&str> = names.iter().map(String::as_str).take(40).collect();
        if names.len() > shown.len() {
            shown.push("...");
        }
        shown.join(", ")
    };
    let model = spec.model.name();
    for (k, c) in search.constraints.iter().enumerate() {
        if unknown(&c.metric) {
            return Err((
                format!("search.constraint[{k}].metric"),
                format!(
                    "model \"{model}\" reports no metric \"{}\"; it reports {}",
                    c.metric,
                    listed()
                ),
            ));
        }
    }
    if let Objective::Metric(m) = &search.objective
        && unknown(m)
    {
        return Err((
            "search.minimize".into(),
            format!(
                "\"{m}\" is neither a [[search.param]] path nor a metric model \"{model}\" reports; it reports {}",
                listed()
            ),
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{name}` cannot name an output folder; use 1 to 100 letters, digits, `-`, `_` or `.` (not first)"
        ))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `[run]` and time-series values of one document: (key, message) of
/// the first bad one.
fn check_run(file: &ExperimentFile) -> Result<(), (String, String)> {
    let run = &file.run;
    if run.replications == 0 || run.replications > MAX_REPLICATIONS {
        return Err((
            "run.replications".into(),
            format!(
                "expected between 1 and {MAX_REPLICATIONS} replications, got {}",
                run.replications
            ),
        ));
    }
    if run.duration.0.as_nanos() == 0 {
        return Err((
            "run.duration".into(),
            "the duration must be greater than zero, e.g. \"10min\"".into(),
        ));
    }
    if run.warmup.fixed() >= run.duration.0 {
        return Err((
            "run.warmup".into(),
            format!(
                "the warm-up ({}) must be shorter than the duration ({})",
                run.warmup, run.duration
            ),
        ));
    }
    let bounds = [
        ("max_events", run.max_events),
        ("max_pending_events", run.max_pending_events),
        ("max_queued", run.max_queued),
    ];
    if let Some((key, _)) = bounds.iter().find(|(_, b)| b.is_some_and(|m| m.0 == 0)) {
        return Err((format!("run.{key}"), format!("`{key}` must be at least 1")));
    }
    if let Some(step) = file.output.timeseries_step {
        let points = run.duration.0.as_nanos() / step.0.as_nanos().max(1);
        if step.0.as_nanos() == 0 || points > 1_000_000 {
            return Err(("output.timeseries_step".into(), "the time-series step must be greater than zero and give at most 1,000,000 points per run".into()));
        }
    }
    Ok(())
}

/// Model parameters that must fall inside the run (a CDN purge's `at`), and
/// runs a model's state can hold (a push run's horizon).
fn check_window(
    model: &ModelSpec,
    horizon: crate::engine::SimTime,
) -> Result<(), (String, String)> {
    match model {
        ModelSpec::Push(point) => {
            crate::models::push::client::window_problem(point.params(), horizon).map_or(Ok(()), Err)
        }
        ModelSpec::Cdn(point) => {
            match crate::models::cdn::purge::window_problem(point.params(), horizon) {
                Some((key, m)) => Err((format!("cdn.{key}"), m)),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}
