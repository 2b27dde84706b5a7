//! Every cache validation check (`edgesim validate`'s cache group) passes:
//! LRU and FIFO against Che-style formulas, TTL caches against renewal theory.

use edgesim::validate::cache::cache_checks;

#[test]
fn every_cache_check_passes() {
    let checks = cache_checks();
    assert!(checks.len() >= 8);
    for c in &checks {
        println!(
            "{:<70} expected {:.6} simulated {:.6} tolerance {}",
            c.name, c.expected, c.simulated, c.tolerance
        );
    }
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
}
