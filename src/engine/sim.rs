//! The run loop: a model, a scheduler and a window (warm-up, horizon).
//!
//! A model is a plain struct with its state; its events are a small enum.
//! The loop pops events in (time, sequence) order and hands each to
//! [`Model::handle`] with static dispatch. Statistics gathered during the
//! warm-up are discarded: [`Model::end_warmup`] is called once, at the end of
//! the warm-up, and must reset them.

use super::queue::EventQueue;
use super::time::SimTime;

/// A simulation model driven by the engine.
pub trait Model {
    /// The model's events: small plain values (ids, not pointers).
    type Event;

    /// Schedules the first events; called once at time zero.
    fn start(&mut self, scheduler: &mut Scheduler<Self::Event>);

    /// Handles one event at `scheduler.now()`.
    fn handle(&mut self, event: Self::Event, scheduler: &mut Scheduler<Self::Event>);

    /// Called once when the warm-up ends: reset every statistic.
    fn end_warmup(&mut self, now: SimTime);

    /// A bound on memory the model has passed (a waiting queue that grew
    /// past its limit), as a message naming the component, the bound and
    /// the key to change; `None` while within bounds. `max_queued` is the
    /// most items one of the model's growing queues may hold
    /// (`run.max_queued`). The loop asks every [`BOUND_CHECK_EVERY`]
    /// events and ends the run with the message.
    fn over_bound(&self, max_queued: u64) -> Option<String> {
        let _ = max_queued;
        None
    }
}

/// How often (in handled events) the loop checks the run's memory bounds:
/// the pending events and [`Model::over_bound`]. Between two checks a
/// model can add at most this many events' worth of state.
pub const BOUND_CHECK_EVERY: u64 = 1 << 16;

/// Pending events allowed when the experiment sets no
/// `run.max_pending_events`: about 2 GB of events at 40 bytes each.
pub const DEFAULT_MAX_PENDING: u64 = 50_000_000;

/// Items one growing model queue (a CDN station's waiting requests, the
/// push model's Kafka partitions) may hold when the experiment sets no
/// `run.max_queued`.
pub const DEFAULT_MAX_QUEUED: u64 = 20_000_000;

/// The clock and the pending events, as seen by a model.
pub struct Scheduler<E> {
    queue: EventQueue<E>,
    now: SimTime,
    stop_requested: bool,
    /// Why the loop ended the run early (a bound passed), if it did.
    failure: Option<String>,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Scheduler::new()
    }
}

impl<E> Scheduler<E> {
    pub fn new() -> Scheduler<E> {
        Scheduler {
            queue: EventQueue::new(),
            now: SimTime::ZERO,
            stop_requested: false,
            failure: None,
        }
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at `time`, which must not be in the past.
    #[inline]
    pub fn schedule_at(&mut self, time: SimTime, event: E) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        self.queue.push(time.max(self.now), event);
    }

    /// Schedules `event` after `delay`.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.queue.push(self.now + delay, event);
    }

    /// Events waiting.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Ends the run after the current event (e.g. every client has finished).
    pub fn stop(&mut self) {
        self.stop_requested = true;
    }

    /// Sets the clock of a part's scratch scheduler (`compose::Relay`).
    pub(super) fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    /// Moves every event scheduled here into `outer`, wrapped, in (time,
    /// sequence) order, and passes on a stop (`compose::Relay`).
    pub(super) fn relay_into<O>(&mut self, outer: &mut Scheduler<O>, wrap: impl Fn(E) -> O) {
        while let Some((time, event)) = self.queue.pop() {
            outer.queue.push(time, wrap(event));
        }
        self.queue.rewind();
        if std::mem::take(&mut self.stop_requested) {
            outer.stop_requested = true;
        }
    }
}

