//! The plan of a study and what its runs give back: one run of the plan
//! (`RunPlan`: a point at a replication, with its seed) and one finished run
//! (`RunRecord`). The experiment layer makes plans, batch records them,
//! the report turns records into rows.

use crate::run::RunOutput;

/// One run of the plan: a point at a replication, with its seed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RunPlan {
    /// Position in the plan: `point * replications + replication`.
    pub run_index: usize,
    pub point: usize,
    pub replication: u32,
    pub seed: u64,
}

/// One finished run.
#[derive(Clone, Debug)]
pub struct RunRecord {
    pub plan: RunPlan,
    pub output: RunOutput,
    /// Wall-clock seconds the run took (goes to the manifest only).
    pub wall_s: f64,
}
