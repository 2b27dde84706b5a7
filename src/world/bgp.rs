//! Anycast catchments from a graph of networks, with BGP-like route selection.
//!
//! Every PoP announces the same anycast prefix. Which PoP a client reaches is
//! decided by the networks between them, not by latency: the client's eyeball
//! ISP, its transit providers and their peers each pick one route by policy
//! and pass it on (Gao and Rexford, "Stable Internet routing without global
//! coordination", IEEE/ACM ToN 2001). The graph is built deterministically from
//! the world (regions, PoPs, continents) and the structural parameters of
//! [`AnycastSpec`]:
//!
//! - `tier1_transits` global transit providers, present on every continent,
//!   peering with each other;
//! - `regional_transits` per continent, present on that continent only, each a
//!   customer of `regional_uplinks` tier-1s;
//! - per PoP, `transits_per_pop` upstreams among the tier-1s and its
//!   continent's regional transits;
//! - per client region, `isps_per_region` eyeball ISPs with Zipf market shares
//!   (largest first), each buying `transits_per_isp` transits the same way; the
//!   largest `peering_isps` of them also peer with the CDN at every PoP within
//!   `peering_reach_km`.
//!
//! Which transits a network buys is a fixed hash of the two names, so adding a
//! PoP or a region leaves every other network's links unchanged.
//!
//! Selection at each network, over the routes its neighbours export to it
//! (valley-free: customer routes go to everyone, peer and provider routes only
//! to customers): highest local preference (customer > peer > provider), then
//! shortest AS path, then hot potato (nearest hand-off to that neighbour from
//! where the traffic entered), then the lowest neighbour id. The PoP reached is
//! the origin of the chosen route; no random number takes part. Routes are
//! computed at set-up and again when a PoP is withdrawn, never per request.

use std::cmp::Ordering;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Deserialize;

use super::geo::LatLon;
use super::ids::{PopId, RegionId};
use super::topology::World;
use crate::engine::rng::{fnv1a64, mix2};

/// Global transit providers, peering with each other. About 15-20 networks
/// are commonly listed as tier 1 and a few dominate each market; six is an
/// assumption. This and the structural defaults below were calibrated together
/// (a grid search, `examples/anycast_graph.rs`) so that the shipped world gives
/// the split Calder et al. (IMC 2015, REFERENCES §3.1) measured; see docs/world.md.
pub const TIER1_TRANSITS: usize = 6;
/// One-continent (tier-2) transit providers per continent (assumption, calibrated).
pub const REGIONAL_TRANSITS: usize = 3;
/// Tier-1 providers each regional transit buys from (assumption, calibrated).
pub const REGIONAL_UPLINKS: usize = 1;
/// Upstream transit providers per PoP (assumption, calibrated).
pub const TRANSITS_PER_POP: usize = 2;
/// Eyeball ISPs per client region, with Zipf market shares 1/k (assumption).
pub const ISPS_PER_REGION: usize = 4;
/// Transit providers per eyeball ISP (assumption, calibrated).
pub const TRANSITS_PER_ISP: usize = 2;
/// The largest ISPs of each region that peer directly with the CDN
/// (assumption, calibrated).
pub const PEERING_ISPS: usize = 3;
/// A peering ISP meets the CDN at every PoP this close to its region, km
/// (assumption, calibrated).
pub const PEERING_REACH_KM: f64 = 400.0;

/// The structure of the anycast graph (`[routing.anycast]`). Every field has a default.
#[derive(Copy, Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnycastSpec {
    pub tier1_transits: usize,
    pub regional_transits: usize,
    pub regional_uplinks: usize,
    pub transits_per_pop: usize,
    pub isps_per_region: usize,
    pub transits_per_isp: usize,
    pub peering_isps: usize,
    pub peering_reach_km: f64,
}

impl Default for AnycastSpec {
    fn default() -> AnycastSpec {
        AnycastSpec {
            tier1_transits: TIER1_TRANSITS,
            regional_transits: REGIONAL_TRANSITS,
            regional_uplinks: REGIONAL_UPLINKS,
            transits_per_pop: TRANSITS_PER_POP,
            isps_per_region: ISPS_PER_REGION,
            transits_per_isp: TRANSITS_PER_ISP,
            peering_isps: PEERING_ISPS,
            peering_reach_km: PEERING_REACH_KM,
        }
    }
}