/// The simulated window of one run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct RunWindow {
    /// Statistics before this instant are discarded.
    pub warmup: SimTime,
    /// The run ends here; events at or after it are not handled.
    pub horizon: SimTime,
    /// A bound on handled events, so that a runaway model cannot run forever.
    pub max_events: u64,
    /// A bound on pending events, so that a runaway model cannot exhaust
    /// memory (`run.max_pending_events`).
    pub max_pending: u64,
    /// A bound on the items of each growing model queue
    /// (`run.max_queued`, [`Model::over_bound`]).
    pub max_queued: u64,
}

/// What the loop did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunReport {
    /// Events handled, warm-up included.
    pub events: u64,
    /// The simulated time the run ended at.
    pub end: SimTime,
    /// True when `max_events` cut the run short.
    pub truncated: bool,
    /// True when the model asked to stop.
    pub stopped: bool,
    /// Set when a memory bound ended the run: what was passed and the key
    /// to change. The run has failed; its statistics mean nothing.
    pub failure: Option<String>,
}

impl RunReport {
    /// What a run that handled `events` on `scheduler` reports.
    fn of<E>(scheduler: &mut Scheduler<E>, events: u64, truncated: bool) -> RunReport {
        RunReport {
            events,
            end: scheduler.now,
            truncated,
            stopped: scheduler.stop_requested,
            failure: scheduler.failure.take(),
        }
    }
}

impl RunReport {
    /// The report, or the bound that ended the run as an error.
    pub fn within_bounds(self) -> Result<RunReport, String> {
        match self.failure {
            Some(why) => Err(why),
            None => Ok(self),
        }
    }
}

/// Runs `model` from time zero over `window`.
pub fn run<M: Model>(model: &mut M, window: RunWindow) -> RunReport {
    let mut scheduler = Scheduler::new();
    run_with(model, &mut scheduler, window)
}

/// Runs `model` with a caller-provided scheduler (to reuse its allocation).
pub fn run_with<M: Model>(
    model: &mut M,
    scheduler: &mut Scheduler<M::Event>,
    window: RunWindow,
) -> RunReport {
    model.start(scheduler);
    let mut events = 0u64;
    let mut truncated = false;
    let warmup = window.warmup.min(window.horizon);
    if warmup > SimTime::ZERO {
        truncated = run_until(model, scheduler, warmup, &window, &mut events);
        if !truncated && !scheduler.stop_requested {
            model.end_warmup(warmup);
        }
    }
    if !truncated && !scheduler.stop_requested {
        truncated = run_until(model, scheduler, window.horizon, &window, &mut events);
    }
    RunReport::of(scheduler, events, truncated)
}

/// Continues a run that [`run_with`] began on `scheduler`, handling the
/// events before `horizon` (no warm-up, no new start). Benchmarks use it
/// to time a model in its steady state after an untimed first segment.
pub fn run_on<M: Model>(
    model: &mut M,
    scheduler: &mut Scheduler<M::Event>,
    horizon: SimTime,
    max_events: u64,
) -> RunReport {
    let mut events = 0u64;
    let window = RunWindow {
        warmup: SimTime::ZERO,
        horizon,
        max_events,
        max_pending: u64::MAX,
        max_queued: u64::MAX,
    };
    let truncated =
        !scheduler.stop_requested && run_until(model, scheduler, horizon, &window, &mut events);
    RunReport::of(scheduler, events, truncated)
}

/// Handles events strictly before `limit`; returns true if `max_events` was
/// hit. A passed memory bound stops the run with `scheduler.failure` set.
fn run_until<M: Model>(
    model: &mut M,
    scheduler: &mut Scheduler<M::Event>,
    limit: SimTime,
    window: &RunWindow,
    events: &mut u64,
) -> bool {
    let max_events = window.max_events;
    loop {
        if *events >= max_events {
            if scheduler.queue.peek_time().is_some_and(|time| time < limit) {
                return true;
            }
            break;
        }
        let Some((time, event)) = scheduler.queue.pop_before(limit) else {
            break;
        };
        debug_assert!(time >= scheduler.now, "time went backwards");
        scheduler.now = time;
        model.handle(event, scheduler);
        *events += 1;
        if scheduler.stop_requested {
            return false;
        }
        if events.is_multiple_of(BOUND_CHECK_EVERY)
            && let Some(why) = over_bound(model, scheduler, window)
        {
            scheduler.failure = Some(why);
            scheduler.stop_requested = true;
            return false;
        }
    }
    if !scheduler.stop_requested {
        scheduler.now = scheduler.now.max(limit);
    }
    false
}

