//! Sweeps: the ordered `[[sweep.param]]` list expanded into parameter points.
//! The first parameter is the outermost loop (OMNeT++ convention); `grid`
//! takes the cartesian product, `zip` walks the lists in lock-step.

use serde::Deserialize;
use toml::Value;

use super::overrides::{Override, OverrideOrigin};
use super::path::KeyPath;

/// The most values one sweep parameter may take.
pub const MAX_VALUES_PER_PARAM: usize = 100_000;
/// The most points a sweep may expand to.
pub const MAX_POINTS: usize = 1_000_000;

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    #[serde(default)]
    pub mode: SweepMode,
    #[serde(default)]
    pub param: Vec<SweepParam>,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Every combination (cartesian product).
    #[default]
    Grid,
    /// The i-th value of every parameter together; all lists equally long.
    Zip,
}

/// One swept parameter: a key path and its values (a list, or a range).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepParam {
    pub path: String,
    #[serde(default)]
    pub values: Option<Vec<Value>>,
    #[serde(default)]
    pub range: Option<RangeSpec>,
}

/// `range = { from = 10, to = 100, step = 10 }` (inclusive), or
/// `{ from = 1, to = 1000, count = 4, scale = "log" }`, with an optional
/// `unit` appended to every value (`unit = "ms"` gives "10ms", ...).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RangeSpec {
    pub from: f64,
    pub to: f64,
    #[serde(default)]
    pub step: Option<f64>,
    #[serde(default)]
    pub count: Option<u32>,
    #[serde(default)]
    pub scale: Scale,
    #[serde(default)]
    pub unit: Option<String>,
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    #[default]
    Linear,
    Log,
}

/// A problem in `[[sweep.param]]` number `index`: its key (relative to the
/// param, e.g. "range.step") and what was expected.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepError {
    pub index: usize,
    pub key: &'static str,
    pub message: String,
}

/// The expanded sweep: one column per parameter, one list of overrides per point.
#[derive(Clone, Debug, PartialEq)]
pub struct Expansion {
    pub paths: Vec<KeyPath>,
    pub points: Vec<Vec<Override>>,
}

/// A swept parameter a `--set` of the same key (or of a table holding it)
/// took out of the sweep: its index in the file, its path, and how many
/// values it had (`None` when its values are themselves invalid).
#[derive(Clone, Debug, PartialEq)]
pub struct Replaced {
    pub index: usize,
    pub path: KeyPath,
    pub values: Option<usize>,
}

impl SweepSpec {
    /// Expands into points (a single point with no overrides when nothing is swept).
    pub fn expand(&self) -> Result<Expansion, SweepError> {
        self.expand_fixing(&[]).map(|(e, _)| e)
    }

    /// Expands like [`expand`](Self::expand), leaving out every parameter
    /// whose path is one of `fixed`, inside one, or holds one: a `--set` of
    /// a swept key replaces its sweep. Overrides keep the index the
    /// parameter has in the file, so errors still point at it.
    pub fn expand_fixing(
        &self,
        fixed: &[KeyPath],
    ) -> Result<(Expansion, Vec<Replaced>), SweepError> {
        let (lists, replaced) = self.lists_fixing(fixed)?;
        let points = (0..lists.len()).map(|i| lists.point(i)).collect();
        let paths = lists.paths;
        Ok((Expansion { paths, points }, replaced))
    }

    /// The swept value lists (with the parameters `fixed` leaves out, as
    /// in [`expand_fixing`](Self::expand_fixing)), checked, without making
    /// the points: [`Lists::point`] makes one at a time.
    pub fn lists_fixing(&self, fixed: &[KeyPath]) -> Result<(Lists, Vec<Replaced>), SweepError> {
        let mut lists = Lists {
            mode: self.mode,
            paths: Vec::new(),
            indices: Vec::new(),
            values: Vec::new(),
        };
        let mut replaced = Vec::new();
        for (index, param) in self.param.iter().enumerate() {
            let fail = |key: &'static str, message: String| SweepError {
                index,
                key,
                message,
            };
            let path = KeyPath::parse(&param.path).map_err(|m| fail("path", m))?;
            if let Some(why) = unsweepable(&path) {
                return Err(fail("path", why));
            }
            if lists.paths.contains(&path) {
                return Err(fail("path", format!("`{path}` is swept twice")));
            }
            if fixed
                .iter()
                .any(|f| path.starts_with(f) || f.starts_with(&path))
            {
                replaced.push(Replaced {
                    index,
                    values: param_values(param).ok().map(|v| v.len()),
                    path,
                });
                continue;
            }
            let values = param_values(param).map_err(|(key, m)| fail(key, m))?;
            lists.paths.push(path);
            lists.indices.push(index);
            lists.values.push(values);
        }
        match self.mode {
            SweepMode::Grid => grid_total(&lists.values)?,
            SweepMode::Zip => zip_total(&lists.indices, &lists.values)?,
        };
        Ok((lists, replaced))
    }
}

