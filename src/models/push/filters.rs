//! The Zuul filter chain on the gateway (`[push.filters]`; REFERENCES F4,
//! Z15): an ordered chain (default `shed`, `tls`, `auth`, `rate_limit`) of inbound filters that every connect, poll and
//! upstream message passes before the gateway does its work. `tls` and
//! `auth` cost CPU (a connect's TLS handshake and authentication, a
//! request's decryption and token check: the `connection` and
//! `request_cost` figures); `rate_limit` checks a per-user and a global
//! (per gateway) token bucket of the request's kind; `shed` refuses by
//! priority when the gateway's CPU queue is long: polls, upstream messages
//! and low-priority deliveries once `shed_threshold × shed_queue` jobs
//! wait, new connects once `shed_queue` wait, and never what keeps a
//! connected client's session (pings, its normal-priority deliveries).
//! A refused request costs the CPU of the filters before the one that
//! refused it plus `refuse_cost` (writing the 429 or 503), charged to the
//! gateway as one job. The decision is taken when the request reaches the
//! gateway (the token buckets see arrival times, the shedder the queue it
//! joins). A refused connect is closed as refused (the client backs off);
//! a refused long poll retries after the failure delay; a refused short
//! poll waits for its next tick; a shed delivery ends as `messages_shed`.
//! Off (no `[push.filters]`): nothing of this runs.

use serde::Deserialize;

use super::check::Invalid;
use super::model::{CpuJob, Event, PushModel};
use super::params::{PushParams, Transport};
use crate::engine::rng::splitmix64;
use crate::engine::{Scheduler, SimTime};
use crate::run::RunOutput;
use crate::units::{Duration, Rate};

/// One filter of the chain.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    Tls,
    Auth,
    RateLimit,
    Shed,
}

/// What a request is, for its bucket and its priority.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Connect,
    Poll,
    Upstream,
    Delivery,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Connect, Kind::Poll, Kind::Upstream, Kind::Delivery];

    fn name(self) -> &'static str {
        match self {
            Kind::Connect => "connect",
            Kind::Poll => "poll",
            Kind::Upstream => "upstream",
            Kind::Delivery => "delivery",
        }
    }
}

/// A token bucket: `rate` tokens per second, at most `burst` held.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketParams {
    pub rate: Rate,
    /// Tokens the bucket holds when full (default: one second of `rate`, at least 1).
    #[serde(default)]
    pub burst: Option<f64>,
}

impl BucketParams {
    fn capacity(&self) -> f64 {
        self.burst.unwrap_or(self.rate.0.max(1.0))
    }
}

/// `[push.filters]`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FilterParams {
    /// The inbound filters in the order they run.
    pub chain: Vec<Filter>,
    /// CPU of refusing a request (writing the 429 or 503 and closing).
    pub refuse_cost: Duration,
    /// Priority load shedding on (with `shed` in the chain).
    pub shedding: bool,
    /// CPU jobs waiting at which new connects are shed.
    pub shed_queue: u32,
    /// Share of `shed_queue` at which polls, upstream messages and
    /// low-priority deliveries are shed, in (0, 1].
    pub shed_threshold: f64,
    /// Share of messages published at low priority (Z21: queues per priority).
    pub low_priority_share: f64,
    pub connect_per_user: Option<BucketParams>,
    pub connect_global: Option<BucketParams>,
    pub poll_per_user: Option<BucketParams>,
    pub poll_global: Option<BucketParams>,
    /// Z15: Zuul's per-connection limit is 3 messages per 2 s
    /// (`{ rate = "1.5/s", burst = 3 }`).
    pub upstream_per_user: Option<BucketParams>,
    pub upstream_global: Option<BucketParams>,
}

