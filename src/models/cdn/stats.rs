//! What the CDN model counts while it runs (reset at the end of the
//! warm-up), and its time series on the run's grid (never reset).

use super::model::{NO_POP, Request, Source};
use crate::engine::{GridSeries, Histogram, SeriesKind, SimTime};
use crate::run::{RunContext, SeriesOut};

/// How a request was served.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Served {
    /// A fresh copy at the edge.
    Hit,
    /// A stale copy inside stale-while-revalidate (refreshed in the background).
    StaleHit,
    /// A stale copy inside stale-if-error, because the upstream failed.
    StaleOnError,
    /// Fetched from upstream (full or revalidated) and cached.
    Miss,
    /// Not cacheable (`no-store`, `private`): fetched for this request only.
    Pass,
    /// No CDN: the origin answered the client.
    Origin,
}

impl Served {
    /// Whether the edge answered without waiting for upstream.
    #[inline]
    pub fn is_hit(self) -> bool {
        matches!(self, Served::Hit | Served::StaleHit | Served::StaleOnError)
    }
}

/// Why a request failed.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Its PoP failed (before or while serving it, or before its route was withdrawn).
    PopDown,
    /// A cache server's queue was full.
    Refused,
    /// It would have taken longer than the timeout.
    Timeout,
    /// The origin failed and no usable stale copy was held.
    OriginError,
    /// No PoP reachable from its region was announced.
    Unrouted,
    /// A front end had no room for it (ingress bandwidth or request capacity).
    Saturated,
}

/// Counters of one PoP.
#[derive(Copy, Clone, Debug, Default)]
pub struct PopCounters {
    /// Requests served (hits and misses; failures are `failed`).
    pub requests: u64,
    pub hits: u64,
    /// Served from upstream (fetched, or not cacheable).
    pub misses: u64,
    pub bytes: u64,
    pub bytes_hit: u64,
    pub forwarded_out: u64,
    pub failed: u64,
}

/// Counters of the flash crowds' objects.
#[derive(Clone, Debug, Default)]
pub struct FlashCounters {
    pub requests: u64,
    pub hits: u64,
    /// Fetches of a crowd's object that reached the origin.
    pub origin_fetches: u64,
    /// Misses at a cache server with no fetch of the object in flight there:
    /// the expiries (or first misses) that need a fetch.
    pub episodes: u64,
    pub latency: Histogram,
}

/// Counters of the video sessions.
#[derive(Clone, Debug, Default)]
pub struct VideoCounters {
    pub sessions: u64,
    pub completed: u64,
    pub failed: u64,
    pub segments: u64,
    pub stalls: u64,
    pub stall_ns: u64,
    pub watch_ns: u64,
    /// Adaptive bitrate: the sum of the received segments' bitrates, and
    /// rendition switches up and down.
    pub bitrate_sum: f64,
    pub switches_up: u64,
    pub switches_down: u64,
    pub startup: Histogram,
    /// Fetches of playlists and of segments that reached the origin, and
    /// segment fetches that left a PoP's cache servers.
    pub manifest_origin_fetches: u64,
    pub segment_origin_fetches: u64,
    pub segment_pop_fetches: u64,
    /// Load per rendition of the ladder.
    pub renditions: Vec<RenditionCounters>,
    /// Live: each (segment object, PoP) that served it (a set, only counted).
    pub live_served_at: std::collections::BTreeSet<(u64, u16)>,
}

/// The load of one rendition of the ladder.
#[derive(Clone, Debug, Default)]
pub struct RenditionCounters {
    /// Segments served at the edge, those served from cache, and their bytes.
    pub requests: u64,
    pub hits: u64,
    pub bytes: u64,
    pub origin_fetches: u64,
    pub origin_bytes: u64,
}

/// Everything counted after the warm-up.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Requests served (hits and misses; failures are `failed`).
    pub requests: u64,
    pub hits: u64,
    /// Served from upstream (fetched, not cacheable, or by the origin without a CDN).
    pub misses: u64,
    /// Requests served or failed without reaching a PoP (no CDN, or unrouted).
    pub without_pop: u64,
    pub stale_hits: u64,
    pub stale_on_error: u64,
    pub passes: u64,
    pub bytes: u64,
    pub bytes_hit: u64,
    pub collapsed: u64,
    pub collapsed_at_shield: u64,
    pub forwarded: u64,
    pub failed_over: u64,
    /// Requests routed away from a withdrawn first choice, and the sum of
    /// their extra client round trip.
    pub failover_routed: u64,
    pub failover_slower: u64,
    pub failover_extra_rtt_ms: f64,
    pub failed: u64,
    pub failed_by: [u64; 6],
    /// Per region of the world: legitimate requests and failures (sized
    /// only when attacks or front-end limits are set).
    pub region_attempts: Vec<u64>,
    pub region_failed: Vec<u64>,
    pub to_nearest: u64,
    pub origin_requests: u64,
    pub origin_revalidations: u64,
    pub origin_refused: u64,
    pub origin_bytes: u64,
    pub push_bytes: u64,
    pub published: u64,
    /// Origin answers to fetches: 304 Not Modified, and with a body.
    pub origin_not_modified: u64,
    /// Requests refused by a full request-router queue.
    pub router_refused: u64,
    pub origin_full: u64,
    /// Changing content: requests served, those served a version the origin
    /// had replaced, and the sum of the ages of what was served.
    pub content_served: u64,
    pub stale_served: u64,
    pub content_age_ns: u128,
    pub failed_over_latency: Histogram,
    /// Per continent (their merge is the overall histogram), and per reported region.
    pub continent_latency: Vec<Histogram>,
    pub region_latency: Vec<Histogram>,
    /// Per region: its continent and its reported-region slot (or `u16::MAX`).
    pub region_continent: Vec<u8>,
    pub region_report: Vec<u16>,
    pub pops: Vec<PopCounters>,
    pub flash: FlashCounters,
    pub video: VideoCounters,
}

