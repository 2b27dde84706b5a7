//! Faults and what clients do about them: retry and reconnect policies
//! (backoff and jitter) and the optimistic-concurrency contention experiment
//! that compares them.

pub mod backoff;
pub mod occ;
