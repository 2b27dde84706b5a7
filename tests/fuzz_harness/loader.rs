//! Fuzz target `loader`: the experiment loader with `--set` overrides.
//! Inputs are the shipped experiment files, parsed to TOML trees and
//! mutated structurally (values replaced by edge numbers, units, wrong
//! types, keys removed or added from the corpus's own key names, tables
//! nested deep), then sometimes damaged as text; zero to three `--set`
//! overrides are drawn from the file's own key paths. The contract: no
//! panic, and an `Err` names where the problem is (a line or a key, or
//! `--set`/the command line) and what is wrong.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use super::draw::Gen;

/// The shipped experiments and the seeds of `tests/fuzz_harness/seeds`
/// (keys no shipped experiment uses), each as text and tree, and every
/// key name and dotted path they use.
pub struct Corpus {
    files: Vec<(PathBuf, String, Table)>,
    keys: Vec<String>,
    paths: Vec<Vec<String>>,
}

impl Corpus {
    pub fn load(root: &Path) -> Corpus {
        let mut names: Vec<PathBuf> = Vec::new();
        for dir in [
            "experiments",
            "experiments/validation",
            "tests/fuzz_harness/seeds",
        ] {
            for entry in std::fs::read_dir(root.join(dir)).expect("experiments/ is there") {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    names.push(path);
                }
            }
        }
        names.sort();
        let mut corpus = Corpus {
            files: Vec::new(),
            keys: Vec::new(),
            paths: Vec::new(),
        };
        for path in names {
            let text = std::fs::read_to_string(&path).unwrap();
            let table: Table = toml::from_str(&text).unwrap();
            let mut paths = Vec::new();
            collect_paths(&table, "", &mut paths, &mut corpus.keys);
            corpus.paths.push(paths);
            corpus.files.push((path, text, table));
        }
        corpus.keys.sort();
        corpus.keys.dedup();
        corpus
    }
}

fn collect_paths(table: &Table, prefix: &str, paths: &mut Vec<String>, keys: &mut Vec<String>) {
    for (key, value) in table {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        keys.push(key.clone());
        match value {
            Value::Table(t) => collect_paths(t, &path, paths, keys),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(t) = item {
                        collect_paths(t, &format!("{path}[{i}]"), paths, keys);
                    }
                }
                paths.push(path);
            }
            _ => paths.push(path),
        }
    }
}

/// One generated input: the file it stands for, its text, its `--set`s.
pub struct Input {
    pub path: PathBuf,
    pub text: String,
    pub sets: Vec<String>,
}

impl Input {
    pub fn describe(&self) -> String {
        let mut out = format!("file {} with --set {:?}:\n", self.path.display(), self.sets);
        out.push_str(&self.text);
        out
    }
}

const UNITS: [&str; 16] = [
    "", "s", "ms", "us", "ns", "h", "d", "/s", "k/s", "M/s", "MB", "GiB", "B", "%", "x", "/h",
];

/// A value of any type, near the edges.
pub fn value(g: &mut Gen, depth: u32) -> Value {
    match g.below(if depth > 2 { 5 } else { 8 }) {
        0 => Value::Integer(*g.pick(&[0, 1, -1, 2, i64::MAX, i64::MIN, 1 << 40, 1000])),
        1 => Value::Float(*g.pick(&[0.0, -0.0, 0.5, 1.0, 1e-300, 1e308, f64::INFINITY, f64::NAN])),
        2 => Value::String(format!("{}{}", g.edge_number(), g.pick(&UNITS))),
        3 => Value::String(
            g.pick(&[
                "",
                "\0",
                "é∞",
                "1 s",
                "-5s",
                "1e15/s",
                "auto",
                "none",
                "max-age=0",
            ])
            .to_string(),
        ),
        4 => Value::Boolean(g.chance(0.5)),
        5 => Value::Array((0..g.below(4)).map(|_| value(g, depth + 1)).collect()),
        6 => {
            let mut t = Table::new();
            for _ in 0..g.below(3) {
                t.insert(format!("k{}", g.below(5)), value(g, depth + 1));
            }
            Value::Table(t)
        }
        _ => Value::String("a".repeat(g.range(100, 5000) as usize)),
    }
}

/// Changes one place in `table`, chosen by a random walk down it.
fn mutate(g: &mut Gen, table: &mut Table, keys: &[String]) {
    if !table.is_empty() && g.chance(0.6) {
        let key = table.keys().nth(g.index(table.len())).unwrap().clone();
        match table.get_mut(&key).unwrap() {
            Value::Table(t) => return mutate(g, t, keys),
            Value::Array(items) if !items.is_empty() && g.chance(0.7) => {
                let i = g.index(items.len());
                if let Value::Table(t) = &mut items[i] {
                    return mutate(g, t, keys);
                }
            }
            _ => {}
        }
    }
    edit(g, table, keys);
}

