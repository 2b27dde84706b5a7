//! Closed-form results of queueing theory, the yardstick for the `queue`
//! model (Kleinrock, "Queueing Systems", Vol. 1, 1975; Gross & Harris,
//! "Fundamentals of Queueing Theory").

/// M/M/1 mean time in system, 1 / (mu - lambda); infinite when unstable.
pub fn mm1_time_in_system(lambda: f64, mu: f64) -> f64 {
    if lambda >= mu {
        f64::INFINITY
    } else {
        1.0 / (mu - lambda)
    }
}

/// Erlang C: the probability that an arrival waits in M/M/c with offered
/// load `a = lambda / mu` (in Erlangs) and `c` servers.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    if rho >= 1.0 {
        return 1.0;
    }
    // Erlang B by its stable recursion, then C from B.
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b / (1.0 - rho * (1.0 - b))
}

/// M/M/c mean waiting time in queue: C(c, a) / (c mu - lambda).
pub fn mmc_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    if a >= c as f64 {
        return f64::INFINITY;
    }
    erlang_c(c, a) / (c as f64 * mu - lambda)
}

/// M/G/1 mean waiting time in queue (Pollaczek–Khinchine):
/// lambda E[S^2] / (2 (1 - rho)).
pub fn mg1_wait(lambda: f64, mean_service: f64, second_moment_service: f64) -> f64 {
    let rho = lambda * mean_service;
    if rho >= 1.0 {
        return f64::INFINITY;
    }
    lambda * second_moment_service / (2.0 * (1.0 - rho))
}

/// M/M/1/K blocking probability with `k` places in the system (1 in service
/// plus k - 1 waiting): (1 - rho) rho^K / (1 - rho^(K+1)).
pub fn mm1k_blocking(lambda: f64, mu: f64, k: u32) -> f64 {
    let rho = lambda / mu;
    if (rho - 1.0).abs() < 1e-12 {
        return 1.0 / (k as f64 + 1.0);
    }
    (1.0 - rho) * rho.powi(k as i32) / (1.0 - rho.powi(k as i32 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        assert!((mm1_time_in_system(0.9, 1.0) - 10.0).abs() < 1e-12);
        // Erlang C with c = 1 is rho.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        // c = 2, a = 1: C = 1/3 (textbook).
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // M/D/1 at rho 0.5, mu 1: Wq = rho / (2 mu (1 - rho)) = 0.5.
        assert!((mg1_wait(0.5, 1.0, 1.0) - 0.5).abs() < 1e-12);
        // M/M/1 via P-K: E[S^2] = 2: Wq = rho / (mu - lambda) = 9 at 0.9.
        assert!((mg1_wait(0.9, 1.0, 2.0) - 9.0).abs() < 1e-9);
        assert!((mm1k_blocking(1.0, 1.0, 4) - 0.2).abs() < 1e-12);
    }
}
