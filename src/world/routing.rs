//! Request routing: which PoP the CDN name resolves to for a client.
//!
//! Three modes, all deterministic functions of (run seed, region, client id):
//! - **anycast**: BGP picks the route, not the latency. A client belongs to one
//!   of its region's eyeball ISPs (by market share); each ISP reaches the PoP
//!   that originates the route it selects on the graph of networks
//!   ([`super::bgp`]). The split of Calder et al., IMC 2015 is an outcome of
//!   that graph, not an input.
//! - **geo-DNS**: the PoP nearest to the client's *resolver*: its own region's
//!   ISP resolver, a remote ISP resolver, or a public resolver site; with EDNS
//!   client subnet, public-resolver clients are mapped by their own location.
//! - **ideal**: the nearest reachable PoP by RTT, the bound.
//!
//! A [`Router`] precomputes a small table per region, so [`Router::route`] costs
//! O(log n) in the number of PoPs or ISPs. Withdrawing a PoP re-homes its
//! clients: anycast by selecting routes again on the graph without it, geo-DNS
//! and ideal to the next-nearest available PoP. This module decides routes; it does not model queues or caches.

use std::sync::Arc;

use serde::Deserialize;

pub use super::bgp::AnycastSpec;
use super::bgp::{Networks, Route};
use super::geo::LatLon;
use super::ids::{PopId, RegionId};
use super::topology::World;
use crate::engine::Streams;
use crate::engine::rng::mix2;

/// About 8 % of demand uses public DNS resolvers (Calder et al. 2015 §6, citing
/// Chen et al., "End-User Mapping", SIGCOMM 2015).
pub const PUBLIC_RESOLVER_SHARE: f64 = 0.08;
/// 11–12 % of the other demand sits more than 500 km from its ISP resolver
/// (Calder et al. 2015 §6, citing Chen et al. 2015).
pub const REMOTE_LDNS_SHARE: f64 = 0.115;
/// The distance beyond which an ISP resolver counts as remote (same source).
pub const REMOTE_LDNS_MIN_DISTANCE_KM: f64 = 500.0;

/// How the CDN name resolves to a PoP.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingMode {
    #[default]
    Anycast,
    GeoDns,
    Ideal,
}

/// Geo-DNS parameters (`[routing.geo_dns]`).
#[derive(Copy, Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeoDnsSpec {
    /// Share of clients behind a public resolver.
    pub public_resolver_share: f64,
    /// Share of the other clients whose ISP resolver is in another region.
    pub remote_ldns_share: f64,
    /// A remote ISP resolver is in a region of the same continent at least this far.
    pub remote_ldns_min_distance_km: f64,
    /// EDNS client subnet (RFC 7871): public resolvers pass the client's subnet,
    /// so those clients are mapped by their own location.
    pub ecs: bool,
}

impl Default for GeoDnsSpec {
    fn default() -> GeoDnsSpec {
        GeoDnsSpec {
            public_resolver_share: PUBLIC_RESOLVER_SHARE,
            remote_ldns_share: REMOTE_LDNS_SHARE,
            remote_ldns_min_distance_km: REMOTE_LDNS_MIN_DISTANCE_KM,
            ecs: false,
        }
    }
}

/// Routing parameters (`[routing]` of an experiment). Every field has a default.
#[derive(Copy, Clone, Debug, PartialEq, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingSpec {
    pub mode: RoutingMode,
    pub anycast: AnycastSpec,
    pub geo_dns: GeoDnsSpec,
}

impl RoutingSpec {
    /// The key and complaint of the first unusable parameter, if any.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let share = |v: f64| v.is_finite() && (0.0..=1.0).contains(&v);
        if let Some(problem) = self.anycast.problem() {
            return Some(problem);
        }
        let g = &self.geo_dns;
        if !share(g.public_resolver_share) {
            return Some((
                "routing.geo_dns.public_resolver_share",
                format!(
                    "expected a share from 0 to 1, got {}",
                    g.public_resolver_share
                ),
            ));
        }
        if !share(g.remote_ldns_share) {
            return Some((
                "routing.geo_dns.remote_ldns_share",
                format!("expected a share from 0 to 1, got {}", g.remote_ldns_share),
            ));
        }
        let km = g.remote_ldns_min_distance_km;
        if !(km.is_finite() && km >= 0.0) {
            return Some((
                "routing.geo_dns.remote_ldns_min_distance_km",
                format!("expected a distance of 0 km or more, got {km}"),
            ));
        }
        None
    }
}

