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

use super::idmap::IdMap;
use super::slab::{List, Slab};
use super::store::{Store, store_accessors};
use super::{Admission, CachePolicy};

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
#[derive(Copy, Clone, PartialEq, Eq)]
enum Route {
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

    /// libCacheSim `S3FIFO_find` with `update_cache`: a hit counts; a miss
    /// consumes the id's ghost entry and says where an insert would go.
    #[inline]
    fn find(&mut self, id: u64) -> Result<u32, Route> {
        if let Some(index) = self.store.index(id) {
            let e = self.store.entry_mut(index);
            e.meta = (e.meta & IN_MAIN) | ((e.meta & FREQ_MASK) + 1).min(FREQ_MASK);
            return Ok(index);
        }
        if self.ghost.as_mut().is_some_and(|g| g.take(id)) {
            Err(Route::Main)
        } else {
            Err(Route::Small)
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

    fn push_main(&mut self, index: u32, freq: u32) {
        self.store.entry_mut(index).meta = IN_MAIN | freq;
        self.store.slab.push_head(&mut self.main, index);
        self.main_bytes += self.store.entry(index).size;
    }

    /// libCacheSim `S3FIFO_evict_small`.
    fn evict_small<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        while self.small_bytes > 0 {
            let oldest = self.small.tail;
            self.unlink(oldest);
            if self.store.entry(oldest).meta & FREQ_MASK >= MOVE_TO_MAIN_THRESHOLD {
                self.push_main(oldest, 0);
            } else {
                let (id, size, payload) = self.store.drop_entry(oldest);
                if let Some(ghost) = &mut self.ghost {
                    ghost.record(id, size);
                }
                on_evict(id, size, payload);
                return;
            }
        }
    }

    /// libCacheSim `S3FIFO_evict_main`.
    fn evict_main<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        while self.main_bytes > 0 {
            let oldest = self.main.tail;
            let freq = self.store.entry(oldest).meta & FREQ_MASK;
            self.unlink(oldest);
            if freq >= 1 {
                self.push_main(oldest, freq.min(MAIN_FREQ_MAX) - 1);
            } else {
                let (id, size, payload) = self.store.drop_entry(oldest);
                on_evict(id, size, payload);
                return;
            }
        }
    }

    fn evict<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        self.has_evicted = true;
        if self.main_bytes > self.main_capacity || self.small_bytes == 0 {
            self.evict_main(on_evict);
        } else {
            self.evict_small(on_evict);
        }
    }

    /// libCacheSim `cache_get_base` after a miss: `S3FIFO_can_insert`, the
    /// eviction loop, then `S3FIFO_insert`.
    fn admit<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        route: Route,
        mut on_evict: F,
    ) -> Admission {
        if size > self.small_capacity || !self.store.fits(size) {
            return Admission::TooLarge;
        }
        while self.store.needs_room(size) {
            self.evict(&mut on_evict);
        }
        let to_main = match route {
            Route::Main => true,
            // An object the size of the small queue would flush it whole.
            Route::Small if size >= self.small_capacity => return Admission::Declined,
            Route::Small => !self.has_evicted && self.small_bytes >= self.small_capacity,
        };
        let index = self.store.add(id, size, 0, payload);
        if to_main {
            self.push_main(index, 0);
        } else {
            self.store.slab.push_head(&mut self.small, index);
            self.small_bytes += size;
        }
        debug_assert!(self.store.used_bytes <= self.store.capacity);
        Admission::Inserted
    }
}

impl<V: Copy> CachePolicy<V> for S3Fifo<V> {
    store_accessors!();

    fn lookup(&mut self, id: u64) -> Option<&mut V> {
        match self.find(id) {
            Ok(index) => {
                self.ghost_hit = None;
                Some(&mut self.store.entry_mut(index).payload)
            }
            Err(route) => {
                self.ghost_hit = (route == Route::Main).then_some(id);
                None
            }
        }
    }

    fn insert_with<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        on_evict: F,
    ) -> Admission {
        self.remove(id);
        let from_ghost =
            self.ghost_hit.take() == Some(id) || self.ghost.as_mut().is_some_and(|g| g.take(id));
        let route = if from_ghost {
            Route::Main
        } else {
            Route::Small
        };
        self.admit(id, size, payload, route, on_evict)
    }

    fn remove(&mut self, id: u64) -> Option<V> {
        let index = self.store.index(id)?;
        self.unlink(index);
        Some(self.store.drop_entry(index).2)
    }

    #[inline]
    fn access(&mut self, id: u64, size: u64, payload: V) -> bool {
        match self.find(id) {
            Ok(_) => true,
            Err(route) => {
                self.admit(id, size, payload, route, |_, _, _| {});
                false
            }
        }
    }

    fn check_invariants(&self) -> Result<(), String> {
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
}
