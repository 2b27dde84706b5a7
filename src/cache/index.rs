//! The slab indices of a cache's entries, found by the ids the entries
//! hold, in a table whose slots can be prefetched.
//!
//! Open addressing with linear probing over 8-byte slots: the top 32 bits of
//! an id's hash (a tag) beside the entry's slab index. A probe compares
//! tags and reads an entry's id only on a tag match, so a lookup touches
//! one slot line and the entry it was going to read anyway. The hash is
//! Fibonacci (one multiply), whose top bits are the well-mixed ones; a
//! slot's home is the top bits of its tag, so growing and deleting (by
//! backward shift, no tombstones) never read an entry.
//!
//! Knowing where an id's slot is without touching it is what lets a cache
//! be told of a lookup ahead of time ([`ProbeTable::prefetch_slot`], then
//! [`ProbeTable::candidate`] for the entry): the CDN model draws each
//! region's requests ahead and warms the CPU caches for them, which a
//! SwissTable (whose layout is private) does not allow. The price is room:
//! at most half the slots are used (linear probing slows fast beyond), so
//! a table takes 16-32 bytes per entry against the SwissTable
//! [`IndexTable`](super::idmap::IndexTable)'s 6-11, and a large cache whose
//! table then outgrows the CPU caches replays slower with it. Caches that
//! are not told of lookups ahead keep the SwissTable.

use super::idmap::hash_id;
use super::slab::prefetch;

/// Slots of a new table.
const MIN_SLOTS: usize = 16;

/// An index table; every method that compares ids takes `id_of`, which
/// gives the id stored at a slab index.
#[derive(Clone)]
pub struct ProbeTable {
    /// `tag << 32 | (index + 1)`; 0 is an empty slot.
    slots: Vec<u64>,
    /// 64 minus log2 of the slot count: `hash >> shift` is a home slot.
    shift: u32,
    len: usize,
}

impl Default for ProbeTable {
    fn default() -> Self {
        ProbeTable::with_capacity(0)
    }
}

impl ProbeTable {
    /// A table that holds `capacity` indices before it grows.
    pub fn with_capacity(capacity: usize) -> ProbeTable {
        let slots = (capacity.saturating_mul(2) + 1)
            .next_power_of_two()
            .max(MIN_SLOTS);
        ProbeTable {
            slots: vec![0; slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash >> self.shift) as usize
    }

    /// The first slot of `id`'s run whose tag is `id`'s and whose index
    /// `matches`.
    #[inline]
    fn probe(&self, id: u64, matches: impl Fn(u32) -> bool) -> Option<usize> {
        let hash = hash_id(id);
        let tag = hash >> 32;
        let mask = self.mask();
        let mut i = self.home(hash);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag && matches(slot as u32 - 1) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// The slot holding `id`'s index.
    #[inline]
    fn position(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<usize> {
        self.probe(id, |index| id_of(index) == id)
    }

    /// The index whose entry holds `id`.
    #[inline]
    pub fn get(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        self.position(id, id_of).map(|i| self.slots[i] as u32 - 1)
    }

    /// Adds `index`, whose entry holds `id` (not yet in the table).
    #[inline]
    pub fn insert(&mut self, id: u64, index: u32, id_of: impl Fn(u32) -> u64) {
        debug_assert!(self.get(id, &id_of).is_none(), "{id} is in the table");
        debug_assert!(index < u32::MAX, "slab index {index} out of range");
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let hash = hash_id(id);
        self.place(((hash >> 32) << 32) | (index as u64 + 1));
        self.len += 1;
    }

    /// Puts `slot` in the first free slot from its home.
    #[inline]
    fn place(&mut self, slot: u64) {
        let mask = self.mask();
        let mut i = self.home(slot);
        while self.slots[i] != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
    }

    /// Doubles the slots; a slot's tag gives its new home.
    #[cold]
    fn grow(&mut self) {
        let count = self.slots.len() * 2;
        assert!(count <= 1 << 32, "more than 2^32 slots");
        let old = std::mem::replace(&mut self.slots, vec![0; count]);
        self.shift -= 1;
        for slot in old.into_iter().filter(|&s| s != 0) {
            self.place(slot);
        }
    }

    /// Removes the index whose entry holds `id`, returning it.
    #[inline]
    pub fn remove(&mut self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        let mut hole = self.position(id, id_of)?;
        let index = self.slots[hole] as u32 - 1;
        // Backward shift: pull later slots of the run into the hole when
        // the hole lies between their home and where they sit.
        let mask = self.mask();
        let mut j = hole;
        loop {
            j = (j + 1) & mask;
            let slot = self.slots[j];
            if slot == 0 {
                break;
            }
            let home = self.home(slot);
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots[hole] = slot;
                hole = j;
            }
        }
        self.slots[hole] = 0;
        self.len -= 1;
        Some(index)
    }

    /// Removes every index, keeping the slots.
    pub fn clear(&mut self) {
        self.slots.fill(0);
        self.len = 0;
    }

    /// Starts loading the line of `id`'s home slot into the CPU caches.
    #[inline]
    pub fn prefetch_slot(&self, id: u64) {
        prefetch(&self.slots[self.home(hash_id(id))]);
    }

    /// The index of the first slot of `id`'s run with its tag, without
    /// reading any entry: `id`'s index, unless another id shares its tag
    /// (about one in 2^32) or `id` is absent. For prefetching only.
    #[inline]
    pub fn candidate(&self, id: u64) -> Option<u32> {
        self.probe(id, |_| true).map(|i| self.slots[i] as u32 - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::table_check::{against_hash_map, index_ops};

    index_ops!(ProbeTable);

    /// Random inserts, removes and lookups against std's map, over ids that
    /// collide in their homes (a small table's worth) and in their tags.
    #[test]
    fn behaves_like_a_hash_map() {
        for (space, high) in [(3_000u64, 5u64), (40, 1), (1 << 20, 3)] {
            let mut table = ProbeTable::with_capacity(2);
            let ids = against_hash_map(&mut table, (space, high), 100_000, |table, id, index| {
                assert_eq!(table.candidate(id), Some(index));
            });
            table.clear();
            assert!(table.is_empty());
            assert_eq!(table.get(ids[0], |i| ids[i as usize]), None);
        }
    }

    #[test]
    fn a_full_run_wraps_around_the_end() {
        // Every id's home is the last slot of 16: the run wraps to slot 0.
        let mut table = ProbeTable::with_capacity(4);
        let ids: Vec<u64> = (0..u64::MAX)
            .filter(|&id| table.home(hash_id(id)) == 15)
            .take(6)
            .collect();
        let id_of = |i: u32| ids[i as usize];
        for (i, &id) in ids.iter().enumerate() {
            table.insert(id, i as u32, id_of);
        }
        assert_eq!(table.slots.len(), 16);
        assert_eq!(table.remove(ids[0], id_of), Some(0));
        for (i, &id) in ids.iter().enumerate().skip(1) {
            assert_eq!(table.get(id, id_of), Some(i as u32));
        }
        assert_eq!(table.remove(ids[3], id_of), Some(3));
        assert_eq!(table.get(ids[5], id_of), Some(5));
        assert_eq!(table.len(), 4);
    }
}
