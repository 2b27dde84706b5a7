//! A cache server's workers as a first-come-first-served station computed
//! without events: the Kiefer–Wolfowitz recursion (J. Kiefer, J. Wolfowitz,
//! "On the theory of queues with many servers", Trans. AMS 78, 1955).
//!
//! With c workers and FIFO order, request n starts at
//! `max(arrival_n, earliest time a worker is free)` and that worker is then
//! busy until `start_n + service_n`. Keeping the c free-at times in a small
//! min-heap gives each request's start and finish when it arrives, so the
//! model needs no departure event per request (the busiest path of a CDN
//! run). Starts never decrease, so the requests still waiting at time t are
//! a suffix of the recent starts: a ring of start times gives the queue
//! length and enforces the queue bound. This is the same M/G/c/K station as
//! `crate::station::Station`, which the origin and shields use.

use std::collections::VecDeque;

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
    /// Min-heap of the times each worker is free.
    free_at: Vec<SimTime>,
    /// Start times of admitted requests that had not started when admitted.
    waiting: VecDeque<SimTime>,
    queue_limit: usize,
    /// Service time handed out since the last reset (for utilisation).
    busy_ns: u128,
    since: SimTime,
}

impl Workers {
    /// `workers` (at least one) idle workers and room for `queue_limit` waiting requests.
    pub fn new(workers: u32, queue_limit: usize) -> Workers {
        Workers {
            free_at: vec![SimTime::ZERO; workers.max(1) as usize],
            waiting: VecDeque::new(),
            queue_limit,
            busy_ns: 0,
            since: SimTime::ZERO,
        }
    }

    pub fn workers(&self) -> u32 {
        self.free_at.len() as u32
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
        self.free_at[0].max(now)
    }

    /// A request arrives at `now` needing `service`: its slot, or `None`
    /// when the queue is full (it is refused).
    #[inline]
    pub fn admit(&mut self, now: SimTime, service: SimTime) -> Option<Slot> {
        let start = self.free_at[0].max(now);
        if start > now {
            if self.waiting(now) >= self.queue_limit {
                return None;
            }
            self.waiting.push_back(start);
        }
        let finish = start + service;
        self.free_at[0] = finish;
        self.sift_down();
        self.busy_ns += service.as_nanos() as u128;
        Some(Slot { start, finish })
    }

    /// Restores the heap after the root grew.
    #[inline]
    fn sift_down(&mut self) {
        let heap = &mut self.free_at;
        let n = heap.len();
        let mut i = 0;
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && heap[right] < heap[left] {
                right
            } else {
                left
            };
            if heap[child] >= heap[i] {
                break;
            }
            heap.swap(i, child);
            i = child;
        }
    }

    /// Every worker is free from `now` and nobody waits (the server crashed).
    pub fn clear(&mut self, now: SimTime) {
        self.free_at.fill(now);
        self.waiting.clear();
    }

    /// Share of worker time busy over [last reset, `now`): service handed
    /// out over capacity (service of requests still running counts whole).
    pub fn utilisation(&self, now: SimTime) -> f64 {
        let span = (now - self.since).as_nanos() as f64 * self.free_at.len() as f64;
        if span <= 0.0 {
            return 0.0;
        }
        self.busy_ns as f64 / span
    }

    /// Starts a new statistics window at `now`.
    pub fn reset_stats(&mut self, now: SimTime) {
        self.busy_ns = 0;
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
