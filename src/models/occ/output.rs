//! The metrics of a finished `occ` run (the whole run: the experiment is a
//! transient from t = 0) and the invariants every run must keep.

use super::model::OccModel;
use crate::engine::RunReport;
use crate::run::RunOutput;

impl OccModel {
    /// End-of-run consistency checks (release builds too): every write
    /// attempt succeeded or failed, each client succeeded at most once (and
    /// those that learned of it are done), and every write follows its own
    /// read. A failure is a model bug.
    pub fn check_invariants(&self) -> Result<(), String> {
        let clients = self.clients.len() as u64;
        if self.calls != self.version + self.failures {
            return Err(format!(
                "{} write attempts, but {} succeeded and {} failed",
                self.calls, self.version, self.failures
            ));
        }
        let done = clients - self.unfinished.min(clients);
        if self.unfinished > clients || self.version < done || self.version > clients {
            return Err(format!(
                "{} successful writes, {clients} clients, {} unfinished",
                self.version, self.unfinished
            ));
        }
        // A client has at most one read answered and not yet written.
        if self.reads < self.calls || self.reads > self.calls + self.unfinished {
            return Err(format!(
                "{} reads for {} write attempts and {} unfinished clients",
                self.reads, self.calls, self.unfinished
            ));
        }
        Ok(())
    }

    /// Every metric of the run `report` describes.
    pub fn output(&self, report: &RunReport) -> RunOutput {
        let n = self.clients.len();
        let mut out = RunOutput {
            events: report.events,
            ..RunOutput::default()
        };
        out.scalar("calls", self.calls as f64);
        out.scalar("calls_per_client", self.calls as f64 / n as f64);
        out.scalar("reads", self.reads as f64);
        out.scalar("failed_writes", self.failures as f64);
        out.scalar("completion_time_ms", self.last_success.as_millis_f64());
        out.scalar("unfinished_clients", self.unfinished as f64);
        out
    }
}

/// The metrics that answer most questions asked of this model (how long a client takes to finish, the write calls it needs and the writes that fail):
/// the report's headline when an experiment names none (`[output] headline`).
pub const HEADLINE: &[&str] = &["completion_time_ms", "calls_per_client", "failed_writes"];
