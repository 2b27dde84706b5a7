//! The built-in validation suite: models checked against theory and trusted
//! peers. `edgesim validate` runs every check and prints expected against
//! simulated; the integration tests run the same checks.

pub mod cache;
pub mod cdn;
pub mod queueing;
pub mod world;

/// The outcome of one validation check.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckResult {
    /// Which family of checks this belongs to, e.g. "queueing" or "cache".
    pub group: String,
    /// What was checked, e.g. "M/M/1 rho=0.9 mean time in system".
    pub name: String,
    /// The value theory or the peer gives.
    pub expected: f64,
    /// The value the simulation gave (a mean over replications where there are several).
    pub simulated: f64,
    /// The accepted distance from `expected`: the 95% confidence half-width
    /// over replications, or a fixed tolerance.
    pub tolerance: f64,
    /// How `tolerance` was obtained, e.g. "95% CI over 20 replications" or "fixed 0.003".
    pub tolerance_kind: String,
    pub pass: bool,
}

impl CheckResult {
    /// A check that passes when `|simulated - expected| <= tolerance`.
    pub fn within(
        group: &str,
        name: impl Into<String>,
        expected: f64,
        simulated: f64,
        tolerance: f64,
        tolerance_kind: impl Into<String>,
    ) -> CheckResult {
        let pass = (simulated - expected).abs() <= tolerance;
        CheckResult {
            group: group.to_string(),
            name: name.into(),
            expected,
            simulated,
            tolerance,
            tolerance_kind: tolerance_kind.into(),
            pass,
        }
    }
}

/// Every check of every group, optionally only those whose group or name
/// contains `only`. Groups run one after another; a group may run its
/// replications in parallel on the current rayon pool.
pub fn all_checks(seed: Option<u64>, only: Option<&str>) -> Vec<CheckResult> {
    let groups: [(&str, CheckGroup); 4] = [
        ("queueing", |s| {
            queueing::queueing_checks(s.unwrap_or(queueing::DEFAULT_SEED))
        }),
        ("cache", |_| cache::cache_checks()),
        ("world", |_| world::world_checks()),
        ("cdn", |_| cdn::cdn_checks()),
    ];
    let mut results = Vec::new();
    for (_, checks) in groups {
        results.extend(
            checks(seed)
                .into_iter()
                .filter(|c| only.is_none_or(|o| c.group.contains(o) || c.name.contains(o))),
        );
    }
    results
}

/// A group of checks, run with an optional seed (each group has its default).
type CheckGroup = fn(Option<u64>) -> Vec<CheckResult>;

/// A readable table of results.
pub fn format_table(checks: &[CheckResult]) -> String {
    let width = checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    let mut out = format!(
        "{:<10} {:<width$} {:>12} {:>12} {:>11}  {:<6} {}\n",
        "group", "check", "expected", "simulated", "tolerance", "result", "tolerance from"
    );
    for c in checks {
        out.push_str(&format!(
            "{:<10} {:<width$} {:>12.6} {:>12.6} {:>11.6}  {:<6} {}\n",
            c.group,
            c.name,
            c.expected,
            c.simulated,
            c.tolerance,
            if c.pass { "pass" } else { "FAIL" },
            c.tolerance_kind
        ));
    }
    out
}
