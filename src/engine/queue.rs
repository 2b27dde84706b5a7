//! The pending-event set: events pop in (time, insertion sequence) order.
//!
//! Equal times pop in the order they were scheduled (as in SimPy, ns-3 and
//! OMNeT++), so a run is a pure function of its inputs.
//!
//! It is a radix heap (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster
//! algorithms for the shortest path problem", J. ACM 37(2), 1990), which
//! fits the engine's integer, never-decreasing time: every pending time is
//! at least `last`, the time of the latest pop (a model never schedules in
//! the past). An event whose time first differs from `last` at bit `b`
//! waits in bucket `b`, so every event of bucket `b` is earlier than every
//! event of bucket `b + 1`; events at exactly `last` wait in `due`. When
//! `due` runs dry, the lowest non-empty bucket is emptied: its earliest time
//! becomes `last`, its events at that time go to `due` and the others fall
//! into lower buckets. An event only moves down, at most 64 times, by
//! sequential copies instead of a heap's random probes: in the hold model
//! (`benches/pending.rs`, BENCHMARKS.md) it was 5x the previous 4-ary heap
//! at 10^6 pending events and 18x at 10^7, and as fast at 10^3.
//!
//! Ties need no sequence number: a bucket holds its events of equal time
//! in the order they were pushed, because a push appends, and emptying a
//! bucket (in order) only ever fills buckets that were empty, all below it.
//! So `due` receives them in order, and later pushes at `last` append.

use std::collections::VecDeque;

use super::time::SimTime;

/// Bits of a time, one bucket each.
const BUCKETS: usize = 64;

/// Events of type `E` waiting for their time.
pub struct EventQueue<E> {
    /// Events at time `last`, in the order they were scheduled.
    due: VecDeque<(u64, E)>,
    /// `buckets[b]`: events whose time first differs from `last` at bit `b`.
    buckets: [Vec<(u64, E)>; BUCKETS],
    /// Bit `b` is set when `buckets[b]` is not empty.
    occupied: u64,
    /// The time of the latest pop (zero before the first): a lower bound
    /// of every pending time.
    last: u64,
    len: usize,
    scheduled: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> EventQueue<E> {
        EventQueue {
            due: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            last: 0,
            len: 0,
            scheduled: 0,
        }
    }

    /// The bucket of an event at `time` (`None`: it is due, at `last`).
    #[inline]
    fn bucket_of(&self, time: u64) -> Option<usize> {
        let differ = time ^ self.last;
        (differ != 0).then(|| (u64::BITS - 1 - differ.leading_zeros()) as usize)
    }

