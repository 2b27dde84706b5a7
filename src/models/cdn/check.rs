//! Checks of the `[cdn]` parameters, against the world they name and the
//! HTTP rules: every problem comes back with its key (relative to `[cdn]`)
//! and what was expected, so the loader can point at the line. What the
//! checks parse comes back for the set-up: each content class's storage rule
//! (its `Cache-Control` header is parsed here and nowhere else) and the
//! trace workload's file and format. Reading the world and the trace is the
//! caller's (the experiment layer's): these checks touch no file.

use std::path::PathBuf;

use super::params::{CdnParams, FailureParams, Mode, WorkloadParams};
use super::source::trace_format;
use crate::cache::http::{CacheControl, Storage};
use crate::cache::{Cache, PolicyKind};
use crate::dist::DurationDist;
use crate::engine::SimTime;
use crate::units::{Duration, Rate};
use crate::workload::trace::TraceFile;
use crate::world::{World, WorldSpec, unknown_name as unknown};

/// A problem: the key under `[cdn]` and what was expected.
pub type Invalid = (String, String);

/// Largest catalogue accepted: its size, class and Zipf tables take about
/// 25 bytes per object, so this bounds them below 1 GB.
pub const MAX_OBJECTS: u64 = 1 << 25;
/// Regions and PoPs are `u16` ids in the model's tables (one value is "none").
const MAX_SITES: usize = u16::MAX as usize - 1;
/// Workers of all cache servers together (8 bytes each).
const MAX_EDGE_WORKERS: u64 = 10_000_000;
/// Bounds on counts that size per-run tables.
const MAX_SERVERS_PER_POP: u32 = 1_024;
const MAX_WORKERS: u32 = 1_000_000;
const MAX_CLIENTS_PER_REGION: u32 = 100_000;
const MAX_QUEUE_LIMIT: u64 = 1_000_000_000;
const MAX_RATE_PER_S: f64 = 1e9;

/// The first of `problems`, keyed under the whole file (`cdn.…`): the one
/// a loader reports.
pub fn first_problem(problems: Vec<Invalid>) -> Invalid {
    let (key, message) = problems.into_iter().next().unwrap_or_default();
    (format!("cdn.{key}"), message)
}

/// What a successful check parsed, for the set-up.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// The storage rule of each content class, in class order (see [`Rules::by_class`]).
    pub rules: Vec<Storage>,
    /// The trace of a trace workload.
    pub trace: Option<TraceFile>,
}

/// Whether a world fits the model's tables (before it is built: a world too
/// large would not fit in memory either). The problem is keyed `world`.
pub fn world_fits(spec: &WorldSpec) -> Result<(), Invalid> {
    if spec.regions.len() > MAX_SITES || spec.pops.len() > MAX_SITES {
        return Err((
            "world".into(),
            format!(
                "`{}` has {} regions and {} PoPs; the CDN model takes at most {MAX_SITES} of each",
                spec.file_name,
                spec.regions.len(),
                spec.pops.len()
            ),
        ));
    }
    Ok(())
}

/// Checks every parameter against `world` (the world `params` name, with
/// their PoP selection); all problems found, in file order.
pub fn check(params: &CdnParams, world: &World) -> Result<Checked, Vec<Invalid>> {
    world_fits(world.spec()).map_err(|problem| vec![problem])?;
    let mut problems = Vec::new();
    let mut rules = Rules::default();
    let mut add = |key: &str, message: String| problems.push((key.to_string(), message));
    check_rates(params, &mut add);
    check_stations(params, &mut add);
    check_catalogue(params, &mut rules, &mut add);
    check_workload_extras(params, &mut rules, &mut add);
    check_names(params, world, &mut add);
    check_attacks(params, world, &mut add);
    check_capacity(params, world, &mut add);
    let trace = check_trace_workload(params, world, &mut add);
    if problems.is_empty() {
        Ok(Checked {
            rules: rules.by_class(),
            trace,
        })
    } else {
        Err(problems)
    }
}

/// The storage rules parsed from the headers, by where they are written.
#[derive(Default)]
struct Rules {
    catalogue: Option<Storage>,
    classes: Vec<Storage>,
    crowds: Vec<Storage>,
    manifest: Option<Storage>,
    segment: Option<Storage>,
}

