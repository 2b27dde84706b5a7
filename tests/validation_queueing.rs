//! The queueing validation checks (also run by `edgesim validate`): M/M/1,
//! M/M/c, M/D/1, M/G/1 and M/M/1/K against theory, within the 95%
//! confidence interval over replications.

use edgesim::validate::{format_table, queueing};

#[test]
fn queueing_model_matches_theory() {
    let checks = queueing::queueing_checks(queueing::DEFAULT_SEED);
    println!("{}", format_table(&checks));
    assert!(checks.len() >= 13);
    for required in [
        "M/M/1 rho=0.9",
        "M/M/2 rho=0.9",
        "M/D/1 rho=0.9",
        "utilisation",
    ] {
        assert!(
            checks.iter().any(|c| c.name.contains(required)),
            "missing {required}"
        );
    }
    let failed: Vec<_> = checks.iter().filter(|c| !c.pass).collect();
    assert!(failed.is_empty(), "failed checks: {failed:#?}");
}
