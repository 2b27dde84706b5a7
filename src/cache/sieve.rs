//! SIEVE (Zhang et al., NSDI 2024) as libCacheSim `Sieve.c` implements it.
//!
//! Objects enter at the head, unvisited; a hit marks the object visited. The
//! hand starts at the tail (oldest) and walks toward the head, clearing
//! visited marks, and evicts the first unvisited object; it then rests on the
//! evicted object's newer neighbour, and wraps to the tail after the head.
//! Objects never move.

use super::slab::{List, NIL};
use super::store::{Store, store_accessors};
use super::{Admission, CachePolicy};

#[derive(Clone)]
pub struct Sieve<V> {
    store: Store<V>,
    list: List,
    /// Where the next eviction scan starts; `NIL` means the tail.
    hand: u32,
}

impl<V: Copy> Sieve<V> {
    pub fn new(capacity: u64) -> Self {
        Sieve {
            store: Store::new(capacity),
            list: List::EMPTY,
            hand: NIL,
        }
    }

    #[inline]
    fn hit(&mut self, id: u64) -> Option<u32> {
        let index = self.store.index(id)?;
        self.store.entry_mut(index).meta = 1;
        Some(index)
    }

    fn evict<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        let mut index = if self.hand == NIL {
            self.list.tail
        } else {
            self.hand
        };
        loop {
            let e = self.store.entry_mut(index);
            if e.meta == 0 {
                break;
            }
            e.meta = 0;
            index = if e.prev == NIL {
                self.list.tail
            } else {
                e.prev
            };
        }
        self.hand = self.store.entry(index).prev;
        self.store.slab.unlink(&mut self.list, index);
        let (id, size, payload) = self.store.drop_entry(index);
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

impl<V: Copy> CachePolicy<V> for Sieve<V> {
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
        // libCacheSim `Sieve_remove_obj`: a hand resting on the removed
        // object moves to its newer neighbour.
        if self.hand == index {
            self.hand = self.store.entry(index).prev;
        }
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
        self.store.check(&[self.list])?;
        if self.hand != NIL
            && self
                .store
                .slab
                .collect(&self.list)?
                .iter()
                .all(|&i| i != self.hand)
        {
            return Err(format!("hand {} is not on the list", self.hand));
        }
        Ok(())
    }
}
