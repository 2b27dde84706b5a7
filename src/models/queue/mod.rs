//! The `queue` model: Poisson arrivals at one service station (M/G/c with an
//! optional bound on the queue). It exists to validate the engine and the
//! station against queueing theory: M/M/1, M/M/c (Erlang C), M/D/1 and M/G/1
//! (Pollaczek–Khinchine), M/M/1/K.

pub mod theory;

use rand_distr::{Distribution, Exp1};
use serde::Deserialize;

use crate::dist::{DurationDist, DurationSampler};
use crate::engine::{GridSeries, Histogram, Model, Scheduler, SeriesKind, SimRng, SimTime, run};
use crate::run::{RunContext, RunOutput, TimeUnit};
use crate::station::{Admission, Station};
use crate::units::{Count, Rate};

/// The most servers a station may have in this model.
pub const MAX_SERVERS: u32 = 100_000;

/// Parameters of the `queue` model (`[queue]` in an experiment file).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueParams {
    /// Poisson arrival rate, e.g. "0.9/s".
    pub arrival_rate: Rate,
    /// Number of identical servers.
    #[serde(default = "one_server")]
    pub servers: u32,
    /// Service-time distribution.
    pub service: DurationDist,
    /// Most jobs that may wait (not counting those in service); none = unbounded.
    #[serde(default)]
    pub queue_limit: Option<Count>,
}

fn one_server() -> u32 {
    1
}

/// A parameter problem: the key under `[queue]` and what was expected.
pub type Invalid = (String, String);

impl QueueParams {
    /// Checks the parameters; returns every problem found.
    pub fn validate(&self) -> Result<(), Vec<Invalid>> {
        let mut problems = Vec::new();
        if self.arrival_rate.0 <= 0.0 {
            problems.push((
                "arrival_rate".to_string(),
                "the arrival rate must be greater than zero, e.g. \"0.9/s\"".to_string(),
            ));
        }
        if self.servers == 0 || self.servers > MAX_SERVERS {
            problems.push((
                "servers".to_string(),
                format!(
                    "expected between 1 and {MAX_SERVERS} servers, got {}",
                    self.servers
                ),
            ));
        }
        if let Err(e) = self.service.compile() {
            problems.push((format!("service.{}", e.key), e.message));
        }
        if let Some(limit) = self.queue_limit
            && limit.0 > 1_000_000_000
        {
            problems.push((
                "queue_limit".to_string(),
                "a queue limit above 1e9 is indistinguishable from none; omit it".to_string(),
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Offered load per server, rho = lambda * E[S] / c.
    pub fn rho(&self) -> f64 {
        let mean_s = self.service.compile().map_or(f64::NAN, |s| s.mean_s());
        self.arrival_rate.0 * mean_s / self.servers as f64
    }
}

#[derive(Copy, Clone, Debug)]
enum Event {
    Arrival,
    /// A job that arrived at the given time leaves its server.
    Departure(SimTime),
}

struct QueueModel {
    mean_interarrival_s: f64,
    service: DurationSampler,
    station: Station<SimTime>,
    arrivals_rng: SimRng,
    service_rng: SimRng,
    time_in_system: Histogram,
    in_system: crate::engine::TimeWeighted,
    departures_series: Option<GridSeries>,
    in_system_series: Option<GridSeries>,
}

impl QueueModel {
    fn start_service(&mut self, arrived: SimTime, scheduler: &mut Scheduler<Event>) {
        let service = self.service.sample(&mut self.service_rng);
        scheduler.schedule_in(service, Event::Departure(arrived));
    }

    fn on_arrival(&mut self, scheduler: &mut Scheduler<Event>) {
        let now = scheduler.now();
        let gap: f64 = Exp1.sample(&mut self.arrivals_rng);
        scheduler.schedule_in(
            SimTime::from_secs_f64(gap * self.mean_interarrival_s),
            Event::Arrival,
        );
        match self.station.arrive(now, now) {
            Admission::Started(arrived) => self.start_service(arrived, scheduler),
            Admission::Queued => {}
            Admission::Rejected(_) => return,
        }
        self.note_in_system(now);
    }

    fn on_departure(&mut self, arrived: SimTime, scheduler: &mut Scheduler<Event>) {
        let now = scheduler.now();
        self.time_in_system.record(now - arrived);
        if let Some(next) = self.station.depart(now) {
            self.start_service(next, scheduler);
        }
        if let Some(s) = &mut self.departures_series {
            s.add(now, 1.0);
        }
        self.note_in_system(now);
    }

    fn note_in_system(&mut self, now: SimTime) {
        let n = self.station.in_system() as f64;
        self.in_system.set(now, n);
        if let Some(s) = &mut self.in_system_series {
            s.set_level(now, n);
        }
    }
}

impl Model for QueueModel {
    type Event = Event;

    fn start(&mut self, scheduler: &mut Scheduler<Event>) {
        let gap: f64 = Exp1.sample(&mut self.arrivals_rng);
        scheduler.schedule_at(
            SimTime::from_secs_f64(gap * self.mean_interarrival_s),
            Event::Arrival,
        );
    }

    #[inline]
    fn handle(&mut self, event: Event, scheduler: &mut Scheduler<Event>) {
        match event {
            Event::Arrival => self.on_arrival(scheduler),
            Event::Departure(arrived) => self.on_departure(arrived, scheduler),
        }
    }

    fn end_warmup(&mut self, now: SimTime) {
        self.station.reset_stats(now);
        self.time_in_system.reset();
        self.in_system.reset(now);
    }
}

/// Runs one replication of the `queue` model.
pub fn run_queue(params: &QueueParams, ctx: &RunContext) -> Result<RunOutput, String> {
    let service = params
        .service
        .compile()
        .map_err(|e| format!("queue.service.{}: {}", e.key, e.message))?;
    let mut model = QueueModel {
        mean_interarrival_s: 1.0 / params.arrival_rate.0,
        service,
        station: Station::new(params.servers, params.queue_limit.map(|c| c.0 as usize)),
        arrivals_rng: ctx.streams.stream("queue/arrivals", 0),
        service_rng: ctx.streams.stream("queue/service", 0),
        time_in_system: Histogram::new(),
        in_system: crate::engine::TimeWeighted::new(0.0),
        departures_series: ctx.series("departures_per_s", "", SeriesKind::Rate),
        in_system_series: ctx.series("in_system", "", SeriesKind::Level),
    };
    let report = run(&mut model, ctx.window);
    let end = report.end;
    let measured_s = (ctx.window.horizon - ctx.window.warmup).as_secs_f64();
    let stats = model.station.stats().clone();
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
    out.scalar("utilisation", model.station.utilisation(end));
    out.scalar("wait_s_mean", model.station.wait_mean_s());
    out.scalar("queue_length_mean", model.station.queue_length_mean(end));
    out.scalar("in_system_mean", model.in_system.mean(end));
    out.histogram("time_in_system_s", TimeUnit::Seconds, model.time_in_system);
    if let Some(s) = &model.departures_series {
        out.series(s, end);
    }
    if let Some(s) = &model.in_system_series {
        out.series(s, end);
    }
    Ok(out)
}
