//! Messages in flight: a slab of small records reused through a free list
//! (memory bounded by what is in flight, not by what was ever sent), and an
//! audit that proves no message is delivered twice or forgotten.

use super::wheel::NIL;

/// One message between publish and its end (delivered, dropped or lost).
#[derive(Copy, Clone, Debug)]
pub struct Message {
    pub published_ns: u64,
    /// Publish order, 0, 1, 2, ...: the audit's index.
    pub sequence: u64,
    /// The addressee; ids at or above the client count are offline users.
    pub user: u32,
    /// Next message in the same mailbox (polling) or free-list link.
    pub next: u32,
    /// Delivery attempts so far (a gateway that no longer holds the user's
    /// connection sends the message back for another registry lookup).
    pub attempts: u32,
    /// What a composite model sent it for ([`NO_TAG`]: the model's own).
    pub tag: u32,
}

/// The tag of the model's own messages.
pub const NO_TAG: u32 = u32::MAX;

/// How a message ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// The user had no registration (or, polling, was offline) when looked up.
    DroppedOffline,
    /// Every delivery attempt found the connection gone.
    Lost,
    /// The gateway's filter chain shed it (`push::filters`).
    Shed,
}

/// The slab and the audit.
pub struct Messages {
    slots: Vec<Message>,
    free: u32,
    next_sequence: u64,
    /// One bit per sequence number: set when the message ended.
    ended: Vec<u64>,
    /// Messages whose end was reported twice (must stay 0).
    pub duplicates: u64,
    pub in_flight: u64,
}

impl Default for Messages {
    fn default() -> Self {
        Messages::new()
    }
}

impl Messages {
    pub fn new() -> Messages {
        Messages {
            slots: Vec::new(),
            free: NIL,
            next_sequence: 0,
            ended: Vec::new(),
            duplicates: 0,
            in_flight: 0,
        }
    }

    /// A new message for `user` published at `now_ns`; returns its slot.
    pub fn publish(&mut self, now_ns: u64, user: u32) -> u32 {
        self.publish_tagged(now_ns, user, NO_TAG)
    }

    /// [`Messages::publish`] with a composite model's `tag`.
    pub fn publish_tagged(&mut self, now_ns: u64, user: u32, tag: u32) -> u32 {
        let message = Message {
            published_ns: now_ns,
            sequence: self.next_sequence,
            user,
            next: NIL,
            attempts: 0,
            tag,
        };
        self.next_sequence += 1;
        self.in_flight += 1;
        if self.free != NIL {
            let slot = self.free;
            self.free = self.slots[slot as usize].next;
            self.slots[slot as usize] = message;
            slot
        } else {
            assert!(
                self.slots.len() < NIL as usize,
                "more than 4e9 messages in flight"
            );
            self.slots.push(message);
            (self.slots.len() - 1) as u32
        }
    }

    #[inline]
    pub fn get(&self, slot: u32) -> &Message {
        &self.slots[slot as usize]
    }

    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> &mut Message {
        &mut self.slots[slot as usize]
    }

    /// Ends the message in `slot` and frees the slot; records a duplicate
    /// if its sequence number had already ended.
    pub fn end(&mut self, slot: u32) -> Message {
        let message = self.slots[slot as usize];
        let word = (message.sequence / 64) as usize;
        if self.ended.len() <= word {
            self.ended.resize(word + 1, 0);
        }
        let bit = 1u64 << (message.sequence % 64);
        if self.ended[word] & bit != 0 {
            self.duplicates += 1;
        }
        self.ended[word] |= bit;
        self.slots[slot as usize].next = self.free;
        self.free = slot;
        self.in_flight -= 1;
        message
    }

    /// Messages ever published.
    pub fn published(&self) -> u64 {
        self.next_sequence
    }

    /// Messages whose end was recorded (each counted once).
    pub fn ended_count(&self) -> u64 {
        self.ended.iter().map(|w| w.count_ones() as u64).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_and_the_audit_counts_each_once() {
        let mut m = Messages::new();
        let a = m.publish(0, 1);
        let b = m.publish(0, 2);
        m.end(a);
        let c = m.publish(5, 3);
        assert_eq!(c, a, "freed slot reused");
        assert_eq!(m.get(c).sequence, 2);
        m.end(b);
        m.end(c);
        assert_eq!(m.published(), 3);
        assert_eq!(m.ended_count(), 3);
        assert_eq!(m.duplicates, 0);
        assert_eq!(m.in_flight, 0);
    }
}
