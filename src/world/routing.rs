//! Request routing: which PoP the CDN name resolves to for a client.
//!
//! Three modes, all deterministic functions of (run seed, region, client id):
//! - **anycast**: BGP picks the route, not the latency. A client reaches its
//!   nearest PoP with probability `nearest_share`, one of the next
//!   `nearby_count` PoPs (nearer ones more likely) with most of the rest, and a
//!   distant PoP with `distant_share` (policy routing and poor tie-breaks,
//!   Li et al., SIGCOMM 2018). Calibrated against Calder et al., IMC 2015.
//! - **geo-DNS**: the PoP nearest to the client's *resolver*: its own region's
//!   ISP resolver, a remote ISP resolver, or a public resolver site; with EDNS
//!   client subnet, public-resolver clients are mapped by their own location.
//! - **ideal**: the nearest reachable PoP by RTT, the bound.
//!
//! A [`Router`] precomputes a small table per region, so [`Router::route`] costs
//! O(log n) in the number of PoPs. Withdrawing a PoP re-homes only its clients:
//! anycast to the client's next BGP choice, geo-DNS and ideal to the next-nearest
//! available PoP. This module decides routes; it does not model queues or caches.

use serde::Deserialize;

use super::geo::LatLon;
use super::ids::{PopId, RegionId};
use super::topology::World;
use crate::engine::Streams;
use crate::engine::rng::mix2;

/// Calder et al., "Analyzing the Performance of an Anycast CDN", IMC 2015
/// (https://doi.org/10.1145/2815675.2815717), §5: about 55 % of clients reach
/// their nearest front-end.
pub const ANYCAST_NEAREST_SHARE: f64 = 0.55;
/// Nearby alternatives to the nearest PoP (the next PoPs by latency) that
/// anycast picks when it misses the nearest. With `ANYCAST_NEARBY_DECAY` this
/// is calibrated over the shipped world so that about 20 % of clients are
/// ≥ 25 ms slower than their best PoP, as Calder et al. 2015 (Fig. 3) measured.
pub const ANYCAST_NEARBY_COUNT: usize = 3;
/// Weight ratio between consecutive nearby alternatives (nearer ones more
/// likely); calibrated with `ANYCAST_NEARBY_COUNT`.
pub const ANYCAST_NEARBY_DECAY: f64 = 0.25;
/// Share of clients BGP sends to a distant PoP (beyond the nearby ones):
/// Calder et al. 2015 §5 report 10–15 % of /24s sent to distant front-ends;
/// with it just under 10 % of clients are ≥ 100 ms slower than the best, as in
/// their Fig. 3.
pub const ANYCAST_DISTANT_SHARE: f64 = 0.10;
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

/// Anycast parameters (`[routing.anycast]`).
#[derive(Copy, Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnycastSpec {
    pub nearest_share: f64,
    pub nearby_count: usize,
    pub nearby_decay: f64,
    pub distant_share: f64,
}

