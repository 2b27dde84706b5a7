//! The lifecycle of a persistent connection (SSE, WebSocket):
//!
//! ```text
//! Disconnected --deadline--> Connecting --transit--> (refused: memory full)
//!   --> Handshaking (gateway CPU: TLS, upgrade, auth) --> Registering
//!   (registry write) --> Registered --lifetime end | idle cut--> closed
//!   --> Disconnected (reconnect delay from the policy) --> ...
//! ```
//!
//! Every end of a connection goes through [`PushModel::close_connection`]
//! with a [`CloseReason`]; every timed action of a client (its lifetime
//! end, its idle cut, its next attempt) is its single deadline in the
//! timing wheel. Keep-alive pings are charged to the gateways' CPU in one
//! batch per gateway per second, never one event per connection.

use rand::RngExt;

use super::filters::Kind;
use super::model::{Client, ConnState, CpuJob, Event, NO_GATEWAY, PushModel, SeriesSet, TICK};
use super::params::Transport;
use super::reconnect::{CloseReason, Retry};
use crate::engine::{Scheduler, SimTime};

impl PushModel {
    /// Places every client at time zero: connected in steady state, or
    /// disconnected with an attempt somewhere in the connect ramp.
    pub fn start_connections(&mut self, sched: &mut Scheduler<Event>) {
        let ramp = self.p.connection.connect_ramp.map(|d| d.0);
        for c in 0..self.clients_n {
            if self.is_blocked(c) {
                self.clients[c as usize].state = ConnState::Blocked;
                continue;
            }
            match ramp {
                Some(ramp) => {
                    let u: f64 = self.rng.initial.random();
                    let at = SimTime::from_secs_f64(u * ramp.as_secs_f64());
                    self.set_deadline(c, at, sched);
                }
                None => self.place_steady(c, sched),
            }
        }
        sched.schedule_at(SimTime::ZERO, Event::WheelTick);
        if self.p.connection.ping_interval.0 > SimTime::ZERO {
            sched.schedule_at(TICK, Event::PingTick);
        }
    }

    /// SSE streams beyond the browser's per-host connection limit wait
    /// forever (a tab that never gets its stream).
    fn is_blocked(&self, c: u32) -> bool {
        let sse = &self.p.sse;
        self.transport == Transport::Sse
            && c % sse.streams_per_browser >= sse.browser_connection_limit
    }

    /// A client already connected at time zero, with the residual of a
    /// lifetime in progress (stationary renewal process: the lifetime in
    /// progress is length-biased, and the time left is uniform within it).
    fn place_steady(&mut self, c: u32, sched: &mut Scheduler<Event>) {
        let Some(g) = self.pick_gateway_for(c) else {
            return self.retry_later(c, sched);
        };
        if !self.has_memory_for_one(g) {
            return self.retry_later(c, sched);
        }
        let now = sched.now();
        self.add_open(g, 1);
        self.add_accepted(g, 1, now);
        let conn = &self.p.connection;
        let (high, low) = (
            conn.lifetime.0.as_secs_f64(),
            (conn.lifetime.0 - conn.lifetime_jitter.0).as_secs_f64(),
        );
        let (u, v, w, x): (f64, f64, f64, f64) = (
            self.rng.initial.random(),
            self.rng.initial.random(),
            self.rng.initial.random(),
            self.rng.initial.random(),
        );
        let biased = (low * low + u * (high * high - low * low)).sqrt();
        let ping_ns = conn.ping_interval.0.as_nanos();
        let idle_at = self.idle_at_in_progress(w);
        let client = &mut self.clients[c as usize];
        client.state = ConnState::Registered;
        client.gateway = g as u16;
        client.set_lifetime_end_ns(SimTime::from_secs_f64(v * biased).as_nanos());
        client.set_idle_at_ns(idle_at);
        client.set_phase_ns((x * ping_ns as f64) as u64);
        self.registry[c as usize] = g as u16;
        if self.ttl.is_some() {
            let age = SimTime::from_secs_f64(biased * (1.0 - v)).as_nanos() as i64;
            self.record_written(c, now.as_nanos() as i64 - age);
        }
        self.note_registered(1, now);
        self.note_site_registered(c, g, 1, now);
        let deadline = self.next_deadline(c);
        self.set_deadline(c, deadline, sched);
    }

