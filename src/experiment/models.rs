//! The models an experiment can name, wired in one place: which table of
//! the file holds each model's parameters, how they are validated, and how
//! one run is started.

use super::spec::ExperimentFile;
use crate::cdn::{self, CdnParams};
use crate::model::{RunContext, RunOutput};
use crate::queueing::{self, QueueParams};

/// Every model name, for messages.
pub const MODEL_NAMES: &[&str] = &["queue", "cdn"];

/// A model with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    Queue(QueueParams),
    Cdn(Box<CdnParams>),
}

/// A problem with a model's parameters: the full key path and what was expected.
pub type Invalid = (String, String);

impl ModelSpec {
    /// Picks the model named by `file.model` and its parameter table.
    pub fn from_file(file: &ExperimentFile) -> Result<ModelSpec, Invalid> {
        if !MODEL_NAMES.contains(&file.model.as_str()) {
            return Err((
                "model".to_string(),
                format!(
                    "unknown model \"{}\"; expected one of: {}",
                    file.model,
                    MODEL_NAMES.join(", ")
                ),
            ));
        }
        let tables: [(&str, bool); 2] =
            [("queue", file.queue.is_some()), ("cdn", file.cdn.is_some())];
        for (table, present) in tables {
            if present && table != file.model {
                return Err((
                    table.to_string(),
                    format!(
                        "table [{table}] is for model \"{table}\", but this experiment's model is \"{}\"",
                        file.model
                    ),
                ));
            }
        }
        match file.model.as_str() {
            "queue" => file.queue.clone().map(ModelSpec::Queue).ok_or_else(|| {
                (
                    "model".to_string(),
                    "model \"queue\" needs a [queue] table with at least `arrival_rate` and `service`"
                        .to_string(),
                )
            }),
            // Every key of [cdn] has a default: a bare `model = "cdn"` runs.
            "cdn" => Ok(ModelSpec::Cdn(Box::new(file.cdn.clone().unwrap_or_default()))),
            other => Err((
                "model".to_string(),
                format!(
                    "unknown model \"{other}\"; expected one of: {}",
                    MODEL_NAMES.join(", ")
                ),
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Queue(_) => "queue",
            ModelSpec::Cdn(_) => "cdn",
        }
    }

    /// Checks the parameters; every problem with its full key path.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        match self {
            ModelSpec::Queue(p) => p.validate().map_err(|problems| {
                problems
                    .into_iter()
                    .map(|(key, message)| (format!("queue.{key}"), message))
                    .collect()
            }),
            ModelSpec::Cdn(p) => cdn::check(p).map_err(|problems| {
                problems
                    .into_iter()
                    .map(|(key, message)| (format!("cdn.{key}"), message))
                    .collect()
            }),
        }
    }

    /// Runs one replication.
    pub fn run(&self, ctx: &RunContext) -> Result<RunOutput, String> {
        match self {
            ModelSpec::Queue(p) => queueing::run_queue(p, ctx),
            ModelSpec::Cdn(p) => cdn::run_cdn(p, ctx),
        }
    }
}
