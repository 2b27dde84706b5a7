//! The `[cdn]` table of an experiment file: what a capacity planner writes.
//! Every table and key has a default (see [`super::defaults`]); unknown keys
//! are errors. Checking values against the world and HTTP is
//! [`super::check`]'s job.

use serde::Deserialize;

use super::defaults as d;
use crate::cache::PolicyKind;
use crate::dist::DurationDist;
use crate::units::{Bandwidth, Bytes, Count, Duration, Rate};
use crate::workload::arrivals::DiurnalSpec;
use crate::workload::attack::AttackSpec;
use crate::workload::flash::FlashCrowdSpec;
use crate::workload::sizes::SizeSpec;
use crate::workload::video::VideoSpec;
use crate::world::{RoutingSpec, ServerChoice};

/// How content reaches the edge.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Fetch from the origin on a miss and keep for the TTL.
    #[default]
    Pull,
    /// Objects are pushed to the PoPs when published (misses still pull).
    Push,
    /// No CDN: every client talks to the origin.
    NoCdn,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Pull => "pull",
            Mode::Push => "push",
            Mode::NoCdn => "no-cdn",
        }
    }
}

/// Parameters of the `cdn` model (`[cdn]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CdnParams {
    pub mode: Mode,
    /// A world file (relative to the current folder); default: the shipped world.
    pub world: Option<String>,
    /// Enable only these PoPs of the world.
    pub pops: Option<Vec<String>>,
    /// The regions whose clients send requests (by population); none: all.
    pub regions: Option<Vec<String>>,
    /// Regions that get their own latency percentiles.
    pub report_regions: Vec<String>,
    /// Catalogue requests per second over all regions (daily mean).
    pub request_rate: Rate,
    /// Client prefixes per region (the routing granularity).
    pub clients_per_region: u32,
    /// Concurrent misses for one object at one cache server share one fetch.
    pub collapsing: bool,
    pub routing: RoutingSpec,
    pub network: NetworkParams,
    pub cache: CacheParams,
    pub router: RouterParams,
    pub overload: OverloadParams,
    pub shield: ShieldParams,
    pub origin: OriginParams,
    pub catalogue: CatalogueParams,
    pub diurnal: DiurnalSpec,
    pub flash_crowd: Vec<FlashCrowdSpec>,
    pub video: VideoSpec,
    pub push: PublishParams,
    pub failure: Vec<FailureParams>,
    /// Denial-of-service attacks (`[[cdn.attack]]`).
    pub attack: Vec<AttackSpec>,
    /// Every client-facing site's front end: capacities and rate limit.
    pub edge: EdgeParams,
    /// Purges (`[[cdn.purge]]`).
    pub purge: Vec<super::purge::PurgeParams>,
    /// Where catalogue requests come from: generated, or a recorded trace.
    pub workload: WorkloadParams,
    /// How CDN egress is billed: "volume" (every GB) or "p95" (the 95th
    /// percentile of 5-minute rates, as if sustained for the hour).
    pub egress_billing: EgressBilling,
}

/// How CDN egress is billed (`[cdn] egress_billing`).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EgressBilling {
    /// Every GB sent, at the region's price.
    #[default]
    Volume,
    /// Burstable billing (REFERENCES C3): traffic sampled every 5 minutes,
    /// the top 5 % of samples discarded, the highest remaining rate billed
    /// as if sent all hour at the region's price per GB.
    P95,
}

impl Default for CdnParams {
    fn default() -> CdnParams {
        CdnParams {
            mode: Mode::Pull,
            world: None,
            pops: None,
            regions: None,
            report_regions: Vec::new(),
            request_rate: Rate(d::REQUEST_RATE_PER_S),
            clients_per_region: d::CLIENTS_PER_REGION,
            collapsing: true,
            routing: RoutingSpec::default(),
            network: NetworkParams::default(),
            cache: CacheParams::default(),
            router: RouterParams::default(),
            overload: OverloadParams::default(),
            shield: ShieldParams::default(),
            origin: OriginParams::default(),
            catalogue: CatalogueParams::default(),
            diurnal: DiurnalSpec::default(),
            flash_crowd: Vec::new(),
            video: VideoSpec::default(),
            push: PublishParams::default(),
            failure: Vec::new(),
            attack: Vec::new(),
            edge: EdgeParams::default(),
            purge: Vec::new(),
            workload: WorkloadParams::default(),
            egress_billing: EgressBilling::Volume,
        }
    }
}

