//! The station driven without events: the model knows each request's
//! service time when it arrives, so the station computes its start and
//! finish at once by the Kiefer–Wolfowitz recursion (J. Kiefer, J. Wolfowitz,
//! "On the theory of queues with many servers", Trans. AMS 78, 1955).
//!
//! With c workers and FIFO order, request n starts at
//! `max(arrival_n, earliest time a worker is free)` and that worker is then
//! busy until `start_n + service_n`. Keeping the busy workers' free-at times
//! in a min-heap gives each request's start and finish when it arrives, so
//! the model needs no departure event per request (the busiest path of a
//! CDN run: its cache servers, shields and origins). A worker free by the time a request arrives is as good as any
//! other idle one, so only times still ahead are kept: the heap holds the
//! requests in service, not one slot per worker (a lightly loaded cache
//! server's is nearly empty; an origin with thousands of workers does not
//! sift through them all). Starts never decrease, so the requests still
//! waiting at time t are a suffix of the recent starts: a ring of start
//! times gives the queue length and enforces the queue bound. This is the
//! same M/G/c/K station as [`Station`](super::Station), request by request
//! (`matches_an_event_driven_station`); it cannot hand jobs back or change
//! its server count, which the event-driven one can.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use crate::engine::SimTime;

/// When a request will start and finish at a server.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    pub start: SimTime,
    pub finish: SimTime,
}

/// c workers in front of one FIFO queue with a bound.
#[derive(Clone, Debug)]
pub struct Workers {
    /// Min-heap of the times busy workers become free; a worker not in it
    /// is idle. Times at or before the last arrival may linger until the
    /// next `admit` drops them: they are idle workers too.
    busy: BinaryHeap<Reverse<SimTime>>,
    workers: usize,
    /// Start times of admitted requests that had not started when admitted.
    waiting: VecDeque<SimTime>,
    queue_limit: usize,
    /// Service handed out since the last reset, plus at a reset the part
    /// of earlier requests' service still ahead (for utilisation).
    busy_ns: u128,
    since: SimTime,
}

impl Workers {
    /// `workers` (at least one) idle workers and room for `queue_limit` waiting requests.
    pub fn new(workers: u32, queue_limit: usize) -> Workers {
        Workers {
            busy: BinaryHeap::new(),
            workers: workers.max(1) as usize,
            waiting: VecDeque::new(),
            queue_limit,
            busy_ns: 0,
            since: SimTime::ZERO,
        }
    }

    pub fn workers(&self) -> u32 {
        self.workers as u32
    }

    /// The start times held for waiting requests: those waiting at the
    /// last admission (the memory a bound counts).
    pub fn queued(&self) -> usize {
        self.waiting.len()
    }

    /// Requests waiting for a worker at `now` (admitted, not started).
    #[inline]
    pub fn waiting(&mut self, now: SimTime) -> usize {
        while self.waiting.front().is_some_and(|&start| start <= now) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }

    /// The earliest a request arriving at `now` could start.
    #[inline]
    pub fn earliest_start(&self, now: SimTime) -> SimTime {
        match self.busy.peek() {
            Some(&Reverse(free_at)) if self.busy.len() == self.workers => free_at.max(now),
            _ => now,
        }
    }

    /// A request arrives at `now` needing `service`: its slot, or `None`
    /// when the queue is full (it is refused).
    #[inline]
    pub fn admit(&mut self, now: SimTime, service: SimTime) -> Option<Slot> {
        while self
            .busy
            .peek()
            .is_some_and(|&Reverse(free_at)| free_at <= now)
        {
            self.busy.pop();
        }
        let start = self.earliest_start(now);
        if start > now {
            if self.waiting(now) >= self.queue_limit {
                return None;
            }
            self.waiting.push_back(start);
        }
        let finish = start + service;
        if self.busy.len() < self.workers {
            self.busy.push(Reverse(finish));
        } else if let Some(mut earliest) = self.busy.peek_mut() {
            // The worker free soonest takes the request.
            *earliest = Reverse(finish);
        }
        self.busy_ns += service.as_nanos() as u128;
        Some(Slot { start, finish })
    }

