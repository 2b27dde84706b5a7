//! Fuzz target `records`: the run-record reader (`runs/run-*.json`, with
//! its digest). Inputs are records of real runs and records with drawn
//! content (edge floats, NaN and infinities, odd names, the largest
//! seeds), then changed: a JSON leaf replaced, a key dropped or added, an
//! element repeated, or the bytes flipped, cut or padded; half the changed
//! records are resealed (their digest recomputed) so the reader's checks
//! behind the digest are reached too. The contract: no panic; a record
//! edgesim wrote reads back to the same bytes; a changed record that is
//! not resealed is accepted only when the change is no change to its
//! content (spacing, key order).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use edgesim::batch::records::{decode, encode};
use edgesim::engine::SimTime;
use edgesim::run::{Derivation, Metric, RunOutput, SeriesOut};
use edgesim::study::{RunPlan, RunRecord, Study};

use super::draw::Gen;

const EXPERIMENT: &str = r#"
schema = 1
name = "fuzz-records"
model = "queue"
[run]
seed = 7
replications = 2
duration = "200s"
warmup = "10s"
[queue]
arrival_rate = "0.8/s"
service = { dist = "exponential", mean = "1s" }
"#;

/// The study and the records of real runs the inputs start from.
pub struct Corpus {
    study: Study,
    records: Vec<RunRecord>,
}

impl Corpus {
    pub fn load() -> Corpus {
        let path = std::path::Path::new("fuzz-records.toml");
        let exp =
            edgesim::experiment::load_text(path, EXPERIMENT, &[]).expect("the experiment loads");
        let records = exp
            .plan()
            .iter()
            .map(|p| edgesim::experiment::runner::run_one(&exp, p, None).expect("the run succeeds"))
            .collect();
        Corpus {
            study: exp.study(),
            records,
        }
    }
}

impl Corpus {
    /// The bytes of the first real run's record.
    pub fn written(&self) -> Vec<u8> {
        encode(&self.study, &self.records[0])
    }
}

fn edge_float(g: &mut Gen) -> f64 {
    *g.pick(&[
        0.0,
        -0.0,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        0.1,
        1.0 / 3.0,
        -1e300,
    ])
}

fn edge_name(g: &mut Gen) -> String {
    g.pick(&[
        "",
        "a",
        "\"quoted\"",
        "é∞\u{0}",
        "x.y.z",
        "metric_p99",
        "\\",
        "\n",
    ])
    .to_string()
}

/// A record with drawn content (histograms kept from a real one).
fn drawn(g: &mut Gen, base: &RunRecord) -> RunRecord {
    let metrics = (0..g.below(6))
        .map(|_| Metric {
            name: edge_name(g),
            value: edge_float(g),
            derivation: Derivation::Scalar,
        })
        .collect();
    let series = (0..g.below(3))
        .map(|_| SeriesOut {
            name: edge_name(g),
            entity: edge_name(g),
            step: SimTime::from_nanos(g.next_u64()),
            values: (0..g.below(5)).map(|_| edge_float(g)).collect(),
        })
        .collect();
    RunRecord {
        plan: RunPlan {
            run_index: g.below(1 << 20) as usize,
            point: g.below(1 << 20) as usize,
            replication: g.next_u64() as u32,
            seed: {
                let any = g.next_u64();
                *g.pick(&[0, 1, u64::MAX, any])
            },
        },
        output: RunOutput {
            metrics,
            histograms: base.output.histograms.clone(),
            series,
            events: g.next_u64(),
        },
        wall_s: g.float(0.0, 1e6),
    }
}

/// One generated input: the study it is read for and the bytes.
pub struct Input {
    pub bytes: Vec<u8>,
    /// The bytes edgesim wrote (before any change).
    pub written: Vec<u8>,
    pub changed: bool,
    pub resealed: bool,
}

impl Input {
    pub fn describe(&self) -> String {
        format!(
            "changed {}, resealed {}: {}",
            self.changed,
            self.resealed,
            String::from_utf8_lossy(&self.bytes)
        )
    }
}

/// The input of seed `seed`.
pub fn input(corpus: &Corpus, seed: u64) -> Input {
    let mut g = Gen::new(seed);
    let base = g.pick(&corpus.records).clone();
    let mut study = corpus.study.clone();
    let record = if g.chance(0.3) {
        study.set = (0..g.below(3)).map(|_| edge_name(&mut g)).collect();
        drawn(&mut g, &base)
    } else {
        base
    };
    let written = encode(&study, &record);
    let mut input = Input {
        bytes: written.clone(),
        written,
        changed: false,
        resealed: false,
    };
    if g.chance(0.8) {
        input.changed = true;
        if g.chance(0.6) {
            let mut value: Value = serde_json::from_slice(&input.bytes).unwrap();
            for _ in 0..g.range(1, 3) {
                change(&mut g, &mut value, 0);
            }
            input.resealed = g.chance(0.5);
            if input.resealed {
                reseal(&mut value);
            }
            input.bytes = if g.chance(0.5) {
                serde_json::to_vec(&value).unwrap()
            } else {
                serde_json::to_vec_pretty(&value).unwrap()
            };
        } else {
            damage(&mut g, &mut input.bytes);
        }
    }
    input
}

