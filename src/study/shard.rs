//! Shards: deterministic slices of a plan for running one sweep on many
//! machines. Shard `K/N` holds every run whose index modulo N is K; round
//! robin spreads heavy points (high load, big caches) over all shards.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::study::RunPlan;

/// The most shards a plan may be cut into.
pub const MAX_SHARDS: usize = 1_000_000;

/// Shard `index` of `count`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses "K/N" with 0 <= K < N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let expected = "expected K/N with 0 <= K < N, e.g. --shard 0/4";
        let (k, n) = text
            .split_once('/')
            .ok_or_else(|| format!("\"{text}\": {expected}"))?;
        let parse = |s: &str| s.trim().parse::<usize>().ok();
        match (parse(k), parse(n)) {
            (Some(index), Some(count)) if (1..=MAX_SHARDS).contains(&count) && index < count => {
                Ok(Shard { index, count })
            }
            (Some(_), Some(count)) if count > MAX_SHARDS => {
                Err(format!("\"{text}\": at most {MAX_SHARDS} shards"))
            }
            _ => Err(format!("\"{text}\": {expected}")),
        }
    }

    /// True when run `run_index` belongs to this shard.
    pub fn contains(&self, run_index: usize) -> bool {
        run_index % self.count == self.index
    }

    /// The runs of `plan` that belong to this shard, in plan order.
    pub fn select(&self, plan: &[RunPlan]) -> Vec<RunPlan> {
        plan.iter()
            .filter(|r| self.contains(r.run_index))
            .copied()
            .collect()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(Shard::parse("3/4"), Ok(Shard { index: 3, count: 4 }));
        for bad in ["4/4", "0/0", "-1/4", "1", "a/b", "1/2/3", "0/2000000"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_any_plan() {
        for total in [0usize, 1, 7, 100] {
            let plan: Vec<RunPlan> = (0..total)
                .map(|i| RunPlan {
                    run_index: i,
                    point: i / 2,
                    replication: (i % 2) as u32,
                    seed: i as u64,
                })
                .collect();
            for count in 1..=12 {
                let mut seen = vec![0u32; total];
                for index in 0..count {
                    for r in (Shard { index, count }).select(&plan) {
                        seen[r.run_index] += 1;
                    }
                }
                assert!(
                    seen.iter().all(|&n| n == 1),
                    "total {total}, {count} shards"
                );
            }
        }
    }
}
