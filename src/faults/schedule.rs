//! Fault schedules as written in experiment files (`[[push.faults]]`): what
//! fails, when, and when it comes back. This module only describes and
//! checks a schedule; the model that owns the failing parts (gateways,
//! registry, Kafka partitions) turns it into events.
//!
//! A fault happens at a fixed instant (`at`) or, for crashes, at random:
//! exponential times between failures (`mtbf`) and to repair (`mttr`),
//! drawn from named streams so that a run with the same seed fails the same
//! way. Windows (`at` plus `duration` or `until`) must not be empty or
//! negative, restarts must follow a failure, and every gateway or partition
//! named must exist.

use rand_distr::{Distribution, Exp1};
use serde::Deserialize;

use super::drain::ShutdownStrategy;
use crate::engine::{SimRng, SimTime};
use crate::units::Duration;

/// The most entries one schedule may hold (fault indices are 16 bits).
pub const MAX_FAULTS: usize = 10_000;

/// One entry of `[[push.faults]]`, told apart by `kind`. It is read as a
/// flat table ([`RawFault`]) so that every error names its exact key, then
/// checked to hold only the keys its kind takes.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(try_from = "RawFault")]
pub enum FaultSpec {
    /// A gateway process dies: every connection it holds ends at once.
    Crash(CrashSpec),
    /// A crashed or drained gateway starts again.
    Restart(RestartSpec),
    /// A gateway is taken out of service gracefully.
    Drain(DrainSpec),
    /// Every gateway in turn is drained, stopped and booted again.
    RollingDeploy(RollingDeploySpec),
    /// The push registry answers `factor` times slower for a window.
    RegistrySlowdown(SlowdownSpec),
    /// A Kafka partition loses its leader: no produce or fetch until a new
    /// leader is elected at the end of the window.
    KafkaLeaderLoss(LeaderLossSpec),
    /// A whole gateway cluster (a site) is lost: its site leaves the
    /// routing and every gateway of it dies; clients fail over.
    ClusterOutage(OutageSpec),
}

/// How clients learn that their gateway died.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Notice {
    /// The process died but the host lives: the kernel resets every socket
    /// and clients notice one network transit later.
    #[default]
    Reset,
    /// The host vanished: no reset arrives, and each client notices only
    /// when the keep-alive ping it expects does not come.
    Ping,
}

/// `kind = "crash"`: at `at` (restarting at `restart_at` or after
/// `restart_after`, or never), or at random with `mtbf` and `mttr` (until
/// `until`, if given).
#[derive(Clone, Debug, PartialEq)]
pub struct CrashSpec {
    /// The gateway (0-based). Random crashes without it strike every
    /// gateway, each on its own clock.
    pub gateway: Option<u32>,
    pub at: Option<Duration>,
    pub restart_at: Option<Duration>,
    pub restart_after: Option<Duration>,
    /// Mean time between failures (exponential up times).
    pub mtbf: Option<Duration>,
    /// Mean time to repair (exponential down times).
    pub mttr: Option<Duration>,
    /// Random crashes stop striking after this instant (repairs go on).
    pub until: Option<Duration>,
    pub notice: Notice,
}

/// `kind = "restart"`: gateway `gateway` starts again at `at`.
#[derive(Clone, Debug, PartialEq)]
pub struct RestartSpec {
    pub gateway: u32,
    pub at: Duration,
}

/// `kind = "drain"`: gateway `gateway` stops taking connections at `at` and
/// sheds the ones it holds as `shutdown` says; then it stops, and starts
/// again after `restart_after` if given.
#[derive(Clone, Debug, PartialEq)]
pub struct DrainSpec {
    pub gateway: u32,
    pub at: Duration,
    pub shutdown: ShutdownStrategy,
    pub restart_after: Option<Duration>,
}