fn leaf(g: &mut Gen) -> Value {
    match g.below(8) {
        0 => Value::Null,
        1 => Value::Bool(g.chance(0.5)),
        2 => Value::from(*g.pick(&[0u64, 1, u64::MAX, 1 << 53])),
        3 => Value::from(*g.pick(&[-1i64, i64::MIN])),
        4 => Value::from(*g.pick(&[0.5f64, 1e308, -0.0])),
        5 => Value::from(
            g.pick(&[
                "",
                "NaN",
                "inf",
                "-inf",
                "1e999",
                "0x10",
                "1",
                "scalar",
                "mean/99",
                "quantile/0/2",
                "s",
                "ms",
            ])
            .to_string(),
        ),
        6 => Value::Array(vec![]),
        _ => Value::Object(Map::new()),
    }
}

/// Changes one place in `value`, chosen by a random walk down it.
fn change(g: &mut Gen, value: &mut Value, depth: u32) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(g.index(map.len())).unwrap().clone();
            match g.below(if depth == 0 { 6 } else { 8 }) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    map.insert(format!("extra{}", g.below(3)), leaf(g));
                }
                _ => change(g, map.get_mut(&key).unwrap(), depth + 1),
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let i = g.index(items.len());
            match g.below(5) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let copy = items[i].clone();
                    items.insert(i, copy);
                }
                _ => change(g, &mut items[i], depth + 1),
            }
        }
        _ => *value = leaf(g),
    }
}

fn damage(g: &mut Gen, bytes: &mut Vec<u8>) {
    let at = g.index(bytes.len() + 1);
    match g.below(4) {
        0 => bytes.truncate(at),
        1 if !bytes.is_empty() => {
            let i = g.index(bytes.len());
            bytes[i] ^= 1 << g.below(8);
        }
        2 => bytes.splice(at..at, [0u8; 3]).for_each(drop),
        _ => bytes
            .splice(
                at..at,
                g.pick(&[&b" "[..], b"\n", b"9", b"-", b"}"])
                    .iter()
                    .copied(),
            )
            .for_each(drop),
    }
}

/// The record's field orders, as edgesim writes them (the digest is over
/// that JSON).
const TOP: [&str; 15] = [
    "format",
    "edgesim_version",
    "experiment_sha256",
    "prices_sha256",
    "set",
    "run_index",
    "point",
    "replication",
    "seed",
    "events",
    "wall_s",
    "metrics",
    "histograms",
    "series",
    "sha256",
];
const HISTOGRAM: [&str; 6] = ["name", "unit", "sum_ns", "min_ns", "max_ns", "buckets"];
const SERIES: [&str; 4] = ["name", "entity", "step_ns", "values"];

fn ordered(value: &Value, order: &[&str], nested: Option<(&str, &[&str])>, out: &mut String) {
    let Value::Object(map) = value else {
        out.push_str(&value.to_string());
        return;
    };
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by_key(|k| order.iter().position(|o| o == k).unwrap_or(order.len()));
    out.push('{');
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(key.as_str()).to_string());
        out.push(':');
        let inner = match (key.as_str(), &map[*key]) {
            ("histograms", Value::Array(items)) => Some((items, &HISTOGRAM[..])),
            ("series", Value::Array(items)) => Some((items, &SERIES[..])),
            _ => None,
        };
        match inner {
            Some((items, order)) if nested.is_none() => {
                out.push('[');
                for (j, item) in items.iter().enumerate() {
                    if j > 0 {
                        out.push(',');
                    }
                    ordered(item, order, Some(("", order)), out);
                }
                out.push(']');
            }
            _ => out.push_str(&map[*key].to_string()),
        }
    }
    out.push('}');
}

/// Recomputes the record's digest over its changed content.
fn reseal(value: &mut Value) {
    let Value::Object(map) = value else { return };
    if !matches!(map.get("sha256"), Some(Value::String(_))) {
        return;
    }
    map.insert("sha256".into(), Value::from(""));
    let mut text = String::new();
    ordered(value, &TOP, None, &mut text);
    let digest = format!("{:x}", Sha256::digest(text.as_bytes()));
    if let Value::Object(map) = value {
        map.insert("sha256".into(), Value::from(digest));
    }
}

/// Reads `input` for `corpus`'s study; `Err` says how the contract was broken.
pub fn check(corpus: &Corpus, input: &Input) -> Result<bool, String> {
    let decoded = match decode(&input.bytes) {
        Ok(d) => d,
        Err(message) if message.trim().is_empty() => return Err("an empty error".into()),
        Err(_) if input.changed => return Ok(false),
        Err(message) => return Err(format!("a record edgesim wrote is refused: {message}")),
    };
    let mut study = corpus.study.clone();
    study.edgesim_version = decoded.edgesim_version.clone();
    study.experiment_sha256 = decoded.experiment_sha256.clone();
    study.prices_sha256 = decoded.prices_sha256.clone();
    study.set = decoded.set.clone();
    let again = encode(&study, &decoded.record);
    if !input.changed && again != input.written {
        return Err("a record does not read back to the bytes edgesim wrote".into());
    }
    if input.changed && !input.resealed {
        let before: Value = serde_json::from_slice(&input.bytes)
            .map_err(|e| format!("bytes that are not JSON were accepted ({e})"))?;
        let after: Value = serde_json::from_slice(&again).unwrap();
        if before != after {
            return Err("a changed record was accepted without a reseal".into());
        }
    }
    Ok(true)
}
