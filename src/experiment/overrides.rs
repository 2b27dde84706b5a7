//! Overrides: a value put at a key path of the experiment document, from a
//! sweep point or from `--set path=value`. A point is the base document with
//! its overrides applied, then deserialized and validated like any file, so
//! any parameter can be swept.

use toml::{Table, Value};

use super::path::{KeyPath, Segment};

/// Where an override came from, for error messages.
#[derive(Clone, Debug, PartialEq)]
pub enum OverrideOrigin {
    /// `--set` number `index` on the command line.
    Set { index: usize },
    /// `[[sweep.param]]` number `index` in the file.
    Sweep { index: usize },
    /// Another key of the file that puts values at paths (a
    /// `[[search.param]]` or a `[[search.scenario]]`'s `set`): the key, to
    /// point at, and what it is, for the message.
    At { key: String, what: String },
}

/// One value put at one path.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    pub path: KeyPath,
    pub value: Value,
    pub origin: OverrideOrigin,
}

/// Puts `value` at `path` in `table`, creating missing tables on the way.
/// Fails when the path crosses a value that is not a table or an array, or an
/// array index out of range.
pub fn apply(table: &mut Table, path: &KeyPath, value: Value) -> Result<(), String> {
    let (last, parents) = path
        .0
        .split_last()
        .ok_or_else(|| "empty key path".to_string())?;
    let mut current = TableOrValue::Table(table);
    let mut walked = KeyPath::default();
    for seg in parents {
        walked.0.push(seg.clone());
        current = current.child(seg, &walked)?;
    }
    current.put(last, value, path)
}

enum TableOrValue<'a> {
    Table(&'a mut Table),
    Value(&'a mut Value),
}

impl<'a> TableOrValue<'a> {
    fn child(self, seg: &Segment, walked: &KeyPath) -> Result<TableOrValue<'a>, String> {
        match (self, seg) {
            (TableOrValue::Table(t), Segment::Key(k)) => Ok(TableOrValue::Value(
                t.entry(k.clone())
                    .or_insert_with(|| Value::Table(Table::new())),
            )),
            (TableOrValue::Value(Value::Table(t)), Segment::Key(k)) => Ok(TableOrValue::Value(
                t.entry(k.clone())
                    .or_insert_with(|| Value::Table(Table::new())),
            )),
            (TableOrValue::Value(Value::Array(a)), Segment::Index(i)) => {
                let len = a.len();
                a.get_mut(*i)
                    .map(TableOrValue::Value)
                    .ok_or_else(|| format!("`{walked}` is out of range: the array has {len} items"))
            }
            (TableOrValue::Value(v), _) => Err(format!(
                "`{walked}` cannot be followed: the key before it holds {} {}",
                article(v),
                v.type_str()
            )),
            (TableOrValue::Table(_), Segment::Index(_)) => Err(format!(
                "`{walked}`: the top level is a table, not an array"
            )),
        }
    }

    fn put(self, seg: &Segment, value: Value, path: &KeyPath) -> Result<(), String> {
        match (self, seg) {
            (TableOrValue::Table(t), Segment::Key(k))
            | (TableOrValue::Value(Value::Table(t)), Segment::Key(k)) => {
                t.insert(k.clone(), value);
                Ok(())
            }
            (TableOrValue::Value(Value::Array(a)), Segment::Index(i)) => {
                let len = a.len();
                let slot = a.get_mut(*i).ok_or_else(|| {
                    format!("`{path}` is out of range: the array has {len} items")
                })?;
                *slot = value;
                Ok(())
            }
            (TableOrValue::Value(v), _) => Err(format!(
                "`{path}` cannot be set: its parent holds {} {}, not a table",
                article(v),
                v.type_str()
            )),
            (TableOrValue::Table(_), Segment::Index(_)) => {
                Err(format!("`{path}`: the top level is a table, not an array"))
            }
        }
    }
}

fn article(v: &Value) -> &'static str {
    match v {
        Value::Integer(_) | Value::Array(_) => "an",
        _ => "a",
    }
}

/// Parses the value of `--set path=value`: a TOML value when it parses as
/// one (`3`, `0.5`, `true`, `"x"`, `[1, 2]`, `{ dist = "exponential", mean = 1 }`),
/// otherwise the text as a string (`250ms`, `0.9/s`).
pub fn parse_set(text: &str) -> Result<(KeyPath, Value), String> {
    let (path, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not of the form path=value, e.g. queue.servers=2"))?;
    let path = KeyPath::parse(path.trim())?;
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("`{text}` has no value after `=`"));
    }
    let parsed = toml::from_str::<Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| Value::String(value.to_string()));
    Ok((path, parsed))
}

/// How a value is written in the params columns of the output: strings
/// without quotes, numbers as TOML writes them.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) | Value::Table(_) => inline(value),
    }
}

/// A value on one line, as TOML writes it inline (tables as `{ k = v }`),
/// so that a swept table fits one CSV cell.
fn inline(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Table(table) => {
            let parts: Vec<String> = table
                .iter()
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_nested_and_indexed_overrides() {
        let mut t: Table = toml::from_str("[a]\nb = 1\n[[c]]\nd = 2\n").unwrap();
        apply(&mut t, &KeyPath::parse("a.b").unwrap(), Value::Integer(5)).unwrap();
        apply(
            &mut t,
            &KeyPath::parse("c[0].d").unwrap(),
            Value::Integer(7),
        )
        .unwrap();
        apply(&mut t, &KeyPath::parse("x.y").unwrap(), Value::Integer(9)).unwrap();
        assert_eq!(t["a"]["b"].as_integer(), Some(5));
        assert_eq!(t["c"][0]["d"].as_integer(), Some(7));
        assert_eq!(t["x"]["y"].as_integer(), Some(9));
        assert!(apply(&mut t, &KeyPath::parse("a.b.c").unwrap(), Value::Integer(1)).is_err());
        assert!(
            apply(
                &mut t,
                &KeyPath::parse("c[3].d").unwrap(),
                Value::Integer(1)
            )
            .is_err()
        );
    }

    #[test]
    fn set_values_parse_as_toml_or_text() {
        assert_eq!(parse_set("run.seed=7").unwrap().1, Value::Integer(7));
        assert_eq!(
            parse_set("queue.arrival_rate = 0.8/s").unwrap().1,
            Value::String("0.8/s".into())
        );
        assert_eq!(
            parse_set("a=\"x y\"").unwrap().1,
            Value::String("x y".into())
        );
        assert!(parse_set("novalue").is_err());
        assert!(parse_set("a=").is_err());
        assert!(parse_set("=3").is_err());
    }
}
