//! The request path at the edge: a region's request reaches its PoP, the
//! PoP forwards it when busy, a cache server processes it and looks the
//! object up (lazily classifying freshness), and the response crosses the
//! PoP's egress and the access link back to the client.
//!
//! Latency of a request = connection set-up and request round trips to the
//! PoP (from the world's region x PoP RTTs) + queueing and service at the
//! cache server + on a miss the fetch (see `fetch`) + transfer through the
//! PoP egress and access link + TCP slow-start round trips + the response's
//! half round trip.

use rand::Rng;

use super::links::slow_start_rounds;
use super::model::{CdnModel, Chooser, Event, NO_POP, NONE, OriginJob, Request, Source};
use super::params::{Mode, RouterMode};
use super::stats::{Failure, Served};
use crate::cache::http::{Freshness, Storage};
use crate::cache::{CachePolicy, Prefetch};
use crate::engine::{Scheduler, SimTime};
use crate::world::{LeastLoaded, PopId, RegionId};

/// A request about to enter the CDN.
#[derive(Copy, Clone, Debug)]
pub struct NewRequest {
    pub region: u16,
    pub client: u32,
    pub object: u64,
    pub size: u64,
    pub class: u8,
    /// On an open connection (later video segments).
    pub warm: bool,
    pub source: Source,
}

/// A uniform draw in 0..n from one random word (Lemire's multiply-shift).
#[inline]
pub fn below(rng: &mut crate::engine::SimRng, n: u32) -> u32 {
    below_word(rng.next_u64(), n)
}

/// What [`below`] gives when its random word is `word`.
#[inline]
pub fn below_word(word: u64, n: u32) -> u32 {
    ((word as u128 * n as u128) >> 64) as u32
}

impl CdnModel {
    /// The content class of `object`: a flash crowd's own, or the catalogue's.
    #[inline]
    pub(super) fn class_of(&self, object: u64) -> u8 {
        for crowd in &self.workload.flash {
            if crowd.object == object {
                return crowd.class;
            }
        }
        self.catalogue.class(object) as u8
    }

    /// Whether `object` is the object of a running or past flash crowd.
    #[inline]
    pub(super) fn is_flash(&self, object: u64) -> bool {
        self.workload.flash.iter().any(|c| c.object == object)
    }

    /// Routes a new request and lets it reach its PoP (or the origin without a
    /// CDN). With `arrived` the request reaches it now (its client sent it
    /// one set-up earlier); otherwise the client sends it now.
    pub(super) fn dispatch(&mut self, new: NewRequest, arrived: bool, s: &mut Scheduler<Event>) {
        if let Some(recorder) = &mut self.workload.recorder {
            recorder.note(s.now(), &new);
        }
        if self.cfg.mode == Mode::NoCdn {
            return self.dispatch_direct(new, arrived, s);
        }
        let now = s.now();
        let slot = self.route_slot(new.region, new.client);
        let route = self.routes[slot];
        let pop = route.pop;
        let mut req = self.blank_request(new, now);
        if pop == NO_POP {
            let idx = self.requests.insert(req);
            return self.fail(idx, Failure::Unrouted, s);
        }
        req.entry_pop = pop;
        req.pop = pop;
        req.failed_over = route.base != pop;
        let rtt = self
            .world
            .rtt_region_pop(RegionId(new.region as u32), PopId(pop as u32));
        if req.failed_over {
            self.note_failover(new.region, route.base, rtt);
        }
        let set_up = self.set_up_delay(rtt, new.warm);
        if self.nearest[new.region as usize] == pop {
            self.stats.to_nearest += 1;
        }
        if arrived {
            req.sent_at = now - set_up;
            let idx = self.requests.insert(req);
            self.admit(idx, s);
        } else {
            let idx = self.requests.insert(req);
            s.schedule_in(set_up, Event::AtPop(idx));
        }
    }