    /// Schedules `event` at `time`; it pops after every event already
    /// scheduled at the same time. `time` must not be before the latest
    /// pop's (the engine's `Scheduler` never schedules in the past).
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let time = time.as_nanos();
        assert!(time >= self.last, "event scheduled before the current time");
        self.len += 1;
        self.scheduled += 1;
        match self.bucket_of(time) {
            None => self.due.push_back((time, event)),
            Some(b) => {
                self.buckets[b].push((time, event));
                self.occupied |= 1 << b;
            }
        }
    }

    /// The lowest non-empty bucket and its earliest time.
    #[inline]
    fn lowest_bucket(&self) -> Option<(usize, u64)> {
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        // A lone event needs no scan.
        let earliest = match self.buckets[b].as_slice() {
            [(time, _)] => *time,
            bucket => bucket.iter().map(|&(t, _)| t).min()?,
        };
        Some((b, earliest))
    }

    /// Empties bucket `b`, whose earliest time is `earliest`, into `due`
    /// and the buckets below; `due` is empty.
    fn refill(&mut self, b: usize, earliest: u64) {
        self.occupied &= !(1 << b);
        self.last = earliest;
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        for (time, event) in bucket.drain(..) {
            match self.bucket_of(time) {
                None => self.due.push_back((time, event)),
                Some(c) => {
                    self.buckets[c].push((time, event));
                    self.occupied |= 1 << c;
                }
            }
        }
        // Nothing fell into bucket `b` itself: keep its allocation.
        self.buckets[b] = bucket;
    }

    #[inline]
    fn pop_due(&mut self) -> Option<(SimTime, E)> {
        let (time, event) = self.due.pop_front()?;
        self.len -= 1;
        Some((SimTime::from_nanos(time), event))
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.due.is_empty() {
            let (b, earliest) = self.lowest_bucket()?;
            return self.pop_from(b, earliest);
        }
        self.pop_due()
    }

    /// Removes and returns the earliest event if it is due before `limit`.
    /// A later event stays where it is, and `last` does not move past it, so
    /// events may still be scheduled before it.
    #[inline]
    pub fn pop_before(&mut self, limit: SimTime) -> Option<(SimTime, E)> {
        let limit = limit.as_nanos();
        if self.due.is_empty() {
            let (b, earliest) = self.lowest_bucket()?;
            if earliest >= limit {
                return None;
            }
            return self.pop_from(b, earliest);
        }
        if self.last >= limit {
            return None;
        }
        self.pop_due()
    }

    /// Pops the earliest event, at `earliest` in bucket `b`, when `due` is
    /// empty. A lone event leaves directly (few events pending: the common
    /// case); the buckets above stay valid for the new `last`, which agrees
    /// with the old one on every bit above `b`.
    #[inline]
    fn pop_from(&mut self, b: usize, earliest: u64) -> Option<(SimTime, E)> {
        match self.buckets[b].len() {
            1 => {
                let (time, event) = self.buckets[b].pop()?;
                self.occupied &= !(1 << b);
                self.last = time;
                self.len -= 1;
                Some((SimTime::from_nanos(time), event))
            }
            2 => self.pop_from_pair(b),
            _ => {
                self.refill(b, earliest);
                self.pop_due()
            }
        }
    }

    /// `pop_from` of a bucket of two events (a queue with a few pending
    /// events: an M/M/1 station's next arrival and departure): the earlier
    /// leaves (the first pushed on a tie), the other moves to its bucket
    /// for the new `last`, or to `due` at the same time; what `refill`
    /// and `pop_due` would do, without the round trip through `due`.
    #[inline]
    fn pop_from_pair(&mut self, b: usize) -> Option<(SimTime, E)> {
        let second = self.buckets[b].pop()?;
        let first = self.buckets[b].pop()?;
        self.occupied &= !(1 << b);
        let (out, stays) = if second.0 < first.0 {
            (second, first)
        } else {
            (first, second)
        };
        self.last = out.0;
        self.len -= 1;
        match self.bucket_of(stays.0) {
            None => self.due.push_back(stays),
            Some(c) => {
                self.buckets[c].push(stays);
                self.occupied |= 1 << c;
            }
        }
        Some((SimTime::from_nanos(out.0), out.1))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        if self.due.is_empty() {
            self.lowest_bucket()
                .map(|(_, earliest)| SimTime::from_nanos(earliest))
        } else {
            Some(SimTime::from_nanos(self.last))
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many events were ever scheduled.
    pub fn scheduled(&self) -> u64 {
        self.scheduled
    }

    /// Lets an empty queue take events at any time again, as a new one
    /// would (a composed model's part drains its queue after every event).
    pub fn rewind(&mut self) {
        debug_assert!(self.is_empty(), "rewinding a queue that holds events");
        self.last = 0;
    }

    /// Drops every pending event (the count of scheduled events keeps
    /// counting, and events may still not be scheduled before the latest pop).
    pub fn clear(&mut self) {
        self.due.clear();
        for bucket in &mut self.buckets {
            bucket.clear();
        }
        self.occupied = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut q = EventQueue::new();
        q.push(SimTime::from_nanos(5), 'a');
        q.push(SimTime::from_nanos(1), 'b');
        q.push(SimTime::from_nanos(5), 'c');
        q.push(SimTime::from_nanos(1), 'd');
        q.push(SimTime::from_nanos(0), 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['e', 'b', 'd', 'a', 'c']);
    }

    #[test]
    fn time_never_goes_backwards_under_random_pushes() {
        use crate::engine::rng::splitmix64;
        let mut q = EventQueue::new();
        let mut x = 7u64;
        let mut now = SimTime::ZERO;
        for i in 0..10_000u64 {
            x = splitmix64(x);
            // Schedule only at or after the current time, as a model must.
            q.push(now + SimTime::from_nanos(x % 1000), i);
            if x.is_multiple_of(3) {
                let (t, _) = q.pop().unwrap();
                assert!(t >= now);
                now = t;
            }
        }
        while let Some((t, _)) = q.pop() {
            assert!(t >= now);
            now = t;
        }
    }

    /// The same pushes and pops through this queue and std's binary heap of
    /// (time, sequence): the same events come out in the same order.
    #[test]
    fn pops_exactly_like_a_binary_heap() {
        use crate::engine::rng::splitmix64;
        let mut q = EventQueue::new();
        let mut heap = BinaryHeap::new();
        let mut x = 11u64;
        let mut now = 0u64;
        for step in 0..200_000u64 {
            x = splitmix64(x);
            // Delays from zero (ties) to far ahead, and the end of time.
            let delay = match x % 8 {
                0 => 0,
                1 => x >> 60,
                2 => (x >> 20) % 1_000,
                7 if step % 5_000 == 0 => u64::MAX - now,
                _ => (x >> 8) % 5_000_000_000,
            };
            let time = now.saturating_add(delay);
            q.push(SimTime::from_nanos(time), step);
            // Pushes are numbered by step, as the queue numbers them.
            heap.push(Reverse((time, step, step)));
            // Pop less often early on (the heap grows), more often later.
            if (x >> 4) % 9 < 4 + (step > 150_000) as u64 * 4 {
                let Reverse((t, _, e)) = heap.pop().unwrap();
                assert_eq!(q.peek_time(), Some(SimTime::from_nanos(t)));
                assert_eq!(q.pop(), Some((SimTime::from_nanos(t), e)));
                now = t;
            }
            assert_eq!(q.len(), heap.len());
        }
        while let Some(Reverse((t, _, e))) = heap.pop() {
            assert_eq!(q.pop(), Some((SimTime::from_nanos(t), e)));
        }
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    /// Two or three events pending (pop one, push one or two, as an M/M/1
    /// station's arrivals and departures do), with ties and repeated
    /// times: the pair path pops exactly like a binary heap.
    #[test]
    fn a_few_pending_events_pop_like_a_binary_heap() {
        use crate::engine::rng::splitmix64;
        let (mut q, mut heap) = (EventQueue::new(), BinaryHeap::new());
        let mut x = 23u64;
        let (mut now, mut seq) = (0u64, 0u64);
        for _ in 0..2 {
            q.push(SimTime::from_nanos(0), seq);
            heap.push(Reverse((0, seq)));
            seq += 1;
        }
        for _ in 0..200_000 {
            let Reverse((t, e)) = heap.pop().unwrap();
            assert_eq!(q.pop(), Some((SimTime::from_nanos(t), e)));
            now = now.max(t);
            // From one to three pending after the pushes.
            let pushes = match heap.len() {
                0 => 2,
                1 => 1 + (x & 1),
                _ => x & 1,
            };
            for _ in 0..pushes {
                x = splitmix64(x);
                let delay = [0, 1, x % 8, x % 1_000, (x >> 8) % (1 << 30)][(x >> 60) as usize % 5];
                q.push(SimTime::from_nanos(now + delay), seq);
                heap.push(Reverse((now + delay, seq)));
                seq += 1;
            }
            assert_eq!(q.len(), heap.len());
        }
    }
}