/// Protocol costs on the client side (`[cdn.network]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkParams {
    /// Round trips to set up a client connection (TCP + TLS).
    pub handshake_round_trips: u32,
    /// TCP initial window; responses larger than it pay slow-start round
    /// trips. "0B" leaves slow start out.
    pub initial_window: Bytes,
    /// Each client's own access bandwidth; none: not a bottleneck.
    pub client_bandwidth: Option<Bandwidth>,
    /// Requests not answered within this fail.
    pub timeout: Duration,
}

impl Default for NetworkParams {
    fn default() -> NetworkParams {
        NetworkParams {
            handshake_round_trips: d::HANDSHAKE_ROUND_TRIPS,
            initial_window: Bytes(d::INITIAL_WINDOW_BYTES),
            client_bandwidth: None,
            timeout: Duration(d::TIMEOUT),
        }
    }
}

/// The cache servers of every PoP (`[cdn.cache]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheParams {
    /// Cache servers per PoP.
    pub servers: u32,
    /// How the request-routing server picks a cache server.
    pub server_choice: ServerChoice,
    /// Capacity of each cache server.
    pub capacity: Bytes,
    /// Replacement policy: lru, fifo, lfu, sieve, clock or s3fifo.
    pub policy: PolicyName,
    /// Requests a server processes at once.
    pub workers: u32,
    /// Processing time of one request.
    pub service: DurationDist,
    /// Requests that may wait at one server.
    pub queue_limit: Count,
    /// Instance profile of one cache server (`models/prices.toml`), for
    /// the cost; none: the cheapest whose memory and storage hold `capacity`.
    pub profile: Option<String>,
}

impl Default for CacheParams {
    fn default() -> CacheParams {
        CacheParams {
            servers: d::CACHE_SERVERS_PER_POP,
            server_choice: ServerChoice::default(),
            capacity: Bytes(d::CACHE_CAPACITY_BYTES),
            policy: PolicyName(PolicyKind::Lru),
            workers: d::CACHE_WORKERS,
            service: DurationDist::exponential_mean(d::CACHE_SERVICE_MEAN),
            queue_limit: Count(d::CACHE_QUEUE_LIMIT),
            profile: None,
        }
    }
}

/// How a PoP's request router hands a request to the cache server it picked.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum RouterMode {
    /// The router proxies the request to the cache server (no extra trip).
    #[default]
    InPath,
    /// The router answers 302 with the cache server's address: one more
    /// round trip to the client and, on a new connection, its handshakes.
    HttpRedirect,
    /// The PoP's DNS server answers with the cache server's address: once
    /// per new connection (one round trip before it); an open connection
    /// goes straight to its server.
    Dns,
}

/// The request-routing server of every PoP (`[cdn.router]`): a station
/// that every request entering the PoP (each new connection, for `dns`)
/// passes before its cache server. Off with `workers = 0` (the default):
/// the choice then costs nothing.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterParams {
    pub mode: RouterMode,
    /// Requests the router processes at once (0: no router station).
    pub workers: u32,
    /// Processing time of one routing decision.
    pub service: DurationDist,
    /// Requests that may wait at the router.
    pub queue_limit: Count,
}

impl Default for RouterParams {
    fn default() -> RouterParams {
        RouterParams {
            mode: RouterMode::InPath,
            workers: 0,
            service: DurationDist::exponential_mean(d::ROUTER_SERVICE_MEAN),
            queue_limit: Count(d::CACHE_QUEUE_LIMIT),
        }
    }
}