impl AnycastSpec {
    /// The key and complaint of the first unusable parameter, if any.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let counts: [(&'static str, usize, usize, usize); 7] = [
            ("routing.anycast.tier1_transits", self.tier1_transits, 1, 64),
            (
                "routing.anycast.regional_transits",
                self.regional_transits,
                0,
                64,
            ),
            (
                "routing.anycast.regional_uplinks",
                self.regional_uplinks,
                1,
                self.tier1_transits,
            ),
            (
                "routing.anycast.transits_per_pop",
                self.transits_per_pop,
                1,
                64,
            ),
            (
                "routing.anycast.isps_per_region",
                self.isps_per_region,
                1,
                64,
            ),
            (
                "routing.anycast.transits_per_isp",
                self.transits_per_isp,
                1,
                64,
            ),
            (
                "routing.anycast.peering_isps",
                self.peering_isps,
                0,
                self.isps_per_region,
            ),
        ];
        for (key, value, low, high) in counts {
            if !(low..=high).contains(&value) {
                return Some((key, format!("expected {low} to {high}, got {value}")));
            }
        }
        let km = self.peering_reach_km;
        if !(km.is_finite() && km >= 0.0) {
            return Some((
                "routing.anycast.peering_reach_km",
                format!("expected a distance of 0 km or more, got {km}"),
            ));
        }
        None
    }
}

/// A network (an autonomous system) of the anycast graph.
#[derive(Clone, Debug, PartialEq)]
pub enum Network {
    /// A global transit provider, present on every continent.
    Tier1(usize),
    /// A transit provider present on one continent (an index into
    /// [`Networks::continents`]), a customer of tier-1s.
    Regional { continent: usize, index: usize },
    /// An eyeball (access) ISP of a client region; `isp` 0 is the largest.
    Eyeball { region: RegionId, isp: usize },
    /// A PoP announcing the anycast prefix.
    Pop(PopId),
}

/// What the head of an edge is to its tail.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Relation {
    Customer,
    Peer,
    Provider,
}

impl Relation {
    /// Local preference: customer routes earn money, peer routes are free, transit costs.
    fn local_pref(self) -> u8 {
        match self {
            Relation::Customer => 3,
            Relation::Peer => 2,
            Relation::Provider => 1,
        }
    }
}

/// The directed graph of networks: an edge a → b says what b is to a.
pub type AsGraph = DiGraph<Network, Relation>;

/// A selected route: the PoP that originates it and the AS path from the
/// client's network (first) to the PoP (last).
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub pop: PopId,
    pub path: Vec<NodeIndex>,
}

/// Where a network decides: the point its traffic entered, and that point's continent.
#[derive(Copy, Clone, Debug)]
struct Ingress {
    at: LatLon,
    continent: usize,
}

/// The anycast graph of one world and spec.
#[derive(Clone, Debug)]
pub struct Networks {
    graph: AsGraph,
    /// Continent names, sorted.
    continents: Vec<String>,
    /// Per continent: the hub where one-continent networks hand traffic over
    /// (its most populous region; its first PoP when it has no region).
    hubs: Vec<LatLon>,
    region_continent: Vec<usize>,
    pop_continent: Vec<usize>,
    /// Per region: its eyeball networks, largest first.
    eyeballs: Vec<Vec<NodeIndex>>,
    /// Per ISP rank: its share of a region's clients (they sum to 1; the same in every region).
    isp_shares: Vec<f64>,
}

impl PartialEq for Networks {
    fn eq(&self, other: &Networks) -> bool {
        let edges = |g: &AsGraph| {
            g.edge_indices()
                .map(|e| (g.edge_endpoints(e), g[e]))
                .collect::<Vec<_>>()
        };
        self.graph.node_weights().eq(other.graph.node_weights())
            && edges(&self.graph) == edges(&other.graph)
            && self.eyeballs == other.eyeballs
            && self.isp_shares == other.isp_shares
    }
}

/// A fixed hash of two names: which providers a network buys from.
fn affinity(a: &str, b: &str) -> u64 {
    mix2(fnv1a64(a.as_bytes()), fnv1a64(b.as_bytes()))
}

impl Networks {
    /// Builds the graph of a world. The spec must pass [`AnycastSpec::problem`].
    pub fn build(world: &World, spec: &AnycastSpec) -> Networks {
        let mut continents: Vec<String> = world
            .regions()
            .map(|r| world.region(r).continent.clone())
            .chain(world.pops().map(|p| world.pop(p).continent.clone()))
            .collect();
        continents.sort();
        continents.dedup();
        let index = |c: &str| continents.binary_search_by(|x| x.as_str().cmp(c)).unwrap();
        let region_continent: Vec<usize> = world
            .regions()
            .map(|r| index(&world.region(r).continent))
            .collect();
        let pop_continent: Vec<usize> = world
            .pops()
            .map(|p| index(&world.pop(p).continent))
            .collect();
        let hubs = hubs(world, continents.len(), &region_continent, &pop_continent);
        let weights: Vec<f64> = (1..=spec.isps_per_region).map(|k| 1.0 / k as f64).collect();
        let total: f64 = weights.iter().sum();
        let mut networks = Networks {
            graph: AsGraph::new(),
            continents,
            hubs,
            region_continent,
            pop_continent,
            eyeballs: Vec::new(),
            isp_shares: weights.iter().map(|w| w / total).collect(),
        };
        let transits = networks.add_transits(spec);
        networks.add_pops_and_eyeballs(world, spec, &transits);
        networks
    }

