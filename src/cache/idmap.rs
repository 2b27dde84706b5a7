//! A hash map from 64-bit object ids to 32-bit slab indices, built for the
//! cache hot path.
//!
//! Open addressing with linear probing and backward-shift deletion (no
//! tombstones, so lookups never slow down as objects come and go). Keys are
//! mixed with a multiplicative (Fibonacci) hash and the top bits pick the
//! slot. A slot is 16 bytes, four to a cache line; the table doubles when it
//! is half full, so a probe sequence is short. Growth is the only allocation:
//! once a cache has reached its steady-state population no request allocates.
//!
//! Not for general use: values are `u32` indices and `u32::MAX` marks an
//! empty slot.

/// Marks an empty slot.
const EMPTY: u32 = u32::MAX;

/// 2^64 / golden ratio: Knuth's multiplicative hashing constant.
const FIBONACCI_MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// The smallest table (slots); a power of two.
const MIN_SLOTS: usize = 16;

#[derive(Copy, Clone)]
struct Slot {
    key: u64,
    value: u32,
}

const EMPTY_SLOT: Slot = Slot {
    key: 0,
    value: EMPTY,
};

/// A map from object id to slab index.
#[derive(Clone)]
pub struct IdMap {
    slots: Vec<Slot>,
    /// 64 - log2(slots.len()): the shift that turns a mixed hash into a slot index.
    shift: u32,
    len: usize,
}

impl Default for IdMap {
    fn default() -> Self {
        IdMap::with_capacity(0)
    }
}

impl IdMap {
    /// A map that holds `capacity` entries before it grows.
    pub fn with_capacity(capacity: usize) -> IdMap {
        let slots = (capacity.saturating_mul(2))
            .next_power_of_two()
            .max(MIN_SLOTS);
        IdMap {
            slots: vec![EMPTY_SLOT; slots],
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
    fn home(&self, key: u64) -> usize {
        // Folding the high half in first keeps ids that differ only in their
        // top bits (hashed strings, signed ids) apart after the multiply.
        ((key ^ (key >> 32)).wrapping_mul(FIBONACCI_MULTIPLIER) >> self.shift) as usize
    }

    /// The value stored for `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<u32> {
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot.value == EMPTY {
                return None;
            }
            if slot.key == key {
                return Some(slot.value);
            }
            i = (i + 1) & mask;
        }
    }

    /// Stores `value` for `key`, replacing any previous value.
    #[inline]
    pub fn insert(&mut self, key: u64, value: u32) {
        debug_assert_ne!(value, EMPTY, "u32::MAX is reserved");
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let slot = &mut self.slots[i];
            if slot.value == EMPTY {
                *slot = Slot { key, value };
                self.len += 1;
                return;
            }
            if slot.key == key {
                slot.value = value;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Removes `key`, returning its value.
    #[inline]
    pub fn remove(&mut self, key: u64) -> Option<u32> {
        let mask = self.mask();
        let mut i = self.home(key);
        loop {
            let slot = self.slots[i];
            if slot.value == EMPTY {
                return None;
            }
            if slot.key == key {
                self.len -= 1;
                self.shift_back(i);
                return Some(slot.value);
            }
            i = (i + 1) & mask;
        }
    }

    /// Backward-shift deletion: pulls later members of the probe run into the
    /// hole at `hole` so that no lookup meets an empty slot too early.
    fn shift_back(&mut self, mut hole: usize) {
        let mask = self.mask();
        let mut i = (hole + 1) & mask;
        loop {
            let slot = self.slots[i];
            if slot.value == EMPTY {
                break;
            }
            let home = self.home(slot.key);
            // The entry at i may move to the hole only if its home is not in
            // the cyclic range (hole, i].
            if (i.wrapping_sub(home) & mask) >= (i.wrapping_sub(hole) & mask) {
                self.slots[hole] = slot;
                hole = i;
            }
            i = (i + 1) & mask;
        }
        self.slots[hole] = EMPTY_SLOT;
    }

    fn grow(&mut self) {
        let new_len = self.slots.len() * 2;
        let old = std::mem::replace(&mut self.slots, vec![EMPTY_SLOT; new_len]);
        self.shift = 64 - new_len.trailing_zeros();
        let mask = self.mask();
        for slot in old.into_iter().filter(|s| s.value != EMPTY) {
            let mut i = self.home(slot.key);
            while self.slots[i].value != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
        }
    }

    /// Removes every entry, keeping the allocation.
    pub fn clear(&mut self) {
        self.slots.fill(EMPTY_SLOT);
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_hash_map_under_random_operations() {
        let mut map = IdMap::default();
        let mut reference: HashMap<u64, u32> = HashMap::new();
        let mut x: u64 = 1;
        for step in 0..200_000u32 {
            x = crate::engine::rng::splitmix64(x);
            // A small key space makes collisions, reinsertions and removals common;
            // the high bits vary too, to exercise the fold in `home`.
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
