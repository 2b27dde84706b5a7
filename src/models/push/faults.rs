//! Faults in the push model: the fault schedule's events, gateway crashes
//! and restarts (scheduled or random), registry slowdowns, Kafka leader
//! loss, admission limits on new connections, and the state that measures
//! the reconnect storms they cause. Drains and rolling deploys are in
//! `drains`, retry delays and backoff in `reconnect`, the storm metrics'
//! output in `output`.
//!
//! The generic parts (schedules, shutdown strategies, token buckets, storm
//! metrics, retry policies) live in `crate::faults`; this module wires them
//! to the push model's gateways, registry and partitions through a few
//! hooks in `connections` and `pipeline`. A fault costs one scan of the
//! client slots when it strikes a gateway, then one event per connection it
//! ends; idle clients cost nothing. See `docs/faults.md`.

use super::drains::Drain;
use super::model::{ConnState, Event, NO_GATEWAY, PushModel};
use super::reconnect::CloseReason;
use crate::engine::{GridSeries, Scheduler, SimRng, SimTime, Streams};
use crate::faults::admission::TokenBucket;
use crate::faults::schedule::{CrashSpec, FaultSpec, Notice, random_outages, window_end};
use crate::faults::storm::{BusyPeak, PeakRate, ReconnectTracker};

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
    ClusterDown {
        source: u16,
    },
    ClusterUp {
        source: u16,
    },
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
                FaultSpec::ClusterOutage(o) => {
                    fault_at(sched, o.at.0, FaultEvent::ClusterDown { source });
                    if let Some(end) = o.end() {
                        fault_at(sched, end, FaultEvent::ClusterUp { source });
                    }
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
            FaultEvent::DrainFlag { gateway, epoch } => self.on_drain_flag(gateway as usize, epoch),
            FaultEvent::DrainForce { gateway, epoch } => {
                self.on_drain_force(gateway as usize, epoch, sched)
            }
            FaultEvent::Slowdown { source, on } => self.on_slowdown(source, on),
            FaultEvent::LeaderLoss { source } => self.on_leader_loss(source, sched),
            FaultEvent::LeaderBack { partition } => self.on_leader_back(partition as usize, sched),
            FaultEvent::ClusterDown { source } => self.on_cluster_down(source, sched),
            FaultEvent::ClusterUp { source } => self.on_cluster_up(source, sched),
        }
    }

    /// Gateway `g` dies: every connection and accepted attempt on it ends
    /// at once; clients notice after a transit (or at their next ping).
    pub(super) fn on_crash(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        if !self.gateways[g].up {
            return;
        }
        let now = sched.now();
        self.cut_drain_short(g, sched);
        self.set_accepting(g, false, false);
        self.faults.crashed_connections += self.gateways[g].accepted;
        let notice = match &self.faults.specs[source as usize] {
            FaultSpec::Crash(c) => c.notice,
            FaultSpec::ClusterOutage(o) => o.notice,
            _ => Notice::Reset,
        };
        let episode = self.faults.tracker.begin(now, self.clients.len());
        for c in 0..self.clients_n {
            let client = &self.clients[c as usize];
            if client.gateway as usize != g || !client.state.holds_memory() {
                continue;
            }
            self.faults.tracker.affect(c, episode);
            let delay = self.notice_delay(c, notice, now);
            self.end_connection(c, CloseReason::Crash, delay, sched);
        }
    }

    /// When client `c` learns that its gateway died.
    fn notice_delay(&mut self, c: u32, notice: Notice, now: SimTime) -> SimTime {
        let hop = self.notice_hop(c);
        let client = &self.clients[c as usize];
        let ping_ns = self.p.connection.ping_interval.0.as_nanos();
        if notice == Notice::Reset || client.state != ConnState::Registered || ping_ns == 0 {
            return hop;
        }
        let wait = (client.phase_ns() % ping_ns + ping_ns - now.as_nanos() % ping_ns) % ping_ns;
        SimTime::from_nanos(if wait == 0 { ping_ns } else { wait })
    }

    /// One transit for news from client `c`'s gateway (a reset, a
    /// go-away): from the world with clusters; otherwise drawn from the
    /// notice stream so that faults leave the others' draws alone.
    pub(super) fn notice_hop(&mut self, c: u32) -> SimTime {
        let g = self.clients[c as usize].gateway;
        match &self.geo {
            Some(geo) if g != NO_GATEWAY => {
                geo.client_one_way(c, self.cluster_of(g as usize)) + self.lb_one_way
            }
            _ => self.s.transit.sample(&mut self.faults.notice_rng) + self.lb_one_way,
        }
    }

    /// Gateway `g` is up again and empty; a random crash process draws its
    /// next failure, a rolling deploy drains its next gateway.
    pub(super) fn on_restart(&mut self, g: usize, source: u16, sched: &mut Scheduler<Event>) {
        if !self.gateways[g].up {
            self.set_accepting(g, true, true);
        }
        if let FaultSpec::RollingDeploy(_) = &self.faults.specs[source as usize] {
            self.advance_rolling(source, sched);
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
        let ok = self.admits(g, now);
        self.faults.count_attempt(now, ok);
        ok
    }

    /// [`PushModel::admit`] without counting the attempt (a flood bot's).
    pub fn admits(&mut self, g: usize, now: SimTime) -> bool {
        let gw = &self.gateways[g];
        gw.up
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
                .is_none_or(|bucket| bucket.try_take(now))
    }
}

pub(super) fn fault_at(sched: &mut Scheduler<Event>, at: SimTime, fault: FaultEvent) {
    sched.schedule_at(at.max(sched.now()), Event::Fault(fault));
}

fn scale(t: SimTime, factor: f64) -> SimTime {
    if factor == 1.0 {
        t
    } else {
        SimTime::from_secs_f64(t.as_secs_f64() * factor)
    }
}
