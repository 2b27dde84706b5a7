//! Checks of the `[occ]` parameters: every problem comes back with its key
//! (relative to `[occ]`) and what was expected, so the loader can point at
//! the line.

use super::params::OccParams;
use crate::engine::SimTime;

/// A parameter problem: the key under `[occ]` and what was expected.
pub type Invalid = (String, String);

/// The most clients one run may have.
pub const MAX_CLIENTS: u64 = 1_000_000;

/// Checks the parameters; returns every problem found.
pub fn check(p: &OccParams) -> Result<(), Vec<Invalid>> {
    let mut problems = vec![];
    if p.clients.0 == 0 || p.clients.0 > MAX_CLIENTS {
        problems.push((
            "clients".into(),
            format!("expected 1 to {MAX_CLIENTS} clients"),
        ));
    }
    match p.policy() {
        Err(m) => problems.push(("strategy".into(), m)),
        Ok(policy) => {
            if let Err((key, m)) = policy.validate() {
                problems.push((key.into(), m));
            }
        }
    }
    if p.hop_mean.0 == SimTime::ZERO {
        problems.push((
            "hop_mean".into(),
            "the hop delay must be greater than zero".into(),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
