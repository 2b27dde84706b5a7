//! The built world: sites, dense latency matrices and the topology graph.
//!
//! [`World::build`] turns a checked [`WorldSpec`] into what a model needs per
//! request: O(1) lookups of region×PoP and PoP×PoP round-trip times (as
//! [`SimTime`]), each PoP's upstream (shield, origin), each region's failover
//! order and each PoP's neighbours by latency. The petgraph graph holds the same
//! topology for path questions (what is the cheapest path between two sites when
//! some PoPs have failed). Everything is built in file order, so two builds of one
//! spec are identical. Routing policy lives in [`crate::world::routing`].

use petgraph::Undirected;
use petgraph::algo::dijkstra;
use petgraph::stable_graph::{NodeIndex, StableGraph};
use petgraph::visit::NodeFiltered;

use super::geo::LatLon;
use super::ids::{OriginId, PopId, RegionId, ShieldId, SiteRef};
use super::latency::LatencyModel;
use super::spec::{Pop, Region, Site, WorldSpec};
use crate::engine::SimTime;

/// What a link of the world graph carries.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// A client region to a PoP it can reach.
    Access,
    /// PoP to PoP.
    Backbone,
    /// PoP to shield, PoP to origin, shield to origin.
    Upstream,
    /// A client region straight to an origin (no CDN).
    Direct,
}

/// An edge of the world graph.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Link {
    pub kind: LinkKind,
    pub distance_km: f64,
    pub rtt: SimTime,
    pub bandwidth_bps: f64,
}

/// The world graph: sites as nodes, links as edges. A `StableGraph`, so removing
/// a failed site keeps every other node's index valid.
pub type WorldGraph = StableGraph<SiteRef, Link, Undirected>;

/// A built world. Cheap to share between the runs of a sweep (`Arc<World>`).
#[derive(Clone, Debug)]
pub struct World {
    spec: WorldSpec,
    region_share: Vec<f64>,
    region_pop_distance_km: Vec<f64>,
    region_pop_rtt: Vec<SimTime>,
    region_pop_reachable: Vec<bool>,
    pop_pop_distance_km: Vec<f64>,
    pop_pop_rtt: Vec<SimTime>,
    region_origin_rtt: Vec<SimTime>,
    upstream: Upstream,
    region_failover: Vec<Vec<PopId>>,
    pop_neighbours: Vec<Vec<PopId>>,
    graph: WorldGraph,
    nodes: SiteNodes,
}

/// Graph node of every site, by typed id.
#[derive(Clone, Debug, Default)]
struct SiteNodes {
    region: Vec<NodeIndex>,
    pop: Vec<NodeIndex>,
    shield: Vec<NodeIndex>,
    origin: Vec<NodeIndex>,
}

/// Index of the site nearest to `from` (ties to the lower index), or `None` for no sites.
fn nearest(from: LatLon, sites: &[Site]) -> Option<usize> {
    (0..sites.len()).min_by(|&a, &b| {
        let da = from.distance_km(sites[a].location);
        let db = from.distance_km(sites[b].location);
        da.total_cmp(&db).then(a.cmp(&b))
    })
}

/// Where each PoP and shield fetches from, and the round trips to get there.
#[derive(Clone, Debug)]
struct Upstream {
    pop_origin: Vec<OriginId>,
    pop_origin_rtt: Vec<SimTime>,
    pop_shield: Vec<Option<ShieldId>>,
    pop_shield_rtt: Vec<SimTime>,
    shield_origin: Vec<OriginId>,
    shield_origin_rtt: Vec<SimTime>,
}

impl Upstream {
    /// Each PoP uses its nearest origin and nearest shield; each shield its nearest origin.
    fn of(spec: &WorldSpec) -> Upstream {
        let latency = spec.latency;
        let rtt = |a: LatLon, b: LatLon| latency.rtt(a.distance_km(b));
        let origin_of = |at: LatLon| OriginId::from_index(nearest(at, &spec.origins).unwrap_or(0));
        let pop_origin: Vec<OriginId> = spec.pops.iter().map(|p| origin_of(p.location)).collect();
        let pop_shield: Vec<Option<ShieldId>> = spec
            .pops
            .iter()
            .map(|p| nearest(p.location, &spec.shields).map(ShieldId::from_index))
            .collect();
        let shield_origin: Vec<OriginId> =
            spec.shields.iter().map(|s| origin_of(s.location)).collect();
        Upstream {
            pop_origin_rtt: spec
                .pops
                .iter()
                .zip(&pop_origin)
                .map(|(p, o)| rtt(p.location, spec.origins[o.index()].location))
                .collect(),
            pop_shield_rtt: spec
                .pops
                .iter()
                .zip(&pop_shield)
                .map(|(p, s)| {
                    s.map_or(SimTime::ZERO, |s| {
                        rtt(p.location, spec.shields[s.index()].location)
                    })
                })
                .collect(),
            shield_origin_rtt: spec
                .shields
                .iter()
                .zip(&shield_origin)
                .map(|(s, o)| rtt(s.location, spec.origins[o.index()].location))
                .collect(),
            pop_origin,
            pop_shield,
            shield_origin,
        }
    }
}

