//! Faults in the push model: gateway crashes and restarts (scheduled or
//! random), graceful drains and rolling deploys, registry slowdowns, Kafka
//! leader loss, admission limits on new connections, client backoff, and
//! the measurement of the reconnect storms they cause.
//!
//! The generic parts (schedules, shutdown strategies, token buckets, storm
//! metrics, retry policies) live in `crate::faults`; this module wires them
//! to the push model's gateways, registry and partitions through a few
//! hooks in `connections` and `pipeline`. A fault costs one scan of the
//! client slots when it strikes a gateway, then one event per connection it
//! ends; idle clients cost nothing. See `docs/faults.md`.

use super::defaults as d;
use super::model::{ConnState, CpuJob, Event, PushModel};
use super::reconnect::CloseReason;
use crate::engine::{GridSeries, Scheduler, SimRng, SimTime, Streams};
use crate::faults::admission::TokenBucket;
use crate::faults::drain::{DrainPacer, ShutdownStrategy};
use crate::faults::schedule::{CrashSpec, FaultSpec, Notice, random_outages, window_end};
use crate::faults::storm::{BusyPeak, PeakRate, ReconnectTracker};
use crate::run::RunOutput;

/// How often a paced drain sheds its due connections.
const DRAIN_TICK: SimTime = SimTime::from_millis(100);

/// Events of the fault schedule. `source` is the index of the
/// `[[push.faults]]` entry that caused it.
#[derive(Copy, Clone, Debug)]
pub enum FaultEvent {
    Crash {
        gateway: u16,
        source: u16,
    },
    Restart {
        gateway: u16,
        source: u16,
    },
    DrainStart {
        gateway: u16,
        source: u16,
    },
    DrainTick {
        gateway: u16,
        epoch: u32,
    },
    /// Zuul: from now on, close each connection after its next response.
    DrainFlag {
        gateway: u16,
        epoch: u32,
    },
    DrainForce {
        gateway: u16,
        epoch: u32,
    },
    Slowdown {
        source: u16,
        on: bool,
    },
    LeaderLoss {
        source: u16,
    },
    LeaderBack {
        partition: u32,
    },
}

/// A drain in progress on one gateway.
pub(super) struct Drain {
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

/// Fault schedule, admission limits and storm metrics of one run.
pub struct FaultState {
    pub(super) specs: Vec<FaultSpec>,
    pub(super) streams: Streams,
    pub(super) notice_rng: SimRng,
    pub(super) buckets: Vec<TokenBucket>,
    pub(super) max_cpu_queue: Option<u64>,
    pub(super) tracker: ReconnectTracker,
    pub(super) registry_writes: PeakRate,
    pub(super) attempts: PeakRate,
    pub(super) accepted: PeakRate,
    pub(super) refused: PeakRate,
    pub(super) attempts_total: u64,
    pub(super) refused_total: u64,
    pub(super) cpu: Vec<BusyPeak>,
    pub(super) messages_dropped_storm: u64,
    pub(super) crashed_connections: u64,
    pub(super) migrations: u64,
    /// The registry slowdown factor of each entry while active.
    pub(super) slowdowns: Vec<f64>,
    /// Per partition: when its new leader is elected (0: it has one).
    pub(super) leader_back_ns: Vec<u64>,
    pub(super) drains: Vec<Option<Drain>>,
    pub(super) drain_epoch: u32,
    /// Per entry: the position of a rolling deploy in its gateway list.
    pub(super) rolling_at: Vec<usize>,
    /// The run's horizon: random crashes are drawn up to it.
    pub(super) horizon: SimTime,
    pub(super) attempts_series: Option<GridSeries>,
    pub(super) refused_series: Option<GridSeries>,
}

impl FaultState {
    /// A connection attempt reached a gateway (or found none up).
    pub fn count_attempt(&mut self, now: SimTime, accepted: bool) {
        self.attempts.add(now, 1);
        self.attempts_total += 1;
        if let Some(s) = &mut self.attempts_series {
            s.add(now, 1.0);
        }
        if accepted {
            self.accepted.add(now, 1);
        } else {
            self.refused.add(now, 1);
            self.refused_total += 1;
            if let Some(s) = &mut self.refused_series {
                s.add(now, 1.0);
            }
        }
    }

