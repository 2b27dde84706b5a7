//! The engine's event queue pops exactly as a binary heap of (time,
//! insertion sequence) does: on random workloads from many seeds, with many
//! equal times, far-future and end-of-time events, bursts, drains, pops
//! bounded by a limit and clears. A run's results depend on this order, so
//! any change of the queue's structure must keep it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use edgesim::engine::rng::splitmix64;
use edgesim::engine::{EventQueue, SimTime};

/// The reference: std's binary heap of (time, sequence, event).
#[derive(Default)]
struct Reference {
    heap: BinaryHeap<Reverse<(u64, u64, u64)>>,
    sequence: u64,
}

impl Reference {
    fn push(&mut self, time: u64, event: u64) {
        self.heap.push(Reverse((time, self.sequence, event)));
        self.sequence += 1;
    }

    fn pop_before(&mut self, limit: u64) -> Option<(u64, u64)> {
        match self.heap.peek() {
            Some(Reverse((t, _, _))) if *t < limit => {
                self.heap.pop().map(|Reverse((t, _, e))| (t, e))
            }
            _ => None,
        }
    }
}

/// The delay of the next event: ties, small and large gaps, the end of time.
fn delay(x: u64, now: u64, style: u64) -> u64 {
    match (style, x % 16) {
        // Mostly ties: a handful of distinct delays.
        (0, _) => (x >> 8) % 4 * 1_000,
        (_, 0..=3) => 0,
        (_, 4) => 1,
        (_, 5) if x % 4_096 == 5 => u64::MAX - now,
        (_, 6..=8) => (x >> 16) % 1_000,
        (_, 9) => (x >> 4) % (1 << 40),
        _ => (x >> 20) % 10_000_000,
    }
}

/// One random workload; panics at the first difference.
fn compare(seed: u64) {
    let mut queue = EventQueue::new();
    let mut reference = Reference::default();
    let mut x = splitmix64(seed);
    let mut now = 0u64;
    let style = seed % 3;
    let steps = 20_000 + (seed % 7) * 5_000;
    for step in 0..steps {
        x = splitmix64(x);
        // Phases: grow, hover, drain; now and then a burst at one time.
        let phase = step * 3 / steps;
        let pushes = if x.is_multiple_of(97) { 50 } else { 1 };
        for k in 0..pushes {
            let y = splitmix64(x ^ k);
            let time = now.saturating_add(delay(y, now, style));
            queue.push(SimTime::from_nanos(time), step * 64 + k);
            reference.push(time, step * 64 + k);
        }
        let pops = match phase {
            0 => (x >> 5) % 2,
            1 => (x >> 5) % 3,
            _ => 1 + (x >> 5) % 3,
        };
        for _ in 0..pops {
            // A limit just past now half the time, as the run loop's horizon.
            let limit = if (x >> 9).is_multiple_of(2) {
                u64::MAX
            } else {
                now.saturating_add((x >> 12) % 5_000)
            };
            let expected = reference.pop_before(limit);
            let got = queue
                .pop_before(SimTime::from_nanos(limit))
                .map(|(t, e)| (t.as_nanos(), e));
            assert_eq!(got, expected, "seed {seed}, step {step}");
            if let Some((t, _)) = got {
                now = t;
            }
        }
        let peek = reference.heap.peek().map(|Reverse((t, _, _))| *t);
        assert_eq!(queue.peek_time().map(SimTime::as_nanos), peek);
        assert_eq!(queue.len(), reference.heap.len());
    }
    // Drain what is left (end-of-time events included).
    loop {
        let expected = reference.heap.pop().map(|Reverse((t, _, e))| (t, e));
        let got = queue.pop().map(|(t, e)| (t.as_nanos(), e));
        assert_eq!(got, expected, "seed {seed}, draining");
        if got.is_none() {
            break;
        }
    }
    assert!(queue.is_empty());
}

#[test]
fn pops_like_a_binary_heap_on_random_workloads_from_many_seeds() {
    for seed in 0..60 {
        compare(seed);
    }
}

#[test]
fn equal_times_pop_in_insertion_order_across_refills() {
    // Events at a handful of times, pushed interleaved, with pops between:
    // each time's events come out in the order they were pushed.
    let mut queue = EventQueue::new();
    let mut reference = Reference::default();
    let mut event = 0;
    for round in 0..200u64 {
        for time in [
            round * 10 + 7,
            round * 10 + 3,
            round * 10 + 7,
            round * 10 + 64,
        ] {
            for _ in 0..3 {
                queue.push(SimTime::from_nanos(time), event);
                reference.push(time, event);
                event += 1;
            }
        }
        for _ in 0..5 {
            let expected = reference.pop_before(u64::MAX);
            assert_eq!(queue.pop().map(|(t, e)| (t.as_nanos(), e)), expected);
        }
    }
    while let Some(expected) = reference.pop_before(u64::MAX) {
        assert_eq!(queue.pop().map(|(t, e)| (t.as_nanos(), e)), Some(expected));
    }
    assert_eq!(queue.pop(), None);
}

#[test]
fn a_cleared_queue_keeps_counting_and_orders_new_events() {
    let mut queue = EventQueue::new();
    for t in [5u64, 9, 2] {
        queue.push(SimTime::from_nanos(t), t);
    }
    assert_eq!(queue.pop(), Some((SimTime::from_nanos(2), 2)));
    queue.clear();
    assert!(queue.is_empty());
    assert_eq!(queue.scheduled(), 3);
    queue.push(SimTime::from_nanos(4), 40);
    queue.push(SimTime::from_nanos(2), 20);
    queue.push(SimTime::from_nanos(4), 41);
    let order: Vec<u64> = std::iter::from_fn(|| queue.pop().map(|(_, e)| e)).collect();
    assert_eq!(order, vec![20, 40, 41]);
}

#[test]
fn a_pop_bounded_by_a_limit_leaves_later_events_schedulable_before_them() {
    // The run loop stops at the warm-up's end without popping the next
    // event; nothing may be lost or reordered by that.
    let mut queue = EventQueue::new();
    queue.push(SimTime::from_nanos(1_000), 'b');
    assert_eq!(queue.pop_before(SimTime::from_nanos(500)), None);
    queue.push(SimTime::from_nanos(600), 'a');
    assert_eq!(queue.pop(), Some((SimTime::from_nanos(600), 'a')));
    assert_eq!(queue.pop(), Some((SimTime::from_nanos(1_000), 'b')));
}

#[test]
#[should_panic(expected = "before the current time")]
fn scheduling_before_the_latest_pop_is_refused() {
    let mut queue = EventQueue::new();
    queue.push(SimTime::from_nanos(10), ());
    queue.pop();
    queue.push(SimTime::from_nanos(9), ());
}
