//! The search strategy, as a pure state machine: which candidates to run
//! next and with how many replications, from the metrics of the runs so
//! far. It reads no clock and no file, so the same run outputs always lead
//! to the same rounds and the same answer, at any thread count.
//!
//! Strategy: the last `range` parameter is bisected; every combination of
//! the other parameters (a group) gets its own bisection, and the groups
//! run side by side, one candidate each per round. A bisection first runs
//! the top of the range: if even that fails, the group has no feasible
//! value; otherwise it halves the interval between the largest value known
//! to fail and the smallest known to hold until they are neighbours. The
//! answer is the group's smallest feasible value with the lowest objective
//! (ties: the first in grid order). Without a `range` every candidate is
//! run once. This assumes that each constraint gets easier as the bisected
//! value grows; where it does not (a constraint that worsens again, or an
//! objective that falls as the value grows) the search can miss the best
//! design — `docs/planning.md` says more.
//!
//! Replications are added in rounds: a candidate starts with
//! `min_replications` and doubles (up to `max_replications`) while any
//! constraint is uncertain — its one-sided confidence bound on one side of
//! the limit and the other side's bound beyond it. A constraint certainly
//! failing ends the candidate at once. At the maximum, an uncertain
//! constraint counts as not holding (the bound is not within the limit).

use std::collections::BTreeMap;

use super::search::{Objective, Search};
use crate::run::Metric;
use crate::stats::{summarize, t_quantile};
use crate::study::search::{CandidateRow, ConstraintInfo, Judged, SearchTable, Verdict};

/// Replications `from..to` of every point of `candidate`.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub candidate: usize,
    pub from: u32,
    pub to: u32,
}

/// A candidate under evaluation: per point and constraint the values of
/// its replications, and the objective metric's values (base design).
#[derive(Clone, Debug)]
struct Eval {
    replications: u32,
    values: Vec<Vec<Vec<f64>>>,
    objective: Vec<f64>,
    row: Option<usize>,
}

/// One bisection over the bisected variable, the others fixed.
#[derive(Clone, Debug)]
struct Group {
    /// The value index of every variable (the bisected one ignored).
    base: Vec<usize>,
    /// The largest index known to fail (-1: none).
    lo: i64,
    /// The smallest index known to hold.
    hi: Option<usize>,
    /// The index being evaluated.
    probe: Option<usize>,
    /// True once the top of the range failed.
    none: bool,
}

/// The search in progress.
pub struct Planner<'a> {
    search: &'a Search,
    axis: Option<usize>,
    /// Values along the bisected variable (1 without one).
    n: usize,
    groups: Vec<Group>,
    evals: BTreeMap<usize, Eval>,
    rows: Vec<CandidateRow>,
    round: usize,
}

