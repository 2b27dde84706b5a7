//! Unit tests shared by every policy: libCacheSim counting rules, hand-worked
//! sequences, and invariants under random operations.

use super::*;
use crate::engine::rng::splitmix64;

fn cache(kind: PolicyKind, capacity: u64) -> Cache<u32> {
    Cache::new(kind, capacity).unwrap()
}

/// Replays (id, size) pairs and returns the hit pattern as a string of 'h'/'m'.
fn pattern(kind: PolicyKind, capacity: u64, requests: &[(u64, u64)]) -> String {
    let mut c = cache(kind, capacity);
    requests
        .iter()
        .map(|&(id, size)| {
            let hit = c.access(id, size, 0);
            c.check_invariants().unwrap();
            if hit { 'h' } else { 'm' }
        })
        .collect()
}

fn unit(ids: &[u64]) -> Vec<(u64, u64)> {
    ids.iter().map(|&id| (id, 1)).collect()
}

#[test]
fn oversize_objects_miss_and_evict_nothing() {
    for kind in PolicyKind::ALL {
        let mut c = cache(kind, 100);
        assert!(!c.access(1, 5, 0));
        assert!(!c.access(2, 101, 0), "{kind}");
        assert!(
            !c.access(2, 101, 0),
            "{kind}: an oversize object is never cached"
        );
        assert!(
            c.contains(1),
            "{kind}: nothing evicted for an oversize object"
        );
        assert_eq!(c.insert(3, 101, 0), Admission::TooLarge);
    }
}

#[test]
fn object_of_exactly_the_capacity_is_admitted() {
    for kind in [
        PolicyKind::Lru,
        PolicyKind::Fifo,
        PolicyKind::Lfu,
        PolicyKind::Sieve,
        PolicyKind::Clock,
    ] {
        let mut c = cache(kind, 100);
        c.access(1, 40, 0);
        assert!(!c.access(2, 100, 0));
        assert!(c.contains(2) && !c.contains(1), "{kind}");
        assert_eq!(c.used_bytes(), 100);
    }
}

#[test]
fn a_hit_keeps_the_stored_size() {
    for kind in PolicyKind::ALL {
        let mut c = cache(kind, 1000);
        c.access(1, 10, 0);
        assert!(c.access(1, 500, 0), "{kind}");
        assert_eq!(c.used_bytes(), 10, "{kind}");
    }
}

#[test]
fn lru_and_fifo_differ_on_a_hit() {
    let ids = unit(&[1, 2, 1, 3, 1, 2]);
    assert_eq!(pattern(PolicyKind::Lru, 2, &ids), "mmhmhm");
    assert_eq!(pattern(PolicyKind::Fifo, 2, &ids), "mmhmmm");
}

#[test]
fn clock_gives_a_second_chance() {
    // 1 is hit, so when 3 arrives 1 is moved to the head and 2 is evicted.
    let ids = unit(&[1, 2, 1, 3, 1, 2]);
    assert_eq!(pattern(PolicyKind::Clock, 2, &ids), "mmhmhm");
}

#[test]
fn sieve_hand_stays_where_it_evicted() {
    // Capacity 3: 1 2 3 fill; 1 hit (visited). 4: hand from tail 1 (visited,
    // cleared) -> 2 evicted; hand rests on 3. 5: 3 unvisited -> evicted.
    let ids = unit(&[1, 2, 3, 1, 4, 5, 1, 2, 3]);
    assert_eq!(pattern(PolicyKind::Sieve, 3, &ids), "mmmhmmhmm");
}

#[test]
fn lfu_breaks_ties_by_arrival_at_the_frequency() {
    // The least frequent object goes first, whatever its age.
    let ids = unit(&[1, 2, 1, 2, 3, 4, 5, 1, 2]);
    // cap 3: 1 2 | 1 h (f2) | 2 h (f2) | 3 m | 4 m: evict 3 (f1) | 5 m: evict 4 |
    // 1 h | 2 h
    assert_eq!(pattern(PolicyKind::Lfu, 3, &ids), "mmhhmmmhh");
    let ids = unit(&[1, 2, 1, 2, 3, 3, 4, 1, 2, 3]);
    // cap 3, all at freq 2 after 3 3; 4 evicts the first to reach freq 2 (1);
    // 1 then evicts 4, the only object at freq 1; 2 and 3 stay.
    assert_eq!(pattern(PolicyKind::Lfu, 3, &ids), "mmhhmhmmhh");
}

#[test]
fn s3fifo_refuses_a_cache_without_a_small_queue() {
    assert!(Cache::<()>::new(PolicyKind::S3Fifo, 9).is_err());
    assert!(Cache::<()>::new(PolicyKind::S3Fifo, 10).is_ok());
}

#[test]
fn s3fifo_admits_only_objects_smaller_than_its_small_queue() {
    let mut c = cache(PolicyKind::S3Fifo, 100);
    assert_eq!(c.insert(1, 11, 0), Admission::TooLarge);
    assert_eq!(c.insert(2, 10, 0), Admission::Declined);
    assert_eq!(c.insert(3, 9, 0), Admission::Inserted);
}

