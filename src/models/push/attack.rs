//! Connection floods at the gateways (`[[push.attack]]`): bots open new
//! connections at a rate, spread over the clients' networks (a bot's
//! connection is routed and balanced like a client's), for a window of
//! time.
//!
//! A bot's connection is accepted by the same checks as a client's (the
//! gateway is up and accepting, has memory for one more connection, its
//! CPU queue and accept rate are within `[push.admission]`), so a flood
//! spends the admission tokens and memory legitimate clients need. An
//! accepted one costs the TLS handshake on the gateway's CPU, in the same
//! queue as every other job. With `hold = 0` the bot closes once the
//! handshake is done (a handshake flood: CPU); with `hold > 0` it then
//! stalls without authenticating (slowloris: memory and the balancer's
//! connection counts), until `hold` or the gateway's `auth_timeout`
//! (Zuul's defence, REFERENCES Z14), counted from its acceptance, cuts it,
//! whichever comes first. A bot whose timeout ran out while its handshake
//! waited in the CPU queue costs no CPU: its socket is already closed. A
//! bot's connection is never a client: it is not registered and never
//! counted in `connections` or the connect metrics.

use rand::RngExt;
use serde::Deserialize;

use super::model::{CpuJob, Event, PushModel};
use crate::engine::{Scheduler, SimRng, SimTime};
use crate::units::{Duration, Rate};
use crate::workload::arrivals::PoissonStream;

/// The most floods of one run.
pub const MAX_FLOODS: usize = 16;
/// The highest flood rate (new connections per second).
pub const MAX_FLOOD_RATE: f64 = 1e7;
/// The most flood connections of all floods of a run.
pub const MAX_FLOOD_CONNECTIONS: f64 = 2e9;

/// One connection flood (`[[push.attack]]`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodSpec {
    pub at: Duration,
    pub duration: Duration,
    /// New connections per second, over all bots.
    pub rate: Rate,
    /// How long a bot keeps an accepted connection open after its
    /// handshake (cut at `connection.auth_timeout`); 0: it closes at once.
    #[serde(default)]
    pub hold: Duration,
}

impl FloodSpec {
    /// The key and complaint of the first bad value.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.duration.0.as_nanos() == 0 {
            return Some((
                "duration",
                "a flood must last longer than zero, e.g. \"1min\"".into(),
            ));
        }
        let rate = self.rate.0;
        if !(rate > 0.0 && rate <= MAX_FLOOD_RATE) {
            return Some((
                "rate",
                format!("expected a rate above zero and at most 10M/s, got {rate}/s"),
            ));
        }
        None
    }
}

/// `[[push.attack]]`: each flood's values and the bounds of the run.
pub fn check_floods(p: &super::params::PushParams, problems: &mut Vec<super::check::Invalid>) {
    let mut add = |key: String, message: String| problems.push((key, message));
    if p.attack.is_empty() {
        return;
    }
    if !p.transport.is_persistent() {
        add(
            "attack".into(),
            "connection floods need a transport with connections (websocket or sse)".into(),
        );
    }
    if p.attack.len() > MAX_FLOODS {
        add(
            "attack".into(),
            format!(
                "expected at most {MAX_FLOODS} floods, got {}",
                p.attack.len()
            ),
        );
    }
    let mut total = 0.0;
    for (i, f) in p.attack.iter().enumerate() {
        if let Some((key, message)) = f.problem() {
            add(format!("attack[{i}].{key}"), message);
        }
        total += f.rate.0 * f.duration.0.as_secs_f64();
    }
    if total > MAX_FLOOD_CONNECTIONS {
        add(
            "attack".into(),
            format!(
                "the floods open about {total:.3e} connections, over the bound of {MAX_FLOOD_CONNECTIONS:.0e}: lower `rate` or `duration`"
            ),
        );
    }
}

/// Time from `accepted_ms` (milliseconds modulo 2^32) to `now`: exact for
/// waits under 49 days.
pub fn since_ms(now: SimTime, accepted_ms: u32) -> SimTime {
    let now_ms = (now.as_nanos() / 1_000_000) as u32;
    SimTime::from_millis(now_ms.wrapping_sub(accepted_ms) as u64)
}

/// One flood while the run goes.
pub struct Flood {
    pub start: SimTime,
    pub end: SimTime,
    pub stream: PoissonStream,
    pub rng: SimRng,
    pub hold: SimTime,
}

/// Flood connections by outcome, over the whole run (not reset at the end
/// of the warm-up).
#[derive(Clone, Debug, Default)]
pub struct FloodCounters {
    pub sent: u64,
    /// No gateway to balance to.
    pub unrouted: u64,
    pub refused: u64,
    pub accepted: u64,
    /// Closed after their handshake (and hold).
    pub closed: u64,
    /// On the way to a gateway, or accepted and not yet closed.
    pub in_flight: u64,
    pub held: u64,
    pub held_peak: u64,
}

/// The floods of a run.
pub struct Floods {
    pub runs: Vec<Flood>,
    pub counters: FloodCounters,
    /// Per gateway: bots' connections in its balancer count, and in its memory.
    pub open_at: Vec<u64>,
    pub accepted_at: Vec<u64>,
}

impl Floods {
    /// The floods of `specs`, each with its own stream.
    pub fn new(
        specs: &[FloodSpec],
        gateways: usize,
        streams: &crate::engine::Streams,
    ) -> Option<Box<Floods>> {
        if specs.is_empty() {
            return None;
        }
        let runs = specs
            .iter()
            .enumerate()
            .map(|(i, f)| Flood {
                start: f.at.0,
                end: f.at.0 + f.duration.0,
                stream: PoissonStream::new(f.rate.0),
                rng: streams.stream("push/flood", i as u64),
                hold: f.hold.0,
            })
            .collect();
        Some(Box::new(Floods {
            runs,
            counters: FloodCounters::default(),
            open_at: vec![0; gateways],
            accepted_at: vec![0; gateways],
        }))
    }
}

