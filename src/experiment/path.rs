//! Key paths into an experiment document: `queue.servers`,
//! `sweep.param[1].values`. Used by overrides (`--set`, sweeps) and to point
//! errors at the line a key is on.

use std::fmt;

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A parsed key path.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    /// Parses `a.b[2].c`; keys are bare TOML keys (letters, digits, `_`, `-`).
    pub fn parse(text: &str) -> Result<KeyPath, String> {
        let expected = "a dotted key path such as `queue.servers` or `faults[0].at`";
        if text.trim().is_empty() {
            return Err(format!("empty key path; expected {expected}"));
        }
        let mut segments = Vec::new();
        for part in text.trim().split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "`{text}` is not a valid key path; expected {expected}"
                ));
            }
            segments.push(Segment::Key(key.to_string()));
            while !rest.is_empty() {
                let close = rest
                    .find(']')
                    .ok_or_else(|| format!("unclosed `[` in `{text}`; expected {expected}"))?;
                let index: usize = rest[1..close].parse().map_err(|_| {
                    format!("`{}` is not an array index in `{text}`", &rest[1..close])
                })?;
                segments.push(Segment::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(format!(
                        "`{text}` is not a valid key path; expected {expected}"
                    ));
                }
            }
        }
        Ok(KeyPath(segments))
    }

    pub fn from_serde(path: &serde_path_to_error::Path) -> KeyPath {
        use serde_path_to_error::Segment as S;
        let mut segments = Vec::new();
        for seg in path.iter() {
            match seg {
                S::Seq { index } => segments.push(Segment::Index(*index)),
                S::Map { key } => segments.push(Segment::Key(key.clone())),
                S::Enum { variant } => segments.push(Segment::Key(variant.clone())),
                S::Unknown => break,
            }
        }
        KeyPath(segments)
    }

    /// A path under this one.
    pub fn join(&self, child: &KeyPath) -> KeyPath {
        let mut segments = self.0.clone();
        segments.extend(child.0.iter().cloned());
        KeyPath(segments)
    }

    pub fn starts_with(&self, prefix: &KeyPath) -> bool {
        self.0.len() >= prefix.0.len() && self.0[..prefix.0.len()] == prefix.0[..]
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for text in ["queue.servers", "sweep.param[1].values", "a[0][2].b", "run"] {
            assert_eq!(KeyPath::parse(text).unwrap().to_string(), text);
        }
        for bad in ["", "a..b", "a.[0]", "a[x]", "a[0", "a b", "a[0]b"] {
            assert!(KeyPath::parse(bad).is_err(), "{bad}");
        }
    }
}
