//! `[search]` in an experiment file: the decision variables, constraints,
//! objective and scenarios of a capacity search, checked and expanded into
//! candidates. A search replaces the sweep: its points are every candidate
//! (the grid of the parameters' values, first parameter outermost) times
//! the base design and each scenario, and its run plan gives every point
//! `max_replications` slots, of which the search runs only those it needs
//! (`experiment::bisect` decides which; `batch::search` runs them).

use super::runner::panic_text;
use serde::Deserialize;
use toml::{Table, Value};

use super::path::KeyPath;
use crate::units::parse_bytes;

/// Replications a candidate starts with when the file says nothing.
pub const DEFAULT_MIN_REPLICATIONS: u32 = 4;
/// Replications a candidate may grow to when the file says nothing.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 32;
/// The most replications one candidate may be given.
pub const MAX_SEARCH_REPLICATIONS: u32 = 1000;
/// The most points (candidates times scenarios, base included) a search
/// may span: each is validated before anything runs.
pub const MAX_SEARCH_POINTS: usize = 20_000;
/// The most scenarios.
pub const MAX_SCENARIOS: usize = 32;

/// `[search]`, as written.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSpec {
    /// A metric (mean over the base design's replications) or the path of
    /// a `[[search.param]]`.
    pub minimize: String,
    /// Confidence of the one-sided bounds that decide the constraints.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    #[serde(default)]
    pub min_replications: Option<u32>,
    #[serde(default)]
    pub max_replications: Option<u32>,
    #[serde(default)]
    pub param: Vec<SearchParam>,
    #[serde(default)]
    pub constraint: Vec<ConstraintSpec>,
    #[serde(default)]
    pub scenario: Vec<ScenarioSpec>,
}

fn default_confidence() -> f64 {
    0.95
}

/// `[[search.param]]`: a key path and its candidate values.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchParam {
    pub path: String,
    /// Categories (or any values), each tried.
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    /// An ordered range of integers or sizes, searched by bisection.
    #[serde(default)]
    pub range: Option<SearchRange>,
}

/// `range = { from = 2, to = 400 }` (step 1), or sizes with a step:
/// `{ from = "16MiB", to = "1GiB", step = "16MiB" }`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchRange {
    pub from: Value,
    pub to: Value,
    #[serde(default)]
    pub step: Option<Value>,
}

/// `[[search.constraint]]`: a metric with `max` or `min`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintSpec {
    pub metric: String,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub min: Option<f64>,
}

/// `[[search.scenario]]`: overrides, each `"key.path" = value` as `--set`
/// would apply it, under which every constraint must hold too.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    pub set: Table,
}

/// One decision variable, expanded.
#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub path: KeyPath,
    pub values: Vec<Value>,
    /// Numeric position of each value (bytes for sizes; NaN for a category).
    pub positions: Vec<f64>,
    /// True for a `range`: ordered, and assumed monotone.
    pub ordered: bool,
}

/// A constraint, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub metric: String,
    pub limit: f64,
    /// True for `max` (the metric must stay at or below the limit).
    pub upper: bool,
}

/// A scenario, checked: its name and its overrides in file order.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub sets: Vec<(KeyPath, Value)>,
}

/// What is minimised.
#[derive(Clone, Debug, PartialEq)]
pub enum Objective {
    /// The value of variable `index`.
    Param(usize),
    /// The mean of a metric over the base design's replications.
    Metric(String),
}

/// A checked search: its space, constraints, scenarios and bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Search {
    pub variables: Vec<Variable>,
    pub constraints: Vec<Constraint>,
    pub scenarios: Vec<Scenario>,
    pub objective: Objective,
    pub minimize: String,
    pub confidence: f64,
    pub min_replications: u32,
    pub max_replications: u32,
}

/// A problem: the key under `search` and what was expected.
pub type Problem = (String, String);