/// `kind = "rolling-deploy"`: from `at`, drain `gateways` (default: all, in
/// order) one at a time; each is stopped when empty and takes `boot` to
/// start again, and the next drain begins when it is back.
#[derive(Clone, Debug, PartialEq)]
pub struct RollingDeploySpec {
    pub at: Duration,
    pub shutdown: ShutdownStrategy,
    pub boot: Duration,
    pub gateways: Option<Vec<u32>>,
}

/// Assumption: a JVM gateway (Zuul) is healthy about 60 s after its
/// instance starts (process start, warm-up, load-balancer health checks).
fn default_boot() -> Duration {
    Duration(SimTime::from_secs(60))
}

/// `kind = "registry-slowdown"`: registry reads and writes take `factor`
/// times longer in [at, at + duration) (or [at, until)).
#[derive(Clone, Debug, PartialEq)]
pub struct SlowdownSpec {
    pub at: Duration,
    pub duration: Option<Duration>,
    pub until: Option<Duration>,
    pub factor: f64,
}

/// `kind = "kafka-leader-loss"`: partition `partition` has no leader in
/// [at, at + duration) (or [at, until)): producers retry and consumers
/// wait until the election ends.
#[derive(Clone, Debug, PartialEq)]
pub struct LeaderLossSpec {
    pub partition: u32,
    pub at: Duration,
    pub duration: Option<Duration>,
    pub until: Option<Duration>,
}

/// `kind = "cluster-outage"`: the cluster at site `cluster` is lost at `at`
/// for `duration` (or until `until`; neither: for the rest of the run).
#[derive(Clone, Debug, PartialEq)]
pub struct OutageSpec {
    pub cluster: String,
    pub at: Duration,
    pub duration: Option<Duration>,
    pub until: Option<Duration>,
    pub notice: Notice,
}

impl OutageSpec {
    /// When the cluster comes back, if it does (the window must be valid).
    pub fn end(&self) -> Option<SimTime> {
        if self.duration.is_none() && self.until.is_none() {
            return None;
        }
        window_end(self.at, self.duration, self.until).ok()
    }
}

/// The kinds of fault, as written in `kind`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FaultKind {
    Crash,
    Restart,
    Drain,
    RollingDeploy,
    RegistrySlowdown,
    KafkaLeaderLoss,
    ClusterOutage,
}

impl FaultKind {
    fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Restart => "restart",
            FaultKind::Drain => "drain",
            FaultKind::RollingDeploy => "rolling-deploy",
            FaultKind::RegistrySlowdown => "registry-slowdown",
            FaultKind::KafkaLeaderLoss => "kafka-leader-loss",
            FaultKind::ClusterOutage => "cluster-outage",
        }
    }

    /// The keys this kind takes besides `kind`.
    fn keys(self) -> &'static [&'static str] {
        match self {
            FaultKind::Crash => &[
                "gateway",
                "at",
                "restart_at",
                "restart_after",
                "mtbf",
                "mttr",
                "until",
                "notice",
            ],
            FaultKind::Restart => &["gateway", "at"],
            FaultKind::Drain => &["gateway", "at", "shutdown", "restart_after"],
            FaultKind::RollingDeploy => &["at", "shutdown", "boot", "gateways"],
            FaultKind::RegistrySlowdown => &["at", "duration", "until", "factor"],
            FaultKind::KafkaLeaderLoss => &["partition", "at", "duration", "until"],
            FaultKind::ClusterOutage => &["cluster", "at", "duration", "until", "notice"],
        }
    }
}

/// A `[[push.faults]]` entry as written: every key any kind takes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub kind: FaultKind,
    #[serde(default)]
    pub gateway: Option<u32>,
    #[serde(default)]
    pub at: Option<Duration>,
    #[serde(default)]
    pub restart_at: Option<Duration>,
    #[serde(default)]
    pub restart_after: Option<Duration>,
    #[serde(default)]
    pub mtbf: Option<Duration>,
    #[serde(default)]
    pub mttr: Option<Duration>,
    #[serde(default)]
    pub until: Option<Duration>,
    #[serde(default)]
    pub notice: Option<Notice>,
    #[serde(default)]
    pub shutdown: Option<ShutdownStrategy>,
    #[serde(default)]
    pub boot: Option<Duration>,
    #[serde(default)]
    pub gateways: Option<Vec<u32>>,
    #[serde(default)]
    pub duration: Option<Duration>,
    #[serde(default)]
    pub factor: Option<f64>,
    #[serde(default)]
    pub partition: Option<u32>,
    #[serde(default)]
    pub cluster: Option<String>,
}

