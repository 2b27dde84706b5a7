//! PoP failures. A failed PoP answers nothing: requests in it fail,
//! clients still routed to it fail until its route is withdrawn
//! (`withdraw_after`, BGP convergence), and then fail over to the PoP
//! routing picks next. It comes back with empty caches (a crash loses the
//! memory tier).

use super::model::{CdnModel, Event};
use crate::cache::{Cache, CachePolicy};
use crate::engine::{Scheduler, SimTime};
use crate::world::PopId;

impl CdnModel {
    /// A PoP fails: its requests fail, its caches are lost, and its route
    /// is withdrawn after the convergence delay.
    pub(super) fn on_fail(&mut self, failure: u16, s: &mut Scheduler<Event>) {
        let now = s.now();
        let f = &self.failures[failure as usize];
        let (pop, withdraw_after, until) = (f.pop as usize, f.withdraw_after, f.until);
        if self.pops[pop].down {
            return;
        }
        self.pops[pop].down = true;
        self.pops[pop].epoch += 1;
        self.pops[pop].next_fail = self
            .failures
            .iter()
            .filter(|f| f.pop as usize == pop && f.at > now)
            .map(|f| f.at)
            .min()
            .unwrap_or(SimTime::MAX);
        // Requests admitted before the failure and not yet answered were
        // failed when admitted (the schedule is known); fetches in flight
        // fail their waiters when they return (the epoch has moved on).
        if let Some(series) = &mut self.series {
            for free_at in self.pops[pop].router.busy_until(now) {
                series.busy(pop, now, free_at, -1.0);
            }
        }
        self.pops[pop].router.clear(now);
        let first = self.pops[pop].first_server as usize;
        for server in first..first + self.cfg.servers_per_pop as usize {
            let srv = &mut self.servers[server];
            if let Some(series) = &mut self.series {
                for free_at in srv.workers.busy_until(now) {
                    series.busy(pop, now, free_at, -1.0);
                }
            }
            srv.workers.clear(now);
            let kind = srv.cache.kind();
            let capacity = srv.cache.capacity();
            if let Ok(empty) = Cache::new(kind, capacity) {
                srv.cache = empty.with_prefetch();
            }
            srv.inflight.clear();
        }
        s.schedule_in(withdraw_after, Event::Withdraw(pop as u16));
        if let Some(until) = until {
            s.schedule_at(until.max(now), Event::Restore(failure));
        }
    }

    /// The failed PoP's route is withdrawn: its clients fail over.
    pub(super) fn on_withdraw(&mut self, pop: u16) {
        if !self.pops[pop as usize].down || !self.router.is_available(PopId(pop as u32)) {
            return;
        }
        self.router.withdraw(&self.world, PopId(pop as u32));
        self.refresh_routes();
    }

    /// The PoP is back (with empty caches) and announced again.
    pub(super) fn on_restore(&mut self, failure: u16) {
        let pop = self.failures[failure as usize].pop as usize;
        self.pops[pop].down = false;
        if !self.router.is_available(PopId(pop as u32)) {
            self.router.restore(&self.world, PopId(pop as u32));
            self.refresh_routes();
        }
    }
}
