//! Running a capacity search into an output folder: the strategy
//! (`experiment::bisect`) says which runs each round needs, a [`Session`]
//! runs them in parallel and records each in `runs/` as it ends, and the
//! metrics go back to the strategy. The strategy depends only on the run
//! outputs, so a search resumed with `--resume` asks for the same runs
//! again, finds the recorded ones and runs only the rest.

use super::{BatchOptions, BatchOutcome, Session};
use crate::error::{Error, InputError};
use crate::experiment::Experiment;
use crate::experiment::bisect::Planner;
use crate::study::RunPlan;
use crate::study::search::SearchTable;

/// What a search did.
pub struct SearchOutcome {
    pub table: SearchTable,
    pub batch: BatchOutcome,
    pub rounds: usize,
}

/// Runs the search of `exp` into `options.dir`.
pub fn search_into(exp: &Experiment, options: &BatchOptions) -> Result<SearchOutcome, Error> {
    let Some(search) = exp.search.as_ref() else {
        return Err(InputError::new(exp.path.display().to_string(), "has no [search]").into());
    };
    let plan = exp.plan();
    let quiet = BatchOptions {
        progress: false,
        ..options.clone()
    };
    let mut session = Session::open(exp, &quiet, &plan)?;
    let name = &exp.spec.name;
    if session.recorded() > 0 {
        eprintln!(
            "{name}: resuming: {} runs already recorded",
            session.recorded()
        );
    }
    let mut planner = Planner::new(search);
    let max = search.max_replications as usize;
    let per = search.points_per_candidate();
    let mut rounds = 0;
    loop {
        let requests = planner.requests();
        if requests.is_empty() {
            break;
        }
        let mut runs: Vec<RunPlan> = Vec::new();
        for r in &requests {
            for s in 0..per {
                let point = search.point(r.candidate, s);
                runs.extend((r.from..r.to).map(|rep| plan[point * max + rep as usize]));
            }
        }
        if options.progress {
            eprintln!(
                "{name}: search round {}: {} candidate(s), {} run(s)",
                rounds + 1,
                requests.len(),
                runs.len()
            );
        }
        for record in session.run(&runs)? {
            let point = record.plan.point;
            planner.feed(point / per, point % per, &record.output.metrics);
        }
        planner.end_round(&requests);
        rounds += 1;
    }
    Ok(SearchOutcome {
        table: planner.table(name, &exp.spec.description),
        batch: session.finish(),
        rounds,
    })
}
