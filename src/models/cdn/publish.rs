//! Publications and pushes: a new object is published and becomes the
//! most popular; a push CDN sends it to its PoPs over the origin's links,
//! and at the start preloads the whole catalogue.

use super::model::{CdnModel, Chooser, Event};
use super::params::Mode;
use crate::cache::CachePolicy;
use crate::cache::http::{Expiry, Storage};
use crate::engine::{Scheduler, SimTime};
use crate::world::PopId;

/// Pushed content is kept until evicted: a push CDN stores what the origin
/// uploads until it is replaced or purged, so it never goes stale by age.
const PUSHED: Expiry = Expiry::fresh_until(SimTime::MAX);

impl CdnModel {
    /// Pushes the whole catalogue, least popular first, so that when it does
    /// not fit the most popular objects are the ones left.
    pub(super) fn preload(&mut self) {
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
            Chooser::Hash => self.ring.lookup(object).map(|s| first + s),
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

    pub(super) fn publish_object(&mut self, s: &mut Scheduler<Event>) -> u64 {
        let object = self.catalogue.publish(&mut self.workload.publish_rng);
        self.stats.published += 1;
        if self.cfg.mode != Mode::Push {
            return object;
        }
        self.push_to_pops(object, |pop| pop.push_target, s);
        object
    }

    /// Sends `object` from its origin to every PoP `targets` picks, where it
    /// lands one origin egress, upstream link and half round trip later.
    pub(super) fn push_to_pops(
        &mut self,
        object: u64,
        targets: impl Fn(&super::model::PopState) -> bool,
        s: &mut Scheduler<Event>,
    ) {
        let now = s.now();
        let size = self.catalogue.size(object);
        for pop in 0..self.pops.len() {
            if !targets(&self.pops[pop]) {
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
    }

    /// A pushed object lands at a PoP.
    pub(super) fn on_push_arrive(&mut self, pop: u16, object: u64, _now: SimTime) {
        self.store_pushed(pop as usize, object);
    }
}
