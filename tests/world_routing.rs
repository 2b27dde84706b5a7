//! The world model and CDN request routing: the shipped world, anycast
//! calibration, geo-DNS, failover and withdrawal, server choice inside a PoP,
//! and the loader's errors.

use edgesim::engine::{SimTime, Streams};
use edgesim::error::InputError;
use edgesim::world::*;

fn shipped() -> World {
    World::build(WorldSpec::shipped())
}

fn router(world: &World, mode: RoutingMode, seed: u64) -> Router {
    let spec = RoutingSpec {
        mode,
        ..RoutingSpec::default()
    };
    Router::new(world, &spec, &Streams::new(seed))
}

#[test]
fn shipped_world_has_the_real_pops_and_weighted_regions() {
    let world = shipped();
    assert_eq!(world.pop_count(), 39);
    assert!(
        (60..=120).contains(&world.region_count()),
        "{}",
        world.region_count()
    );
    let total: f64 = world.regions().map(|r| world.region_share(r)).sum();
    assert!((total - 1.0).abs() < 1e-9);
    let tokyo = world.region_by_name("Tokyo").unwrap();
    assert_eq!(world.pop(world.nearest_pop(tokyo)).name, "Tokyo");
    assert_eq!(world.region(tokyo).utc_offset_hours, 9.0);
    assert_eq!(world.origins()[0].name, "us-east");
    // Matrices agree with the latency model.
    let lhr = world.pop_by_name("London").unwrap();
    let jfk = world.pop_by_name("New York").unwrap();
    let d = world.distance_pop_pop_km(lhr, jfk);
    assert_eq!(world.rtt_pop_pop(lhr, jfk), world.latency().rtt(d));
    assert_eq!(world.rtt_pop_pop(lhr, jfk), world.rtt_pop_pop(jfk, lhr));
    // Each PoP has an upstream: a shield and the origin.
    for pop in world.pops() {
        assert!(world.shield_of_pop(pop).is_some());
        assert!(world.rtt_pop_origin(pop) > SimTime::ZERO);
    }
}

#[test]
fn anycast_defaults_reproduce_calder_et_al() {
    let world = shipped();
    let stats = routing_stats(&world, &router(&world, RoutingMode::Anycast, 1));
    // Calder et al. 2015: ~55 % nearest, ~20 % >= 25 ms slower, just under 10 % >= 100 ms,
    // measured from the routes the graph selects (no share is an input).
    assert!((stats.nearest_share - 0.55).abs() <= 0.03, "{stats:?}");
    assert!((stats.suboptimal_share - 0.20).abs() <= 0.03, "{stats:?}");
    assert!(
        stats.far_share < 0.10 && stats.far_share > 0.06,
        "{stats:?}"
    );
    assert_eq!(stats.unrouted_share, 0.0);
}

#[test]
fn per_client_routes_sample_the_exact_shares() {
    let world = shipped();
    for mode in [RoutingMode::Anycast, RoutingMode::GeoDns] {
        let router = router(&world, mode, 7);
        for name in ["Sydney", "Lagos", "Chicago", "Shanghai"] {
            let region = world.region_by_name(name).unwrap();
            let n = 40_000u64;
            let mut counts = vec![0u64; world.pop_count()];
            for client in 0..n {
                counts[router.route(region, client).unwrap().index()] += 1;
            }
            for (pop, share) in router.pop_shares(region) {
                let seen = counts[pop.index()] as f64 / n as f64;
                assert!(
                    (seen - share).abs() < 0.01,
                    "{mode:?} {name} {pop}: {seen} vs {share}"
                );
            }
        }
    }
}

#[test]
fn same_seed_same_routes_other_seed_other_routes() {
    let world = shipped();
    let a = router(&world, RoutingMode::Anycast, 11);
    let b = router(&world, RoutingMode::Anycast, 11);
    let c = router(&world, RoutingMode::Anycast, 12);
    let routes = |r: &Router| {
        world
            .regions()
            .flat_map(|region| (0..200).map(move |k| r.route(region, k)))
            .collect::<Vec<_>>()
    };
    assert_eq!(routes(&a), routes(&b));
    // The seed moves clients between their region's ISPs, not the catchments.
    assert_ne!(routes(&a), routes(&c));
    for region in world.regions() {
        assert_eq!(a.pop_shares(region), c.pop_shares(region));
    }
}

