//! The `occ` model: the optimistic-concurrency contention experiment of
//! M. Brooker, "Exponential Backoff And Jitter" (AWS Architecture Blog,
//! 2015), reproduced as its simulator (aws-samples/aws-arch-backoff-simulator,
//! `backoff_simulator.py`) sets it up:
//!
//! - one row with one version number on a server that answers instantly and
//!   has no capacity limit: all contention is version races;
//! - every client starts at t = 0 and loops read version -> write(version);
//!   the write succeeds iff the version still matches (then it increments);
//!   a client stops after its first successful write;
//! - every network hop (client -> server and back) takes |Normal(10, 2)| ms;
//! - after a failed write the client sleeps one hop delay plus the backoff
//!   for its attempt, then reads again;
//! - `calls` counts write attempts (reads are not counted); `time` is the
//!   instant the last client learns of its success.

use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;

use crate::engine::{Model, Scheduler, SimRng, SimTime, run};
use crate::faults::backoff::{RetryPolicy, RetryState};
use crate::run::{RunContext, RunOutput};
use crate::units::{Count, Duration};

/// The most clients one run may have.
pub const MAX_CLIENTS: u64 = 1_000_000;

/// Parameters of the `occ` model (`[occ]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccParams {
    /// Contending clients, all starting at t = 0.
    pub clients: Count,
    /// "none", "exponential", "equal-jitter", "full-jitter" or "decorrelated".
    pub strategy: String,
    /// Backoff base; the reference simulator uses 5 ms.
    #[serde(default = "default_base")]
    pub base: Duration,
    /// Backoff cap; the reference simulator uses 2000 ms.
    #[serde(default = "default_cap")]
    pub cap: Duration,
    /// Mean of one network hop; the reference simulator uses 10 ms.
    #[serde(default = "default_hop_mean")]
    pub hop_mean: Duration,
    /// Standard deviation of one hop; the reference simulator uses 2 ms.
    #[serde(default = "default_hop_sd")]
    pub hop_sd: Duration,
}

// backoff_simulator.py: `backoff_cls(5, 2000)`, `Net(10, 2)` (milliseconds).
fn default_base() -> Duration {
    Duration(SimTime::from_millis(5))
}
fn default_cap() -> Duration {
    Duration(SimTime::from_millis(2000))
}
fn default_hop_mean() -> Duration {
    Duration(SimTime::from_millis(10))
}
fn default_hop_sd() -> Duration {
    Duration(SimTime::from_millis(2))
}

/// The strategy names, in the order the blog post plots them.
pub const STRATEGIES: [&str; 5] = [
    "none",
    "exponential",
    "decorrelated",
    "equal-jitter",
    "full-jitter",
];

impl OccParams {
    /// The retry policy the strategy names.
    pub fn policy(&self) -> Result<RetryPolicy, String> {
        let (base, cap, max_attempts) = (self.base, self.cap, None);
        Ok(match self.strategy.as_str() {
            "none" => RetryPolicy::Immediate { max_attempts },
            "exponential" => RetryPolicy::Exponential {
                base,
                cap,
                max_attempts,
            },
            "equal-jitter" => RetryPolicy::EqualJitter {
                base,
                cap,
                max_attempts,
            },
            "full-jitter" => RetryPolicy::FullJitter {
                base,
                cap,
                max_attempts,
            },
            "decorrelated" => RetryPolicy::Decorrelated {
                base,
                cap,
                max_attempts,
            },
            other => {
                return Err(format!(
                    "unknown strategy \"{other}\"; expected one of: {}",
                    STRATEGIES.join(", ")
                ));
            }
        })
    }