/// Default chain: shedding, TLS, authentication, rate limiting. F4: Zuul's
/// inbound filters authenticate, rate limit and shed by priority; the
/// shedder here looks only at what the request is (a connect, a poll, an
/// upstream message), known at accept, so it runs first like Zuul's Netty
/// channel handlers that refuse connections before any filter sees them;
/// the rate limiter needs the user, so it runs after authentication.
pub const DEFAULT_CHAIN: [Filter; 4] = [Filter::Shed, Filter::Tls, Filter::Auth, Filter::RateLimit];
/// Assumption (no published figure): writing a short error response.
pub const REFUSE_COST: SimTime = SimTime::from_micros(20);
/// Assumption: a queue this long on a gateway's CPU is tens of ms of work
/// at the default per-job costs; sweep it.
pub const SHED_QUEUE: u32 = 2_000;
/// Assumption: low-priority work is shed at half the connect mark.
pub const SHED_THRESHOLD: f64 = 0.5;

impl Default for FilterParams {
    fn default() -> Self {
        FilterParams {
            chain: DEFAULT_CHAIN.to_vec(),
            refuse_cost: Duration(REFUSE_COST),
            shedding: false,
            shed_queue: SHED_QUEUE,
            shed_threshold: SHED_THRESHOLD,
            low_priority_share: 0.0,
            connect_per_user: None,
            connect_global: None,
            poll_per_user: None,
            poll_global: None,
            upstream_per_user: None,
            upstream_global: None,
        }
    }
}

impl FilterParams {
    fn buckets(&self, kind: Kind) -> (Option<&BucketParams>, Option<&BucketParams>) {
        match kind {
            Kind::Connect => (self.connect_per_user.as_ref(), self.connect_global.as_ref()),
            Kind::Poll => (self.poll_per_user.as_ref(), self.poll_global.as_ref()),
            Kind::Upstream => (
                self.upstream_per_user.as_ref(),
                self.upstream_global.as_ref(),
            ),
            Kind::Delivery => (None, None),
        }
    }
}

/// One bucket's state.
#[derive(Copy, Clone, Debug)]
struct Bucket {
    tokens: f64,
    last_ns: u64,
}

impl Bucket {
    fn full(p: &BucketParams) -> Bucket {
        Bucket {
            tokens: p.capacity(),
            last_ns: 0,
        }
    }