    /// A request routed away from its first-choice PoP: how much longer its round trip is.
    fn note_failover(&mut self, region: u16, first_choice: u16, rtt: SimTime) {
        let before = self
            .world
            .rtt_region_pop(RegionId(region as u32), PopId(first_choice as u32));
        self.stats.failover_routed += 1;
        self.stats.failover_slower += (rtt > before) as u64;
        self.stats.failover_extra_rtt_ms += rtt.as_millis_f64() - before.as_millis_f64();
    }

    pub(super) fn blank_request(&self, new: NewRequest, now: SimTime) -> Request {
        Request {
            sent_at: now,
            object: new.object,
            detour: SimTime::ZERO,
            ready: now,
            size: new.size.min(u32::MAX as u64) as u32,
            server: NONE,
            epoch: 0,
            next: NONE,
            region: new.region,
            entry_pop: NO_POP,
            pop: NO_POP,
            class: new.class,
            hops: 0,
            warm: new.warm,
            failed_over: false,
            source: new.source,
        }
    }

    /// From the client's first packet to the request reaching the server:
    /// handshakes on a new connection, then half a round trip.
    #[inline]
    pub(super) fn set_up_delay(&self, rtt: SimTime, warm: bool) -> SimTime {
        let handshakes = if warm {
            0
        } else {
            self.cfg.handshake_round_trips as u64
        };
        rtt.saturating_mul(handshakes) + SimTime::from_nanos(rtt.as_nanos() / 2)
    }

    /// No CDN: the request goes to the origin nearest its region.
    pub(super) fn dispatch_direct(
        &mut self,
        new: NewRequest,
        arrived: bool,
        s: &mut Scheduler<Event>,
    ) {
        let now = s.now();
        let origin = self.region_origin(new.region);
        let rtt = self
            .world
            .rtt_region_origin(RegionId(new.region as u32), origin);
        let set_up = self.set_up_delay(rtt, new.warm);
        let mut req = self.blank_request(new, now);
        req.server = origin.0;
        if arrived {
            req.sent_at = now - set_up;
        }
        let idx = self.requests.insert(req);
        if arrived {
            self.on_origin_arrive(OriginJob::Direct(idx), s);
        } else {
            s.schedule_in(set_up, Event::OriginArrive(OriginJob::Direct(idx)));
        }
    }

    /// The origin nearest a region (the no-CDN path).
    pub(super) fn region_origin(&self, region: u16) -> crate::world::OriginId {
        let r = RegionId(region as u32);
        (0..self.world.origins().len())
            .map(crate::world::OriginId::from_index)
            .min_by_key(|&o| (self.world.rtt_region_origin(r, o), o))
            .unwrap_or(crate::world::OriginId(0))
    }

    /// A forwarded request reaches its next PoP, or a new one its first.
    pub(super) fn on_at_pop(&mut self, idx: u32, s: &mut Scheduler<Event>) {
        self.admit(idx, s);
    }

    /// The request is at PoP `req.pop`: through the PoP's request router
    /// when it is a station, then to a cache server.
    pub(super) fn admit(&mut self, idx: u32, s: &mut Scheduler<Event>) {
        let req = *self.requests.get(idx);
        if self.pops[req.pop as usize].down {
            return self.fail(idx, Failure::PopDown, s);
        }
        if !self.through_front(idx, req.pop as usize, s) {
            return;
        }
        match self.cfg.router {
            Some(RouterMode::Dns) if req.warm => self.serve_at_pop(idx, s),
            Some(mode) => self.route_at_pop(idx, mode, s),
            None => self.serve_at_pop(idx, s),
        }
    }

