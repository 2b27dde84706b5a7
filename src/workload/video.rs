//! A video-on-demand workload: viewers start sessions, fetch a video's
//! manifest and then its segments in order at one rendition of a bitrate
//! ladder, keeping a playback buffer filled. The segment URLs point at the
//! CDN, so segments are ordinary CDN objects with their own ids.
//!
//! Defaults follow Apple's HLS Authoring Specification for Apple Devices
//! (https://developer.apple.com/documentation/http-live-streaming/hls-authoring-specification-for-apple-devices):
//! 6 s segments and its 16:9 bitrate ladder; the player's buffer target is
//! hls.js's `maxBufferLength` default of 30 s
//! (https://github.com/video-dev/hls.js/blob/master/docs/API.md).

use serde::Deserialize;

use crate::units::{Bandwidth, Bytes, Count, Duration, Rate};

/// Video object ids carry this bit; catalogue ids never reach it.
pub const VIDEO_ID_BIT: u64 = 1 << 62;
/// Segments per video at most (the segment field of an id is 16 bits, one
/// value kept for the manifest).
pub const MAX_SEGMENTS: u32 = 65_534;
/// Renditions per ladder at most (8 bits of the id).
pub const MAX_RENDITIONS: usize = 255;
/// Videos at most (the video field of an id).
pub const MAX_VIDEOS: u64 = 1 << 36;
const MANIFEST_SEGMENT: u64 = 0xffff;

/// Apple HLS Authoring Specification: "the target duration should be 6 seconds".
pub const SEGMENT_DURATION_S: u64 = 6;
/// Apple HLS Authoring Specification, 16:9 ladder (145 kb/s at 416x234 to 7,800 kb/s at 1080p).
pub const LADDER_KBPS: [u64; 9] = [145, 365, 730, 1_100, 2_000, 3_000, 4_500, 6_000, 7_800];
/// hls.js `maxBufferLength` default: buffer up to 30 s ahead.
pub const BUFFER_S: u64 = 30;
/// A media playlist listing a few hundred segments: a planning assumption.
pub const MANIFEST_BYTES: u64 = 20_000;
/// A live viewer starts this many segments behind the live edge: RFC 8216
/// §6.3.3 ("the client SHOULD NOT choose a segment that starts less than
/// three target durations from the end of the Playlist file"), which
/// Apple's HLS Authoring Specification follows.
pub const LIVE_LATENCY_SEGMENTS: u32 = 3;
/// Most live viewers start this many segments behind the edge (a bound).
pub const MAX_LIVE_LATENCY: u32 = 1_000;
/// A live playlist changes every segment, so CDNs cache it for half a
/// segment duration (whole seconds, at least 1): what AWS Elemental
/// MediaPackage sends for regular HLS media playlists ("half the duration
/// of the media segments", MediaPackage user guide, "CDN configuration
/// recommendations").
pub fn live_manifest_cache_control(segment: crate::engine::SimTime) -> String {
    format!(
        "max-age={}",
        (segment.as_secs_f64() / 2.0).floor().max(1.0) as u64
    )
}
/// VOD playlists do not change: cached a minute (a planning assumption).
pub const VOD_MANIFEST_CACHE_CONTROL: &str = "max-age=60";

/// Video on demand, or live channels.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VideoMode {
    /// Whole videos at the origin from the start; one manifest fetch.
    #[default]
    Vod,
    /// Channels whose segments appear at the origin as they are made,
    /// one every segment duration per rendition; players reload the
    /// playlist every segment duration.
    Live,
}

/// The video workload (`[cdn.video]`); no sessions unless `session_rate` is set.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VideoSpec {
    /// New viewing sessions per second, over all regions (by population).
    pub session_rate: Rate,
    /// `vod` (the default) or `live`.
    pub mode: VideoMode,
    /// Live: segments behind the live edge a viewer starts at.
    pub live_latency: u32,
    /// Videos in the catalogue (live: channels).
    pub videos: Count,
    /// Zipf exponent of video popularity.
    pub zipf_alpha: f64,
    pub segment_duration: Duration,
    /// Length of every video, in segments.
    pub segments: u32,
    /// Mean watch time (exponential, cut at the video's end): a planning assumption.
    pub watch_mean: Duration,
    /// The bitrate ladder; without `abr` a session plays one rendition,
    /// each equally likely.
    pub ladder: Vec<Bandwidth>,
    /// Adaptive bitrate: the player starts on the lowest rendition and
    /// picks each next segment's from its measured throughput.
    pub abr: bool,
    /// Content the player buffers ahead of playback.
    pub buffer: Duration,
    pub manifest_size: Bytes,
    /// The playlist's header; by default `max-age=60` (VOD) or half a segment (live).
    pub manifest_cache_control: Option<String>,
    pub segment_cache_control: String,
}

impl Default for VideoSpec {
    fn default() -> VideoSpec {
        VideoSpec {
            session_rate: Rate(0.0),
            mode: VideoMode::Vod,
            live_latency: LIVE_LATENCY_SEGMENTS,
            videos: Count(1_000),
            zipf_alpha: 0.8,
            segment_duration: Duration(crate::engine::SimTime::from_secs(SEGMENT_DURATION_S)),
            segments: 300,
            watch_mean: Duration(crate::engine::SimTime::from_secs(600)),
            ladder: LADDER_KBPS
                .iter()
                .map(|k| Bandwidth(*k as f64 * 1e3))
                .collect(),
            abr: false,
            buffer: Duration(crate::engine::SimTime::from_secs(BUFFER_S)),
            manifest_size: Bytes(MANIFEST_BYTES),
            manifest_cache_control: None,
            segment_cache_control: "max-age=86400".into(),
        }
    }
}