    /// Gateway `g` starts a job of `service` at `now`.
    #[inline]
    pub fn cpu_busy(&mut self, g: usize, now: SimTime, service: SimTime) {
        if let Some(peak) = self.cpu.get_mut(g) {
            peak.add(now, service);
        }
    }

    /// Whether partition `p` has no leader now.
    #[inline]
    pub fn leaderless(&self, p: usize) -> bool {
        self.leader_back_ns[p] != 0
    }

    /// When partition `p`'s new leader is elected, if it has none at `now`.
    #[inline]
    pub fn leader_back_at(&self, p: usize, now: SimTime) -> Option<SimTime> {
        let back = self.leader_back_ns[p];
        (back > now.as_nanos()).then_some(SimTime::from_nanos(back))
    }

    /// Bytes of per-client fault state: the reconnect tracker's episode
    /// (after the first fault).
    pub fn client_state_bytes(&self) -> usize {
        self.tracker.client_state_bytes()
    }

    fn registry_factor(&self) -> f64 {
        self.slowdowns.iter().product()
    }

    /// Resets the statistics of the measured window. The reconnect tracker
    /// is kept: a fault is followed to its end whenever it struck.
    pub fn end_warmup(&mut self, now: SimTime) {
        for peak in [
            &mut self.registry_writes,
            &mut self.attempts,
            &mut self.accepted,
            &mut self.refused,
        ] {
            peak.reset();
        }
        self.tracker.reconnect_rate.reset();
        self.messages_dropped_storm = 0;
        self.attempts_total = 0;
        self.refused_total = 0;
        for c in &mut self.cpu {
            c.reset(now);
        }
    }
}

impl PushModel {
    /// Schedules every entry's first event.
    pub fn start_faults(&mut self, sched: &mut Scheduler<Event>) {
        if !self.transport.is_persistent() {
            return;
        }
        for (i, spec) in self.faults.specs.clone().iter().enumerate() {
            let source = i as u16;
            match spec {
                FaultSpec::Crash(c) => self.schedule_crash(c, source, sched),
                FaultSpec::Restart(r) => {
                    let event = FaultEvent::Restart {
                        gateway: r.gateway as u16,
                        source,
                    };
                    fault_at(sched, r.at.0, event);
                }
                FaultSpec::Drain(d) => {
                    let event = FaultEvent::DrainStart {
                        gateway: d.gateway as u16,
                        source,
                    };
                    fault_at(sched, d.at.0, event);
                }
                FaultSpec::RollingDeploy(r) => {
                    let first = r.gateways.as_ref().map_or(0, |g| g[0]) as u16;
                    let event = FaultEvent::DrainStart {
                        gateway: first,
                        source,
                    };
                    fault_at(sched, r.at.0, event);
                }
                FaultSpec::RegistrySlowdown(s) => {
                    if let Ok(end) = window_end(s.at, s.duration, s.until) {
                        fault_at(sched, s.at.0, FaultEvent::Slowdown { source, on: true });
                        fault_at(sched, end, FaultEvent::Slowdown { source, on: false });
                    }
                }
                FaultSpec::KafkaLeaderLoss(l) => {
                    fault_at(sched, l.at.0, FaultEvent::LeaderLoss { source });
                }
            }
        }
    }

