//! Changing content: Poisson updates at the origin against a TTL cache,
//! checked against the closed form of the mechanism.
//!
//! Each object gets requests at rate lambda (Poisson) and updates at rate
//! mu; its copy is fresh for T from its content time (when the origin last
//! answered for it). The first request after expiry revalidates; the origin
//! answers 304 when no update came since the copy's content time, a full
//! body otherwise, and either way the copy's content time becomes that
//! answer's. So the cycles between origin answers are independent: each
//! holds one miss (served the origin's current version) and on average
//! lambda T hits, at ages uniform in [0, T) given their number. A hit at
//! age a is stale with probability 1 - e^(-mu a), so
//!
//!   P(stale | hit) = 1 - (1 - e^(-mu T)) / (mu T),
//!   hit ratio      = lambda T / (1 + lambda T),
//!   stale-served share = hit ratio x P(stale | hit),
//!
//! and a revalidation comes T + X after the content time, X ~ Exp(lambda)
//! (the wait for the next request), so it is answered 304 with probability
//! E[e^(-mu (T + X))] = e^(-mu T) lambda / (lambda + mu).

use edgesim::engine::SimTime;
use edgesim::models::cdn::Mode;
use edgesim::run::{RunContext, RunOutput};
use edgesim::units::Rate;
use edgesim::validate::cdn::{point_params, point_world, run_cdn_in};

fn get(out: &RunOutput, name: &str) -> f64 {
    out.get(name).unwrap_or_else(|| panic!("no metric {name}"))
}

/// 1,000 objects at lambda = 1/s each, `max-age=ttl_s`, updates at `mu`/s.
fn run(ttl_s: u64, mu: f64, seconds: u64) -> RunOutput {
    let mut p = point_params(
        1_000,
        1_000.0,
        &format!("max-age={ttl_s}"),
        SimTime::from_millis(1),
    );
    p.catalogue.update_rate = Rate(mu);
    let ctx = RunContext::new(
        3,
        SimTime::from_secs(seconds / 10),
        SimTime::from_secs(seconds + seconds / 10),
    );
    run_cdn_in(&p, point_world(), &ctx).unwrap()
}

#[test]
fn stale_served_share_matches_the_closed_form_for_poisson_updates_and_a_ttl() {
    let (lambda, mu, t) = (1.0f64, 0.1f64, 10.0f64);
    let out = run(t as u64, mu, 600);
    let hit = lambda * t / (1.0 + lambda * t);
    let stale_given_hit = 1.0 - (1.0 - (-mu * t).exp()) / (mu * t);
    let want = hit * stale_given_hit;
    let got = get(&out, "stale_served_share");
    assert!(
        (got - want).abs() < 0.01,
        "stale share {got}, closed form {want}"
    );
    assert!((get(&out, "hit_ratio") - hit).abs() < 0.01);
    // The revalidations answered 304.
    let not_modified = (-mu * t).exp() * lambda / (lambda + mu);
    let share = get(&out, "origin_not_modified") / get(&out, "origin_revalidations");
    assert!(
        (share - not_modified).abs() < 0.015,
        "304 share {share}, closed form {not_modified}"
    );
    // Served content is on average about T/2 old on hits, fresh on misses.
    let age = get(&out, "served_age_s_mean");
    let want_age = hit * t / 2.0;
    assert!((age - want_age).abs() < 0.2, "age {age}, about {want_age}");
}

#[test]
fn a_longer_ttl_serves_more_stale_content_and_content_that_never_changes_is_never_stale() {
    let short = run(2, 0.05, 200);
    let long = run(30, 0.05, 200);
    assert!(get(&long, "hit_ratio") > get(&short, "hit_ratio"));
    assert!(get(&long, "stale_served_share") > 2.0 * get(&short, "stale_served_share"));
    // Full fetches (bodies) follow the updates: fewer revalidations find
    // the copy unchanged when it is held longer.
    let unchanged = |o: &RunOutput| get(o, "origin_not_modified") / get(o, "origin_revalidations");
    assert!(unchanged(&long) < unchanged(&short));
    let mut p = point_params(100, 100.0, "max-age=5", SimTime::from_millis(1));
    p.mode = Mode::Pull;
    let ctx = RunContext::new(1, SimTime::from_secs(5), SimTime::from_secs(60));
    let still = run_cdn_in(&p, point_world(), &ctx).unwrap();
    assert!(still.get("stale_served_share").is_none());
}