    /// A client that could not be placed tries again within the failure delay.
    fn retry_later(&mut self, c: u32, sched: &mut Scheduler<Event>) {
        if let Some(delay) = self.retry_delay(Retry::Start) {
            self.set_deadline(c, sched.now() + delay, sched);
        }
    }

    /// Sets client `c`'s deadline: into the event queue if its wheel bucket
    /// has already been drained, into the wheel otherwise.
    pub fn set_deadline(&mut self, c: u32, at: SimTime, sched: &mut Scheduler<Event>) {
        let client = &mut self.clients[c as usize];
        let old = client.deadline_ns();
        client.timer = client.timer.wrapping_add(1);
        client.set_deadline_ns(at.as_nanos());
        let (timer, stored) = (client.timer, client.deadline_ns());
        self.wheel.remove(c, old);
        let tick = self.wheel.tick_of(stored);
        if self.drained_tick.is_some_and(|d| tick <= d) {
            sched.schedule_at(at.max(sched.now()), Event::ClientTimer { client: c, timer });
        } else {
            self.wheel.insert(c, stored);
        }
    }

    /// Client `c` has no deadline.
    pub fn cancel_deadline(&mut self, c: u32) {
        let client = &mut self.clients[c as usize];
        let old = client.deadline_ns();
        client.timer = client.timer.wrapping_add(1);
        client.set_deadline_ns(u64::MAX);
        self.wheel.remove(c, old);
    }

    /// Moves the deadlines of the coming second into the event queue.
    pub fn on_wheel_tick(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let tick = self.wheel.tick_of(now.as_nanos());
        let clients = &self.clients;
        self.wheel
            .drain_tick(tick, |c| clients[c as usize].deadline_ns(), &mut self.due);
        for &c in &self.due {
            let client = &self.clients[c as usize];
            let at = SimTime::from_nanos(client.deadline_ns()).max(now);
            sched.schedule_at(
                at,
                Event::ClientTimer {
                    client: c,
                    timer: client.timer,
                },
            );
        }
        self.drained_tick = Some(tick);
        sched.schedule_at(
            SimTime::from_nanos((tick + 1) * self.wheel.tick_ns()),
            Event::WheelTick,
        );
    }

    /// A client's deadline has come: connect, or end its connection.
    pub fn on_client_timer(&mut self, c: u32, timer: u32, sched: &mut Scheduler<Event>) {
        let client = self.clients[c as usize];
        if client.timer != timer {
            return;
        }
        let now = sched.now().as_nanos();
        match client.state {
            ConnState::Disconnected => self.start_connect(c, sched),
            ConnState::Registered => {
                if client.lifetime_end_ns() <= now {
                    self.close_connection(c, CloseReason::LifetimeEnd, sched);
                } else if self.idle_cut(c) <= now {
                    self.close_connection(c, CloseReason::IdleTimeout, sched);
                } else {
                    let deadline = self.next_deadline(c);
                    self.set_deadline(c, deadline, sched);
                }
            }
            _ => {}
        }
    }

    /// The next instant a registered client's connection ends by itself.
    fn next_deadline(&self, c: u32) -> SimTime {
        let client = &self.clients[c as usize];
        SimTime::from_nanos(client.lifetime_end_ns().min(self.idle_cut(c)))
    }

    /// Sends client `c`'s connection attempt through the balancer.
    fn start_connect(&mut self, c: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let picked = self.pick_gateway_for(c);
        let at_balancer = picked.and_then(|g| self.balancer_connect(c, g, now));
        let (Some(g), Some(at_balancer)) = (picked, at_balancer) else {
            self.faults.count_attempt(now, false);
            self.count_close(CloseReason::Refused);
            return self.after_close(c, CloseReason::Refused, SimTime::ZERO, sched);
        };
        self.add_open(g, 1);
        let client = &mut self.clients[c as usize];
        client.state = ConnState::Connecting;
        client.generation = client.generation.wrapping_add(1);
        client.gateway = g as u16;
        client.set_lifetime_end_ns(now.as_nanos());
        let generation = client.generation;
        let hops = 1 + 2 * self.p.connection.handshake_round_trips as u64;
        let delay = self.client_hop_to(c, g).saturating_mul(hops) + at_balancer;
        sched.schedule_in(
            delay,
            Event::ConnectArrive {
                client: c,
                generation,
            },
        );
    }

