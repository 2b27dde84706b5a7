//! Fetches from upstream: a cache server's misses go to its shield (when
//! the parent tier is on) or to the origin; a shield's misses go to the
//! origin. Concurrent misses for one object at one cache server (or one
//! shield) collapse onto the fetch already in flight (Fastly, CloudFront and
//! Varnish all do this; see docs/cdn.md), so one expiry of a hot object costs
//! one upstream fetch per server. A stale copy turns the fetch into a
//! conditional request answered by 304 Not Modified without a body (RFC 9111
//! §4.3). Responses marked `no-store` are fetched per request and never
//! collapsed (Fastly's hit-for-pass). When the upstream fails, waiters get
//! their stale copy inside its stale-if-error window (RFC 5861 §4) or fail.

use super::attack::Front;
use super::model::{CdnModel, Event, Fetch, NONE, OriginJob, Request, Source};
use super::stats::{Failure, Served};
use crate::cache::CachePolicy;
use crate::cache::http::{Freshness, Storage};
use crate::engine::{Scheduler, SimTime};
use crate::world::{OriginId, PopId, ShieldId};

#[inline]
fn half(rtt: SimTime) -> SimTime {
    SimTime::from_nanos(rtt.as_nanos() / 2)
}

impl CdnModel {
    /// Request `idx` missed (or its copy is stale): join the fetch in flight or start one.
    pub(super) fn miss(
        &mut self,
        idx: u32,
        cacheable: bool,
        conditional: bool,
        s: &mut Scheduler<Event>,
    ) {
        let req = *self.requests.get(idx);
        let server = req.server as usize;
        let leader = if cacheable {
            self.servers[server].inflight.get(req.object)
        } else {
            None
        };
        if let Some(f) = leader
            && self.cfg.collapsing
        {
            self.push_waiter(f, idx);
            self.stats.collapsed += 1;
            return;
        }
        if let Source::Attack(_) = req.source {
            self.note_attack_miss();
        }
        let flash = self.is_flash(req.object);
        if flash && cacheable && leader.is_none() {
            self.stats.flash.episodes += 1;
        }
        let f = self.new_fetch(&req, conditional, flash);
        self.note_video_pop_fetch(req.object);
        self.push_waiter(f, idx);
        if cacheable && leader.is_none() {
            self.servers[server].inflight.insert(req.object, f);
        }
        self.send_upstream(f, req.ready, s);
    }

    fn new_fetch(&mut self, req: &Request, conditional: bool, flash: bool) -> u32 {
        let copy_at = if conditional && self.cfg.versions.changes(req.class) {
            let entry = self.servers[req.server as usize].cache.peek_mut(req.object);
            entry.map_or(SimTime::ZERO, |e| self.cfg.content_time(req.class, e))
        } else {
            SimTime::ZERO
        };
        self.fetches.insert(Fetch {
            object: req.object,
            size: req.size,
            server: req.server,
            epoch: req.epoch,
            head: NONE,
            tail: NONE,
            next: NONE,
            ready: req.ready,
            pop: req.pop,
            class: req.class,
            shield_level: false,
            conditional,
            error: false,
            copy_at,
            content_at: SimTime::ZERO,
            flash,
        })
    }

    /// Stale-while-revalidate: refresh the copy in the background, once.
    pub(super) fn revalidate_in_background(&mut self, req: Request, s: &mut Scheduler<Event>) {
        let server = req.server as usize;
        if self.servers[server].inflight.get(req.object).is_some() {
            return;
        }
        let flash = self.is_flash(req.object);
        let f = self.new_fetch(&req, true, flash);
        self.servers[server].inflight.insert(req.object, f);
        self.send_upstream(f, req.ready, s);
    }

    fn push_waiter(&mut self, f: u32, idx: u32) {
        self.requests.get_mut(idx).next = NONE;
        let tail = self.fetches.get(f).tail;
        if tail == NONE {
            self.fetches.get_mut(f).head = idx;
        } else {
            self.requests.get_mut(tail).next = idx;
        }
        self.fetches.get_mut(f).tail = idx;
    }

    fn push_child(&mut self, parent: u32, child: u32) {
        self.fetches.get_mut(child).next = NONE;
        let tail = self.fetches.get(parent).tail;
        if tail == NONE {
            self.fetches.get_mut(parent).head = child;
        } else {
            self.fetches.get_mut(tail).next = child;
        }
        self.fetches.get_mut(parent).tail = child;
    }