impl RawFault {
    /// The keys written, by name.
    fn written(&self) -> [(&'static str, bool); 15] {
        [
            ("gateway", self.gateway.is_some()),
            ("at", self.at.is_some()),
            ("restart_at", self.restart_at.is_some()),
            ("restart_after", self.restart_after.is_some()),
            ("mtbf", self.mtbf.is_some()),
            ("mttr", self.mttr.is_some()),
            ("until", self.until.is_some()),
            ("notice", self.notice.is_some()),
            ("shutdown", self.shutdown.is_some()),
            ("boot", self.boot.is_some()),
            ("gateways", self.gateways.is_some()),
            ("duration", self.duration.is_some()),
            ("factor", self.factor.is_some()),
            ("partition", self.partition.is_some()),
            ("cluster", self.cluster.is_some()),
        ]
    }
}

/// A key a kind needs.
fn required<T>(value: Option<T>, kind: FaultKind, key: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("a fault of kind \"{}\" needs `{key}`", kind.name()))
}

impl TryFrom<RawFault> for FaultSpec {
    type Error = String;

    fn try_from(raw: RawFault) -> Result<FaultSpec, String> {
        let kind = raw.kind;
        if let Some((key, _)) = raw
            .written()
            .into_iter()
            .find(|&(key, written)| written && !kind.keys().contains(&key))
        {
            return Err(format!(
                "`{key}` does not apply to a fault of kind \"{}\"; it takes: {}",
                kind.name(),
                kind.keys().join(", ")
            ));
        }
        Ok(match kind {
            FaultKind::Crash => FaultSpec::Crash(CrashSpec {
                gateway: raw.gateway,
                at: raw.at,
                restart_at: raw.restart_at,
                restart_after: raw.restart_after,
                mtbf: raw.mtbf,
                mttr: raw.mttr,
                until: raw.until,
                notice: raw.notice.unwrap_or_default(),
            }),
            FaultKind::Restart => FaultSpec::Restart(RestartSpec {
                gateway: required(raw.gateway, kind, "gateway")?,
                at: required(raw.at, kind, "at")?,
            }),
            FaultKind::Drain => FaultSpec::Drain(DrainSpec {
                gateway: required(raw.gateway, kind, "gateway")?,
                at: required(raw.at, kind, "at")?,
                shutdown: raw.shutdown.unwrap_or_default(),
                restart_after: raw.restart_after,
            }),
            FaultKind::RollingDeploy => FaultSpec::RollingDeploy(RollingDeploySpec {
                at: required(raw.at, kind, "at")?,
                shutdown: raw.shutdown.unwrap_or_default(),
                boot: raw.boot.unwrap_or_else(default_boot),
                gateways: raw.gateways,
            }),
            FaultKind::RegistrySlowdown => FaultSpec::RegistrySlowdown(SlowdownSpec {
                at: required(raw.at, kind, "at")?,
                duration: raw.duration,
                until: raw.until,
                factor: required(raw.factor, kind, "factor")?,
            }),
            FaultKind::KafkaLeaderLoss => FaultSpec::KafkaLeaderLoss(LeaderLossSpec {
                partition: required(raw.partition, kind, "partition")?,
                at: required(raw.at, kind, "at")?,
                duration: raw.duration,
                until: raw.until,
            }),
            FaultKind::ClusterOutage => FaultSpec::ClusterOutage(OutageSpec {
                cluster: required(raw.cluster, kind, "cluster")?,
                at: required(raw.at, kind, "at")?,
                duration: raw.duration,
                until: raw.until,
                notice: raw.notice.unwrap_or_default(),
            }),
        })
    }
}

