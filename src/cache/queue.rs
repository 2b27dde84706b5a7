//! LRU and FIFO: one queue, newest at the head, victims from the tail.
//!
//! libCacheSim `LRU.c` and `FIFO.c`: LRU moves a hit to the head, FIFO leaves
//! it where it is. Both are the same structure with one flag.

use super::slab::List;
use super::store::{Store, store_accessors};
use super::{Admission, CachePolicy};

/// A single-queue cache; `PROMOTE` moves hits to the head (LRU) or not (FIFO).
#[derive(Clone)]
pub struct Queue<V, const PROMOTE: bool> {
    store: Store<V>,
    list: List,
}

/// Least recently used.
pub type Lru<V> = Queue<V, true>;
/// First in, first out.
pub type Fifo<V> = Queue<V, false>;

impl<V: Copy, const PROMOTE: bool> Queue<V, PROMOTE> {
    pub fn new(capacity: u64) -> Self {
        Queue {
            store: Store::new(capacity),
            list: List::EMPTY,
        }
    }

    #[inline]
    fn hit(&mut self, id: u64) -> Option<u32> {
        let index = self.store.index(id)?;
        if PROMOTE {
            self.store.slab.move_to_head(&mut self.list, index);
        }
        Some(index)
    }

    #[inline]
    fn evict<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        let victim = self.list.tail;
        self.store.slab.unlink(&mut self.list, victim);
        let (id, size, payload) = self.store.drop_entry(victim);
        on_evict(id, size, payload);
    }

    /// Inserts an object known to be absent.
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

impl<V: Copy, const PROMOTE: bool> CachePolicy<V> for Queue<V, PROMOTE> {
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