    /// Sends PoP fetch `f` to the shield, or straight to the origin, at `at`
    /// (when the cache server has processed the request that missed).
    fn send_upstream(&mut self, f: u32, at: SimTime, s: &mut Scheduler<Event>) {
        let pop = PopId(self.fetches.get(f).pop as u32);
        if self.cfg.shield_enabled {
            let arrive = at + half(self.world.rtt_pop_shield(pop));
            s.schedule_at(arrive, Event::ShieldArrive(f));
        } else {
            let arrive = at + half(self.world.rtt_pop_origin(pop));
            s.schedule_at(arrive, Event::OriginArrive(OriginJob::Fetch(f)));
        }
    }

    /// The shield a PoP fetch goes to.
    fn shield_of(&self, f: u32) -> usize {
        let pop = PopId(self.fetches.get(f).pop as u32);
        self.world.shield_of_pop(pop).map_or(0, |sh| sh.index())
    }

    /// PoP fetch `f` reaches its shield, which consults its cache now and
    /// answers once a worker has processed the fetch (`Fetch::ready`).
    pub(super) fn on_shield_arrive(&mut self, f: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let sh = self.shield_of(f);
        let shield = &mut self.shields[sh];
        let service = self.cfg.shield_service.sample(&mut shield.rng);
        let Some(slot) = shield.workers.admit(now, service) else {
            return self.reply_error_to_pop(f, s);
        };
        self.fetches.get_mut(f).ready = slot.finish;
        let fetch = *self.fetches.get(f);
        if self.cfg.rules[fetch.class as usize] == Storage::NotStored {
            return self.shield_miss(f, sh, false, false, s);
        }
        let state = self.shields[sh]
            .cache
            .lookup(fetch.object)
            .map(|e| e.classify(now));
        if let Some(i) = self.watched.iter().position(|(o, _)| *o == fetch.object) {
            let fresh = matches!(
                state,
                Some(Freshness::Fresh | Freshness::StaleWhileRevalidate)
            );
            let (lookups, hits) = &mut self.watched_shield[i];
            *lookups += 1;
            *hits += fresh as u64;
        }
        match state {
            Some(Freshness::Fresh) => self.reply_from_shield(f, s),
            Some(Freshness::StaleWhileRevalidate) => {
                self.reply_from_shield(f, s);
                self.shield_revalidate(sh, &fetch, s);
            }
            Some(Freshness::StaleIfErrorOnly | Freshness::Stale) => {
                self.shield_miss(f, sh, true, true, s)
            }
            None => self.shield_miss(f, sh, true, false, s),
        }
    }

    /// The shield misses for PoP fetch `child`: collapse or fetch from the origin.
    fn shield_miss(
        &mut self,
        child: u32,
        sh: usize,
        cacheable: bool,
        conditional: bool,
        s: &mut Scheduler<Event>,
    ) {
        let fetch = *self.fetches.get(child);
        let leader = if cacheable {
            self.shields[sh].inflight.get(fetch.object)
        } else {
            None
        };
        if let Some(parent) = leader
            && self.cfg.collapsing
        {
            self.push_child(parent, child);
            self.stats.collapsed_at_shield += 1;
            return;
        }
        let parent = self.new_shield_fetch(&fetch, sh, conditional);
        self.push_child(parent, child);
        if cacheable && leader.is_none() {
            self.shields[sh].inflight.insert(fetch.object, parent);
        }
        let delay = half(self.world.rtt_shield_origin(ShieldId::from_index(sh)));
        s.schedule_at(
            fetch.ready + delay,
            Event::OriginArrive(OriginJob::Fetch(parent)),
        );
    }

    fn new_shield_fetch(&mut self, child: &Fetch, sh: usize, conditional: bool) -> u32 {
        let copy_at = if conditional && self.cfg.versions.changes(child.class) {
            let entry = self.shields[sh].cache.peek_mut(child.object);
            entry.map_or(SimTime::ZERO, |e| self.cfg.content_time(child.class, e))
        } else {
            SimTime::ZERO
        };
        self.fetches.insert(Fetch {
            server: sh as u32,
            head: NONE,
            tail: NONE,
            next: NONE,
            shield_level: true,
            conditional,
            error: false,
            copy_at,
            ..*child
        })
    }