    /// A crash entry: at its time (with its restart, if any), or at random
    /// on its gateway or on every gateway.
    fn schedule_crash(&mut self, c: &CrashSpec, source: u16, sched: &mut Scheduler<Event>) {
        if let (Some(t), Some(g)) = (c.at, c.gateway) {
            let g = g as u16;
            fault_at(sched, t.0, FaultEvent::Crash { gateway: g, source });
            let restart = c
                .restart_at
                .map(|r| r.0)
                .or(c.restart_after.map(|d| t.0 + d.0));
            if let Some(r) = restart {
                fault_at(sched, r, FaultEvent::Restart { gateway: g, source });
            }
            return;
        }
        let gateways: Vec<u16> = match c.gateway {
            Some(g) => vec![g as u16],
            None => (0..self.gateways.len() as u16).collect(),
        };
        for g in gateways {
            self.schedule_random_crashes(g, source, sched);
        }
    }

    /// Every outage of gateway `g` by random-crash entry `source`, drawn
    /// at the start from the gateway's own stream.
    fn schedule_random_crashes(&mut self, g: u16, source: u16, sched: &mut Scheduler<Event>) {
        let FaultSpec::Crash(c) = &self.faults.specs[source as usize] else {
            return;
        };
        let (Some(mtbf), Some(mttr)) = (c.mtbf, c.mttr) else {
            return;
        };
        let until = c
            .until
            .map_or(self.faults.horizon, |u| u.0.min(self.faults.horizon));
        let component = ((source as u64) << 32) | g as u64;
        let mut rng = self.faults.streams.stream("faults/crash", component);
        for o in random_outages(mtbf.0, mttr.0, until, &mut rng) {
            fault_at(sched, o.down, FaultEvent::Crash { gateway: g, source });
            fault_at(sched, o.up, FaultEvent::Restart { gateway: g, source });
        }
    }

    pub fn on_fault(&mut self, fault: FaultEvent, sched: &mut Scheduler<Event>) {
        match fault {
            FaultEvent::Crash { gateway, source } => self.on_crash(gateway as usize, source, sched),
            FaultEvent::Restart { gateway, source } => {
                self.on_restart(gateway as usize, source, sched)
            }
            FaultEvent::DrainStart { gateway, source } => {
                self.on_drain_start(gateway as usize, source, sched)
            }
            FaultEvent::DrainTick { gateway, epoch } => {
                self.on_drain_tick(gateway as usize, epoch, sched)
            }
            FaultEvent::DrainFlag { gateway, epoch } => {
                if let Some(d) = self.current_drain(gateway as usize, epoch) {
                    d.close_after_response = true;
                }
            }
            FaultEvent::DrainForce { gateway, epoch } => {
                if self.current_drain(gateway as usize, epoch).is_some() {
                    self.finish_drain(gateway as usize, sched);
                }
            }
            FaultEvent::Slowdown { source, on } => self.on_slowdown(source, on),
            FaultEvent::LeaderLoss { source } => self.on_leader_loss(source, sched),
            FaultEvent::LeaderBack { partition } => self.on_leader_back(partition as usize, sched),
        }
    }

    fn current_drain(&mut self, g: usize, epoch: u32) -> Option<&mut Drain> {
        self.faults.drains[g].as_mut().filter(|d| d.epoch == epoch)
    }

    /// Gateway `g` dies: every connection and accepted attempt on it ends
    /// at once; clients notice after a transit (or at their next ping).
    fn on_crash(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        if !self.gateways[g].up {
            return;
        }
        let now = sched.now();
        if let Some(drain) = self.faults.drains[g].take() {
            self.resume_rolling_after_crash(g, drain.source, sched);
        }
        self.set_accepting(g, false, false);
        self.faults.crashed_connections += self.gateways[g].accepted;
        let notice = match &self.faults.specs[source as usize] {
            FaultSpec::Crash(c) => c.notice,
            _ => Notice::Reset,
        };
        let episode = self.faults.tracker.begin(now, self.clients.len());
        for c in 0..self.clients_n {
            let client = &self.clients[c as usize];
            if client.gateway as usize != g || !holds_memory(client.state) {
                continue;
            }
            self.faults.tracker.affect(c, episode);
            let delay = self.notice_delay(c, notice, now);
            self.end_connection(c, CloseReason::Crash, delay, sched);
        }
    }

