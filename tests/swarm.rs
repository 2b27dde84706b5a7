//! Swarm test (VOPR-style): many small random configurations of every
//! model (queue, occ, cdn, push with faults, system), each drawn from a
//! seed: parameters, faults, flash crowds and outages, small sweeps, with
//! values near the edges (one server, tiny caches, a huge TTL, a fault at
//! t = 0 or at the horizon). Each is loaded as an experiment file (so it
//! passes the model's checks) and run in-process; then the end-of-run
//! invariants of its model are checked again here, from the metrics it
//! reports (the models also check their own). A failure prints the seed
//! and the experiment file that reproduces it.
//!
//! `EDGESIM_SWARM=N` runs N configurations (default 500), from seed
//! `EDGESIM_SWARM_SEED` (default 0). See docs/reliability.md.

#[path = "fuzz_harness/draw.rs"]
mod draw;

use std::collections::BTreeMap;
use std::path::Path;

use draw::Gen;
use edgesim::experiment::runner::run_one;

/// The models, in the order seeds cycle through them.
const MODELS: [&str; 5] = ["queue", "occ", "cdn", "push", "system"];

const POPS: [&str; 6] = [
    "Frankfurt am Main",
    "London",
    "Paris",
    "Amsterdam",
    "Milan",
    "Warsaw",
];
const REGIONS: [&str; 6] = ["Berlin", "London", "Paris", "Madrid", "Vienna", "Warsaw"];

/// A duration in whole seconds, as the files write them.
fn secs(s: u64) -> String {
    format!("\"{s}s\"")
}

/// A drawn instant in `[0, horizon]`, often at an edge.
fn instant(g: &mut Gen, horizon: u64) -> u64 {
    match g.below(5) {
        0 => 0,
        1 => horizon,
        _ => g.below(horizon + 1),
    }
}

/// The `[run]` table: `seed`, `duration`, `warmup`.
fn run_table(g: &mut Gen, duration: u64) -> String {
    let warmup = if g.chance(0.3) {
        0
    } else {
        g.below(duration / 2 + 1)
    };
    format!(
        "schema = 1\nname = \"swarm\"\n[run]\nseed = {}\nreplications = {}\nduration = {}\nwarmup = {}\n",
        g.below(1 << 40),
        g.range(1, 2),
        secs(duration),
        secs(warmup)
    )
}

fn service(g: &mut Gen, mean_us: u64) -> String {
    let mean = g.range(1, mean_us);
    match g.below(4) {
        0 => format!("{{ dist = \"deterministic\", value = \"{mean}us\" }}"),
        1 => format!(
            "{{ dist = \"uniform\", low = \"0us\", high = \"{}us\" }}",
            2 * mean
        ),
        2 => format!(
            "{{ dist = \"lognormal\", mean = \"{mean}us\", cv = {:.2} }}",
            g.float(0.1, 3.0)
        ),
        _ => format!("{{ dist = \"exponential\", mean = \"{mean}us\" }}"),
    }
}

fn queue(g: &mut Gen) -> String {
    let servers = if g.chance(0.4) { 1 } else { g.range(1, 4) };
    let mean_ms = g.range(1, 2000);
    let rate = g.float(0.001, 2.0 * servers as f64 / (mean_ms as f64 / 1000.0));
    let rho = rate * mean_ms as f64 / 1000.0 / servers as f64;
    let duration = g.range(1, 3000);
    let mut text = run_table(g, duration).replacen("[run]", "model = \"queue\"\n[run]", 1);
    text.push_str(&format!(
        "[queue]\narrival_rate = \"{rate:.4}/s\"\nservers = {servers}\nservice = {}\n",
        service(g, mean_ms * 1000)
    ));
    let sweep = g.chance(0.2);
    if sweep || rho >= 0.95 || g.chance(0.3) {
        text.push_str(&format!("queue_limit = {}\n", g.below(6)));
    }
    if sweep {
        text.push_str("[[sweep.param]]\npath = \"queue.servers\"\nvalues = [1, 3]\n");
    }
    text
}

