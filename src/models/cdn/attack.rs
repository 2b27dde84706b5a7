//! Denial-of-service attacks (`[[cdn.attack]]`, `workload::attack`) and the
//! front ends that meet them (`[cdn.edge]`, `cdn.origin.request_capacity`
//! and `bandwidth`).
//!
//! An attack's requests are ordinary requests of the model with
//! `Source::Attack(bot)`: they are routed from their bot's network, pay the
//! handshakes, queue at cache servers and the origin, fill caches and
//! links, exactly as a client's would. What sets them apart is only where
//! they are counted: never in the legitimate metrics (`requests`,
//! `hit_ratio`, latency, `failed_share`), always in `attack.*`.
//!
//! Every client-facing site (each PoP, or the origin without a CDN) has a
//! front end. An arriving request first needs room on the site's ingress
//! link (`edge.bandwidth`, a token bucket of bytes), then, if it comes
//! from a bot, a token of its address's rate limit (`edge.rate_limit`),
//! then a token of the front end's request capacity
//! (`edge.request_capacity`). A request that finds none is dropped there:
//! a legitimate one fails as `saturated`. The origin's own front end
//! (`origin.request_capacity`, `origin.bandwidth`) checks every request
//! reaching it, fetches included; a refused fetch is an origin error (its
//! waiters get stale-if-error or fail).

use super::model::{CdnModel, Event, NO_POP, OriginJob, Source};
use super::params::Mode;
use super::serve::{NewRequest, below};
use super::stats::{Failure, Served};
use crate::engine::{Scheduler, SimRng, SimTime};
use crate::faults::admission::TokenBucket;
use crate::workload::arrivals::PoissonStream;
use crate::world::{PopId, RegionId};

/// Cache-busting ids: far above any id the catalogue can reach, in the
/// slot of the object they bust (so they share its size and class).
pub const BUSTING_BASE: u64 = 1 << 62;

/// One attack while the run goes.
pub struct AttackRun {
    pub start: SimTime,
    pub end: SimTime,
    pub stream: PoissonStream,
    pub rng: SimRng,
    /// Its bots are `first_bot .. first_bot + bots` of the run's bot table.
    pub first_bot: u32,
    pub bots: u32,
    /// Cumulative bot shares of its source regions, and the regions.
    pub region_cumulative: Vec<f64>,
    pub regions: Vec<u16>,
    pub rank: u64,
    pub busting: f64,
    /// The PoP every bot sends to (a name resolved once, not anycast).
    pub pinned: Option<u16>,
}

/// A site's front end: ingress bytes and requests per second.
#[derive(Clone, Debug, Default)]
pub struct Door {
    pub bytes: Option<TokenBucket>,
    pub requests: Option<TokenBucket>,
}

/// What a front end did with a request.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// No room on the link or in the front end.
    Dropped,
    /// Its source address is over the rate limit.
    RateLimited,
}

/// What an origin's front end did with a job.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Front {
    Pass,
    /// A client request dropped at the client-facing front end (ended there).
    Ended,
    /// The origin's own front end had no room.
    Refused,
}

/// Attack requests by outcome, over the whole run (not reset at the end
/// of the warm-up: every attack request is counted once, from its start).
#[derive(Clone, Debug, Default)]
pub struct AttackCounters {
    pub sent: u64,
    /// Reached their first client-facing front end.
    pub arrived: u64,
    pub unrouted: u64,
    pub dropped: u64,
    pub rate_limited: u64,
    pub hits: u64,
    /// Served after going upstream (a miss, or no CDN).
    pub served_upstream: u64,
    pub failed: u64,
    /// Misses that joined or started an upstream fetch.
    pub upstream: u64,
    pub in_flight: u64,
}

/// Attack requests at one PoP.
#[derive(Copy, Clone, Debug, Default)]
pub struct PopAttack {
    pub arrived: u64,
    pub dropped: u64,
    pub rate_limited: u64,
}

/// The attacks of a run and the front ends' state.
pub struct Defence {
    pub runs: Vec<AttackRun>,
    /// Per PoP (or, without a CDN, per origin: the client-facing front end).
    pub client_doors: Vec<Door>,
    /// Per origin: its own front end.
    pub origin_doors: Vec<Door>,
    /// Per bot: its address's rate limit (empty without one).
    pub bot_limits: Vec<TokenBucket>,
    pub request_bytes: f64,
    /// Catalogue slots (ids in one slot share size and class).
    pub slots: u64,
    pub busted: u64,
    pub counters: AttackCounters,
    pub pops: Vec<PopAttack>,
    /// Requests reaching the origin in each second of the run.
    pub origin_bins: Vec<u32>,
    pub measured_from: SimTime,
}

