//! Geography and topology: client regions, PoPs, shields and origins with
//! coordinates; a latency model from great-circle distance; a petgraph graph
//! of the sites and links; and request routing (anycast, geo-DNS, ideal,
//! failover, busy-PoP forwarding, cache-server choice inside a PoP).
//!
//! Load a world with [`WorldSpec::load`] (or [`WorldSpec::shipped`], or as a
//! model's parameters name it, [`WorldChoice::load`]), build it with
//! [`World::build`] (once, and share it), make a [`Router`] per run and ask
//! it per request.
//! Nothing here schedules events: the CDN model does, calling these lookups.
//! See `docs/world.md`.

pub mod bgp;
pub mod choice;
pub mod geo;
pub mod ids;
pub mod latency;
pub mod routing;
pub mod servers;
pub mod spec;
pub mod stats;
pub mod topology;

pub use bgp::{AsGraph, Network, Networks, Relation, Route};
pub use choice::{WorldChoice, unknown_name};
pub use geo::{EARTH_RADIUS_KM, LatLon};
pub use ids::{OriginId, PopId, RegionId, ShieldId, SiteRef};
pub use latency::LatencyModel;
pub use routing::{AnycastSpec, GeoDnsSpec, Router, RoutingMode, RoutingSpec};
pub use servers::{HashRing, LeastLoaded, RoundRobin, ServerChoice};
pub use spec::{Links, Pop, Region, Site, WorldSpec};
pub use stats::{
    RoutingStats, WithdrawalReport, pooled_withdrawal_report, routing_stats, withdrawal_report,
};
pub use topology::{Link, LinkKind, World, WorldGraph};
