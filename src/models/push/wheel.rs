//! A timing wheel of per-client deadlines, so that millions of idle
//! connections cost memory, not events.
//!
//! Each client has at most one deadline (the next thing that happens to it
//! by itself: its lifetime ends, its idle timer fires, its reconnect delay
//! elapses). Deadlines far ahead sit in buckets of width `tick`, kept as
//! intrusive doubly-linked lists threaded through two `u32` links per client
//! (no allocation per client). Once per tick the model drains the bucket of
//! the coming tick and puts those few deadlines, at their exact times, into
//! the engine's event queue. The binary heap therefore holds only what is
//! due within one tick, never one timer per connection.
//!
//! The wheel does not know what a deadline means; the model keeps the
//! deadline time per client and decides at fire time.

/// "No client": the end of a list.
pub const NIL: u32 = u32::MAX;

/// Buckets of deadlines, `slots` of them, each `tick_ns` wide; a deadline
/// beyond one revolution waits in its slot for later revolutions.
pub struct TimingWheel {
    tick_ns: u64,
    heads: Vec<u32>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// The slot each linked client is in (NIL: not linked).
    slot_of: Vec<u32>,
    linked: usize,
}

impl TimingWheel {
    /// A wheel for `clients` clients with `slots` buckets of `tick_ns`.
    pub fn new(clients: usize, slots: usize, tick_ns: u64) -> TimingWheel {
        assert!(slots.is_power_of_two(), "slots must be a power of two");
        TimingWheel {
            tick_ns: tick_ns.max(1),
            heads: vec![NIL; slots],
            prev: vec![NIL; clients],
            next: vec![NIL; clients],
            slot_of: vec![NIL; clients],
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
    pub const BYTES_PER_CLIENT: usize = 3 * std::mem::size_of::<u32>();

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
        debug_assert_eq!(self.slot_of[c], NIL, "client already in the wheel");
        let slot = self.slot(self.tick_of(deadline_ns));
        let head = self.heads[slot];
        self.next[c] = head;
        self.prev[c] = NIL;
        if head != NIL {
            self.prev[head as usize] = client;
        }
        self.heads[slot] = client;
        self.slot_of[c] = slot as u32;
        self.linked += 1;
    }

    /// Unlinks `client` if it is linked; returns whether it was.
    pub fn remove(&mut self, client: u32) -> bool {
        let c = client as usize;
        let slot = self.slot_of[c];
        if slot == NIL {
            return false;
        }
        let (p, n) = (self.prev[c], self.next[c]);
        if p == NIL {
            self.heads[slot as usize] = n;
        } else {
            self.next[p as usize] = n;
        }
        if n != NIL {
            self.prev[n as usize] = p;
        }
        self.prev[c] = NIL;
        self.next[c] = NIL;
        self.slot_of[c] = NIL;
        self.linked -= 1;
        true
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
            let following = self.next[client as usize];
            if self.tick_of(deadline_of(client)) <= tick {
                due.push(client);
            }
            client = following;
        }
        for &c in due.iter() {
            self.remove(c);
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
        assert!(w.remove(1));
        assert!(!w.remove(1));
        let mut due = Vec::new();
        w.drain_tick(2, |_| 2, &mut due);
        due.sort();
        assert_eq!(due, vec![0, 2]);
    }
}