#[test]
fn lookup_hands_back_a_mutable_payload() {
    for kind in PolicyKind::ALL {
        let mut c = cache(kind, 100);
        c.insert(7, 1, 41);
        *c.lookup(7).unwrap() += 1;
        assert_eq!(c.peek_mut(7).copied(), Some(42), "{kind}");
        assert_eq!(c.remove(7), Some(42));
        assert!(c.lookup(7).is_none() && c.is_empty());
    }
}

#[test]
fn insert_reports_every_eviction() {
    for kind in PolicyKind::ALL {
        let mut c = cache(kind, 50);
        for id in 0..50 {
            c.insert(id, 1, id as u32);
        }
        let mut evicted = Vec::new();
        c.insert_with(100, 5, 0, |id, size, payload| {
            evicted.push((id, size, payload))
        });
        let evicted_bytes: u64 = evicted.iter().map(|e| e.1).sum();
        assert!(evicted_bytes >= 5, "{kind}: {evicted:?}");
        for (id, _, payload) in evicted {
            assert!(!c.contains(id));
            assert_eq!(payload as u64, id);
        }
    }
}

#[test]
fn invariants_hold_under_random_operations() {
    for kind in PolicyKind::ALL {
        let mut c = cache(kind, 500);
        let mut x = 7u64;
        for step in 0..20_000u32 {
            x = splitmix64(x);
            let id = x % 300;
            let size = 1 + (x >> 20) % 60;
            match (x >> 50) % 10 {
                0 => {
                    c.remove(id);
                }
                1 => {
                    c.insert(id, size, step);
                }
                2 => {
                    c.lookup(id);
                }
                _ => {
                    c.access(id, size, step);
                }
            }
            if step % 97 == 0 {
                c.check_invariants()
                    .unwrap_or_else(|e| panic!("{kind} step {step}: {e}"));
            }
            assert!(c.used_bytes() <= c.capacity());
        }
        c.check_invariants().unwrap();
    }
}

#[test]
fn lookup_then_insert_is_the_same_as_access() {
    // The CDN model calls lookup, then insert after the fetch; replay calls
    // access. Both must drive every policy (S3-FIFO's ghost included) alike.
    for kind in PolicyKind::ALL {
        let mut by_access = cache(kind, 400);
        let mut by_parts = cache(kind, 400);
        let mut x = 11u64;
        for step in 0..30_000u32 {
            x = splitmix64(x);
            let id = (x % 1000) * (x % 1000) / 1000;
            let size = 1 + (id * 7919) % 50;
            let hit = by_access.access(id, size, step);
            let found = by_parts.lookup(id).is_some();
            if !found {
                by_parts.insert(id, size, step);
            }
            assert_eq!(hit, found, "{kind} step {step}");
        }
        assert_eq!(by_access.used_bytes(), by_parts.used_bytes(), "{kind}");
        assert_eq!(by_access.len(), by_parts.len(), "{kind}");
    }
}

#[test]
fn the_prefetchable_index_changes_no_outcome() {
    // The CDN's caches use the probe index and are told of lookups ahead;
    // every answer, eviction and payload must be what the compact index
    // gives (and so libCacheSim's counts, which the goldens check).
    for kind in PolicyKind::ALL {
        let mut compact = cache(kind, 2_000);
        let mut probe = cache(kind, 2_000).with_prefetch();
        let mut x = 5u64;
        for step in 0..40_000u32 {
            x = splitmix64(x);
            let id = ((x % 3000) * (x % 3000) / 1000) | ((x % 3) << 62);
            let size = 1 + (id * 7919) % 90;
            probe.prefetch(id, super::Prefetch::Slot);
            probe.prefetch(id, super::Prefetch::Entry);
            probe.prefetch(id, super::Prefetch::Neighbours);
            match (x >> 50) % 8 {
                0 => assert_eq!(compact.remove(id), probe.remove(id), "{kind} {step}"),
                1 => {
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    compact.insert_with(id, size, step, |i, s, p| a.push((i, s, p)));
                    probe.insert_with(id, size, step, |i, s, p| b.push((i, s, p)));
                    assert_eq!(a, b, "{kind} step {step}: evictions");
                }
                2 => assert_eq!(
                    compact.lookup(id).copied(),
                    probe.lookup(id).copied(),
                    "{kind} step {step}"
                ),
                _ => assert_eq!(
                    compact.access(id, size, step),
                    probe.access(id, size, step),
                    "{kind} step {step}"
                ),
            }
            if step % 997 == 0 {
                probe
                    .check_invariants()
                    .unwrap_or_else(|e| panic!("{kind} step {step}: {e}"));
            }
        }
        assert_eq!(compact.len(), probe.len(), "{kind}");
        assert_eq!(compact.used_bytes(), probe.used_bytes(), "{kind}");
    }
}
