//! The scheduled instants of an experiment, for marks on its time-series
//! charts: CDN PoP failures, flash crowds, attacks and purges; push faults
//! (crashes, drains, deploys, slowdowns, leader losses, cluster outages)
//! and connection floods; system campaigns. Taken from every point's
//! prepared parameters (so `--set` and sweeps count), the same instant and
//! label once, within the run, earliest first.

use super::Experiment;
use super::models::ModelSpec;
use crate::faults::schedule::FaultSpec;
use crate::models::cdn::CdnParams;
use crate::models::push::PushParams;
use crate::study::ScheduledEvent;

/// An instant found: when, what, and its kind.
type Found = (f64, String, &'static str);
const FAULT: &str = "fault";
const LOAD: &str = "load";

/// The most scheduled instants marked on a chart.
pub const MAX_EVENTS: usize = 8;

/// The scheduled instants of `exp`'s points.
pub fn scheduled_events(exp: &Experiment) -> Vec<ScheduledEvent> {
    let mut events: Vec<ScheduledEvent> = Vec::new();
    for point in &exp.points {
        let end_s = point.spec.run.duration.0.as_secs_f64();
        let mut found = Vec::new();
        match &point.spec.model {
            ModelSpec::Cdn(cdn) => cdn_events(cdn.params(), &mut found),
            ModelSpec::Push(push) => push_events(push.params(), &mut found),
            ModelSpec::System(system) => {
                if let Some(cdn) = &system.cdn {
                    cdn_events(cdn.params(), &mut found);
                }
                if let Some(push) = &system.push {
                    push_events(push.params(), &mut found);
                }
                for (i, c) in system.params.campaign.iter().enumerate() {
                    let name = c.name.clone().unwrap_or_else(|| format!("c{i}"));
                    found.push((c.at.0.as_secs_f64(), format!("campaign {name}"), LOAD));
                }
            }
            ModelSpec::Queue(_) | ModelSpec::Occ(_) => {}
        }
        for (at_s, label, kind) in found {
            let kind = kind.to_string();
            let event = ScheduledEvent { at_s, label, kind };
            if at_s > 0.0 && at_s < end_s && !events.contains(&event) {
                events.push(event);
            }
        }
    }
    events.sort_by(|a, b| a.at_s.total_cmp(&b.at_s).then(a.label.cmp(&b.label)));
    events.truncate(MAX_EVENTS);
    events
}

fn cdn_events(p: &CdnParams, found: &mut Vec<Found>) {
    for f in &p.failure {
        if let Some(at) = f.at {
            found.push((at.0.as_secs_f64(), format!("{} fails", f.pop), FAULT));
        }
    }
    for f in &p.flash_crowd {
        found.push((f.at.0.as_secs_f64(), "flash crowd".into(), LOAD));
    }
    for a in &p.attack {
        found.push((a.at.0.as_secs_f64(), "attack".into(), LOAD));
    }
    for u in &p.purge {
        found.push((u.at.0.as_secs_f64(), "purge".into(), "purge"));
    }
}

fn push_events(p: &PushParams, found: &mut Vec<Found>) {
    for f in &p.faults {
        let (at, label) = match f {
            FaultSpec::Crash(c) => match (c.at, c.gateway) {
                (Some(at), Some(g)) => (at, format!("g{g} crashes")),
                (Some(at), None) => (at, "crash".into()),
                _ => continue,
            },
            FaultSpec::Restart(r) => (r.at, format!("g{} restarts", r.gateway)),
            FaultSpec::Drain(d) => (d.at, format!("g{} drains", d.gateway)),
            FaultSpec::RollingDeploy(d) => (d.at, "rolling deploy".into()),
            FaultSpec::RegistrySlowdown(s) => (s.at, "registry slowdown".into()),
            FaultSpec::KafkaLeaderLoss(l) => (l.at, format!("p{} leader lost", l.partition)),
            FaultSpec::ClusterOutage(o) => (o.at, format!("{} lost", o.cluster)),
        };
        found.push((at.0.as_secs_f64(), label, FAULT));
    }
    for a in &p.attack {
        found.push((a.at.0.as_secs_f64(), "connection flood".into(), LOAD));
    }
}