/// Region×PoP distances, km, and whether each region may use each PoP
/// (its `pops` list and the maximum access distance), row-major by region.
fn access_matrix(spec: &WorldSpec) -> (Vec<f64>, Vec<bool>) {
    let max_access_km = spec.links.max_access_distance_km.unwrap_or(f64::INFINITY);
    let cells = spec.regions.len() * spec.pops.len();
    let (mut distance_km, mut reachable) = (Vec::with_capacity(cells), Vec::with_capacity(cells));
    for region in &spec.regions {
        for (p, pop) in spec.pops.iter().enumerate() {
            let d = region.location.distance_km(pop.location);
            let allowed = region
                .allowed_pops
                .as_ref()
                .is_none_or(|a| a.contains(&PopId::from_index(p)));
            distance_km.push(d);
            reachable.push(allowed && d <= max_access_km);
        }
    }
    (distance_km, reachable)
}

impl World {
    /// Builds the matrices, tables and graph of a checked spec.
    pub fn build(spec: WorldSpec) -> World {
        let latency = spec.latency;
        let total_population: f64 = spec.regions.iter().map(|r| r.population_millions).sum();
        let (region_pop_distance_km, region_pop_reachable) = access_matrix(&spec);
        let pop_pop_distance_km: Vec<f64> = spec
            .pops
            .iter()
            .flat_map(|a| {
                spec.pops
                    .iter()
                    .map(move |b| a.location.distance_km(b.location))
            })
            .collect();
        let region_origin_rtt = spec
            .regions
            .iter()
            .flat_map(|r| {
                spec.origins
                    .iter()
                    .map(move |o| latency.rtt(r.location.distance_km(o.location)))
            })
            .collect();
        let mut world = World {
            region_share: spec
                .regions
                .iter()
                .map(|r| r.population_millions / total_population)
                .collect(),
            region_pop_rtt: region_pop_distance_km
                .iter()
                .map(|&d| latency.rtt(d))
                .collect(),
            pop_pop_rtt: pop_pop_distance_km
                .iter()
                .map(|&d| latency.rtt(d))
                .collect(),
            upstream: Upstream::of(&spec),
            spec,
            region_pop_distance_km,
            region_pop_reachable,
            pop_pop_distance_km,
            region_origin_rtt,
            region_failover: Vec::new(),
            pop_neighbours: Vec::new(),
            graph: WorldGraph::default(),
            nodes: SiteNodes::default(),
        };
        world.region_failover = world
            .regions()
            .map(|r| world.order_pops_for_region(r))
            .collect();
        world.pop_neighbours = world.pops().map(|p| world.order_neighbours(p)).collect();
        world.build_graph();
        world
    }

    /// The reachable PoPs of `region`, nearest (by RTT, then distance, then id) first.
    fn order_pops_for_region(&self, region: RegionId) -> Vec<PopId> {
        let mut order: Vec<PopId> = self.pops().filter(|&p| self.reachable(region, p)).collect();
        order.sort_by(|&a, &b| {
            self.rtt_region_pop(region, a)
                .cmp(&self.rtt_region_pop(region, b))
                .then(
                    self.distance_region_pop_km(region, a)
                        .total_cmp(&self.distance_region_pop_km(region, b)),
                )
                .then(a.cmp(&b))
        });
        order
    }

    /// The other PoPs, nearest to `pop` first.
    fn order_neighbours(&self, pop: PopId) -> Vec<PopId> {
        let mut order: Vec<PopId> = self.pops().filter(|&p| p != pop).collect();
        order.sort_by(|&a, &b| {
            self.rtt_pop_pop(pop, a)
                .cmp(&self.rtt_pop_pop(pop, b))
                .then(
                    self.distance_pop_pop_km(pop, a)
                        .total_cmp(&self.distance_pop_pop_km(pop, b)),
                )
                .then(a.cmp(&b))
        });
        order
    }