impl Rules {
    /// Storage rules by class: the catalogue's classes (or its one header
    /// when it has none), then each flash crowd with its own header, then
    /// the video manifest and segment classes. Every header parsed.
    fn by_class(self) -> Vec<Storage> {
        let mut rules = if self.classes.is_empty() {
            self.catalogue.into_iter().collect()
        } else {
            self.classes
        };
        rules.extend(self.crowds);
        rules.extend(self.manifest);
        rules.extend(self.segment);
        rules
    }
}

type Add<'a> = dyn FnMut(&str, String) + 'a;

fn check_rates(p: &CdnParams, add: &mut Add) {
    let rate = p.request_rate.0;
    if rate > MAX_RATE_PER_S {
        add(
            "request_rate",
            format!("expected at most {MAX_RATE_PER_S}/s"),
        );
    }
    if rate == 0.0 && !p.video.enabled() && p.flash_crowd.is_empty() && p.workload.trace.is_none() {
        add(
            "request_rate",
            "no requests at all: set a rate above zero, e.g. \"2k/s\" (or video sessions or a flash crowd)".into(),
        );
    }
    if p.clients_per_region == 0 || p.clients_per_region > MAX_CLIENTS_PER_REGION {
        add(
            "clients_per_region",
            format!("expected 1 to {MAX_CLIENTS_PER_REGION} client prefixes per region"),
        );
    }
    if let Some((key, message)) = p.routing.problem() {
        add(key, message);
    }
    let n = &p.network;
    if n.handshake_round_trips > 10 {
        add(
            "network.handshake_round_trips",
            "expected at most 10 round trips (TCP + TLS 1.2 is 3)".into(),
        );
    }
    if n.timeout.0.as_nanos() == 0 {
        add(
            "network.timeout",
            "the timeout must be above zero, e.g. \"30s\"".into(),
        );
    }
    if n.client_bandwidth.is_some_and(|b| b.0 < 1.0) {
        add(
            "network.client_bandwidth",
            "expected a bandwidth of at least 1 bit/s, e.g. \"50Mbps\"".into(),
        );
    }
    if p.overload.max_forwards > 10 {
        add(
            "overload.max_forwards",
            "expected at most 10 forwards".into(),
        );
    }
}

fn check_station(
    prefix: &str,
    workers: u32,
    service: &DurationDist,
    queue_limit: u64,
    add: &mut Add,
) {
    if workers == 0 || workers > MAX_WORKERS {
        add(
            &format!("{prefix}.workers"),
            format!("expected 1 to {MAX_WORKERS} workers, got {workers}"),
        );
    }
    if let Err(e) = service.compile() {
        add(&format!("{prefix}.service.{}", e.key), e.message);
    }
    if queue_limit > MAX_QUEUE_LIMIT {
        add(
            &format!("{prefix}.queue_limit"),
            format!("expected at most {MAX_QUEUE_LIMIT} waiting requests"),
        );
    }
}

fn check_cache(prefix: &str, policy: PolicyKind, capacity: u64, add: &mut Add) {
    if let Err(e) = Cache::<()>::new(policy, capacity) {
        add(
            &format!("{prefix}.capacity"),
            format!("{e} (policy {policy} with capacity {capacity} bytes)"),
        );
    }
}

fn check_stations(p: &CdnParams, add: &mut Add) {
    let c = &p.cache;
    if c.servers == 0 || c.servers > MAX_SERVERS_PER_POP {
        add(
            "cache.servers",
            format!(
                "expected 1 to {MAX_SERVERS_PER_POP} cache servers per PoP, got {}",
                c.servers
            ),
        );
    }
    check_station("cache", c.workers, &c.service, c.queue_limit.0, add);
    let r = &p.router;
    if r.workers > 0 {
        check_station("router", r.workers, &r.service, r.queue_limit.0, add);
    }
    check_cache("cache", c.policy.0, c.capacity.0, add);
    let s = &p.shield;
    check_station("shield", s.workers, &s.service, s.queue_limit.0, add);
    check_cache("shield", s.policy.0, s.capacity.0, add);
    let o = &p.origin;
    check_station("origin", o.workers, &o.service, o.queue_limit.0, add);
    for (i, outage) in o.outage.iter().enumerate() {
        if outage.duration.0.as_nanos() == 0 {
            add(
                &format!("origin.outage[{i}].duration"),
                "an outage must last longer than zero".into(),
            );
        }
    }
}

