//! The part every policy shares: the entry slab, the id map and the byte
//! count against the capacity.

use super::Prefetch;
use super::idmap::IndexTable;
use super::index::ProbeTable;
use super::slab::{Entry, List, NIL, Slab, prefetch};

/// Entries, their index by id, and the bytes they occupy.
#[derive(Clone)]
pub(crate) struct Store<V> {
    pub slab: Slab<V>,
    pub map: EntryIndex,
    pub used_bytes: u64,
    pub capacity: u64,
}

/// The slab index of each entry by id: the compact SwissTable, or (for a
/// cache told of its lookups ahead) the table whose slots can be
/// prefetched. Chosen once per cache, so the `match` always goes one way.
#[derive(Clone)]
pub(crate) enum EntryIndex {
    Swiss(IndexTable),
    Probe(ProbeTable),
}

impl EntryIndex {
    #[inline]
    pub fn len(&self) -> usize {
        match self {
            EntryIndex::Swiss(t) => t.len(),
            EntryIndex::Probe(t) => t.len(),
        }
    }

    #[inline]
    fn get(&self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        match self {
            EntryIndex::Swiss(t) => t.get(id, id_of),
            EntryIndex::Probe(t) => t.get(id, id_of),
        }
    }

    #[inline]
    fn insert(&mut self, id: u64, index: u32, id_of: impl Fn(u32) -> u64) {
        match self {
            EntryIndex::Swiss(t) => t.insert(id, index, id_of),
            EntryIndex::Probe(t) => t.insert(id, index, id_of),
        }
    }

    #[inline]
    fn remove(&mut self, id: u64, id_of: impl Fn(u32) -> u64) -> Option<u32> {
        match self {
            EntryIndex::Swiss(t) => t.remove(id, id_of),
            EntryIndex::Probe(t) => t.remove(id, id_of),
        }
    }
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
            map: EntryIndex::Swiss(IndexTable::with_capacity(reserve)),
            used_bytes: 0,
            capacity,
        }
    }

    #[inline]
    pub fn index(&self, id: u64) -> Option<u32> {
        let slab = &self.slab;
        self.map.get(id, |i| slab.get(i).id)
    }

    /// Switches an empty store to the index whose slots can be prefetched.
    pub fn use_probe_index(&mut self) {
        assert!(self.slab.is_empty(), "the index is chosen before filling");
        let reserve = self.capacity.min(INITIAL_ENTRIES_MAX) as usize;
        self.map = EntryIndex::Probe(ProbeTable::with_capacity(reserve));
    }

    /// Starts loading what a lookup of `id` will read into the CPU caches:
    /// its slot; once that is loaded, its entry; once that is, the entries
    /// beside it on its list. Only with the probe index.
    #[inline]
    pub fn prefetch(&self, id: u64, step: Prefetch) {
        let EntryIndex::Probe(map) = &self.map else {
            return;
        };
        match step {
            Prefetch::Slot => map.prefetch_slot(id),
            Prefetch::Entry => {
                if let Some(i) = map.candidate(id) {
                    prefetch(self.slab.get(i));
                }
            }
            Prefetch::Neighbours => {
                let Some(i) = map.candidate(id) else {
                    return;
                };
                let e = self.slab.get(i);
                if e.id != id {
                    return;
                }
                for side in [e.prev, e.next] {
                    if side != NIL {
                        prefetch(self.slab.get(side));
                    }
                }
            }
        }
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
