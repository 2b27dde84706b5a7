//! Video sessions through the CDN: a player fetches the manifest, then the
//! segments of one rendition in order over the same (warm) connection,
//! keeping `buffer` of content ahead of playback. A segment that arrives
//! after its playback deadline stalls playback (rebuffering) for the
//! difference. Segment URLs point at the CDN, so segments are cached like
//! any object; a failed request ends its session.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::model::{CdnModel, Event, Source};
use super::serve::{NewRequest, below};
use super::slab::Slab;
use super::stats::VideoCounters;
use crate::engine::{Scheduler, SimRng, SimTime};
use crate::workload::arrivals::PoissonStream;
use crate::workload::video::{MAX_SEGMENTS, manifest_id, segment_id};
use crate::workload::zipf::Zipf;
use crate::world::RegionId;

/// `Session::segment` while the first manifest is awaited.
pub(super) const MANIFEST: u32 = u32::MAX;

/// One viewer watching one video.
#[derive(Copy, Clone, Debug)]
pub struct Session {
    pub started_at: SimTime,
    pub play_start: SimTime,
    /// Playback time lost to stalls so far.
    pub stall: SimTime,
    pub video: u64,
    pub client: u32,
    /// The segment asked for last, or `MANIFEST`.
    pub segment: u32,
    /// The last segment the viewer watches.
    pub last: u32,
    pub region: u16,
    pub rendition: u8,
    /// When the player asked for the current object.
    pub asked_at: SimTime,
    /// Adaptive bitrate: the throughput estimate (bits/s; 0 before the first segment).
    pub estimate_bps: f64,
    /// Live: the first segment fetched, and the segments the last playlist listed.
    pub first: u32,
    pub known: u32,
    /// Live: when the playlist is due for reloading.
    pub refresh_at: SimTime,
    /// Live: the content time of the playlist just served.
    pub listed_at: SimTime,
    /// Live: a playlist reload is in flight.
    pub reloading: bool,
}

/// The video workload while a run goes.
pub struct VideoState {
    /// Session candidates at the diurnal peak rate.
    pub stream: PoissonStream,
    pub rng: SimRng,
    /// Cumulative population weights of the client regions, and their ids.
    pub region_cumulative: Vec<f64>,
    pub regions: Vec<u16>,
    pub videos: Zipf,
    pub segment_bytes: Vec<u64>,
    /// Adaptive bitrate on (sessions start on rendition 0, the lowest).
    pub abr: bool,
    pub segment_duration: SimTime,
    pub buffer: SimTime,
    pub segments: u32,
    pub watch_mean_s: f64,
    pub manifest_bytes: u64,
    pub manifest_class: u8,
    pub segment_class: u8,
    pub sessions: Slab<Session>,
    /// Live channels: segments behind the live edge a viewer starts at.
    pub live_latency: Option<u32>,
}

/// Weight of the newest throughput sample in the estimate (an
/// exponentially weighted moving average).
const ESTIMATE_WEIGHT: f64 = 0.3;
/// Switch up only to a rendition within this share of the estimate, and
/// down when the current one exceeds this share (hls.js defaults:
/// `abrBandWidthUpFactor` 0.7, `abrBandWidthFactor` 0.95).
const UP_FACTOR: f64 = 0.7;
const DOWN_FACTOR: f64 = 0.95;

/// A ladder's renditions: segment sizes over one segment duration.
#[derive(Copy, Clone)]
pub(super) struct Ladder<'a> {
    pub bytes: &'a [u64],
    pub segment: SimTime,
}