    /// Tier-1s (a peering mesh) and regional transits with their tier-1
    /// uplinks. Returns per continent the transits present there.
    fn add_transits(&mut self, spec: &AnycastSpec) -> Vec<Vec<NodeIndex>> {
        let tier1: Vec<NodeIndex> = (0..spec.tier1_transits)
            .map(|i| self.graph.add_node(Network::Tier1(i)))
            .collect();
        for (i, &a) in tier1.iter().enumerate() {
            for &b in &tier1[i + 1..] {
                self.link(a, b, Relation::Peer);
            }
        }
        let mut present = Vec::with_capacity(self.continents.len());
        for continent in 0..self.continents.len() {
            let mut here = tier1.clone();
            for index in 0..spec.regional_transits {
                let node = self.graph.add_node(Network::Regional { continent, index });
                for up in self.pick(&tier1, spec.regional_uplinks, node) {
                    self.link(node, up, Relation::Provider);
                }
                here.push(node);
            }
            present.push(here);
        }
        present
    }

    /// PoPs with their upstreams; eyeball ISPs with theirs and their peerings.
    fn add_pops_and_eyeballs(
        &mut self,
        world: &World,
        spec: &AnycastSpec,
        transits: &[Vec<NodeIndex>],
    ) {
        let pops: Vec<NodeIndex> = world
            .pops()
            .map(|p| self.graph.add_node(Network::Pop(p)))
            .collect();
        for p in world.pops() {
            let here = &transits[self.pop_continent[p.index()]];
            for up in self.pick(here, spec.transits_per_pop, pops[p.index()]) {
                self.link(pops[p.index()], up, Relation::Provider);
            }
        }
        for region in world.regions() {
            let here = &transits[self.region_continent[region.index()]];
            let home = world.region(region).location;
            let mut isps = Vec::with_capacity(spec.isps_per_region);
            for isp in 0..spec.isps_per_region {
                let node = self.graph.add_node(Network::Eyeball { region, isp });
                for up in self.pick(here, spec.transits_per_isp, node) {
                    self.link(node, up, Relation::Provider);
                }
                if isp < spec.peering_isps {
                    for p in world.pops().filter(|&p| {
                        world.reachable(region, p)
                            && home.distance_km(world.pop(p).location) <= spec.peering_reach_km
                    }) {
                        self.link(node, pops[p.index()], Relation::Peer);
                    }
                }
                isps.push(node);
            }
            self.eyeballs.push(isps);
        }
    }

    /// A business relation as two directed edges: `b` is `relation` to `a`.
    fn link(&mut self, a: NodeIndex, b: NodeIndex, relation: Relation) {
        let back = match relation {
            Relation::Customer => Relation::Provider,
            Relation::Peer => Relation::Peer,
            Relation::Provider => Relation::Customer,
        };
        self.graph.add_edge(a, b, relation);
        self.graph.add_edge(b, a, back);
    }

    /// The `count` candidates with the highest affinity to `node` (all if fewer).
    fn pick(&self, candidates: &[NodeIndex], count: usize, node: NodeIndex) -> Vec<NodeIndex> {
        let name = self.name(node);
        let mut ranked: Vec<(u64, NodeIndex)> = candidates
            .iter()
            .map(|&c| (affinity(&name, &self.name(c)), c))
            .collect();
        ranked.sort();
        ranked.into_iter().take(count).map(|(_, c)| c).collect()
    }

    /// A stable name for a network (what the affinity hash reads).
    pub fn name(&self, node: NodeIndex) -> String {
        match &self.graph[node] {
            Network::Tier1(i) => format!("tier1-{i}"),
            Network::Regional { continent, index } => {
                format!("{}-transit-{index}", self.continents[*continent])
            }
            Network::Eyeball { region, isp } => format!("region-{}-isp-{isp}", region.0),
            Network::Pop(p) => format!("pop-{}", p.0),
        }
    }

    pub fn graph(&self) -> &AsGraph {
        &self.graph
    }

    /// The eyeball networks of a region, largest first.
    pub fn eyeballs(&self, region: RegionId) -> &[NodeIndex] {
        &self.eyeballs[region.index()]
    }