    /// Every worker is free from `now` and nobody waits (the server
    /// crashed): the service still ahead is never done.
    pub fn clear(&mut self, now: SimTime) {
        self.busy_ns = self.busy_ns.saturating_sub(self.ahead_ns(now));
        self.busy.clear();
        self.waiting.clear();
    }

    /// The times after `now` at which busy workers become free, one per
    /// worker (unordered). Each of those workers is busy without a break
    /// from `now` to its time: requests start at their arrival or when
    /// their worker frees, and none arrives after `now`.
    pub fn busy_until(&self, now: SimTime) -> impl Iterator<Item = SimTime> + '_ {
        self.busy
            .iter()
            .map(|&Reverse(free_at)| free_at)
            .filter(move |&free_at| free_at > now)
    }

    /// Service handed out that lies after `now`, in nanoseconds.
    fn ahead_ns(&self, now: SimTime) -> u128 {
        self.busy_until(now)
            .map(|free_at| (free_at - now).as_nanos() as u128)
            .sum()
    }

    /// Share of worker time busy over [last reset, `now`): the service
    /// done in that window over its capacity, at most 1 by construction
    /// (the part of admitted service still ahead of `now` is not counted;
    /// each worker does at most one request at a time).
    pub fn utilisation(&self, now: SimTime) -> f64 {
        let span = (now - self.since).as_nanos() as f64 * self.workers as f64;
        if span <= 0.0 {
            return 0.0;
        }
        let done = self.busy_ns.saturating_sub(self.ahead_ns(now));
        done as f64 / span
    }

    /// Starts a new statistics window at `now`: service already handed out
    /// that lies ahead of `now` belongs to the new window.
    pub fn reset_stats(&mut self, now: SimTime) {
        self.busy_ns = self.ahead_ns(now);
        self.since = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: u64) -> SimTime {
        SimTime::from_millis(ms)
    }

    #[test]
    fn fifo_with_two_workers_and_a_bound() {
        let mut w = Workers::new(2, 1);
        assert_eq!(
            w.admit(t(0), t(10)),
            Some(Slot {
                start: t(0),
                finish: t(10)
            })
        );
        assert_eq!(
            w.admit(t(1), t(10)),
            Some(Slot {
                start: t(1),
                finish: t(11)
            })
        );
        // Both busy: waits for the first to finish.
        assert_eq!(
            w.admit(t(2), t(5)),
            Some(Slot {
                start: t(10),
                finish: t(15)
            })
        );
        assert_eq!(w.waiting(t(2)), 1);
        // The queue (bound 1) is full.
        assert_eq!(w.admit(t(3), t(5)), None);
        // At 10 ms the waiting one has started: room again, next free at 11.
        assert_eq!(w.waiting(t(10)), 0);
        assert_eq!(
            w.admit(t(10), t(1)),
            Some(Slot {
                start: t(11),
                finish: t(12)
            })
        );
        // 10 + 10 + 5 + 1 = 26 ms of work on 2 workers over 20 ms.
        assert!((w.utilisation(t(20)) - 26.0 / 40.0).abs() < 1e-12);
        // At 12 ms: 12 + 11 ms done of 24 ms (3 ms of the third still ahead).
        assert!((w.utilisation(t(12)) - 23.0 / 24.0).abs() < 1e-12);
    }

    #[test]
    fn utilisation_counts_only_work_done_so_never_exceeds_one() {
        // One worker, 100 requests of 10 ms at time zero: 1 s of work.
        let mut w = Workers::new(1, 1_000);
        for _ in 0..100 {
            w.admit(t(0), t(10)).unwrap();
        }
        // Counting the service when handed out would say 1 s in 100 ms = 10.
        assert!((w.utilisation(t(100)) - 1.0).abs() < 1e-12);
        assert!((w.utilisation(t(2_000)) - 0.5).abs() < 1e-12);
        // A new window at 500 ms keeps the 500 ms still ahead.
        w.reset_stats(t(500));
        assert!((w.utilisation(t(1_000)) - 1.0).abs() < 1e-12);
        assert!((w.utilisation(t(1_500)) - 0.5).abs() < 1e-12);
        // A crash at 750 ms: the 250 ms ahead is never done.
        w.clear(t(750));
        assert!((w.utilisation(t(1_000)) - 0.5).abs() < 1e-12);
    }

    /// The recursion with one free-at time per worker, idle ones included.
    fn per_worker_slots(
        workers: usize,
        limit: usize,
        jobs: &[(SimTime, SimTime)],
    ) -> Vec<Option<Slot>> {
        let mut free_at = vec![SimTime::ZERO; workers];
        let mut starts: Vec<SimTime> = Vec::new();
        jobs.iter()
            .map(|&(now, service)| {
                let (worker, &earliest) = free_at.iter().enumerate().min_by_key(|&(_, t)| *t)?;
                let start = earliest.max(now);
                if start > now && starts.iter().filter(|&&s| s > now).count() >= limit {
                    return None;
                }
                starts.push(start);
                free_at[worker] = start + service;
                Some(Slot {
                    start,
                    finish: start + service,
                })
            })
            .collect()
    }

    #[test]
    fn keeping_only_busy_workers_changes_no_slot() {
        use crate::engine::Streams;
        use rand::RngExt;
        let mut rng = Streams::new(5).stream("workers-test", 1);
        for (workers, limit) in [(1, 3), (3, 2), (24, 1_000), (40, 0)] {
            let mut now = SimTime::ZERO;
            let jobs: Vec<(SimTime, SimTime)> = (0..5_000)
                .map(|i| {
                    // Bursts (several arrivals at one instant) and idle gaps.
                    if i % 7 != 0 {
                        now += SimTime::from_micros(rng.random_range(0..300));
                    }
                    (now, SimTime::from_micros(rng.random_range(0..2_000)))
                })
                .collect();
            let mut w = Workers::new(workers as u32, limit);
            let got: Vec<Option<Slot>> = jobs.iter().map(|&(t, s)| w.admit(t, s)).collect();
            assert_eq!(
                got,
                per_worker_slots(workers, limit, &jobs),
                "{workers} workers"
            );
        }
    }

    #[test]
    fn matches_an_event_driven_station() {
        use crate::engine::Streams;
        use crate::station::{Admission, Station};
        use rand::RngExt;
        // The same arrivals and service times through both: equal start times.
        let n = 2_000;
        let mut rng = Streams::new(3).stream("workers-test", 0);
        let mut w = Workers::new(3, usize::MAX);
        let mut station: Station<usize> = Station::new(3, None);
        let mut departures: Vec<(SimTime, usize)> = Vec::new();
        let mut starts_event = vec![None; n];
        let mut starts_kw = vec![SimTime::ZERO; n];
        let mut services = vec![SimTime::ZERO; n];
        let mut now = SimTime::ZERO;
        let depart_until = |limit: SimTime,
                            station: &mut Station<usize>,
                            departures: &mut Vec<(SimTime, usize)>,
                            starts: &mut Vec<Option<SimTime>>,
                            services: &[SimTime]| {
            departures.sort();
            while departures.first().is_some_and(|&(at, _)| at <= limit) {
                let (at, _) = departures.remove(0);
                if let Some(next) = station.depart(at) {
                    starts[next] = Some(at);
                    departures.push((at + services[next], next));
                    departures.sort();
                }
            }
        };
        for i in 0..n {
            now += SimTime::from_micros(rng.random_range(1..400));
            services[i] = SimTime::from_micros(rng.random_range(1..1_000));
            starts_kw[i] = w.admit(now, services[i]).unwrap().start;
            depart_until(
                now,
                &mut station,
                &mut departures,
                &mut starts_event,
                &services,
            );
            if let Admission::Started(j) = station.arrive(now, i) {
                starts_event[j] = Some(now);
                departures.push((now + services[j], j));
            }
        }
        depart_until(
            SimTime::MAX,
            &mut station,
            &mut departures,
            &mut starts_event,
            &services,
        );
        for i in 0..n {
            assert_eq!(Some(starts_kw[i]), starts_event[i], "request {i}");
        }
    }
}