#[test]
fn ideal_routing_is_the_nearest_pop() {
    let world = shipped();
    let ideal = router(&world, RoutingMode::Ideal, 1);
    for region in world.regions() {
        let pop = ideal.route(region, 42).unwrap();
        assert_eq!(pop, world.nearest_pop(region));
        for other in world.pops() {
            assert!(world.rtt_region_pop(region, pop) <= world.rtt_region_pop(region, other));
        }
    }
    assert!((routing_stats(&world, &ideal).nearest_share - 1.0).abs() < 1e-9);
}

#[test]
fn geo_dns_maps_by_resolver_and_ecs_maps_by_client() {
    let world = shipped();
    let plain = router(&world, RoutingMode::GeoDns, 1);
    let mut spec = RoutingSpec {
        mode: RoutingMode::GeoDns,
        ..RoutingSpec::default()
    };
    spec.geo_dns.ecs = true;
    let ecs = Router::new(&world, &spec, &Streams::new(1));
    let s_plain = routing_stats(&world, &plain);
    let s_ecs = routing_stats(&world, &ecs);
    assert!(
        s_ecs.nearest_share > s_plain.nearest_share,
        "{s_plain:?} {s_ecs:?}"
    );
    assert!(s_ecs.rtt_ms_mean < s_plain.rtt_ms_mean);
    // Sydney has no public resolver site nearby: without ECS, its public-resolver
    // clients (8 %) are mapped to the PoP nearest the resolver, in Asia.
    let sydney = world.region_by_name("Sydney").unwrap();
    let shares = plain.pop_shares(sydney);
    let away: f64 = shares
        .iter()
        .filter(|(p, _)| world.pop(*p).continent != "oceania")
        .map(|(_, s)| s)
        .sum();
    assert!((away - 0.08).abs() < 1e-9, "{shares:?}");
    let ecs_shares = ecs.pop_shares(sydney);
    assert!(
        ecs_shares
            .iter()
            .all(|(p, _)| world.pop(*p).continent == "oceania")
    );
    // Anycast does worse than geo-DNS in the default world, and geo-DNS worse than ideal.
    let s_anycast = routing_stats(&world, &router(&world, RoutingMode::Anycast, 1));
    assert!(s_anycast.rtt_ms_mean > s_plain.rtt_ms_mean);
}

#[test]
fn failover_order_and_forward_targets_follow_latency() {
    let world = shipped();
    let mut r = router(&world, RoutingMode::Ideal, 1);
    let paris = world.region_by_name("Paris").unwrap();
    let order: Vec<PopId> = r.failover_order(&world, paris).collect();
    assert_eq!(order.len(), 39);
    assert_eq!(world.pop(order[0]).name, "Paris");
    for pair in order.windows(2) {
        assert!(world.rtt_region_pop(paris, pair[0]) <= world.rtt_region_pop(paris, pair[1]));
    }
    let fra = world.pop_by_name("Frankfurt am Main").unwrap();
    let first = r.forward_target(fra).unwrap();
    assert_eq!(first, world.pop_neighbours(fra)[0]);
    r.withdraw(&world, first);
    let second = r.forward_target(fra).unwrap();
    assert_eq!(second, world.pop_neighbours(fra)[1]);
    assert!(r.forward_targets(&world, fra).all(|p| p != first));
    assert_eq!(r.failover_order(&world, paris).count(), 38);
}

#[test]
fn withdrawal_moves_only_the_withdrawn_pops_clients_and_restore_undoes_it() {
    let world = shipped();
    let fra = world.pop_by_name("Frankfurt am Main").unwrap();
    for mode in [
        RoutingMode::Anycast,
        RoutingMode::GeoDns,
        RoutingMode::Ideal,
    ] {
        let before = router(&world, mode, 3);
        let mut after = before.clone();
        after.withdraw(&world, fra);
        for region in world.regions() {
            for client in 0..200 {
                let old = before.route(region, client).unwrap();
                let new = after.route(region, client).unwrap();
                assert_ne!(new, fra);
                if old != fra {
                    assert_eq!(
                        old, new,
                        "{mode:?}: a client not on the withdrawn PoP moved"
                    );
                }
            }
        }
        after.restore(&world, fra);
        assert_eq!(after, before);
    }
}

