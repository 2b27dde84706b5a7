//! Prints, for a few regions, where anycast and geo-DNS send their clients
//! (share of clients per PoP and its RTT): the data behind the
//! anycast/geo-DNS latency gap discussed in docs/world.md.

use edgesim::engine::Streams;
use edgesim::world::{PopId, RegionId, Router, RoutingMode, RoutingSpec, World, WorldSpec};

fn main() {
    let world = World::build(WorldSpec::shipped());
    let names: Vec<String> = std::env::args().skip(1).collect();
    for mode in [RoutingMode::Anycast, RoutingMode::GeoDns] {
        let spec = RoutingSpec {
            mode,
            ..RoutingSpec::default()
        };
        let router = Router::new(&world, &spec, &Streams::new(1));
        for r in world.regions() {
            let region = &world.spec().regions[r.0 as usize];
            if !names.contains(&region.name) {
                continue;
            }
            let mut shares = router.pop_shares(r);
            shares.sort_by(|a, b| b.1.total_cmp(&a.1));
            println!("{mode:?} {}:", region.name);
            for (pop, share) in shares.iter().take(8) {
                let rtt = world.rtt_region_pop(RegionId(r.0), PopId(pop.0));
                println!(
                    "  {:>5.3} {:<24} {:>6.1} ms",
                    share,
                    world.spec().pops[pop.0 as usize].name,
                    rtt.as_millis_f64()
                );
            }
        }
    }
}
