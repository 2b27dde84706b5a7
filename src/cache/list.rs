//! The request sequences every policy shares, written once.
//!
//! A policy implements [`ListPolicy`]: the few hooks in which policies differ
//! (what a hit updates, which object an eviction takes, where a new object is
//! linked, how an object leaves its lists). The rest of its
//! [`CachePolicy`](super::CachePolicy) impl is `cache_policy_methods!()`,
//! which forwards to the generic functions here: `lookup`, `insert_with`,
//! `remove`, `access` and libCacheSim's admission rule (fits check, eviction
//! loop, add, link). Each policy still compiles to its own code with the
//! hooks inlined: no dynamic dispatch and no allocation per request.

use super::Admission;
use super::store::Store;

/// The policy-specific part of a cache whose objects live in a [`Store`].
pub(crate) trait ListPolicy<V: Copy> {
    /// What a miss tells an insert of the same id that follows: `()` for
    /// most policies, the queue to insert into for S3-FIFO (whose ghost
    /// entries are consumed by the miss).
    type Miss: Copy + Default;

    /// A hit on the cached entry `index`: updates recency or frequency.
    fn on_hit(&mut self, index: u32);

    /// One eviction step: picks the victim, unlinks it and returns its index
    /// for the caller to drop. `None` when the step only moved objects
    /// between lists (S3-FIFO); the eviction loop then steps again.
    fn unlink_victim(&mut self) -> Option<u32>;

    /// Links an entry just added to the store (its `meta` is 0).
    fn link_new(&mut self, index: u32, miss: Self::Miss);

    /// Unlinks a cached entry that is being removed.
    fn unlink(&mut self, index: u32);

    /// Checks the policy's lists, and the store through them.
    fn check_lists(&self) -> Result<(), String>;

    /// The policy's entries.
    fn store(&mut self) -> &mut Store<V>;

    /// Whether a hit relinks the entry (LRU, LFU), writing to the entries
    /// beside it: then warming them for an upcoming lookup pays.
    const RELINKS_ON_HIT: bool = false;

    /// A miss on `id`: what an insert of it should know.
    #[inline]
    fn on_miss(&mut self, _id: u64) -> Self::Miss {
        Self::Miss::default()
    }

    /// Whether an object of `size`, which fits the capacity, may be admitted;
    /// asked before anything is evicted.
    #[inline]
    fn admits(&self, _size: u64) -> bool {
        true
    }

    /// Whether to decline an object after the eviction loop has made room
    /// for it; only S3-FIFO ever does.
    #[inline]
    fn declines(&self, _size: u64, _miss: Self::Miss) -> bool {
        false
    }

    /// Called by `lookup` with its outcome (`None` on a hit), for a policy
    /// that keeps what a miss found until the `insert` that follows.
    #[inline]
    fn note_lookup(&mut self, _id: u64, _miss: Option<Self::Miss>) {}

    /// What `insert_with` of an uncached `id` should know: by default what a
    /// miss on it finds now.
    #[inline]
    fn insert_miss(&mut self, id: u64) -> Self::Miss {
        self.on_miss(id)
    }

    /// An access to `id`: the entry's index on a hit, after `on_hit`; on a
    /// miss, what `on_miss` says.
    #[inline]
    fn find(&mut self, id: u64) -> Result<u32, Self::Miss> {
        match self.store().index(id) {
            Some(index) => {
                self.on_hit(index);
                Ok(index)
            }
            None => Err(self.on_miss(id)),
        }
    }

    /// Inserts an object known to be absent (libCacheSim `cache_get_base`
    /// after a miss: can-insert check, eviction loop, insert).
    #[inline]
    fn admit<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        miss: Self::Miss,
        mut on_evict: F,
    ) -> Admission {
        if !self.store().fits(size) || !self.admits(size) {
            return Admission::TooLarge;
        }
        while self.store().needs_room(size) {
            if let Some(victim) = self.unlink_victim() {
                let (id, size, payload) = self.store().drop_entry(victim);
                on_evict(id, size, payload);
            }
        }
        if self.declines(size, miss) {
            return Admission::Declined;
        }
        let index = self.store().add(id, size, payload);
        self.link_new(index, miss);
        debug_assert!(self.store().used_bytes <= self.store().capacity);
        Admission::Inserted
    }
}

