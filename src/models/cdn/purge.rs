//! Purge (invalidation): at `at` a purge of one object (by popularity
//! rank), a prefix (a range of ranks: consecutive object ids) or a tag (a
//! content class) is issued, and reaches each PoP after a propagation delay
//! of its own, `delay` plus a uniform draw in [0, `jitter`). Fastly's
//! Instant Purge propagates globally in about 150 ms (the default `delay`;
//! https://docs.fastly.com/en/guides/purging-with-surrogate-keys and
//! Fastly's "Instant Purge" documentation); CloudFront invalidations take
//! minutes (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html),
//! so sweep `delay` and `jitter` for other CDNs. When it reaches a PoP its
//! cache servers drop their copies (or, with `soft = true`, mark them
//! stale so the next request revalidates: Fastly's soft purge); the
//! shields drop theirs after `delay`. A push CDN then pushes the new
//! version to each PoP as the purge reaches it.
//!
//! With `publish = true` the origin gets a new version of the purged
//! objects at `at` (the usual reason to purge), so copies and answers from
//! before it are stale: until the purge lands, a PoP serves the old
//! version. A fetch in flight when the purge lands is cancelled for the
//! cache: an answer the origin gave before `at` that reaches a cache the
//! purge has already reached is delivered to the requests waiting for it
//! but not stored, so no old copy outlives the purge (Varnish's bans and
//! Fastly's purges apply to what the cache holds; an answer stored after
//! the purge is the race this closes). Requests that joined such a fetch
//! get its old answer: the last stale response of a purged object comes
//! at most one upstream fetch after the purge lands
//! (`purge.stale_served_last_ms`).

use rand::RngExt;
use serde::Deserialize;

use super::model::{CdnModel, Event};
use super::params::{CdnParams, Mode};
use crate::cache::CachePolicy;
use crate::engine::{Histogram, Scheduler, SimRng, SimTime};
use crate::run::{RunOutput, TimeUnit};
use crate::units::Duration;

/// Fastly Instant Purge: about 150 ms to every PoP.
pub const PURGE_DELAY_MS: u64 = 150;
/// Purges per run at most, objects per purge at most, and the longest delay.
pub const MAX_PURGES: usize = 1_000;
pub const MAX_PURGE_OBJECTS: u64 = 1 << 20;
pub const MAX_PURGE_DELAY_S: u64 = 24 * 3600;
/// The window after (and before) a purge whose origin requests are counted.
pub const PURGE_WINDOW: SimTime = SimTime::from_secs(10);

/// A purge (`[[cdn.purge]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurgeParams {
    /// When it is issued.
    pub at: Duration,
    /// One object: the one at this popularity rank when the purge is issued.
    #[serde(default)]
    pub rank: Option<u64>,
    /// A prefix: the objects at ranks [from, to).
    #[serde(default)]
    pub ranks: Option<[u64; 2]>,
    /// A tag: every object of this content class (an index into `catalogue.class`; 0 without classes).
    #[serde(default)]
    pub class: Option<u64>,
    /// Propagation delay to every PoP, and the most a PoP adds to it (uniform).
    #[serde(default = "default_delay")]
    pub delay: Duration,
    #[serde(default)]
    pub jitter: Duration,
    /// Mark copies stale (the next request revalidates) instead of dropping them.
    #[serde(default)]
    pub soft: bool,
    /// The origin publishes a new version of the purged objects at `at`.
    #[serde(default)]
    pub publish: bool,
}

fn default_delay() -> Duration {
    Duration(SimTime::from_millis(PURGE_DELAY_MS))
}

