//! A hash map from 64-bit object ids to 32-bit slab indices, built for the
//! cache hot path.
//!
//! It is std's `HashMap` (a SwissTable: one control byte per slot, probed 16
//! at a time) with a multiplicative (Fibonacci) hash instead of SipHash.
//! Object ids are either already well mixed (hashed URLs) or small integers;
//! one multiply spreads both, and HashDoS resistance is not needed for
//! replaying one's own traces. Measured on the replay benchmark's 2 M-request
//! Zipf trace (`cargo bench --bench replay`, docs/replay.md), this beat a
//! hand-written linear-probing table with backward-shift deletion by 10-30 %
//! on LRU, FIFO, SIEVE and CLOCK and by 2x on S3-FIFO (whose ghost churns),
//! and SipHash by 3-5x. Growth is the only allocation: once a cache has
//! reached its steady population, no request allocates (deletions leave
//! tombstones that are cleared by rehashing in place).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// 2^64 / golden ratio: Knuth's multiplicative hashing constant.
const FIBONACCI_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// Hashes a `u64` with one multiply; other inputs are never hashed here.
#[derive(Clone, Copy, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by `IdMap` (keys are u64); folded in for completeness.
        for &b in bytes {
            self.write_u64(self.0 ^ b as u64);
        }
    }

    #[inline]
    fn write_u64(&mut self, key: u64) {
        // Folding the high half in first keeps ids that differ only in their
        // top bits apart; SwissTable takes the top 7 bits as the tag and the
        // low bits as the bucket, and the multiply feeds both.
        self.0 = hash_id(key);
    }
}

/// The hash of an object id: `IdHasher` without the `Hasher` plumbing.
#[inline]
pub fn hash_id(id: u64) -> u64 {
    (id ^ (id >> 32)).wrapping_mul(FIBONACCI_MULTIPLIER)
}

/// The slab indices of a cache's entries, found by the ids the entries hold.
///
/// A SwissTable like [`IdMap`], but a slot holds only the 4-byte index: the
/// id a probe compares is read from the entry itself, which a lookup reads
/// next anyway. Slots are a quarter of `IdMap`'s 16 bytes, so a cache's
/// table stays in the CPU caches far longer (the caches alone replayed
/// 6-11 % faster, docs/replay.md). The index of every cache except the
/// CDN's edge caches, which use the prefetchable
/// [`ProbeTable`](super::index::ProbeTable). Every method takes `id_of`,
/// which gives the id stored at an index.
#[derive(Clone, Default)]
pub struct IndexTable {
    table: hashbrown::HashTable<u32>,
}

impl IndexTable {
    /// A table that holds `capacity` indices before it grows.
    pub fn with_capacity(capacity: usize) -> IndexTable {
        IndexTable {
            table: hashbrown::HashTable::with_capacity(capacity),
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The index whose entry holds `id`.
    #[inline]
    pub fn get(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        self.table.find(hash_id(id), |&i| id_of(i) == id).copied()
    }

    /// Adds `index`, whose entry holds `id` (not yet in the table).
    #[inline]
    pub fn insert(&mut self, id: u64, index: u32, id_of: impl Fn(u32) -> u64) {
        debug_assert!(self.get(id, &id_of).is_none(), "{id} is in the table");
        self.table
            .insert_unique(hash_id(id), index, |&i| hash_id(id_of(i)));
    }

    /// Removes the index whose entry holds `id`, returning it.
    #[inline]
    pub fn remove(&mut self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        match self.table.find_entry(hash_id(id), |&i| id_of(i) == id) {
            Ok(entry) => Some(entry.remove().0),
            Err(_) => None,
        }
    }
}

/// A map from object id to slab index.
#[derive(Clone, Default)]
pub struct IdMap {
    map: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
}

impl IdMap {
    /// A map that holds `capacity` entries before it grows.
    pub fn with_capacity(capacity: usize) -> IdMap {
        IdMap {
            map: HashMap::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<u32> {
        self.map.get(&key).copied()
    }

    /// Stores `value` for `key`, replacing any previous value.
    #[inline]
    pub fn insert(&mut self, key: u64, value: u32) {
        self.map.insert(key, value);
    }

    /// Removes `key`, returning its value.
    #[inline]
    pub fn remove(&mut self, key: u64) -> Option<u32> {
        self.map.remove(&key)
    }

    /// Removes every entry, keeping the allocation.
    pub fn clear(&mut self) {
        self.map.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_hash_map_under_random_operations() {
        let mut map = IdMap::default();
        let mut reference: HashMap<u64, u32> = HashMap::new();
        let mut x: u64 = 1;
        for step in 0..200_000u32 {
            x = crate::engine::rng::splitmix64(x);
            // A small key space makes collisions, reinsertions and removals
            // common; the high bits vary too.
            let key = (x % 3000) | ((x % 7) << 60);
            match x >> 62 {
                0 | 1 => {
                    map.insert(key, step);
                    reference.insert(key, step);
                }
                2 => assert_eq!(map.remove(key), reference.remove(&key)),
                _ => assert_eq!(map.get(key), reference.get(&key).copied()),
            }
            assert_eq!(map.len(), reference.len());
        }
        for (&k, &v) in &reference {
            assert_eq!(map.get(k), Some(v));
        }
    }

    crate::cache::table_check::index_ops!(IndexTable);

    #[test]
    fn the_index_table_behaves_like_a_hash_map() {
        let mut table = IndexTable::with_capacity(2);
        crate::cache::table_check::against_hash_map(&mut table, (3000, 5), 200_000, |_, _, _| {});
    }

    #[test]
    fn extreme_keys_are_ordinary_keys() {
        let mut map = IdMap::with_capacity(4);
        for key in [0, u64::MAX, 1 << 63, 1] {
            map.insert(key, 7);
        }
        assert_eq!(map.get(0), Some(7));
        assert_eq!(map.get(u64::MAX), Some(7));
        assert_eq!(map.remove(1 << 63), Some(7));
        assert_eq!(map.get(1 << 63), None);
        assert_eq!(map.len(), 3);
    }
}
