//! Cache replacement policies: LRU, FIFO, LFU, SIEVE, CLOCK and S3-FIFO, with
//! hit and miss counting identical to libCacheSim's, and HTTP freshness rules.
//!
//! The same caches serve trace replay (`crate::replay`) and the cache servers
//! of the CDN model. Every policy implements [`CachePolicy`]; the enum
//! [`Cache`] picks one at run time with a `match` per call (static dispatch,
//! no boxing). A policy's file holds only what makes it different: the hooks
//! of the internal `list::ListPolicy` trait; the request sequences and the
//! counting semantics below are written once, in `list`. A policy stores its
//! objects in a slab linked into intrusive lists ([`slab`]) and finds them
//! through a hash map with a one-multiply hash ([`idmap`]): O(1) per request
//! and no allocation per request once the cache is warm.
//!
//! Counting semantics (libCacheSim `cache.c`, `cache_get_base` and
//! `cache_can_insert_default`), shared by every policy:
//! - an object larger than the capacity is a miss, is not inserted and evicts
//!   nothing; an object exactly the capacity's size is admitted;
//! - on an admitted miss the policy evicts while `used + size > capacity`,
//!   then inserts;
//! - a hit never changes the stored size.
//!
//! Each entry carries a small payload `V: Copy` (an expiry time, stale
//! windows) that [`CachePolicy::lookup`] hands back mutably. Not for: deciding
//! freshness (that is [`http`]) or counting requests (that is the caller's).

pub mod http;
pub mod idmap;
pub mod index;
pub mod slab;

mod lfu;
mod list;
mod queue;
mod s3fifo;
mod sieve;
mod store;
#[cfg(test)]
mod table_check;

use std::fmt;
use std::str::FromStr;

pub use lfu::Lfu;
pub use queue::{Clock, Fifo, Lru};
pub use s3fifo::S3Fifo;
pub use sieve::Sieve;

/// What `insert` did with an object.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// The object is now cached.
    Inserted,
    /// Larger than the policy admits (the capacity, or S3-FIFO's small
    /// queue): not cached, nothing evicted.
    TooLarge,
    /// The policy declined the object after it had already evicted to make
    /// room (S3-FIFO with an object exactly the size of its small queue).
    Declined,
}

/// The interface every replacement policy offers.
///
/// Sizes are in bytes in byte mode and 1 per object in object mode; the
/// policy does not know which.
pub trait CachePolicy<V: Copy> {
    /// Capacity in the same unit as sizes.
    fn capacity(&self) -> u64;
    /// Sum of the sizes of the cached objects; never above `capacity`.
    fn used_bytes(&self) -> u64;
    /// Number of cached objects.
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether `id` is cached; changes nothing.
    fn contains(&self, id: u64) -> bool;
    /// The payload of `id` for reading and updating, without an access.
    fn peek_mut(&mut self, id: u64) -> Option<&mut V>;
    /// An access to `id`: on a hit the policy updates its state (recency,
    /// frequency) and hands back the payload; on a miss it returns `None`
    /// (S3-FIFO also consumes the id's ghost entry, as libCacheSim does, and
    /// a following `insert` of that id goes to its main queue).
    fn lookup(&mut self, id: u64) -> Option<&mut V>;
    /// Inserts `id` (replacing it if cached), evicting as needed; every
    /// evicted object is reported to `on_evict` as (id, size, payload).
    fn insert_with<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        on_evict: F,
    ) -> Admission;
    /// Removes `id`, returning its payload.
    fn remove(&mut self, id: u64) -> Option<V>;
    /// One request, counted the libCacheSim way: a hit returns `true`; a miss
    /// inserts the object (if admitted) with `payload` and returns `false`.
    fn access(&mut self, id: u64, size: u64, payload: V) -> bool;
    /// Checks list, map and byte-count consistency; for tests and debug builds.
    fn check_invariants(&self) -> Result<(), String>;
    /// A hint that `id` will be looked up soon; changes nothing. Give the
    /// steps in order, each a while after the one before (when what it
    /// loaded has arrived), then look up a while after the last.
    fn prefetch(&self, _id: u64, _step: Prefetch) {}

    /// Inserts `id`, ignoring what it evicts.
    fn insert(&mut self, id: u64, size: u64, payload: V) -> Admission {
        self.insert_with(id, size, payload, |_, _, _| {})
    }
}

/// The steps of warming the CPU caches for a lookup ([`CachePolicy::prefetch`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Prefetch {
    /// The id's slot in the cache's index.
    Slot,
    /// The id's entry, found through its slot.
    Entry,
    /// The entries a hit on the id will relink it between (LRU, LFU),
    /// found through its entry.
    Neighbours,
}

/// The replacement policies edgesim offers.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    Lru,
    Fifo,
    Lfu,
    Sieve,
    Clock,
    S3Fifo,
}

impl PolicyKind {
    pub const ALL: [PolicyKind; 6] = [
        PolicyKind::Lru,
        PolicyKind::Fifo,
        PolicyKind::Lfu,
        PolicyKind::Sieve,
        PolicyKind::Clock,
        PolicyKind::S3Fifo,
    ];