    /// Adds nodes (regions, PoPs, shields, origins, in id order) and their links.
    fn build_graph(&mut self) {
        let mut graph = WorldGraph::default();
        let shields = (0..self.spec.shields.len()).map(ShieldId::from_index);
        let origins = (0..self.spec.origins.len()).map(OriginId::from_index);
        let nodes = SiteNodes {
            region: self
                .regions()
                .map(|r| graph.add_node(SiteRef::Region(r)))
                .collect(),
            pop: self
                .pops()
                .map(|p| graph.add_node(SiteRef::Pop(p)))
                .collect(),
            shield: shields
                .map(|s| graph.add_node(SiteRef::Shield(s)))
                .collect(),
            origin: origins
                .map(|o| graph.add_node(SiteRef::Origin(o)))
                .collect(),
        };
        self.nodes = nodes;
        let links = self.spec.links;
        for (a, b, kind) in self.link_list() {
            let distance_km = self.location(a).distance_km(self.location(b));
            let bandwidth_bps = match kind {
                LinkKind::Access => links.access_bps,
                LinkKind::Backbone => links.backbone_bps,
                LinkKind::Upstream => links.upstream_bps,
                LinkKind::Direct => links.direct_bps,
            };
            let rtt = self.spec.latency.rtt(distance_km);
            graph.add_edge(
                self.node(a),
                self.node(b),
                Link {
                    kind,
                    distance_km,
                    rtt,
                    bandwidth_bps,
                },
            );
        }
        self.graph = graph;
    }

    /// Every link, in a fixed order: per region its access links (failover
    /// order) and direct links; the PoP mesh; each PoP's upstream links; each
    /// shield's origin link.
    fn link_list(&self) -> Vec<(SiteRef, SiteRef, LinkKind)> {
        let mut list = Vec::new();
        for r in self.regions() {
            for &p in self.failover_order(r) {
                list.push((SiteRef::Region(r), SiteRef::Pop(p), LinkKind::Access));
            }
            for o in (0..self.spec.origins.len()).map(OriginId::from_index) {
                list.push((SiteRef::Region(r), SiteRef::Origin(o), LinkKind::Direct));
            }
        }
        for a in self.pops() {
            for b in self.pops().filter(|&b| b > a) {
                list.push((SiteRef::Pop(a), SiteRef::Pop(b), LinkKind::Backbone));
            }
        }
        for p in self.pops() {
            list.push((
                SiteRef::Pop(p),
                SiteRef::Origin(self.origin_of_pop(p)),
                LinkKind::Upstream,
            ));
            if let Some(s) = self.shield_of_pop(p) {
                list.push((SiteRef::Pop(p), SiteRef::Shield(s), LinkKind::Upstream));
            }
        }
        for s in (0..self.spec.shields.len()).map(ShieldId::from_index) {
            list.push((
                SiteRef::Shield(s),
                SiteRef::Origin(self.origin_of_shield(s)),
                LinkKind::Upstream,
            ));
        }
        list
    }

    /// Where a site is.
    pub fn location(&self, site: SiteRef) -> LatLon {
        match site {
            SiteRef::Region(r) => self.region(r).location,
            SiteRef::Pop(p) => self.pop(p).location,
            SiteRef::Shield(s) => self.shield(s).location,
            SiteRef::Origin(o) => self.origin(o).location,
        }
    }
}

/// Lookups. Every id must come from this world; ids index dense `Vec`s.
impl World {
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    pub fn latency(&self) -> &LatencyModel {
        &self.spec.latency
    }

    pub fn region_count(&self) -> usize {
        self.spec.regions.len()
    }

    pub fn pop_count(&self) -> usize {
        self.spec.pops.len()
    }

    /// All region ids, in file order.
    pub fn regions(&self) -> impl Iterator<Item = RegionId> + use<> {
        (0..self.spec.regions.len()).map(RegionId::from_index)
    }

    /// All PoP ids, in file order.
    pub fn pops(&self) -> impl Iterator<Item = PopId> + use<> {
        (0..self.spec.pops.len()).map(PopId::from_index)
    }

    pub fn region(&self, region: RegionId) -> &Region {
        &self.spec.regions[region.index()]
    }

    pub fn pop(&self, pop: PopId) -> &Pop {
        &self.spec.pops[pop.index()]
    }

    pub fn origin(&self, origin: OriginId) -> &Site {
        &self.spec.origins[origin.index()]
    }

    pub fn shield(&self, shield: ShieldId) -> &Site {
        &self.spec.shields[shield.index()]
    }

    pub fn origins(&self) -> &[Site] {
        &self.spec.origins
    }

    pub fn shields(&self) -> &[Site] {
        &self.spec.shields
    }

    /// Public DNS resolver sites (geo-DNS).
    pub fn resolvers(&self) -> &[Site] {
        &self.spec.resolvers
    }

    /// The PoP called `name`.
    pub fn pop_by_name(&self, name: &str) -> Option<PopId> {
        self.spec.pop_id(name)
    }

    /// The region called `name`.
    pub fn region_by_name(&self, name: &str) -> Option<RegionId> {
        self.spec
            .regions
            .iter()
            .position(|r| r.name == name)
            .map(RegionId::from_index)
    }

    /// The region's share of all clients (its population over the world's); the shares sum to 1.
    #[inline]
    pub fn region_share(&self, region: RegionId) -> f64 {
        self.region_share[region.index()]
    }