    /// The PoP's request router takes the request (a queue and a worker's
    /// time); a redirect or a DNS answer costs the client one more round
    /// trip, and a redirect to a new connection its handshakes.
    fn route_at_pop(&mut self, idx: u32, mode: RouterMode, s: &mut Scheduler<Event>) {
        let now = s.now();
        let req = *self.requests.get(idx);
        let p = &mut self.pops[req.pop as usize];
        let service = self.cfg.router_service.sample(&mut p.router_rng);
        let Some(slot) = p.router.admit(now, service) else {
            self.stats.router_refused += 1;
            return self.fail(idx, Failure::Refused, s);
        };
        if let Some(series) = &mut self.series {
            series.busy(req.pop as usize, slot.start, slot.finish, 1.0);
        }
        if slot.finish >= p.next_fail {
            return self.fail(idx, Failure::PopDown, s);
        }
        let rtt = (self.world).rtt_region_pop(RegionId(req.region as u32), PopId(req.pop as u32));
        let extra = match mode {
            RouterMode::InPath => SimTime::ZERO,
            RouterMode::HttpRedirect => {
                rtt + self.set_up_delay(rtt, req.warm) - SimTime::from_nanos(rtt.as_nanos() / 2)
            }
            RouterMode::Dns => rtt,
        };
        s.schedule_at(slot.finish + extra, Event::Routed(idx));
    }

    /// The request is at PoP `req.pop`, past its router: forward it, or
    /// hand it to a cache server, which consults its cache now and answers
    /// when a worker has processed it (`Request::ready`).
    pub(super) fn serve_at_pop(&mut self, idx: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let req = *self.requests.get(idx);
        let pop = req.pop as usize;
        if self.pops[pop].down {
            return self.fail(idx, Failure::PopDown, s);
        }
        let server = self.choose_server(pop, req.object, now);
        let wait = self.servers[server as usize].workers.earliest_start(now) - now;
        if req.hops < self.cfg.max_forwards
            && self.cfg.forward_wait.is_some_and(|limit| wait > limit)
            && let Some(target) = self.forward_target(pop)
        {
            return self.forward(idx, pop, target, s);
        }
        let srv = &mut self.servers[server as usize];
        let service = self.cfg.cache_service.sample(&mut srv.rng);
        let Some(slot) = srv.workers.admit(now, service) else {
            return self.fail(idx, Failure::Refused, s);
        };
        srv.requests += 1;
        if let Some(series) = &mut self.series {
            series.busy(pop, slot.start, slot.finish, 1.0);
        }
        if slot.finish >= self.pops[pop].next_fail {
            // The PoP fails before this request is answered.
            return self.fail(idx, Failure::PopDown, s);
        }
        let r = self.requests.get_mut(idx);
        r.server = server;
        r.epoch = self.pops[pop].epoch;
        r.ready = slot.finish;
        self.look_up(idx, s);
    }

    /// Sends request `idx` on from PoP `pop` to PoP `target`.
    fn forward(&mut self, idx: u32, pop: usize, target: u16, s: &mut Scheduler<Event>) {
        let rtt = self
            .world
            .rtt_pop_pop(PopId(pop as u32), PopId(target as u32));
        let one_way = SimTime::from_nanos(rtt.as_nanos() / 2);
        let r = self.requests.get_mut(idx);
        r.hops += 1;
        r.pop = target;
        r.detour += one_way;
        self.stats.forwarded += 1;
        self.stats.pops[pop].forwarded_out += 1;
        if let Some(series) = &mut self.series {
            series.forwarded.add(s.now(), 1.0);
        }
        s.schedule_in(one_way, Event::AtPop(idx));
    }

    /// The nearest available, working PoP to forward to.
    fn forward_target(&self, pop: usize) -> Option<u16> {
        self.router
            .forward_targets(&self.world, PopId(pop as u32))
            .find(|p| !self.pops[p.index()].down)
            .map(|p| p.0 as u16)
    }

    /// The cache server a request of `region` from `client` for `object`
    /// would reach if it arrived now, when consistent hashing picks it;
    /// `NONE` otherwise. The route may change before the request arrives:
    /// this is for warming the CPU caches only.
    #[inline]
    pub(super) fn likely_server(&self, region: u16, client: u32, object: u64) -> u32 {
        if self.cfg.mode == Mode::NoCdn {
            return NONE;
        }
        let pop = self.routes[self.route_slot(region, client)].pop;
        if pop == NO_POP {
            return NONE;
        }
        let pop = &self.pops[pop as usize];
        match pop.chooser {
            Chooser::Hash => pop.first_server + self.ring.lookup(object).unwrap_or(0),
            _ => NONE,
        }
    }

