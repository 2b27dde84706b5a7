//! The models an experiment can name, wired in one place: which table of
//! the file holds each model's parameters, how they are validated, and how
//! one run is started.

use super::prepare::{Worlds, cdn_point, push_point};
use super::spec::ExperimentFile;
use crate::models::cdn::{self, CdnPoint};
use crate::models::occ::{self, OccParams};
use crate::models::push::{self, PushPoint};
use crate::models::queue::{self, QueueParams};
use crate::models::system::{self, SystemPoint};
use crate::prices::Prices;
use crate::run::{RunContext, RunIo, RunOutput};
use crate::workload::trace::TraceFile;

/// Every model name, for messages; each model's parameters live in the table
/// of the same name.
pub const MODEL_NAMES: &[&str] = &["queue", "occ", "push", "cdn", "system"];

/// The tables of an experiment file that hold `model`'s parameters: its
/// own, and for `system` its parts'.
pub fn tables_of(model: &str) -> &'static [&'static str] {
    match model {
        "queue" => &["queue"],
        "occ" => &["occ"],
        "push" => &["push"],
        "cdn" => &["cdn"],
        "system" => &["system", "cdn", "push"],
        _ => &[],
    }
}

/// A model with its parameters (a CDN's, and a push model's with clusters,
/// prepared with their world).
#[derive(Clone, Debug, PartialEq)]
pub enum ModelSpec {
    Queue(QueueParams),
    Occ(OccParams),
    Push(Box<PushPoint>),
    Cdn(Box<CdnPoint>),
    System(Box<SystemPoint>),
}

/// A problem with a model's parameters: the full key path and what was expected.
pub type Invalid = (String, String);

impl ModelSpec {
    /// Picks the model named by `file.model` and its parameter table. A CDN
    /// point is checked and prepared here, on the world from `worlds` (built
    /// once per distinct world and shared): its first problem comes back.
    pub fn from_file(file: &ExperimentFile, worlds: &Worlds) -> Result<ModelSpec, Invalid> {
        let model = file.model.as_str();
        if !MODEL_NAMES.contains(&model) {
            return Err((
                "model".to_string(),
                crate::suggest::with_hint(
                    format!("unknown model \"{model}\""),
                    model,
                    MODEL_NAMES.iter().copied(),
                ) + &format!("; expected one of: {}", MODEL_NAMES.join(", ")),
            ));
        }
        let present = [
            ("queue", file.queue.is_some()),
            ("occ", file.occ.is_some()),
            ("push", file.push.is_some()),
            ("cdn", file.cdn.is_some()),
            ("system", file.system.is_some()),
        ];
        for (table, is_present) in present {
            if is_present && !tables_of(model).contains(&table) {
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
            "push" => match file.push.clone() {
                Some(params) => {
                    let point = push_point(params, worlds)
                        .map_err(|(key, message)| (format!("push.{key}"), message))?;
                    Some(ModelSpec::Push(Box::new(point)))
                }
                None => None,
            },
            // Every key of [cdn] has a default: a bare `model = "cdn"` runs.
            "cdn" => {
                let params = file.cdn.clone().unwrap_or_default();
                let point = cdn_point(params, worlds).map_err(cdn::check::first_problem)?;
                Some(ModelSpec::Cdn(Box::new(point)))
            }
            "system" => Some(ModelSpec::System(Box::new(system_point(file, worlds)?))),
            _ => None,
        };
        spec.ok_or_else(|| {
            (
                "model".to_string(),
                format!("model \"{model}\" needs a [{model}] table with its parameters"),
            )
        })
    }

    /// Checks the profiles and regions the parameters name against
    /// `prices`, and gives push gateways the cores and memory of their
    /// profile; the problem comes back with its full key path.
    pub fn apply_prices(&mut self, prices: &Prices) -> Result<(), Invalid> {
        let table = self.name();
        let result = match self {
            ModelSpec::Queue(p) => queue::costs::check_prices(p, prices),
            ModelSpec::Occ(p) => occ::costs::check_prices(p, prices),
            ModelSpec::Push(p) => push::costs::resolve_point(p, prices),
            ModelSpec::Cdn(point) => cdn::costs::check_prices(point, prices),
            ModelSpec::System(point) => return system_prices(point, prices),
        };
        result.map_err(|(key, message)| (format!("{table}.{key}"), message))
    }

    /// The total time series the steady-state check (MSER-5) reads: the
    /// level or rate a transient shows in. `occ` has none: its runs are
    /// one contention episode from time zero, with no steady state.
    pub fn steady_series(&self) -> &'static [&'static str] {
        match self {
            ModelSpec::Queue(_) => &["in_system"],
            ModelSpec::Occ(_) => &[],
            ModelSpec::Push(_) => &["connections", "requests_per_s"],
            ModelSpec::Cdn(_) => &["hit_ratio", "origin_requests_per_s"],
            ModelSpec::System(point) if point.cdn.is_some() => {
                &["cdn.hit_ratio", "cdn.origin_requests_per_s"]
            }
            ModelSpec::System(_) => &["push.connections", "push.requests_per_s"],
        }
    }

