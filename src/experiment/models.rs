//! The models an experiment can name, wired in one place: which table of
//! the file holds each model's parameters, how they are validated, and how
//! one run is started.

use super::spec::ExperimentFile;
use crate::faults::occ::{self, OccParams};
use crate::model::{RunContext, RunOutput};
use crate::queueing::{self, QueueParams};

/// Every model name, for messages.
pub const MODEL_NAMES: &[&str] = &["queue", "occ"];

/// A model with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    Queue(QueueParams),
    Occ(OccParams),
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
        let tables = [("queue", file.queue.is_some()), ("occ", file.occ.is_some())];
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
            "occ" => file.occ.clone().map(ModelSpec::Occ).ok_or_else(|| {
                (
                    "model".to_string(),
                    "model \"occ\" needs an [occ] table with at least `clients` and `strategy`"
                        .to_string(),
                )
            }),
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
            ModelSpec::Occ(_) => "occ",
        }
    }

    /// Checks the parameters; every problem with its full key path.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        match self {
            ModelSpec::Queue(p) => p.validate().map_err(|e| prefixed("queue", e)),
            ModelSpec::Occ(p) => p.validate().map_err(|e| prefixed("occ", e)),
        }
    }

    /// Runs one replication.
    pub fn run(&self, ctx: &RunContext) -> Result<RunOutput, String> {
        match self {
            ModelSpec::Queue(p) => queueing::run_queue(p, ctx),
            ModelSpec::Occ(p) => occ::run_occ(p, ctx),
        }
    }
}

/// Puts the model's table name in front of each problem's key.
fn prefixed(table: &str, problems: Vec<Invalid>) -> Vec<Invalid> {
    problems
        .into_iter()
        .map(|(key, message)| (format!("{table}.{key}"), message))
        .collect()
}
