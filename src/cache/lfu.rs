//! LFU with FIFO order among objects of equal frequency, as libCacheSim
//! `LFU.c` (the in-cache LFU: an evicted object's count is forgotten).
//!
//! An object enters with frequency 1; a hit increments it and appends the
//! object to the newest end of its new frequency's bucket; the victim is the
//! oldest object of the lowest non-empty bucket, i.e. among the least
//! frequent objects the one that reached that frequency first. Buckets form
//! a list in increasing frequency (the O(1) LFU of Shah, Mitra and Matani,
//! 2010), so no step scans.

use super::slab::{List, NIL};
use super::store::{Store, store_accessors};
use super::{Admission, CachePolicy};

/// The objects of one frequency.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    freq: u64,
    objects: List,
    /// Bucket of the next lower frequency present.
    lower: u32,
    /// Bucket of the next higher frequency present; also links free buckets.
    higher: u32,
}

#[derive(Clone)]
pub struct Lfu<V> {
    /// Entry `meta` is the index of the entry's bucket.
    store: Store<V>,
    buckets: Vec<Bucket>,
    free_bucket: u32,
    /// The bucket of the lowest frequency present.
    lowest: u32,
}

impl<V: Copy> Lfu<V> {
    pub fn new(capacity: u64) -> Self {
        Lfu {
            store: Store::new(capacity),
            buckets: Vec::new(),
            free_bucket: NIL,
            lowest: NIL,
        }
    }

    /// A new empty bucket for `freq` linked right above `lower` (or first).
    fn new_bucket(&mut self, freq: u64, lower: u32) -> u32 {
        let higher = if lower == NIL {
            self.lowest
        } else {
            self.buckets[lower as usize].higher
        };
        let bucket = Bucket {
            freq,
            objects: List::EMPTY,
            lower,
            higher,
        };
        let index = if self.free_bucket != NIL {
            let i = self.free_bucket;
            self.free_bucket = self.buckets[i as usize].higher;
            self.buckets[i as usize] = bucket;
            i
        } else {
            self.buckets.push(bucket);
            (self.buckets.len() - 1) as u32
        };
        if lower == NIL {
            self.lowest = index;
        } else {
            self.buckets[lower as usize].higher = index;
        }
        if higher != NIL {
            self.buckets[higher as usize].lower = index;
        }
        index
    }

    /// Unlinks and frees `bucket` if it holds no object.
    fn drop_bucket_if_empty(&mut self, bucket: u32) {
        let b = self.buckets[bucket as usize];
        if !b.objects.is_empty() {
            return;
        }
        if b.lower == NIL {
            self.lowest = b.higher;
        } else {
            self.buckets[b.lower as usize].higher = b.higher;
        }
        if b.higher != NIL {
            self.buckets[b.higher as usize].lower = b.lower;
        }
        self.buckets[bucket as usize].higher = self.free_bucket;
        self.free_bucket = bucket;
    }

    /// Unlinks entry `index` from its bucket's object list.
    fn unlink(&mut self, index: u32) -> u32 {
        let bucket = self.store.entry(index).meta;
        let mut objects = self.buckets[bucket as usize].objects;
        self.store.slab.unlink(&mut objects, index);
        self.buckets[bucket as usize].objects = objects;
        bucket
    }

    fn push(&mut self, bucket: u32, index: u32) {
        let mut objects = self.buckets[bucket as usize].objects;
        self.store.slab.push_head(&mut objects, index);
        self.buckets[bucket as usize].objects = objects;
        self.store.entry_mut(index).meta = bucket;
    }

    #[inline]
    fn hit(&mut self, id: u64) -> Option<u32> {
        let index = self.store.index(id)?;
        let from = self.unlink(index);
        let b = self.buckets[from as usize];
        let to = if b.higher != NIL && self.buckets[b.higher as usize].freq == b.freq + 1 {
            b.higher
        } else {
            self.new_bucket(b.freq + 1, from)
        };
        self.push(to, index);
        self.drop_bucket_if_empty(from);
        Some(index)
    }

    fn evict<F: FnMut(u64, u64, V)>(&mut self, on_evict: &mut F) {
        let bucket = self.lowest;
        let victim = self.buckets[bucket as usize].objects.tail;
        self.unlink(victim);
        self.drop_bucket_if_empty(bucket);
        let (id, size, payload) = self.store.drop_entry(victim);
        on_evict(id, size, payload);
    }

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
        let index = self.store.add(id, size, NIL, payload);
        let bucket = if self.lowest != NIL && self.buckets[self.lowest as usize].freq == 1 {
            self.lowest
        } else {
            self.new_bucket(1, NIL)
        };
        self.push(bucket, index);
        debug_assert!(self.store.used_bytes <= self.store.capacity);
        Admission::Inserted
    }

    fn bucket_lists(&self) -> Result<Vec<List>, String> {
        let mut lists = Vec::new();
        let mut b = self.lowest;
        let mut last_freq = 0;
        while b != NIL {
            let bucket = self.buckets[b as usize];
            if bucket.freq <= last_freq || bucket.objects.is_empty() {
                return Err(format!(
                    "bucket {b} (freq {}) out of order or empty",
                    bucket.freq
                ));
            }
            for i in self.store.slab.collect(&bucket.objects)? {
                if self.store.entry(i).meta != b {
                    return Err(format!("entry {i} is on bucket {b} but points at another"));
                }
            }
            last_freq = bucket.freq;
            lists.push(bucket.objects);
            b = bucket.higher;
        }
        Ok(lists)
    }
}

impl<V: Copy> CachePolicy<V> for Lfu<V> {
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
        let bucket = self.unlink(index);
        self.drop_bucket_if_empty(bucket);
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
        self.store.check(&self.bucket_lists()?)
    }
}