impl Failure {
    fn slot(self) -> usize {
        match self {
            Failure::PopDown => 0,
            Failure::Refused => 1,
            Failure::Timeout => 2,
            Failure::OriginError => 3,
            Failure::Unrouted => 4,
            Failure::Saturated => 5,
        }
    }

    /// Metric-name suffixes, in slot order.
    pub const NAMES: [&'static str; 6] = [
        "pop_down",
        "refused",
        "timeout",
        "origin_error",
        "unrouted",
        "saturated",
    ];
}

impl Stats {
    /// Forgets every count (end of warm-up); keeps the tables' shapes.
    pub fn reset(&mut self) {
        let fresh = Stats {
            failed_over_latency: std::mem::take(&mut self.failed_over_latency),
            continent_latency: std::mem::take(&mut self.continent_latency),
            region_latency: std::mem::take(&mut self.region_latency),
            region_continent: std::mem::take(&mut self.region_continent),
            region_report: std::mem::take(&mut self.region_report),
            pops: vec![PopCounters::default(); self.pops.len()],
            region_attempts: vec![0; self.region_attempts.len()],
            region_failed: vec![0; self.region_failed.len()],
            flash: FlashCounters {
                latency: std::mem::take(&mut self.flash.latency),
                ..FlashCounters::default()
            },
            video: VideoCounters {
                startup: std::mem::take(&mut self.video.startup),
                ..VideoCounters::default()
            },
            ..Stats::default()
        };
        *self = fresh;
        for h in [
            &mut self.failed_over_latency,
            &mut self.flash.latency,
            &mut self.video.startup,
        ] {
            h.reset();
        }
        for h in self
            .continent_latency
            .iter_mut()
            .chain(self.region_latency.iter_mut())
        {
            h.reset();
        }
    }

    /// A request was served with `latency`.
    #[inline]
    pub fn record(&mut self, req: &Request, latency: SimTime, served: Served) {
        let hit = served.is_hit();
        let bytes = req.size as u64;
        self.requests += 1;
        self.bytes += bytes;
        if hit {
            self.hits += 1;
            self.bytes_hit += bytes;
        } else {
            self.misses += 1;
        }
        match served {
            Served::StaleHit => self.stale_hits += 1,
            Served::StaleOnError => self.stale_on_error += 1,
            Served::Pass => self.passes += 1,
            _ => {}
        }
        if req.pop != NO_POP {
            let pop = &mut self.pops[req.pop as usize];
            pop.requests += 1;
            pop.bytes += bytes;
            if hit {
                pop.hits += 1;
                pop.bytes_hit += bytes;
            } else {
                pop.misses += 1;
            }
        } else {
            self.without_pop += 1;
        }
        let region = req.region as usize;
        if let Some(n) = self.region_attempts.get_mut(region) {
            *n += 1;
        }
        self.continent_latency[self.region_continent[region] as usize].record(latency);
        let report = self.region_report[region];
        if report != u16::MAX {
            self.region_latency[report as usize].record(latency);
        }
        if req.failed_over {
            self.failed_over += 1;
            self.failed_over_latency.record(latency);
        }
        if let Source::Flash(_) = req.source {
            self.flash.requests += 1;
            self.flash.hits += hit as u64;
            self.flash.latency.record(latency);
        }
    }

    /// A request failed.
    pub fn record_failure(&mut self, req: &Request, why: Failure) {
        self.failed += 1;
        self.failed_by[why.slot()] += 1;
        let region = req.region as usize;
        if let (Some(n), Some(f)) = (
            self.region_attempts.get_mut(region),
            self.region_failed.get_mut(region),
        ) {
            *n += 1;
            *f += 1;
        }
        if req.pop != NO_POP {
            self.pops[req.pop as usize].failed += 1;
        } else {
            self.without_pop += 1;
        }
        if req.failed_over {
            self.failed_over += 1;
        }
    }
}