#[test]
fn withdrawal_report_measures_the_rehoming() {
    let world = shipped();
    let fra = world.pop_by_name("Frankfurt am Main").unwrap();
    let ideal = router(&world, RoutingMode::Ideal, 1);
    let report = withdrawal_report(&world, &ideal, fra);
    assert!(report.moved_share > 0.0 && report.stranded_share < 1e-12);
    // Ideal clients always move further away, to the next-nearest PoP.
    assert!(report.extra_distance_km_median > 0.0);
    assert!(report.extra_rtt_ms_mean > 0.0);
    let anycast = withdrawal_report(&world, &router(&world, RoutingMode::Anycast, 1), fra);
    // Calder et al. 2015: median change in distance 483 km when the front-end changes.
    assert!(
        (200.0..1_000.0).contains(&anycast.distance_change_km_median),
        "{anycast:?}"
    );
}

#[test]
fn a_region_with_every_reachable_pop_withdrawn_is_unrouted() {
    let only = vec!["Sydney".to_string(), "Auckland".to_string()];
    let world = World::build(WorldSpec::shipped_with(Some(&only)).unwrap());
    assert_eq!(world.pop_count(), 2);
    let mut r = router(&world, RoutingMode::Anycast, 1);
    for pop in world.pops().collect::<Vec<_>>() {
        r.withdraw(&world, pop);
    }
    let london = world.region_by_name("London").unwrap();
    assert_eq!(r.route(london, 1), None);
    assert!((routing_stats(&world, &r).unrouted_share - 1.0).abs() < 1e-9);
}

#[test]
fn restricting_the_pop_set_reroutes_everyone() {
    let only: Vec<String> = ["Washington", "Frankfurt am Main", "Singapore"]
        .map(String::from)
        .to_vec();
    let world = World::build(WorldSpec::shipped_with(Some(&only)).unwrap());
    assert_eq!(world.pop_count(), 3);
    let lima = world.region_by_name("Lima").unwrap();
    assert_eq!(world.pop(world.nearest_pop(lima)).name, "Washington");
    let r = router(&world, RoutingMode::Anycast, 1);
    let stats = routing_stats(&world, &r);
    assert_eq!(stats.unrouted_share, 0.0);
    // Some regions still miss their nearest of the three through their ISPs' transits.
    assert!(
        stats.nearest_share > 0.3 && stats.nearest_share < 1.0,
        "{stats:?}"
    );
}

#[test]
fn graph_holds_the_topology_and_survives_failures() {
    let world = shipped();
    let graph = world.graph();
    let sites =
        world.region_count() + world.pop_count() + world.shields().len() + world.origins().len();
    assert_eq!(graph.node_count(), sites);
    let tokyo = world.pop_by_name("Tokyo").unwrap();
    let origin = SiteRef::Origin(OriginId(0));
    let direct = world.path_rtt(SiteRef::Pop(tokyo), origin, &[]).unwrap();
    assert!(direct <= world.rtt_pop_origin(tokyo));
    // A failed PoP is avoided; regions never carry transit.
    let region = world.region_by_name("Osaka").unwrap();
    let via_any = world
        .path_rtt(SiteRef::Region(region), origin, &[])
        .unwrap();
    assert!(via_any <= world.rtt_region_origin(region, OriginId(0)));
    assert_eq!(world.path_rtt(SiteRef::Pop(tokyo), origin, &[tokyo]), None);
    // StableGraph: removing a node keeps every other index pointing at its site.
    let mut copy = graph.clone();
    copy.remove_node(world.node(SiteRef::Pop(tokyo)));
    for pop in world.pops().filter(|&p| p != tokyo) {
        assert_eq!(copy[world.node(SiteRef::Pop(pop))], SiteRef::Pop(pop));
    }
}