/// The most outages one random failure process may produce in a run.
pub const MAX_OUTAGES: usize = 1_000_000;

/// One outage of a component: down at `down`, back at `up`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Outage {
    pub down: SimTime,
    pub up: SimTime,
}

/// The outages of one component failing at random: exponential up times
/// of mean `mtbf` and down times of mean `mttr`, from time zero; no
/// failure at or after `until` (the repair of the last one may end later).
/// Draws come from `rng` only, so a component's outages depend on its own
/// stream. At most [`MAX_OUTAGES`].
pub fn random_outages(
    mtbf: SimTime,
    mttr: SimTime,
    until: SimTime,
    rng: &mut SimRng,
) -> Vec<Outage> {
    let mut draw = |mean: SimTime| {
        let e: f64 = Exp1.sample(rng);
        SimTime::from_secs_f64(e * mean.as_secs_f64()).max(SimTime::from_nanos(1))
    };
    let mut outages = Vec::new();
    let mut t = SimTime::ZERO;
    while outages.len() < MAX_OUTAGES {
        let down = t.saturating_add(draw(mtbf));
        if down >= until {
            break;
        }
        let up = down.saturating_add(draw(mttr));
        outages.push(Outage { down, up });
        t = up;
    }
    outages
}

/// What a schedule is checked against.
#[derive(Copy, Clone, Debug)]
pub struct FaultContext {
    pub gateways: u32,
    pub partitions: u32,
    /// Whether clients receive keep-alive pings (for `notice = "ping"`).
    pub pings: bool,
}

/// A problem: the key (relative to the schedule, e.g. `faults[2].gateway`)
/// and what was expected.
pub type Problem = (String, String);

/// The end of a window given by `at` and `duration` or `until`; a problem
/// when neither or both are given, or when the window is empty or negative.
pub fn window_end(
    at: Duration,
    duration: Option<Duration>,
    until: Option<Duration>,
) -> Result<SimTime, (&'static str, String)> {
    match (duration, until) {
        (Some(_), Some(_)) => Err((
            "until",
            "give the window's `duration` or its `until`, not both".into(),
        )),
        (None, None) => Err((
            "duration",
            "a window needs a `duration` (e.g. \"30s\") or an `until`".into(),
        )),
        (Some(d), None) if d.0 == SimTime::ZERO => Err((
            "duration",
            "the window is empty: `duration` must be greater than zero".into(),
        )),
        (Some(d), None) => Ok(at.0 + d.0),
        (None, Some(u)) if u.0 <= at.0 => Err((
            "until",
            format!(
                "negative window: `until` ({}) must come after `at` ({})",
                u.0, at.0
            ),
        )),
        (None, Some(u)) => Ok(u.0),
    }
}

impl FaultSpec {
    /// When this entry first disturbs the system, if it is scheduled
    /// (random crashes are part of the steady state they churn).
    pub fn starts_at(&self) -> Option<SimTime> {
        match self {
            FaultSpec::Crash(c) => c.at.map(|d| d.0),
            FaultSpec::Restart(r) => Some(r.at.0),
            FaultSpec::Drain(d) => Some(d.at.0),
            FaultSpec::RollingDeploy(r) => Some(r.at.0),
            FaultSpec::RegistrySlowdown(s) => Some(s.at.0),
            FaultSpec::KafkaLeaderLoss(l) => Some(l.at.0),
            FaultSpec::ClusterOutage(o) => Some(o.at.0),
        }
    }

    /// The instant of the first planned failure of `gateway` by this entry
    /// (scheduled crashes and drains; random crashes have none).
    fn first_failure_of(&self, gateway: u32) -> Option<SimTime> {
        match self {
            FaultSpec::Crash(c) if c.gateway == Some(gateway) => c.at.map(|d| d.0),
            FaultSpec::Drain(d) if d.gateway == gateway => Some(d.at.0),
            FaultSpec::RollingDeploy(r)
                if r.gateways.as_ref().is_none_or(|g| g.contains(&gateway)) =>
            {
                Some(r.at.0)
            }
            _ => None,
        }
    }