    fn shield_revalidate(&mut self, sh: usize, fetch: &Fetch, s: &mut Scheduler<Event>) {
        if self.shields[sh].inflight.get(fetch.object).is_some() {
            return;
        }
        let parent = self.new_shield_fetch(fetch, sh, true);
        self.shields[sh].inflight.insert(fetch.object, parent);
        let delay = half(self.world.rtt_shield_origin(ShieldId::from_index(sh)));
        s.schedule_at(
            fetch.ready + delay,
            Event::OriginArrive(OriginJob::Fetch(parent)),
        );
    }

    /// The shield answers PoP fetch `f` from its cache, once it has processed it.
    fn reply_from_shield(&mut self, f: u32, s: &mut Scheduler<Event>) {
        if self.cfg.versions.changes(self.fetches.get(f).class) || !self.purges.list.is_empty() {
            self.shield_version(f);
        }
        let fetch = *self.fetches.get(f);
        let at = s.now().max(fetch.ready);
        let bytes = if fetch.conditional {
            0
        } else {
            fetch.size as u64
        };
        let pop = fetch.pop as usize;
        let sent = self.pops[pop].shield_link.send(at, bytes);
        let back = half(self.world.rtt_pop_shield(PopId(pop as u32)));
        s.schedule_at(sent + back, Event::FetchDone(f));
    }

    /// Changing content: what the shield's copy (if stored) gives PoP fetch
    /// `f`: its content time, and a full body when the PoP's copy is older
    /// and an update came between them (a 304 otherwise).
    fn shield_version(&mut self, f: u32) {
        let fetch = *self.fetches.get(f);
        let sh = self.shield_of(f);
        let shield_copy = (self.shields[sh].cache.peek_mut(fetch.object))
            .map(|e| self.cfg.content_time(fetch.class, e));
        let content_at = shield_copy.unwrap_or(fetch.content_at);
        let fetch = self.fetches.get_mut(f);
        if fetch.conditional {
            let (object, class) = (fetch.object, fetch.class);
            if self
                .cfg
                .versions
                .modified(class, object, fetch.copy_at, content_at)
            {
                fetch.conditional = false;
            }
        }
        fetch.content_at = if fetch.conditional {
            content_at.max(fetch.copy_at)
        } else {
            content_at
        };
    }

    fn reply_error_to_pop(&mut self, f: u32, s: &mut Scheduler<Event>) {
        self.fetches.get_mut(f).error = true;
        let pop = PopId(self.fetches.get(f).pop as u32);
        s.schedule_in(half(self.world.rtt_pop_shield(pop)), Event::FetchDone(f));
    }

    /// The origin a job is for.
    fn origin_of(&self, job: OriginJob) -> usize {
        match job {
            OriginJob::Direct(idx) => self.requests.get(idx).server as usize,
            OriginJob::Fetch(f) => {
                let fetch = self.fetches.get(f);
                let origin: OriginId = if fetch.shield_level {
                    self.world
                        .origin_of_shield(ShieldId::from_index(fetch.server as usize))
                } else {
                    self.world.origin_of_pop(PopId(fetch.pop as u32))
                };
                origin.index()
            }
        }
    }

    /// Half the round trip between a fetch's requester and the origin.
    fn origin_half_rtt(&self, f: u32) -> SimTime {
        let fetch = self.fetches.get(f);
        if fetch.shield_level {
            half(
                self.world
                    .rtt_shield_origin(ShieldId::from_index(fetch.server as usize)),
            )
        } else {
            half(self.world.rtt_pop_origin(PopId(fetch.pop as u32)))
        }
    }