/// The key and complaint of the first bad purge (without the run's horizon).
pub fn problem(p: &CdnParams) -> Option<(String, String)> {
    if p.purge.len() > MAX_PURGES {
        return Some((
            "purge".into(),
            format!("expected at most {MAX_PURGES} purges"),
        ));
    }
    let objects = p.catalogue.objects.0;
    let classes = p.catalogue.class.len().max(1) as u64;
    for (i, g) in p.purge.iter().enumerate() {
        let key = |k: &str| format!("purge[{i}].{k}");
        let chosen = [g.rank.is_some(), g.ranks.is_some(), g.class.is_some()];
        if chosen.iter().filter(|&&c| c).count() != 1 {
            return Some((
                key("rank"),
                "give exactly one of `rank` (an object), `ranks` (a prefix [from, to)) or `class` (a tag)".into(),
            ));
        }
        if g.publish && p.mode == Mode::Push {
            return Some((
                key("publish"),
                "a push CDN's copies carry no content time, so staleness is not tracked in push mode; expected `publish = false` (the purge then pushes the current version to each PoP it reaches)".into(),
            ));
        }
        if g.rank.is_some_and(|r| r >= objects) {
            return Some((
                key("rank"),
                format!("expected a rank below the catalogue's {objects} objects"),
            ));
        }
        if let Some([from, to]) = g.ranks
            && (from >= to || to > objects || to - from > MAX_PURGE_OBJECTS)
        {
            return Some((
                key("ranks"),
                format!(
                    "expected [from, to) with from < to <= {objects} (the catalogue's objects) and at most {MAX_PURGE_OBJECTS} objects"
                ),
            ));
        }
        if g.class.is_some_and(|c| c >= classes) {
            return Some((
                key("class"),
                format!("unknown class: the catalogue has {classes} class(es), numbered from 0"),
            ));
        }
        let longest = SimTime::from_secs(MAX_PURGE_DELAY_S);
        if g.delay.0 > longest || g.jitter.0 > longest {
            return Some((
                key("delay"),
                format!("expected a delay and jitter of at most {MAX_PURGE_DELAY_S} s"),
            ));
        }
    }
    None
}

/// The key and complaint of a purge issued at or after the run's end.
pub fn window_problem(p: &CdnParams, horizon: SimTime) -> Option<(String, String)> {
    let i = p.purge.iter().position(|g| g.at.0 >= horizon)?;
    Some((
        format!("purge[{i}].at"),
        format!("the purge is issued at or after the run's end ({horizon})"),
    ))
}

/// A purge while the run goes.
pub struct PurgeState {
    pub spec: PurgeParams,
    /// The object ids it covers (resolved when it is issued).
    pub ids: Vec<u64>,
    /// The same ids, sorted (to ask whether it covers an object).
    pub sorted: Vec<u64>,
    /// When it reached each PoP, and (last) the shields; `SimTime::MAX` before.
    pub reached: Vec<SimTime>,
}

/// Served responses in a window, and how many were stale.
#[derive(Copy, Clone, Default)]
pub struct Served {
    pub served: u64,
    pub stale: u64,
}

/// The purges of a run and their counts.
pub struct Purges {
    pub list: Vec<PurgeState>,
    pub rng: SimRng,
    pub issued: u64,
    pub removed: u64,
    pub propagation: Histogram,
    /// Origin requests in the window before and after each purge.
    pub origin_before: u64,
    pub origin_after: u64,
    /// Responses of changing content in the window before and after each purge.
    pub served_before: Served,
    pub served_after: Served,
    /// Stale responses of objects a purge had published anew, and the
    /// latest of them after its purge's `at`.
    pub stale_of_published: u64,
    pub stale_last: Option<SimTime>,
    /// Answers from before a purge that reached a cache after it (not stored).
    pub cancelled: u64,
}

impl Purges {
    pub fn new(p: &CdnParams, rng: SimRng) -> Purges {
        Purges {
            list: (p.purge.iter().cloned())
                .map(|spec| PurgeState {
                    spec,
                    ids: Vec::new(),
                    sorted: Vec::new(),
                    reached: Vec::new(),
                })
                .collect(),
            rng,
            issued: 0,
            removed: 0,
            propagation: Histogram::new(),
            origin_before: 0,
            origin_after: 0,
            served_before: Served::default(),
            served_after: Served::default(),
            stale_of_published: 0,
            stale_last: None,
            cancelled: 0,
        }
    }