impl Search {
    /// Checks `spec` (everything but metric names, which need the model).
    pub fn from_spec(spec: &SearchSpec) -> Result<Search, Problem> {
        if spec.param.is_empty() {
            return Err((
                "search.param".into(),
                "a search needs at least one [[search.param]] with `path` and `range = { from, to }` or `values = [...]`".into(),
            ));
        }
        let mut variables: Vec<Variable> = Vec::new();
        for (i, p) in spec.param.iter().enumerate() {
            let v = variable(p).map_err(|(k, m)| (format!("search.param[{i}].{k}"), m))?;
            if variables.iter().any(|o| o.path == v.path) {
                return Err((
                    format!("search.param[{i}].path"),
                    format!("`{}` is searched twice", v.path),
                ));
            }
            variables.push(v);
        }
        let constraints = constraints(&spec.constraint)?;
        let scenarios = scenarios(&spec.scenario)?;
        let (min_replications, max_replications) = replications(spec)?;
        if !(spec.confidence > 0.5 && spec.confidence < 1.0) {
            return Err((
                "search.confidence".into(),
                format!(
                    "expected a confidence above 0.5 and below 1, e.g. 0.95; got {}",
                    spec.confidence
                ),
            ));
        }
        let minimize = spec.minimize.trim().to_string();
        if minimize.is_empty() {
            return Err((
                "search.minimize".into(),
                "name a metric (e.g. \"cost_per_hour\") or a [[search.param]] path".into(),
            ));
        }
        let objective = match variables
            .iter()
            .position(|v| v.path.to_string() == minimize)
        {
            Some(i) if variables[i].positions.iter().all(|p| p.is_finite()) => Objective::Param(i),
            Some(_) => {
                return Err((
                    "search.minimize".into(),
                    format!(
                        "`{minimize}` takes values that are not numbers; minimise a numeric parameter or a metric"
                    ),
                ));
            }
            None => Objective::Metric(minimize.clone()),
        };
        let search = Search {
            variables,
            constraints,
            scenarios,
            objective,
            minimize,
            confidence: spec.confidence,
            min_replications,
            max_replications,
        };
        let points = search.candidates().checked_mul(search.scenarios.len() + 1);
        if points.is_none_or(|n| n > MAX_SEARCH_POINTS) {
            return Err((
                "search.param".into(),
                format!(
                    "the search spans more than {MAX_SEARCH_POINTS} candidates times scenarios; narrow a range or give it a larger step"
                ),
            ));
        }
        Ok(search)
    }

    /// Candidates in the grid (every combination of values).
    pub fn candidates(&self) -> usize {
        self.variables
            .iter()
            .try_fold(1usize, |acc, v| acc.checked_mul(v.values.len()))
            .unwrap_or(usize::MAX)
    }

    /// The value index of every variable at candidate `c` (row-major: the
    /// last variable varies fastest).
    pub fn indices(&self, c: usize) -> Vec<usize> {
        let mut rest = c;
        let mut out = vec![0; self.variables.len()];
        for (i, v) in self.variables.iter().enumerate().rev() {
            out[i] = rest % v.values.len();
            rest /= v.values.len();
        }
        out
    }

    /// The candidate with value indices `indices`.
    pub fn candidate_of(&self, indices: &[usize]) -> usize {
        self.variables
            .iter()
            .zip(indices)
            .fold(0, |acc, (v, &i)| acc * v.values.len() + i)
    }

    /// Scenarios with the base design first: the points per candidate.
    pub fn points_per_candidate(&self) -> usize {
        self.scenarios.len() + 1
    }

    /// The point of candidate `c` in scenario `s` (0 = base design).
    pub fn point(&self, c: usize, s: usize) -> usize {
        c * self.points_per_candidate() + s
    }

    /// The variable searched by bisection: the last `range`.
    pub fn bisected(&self) -> Option<usize> {
        self.variables.iter().rposition(|v| v.ordered)
    }
}

fn variable(p: &SearchParam) -> Result<Variable, (&'static str, String)> {
    let path = KeyPath::parse(&p.path).map_err(|m| ("path", m))?;
    let (values, positions, ordered) = match (&p.values, &p.range) {
        (Some(values), None) => {
            if values.is_empty() {
                return Err((
                    "values",
                    "the list is empty; give at least one value".into(),
                ));
            }
            let positions = values.iter().map(position).collect();
            (values.clone(), positions, false)
        }
        (None, Some(range)) => {
            let (values, positions) = range_values(range)?;
            (values, positions, true)
        }
        _ => {
            return Err((
                "range",
                "give exactly one of `range = { from, to }` or `values = [...]`".into(),
            ));
        }
    };
    Ok(Variable {
        path,
        values,
        positions,
        ordered,
    })
}