impl PushModel {
    /// The first connection of every flood.
    pub(super) fn start_floods(&mut self, sched: &mut Scheduler<Event>) {
        let Some(f) = &mut self.floods else {
            return;
        };
        for (i, run) in f.runs.iter_mut().enumerate() {
            let gap = run.stream.gap(&mut run.rng);
            sched.schedule_at(run.start + gap, Event::FloodConnect { flood: i as u16 });
        }
    }

    /// A bot of flood `flood` opens a connection from a client's network.
    pub(super) fn on_flood_connect(&mut self, flood: u16, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let clients = self.clients_n.max(1);
        let f = self.floods.as_mut().expect("flood events need floods");
        let run = &mut f.runs[flood as usize];
        if now >= run.end {
            return;
        }
        let gap = run.stream.gap(&mut run.rng);
        sched.schedule_in(gap, Event::FloodConnect { flood });
        let like = run.rng.random_range(0..clients);
        f.counters.sent += 1;
        let Some(g) = self.pick_gateway_for(like) else {
            self.floods.as_mut().expect("checked").counters.unrouted += 1;
            return;
        };
        self.add_open(g, 1);
        let f = self.floods.as_mut().expect("checked");
        f.counters.in_flight += 1;
        f.open_at[g] += 1;
        let hops = 1 + 2 * self.p.connection.handshake_round_trips as u64;
        let delay = self.client_hop_to(like, g).saturating_mul(hops);
        sched.schedule_in(
            delay,
            Event::FloodArrive {
                gateway: g as u16,
                flood,
            },
        );
    }

    /// A bot's connection reaches its gateway: accepted as a client's
    /// would be, its handshake queued on the CPU.
    pub(super) fn on_flood_arrive(&mut self, g: usize, flood: u16, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        if !self.admits(g, now) {
            self.add_open(g, -1);
            let f = self.floods.as_mut().expect("flood events need floods");
            f.open_at[g] -= 1;
            f.counters.refused += 1;
            f.counters.in_flight -= 1;
            return;
        }
        self.add_accepted(g, 1, now);
        let f = self.floods.as_mut().expect("flood events need floods");
        f.accepted_at[g] += 1;
        let c = &mut f.counters;
        c.accepted += 1;
        c.held += 1;
        c.held_peak = c.held_peak.max(c.held);
        let accepted_ms = (now.as_nanos() / 1_000_000) as u32;
        self.submit(g, CpuJob::Flood { flood, accepted_ms }, sched);
    }

    /// A bot's handshake is done (or skipped: its authentication timed out
    /// in the queue): it stalls for its hold, until the authentication
    /// timeout counted from its acceptance at the latest; then the gateway
    /// closes it.
    pub(super) fn on_flood_handshake_done(
        &mut self,
        g: usize,
        flood: u16,
        accepted_ms: u32,
        sched: &mut Scheduler<Event>,
    ) {
        let f = self.floods.as_ref().expect("flood jobs need floods");
        let waited = since_ms(sched.now(), accepted_ms);
        let left = self.p.connection.auth_timeout.0.saturating_sub(waited);
        let hold = f.runs[flood as usize].hold.min(left);
        if hold == SimTime::ZERO {
            return self.on_flood_release(g, sched.now());
        }
        sched.schedule_in(hold, Event::FloodRelease { gateway: g as u16 });
    }

    /// A bot's connection at gateway `g` closes at `now`.
    pub(super) fn on_flood_release(&mut self, g: usize, now: SimTime) {
        self.add_accepted(g, -1, now);
        self.add_open(g, -1);
        let f = self.floods.as_mut().expect("flood events need floods");
        f.open_at[g] -= 1;
        f.accepted_at[g] -= 1;
        let c = &mut f.counters;
        c.held -= 1;
        c.in_flight -= 1;
        c.closed += 1;
    }
}

impl PushModel {
    /// Flood metrics (none without floods), and what legitimate clients
    /// lost: the share of their connect attempts that did not end connected.
    pub(super) fn write_floods(&self, out: &mut crate::run::RunOutput) {
        let Some(f) = &self.floods else {
            return;
        };
        let c = &f.counters;
        out.scalar("attack.connections", c.sent as f64);
        out.scalar("attack.unrouted", c.unrouted as f64);
        out.scalar("attack.refused", c.refused as f64);
        out.scalar("attack.accepted", c.accepted as f64);
        out.scalar("attack.closed", c.closed as f64);
        out.scalar("attack.in_flight", c.in_flight as f64);
        out.scalar("attack.held_peak", c.held_peak as f64);
        let attempts = self.faults.attempts_total;
        let failed = attempts.saturating_sub(self.counters.connects);
        let share = if attempts == 0 {
            0.0
        } else {
            failed as f64 / attempts as f64
        };
        out.scalar("legit_connect_failed_share", share);
    }

    /// Every flood connection is counted once, and each gateway's bot
    /// connections are the ones the floods hold there.
    pub(super) fn check_floods(&self) -> Result<(), String> {
        let Some(f) = &self.floods else {
            return Ok(());
        };
        let c = &f.counters;
        let ended = c.unrouted + c.refused + c.closed;
        if c.sent != ended + c.in_flight {
            return Err(format!(
                "{} flood connections, but {ended} ended + {} in flight",
                c.sent, c.in_flight
            ));
        }
        if c.held != f.accepted_at.iter().sum::<u64>() {
            return Err(format!(
                "{} flood connections held, gateways say otherwise",
                c.held
            ));
        }
        Ok(())
    }
}
