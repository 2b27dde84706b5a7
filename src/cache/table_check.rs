//! The randomised check both index tables' tests run ([`IndexTable`] and
//! [`ProbeTable`]): inserts, removes and lookups against std's map, over
//! ids that collide in their homes and in their high bits.
//!
//! [`IndexTable`]: super::idmap::IndexTable
//! [`ProbeTable`]: super::index::ProbeTable

use std::collections::HashMap;

/// The operations of a table of slab indices found by id, with the ids
/// the entries hold in `ids` (`ids[i]`: the id of the entry at index i).
pub trait IndexOps {
    fn get_id(&self, id: u64, ids: &[u64]) -> Option<u32>;
    fn insert_id(&mut self, id: u64, index: u32, ids: &[u64]);
    fn remove_id(&mut self, id: u64, ids: &[u64]) -> Option<u32>;
    fn count(&self) -> usize;
}

/// [`IndexOps`] for a table with `get`, `insert`, `remove` and `len`
/// taking the id of an index as a closure.
macro_rules! index_ops {
    ($table:ty) => {
        impl $crate::cache::table_check::IndexOps for $table {
            fn get_id(&self, id: u64, ids: &[u64]) -> Option<u32> {
                self.get(id, |i| ids[i as usize])
            }
            fn insert_id(&mut self, id: u64, index: u32, ids: &[u64]) {
                self.insert(id, index, |i| ids[i as usize]);
            }
            fn remove_id(&mut self, id: u64, ids: &[u64]) -> Option<u32> {
                self.remove(id, |i| ids[i as usize])
            }
            fn count(&self) -> usize {
                self.len()
            }
        }
    };
}
pub(crate) use index_ops;

/// `steps` random operations on `table` over ids below `space` (with high
/// bits below `high`), each answer checked against std's map; `found` sees
/// every lookup that found its id (id, index). Returns the ids of the
/// slab, for checks of the table's final state.
pub fn against_hash_map<T: IndexOps>(
    table: &mut T,
    (space, high): (u64, u64),
    steps: u32,
    mut found: impl FnMut(&T, u64, u32),
) -> Vec<u64> {
    let mut ids: Vec<u64> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut reference: HashMap<u64, u32> = HashMap::new();
    let mut x: u64 = 3;
    for _ in 0..steps {
        x = crate::engine::rng::splitmix64(x);
        let id = (x % space) | ((x % high) << 61);
        match (x >> 62, reference.contains_key(&id)) {
            (0 | 1, false) => {
                let index = free.pop().unwrap_or_else(|| {
                    ids.push(0);
                    ids.len() as u32 - 1
                });
                ids[index as usize] = id;
                table.insert_id(id, index, &ids);
                reference.insert(id, index);
            }
            (2, _) => {
                let removed = table.remove_id(id, &ids);
                assert_eq!(removed, reference.remove(&id));
                free.extend(removed);
            }
            _ => {
                let got = table.get_id(id, &ids);
                assert_eq!(got, reference.get(&id).copied());
                if let Some(index) = got {
                    found(table, id, index);
                }
            }
        }
        assert_eq!(table.count(), reference.len());
    }
    for (&id, &index) in &reference {
        assert_eq!(table.get_id(id, &ids), Some(index));
    }
    ids
}
