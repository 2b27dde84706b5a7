//! The domain-free core: simulated time, the event queue, the run loop,
//! deterministic random streams and metrics. It knows nothing of CDNs,
//! push servers, files, threads or plots.

pub mod rng;
pub mod time;

pub use rng::{SimRng, Streams};
pub use time::SimTime;