#[test]
fn consistent_hashing_is_balanced() {
    let ring = HashRing::new(10, RING_POINTS, 99);
    let mut counts = [0u32; 10];
    let objects = 200_000u64;
    for object in 0..objects {
        counts[ring.lookup(object).unwrap() as usize] += 1;
    }
    let mean = objects as f64 / 10.0;
    let max = *counts.iter().max().unwrap() as f64;
    let min = *counts.iter().min().unwrap() as f64;
    assert!(max / mean < 1.25 && min / mean > 0.75, "{counts:?}");
}

const RING_POINTS: u32 = edgesim::world::servers::RING_POINTS_PER_SERVER;

#[test]
fn removing_a_server_moves_only_its_objects() {
    let n = 8u32;
    let full = HashRing::new(n, RING_POINTS, 5);
    let mut smaller = full.clone();
    smaller.remove(3);
    let objects = 100_000u64;
    let mut moved = 0u64;
    for object in 0..objects {
        let before = full.lookup(object).unwrap();
        let after = smaller.lookup(object).unwrap();
        if before != 3 {
            assert_eq!(
                before, after,
                "object {object} moved though its server stayed"
            );
        } else {
            assert_ne!(after, 3);
            moved += 1;
        }
    }
    let share = moved as f64 / objects as f64;
    assert!((share - 1.0 / n as f64).abs() < 0.04, "{share}");
    // Adding a server back takes about 1/n and only from others.
    let mut grown = smaller.clone();
    grown.add(3, RING_POINTS);
    assert!((0..objects).all(|o| grown.lookup(o) == full.lookup(o)));
}

#[test]
fn round_robin_and_least_loaded_spread_requests() {
    let mut rr = RoundRobin::new(4);
    let mut counts = [0; 4];
    for _ in 0..400 {
        counts[rr.pick() as usize] += 1;
    }
    assert_eq!(counts, [100; 4]);
    let mut ll = LeastLoaded::new(4);
    for _ in 0..8 {
        let s = ll.pick();
        ll.start(s);
    }
    assert!((0..4).all(|s| ll.load(s) == 2));
}

// ---- loader errors ----

const CSV: &str = "city,region,lat,lon\nAlpha,europe,50.0,8.0\nBeta,europe,52.0,4.0\n";

fn world_text(extra_region: &str) -> String {
    format!(
        r#"[pops]
file = "pops.csv"

[links]
access = "10Gbps"
backbone = "100Gbps"
upstream = "10Gbps"
direct = "10Gbps"
pop_egress = "100Gbps"
origin_egress = "10Gbps"

[[origin]]
name = "o"
lat = 50.0
lon = 8.0

[[region]]
name = "R1"
lat = 51.0
lon = 7.0
population_millions = 2.0
utc_offset_hours = 1
continent = "europe"
{extra_region}"#
    )
}

fn parse(text: &str, csv: &str) -> Result<WorldSpec, Box<InputError>> {
    let csv = csv.to_string();
    let read = move |_: &str| Ok(("pops.csv".to_string(), csv.clone()));
    WorldSpec::parse("w.toml", text, &read, None)
}

fn error(text: &str, csv: &str) -> InputError {
    *parse(text, csv).expect_err("should fail")
}

#[test]
fn a_small_world_file_loads() {
    let spec = parse(&world_text(""), CSV).unwrap();
    assert_eq!(spec.pops.len(), 2);
    let world = World::build(spec);
    assert_eq!(world.pop(world.nearest_pop(RegionId(0))).name, "Alpha");
}

#[test]
fn unknown_fields_are_rejected_with_line_and_key() {
    let text = world_text("popluation = 3\n");
    let e = error(&text, CSV);
    assert!(e.message.contains("popluation"), "{e}");
    assert_eq!(
        e.line,
        Some(
            text.lines()
                .position(|l| l.starts_with("popluation"))
                .unwrap()
                + 1
        )
    );
    assert_eq!(e.key.as_deref(), Some("region.popluation"));
}