fn occ(g: &mut Gen) -> String {
    let mut text = run_table(g, 3600).replacen("[run]", "model = \"occ\"\n[run]", 1);
    let base = g.range(1, 50);
    let hop = g.range(1, 20);
    text.push_str(&format!(
        "[occ]\nclients = {}\nstrategy = \"{}\"\nbase = \"{base}ms\"\ncap = \"{}ms\"\nhop_mean = \"{hop}ms\"\nhop_sd = \"{}us\"\n",
        if g.chance(0.2) { 1 } else { g.range(1, 60) },
        g.pick(&["none", "exponential", "decorrelated", "equal-jitter", "full-jitter"]),
        base + g.below(3000),
        g.below(hop * 500)
    ));
    if g.chance(0.2) {
        text.push_str(
            "[[sweep.param]]\npath = \"occ.strategy\"\nvalues = [\"none\", \"full-jitter\"]\n",
        );
    }
    text
}

/// The `[cdn]` tables (without `[run]`), over `pops` and `regions`.
fn cdn_tables(g: &mut Gen, horizon: u64, pops: &[&str], regions: &[&str]) -> String {
    let quoted = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut t = format!(
        "[cdn]\nmode = \"{}\"\nrequest_rate = \"{}/s\"\nclients_per_region = {}\npops = [{}]\nregions = [{}]\n",
        g.pick(&["pull", "pull", "pull", "push", "no-cdn"]),
        g.range(1, 1500),
        g.range(1, 40),
        quoted(pops),
        quoted(regions)
    );
    if g.chance(0.3) {
        t.push_str(&format!("report_regions = [{}]\n", quoted(&regions[..1])));
    }
    t.push_str(&format!(
        "[cdn.cache]\nservers = {}\nworkers = {}\ncapacity = \"{}\"\npolicy = \"{}\"\nserver_choice = \"{}\"\nservice = {}\nqueue_limit = {}\n",
        g.range(1, 3),
        g.range(1, 3),
        g.pick(&["10B", "10kB", "1MB", "20MB", "1GB"]),
        g.pick(&["lru", "fifo", "lfu", "sieve", "clock", "s3fifo"]),
        g.pick(&["round-robin", "least-loaded", "consistent-hash"]),
        service(g, 5000),
        g.below(20)
    ));
    t.push_str(&format!(
        "[cdn.catalogue]\nobjects = {}\nzipf_alpha = {:.2}\ncache_control = \"{}\"\n",
        g.range(1, 5000),
        g.float(0.0, 1.4),
        g.pick(&[
            "max-age=3600",
            "max-age=0",
            "max-age=31536000",
            "no-store",
            "max-age=5, stale-while-revalidate=5",
            "max-age=2, stale-if-error=60"
        ])
    ));
    if t.contains("\"push\"") {
        t.push_str(&format!("publish_rate = \"{}/s\"\n", g.range(1, 20)));
    }
    if g.chance(0.3) {
        t.push_str(&format!(
            "[cdn.overload]\nforward_wait = \"{}ms\"\n",
            g.range(1, 10)
        ));
    }
    if g.chance(0.25) {
        t.push_str(&format!(
            "[cdn.shield]\nenabled = true\ncapacity = \"{}\"\npolicy = \"{}\"\n",
            g.pick(&["1kB", "40MB"]),
            g.pick(&["lru", "lfu", "s3fifo"])
        ));
    }
    if g.chance(0.2) {
        let at = instant(g, horizon);
        t.push_str(&format!(
            "[[cdn.origin.outage]]\nat = {}\nduration = {}\n",
            secs(at),
            secs(g.range(1, horizon + 1))
        ));
    }
    if g.chance(0.4) {
        let at = instant(g, horizon);
        t.push_str(&format!(
            "[[cdn.failure]]\npop = \"{}\"\nat = {}\nduration = {}\nwithdraw_after = \"{}s\"\n",
            g.pick(pops),
            secs(at),
            secs(g.range(1, horizon + 1)),
            g.below(5)
        ));
    }
    if g.chance(0.2) {
        let at = instant(g, horizon);
        t.push_str(&format!(
            "[[cdn.flash_crowd]]\nat = {}\nduration = {}\nrate = \"{}/s\"\n",
            secs(at),
            secs(g.range(1, horizon + 1)),
            g.range(1, 2000)
        ));
    }
    let mode = if t.contains("mode = \"push\"") {
        "push"
    } else if t.contains("mode = \"no-cdn\"") {
        "no-cdn"
    } else {
        "pull"
    };
    let objects = drawn(&t, "[cdn.catalogue]", "objects") as u64;
    t.push_str(&cdn_newer(g, horizon, mode, objects));
    t
}