impl<'a> Planner<'a> {
    pub fn new(search: &'a Search) -> Planner<'a> {
        let axis = search.bisected();
        let n = axis.map_or(1, |a| search.variables[a].values.len());
        let groups = (0..search.candidates())
            .map(|c| search.indices(c))
            .filter(|ix| axis.is_none_or(|a| ix[a] == 0))
            .map(|base| Group {
                base,
                lo: -1,
                hi: None,
                probe: None,
                none: false,
            })
            .collect();
        Planner {
            search,
            axis,
            n,
            groups,
            evals: BTreeMap::new(),
            rows: Vec::new(),
            round: 0,
        }
    }

    fn candidate(&self, group: &Group, index: usize) -> usize {
        let mut ix = group.base.clone();
        if let Some(a) = self.axis {
            ix[a] = index;
        }
        self.search.candidate_of(&ix)
    }

    /// The runs of the next round, in candidate order; empty when done.
    pub fn requests(&mut self) -> Vec<Request> {
        for g in 0..self.groups.len() {
            self.advance(g);
        }
        let mut wanted: BTreeMap<usize, Request> = BTreeMap::new();
        for g in &self.groups {
            let Some(probe) = g.probe else { continue };
            let candidate = self.candidate(g, probe);
            let eval = self.evals.get(&candidate);
            let from = eval.map_or(0, |e| e.replications);
            let to = if from == 0 {
                self.search.min_replications
            } else {
                (from * 2).min(self.search.max_replications)
            };
            wanted.insert(
                candidate,
                Request {
                    candidate,
                    from,
                    to,
                },
            );
        }
        wanted.into_values().collect()
    }

    /// Moves group `g` on while its probe is decided.
    fn advance(&mut self, g: usize) {
        loop {
            let group = &self.groups[g];
            if group.none {
                return;
            }
            let probe = match (group.probe, group.hi) {
                (Some(p), _) => p,
                (None, None) => self.n - 1,
                (None, Some(hi)) if hi as i64 - group.lo > 1 => {
                    (group.lo + (hi as i64 - group.lo) / 2) as usize
                }
                (None, Some(_)) => return,
            };
            let candidate = self.candidate(group, probe);
            let decided = self.evals.get(&candidate).and_then(|e| e.row);
            let group = &mut self.groups[g];
            match decided.map(|row| self.rows[row].feasible) {
                None => {
                    group.probe = Some(probe);
                    return;
                }
                Some(feasible) => {
                    group.probe = None;
                    if feasible {
                        group.hi = Some(probe);
                    } else if group.hi.is_none() {
                        group.none = true;
                    } else {
                        group.lo = probe as i64;
                    }
                }
            }
        }
    }

    /// Takes the metrics of replication `replication` of `candidate` in
    /// point `scenario` (0 = base design).
    pub fn feed(&mut self, candidate: usize, scenario: usize, metrics: &[Metric]) {
        let search = self.search;
        let eval = self.evals.entry(candidate).or_insert_with(|| Eval {
            replications: 0,
            values: vec![vec![Vec::new(); search.constraints.len()]; search.points_per_candidate()],
            objective: Vec::new(),
            row: None,
        });
        let get = |name: &str| {
            metrics
                .iter()
                .find(|m| m.name == name)
                .map_or(f64::NAN, |m| m.value)
        };
        for (k, c) in search.constraints.iter().enumerate() {
            eval.values[scenario][k].push(get(&c.metric));
        }
        if let (0, Objective::Metric(m)) = (scenario, &search.objective) {
            eval.objective.push(get(m));
        }
    }

    /// Ends a round: every candidate fed up to its request is judged; the
    /// decided ones become rows.
    pub fn end_round(&mut self, requests: &[Request]) {
        for r in requests {
            let (judged, objective) = {
                let Some(eval) = self.evals.get_mut(&r.candidate) else {
                    continue;
                };
                eval.replications = r.to;
                (self.judge(r.candidate), self.objective(r.candidate))
            };
            let fails = judged.iter().any(|j| j.verdict == Verdict::Fails);
            let holds = judged.iter().all(|j| j.verdict == Verdict::Holds);
            let at_max = r.to >= self.search.max_replications;
            if !(fails || holds || at_max) {
                continue;
            }
            let row = self.row(r.candidate, r.to, fails || holds, judged, objective);
            self.rows.push(row);
            let index = self.rows.len() - 1;
            if let Some(eval) = self.evals.get_mut(&r.candidate) {
                eval.row = Some(index);
            }
        }
        self.round += 1;
    }

    fn row(
        &self,
        candidate: usize,
        replications: u32,
        certain: bool,
        judged: Vec<Judged>,
        objective: f64,
    ) -> CandidateRow {
        let ix = self.search.indices(candidate);
        let vars = &self.search.variables;
        CandidateRow {
            round: self.round,
            candidate,
            values: vars
                .iter()
                .zip(&ix)
                .map(|(v, &i)| super::overrides::display_value(&v.values[i]))
                .collect(),
            positions: vars.iter().zip(&ix).map(|(v, &i)| v.positions[i]).collect(),
            replications,
            certain,
            feasible: judged.iter().all(|j| j.verdict == Verdict::Holds),
            judged,
            objective,
        }
    }

    /// Every constraint of `candidate`, scenario by scenario.
    fn judge(&self, candidate: usize) -> Vec<Judged> {
        let eval = &self.evals[&candidate];
        let mut out = Vec::new();
        for per_point in &eval.values {
            for (k, c) in self.search.constraints.iter().enumerate() {
                out.push(judge(
                    &per_point[k],
                    c.limit,
                    c.upper,
                    self.search.confidence,
                ));
            }
        }
        out
    }

    fn objective(&self, candidate: usize) -> f64 {
        match &self.search.objective {
            Objective::Param(i) => {
                self.search.variables[*i].positions[self.search.indices(candidate)[*i]]
            }
            Objective::Metric(_) => summarize(&self.evals[&candidate].objective).mean,
        }
    }

    /// The outcome: every row and the answer.
    pub fn table(&self, experiment: &str, description: &str) -> SearchTable {
        let s = self.search;
        let mut constraints = Vec::new();
        for scenario in
            std::iter::once(None).chain(s.scenarios.iter().map(|x| Some(x.name.clone())))
        {
            for c in &s.constraints {
                constraints.push(ConstraintInfo {
                    metric: c.metric.clone(),
                    scenario: scenario.clone(),
                    limit: c.limit,
                    upper: c.upper,
                });
            }
        }
        SearchTable {
            experiment: experiment.to_string(),
            description: description.to_string(),
            params: s.variables.iter().map(|v| v.path.to_string()).collect(),
            bisected: self.axis,
            constraints,
            minimize: s.minimize.clone(),
            confidence: s.confidence,
            min_replications: s.min_replications,
            max_replications: s.max_replications,
            strategy: strategy_text(s, self.axis),
            rows: self.rows.clone(),
            answer: self.answer(),
        }
    }

    /// The row of the best group answer.
    fn answer(&self) -> Option<usize> {
        let mut best: Option<(f64, usize, usize)> = None;
        for g in &self.groups {
            let Some(hi) = g.hi.filter(|&hi| g.lo + 1 == hi as i64) else {
                continue;
            };
            let candidate = self.candidate(g, hi);
            let Some(row) = self.evals.get(&candidate).and_then(|e| e.row) else {
                continue;
            };
            let objective = self.rows[row].objective;
            let key = if objective.is_nan() {
                f64::INFINITY
            } else {
                objective
            };
            if best.is_none_or(|(b, c, _)| key < b || (key == b && candidate < c)) {
                best = Some((key, candidate, row));
            }
        }
        best.map(|(_, _, row)| row)
    }
}

/// One constraint over replication values: the one-sided bound at
/// `confidence` (Student t on the values) against the limit.
pub fn judge(values: &[f64], limit: f64, upper: bool, confidence: f64) -> Judged {
    let s = summarize(values);
    if s.n < 2 {
        return Judged {
            estimate: s.mean,
            bound: f64::NAN,
            verdict: Verdict::Uncertain,
        };
    }
    let half = t_quantile(confidence, s.n - 1) * s.std / (s.n as f64).sqrt();
    let (bound, other) = if upper {
        (s.mean + half, s.mean - half)
    } else {
        (s.mean - half, s.mean + half)
    };
    let within = |v: f64| if upper { v <= limit } else { v >= limit };
    let verdict = if within(bound) {
        Verdict::Holds
    } else if !within(other) {
        Verdict::Fails
    } else {
        Verdict::Uncertain
    };
    Judged {
        estimate: s.mean,
        bound,
        verdict,
    }
}

fn strategy_text(s: &Search, axis: Option<usize>) -> String {
    match axis {
        Some(a) => {
            let groups = s.candidates() / s.variables[a].values.len();
            format!(
                "bisection on {} ({} values) for each of {groups} combination(s) of the other parameters",
                s.variables[a].path,
                s.variables[a].values.len()
            )
        }
        None => format!(
            "every one of the {} candidates (no range to bisect)",
            s.candidates()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::search::SearchSpec;

    fn search(text: &str) -> Search {
        Search::from_spec(&toml::from_str::<SearchSpec>(text).unwrap()).unwrap()
    }

    /// Drives a planner with a made-up metric `wait` = 10 / n (+ noise by
    /// replication) and returns the answer's value of `n`.
    fn drive(s: &Search, noise: f64) -> (Option<String>, usize) {
        let mut p = Planner::new(s);
        loop {
            let reqs = p.requests();
            if reqs.is_empty() {
                break;
            }
            for r in &reqs {
                let n = s.variables[0].positions[s.indices(r.candidate)[0]];
                for rep in r.from..r.to {
                    let jitter = if rep % 2 == 0 { noise } else { -noise };
                    let m = Metric {
                        name: "wait".into(),
                        value: 10.0 / n + jitter,
                        derivation: crate::run::Derivation::Scalar,
                    };
                    p.feed(r.candidate, 0, &[m]);
                }
            }
            p.end_round(&reqs);
        }
        let t = p.table("t", "");
        (t.answer.map(|a| t.rows[a].values[0].clone()), t.rows.len())
    }

    #[test]
    fn bisection_finds_the_smallest_feasible_value() {
        let s = search(
            "minimize = \"n\"\n[[param]]\npath = \"n\"\nrange = { from = 1, to = 100 }\n[[constraint]]\nmetric = \"wait\"\nmax = 0.8\n",
        );
        // 10 / n <= 0.8 from n = 13 on.
        let (answer, evaluated) = drive(&s, 0.0);
        assert_eq!(answer.as_deref(), Some("13"));
        assert!(evaluated <= 9, "{evaluated} candidates");
        // With noise, the bound moves the answer up, never down.
        let (noisy, _) = drive(&s, 0.05);
        assert!(noisy.unwrap().parse::<u32>().unwrap() >= 13);
    }

    #[test]
    fn no_feasible_value_gives_no_answer() {
        let s = search(
            "minimize = \"n\"\n[[param]]\npath = \"n\"\nrange = { from = 1, to = 5 }\n[[constraint]]\nmetric = \"wait\"\nmax = 0.1\n",
        );
        assert_eq!(drive(&s, 0.0), (None, 1));
    }

    #[test]
    fn verdicts_use_one_sided_bounds() {
        let v = [1.0, 1.2, 0.8, 1.0];
        assert_eq!(judge(&v, 2.0, true, 0.95).verdict, Verdict::Holds);
        assert_eq!(judge(&v, 0.5, true, 0.95).verdict, Verdict::Fails);
        assert_eq!(judge(&v, 1.1, true, 0.95).verdict, Verdict::Uncertain);
        assert_eq!(judge(&v, 0.5, false, 0.95).verdict, Verdict::Holds);
        assert_eq!(judge(&[1.0], 2.0, true, 0.95).verdict, Verdict::Uncertain);
    }
}
