//! Drains and rolling deploys: a gateway taken out of service sheds its
//! connections as its shutdown strategy says (all at once, at a pace,
//! migrated without a reconnect, or Zuul's close-after-next-response), is
//! stopped when empty, and starts again; a rolling deploy does this to one
//! gateway after another. The strategies and the pacing themselves are in
//! `crate::faults::drain`.

use super::faults::{FaultEvent, fault_at};
use super::model::{ConnState, CpuJob, Event, PushModel};
use super::reconnect::CloseReason;
use crate::engine::{Scheduler, SimTime};
use crate::faults::drain::{DrainPacer, ShutdownStrategy};
use crate::faults::schedule::FaultSpec;

/// How often a paced drain sheds its due connections.
const DRAIN_TICK: SimTime = SimTime::from_millis(100);

/// A drain in progress on one gateway.
pub struct Drain {
    source: u16,
    epoch: u32,
    strategy: ShutdownStrategy,
    /// The connections held when the drain began: (client, generation).
    queue: Vec<(u32, u32)>,
    cursor: usize,
    pacer: Option<DrainPacer>,
    shed: u64,
    episode: u32,
    close_after_response: bool,
}

impl PushModel {
    /// Gateway `g` goes out of service and starts shedding connections.
    pub(super) fn on_drain_start(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        if !self.gateways[g].up || self.faults.drains[g].is_some() {
            // Down or draining already: a rolling deploy skips it.
            return self.advance_rolling(source, sched);
        }
        self.set_accepting(g, true, false);
        let strategy = match &self.faults.specs[source as usize] {
            FaultSpec::Drain(d) => d.shutdown.clone(),
            FaultSpec::RollingDeploy(r) => r.shutdown.clone(),
            _ => ShutdownStrategy::AllAtOnce,
        };
        let queue: Vec<(u32, u32)> = (0..self.clients_n)
            .filter(|&c| {
                let client = &self.clients[c as usize];
                client.gateway as usize == g && client.state == ConnState::Registered
            })
            .map(|c| (c, self.clients[c as usize].generation))
            .collect();
        let pacer = strategy
            .pace_per_s(queue.len() as u64)
            .map(|rate_per_s| DrainPacer {
                started: now,
                rate_per_s,
            });
        self.faults.drain_epoch = self.faults.drain_epoch.wrapping_add(1);
        let epoch = self.faults.drain_epoch;
        let migrating = matches!(strategy, ShutdownStrategy::Migrate { .. });
        let episode = if migrating {
            0
        } else {
            self.faults.tracker.begin(now, self.clients.len())
        };
        let (gateway, timers) = (g as u16, drain_timers(&strategy));
        self.faults.drains[g] = Some(Drain {
            source,
            epoch,
            strategy,
            queue,
            cursor: 0,
            pacer,
            shed: 0,
            episode,
            close_after_response: false,
        });
        if let Some(flag) = timers.flag {
            fault_at(sched, now + flag, FaultEvent::DrainFlag { gateway, epoch });
        }
        if let Some(force) = timers.force {
            fault_at(
                sched,
                now + force,
                FaultEvent::DrainForce { gateway, epoch },
            );
        }
        if timers.flag.is_none() {
            self.on_drain_tick(g, epoch, sched);
        }
    }

    /// Sheds what the pace allows by now (everything without a pace); the
    /// drain ends when its queue is empty.
    pub(super) fn on_drain_tick(&mut self, g: usize, epoch: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let Some(drain) = self.current_drain(g, epoch) else {
            return;
        };
        let due = drain
            .pacer
            .map_or(u64::MAX, |p| p.due_by(now).saturating_sub(drain.shed));
        let mut shed = 0;
        let mut work = Vec::new();
        while shed < due {
            let Some(drain) = self.faults.drains[g].as_mut() else {
                return;
            };
            let Some(&(c, generation)) = drain.queue.get(drain.cursor) else {
                break;
            };
            drain.cursor += 1;
            if self.shed_one(g, c, Some(generation), &mut work, sched) {
                shed += 1;
            }
        }
        self.submit_migration_work(&work, sched);
        let Some(drain) = self.faults.drains[g].as_mut() else {
            return;
        };
        drain.shed += shed;
        if drain.cursor >= drain.queue.len() {
            self.finish_drain(g, sched);
        } else {
            let tick = FaultEvent::DrainTick {
                gateway: g as u16,
                epoch,
            };
            sched.schedule_in(DRAIN_TICK, Event::Fault(tick));
        }
    }

    /// Sheds client `c` from draining gateway `g` if it is still there
    /// (and still the same connection): migrates or closes it.
    fn shed_one(
        &mut self,
        g: usize,
        c: u32,
        generation: Option<u32>,
        work: &mut Vec<u64>,
        sched: &mut Scheduler<Event>,
    ) -> bool {
        let client = &self.clients[c as usize];
        let same = generation.is_none_or(|g2| g2 == client.generation);
        if client.gateway as usize != g || !client.state.holds_memory() || !same {
            return false;
        }
        let Some(drain) = &self.faults.drains[g] else {
            return false;
        };
        let (strategy_cost, episode) = match drain.strategy {
            ShutdownStrategy::Migrate { cost, .. } => (Some(cost), drain.episode),
            _ => (None, drain.episode),
        };
        if let Some(cost) = strategy_cost
            && client.state == ConnState::Registered
            && self.migrate(c, g, sched.now())
        {
            let to = self.clients[c as usize].gateway as usize;
            if work.len() <= to {
                work.resize(to + 1, 0);
            }
            work[to] += cost.0.as_nanos();
            return true;
        }
        let episode = if episode == 0 {
            self.faults.tracker.begin(sched.now(), self.clients.len())
        } else {
            episode
        };
        if let Some(d) = self.faults.drains[g].as_mut() {
            d.episode = episode;
        }
        self.faults.tracker.affect(c, episode);
        let notice = self.notice_hop(c);
        self.end_connection(c, CloseReason::Drain, notice, sched);
        true
    }