    pub fn validate(&self) -> Result<(), Vec<(String, String)>> {
        let mut problems = vec![];
        if self.clients.0 == 0 || self.clients.0 > MAX_CLIENTS {
            problems.push((
                "clients".into(),
                format!("expected 1 to {MAX_CLIENTS} clients"),
            ));
        }
        match self.policy() {
            Err(m) => problems.push(("strategy".into(), m)),
            Ok(p) => {
                if let Err((key, m)) = p.validate() {
                    problems.push((key.into(), m));
                }
            }
        }
        if self.hop_mean.0 == SimTime::ZERO {
            problems.push((
                "hop_mean".into(),
                "the hop delay must be greater than zero".into(),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

#[derive(Copy, Clone, Debug)]
enum Event {
    /// A client's read reaches the server.
    Read { client: u32 },
    /// The server's answer (the version) reaches the client.
    ReadAnswer { client: u32, version: u64 },
    /// A client's write of `version` reaches the server.
    Write { client: u32, version: u64 },
    /// The server's verdict reaches the client.
    WriteAnswer { client: u32, success: bool },
}

struct Occ {
    policy: RetryPolicy,
    hop_mean_s: f64,
    hop_sd_s: f64,
    clients: Vec<RetryState>,
    version: u64,
    network: SimRng,
    backoff: SimRng,
    calls: u64,
    reads: u64,
    failures: u64,
    unfinished: u64,
    last_success: SimTime,
}

impl Occ {
    /// One hop: |Normal(mean, sd)|.
    fn hop(&mut self) -> SimTime {
        let z: f64 = StandardNormal.sample(&mut self.network);
        SimTime::from_secs_f64((self.hop_mean_s + self.hop_sd_s * z).abs())
    }

    fn on_read(&mut self, client: u32, s: &mut Scheduler<Event>) {
        self.reads += 1;
        let d = self.hop();
        s.schedule_in(
            d,
            Event::ReadAnswer {
                client,
                version: self.version,
            },
        );
    }

    fn on_write(&mut self, client: u32, version: u64, s: &mut Scheduler<Event>) {
        self.calls += 1;
        let success = version == self.version;
        if success {
            self.version += 1;
        } else {
            self.failures += 1;
        }
        let d = self.hop();
        s.schedule_in(d, Event::WriteAnswer { client, success });
    }

    fn on_write_answer(&mut self, client: u32, success: bool, s: &mut Scheduler<Event>) {
        if success {
            self.unfinished -= 1;
            self.last_success = s.now();
            if self.unfinished == 0 {
                s.stop();
            }
            return;
        }
        let hop = self.hop();
        let state = &mut self.clients[client as usize];
        // Without max_attempts the policy never gives up.
        let wait = self
            .policy
            .next_delay(state, &mut self.backoff)
            .unwrap_or(SimTime::ZERO);
        s.schedule_in(hop + wait, Event::Read { client });
    }
}

impl Model for Occ {
    type Event = Event;

    fn start(&mut self, s: &mut Scheduler<Event>) {
        for client in 0..self.clients.len() as u32 {
            let d = self.hop();
            s.schedule_at(d, Event::Read { client });
        }
    }

    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        match event {
            Event::Read { client } => self.on_read(client, s),
            Event::ReadAnswer { client, version } => {
                let d = self.hop();
                s.schedule_in(d, Event::Write { client, version });
            }
            Event::Write { client, version } => self.on_write(client, version, s),
            Event::WriteAnswer { client, success } => self.on_write_answer(client, success, s),
        }
    }

    fn end_warmup(&mut self, _: SimTime) {
        // The experiment is a transient from t = 0: nothing to discard.
    }
}

/// Runs one replication of the `occ` model.
pub fn run_occ(params: &OccParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let policy = params.policy()?;
    let n = params.clients.0 as usize;
    let mut model = Occ {
        policy,
        hop_mean_s: params.hop_mean.0.as_secs_f64(),
        hop_sd_s: params.hop_sd.0.as_secs_f64(),
        clients: vec![RetryState::default(); n],
        version: 0,
        network: ctx.streams.stream("occ/network", 0),
        backoff: ctx.streams.stream("occ/backoff", 0),
        calls: 0,
        reads: 0,
        failures: 0,
        unfinished: n as u64,
        last_success: SimTime::ZERO,
    };
    let report = run(&mut model, ctx.window);
    let mut out = RunOutput {
        events: report.events,
        ..RunOutput::default()
    };
    out.scalar("calls", model.calls as f64);
    out.scalar("calls_per_client", model.calls as f64 / n as f64);
    out.scalar("reads", model.reads as f64);
    out.scalar("failed_writes", model.failures as f64);
    out.scalar("completion_time_ms", model.last_success.as_millis_f64());
    out.scalar("unfinished_clients", model.unfinished as f64);
    Ok(out)
}
