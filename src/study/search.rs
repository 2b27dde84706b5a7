//! What a capacity search gives back, as plain rows: every candidate it
//! evaluated (with each constraint's estimate, confidence bound and
//! verdict) and the answer. The experiment layer decides, batch runs, the
//! report turns these rows into `plan.csv`, `answer.json` and the report.

/// One constraint in one scenario, as the outputs name it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConstraintInfo {
    pub metric: String,
    /// The scenario's name; `None` for the base design.
    pub scenario: Option<String>,
    /// The limit and its side: `upper` for `max`, else a `min`.
    pub limit: f64,
    pub upper: bool,
}

impl ConstraintInfo {
    /// The column stem: `metric`, or `metric@scenario`.
    pub fn label(&self) -> String {
        match &self.scenario {
            Some(s) => format!("{}@{s}", self.metric),
            None => self.metric.clone(),
        }
    }

    /// `<= 0.02` or `>= 0.9`.
    pub fn bound_text(&self) -> String {
        let side = if self.upper { "<=" } else { ">=" };
        format!("{side} {}", self.limit)
    }
}

/// What is known of one constraint of one candidate.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Judged {
    /// Mean over the replications.
    pub estimate: f64,
    /// The one-sided confidence bound on the side that matters (upper for
    /// a `max`, lower for a `min`); NaN when unknown (fewer than 2 values).
    pub bound: f64,
    pub verdict: Verdict,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The bound is within the limit.
    Holds,
    /// Even the other-side bound is beyond the limit.
    Fails,
    /// Neither: more replications could tell.
    Uncertain,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Uncertain => "uncertain",
        }
    }
}

/// One evaluated candidate.
#[derive(Clone, Debug, PartialEq)]
pub struct CandidateRow {
    /// The search round in which its evaluation ended.
    pub round: usize,
    /// Its index in the grid of candidates.
    pub candidate: usize,
    /// The parameter values, as written, in `[[search.param]]` order.
    pub values: Vec<String>,
    /// Numeric positions of the values (NaN for categories).
    pub positions: Vec<f64>,
    pub replications: u32,
    /// True when every verdict was certain; false when the maximum of
    /// replications ended the evaluation first.
    pub certain: bool,
    /// One per [`ConstraintInfo`] of the table, in its order.
    pub judged: Vec<Judged>,
    pub feasible: bool,
    pub objective: f64,
}

/// Everything a search evaluated, and how it chose.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchTable {
    pub experiment: String,
    pub description: String,
    /// The `[[search.param]]` paths.
    pub params: Vec<String>,
    /// The index of the bisected parameter, if one is.
    pub bisected: Option<usize>,
    pub constraints: Vec<ConstraintInfo>,
    /// What is minimised: a metric name or a parameter path.
    pub minimize: String,
    pub confidence: f64,
    pub min_replications: u32,
    pub max_replications: u32,
    /// One sentence naming the strategy.
    pub strategy: String,
    /// In evaluation order (round, then candidate index).
    pub rows: Vec<CandidateRow>,
    /// The row chosen, if any candidate is feasible.
    pub answer: Option<usize>,
}