/// The swept parameters and their values, checked: the points of the
/// sweep are made from them one at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Lists {
    pub mode: SweepMode,
    pub paths: Vec<KeyPath>,
    /// Each parameter's index in the file's `[[sweep.param]]`.
    pub indices: Vec<usize>,
    pub values: Vec<Vec<Value>>,
}

impl Lists {
    /// How many points the sweep has (1 when nothing is swept).
    pub fn len(&self) -> usize {
        match self.mode {
            SweepMode::Grid => self.values.iter().map(Vec::len).product(),
            SweepMode::Zip => self.values.first().map_or(1, Vec::len),
        }
    }

    /// Never: a sweep has at least one point.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Which value of each parameter point `point` takes. In a grid the
    /// first parameter is the outermost loop (the last varies fastest).
    pub fn choice(&self, point: usize) -> Vec<usize> {
        match self.mode {
            SweepMode::Zip => vec![point; self.values.len()],
            SweepMode::Grid => {
                let mut rest = point;
                let mut choice = vec![0; self.values.len()];
                for (i, list) in self.values.iter().enumerate().rev() {
                    choice[i] = rest % list.len();
                    rest /= list.len();
                }
                choice
            }
        }
    }

    /// The overrides of point `point` (below [`len`](Self::len)).
    pub fn point(&self, point: usize) -> Vec<Override> {
        self.choice(point)
            .into_iter()
            .enumerate()
            .map(|(i, j)| Override {
                path: self.paths[i].clone(),
                value: self.values[i][j].clone(),
                origin: OverrideOrigin::Sweep {
                    index: self.indices[i],
                },
            })
            .collect()
    }

    /// The points that hold every distinct override: in a zip sweep every
    /// point; in a grid of at most `exact` points every point; in a larger
    /// grid each value of each parameter once (the point where every other
    /// parameter takes its first value) and, for each pair of parameters,
    /// the point where both take their last value. In order, each once.
    pub fn distinct_points(&self, exact: usize) -> Vec<usize> {
        let total = self.len();
        if self.mode == SweepMode::Zip || total <= exact {
            return (0..total).collect();
        }
        // The stride of parameter i: how many points one step of it skips.
        let mut strides = vec![1usize; self.values.len()];
        for i in (0..self.values.len().saturating_sub(1)).rev() {
            strides[i] = strides[i + 1] * self.values[i + 1].len();
        }
        let mut points = std::collections::BTreeSet::from([0]);
        for (i, list) in self.values.iter().enumerate() {
            points.extend((1..list.len()).map(|v| v * strides[i]));
            for (j, other) in self.values.iter().enumerate().skip(i + 1) {
                points.insert((list.len() - 1) * strides[i] + (other.len() - 1) * strides[j]);
            }
        }
        points.into_iter().collect()
    }
}

/// Why `path` cannot be swept, if it cannot: the sweep itself (its mode,
/// its parameters) is read before any point exists, and the replications
/// of every point are the file's `run.replications` (a point cannot have
/// its own).
fn unsweepable(path: &KeyPath) -> Option<String> {
    let text = path.to_string();
    if text == "sweep" || text.starts_with("sweep.") {
        return Some(format!(
            "`{text}` is part of the sweep itself and cannot be swept"
        ));
    }
    if text == "run" || text == "run.replications" {
        return Some(format!(
            "`{text}` cannot be swept: every point runs `run.replications` replications; \
             set it with `--set run.replications=N` instead"
        ));
    }
    None
}