/// Parses a `Cache-Control` header as written into the storage rule of a
/// shared cache (`default_ttl` when it gives no lifetime).
fn check_header(key: &str, header: &str, default_ttl: SimTime, add: &mut Add) -> Option<Storage> {
    match CacheControl::parse(header) {
        Ok(cc) => Some(cc.shared_cache_storage(default_ttl)),
        Err(e) => {
            add(
                key,
                format!("Cache-Control \"{header}\" does not parse: {e}"),
            );
            None
        }
    }
}

fn check_catalogue(p: &CdnParams, rules: &mut Rules, add: &mut Add) {
    let c = &p.catalogue;
    let ttl = c.default_ttl.0;
    if c.objects.0 == 0 || c.objects.0 > MAX_OBJECTS {
        add(
            "catalogue.objects",
            format!("expected 1 to {MAX_OBJECTS} objects, got {}", c.objects.0),
        );
    }
    if !(c.zipf_alpha.is_finite() && (0.0..=10.0).contains(&c.zipf_alpha)) {
        add(
            "catalogue.zipf_alpha",
            format!(
                "expected a Zipf exponent from 0 to 10, got {}",
                c.zipf_alpha
            ),
        );
    }
    if let Some((key, message)) = c.size.problem() {
        add(&format!("catalogue.size.{key}"), message);
    }
    rules.catalogue = check_header("catalogue.cache_control", &c.cache_control, ttl, add);
    if c.publish_rate.0 > 1e6 {
        add(
            "catalogue.publish_rate",
            "expected at most 1M publications/s".into(),
        );
    }
    if c.class.len() > crate::workload::catalogue::MAX_CLASSES - 4 {
        add("catalogue.class", "too many classes (at most 250)".into());
    }
    let mut total = 0.0;
    for (i, class) in c.class.iter().enumerate() {
        if !(class.share.is_finite() && class.share > 0.0) {
            add(
                &format!("catalogue.class[{i}].share"),
                format!("expected a share above 0, got {}", class.share),
            );
        }
        total += class.share;
        let key = format!("catalogue.class[{i}].cache_control");
        rules
            .classes
            .extend(check_header(&key, &class.cache_control, ttl, add));
    }
    if !c.class.is_empty() && (total - 1.0).abs() > 1e-6 {
        add(
            "catalogue.class",
            format!("the class shares must sum to 1, they sum to {total}"),
        );
    }
    check_updates(p, add);
}

/// The most updates per object per second (one per millisecond).
const MAX_UPDATE_RATE: f64 = 1_000.0;

/// Update processes: a rate from 0 to the bound or a period of at least
/// 1 ms, not both; not in push mode (pushed copies never expire, and new
/// versions are not pushed).
fn check_updates(p: &CdnParams, add: &mut Add) {
    let c = &p.catalogue;
    let mut one = |key: &str, rate: Rate, every: Option<Duration>| {
        if !(rate.0.is_finite() && (0.0..=MAX_UPDATE_RATE).contains(&rate.0)) {
            add(
                &format!("{key}.update_rate"),
                format!(
                    "expected 0 to {MAX_UPDATE_RATE} updates per object per second, e.g. \"1/h\""
                ),
            );
        }
        if every.is_some_and(|e| e.0 < SimTime::from_millis(1)) {
            add(
                &format!("{key}.update_every"),
                "expected a period of at least 1 ms, e.g. \"10min\"".into(),
            );
        }
        if rate.0 > 0.0 && every.is_some() {
            add(
                &format!("{key}.update_every"),
                "give `update_rate` (Poisson) or `update_every` (a schedule), not both".into(),
            );
        }
        rate.0 > 0.0 || every.is_some()
    };
    let mut changes = one("catalogue", c.update_rate, c.update_every);
    for (i, class) in c.class.iter().enumerate() {
        changes |= one(
            &format!("catalogue.class[{i}]"),
            class.update_rate,
            class.update_every,
        );
    }
    if changes && p.mode == Mode::Push {
        add(
            "catalogue.update_rate",
            "changing content is modelled for pull and no-CDN modes only: a pushed copy never expires and new versions are not pushed; use `mode = \"pull\"` or leave updates out".into(),
        );
    }
}