    /// The share of a region's clients on its ISP number `isp` (0 is the largest).
    pub fn isp_share(&self, isp: usize) -> f64 {
        self.isp_shares[isp]
    }

    /// The route ISP `isp` of `region` selects among the PoPs for which
    /// `usable` holds, or `None` when none is usable.
    pub fn route(
        &self,
        world: &World,
        region: RegionId,
        isp: usize,
        usable: &[bool],
    ) -> Option<Route> {
        let start = self.eyeballs[region.index()][isp];
        let ingress = Ingress {
            at: world.region(region).location,
            continent: self.region_continent[region.index()],
        };
        let mut path = vec![start];
        let usable = |p: PopId| usable[p.index()] && world.reachable(region, p);
        self.best(world, start, ingress, false, &usable, &mut path)
    }

    /// The best route `node` exports, entered at `ingress`; only customer
    /// routes when `customer_only` (exporting to a peer or provider).
    fn best(
        &self,
        world: &World,
        node: NodeIndex,
        ingress: Ingress,
        customer_only: bool,
        usable: &dyn Fn(PopId) -> bool,
        path: &mut Vec<NodeIndex>,
    ) -> Option<Route> {
        if let Network::Pop(p) = self.graph[node] {
            return usable(p).then(|| Route {
                pop: p,
                path: path.clone(),
            });
        }
        let mut chosen: Option<(Choice, Route)> = None;
        for edge in self.graph.edges(node) {
            let (next, relation) = (edge.target(), *edge.weight());
            let skip = (customer_only && relation != Relation::Customer)
                || path.contains(&next)
                || matches!(self.graph[next], Network::Eyeball { .. });
            if skip {
                continue;
            }
            let handoff = self.handoff(world, next, ingress);
            path.push(next);
            let offer = self.best(
                world,
                next,
                handoff,
                relation != Relation::Provider,
                usable,
                path,
            );
            path.pop();
            let Some(route) = offer else { continue };
            let choice = Choice {
                local_pref: relation.local_pref(),
                path_len: route.path.len(),
                hot_potato_km: ingress.at.distance_km(handoff.at),
                neighbour: next.index(),
            };
            if chosen
                .as_ref()
                .is_none_or(|(c, _)| choice.cmp(c) == Ordering::Less)
            {
                chosen = Some((choice, route));
            }
        }
        chosen.map(|(_, route)| route)
    }

    /// Where traffic entering at `ingress` is handed to `next`: at a PoP; at
    /// the ingress for a global network or one present there; else at the hub
    /// of the continent a regional network covers.
    fn handoff(&self, world: &World, next: NodeIndex, ingress: Ingress) -> Ingress {
        match self.graph[next] {
            Network::Pop(p) => Ingress {
                at: world.pop(p).location,
                continent: self.pop_continent[p.index()],
            },
            Network::Regional { continent, .. } if continent != ingress.continent => Ingress {
                at: self.hubs[continent],
                continent,
            },
            _ => ingress,
        }
    }

    /// Continent names, sorted (what [`Network::Regional`] indexes).
    pub fn continents(&self) -> &[String] {
        &self.continents
    }
}

/// How a network ranks the routes it is offered; smaller is better.
#[derive(Copy, Clone, Debug)]
struct Choice {
    local_pref: u8,
    path_len: usize,
    hot_potato_km: f64,
    neighbour: usize,
}

impl Choice {
    fn cmp(&self, other: &Choice) -> Ordering {
        other
            .local_pref
            .cmp(&self.local_pref)
            .then(self.path_len.cmp(&other.path_len))
            .then(self.hot_potato_km.total_cmp(&other.hot_potato_km))
            .then(self.neighbour.cmp(&other.neighbour))
    }
}

/// Per continent, the location of its most populous region (ties: first in
/// file order), or of its first PoP when it has no region.
fn hubs(
    world: &World,
    count: usize,
    region_continent: &[usize],
    pop_continent: &[usize],
) -> Vec<LatLon> {
    (0..count)
        .map(|c| {
            let mut best: Option<(f64, LatLon)> = None;
            for r in world.regions().filter(|r| region_continent[r.index()] == c) {
                let region = world.region(r);
                if best.is_none_or(|(p, _)| region.population_millions > p) {
                    best = Some((region.population_millions, region.location));
                }
            }
            best.map(|(_, at)| at).unwrap_or_else(|| {
                let p = world
                    .pops()
                    .find(|p| pop_continent[p.index()] == c)
                    .expect("a continent comes from a region or a PoP");
                world.pop(p).location
            })
        })
        .collect()
}
