//! CLOCK (second chance) with a one-bit reference counter.
//!
//! libCacheSim `Clock.c` with its defaults (`n-bit-counter=1`, `init-freq=0`):
//! an object enters at the head with its bit clear; a hit sets the bit; to
//! evict, the oldest object is examined: set bit -> clear it and move the
//! object to the head; clear bit -> evict it.

use super::slab::List;
use super::store::{Store, store_accessors};
use super::{Admission, CachePolicy};

/// The reference bit's maximum (libCacheSim: `(1 << n_bit_counter) - 1`).
const MAX_FREQ: u32 = 1;

#[derive(Clone)]
pub struct Clock<V> {
    store: Store<V>,
    list: List,
}

impl<V: Copy> Clock<V> {
    pub fn new(capacity: u64) -> Self {
        Clock {
            store: Store::new(capacity),
            list: List::EMPTY,
        }
    }

    #[inline]
    fn hit(&mut self, id: u64) -> Option<u32> {
        let index = self.store.index(id)?;
        let e = self.store.entry_mut(index);
        e.meta = (e.meta + 1).min(MAX_FREQ);
        Some(index)
    }

    fn evict<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        loop {
            let tail = self.list.tail;
            let e = self.store.entry_mut(tail);
            if e.meta == 0 {
                break;
            }
            e.meta -= 1;
            self.store.slab.move_to_head(&mut self.list, tail);
        }
        let victim = self.list.tail;
        self.store.slab.unlink(&mut self.list, victim);
        let (id, size, payload) = self.store.drop_entry(victim);
        on_evict(id, size, payload);
    }

    #[inline]
    fn admit<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        mut on_evict: F,
    ) -> Admission {
        if !self.store.fits(size) {
            return Admission::TooLarge;
        }
        while self.store.needs_room(size) {
            self.evict(&mut on_evict);
        }
        let index = self.store.add(id, size, 0, payload);
        self.store.slab.push_head(&mut self.list, index);
        debug_assert!(self.store.used_bytes <= self.store.capacity);
        Admission::Inserted
    }
}

impl<V: Copy> CachePolicy<V> for Clock<V> {
    store_accessors!();

    #[inline]
    fn lookup(&mut self, id: u64) -> Option<&mut V> {
        let index = self.hit(id)?;
        Some(&mut self.store.entry_mut(index).payload)
    }

    fn insert_with<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        on_evict: F,
    ) -> Admission {
        self.remove(id);
        self.admit(id, size, payload, on_evict)
    }

    fn remove(&mut self, id: u64) -> Option<V> {
        let index = self.store.index(id)?;
        self.store.slab.unlink(&mut self.list, index);
        Some(self.store.drop_entry(index).2)
    }

    #[inline]
    fn access(&mut self, id: u64, size: u64, payload: V) -> bool {
        if self.hit(id).is_some() {
            return true;
        }
        self.admit(id, size, payload, |_, _, _| {});
        false
    }

    fn check_invariants(&self) -> Result<(), String> {
        self.store.check(&[self.list])
    }
}