    /// Whether this entry fails `gateway` at random (a crash with `mtbf`).
    fn fails_at_random(&self, gateway: u32) -> bool {
        matches!(self, FaultSpec::Crash(c)
            if c.mtbf.is_some() && c.gateway.is_none_or(|g| g == gateway))
    }
}

/// Checks a whole schedule; every problem with its key.
pub fn validate(faults: &[FaultSpec], ctx: &FaultContext) -> Vec<Problem> {
    let mut problems = Vec::new();
    if faults.len() > MAX_FAULTS {
        problems.push((
            "faults".to_string(),
            format!("at most {MAX_FAULTS} faults per schedule"),
        ));
        return problems;
    }
    for (i, fault) in faults.iter().enumerate() {
        let mut report = |key: &str, message: String| {
            problems.push((format!("faults[{i}].{key}"), message));
        };
        match fault {
            FaultSpec::Crash(c) => check_crash(c, ctx, &mut report),
            FaultSpec::Restart(r) => {
                check_gateway(r.gateway, ctx, &mut report);
                check_restart_follows(faults, r, &mut report);
            }
            FaultSpec::Drain(d) => {
                check_gateway(d.gateway, ctx, &mut report);
                if let Err((key, message)) = d.shutdown.validate() {
                    report(&format!("shutdown.{key}"), message);
                }
            }
            FaultSpec::RollingDeploy(r) => check_rolling(r, ctx, &mut report),
            FaultSpec::RegistrySlowdown(s) => {
                if let Err((key, message)) = window_end(s.at, s.duration, s.until) {
                    report(key, message);
                }
                if !(s.factor.is_finite() && s.factor >= 1.0 && s.factor <= 1e6) {
                    report(
                        "factor",
                        format!(
                            "expected a slowdown factor between 1 and 1e6 (10 = ten times slower), got {}",
                            s.factor
                        ),
                    );
                }
            }
            FaultSpec::KafkaLeaderLoss(l) => {
                if l.partition >= ctx.partitions {
                    report(
                        "partition",
                        format!(
                            "partition {} does not exist: the topic has {} partitions (0 to {})",
                            l.partition,
                            ctx.partitions,
                            ctx.partitions.saturating_sub(1)
                        ),
                    );
                }
                if let Err((key, message)) = window_end(l.at, l.duration, l.until) {
                    report(key, message);
                }
            }
            // The site is checked by the model, which knows its clusters.
            FaultSpec::ClusterOutage(o) => {
                if (o.duration.is_some() || o.until.is_some())
                    && let Err((key, message)) = window_end(o.at, o.duration, o.until)
                {
                    report(key, message);
                }
                if o.notice == Notice::Ping && !ctx.pings {
                    report(
                        "notice",
                        "`notice = \"ping\"` needs keep-alive pings (`connection.ping_interval` above 0)"
                            .into(),
                    );
                }
            }
        }
    }
    problems
}

fn check_gateway(gateway: u32, ctx: &FaultContext, report: &mut impl FnMut(&str, String)) {
    if gateway >= ctx.gateways {
        report(
            "gateway",
            format!(
                "gateway {gateway} does not exist: the cluster has {} gateways (0 to {})",
                ctx.gateways,
                ctx.gateways.saturating_sub(1)
            ),
        );
    }
}

fn check_crash(c: &CrashSpec, ctx: &FaultContext, report: &mut impl FnMut(&str, String)) {
    if let Some(g) = c.gateway {
        check_gateway(g, ctx, report);
    }
    if c.notice == Notice::Ping && !ctx.pings {
        report(
            "notice",
            "`notice = \"ping\"` needs keep-alive pings (`connection.ping_interval` above 0)"
                .into(),
        );
    }
    match (c.at, c.mtbf) {
        (Some(_), Some(_)) => report(
            "mtbf",
            "a crash happens at a time (`at`) or at random (`mtbf`, `mttr`), not both".into(),
        ),
        (None, None) => report(
            "at",
            "a crash needs a time (`at = \"300s\"`) or a mean time between failures (`mtbf`, `mttr`)"
                .into(),
        ),
        (Some(at), None) => check_scheduled_crash(c, at, report),
        (None, Some(_)) => check_random_crash(c, report),
    }
}

