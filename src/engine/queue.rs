//! The pending-event set: a binary min-heap ordered by (time, insertion sequence).
//!
//! Equal times pop in the order they were scheduled (as in SimPy, ns-3 and
//! OMNeT++), so a run is a pure function of its inputs. Time and sequence are
//! packed into one `u128` key so that ordering is a single comparison.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::time::SimTime;

struct Entry<E> {
    /// `time << 64 | sequence`.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest key.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// Events of type `E` waiting for their time.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> EventQueue<E> {
        EventQueue {
            heap: BinaryHeap::new(),
            next_sequence: 0,
        }
    }

    pub fn with_capacity(capacity: usize) -> EventQueue<E> {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            next_sequence: 0,
        }
    }

    /// Schedules `event` at `time`; it pops after every event already
    /// scheduled at the same time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = ((time.as_nanos() as u128) << 64) | self.next_sequence as u128;
        self.next_sequence += 1;
        self.heap.push(Entry { key, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap
            .pop()
            .map(|entry| (SimTime::from_nanos((entry.key >> 64) as u64), entry.event))
    }

    /// The time of the earliest event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap
            .peek()
            .map(|entry| SimTime::from_nanos((entry.key >> 64) as u64))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// How many events were ever scheduled.
    pub fn scheduled(&self) -> u64 {
        self.next_sequence
    }

    /// Drops every pending event (the sequence keeps counting).
    pub fn clear(&mut self) {
        self.heap.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
