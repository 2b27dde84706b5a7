//! Autoscaling of message processors on Kafka consumer lag, with the
//! semantics of KEDA's Kafka scaler feeding the Kubernetes HPA
//! (REFERENCES §5.4, K1–K4). Pure: it is told the lag and the current
//! replica count at each polling instant and answers the new count; the
//! model owns the clock, pod start-up and rebalances.

use std::collections::VecDeque;

use super::params::AutoscalingParams;
use crate::engine::SimTime;

/// KEDA + HPA decision state.
pub struct Autoscaler {
    params: AutoscalingParams,
    partitions: u32,
    /// HPA recommendations of the last scale-down window.
    recommendations: VecDeque<(SimTime, u32)>,
    /// Replicas added by scale-ups within the last scale-up period.
    scale_ups: VecDeque<(SimTime, u32)>,
    /// Last instant the lag was above the activation threshold.
    last_active: Option<SimTime>,
}

impl Autoscaler {
    pub fn new(params: &AutoscalingParams, partitions: u32) -> Autoscaler {
        Autoscaler {
            params: params.clone(),
            partitions,
            recommendations: VecDeque::new(),
            scale_ups: VecDeque::new(),
            last_active: None,
        }
    }

    /// K2: the replicas KEDA's metric asks for before HPA behaviour:
    /// `min(partitions, ceil(total_lag / lag_threshold))` (without the cap
    /// when idle consumers are allowed).
    pub fn keda_desired(&self, total_lag: u64) -> u64 {
        let raw = total_lag.div_ceil(self.params.lag_threshold);
        if self.params.allow_idle_consumers {
            raw
        } else {
            raw.min(self.partitions as u64)
        }
    }

    /// The replica count at `now`, given the total lag and `current` replicas.
    pub fn decide(&mut self, now: SimTime, total_lag: u64, current: u32) -> u32 {
        let active = total_lag > self.params.activation_lag_threshold;
        if active {
            self.last_active = Some(now);
        }
        // KEDA owns 0 <-> 1; the HPA never goes below one.
        if current == 0 {
            return if active {
                self.params.min_replicas.max(1)
            } else {
                0
            };
        }
        if !active && self.params.min_replicas == 0 {
            let idle_since = self.last_active.unwrap_or(SimTime::ZERO);
            if now >= idle_since + self.params.cooldown.0 {
                self.recommendations.clear();
                return 0;
            }
        }
        let raw = self.hpa_recommendation(total_lag, current);
        let stabilised = self.stabilise(now, raw, current);
        self.limit_scale_up(now, stabilised, current)
    }

    /// K4: desired = ceil(metric / target) for an AverageValue target, kept
    /// at `current` within the tolerance, clamped to [min, max].
    fn hpa_recommendation(&self, total_lag: u64, current: u32) -> u32 {
        let threshold = self.params.lag_threshold;
        let metric = if self.params.allow_idle_consumers {
            total_lag
        } else {
            // K2: KEDA clamps the lag so the HPA never asks for more
            // replicas than partitions.
            total_lag.min(self.partitions as u64 * threshold)
        };
        let ratio = metric as f64 / current as f64 / threshold as f64;
        let desired = if (ratio - 1.0).abs() <= self.params.tolerance {
            current as u64
        } else {
            // ceil(metric / threshold) = min(partitions, ceil(lag / threshold)) (K2).
            self.keda_desired(total_lag)
        };
        let floor = self.params.min_replicas.max(1) as u64;
        desired.clamp(floor, self.params.max_replicas as u64) as u32
    }

    /// K4: scale down only to the highest recommendation of the window; no
    /// stabilisation for scale-up.
    fn stabilise(&mut self, now: SimTime, raw: u32, current: u32) -> u32 {
        let window = self.params.scale_down_stabilization.0;
        self.recommendations.push_back((now, raw));
        while let Some(&(t, _)) = self.recommendations.front() {
            if t + window <= now && self.recommendations.len() > 1 {
                self.recommendations.pop_front();
            } else {
                break;
            }
        }
        let down = self
            .recommendations
            .iter()
            .map(|&(_, r)| r)
            .max()
            .unwrap_or(raw);
        if raw > current {
            raw
        } else if down < current {
            down
        } else {
            current
        }
    }

