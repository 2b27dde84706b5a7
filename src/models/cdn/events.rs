//! Scheduled happenings of a CDN run: the first arrivals, publications and
//! pushes, flash crowds, PoP failures with their route withdrawal and
//! return.
//!
//! A failed PoP answers nothing: requests in it fail, clients still routed
//! to it fail until its route is withdrawn (`withdraw_after`, BGP
//! convergence), and then fail over to the PoP routing picks next. It comes
//! back with empty caches (a crash loses the memory tier).

use super::model::{CdnModel, Event};
use super::params::Mode;
use super::serve::{NewRequest, below};
use crate::cache::http::{Expiry, Storage};
use crate::cache::{Cache, CachePolicy};
use crate::engine::{Scheduler, SimTime};
use crate::world::PopId;

/// Pushed content is kept until evicted: a push CDN stores what the origin
/// uploads until it is replaced or purged, so it never goes stale by age.
const PUSHED: Expiry = Expiry::fresh_until(SimTime::MAX);

impl CdnModel {
    /// Time zero: the first event of every generator, and the push preload.
    pub(super) fn on_start(&mut self, s: &mut Scheduler<Event>) {
        self.start_requests(s);
        if let Some(publish) = self.workload.publish {
            s.schedule_at(publish.gap(&mut self.workload.publish_rng), Event::Publish);
        }
        for (i, crowd) in self.workload.flash.iter().enumerate() {
            s.schedule_at(crowd.start, Event::FlashStart(i as u16));
        }
        for (i, failure) in self.failures.iter().enumerate() {
            s.schedule_at(failure.at, Event::Fail(i as u16));
        }
        if let Some(video) = &mut self.workload.video {
            let gap = video.stream.gap(&mut video.rng);
            s.schedule_at(gap, Event::VideoStart);
        }
        if self.cfg.mode == Mode::Push && self.cfg.push_preload {
            self.preload();
        }
    }

    /// Pushes the whole catalogue, least popular first, so that when it does
    /// not fit the most popular objects are the ones left.
    fn preload(&mut self) {
        for rank in (0..self.catalogue.len()).rev() {
            let object = self.catalogue.object_at_rank(rank);
            for pop in 0..self.pops.len() {
                if self.pops[pop].push_target {
                    self.store_pushed(pop, object);
                }
            }
        }
    }

    /// Stores a pushed object at a PoP: at its owner under consistent
    /// hashing, at every cache server otherwise.
    fn store_pushed(&mut self, pop: usize, object: u64) {
        let class = self.class_of(object) as usize;
        if self.cfg.rules[class] == Storage::NotStored || self.pops[pop].down {
            return;
        }
        let size = self.catalogue.size(object);
        let first = self.pops[pop].first_server;
        let owner = match &self.pops[pop].chooser {
            super::model::Chooser::Hash => self.ring.lookup(object).map(|s| first + s),
            _ => None,
        };
        let servers = match owner {
            Some(server) => server..server + 1,
            None => first..first + self.cfg.servers_per_pop,
        };
        for server in servers {
            self.servers[server as usize]
                .cache
                .insert(object, size, PUSHED);
        }
    }

    /// A new object is published: it becomes the most popular, and a push
    /// CDN sends it to its PoPs.
    pub(super) fn on_publish(&mut self, s: &mut Scheduler<Event>) {
        if let Some(publish) = self.workload.publish {
            s.schedule_in(publish.gap(&mut self.workload.publish_rng), Event::Publish);
        }
        self.publish_object(s);
    }

    fn publish_object(&mut self, s: &mut Scheduler<Event>) -> u64 {
        let object = self.catalogue.publish(&mut self.workload.publish_rng);
        self.stats.published += 1;
        if self.cfg.mode != Mode::Push {
            return object;
        }
        let now = s.now();
        let size = self.catalogue.size(object);
        for pop in 0..self.pops.len() {
            if !self.pops[pop].push_target {
                continue;
            }
            let origin = self.world.origin_of_pop(PopId(pop as u32)).index();
            let sent = self.origins[origin]
                .egress
                .send(now, size)
                .max(self.pops[pop].origin_link.send(now, size));
            let half = self.world.rtt_pop_origin(PopId(pop as u32)).as_nanos() / 2;
            self.stats.push_bytes += size;
            if let Some(series) = &mut self.series {
                series.push_bits.add(now, size as f64 * 8.0);
            }
            let arrive = sent + SimTime::from_nanos(half);
            s.schedule_at(
                arrive,
                Event::PushArrive {
                    pop: pop as u16,
                    object,
                },
            );
        }
        object
    }

    /// A pushed object lands at a PoP.
    pub(super) fn on_push_arrive(&mut self, pop: u16, object: u64, _now: SimTime) {
        self.store_pushed(pop as usize, object);
    }

    /// A flash crowd starts: pick (or publish) its object and send its first request.
    pub(super) fn on_flash_start(&mut self, crowd: u16, s: &mut Scheduler<Event>) {
        let c = crowd as usize;
        let object = match self.workload.flash[c].rank {
            Some(rank) => self.catalogue.object_at_rank(rank),
            None => self.publish_object(s),
        };
        let own_class = self.workload.flash[c].class;
        let class = if own_class == u8::MAX {
            self.catalogue.class(object) as u8
        } else {
            own_class
        };
        let state = &mut self.workload.flash[c];
        state.object = object;
        state.class = class;
        let gap = state.stream.gap(&mut state.rng);
        s.schedule_in(gap, Event::FlashArrival(crowd));
    }

    /// One request of a flash crowd reaches its PoP.
    pub(super) fn on_flash_arrival(&mut self, crowd: u16, s: &mut Scheduler<Event>) {
        let now = s.now();
        let clients = self.cfg.clients_per_region;
        let state = &mut self.workload.flash[crowd as usize];
        if now >= state.end {
            return;
        }
        let gap = state.stream.gap(&mut state.rng);
        s.schedule_in(gap, Event::FlashArrival(crowd));
        let u: f64 = rand::RngExt::random(&mut state.rng);
        let i = state
            .region_cumulative
            .partition_point(|&c| c <= u)
            .min(state.regions.len() - 1);
        let region = state.regions[i];
        let client = below(&mut state.rng, clients);
        let (object, class) = (state.object, state.class);
        let new = NewRequest {
            region,
            client,
            object,
            size: self.catalogue.size(object),
            class,
            warm: false,
            source: super::model::Source::Flash(crowd),
        };
        self.dispatch(new, true, s);
    }

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
        let first = self.pops[pop].first_server as usize;
        for server in first..first + self.cfg.servers_per_pop as usize {
            let srv = &mut self.servers[server];
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
