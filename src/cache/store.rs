//! The part every policy shares: the entry slab, the id map and the byte
//! count against the capacity.

use super::idmap::IndexTable;
use super::slab::{Entry, List, Slab};

/// Entries, their index by id, and the bytes they occupy.
#[derive(Clone)]
pub(crate) struct Store<V> {
    pub slab: Slab<V>,
    pub map: IndexTable,
    pub used_bytes: u64,
    pub capacity: u64,
}

/// Entries to reserve up front; growth does the rest (a byte-mode cache's
/// object count is unknown until objects arrive). Kept small because a CDN
/// run holds one cache per server (156 in the shipped world): reserving
/// 65,536 entries each spread every server's few thousand objects over a
/// 2 MB table, so nearly every lookup missed the CPU caches; sized by growth,
/// the tables stay dense (`cargo bench --bench cdn`, docs/cdn.md).
const INITIAL_ENTRIES_MAX: u64 = 1 << 8;

impl<V: Copy> Store<V> {
    pub fn new(capacity: u64) -> Store<V> {
        let reserve = capacity.min(INITIAL_ENTRIES_MAX) as usize;
        Store {
            slab: Slab::with_capacity(reserve),
            map: IndexTable::with_capacity(reserve),
            used_bytes: 0,
            capacity,
        }
    }

    #[inline]
    pub fn index(&self, id: u64) -> Option<u32> {
        let slab = &self.slab;
        self.map.get(id, |i| slab.get(i).id)
    }

    #[inline]
    pub fn entry(&self, index: u32) -> &Entry<V> {
        self.slab.get(index)
    }

    #[inline]
    pub fn entry_mut(&mut self, index: u32) -> &mut Entry<V> {
        self.slab.get_mut(index)
    }

    /// libCacheSim `cache_can_insert_default`: `size + metadata <= capacity`
    /// (edgesim counts no per-object metadata, libCacheSim's default).
    #[inline]
    pub fn fits(&self, size: u64) -> bool {
        size <= self.capacity
    }

    /// Whether `size` more bytes would overflow the capacity.
    #[inline]
    pub fn needs_room(&self, size: u64) -> bool {
        self.used_bytes + size > self.capacity
    }

    /// Stores a new object, unlinked and with `meta` 0; the caller links it
    /// into a list.
    #[inline]
    pub fn add(&mut self, id: u64, size: u64, payload: V) -> u32 {
        let index = self.slab.alloc(id, size, 0, payload);
        let slab = &self.slab;
        self.map.insert(id, index, |i| slab.get(i).id);
        self.used_bytes += size;
        debug_assert_eq!(
            self.map.len(),
            self.slab.len(),
            "map and slab disagree after adding {id}"
        );
        index
    }

    /// Forgets an unlinked entry and returns (id, size, payload).
    #[inline]
    pub fn drop_entry(&mut self, index: u32) -> (u64, u64, V) {
        let e = *self.slab.get(index);
        let slab = &self.slab;
        self.map.remove(e.id, |i| slab.get(i).id);
        self.used_bytes -= e.size;
        self.slab.release(index);
        debug_assert_eq!(
            self.map.len(),
            self.slab.len(),
            "map and slab disagree after dropping {}",
            e.id
        );
        (e.id, e.size, e.payload)
    }

    /// Checks that the given lists hold every entry exactly once, that the
    /// map points at them, and that the byte count adds up.
    pub fn check(&self, lists: &[List]) -> Result<(), String> {
        let mut count = 0usize;
        let mut bytes = 0u64;
        for list in lists {
            for index in self.slab.collect(list)? {
                let e = self.slab.get(index);
                if self.index(e.id) != Some(index) {
                    return Err(format!("object {} at {index} is not in the map", e.id));
                }
                count += 1;
                bytes += e.size;
            }
        }
        if count != self.slab.len() || count != self.map.len() {
            return Err(format!(
                "{count} objects on lists, {} in the slab, {} in the map",
                self.slab.len(),
                self.map.len()
            ));
        }
        if bytes != self.used_bytes {
            return Err(format!(
                "lists hold {bytes} bytes, counter says {}",
                self.used_bytes
            ));
        }
        if self.used_bytes > self.capacity {
            return Err(format!(
                "{} bytes used of {}",
                self.used_bytes, self.capacity
            ));
        }
        Ok(())
    }
}