    /// K4: at most the larger of +pods and +percent of the replicas at the
    /// start of the period.
    fn limit_scale_up(&mut self, now: SimTime, desired: u32, current: u32) -> u32 {
        let period = self.params.scale_up_period.0;
        while let Some(&(t, _)) = self.scale_ups.front() {
            if t + period <= now {
                self.scale_ups.pop_front();
            } else {
                break;
            }
        }
        if desired <= current {
            return desired;
        }
        let added: u32 = self.scale_ups.iter().map(|&(_, n)| n).sum();
        let period_start = current.saturating_sub(added) as u64;
        let by_pods = period_start + self.params.scale_up_pods as u64;
        let by_percent = period_start + period_start * self.params.scale_up_percent as u64 / 100;
        let limit = by_pods.max(by_percent).min(u32::MAX as u64) as u32;
        let new = desired.min(limit.max(current));
        if new > current {
            self.scale_ups.push_back((now, new - current));
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaler(partitions: u32, threshold: u64) -> Autoscaler {
        let params = AutoscalingParams {
            lag_threshold: threshold,
            ..AutoscalingParams::default()
        };
        Autoscaler::new(&params, partitions)
    }

    fn s(secs: u64) -> SimTime {
        SimTime::from_secs(secs)
    }

    #[test]
    fn keda_formula_caps_at_partitions() {
        // REFERENCES §8 bonus check: 12 partitions, threshold 1000, lag 50,000.
        let a = scaler(12, 1_000);
        assert_eq!(a.keda_desired(50_000), 12);
        assert_eq!(a.keda_desired(5_500), 6);
        assert_eq!(a.keda_desired(0), 0);
    }

    #[test]
    fn scale_up_is_bounded_per_period() {
        let mut a = scaler(100, 1_000);
        // From 1: max(+4, x2) = 5 in the first 60 s.
        assert_eq!(a.decide(s(0), 50_000, 1), 5);
        assert_eq!(a.decide(s(30), 50_000, 5), 5);
        // A new period: from 5, max(+4, x2) = 10.
        assert_eq!(a.decide(s(60), 50_000, 5), 10);
        assert_eq!(a.decide(s(120), 50_000, 10), 20);
        assert_eq!(a.decide(s(180), 50_000, 20), 40);
        assert_eq!(a.decide(s(240), 50_000, 40), 50);
    }

    #[test]
    fn scale_down_waits_for_the_stabilisation_window() {
        let mut a = scaler(12, 1_000);
        assert_eq!(a.decide(s(0), 50_000, 12), 12);
        // The lag is gone at 30 s, but the 12 recommended at 0 s holds for 300 s.
        for t in (30..300).step_by(30) {
            assert_eq!(a.decide(s(t), 0, 12), 12, "at {t}s");
        }
        assert_eq!(a.decide(s(300), 0, 12), 1);
    }

    #[test]
    fn tolerance_keeps_the_count() {
        let mut a = scaler(100, 1_000);
        // 10,500 over 10 replicas: ratio 1.05, within 10 %.
        assert_eq!(a.decide(s(0), 10_500, 10), 10);
        assert_eq!(a.decide(s(60), 12_000, 10), 12);
    }

    #[test]
    fn scales_to_zero_only_after_cooldown() {
        let params = AutoscalingParams {
            lag_threshold: 100,
            min_replicas: 0,
            ..AutoscalingParams::default()
        };
        let mut a = Autoscaler::new(&params, 8);
        assert_eq!(a.decide(s(0), 500, 0), 1);
        assert_eq!(a.decide(s(30), 0, 1), 1);
        assert_eq!(a.decide(s(270), 0, 1), 1);
        assert_eq!(a.decide(s(300), 0, 1), 0);
    }
}