    /// Takes a token at `now_ns` if there is one.
    fn take(&mut self, p: &BucketParams, now_ns: u64) -> bool {
        let dt = now_ns.saturating_sub(self.last_ns) as f64 * 1e-9;
        self.tokens = (self.tokens + dt * p.rate.0).min(p.capacity());
        self.last_ns = now_ns;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The chain's state: buckets (per user, per gateway) and counts by kind.
pub struct Filters {
    p: FilterParams,
    /// Per kind: per-user buckets (empty without a per-user limit).
    per_user: [Vec<Bucket>; 4],
    /// Per kind: per-gateway buckets (empty without a global limit).
    global: [Vec<Bucket>; 4],
    pub limited: [u64; 4],
    pub shed: [u64; 4],
    pub refused_cpu_ns: u64,
}

impl Filters {
    /// The chain of `p` for `users` clients or pollers and `gateways` gateways.
    pub fn new(p: &PushParams, users: usize, gateways: usize) -> Option<Filters> {
        let f = p.filters.clone()?;
        let mut per_user: [Vec<Bucket>; 4] = Default::default();
        let mut global: [Vec<Bucket>; 4] = Default::default();
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            let (user, all) = f.buckets(kind);
            if let Some(b) = user {
                per_user[i] = vec![Bucket::full(b); users];
            }
            if let Some(b) = all {
                global[i] = vec![Bucket::full(b); gateways];
            }
        }
        Some(Filters {
            p: f,
            per_user,
            global,
            limited: [0; 4],
            shed: [0; 4],
            refused_cpu_ns: 0,
        })
    }

    pub fn bytes(&self) -> usize {
        self.per_user.iter().map(|v| v.capacity() * 16).sum()
    }

    /// Whether `user`'s request of `kind` at gateway `g` passes both buckets.
    fn allow(&mut self, kind: Kind, user: u32, g: usize, now_ns: u64) -> bool {
        let i = kind as usize;
        let (per_user, all) = match kind {
            Kind::Connect => (&self.p.connect_per_user, &self.p.connect_global),
            Kind::Poll => (&self.p.poll_per_user, &self.p.poll_global),
            Kind::Upstream => (&self.p.upstream_per_user, &self.p.upstream_global),
            Kind::Delivery => return true,
        };
        if let (Some(b), Some(state)) = (per_user, self.per_user[i].get_mut(user as usize))
            && !state.take(b, now_ns)
        {
            return false;
        }
        if let (Some(b), Some(state)) = (all, self.global[i].get_mut(g)) {
            return state.take(b, now_ns);
        }
        true
    }

    /// Whether a request of `kind` is shed with `waiting` jobs on the CPU.
    fn sheds(&self, kind: Kind, waiting: usize, low_priority: bool) -> bool {
        if !self.p.shedding {
            return false;
        }
        let low = (self.p.shed_threshold * self.p.shed_queue as f64).ceil() as usize;
        match kind {
            Kind::Poll | Kind::Upstream => waiting >= low,
            Kind::Delivery => low_priority && waiting >= low,
            Kind::Connect => waiting >= self.p.shed_queue as usize,
        }
    }

    pub fn reset_stats(&mut self) {
        self.limited = [0; 4];
        self.shed = [0; 4];
        self.refused_cpu_ns = 0;
    }

    pub fn write_output(&self, out: &mut RunOutput, measured_s: f64) {
        out.scalar(
            "rate_limited_requests",
            self.limited.iter().sum::<u64>() as f64,
        );
        out.scalar("shed_requests", self.shed.iter().sum::<u64>() as f64);
        for kind in Kind::ALL {
            let i = kind as usize;
            out.scalar(
                format!("rate_limited.{}", kind.name()),
                self.limited[i] as f64,
            );
            out.scalar(format!("shed.{}", kind.name()), self.shed[i] as f64);
        }
        out.scalar("messages_shed", self.shed[Kind::Delivery as usize] as f64);
        out.scalar(
            "refused_cpu_s_per_s",
            self.refused_cpu_ns as f64 * 1e-9 / measured_s,
        );
    }
}

impl PushModel {
    /// CPU of the `tls` and `auth` filters for a request of `kind`.
    fn filter_cost(&self, filter: Filter, kind: Kind) -> SimTime {
        let c = &self.p.connection;
        let r = &self.p.request_cost;
        let http = !(kind == Kind::Upstream && self.transport == Transport::Websocket);
        match (filter, kind) {
            (_, Kind::Delivery) | (Filter::RateLimit | Filter::Shed, _) => SimTime::ZERO,
            (Filter::Tls, Kind::Connect) => c.handshake_cost.0,
            (Filter::Auth, Kind::Connect) => c.auth_cost.0,
            (Filter::Tls, _) if http => r.connection.0 + r.decrypt.0,
            (Filter::Auth, _) if http => r.auth.0,
            _ => SimTime::ZERO,
        }
    }

    /// Runs `user`'s request of `kind` at gateway `g` through the chain:
    /// true if it passes; false if a filter refused it (its CPU so far is
    /// charged to the gateway as one job).
    pub fn filter_admit(
        &mut self,
        g: usize,
        kind: Kind,
        user: u32,
        sched: &mut Scheduler<Event>,
    ) -> bool {
        let now = sched.now();
        let waiting = self.gateways[g].cpu.waiting();
        let costs = [
            self.filter_cost(Filter::Tls, kind),
            self.filter_cost(Filter::Auth, kind),
        ];
        let Some(f) = self.filters.as_mut() else {
            return true;
        };
        let mut spent = SimTime::ZERO;
        for i in 0..f.p.chain.len() {
            let filter = f.p.chain[i];
            let pass = match filter {
                Filter::Tls => {
                    spent += costs[0];
                    true
                }
                Filter::Auth => {
                    spent += costs[1];
                    true
                }
                Filter::RateLimit => f.allow(kind, user, g, now.as_nanos()),
                Filter::Shed => !f.sheds(kind, waiting, false),
            };
            if !pass {
                match filter {
                    Filter::RateLimit => f.limited[kind as usize] += 1,
                    _ => f.shed[kind as usize] += 1,
                }
                let work = spent + f.p.refuse_cost.0;
                f.refused_cpu_ns += work.as_nanos();
                self.submit(
                    g,
                    CpuJob::Refused {
                        work_ns: work.as_nanos(),
                    },
                    sched,
                );
                return false;
            }
        }
        true
    }