/// The newer CDN keys, each drawn now and then: a bot attack, a purge of
/// one of the first ranks of the `objects` (published to the PoPs in pull
/// mode), the edge's and the request router's capacity, live video.
/// Publishing a purge is refused in push mode (pushed copies carry no
/// content time), so it is drawn elsewhere.
fn cdn_newer(g: &mut Gen, horizon: u64, mode: &str, objects: u64) -> String {
    let mut t = String::new();
    if g.chance(0.15) {
        t.push_str(&format!(
            "[cdn.edge]\nrequest_capacity = \"{}/s\"\n",
            g.range(100, 5000)
        ));
    }
    if g.chance(0.15) {
        t.push_str(&format!("[cdn.router]\nworkers = {}\n", g.range(1, 3)));
    }
    if g.chance(0.1) {
        t.push_str(&format!(
            "[cdn.video]\nsession_rate = \"{}/s\"\nmode = \"live\"\nvideos = {}\nwatch_mean = \"{}s\"\n",
            g.range(1, 5),
            g.range(1, 4),
            g.range(1, 30)
        ));
    }
    if g.chance(0.15) {
        let at = instant(g, horizon);
        t.push_str(&format!(
            "[[cdn.attack]]\nat = {}\nduration = {}\nrate = \"{}/s\"\nbots = {}\nmix = {{ cacheable = 0.9, cache_busting = 0.1 }}\n",
            secs(at),
            secs(g.range(1, horizon + 1)),
            g.range(1, 3000),
            g.range(1, 100)
        ));
    }
    if g.chance(0.15) {
        // A purge is issued before the run's end (at t = 0 sometimes).
        let at = g.below(horizon);
        t.push_str(&format!(
            "[[cdn.purge]]\nat = {}\nrank = {}\n{}",
            secs(at),
            g.below(3) % objects,
            if mode != "push" && g.chance(0.5) {
                "publish = true\n"
            } else {
                ""
            }
        ));
    }
    t
}

/// `lo` to `hi` distinct names of `names`.
fn some<'a>(g: &mut Gen, names: &[&'a str], lo: u64, hi: u64) -> Vec<&'a str> {
    let n = g.range(lo, hi) as usize;
    let mut all: Vec<&str> = names.to_vec();
    let mut out = Vec::new();
    while out.len() < n && !all.is_empty() {
        out.push(all.remove(g.index(all.len())));
    }
    out
}

fn cdn(g: &mut Gen) -> String {
    let horizon = g.range(2, 20);
    let pops = some(g, &POPS, 1, 4);
    let regions = some(g, &REGIONS, 1, 4);
    let mut text = run_table(g, horizon).replacen("[run]", "model = \"cdn\"\n[run]", 1);
    text.push_str(&cdn_tables(g, horizon, &pops, &regions));
    if g.chance(0.15) {
        text.push_str(
            "[[sweep.param]]\npath = \"cdn.cache.capacity\"\nvalues = [\"1kB\", \"10MB\"]\n",
        );
    }
    text
}

