//! Workloads: recorded request traces, popularity and size distributions,
//! arrival processes, flash crowds, attacks and video sessions.

pub mod arrivals;
pub mod attack;
pub mod catalogue;
pub mod flash;
pub mod sizes;
pub mod trace;
pub mod video;
pub mod zipf;