    /// Starts loading the route of a region's client prefix, for a request
    /// drawn or dispatched a few arrivals of its region from now.
    #[inline]
    pub(super) fn prefetch_route(&self, region: u16, client: u32) {
        if let Some(route) = self.routes.get(self.route_slot(region, client)) {
            crate::cache::slab::prefetch(route);
        }
    }

    /// One step of warming the CPU caches for a lookup of `object` at
    /// `server` (from [`CdnModel::likely_server`]).
    #[inline]
    pub(super) fn prefetch(&self, server: u32, object: u64, step: Prefetch) {
        if server != NONE {
            self.servers[server as usize].cache.prefetch(object, step);
        }
    }

    /// The request-routing server's choice of cache server (global index).
    /// Least loaded is the server whose next worker is free soonest (ties
    /// to the lowest index): with event-free workers there is no count of
    /// requests in service to compare, and the earliest start is what a
    /// least-loaded balancer aims for.
    #[inline]
    fn choose_server(&mut self, pop: usize, object: u64, now: SimTime) -> u32 {
        let first = self.pops[pop].first_server;
        let local = match &mut self.pops[pop].chooser {
            Chooser::RoundRobin(rr) => rr.pick(),
            Chooser::LeastLoaded => {
                let servers = &self.servers[first as usize..];
                LeastLoaded::among_spread(self.cfg.servers_per_pop, object, |&i| {
                    servers[i as usize].workers.earliest_start(now)
                })
            }
            Chooser::Hash => self.ring.lookup(object).unwrap_or(0),
        };
        first + local
    }

    /// Lazy freshness: the entry's deadlines are compared with now, here and only here.
    fn look_up(&mut self, idx: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let req = *self.requests.get(idx);
        let rule = self.cfg.rules[req.class as usize];
        if rule == Storage::NotStored {
            return self.miss(idx, false, false, s);
        }
        let srv = &mut self.servers[req.server as usize];
        let entry = srv.cache.lookup(req.object).copied();
        let state = entry.map(|e| e.classify(now));
        if let Some(e) = entry
            && matches!(
                state,
                Some(Freshness::Fresh | Freshness::StaleWhileRevalidate)
            )
            && self.cfg.versions.changes(req.class)
        {
            let content_at = self.cfg.content_time(req.class, &e);
            self.note_content(now, req.class, req.object, content_at);
        }
        match state {
            Some(Freshness::Fresh) => self.respond(idx, Served::Hit, s),
            Some(Freshness::StaleWhileRevalidate) => {
                self.respond(idx, Served::StaleHit, s);
                self.revalidate_in_background(req, s);
            }
            Some(Freshness::StaleIfErrorOnly | Freshness::Stale) => self.miss(idx, true, true, s),
            None => self.miss(idx, true, false, s),
        }
    }

    /// Sends the response to request `idx` from its PoP, as soon as its
    /// server has processed it, and completes it.
    pub(super) fn respond(&mut self, idx: u32, served: Served, s: &mut Scheduler<Event>) {
        let req = *self.requests.get(idx);
        let now = s.now().max(req.ready);
        let (region, entry) = (RegionId(req.region as u32), PopId(req.entry_pop as u32));
        let rtt = self.world.rtt_region_pop(region, entry);
        let bytes = req.size as u64;
        let access = req.region as usize * self.world.pop_count() + req.entry_pop as usize;
        let egress = &self.pops[req.pop as usize].egress;
        let mut sent = egress
            .finish(now, bytes)
            .max(self.access[access].finish(now, bytes));
        sent = sent.max(now + self.client_serialisation(bytes));
        let received = sent + req.detour + self.return_delay(rtt, bytes, req.warm);
        if received - req.sent_at > self.cfg.timeout {
            return self.fail(idx, Failure::Timeout, s);
        }
        self.pops[req.pop as usize].egress.send(now, bytes);
        self.count_billed_egress(req.pop as usize, now, bytes);
        self.access[access].send(now, bytes);
        self.complete(idx, received, served, s);
    }