/// The most one-second bins of origin arrivals kept (a run of over 115
/// days of simulated time keeps the first 10 M seconds).
pub const MAX_ORIGIN_BINS: usize = 10_000_000;

impl Door {
    /// A front end of `requests_per_s` and `bytes_per_s`, each holding
    /// `burst_s` worth (at least one request or one request's bytes).
    pub fn new(
        requests_per_s: Option<f64>,
        bytes_per_s: Option<f64>,
        burst_s: f64,
        bytes: f64,
    ) -> Door {
        Door {
            requests: requests_per_s.map(|r| TokenBucket::new(r, (r * burst_s).max(1.0))),
            bytes: bytes_per_s.map(|b| TokenBucket::new(b, (b * burst_s).max(bytes))),
        }
    }
}

impl Defence {
    /// The verdict of client-facing front end `site` on a request from
    /// `bot` (none: a legitimate client) at `now`.
    fn client_verdict(&mut self, site: usize, bot: Option<u32>, now: SimTime) -> Verdict {
        let door = &mut self.client_doors[site];
        if let Some(b) = &mut door.bytes
            && !b.try_take_n(now, self.request_bytes)
        {
            return Verdict::Dropped;
        }
        if let Some(bot) = bot
            && let Some(limit) = self.bot_limits.get_mut(bot as usize)
            && !limit.try_take(now)
        {
            return Verdict::RateLimited;
        }
        if door.requests.as_mut().is_some_and(|r| !r.try_take(now)) {
            return Verdict::Dropped;
        }
        Verdict::Pass
    }

    /// Whether origin `origin`'s own front end takes a request at `now`.
    fn origin_takes(&mut self, origin: usize, now: SimTime) -> bool {
        let bytes = self.request_bytes;
        let door = &mut self.origin_doors[origin];
        let link = door.bytes.as_mut().is_none_or(|b| b.try_take_n(now, bytes));
        link && door.requests.as_mut().is_none_or(|r| r.try_take(now))
    }

    /// The attack bot `bot` belongs to.
    fn run_of(&self, bot: u32) -> &AttackRun {
        let i = self
            .runs
            .partition_point(|r| r.first_bot + r.bots <= bot)
            .min(self.runs.len() - 1);
        &self.runs[i]
    }
}

impl CdnModel {
    /// The first request of every attack.
    pub(super) fn start_attacks(&mut self, s: &mut Scheduler<Event>) {
        let Some(d) = &mut self.attack else {
            return;
        };
        for (i, run) in d.runs.iter_mut().enumerate() {
            let gap = run.stream.gap(&mut run.rng);
            s.schedule_at(run.start + gap, Event::AttackArrival(i as u16));
        }
    }

    /// One request of attack `a` leaves its bot.
    pub(super) fn on_attack_arrival(&mut self, a: u16, s: &mut Scheduler<Event>) {
        let now = s.now();
        let clients = self.cfg.clients_per_region;
        let d = self.attack.as_mut().expect("attack events need attacks");
        let run = &mut d.runs[a as usize];
        if now >= run.end {
            return;
        }
        let gap = run.stream.gap(&mut run.rng);
        s.schedule_in(gap, Event::AttackArrival(a));
        let bot = below(&mut run.rng, run.bots);
        // Bots are laid out region by region, in proportion to the shares.
        let u = (bot as f64 + 0.5) / run.bots as f64;
        let i = (run.region_cumulative.partition_point(|&c| c <= u)).min(run.regions.len() - 1);
        let region = run.regions[i];
        let client = (crate::engine::rng::splitmix64(bot as u64) % clients as u64) as u32;
        let bust = rand::RngExt::random::<f64>(&mut run.rng) < run.busting;
        let (rank, global_bot) = (run.rank, run.first_bot + bot);
        let target = self.catalogue.object_at_rank(rank);
        let object = if bust {
            d.busted += 1;
            BUSTING_BASE + target % d.slots + d.busted * d.slots
        } else {
            target
        };
        d.counters.sent += 1;
        let new = NewRequest {
            region,
            client,
            object,
            size: self.catalogue.size(object),
            class: self.class_of(target),
            warm: false,
            source: Source::Attack(global_bot),
        };
        self.send_attack(new, s);
    }