/// Where a geo-DNS client's resolver is.
#[derive(Clone, Debug, PartialEq)]
struct ResolverClass {
    probability: f64,
    location: LatLon,
    /// The reachable PoPs of the region, nearest to the resolver first.
    order: Vec<PopId>,
}

/// The per-region tables of one routing mode.
#[derive(Clone, Debug, PartialEq)]
enum Tables {
    Anycast {
        /// The graph of networks, shared by the clones of a router.
        networks: Arc<Networks>,
        /// Cumulative ISP market shares of a region (the same for every region).
        isp_cumulative: Vec<f64>,
        /// Per region, per ISP: the PoP its selected route reaches now.
        isp_pop: Vec<Vec<Option<PopId>>>,
    },
    GeoDns {
        classes: Vec<Vec<ResolverClass>>,
        /// Cumulative class probabilities per region.
        class_cumulative: Vec<Vec<f64>>,
        /// The PoP each class maps to now (first available in its order).
        class_pop: Vec<Vec<Option<PopId>>>,
    },
    Ideal {
        pop: Vec<Option<PopId>>,
    },
}

/// Resolves clients to PoPs for one world, one routing spec and one run seed.
#[derive(Clone, Debug, PartialEq)]
pub struct Router {
    spec: RoutingSpec,
    first_key: u64,
    available: Vec<bool>,
    tables: Tables,
    /// Per PoP: its nearest available other PoP (busy-PoP forwarding target).
    forward: Vec<Option<PopId>>,
}