    /// When client `c` learns that its gateway died.
    fn notice_delay(&mut self, c: u32, notice: Notice, now: SimTime) -> SimTime {
        let hop = self.notice_hop();
        let client = &self.clients[c as usize];
        let ping_ns = self.p.connection.ping_interval.0.as_nanos();
        if notice == Notice::Reset || client.state != ConnState::Registered || ping_ns == 0 {
            return hop;
        }
        let wait = (client.phase_ns % ping_ns + ping_ns - now.as_nanos() % ping_ns) % ping_ns;
        SimTime::from_nanos(if wait == 0 { ping_ns } else { wait })
    }

    /// One transit for news from a gateway (a reset, a go-away), drawn
    /// from the notice stream so that faults leave the others' draws alone.
    fn notice_hop(&mut self) -> SimTime {
        self.s.transit.sample(&mut self.faults.notice_rng) + self.lb_one_way
    }

    /// A rolling deploy whose drain a crash cut short goes on once the
    /// crashed gateway would have booted.
    fn resume_rolling_after_crash(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        if let FaultSpec::RollingDeploy(r) = &self.faults.specs[source as usize] {
            let restart = FaultEvent::Restart {
                gateway: g as u16,
                source,
            };
            sched.schedule_in(r.boot.0, Event::Fault(restart));
        }
    }

    /// Gateway `g` is up again and empty; a random crash process draws its
    /// next failure, a rolling deploy drains its next gateway.
    fn on_restart(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        if !self.gateways[g].up {
            self.set_accepting(g, true, true);
        }
        if let FaultSpec::RollingDeploy(_) = &self.faults.specs[source as usize] {
            self.advance_rolling(source, sched);
        }
    }

