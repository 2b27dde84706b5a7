//! Live channels: segment k of a channel (every rendition of it) is
//! complete at the origin at (k + 1) segment durations, so the live edge
//! moves one segment every segment duration. A viewer loads the playlist,
//! starts `live_latency` segments behind the newest one it lists (RFC 8216
//! §6.3.3: three target durations), fetches segments in order as the
//! playlist lists them, and reloads the playlist one segment duration after
//! it last asked for it (RFC 8216 §6.3.4: the target duration after the
//! last load). The playlist a viewer is served lists the segments complete
//! at its content time: when the PoP stored the copy it serves (now, on a
//! miss), so a cached playlist delays the news of a segment. Segments are
//! CDN objects like VOD's, so every viewer at a PoP wants the newest one
//! within a segment duration of each other: the live edge is a flash crowd
//! every segment, the case request collapsing is for.
//!
//! Playback starts when the first segment arrives; segment k plays one
//! segment duration after segment k - 1, plus the stalls so far: a segment
//! that arrives after its turn stalls playback (rebuffering) for the
//! difference. The buffer bound (`video.buffer`) still holds, and ABR
//! picks the rendition as for VOD.

use super::model::{CdnModel, Event, Request};
use super::stats::{RenditionCounters, Served};
use super::video::{Ladder, MANIFEST, play_segment};
use crate::cache::CachePolicy;
use crate::engine::{Scheduler, SimTime};
use crate::run::{RunOutput, share};
use crate::workload::video::{is_manifest, is_video};

/// Segments of a live channel complete by `at`, with segments of `d`.
#[inline]
pub fn complete_segments(at: SimTime, d: SimTime) -> u32 {
    (at.as_nanos() / d.as_nanos().max(1)).min(u32::MAX as u64) as u32
}

/// The rendition field of a video segment's object id.
#[inline]
pub fn rendition_of(object: u64) -> usize {
    ((object >> 16) & 0xff) as usize
}

impl CdnModel {
    /// A response of a live session reached its player.
    pub(super) fn on_live_received(&mut self, id: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let Some(video) = &mut self.workload.video else {
            return;
        };
        let (d, latency) = (video.segment_duration, video.live_latency.unwrap_or(1));
        let session = video.sessions.get_mut(id);
        if session.segment == MANIFEST || session.reloading {
            session.known = complete_segments(session.listed_at, d);
            session.refresh_at = session.asked_at + d;
            if session.segment == MANIFEST {
                session.first = session.known.saturating_sub(latency);
                session.segment = session.first;
            }
            session.reloading = false;
            return self.live_next(id, s);
        }
        let k = session.segment;
        let ladder = video.abr.then_some(Ladder {
            bytes: &video.segment_bytes,
            segment: d,
        });
        if play_segment(
            &mut self.stats.video,
            ladder,
            session,
            (k - session.first, d),
            now,
        ) {
            video.sessions.remove(id);
            return;
        }
        session.segment = k + 1;
        self.live_next(id, s);
    }

    /// A live player with nothing in flight: reload the playlist when it is
    /// due, else fetch the next listed segment when the buffer has room,
    /// else wait for whichever comes first.
    pub(super) fn live_next(&mut self, id: u32, s: &mut Scheduler<Event>) {
        let now = s.now();
        let Some(video) = &mut self.workload.video else {
            return;
        };
        let (d, buffer) = (video.segment_duration, video.buffer);
        let session = video.sessions.get_mut(id);
        if now >= session.refresh_at && session.segment != MANIFEST {
            session.reloading = true;
            return self.video_request(id, s);
        }
        let mut wake = session.refresh_at;
        if session.segment < session.known {
            let started = session.segment > session.first;
            let played = d.saturating_mul((session.segment - session.first) as u64);
            let ask_at = if started {
                (session.play_start + session.stall + played).saturating_sub(buffer)
            } else {
                now
            };
            if ask_at <= now {
                return self.video_request(id, s);
            }
            wake = wake.min(ask_at);
        }
        s.schedule_at(wake, Event::VideoRequest(id));
    }

