//! Push on the world: clients in regions, gateway clusters at sites of the
//! world, the routing that sends a client to a cluster, and the latency of
//! every hop from the world's RTTs (`docs/world.md`). Built once per run;
//! nothing here schedules events.
//!
//! A client's region is a pure function of its id (the clients of a region
//! are one contiguous block of ids, sized by the region's share), and its
//! cluster a pure function of (seed, region, id) through the world's router:
//! no per-client state. The registry, Kafka and the processors sit at the
//! home cluster's site.

use std::sync::Arc;

use super::params::PushParams;
use crate::engine::{SimTime, Streams};
use crate::world::{PopId, RegionId, Router, World};

/// The world a push run stands in, and its lookups.
pub struct Geo {
    pub world: Arc<World>,
    pub router: Router,
    /// Per cluster, its site (a PoP of the world).
    pub cluster_pop: Vec<PopId>,
    /// Per PoP of the world, its cluster.
    pop_cluster: Vec<u16>,
    /// The regions that have clients, in world order, with the end of their
    /// block of client ids (exclusive; blocks are consecutive from 0).
    regions: Vec<(RegionId, u32)>,
    /// One-way delay client ↔ gateway, `[region slot × clusters + cluster]`.
    one_way: Vec<SimTime>,
    /// Per cluster: the round trip to the home site (registry, Kafka).
    home_rtt: Vec<SimTime>,
    /// Per cluster: one way from the home site (processor to gateway).
    home_one_way: Vec<SimTime>,
}

impl Geo {
    /// The world lookups of `p` (checked against `world`, which was loaded
    /// with the cluster sites as its PoP selection).
    pub fn new(p: &PushParams, world: Arc<World>, streams: &Streams) -> Result<Geo, String> {
        let cluster_pop = p
            .clusters
            .iter()
            .map(|c| world.pop_by_name(&c.site))
            .collect::<Option<Vec<PopId>>>()
            .ok_or("push.clusters: a cluster site is not a PoP of the world")?;
        let mut pop_cluster = vec![u16::MAX; world.pop_count()];
        for (k, pop) in cluster_pop.iter().enumerate() {
            pop_cluster[pop.index()] = k as u16;
        }
        let home = match &p.home {
            Some(name) => world
                .pop_by_name(name)
                .ok_or("push.home: not a cluster site")?,
            None => cluster_pop[0],
        };
        let regions = client_blocks(&region_weights(p, &world)?, p.clients.0 as u32);
        let one_way = regions
            .iter()
            .flat_map(|&(r, _)| cluster_pop.iter().map(move |&pop| (r, pop)))
            .map(|(r, pop)| half(world.rtt_region_pop(r, pop)))
            .collect();
        // At the home site itself the hop is `network.internal`, already paid.
        let home_rtt: Vec<SimTime> = cluster_pop
            .iter()
            .map(|&pop| {
                if pop == home {
                    SimTime::ZERO
                } else {
                    world.rtt_pop_pop(pop, home)
                }
            })
            .collect();
        let home_one_way = home_rtt.iter().map(|&rtt| half(rtt)).collect();
        let router = Router::new(&world, &p.routing, streams);
        Ok(Geo {
            world,
            router,
            cluster_pop,
            pop_cluster,
            regions,
            one_way,
            home_rtt,
            home_one_way,
        })
    }

    /// The slot (in [`Geo::regions`] order) of client `c`'s region.
    #[inline]
    pub fn region_slot(&self, c: u32) -> usize {
        self.regions.partition_point(|&(_, end)| end <= c)
    }

    /// The world region of region slot `slot`.
    pub fn region(&self, slot: usize) -> RegionId {
        self.regions[slot].0
    }

    /// The clients of region slot `slot`.
    pub fn region_clients(&self, slot: usize) -> u32 {
        let start = if slot == 0 {
            0
        } else {
            self.regions[slot - 1].1
        };
        self.regions[slot].1 - start
    }

    /// Regions with clients.
    pub fn region_count(&self) -> usize {
        self.regions.len()
    }

