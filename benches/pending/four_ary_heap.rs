//! The engine's event queue before the radix heap: a 4-ary min-heap of
//! `time << 64 | sequence` keys kept apart from the events, with Floyd's
//! bottom-up pop. Kept here as the baseline of `benches/pending.rs`; its
//! design notes are in the git history of `src/engine/queue.rs`.

use edgesim::engine::SimTime;

/// Children per node.
const ARITY: usize = 4;

/// Events of type `E` waiting for their time.
pub struct FourAryHeap<E> {
    /// `time << 64 | sequence`, in heap order.
    keys: Vec<u128>,
    /// The event of each key, at the same index.
    events: Vec<E>,
    next_sequence: u64,
}

#[inline]
fn key_time(key: u128) -> SimTime {
    SimTime::from_nanos((key >> 64) as u64)
}

impl<E> FourAryHeap<E> {
    pub fn with_capacity(capacity: usize) -> FourAryHeap<E> {
        FourAryHeap {
            keys: Vec::with_capacity(capacity),
            events: Vec::with_capacity(capacity),
            next_sequence: 0,
        }
    }

    /// Schedules `event` at `time`; it pops after every event already
    /// scheduled at the same time.
    #[inline]
    pub fn push(&mut self, time: SimTime, event: E) {
        let key = ((time.as_nanos() as u128) << 64) | self.next_sequence as u128;
        self.next_sequence += 1;
        self.keys.push(key);
        self.events.push(event);
        self.sift_up(self.keys.len() - 1);
    }

    /// Moves the entry at `hole` up to its place.
    #[inline]
    fn sift_up(&mut self, mut hole: usize) {
        let key = self.keys[hole];
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if self.keys[parent] <= key {
                break;
            }
            self.keys[hole] = self.keys[parent];
            self.events.swap(hole, parent);
            hole = parent;
        }
        self.keys[hole] = key;
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last_key = self.keys.pop()?;
        let last_event = self.events.pop()?;
        let len = self.keys.len();
        if len == 0 {
            return Some((key_time(last_key), last_event));
        }
        let top_key = self.keys[0];
        let keys = &mut self.keys[..len];
        let events = &mut self.events[..len];
        // Walk the hole from the root down along the smallest children.
        let mut hole = 0;
        loop {
            let first = ARITY * hole + 1;
            let child = if let Some(group) = keys.get(first..first + ARITY) {
                // A full group: the smallest of four in three branch-free steps.
                let left = (group[1] < group[0]) as usize;
                let right = 2 + (group[3] < group[2]) as usize;
                first
                    + if group[right] < group[left] {
                        right
                    } else {
                        left
                    }
            } else if first < len {
                (first + 1..len).fold(first, |m, c| if keys[c] < keys[m] { c } else { m })
            } else {
                break;
            };
            keys[hole] = keys[child];
            events.swap(hole, child);
            hole = child;
        }
        // The old root's event now sits at the leaf `hole`: hand it out and
        // put the last entry there, then let it climb.
        self.keys[hole] = last_key;
        let top_event = std::mem::replace(&mut self.events[hole], last_event);
        self.sift_up(hole);
        Some((key_time(top_key), top_event))
    }
}
