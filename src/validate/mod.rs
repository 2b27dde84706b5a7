//! The built-in validation suite: models checked against theory and trusted
//! peers. `edgesim validate` runs every check and prints expected against
//! simulated; the integration tests run the same checks.

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