    /// Routes an attack request from its bot's network (or to the PoP its
    /// name was resolved to once) and sends it.
    fn send_attack(&mut self, new: NewRequest, s: &mut Scheduler<Event>) {
        let d = self.attack.as_mut().expect("attack requests need attacks");
        d.counters.in_flight += 1;
        if self.cfg.mode == Mode::NoCdn {
            return self.dispatch_direct(new, false, s);
        }
        let Source::Attack(bot) = new.source else {
            unreachable!("send_attack sends attack requests only")
        };
        let pinned = d.run_of(bot).pinned;
        let slot = self.route_slot(new.region, new.client);
        let pop = pinned.unwrap_or(self.routes[slot].pop);
        let d = self.attack.as_mut().expect("attack requests need attacks");
        if pop == NO_POP {
            d.counters.in_flight -= 1;
            d.counters.unrouted += 1;
            return;
        }
        let mut req = self.blank_request(new, s.now());
        req.entry_pop = pop;
        req.pop = pop;
        let rtt = (self.world).rtt_region_pop(RegionId(new.region as u32), PopId(pop as u32));
        let set_up = self.set_up_delay(rtt, false);
        let idx = self.requests.insert(req);
        s.schedule_in(set_up, Event::AtPop(idx));
    }

    /// Request `idx` meets client-facing front end `site` (a PoP, or an
    /// origin without a CDN): whether it passes. A request that does not
    /// is dropped and ended here.
    #[inline]
    pub(super) fn through_front(
        &mut self,
        idx: u32,
        site: usize,
        s: &mut Scheduler<Event>,
    ) -> bool {
        let Some(d) = &mut self.attack else {
            return true;
        };
        let req = *self.requests.get(idx);
        let bot = match req.source {
            Source::Attack(bot) => Some(bot),
            _ => None,
        };
        let verdict = d.client_verdict(site, bot, s.now());
        if bot.is_some() && req.hops == 0 {
            d.counters.arrived += 1;
            if let Some(p) = d.pops.get_mut(site).filter(|_| req.pop != NO_POP) {
                p.arrived += 1;
                p.dropped += (verdict == Verdict::Dropped) as u64;
                p.rate_limited += (verdict == Verdict::RateLimited) as u64;
            }
        }
        match (verdict, bot) {
            (Verdict::Pass, _) => return true,
            (Verdict::Dropped, Some(_)) => d.counters.dropped += 1,
            (Verdict::RateLimited, Some(_)) => d.counters.rate_limited += 1,
            (_, None) => {
                self.fail(idx, Failure::Saturated, s);
                return false;
            }
        }
        d.counters.in_flight -= 1;
        self.requests.remove(idx);
        false
    }

    /// A job reaches origin `origin`: whether its own front end takes it
    /// (and, without a CDN, the client-facing one before it). Counts the
    /// origin's arrivals per second (`origin_requests_per_s_peak`).
    #[inline]
    pub(super) fn through_origin_front(
        &mut self,
        job: OriginJob,
        origin: usize,
        s: &mut Scheduler<Event>,
    ) -> Front {
        let now = s.now();
        let Some(d) = &mut self.attack else {
            return Front::Pass;
        };
        let second = (now.as_nanos() / 1_000_000_000) as usize;
        if second < MAX_ORIGIN_BINS {
            if d.origin_bins.len() <= second {
                d.origin_bins.resize(second + 1, 0);
            }
            d.origin_bins[second] += 1;
        }
        if let OriginJob::Direct(idx) = job
            && !self.through_front(idx, origin, s)
        {
            return Front::Ended;
        }
        let d = self.attack.as_mut().expect("checked above");
        if d.origin_takes(origin, now) {
            Front::Pass
        } else {
            Front::Refused
        }
    }

    /// Attack request `req` ended: served (`Some`) or failed.
    pub(super) fn end_attack(&mut self, served: Option<Served>) {
        let d = self.attack.as_mut().expect("attack requests need attacks");
        let c = &mut d.counters;
        c.in_flight -= 1;
        match served {
            Some(s) if s.is_hit() => c.hits += 1,
            Some(_) => c.served_upstream += 1,
            None => c.failed += 1,
        }
    }

    /// An attack request missed at its cache server and goes upstream.
    #[inline]
    pub(super) fn note_attack_miss(&mut self) {
        if let Some(d) = &mut self.attack {
            d.counters.upstream += 1;
        }
    }
}
