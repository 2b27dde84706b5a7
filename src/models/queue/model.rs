//! The `queue` model's state and what happens to it: a job arrives (and is
//! served, waits or is turned away), a job departs (and the next one waiting
//! starts).

use rand_distr::{Distribution, Exp1};

use crate::dist::DurationSampler;
use crate::engine::{GridSeries, Histogram, Model, Scheduler, SimRng, SimTime, TimeWeighted};
use crate::station::{Admission, Station};

#[derive(Copy, Clone, Debug)]
pub enum Event {
    Arrival,
    /// The job at the given server (an index into `QueueModel::in_service`)
    /// leaves it. An index, not the job's arrival time, keeps the event in
    /// 8 bytes (a pending entry in 16).
    Departure(u32),
}

/// One station fed by Poisson arrivals.
pub struct QueueModel {
    pub(super) mean_interarrival_s: f64,
    pub(super) service: DurationSampler,
    pub(super) station: Station<SimTime>,
    /// The arrival time of the job at each server (meaningless while the
    /// server is free), and the free servers.
    pub(super) in_service: Vec<SimTime>,
    pub(super) free_servers: Vec<u32>,
    /// The station's bound on waiting jobs, for the end-of-run invariants.
    pub(super) queue_limit: Option<usize>,
    pub(super) arrivals_rng: SimRng,
    pub(super) service_rng: SimRng,
    pub(super) time_in_system: Histogram,
    pub(super) in_system: TimeWeighted,
    /// Jobs in the station when the warm-up ended (the station's counters
    /// start again there), for the end-of-run invariants.
    pub(super) in_system_at_warmup: usize,
    pub(super) departures_series: Option<GridSeries>,
    pub(super) in_system_series: Option<GridSeries>,
}

impl QueueModel {
    fn next_gap(&mut self) -> SimTime {
        let gap: f64 = Exp1.sample(&mut self.arrivals_rng);
        SimTime::from_secs_f64(gap * self.mean_interarrival_s)
    }

    /// The job that arrived at `arrived` starts at `server`.
    fn start_service(&mut self, server: u32, arrived: SimTime, scheduler: &mut Scheduler<Event>) {
        self.in_service[server as usize] = arrived;
        let service = self.service.sample(&mut self.service_rng);
        scheduler.schedule_in(service, Event::Departure(server));
    }

    fn on_arrival(&mut self, scheduler: &mut Scheduler<Event>) {
        let now = scheduler.now();
        let gap = self.next_gap();
        scheduler.schedule_in(gap, Event::Arrival);
        match self.station.arrive(now, now) {
            Admission::Started(arrived) => {
                let server = self
                    .free_servers
                    .pop()
                    .expect("the station starts a job only while a server is free");
                self.start_service(server, arrived, scheduler);
            }
            Admission::Queued => {}
            Admission::Rejected(_) => return,
        }
        self.note_in_system(now);
    }

    fn on_departure(&mut self, server: u32, scheduler: &mut Scheduler<Event>) {
        let now = scheduler.now();
        let arrived = self.in_service[server as usize];
        self.time_in_system.record(now - arrived);
        match self.station.depart(now) {
            Some(next) => self.start_service(server, next, scheduler),
            None => self.free_servers.push(server),
        }
        if let Some(s) = &mut self.departures_series {
            s.add(now, 1.0);
        }
        self.note_in_system(now);
    }

    fn note_in_system(&mut self, now: SimTime) {
        // Below 2^63 the signed conversion is the same value, in one instruction.
        let n = self.station.in_system() as i64 as f64;
        self.in_system.set(now, n);
        if let Some(s) = &mut self.in_system_series {
            s.set_level(now, n);
        }
    }
}

impl Model for QueueModel {
    type Event = Event;

    fn start(&mut self, scheduler: &mut Scheduler<Event>) {
        let gap = self.next_gap();
        scheduler.schedule_at(gap, Event::Arrival);
    }

    #[inline]
    fn handle(&mut self, event: Event, scheduler: &mut Scheduler<Event>) {
        match event {
            Event::Arrival => self.on_arrival(scheduler),
            Event::Departure(server) => self.on_departure(server, scheduler),
        }
    }

    fn end_warmup(&mut self, now: SimTime) {
        self.station.reset_stats(now);
        self.time_in_system.reset();
        self.in_system.reset(now);
        self.in_system_at_warmup = self.station.in_system();
    }

    fn over_bound(&self, max_queued: u64) -> Option<String> {
        let waiting = self.station.waiting();
        let max = MAX_WAITING.min(usize::try_from(max_queued).unwrap_or(usize::MAX));
        (self.queue_limit.is_none() && waiting > max).then(|| {
            format!(
                "queue: {waiting} jobs waiting passed the bound of {max} for a queue \
                 without `queue.queue_limit` (arrivals outpace service: is the load \
                 λ·E[S]/c at least 1?); set `queue.queue_limit`, lower `queue.arrival_rate` \
                 or add `queue.servers`"
            )
        })
    }
}

/// The most jobs an unbounded queue (no `queue.queue_limit`) may hold
/// waiting before the run fails: 160 MB of 16-byte entries. A stable queue
/// of theory (load below 1) stays far below it; an unstable one reaches it
/// instead of exhausting memory.
pub const MAX_WAITING: usize = 10_000_000;
