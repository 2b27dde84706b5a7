//! Statistics of a routing over a world: how often clients reach their nearest
//! PoP, how much latency and distance they lose when they do not, and what a
//! PoP withdrawal moves. Computed exactly from the routing distributions
//! (population-weighted), not by sampling, so they are deterministic and cheap.

use super::ids::{PopId, RegionId};
use super::routing::Router;
use super::topology::World;

/// Calder et al., IMC 2015 (https://doi.org/10.1145/2815675.2815717), §5 and
/// Fig. 3: anycast is ≥ 25 ms slower than the best unicast front-end for about
/// 20 % of requests. A client served ≥ 25 ms RTT worse than its best reachable
/// PoP is what this crate calls "clearly suboptimal".
pub const SUBOPTIMAL_EXTRA_RTT_MS: f64 = 25.0;
/// Same figure: just under 10 % of anycast requests are ≥ 100 ms slower.
pub const FAR_EXTRA_RTT_MS: f64 = 100.0;
/// Same paper, §5: 90 % of clients land within 1,375 km of their closest front-end.
pub const NEAR_EXTRA_DISTANCE_KM: f64 = 1_375.0;

/// Population-weighted statistics of where a router sends clients.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct RoutingStats {
    /// Share of clients served by their nearest reachable PoP (by RTT).
    pub nearest_share: f64,
    /// Share served ≥ [`SUBOPTIMAL_EXTRA_RTT_MS`] worse than their nearest PoP.
    pub suboptimal_share: f64,
    /// Share served ≥ [`FAR_EXTRA_RTT_MS`] worse than their nearest PoP.
    pub far_share: f64,
    /// Share whose PoP is at most [`NEAR_EXTRA_DISTANCE_KM`] further than their nearest.
    pub near_distance_share: f64,
    /// Mean RTT from client to its PoP, ms.
    pub rtt_ms_mean: f64,
    /// Mean RTT lost against the nearest PoP, ms.
    pub extra_rtt_ms_mean: f64,
    /// Median distance from a client to its nearest PoP, km (Calder et al.: 280 km).
    pub nearest_distance_km_median: f64,
    /// Median distance from a client to the PoP that serves it, km.
    pub served_distance_km_median: f64,
    /// Share of clients with no available PoP.
    pub unrouted_share: f64,
}

/// Statistics of `router` over `world`, weighted by region population. "Nearest"
/// is the nearest reachable PoP, withdrawn or not: the bound with every PoP up.
pub fn routing_stats(world: &World, router: &Router) -> RoutingStats {
    let mut stats = RoutingStats {
        nearest_share: 0.0,
        suboptimal_share: 0.0,
        far_share: 0.0,
        near_distance_share: 0.0,
        rtt_ms_mean: 0.0,
        extra_rtt_ms_mean: 0.0,
        nearest_distance_km_median: 0.0,
        served_distance_km_median: 0.0,
        unrouted_share: 0.0,
    };
    let mut nearest_km: Vec<(f64, f64)> = Vec::new();
    let mut served_km: Vec<(f64, f64)> = Vec::new();
    for region in world.regions() {
        let weight = world.region_share(region);
        let best = world.nearest_pop(region);
        let best_rtt_ms = world.rtt_region_pop(region, best).as_millis_f64();
        let best_km = world.distance_region_pop_km(region, best);
        nearest_km.push((best_km, weight));
        let mut routed = 0.0;
        for (pop, share) in router.pop_shares(region) {
            let w = weight * share;
            routed += share;
            let rtt_ms = world.rtt_region_pop(region, pop).as_millis_f64();
            let km = world.distance_region_pop_km(region, pop);
            served_km.push((km, w));
            let extra_ms = rtt_ms - best_rtt_ms;
            stats.nearest_share += if pop == best { w } else { 0.0 };
            stats.suboptimal_share += if extra_ms >= SUBOPTIMAL_EXTRA_RTT_MS {
                w
            } else {
                0.0
            };
            stats.far_share += if extra_ms >= FAR_EXTRA_RTT_MS { w } else { 0.0 };
            stats.near_distance_share += if km - best_km <= NEAR_EXTRA_DISTANCE_KM {
                w
            } else {
                0.0
            };
            stats.rtt_ms_mean += w * rtt_ms;
            stats.extra_rtt_ms_mean += w * extra_ms;
        }
        stats.unrouted_share += weight * (1.0 - routed).max(0.0);
    }
    let routed_share = 1.0 - stats.unrouted_share;
    if routed_share > 0.0 {
        stats.rtt_ms_mean /= routed_share;
        stats.extra_rtt_ms_mean /= routed_share;
    }
    stats.nearest_distance_km_median = weighted_median(&mut nearest_km);
    stats.served_distance_km_median = weighted_median(&mut served_km);
    stats
}

/// What withdrawing a PoP does to the clients it served.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct WithdrawalReport {
    /// The withdrawn PoP; `None` for the pool of every single-PoP withdrawal.
    pub pop: Option<PopId>,
    /// Share of all clients that the PoP served and that re-home.
    pub moved_share: f64,
    /// Share of all clients left with no PoP.
    pub stranded_share: f64,
    /// Median over moved clients of |distance to the new PoP − distance to the
    /// old|, km: Calder et al. 2015 §6 measured a median of 483 km when a
    /// client's front-end changes.
    pub distance_change_km_median: f64,
    /// Median over moved clients of (distance to the new PoP − to the old), km:
    /// negative when anycast had sent them further than their new PoP.
    pub extra_distance_km_median: f64,
    /// Median over moved clients of the distance between the old and new PoP, km.
    pub hop_distance_km_median: f64,
    /// Mean over moved clients of the RTT change, ms.
    pub extra_rtt_ms_mean: f64,
}