#[test]
fn out_of_range_and_nan_coordinates_are_rejected() {
    let text = world_text("").replace("lat = 51.0", "lat = 91.0");
    let e = error(&text, CSV);
    assert_eq!(e.key.as_deref(), Some("region.lat"));
    assert!(e.message.contains("-90 to 90"), "{e}");
    let text = world_text("").replace("lon = 7.0", "lon = nan");
    let e = error(&text, CSV);
    assert_eq!(e.key.as_deref(), Some("region.lon"));
    assert!(e.line.is_some());
    let e = error(
        &world_text(""),
        "city,region,lat,lon\nAlpha,europe,50.0,8.0\nBeta,europe,NaN,4.0\n",
    );
    assert_eq!(
        (e.origin.as_str(), e.line, e.key.as_deref()),
        ("pops.csv", Some(3), Some("lat"))
    );
    let e = error(
        &world_text(""),
        "city,region,lat,lon\nAlpha,europe,north,8.0\n",
    );
    assert_eq!((e.line, e.key.as_deref()), (Some(2), Some("lat")));
}

#[test]
fn duplicate_names_are_rejected() {
    let dup = "\n[[region]]\nname = \"R1\"\nlat = 1.0\nlon = 1.0\npopulation_millions = 1\nutc_offset_hours = 0\ncontinent = \"africa\"\n";
    let e = error(&world_text(dup), CSV);
    assert!(e.message.contains("duplicate name `R1`"), "{e}");
    assert_eq!(e.key.as_deref(), Some("region.name"));
    let e = error(
        &world_text(""),
        "city,region,lat,lon\nAlpha,europe,50.0,8.0\nAlpha,europe,52.0,4.0\n",
    );
    assert!(e.message.contains("duplicate PoP `Alpha`"), "{e}");
    assert_eq!(e.line, Some(3));
}

#[test]
fn unknown_pop_names_are_rejected() {
    let text = world_text("").replace(
        "file = \"pops.csv\"",
        "file = \"pops.csv\"\nonly = [\"Alpha\", \"Gamma\"]",
    );
    let e = error(&text, CSV);
    assert_eq!(e.key.as_deref(), Some("pops.only"));
    assert!(e.message.contains("unknown PoP `Gamma`"), "{e}");
    assert_eq!(e.line, Some(3));
    let e = error(&world_text("pops = [\"Delta\"]\n"), CSV);
    assert_eq!(e.key.as_deref(), Some("region.pops"));
    let only = vec!["Nowhere".to_string()];
    let e = *WorldSpec::shipped_with(Some(&only)).unwrap_err();
    assert_eq!(e.key.as_deref(), Some("pops.only"));
    assert!(e.message.contains("Nowhere"));
}

#[test]
fn zero_pops_and_regions_without_route_are_rejected() {
    let e = error(&world_text(""), "city,region,lat,lon\n");
    assert!(e.message.contains("no PoPs"), "{e}");
    let text = world_text("").replace("file = \"pops.csv\"", "file = \"pops.csv\"\nonly = []");
    let e = error(&text, CSV);
    assert!(e.message.contains("zero PoPs"), "{e}");
    // R1 may only use Beta, and Beta is excluded.
    let text = world_text("pops = [\"Beta\"]\n").replace(
        "file = \"pops.csv\"",
        "file = \"pops.csv\"\nexclude = [\"Beta\"]",
    );
    let e = error(&text, CSV);
    assert!(e.message.contains("has no route"), "{e}");
    assert_eq!(e.key.as_deref(), Some("region.pops"));
    assert_eq!(
        e.line,
        Some(text.lines().position(|l| l == "name = \"R1\"").unwrap() + 1)
    );
    // Every PoP is further than the access distance.
    let text = world_text("").replace(
        "origin_egress = \"10Gbps\"",
        "origin_egress = \"10Gbps\"\nmax_access_distance_km = 10",
    );
    let e = error(&text, CSV);
    assert!(e.message.contains("max_access_distance_km"), "{e}");
}

#[test]
fn bad_latency_and_link_parameters_are_rejected() {
    let text = format!("[latency]\npath_inflation = 0.5\n\n{}", world_text(""));
    let e = error(&text, CSV);
    assert_eq!(
        (e.key.as_deref(), e.line),
        (Some("latency.path_inflation"), Some(2))
    );
    let text = world_text("").replace("backbone = \"100Gbps\"", "backbone = \"0Gbps\"");
    let e = error(&text, CSV);
    assert_eq!(e.key.as_deref(), Some("links.backbone"));
    let text = world_text("").replace("[[origin]]\nname = \"o\"\nlat = 50.0\nlon = 8.0\n", "");
    let e = error(&text, CSV);
    assert!(e.message.contains("no origin"), "{e}");
}