/// One `[[push.faults]]` entry of a fleet of `gateways` over `horizon` s.
fn fault(g: &mut Gen, gateways: u64, horizon: u64) -> String {
    let at = instant(g, horizon);
    match g.below(4) {
        0 => format!(
            "[[push.faults]]\nkind = \"crash\"\ngateway = {}\nat = {}\n{}",
            g.below(gateways),
            secs(at),
            if g.chance(0.6) {
                format!("restart_after = {}\n", secs(g.range(1, horizon)))
            } else {
                String::new()
            }
        ),
        1 => format!(
            "[[push.faults]]\nkind = \"registry-slowdown\"\nat = {}\nduration = {}\nfactor = {}\n",
            secs(at),
            secs(g.range(1, horizon + 1)),
            g.range(1, 50)
        ),
        2 => format!(
            "[[push.faults]]\nkind = \"kafka-leader-loss\"\npartition = {}\nat = {}\nduration = {}\n",
            g.below(12),
            secs(at),
            secs(g.range(1, horizon + 1))
        ),
        _ => format!(
            "[[push.faults]]\nkind = \"crash\"\nmtbf = {}\nmttr = {}\n",
            secs(g.range(1, horizon * 2)),
            secs(g.range(1, 10))
        ),
    }
}

/// The `[push]` tables (without `[run]`); `clusters` for the system model.
fn push_tables(g: &mut Gen, horizon: u64, clusters: Option<&[&str]>) -> String {
    let transport = if clusters.is_some() {
        "websocket"
    } else {
        *g.pick(&["websocket", "sse", "long_poll", "short_poll"])
    };
    let gateways = g.range(1, 4);
    let mut t = format!(
        "[push]\ntransport = \"{transport}\"\nclients = {}\n",
        if g.chance(0.1) { 1 } else { g.range(1, 3000) }
    );
    if let Some(sites) = clusters {
        t.push_str(&format!("home = \"{}\"\n", sites[0]));
        for site in sites {
            t.push_str(&format!(
                "[[push.clusters]]\nsite = \"{site}\"\ngateways = {gateways}\n"
            ));
        }
        for region in some(g, &REGIONS, 1, 3) {
            t.push_str(&format!("[[push.regions]]\nname = \"{region}\"\n"));
        }
    } else {
        t.push_str(&format!("[push.gateways]\ncount = {gateways}\n"));
    }
    t.push_str(&format!(
        "[push.producer]\nrate = \"{}/s\"\nfan_out = {}\noffline_share = {:.2}\n",
        g.below(200),
        g.range(1, 3),
        if g.chance(0.3) {
            0.0
        } else {
            g.float(0.0, 1.0)
        }
    ));
    if clusters.is_none() && transport == "websocket" && g.chance(0.15) {
        let at = instant(g, horizon);
        t.push_str(&format!(
            "[[push.attack]]\nat = {}\nduration = {}\nrate = \"{}/s\"\n",
            secs(at),
            secs(g.range(1, horizon + 1)),
            g.range(1, 2000)
        ));
    }
    let total_gateways = gateways * clusters.map_or(1, |c| c.len() as u64);
    if clusters.is_none() && matches!(transport, "websocket" | "sse") {
        for _ in 0..g.below(3) {
            t.push_str(&fault(g, total_gateways, horizon));
        }
    }
    t
}

fn push(g: &mut Gen) -> String {
    let horizon = g.range(5, 60);
    let mut text = run_table(g, horizon).replacen("[run]", "model = \"push\"\n[run]", 1);
    text.push_str(&push_tables(g, horizon, None));
    if g.chance(0.15) {
        text.push_str("[[sweep.param]]\npath = \"push.producer.fan_out\"\nvalues = [1, 2]\n");
    }
    text
}

