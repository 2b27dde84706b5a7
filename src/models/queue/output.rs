//! The metrics of a finished `queue` run, over the measured window (after
//! the warm-up), and the invariants every run must keep.

use super::model::QueueModel;
use crate::engine::{RunReport, RunWindow};
use crate::run::{RunOutput, TimeUnit};

impl QueueModel {
    /// End-of-run consistency checks (release builds too): every job that
    /// arrived has left, is still in the station or was turned away; the
    /// station holds no more than its servers and queue; each departure
    /// recorded its time in system. A failure is a model bug.
    pub fn check_invariants(&self) -> Result<(), String> {
        let stats = self.station.stats();
        let in_system = self.station.in_system() as u64;
        let entered = stats.arrivals + self.in_system_at_warmup as u64;
        let accounted = stats.completed + in_system + stats.rejected;
        if entered != accounted {
            return Err(format!(
                "{} arrivals (and {} in the station at the end of the warm-up), but {} departures + {in_system} in the station + {} turned away",
                stats.arrivals, self.in_system_at_warmup, stats.completed, stats.rejected
            ));
        }
        let (busy, servers) = (self.station.busy(), self.station.servers());
        let waiting = self.station.waiting();
        if busy > servers || self.queue_limit.is_some_and(|limit| waiting > limit) {
            return Err(format!(
                "{busy} jobs in service at {servers} servers and {waiting} waiting (limit {:?})",
                self.queue_limit
            ));
        }
        if self.time_in_system.count() != stats.completed {
            return Err(format!(
                "{} departures, {} times in system recorded",
                stats.completed,
                self.time_in_system.count()
            ));
        }
        Ok(())
    }

    /// Every metric of the run `report` describes.
    pub fn output(self, report: &RunReport, window: RunWindow) -> RunOutput {
        let end = report.end;
        let measured_s = (window.horizon - window.warmup).as_secs_f64();
        let stats = self.station.stats().clone();
        let mut out = RunOutput {
            events: report.events,
            ..RunOutput::default()
        };
        out.scalar("arrivals", stats.arrivals as f64);
        out.scalar("customers", stats.completed as f64);
        out.scalar("throughput_per_s", stats.completed as f64 / measured_s);
        out.scalar(
            "rejected_share",
            if stats.arrivals == 0 {
                f64::NAN
            } else {
                stats.rejected as f64 / stats.arrivals as f64
            },
        );
        out.scalar("utilisation", self.station.utilisation(end));
        out.scalar("wait_s_mean", self.station.wait_mean_s());
        out.scalar("queue_length_mean", self.station.queue_length_mean(end));
        out.scalar("in_system_mean", self.in_system.mean(end));
        out.histogram("time_in_system_s", TimeUnit::Seconds, self.time_in_system);
        if let Some(s) = &self.departures_series {
            out.series(s, end);
        }
        if let Some(s) = &self.in_system_series {
            out.series(s, end);
        }
        out
    }
}

/// The metrics that answer most questions asked of this model (the time a customer spends, how long it waits, how busy the servers are and what they get through):
/// the report's headline when an experiment names none (`[output] headline`).
pub const HEADLINE: &[&str] = &[
    "time_in_system_s_p99",
    "wait_s_mean",
    "utilisation",
    "throughput_per_s",
];