    /// The series a run must record for the steady-state check when the
    /// experiment writes none: [`steady_series`](Self::steady_series) where
    /// the model records them under those names; `None` (record every
    /// series) where the checked series are derived from others at the end
    /// of the run (the CDN's ratios and rates come from its sums).
    pub fn series_for_check(&self) -> Option<&'static [&'static str]> {
        match self {
            ModelSpec::Queue(_) | ModelSpec::Occ(_) | ModelSpec::Push(_) => {
                Some(self.steady_series())
            }
            ModelSpec::Cdn(_) | ModelSpec::System(_) => None,
        }
    }

    /// When the first scheduled disturbance of the run begins (faults,
    /// bursts, flash crowds, failures, outages), if any: the steady-state
    /// check asks for a steady state before it, not through it.
    pub fn disturbed_from(&self) -> Option<crate::engine::SimTime> {
        match self {
            ModelSpec::Queue(_) | ModelSpec::Occ(_) => None,
            ModelSpec::Push(p) => p.params().disturbed_from(),
            ModelSpec::Cdn(point) => point.disturbed_from(),
            ModelSpec::System(point) => point.disturbed_from(),
        }
    }

    /// The model's headline metrics, for experiments that name none.
    pub fn default_headline(&self) -> &'static [&'static str] {
        match self {
            ModelSpec::Queue(_) => queue::output::HEADLINE,
            ModelSpec::Occ(_) => occ::output::HEADLINE,
            ModelSpec::Push(_) => push::output::HEADLINE,
            ModelSpec::Cdn(_) => cdn::output::HEADLINE,
            ModelSpec::System(p) if !p.params.campaign.is_empty() => system::output::HEADLINE,
            ModelSpec::System(p) if p.cdn.is_some() => system::output::HEADLINE_CDN,
            ModelSpec::System(_) => system::output::HEADLINE_PUSH,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::Queue(_) => "queue",
            ModelSpec::Occ(_) => "occ",
            ModelSpec::Push(_) => "push",
            ModelSpec::Cdn(_) => "cdn",
            ModelSpec::System(_) => "system",
        }
    }

    /// Checks the parameters; every problem with its full key path.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        let table = self.name();
        let result = match self {
            ModelSpec::Queue(p) => queue::check(p),
            ModelSpec::Occ(p) => occ::check(p),
            // Checked when they were prepared (`from_file`).
            ModelSpec::Push(_) | ModelSpec::Cdn(_) | ModelSpec::System(_) => Ok(()),
        };
        result.map_err(|problems| {
            problems
                .into_iter()
                .map(|(key, message)| (format!("{table}.{key}"), message))
                .collect()
        })
    }

    /// Runs one replication with no file opened (a trace workload fails).
    pub fn run(&self, ctx: &RunContext) -> Result<RunOutput, String> {
        self.run_with(ctx, RunIo::default())
    }

    /// Whether the model sends requests for objects that `--record-trace`
    /// can write as a trace.
    pub fn records_requests(&self) -> bool {
        match self {
            ModelSpec::Cdn(_) => true,
            ModelSpec::System(point) => point.cdn.is_some(),
            _ => false,
        }
    }

    /// Why `--record-trace` cannot record this model.
    pub fn no_request_stream(&self) -> String {
        format!("model \"{}\" has no request stream to record", self.name())
    }

    /// The trace a run reads its requests from, for the runner to open.
    pub fn trace_file(&self) -> Option<&TraceFile> {
        match self {
            ModelSpec::Cdn(point) => point.trace().map(|t| &t.file),
            ModelSpec::System(point) => point.cdn.as_ref()?.trace().map(|t| &t.file),
            _ => None,
        }
    }

    /// Runs one replication with what the runner opened in `io`: the trace
    /// to read, and the recording to write (only models that
    /// [`records_requests`](Self::records_requests)).
    pub fn run_with(&self, ctx: &RunContext, io: RunIo) -> Result<RunOutput, String> {
        match (self, io.record.is_some()) {
            (ModelSpec::Cdn(point), _) => cdn::run_cdn(point, ctx, io),
            (ModelSpec::System(point), _) if point.cdn.is_some() => {
                system::run_system(point, ctx, io)
            }
            (ModelSpec::System(point), false) => system::run_system(point, ctx, io),
            (_, true) => Err(self.no_request_stream()),
            (ModelSpec::Queue(p), false) => queue::run_queue(p, ctx),
            (ModelSpec::Occ(p), false) => occ::run_occ(p, ctx),
            (ModelSpec::Push(point), false) => push::run_point(point, ctx),
        }
    }
}

/// A system point: each part prepared as its own model prepares it (keys
/// keep their `cdn.` and `push.` prefixes), then the campaigns checked
/// against them.
fn system_point(file: &ExperimentFile, worlds: &Worlds) -> Result<SystemPoint, Invalid> {
    let cdn = match file.cdn.clone() {
        Some(params) => Some(cdn_point(params, worlds).map_err(cdn::check::first_problem)?),
        None => None,
    };
    let push = match file.push.clone() {
        Some(params) => Some(
            push_point(params, worlds)
                .map_err(|(key, message)| (format!("push.{key}"), message))?,
        ),
        None => None,
    };
    SystemPoint::prepare(file.system.clone().unwrap_or_default(), cdn, push)
}

/// Checks both parts' profiles and regions against `prices` (keys with
/// their part's prefix).
fn system_prices(point: &mut SystemPoint, prices: &Prices) -> Result<(), Invalid> {
    if let Some(cdn) = &point.cdn {
        cdn::costs::check_prices(cdn, prices)
            .map_err(|(key, message)| (format!("cdn.{key}"), message))?;
    }
    if let Some(push) = &mut point.push {
        push::costs::resolve_point(push, prices)
            .map_err(|(key, message)| (format!("push.{key}"), message))?;
    }
    Ok(())
}