fn system(g: &mut Gen) -> String {
    let horizon = g.range(5, 30);
    let pops = some(g, &POPS, 1, 3);
    let regions = some(g, &REGIONS, 1, 3);
    let sites = some(g, &POPS, 1, 2);
    let mut text = run_table(g, horizon).replacen("[run]", "model = \"system\"\n[run]", 1);
    text.push_str(
        &cdn_tables(g, horizon, &pops, &regions).replace("mode = \"no-cdn\"", "mode = \"pull\""),
    );
    text.push_str(&push_tables(g, horizon, Some(&sites)));
    for i in 0..g.range(1, 2) {
        let at = instant(g, horizon);
        text.push_str(&format!(
            "[[system.campaign]]\nname = \"c{i}\"\nat = {}\nshare = {:.2}\nwindow = {}\nprewarm = {}\n",
            secs(at),
            if g.chance(0.2) {
                1.0
            } else {
                g.float(0.0, 1.0).max(0.01)
            },
            secs(if g.chance(0.5) { 0 } else { g.below(horizon) }),
            secs(if g.chance(0.7) { 0 } else { g.below(5).min(at) })
        ));
    }
    text
}

/// The experiment file of seed `seed` and its model.
fn config(seed: u64) -> (String, &'static str) {
    let model = MODELS[(seed % MODELS.len() as u64) as usize];
    let mut g = Gen::new(seed);
    let text = match model {
        "queue" => queue(&mut g),
        "occ" => occ(&mut g),
        "cdn" => cdn(&mut g),
        "push" => push(&mut g),
        _ => system(&mut g),
    };
    (text, model)
}

/// A run's metrics by name.
type Metrics = BTreeMap<String, f64>;

fn get(m: &Metrics, name: &str) -> Result<f64, String> {
    m.get(name)
        .copied()
        .ok_or_else(|| format!("no metric `{name}`"))
}

/// `value` is a share: in [0, 1], or NaN (nothing to share).
fn share_ok(m: &Metrics, name: &str) -> Result<(), String> {
    let v = get(m, name)?;
    if v.is_nan() || (0.0..=1.0 + 1e-9).contains(&v) {
        Ok(())
    } else {
        Err(format!("`{name}` = {v}, not a share in [0, 1]"))
    }
}

fn equal(what: &str, a: f64, b: f64) -> Result<(), String> {
    if (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0) {
        Ok(())
    } else {
        Err(format!("{what}: {a} != {b}"))
    }
}

/// Every metric is a number or NaN (never infinite) and every count is
/// not negative.
fn numbers_ok(m: &Metrics) -> Result<(), String> {
    for (name, v) in m {
        if v.is_infinite() {
            return Err(format!("`{name}` = {v}"));
        }
        // The offload is negative when the CDN sends the origin more
        // requests than its clients send (revalidations, publishing).
        if *v < 0.0 && !name.contains("extra_rtt") && !name.ends_with("origin_offload") {
            return Err(format!("`{name}` = {v} is negative"));
        }
    }
    Ok(())
}

fn queue_ok(m: &Metrics, measured_s: f64) -> Result<(), String> {
    let _ = measured_s;
    share_ok(m, "rejected_share")?;
    share_ok(m, "utilisation")?;
    if get(m, "customers")? > get(m, "arrivals")? + get(m, "in_system_mean")?.ceil() + 64.0 {
        return Err("more customers left than arrived".into());
    }
    if get(m, "queue_length_mean")? > get(m, "in_system_mean")? + 1e-9 {
        return Err("more waiting than in the system".into());
    }
    Ok(())
}

