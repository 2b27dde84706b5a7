//! S3-FIFO (Yang et al., SOSP 2023) as libCacheSim `S3FIFO.c` implements it
//! in its "2024 Oct" version (the older design is `S3FIFOv0.c`).
//!
//! A small FIFO of `floor(0.1 C)`, a main FIFO of `C - small` run as a
//! two-bit CLOCK, and a ghost FIFO of `floor(0.9 C)` that remembers the ids
//! (and sizes) of objects evicted from the small queue. Quirks kept on
//! purpose, because counts must equal libCacheSim's:
//! - only objects with `size <= small` are admitted; a non-ghost object with
//!   `size == small` is declined *after* the eviction loop has run;
//! - until the first eviction, an insert goes to main once small is full;
//! - eviction takes from main if main is over its share or small is empty,
//!   otherwise from small (moving objects hit twice or more to main, until one
//!   object leaves small for the ghost).

use super::CachePolicy;
use super::idmap::IdMap;
use super::list::{ListPolicy, cache_policy_methods};
use super::slab::{List, Slab};
use super::store::Store;

/// libCacheSim S3FIFO.c `DEFAULT_CACHE_PARAMS`: "small-size-ratio=0.10,ghost-size-ratio=0.90,move-to-main-threshold=2".
const SMALL_SIZE_RATIO: f64 = 0.10;
const GHOST_SIZE_RATIO: f64 = 0.90;
const MOVE_TO_MAIN_THRESHOLD: u32 = 2;
/// libCacheSim `S3FIFO_evict_main`: "clock with 2-bit counter".
const MAIN_FREQ_MAX: u32 = 3;

/// Entry `meta`: bit 31 marks the main queue, the low bits count hits.
const IN_MAIN: u32 = 1 << 31;
const FREQ_MASK: u32 = IN_MAIN - 1;

/// A FIFO of ids and sizes (libCacheSim builds it as a FIFO cache, so it has
/// a byte capacity and admits by size too).
#[derive(Clone)]
struct Ghost {
    map: IdMap,
    slab: Slab<()>,
    list: List,
    used_bytes: u64,
    capacity: u64,
}

impl Ghost {
    fn new(capacity: u64) -> Ghost {
        Ghost {
            map: IdMap::default(),
            slab: Slab::default(),
            list: List::EMPTY,
            used_bytes: 0,
            capacity,
        }
    }

    /// libCacheSim `ghost_fifo->get`: a FIFO access (present: nothing; absent:
    /// insert if it fits, evicting the oldest ids).
    fn record(&mut self, id: u64, size: u64) {
        if self.map.get(id).is_some() || size > self.capacity {
            return;
        }
        while self.used_bytes + size > self.capacity {
            let oldest = self.list.tail;
            self.slab.unlink(&mut self.list, oldest);
            let e = *self.slab.get(oldest);
            self.map.remove(e.id);
            self.used_bytes -= e.size;
            self.slab.release(oldest);
        }
        let index = self.slab.alloc(id, size, 0, ());
        self.map.insert(id, index);
        self.slab.push_head(&mut self.list, index);
        self.used_bytes += size;
    }

    /// Forgets `id`; returns whether it was there.
    fn take(&mut self, id: u64) -> bool {
        let Some(index) = self.map.remove(id) else {
            return false;
        };
        self.slab.unlink(&mut self.list, index);
        self.used_bytes -= self.slab.get(index).size;
        self.slab.release(index);
        true
    }
}

/// Where a missed id goes if it is inserted.
#[derive(Copy, Clone, Default, PartialEq, Eq)]
pub(crate) enum Route {
    #[default]
    Small,
    Main,
}

#[derive(Clone)]
pub struct S3Fifo<V> {
    store: Store<V>,
    small: List,
    main: List,
    small_bytes: u64,
    main_bytes: u64,
    small_capacity: u64,
    main_capacity: u64,
    /// `None` when its capacity rounds to zero (libCacheSim: `ghost_fifo = NULL`).
    ghost: Option<Ghost>,
    has_evicted: bool,
    /// The id whose ghost entry the last `lookup` consumed.
    ghost_hit: Option<u64>,
}

impl<V: Copy> S3Fifo<V> {
    /// Fails when the small queue would hold nothing (capacity below 10).
    pub fn new(capacity: u64) -> Result<Self, String> {
        // libCacheSim S3FIFO_init: `(int64_t)cache_size * small_size_ratio`,
        // truncated; the same double arithmetic gives the same sizes.
        let small_capacity = (capacity as f64 * SMALL_SIZE_RATIO) as u64;
        let ghost_capacity = (capacity as f64 * GHOST_SIZE_RATIO) as u64;
        if small_capacity == 0 {
            return Err(format!(
                "S3-FIFO needs a capacity of at least 10 (its small queue is 10% of the cache); got {capacity}"
            ));
        }
        Ok(S3Fifo {
            store: Store::new(capacity),
            small: List::EMPTY,
            main: List::EMPTY,
            small_bytes: 0,
            main_bytes: 0,
            small_capacity,
            main_capacity: capacity - small_capacity,
            ghost: (ghost_capacity > 0).then(|| Ghost::new(ghost_capacity)),
            has_evicted: false,
            ghost_hit: None,
        })
    }