/// A value like `old` (same type, same unit) with an edge number in it.
fn perturb(g: &mut Gen, old: &Value) -> Value {
    match old {
        Value::Integer(_) => Value::Integer(*g.pick(&[0, 1, -1, 2, 3, 1000, i64::MAX, 1 << 31])),
        Value::Float(_) => Value::Float(*g.pick(&[0.0, 1.0, -0.5, 0.999, 1.0001, 1e9, f64::NAN])),
        Value::String(s) => {
            let unit = s.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
            let number = g.pick(&[
                "0", "1", "0.001", "1e-9", "1e15", "2", "1000000", "-3", "0.5",
            ]);
            Value::String(format!("{number}{unit}"))
        }
        Value::Array(items) if !items.is_empty() => {
            let mut items = items.clone();
            let i = g.index(items.len());
            items[i] = perturb(g, &items[i]);
            Value::Array(items)
        }
        other => other.clone(),
    }
}

fn edit(g: &mut Gen, table: &mut Table, keys: &[String]) {
    let existing: Option<String> =
        (!table.is_empty()).then(|| table.keys().nth(g.index(table.len())).unwrap().clone());
    if let Some(key) = existing.as_ref().filter(|_| g.chance(0.6)) {
        let new = perturb(g, &table[key]);
        table.insert(key.clone(), new);
        return;
    }
    match (g.below(6), existing) {
        (0, Some(key)) => {
            table.remove(&key);
        }
        (1, Some(key)) => {
            let v = value(g, 0);
            table.insert(key, v);
        }
        (2, Some(key)) => {
            let old = table.remove(&key).unwrap();
            let wrapped = if g.chance(0.5) {
                Value::Array(vec![old.clone(), old])
            } else {
                Value::Table(Table::from_iter([("x".to_string(), old)]))
            };
            table.insert(key, wrapped);
        }
        (3, _) => {
            let mut deep = value(g, 3);
            for _ in 0..g.range(1, 100) {
                deep = Value::Table(Table::from_iter([("n".to_string(), deep)]));
            }
            table.insert(g.pick(keys).clone(), deep);
        }
        _ => {
            let v = value(g, 0);
            table.insert(g.pick(keys).clone(), v);
        }
    }
}

/// Damages the text: a truncation, a repeated or dropped line, stray bytes.
fn damage(g: &mut Gen, text: &mut String) {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return;
    }
    let at = g.index(lines.len());
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match g.below(5) {
        0 => out.truncate(at),
        1 => out.insert(at, lines[at].to_string()),
        2 => {
            out.remove(at);
        }
        3 => {
            let cut = out[at].char_indices().map(|(i, _)| i).collect::<Vec<_>>();
            if !cut.is_empty() {
                let i = cut[g.index(cut.len())];
                out[at].truncate(i);
            }
        }
        _ => {
            let tail: &&str = g.pick(&["\0", " = 1", "]", "[[", "\"", "=", " # é"]);
            out[at].push_str(tail);
        }
    }
    *text = out.join("\n");
}

/// A `--set` value: a key path of the file (or a broken one) and a value.
fn set(g: &mut Gen, paths: &[String]) -> String {
    let path = if paths.is_empty() || g.chance(0.15) {
        g.pick(&[
            "",
            "a..b",
            "queue.",
            "[0]",
            "run.seed[9]",
            "x.y.z",
            "sweep.param[99].values",
        ])
        .to_string()
    } else {
        g.pick(paths).clone()
    };
    let value = if g.chance(0.1) {
        g.pick(&["", "[", "\"open", "1 2", "{a=}"]).to_string()
    } else {
        value(g, 1).to_string()
    };
    match g.below(20) {
        0 => path,
        1 => format!("={value}"),
        _ => format!("{path}={value}"),
    }
}

/// The input of seed `seed`.
pub fn input(corpus: &Corpus, seed: u64) -> Input {
    let mut g = Gen::new(seed);
    let i = g.index(corpus.files.len());
    let (path, text, table) = &corpus.files[i];
    let mut text = if g.chance(0.2) {
        text.clone()
    } else {
        let mut table = table.clone();
        for _ in 0..g.range(1, 3) {
            mutate(&mut g, &mut table, &corpus.keys);
        }
        toml::to_string(&table).unwrap_or_else(|_| text.clone())
    };
    if g.chance(0.15) {
        damage(&mut g, &mut text);
    }
    let sets = (0..g.below(4))
        .map(|_| set(&mut g, &corpus.paths[i]))
        .collect();
    Input {
        path: path.clone(),
        text,
        sets,
    }
}

/// Loads `input`; `Err` says how the contract was broken.
pub fn check(input: &Input) -> Result<bool, String> {
    match edgesim::experiment::load_text(&input.path, &input.text, &input.sets) {
        Ok(exp) if exp.points.is_empty() => Err("loaded with no points".into()),
        Ok(_) => Ok(true),
        Err(e) => {
            let located = e.line.is_some()
                || e.key.is_some()
                || e.origin == "--set"
                || e.origin == "command line";
            if e.message.trim().is_empty() || e.origin.is_empty() {
                Err(format!("an error without a message or origin: {e:?}"))
            } else if !located {
                Err(format!("an error that names no line or key: {e}"))
            } else {
                Ok(false)
            }
        }
    }
}