/// The memory bound the run has passed, if any: its pending events, or
/// the model's own bounds.
#[cold]
fn over_bound<M: Model>(
    model: &M,
    scheduler: &Scheduler<M::Event>,
    window: &RunWindow,
) -> Option<String> {
    let max = window.max_pending;
    let pending = scheduler.queue.len() as u64;
    if pending > max {
        return Some(format!(
            "engine: {pending} pending events at {} passed the bound of {max} \
             (the model schedules events faster than it handles them); lower the load or \
             shorten the run, or raise `run.max_pending_events` if the machine has the memory",
            scheduler.now
        ));
    }
    model.over_bound(window.max_queued)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model that ticks every second and counts ticks after warm-up.
    #[derive(Default)]
    struct Ticker {
        ticks: u64,
        resets: u32,
        seen: Vec<SimTime>,
    }

    impl Model for Ticker {
        type Event = ();
        fn start(&mut self, s: &mut Scheduler<()>) {
            s.schedule_at(SimTime::ZERO, ());
        }
        fn handle(&mut self, _: (), s: &mut Scheduler<()>) {
            self.ticks += 1;
            self.seen.push(s.now());
            s.schedule_in(SimTime::from_secs(1), ());
        }
        fn end_warmup(&mut self, _: SimTime) {
            self.ticks = 0;
            self.resets += 1;
        }
    }

    #[test]
    fn warmup_resets_once_and_horizon_is_exclusive() {
        let mut m = Ticker::default();
        let report = run(
            &mut m,
            RunWindow {
                warmup: SimTime::from_secs(3),
                horizon: SimTime::from_secs(10),
                max_events: u64::MAX,
                max_pending: u64::MAX,
                max_queued: u64::MAX,
            },
        );
        // Ticks at 0..=9 are handled; 3..=9 after warm-up.
        assert_eq!(report.events, 10);
        assert_eq!(m.ticks, 7);
        assert_eq!(m.resets, 1);
        assert_eq!(report.end, SimTime::from_secs(10));
        assert!(!report.truncated);
    }

    #[test]
    fn max_events_truncates() {
        let mut m = Ticker::default();
        let report = run(
            &mut m,
            RunWindow {
                warmup: SimTime::ZERO,
                horizon: SimTime::from_secs(100),
                max_events: 5,
                max_pending: u64::MAX,
                max_queued: u64::MAX,
            },
        );
        assert!(report.truncated);
        assert_eq!(report.events, 5);
    }

    /// A model whose every event schedules two more: its pending events
    /// double until the bound ends the run.
    struct Doubler;

    impl Model for Doubler {
        type Event = ();
        fn start(&mut self, s: &mut Scheduler<()>) {
            s.schedule_at(SimTime::ZERO, ());
        }
        fn handle(&mut self, _: (), s: &mut Scheduler<()>) {
            s.schedule_in(SimTime::from_nanos(1), ());
            s.schedule_in(SimTime::from_nanos(2), ());
        }
        fn end_warmup(&mut self, _: SimTime) {}
    }

    #[test]
    fn a_pending_event_bound_ends_the_run_with_a_message() {
        let report = run(
            &mut Doubler,
            RunWindow {
                warmup: SimTime::ZERO,
                horizon: SimTime::from_secs(100),
                max_events: u64::MAX,
                max_pending: 100_000,
                max_queued: u64::MAX,
            },
        );
        let why = report.clone().within_bounds().unwrap_err();
        assert!(why.contains("run.max_pending_events"), "{why}");
        assert!(report.stopped);
        assert!(report.events <= 2 * BOUND_CHECK_EVERY, "{}", report.events);
    }
}