    /// The lower-case name used on the command line and in output.
    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Lru => "lru",
            PolicyKind::Fifo => "fifo",
            PolicyKind::Lfu => "lfu",
            PolicyKind::Sieve => "sieve",
            PolicyKind::Clock => "clock",
            PolicyKind::S3Fifo => "s3fifo",
        }
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PolicyKind {
    type Err = String;
    fn from_str(text: &str) -> Result<PolicyKind, String> {
        let lower = text.trim().to_ascii_lowercase();
        PolicyKind::ALL
            .into_iter()
            .find(|p| p.name() == lower || (lower == "s3-fifo" && *p == PolicyKind::S3Fifo))
            .ok_or_else(|| {
                let names = PolicyKind::ALL.map(PolicyKind::name);
                let message = crate::suggest::with_hint(
                    format!("unknown cache policy \"{text}\""),
                    text.trim(),
                    names,
                );
                format!("{message}; expected one of lru, fifo, lfu, sieve, clock, s3fifo")
            })
    }
}

/// A cache of any policy, chosen at run time.
#[derive(Clone)]
pub enum Cache<V: Copy> {
    Lru(Lru<V>),
    Fifo(Fifo<V>),
    Lfu(Lfu<V>),
    Sieve(Sieve<V>),
    Clock(Clock<V>),
    S3Fifo(S3Fifo<V>),
}

impl<V: Copy> Cache<V> {
    /// A cache of `kind` holding at most `capacity` (bytes, or objects in
    /// object mode). Fails only for S3-FIFO below 10 units, whose small queue
    /// would be empty (libCacheSim refuses to start too).
    pub fn new(kind: PolicyKind, capacity: u64) -> Result<Cache<V>, String> {
        Ok(match kind {
            PolicyKind::Lru => Cache::Lru(Lru::new(capacity)),
            PolicyKind::Fifo => Cache::Fifo(Fifo::new(capacity)),
            PolicyKind::Lfu => Cache::Lfu(Lfu::new(capacity)),
            PolicyKind::Sieve => Cache::Sieve(Sieve::new(capacity)),
            PolicyKind::Clock => Cache::Clock(Clock::new(capacity)),
            PolicyKind::S3Fifo => Cache::S3Fifo(S3Fifo::new(capacity)?),
        })
    }

    pub fn kind(&self) -> PolicyKind {
        match self {
            Cache::Lru(_) => PolicyKind::Lru,
            Cache::Fifo(_) => PolicyKind::Fifo,
            Cache::Lfu(_) => PolicyKind::Lfu,
            Cache::Sieve(_) => PolicyKind::Sieve,
            Cache::Clock(_) => PolicyKind::Clock,
            Cache::S3Fifo(_) => PolicyKind::S3Fifo,
        }
    }
}

/// Forwards a call to whichever policy the enum holds.
macro_rules! dispatch {
    ($self:expr, $c:ident => $body:expr) => {
        match $self {
            Cache::Lru($c) => $body,
            Cache::Fifo($c) => $body,
            Cache::Lfu($c) => $body,
            Cache::Sieve($c) => $body,
            Cache::Clock($c) => $body,
            Cache::S3Fifo($c) => $body,
        }
    };
}

impl<V: Copy> Cache<V> {
    /// The same (empty) cache with an index whose slots can be prefetched,
    /// for a caller that knows its lookups ahead and says so with
    /// [`CachePolicy::prefetch`] (the CDN model). That index takes more room
    /// (`src/cache/index.rs`), so other caches keep the compact one.
    pub fn with_prefetch(mut self) -> Cache<V> {
        use list::ListPolicy;
        dispatch!(&mut self, c => c.store().use_probe_index());
        self
    }
}

impl<V: Copy> CachePolicy<V> for Cache<V> {
    fn capacity(&self) -> u64 {
        dispatch!(self, c => c.capacity())
    }
    fn used_bytes(&self) -> u64 {
        dispatch!(self, c => c.used_bytes())
    }
    fn len(&self) -> usize {
        dispatch!(self, c => c.len())
    }
    fn contains(&self, id: u64) -> bool {
        dispatch!(self, c => c.contains(id))
    }
    fn peek_mut(&mut self, id: u64) -> Option<&mut V> {
        dispatch!(self, c => c.peek_mut(id))
    }
    fn lookup(&mut self, id: u64) -> Option<&mut V> {
        dispatch!(self, c => c.lookup(id))
    }
    fn insert_with<F: FnMut(u64, u64, V)>(
        &mut self,
        id: u64,
        size: u64,
        payload: V,
        on_evict: F,
    ) -> Admission {
        dispatch!(self, c => c.insert_with(id, size, payload, on_evict))
    }
    fn remove(&mut self, id: u64) -> Option<V> {
        dispatch!(self, c => c.remove(id))
    }
    fn access(&mut self, id: u64, size: u64, payload: V) -> bool {
        dispatch!(self, c => c.access(id, size, payload))
    }
    fn check_invariants(&self) -> Result<(), String> {
        dispatch!(self, c => c.check_invariants())
    }
    #[inline]
    fn prefetch(&self, id: u64, step: Prefetch) {
        dispatch!(self, c => c.prefetch(id, step))
    }
}

#[cfg(test)]
mod tests;