    /// Whether any purge publishes new versions.
    pub fn publishes(p: &CdnParams) -> bool {
        p.purge.iter().any(|g| g.publish)
    }

    /// Counts a response of changing content served at `now` in the windows
    /// of the purges.
    #[inline]
    pub fn note_served(&mut self, now: SimTime, stale: bool) {
        for g in &self.list {
            let at = g.spec.at.0;
            if now >= at && now < at + PURGE_WINDOW {
                self.served_after.served += 1;
                self.served_after.stale += stale as u64;
            }
            if now < at && now + PURGE_WINDOW >= at {
                self.served_before.served += 1;
                self.served_before.stale += stale as u64;
            }
        }
    }

    /// A stale response of an object published anew at `at`, served at `now`.
    pub fn note_stale_published(&mut self, at: SimTime, now: SimTime) {
        self.stale_of_published += 1;
        let late = now.saturating_sub(at);
        self.stale_last = Some(self.stale_last.map_or(late, |l| l.max(late)));
    }

    /// Whether an answer for `object` whose content is from `content_at`,
    /// reaching cache slot `slot` (a PoP index, or the PoP count for the
    /// shields) at `now`, comes after a purge of it landed there: then it is
    /// not stored.
    pub fn cancels(&mut self, object: u64, slot: usize, content_at: SimTime, now: SimTime) -> bool {
        let hit = self.list.iter().any(|g| {
            g.spec.at.0 > content_at
                && g.reached.get(slot).is_some_and(|&r| r <= now)
                && g.sorted.binary_search(&object).is_ok()
        });
        self.cancelled += hit as u64;
        hit
    }

    /// Counts an origin request at `now` in the windows of the purges.
    #[inline]
    pub fn note_origin(&mut self, now: SimTime) {
        for g in &self.list {
            let at = g.spec.at.0;
            self.origin_after += (now >= at && now < at + PURGE_WINDOW) as u64;
            self.origin_before += (now < at && now + PURGE_WINDOW >= at) as u64;
        }
    }

    /// Forgets the counts (end of warm-up).
    pub fn reset(&mut self) {
        self.issued = 0;
        self.removed = 0;
        self.propagation.reset();
        self.origin_before = 0;
        self.origin_after = 0;
        self.served_before = Served::default();
        self.served_after = Served::default();
        self.stale_of_published = 0;
        self.stale_last = None;
        self.cancelled = 0;
    }
}

impl CdnModel {
    /// Time zero: every purge's issue.
    pub(super) fn start_purges(&mut self, s: &mut Scheduler<Event>) {
        for (i, g) in self.purges.list.iter().enumerate() {
            s.schedule_at(g.spec.at.0, Event::PurgeIssued(i as u16));
        }
    }

    /// A purge is issued: its objects are resolved, and it travels to every
    /// PoP (and the shields) with a delay of each one's own.
    pub(super) fn on_purge_issued(&mut self, purge: u16, s: &mut Scheduler<Event>) {
        let spec = self.purges.list[purge as usize].spec.clone();
        let ranks = match (spec.rank, spec.ranks) {
            (Some(r), _) => r..r + 1,
            (_, Some([from, to])) => from..to,
            _ => 0..self.catalogue.len(),
        };
        let ids = ranks
            .map(|r| self.catalogue.object_at_rank(r))
            .filter(|&id| {
                spec.class
                    .is_none_or(|c| self.catalogue.class(id) as u64 == c)
            })
            .collect::<Vec<u64>>();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        if spec.publish {
            self.cfg.versions.publish(spec.at.0, sorted.clone());
        }
        let g = &mut self.purges.list[purge as usize];
        (g.ids, g.sorted) = (ids, sorted);
        g.reached = vec![SimTime::MAX; self.pops.len() + 1];
        self.purges.issued += 1;
        for pop in 0..self.pops.len() {
            let extra = match spec.jitter.0.as_nanos() {
                0 => 0,
                j => self.purges.rng.random_range(0..j),
            };
            let at = spec.at.0 + spec.delay.0 + SimTime::from_nanos(extra);
            s.schedule_at(
                at,
                Event::PurgeAt {
                    purge,
                    pop: pop as u16,
                },
            );
        }
        let shields = super::model::NO_POP;
        s.schedule_at(
            spec.at.0 + spec.delay.0,
            Event::PurgeAt {
                purge,
                pop: shields,
            },
        );
    }