fn check_scheduled_crash(c: &CrashSpec, at: Duration, report: &mut impl FnMut(&str, String)) {
    if c.gateway.is_none() {
        report(
            "gateway",
            "a crash at a time names its `gateway` (0-based)".into(),
        );
    }
    if c.until.is_some() {
        report(
            "until",
            "`until` ends random crashes (`mtbf`); a crash at a time happens once".into(),
        );
    }
    if c.mttr.is_some() {
        report(
            "mttr",
            "`mttr` goes with `mtbf`; a crash at a time restarts with `restart_at` or `restart_after`"
                .into(),
        );
    }
    match (c.restart_at, c.restart_after) {
        (Some(_), Some(_)) => report(
            "restart_after",
            "give `restart_at` or `restart_after`, not both".into(),
        ),
        (Some(r), None) if r.0 <= at.0 => report(
            "restart_at",
            format!(
                "recovery before failure: `restart_at` ({}) must come after the crash `at` ({})",
                r.0, at.0
            ),
        ),
        (None, Some(d)) if d.0 == SimTime::ZERO => report(
            "restart_after",
            "`restart_after` must be greater than zero".into(),
        ),
        _ => {}
    }
}

fn check_random_crash(c: &CrashSpec, report: &mut impl FnMut(&str, String)) {
    if c.restart_at.is_some() || c.restart_after.is_some() {
        report(
            "restart_after",
            "random crashes restart after `mttr`; `restart_at` and `restart_after` go with `at`"
                .into(),
        );
    }
    if c.until.is_some_and(|d| d.0 == SimTime::ZERO) {
        report(
            "until",
            "negative window: random crashes until 0s never strike".into(),
        );
    }
    if c.mtbf.is_some_and(|d| d.0 < SimTime::from_secs(1)) {
        report(
            "mtbf",
            "`mtbf` must be at least 1s (a mean time between failures, e.g. \"2h\")".into(),
        );
    }
    match c.mttr {
        None => report(
            "mttr",
            "random crashes need a mean time to repair, e.g. `mttr = \"5min\"`".into(),
        ),
        Some(d) if d.0 == SimTime::ZERO => {
            report("mttr", "`mttr` must be greater than zero".into())
        }
        Some(_) => {}
    }
}

fn check_restart_follows(
    faults: &[FaultSpec],
    r: &RestartSpec,
    report: &mut impl FnMut(&str, String),
) {
    if faults.iter().any(|f| f.fails_at_random(r.gateway)) {
        return;
    }
    let first = faults
        .iter()
        .filter_map(|f| f.first_failure_of(r.gateway))
        .min();
    match first {
        Some(t) if t < r.at.0 => {}
        Some(t) => report(
            "at",
            format!(
                "recovery before failure: gateway {} restarts at {} but first fails at {t}",
                r.gateway, r.at.0
            ),
        ),
        None => report(
            "at",
            format!(
                "recovery before failure: gateway {} restarts at {} but no fault stops it before",
                r.gateway, r.at.0
            ),
        ),
    }
}