fn check_workload_extras(p: &CdnParams, rules: &mut Rules, add: &mut Add) {
    let ttl = p.catalogue.default_ttl.0;
    if let Some((key, message)) = p.diurnal.problem() {
        add(&format!("diurnal.{key}"), message);
    }
    for (i, crowd) in p.flash_crowd.iter().enumerate() {
        if let Some((key, message)) = crowd.problem() {
            add(&format!("flash_crowd[{i}].{key}"), message);
        }
        if crowd.rate.0 > MAX_RATE_PER_S {
            add(
                &format!("flash_crowd[{i}].rate"),
                format!("expected at most {MAX_RATE_PER_S}/s, like `request_rate`"),
            );
        }
        if let Some(header) = &crowd.cache_control {
            let key = format!("flash_crowd[{i}].cache_control");
            rules.crowds.extend(check_header(&key, header, ttl, add));
        }
        if crowd.rank.is_some_and(|r| r.0 >= p.catalogue.objects.0) {
            add(
                &format!("flash_crowd[{i}].rank"),
                format!(
                    "expected a rank below the catalogue's {} objects",
                    p.catalogue.objects.0
                ),
            );
        }
    }
    let v = &p.video;
    if let Some((key, message)) = v.problem() {
        add(&format!("video.{key}"), message);
    }
    if v.session_rate.0 > MAX_RATE_PER_S {
        add(
            "video.session_rate",
            format!("expected at most {MAX_RATE_PER_S}/s"),
        );
    }
    let manifest = v.manifest_header();
    rules.manifest = check_header("video.manifest_cache_control", &manifest, ttl, add);
    let segment = &v.segment_cache_control;
    rules.segment = check_header("video.segment_cache_control", segment, ttl, add);
    for (i, f) in p.failure.iter().enumerate() {
        check_failure(i, f, add);
    }
    if let Some((key, message)) = super::purge::problem(p) {
        add(&key, message);
    }
}

/// A failure is either scheduled (`at`, optional `duration`) or random
/// (`mtbf` and `mttr`), never both.
fn check_failure(i: usize, f: &FailureParams, add: &mut Add) {
    let key = |k: &str| format!("failure[{i}].{k}");
    match (f.at, f.mtbf, f.mttr) {
        (Some(_), None, None) => {
            if f.duration.is_some_and(|d| d.0.as_nanos() == 0) {
                add(
                    &key("duration"),
                    "a failure must last longer than zero; leave `duration` out for a PoP that stays down".into(),
                );
            }
        }
        (None, Some(mtbf), Some(mttr)) => {
            if mtbf.0 < SimTime::from_secs(1) {
                add(&key("mtbf"), "`mtbf` must be at least 1s".into());
            }
            if mttr.0 == SimTime::ZERO {
                add(&key("mttr"), "`mttr` must be greater than zero".into());
            }
            if f.duration.is_some() {
                add(
                    &key("duration"),
                    "a random failure lasts `mttr` on average; `duration` is for failures at a fixed `at`".into(),
                );
            }
        }
        _ => add(
            &key("at"),
            "give either `at` (a scheduled failure, with an optional `duration`) or both `mtbf` and `mttr` (random failures)".into(),
        ),
    }
}