/// A uniform number in [0, 1) from 53 bits of a hash.
#[inline]
fn unit(hash: u64) -> f64 {
    (hash >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl Router {
    /// A router with every PoP available. The spec must pass [`RoutingSpec::problem`].
    pub fn new(world: &World, spec: &RoutingSpec, streams: &Streams) -> Router {
        let tables = match spec.mode {
            RoutingMode::Anycast => {
                let networks = Networks::build(world, &spec.anycast);
                let mut total = 0.0;
                let isp_cumulative = (0..spec.anycast.isps_per_region)
                    .map(|k| {
                        total += networks.isp_share(k);
                        total
                    })
                    .collect();
                Tables::Anycast {
                    networks: Arc::new(networks),
                    isp_cumulative,
                    isp_pop: Vec::new(),
                }
            }
            RoutingMode::GeoDns => {
                let classes: Vec<Vec<ResolverClass>> = world
                    .regions()
                    .map(|r| resolver_classes(world, r, &spec.geo_dns))
                    .collect();
                let class_cumulative = classes
                    .iter()
                    .map(|c| {
                        let mut total = 0.0;
                        c.iter()
                            .map(|class| {
                                total += class.probability;
                                total
                            })
                            .collect()
                    })
                    .collect();
                let class_pop = classes
                    .iter()
                    .map(|c| c.iter().map(|class| class.order.first().copied()).collect())
                    .collect();
                Tables::GeoDns {
                    classes,
                    class_cumulative,
                    class_pop,
                }
            }
            RoutingMode::Ideal => Tables::Ideal {
                pop: world
                    .regions()
                    .map(|r| Some(world.nearest_pop(r)))
                    .collect(),
            },
        };
        let mut router = Router {
            spec: *spec,
            first_key: streams.key("routing.first-choice", 0),
            available: vec![true; world.pop_count()],
            tables,
            forward: Vec::new(),
        };
        router.refresh(world);
        router
    }

    pub fn spec(&self) -> &RoutingSpec {
        &self.spec
    }

    /// The graph of networks under anycast routing (`None` in the other modes).
    pub fn anycast_networks(&self) -> Option<&Networks> {
        match &self.tables {
            Tables::Anycast { networks, .. } => Some(networks),
            _ => None,
        }
    }

    /// The route ISP `isp` of `region` selects now, with its AS path (anycast only).
    pub fn anycast_route(&self, world: &World, region: RegionId, isp: usize) -> Option<Route> {
        self.anycast_networks()?
            .route(world, region, isp, &self.available)
    }

    /// Whether `pop` is announced (not withdrawn).
    #[inline]
    pub fn is_available(&self, pop: PopId) -> bool {
        self.available[pop.index()]
    }

    /// The PoP serving client `client` of `region` now, or `None` when every PoP
    /// the region can reach is withdrawn. O(log n) in the number of PoPs; O(n)
    /// for an anycast client whose first choice is withdrawn.
    #[inline]
    pub fn route(&self, region: RegionId, client: u64) -> Option<PopId> {
        let r = region.index();
        let u = unit(mix2(mix2(self.first_key, r as u64), client));
        match &self.tables {
            Tables::Anycast {
                isp_cumulative,
                isp_pop,
                ..
            } => {
                let isp = isp_cumulative
                    .partition_point(|&c| c <= u)
                    .min(isp_cumulative.len() - 1);
                isp_pop[r][isp]
            }
            Tables::GeoDns {
                class_cumulative,
                class_pop,
                ..
            } => {
                let cumulative = &class_cumulative[r];
                let i = cumulative
                    .partition_point(|&c| c <= u)
                    .min(cumulative.len().saturating_sub(1));
                class_pop[r].get(i).copied().flatten()
            }
            Tables::Ideal { pop } => pop[r],
        }
    }

    /// Each PoP's share of `region`'s clients now (the exact distribution that
    /// [`Router::route`] samples), in PoP-id order, zero shares left out.
    pub fn pop_shares(&self, region: RegionId) -> Vec<(PopId, f64)> {
        let r = region.index();
        let mut shares: Vec<(PopId, f64)> = Vec::new();
        let mut add = |pop: PopId, share: f64| match shares.iter_mut().find(|(p, _)| *p == pop) {
            Some((_, s)) => *s += share,
            None => shares.push((pop, share)),
        };
        match &self.tables {
            Tables::Anycast {
                networks, isp_pop, ..
            } => {
                for (isp, pop) in isp_pop[r].iter().enumerate() {
                    if let Some(pop) = pop {
                        add(*pop, networks.isp_share(isp));
                    }
                }
            }
            Tables::GeoDns {
                classes, class_pop, ..
            } => {
                for (class, pop) in classes[r].iter().zip(&class_pop[r]) {
                    if let Some(pop) = pop {
                        add(*pop, class.probability);
                    }
                }
            }
            Tables::Ideal { pop } => {
                if let Some(pop) = pop[r] {
                    add(pop, 1.0);
                }
            }
        }
        shares.retain(|&(_, s)| s > 0.0);
        shares.sort_by_key(|&(p, _)| p);
        shares
    }

    /// Withdraws a PoP (it failed or was drained): its clients re-home. O(regions × PoPs).
    pub fn withdraw(&mut self, world: &World, pop: PopId) {
        self.available[pop.index()] = false;
        self.refresh(world);
    }

    /// Announces a withdrawn PoP again: its clients come back.
    pub fn restore(&mut self, world: &World, pop: PopId) {
        self.available[pop.index()] = true;
        self.refresh(world);
    }

    /// The available PoPs of `region` in failover order (nearest by RTT first).
    pub fn failover_order<'a>(
        &'a self,
        world: &'a World,
        region: RegionId,
    ) -> impl Iterator<Item = PopId> + 'a {
        world
            .failover_order(region)
            .iter()
            .copied()
            .filter(|p| self.available[p.index()])
    }

    /// Where an overloaded `pop` forwards requests: its nearest available other PoP. O(1).
    #[inline]
    pub fn forward_target(&self, pop: PopId) -> Option<PopId> {
        self.forward[pop.index()]
    }

    /// Every available other PoP in forwarding order (nearest to `pop` first),
    /// for a chain of forwards when the first target is busy too.
    pub fn forward_targets<'a>(
        &'a self,
        world: &'a World,
        pop: PopId,
    ) -> impl Iterator<Item = PopId> + 'a {
        world
            .pop_neighbours(pop)
            .iter()
            .copied()
            .filter(|p| self.available[p.index()])
    }

    /// Recomputes what depends on the set of available PoPs.
    fn refresh(&mut self, world: &World) {
        let available = &self.available;
        let first_available =
            |order: &[PopId]| order.iter().copied().find(|p| available[p.index()]);
        match &mut self.tables {
            Tables::Anycast {
                networks, isp_pop, ..
            } => {
                *isp_pop = world
                    .regions()
                    .map(|r| {
                        (0..networks.eyeballs(r).len())
                            .map(|isp| networks.route(world, r, isp, available).map(|x| x.pop))
                            .collect()
                    })
                    .collect();
            }
            Tables::GeoDns {
                classes, class_pop, ..
            } => {
                for (pops, region_classes) in class_pop.iter_mut().zip(classes.iter()) {
                    for (slot, class) in pops.iter_mut().zip(region_classes) {
                        *slot = first_available(&class.order);
                    }
                }
            }
            Tables::Ideal { pop } => {
                for (slot, region) in pop.iter_mut().zip(world.regions()) {
                    *slot = first_available(world.failover_order(region));
                }
            }
        }
        self.forward = world
            .pops()
            .map(|p| first_available(world.pop_neighbours(p)))
            .collect();
    }
}