    /// Client `c` as it is now, if an event of its connection `generation`
    /// expecting it in `state` still applies (it is stale otherwise).
    #[inline]
    pub fn current(&self, c: u32, generation: u32, state: ConnState) -> Option<Client> {
        let client = self.clients[c as usize];
        (client.generation == generation && client.state == state).then_some(client)
    }

    /// The upgrade (or SSE) request reaches its gateway: accept it if memory
    /// allows, and queue the handshake on the CPU.
    pub fn on_connect_arrive(&mut self, c: u32, generation: u32, sched: &mut Scheduler<Event>) {
        let Some(client) = self.current(c, generation, ConnState::Connecting) else {
            return;
        };
        let g = client.gateway as usize;
        let now = sched.now();
        if !self.admit(g, now) {
            return self.close_connection(c, CloseReason::Refused, sched);
        }
        if self.filters.is_some() && !self.filter_admit(g, Kind::Connect, c, sched) {
            return self.close_connection(c, CloseReason::Refused, sched);
        }
        self.add_accepted(g, 1, now);
        let client = &mut self.clients[c as usize];
        client.state = ConnState::Handshaking;
        client.set_phase_ns(now.as_nanos());
        self.submit(
            g,
            CpuJob::Handshake {
                client: c,
                generation,
            },
            sched,
        );
    }

    /// Handshake and authentication done: write the registry record.
    pub fn on_handshake_done(&mut self, c: u32, generation: u32, sched: &mut Scheduler<Event>) {
        let Some(client) = self.current(c, generation, ConnState::Handshaking) else {
            return;
        };
        let now = sched.now();
        let accepted = SimTime::from_nanos(client.phase_ns());
        if now - accepted > self.p.connection.auth_timeout.0 {
            return self.close_connection(c, CloseReason::AuthTimeout, sched);
        }
        let base = self.registry_write_time() + self.home_round_trip(client.gateway as usize);
        let Some(write) = self.registry_write_at_nodes(c, base, now) else {
            return self.close_connection(c, CloseReason::Refused, sched);
        };
        self.counters.connects += 1;
        SeriesSet::count(&mut self.series.connects, now, 1.0);
        self.note_site_connect(c, client.gateway as usize, now);
        self.count_request(now);
        self.clients[c as usize].state = ConnState::Registering;
        self.count_registry_write(now);
        sched.schedule_in(
            write,
            Event::RegistryWritten {
                client: c,
                generation,
            },
        );
    }

    /// The registry points to this gateway: messages can flow.
    pub fn on_registry_written(&mut self, c: u32, generation: u32, sched: &mut Scheduler<Event>) {
        let Some(client) = self.current(c, generation, ConnState::Registering) else {
            return;
        };
        let now = sched.now();
        let conn = &self.p.connection;
        let jitter: f64 = self.rng.lifetime.random();
        let lifetime =
            conn.lifetime.0 - SimTime::from_secs_f64(jitter * conn.lifetime_jitter.0.as_secs_f64());
        let ping_ns = conn.ping_interval.0.as_nanos();
        let idle_at = self.idle_at_after(now);
        self.connect_latency
            .record(now - SimTime::from_nanos(client.lifetime_end_ns()));
        let client = &mut self.clients[c as usize];
        client.state = ConnState::Registered;
        client.failures = 0;
        client.set_lifetime_end_ns((now + lifetime).as_nanos());
        client.set_idle_at_ns(idle_at);
        client.set_phase_ns(if ping_ns > 0 {
            now.as_nanos() % ping_ns
        } else {
            0
        });
        self.registry[c as usize] = client.gateway;
        self.record_written(c, now.as_nanos() as i64);
        self.note_registered(1, now);
        self.note_site_registered(c, self.registry[c as usize] as usize, 1, now);
        self.faults.tracker.on_connected(c, now);
        let deadline = self.next_deadline(c);
        self.set_deadline(c, deadline, sched);
    }