#[test]
fn routing_spec_parses_and_rejects_bad_shares() {
    let spec: RoutingSpec = toml::from_str("mode = \"geo-dns\"\n[geo_dns]\necs = true\n").unwrap();
    assert_eq!(spec.mode, RoutingMode::GeoDns);
    assert!(spec.geo_dns.ecs);
    assert!(spec.problem().is_none());
    let spec: RoutingSpec =
        toml::from_str("[anycast]\nisps_per_region = 2\npeering_isps = 3\n").unwrap();
    assert_eq!(spec.problem().unwrap().0, "routing.anycast.peering_isps");
    let spec: RoutingSpec = toml::from_str("[anycast]\ntier1_transits = 0\n").unwrap();
    assert_eq!(spec.problem().unwrap().0, "routing.anycast.tier1_transits");
    let spec: RoutingSpec = toml::from_str("[anycast]\npeering_reach_km = -1.0\n").unwrap();
    assert_eq!(
        spec.problem().unwrap().0,
        "routing.anycast.peering_reach_km"
    );
    // The nearest share is an outcome, not a key.
    assert!(toml::from_str::<RoutingSpec>("[anycast]\nnearest_share = 0.55\n").is_err());
    assert!(toml::from_str::<RoutingSpec>("mode = \"bgp\"\n").is_err());
    assert!(toml::from_str::<RoutingSpec>("[anycast]\nnearest = 0.5\n").is_err());
}

#[test]
fn local_hour_follows_the_utc_offset() {
    let world = shipped();
    let tokyo = world.region(world.region_by_name("Tokyo").unwrap());
    let new_york = world.region(world.region_by_name("New York").unwrap());
    assert_eq!(tokyo.local_hour(0.0), 9.0);
    assert_eq!(new_york.local_hour(0.0), 19.0);
    assert_eq!(new_york.local_hour(6.0 * 3_600.0), 1.0);
}

#[test]
fn successive_withdrawals_move_only_the_newly_withdrawn_pops_clients() {
    let world = shipped();
    let names = ["Frankfurt am Main", "Amsterdam", "London", "Paris"];
    let pops: Vec<PopId> = names
        .iter()
        .map(|n| world.pop_by_name(n).unwrap())
        .collect();
    for mode in [
        RoutingMode::Anycast,
        RoutingMode::GeoDns,
        RoutingMode::Ideal,
    ] {
        let mut current = router(&world, mode, 5);
        for &pop in &pops {
            let mut next = current.clone();
            next.withdraw(&world, pop);
            for region in world.regions() {
                for client in 0..300 {
                    let (old, new) = (current.route(region, client), next.route(region, client));
                    if old != Some(pop) {
                        assert_eq!(
                            old, new,
                            "{mode:?}: withdrawing {pop} moved a client of {old:?}"
                        );
                    }
                }
            }
            current = next;
        }
        // The order of withdrawals does not matter.
        let mut reversed = router(&world, mode, 5);
        for &pop in pops.iter().rev() {
            reversed.withdraw(&world, pop);
        }
        for region in world.regions() {
            for client in 0..300 {
                assert_eq!(
                    current.route(region, client),
                    reversed.route(region, client)
                );
            }
            assert_eq!(current.pop_shares(region), reversed.pop_shares(region));
        }
    }
}

#[test]
fn rehomed_anycast_clients_follow_the_renormalised_weights() {
    let world = shipped();
    let mut r = router(&world, RoutingMode::Anycast, 9);
    let sydney = world.region_by_name("Sydney").unwrap();
    r.withdraw(&world, world.pop_by_name("Sydney").unwrap());
    let n = 60_000u64;
    let mut counts = vec![0u64; world.pop_count()];
    for client in 0..n {
        counts[r.route(sydney, client).unwrap().index()] += 1;
    }
    let shares = r.pop_shares(sydney);
    assert!((shares.iter().map(|s| s.1).sum::<f64>() - 1.0).abs() < 1e-9);
    for (pop, share) in shares {
        let seen = counts[pop.index()] as f64 / n as f64;
        assert!((seen - share).abs() < 0.01, "{pop}: {seen} vs {share}");
    }
}