    /// Whether message `m`'s delivery is shed at gateway `g` (with `shed`
    /// in the chain): only low-priority messages, past the threshold.
    pub fn filter_sheds_delivery(&mut self, g: usize, m: u32) -> bool {
        let waiting = self.gateways[g].cpu.waiting();
        let sequence = self.messages.get(m).sequence;
        let Some(f) = self.filters.as_mut() else {
            return false;
        };
        if !f.p.chain.contains(&Filter::Shed) || f.p.low_priority_share <= 0.0 {
            return false;
        }
        let u = (splitmix64(sequence ^ 0x5eed_f11e) >> 11) as f64 / (1u64 << 53) as f64;
        let shed = f.sheds(Kind::Delivery, waiting, u < f.p.low_priority_share);
        if shed {
            f.shed[Kind::Delivery as usize] += 1;
        }
        shed
    }
}

/// The most CPU jobs `filters.shed_queue` may name.
pub const MAX_SHED_QUEUE: u32 = 100_000_000;

/// `[push.filters]`: threshold in (0, 1], buckets above 0/s, a chain
/// without repeats.
pub fn check_filters(p: &PushParams, problems: &mut Vec<Invalid>) {
    let Some(f) = &p.filters else {
        return;
    };
    let mut push = |key: &str, message: String| problems.push((key.to_string(), message));
    if !(f.shed_threshold > 0.0 && f.shed_threshold <= 1.0) {
        push(
            "filters.shed_threshold",
            format!(
                "expected a share of filters.shed_queue in (0, 1], got {}",
                f.shed_threshold
            ),
        );
    }
    if f.shed_queue == 0 || f.shed_queue > MAX_SHED_QUEUE {
        push(
            "filters.shed_queue",
            format!(
                "expected between 1 and {MAX_SHED_QUEUE} waiting CPU jobs, got {}",
                f.shed_queue
            ),
        );
    }
    if !(0.0..=1.0).contains(&f.low_priority_share) {
        push(
            "filters.low_priority_share",
            format!("expected a share in [0, 1], got {}", f.low_priority_share),
        );
    }
    if f.refuse_cost.0 > SimTime::from_secs(1) {
        push(
            "filters.refuse_cost",
            format!(
                "expected at most 1s of CPU per refusal, got {}",
                f.refuse_cost.0
            ),
        );
    }
    for (i, filter) in f.chain.iter().enumerate() {
        if f.chain[..i].contains(filter) {
            push(
                &format!("filters.chain[{i}]"),
                format!("{filter:?} appears twice in the chain"),
            );
        }
    }
    let buckets = [
        ("filters.connect_per_user", &f.connect_per_user),
        ("filters.connect_global", &f.connect_global),
        ("filters.poll_per_user", &f.poll_per_user),
        ("filters.poll_global", &f.poll_global),
        ("filters.upstream_per_user", &f.upstream_per_user),
        ("filters.upstream_global", &f.upstream_global),
    ];
    for (key, bucket) in buckets {
        let Some(b) = bucket else {
            continue;
        };
        if !(b.rate.0.is_finite() && b.rate.0 > 0.0 && b.rate.0 <= 1e9) {
            push(
                &format!("{key}.rate"),
                format!(
                    "expected a rate above 0/s and at most 1e9/s, got {}/s",
                    b.rate.0
                ),
            );
        }
        if let Some(burst) = b.burst
            && !(burst.is_finite() && (1.0..=1e9).contains(&burst))
        {
            push(
                &format!("{key}.burst"),
                format!("expected between 1 and 1e9 tokens, got {burst}"),
            );
        }
    }
}
