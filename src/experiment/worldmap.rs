//! The world maps' data for a study (`study::worldmap`): per point, the
//! sites (a CDN's PoPs, a push model's gateway clusters, both for
//! `system`), the client regions, and where the routing sends each
//! region's clients, from the exact routing distributions
//! (`Router::pop_shares`) weighted by each region's share of the clients;
//! plus the scheduled failures of sites. Models without a world have none.

use super::models::ModelSpec;
use super::{Experiment, Point};
use crate::engine::Streams;
use crate::faults::schedule::FaultSpec;
use crate::models::cdn::{CdnPoint, Mode};
use crate::models::push::PushPoint;
use crate::models::push::geo::Geo;
use crate::study::worldmap::{MAX_MAPS, MapFailure, MapLayer, MapRegion, MapSite, WorldMap};
use crate::workload::trace::labels::slug;
use crate::world::{RegionId, Router, World};

/// The maps of `exp`: one per point with sites, at most [`MAX_MAPS`] of
/// them evenly spread over those points (the first and the last kept).
pub fn world_maps(exp: &Experiment) -> Vec<WorldMap> {
    let mut maps: Vec<WorldMap> = exp.points.iter().filter_map(point_map).collect();
    if maps.len() > MAX_MAPS {
        let n = maps.len();
        let kept: Vec<usize> = (0..MAX_MAPS)
            .map(|i| i * (n - 1) / (MAX_MAPS - 1))
            .collect();
        maps = kept.into_iter().map(|i| maps[i].clone()).collect();
    }
    maps
}

fn point_map(point: &Point) -> Option<WorldMap> {
    let end_s = point.spec.run.duration.0.as_secs_f64();
    let mut regions = Vec::new();
    let layers: Vec<MapLayer> = match &point.spec.model {
        ModelSpec::Cdn(cdn) => cdn_layer(cdn, "", end_s, &mut regions)
            .into_iter()
            .collect(),
        ModelSpec::Push(push) => push_layer(push, "", end_s, &mut regions)
            .into_iter()
            .collect(),
        ModelSpec::System(system) => {
            let cdn = system.cdn.as_ref();
            let cdn = cdn.and_then(|c| cdn_layer(c, "cdn.", end_s, &mut regions));
            let push = system.push.as_ref();
            let push = push.and_then(|p| push_layer(p, "push.", end_s, &mut regions));
            cdn.into_iter().chain(push).collect()
        }
        ModelSpec::Queue(_) | ModelSpec::Occ(_) => Vec::new(),
    };
    (!layers.is_empty()).then_some(WorldMap {
        point: point.index,
        regions,
        layers,
    })
}

/// The index of `region` in `regions`, added on first use.
fn region_index(world: &World, region: RegionId, regions: &mut Vec<MapRegion>) -> usize {
    let r = world.region(region);
    let name = r.name.clone();
    if let Some(i) = regions.iter().position(|m| m.name == name) {
        return i;
    }
    regions.push(MapRegion {
        name,
        lat: r.location.lat_deg,
        lon: r.location.lon_deg,
    });
    regions.len() - 1
}

/// Catchment links: each region's share of the clients times the share of
/// its clients the router sends to each PoP.
fn links(
    world: &World,
    router: &Router,
    weights: &[(RegionId, f64)],
    regions: &mut Vec<MapRegion>,
    site_of_pop: impl Fn(usize) -> Option<usize>,
) -> Vec<(usize, usize, f64)> {
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    let mut out = Vec::new();
    for &(region, weight) in weights {
        let r = region_index(world, region, regions);
        for (pop, share) in router.pop_shares(region) {
            if let Some(site) = site_of_pop(pop.index()) {
                out.push((r, site, weight / total.max(f64::MIN_POSITIVE) * share));
            }
        }
    }
    out
}

fn cdn_layer(
    point: &CdnPoint,
    prefix: &str,
    end_s: f64,
    regions: &mut Vec<MapRegion>,
) -> Option<MapLayer> {
    let p = point.params();
    if p.mode == Mode::NoCdn {
        return None;
    }
    let world = point.world();
    let sites: Vec<MapSite> = world
        .spec()
        .pops
        .iter()
        .map(|pop| MapSite {
            name: slug(&pop.name),
            label: pop.name.clone(),
            lat: pop.location.lat_deg,
            lon: pop.location.lon_deg,
            entities: vec![slug(&pop.name)],
        })
        .collect();
    let router = Router::new(world, &p.routing, &Streams::new(0));
    let clients: Vec<RegionId> = match &p.regions {
        Some(names) => names
            .iter()
            .filter_map(|n| world.region_by_name(n))
            .collect(),
        None => world.regions().collect(),
    };
    let weights: Vec<(RegionId, f64)> = clients
        .into_iter()
        .map(|r| (r, world.region_share(r)))
        .collect();
    let failures = p
        .failure
        .iter()
        .filter_map(|f| {
            let at = f.at?.0.as_secs_f64();
            let site = sites.iter().position(|s| s.label == f.pop)?;
            (at < end_s).then(|| MapFailure {
                site,
                from_s: at,
                to_s: f.duration.map(|d| at + d.0.as_secs_f64()),
            })
        })
        .collect();
    Some(MapLayer {
        kind: "PoP".into(),
        prefix: format!("{prefix}pop."),
        metrics: vec!["hit_ratio".into(), "utilisation".into()],
        links: links(world, &router, &weights, regions, Some),
        sites,
        load_series: format!("{prefix}pop_requests_per_s"),
        failures,
    })
}

fn push_layer(
    point: &PushPoint,
    prefix: &str,
    end_s: f64,
    regions: &mut Vec<MapRegion>,
) -> Option<MapLayer> {
    let world = point.world()?.clone();
    let p = point.params();
    let geo = Geo::new(p, world.clone(), &Streams::new(0)).ok()?;
    let mut first_gateway = 0;
    let sites: Vec<MapSite> = p
        .clusters
        .iter()
        .map(|c| {
            let location = world.pop(world.pop_by_name(&c.site)?).location;
            let entities = (first_gateway..first_gateway + c.gateways)
                .map(|g| format!("g{g}"))
                .collect();
            first_gateway += c.gateways;
            Some(MapSite {
                name: slug(&c.site),
                label: c.site.clone(),
                lat: location.lat_deg,
                lon: location.lon_deg,
                entities,
            })
        })
        .collect::<Option<_>>()?;
    let weights: Vec<(RegionId, f64)> = (0..geo.region_count())
        .map(|slot| (geo.region(slot), geo.region_clients(slot) as f64))
        .collect();
    let site_of_pop = |pop: usize| geo.cluster_pop.iter().position(|c| c.index() == pop);
    let failures = p
        .faults
        .iter()
        .filter_map(|f| match f {
            FaultSpec::ClusterOutage(o) => {
                let at = o.at.0.as_secs_f64();
                let site = sites.iter().position(|s| s.label == o.cluster)?;
                (at < end_s).then(|| MapFailure {
                    site,
                    from_s: at,
                    to_s: o.end().map(|t| t.as_secs_f64()),
                })
            }
            _ => None,
        })
        .collect();
    Some(MapLayer {
        kind: "cluster".into(),
        prefix: format!("{prefix}cluster."),
        metrics: vec!["connections_mean".into()],
        links: links(&world, &geo.router, &weights, regions, site_of_pop),
        sites,
        load_series: format!("{prefix}connections"),
        failures,
    })
}