impl VideoSpec {
    /// Whether sessions are generated at all.
    pub fn enabled(&self) -> bool {
        self.session_rate.0 > 0.0
    }

    /// Whether the sessions watch live channels.
    pub fn live(&self) -> bool {
        self.mode == VideoMode::Live
    }

    /// The playlist's `Cache-Control` header.
    pub fn manifest_header(&self) -> String {
        match (&self.manifest_cache_control, self.mode) {
            (Some(h), _) => h.clone(),
            (None, VideoMode::Vod) => VOD_MANIFEST_CACHE_CONTROL.into(),
            (None, VideoMode::Live) => live_manifest_cache_control(self.segment_duration.0),
        }
    }

    /// The key and complaint of the first bad parameter (headers are checked by the model).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.videos.0 == 0 || self.videos.0 > MAX_VIDEOS {
            return Some((
                "videos",
                format!("expected 1 to {MAX_VIDEOS} videos, got {}", self.videos.0),
            ));
        }
        if !(self.zipf_alpha.is_finite() && (0.0..=10.0).contains(&self.zipf_alpha)) {
            return Some(("zipf_alpha", "expected an exponent from 0 to 10".into()));
        }
        if self.segment_duration.0.as_nanos() == 0 {
            return Some((
                "segment_duration",
                "segments must last longer than zero".into(),
            ));
        }
        if self.segments == 0 || self.segments > MAX_SEGMENTS {
            return Some((
                "segments",
                format!("expected 1 to {MAX_SEGMENTS} segments per video"),
            ));
        }
        if self.ladder.is_empty() || self.ladder.len() > MAX_RENDITIONS {
            return Some((
                "ladder",
                format!("expected 1 to {MAX_RENDITIONS} bitrates, e.g. [\"1Mbps\", \"3Mbps\"]"),
            ));
        }
        if self.ladder.iter().any(|b| b.0 < 1.0) {
            return Some(("ladder", "every bitrate must be at least 1 bit/s".into()));
        }
        if self.live() && !(1..=MAX_LIVE_LATENCY).contains(&self.live_latency) {
            return Some((
                "live_latency",
                format!(
                    "expected 1 to {MAX_LIVE_LATENCY} segments behind the live edge (RFC 8216 advises 3), got {}",
                    self.live_latency
                ),
            ));
        }
        if self.watch_mean.0.as_nanos() == 0 {
            return Some((
                "watch_mean",
                "the mean watch time must be above zero".into(),
            ));
        }
        None
    }

    /// Bytes of one segment at `rendition`.
    pub fn segment_bytes(&self, rendition: usize) -> u64 {
        let bits = self.ladder[rendition].0 * self.segment_duration.0.as_secs_f64();
        ((bits / 8.0).round() as u64).max(1)
    }
}

/// The CDN object id of a video's manifest.
#[inline]
pub fn manifest_id(video: u64) -> u64 {
    VIDEO_ID_BIT | video << 24 | MANIFEST_SEGMENT
}

/// The CDN object id of segment `segment` of `video` at `rendition`.
#[inline]
pub fn segment_id(video: u64, rendition: usize, segment: u32) -> u64 {
    VIDEO_ID_BIT | video << 24 | (rendition as u64) << 16 | segment as u64
}

/// Whether an object id is a video manifest.
#[inline]
pub fn is_manifest(id: u64) -> bool {
    id & VIDEO_ID_BIT != 0 && id & 0xffff == MANIFEST_SEGMENT
}

/// Whether an object id belongs to the video workload.
#[inline]
pub fn is_video(id: u64) -> bool {
    id & VIDEO_ID_BIT != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_and_classified() {
        let m = manifest_id(7);
        let s0 = segment_id(7, 0, 0);
        let s1 = segment_id(7, 3, 12);
        assert!(is_manifest(m) && !is_manifest(s0) && !is_manifest(s1));
        assert!(is_video(s1) && !is_video(12345));
        assert_ne!(s0, segment_id(8, 0, 0));
        assert_ne!(segment_id(7, 1, 0), s0);
    }

    #[test]
    fn a_live_playlist_is_cached_half_a_segment_in_whole_seconds() {
        let at = |s: u64| live_manifest_cache_control(crate::engine::SimTime::from_secs(s));
        assert_eq!(at(6), "max-age=3");
        assert_eq!(at(4), "max-age=2");
        assert_eq!(at(1), "max-age=1");
        let live = VideoSpec {
            mode: VideoMode::Live,
            ..VideoSpec::default()
        };
        assert_eq!(live.manifest_header(), "max-age=3");
        assert_eq!(VideoSpec::default().manifest_header(), "max-age=60");
    }

    #[test]
    fn segment_bytes_follow_bitrate_and_duration() {
        let v = VideoSpec::default();
        // 7,800 kb/s for 6 s = 5.85 MB.
        assert_eq!(v.segment_bytes(8), 5_850_000);
        assert!(v.problem().is_none());
    }
}