/// A replacement policy as written ("lru", "s3fifo", ...).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct PolicyName(pub PolicyKind);

impl<'de> Deserialize<'de> for PolicyName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<PolicyName, D::Error> {
        let text = String::deserialize(d)?;
        text.parse()
            .map(PolicyName)
            .map_err(serde::de::Error::custom)
    }
}

/// The front end of every client-facing site (`[cdn.edge]`): each PoP,
/// or the origin without a CDN. Traffic first crosses the site's ingress
/// link (`bandwidth`), then the per-address rate limit, then the front
/// end's request capacity; what does not fit is dropped there. Both
/// capacities are token buckets holding `burst` worth of their rate.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EdgeParams {
    /// Requests per second one site's front end takes; none: unlimited.
    pub request_capacity: Option<Rate>,
    /// Ingress bandwidth of one site; none: unlimited.
    pub bandwidth: Option<Bandwidth>,
    /// Requests per second one source address may send; none: no limit.
    /// Legitimate users are taken to send below it (each is far below a
    /// bot's rate); the attack's bots are limited one by one.
    pub rate_limit: Option<Rate>,
    /// How long the capacities and the rate limit may be exceeded.
    pub burst: Duration,
    /// Bytes of one request on the wire, for the ingress bandwidth.
    pub request_bytes: Bytes,
}

impl Default for EdgeParams {
    fn default() -> EdgeParams {
        EdgeParams {
            request_capacity: None,
            bandwidth: None,
            rate_limit: None,
            burst: Duration(d::EDGE_BURST),
            request_bytes: Bytes(d::REQUEST_BYTES),
        }
    }
}

impl EdgeParams {
    /// Whether any front-end limit is set.
    pub fn limits(&self) -> bool {
        self.request_capacity.is_some() || self.bandwidth.is_some() || self.rate_limit.is_some()
    }
}

/// Busy-PoP forwarding (`[cdn.overload]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OverloadParams {
    /// Forward a request that would wait longer than this for a worker of
    /// its cache server; none: never forward.
    pub forward_wait: Option<Duration>,
    /// PoPs a request may be forwarded through.
    pub max_forwards: u32,
}

impl Default for OverloadParams {
    fn default() -> OverloadParams {
        OverloadParams {
            forward_wait: Some(Duration(d::FORWARD_WAIT)),
            max_forwards: d::MAX_FORWARDS,
        }
    }
}

/// The optional parent tier (`[cdn.shield]`): one cache per shield site of the world.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShieldParams {
    pub enabled: bool,
    pub capacity: Bytes,
    pub policy: PolicyName,
    pub workers: u32,
    pub service: DurationDist,
    pub queue_limit: Count,
    /// Instance profile of one shield; none: the cheapest that holds `capacity`.
    pub profile: Option<String>,
}

impl Default for ShieldParams {
    fn default() -> ShieldParams {
        let edge = CacheParams::default();
        ShieldParams {
            enabled: false,
            capacity: Bytes(edge.capacity.0 * edge.servers as u64),
            policy: edge.policy,
            workers: edge.workers * edge.servers,
            service: edge.service,
            queue_limit: edge.queue_limit,
            profile: None,
        }
    }
}

/// The origin (`[cdn.origin]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OriginParams {
    pub workers: u32,
    pub service: DurationDist,
    pub queue_limit: Count,
    /// Windows in which the origin answers every request with an error.
    pub outage: Vec<OutageParams>,
    /// Requests per second the origin's front end takes (fetches and, without
    /// a CDN, client requests); none: only its servers limit it.
    pub request_capacity: Option<Rate>,
    /// Ingress bandwidth of the origin; none: unlimited.
    pub bandwidth: Option<Bandwidth>,
    /// Instance profile of one origin server; none: the cheapest profile.
    pub profile: Option<String>,
}

