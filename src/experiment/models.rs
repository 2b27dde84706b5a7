//! The models an experiment can name, wired in one place: which table of
//! the file holds each model's parameters, how they are validated, and how
//! one run is started.

use super::spec::ExperimentFile;
use crate::models::cdn::{self, CdnParams};
use crate::models::occ::{self, OccParams};
use crate::models::push::{self, PushParams};
use crate::models::queue::{self, QueueParams};
use crate::run::{RunContext, RunOutput};

/// Every model name, for messages; each model's parameters live in the table
/// of the same name.
pub const MODEL_NAMES: &[&str] = &["queue", "occ", "push", "cdn"];

/// A model with its parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    Queue(QueueParams),
    Occ(OccParams),
    Push(Box<PushParams>),
    Cdn(Box<CdnParams>),
}

/// A problem with a model's parameters: the full key path and what was expected.
pub type Invalid = (String, String);

impl ModelSpec {
    /// Picks the model named by `file.model` and its parameter table.
    pub fn from_file(file: &ExperimentFile) -> Result<ModelSpec, Invalid> {
        let model = file.model.as_str();
        if !MODEL_NAMES.contains(&model) {
            return Err((
                "model".to_string(),
                format!(
                    "unknown model \"{model}\"; expected one of: {}",
                    MODEL_NAMES.join(", ")
                ),
            ));
        }
        let present = [
            ("queue", file.queue.is_some()),
            ("occ", file.occ.is_some()),
            ("push", file.push.is_some()),
            ("cdn", file.cdn.is_some()),
        ];
        for (table, is_present) in present {
            if is_present && table != model {
                return Err((
                    table.to_string(),
                    format!(
                        "table [{table}] is for model \"{table}\", but this experiment's model is \"{model}\""
                    ),
                ));
            }
        }
        let spec = match model {
            "queue" => file.queue.clone().map(ModelSpec::Queue),
            "occ" => file.occ.clone().map(ModelSpec::Occ),
            "push" => file.push.clone().map(|p| ModelSpec::Push(Box::new(p))),
            // Every key of [cdn] has a default: a bare `model = "cdn"` runs.
            "cdn" => Some(ModelSpec::Cdn(Box::new(
                file.cdn.clone().unwrap_or_default(),
            ))),
            _ => None,
        };
        spec.ok_or_else(|| {
            (
                "model".to_string(),
                format!("model \"{model}\" needs a [{model}] table with its parameters"),
            )
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Queue(_) => "queue",
            ModelSpec::Occ(_) => "occ",
            ModelSpec::Push(_) => "push",
            ModelSpec::Cdn(_) => "cdn",
        }
    }

    /// Checks the parameters; every problem with its full key path.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        let table = self.name();
        let result = match self {
            ModelSpec::Queue(p) => queue::check(p),
            ModelSpec::Occ(p) => occ::check(p),
            ModelSpec::Push(p) => push::check(p),
            ModelSpec::Cdn(p) => cdn::check(p),
        };
        result.map_err(|problems| {
            problems
                .into_iter()
                .map(|(key, message)| (format!("{table}.{key}"), message))
                .collect()
        })
    }

    /// Runs one replication.
    pub fn run(&self, ctx: &RunContext) -> Result<RunOutput, String> {
        self.run_recording(ctx, None)
    }

    /// Whether the model sends requests for objects that `--record-trace`
    /// can write as a trace.
    pub fn records_requests(&self) -> bool {
        matches!(self, ModelSpec::Cdn(_))
    }

    /// Runs one replication, writing the requests it sends to `record`
    /// (only models that [`records_requests`](Self::records_requests)).
    pub fn run_recording(
        &self,
        ctx: &RunContext,
        record: Option<&std::path::Path>,
    ) -> Result<RunOutput, String> {
        match (self, record) {
            (ModelSpec::Cdn(p), _) => cdn::run_cdn_recording(p, ctx, record),
            (_, Some(_)) => Err(format!(
                "model \"{}\" has no request stream to record",
                self.name()
            )),
            (ModelSpec::Queue(p), None) => queue::run_queue(p, ctx),
            (ModelSpec::Occ(p), None) => occ::run_occ(p, ctx),
            (ModelSpec::Push(p), None) => push::run_push(p, ctx),
        }
    }
}
