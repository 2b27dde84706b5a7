//! LRU stack distances, one request at a time, in O(log n).
//!
//! The stack distance of a request is the total size of the distinct objects
//! requested since its object's previous request, its own included (Mattson,
//! Gecsei, Slutz and Traiger, "Evaluation techniques for storage
//! hierarchies", IBM Systems Journal 9(2), 1970); a first request has none.
//! Every object's latest request holds a slot in time order, weighted by its
//! size, in a Fenwick tree (Fenwick, "A new data structure for cumulative
//! frequency tables", Software: Practice and Experience 24(3), 1994): the
//! distance is the weight of the slots from the object's own slot on, one
//! prefix sum. The request then moves the object to a new slot at the end.
//!
//! Slots run out after as many requests as the tree has slots; then the live
//! ones (one per object) are renumbered in order into a tree twice their
//! number, so memory is proportional to the distinct objects, not to the
//! trace's length, and renumbering costs O(1) per request amortised. Not
//! for: deciding hits (that is the curve's job, `super::mrc`).

use crate::cache::idmap::IdMap;

/// Slots of the smallest tree.
const MIN_SLOTS: usize = 1 << 10;
/// `owner` of a slot that holds no object's latest request.
const FREE: u32 = u32::MAX;

/// One object's latest request: its slot and its weight there.
#[derive(Copy, Clone)]
struct Latest {
    slot: usize,
    size: u64,
}

/// What a request found.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Reuse {
    /// The object's first request.
    First,
    /// A request after an earlier one of the same object.
    Again {
        /// The stack distance, the object's own previous size included.
        distance: u64,
        /// The size the object had at its previous request.
        previous_size: u64,
    },
}

/// The most distinct objects a stack holds (an object's index is a `u32`,
/// and `u32::MAX` marks a free slot).
pub const MAX_OBJECTS: u64 = FREE as u64;

/// A request for one more distinct object than the stack can hold.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TooManyObjects {
    /// How many distinct objects the stack holds at most.
    pub limit: u64,
}

/// The recency stack of every object seen, as a Fenwick tree over slots.
#[derive(Default)]
pub struct StackDistances {
    /// Fenwick tree, 1-based: `tree[i]` sums the weights of slots
    /// `i - lowbit(i)` to `i - 1`. In `u128`: under 2^32 objects of under
    /// 2^64 bytes each, no sum wraps.
    tree: Vec<u128>,
    /// The object whose latest request is at each slot, or `FREE`.
    owner: Vec<u32>,
    /// Object id to index into `latest`.
    objects: IdMap,
    latest: Vec<Latest>,
    /// The next slot to hand out.
    next_slot: usize,
    /// The sum of all weights.
    total: u128,
}

impl StackDistances {
    pub fn new() -> StackDistances {
        StackDistances::default()
    }

    /// Distinct objects seen.
    pub fn objects(&self) -> usize {
        self.latest.len()
    }

    /// A request for `id` of `size` (1 per object in object mode); an
    /// error for a new object past [`MAX_OBJECTS`].
    #[inline]
    pub fn access(&mut self, id: u64, size: u64) -> Result<Reuse, TooManyObjects> {
        self.access_within(id, size, MAX_OBJECTS)
    }

    /// Like [`access`](Self::access), holding at most `limit` objects.
    #[inline]
    fn access_within(&mut self, id: u64, size: u64, limit: u64) -> Result<Reuse, TooManyObjects> {
        Ok(match self.objects.get(id) {
            None => {
                let index = u32::try_from(self.latest.len())
                    .ok()
                    .filter(|&i| (i as u64) < limit.min(MAX_OBJECTS))
                    .ok_or(TooManyObjects { limit })?;
                self.objects.insert(id, index);
                self.latest.push(Latest { slot: 0, size });
                self.place(index, size);
                Reuse::First
            }
            Some(index) => {
                let Latest {
                    slot,
                    size: previous_size,
                } = self.latest[index as usize];
                // A distance past 2^64 - 1 bytes misses in every cache.
                let distance = (self.total - self.prefix(slot)).min(u64::MAX as u128) as u64;
                self.subtract(slot, previous_size);
                self.owner[slot] = FREE;
                self.total -= previous_size as u128;
                self.place(index, size);
                Reuse::Again {
                    distance,
                    previous_size,
                }
            }
        })
    }

