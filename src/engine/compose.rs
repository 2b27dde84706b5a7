//! Models composed of models: one event enum over the parts' events, one
//! queue, static dispatch. A part keeps its own `Model` impl and its own
//! `Scheduler<PartEvent>`; [`Relay`] runs a part's handler on a scratch
//! scheduler set to the outer clock, then moves what the handler scheduled
//! into the outer queue, wrapped, in the order it was scheduled at each
//! instant. Ties keep the (time, sequence) order the part would have seen
//! alone: the outer queue numbers the relayed events after every event
//! already waiting, as the part's own queue would. So a composite with a
//! single part handles that part's events in exactly its own order.

use super::sim::{Model, Scheduler};

/// A part's scratch scheduler.
pub struct Relay<E> {
    scratch: Scheduler<E>,
}

impl<E> Default for Relay<E> {
    fn default() -> Self {
        Relay {
            scratch: Scheduler::new(),
        }
    }
}

impl<E> Relay<E> {
    /// Lets `part` schedule its first events (its `start`).
    pub fn start<M, O>(&mut self, part: &mut M, outer: &mut Scheduler<O>, wrap: impl Fn(E) -> O)
    where
        M: Model<Event = E>,
    {
        self.with(outer, wrap, |s| part.start(s));
    }

    /// Hands `event` to `part` at the outer clock.
    #[inline]
    pub fn handle<M, O>(
        &mut self,
        part: &mut M,
        event: E,
        outer: &mut Scheduler<O>,
        wrap: impl Fn(E) -> O,
    ) where
        M: Model<Event = E>,
    {
        self.with(outer, wrap, |s| part.handle(event, s));
    }

    /// Runs `f` with the part's scheduler at the outer clock (a composite
    /// calling into a part: a campaign publishing, a client fetching), then
    /// relays what it scheduled; a stop it asked for stops the outer run.
    #[inline]
    pub fn with<O, R>(
        &mut self,
        outer: &mut Scheduler<O>,
        wrap: impl Fn(E) -> O,
        f: impl FnOnce(&mut Scheduler<E>) -> R,
    ) -> R {
        self.scratch.set_now(outer.now());
        let result = f(&mut self.scratch);
        self.scratch.relay_into(outer, wrap);
        result
    }
}
