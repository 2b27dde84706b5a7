//! A radix heap of events keyed by (time, insertion sequence), for
//! monotone integer time (Ahuja, Mehlhorn, Orlin and Tarjan, "Faster
//! algorithms for the shortest path problem", J. ACM 37(2), 1990).
//!
//! Every pending time is at least `last`, the time of the latest pop. An
//! entry whose time differs from `last` first at bit `b` sits in bucket
//! `b`; every entry of bucket `b` is earlier than every entry of bucket
//! `b + 1`. Entries at exactly `last` wait in `due`, in sequence order.
//! When `due` runs dry, the lowest non-empty bucket is emptied: its
//! earliest time becomes `last`, the entries at that time go to `due`
//! (sorted by sequence) and the rest fall into lower buckets. An entry only
//! ever moves down, so it moves at most 64 times, and the moves are
//! sequential copies rather than the random probes of a heap.
//!
//! The pop order is exactly (time, sequence), as long as nothing is pushed
//! before `last` (the engine never schedules in the past).

use std::collections::VecDeque;

struct Entry<E> {
    time: u64,
    sequence: u64,
    event: E,
}

pub struct RadixHeap<E> {
    /// Entries at time `last`, in sequence order.
    due: VecDeque<Entry<E>>,
    /// `buckets[b]`: entries whose time first differs from `last` at bit `b`.
    buckets: [Vec<Entry<E>>; 64],
    /// Bit `b` set when `buckets[b]` is not empty.
    occupied: u64,
    last: u64,
    next_sequence: u64,
}

impl<E> Default for RadixHeap<E> {
    fn default() -> Self {
        RadixHeap::new()
    }
}

impl<E> RadixHeap<E> {
    pub fn new() -> RadixHeap<E> {
        RadixHeap {
            due: VecDeque::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            last: 0,
            next_sequence: 0,
        }
    }

    #[inline]
    fn bucket_of(&self, time: u64) -> Option<usize> {
        let diff = time ^ self.last;
        (diff != 0).then(|| 63 - diff.leading_zeros() as usize)
    }

    /// Schedules `event` at `time`, which must not be before the last pop.
    #[inline]
    pub fn push(&mut self, time: u64, event: E) {
        assert!(time >= self.last, "pushed before the last pop");
        let entry = Entry {
            time,
            sequence: self.next_sequence,
            event,
        };
        self.next_sequence += 1;
        match self.bucket_of(time) {
            None => self.due.push_back(entry),
            Some(b) => {
                self.buckets[b].push(entry);
                self.occupied |= 1 << b;
            }
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        if self.due.is_empty() {
            self.refill()?;
        }
        let entry = self.due.pop_front()?;
        Some((entry.time, entry.event))
    }

    /// Empties the lowest non-empty bucket into `due` and the buckets below.
    #[cold]
    fn refill(&mut self) -> Option<()> {
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize;
        self.occupied &= !(1 << b);
        let mut bucket = std::mem::take(&mut self.buckets[b]);
        self.last = bucket.iter().map(|e| e.time).min()?;
        for entry in bucket.drain(..) {
            match self.bucket_of(entry.time) {
                None => self.due.push_back(entry),
                Some(c) => {
                    self.buckets[c].push(entry);
                    self.occupied |= 1 << c;
                }
            }
        }
        // Keep the emptied bucket's allocation for its next entries.
        self.buckets[b] = bucket;
        if self.due.len() > 1 {
            self.due.make_contiguous().sort_unstable_by_key(|e| e.sequence);
        }
        Some(())
    }

    /// Bytes allocated for entries (capacity, not length).
    pub fn allocated_bytes(&self) -> usize {
        let entries = self.due.capacity() + self.buckets.iter().map(Vec::capacity).sum::<usize>();
        entries * std::mem::size_of::<Entry<E>>()
    }
}