#[test]
fn world_files_load_from_disk_with_the_csv_beside_them() {
    let spec = WorldSpec::load(std::path::Path::new("models/world.toml"), None).unwrap();
    assert_eq!(spec, WorldSpec::shipped());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.toml");
    std::fs::write(
        &path,
        world_text("").replace("pops.csv", "data/missing.csv"),
    )
    .unwrap();
    let e = WorldSpec::load(&path, None).unwrap_err();
    assert_eq!((e.key.as_deref(), e.line), (Some("pops.file"), Some(2)));
    assert!(e.message.contains("cannot read the PoP list"), "{e}");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/missing.csv"), CSV).unwrap();
    assert_eq!(WorldSpec::load(&path, None).unwrap().pops.len(), 2);
}

/// Whether `path` follows edges of the graph and is valley-free: up (to
/// providers), at most one peer link, then down (to customers).
fn valid_path(graph: &AsGraph, path: &[petgraph::graph::NodeIndex]) -> bool {
    let mut descending = false;
    for pair in path.windows(2) {
        let Some(edge) = graph.find_edge(pair[0], pair[1]) else {
            return false;
        };
        match graph[edge] {
            Relation::Provider if descending => return false,
            Relation::Provider => {}
            Relation::Peer if descending => return false,
            Relation::Peer | Relation::Customer => descending = true,
        }
    }
    true
}

#[test]
fn anycast_routes_are_valley_free_paths_of_the_graph() {
    let world = shipped();
    let r = router(&world, RoutingMode::Anycast, 1);
    let networks = r.anycast_networks().unwrap();
    for region in world.regions() {
        for isp in 0..networks.eyeballs(region).len() {
            let route = r.anycast_route(&world, region, isp).unwrap();
            assert_eq!(route.path[0], networks.eyeballs(region)[isp]);
            assert_eq!(
                networks.graph()[*route.path.last().unwrap()],
                Network::Pop(route.pop)
            );
            assert!(valid_path(networks.graph(), &route.path), "{route:?}");
        }
    }
}

#[test]
fn a_withdrawn_pops_catchment_moves_along_the_graph() {
    let world = shipped();
    let before = router(&world, RoutingMode::Anycast, 4);
    let networks = before.anycast_networks().unwrap();
    // The busiest PoP by population-weighted catchment.
    let mut load = vec![0.0; world.pop_count()];
    for region in world.regions() {
        for (pop, share) in before.pop_shares(region) {
            load[pop.index()] += world.region_share(region) * share;
        }
    }
    let busiest = world
        .pops()
        .max_by(|a, b| load[a.index()].total_cmp(&load[b.index()]))
        .unwrap();
    let mut after = before.clone();
    after.withdraw(&world, busiest);
    let again = {
        let mut r = before.clone();
        r.withdraw(&world, busiest);
        r
    };
    assert_eq!(after, again);
    let (mut moved, mut kept_first_hop) = (0, 0);
    for region in world.regions() {
        for isp in 0..networks.eyeballs(region).len() {
            let old = before.anycast_route(&world, region, isp).unwrap();
            let new = after.anycast_route(&world, region, isp).unwrap();
            assert_ne!(new.pop, busiest);
            assert!(valid_path(networks.graph(), &new.path), "{new:?}");
            if old.pop != busiest {
                continue;
            }
            moved += 1;
            // The new PoP is connected to the client's network through a
            // network of the graph: a PoP its peering reaches, or one its
            // transits (or their peers) hold a route to.
            assert!(new.path.len() >= 2);
            if new.path[1] == old.path[1] {
                kept_first_hop += 1;
            }
        }
    }
    assert!(moved > 0);
    // Most moved ISPs keep their neighbour and get its next route.
    assert!(kept_first_hop * 2 > moved, "{kept_first_hop} of {moved}");
    after.restore(&world, busiest);
    assert_eq!(after, before);
}