fn occ_ok(m: &Metrics, clients: f64) -> Result<(), String> {
    let (calls, failed) = (get(m, "calls")?, get(m, "failed_writes")?);
    let (reads, unfinished) = (get(m, "reads")?, get(m, "unfinished_clients")?);
    let succeeded = calls - failed;
    if succeeded < clients - unfinished || succeeded > clients {
        return Err(format!(
            "{calls} calls - {failed} failed = {succeeded} successes for {clients} clients, {unfinished} unfinished"
        ));
    }
    if reads < calls || reads > calls + unfinished {
        return Err(format!(
            "{reads} reads for {calls} calls, {unfinished} unfinished"
        ));
    }
    equal(
        "calls_per_client",
        get(m, "calls_per_client")?,
        calls / clients,
    )
}

/// The CDN's metrics (`prefix` "" or "cdn."): failures add up, every PoP's
/// requests and failures add up to the whole, shares and utilisations
/// stay in [0, 1], caches hold at most their capacity.
fn cdn_ok(
    m: &Metrics,
    prefix: &str,
    measured_s: f64,
    capacity_per_pop: f64,
    with_pops: bool,
) -> Result<(), String> {
    let k = |name: &str| format!("{prefix}{name}");
    let requests = get(m, &k("requests"))?;
    let failed = get(m, &k("failed_requests"))?;
    let parts: f64 = ["pop_down", "refused", "timeout", "origin_error", "unrouted"]
        .iter()
        .map(|p| get(m, &k(&format!("failed_{p}"))))
        .sum::<Result<f64, String>>()?;
    // Front ends that can be full (`[cdn.edge]`, an attack) add a cause.
    let parts = parts + m.get(&k("failed_saturated")).copied().unwrap_or(0.0);
    equal("failed requests = the sum of their causes", failed, parts)?;
    for name in [
        "hit_ratio",
        "byte_hit_ratio",
        "failed_share",
        "origin_utilisation",
    ] {
        share_ok(m, &k(name))?;
    }
    let pop_prefix = k("pop.");
    let (mut at_pops, mut stored) = (0.0, 0.0);
    for (name, v) in m.range(pop_prefix.clone()..) {
        let Some(rest) = name.strip_prefix(&pop_prefix) else {
            break;
        };
        let (pop, metric) = rest.rsplit_once('.').unwrap();
        match metric {
            "requests_per_s" => {
                at_pops += (v * measured_s).round() + get(m, &format!("{pop_prefix}{pop}.failed"))?
            }
            "hit_ratio" | "byte_hit_ratio" | "utilisation" => share_ok(m, name)?,
            "stored_bytes" if *v > capacity_per_pop => {
                return Err(format!(
                    "`{name}` = {v} over the PoP's capacity {capacity_per_pop}"
                ));
            }
            "stored_bytes" => stored += v,
            _ => {}
        }
    }
    if at_pops > requests + 0.5 {
        return Err(format!("{at_pops} requests at PoPs, {requests} in all"));
    }
    if get(m, &k("failed_unrouted"))? == 0.0 && with_pops {
        equal("requests at PoPs = all requests", at_pops, requests)?;
    }
    if get(m, &k("origin_offload"))? > 1.0 {
        return Err("an origin offload over 1".into());
    }
    if !with_pops {
        return Ok(());
    }
    equal(
        "stored bytes = the PoPs' sum",
        get(m, &k("stored_bytes"))?,
        stored,
    )
}