/// Names of PoPs and regions used by the parameters must exist in the world.
fn check_names(p: &CdnParams, world: &World, add: &mut Add) {
    if let Some(names) = &p.regions {
        if names.is_empty() {
            add(
                "regions",
                "no client regions: list at least one or leave `regions` out for all".into(),
            );
        }
        check_regions("regions", names, world, add);
    }
    check_regions("report_regions", &p.report_regions, world, add);
    for (i, crowd) in p.flash_crowd.iter().enumerate() {
        check_regions(
            &format!("flash_crowd[{i}].regions"),
            &crowd.regions,
            world,
            add,
        );
    }
    for (i, f) in p.failure.iter().enumerate() {
        if world.pop_by_name(&f.pop).is_none() {
            add(&format!("failure[{i}].pop"), unknown_pop(&f.pop, world));
        }
    }
    if let Some(names) = &p.push.pops {
        if names.is_empty() && p.mode == Mode::Push {
            add(
                "push.pops",
                "push to zero PoPs: list at least one PoP or leave `pops` out for all".into(),
            );
        }
        for (i, name) in names.iter().enumerate() {
            if world.pop_by_name(name).is_none() {
                add(&format!("push.pops[{i}]"), unknown_pop(name, world));
            }
        }
    }
    if p.shield.enabled && world.shields().is_empty() {
        add(
            "shield.enabled",
            format!(
                "the world `{}` has no [[shield]] sites for a parent tier",
                world.spec().file_name
            ),
        );
    }
}

/// Every one of `names` (the list at `key`) must be a region of the world.
/// Every name must be a region of the world, and named once: a list
/// longer than the world's regions (a name repeated thousands of times)
/// would size per-region tables by it.
fn check_regions(key: &str, names: &[String], world: &World, add: &mut Add) {
    let mut seen = std::collections::BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        if world.region_by_name(name).is_none() {
            let known = world.spec().regions.iter().map(|r| &r.name);
            add(&format!("{key}[{i}]"), unknown("region", name, known));
        } else if let Some(first) = seen.insert(name.as_str(), i) {
            seen.insert(name.as_str(), first);
            add(
                &format!("{key}[{i}]"),
                format!(
                    "region \"{name}\" is already listed at {key}[{first}]; name each region once"
                ),
            );
            return;
        }
    }
}

fn unknown_pop(name: &str, world: &World) -> String {
    unknown("PoP", name, world.spec().pops.iter().map(|x| &x.name))
}

/// What the world and the edge parameters add up to must stay simulable.
fn check_capacity(p: &CdnParams, world: &World, add: &mut Add) {
    let edge_workers = world.pop_count() as u64 * p.cache.servers as u64 * p.cache.workers as u64;
    if edge_workers > MAX_EDGE_WORKERS {
        add(
            "cache.workers",
            format!(
                "{} PoPs x {} servers x {} workers = {edge_workers} workers in all; at most {MAX_EDGE_WORKERS} are simulated",
                world.pop_count(),
                p.cache.servers,
                p.cache.workers
            ),
        );
    }
}

/// `[cdn.workload]`: its options describe a trace, so they need one; a
/// trace replaces the synthetic generators, so what shapes those cannot be
/// used with it; and its options must give a format. The trace's file
/// comes back (the caller reads it through once, so that a bad line is
/// found, with its file and line, before anything runs).
fn check_trace_workload(p: &CdnParams, world: &World, add: &mut Add) -> Option<TraceFile> {
    let w = &p.workload;
    let Some(trace) = &w.trace else {
        if *w != WorkloadParams::default() {
            add(
                "workload.trace",
                "the [cdn.workload] options describe a trace; set `trace` to its file, or leave them out".into(),
            );
        }
        return None;
    };
    if trace.trim().is_empty() {
        add(
            "workload.trace",
            "expected the path of a trace file (.csv, .tsv, .txt, .tr, .oracleGeneral; .gz or .zst too)".into(),
        );
        return None;
    }
    if !(w.speed.is_finite() && w.speed > 0.0 && w.speed <= 1e6) {
        add(
            "workload.speed",
            format!("expected a speed above 0 and at most 1e6, got {}", w.speed),
        );
    }
    check_trace_replaces_generators(p, add);
    match trace_format(p, world) {
        Ok(format) => Some(TraceFile {
            path: PathBuf::from(trace),
            format,
            skip_bad: w.skip_bad,
        }),
        Err((key, message)) => {
            add(&key, message);
            None
        }
    }
}