/// One re-homed slice of clients: weight (share of all clients) and its changes.
#[derive(Copy, Clone, Debug)]
struct Move {
    weight: f64,
    extra_km: f64,
    hop_km: f64,
    extra_ms: f64,
}

/// Withdraws `pop` from a copy of `router` and reports how its clients re-home.
pub fn withdrawal_report(world: &World, router: &Router, pop: PopId) -> WithdrawalReport {
    let (moves, moved, stranded) = withdrawal_moves(world, router, pop);
    summarise(Some(pop), &moves, moved, stranded)
}

/// Pools the withdrawals of each PoP in turn (one at a time, the others up):
/// the typical re-homing of this world and routing.
pub fn pooled_withdrawal_report(world: &World, router: &Router) -> WithdrawalReport {
    let (mut all, mut moved, mut stranded) = (Vec::new(), 0.0, 0.0);
    for pop in world.pops().filter(|&p| router.is_available(p)) {
        let (moves, m, s) = withdrawal_moves(world, router, pop);
        all.extend(moves);
        moved += m;
        stranded += s;
    }
    summarise(None, &all, moved, stranded)
}

fn summarise(
    pop: Option<PopId>,
    moves: &[Move],
    moved_share: f64,
    stranded_share: f64,
) -> WithdrawalReport {
    let placed: f64 = moves.iter().map(|m| m.weight).sum();
    let median = |f: &dyn Fn(&Move) -> f64| {
        weighted_median(&mut moves.iter().map(|m| (f(m), m.weight)).collect::<Vec<_>>())
    };
    let rtt_sum: f64 = moves.iter().map(|m| m.weight * m.extra_ms).sum();
    WithdrawalReport {
        pop,
        moved_share,
        stranded_share,
        distance_change_km_median: median(&|m| m.extra_km.abs()),
        extra_distance_km_median: median(&|m| m.extra_km),
        hop_distance_km_median: median(&|m| m.hop_km),
        extra_rtt_ms_mean: if placed > 0.0 { rtt_sum / placed } else { 0.0 },
    }
}

/// The re-homed slices of withdrawing `pop`, the share moved and the share stranded.
fn withdrawal_moves(world: &World, router: &Router, pop: PopId) -> (Vec<Move>, f64, f64) {
    let mut after = router.clone();
    after.withdraw(world, pop);
    let (mut moves, mut moved_share, mut stranded_share) = (Vec::new(), 0.0, 0.0);
    for region in world.regions() {
        let on_pop: f64 = router
            .pop_shares(region)
            .iter()
            .filter(|(p, _)| *p == pop)
            .map(|(_, s)| s)
            .sum();
        if on_pop == 0.0 {
            continue;
        }
        let moved = world.region_share(region) * on_pop;
        moved_share += moved;
        let before_km = world.distance_region_pop_km(region, pop);
        let before_ms = world.rtt_region_pop(region, pop).as_millis_f64();
        let mut placed = 0.0;
        for (new_pop, share) in rehomed_shares(router, &after, region, pop) {
            placed += share;
            moves.push(Move {
                weight: moved * share,
                extra_km: world.distance_region_pop_km(region, new_pop) - before_km,
                hop_km: world.distance_pop_pop_km(pop, new_pop),
                extra_ms: world.rtt_region_pop(region, new_pop).as_millis_f64() - before_ms,
            });
        }
        stranded_share += moved * (1.0 - placed).max(0.0);
    }
    (moves, moved_share, stranded_share)
}

/// Where the clients of `region` that `before` sent to `withdrawn` go under
/// `after`: the shares that `after` adds to each PoP, normalised. Clients not on
/// the withdrawn PoP never move (every mode re-homes only the withdrawn PoP's clients).
fn rehomed_shares(
    before: &Router,
    after: &Router,
    region: RegionId,
    withdrawn: PopId,
) -> Vec<(PopId, f64)> {
    let old = before.pop_shares(region);
    let old_share = |p: PopId| old.iter().find(|(q, _)| *q == p).map_or(0.0, |(_, s)| *s);
    let gained: Vec<(PopId, f64)> = after
        .pop_shares(region)
        .into_iter()
        .map(|(p, s)| (p, s - old_share(p)))
        .filter(|&(_, g)| g > 1e-12)
        .collect();
    let on_withdrawn = old_share(withdrawn);
    gained
        .into_iter()
        .map(|(p, g)| (p, g / on_withdrawn))
        .collect()
}

/// The weighted median of (value, weight) pairs; 0 for no weight.
pub fn weighted_median(values: &mut [(f64, f64)]) -> f64 {
    values.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = values.iter().map(|v| v.1).sum();
    let mut running = 0.0;
    for &(value, weight) in values.iter() {
        running += weight;
        if running >= total / 2.0 && total > 0.0 {
            return value;
        }
    }
    0.0
}
