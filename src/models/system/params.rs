//! The parameters of the `system` model: the `[system]` table of an
//! experiment file. The parts' own parameters stay in `[cdn]` and `[push]`,
//! exactly as their own models read them.

use serde::Deserialize;

use super::defaults;
use crate::dist::DurationDist;
use crate::units::Duration;

/// Parameters of the `system` model (`[system]`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemParams {
    /// Push campaigns whose notified clients fetch from the CDN.
    #[serde(default)]
    pub campaign: Vec<CampaignParams>,
}

/// A push campaign (`[[system.campaign]]`): at `at`, notify a share of the
/// users of some regions; each notified client that receives the message
/// fetches the campaign's objects from the CDN after a think time.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignParams {
    /// A name for the metrics (`campaign.<name>.*`); default `c<index>`.
    #[serde(default)]
    pub name: Option<String>,
    /// When the first notification is sent.
    pub at: Duration,
    /// Share of the users of `regions` notified, in (0, 1].
    pub share: f64,
    /// World regions whose users are notified; empty: every region.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Notifications spread evenly over this window; 0: all at `at`.
    #[serde(default = "defaults::window")]
    pub window: Duration,
    /// New objects the campaign links to, each fetched by every client.
    #[serde(default = "defaults::objects")]
    pub objects: u32,
    /// From the notification reaching the client to its fetch.
    #[serde(default = "defaults::think")]
    pub think: DurationDist,
    /// Push the objects to every PoP this long before `at` (pre-warming);
    /// 0: the CDN pulls them on the first miss (or pushes them when
    /// published, in push mode).
    #[serde(default = "defaults::window")]
    pub prewarm: Duration,
}
