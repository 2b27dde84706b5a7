//! Cache entries stored in a slab (a `Vec` with a free list) and linked into
//! intrusive doubly linked lists by index.
//!
//! Every policy keeps its objects here: an entry is allocated once when an
//! object is admitted and its slot is reused after eviction, so the hot path
//! never touches the allocator. Lists are identified by a [`List`] header
//! (head and tail indices); an entry is on at most one list at a time.
//! Convention for every list: the head is the newest end, the tail the oldest.

/// Starts loading the cache line of `value` (a hint; no effect elsewhere than x86-64).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults and reads nothing the program sees; the
    // pointer comes from a reference.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// The null index.
pub const NIL: u32 = u32::MAX;

/// One cached object.
#[derive(Clone, Copy, Debug)]
pub struct Entry<V> {
    pub id: u64,
    pub size: u64,
    /// Toward the head (newer neighbour).
    pub prev: u32,
    /// Toward the tail (older neighbour); also links the free list.
    pub next: u32,
    /// Policy-specific word: a reference bit, a frequency, a bucket index or a queue tag.
    pub meta: u32,
    pub payload: V,
}

/// Head and tail of one intrusive list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct List {
    pub head: u32,
    pub tail: u32,
}

impl List {
    pub const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    pub fn is_empty(&self) -> bool {
        self.head == NIL
    }
}

impl Default for List {
    fn default() -> Self {
        List::EMPTY
    }
}

/// The entry store.
#[derive(Clone, Debug)]
pub struct Slab<V> {
    entries: Vec<Entry<V>>,
    free: u32,
    live: usize,
}

impl<V: Copy> Default for Slab<V> {
    fn default() -> Self {
        Slab {
            entries: Vec::new(),
            free: NIL,
            live: 0,
        }
    }
}

impl<V: Copy> Slab<V> {
    pub fn with_capacity(capacity: usize) -> Slab<V> {
        Slab {
            entries: Vec::with_capacity(capacity),
            free: NIL,
            live: 0,
        }
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Stores a new unlinked entry and returns its index.
    #[inline]
    pub fn alloc(&mut self, id: u64, size: u64, meta: u32, payload: V) -> u32 {
        let entry = Entry {
            id,
            size,
            prev: NIL,
            next: NIL,
            meta,
            payload,
        };
        self.live += 1;
        if self.free != NIL {
            let index = self.free;
            self.free = self.entries[index as usize].next;
            self.entries[index as usize] = entry;
            index
        } else {
            let index = self.entries.len();
            assert!(index < NIL as usize, "more than 2^32 - 1 cached objects");
            self.entries.push(entry);
            index as u32
        }
    }

    /// Returns an unlinked entry's slot to the free list.
    #[inline]
    pub fn release(&mut self, index: u32) {
        self.live -= 1;
        self.entries[index as usize].next = self.free;
        self.free = index;
    }

    #[inline]
    pub fn get(&self, index: u32) -> &Entry<V> {
        &self.entries[index as usize]
    }

    #[inline]
    pub fn get_mut(&mut self, index: u32) -> &mut Entry<V> {
        &mut self.entries[index as usize]
    }

    /// Links an unlinked entry at the head (newest end) of `list`.
    #[inline]
    pub fn push_head(&mut self, list: &mut List, index: u32) {
        let old_head = list.head;
        {
            let e = &mut self.entries[index as usize];
            e.prev = NIL;
            e.next = old_head;
        }
        if old_head != NIL {
            self.entries[old_head as usize].prev = index;
        } else {
            list.tail = index;
        }
        list.head = index;
    }

    /// Links an unlinked entry at the tail (oldest end) of `list`.
    #[inline]
    pub fn push_tail(&mut self, list: &mut List, index: u32) {
        let old_tail = list.tail;
        {
            let e = &mut self.entries[index as usize];
            e.next = NIL;
            e.prev = old_tail;
        }
        if old_tail != NIL {
            self.entries[old_tail as usize].next = index;
        } else {
            list.head = index;
        }
        list.tail = index;
    }

    /// Unlinks an entry from `list`.
    #[inline]
    pub fn unlink(&mut self, list: &mut List, index: u32) {
        let (prev, next) = {
            let e = &self.entries[index as usize];
            (e.prev, e.next)
        };
        if prev != NIL {
            self.entries[prev as usize].next = next;
        } else {
            list.head = next;
        }
        if next != NIL {
            self.entries[next as usize].prev = prev;
        } else {
            list.tail = prev;
        }
    }

    /// Moves a linked entry to the head of its list.
    #[inline]
    pub fn move_to_head(&mut self, list: &mut List, index: u32) {
        if list.head != index {
            self.unlink(list, index);
            self.push_head(list, index);
        }
    }

    /// Walks `list` from head to tail, returning the indices; for invariant checks.
    pub fn collect(&self, list: &List) -> Result<Vec<u32>, String> {
        let mut out = Vec::new();
        let mut prev = NIL;
        let mut i = list.head;
        while i != NIL {
            let e = self.get(i);
            if e.prev != prev {
                return Err(format!(
                    "entry {i}: prev link {} but came from {prev}",
                    e.prev
                ));
            }
            out.push(i);
            if out.len() > self.entries.len() {
                return Err("list has a cycle".to_string());
            }
            prev = i;
            i = e.next;
        }
        if list.tail != prev {
            return Err(format!(
                "list tail {} but the walk ended at {prev}",
                list.tail
            ));
        }
        Ok(out)
    }
}
