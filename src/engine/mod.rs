//! The domain-free core: simulated time, the event queue, the run loop,
//! deterministic random streams and metrics. It knows nothing of CDNs,
//! push servers, files, threads or plots.

pub mod compose;
mod hdr_counts;
pub mod metrics;
pub mod queue;
pub mod rng;
pub mod sim;
pub mod time;

pub use compose::Relay;
pub use metrics::{GridSeries, Histogram, SeriesKind, TimeWeighted};
pub use queue::EventQueue;
pub use rng::{SimRng, Streams};
pub use sim::{
    BOUND_CHECK_EVERY, DEFAULT_MAX_PENDING, DEFAULT_MAX_QUEUED, Model, RunReport, RunWindow,
    Scheduler, run, run_on, run_with,
};
pub use time::SimTime;
