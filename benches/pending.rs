//! Big pending sets: the event queue in the hold model (pop the earliest
//! event, push one at a later time), with 10^3 to 10^7 events pending.
//!
//! Compared in the same run, on the same increments: the engine's radix
//! heap (`engine::EventQueue`), the 4-ary heap it replaced
//! (`benches/pending/four_ary_heap.rs`), and `std::collections::BinaryHeap`
//! of `Reverse((time, sequence, event))`. Each queue is filled with N events at
//! exponential times, brought to its steady state by N untimed holds (at
//! most 2 M), then timed on batches of holds; an increment is exponential
//! with a mean of 1 ms, in nanoseconds, drawn ahead into a table. Before any
//! timing, all three are checked to pop the same events in the same order
//! on a workload with many equal times.
//!
//! Run: `cargo bench --bench pending` (`-- mm1` style filters work: e.g.
//! `-- 1000000`). Figures and the decision: BENCHMARKS.md.

#[path = "pending/four_ary_heap.rs"]
mod four_ary_heap;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use edgesim::engine::{EventQueue, SimTime, Streams};
use four_ary_heap::FourAryHeap;
use rand_distr::{Distribution, Exp1};

const SIZES: [usize; 5] = [1_000, 10_000, 100_000, 1_000_000, 10_000_000];
/// Holds per timed iteration.
const HOLDS: u64 = 100_000;
/// Mean increment: 1 ms in nanoseconds.
const MEAN_INCREMENT_NS: f64 = 1e6;
/// Increments drawn ahead (a power of two, cycled).
const TABLE: usize = 1 << 20;
/// Untimed holds after the fill, at most.
const PREROLL_MAX: usize = 2_000_000;

/// The three pending sets behind one interface.
trait Pending {
    fn push(&mut self, time: u64, event: u32);
    fn pop(&mut self) -> Option<(u64, u32)>;
}

struct FourAry(FourAryHeap<u32>);

impl Pending for FourAry {
    #[inline]
    fn push(&mut self, time: u64, event: u32) {
        self.0.push(SimTime::from_nanos(time), event);
    }
    #[inline]
    fn pop(&mut self) -> Option<(u64, u32)> {
        self.0.pop().map(|(t, e)| (t.as_nanos(), e))
    }
}

/// The engine's queue.
struct Radix(EventQueue<u32>);

impl Pending for Radix {
    #[inline]
    fn push(&mut self, time: u64, event: u32) {
        self.0.push(SimTime::from_nanos(time), event);
    }
    #[inline]
    fn pop(&mut self) -> Option<(u64, u32)> {
        self.0.pop().map(|(t, e)| (t.as_nanos(), e))
    }
}

struct StdHeap(BinaryHeap<Reverse<(u64, u64, u32)>>, u64);

impl Pending for StdHeap {
    #[inline]
    fn push(&mut self, time: u64, event: u32) {
        self.0.push(Reverse((time, self.1, event)));
        self.1 += 1;
    }
    #[inline]
    fn pop(&mut self) -> Option<(u64, u32)> {
        self.0.pop().map(|Reverse((t, _, e))| (t, e))
    }
}

fn four_ary(capacity: usize) -> FourAry {
    FourAry(FourAryHeap::with_capacity(capacity))
}

fn std_heap(capacity: usize) -> StdHeap {
    StdHeap(BinaryHeap::with_capacity(capacity), 0)
}

fn radix(_capacity: usize) -> Radix {
    Radix(EventQueue::new())
}

/// Exponential increments in nanoseconds, from a named stream.
fn increments(seed: u64) -> Vec<u64> {
    let mut rng = Streams::new(seed).stream("bench/pending", 0);
    (0..TABLE)
        .map(|_| {
            let e: f64 = Exp1.sample(&mut rng);
            (e * MEAN_INCREMENT_NS) as u64
        })
        .collect()
}

/// One queue in the hold model, with its clock and its place in the table.
struct Hold<'a, P> {
    queue: P,
    table: &'a [u64],
    cursor: usize,
    next_event: u32,
}

impl<P: Pending> Hold<'_, P> {
    #[inline]
    fn next_increment(&mut self) -> u64 {
        self.cursor = (self.cursor + 1) & (TABLE - 1);
        self.table[self.cursor]
    }

    fn fill(&mut self, n: usize) {
        for _ in 0..n {
            let t = self.next_increment();
            self.queue.push(t, self.next_event);
            self.next_event = self.next_event.wrapping_add(1);
        }
    }

    #[inline]
    fn holds(&mut self, n: u64) -> u64 {
        let mut check = 0u64;
        for _ in 0..n {
            let (now, event) = self.queue.pop().expect("the hold model never empties");
            check = check.wrapping_add(event as u64);
            let t = now + self.next_increment();
            self.queue.push(t, self.next_event);
            self.next_event = self.next_event.wrapping_add(1);
        }
        check
    }
}

/// The pop sequence of one queue on a workload with many equal times.
fn pop_order<P: Pending>(queue: P, table: &[u64], seed: u64) -> Vec<(u64, u32)> {
    let mut hold = Hold {
        queue,
        table,
        cursor: seed as usize,
        next_event: 0,
    };
    hold.fill(2_000 * seed as usize);
    let mut popped = Vec::new();
    for _ in 0..50_000 {
        let (now, e) = hold.queue.pop().unwrap();
        popped.push((now, e));
        let t = now + hold.next_increment();
        hold.queue.push(t, hold.next_event);
        hold.next_event += 1;
    }
    while let Some(p) = hold.queue.pop() {
        popped.push(p);
    }
    popped
}

/// The three queues pop the same (time, event) sequence, ties included.
fn check_same_order() {
    for seed in 1..=20u64 {
        let mut table = increments(seed);
        // Many equal times: a third of the increments are zero, the rest coarse.
        for (i, t) in table.iter_mut().enumerate() {
            *t = if i % 3 == 0 {
                0
            } else {
                *t / 100_000 * 100_000
            };
        }
        let heap = pop_order(std_heap(0), &table, seed);
        assert!(
            pop_order(four_ary(0), &table, seed) == heap,
            "4-ary heap order differs"
        );
        assert!(
            pop_order(radix(0), &table, seed) == heap,
            "radix heap order differs"
        );
    }
}

/// Fills, pre-rolls and times one queue at one size.
fn bench_one<P: Pending>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    queue: P,
    n: usize,
    table: &[u64],
) {
    let mut hold = Hold {
        queue,
        table,
        cursor: 0,
        next_event: 0,
    };
    hold.fill(n);
    black_box(hold.holds(n.min(PREROLL_MAX) as u64));
    eprintln!(
        "{name} at {n} pending: process RSS {:.1} MiB (the increments table: 8 MiB)",
        rss_mib()
    );
    group.bench_function(BenchmarkId::new(name, n), |b| {
        b.iter(|| black_box(hold.holds(HOLDS)))
    });
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn hold_model(c: &mut Criterion) {
    check_same_order();
    let table = increments(1);
    let mut group = c.benchmark_group("hold");
    group
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
        .throughput(Throughput::Elements(HOLDS));
    for n in SIZES {
        bench_one(&mut group, "4ary_heap", four_ary(n), n, &table);
        bench_one(&mut group, "std_binary_heap", std_heap(n), n, &table);
        bench_one(&mut group, "radix_heap", radix(n), n, &table);
    }
    group.finish();
}

criterion_group!(benches, hold_model);
criterion_main!(benches);
