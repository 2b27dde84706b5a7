//! Thread-per-connection scheduling costs that grow with the runnable
//! threads. Under `io_model = "thread_per_connection"` every job on a
//! gateway's CPU is a wake-up of its connection's thread, and each
//! wake-up pays (`GatewayParams::switch_cost` plus this module's term):
//!
//! - the direct context switch (Li, Ding and Shen, "Quantifying the Cost
//!   of Context Switch", ExpCS 2007: about 3.8 µs);
//! - the cache refill of the part of its working set the other threads
//!   evicted since it last ran (the indirect cost Li et al. find dominant
//!   once the working sets exceed the cache);
//! - the scheduler's pick and enqueue in a run queue of R runnable
//!   threads: Linux CFS keeps them in a red-black tree ("O(log n)", the
//!   kernel's sched-design-CFS document), one dependent load per level,
//!   so `run_queue_cost × log2(1 + R)` with R = the jobs on the gateway's
//!   CPU (waiting and running) when the job starts.
//!
//! The last term feeds on itself: a busier CPU has more runnable threads,
//! so every job costs more and the queue grows faster. An event loop pays
//! none of it (one loop thread per core takes every ready socket in one
//! wake-up), so at equal memory a thread-per-connection gateway binds on
//! CPU at a lower message rate: `cores / (message_cost + switch)` messages
//! per second instead of `cores / message_cost` (`tests/push_emerge.rs`).

use super::model::PushModel;
use crate::engine::SimTime;

/// One DRAM miss (`defaults::CACHE_MISS`, about 100 ns) per level of the
/// run queue's red-black tree: the nodes of thousands of threads do not
/// stay in cache when each wake-up touches a different thread.
pub const RUN_QUEUE_COST: SimTime = SimTime::from_nanos(100);

impl PushModel {
    /// The scheduler's run-queue work of one wake-up on gateway `g`:
    /// `run_queue_cost × log2(1 + runnable)`.
    pub fn run_queue_cost(&self, g: usize) -> SimTime {
        let runnable = self.gateways[g].cpu.in_system().max(1) as f64;
        let level_ns = self.p.gateways.run_queue_cost.0.as_nanos() as f64;
        SimTime::from_nanos((level_ns * (1.0 + runnable).log2()).round() as u64)
    }
}

/// The most run-queue CPU per level: a millisecond (a dependent load is
/// about 100 ns).
const MAX_RUN_QUEUE_COST: SimTime = SimTime::from_millis(1);

/// Checks `gateways.run_queue_cost`; problems as `check` reports them.
pub fn check_threads(p: &super::params::PushParams, problems: &mut Vec<(String, String)>) {
    let cost = p.gateways.run_queue_cost.0;
    if cost > MAX_RUN_QUEUE_COST {
        problems.push((
            "gateways.run_queue_cost".to_string(),
            format!("expected at most {MAX_RUN_QUEUE_COST} per run-queue level, got {cost}"),
        ));
    }
}
