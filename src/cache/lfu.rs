//! LFU with FIFO order among objects of equal frequency, as libCacheSim
//! `LFU.c` (the in-cache LFU: an evicted object's count is forgotten).
//!
//! An object enters with frequency 1; a hit increments it and appends the
//! object to the newest end of its new frequency's bucket; the victim is the
//! oldest object of the lowest non-empty bucket, i.e. among the least
//! frequent objects the one that reached that frequency first. Buckets form
//! a list in increasing frequency (the O(1) LFU of Shah, Mitra and Matani,
//! 2010), so no step scans.

use super::CachePolicy;
use super::list::{ListPolicy, cache_policy_methods};
use super::slab::{List, NIL};
use super::store::Store;

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

    /// Unlinks entry `index` from its bucket's object list and returns the
    /// bucket.
    fn unlink_from_bucket(&mut self, index: u32) -> u32 {
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

impl<V: Copy> ListPolicy<V> for Lfu<V> {
    type Miss = ();
    const RELINKS_ON_HIT: bool = true;

    #[inline]
    fn on_hit(&mut self, index: u32) {
        let from = self.unlink_from_bucket(index);
        let b = self.buckets[from as usize];
        let to = if b.higher != NIL && self.buckets[b.higher as usize].freq == b.freq + 1 {
            b.higher
        } else {
            self.new_bucket(b.freq + 1, from)
        };
        self.push(to, index);
        self.drop_bucket_if_empty(from);
    }

    fn unlink_victim(&mut self) -> Option<u32> {
        let victim = self.buckets[self.lowest as usize].objects.tail;
        self.unlink(victim);
        Some(victim)
    }

    #[inline]
    fn link_new(&mut self, index: u32, _: ()) {
        let bucket = if self.lowest != NIL && self.buckets[self.lowest as usize].freq == 1 {
            self.lowest
        } else {
            self.new_bucket(1, NIL)
        };
        self.push(bucket, index);
    }

    fn unlink(&mut self, index: u32) {
        let bucket = self.unlink_from_bucket(index);
        self.drop_bucket_if_empty(bucket);
    }

    fn check_lists(&self) -> Result<(), String> {
        self.store.check(&self.bucket_lists()?)
    }

    #[inline]
    fn store(&mut self) -> &mut Store<V> {
        &mut self.store
    }
}

impl<V: Copy> CachePolicy<V> for Lfu<V> {
    cache_policy_methods!();
}