    /// Gives object `index` the next slot, weighted `size`.
    #[inline]
    fn place(&mut self, index: u32, size: u64) {
        if self.next_slot == self.owner.len() {
            self.renumber();
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.owner[slot] = index;
        self.latest[index as usize] = Latest { slot, size };
        self.add(slot, size);
        self.total += size as u128;
    }

    /// The weight of slots `0..slot`.
    #[inline]
    fn prefix(&self, slot: usize) -> u128 {
        let mut i = slot;
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    #[inline]
    fn add(&mut self, slot: usize, weight: u64) {
        let mut i = slot + 1;
        while i < self.tree.len() {
            self.tree[i] += weight as u128;
            i += i & i.wrapping_neg();
        }
    }

    #[inline]
    fn subtract(&mut self, slot: usize, weight: u64) {
        let mut i = slot + 1;
        while i < self.tree.len() {
            self.tree[i] -= weight as u128;
            i += i & i.wrapping_neg();
        }
    }

    /// Moves the live slots, in order, to the front of a tree with room for
    /// as many again (the one slot about to be placed included).
    #[cold]
    fn renumber(&mut self) {
        let live = self.latest.len();
        let slots = (2 * live).max(MIN_SLOTS);
        let mut owner = vec![FREE; slots];
        let mut weights = vec![0u128; slots + 1];
        let mut next = 0;
        for &index in &self.owner[..self.next_slot] {
            if index != FREE {
                owner[next] = index;
                let latest = &mut self.latest[index as usize];
                latest.slot = next;
                weights[next + 1] = latest.size as u128;
                next += 1;
            }
        }
        // Every object holds a slot but the one being placed.
        debug_assert_eq!(next + 1, live);
        // Linear-time Fenwick construction: push each sum up to its parent.
        for i in 1..=slots {
            let parent = i + (i & i.wrapping_neg());
            if parent <= slots {
                weights[parent] += weights[i];
            }
        }
        self.tree = weights;
        self.owner = owner;
        self.next_slot = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stack distances by walking a list, newest first.
    fn naive(requests: &[(u64, u64)]) -> Vec<Option<u64>> {
        let mut stack: Vec<(u64, u64)> = Vec::new();
        requests
            .iter()
            .map(|&(id, size)| {
                let found = stack.iter().position(|&(i, _)| i == id);
                let distance = found.map(|p| stack[..=p].iter().map(|&(_, s)| s).sum());
                if let Some(p) = found {
                    stack.remove(p);
                }
                stack.insert(0, (id, size));
                distance
            })
            .collect()
    }

    #[test]
    fn distances_past_2_to_the_64_bytes_saturate_instead_of_wrapping() {
        // Twenty objects of 2^62 bytes: their sum (2^66 bytes) does not fit
        // in a u64, so a distance over all of them must saturate (a miss in
        // every cache) rather than wrap to a small, hit-like number.
        let mut stack = StackDistances::new();
        let big = 1u64 << 62;
        for id in 0..20 {
            assert_eq!(stack.access(id, big), Ok(Reuse::First));
        }
        match stack.access(0, big).unwrap() {
            Reuse::Again { distance, .. } => assert_eq!(distance, u64::MAX),
            r => panic!("{r:?}"),
        }
        // A near reuse stays exact.
        match stack.access(0, big).unwrap() {
            Reuse::Again { distance, .. } => assert_eq!(distance, big),
            r => panic!("{r:?}"),
        }
    }

    #[test]
    fn distances_match_a_list_walk_through_many_renumberings() {
        let mut x = 3u64;
        let requests: Vec<(u64, u64)> = (0..20_000)
            .map(|_| {
                x = crate::engine::rng::splitmix64(x);
                // A few hot objects and a long tail; sizes vary per request.
                let id = if x.is_multiple_of(4) {
                    x % 7
                } else {
                    (x >> 8) % 3_000
                };
                (id, 1 + (x >> 40) % 100)
            })
            .collect();
        let mut stack = StackDistances::new();
        let got: Vec<Option<u64>> = requests
            .iter()
            .map(|&(id, size)| match stack.access(id, size).unwrap() {
                Reuse::First => None,
                Reuse::Again { distance, .. } => Some(distance),
            })
            .collect();
        assert_eq!(got, naive(&requests));
    }

    #[test]
    fn one_object_past_the_limit_is_an_error_not_a_panic() {
        let mut stack = StackDistances::new();
        for id in 0..3 {
            assert_eq!(stack.access_within(id, 1, 3), Ok(Reuse::First));
        }
        // Objects already held are still served; a fourth is refused and
        // the stack is left as it was.
        assert!(matches!(
            stack.access_within(1, 1, 3),
            Ok(Reuse::Again { .. })
        ));
        assert_eq!(
            stack.access_within(9, 1, 3),
            Err(TooManyObjects { limit: 3 })
        );
        assert_eq!(stack.objects(), 3);
        assert_eq!(MAX_OBJECTS, u32::MAX as u64);
    }
}