impl Default for AnycastSpec {
    fn default() -> AnycastSpec {
        AnycastSpec {
            nearest_share: ANYCAST_NEAREST_SHARE,
            nearby_count: ANYCAST_NEARBY_COUNT,
            nearby_decay: ANYCAST_NEARBY_DECAY,
            distant_share: ANYCAST_DISTANT_SHARE,
        }
    }
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
        let a = &self.anycast;
        if !share(a.nearest_share) {
            return Some((
                "routing.anycast.nearest_share",
                format!("expected a share from 0 to 1, got {}", a.nearest_share),
            ));
        }
        if !share(a.distant_share) || a.nearest_share + a.distant_share > 1.0 {
            return Some((
                "routing.anycast.distant_share",
                format!(
                    "expected a share from 0 to 1 - nearest_share, got {}",
                    a.distant_share
                ),
            ));
        }
        if !(a.nearby_decay.is_finite() && a.nearby_decay > 0.0 && a.nearby_decay <= 1.0) {
            return Some((
                "routing.anycast.nearby_decay",
                format!(
                    "expected a ratio above 0 and at most 1, got {}",
                    a.nearby_decay
                ),
            ));
        }
        if a.nearby_count > 1_000 {
            return Some((
                "routing.anycast.nearby_count",
                format!("expected at most 1000 nearby PoPs, got {}", a.nearby_count),
            ));
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

/// A discrete distribution over PoPs, sampled by binary search on the cumulative weights.
#[derive(Clone, Debug, Default, PartialEq)]
struct PopCdf {
    cumulative: Vec<f64>,
    pops: Vec<PopId>,
}

impl PopCdf {
    /// From (PoP, weight) pairs; zero weights are dropped, the rest normalised.
    fn new(weighted: impl IntoIterator<Item = (PopId, f64)>) -> PopCdf {
        let mut cdf = PopCdf::default();
        let mut total = 0.0;
        for (pop, weight) in weighted {
            if weight > 0.0 {
                total += weight;
                cdf.cumulative.push(total);
                cdf.pops.push(pop);
            }
        }
        for c in &mut cdf.cumulative {
            *c /= total;
        }
        cdf
    }

    /// The PoP for a uniform `u` in [0, 1), or `None` when the distribution is empty.
    #[inline]
    fn pick(&self, u: f64) -> Option<PopId> {
        let i = self.cumulative.partition_point(|&c| c <= u);
        self.pops
            .get(i.min(self.pops.len().saturating_sub(1)))
            .copied()
    }

    /// (PoP, probability) pairs.
    fn shares(&self) -> impl Iterator<Item = (PopId, f64)> + '_ {
        let mut previous = 0.0;
        self.pops.iter().zip(&self.cumulative).map(move |(&p, &c)| {
            let share = c - previous;
            previous = c;
            (p, share)
        })
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
        /// The BGP choice with every PoP up.
        first_choice: Vec<PopCdf>,
        /// The first-choice weights renormalised over the available PoPs: the
        /// distribution of re-homed clients (for `pop_shares`).
        rehome: Vec<PopCdf>,
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
    rehome_key: u64,
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
                let first_choice: Vec<PopCdf> = world
                    .regions()
                    .map(|r| anycast_weights(world, r, &spec.anycast))
                    .collect();
                Tables::Anycast {
                    rehome: first_choice.clone(),
                    first_choice,
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
            rehome_key: streams.key("routing.rehome", 0),
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
            Tables::Anycast { first_choice, .. } => {
                let first = first_choice[r].pick(u)?;
                if self.available[first.index()] {
                    return Some(first);
                }
                self.next_choice(&first_choice[r], r, client)
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

    /// The next BGP choice of an anycast client whose first choice is withdrawn:
    /// the available PoP with the largest key ln(u) / weight, u a per-(client,
    /// PoP) hash (Efraimidis and Spirakis, "Weighted random sampling with a
    /// reservoir", IPL 2006). Each available PoP wins with probability
    /// proportional to its weight, and withdrawing more PoPs moves only the
    /// clients of those PoPs: the argmax over a smaller set changes only if the
    /// winner left it.
    fn next_choice(&self, weights: &PopCdf, region: usize, client: u64) -> Option<PopId> {
        let client_key = mix2(mix2(self.rehome_key, region as u64), client);
        let mut best: Option<(PopId, f64)> = None;
        for (pop, weight) in weights.shares() {
            if !self.available[pop.index()] {
                continue;
            }
            // 53 random bits in (0, 1], so the logarithm is finite.
            let u =
                ((mix2(client_key, pop.0 as u64) >> 11) + 1) as f64 * (1.0 / (1u64 << 53) as f64);
            let key = u.ln() / weight;
            if best.is_none_or(|(_, k)| key > k) {
                best = Some((pop, key));
            }
        }
        best.map(|(pop, _)| pop)
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
                first_choice,
                rehome,
            } => {
                let mut moved = 0.0;
                for (pop, share) in first_choice[r].shares() {
                    if self.available[pop.index()] {
                        add(pop, share);
                    } else {
                        moved += share;
                    }
                }
                for (pop, share) in rehome[r].shares() {
                    add(pop, moved * share);
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
                first_choice,
                rehome,
            } => {
                for (slot, full) in rehome.iter_mut().zip(first_choice.iter()) {
                    *slot = PopCdf::new(full.shares().filter(|(p, _)| available[p.index()]));
                }
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

/// The anycast first-choice distribution of a region over its reachable PoPs,
/// by latency rank: nearest, `nearby_count` nearby alternatives with weights
/// decaying by `nearby_decay`, and the rest sharing `distant_share` equally.
/// A tier with no PoPs passes its share on to the nearer tiers.
fn anycast_weights(world: &World, region: RegionId, spec: &AnycastSpec) -> PopCdf {
    let order = world.failover_order(region);
    let nearby_end = (1 + spec.nearby_count).min(order.len());
    let nearby = &order[1.min(order.len())..nearby_end];
    let distant = &order[nearby_end..];
    let distant_share = if distant.is_empty() {
        0.0
    } else {
        spec.distant_share
    };
    let nearby_share = if nearby.is_empty() {
        0.0
    } else {
        1.0 - spec.nearest_share - distant_share
    };
    let nearest_share = 1.0 - nearby_share - distant_share;
    let decay_total: f64 = (0..nearby.len())
        .map(|i| spec.nearby_decay.powi(i as i32))
        .sum();
    let mut weights = Vec::with_capacity(order.len());
    weights.push((order[0], nearest_share));
    for (i, &pop) in nearby.iter().enumerate() {
        weights.push((
            pop,
            nearby_share * spec.nearby_decay.powi(i as i32) / decay_total,
        ));
    }
    for &pop in distant {
        weights.push((pop, distant_share / distant.len() as f64));
    }
    PopCdf::new(weights)
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
