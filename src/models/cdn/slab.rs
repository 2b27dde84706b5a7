//! A slab of records addressed by `u32` index with a free list: requests,
//! fetches and video sessions live here while they are in flight, and events
//! carry their index. Once the slab has grown to the model's working set no
//! request allocates. Not `crate::cache::slab`: that one is the caches'
//! entry store, whose free list and recency lists run through the entries'
//! own links; this one holds any record and links nothing.

/// Records of type `T` with reusable slots.
#[derive(Clone, Debug, Default)]
pub struct Slab<T> {
    slots: Vec<T>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    pub fn new() -> Slab<T> {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Stores `value` and returns its index.
    #[inline]
    pub fn insert(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = value;
                i
            }
            None => {
                self.slots.push(value);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Frees slot `index` (its value stays until the slot is reused).
    #[inline]
    pub fn remove(&mut self, index: u32) {
        debug_assert!(!self.free.contains(&index), "slot {index} freed twice");
        self.free.push(index);
    }

    #[inline]
    pub fn get(&self, index: u32) -> &T {
        &self.slots[index as usize]
    }

    #[inline]
    pub fn get_mut(&mut self, index: u32) -> &mut T {
        &mut self.slots[index as usize]
    }

    /// Records in use.
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused() {
        let mut s = Slab::new();
        let a = s.insert(1);
        let b = s.insert(2);
        s.remove(a);
        let c = s.insert(3);
        assert_eq!(c, a);
        assert_eq!(*s.get(b), 2);
        assert_eq!(*s.get(c), 3);
        assert_eq!(s.len(), 2);
    }
}