    /// A fetch (or, without a CDN, a client request) reaches the origin.
    pub(super) fn on_origin_arrive(&mut self, job: OriginJob, s: &mut Scheduler<Event>) {
        let now = s.now();
        let origin = self.origin_of(job);
        self.stats.origin_requests += 1;
        if !self.purges.list.is_empty() {
            self.purges.note_origin(now);
        }
        if let OriginJob::Fetch(f) = job {
            let fetch = self.fetches.get_mut(f);
            if fetch.conditional {
                self.stats.origin_revalidations += 1;
            }
            if fetch.flash {
                self.stats.flash.origin_fetches += 1;
            }
            if let Some((_, n)) = self.watched.iter_mut().find(|(o, _)| *o == fetch.object) {
                *n += 1;
            }
            // The origin's version now (a purge asks for it even when the
            // class does not change): a full body if it changed since the copy.
            fetch.content_at = now;
            if fetch.conditional
                && self.cfg.versions.changes(fetch.class)
                && (self.cfg.versions).modified(fetch.class, fetch.object, fetch.copy_at, now)
            {
                fetch.conditional = false;
            }
        }
        if let Some(series) = &mut self.series {
            series.origin_requests.add(now, 1.0);
        }
        if self.origin_out(now) {
            return self.origin_error(job, s);
        }
        match self.through_origin_front(job, origin, s) {
            Front::Pass => {}
            Front::Ended => return,
            Front::Refused => {
                self.stats.origin_refused += 1;
                return self.origin_error(job, s);
            }
        }
        let o = &mut self.origins[origin];
        let service = self.cfg.origin_service.sample(&mut o.rng);
        let Some(slot) = o.workers.admit(now, service) else {
            self.stats.origin_refused += 1;
            return self.origin_error(job, s);
        };
        match job {
            OriginJob::Direct(idx) => {
                self.requests.get_mut(idx).ready = slot.finish;
                self.respond_direct(idx, s);
            }
            OriginJob::Fetch(f) => self.origin_reply(f, origin, slot.finish, s),
        }
    }

    fn origin_error(&mut self, job: OriginJob, s: &mut Scheduler<Event>) {
        match job {
            OriginJob::Direct(idx) => self.fail(idx, Failure::OriginError, s),
            OriginJob::Fetch(f) => {
                self.fetches.get_mut(f).error = true;
                s.schedule_in(self.origin_half_rtt(f), Event::FetchDone(f));
            }
        }
    }

    /// The origin has processed fetch `f` by `at`: send the response back.
    fn origin_reply(&mut self, f: u32, origin: usize, at: SimTime, s: &mut Scheduler<Event>) {
        let fetch = *self.fetches.get(f);
        let bytes = if fetch.conditional {
            self.stats.origin_not_modified += 1;
            0
        } else {
            self.stats.origin_full += 1;
            fetch.size as u64
        };
        let link = if fetch.shield_level {
            &mut self.shields[fetch.server as usize].origin_link
        } else {
            &mut self.pops[fetch.pop as usize].origin_link
        };
        let sent = link
            .send(at, bytes)
            .max(self.origins[origin].egress.send(at, bytes));
        self.note_origin_bytes(at, bytes);
        self.note_video_origin(fetch.object, bytes);
        s.schedule_at(sent + self.origin_half_rtt(f), Event::FetchDone(f));
    }

    /// A request of a changing class is served content of `content_at`:
    /// its age, and whether the origin has a newer version by `now`.
    pub(super) fn note_content(
        &mut self,
        now: SimTime,
        class: u8,
        object: u64,
        content_at: SimTime,
    ) {
        let st = &mut self.stats;
        st.content_served += 1;
        st.content_age_ns += now.saturating_sub(content_at).as_nanos() as u128;
        let stale = self.cfg.versions.modified(class, object, content_at, now);
        st.stale_served += stale as u64;
        if !self.purges.list.is_empty() {
            self.purges.note_served(now, stale);
            if let Some(at) = stale
                .then(|| self.cfg.versions.published_in(object, content_at, now))
                .flatten()
            {
                self.purges.note_stale_published(at, now);
            }
        }
    }

    pub(super) fn note_origin_bytes(&mut self, now: SimTime, bytes: u64) {
        self.stats.origin_bytes += bytes;
        if let Some(series) = &mut self.series {
            series.origin_bits.add(now, bytes as f64 * 8.0);
        }
    }

    /// A fetch's response (or error) reaches the PoP or shield that asked.
    pub(super) fn on_fetch_done(&mut self, f: u32, s: &mut Scheduler<Event>) {
        if self.fetches.get(f).shield_level {
            self.shield_fetch_done(f, s);
        } else {
            self.pop_fetch_done(f, s);
        }
        self.fetches.remove(f);
    }

