//! Where a study's sites and clients are on the globe, as its outputs say
//! it: the experiment layer works it out from the point's world and
//! routing (`experiment::worldmap`), the manifest carries it, and the
//! report draws `plots/world-map.svg` from it together with the per-site
//! rows of the run (`pop.<name>.*`, `cluster.<name>.*`). Plain data: no
//! model here.

use serde::{Deserialize, Serialize};

/// The most sweep points whose world is mapped (evenly spread over the
/// points with sites, the first and the last among them): a map is a
/// large figure, and a planner compares a few points on them, not dozens.
pub const MAX_MAPS: usize = 6;

/// The world of one sweep point: client regions and one or more layers of
/// sites (a CDN's PoPs, a push model's gateway clusters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorldMap {
    /// The sweep point drawn.
    pub point: usize,
    pub regions: Vec<MapRegion>,
    pub layers: Vec<MapLayer>,
}

/// A client region at its centre.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapRegion {
    pub name: String,
    pub lat: f64,
    pub lon: f64,
}

/// One kind of site and where each region's clients land on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapLayer {
    /// What a site is, for legends: `PoP` or `cluster`.
    pub kind: String,
    /// The prefix of the per-site metrics, before the site's name (`pop.`,
    /// `cdn.pop.`, `cluster.`, `push.cluster.`).
    pub prefix: String,
    /// The per-site metrics to colour by, the first present wins
    /// (`hit_ratio`, `connections_mean`).
    pub metrics: Vec<String>,
    pub sites: Vec<MapSite>,
    /// Catchment: (region index, site index, share of the layer's clients).
    pub links: Vec<(usize, usize, f64)>,
    /// The time series that carries each site's load (`pop_requests_per_s`,
    /// `connections`), summed over the site's `entities`.
    pub load_series: String,
    pub failures: Vec<MapFailure>,
}

/// A site at its coordinates. `name` is as the metrics spell it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapSite {
    pub name: String,
    pub label: String,
    pub lat: f64,
    pub lon: f64,
    /// The entities of the load series that belong to this site.
    pub entities: Vec<String>,
}

/// A scheduled failure of a site, in seconds from the start of the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapFailure {
    pub site: usize,
    pub from_s: f64,
    /// When it comes back; `None`: never within the run.
    pub to_s: Option<f64>,
}