impl Ladder<'_> {
    /// A rendition's bitrate: its segment's bits over the segment's duration.
    pub fn bitrate(&self, rendition: u8) -> f64 {
        self.bytes[rendition as usize] as f64 * 8.0 / self.segment.as_secs_f64()
    }

    /// The rendition of the lowest bitrate.
    pub fn lowest(&self) -> u8 {
        (0..self.bytes.len() as u8)
            .min_by_key(|&r| (self.bytes[r as usize], r))
            .unwrap_or(0)
    }

    /// The highest-bitrate rendition within `budget` bits/s (the lowest if none is).
    fn best_within(&self, budget: f64) -> u8 {
        (0..self.bytes.len() as u8)
            .filter(|&r| self.bitrate(r) <= budget)
            .max_by_key(|&r| (self.bytes[r as usize], r))
            .unwrap_or_else(|| self.lowest())
    }

    /// A segment of `session` arrived at `now`: fold its throughput (bits
    /// over the time from asking to receiving) into the estimate, and pick
    /// the next segment's rendition: up when a higher one fits within
    /// `UP_FACTOR` of the estimate, down when the current one exceeds
    /// `DOWN_FACTOR` of it.
    pub fn adapt(&self, session: &mut Session, now: SimTime) {
        let elapsed = (now - session.asked_at).as_secs_f64().max(1e-6);
        let sample = self.bytes[session.rendition as usize] as f64 * 8.0 / elapsed;
        session.estimate_bps = if session.estimate_bps == 0.0 {
            sample
        } else {
            ESTIMATE_WEIGHT * sample + (1.0 - ESTIMATE_WEIGHT) * session.estimate_bps
        };
        let current = self.bitrate(session.rendition);
        let up = self.best_within(UP_FACTOR * session.estimate_bps);
        if self.bitrate(up) > current {
            session.rendition = up;
        } else if current > DOWN_FACTOR * session.estimate_bps {
            session.rendition = self.best_within(DOWN_FACTOR * session.estimate_bps);
        }
    }
}

impl CdnModel {
    /// A viewer starts a session (if the diurnal cycle keeps the candidate).
    pub(super) fn on_video_start(&mut self, s: &mut Scheduler<Event>) {
        let now = s.now();
        let clients = self.cfg.clients_per_region;
        let diurnal = self.workload.diurnal;
        let Some(video) = &mut self.workload.video else {
            return;
        };
        let gap = video.stream.gap(&mut video.rng);
        s.schedule_in(gap, Event::VideoStart);
        let u: f64 = video.rng.random();
        let slot = video
            .region_cumulative
            .partition_point(|&c| c <= u)
            .min(video.regions.len() - 1);
        let region = video.regions[slot];
        let offset = self.world.region(RegionId(region as u32)).utc_offset_hours;
        let keep: f64 = video.rng.random();
        if keep >= diurnal.factor(offset, now) / diurnal.peak_factor() {
            return;
        }
        let watch: f64 = Exp1.sample(&mut video.rng);
        let watched = (watch * video.watch_mean_s / video.segment_duration.as_secs_f64()).ceil();
        // A live channel has no end: the viewer watches `watched` segments.
        let cap = match video.live_latency {
            Some(_) => u32::MAX,
            None => video.segments,
        };
        let session = Session {
            started_at: now,
            play_start: SimTime::ZERO,
            stall: SimTime::ZERO,
            video: video.videos.sample(&mut video.rng),
            client: below(&mut video.rng, clients),
            segment: MANIFEST,
            last: (watched.min(u32::MAX as f64) as u32).clamp(1, cap) - 1,
            region,
            rendition: below(&mut video.rng, video.segment_bytes.len() as u32) as u8,
            asked_at: now,
            estimate_bps: 0.0,
            first: 0,
            known: 0,
            refresh_at: now,
            listed_at: now,
            reloading: false,
        };
        let ladder = Ladder {
            bytes: &video.segment_bytes,
            segment: video.segment_duration,
        };
        let session = if video.abr {
            Session {
                rendition: ladder.lowest(),
                ..session
            }
        } else {
            session
        };
        let id = video.sessions.insert(session);
        self.stats.video.sessions += 1;
        self.video_request(id, s);
    }