/// A number's value, a size's bytes, else NaN.
fn position(v: &Value) -> f64 {
    match v {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        Value::String(s) => parse_bytes(s).map_or(f64::NAN, |b| b as f64),
        _ => f64::NAN,
    }
}

/// The most values a range may expand to.
const MAX_RANGE_VALUES: u64 = 100_000;

/// A range's values and their positions.
type Expanded = (Vec<Value>, Vec<f64>);

fn range_values(r: &SearchRange) -> Result<Expanded, (&'static str, String)> {
    let sizes = matches!(r.from, Value::String(_)) || matches!(r.to, Value::String(_));
    let read = |v: &Value, key: &'static str| -> Result<u64, (&'static str, String)> {
        match v {
            Value::Integer(i) if *i >= 0 => Ok(*i as u64),
            Value::String(s) => parse_bytes(s).map_err(|m| (key, m)),
            other => Err((
                key,
                format!(
                    "expected a whole number of at least 0 or a size such as \"64MiB\", got {other}"
                ),
            )),
        }
    };
    let from = read(&r.from, "range.from")?;
    let to = read(&r.to, "range.to")?;
    let step = match &r.step {
        Some(v) => read(v, "range.step")?,
        None if sizes => {
            return Err((
                "range.step",
                "a range of sizes needs a `step`, e.g. step = \"16MiB\"".into(),
            ));
        }
        None => 1,
    };
    if to < from {
        return Err((
            "range.to",
            format!("`to` ({}) is below `from` ({})", show(&r.to), show(&r.from)),
        ));
    }
    if step == 0 {
        return Err(("range.step", "`step` must be greater than zero".into()));
    }
    let n = (to - from) / step + 1;
    if n > MAX_RANGE_VALUES {
        return Err((
            "range.step",
            format!("the range has {n} values; at most {MAX_RANGE_VALUES} (give a larger step)"),
        ));
    }
    let numbers: Vec<u64> = (0..n).map(|i| from + i * step).collect();
    let values = numbers
        .iter()
        .map(|&b| {
            if sizes {
                Value::String(size_text(b))
            } else {
                Value::Integer(b as i64)
            }
        })
        .collect();
    Ok((values, numbers.iter().map(|&b| b as f64).collect()))
}

fn show(v: &Value) -> String {
    super::overrides::display_value(v)
}

/// A byte count in the largest binary unit that divides it exactly.
pub fn size_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 5] = [
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
        ("B", 1),
    ];
    for (unit, size) in UNITS {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

fn constraints(specs: &[ConstraintSpec]) -> Result<Vec<Constraint>, Problem> {
    if specs.is_empty() {
        return Err((
            "search.constraint".into(),
            "a search needs at least one [[search.constraint]] with `metric` and `max` or `min`"
                .into(),
        ));
    }
    let mut out = Vec::new();
    for (i, c) in specs.iter().enumerate() {
        let key = |k: &str| format!("search.constraint[{i}].{k}");
        if c.metric.trim().is_empty() {
            return Err((
                key("metric"),
                "name the metric, e.g. \"wait_s_mean\"".into(),
            ));
        }
        let (limit, upper, name) = match (c.max, c.min) {
            (Some(max), None) => (max, true, "max"),
            (None, Some(min)) => (min, false, "min"),
            _ => {
                return Err((
                    key("max"),
                    "give exactly one of `max` (an upper limit) or `min` (a lower limit)".into(),
                ));
            }
        };
        if !limit.is_finite() {
            return Err((key(name), "expected a finite number".into()));
        }
        out.push(Constraint {
            metric: c.metric.trim().to_string(),
            limit,
            upper,
        });
    }
    Ok(out)
}

fn scenarios(specs: &[ScenarioSpec]) -> Result<Vec<Scenario>, Problem> {
    if specs.len() > MAX_SCENARIOS {
        return Err((
            "search.scenario".into(),
            format!("at most {MAX_SCENARIOS} scenarios"),
        ));
    }
    let mut out: Vec<Scenario> = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let key = |k: &str| format!("search.scenario[{i}].{k}");
        let name = s.name.trim();
        let good = !name.is_empty()
            && name.len() <= 60
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '+'));
        if !good {
            return Err((
                key("name"),
                "name the scenario in 1 to 60 letters, digits, spaces, `-`, `_`, `.` or `+`".into(),
            ));
        }
        if out.iter().any(|o| o.name == name) {
            return Err((key("name"), format!("scenario \"{name}\" is named twice")));
        }
        if s.set.is_empty() {
            return Err((
                key("set"),
                "a scenario needs overrides: set = { \"key.path\" = value }".into(),
            ));
        }
        let mut sets = Vec::new();
        for (path, value) in &s.set {
            let parsed = KeyPath::parse(path).map_err(|m| (key("set"), m))?;
            sets.push((parsed, value.clone()));
        }
        out.push(Scenario {
            name: name.to_string(),
            sets,
        });
    }
    Ok(out)
}

