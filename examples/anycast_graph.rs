//! Prints the anycast routing statistics of the shipped world for a graph
//! structure given on the command line (`key=value` pairs of
//! `[routing.anycast]`), against the Calder et al. 2015 targets: the grid
//! search behind the defaults in docs/world.md.
//!
//! `cargo run --release --example anycast_graph -- peering_isps=1 transits_per_pop=2`

use edgesim::engine::Streams;
use edgesim::world::*;

fn main() {
    let world = World::build(WorldSpec::shipped());
    let mut text = String::new();
    for arg in std::env::args().skip(1) {
        text.push_str(&arg);
        text.push('\n');
    }
    let anycast: AnycastSpec = toml::from_str(&text).expect("key=value pairs of [routing.anycast]");
    let spec = RoutingSpec {
        anycast,
        ..RoutingSpec::default()
    };
    if let Some((key, message)) = spec.problem() {
        eprintln!("{key}: {message}");
        std::process::exit(2);
    }
    let router = Router::new(&world, &spec, &Streams::new(1));
    let s = routing_stats(&world, &router);
    println!(
        "nearest {:.3} (0.55)  >=25ms {:.3} (0.20)  >=100ms {:.3} (<0.10)  mean rtt {:.1} ms  extra {:.1} ms",
        s.nearest_share, s.suboptimal_share, s.far_share, s.rtt_ms_mean, s.extra_rtt_ms_mean
    );
    println!(
        "within 1,375 km of nearest {:.3}  median served distance {:.0} km  nearest {:.0} km",
        s.near_distance_share, s.served_distance_km_median, s.nearest_distance_km_median
    );
    // The busiest catchments (population-weighted share of all clients).
    let mut load = vec![0.0; world.pop_count()];
    for region in world.regions() {
        for (pop, share) in router.pop_shares(region) {
            load[pop.index()] += world.region_share(region) * share;
        }
    }
    let mut pops: Vec<PopId> = world.pops().collect();
    pops.sort_by(|a, b| load[b.index()].total_cmp(&load[a.index()]).then(a.cmp(b)));
    for &pop in pops.iter().take(5) {
        println!("  {:<24} {:.3}", world.pop(pop).name, load[pop.index()]);
    }
    if let Some(fra) = world.pop_by_name("Frankfurt am Main") {
        println!(
            "Frankfurt withdrawn: {:?}",
            withdrawal_report(&world, &router, fra)
        );
    }
    println!(
        "busiest withdrawn: {:?}",
        withdrawal_report(&world, &router, pops[0])
    );
    println!("pooled: {:?}", pooled_withdrawal_report(&world, &router));
}