// The `CachePolicy` methods of every `ListPolicy`: generic functions, and a
// macro that forwards to them. Not a blanket
// `impl<P: ListPolicy<V>> CachePolicy<V> for P`: that impl would conflict with
// `Cache`'s own (coherence does not rule out `Cache: ListPolicy`), and would
// change which types the public trait is implemented for.

#[inline]
pub(crate) fn lookup<V: Copy, P: ListPolicy<V>>(policy: &mut P, id: u64) -> Option<&mut V> {
    let found = policy.find(id);
    policy.note_lookup(id, found.err());
    let index = found.ok()?;
    Some(&mut policy.store().entry_mut(index).payload)
}

pub(crate) fn insert_with<V: Copy, P: ListPolicy<V>, F: FnMut(u64, u64, V)>(
    policy: &mut P,
    id: u64,
    size: u64,
    payload: V,
    on_evict: F,
) -> Admission {
    remove(policy, id);
    let miss = policy.insert_miss(id);
    policy.admit(id, size, payload, miss, on_evict)
}

pub(crate) fn remove<V: Copy, P: ListPolicy<V>>(policy: &mut P, id: u64) -> Option<V> {
    let index = policy.store().index(id)?;
    policy.unlink(index);
    Some(policy.store().drop_entry(index).2)
}

#[inline]
pub(crate) fn access<V: Copy, P: ListPolicy<V>>(
    policy: &mut P,
    id: u64,
    size: u64,
    payload: V,
) -> bool {
    match policy.find(id) {
        Ok(_) => true,
        Err(miss) => {
            policy.admit(id, size, payload, miss, |_, _, _| {});
            false
        }
    }
}

/// The body of `impl CachePolicy<V> for P`, for a `P: ListPolicy<V>` with a
/// `store: Store<V>` field (which the methods taking `&self` read directly).
macro_rules! cache_policy_methods {
    () => {
        fn capacity(&self) -> u64 {
            self.store.capacity
        }
        fn used_bytes(&self) -> u64 {
            self.store.used_bytes
        }
        fn len(&self) -> usize {
            self.store.slab.len()
        }
        fn contains(&self, id: u64) -> bool {
            self.store.index(id).is_some()
        }
        fn peek_mut(&mut self, id: u64) -> Option<&mut V> {
            let index = self.store.index(id)?;
            Some(&mut self.store.entry_mut(index).payload)
        }
        #[inline]
        fn lookup(&mut self, id: u64) -> Option<&mut V> {
            $crate::cache::list::lookup(self, id)
        }
        fn insert_with<F: FnMut(u64, u64, V)>(
            &mut self,
            id: u64,
            size: u64,
            payload: V,
            on_evict: F,
        ) -> $crate::cache::Admission {
            $crate::cache::list::insert_with(self, id, size, payload, on_evict)
        }
        fn remove(&mut self, id: u64) -> Option<V> {
            $crate::cache::list::remove(self, id)
        }
        #[inline]
        fn access(&mut self, id: u64, size: u64, payload: V) -> bool {
            $crate::cache::list::access(self, id, size, payload)
        }
        fn check_invariants(&self) -> Result<(), String> {
            $crate::cache::list::ListPolicy::check_lists(self)
        }
        #[inline]
        fn prefetch(&self, id: u64, step: $crate::cache::Prefetch) {
            if step != $crate::cache::Prefetch::Neighbours
                || <Self as $crate::cache::list::ListPolicy<V>>::RELINKS_ON_HIT
            {
                self.store.prefetch(id, step)
            }
        }
    };
}
pub(crate) use cache_policy_methods;
