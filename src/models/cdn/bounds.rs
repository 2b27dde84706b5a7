//! The CDN's run-time bound: the requests waiting for a worker at the
//! routers, cache servers, shields or origins. Each station refuses past
//! its own `queue_limit`, but the limits reach 10^9 and a PoP has many
//! servers; the run stops when one kind of station holds more than
//! `run.max_queued` waiting requests in all.

use super::model::CdnModel;

impl CdnModel {
    /// The kind of station whose waiting requests passed `max`, if any.
    pub fn queues_over_bound(&self, max: u64) -> Option<String> {
        let stations = [
            (
                "routers",
                "cdn.router",
                self.pops.iter().map(|p| p.router.queued()).sum::<usize>(),
            ),
            (
                "cache servers",
                "cdn.cache",
                self.servers.iter().map(|s| s.workers.queued()).sum(),
            ),
            (
                "shields",
                "cdn.shield",
                self.shields.iter().map(|s| s.workers.queued()).sum(),
            ),
            (
                "origins",
                "cdn.origin",
                self.origins.iter().map(|o| o.workers.queued()).sum(),
            ),
        ];
        let (name, key, waiting) = stations.into_iter().find(|s| s.2 as u64 > max)?;
        Some(format!(
            "cdn {name}: {waiting} requests waiting for a worker passed the bound of {max} \
             (the {name} cannot keep up); lower `{key}.queue_limit` or add `{key}.workers`, \
             lower the load (`cdn.request_rate`), or raise `run.max_queued` if the machine \
             has the memory"
        ))
    }
}