impl Default for OriginParams {
    fn default() -> OriginParams {
        OriginParams {
            workers: d::ORIGIN_WORKERS,
            service: DurationDist::Uniform {
                low: Duration(d::ORIGIN_SERVICE_LOW),
                high: Duration(d::ORIGIN_SERVICE_HIGH),
            },
            queue_limit: Count(d::ORIGIN_QUEUE_LIMIT),
            outage: Vec::new(),
            request_capacity: None,
            bandwidth: None,
            profile: None,
        }
    }
}

/// An origin outage (`[[cdn.origin.outage]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutageParams {
    pub at: Duration,
    pub duration: Duration,
}

/// The catalogue (`[cdn.catalogue]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CatalogueParams {
    pub objects: Count,
    pub zipf_alpha: f64,
    pub size: SizeSpec,
    /// The `Cache-Control` response header of every object (unless classes are given).
    pub cache_control: String,
    /// Lifetime of responses whose header gives none.
    pub default_ttl: Duration,
    /// New objects per second (each becomes the most popular).
    pub publish_rate: Rate,
    /// Content classes with their own header, sharing the catalogue.
    pub class: Vec<ClassParams>,
    /// Updates per object per second (Poisson): each makes a new version at
    /// the origin. Zero: content never changes.
    pub update_rate: Rate,
    /// Or: a new version of each object every this long (at a phase of its own).
    pub update_every: Option<Duration>,
}

impl Default for CatalogueParams {
    fn default() -> CatalogueParams {
        CatalogueParams {
            objects: Count(d::CATALOGUE_OBJECTS),
            zipf_alpha: d::ZIPF_ALPHA,
            size: SizeSpec::default(),
            cache_control: String::new(),
            default_ttl: Duration(d::DEFAULT_TTL),
            publish_rate: Rate(0.0),
            class: Vec::new(),
            update_rate: Rate(0.0),
            update_every: None,
        }
    }
}

/// A content class (`[[cdn.catalogue.class]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassParams {
    /// Share of the catalogue's objects.
    pub share: f64,
    pub cache_control: String,
    /// The class's own update process (as the catalogue's keys); when it
    /// sets neither, the catalogue's applies.
    #[serde(default)]
    pub update_rate: Rate,
    #[serde(default)]
    pub update_every: Option<Duration>,
}

/// Push-CDN publishing (`[cdn.push]`, used when `mode = "push"`): where
/// published objects are pushed. Not the `push` model's parameters.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishParams {
    /// The PoPs objects are pushed to; none: every PoP.
    pub pops: Option<Vec<String>>,
    /// Push the whole catalogue at the start (least popular first).
    pub preload: bool,
}

impl Default for PublishParams {
    fn default() -> PublishParams {
        PublishParams {
            pops: None,
            preload: true,
        }
    }
}

/// A PoP failure (`[[cdn.failure]]`): scheduled (`at`, optional
/// `duration`), or random (`mtbf` and `mttr`: exponential times between
/// failures and to repair, drawn from the seeded stream `faults/pop`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailureParams {
    pub pop: String,
    #[serde(default)]
    pub at: Option<Duration>,
    /// How long it stays down; none: until the end.
    #[serde(default)]
    pub duration: Option<Duration>,
    /// Mean time between failures (random failures).
    #[serde(default)]
    pub mtbf: Option<Duration>,
    /// Mean time to repair (random failures).
    #[serde(default)]
    pub mttr: Option<Duration>,
    /// Delay until its route is withdrawn (clients fail until then).
    #[serde(default = "withdraw_after")]
    pub withdraw_after: Duration,
}

fn withdraw_after() -> Duration {
    Duration(d::WITHDRAW_AFTER)
}

