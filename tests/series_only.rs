//! With `output.timeseries = false` the runner records only the series the
//! steady-state check reads (`RunContext::series_only`), and a run gives
//! the same metrics, bit for bit, as with every series recorded.

use std::path::Path;

use edgesim::engine::{SeriesKind, SimTime};
use edgesim::experiment::{load_text, runner};
use edgesim::run::RunContext;

const MM1: &str = r#"
schema = 1
name = "series-only"
description = "M/M/1 at rho = 0.9, short"
model = "queue"

[run]
seed = 7
replications = 2
duration = "20000s"
warmup = "500s"

[queue]
arrival_rate = "0.9/s"
servers = 1
service = { dist = "exponential", rate = "1/s" }
"#;

#[test]
fn only_the_checked_series_are_recorded_and_metrics_stay_the_same() {
    let path = Path::new("series-only.toml");
    let all = load_text(path, MM1, &[]).unwrap();
    let checked = load_text(path, MM1, &["output.timeseries=false".to_string()]).unwrap();
    for plan in all.plan() {
        assert_eq!(runner::context(&all, &plan).series_only, None);
        let ctx = runner::context(&checked, &plan);
        assert_eq!(ctx.series_only, Some(&["in_system"][..]));
        let a = runner::run_one(&all, &plan, None).unwrap().output;
        let b = runner::run_one(&checked, &plan, None).unwrap().output;
        assert_eq!(a.series.len(), 2, "departures_per_s and in_system");
        assert!(b.series.is_empty(), "dropped after the check");
        assert_eq!(a.events, b.events);
        assert_eq!(a.metrics.len(), b.metrics.len());
        for (x, y) in a.metrics.iter().zip(&b.metrics) {
            assert_eq!(x.name, y.name);
            assert_eq!(x.value.to_bits(), y.value.to_bits(), "{}", x.name);
        }
        assert!(a.get("warmup_suggested_s").unwrap().is_finite());
    }
}

#[test]
fn series_only_keeps_named_totals() {
    let mut ctx = RunContext::new(1, SimTime::ZERO, SimTime::from_secs(10));
    ctx.series_step = Some(SimTime::from_secs(1));
    assert!(ctx.series("b", "g0", SeriesKind::Level).is_some());
    ctx.series_only = Some(&["a"]);
    assert!(ctx.series("a", "", SeriesKind::Level).is_some());
    assert!(ctx.series("a", "g0", SeriesKind::Level).is_none());
    assert!(ctx.series("b", "", SeriesKind::Rate).is_none());
    ctx.series_step = None;
    assert!(ctx.series("a", "", SeriesKind::Level).is_none());
}