/// The resolver classes of a region's clients: its own ISP resolver, remote
/// ISP resolvers (regions of the same continent at least the minimum distance
/// away, by population) and the nearest public resolver site.
fn resolver_classes(world: &World, region: RegionId, spec: &GeoDnsSpec) -> Vec<ResolverClass> {
    let home = world.region(region);
    let mut sites: Vec<(f64, LatLon)> = Vec::new();
    let public_site = world.resolvers().iter().map(|s| s.location).min_by(|a, b| {
        home.location
            .distance_km(*a)
            .total_cmp(&home.location.distance_km(*b))
    });
    let public_share = if public_site.is_some() {
        spec.public_resolver_share
    } else {
        0.0
    };
    if let Some(site) = public_site {
        sites.push((public_share, if spec.ecs { home.location } else { site }));
    }
    let remote: Vec<RegionId> = world
        .regions()
        .filter(|&r| {
            let other = world.region(r);
            r != region
                && other.continent == home.continent
                && home.location.distance_km(other.location) >= spec.remote_ldns_min_distance_km
        })
        .collect();
    let remote_share = if remote.is_empty() {
        0.0
    } else {
        (1.0 - public_share) * spec.remote_ldns_share
    };
    let remote_population: f64 = remote
        .iter()
        .map(|&r| world.region(r).population_millions)
        .sum();
    sites.push((1.0 - public_share - remote_share, home.location));
    for &r in &remote {
        let other = world.region(r);
        sites.push((
            remote_share * other.population_millions / remote_population,
            other.location,
        ));
    }
    sites
        .into_iter()
        .filter(|&(p, _)| p > 0.0)
        .map(|(probability, location)| ResolverClass {
            probability,
            location,
            order: pops_by_rtt_from(world, region, location),
        })
        .collect()
}

/// The PoPs `region` can reach, ordered by RTT from `location` (ties by id).
fn pops_by_rtt_from(world: &World, region: RegionId, location: LatLon) -> Vec<PopId> {
    let mut order: Vec<PopId> = world.failover_order(region).to_vec();
    let rtt_ms = |p: PopId| {
        world
            .latency()
            .rtt_ms(location.distance_km(world.pop(p).location))
    };
    order.sort_by(|&a, &b| rtt_ms(a).total_cmp(&rtt_ms(b)).then(a.cmp(&b)));
    order
}
