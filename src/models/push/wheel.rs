//! A timing wheel of per-client deadlines, so that millions of idle
//! connections cost memory, not events.
//!
//! Each client has at most one deadline (the next thing that happens to it
//! by itself: its lifetime ends, its idle timer fires, its reconnect delay
//! elapses). Deadlines far ahead sit in buckets of width `tick`, kept as
//! intrusive doubly-linked lists threaded through two `u32` links per client
//! (8 bytes, no allocation per client). A client's slot is not stored: it
//! follows from the deadline it was linked with, which the model keeps and
//! hands back to [`TimingWheel::remove`]; a head of a list is marked by its
//! `prev` link. Once per tick the model drains the bucket of
//! the coming tick and puts those few deadlines, at their exact times, into
//! the engine's event queue. The binary heap therefore holds only what is
//! due within one tick, never one timer per connection.
//!
//! The wheel does not know what a deadline means; the model keeps the
//! deadline time per client and decides at fire time.

/// "No client": the end of a list.
pub const NIL: u32 = u32::MAX;
/// `prev` of a client not in the wheel.
const UNLINKED: u32 = u32::MAX;
/// `prev` of the first client of a bucket.
const HEAD: u32 = u32::MAX - 1;
const PREV: usize = 0;
const NEXT: usize = 1;
/// The most clients a wheel holds (the ids above are markers).
pub const MAX_CLIENTS: usize = HEAD as usize;

/// Buckets of deadlines, `slots` of them, each `tick_ns` wide; a deadline
/// beyond one revolution waits in its slot for later revolutions.
pub struct TimingWheel {
    tick_ns: u64,
    heads: Vec<u32>,
    /// Per client, side by side (one cache line per unlink): the previous
    /// client in the bucket ([`HEAD`] for the first, [`UNLINKED`] when not
    /// in the wheel) and the next ([`NIL`] for the last).
    links: Vec<[u32; 2]>,
    linked: usize,
}

impl TimingWheel {
    /// A wheel for `clients` clients with `slots` buckets of `tick_ns`.
    pub fn new(clients: usize, slots: usize, tick_ns: u64) -> TimingWheel {
        assert!(slots.is_power_of_two(), "slots must be a power of two");
        assert!(clients <= MAX_CLIENTS, "at most {MAX_CLIENTS} clients");
        TimingWheel {
            tick_ns: tick_ns.max(1),
            heads: vec![NIL; slots],
            links: vec![[UNLINKED, NIL]; clients],
            linked: 0,
        }
    }

    pub fn tick_ns(&self) -> u64 {
        self.tick_ns
    }

    /// Clients waiting in the wheel.
    pub fn len(&self) -> usize {
        self.linked
    }

    pub fn is_empty(&self) -> bool {
        self.linked == 0
    }

    /// Bytes the wheel holds per client (its links), for the state budget.
    pub const BYTES_PER_CLIENT: usize = 2 * std::mem::size_of::<u32>();

    /// The bucket index of an instant.
    pub fn tick_of(&self, time_ns: u64) -> u64 {
        time_ns / self.tick_ns
    }

    fn slot(&self, tick: u64) -> usize {
        (tick as usize) & (self.heads.len() - 1)
    }

    /// Links `client` into the bucket of `deadline_ns`; it must not be linked.
    pub fn insert(&mut self, client: u32, deadline_ns: u64) {
        let c = client as usize;
        debug_assert_eq!(self.links[c][PREV], UNLINKED, "client already in the wheel");
        let slot = self.slot(self.tick_of(deadline_ns));
        let head = self.heads[slot];
        self.links[c] = [HEAD, head];
        if head != NIL {
            self.links[head as usize][PREV] = client;
        }
        self.heads[slot] = client;
        self.linked += 1;
    }

    /// Unlinks `client` if it is linked, given the deadline it was linked
    /// with; returns whether it was.
    pub fn remove(&mut self, client: u32, deadline_ns: u64) -> bool {
        if self.links[client as usize][PREV] == UNLINKED {
            return false;
        }
        let slot = self.slot(self.tick_of(deadline_ns));
        self.unlink(client, slot);
        true
    }

    /// Unlinks linked `client` from bucket `slot`.
    #[inline]
    fn unlink(&mut self, client: u32, slot: usize) {
        let c = client as usize;
        let [p, n] = self.links[c];
        if p == HEAD {
            debug_assert_eq!(self.heads[slot], client, "client linked elsewhere");
            self.heads[slot] = n;
        } else {
            self.links[p as usize][NEXT] = n;
        }
        if n != NIL {
            self.links[n as usize][PREV] = p;
        }
        self.links[c] = [UNLINKED, NIL];
        self.linked -= 1;
    }

    /// Removes and returns, into `due`, the clients of bucket `tick` whose
    /// deadline (read through `deadline_of`) falls in that tick; the others
    /// (later revolutions) stay. `due` is cleared first and keeps the
    /// bucket's order, which is deterministic.
    pub fn drain_tick(&mut self, tick: u64, deadline_of: impl Fn(u32) -> u64, due: &mut Vec<u32>) {
        due.clear();
        let slot = self.slot(tick);
        let mut client = self.heads[slot];
        while client != NIL {
            let following = self.links[client as usize][NEXT];
            if self.tick_of(deadline_of(client)) <= tick {
                due.push(client);
            }
            client = following;
        }
        for &c in due.iter() {
            self.unlink(c, slot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drains_only_the_due_revolution() {
        let mut w = TimingWheel::new(4, 8, 10);
        let deadlines = [15u64, 17, 95, 15 + 80];
        for (c, &d) in deadlines.iter().enumerate() {
            w.insert(c as u32, d);
        }
        assert_eq!(w.len(), 4);
        let mut due = Vec::new();
        // Tick 1 covers [10, 20): clients 0 and 1; client 3 (tick 9) shares
        // the slot but belongs to the next revolution.
        w.drain_tick(1, |c| deadlines[c as usize], &mut due);
        due.sort();
        assert_eq!(due, vec![0, 1]);
        assert_eq!(w.len(), 2);
        w.drain_tick(9, |c| deadlines[c as usize], &mut due);
        due.sort();
        assert_eq!(due, vec![2, 3]);
        assert!(w.is_empty());
    }

    #[test]
    fn remove_unlinks_from_the_middle() {
        let mut w = TimingWheel::new(3, 4, 1);
        for c in 0..3 {
            w.insert(c, 2);
        }
        assert!(w.remove(1, 2));
        assert!(!w.remove(1, 2));
        assert!(w.remove(0, 2));
        w.insert(0, 2);
        let mut due = Vec::new();
        w.drain_tick(2, |_| 2, &mut due);
        due.sort();
        assert_eq!(due, vec![0, 2]);
    }
}
