//! Every default of the CDN model, in one place, each with its source.
//! Values marked "planning assumption" have no single published figure:
//! they are round numbers meant to be swept.

use crate::engine::SimTime;

/// Round trips before the first request byte on a new client connection:
/// the TCP three-way handshake (RFC 9293 §3.5) and a full TLS 1.3 handshake
/// (RFC 8446 §2), one round trip each.
pub const HANDSHAKE_ROUND_TRIPS: u32 = 2;

/// TCP initial congestion window: 10 segments (RFC 6928) of 1,460 bytes
/// (the Ethernet MSS), so a response of n bytes needs about
/// log2(n / 14,600 + 1) round trips of slow start.
pub const INITIAL_WINDOW_BYTES: u64 = 14_600;

/// A request not answered within this is failed. CloudFront's origin
/// response timeout defaults to 30 s
/// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorCustomOrigin.html).
pub const TIMEOUT: SimTime = SimTime::from_secs(30);

/// CloudFront's default TTL when the origin sends no lifetime: 24 h (same page).
pub const DEFAULT_TTL: SimTime = SimTime::from_secs(86_400);

/// Cache servers per PoP: a planning assumption.
pub const CACHE_SERVERS_PER_POP: u32 = 4;

/// Capacity of one cache server: a planning assumption (memory tier).
pub const CACHE_CAPACITY_BYTES: u64 = 4 << 30;

/// Varnish served 275,000 requests/s on two 6-core Xeon X5670 with
/// hyper-threading, 24 threads (K. Lyngstøl, "High-End Varnish - 275
/// thousand requests per second", 2010,
/// https://kly.no/posts/2010_10_23__High_End_Varnish___275_thousand_requests_per_second___.html):
/// 24 workers of 24 / 275,000 s = 87 µs each.
pub const CACHE_WORKERS: u32 = 24;
/// See [`CACHE_WORKERS`].
pub const CACHE_SERVICE_MEAN: SimTime = SimTime::from_micros(87);

/// A request router's work per request: an L7 proxy parsing the request
/// and picking a server, about 50,000 requests/s per core (planning
/// assumption, of the order HAProxy reports for HTTP/1.1 per core; sweep it).
pub const ROUTER_SERVICE_MEAN: SimTime = SimTime::from_micros(20);

/// Requests that may wait at a cache server or shield before new ones are
/// refused: a bound (planning assumption), far above a healthy queue.
pub const CACHE_QUEUE_LIMIT: u64 = 100_000;

/// The origin as an object store: Amazon S3 sustains at least 5,500 GET
/// requests/s per prefix with first-byte latencies of about 100–200 ms
/// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html).
/// As a station: service uniform on [100 ms, 200 ms] (mean 150 ms) and
/// 5,500 × 0.15 = 825 workers.
pub const ORIGIN_WORKERS: u32 = 825;
/// See [`ORIGIN_WORKERS`].
pub const ORIGIN_SERVICE_LOW: SimTime = SimTime::from_millis(100);
/// See [`ORIGIN_WORKERS`].
pub const ORIGIN_SERVICE_HIGH: SimTime = SimTime::from_millis(200);
/// Requests that may wait at the origin: a bound (planning assumption).
pub const ORIGIN_QUEUE_LIMIT: u64 = 1_000_000;

/// A PoP forwards a request to its next PoP when it would wait longer than
/// this for a worker: about the round trip to a neighbouring PoP, so that
/// forwarding only happens when it pays (a planning assumption).
pub const FORWARD_WAIT: SimTime = SimTime::from_millis(10);
/// How many PoPs a request may be forwarded through.
pub const MAX_FORWARDS: u32 = 1;

/// Client prefixes per region: routing is decided per prefix (a /24 in
/// Calder et al., IMC 2015), so each region's clients split among PoPs in
/// proportion to the routing shares. A planning assumption.
pub const CLIENTS_PER_REGION: u32 = 1_000;

/// Delay between a PoP failing and its anycast route being withdrawn
/// everywhere: 80 % of the Internet converges within about 10 s ("An
/// Empirical Characterization of Anycast Convergence Time", ANRW 2024,
/// https://research.utwente.nl/en/publications/an-empirical-characterization-of-anycast-convergence-time).
pub const WITHDRAW_AFTER: SimTime = SimTime::from_secs(10);

/// Objects in the catalogue: a planning assumption.
pub const CATALOGUE_OBJECTS: u64 = 100_000;
/// Zipf exponent of object popularity: web proxy traces give 0.64–0.83
/// (L. Breslau et al., "Web Caching and Zipf-like Distributions: Evidence
/// and Implications", IEEE INFOCOM 1999).
pub const ZIPF_ALPHA: f64 = 0.8;
/// Catalogue requests per second over all regions: a planning assumption.
pub const REQUEST_RATE_PER_S: f64 = 1_000.0;

/// How long a front end may run above its capacities (`[cdn.edge] burst`):
/// a tenth of a second, the scale of a load balancer's accept queue.
pub const EDGE_BURST: SimTime = SimTime::from_millis(100);
/// Bytes of one HTTP request on the wire: "typical header sizes of 700-800
/// bytes is common" (Google, SPDY whitepaper, 2009).
pub const REQUEST_BYTES: u64 = 800;
