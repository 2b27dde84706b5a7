//! SIEVE (Zhang et al., NSDI 2024) as libCacheSim `Sieve.c` implements it.
//!
//! Objects enter at the head, unvisited; a hit marks the object visited. The
//! hand starts at the tail (oldest) and walks toward the head, clearing
//! visited marks, and evicts the first unvisited object; it then rests on the
//! evicted object's newer neighbour, and wraps to the tail after the head.
//! Objects never move.

use super::CachePolicy;
use super::list::{ListPolicy, cache_policy_methods};
use super::slab::{List, NIL};
use super::store::Store;

#[derive(Clone)]
pub struct Sieve<V> {
    /// Entry `meta` is the visited mark.
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
}

impl<V: Copy> ListPolicy<V> for Sieve<V> {
    type Miss = ();

    #[inline]
    fn on_hit(&mut self, index: u32) {
        self.store.entry_mut(index).meta = 1;
    }

    fn unlink_victim(&mut self) -> Option<u32> {
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
        Some(index)
    }

    #[inline]
    fn link_new(&mut self, index: u32, _: ()) {
        self.store.slab.push_head(&mut self.list, index);
    }

    fn unlink(&mut self, index: u32) {
        // libCacheSim `Sieve_remove_obj`: a hand resting on the removed
        // object moves to its newer neighbour.
        if self.hand == index {
            self.hand = self.store.entry(index).prev;
        }
        self.store.slab.unlink(&mut self.list, index);
    }

    fn check_lists(&self) -> Result<(), String> {
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

    #[inline]
    fn store(&mut self) -> &mut Store<V> {
        &mut self.store
    }
}

impl<V: Copy> CachePolicy<V> for Sieve<V> {
    cache_policy_methods!();
}