    /// A video request was served: the load per rendition, the PoPs each
    /// live segment was served at, and a live playlist's content time.
    pub(super) fn note_video_served(&mut self, session: u32, req: &Request, served: Served) {
        let Some(video) = &mut self.workload.video else {
            return;
        };
        let v = &mut self.stats.video;
        if is_manifest(req.object) {
            if video.live_latency.is_none() {
                return;
            }
            let class = req.class;
            let listed = match req.pop == super::model::NO_POP {
                true => None,
                false => (self.servers[req.server as usize].cache)
                    .peek_mut(req.object)
                    .map(|e| self.cfg.content_time(class, e)),
            };
            let now = req.ready;
            video.sessions.get_mut(session).listed_at = listed.unwrap_or(now).min(now);
            return;
        }
        let r = rendition_of(req.object);
        if v.renditions.len() <= r {
            v.renditions.resize(r + 1, Default::default());
        }
        let c = &mut v.renditions[r];
        c.requests += 1;
        c.hits += served.is_hit() as u64;
        c.bytes += req.size as u64;
        if video.live_latency.is_some() && req.pop != super::model::NO_POP {
            v.live_served_at.insert((req.object, req.pop));
        }
    }

    /// A fetch of a video object reached the origin (with `bytes` in its answer).
    pub(super) fn note_video_origin(&mut self, object: u64, bytes: u64) {
        if !is_video(object) {
            return;
        }
        let v = &mut self.stats.video;
        if is_manifest(object) {
            v.manifest_origin_fetches += 1;
            return;
        }
        v.segment_origin_fetches += 1;
        let r = rendition_of(object);
        if v.renditions.len() <= r {
            v.renditions.resize(r + 1, Default::default());
        }
        v.renditions[r].origin_fetches += 1;
        v.renditions[r].origin_bytes += bytes;
    }

    /// A cache server at a PoP starts an upstream fetch of `object`.
    #[inline]
    pub(super) fn note_video_pop_fetch(&mut self, object: u64) {
        if is_video(object) && !is_manifest(object) {
            self.stats.video.segment_pop_fetches += 1;
        }
    }
}

impl CdnModel {
    /// Video load metrics: playlist and segment fetches at the origin, the
    /// load per rendition, and (live) origin fetches per live segment per
    /// PoP that served it.
    pub(super) fn video_load(&self, out: &mut RunOutput, measured_s: f64) {
        let v = &self.stats.video;
        let s = measured_s.max(1e-9);
        out.scalar(
            "video.manifest_origin_fetches",
            v.manifest_origin_fetches as f64,
        );
        out.scalar(
            "video.segment_origin_fetches",
            v.segment_origin_fetches as f64,
        );
        let rungs = self
            .workload
            .video
            .as_ref()
            .map_or(0, |v| v.segment_bytes.len());
        let none = RenditionCounters::default();
        for r in 0..rungs {
            let c = v.renditions.get(r).unwrap_or(&none);
            let mut add = |m: &str, x: f64| out.scalar(format!("video.rendition.{r}.{m}"), x);
            add("requests_per_s", c.requests as f64 / s);
            add("hit_ratio", share(c.hits, c.requests));
            add("edge_bits_per_s", c.bytes as f64 * 8.0 / s);
            add("origin_fetches", c.origin_fetches as f64);
            add("origin_bits_per_s", c.origin_bytes as f64 * 8.0 / s);
        }
        if self
            .workload
            .video
            .as_ref()
            .is_some_and(|v| v.live_latency.is_some())
        {
            let pairs = v.live_served_at.len() as u64;
            out.scalar("video.live.segments_at_pops", pairs as f64);
            out.scalar(
                "video.live.origin_fetches_per_segment_per_pop",
                share(v.segment_origin_fetches, pairs),
            );
            out.scalar(
                "video.live.pop_fetches_per_segment_per_pop",
                share(v.segment_pop_fetches, pairs),
            );
        }
    }
}