/// Time series on the run's grid. Counts are kept as sums per bin and
/// turned into rates and ratios at the end.
pub struct Series {
    pub requests: GridSeries,
    pub hits: GridSeries,
    pub latency_ms_sum: GridSeries,
    pub failed: GridSeries,
    pub forwarded: GridSeries,
    pub failed_over: GridSeries,
    pub origin_requests: GridSeries,
    pub origin_bits: GridSeries,
    pub push_bits: GridSeries,
    pub pop_requests: Vec<GridSeries>,
    /// Service time done per bin, per PoP (for utilisation).
    pub pop_busy_ns: Vec<GridSeries>,
    horizon: SimTime,
}

impl Series {
    /// The series of a run with PoPs named `pops`, or none when the run records none.
    pub fn new(ctx: &RunContext, pops: &[String]) -> Option<Series> {
        let sum = |name: &str, entity: &str| ctx.series(name, entity, SeriesKind::Sum);
        Some(Series {
            requests: sum("requests", "")?,
            hits: sum("hits", "")?,
            latency_ms_sum: sum("latency_ms_sum", "")?,
            failed: sum("failed", "")?,
            forwarded: sum("forwarded", "")?,
            failed_over: sum("failed_over", "")?,
            origin_requests: sum("origin_requests", "")?,
            origin_bits: sum("origin_bits", "")?,
            push_bits: sum("push_bits", "")?,
            pop_requests: pops
                .iter()
                .map(|p| sum("requests", p))
                .collect::<Option<_>>()?,
            pop_busy_ns: pops
                .iter()
                .map(|p| sum("busy_ns", p))
                .collect::<Option<_>>()?,
            horizon: ctx.window.horizon,
        })
    }

    /// A worker of `pop` is busy over [`start`, `finish`): the time goes to
    /// the bins it covers, so no bin holds more work than its capacity
    /// (`sign` -1 takes back work a crash cancelled).
    #[inline]
    pub fn busy(&mut self, pop: usize, start: SimTime, finish: SimTime, sign: f64) {
        let series = &mut self.pop_busy_ns[pop];
        let step = series.step().as_nanos();
        let (mut t, end) = (start.as_nanos(), finish.min(self.horizon).as_nanos());
        while t < end {
            let until = ((t / step + 1) * step).min(end);
            series.add(SimTime::from_nanos(t), sign * (until - t) as f64);
            t = until;
        }
    }

    #[inline]
    pub fn record(&mut self, now: SimTime, req: &Request, latency: SimTime, served: Served) {
        self.requests.add(now, 1.0);
        if served.is_hit() {
            self.hits.add(now, 1.0);
        }
        self.latency_ms_sum.add(now, latency.as_millis_f64());
        if req.failed_over {
            self.failed_over.add(now, 1.0);
        }
        if req.pop != NO_POP {
            self.pop_requests[req.pop as usize].add(now, 1.0);
        }
    }

    /// The finished series: rates per second, ratios, and PoP utilisation
    /// (push traffic only when objects are pushed).
    pub fn finish(&self, end: SimTime, pop_workers: &[u32], push: bool) -> Vec<SeriesOut> {
        let step = self.requests.step();
        let step_s = step.as_secs_f64();
        let values = |g: &GridSeries| g.values(end);
        let requests = values(&self.requests);
        let out = |name: &str, entity: &str, values: Vec<f64>| SeriesOut {
            name: name.to_string(),
            entity: entity.to_string(),
            step,
            values,
        };
        let per_s = |g: &GridSeries| values(g).iter().map(|v| v / step_s).collect::<Vec<_>>();
        let ratio = |g: &GridSeries| {
            values(g)
                .iter()
                .zip(&requests)
                .map(|(v, n)| if *n > 0.0 { v / n } else { f64::NAN })
                .collect::<Vec<_>>()
        };
        let mut series = vec![
            out("requests_per_s", "", per_s(&self.requests)),
            out("hit_ratio", "", ratio(&self.hits)),
            out("latency_ms_mean", "", ratio(&self.latency_ms_sum)),
            out("failed_per_s", "", per_s(&self.failed)),
            out("forwarded_per_s", "", per_s(&self.forwarded)),
            out("failed_over_per_s", "", per_s(&self.failed_over)),
            out("origin_requests_per_s", "", per_s(&self.origin_requests)),
            out("origin_egress_bits_per_s", "", per_s(&self.origin_bits)),
        ];
        if push {
            series.push(out("push_bits_per_s", "", per_s(&self.push_bits)));
        }
        for (i, g) in self.pop_requests.iter().enumerate() {
            series.push(out("pop_requests_per_s", &g.entity, per_s(g)));
            let busy = values(&self.pop_busy_ns[i]);
            let capacity_ns = step.as_nanos() as f64 * pop_workers[i] as f64;
            let utilisation = busy.iter().map(|b| b / capacity_ns).collect();
            series.push(out("pop_utilisation", &g.entity, utilisation));
        }
        series
    }
}
