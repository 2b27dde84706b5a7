//! Workloads: recorded request traces and popularity distributions.

pub mod trace;
pub mod zipf;
