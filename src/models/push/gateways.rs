//! A gateway's CPU and memory: what each job costs on its cores (with the
//! context switches of thread-per-connection I/O), what a connection takes
//! of its memory, and the end of each job handed to the handler it
//! belongs to.

use super::model::{ConnState, CpuJob, Event, PushModel};
use super::params::{GatewayParams, IoModel, Transport};
use crate::engine::{Scheduler, SimTime};
use crate::station::Admission;

impl PushModel {
    /// Puts `job` on gateway `g`'s CPU.
    pub fn submit(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        match self.gateways[g].cpu.arrive(now, job) {
            Admission::Started(job) => self.start_job(g, job, sched),
            Admission::Queued => {}
            Admission::Rejected(_) => unreachable!("gateway CPU queues are unbounded"),
        }
    }

    fn start_job(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let service = self.service_time(g, &job, sched.now());
        self.faults.cpu_busy(g, sched.now(), service);
        sched.schedule_in(
            service,
            Event::CpuDone {
                gateway: g as u16,
                job,
            },
        );
    }

    fn service_time(&self, g: usize, job: &CpuJob, now: SimTime) -> SimTime {
        let c = &self.p.connection;
        if !self.gateways[g].up {
            // A crashed gateway's queue is gone: its jobs end at once
            // (deliveries bounce, handshakes are stale).
            return SimTime::ZERO;
        }
        let switch = self.switch_cost(g);
        match *job {
            CpuJob::Handshake { client, generation } => {
                // A stale handshake's socket is already gone; a late one's
                // will be closed unread.
                let Some(slot) = self.current(client, generation, ConnState::Handshaking) else {
                    return SimTime::ZERO;
                };
                if now - SimTime::from_nanos(slot.phase_ns()) > c.auth_timeout.0 {
                    return SimTime::ZERO;
                }
                let upgrade = if self.transport == Transport::Websocket {
                    c.upgrade_cost.0
                } else {
                    self.request_cost
                };
                c.handshake_cost.0 + upgrade + c.auth_cost.0 + switch
            }
            CpuJob::Deliver { .. } => c.message_cost.0 + switch,
            CpuJob::Upstream => {
                if self.transport == Transport::Websocket {
                    c.message_cost.0 + switch
                } else {
                    self.request_cost + switch
                }
            }
            CpuJob::Poll { .. } => self.request_cost + switch,
            CpuJob::Ping { work_ns }
            | CpuJob::Migrate { work_ns }
            | CpuJob::Refused { work_ns } => SimTime::from_nanos(work_ns),
            // The bot completes TLS, then stalls or sends nothing usable.
            // A bot's socket the authentication timeout already closed costs nothing.
            CpuJob::Flood { accepted_ms, .. } => {
                if super::attack::since_ms(now, accepted_ms) > c.auth_timeout.0 {
                    SimTime::ZERO
                } else {
                    c.handshake_cost.0 + switch
                }
            }
        }
    }

    /// A job on gateway `g`'s CPU is done: the next one starts, and the
    /// job's end goes to the handler it belongs to.
    pub fn on_cpu_done(&mut self, g: usize, job: CpuJob, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        if let Some(next) = self.gateways[g].cpu.depart(now) {
            self.start_job(g, next, sched);
        }
        match job {
            CpuJob::Handshake { client, generation } => {
                self.on_handshake_done(client, generation, sched)
            }
            CpuJob::Deliver { message } => self.on_deliver_done(g, message, sched),
            CpuJob::Upstream => self.count_request(now),
            CpuJob::Poll { poller } => self.on_poll_done(g, poller, sched),
            CpuJob::Ping { .. } | CpuJob::Migrate { .. } | CpuJob::Refused { .. } => {}
            CpuJob::Flood { flood, accepted_ms } => {
                self.on_flood_handshake_done(g, flood, accepted_ms, sched)
            }
        }
    }

    /// Changes gateway `g`'s accepted connections (memory) by `delta`.
    pub fn add_accepted(&mut self, g: usize, delta: i64, now: SimTime) {
        let gw = &mut self.gateways[g];
        gw.accepted = gw.accepted.saturating_add_signed(delta);
        gw.accepted_level.set(now, gw.accepted as f64);
        if let Some(s) = self.series.gateway_connections.get_mut(g) {
            s.set_level(now, gw.accepted as f64);
        }
    }

    /// Memory gateway `g` uses now.
    pub fn memory_bytes(&self, g: usize) -> u64 {
        let gp = &self.p.gateways;
        gp.memory_idle() + self.gateways[g].accepted * gp.memory_per_connection_total()
    }

    /// Whether gateway `g` can take one more connection without exceeding
    /// its memory.
    pub fn has_memory_for_one(&self, g: usize) -> bool {
        self.memory_bytes(g) + self.p.gateways.memory_per_connection_total()
            <= self.p.gateways.memory.0
    }

    /// Extra CPU per job for thread-per-connection gateways.
    pub fn switch_cost(&self, g: usize) -> SimTime {
        match self.p.gateways.io_model {
            IoModel::ThreadPerConnection => {
                self.p
                    .gateways
                    .switch_cost(self.gateways[g].accepted.max(1))
                    + self.run_queue_cost(g)
            }
            IoModel::EventLoop => SimTime::ZERO,
        }
    }
}

impl GatewayParams {
    /// CPU cost of one thread wake-up with `threads` threads sharing the
    /// cache: the direct switch plus refilling the evicted part of the
    /// working set (Li et al. 2007: the indirect cost dominates once the
    /// working sets exceed the cache).
    pub fn switch_cost(&self, threads: u64) -> SimTime {
        let lines = self.thread_working_set.0.div_ceil(64);
        let refill_ns = lines as f64 * self.cache_miss.0.as_nanos() as f64;
        let evicted = (threads as f64 * self.thread_working_set.0 as f64
            / self.cache.0.max(1) as f64)
            .min(1.0);
        self.context_switch.0 + SimTime::from_nanos((refill_ns * evicted).round() as u64)
    }

    /// Memory one more connection takes (its thread too, if blocking).
    pub fn memory_per_connection_total(&self) -> u64 {
        match self.io_model {
            IoModel::ThreadPerConnection => self.memory_per_connection.0 + self.memory_per_thread.0,
            IoModel::EventLoop => self.memory_per_connection.0,
        }
    }

    /// Memory with no connection: base plus the event-loop threads.
    pub fn memory_idle(&self) -> u64 {
        let loop_threads = match self.io_model {
            IoModel::ThreadPerConnection => 0,
            IoModel::EventLoop => self.cores as u64,
        };
        self.memory_base.0 + loop_threads * self.memory_per_thread.0
    }
}