    fn in_main(&self, index: u32) -> bool {
        self.store.entry(index).meta & IN_MAIN != 0
    }

    fn push_main(&mut self, index: u32, freq: u32) {
        self.store.entry_mut(index).meta = IN_MAIN | freq;
        self.store.slab.push_head(&mut self.main, index);
        self.main_bytes += self.store.entry(index).size;
    }

    /// libCacheSim `S3FIFO_evict_small`.
    fn evict_small(&mut self) -> Option<u32> {
        while self.small_bytes > 0 {
            let oldest = self.small.tail;
            self.unlink(oldest);
            let e = *self.store.entry(oldest);
            if e.meta & FREQ_MASK >= MOVE_TO_MAIN_THRESHOLD {
                self.push_main(oldest, 0);
            } else {
                if let Some(ghost) = &mut self.ghost {
                    ghost.record(e.id, e.size);
                }
                return Some(oldest);
            }
        }
        None
    }

    /// libCacheSim `S3FIFO_evict_main`.
    fn evict_main(&mut self) -> Option<u32> {
        while self.main_bytes > 0 {
            let oldest = self.main.tail;
            let freq = self.store.entry(oldest).meta & FREQ_MASK;
            self.unlink(oldest);
            if freq >= 1 {
                self.push_main(oldest, freq.min(MAIN_FREQ_MAX) - 1);
            } else {
                return Some(oldest);
            }
        }
        None
    }
}

/// libCacheSim `cache_get_base` with S3-FIFO: `S3FIFO_find`, then after a
/// miss `S3FIFO_can_insert`, the eviction loop and `S3FIFO_insert`.
impl<V: Copy> ListPolicy<V> for S3Fifo<V> {
    type Miss = Route;

    /// libCacheSim `S3FIFO_find` with `update_cache`: a hit counts.
    #[inline]
    fn on_hit(&mut self, index: u32) {
        let e = self.store.entry_mut(index);
        e.meta = (e.meta & IN_MAIN) | ((e.meta & FREQ_MASK) + 1).min(FREQ_MASK);
    }

    /// The rest of `S3FIFO_find`: a miss consumes the id's ghost entry, which
    /// sends an insert of it to main.
    #[inline]
    fn on_miss(&mut self, id: u64) -> Route {
        if self.ghost.as_mut().is_some_and(|g| g.take(id)) {
            Route::Main
        } else {
            Route::Small
        }
    }

    fn unlink_victim(&mut self) -> Option<u32> {
        self.has_evicted = true;
        if self.main_bytes > self.main_capacity || self.small_bytes == 0 {
            self.evict_main()
        } else {
            self.evict_small()
        }
    }

    fn link_new(&mut self, index: u32, route: Route) {
        let to_main = match route {
            Route::Main => true,
            Route::Small => !self.has_evicted && self.small_bytes >= self.small_capacity,
        };
        if to_main {
            self.push_main(index, 0);
        } else {
            self.store.slab.push_head(&mut self.small, index);
            self.small_bytes += self.store.entry(index).size;
        }
    }

    fn unlink(&mut self, index: u32) {
        let size = self.store.entry(index).size;
        if self.in_main(index) {
            self.store.slab.unlink(&mut self.main, index);
            self.main_bytes -= size;
        } else {
            self.store.slab.unlink(&mut self.small, index);
            self.small_bytes -= size;
        }
    }

    fn admits(&self, size: u64) -> bool {
        size <= self.small_capacity
    }

    fn declines(&self, size: u64, route: Route) -> bool {
        // An object the size of the small queue would flush it whole.
        route == Route::Small && size >= self.small_capacity
    }

    fn note_lookup(&mut self, id: u64, miss: Option<Route>) {
        self.ghost_hit = (miss == Some(Route::Main)).then_some(id);
    }

    fn insert_miss(&mut self, id: u64) -> Route {
        if self.ghost_hit.take() == Some(id) {
            Route::Main
        } else {
            self.on_miss(id)
        }
    }

    fn check_lists(&self) -> Result<(), String> {
        self.store.check(&[self.small, self.main])?;
        let bytes = |list: &List| -> Result<u64, String> {
            Ok(self
                .store
                .slab
                .collect(list)?
                .iter()
                .map(|&i| self.store.entry(i).size)
                .sum())
        };
        if bytes(&self.small)? != self.small_bytes || bytes(&self.main)? != self.main_bytes {
            return Err("small/main byte counters disagree with their queues".to_string());
        }
        if let Some(g) = &self.ghost
            && (g.used_bytes > g.capacity || g.map.len() != g.slab.len())
        {
            return Err("ghost over capacity or inconsistent".to_string());
        }
        Ok(())
    }

    #[inline]
    fn store(&mut self) -> &mut Store<V> {
        &mut self.store
    }
}

impl<V: Copy> CachePolicy<V> for S3Fifo<V> {
    cache_policy_methods!();
}
