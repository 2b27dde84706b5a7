//! Checks of the `[queue]` parameters: every problem comes back with its
//! key (relative to `[queue]`) and what was expected, so the loader can
//! point at the line.

use super::params::QueueParams;

/// A parameter problem: the key under `[queue]` and what was expected.
pub type Invalid = (String, String);

/// The most servers a station may have in this model.
pub const MAX_SERVERS: u32 = 100_000;

/// The highest arrival rate, per second: one arrival per nanosecond, the
/// clock's resolution.
pub const MAX_ARRIVAL_RATE: f64 = 1e9;

/// A queue limit above this is indistinguishable from none.
const MAX_QUEUE_LIMIT: u64 = 1_000_000_000;

/// Checks the parameters; returns every problem found.
pub fn check(p: &QueueParams) -> Result<(), Vec<Invalid>> {
    let mut problems = Vec::new();
    if p.arrival_rate.0 <= 0.0 {
        problems.push((
            "arrival_rate".to_string(),
            "the arrival rate must be greater than zero, e.g. \"0.9/s\"".to_string(),
        ));
    } else if p.arrival_rate.0 > MAX_ARRIVAL_RATE {
        problems.push((
            "arrival_rate".to_string(),
            format!(
                "the arrival rate must be at most 1e9/s (one per nanosecond, the clock's \
                 resolution), got {}/s",
                p.arrival_rate.0
            ),
        ));
    }
    if p.servers == 0 || p.servers > MAX_SERVERS {
        problems.push((
            "servers".to_string(),
            format!(
                "expected between 1 and {MAX_SERVERS} servers, got {}",
                p.servers
            ),
        ));
    }
    if let Err(e) = p.service.compile() {
        problems.push((format!("service.{}", e.key), e.message));
    }
    if let Some(limit) = p.queue_limit
        && limit.0 > MAX_QUEUE_LIMIT
    {
        problems.push((
            "queue_limit".to_string(),
            "a queue limit above 1e9 is indistinguishable from none; omit it".to_string(),
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}
