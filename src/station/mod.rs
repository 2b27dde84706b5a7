//! The service station: `c` identical servers in front of one FIFO queue
//! with a bound, driven in one of two ways.
//!
//! - [`Station`], event-driven: it decides who is served, who waits and who
//!   is turned away, and keeps time-weighted statistics; the owning model
//!   draws service times and schedules the departure events (so the station
//!   needs no event type of its own). The push gateways and brokers are
//!   built on it; the `queue` model exposes it alone for validation against
//!   queueing theory. Servers can be added and removed (autoscaling).
//! - [`Workers`], event-free (`workers`): the model hands each request's
//!   service time on arrival and gets its start and finish back at once, so
//!   no departure event is scheduled. The CDN's cache servers, shields and
//!   origins are built on it; a hit costs one event.
//!
//! Both serve the same arrivals in the same order at the same times (a test
//! in `workers` checks it request by request).

mod workers;

pub use workers::{Slot, Workers};

use std::collections::VecDeque;

use crate::engine::{Histogram, SimTime, TimeWeighted};

/// What happened to an arriving job.
#[derive(Debug, PartialEq, Eq)]
pub enum Admission<J> {
    /// A server was free: the job is in service now; schedule its departure.
    Started(J),
    /// Every server is busy: the job waits in the queue.
    Queued,
    /// The queue is full: the job is turned away and handed back.
    Rejected(J),
}

struct Waiting<J> {
    since: SimTime,
    job: J,
}

/// Counters of one station since the last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StationStats {
    pub arrivals: u64,
    pub rejected: u64,
    pub started: u64,
    pub completed: u64,
    /// Exact sum of the waiting times of started jobs, in nanoseconds.
    pub wait_sum_ns: u128,
}

/// `c` servers and a FIFO queue holding at most `queue_limit` waiting jobs.
pub struct Station<J> {
    servers: u32,
    busy: u32,
    queue: VecDeque<Waiting<J>>,
    queue_limit: Option<usize>,
    busy_servers: TimeWeighted,
    queue_length: TimeWeighted,
    wait: Option<Histogram>,
    stats: StationStats,
}

impl<J> Station<J> {
    /// A station with `servers` servers (at least one) and an optional bound
    /// on waiting jobs (`Some(0)`: no waiting room, a loss system).
    pub fn new(servers: u32, queue_limit: Option<usize>) -> Station<J> {
        assert!(servers > 0, "a station needs at least one server");
        Station {
            servers,
            busy: 0,
            queue: VecDeque::new(),
            queue_limit,
            busy_servers: TimeWeighted::new(0.0),
            queue_length: TimeWeighted::new(0.0),
            wait: None,
            stats: StationStats::default(),
        }
    }

    /// Also keeps a histogram of waiting times (costs memory; off by default).
    pub fn with_wait_histogram(mut self) -> Station<J> {
        self.wait = Some(Histogram::new());
        self
    }

    /// A job arrives at `now`.
    #[inline]
    pub fn arrive(&mut self, now: SimTime, job: J) -> Admission<J> {
        self.stats.arrivals += 1;
        if self.busy < self.servers {
            self.begin_service(now, SimTime::ZERO);
            return Admission::Started(job);
        }
        if self
            .queue_limit
            .is_some_and(|limit| self.queue.len() >= limit)
        {
            self.stats.rejected += 1;
            return Admission::Rejected(job);
        }
        self.queue.push_back(Waiting { since: now, job });
        self.queue_length.set(now, self.queue.len() as i64 as f64);
        Admission::Queued
    }

    /// A server finishes a job at `now`; returns the next job it starts, if
    /// one was waiting (schedule that job's departure).
    #[inline]
    pub fn depart(&mut self, now: SimTime) -> Option<J> {
        debug_assert!(self.busy > 0, "departure from an idle station");
        self.stats.completed += 1;
        self.busy -= 1;
        let next = self.queue.pop_front();
        match next {
            Some(waiting) => {
                self.queue_length.set(now, self.queue.len() as i64 as f64);
                self.begin_service(now, now - waiting.since);
                Some(waiting.job)
            }
            None => {
                self.busy_servers.set(now, self.busy as f64);
                None
            }
        }
    }