    fn pop_fetch_done(&mut self, f: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let fetch = *self.fetches.get(f);
        let server = fetch.server as usize;
        let current = fetch.epoch == self.pops[fetch.pop as usize].epoch;
        if current && self.servers[server].inflight.get(fetch.object) == Some(f) {
            self.servers[server].inflight.remove(fetch.object);
        }
        let mut w = fetch.head;
        if !current {
            while w != NONE {
                let next = self.requests.get(w).next;
                self.fail(w, Failure::PopDown, s);
                w = next;
            }
            return;
        }
        if fetch.error {
            return self.serve_stale_or_fail(&fetch, s);
        }
        let changes = self.cfg.versions.changes(fetch.class);
        let purged = !self.purges.list.is_empty()
            && (self.purges).cancels(fetch.object, fetch.pop as usize, fetch.content_at, now);
        let served = match self.cfg.rules[fetch.class as usize] {
            Storage::Stored(_) if purged => Served::Miss,
            Storage::Stored(rule) => {
                // Changing content: fresh for the lifetime from its content
                // time (the Age the upstream reports counts against it).
                let expiry = rule.expiry(if changes { fetch.content_at } else { now });
                let cache = &mut self.servers[server].cache;
                match cache.peek_mut(fetch.object) {
                    Some(e) if fetch.conditional => *e = expiry,
                    _ => {
                        cache.insert(fetch.object, fetch.size as u64, expiry);
                    }
                }
                Served::Miss
            }
            Storage::NotStored => Served::Pass,
        };
        while w != NONE {
            let next = self.requests.get(w).next;
            if changes {
                self.note_content(now, fetch.class, fetch.object, fetch.content_at);
            }
            self.respond(w, served, s);
            w = next;
        }
    }

    /// The upstream failed: RFC 5861 §4 lets a stale copy be served inside its
    /// stale-if-error window (and stale-while-revalidate's, which is shorter
    /// or equal in practice); otherwise the request fails.
    fn serve_stale_or_fail(&mut self, fetch: &Fetch, s: &mut Scheduler<Event>) {
        let now = s.now();
        let copy = self.servers[fetch.server as usize]
            .cache
            .peek_mut(fetch.object)
            .filter(|e| e.classify(now) != Freshness::Stale)
            .copied();
        let usable = copy.is_some();
        if let Some(e) = copy
            && self.cfg.versions.changes(fetch.class)
        {
            let content_at = self.cfg.content_time(fetch.class, &e);
            let mut w = fetch.head;
            while w != NONE {
                self.note_content(now, fetch.class, fetch.object, content_at);
                w = self.requests.get(w).next;
            }
        }
        let mut w = fetch.head;
        while w != NONE {
            let next = self.requests.get(w).next;
            if usable {
                self.respond(w, Served::StaleOnError, s);
            } else {
                self.fail(w, Failure::OriginError, s);
            }
            w = next;
        }
    }

    fn shield_fetch_done(&mut self, parent: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let fetch = *self.fetches.get(parent);
        let sh = fetch.server as usize;
        if self.shields[sh].inflight.get(fetch.object) == Some(parent) {
            self.shields[sh].inflight.remove(fetch.object);
        }
        let usable = if fetch.error {
            self.shields[sh]
                .cache
                .peek_mut(fetch.object)
                .is_some_and(|e| e.classify(now) != Freshness::Stale)
        } else {
            let slot = self.pops.len();
            let purged = !self.purges.list.is_empty()
                && (self.purges).cancels(fetch.object, slot, fetch.content_at, now);
            if let Storage::Stored(rule) = self.cfg.rules[fetch.class as usize]
                && !purged
            {
                let changes = self.cfg.versions.changes(fetch.class);
                let expiry = rule.expiry(if changes { fetch.content_at } else { now });
                let cache = &mut self.shields[sh].cache;
                match cache.peek_mut(fetch.object) {
                    Some(e) if fetch.conditional => *e = expiry,
                    _ => {
                        cache.insert(fetch.object, fetch.size as u64, expiry);
                    }
                }
            }
            true
        };
        let mut child = fetch.head;
        while child != NONE {
            let next = self.fetches.get(child).next;
            self.fetches.get_mut(child).content_at = fetch.content_at;
            if usable {
                self.reply_from_shield(child, s);
            } else {
                self.reply_error_to_pop(child, s);
            }
            child = next;
        }
    }
}
