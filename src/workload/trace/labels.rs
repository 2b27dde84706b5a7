//! A closed set of names a text column may hold, such as the world's client
//! regions in a trace's region column. A field matches a name written as is
//! or as its slug (lower case, `-` for every other character: "New York" and
//! "new-york"), so a trace can use the names of the world file or the entity
//! names of edgesim's metrics.

use std::collections::HashMap;

/// Lower case ASCII letters and digits, `-` for anything else: the form of
/// entity names in metrics (`pop.new-york.hit_ratio`).
pub fn slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Names by index, found by name or slug.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labels {
    by_slug: HashMap<String, u16>,
    names: Vec<String>,
}

impl Labels {
    /// The labels `names`, numbered in order (at most `u16::MAX` of them;
    /// the first of two names with the same slug wins).
    pub fn new(names: &[String]) -> Labels {
        let mut by_slug = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate().take(u16::MAX as usize) {
            by_slug.entry(slug(name)).or_insert(i as u16);
        }
        Labels {
            by_slug,
            names: names.to_vec(),
        }
    }

    /// The index of the label a field holds, if any.
    pub fn get(&self, field: &[u8]) -> Option<u16> {
        let text = std::str::from_utf8(field).ok()?.trim();
        // Slug on the stack: this runs once per request of a trace.
        let mut buf = [0u8; 64];
        if text.len() > buf.len() {
            return self.by_slug.get(&slug(text)).copied();
        }
        let mut len = 0;
        for c in text.chars() {
            buf[len] = if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase() as u8
            } else {
                b'-'
            };
            len += 1;
        }
        let key = std::str::from_utf8(&buf[..len]).ok()?;
        self.by_slug.get(key).copied()
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A few of the names, for an error message.
    pub fn examples(&self) -> String {
        let shown: Vec<String> = self
            .names
            .iter()
            .take(4)
            .map(|n| format!("\"{n}\" or \"{}\"", slug(n)))
            .collect();
        let more = self.names.len().saturating_sub(shown.len());
        let tail = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!("{}{tail}", shown.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_as_written_or_as_slugs() {
        let labels = Labels::new(&["New York".into(), "Sao Paulo".into()]);
        assert_eq!(labels.get(b"New York"), Some(0));
        assert_eq!(labels.get(b"new-york"), Some(0));
        assert_eq!(labels.get(b" sao-paulo "), Some(1));
        assert_eq!(labels.get(b"Atlantis"), None);
        assert_eq!(labels.get(&[0xff, 0xfe]), None);
    }
}