    /// A rolling deploy moves on to its next gateway, if any.
    fn advance_rolling(&mut self, source: u16, sched: &mut Scheduler<Event>) {
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

    /// Gateway `g` goes out of service and starts shedding connections.
    fn on_drain_start(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
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
    fn on_drain_tick(&mut self, g: usize, epoch: u32, sched: &mut Scheduler<Event>) {
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
        if client.gateway as usize != g || !holds_memory(client.state) || !same {
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
        let notice = self.notice_hop();
        self.end_connection(c, CloseReason::Drain, notice, sched);
        true
    }

    /// Moves client `c`'s connection from `from` to the gateway the
    /// balancer picks, without a reconnect; false if none can take it.
    fn migrate(&mut self, c: u32, from: usize, now: SimTime) -> bool {
        let Some(to) = self.pick_gateway() else {
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

    fn on_slowdown(&mut self, source: u16, on: bool) {
        if let FaultSpec::RegistrySlowdown(s) = &self.faults.specs[source as usize] {
            self.faults.slowdowns[source as usize] = if on { s.factor } else { 1.0 };
        }
    }

    fn on_leader_loss(&mut self, source: u16, sched: &mut Scheduler<Event>) {
        let FaultSpec::KafkaLeaderLoss(l) = &self.faults.specs[source as usize] else {
            return;
        };
        let Ok(end) = window_end(l.at, l.duration, l.until) else {
            return;
        };
        let p = l.partition as usize;
        let back = self.faults.leader_back_ns[p].max(end.as_nanos());
        self.faults.leader_back_ns[p] = back;
        let event = FaultEvent::LeaderBack {
            partition: p as u32,
        };
        fault_at(sched, SimTime::from_nanos(back), event);
    }

    fn on_leader_back(&mut self, p: usize, sched: &mut Scheduler<Event>) {
        if self.faults.leader_back_ns[p] > sched.now().as_nanos() {
            return;
        }
        self.faults.leader_back_ns[p] = 0;
        if !self.rebalancing && self.consumers > 0 {
            let owner = p as u32 % self.consumers;
            self.try_dispatch(owner, sched);
        }
    }

    /// Registry write latency now (slowed down during a slowdown).
    pub fn registry_write_time(&mut self) -> SimTime {
        let t = self.s.registry_write.sample(&mut self.rng.registry);
        scale(t, self.faults.registry_factor())
    }

    /// Registry read latency now (slowed down during a slowdown).
    pub fn registry_read_time(&mut self) -> SimTime {
        let t = self.s.registry_read.sample(&mut self.rng.registry);
        scale(t, self.faults.registry_factor())
    }

    /// Whether gateway `g` accepts a connection arriving at `now`: it is up
    /// and in service, has memory, its CPU queue and accept rate are within
    /// the admission limits. Counts the attempt either way.
    pub fn admit(&mut self, g: usize, now: SimTime) -> bool {
        let gw = &self.gateways[g];
        let ok = gw.up
            && gw.accepting
            && self.has_memory_for_one(g)
            && self
                .faults
                .max_cpu_queue
                .is_none_or(|q| gw.cpu.waiting() as u64 <= q)
            && self
                .faults
                .buckets
                .get_mut(g)
                .is_none_or(|bucket| bucket.try_take(now));
        self.faults.count_attempt(now, ok);
        ok
    }

    /// Writes the storm metrics and series.
    pub fn write_faults(&self, out: &mut RunOutput, end: SimTime, measured_s: f64) {
        let f = &self.faults;
        let t = &f.tracker;
        out.scalar(
            "connect_attempts_per_s",
            f.attempts_total as f64 / measured_s,
        );
        out.scalar(
            "connect_refusals_per_s",
            f.refused_total as f64 / measured_s,
        );
        out.scalar("connect_attempts_per_s_peak", f.attempts.peak_per_s());
        out.scalar("connects_accepted_per_s_peak", f.accepted.peak_per_s());
        out.scalar("connects_refused_per_s_peak", f.refused.peak_per_s());
        out.scalar("registry_writes_per_s_peak", f.registry_writes.peak_per_s());
        let cores = self.p.gateways.cores;
        let cpu_peak = f
            .cpu
            .iter()
            .map(|b| b.peak_utilisation(cores))
            .fold(0.0, f64::max);
        out.scalar("gateway_cpu_peak", cpu_peak);
        out.scalar("crashed_connections", f.crashed_connections as f64);
        out.scalar("fault_affected_clients", t.affected as f64);
        out.scalar("fault_reconnected_clients", t.reconnected as f64);
        out.scalar("fault_clients_not_reconnected", t.pending() as f64);
        out.scalar("storm_reconnects_per_s_peak", t.reconnect_rate.peak_per_s());
        out.scalar("time_to_reconnect_99_s", t.time_to_share_s(0.99));
        out.scalar("time_to_reconnect_100_s", t.time_to_share_s(1.0));
        out.scalar("messages_dropped_storm", f.messages_dropped_storm as f64);
        out.scalar("clients_gave_up", self.reconnects.gave_up as f64);
        out.scalar("migrations", f.migrations as f64);
        let fleet_cores = self.gateways.len() as f64 * cores as f64;
        out.scalar("fleet_cores", fleet_cores);
        out.scalar("fleet_cost_per_hour", fleet_cores * d::PRICE_PER_CORE_HOUR);
        for series in [&f.attempts_series, &f.refused_series]
            .into_iter()
            .flatten()
        {
            out.series(series, end);
        }
    }
}

/// Whether a client in `state` holds a gateway's memory (an accepted
/// attempt or a connection).
fn holds_memory(state: ConnState) -> bool {
    matches!(
        state,
        ConnState::Handshaking | ConnState::Registering | ConnState::Registered
    )
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

fn fault_at(sched: &mut Scheduler<Event>, at: SimTime, fault: FaultEvent) {
    sched.schedule_at(at.max(sched.now()), Event::Fault(fault));
}

fn scale(t: SimTime, factor: f64) -> SimTime {
    if factor == 1.0 {
        t
    } else {
        SimTime::from_secs_f64(t.as_secs_f64() * factor)
    }
}