    /// The purge reaches a PoP (or, with `NO_POP`, the shields).
    pub(super) fn on_purge_at(&mut self, purge: u16, pop: u16, s: &mut Scheduler<Event>) {
        let now = s.now();
        let g = &self.purges.list[purge as usize];
        let soft = g.spec.soft;
        let ids = std::mem::take(&mut self.purges.list[purge as usize].ids);
        let slot = match pop == super::model::NO_POP {
            true => self.pops.len(),
            false => pop as usize,
        };
        self.purges.list[purge as usize].reached[slot] = now;
        let caches: Vec<usize> = if pop == super::model::NO_POP {
            (0..self.shields.len()).collect()
        } else {
            let first = self.pops[pop as usize].first_server as usize;
            (first..first + self.cfg.servers_per_pop as usize).collect()
        };
        let mut removed = 0u64;
        for &c in &caches {
            let cache = match pop == super::model::NO_POP {
                true => &mut self.shields[c].cache,
                false => &mut self.servers[c].cache,
            };
            for &id in &ids {
                removed += purge_one(cache, id, soft, now) as u64;
            }
        }
        if pop != super::model::NO_POP {
            self.purges.removed += removed;
            let issued = self.purges.list[purge as usize].spec.at.0;
            self.purges.propagation.record(now - issued);
            if self.cfg.mode == Mode::Push && !self.pops[pop as usize].down {
                let first = self.pops[pop as usize].first_server;
                for &id in &ids {
                    self.push_to_pops(id, |p| p.first_server == first && p.push_target, s);
                }
            }
        }
        self.purges.list[purge as usize].ids = ids;
    }

    /// Purge metrics (when the run has purges).
    pub(super) fn purge_output(&self, out: &mut RunOutput) {
        if self.purges.list.is_empty() {
            return;
        }
        let g = &self.purges;
        out.scalar("purge.count", g.issued as f64);
        out.scalar("purge.objects_removed", g.removed as f64);
        out.histogram(
            "purge.propagation_ms",
            TimeUnit::Millis,
            g.propagation.clone(),
        );
        out.scalar("purge.origin_requests_10s_before", g.origin_before as f64);
        out.scalar("purge.origin_requests_10s_after", g.origin_after as f64);
        out.scalar("purge.answers_not_stored", g.cancelled as f64);
        if self.cfg.versions.any() {
            let share = |w: Served| crate::run::share(w.stale, w.served);
            out.scalar(
                "purge.stale_served_share_10s_before",
                share(g.served_before),
            );
            out.scalar("purge.stale_served_share_10s_after", share(g.served_after));
        }
        if self.purges.list.iter().any(|g| g.spec.publish) {
            out.scalar("purge.stale_served_published", g.stale_of_published as f64);
            let last = g.stale_last.map_or(0.0, |t| t.as_secs_f64() * 1e3);
            out.scalar("purge.stale_served_last_ms", last);
        }
    }
}

/// Drops (or, soft, marks stale) one object's copy; whether there was one.
fn purge_one(
    cache: &mut crate::cache::Cache<crate::cache::http::Expiry>,
    id: u64,
    soft: bool,
    now: SimTime,
) -> bool {
    if soft {
        match cache.peek_mut(id) {
            Some(e) => {
                e.fresh_until = e.fresh_until.min(now);
                true
            }
            None => false,
        }
    } else {
        cache.remove(id).is_some()
    }
}