    #[inline]
    fn begin_service(&mut self, now: SimTime, waited: SimTime) {
        self.busy += 1;
        debug_assert!(
            self.busy <= self.servers,
            "more jobs in service than servers"
        );
        self.busy_servers.set(now, self.busy as f64);
        self.stats.started += 1;
        self.stats.wait_sum_ns += waited.as_nanos() as u128;
        if let Some(h) = &mut self.wait {
            h.record(waited);
        }
    }

    /// Changes the number of servers at `now` (autoscaling). Added servers
    /// start waiting jobs at once (returned, to schedule); removed servers
    /// finish their current job first (busy may exceed servers until then).
    pub fn set_servers(&mut self, now: SimTime, servers: u32) -> Vec<J> {
        assert!(servers > 0, "a station needs at least one server");
        self.servers = servers;
        let mut started = Vec::new();
        while self.busy < self.servers {
            let Some(waiting) = self.queue.pop_front() else {
                break;
            };
            self.queue_length.set(now, self.queue.len() as i64 as f64);
            self.begin_service(now, now - waiting.since);
            started.push(waiting.job);
        }
        started
    }

    pub fn servers(&self) -> u32 {
        self.servers
    }

    /// Jobs in service.
    pub fn busy(&self) -> u32 {
        self.busy
    }

    /// Jobs waiting.
    pub fn waiting(&self) -> usize {
        self.queue.len()
    }

    /// Jobs in the station (waiting and in service).
    pub fn in_system(&self) -> usize {
        self.queue.len() + self.busy as usize
    }

    pub fn stats(&self) -> &StationStats {
        &self.stats
    }

    /// Time-average share of servers busy since the last reset.
    pub fn utilisation(&self, now: SimTime) -> f64 {
        self.busy_servers.mean(now) / self.servers as f64
    }

    /// Time-average number of busy servers since the last reset.
    pub fn busy_mean(&self, now: SimTime) -> f64 {
        self.busy_servers.mean(now)
    }

    /// Time-average number of waiting jobs since the last reset.
    pub fn queue_length_mean(&self, now: SimTime) -> f64 {
        self.queue_length.mean(now)
    }

    /// The largest number of waiting jobs since the last reset.
    pub fn queue_length_max(&self) -> f64 {
        self.queue_length.max()
    }

    /// The exact mean wait of started jobs in seconds (NaN if none started).
    pub fn wait_mean_s(&self) -> f64 {
        if self.stats.started == 0 {
            f64::NAN
        } else {
            self.stats.wait_sum_ns as f64 / self.stats.started as f64 / 1e9
        }
    }

    pub fn wait_histogram(&self) -> Option<&Histogram> {
        self.wait.as_ref()
    }

    /// Starts a new statistics window at `now` (end of warm-up); jobs in the
    /// station stay where they are.
    pub fn reset_stats(&mut self, now: SimTime) {
        self.busy_servers.reset(now);
        self.queue_length.reset(now);
        if let Some(h) = &mut self.wait {
            h.reset();
        }
        self.stats = StationStats::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: u64) -> SimTime {
        SimTime::from_secs(s)
    }

    #[test]
    fn serves_waits_and_rejects_in_fifo_order() {
        let mut st: Station<u32> = Station::new(1, Some(1));
        assert_eq!(st.arrive(t(0), 1), Admission::Started(1));
        assert_eq!(st.arrive(t(1), 2), Admission::Queued);
        assert_eq!(st.arrive(t(1), 3), Admission::Rejected(3));
        assert_eq!(st.depart(t(2)), Some(2));
        assert_eq!(st.depart(t(3)), None);
        assert_eq!(st.stats().arrivals, 3);
        assert_eq!(st.stats().rejected, 1);
        assert_eq!(st.stats().completed, 2);
        // Job 2 waited from 1 s to 2 s.
        assert_eq!(st.stats().wait_sum_ns, 1_000_000_000);
        // Busy from 0 to 3 s out of 4 s.
        assert!((st.utilisation(t(4)) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn several_servers_and_scaling() {
        let mut st: Station<u32> = Station::new(2, None);
        assert!(matches!(st.arrive(t(0), 1), Admission::Started(1)));
        assert!(matches!(st.arrive(t(0), 2), Admission::Started(2)));
        assert_eq!(st.arrive(t(0), 3), Admission::Queued);
        assert_eq!(st.arrive(t(0), 4), Admission::Queued);
        assert_eq!(st.set_servers(t(1), 3), vec![3]);
        assert_eq!(st.in_system(), 4);
        assert_eq!(st.busy(), 3);
    }
}