fn replications(spec: &SearchSpec) -> Result<(u32, u32), Problem> {
    let min = spec.min_replications.unwrap_or(DEFAULT_MIN_REPLICATIONS);
    let max = spec
        .max_replications
        .unwrap_or(DEFAULT_MAX_REPLICATIONS.max(min));
    if !(2..=MAX_SEARCH_REPLICATIONS).contains(&min) {
        return Err((
            "search.min_replications".into(),
            format!(
                "expected between 2 and {MAX_SEARCH_REPLICATIONS} (a confidence bound needs two values), got {min}"
            ),
        ));
    }
    if max < min || max > MAX_SEARCH_REPLICATIONS {
        return Err((
            "search.max_replications".into(),
            format!(
                "expected between min_replications ({min}) and {MAX_SEARCH_REPLICATIONS}, got {max}"
            ),
        ));
    }
    Ok((min, max))
}

/// The metric names a probe run reports: `Ok(None)` when the model
/// returns an error (it cannot run that briefly, so the names are not
/// checked here and the search's own runs report the error), `Err` when it
/// panics, which is a bug that must stop the search, not skip the check.
/// The steady-state check's metrics come with every run and are added.
pub fn probe_metric_names(
    run: impl FnOnce() -> Result<crate::run::RunOutput, String>,
) -> Result<Option<Vec<String>>, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(output)) => {
            let mut names: Vec<String> = output.metrics.into_iter().map(|m| m.name).collect();
            names.extend(["warmup_s", "warmup_suggested_s", "warmup_ok"].map(String::from));
            Ok(Some(names))
        }
        Ok(Err(_)) => Ok(None),
        Err(panic) => {
            let what = panic_text(panic.as_ref());
            Err(format!(
                "the run of 1 ms of simulated time that learns the model's metric names panicked: {what} (a bug in edgesim; the first candidate reproduces it)"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(text: &str) -> Result<Search, Problem> {
        let spec: SearchSpec = toml::from_str(text).unwrap();
        Search::from_spec(&spec)
    }

    const BASE: &str = "minimize = \"a.n\"\n[[constraint]]\nmetric = \"m\"\nmax = 1.0\n";

    #[test]
    fn ranges_expand_to_integers_or_sizes() {
        let s = search(&format!(
            "{BASE}[[param]]\npath = \"a.s\"\nrange = {{ from = \"16MiB\", to = \"64MiB\", step = \"16MiB\" }}\n[[param]]\npath = \"a.n\"\nrange = {{ from = 2, to = 5 }}\n"
        ))
        .unwrap();
        let shown: Vec<String> = s.variables[0].values.iter().map(show).collect();
        assert_eq!(shown, ["16MiB", "32MiB", "48MiB", "64MiB"]);
        assert_eq!(s.variables[1].values.len(), 4);
        assert_eq!(s.candidates(), 16);
        assert_eq!(s.indices(6), [1, 2]);
        assert_eq!(s.candidate_of(&[1, 2]), 6);
        assert_eq!(s.bisected(), Some(1));
        assert_eq!(s.objective, Objective::Param(1));
    }

    #[test]
    fn bad_searches_name_their_key() {
        let key = |text: &str| search(text).unwrap_err().0;
        assert_eq!(key(BASE), "search.param");
        assert_eq!(
            key(&format!(
                "{BASE}[[param]]\npath = \"a.n\"\nrange = {{ from = 5, to = 2 }}\n"
            )),
            "search.param[0].range.to"
        );
        assert_eq!(
            key("minimize = \"x\"\n[[param]]\npath = \"a\"\nvalues = [1]\n"),
            "search.constraint"
        );
        assert_eq!(
            key(&format!(
                "min_replications = 1\n{BASE}[[param]]\npath = \"a.n\"\nvalues = [1]\n"
            )),
            "search.min_replications"
        );
    }
}