    /// Ends client `c`'s connection or attempt for `reason`: releases the
    /// gateway's memory and the balancer's count, removes the registry
    /// record if it still points here, and schedules the reconnect. The one
    /// place a connection ends; fault models call it too.
    pub fn close_connection(&mut self, c: u32, reason: CloseReason, sched: &mut Scheduler<Event>) {
        self.end_connection(c, reason, SimTime::ZERO, sched);
    }

    /// As [`PushModel::close_connection`], with the client learning of the
    /// end `notice` later. A crashed gateway cannot remove its registry
    /// records: they stay, phantoms, until overwritten (REFERENCES Z20).
    pub fn end_connection(
        &mut self,
        c: u32,
        reason: CloseReason,
        notice: SimTime,
        sched: &mut Scheduler<Event>,
    ) {
        let now = sched.now();
        let client = self.clients[c as usize];
        let g = client.gateway as usize;
        match client.state {
            ConnState::Blocked | ConnState::Disconnected => return,
            ConnState::Connecting => self.add_open(g, -1),
            ConnState::Handshaking | ConnState::Registering => {
                self.add_open(g, -1);
                self.add_accepted(g, -1, now);
            }
            ConnState::Registered => {
                self.note_registered(-1, now);
                self.note_site_registered(c, g, -1, now);
                if self.registry[c as usize] == client.gateway && reason != CloseReason::Crash {
                    self.registry[c as usize] = NO_GATEWAY;
                    self.count_registry_write(now);
                    self.registry_remove_at_nodes(c, now);
                } else if self.registry[c as usize] == client.gateway {
                    self.record_orphaned(c, now);
                }
                self.add_open(g, -1);
                self.add_accepted(g, -1, now);
            }
        }
        self.count_close(reason);
        self.after_close(c, reason, notice, sched);
    }

    /// The client is disconnected; after `notice` its reconnect policy sets
    /// the next attempt (or it gives up: no deadline).
    fn after_close(
        &mut self,
        c: u32,
        reason: CloseReason,
        notice: SimTime,
        sched: &mut Scheduler<Event>,
    ) {
        let client = &mut self.clients[c as usize];
        client.generation = client.generation.wrapping_add(1);
        client.state = ConnState::Disconnected;
        client.gateway = NO_GATEWAY;
        match self.retry_delay(Retry::Close(c, reason)) {
            Some(delay) => self.set_deadline(c, sched.now() + notice + delay, sched),
            None => self.give_up(c),
        }
    }

    fn note_registered(&mut self, delta: i64, now: SimTime) {
        self.registered = self.registered.saturating_add_signed(delta);
        self.connected.set(now, self.registered as f64);
        SeriesSet::level(&mut self.series.connections, now, self.registered as f64);
    }

    /// Charges one second of keep-alive pings to every gateway's CPU, as
    /// one job per core: connections × 1 s / interval pings.
    pub fn on_ping_tick(&mut self, sched: &mut Scheduler<Event>) {
        let interval_s = self.p.connection.ping_interval.0.as_secs_f64();
        let cores = self.p.gateways.cores as u64;
        for g in 0..self.gateways.len() {
            let conns = self.gateways[g].accepted;
            if conns == 0 {
                continue;
            }
            let pings = conns as f64 * TICK.as_secs_f64() / interval_s;
            self.counters.pings += pings;
            let per_ping = self.p.connection.ping_cost.0 + self.switch_cost(g);
            let work_ns = (pings * per_ping.as_nanos() as f64).round() as u64;
            if work_ns == 0 {
                continue;
            }
            for _ in 0..cores {
                let job = CpuJob::Ping {
                    work_ns: work_ns / cores,
                };
                self.submit(g, job, sched);
            }
        }
        self.balancer_pings(sched.now());
        sched.schedule_in(TICK, Event::PingTick);
    }
}
