//! LRU, FIFO and CLOCK: one queue, newest at the head, victims from the tail.
//!
//! libCacheSim `LRU.c`, `FIFO.c` and `Clock.c`: LRU moves a hit to the head,
//! FIFO leaves it where it is. CLOCK (second chance) is FIFO with a reference
//! counter, with libCacheSim's defaults (`n-bit-counter=1`, `init-freq=0`):
//! an object enters with its counter clear; a hit sets it; to evict, the
//! oldest object is examined: counter set -> decrement it and move the object
//! to the head; clear -> evict it. All three are the same structure with two
//! parameters.

use super::CachePolicy;
use super::list::{ListPolicy, cache_policy_methods};
use super::slab::List;
use super::store::Store;

/// A single-queue cache. `PROMOTE` moves hits to the head (LRU); `MAX_FREQ`
/// is the reference counter's maximum, 0 for none (LRU, FIFO) and 1 for
/// CLOCK's one bit (libCacheSim: `(1 << n_bit_counter) - 1`).
#[derive(Clone)]
pub struct Queue<V, const PROMOTE: bool, const MAX_FREQ: u32> {
    /// Entry `meta` is the reference counter.
    store: Store<V>,
    list: List,
}

/// Least recently used.
pub type Lru<V> = Queue<V, true, 0>;
/// First in, first out.
pub type Fifo<V> = Queue<V, false, 0>;
/// CLOCK (second chance) with a one-bit reference counter.
pub type Clock<V> = Queue<V, false, 1>;

impl<V: Copy, const PROMOTE: bool, const MAX_FREQ: u32> Queue<V, PROMOTE, MAX_FREQ> {
    pub fn new(capacity: u64) -> Self {
        Queue {
            store: Store::new(capacity),
            list: List::EMPTY,
        }
    }
}

impl<V: Copy, const PROMOTE: bool, const MAX_FREQ: u32> ListPolicy<V>
    for Queue<V, PROMOTE, MAX_FREQ>
{
    type Miss = ();
    const RELINKS_ON_HIT: bool = PROMOTE;

    #[inline]
    fn on_hit(&mut self, index: u32) {
        if PROMOTE {
            self.store.slab.move_to_head(&mut self.list, index);
        }
        if MAX_FREQ > 0 {
            let e = self.store.entry_mut(index);
            e.meta = (e.meta + 1).min(MAX_FREQ);
        }
    }

    #[inline]
    fn unlink_victim(&mut self) -> Option<u32> {
        let mut victim = self.list.tail;
        // Without a counter (LRU, FIFO) every counter stays 0: the tail goes.
        if MAX_FREQ > 0 {
            loop {
                let e = self.store.entry_mut(victim);
                if e.meta == 0 {
                    break;
                }
                e.meta -= 1;
                self.store.slab.move_to_head(&mut self.list, victim);
                victim = self.list.tail;
            }
        }
        self.unlink(victim);
        Some(victim)
    }

    #[inline]
    fn link_new(&mut self, index: u32, _: ()) {
        self.store.slab.push_head(&mut self.list, index);
    }

    #[inline]
    fn unlink(&mut self, index: u32) {
        self.store.slab.unlink(&mut self.list, index);
    }

    fn check_lists(&self) -> Result<(), String> {
        self.store.check(&[self.list])
    }

    #[inline]
    fn store(&mut self) -> &mut Store<V> {
        &mut self.store
    }
}

impl<V: Copy, const PROMOTE: bool, const MAX_FREQ: u32> CachePolicy<V>
    for Queue<V, PROMOTE, MAX_FREQ>
{
    cache_policy_methods!();
}