    /// The player asks for the session's current object (a live player's
    /// playlist while it reloads one).
    pub(super) fn video_request(&mut self, id: u32, s: &mut Scheduler<Event>) {
        let Some(video) = &mut self.workload.video else {
            return;
        };
        video.sessions.get_mut(id).asked_at = s.now();
        let session = *video.sessions.get(id);
        let new = if session.segment == MANIFEST || session.reloading {
            NewRequest {
                region: session.region,
                client: session.client,
                object: manifest_id(session.video),
                size: video.manifest_bytes,
                class: video.manifest_class,
                warm: false,
                source: Source::Video(id),
            }
        } else {
            NewRequest {
                region: session.region,
                client: session.client,
                object: segment_id(
                    session.video,
                    session.rendition as usize,
                    session.segment % MAX_SEGMENTS,
                ),
                size: video.segment_bytes[session.rendition as usize],
                class: video.segment_class,
                warm: true,
                source: Source::Video(id),
            }
        };
        self.dispatch(new, false, s);
    }

    /// The buffer has room again: ask for the next segment.
    pub(super) fn on_video_request(&mut self, id: u32, s: &mut Scheduler<Event>) {
        if self
            .workload
            .video
            .as_ref()
            .is_some_and(|v| v.live_latency.is_some())
        {
            return self.live_next(id, s);
        }
        self.video_request(id, s);
    }

    /// A response reached the player: start or continue playback, note
    /// stalls, and ask for the next segment when the buffer has room.
    pub(super) fn on_video_received(&mut self, id: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let Some(video) = &mut self.workload.video else {
            return;
        };
        if video.live_latency.is_some() {
            return self.on_live_received(id, s);
        }
        let (d, buffer) = (video.segment_duration, video.buffer);
        let session = video.sessions.get_mut(id);
        if session.segment == MANIFEST {
            session.segment = 0;
            return self.video_request(id, s);
        }
        let k = session.segment;
        let ladder = video.abr.then_some(Ladder {
            bytes: &video.segment_bytes,
            segment: d,
        });
        if play_segment(&mut self.stats.video, ladder, session, (k, d), now) {
            video.sessions.remove(id);
            return;
        }
        session.segment = k + 1;
        let buffered_until = session.play_start + session.stall + d.saturating_mul(k as u64 + 1);
        let ask_at = buffered_until - buffer;
        if ask_at <= now {
            self.video_request(id, s);
        } else {
            s.schedule_at(ask_at, Event::VideoRequest(id));
        }
    }

    /// A request of the session failed: the viewer gives up.
    pub(super) fn on_video_failed(&mut self, id: u32) {
        if let Some(video) = &mut self.workload.video {
            self.stats.video.failed += 1;
            video.sessions.remove(id);
        }
    }
}

/// Segment `k` of `session` (counted from the first one it plays, each
/// `d` long) reached the player at `now`: start playback with the first,
/// note a stall when it came after its playback deadline, count it, and
/// with a `ladder` (ABR on) adapt the rendition. True when it was the
/// session's last segment: its totals are then counted and the caller ends it.
pub(super) fn play_segment(
    v: &mut VideoCounters,
    ladder: Option<Ladder<'_>>,
    session: &mut Session,
    (k, d): (u32, SimTime),
    now: SimTime,
) -> bool {
    if k == 0 {
        session.play_start = now;
        v.startup.record(now - session.started_at);
    } else {
        let deadline = session.play_start + session.stall + d.saturating_mul(k as u64);
        if now > deadline {
            session.stall += now - deadline;
            v.stalls += 1;
        }
    }
    v.segments += 1;
    if let Some(ladder) = ladder {
        v.bitrate_sum += ladder.bitrate(session.rendition);
        let before = session.rendition;
        ladder.adapt(session, now);
        v.switches_up += (session.rendition > before) as u64;
        v.switches_down += (session.rendition < before) as u64;
    }
    if k < session.last {
        return false;
    }
    v.completed += 1;
    v.watch_ns += d.as_nanos() * (session.last as u64 + 1);
    v.stall_ns += session.stall.as_nanos();
    true
}