/// The source of the requests (`[cdn.workload]`): the synthetic workload
/// (the default: Poisson arrivals over the Zipf catalogue), or a recorded
/// trace streamed from a file, whose timestamps are the arrivals and whose
/// object ids and sizes are the objects. The text-trace keys are those of
/// `edgesim replay` (`time_col` is `--time-col`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadParams {
    /// The trace file (relative to the current folder); none: synthetic requests.
    pub trace: Option<String>,
    pub format: Option<String>,
    pub time_unit: Option<String>,
    pub time_col: Option<OptionValue>,
    pub id_col: Option<OptionValue>,
    pub size_col: Option<OptionValue>,
    /// The client's region (world region names or their slugs).
    pub region_col: Option<OptionValue>,
    /// A client id: picks the client prefix (and the region, without a region column).
    pub client_col: Option<OptionValue>,
    pub delimiter: Option<String>,
    pub header: Option<OptionValue>,
    pub id_kind: Option<String>,
    /// Count and skip malformed lines instead of stopping.
    pub skip_bad: bool,
    /// Without region and client columns, what a client is hashed from.
    pub hash_by: HashBy,
    /// The trace time that simulated time zero stands for.
    pub time_origin: TimeOrigin,
    /// Requests sharing one timestamp are spread evenly over this interval.
    pub spread: Spread,
    /// Replay speed: 2 plays the trace in half the time (twice the rate).
    pub speed: f64,
}

impl Default for WorkloadParams {
    fn default() -> WorkloadParams {
        WorkloadParams {
            trace: None,
            format: None,
            time_unit: None,
            time_col: None,
            id_col: None,
            size_col: None,
            region_col: None,
            client_col: None,
            delimiter: None,
            header: None,
            id_kind: None,
            skip_bad: false,
            hash_by: HashBy::Request,
            time_origin: TimeOrigin::First,
            spread: Spread::Auto,
            speed: 1.0,
        }
    }
}

impl WorkloadParams {
    /// The trace-reading options, as `edgesim replay` takes them.
    pub fn trace_options(&self) -> crate::workload::trace::options::TraceOptions {
        let text = |v: &Option<OptionValue>| v.as_ref().map(OptionValue::text);
        crate::workload::trace::options::TraceOptions {
            format: self.format.clone(),
            time_unit: self.time_unit.clone(),
            time_col: text(&self.time_col),
            id_col: text(&self.id_col),
            size_col: text(&self.size_col),
            region_col: text(&self.region_col),
            client_col: text(&self.client_col),
            delimiter: self.delimiter.clone(),
            header: text(&self.header),
            id_kind: self.id_kind.clone(),
        }
    }
}

/// A column or flag written as a number, a boolean or text (`time_col = 1`,
/// `region_col = "region"`, `header = true`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum OptionValue {
    Integer(i64),
    Flag(bool),
    Text(String),
}

impl OptionValue {
    /// As the command line would give it.
    pub fn text(&self) -> String {
        match self {
            OptionValue::Integer(n) => n.to_string(),
            OptionValue::Flag(true) => "yes".into(),
            OptionValue::Flag(false) => "no".into(),
            OptionValue::Text(t) => t.clone(),
        }
    }
}

/// What a request's client comes from when the trace has no region or
/// client column.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashBy {
    /// Each request on its own (its position in the trace): an object's
    /// requests come from every region by population, as in the synthetic
    /// workload.
    #[default]
    Request,
    /// The object id: all requests for an object come from one client.
    Object,
}

/// The trace time at simulated time zero.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeOrigin {
    /// The first request's time (traces stamped with Unix times start at once).
    #[default]
    First,
    /// Trace time zero (a recording replays at the times it was recorded).
    Zero,
}

/// How requests that share a timestamp are placed in time.
#[derive(Copy, Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub enum Spread {
    /// Over one time unit when every timestamp is a whole number of units
    /// (a trace stamped in whole seconds), otherwise not at all.
    #[default]
    Auto,
    /// At their timestamp, all at once.
    None,
    /// Evenly over this interval, in trace order.
    Over(crate::engine::SimTime),
}

impl TryFrom<String> for Spread {
    type Error = String;
    fn try_from(text: String) -> Result<Spread, String> {
        match text.as_str() {
            "auto" => Ok(Spread::Auto),
            "none" => Ok(Spread::None),
            other => crate::units::parse_duration(other)
                .map(Spread::Over)
                .map_err(|e| {
                    format!("expected \"auto\", \"none\" or a duration such as \"1s\": {e}")
                }),
        }
    }
}