    /// Moves client `c`'s connection from `from` to the gateway the
    /// balancer picks, without a reconnect; false if none can take it.
    fn migrate(&mut self, c: u32, from: usize, now: SimTime) -> bool {
        let Some(to) = self.pick_in(self.cluster_of(from)) else {
            return false;
        };
        if to == from || !self.has_memory_for_one(to) {
            return false;
        }
        self.add_open(from, -1);
        self.add_accepted(from, -1, now);
        self.add_open(to, 1);
        self.add_accepted(to, 1, now);
        self.clients[c as usize].gateway = to as u16;
        self.registry[c as usize] = to as u16;
        self.count_registry_write(now);
        self.faults.migrations += 1;
        true
    }

    /// Charges the receiving gateways for the connections they took over.
    fn submit_migration_work(&mut self, work: &[u64], sched: &mut Scheduler<Event>) {
        for (g, &work_ns) in work.iter().enumerate() {
            if work_ns > 0 {
                self.submit(g, CpuJob::Migrate { work_ns }, sched);
            }
        }
    }

    /// Sheds whatever is left on gateway `g` at once, stops it, and
    /// schedules its restart (a drain's `restart_after`, a deploy's boot).
    fn finish_drain(&mut self, g: usize, sched: &mut Scheduler<Event>) {
        let mut work = Vec::new();
        for c in 0..self.clients_n {
            self.shed_one(g, c, None, &mut work, sched);
        }
        self.submit_migration_work(&work, sched);
        let Some(drain) = self.faults.drains[g].take() else {
            return;
        };
        self.set_accepting(g, false, false);
        let restart_after = match &self.faults.specs[drain.source as usize] {
            FaultSpec::Drain(d) => d.restart_after.map(|r| r.0),
            FaultSpec::RollingDeploy(r) => Some(r.boot.0),
            _ => None,
        };
        if let Some(after) = restart_after {
            let restart = FaultEvent::Restart {
                gateway: g as u16,
                source: drain.source,
            };
            sched.schedule_in(after, Event::Fault(restart));
        }
    }

    /// Zuul's close-after-next-response: a draining gateway that has just
    /// written a message to `user` closes that connection.
    pub fn after_response(&mut self, g: usize, user: u32, sched: &mut Scheduler<Event>) {
        let flagged = self.faults.drains[g]
            .as_ref()
            .is_some_and(|d| d.close_after_response);
        if flagged {
            let mut work = Vec::new();
            self.shed_one(g, user, None, &mut work, sched);
        }
    }

    /// A rolling deploy moves on to its next gateway, if any.
    pub(super) fn advance_rolling(&mut self, source: u16, sched: &mut Scheduler<Event>) {
        let FaultSpec::RollingDeploy(r) = &self.faults.specs[source as usize] else {
            return;
        };
        let position = self.faults.rolling_at[source as usize] + 1;
        self.faults.rolling_at[source as usize] = position;
        let count = r.gateways.as_ref().map_or(self.gateways.len(), |l| l.len());
        if position < count {
            let next = r.gateways.as_ref().map_or(position as u32, |l| l[position]);
            let event = FaultEvent::DrainStart {
                gateway: next as u16,
                source,
            };
            sched.schedule_in(SimTime::ZERO, Event::Fault(event));
        }
    }

    /// Zuul's drain, `delay` after its start: from now on each connection
    /// closes after its next response.
    pub(super) fn on_drain_flag(&mut self, g: usize, epoch: u32) {
        if let Some(d) = self.current_drain(g, epoch) {
            d.close_after_response = true;
        }
    }

    /// The drain's `force_after` has passed: whatever is left goes at once.
    pub(super) fn on_drain_force(&mut self, g: usize, epoch: u32, sched: &mut Scheduler<Event>) {
        if self.current_drain(g, epoch).is_some() {
            self.finish_drain(g, sched);
        }
    }

    /// Gateway `g` crashed during its drain, which ends there; a rolling
    /// deploy goes on once the crashed gateway would have booted.
    pub(super) fn cut_drain_short(&mut self, g: usize, sched: &mut Scheduler<Event>) {
        let Some(drain) = self.faults.drains[g].take() else {
            return;
        };
        let source = drain.source;
        if let FaultSpec::RollingDeploy(r) = &self.faults.specs[source as usize] {
            let restart = FaultEvent::Restart {
                gateway: g as u16,
                source,
            };
            sched.schedule_in(r.boot.0, Event::Fault(restart));
        }
    }

    fn current_drain(&mut self, g: usize, epoch: u32) -> Option<&mut Drain> {
        self.faults.drains[g].as_mut().filter(|d| d.epoch == epoch)
    }
}

/// The timers of a drain strategy: when responses start closing
/// connections (Zuul) and when the rest is forced out.
struct DrainTimers {
    flag: Option<SimTime>,
    force: Option<SimTime>,
}

fn drain_timers(strategy: &ShutdownStrategy) -> DrainTimers {
    match strategy {
        ShutdownStrategy::Zuul { delay, force_after } => DrainTimers {
            flag: Some(delay.0),
            force: Some(delay.0 + force_after.0),
        },
        ShutdownStrategy::Slow { force_after, .. } => DrainTimers {
            flag: None,
            force: force_after.map(|f| f.0),
        },
        ShutdownStrategy::AllAtOnce | ShutdownStrategy::Migrate { .. } => DrainTimers {
            flag: None,
            force: None,
        },
    }
}
