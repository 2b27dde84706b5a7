//! The CDN model's own cache path against TTL-cache theory: the same checks
//! `edgesim validate` prints (group "cdn").

use edgesim::validate::cdn::cdn_checks;

#[test]
fn cdn_cache_path_matches_ttl_theory_and_collapses_to_one_fetch_per_expiry() {
    let checks = cdn_checks();
    assert_eq!(checks.len(), 4);
    for c in &checks {
        assert!(
            c.pass,
            "{}: expected {}, simulated {} (tolerance {})",
            c.name, c.expected, c.simulated, c.tolerance
        );
    }
}