fn param_values(param: &SweepParam) -> Result<Vec<Value>, (&'static str, String)> {
    let values = match (&param.values, &param.range) {
        (Some(values), None) => values.clone(),
        (None, Some(range)) => range_values(range)?,
        _ => {
            return Err((
                "values",
                "give exactly one of `values = [...]` or `range = { from, to, step }`".into(),
            ));
        }
    };
    if values.is_empty() {
        return Err((
            "values",
            "the list of values is empty; give at least one".into(),
        ));
    }
    if values.len() > MAX_VALUES_PER_PARAM {
        return Err((
            "values",
            format!(
                "{} values is too many (at most {MAX_VALUES_PER_PARAM})",
                values.len()
            ),
        ));
    }
    for v in &values {
        if let Value::Float(f) = v
            && !f.is_finite()
        {
            return Err(("values", format!("{f} is not a finite number")));
        }
    }
    Ok(values)
}

fn range_values(range: &RangeSpec) -> Result<Vec<Value>, (&'static str, String)> {
    let RangeSpec {
        from,
        to,
        step,
        count,
        scale,
        unit,
    } = range;
    if !from.is_finite() || !to.is_finite() {
        return Err(("range", "`from` and `to` must be finite numbers".into()));
    }
    if to < from {
        return Err(("range.to", format!("`to` ({to}) is below `from` ({from})")));
    }
    let numbers: Vec<f64> = match (step, count, scale) {
        (Some(step), None, Scale::Linear) => {
            if !step.is_finite() || *step <= 0.0 {
                return Err((
                    "range.step",
                    "`step` must be a number greater than zero".into(),
                ));
            }
            let n = ((to - from) / step + 1e-9).floor() + 1.0;
            if n > MAX_VALUES_PER_PARAM as f64 {
                return Err((
                    "range.step",
                    format!("the range has {n} values; at most {MAX_VALUES_PER_PARAM}"),
                ));
            }
            (0..n as usize).map(|i| from + i as f64 * step).collect()
        }
        (None, Some(count), scale) => {
            let n = *count as usize;
            if n == 0 || n > MAX_VALUES_PER_PARAM {
                return Err((
                    "range.count",
                    format!("`count` must be between 1 and {MAX_VALUES_PER_PARAM}"),
                ));
            }
            if *scale == Scale::Log && *from <= 0.0 {
                return Err((
                    "range.from",
                    "a log-scale range needs `from` greater than zero".into(),
                ));
            }
            spaced(*from, *to, n, *scale)
        }
        (Some(_), None, Scale::Log) => {
            return Err((
                "range.scale",
                "a log-scale range takes `count`, not `step`".into(),
            ));
        }
        _ => return Err(("range", "give exactly one of `step` or `count`".into())),
    };
    let integral = *scale == Scale::Linear
        && from.fract() == 0.0
        && step.is_none_or(|s| s.fract() == 0.0)
        && numbers.iter().all(|v| v.fract() == 0.0 && v.abs() < 9.0e15);
    Ok(numbers
        .into_iter()
        .map(|v| match (unit, integral) {
            (Some(unit), _) => Value::String(format!("{}{unit}", tidy(v))),
            (None, true) => Value::Integer(v as i64),
            (None, false) => Value::Float(tidy(v)),
        })
        .collect())
}

fn spaced(from: f64, to: f64, n: usize, scale: Scale) -> Vec<f64> {
    if n == 1 {
        return vec![from];
    }
    (0..n)
        .map(|i| {
            let f = i as f64 / (n - 1) as f64;
            match scale {
                Scale::Linear => from + f * (to - from),
                Scale::Log => (from.ln() + f * (to.ln() - from.ln())).exp(),
            }
        })
        .collect()
}