    /// The cluster the world's routing sends client `c` to now, or `None`
    /// when every cluster its region can reach is withdrawn.
    #[inline]
    pub fn cluster_of_client(&self, c: u32) -> Option<usize> {
        let region = self.regions[self.region_slot(c)].0;
        let pop = self.router.route(region, c as u64)?;
        Some(self.pop_cluster[pop.index()] as usize)
    }

    /// One way between client `c` and a gateway of cluster `k`.
    #[inline]
    pub fn client_one_way(&self, c: u32, k: usize) -> SimTime {
        self.one_way[self.region_slot(c) * self.cluster_pop.len() + k]
    }

    /// One way between region slot `slot` and cluster `k`.
    pub fn region_one_way(&self, slot: usize, k: usize) -> SimTime {
        self.one_way[slot * self.cluster_pop.len() + k]
    }

    /// Round trip from cluster `k` to the home site (a registry write).
    #[inline]
    pub fn home_rtt(&self, k: usize) -> SimTime {
        self.home_rtt[k]
    }

    /// One way from the home site to cluster `k` (a processor's push).
    #[inline]
    pub fn home_one_way(&self, k: usize) -> SimTime {
        self.home_one_way[k]
    }

    /// Stops routing clients to cluster `k` (its site is withdrawn from
    /// DNS or anycast); its clients re-home by the routing table.
    pub fn withdraw(&mut self, k: usize) {
        let pop = self.cluster_pop[k];
        self.router.withdraw(&self.world, pop);
    }

    /// Routes clients to cluster `k` again.
    pub fn restore(&mut self, k: usize) {
        let pop = self.cluster_pop[k];
        self.router.restore(&self.world, pop);
    }
}

fn half(rtt: SimTime) -> SimTime {
    SimTime::from_nanos(rtt.as_nanos() / 2)
}

/// Each region's weight: `[[push.regions]]`, or the world's population.
fn region_weights(p: &PushParams, world: &World) -> Result<Vec<(RegionId, f64)>, String> {
    if p.regions.is_empty() {
        return Ok(world
            .regions()
            .map(|r| (r, world.region_share(r)))
            .collect());
    }
    let mut weights: Vec<(RegionId, f64)> = world.regions().map(|r| (r, 0.0)).collect();
    for (i, share) in p.regions.iter().enumerate() {
        let r = world
            .region_by_name(&share.name)
            .ok_or_else(|| format!("push.regions[{i}].name: not a region of the world"))?;
        weights[r.index()].1 += share.share.unwrap_or_else(|| world.region_share(r));
    }
    Ok(weights)
}

/// Consecutive blocks of client ids, one per region with a positive
/// weight, sized by largest remainder (ties to the earlier region), so
/// that the blocks add up to `clients` exactly.
fn client_blocks(weights: &[(RegionId, f64)], clients: u32) -> Vec<(RegionId, u32)> {
    let total: f64 = weights.iter().map(|&(_, w)| w).sum();
    let exact: Vec<f64> = weights
        .iter()
        .map(|&(_, w)| w / total * clients as f64)
        .collect();
    let mut counts: Vec<u32> = exact.iter().map(|x| x.floor() as u32).collect();
    let short = clients - counts.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..weights.len()).filter(|&i| weights[i].1 > 0.0).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(short as usize) {
        counts[i] += 1;
    }
    let mut end = 0;
    weights
        .iter()
        .zip(&counts)
        .filter(|&(_, &n)| n > 0)
        .map(|(&(r, _), &n)| {
            end += n;
            (r, end)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_add_up_and_follow_the_weights() {
        let w = [
            (RegionId(0), 1.0),
            (RegionId(1), 0.0),
            (RegionId(2), 2.0),
            (RegionId(3), 1.0),
        ];
        let blocks = client_blocks(&w, 10);
        assert_eq!(
            blocks,
            vec![(RegionId(0), 3), (RegionId(2), 8), (RegionId(3), 10)]
        );
        assert_eq!(client_blocks(&w, 1).last().unwrap().1, 1);
    }
}