/// The push model's metrics (`prefix` "" or "push."): every message
/// published ended once or is in flight (counted over the whole run when
/// `whole_run`: the counters start at the end of the warm-up).
fn push_ok(m: &Metrics, prefix: &str, whole_run: bool) -> Result<(), String> {
    let k = |name: &str| format!("{prefix}{name}");
    for name in ["messages_unaccounted", "messages_duplicated"] {
        if get(m, &k(name))? != 0.0 {
            return Err(format!("`{}` = {}", k(name), get(m, &k(name))?));
        }
    }
    let ended: f64 = ["delivered", "dropped_offline", "lost", "in_flight_end"]
        .iter()
        .map(|p| get(m, &k(&format!("messages_{p}"))))
        .sum::<Result<f64, String>>()?
        + m.get(&k("messages_shed")).copied().unwrap_or(0.0);
    if whole_run {
        equal(
            "published = delivered + dropped + lost + shed + in flight",
            get(m, &k("messages_published"))?,
            ended,
        )?;
    }
    share_ok(m, &k("connected_share"))?;
    share_ok(m, &k("drop_share"))?;
    // The fault metrics come with fault schedules only.
    let faults = |name: &str| m.get(&k(name)).copied().unwrap_or(0.0);
    if faults("messages_dropped_storm") > get(m, &k("messages_lost"))? {
        return Err("more messages dropped in storms than lost".into());
    }
    equal(
        "affected clients = reconnected + not reconnected",
        faults("fault_affected_clients"),
        faults("fault_reconnected_clients") + faults("fault_clients_not_reconnected"),
    )
}

/// The system's campaigns: every notification counted once.
fn system_ok(m: &Metrics, campaigns: usize) -> Result<(), String> {
    let mut totals = [0.0; 6];
    const PARTS: [&str; 6] = [
        "notified",
        "delivered",
        "not_delivered",
        "fetched",
        "fetch_failed",
        "fetch_pending",
    ];
    for c in 0..campaigns {
        let v: Vec<f64> = PARTS
            .iter()
            .map(|p| get(m, &format!("campaign.c{c}.{p}")))
            .collect::<Result<_, _>>()?;
        if v[1] + v[2] > v[0] {
            return Err(format!(
                "campaign c{c}: {} delivered + {} not, of {} notified",
                v[1], v[2], v[0]
            ));
        }
        equal(
            &format!("campaign c{c}: fetched + failed + pending = delivered"),
            v[3] + v[4] + v[5],
            v[1],
        )?;
        for (t, x) in totals.iter_mut().zip(&v) {
            *t += x;
        }
    }
    for (p, t) in PARTS.iter().zip(totals) {
        equal(
            &format!("campaign.{p} = the campaigns' sum"),
            get(m, &format!("campaign.{p}"))?,
            t,
        )?;
    }
    Ok(())
}

/// A number in `text` after `key = ` (the drawn file's own value).
fn drawn(text: &str, section: &str, key: &str) -> f64 {
    let from = text.find(section).unwrap_or(0);
    let line = text[from..]
        .lines()
        .find(|l| l.starts_with(&format!("{key} = ")))
        .unwrap();
    let value = line.split(" = ").nth(1).unwrap().trim_matches('"');
    edgesim::units::parse_bytes(value)
        .map(|b| b as f64)
        .unwrap_or_else(|_| value.parse().unwrap())
}

/// Checks one run of `model` drawn as `text`.
fn invariants(
    model: &str,
    text: &str,
    m: &Metrics,
    measured_s: f64,
    point: &[String],
) -> Result<(), String> {
    numbers_ok(m)?;
    let whole_run = !text.contains("warmup = \"") || text.contains("warmup = \"0s\"");
    let with_pops = !text.contains("mode = \"no-cdn\"");
    let capacity = || {
        let servers = drawn(text, "[cdn.cache]", "servers");
        let swept = text.contains("path = \"cdn.cache.capacity\"");
        let capacity = match point.first() {
            Some(value) if swept => edgesim::units::parse_bytes(value).unwrap() as f64,
            _ => drawn(text, "[cdn.cache]", "capacity"),
        };
        servers * capacity
    };
    match model {
        "queue" => queue_ok(m, measured_s),
        "occ" => occ_ok(m, drawn(text, "[occ]", "clients")),
        "cdn" => cdn_ok(m, "", measured_s, capacity(), with_pops),
        "push" => push_ok(m, "", whole_run),
        _ => {
            cdn_ok(m, "cdn.", measured_s, capacity(), with_pops)?;
            push_ok(m, "push.", whole_run)?;
            system_ok(m, text.matches("[[system.campaign]]").count())
        }
    }
}