/// Rounds away binary noise (0.30000000000000004 -> 0.3), keeping 12 digits.
fn tidy(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

/// Checks that a grid of these lists has at most [`MAX_POINTS`] points.
fn grid_total(lists: &[Vec<Value>]) -> Result<usize, SweepError> {
    let total = lists.iter().try_fold(1usize, |acc, l| {
        acc.checked_mul(l.len()).filter(|&n| n <= MAX_POINTS)
    });
    total.ok_or_else(|| SweepError {
        index: 0,
        key: "values",
        message: format!("the sweep expands to more than {MAX_POINTS} points"),
    })
}

/// Checks that the lists of a zip sweep are equally long.
fn zip_total(indices: &[usize], lists: &[Vec<Value>]) -> Result<usize, SweepError> {
    let Some(first) = lists.first() else {
        return Ok(1);
    };
    for (i, list) in lists.iter().enumerate() {
        if list.len() != first.len() {
            return Err(SweepError {
                index: indices[i],
                key: "values",
                message: format!(
                    "zip mode needs lists of equal length: this one has {}, the first has {}",
                    list.len(),
                    first.len()
                ),
            });
        }
    }
    Ok(first.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> SweepSpec {
        toml::from_str(text).unwrap()
    }

    fn shown(e: &Expansion) -> Vec<String> {
        e.points
            .iter()
            .map(|p| {
                p.iter()
                    .map(|o| super::super::overrides::display_value(&o.value))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    }

    #[test]
    fn grid_is_row_major_with_first_param_outermost() {
        let s = spec(
            "[[param]]\npath = \"a\"\nvalues = [1, 2]\n[[param]]\npath = \"b\"\nvalues = [\"x\", \"y\", \"z\"]\n",
        );
        let e = s.expand().unwrap();
        assert_eq!(shown(&e), ["1,x", "1,y", "1,z", "2,x", "2,y", "2,z"]);
    }

    #[test]
    fn zip_walks_in_lock_step() {
        let s = spec(
            "mode = \"zip\"\n[[param]]\npath = \"a\"\nvalues = [1, 2]\n[[param]]\npath = \"b\"\nvalues = [3, 4]\n",
        );
        assert_eq!(shown(&s.expand().unwrap()), ["1,3", "2,4"]);
        let bad = spec(
            "mode = \"zip\"\n[[param]]\npath = \"a\"\nvalues = [1]\n[[param]]\npath = \"b\"\nvalues = [3, 4]\n",
        );
        assert_eq!(bad.expand().unwrap_err().index, 1);
    }

    #[test]
    fn ranges() {
        let s = spec("[[param]]\npath = \"a\"\nrange = { from = 10, to = 50, step = 20 }\n");
        assert_eq!(shown(&s.expand().unwrap()), ["10", "30", "50"]);
        let s = spec("[[param]]\npath = \"a\"\nrange = { from = 0.1, to = 0.3, step = 0.1 }\n");
        assert_eq!(shown(&s.expand().unwrap()), ["0.1", "0.2", "0.3"]);
        let s = spec(
            "[[param]]\npath = \"a\"\nrange = { from = 1, to = 100, count = 3, scale = \"log\", unit = \"ms\" }\n",
        );
        assert_eq!(shown(&s.expand().unwrap()), ["1ms", "10ms", "100ms"]);
        let s = spec("[[param]]\npath = \"a\"\nrange = { from = 1, to = 0, step = 1 }\n");
        assert!(s.expand().is_err());
    }

    #[test]
    fn a_large_grid_checks_each_value_once() {
        let values = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let s = spec(&format!(
            "[[param]]\npath = \"a\"\nvalues = [{}]\n[[param]]\npath = \"b\"\nvalues = [{}]\n",
            values(1000),
            values(1000)
        ));
        let (lists, _) = s.lists_fixing(&[]).unwrap();
        assert_eq!(lists.len(), 1_000_000);
        let points = lists.distinct_points(10_000);
        // Point 0, 999 other values of each, and the corner (999, 999).
        assert_eq!(points.len(), 1 + 999 + 999 + 1);
        let mut seen = [vec![false; 1000], vec![false; 1000]];
        for &p in &points {
            let choice = lists.choice(p);
            seen[0][choice[0]] = true;
            seen[1][choice[1]] = true;
        }
        assert!(seen.iter().all(|s| s.iter().all(|&b| b)));
        assert!(points.contains(&999_999));
        // Small grids and zips are checked point by point.
        assert_eq!(lists.distinct_points(1_000_000).len(), 1_000_000);
        assert_eq!(lists.choice(1001), [1, 1]);
    }

    #[test]
    fn no_params_is_one_point() {
        let e = SweepSpec::default().expand().unwrap();
        assert_eq!(e.points, vec![Vec::<Override>::new()]);
    }

    #[test]
    fn empty_and_duplicate_lists_are_errors() {
        let s = spec("[[param]]\npath = \"a\"\nvalues = []\n");
        assert_eq!(s.expand().unwrap_err().key, "values");
        let s =
            spec("[[param]]\npath = \"a\"\nvalues = [1]\n[[param]]\npath = \"a\"\nvalues = [2]\n");
        assert_eq!(s.expand().unwrap_err().key, "path");
    }
}