/// A trace holds every request: what shapes the synthetic ones cannot be set.
fn check_trace_replaces_generators(p: &CdnParams, add: &mut Add) {
    let with_trace = "with a trace workload the trace holds every request";
    if p.mode == Mode::Push {
        add(
            "mode",
            "push mode pushes catalogue objects; a trace workload runs in \"pull\" or \"no-cdn\" mode".into(),
        );
    }
    if !p.flash_crowd.is_empty() {
        add(
            "flash_crowd",
            format!("flash crowds request catalogue objects; {with_trace}"),
        );
    }
    if p.video.enabled() {
        add(
            "video.session_rate",
            format!("video sessions request their own objects; {with_trace}"),
        );
    }
    if p.catalogue.publish_rate.0 > 0.0 {
        add(
            "catalogue.publish_rate",
            format!("publications change the catalogue's popularity; {with_trace}"),
        );
    }
    if p.diurnal.amplitude > 0.0 {
        add(
            "diurnal.amplitude",
            "the trace's timestamps are the arrivals; a diurnal cycle cannot be laid on them"
                .into(),
        );
    }
}

/// The most attacks of one run.
pub const MAX_ATTACKS: usize = 16;

/// `[[cdn.attack]]` and `[cdn.edge]`: each attack's own values, its source
/// regions, and the bounds of the whole run (attacks, bots, requests).
fn check_attacks(p: &CdnParams, world: &World, add: &mut Add) {
    use crate::workload::attack::{MAX_ATTACK_REQUESTS, MAX_BOTS};
    if p.attack.len() > MAX_ATTACKS {
        add(
            "attack",
            format!(
                "expected at most {MAX_ATTACKS} attacks, got {}",
                p.attack.len()
            ),
        );
    }
    let mut requests = 0.0;
    let mut bots = 0u64;
    for (i, a) in p.attack.iter().enumerate() {
        if let Some((key, message)) = a.problem() {
            add(&format!("attack[{i}].{key}"), message);
        }
        let names: Vec<String> = a.sources.keys().cloned().collect();
        check_regions(&format!("attack[{i}].sources"), &names, world, add);
        if a.rank.0 >= p.catalogue.objects.0 {
            add(
                &format!("attack[{i}].rank"),
                format!(
                    "expected a rank below the catalogue's {} objects",
                    p.catalogue.objects.0
                ),
            );
        }
        requests += a.expected_requests();
        bots += a.bots.0;
    }
    if requests > MAX_ATTACK_REQUESTS {
        add(
            "attack",
            format!(
                "the attacks send about {requests:.3e} requests, over the bound of {MAX_ATTACK_REQUESTS:.0e}: lower `rate` or `duration`"
            ),
        );
    }
    if bots > 4 * MAX_BOTS {
        add(
            "attack",
            format!("expected at most 4M bots over all attacks, got {bots}"),
        );
    }
    check_edge(p, add);
}

/// `[cdn.edge]` and the origin's front end: rates above zero (or none).
fn check_edge(p: &CdnParams, add: &mut Add) {
    let e = &p.edge;
    let positive = |v: f64| v.is_finite() && v > 0.0;
    let rates = [
        ("edge.request_capacity", e.request_capacity.map(|r| r.0)),
        ("edge.rate_limit", e.rate_limit.map(|r| r.0)),
        ("edge.bandwidth", e.bandwidth.map(|b| b.0)),
        (
            "origin.request_capacity",
            p.origin.request_capacity.map(|r| r.0),
        ),
        ("origin.bandwidth", p.origin.bandwidth.map(|b| b.0)),
    ];
    for (key, value) in rates {
        if let Some(v) = value
            && !positive(v)
        {
            add(
                key,
                format!("expected a rate above zero, got {v}; leave it out for no limit"),
            );
        }
    }
    if e.request_bytes.0 == 0 || e.request_bytes.0 > 1 << 20 {
        add(
            "edge.request_bytes",
            format!("expected 1 B to 1 MiB, got {} B", e.request_bytes.0),
        );
    }
    if e.burst.0.as_nanos() == 0 {
        add(
            "edge.burst",
            "expected a burst longer than zero, e.g. \"100ms\"".into(),
        );
    }
}