    #[inline]
    pub fn rtt_region_pop(&self, region: RegionId, pop: PopId) -> SimTime {
        self.region_pop_rtt[region.index() * self.pop_count() + pop.index()]
    }

    #[inline]
    pub fn distance_region_pop_km(&self, region: RegionId, pop: PopId) -> f64 {
        self.region_pop_distance_km[region.index() * self.pop_count() + pop.index()]
    }

    /// Whether clients of `region` can reach `pop` at all (its `pops` list, access distance).
    #[inline]
    pub fn reachable(&self, region: RegionId, pop: PopId) -> bool {
        self.region_pop_reachable[region.index() * self.pop_count() + pop.index()]
    }

    #[inline]
    pub fn rtt_pop_pop(&self, a: PopId, b: PopId) -> SimTime {
        self.pop_pop_rtt[a.index() * self.pop_count() + b.index()]
    }

    #[inline]
    pub fn distance_pop_pop_km(&self, a: PopId, b: PopId) -> f64 {
        self.pop_pop_distance_km[a.index() * self.pop_count() + b.index()]
    }

    /// Round trip from a region straight to an origin (the no-CDN path).
    #[inline]
    pub fn rtt_region_origin(&self, region: RegionId, origin: OriginId) -> SimTime {
        self.region_origin_rtt[region.index() * self.spec.origins.len() + origin.index()]
    }

    /// The origin a PoP fetches from (the nearest one).
    #[inline]
    pub fn origin_of_pop(&self, pop: PopId) -> OriginId {
        self.upstream.pop_origin[pop.index()]
    }

    #[inline]
    pub fn rtt_pop_origin(&self, pop: PopId) -> SimTime {
        self.upstream.pop_origin_rtt[pop.index()]
    }

    /// The shield (parent cache) of a PoP: the nearest one, if the world has shields.
    #[inline]
    pub fn shield_of_pop(&self, pop: PopId) -> Option<ShieldId> {
        self.upstream.pop_shield[pop.index()]
    }

    /// Round trip from a PoP to its shield (zero when there is none).
    #[inline]
    pub fn rtt_pop_shield(&self, pop: PopId) -> SimTime {
        self.upstream.pop_shield_rtt[pop.index()]
    }

    #[inline]
    pub fn origin_of_shield(&self, shield: ShieldId) -> OriginId {
        self.upstream.shield_origin[shield.index()]
    }

    #[inline]
    pub fn rtt_shield_origin(&self, shield: ShieldId) -> SimTime {
        self.upstream.shield_origin_rtt[shield.index()]
    }

    /// The PoPs a region can reach, nearest by RTT first: its failover order.
    #[inline]
    pub fn failover_order(&self, region: RegionId) -> &[PopId] {
        &self.region_failover[region.index()]
    }

    /// The nearest PoP of a region by RTT (the ideal choice).
    #[inline]
    pub fn nearest_pop(&self, region: RegionId) -> PopId {
        self.region_failover[region.index()][0]
    }

    /// The other PoPs, nearest to `pop` by RTT first.
    #[inline]
    pub fn pop_neighbours(&self, pop: PopId) -> &[PopId] {
        &self.pop_neighbours[pop.index()]
    }

    pub fn graph(&self) -> &WorldGraph {
        &self.graph
    }

    /// The graph node of a site.
    pub fn node(&self, site: SiteRef) -> NodeIndex {
        match site {
            SiteRef::Region(r) => self.nodes.region[r.index()],
            SiteRef::Pop(p) => self.nodes.pop[p.index()],
            SiteRef::Shield(s) => self.nodes.shield[s.index()],
            SiteRef::Origin(o) => self.nodes.origin[o.index()],
        }
    }

    /// The round trip of the cheapest path from `from` to `to` that avoids the
    /// `failed` PoPs and uses no client region as transit, or `None` if the
    /// failures cut them apart. Dijkstra over the graph: for set-up and reports,
    /// not per request.
    pub fn path_rtt(&self, from: SiteRef, to: SiteRef, failed: &[PopId]) -> Option<SimTime> {
        let (start, goal) = (self.node(from), self.node(to));
        let usable = |n: NodeIndex| match self.graph[n] {
            SiteRef::Pop(p) => !failed.contains(&p),
            SiteRef::Region(_) => n == start || n == goal,
            SiteRef::Shield(_) | SiteRef::Origin(_) => true,
        };
        if !usable(start) || !usable(goal) {
            return None;
        }
        let view = NodeFiltered::from_fn(&self.graph, usable);
        let costs = dijkstra(&view, start, Some(goal), |e| e.weight().rtt.as_nanos());
        costs.get(&goal).map(|&nanos| SimTime::from_nanos(nanos))
    }
}