    /// No CDN: the origin sends the response to request `idx` once processed.
    pub(super) fn respond_direct(&mut self, idx: u32, s: &mut Scheduler<Event>) {
        let req = *self.requests.get(idx);
        let now = s.now().max(req.ready);
        let origin = crate::world::OriginId(req.server);
        let rtt = self
            .world
            .rtt_region_origin(RegionId(req.region as u32), origin);
        let bytes = req.size as u64;
        let direct = req.region as usize * self.world.origins().len() + origin.index();
        let egress = &self.origins[origin.index()].egress;
        let mut sent = egress
            .finish(now, bytes)
            .max(self.direct[direct].finish(now, bytes));
        sent = sent.max(now + self.client_serialisation(bytes));
        let received = sent + self.return_delay(rtt, bytes, req.warm);
        if received - req.sent_at > self.cfg.timeout {
            return self.fail(idx, Failure::Timeout, s);
        }
        self.origins[origin.index()].egress.send(now, bytes);
        self.direct[direct].send(now, bytes);
        self.note_origin_bytes(now, bytes);
        self.complete(idx, received, Served::Origin, s);
    }

    /// Time for the client's own access link to take `bytes`.
    #[inline]
    fn client_serialisation(&self, bytes: u64) -> SimTime {
        SimTime::from_nanos((bytes as f64 * self.cfg.client_ns_per_byte) as u64)
    }

    /// From the last byte leaving to it reaching the client: half a round
    /// trip plus the slow-start round trips of a new connection.
    #[inline]
    fn return_delay(&self, rtt: SimTime, bytes: u64, warm: bool) -> SimTime {
        let rounds = if warm {
            0
        } else {
            slow_start_rounds(bytes, self.cfg.initial_window)
        };
        SimTime::from_nanos(rtt.as_nanos() / 2) + rtt.saturating_mul(rounds as u64)
    }

    /// Records a served request and frees it; a video player hears of it at `received`.
    fn complete(&mut self, idx: u32, received: SimTime, served: Served, s: &mut Scheduler<Event>) {
        let req = *self.requests.get(idx);
        if let Source::Attack(_) = req.source {
            self.requests.remove(idx);
            return self.end_attack(Some(served));
        }
        let latency = received - req.sent_at;
        self.stats.record(&req, latency, served);
        if let Some(series) = &mut self.series {
            series.record(s.now(), &req, latency, served);
        }
        match req.source {
            Source::Video(session) => {
                self.note_video_served(session, &req, served);
                s.schedule_at(received, Event::VideoReceived(session))
            }
            Source::External(tag) => self.note_external(tag, received, Some(served)),
            Source::Catalogue | Source::Flash(_) | Source::Attack(_) => {}
        }
        self.requests.remove(idx);
    }

    /// Fails request `idx` and frees it.
    pub(super) fn fail(&mut self, idx: u32, why: Failure, s: &mut Scheduler<Event>) {
        let req = *self.requests.get(idx);
        if let Source::Attack(_) = req.source {
            self.requests.remove(idx);
            return self.end_attack(None);
        }
        self.stats.record_failure(&req, why);
        if let Some(series) = &mut self.series {
            series.failed.add(s.now(), 1.0);
        }
        match req.source {
            Source::Video(session) => self.on_video_failed(session),
            Source::External(tag) => self.note_external(tag, s.now(), None),
            Source::Catalogue | Source::Flash(_) | Source::Attack(_) => {}
        }
        self.requests.remove(idx);
    }
}