fn check_rolling(r: &RollingDeploySpec, ctx: &FaultContext, report: &mut impl FnMut(&str, String)) {
    if let Err((key, message)) = r.shutdown.validate() {
        report(&format!("shutdown.{key}"), message);
    }
    if let Some(list) = &r.gateways {
        if list.is_empty() {
            report(
                "gateways",
                "list at least one gateway, or omit `gateways` for all".into(),
            );
        }
        for (k, &g) in list.iter().enumerate() {
            if g >= ctx.gateways {
                report(
                    &format!("gateways[{k}]"),
                    format!(
                        "gateway {g} does not exist: the cluster has {} gateways (0 to {})",
                        ctx.gateways,
                        ctx.gateways.saturating_sub(1)
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<FaultSpec> {
        #[derive(Deserialize)]
        struct W {
            faults: Vec<FaultSpec>,
        }
        toml::from_str::<W>(text).unwrap().faults
    }

    const CTX: FaultContext = FaultContext {
        gateways: 4,
        partitions: 12,
        pings: true,
    };

    fn keys(text: &str) -> Vec<String> {
        validate(&parse(text), &CTX)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    #[test]
    fn a_good_schedule_passes() {
        let text = r#"
            [[faults]]
            kind = "crash"
            gateway = 1
            at = "300s"
            restart_after = "60s"
            [[faults]]
            kind = "crash"
            mtbf = "2h"
            mttr = "5min"
            [[faults]]
            kind = "restart"
            gateway = 2
            at = "900s"
            [[faults]]
            kind = "drain"
            gateway = 2
            at = "600s"
            shutdown = { strategy = "slow", rate = "100/s" }
            [[faults]]
            kind = "registry-slowdown"
            at = "100s"
            duration = "60s"
            factor = 10
            [[faults]]
            kind = "kafka-leader-loss"
            partition = 3
            at = "100s"
            until = "130s"
        "#;
        assert_eq!(keys(text), Vec::<String>::new());
    }

    #[test]
    fn bad_schedules_name_their_key() {
        let crash_missing = "[[faults]]\nkind = \"crash\"\ngateway = 9\nat = \"1s\"";
        assert_eq!(keys(crash_missing), vec!["faults[0].gateway"]);
        let early = "[[faults]]\nkind = \"crash\"\ngateway = 0\nat = \"10s\"\nrestart_at = \"5s\"";
        assert_eq!(keys(early), vec!["faults[0].restart_at"]);
        let lone_restart = "[[faults]]\nkind = \"restart\"\ngateway = 0\nat = \"10s\"";
        assert_eq!(keys(lone_restart), vec!["faults[0].at"]);
        let negative =
            "[[faults]]\nkind = \"kafka-leader-loss\"\npartition = 0\nat = \"10s\"\nuntil = \"5s\"";
        assert_eq!(keys(negative), vec!["faults[0].until"]);
        let empty =
            "[[faults]]\nkind = \"registry-slowdown\"\nat = \"10s\"\nduration = 0\nfactor = 2";
        assert_eq!(keys(empty), vec!["faults[0].duration"]);
        let no_time = "[[faults]]\nkind = \"crash\"\ngateway = 0";
        assert_eq!(keys(no_time), vec!["faults[0].at"]);
    }

    #[test]
    fn random_outages_alternate_and_stop_at_until() {
        let mut rng = crate::engine::Streams::new(9).stream("t", 0);
        let (mtbf, mttr) = (SimTime::from_secs(100), SimTime::from_secs(10));
        let until = SimTime::from_secs(1_000_000);
        let outages = random_outages(mtbf, mttr, until, &mut rng);
        // About until / (mtbf + mttr) = 9,091 outages.
        assert!((8_700..9_500).contains(&outages.len()), "{}", outages.len());
        let mut previous = SimTime::ZERO;
        let (mut up_s, mut down_s) = (0.0, 0.0);
        for o in &outages {
            assert!(o.down > previous && o.up > o.down && o.down < until);
            up_s += (o.down - previous).as_secs_f64();
            down_s += (o.up - o.down).as_secs_f64();
            previous = o.up;
        }
        let n = outages.len() as f64;
        assert!((up_s / n - 100.0).abs() < 4.0, "{}", up_s / n);
        assert!((down_s / n - 10.0).abs() < 0.4, "{}", down_s / n);
    }

    #[test]
    fn a_restart_after_its_crash_is_fine() {
        let text = "[[faults]]\nkind = \"crash\"\ngateway = 0\nat = \"10s\"\n\
                    [[faults]]\nkind = \"restart\"\ngateway = 0\nat = \"20s\"";
        assert_eq!(keys(text), Vec::<String>::new());
    }
}
