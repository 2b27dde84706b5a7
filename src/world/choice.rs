//! A world as a model's parameters name it: a world file (or the shipped
//! world) and an optional selection of its PoPs. Loading one reads files,
//! so it is for the experiment layer; models get the built world.

use std::path::Path;

use super::spec::WorldSpec;

/// A problem with a choice: the key (`world` or `pops`, as a model's table
/// names them) and what was expected.
pub type ChoiceProblem = (String, String);

/// The world file (relative to the current folder; none: the shipped
/// world) and the PoPs enabled (none: the file's own selection).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorldChoice {
    pub file: Option<String>,
    pub pops: Option<Vec<String>>,
}

impl WorldChoice {
    /// The world's description with the PoP selection applied.
    pub fn load(&self) -> Result<WorldSpec, ChoiceProblem> {
        let full = self.read(None).map_err(|m| ("world".to_string(), m))?;
        let Some(names) = &self.pops else {
            return Ok(full);
        };
        if names.is_empty() {
            return Err((
                "pops".into(),
                "the PoP selection is empty: zero PoPs cannot serve anyone; list at least one PoP or leave `pops` out".into(),
            ));
        }
        for name in names {
            if full.pop_id(name).is_none() {
                return Err((
                    "pops".into(),
                    unknown_name("PoP", name, full.pops.iter().map(|p| &p.name)),
                ));
            }
        }
        self.read(Some(names)).map_err(|m| {
            (
                "pops".to_string(),
                format!("with this PoP selection the world is unusable: {m}"),
            )
        })
    }

    fn read(&self, only: Option<&[String]>) -> Result<WorldSpec, String> {
        let spec = match &self.file {
            Some(path) => WorldSpec::load(Path::new(path), only),
            None => WorldSpec::shipped_with(only),
        };
        spec.map_err(|e| e.to_string())
    }
}

/// "unknown PoP `x`; known: a, b, c", with the nearest names suggested
/// first; a long list is left out when a near name is found.
pub fn unknown_name<'a>(what: &str, name: &str, known: impl Iterator<Item = &'a String>) -> String {
    let known: Vec<&str> = known.map(String::as_str).collect();
    match crate::suggest::did_you_mean(name, known.iter().copied()) {
        Some(hint) if known.len() > 20 => format!(
            "unknown {what} `{name}`; {hint} ({} {what} names are known)",
            known.len()
        ),
        Some(hint) => format!(
            "unknown {what} `{name}`; {hint} Known: {}",
            known.join(", ")
        ),
        None => format!("unknown {what} `{name}`; known: {}", known.join(", ")),
    }
}