/// One run of a drawn configuration: the file, its model, the point's
/// swept values, the measured seconds and the metrics.
struct Ran {
    text: String,
    model: &'static str,
    point: Vec<String>,
    measured_s: f64,
    metrics: Metrics,
}

impl Ran {
    fn check(&self) -> Result<(), String> {
        invariants(
            self.model,
            &self.text,
            &self.metrics,
            self.measured_s,
            &self.point,
        )
    }
}

/// Loads and runs the configuration of `seed`; `Err` names what broke.
fn run_seed(seed: u64) -> Result<Vec<Ran>, String> {
    let (text, model) = config(seed);
    let fail = |what: String| {
        format!("swarm seed {seed} ({model}): {what}\n--- experiment file ---\n{text}---")
    };
    let exp = edgesim::experiment::load_text(Path::new("swarm.toml"), &text, &[])
        .map_err(|e| fail(format!("the drawn configuration does not load: {e}")))?;
    let mut runs = Vec::new();
    for p in &exp.plan() {
        let record = run_one(&exp, p, None).map_err(|e| fail(e.to_string()))?;
        let spec = &exp.points[p.point].spec;
        let ran = Ran {
            text: text.clone(),
            model,
            point: exp.points[p.point].values.clone(),
            measured_s: (spec.run.duration.0 - spec.run.warmup.fixed()).as_secs_f64(),
            metrics: (record.output.metrics.iter())
                .map(|x| (x.name.clone(), x.value))
                .collect(),
        };
        ran.check().map_err(|e| {
            fail(format!(
                "run {} (point {:?}, seed {}): {e}",
                p.run_index, ran.point, p.seed
            ))
        })?;
        runs.push(ran);
    }
    Ok(runs)
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_model_keeps_its_invariants_over_random_configurations() {
    let count = env("EDGESIM_SWARM", 500);
    let first = env("EDGESIM_SWARM_SEED", 0);
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let (mut runs, mut tried) = (0, 0);
    for seed in first..first + count {
        tried += 1;
        match std::panic::catch_unwind(|| run_seed(seed)) {
            Ok(Ok(n)) => runs += n.len(),
            Ok(Err(e)) => failures.push(e),
            Err(_) => failures.push(format!(
                "swarm seed {seed}: the test panicked\n{}",
                config(seed).0
            )),
        }
        if failures.len() >= 5 {
            break;
        }
        if (seed + 1 - first).is_multiple_of(1000) {
            eprintln!(
                "swarm: {} configurations, {runs} runs, {} failures, {:.0} s",
                seed + 1 - first,
                failures.len(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "swarm: {tried} configurations from seed {first}, {runs} runs, {} failures, {:.1} s",
        failures.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checks here are not vacuous: one count changed in the metrics of a
/// real run of each model breaks them.
#[test]
fn a_changed_count_breaks_the_checks() {
    type Change = (&'static str, &'static str, fn(&Metrics) -> f64);
    let changes: [Change; 5] = [
        ("queue", "utilisation", |_| 1.5),
        ("occ", "reads", |m| m["calls"] - 1.0),
        ("cdn", "failed_timeout", |m| m["failed_timeout"] + 1.0),
        ("push", "messages_unaccounted", |_| 1.0),
        ("system", "campaign.c0.fetched", |m| {
            m["campaign.c0.fetched"] + 1.0
        }),
    ];
    for (model, metric, change) in changes {
        let mut ran = (0..)
            .filter(|s| config(*s).1 == model)
            .find_map(|s| run_seed(s).ok().and_then(|mut r| r.pop()))
            .unwrap();
        let value = change(&ran.metrics);
        ran.metrics.insert(metric.to_string(), value);
        assert!(
            ran.check().is_err(),
            "{model}: `{metric}` = {value} passes the checks"
        );
    }
}
