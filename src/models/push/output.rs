//! Turns a finished push run into metrics, histograms and series, and
//! checks the end-of-run invariants.

use super::model::{Client, ConnState, Mailbox, NO_GATEWAY, Poller, PushModel};
use super::reconnect::CloseReason;
use super::wheel::TimingWheel;
use crate::engine::SimTime;
use crate::run::{RunOutput, TimeUnit};

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        f64::NAN
    } else {
        part as f64 / whole as f64
    }
}

impl PushModel {
    /// Writes every metric of the run ending at `end`, measured over
    /// `measured_s` seconds after the warm-up.
    pub fn write_output(&self, out: &mut RunOutput, end: SimTime, measured_s: f64) {
        let c = &self.counters;
        let per_s = |n: u64| n as f64 / measured_s;
        out.scalar("messages_published", c.published as f64);
        out.scalar("messages_delivered", c.delivered as f64);
        out.scalar("messages_dropped_offline", c.dropped_offline as f64);
        out.scalar("messages_lost", c.lost as f64);
        let fated = c.delivered + c.dropped_offline + c.lost;
        out.scalar("drop_share", share(c.dropped_offline, fated));
        out.scalar("published_per_s", per_s(c.published));
        out.scalar("delivered_per_s", per_s(c.delivered));
        out.scalar("redeliveries", c.redeliveries as f64);
        self.write_audit(out);
        out.scalar("requests_per_s", per_s(c.requests));
        out.scalar("polls_per_s", per_s(c.polls));
        out.scalar("empty_share", share(c.polls_empty, c.polls));
        out.scalar("long_polls_cut", c.long_polls_cut as f64);
        out.scalar("upstream_per_s", per_s(c.upstream));
        out.scalar("upstream_unconnected", c.upstream_unconnected as f64);
        out.scalar("connects_per_s", per_s(c.connects));
        for reason in CloseReason::ALL {
            out.scalar(
                format!("{}_per_s", reason.metric()),
                per_s(c.closes[reason.index()]),
            );
        }
        out.scalar("pings_per_s", c.pings / measured_s);
        out.scalar("registry_reads_per_s", per_s(c.registry_reads));
        out.scalar("registry_writes_per_s", per_s(c.registry_writes));
        self.write_gateways(out, end);
        self.write_pipeline(out, end);
        self.write_floods(out);
        out.scalar(
            "sim_state_bytes_per_client",
            self.client_state_bytes() as f64 / self.clients_n as f64,
        );
        out.histogram(
            "delivery_latency_ms",
            TimeUnit::Millis,
            self.latency.clone(),
        );
        out.histogram(
            "connect_latency_ms",
            TimeUnit::Millis,
            self.connect_latency.clone(),
        );
        if self.transport.is_persistent() {
            self.write_faults(out, end, measured_s);
        }
        self.write_sites(out, end);
        if let Some(nodes) = &self.registry_nodes {
            nodes.write_output(out, end);
        }
        self.write_balancer(out, end);
        if let Some(t) = &self.ttl {
            t.write_output(out, measured_s);
        }
        if let Some(b) = &self.brokers {
            b.write_output(out, end);
        }
        if let Some(f) = &self.filters {
            f.write_output(out, measured_s);
        }
        self.write_series(out, end);
    }

    /// Bytes of simulator state that grow with the number of clients
    /// (per-client slots, registry, wheel links, pollers, mailboxes, and
    /// the fault tracker's and decorrelated backoff's per-client words).
    pub fn client_state_bytes(&self) -> usize {
        self.clients.capacity() * std::mem::size_of::<Client>()
            + self.registry.capacity() * std::mem::size_of::<u16>()
            + if self.clients.is_empty() {
                0
            } else {
                self.clients.len() * TimingWheel::BYTES_PER_CLIENT
            }
            + self.pollers.capacity() * std::mem::size_of::<Poller>()
            + self.poll_order.capacity() * std::mem::size_of::<u32>()
            + self.mailboxes.capacity() * std::mem::size_of::<Mailbox>()
            + self.faults.client_state_bytes()
            + self.reconnects.client_state_bytes()
            + self.ttl.as_ref().map_or(0, |t| t.bytes())
            + self.filters.as_ref().map_or(0, |f| f.bytes())
    }

    /// Whole-run invariants: every message published has exactly one end
    /// or is still in flight.
    fn write_audit(&self, out: &mut RunOutput) {
        let m = &self.messages;
        out.scalar("messages_duplicated", m.duplicates as f64);
        out.scalar("messages_in_flight_end", m.in_flight as f64);
        let accounted = m.ended_count() + m.in_flight;
        out.scalar(
            "messages_unaccounted",
            m.published() as f64 - accounted as f64,
        );
    }

    fn write_gateways(&self, out: &mut RunOutput, end: SimTime) {
        let g = self.gateways.len() as f64;
        let gp = &self.p.gateways;
        out.scalar("connections_mean", self.connected.mean(end));
        out.scalar(
            "connected_share",
            self.connected.mean(end) / self.clients_n as f64,
        );
        let per_gateway: f64 = self
            .gateways
            .iter()
            .map(|x| x.accepted_level.mean(end))
            .sum::<f64>()
            / g;
        let peak = self
            .gateways
            .iter()
            .map(|x| x.accepted_level.max())
            .fold(0.0, f64::max);
        out.scalar("connections_per_gateway_mean", per_gateway);
        out.scalar("connections_per_gateway_max", peak);
        let per_conn = gp.memory_per_connection_total() as f64;
        out.scalar("memory_bytes_per_connection", per_conn);
        out.scalar(
            "gateway_memory_bytes_max",
            gp.memory_idle() as f64 + peak * per_conn,
        );
        let utilisation: Vec<f64> = self
            .gateways
            .iter()
            .map(|x| x.cpu.utilisation(end))
            .collect();
        out.scalar(
            "gateway_cpu_utilisation",
            utilisation.iter().sum::<f64>() / g,
        );
        out.scalar(
            "gateway_cpu_utilisation_max",
            utilisation.iter().copied().fold(0.0, f64::max),
        );
        let wait: f64 = self
            .gateways
            .iter()
            .map(|x| x.cpu.wait_mean_s())
            .filter(|w| w.is_finite())
            .fold(0.0, f64::max);
        out.scalar("gateway_cpu_wait_ms_max", wait * 1e3);
    }

    fn write_pipeline(&self, out: &mut RunOutput, end: SimTime) {
        out.scalar("kafka_lag_mean", self.lag_level.mean(end));
        out.scalar("kafka_lag_max", self.lag_level.max());
        out.scalar("processors_mean", self.ready_level.mean(end));
        out.scalar("processors_max", self.ready_level.max());
        let capacity = self.ready_level.mean(end) * self.p.processors.threads as f64;
        out.scalar(
            "processor_utilisation",
            if self.transport.is_persistent() && capacity > 0.0 {
                self.busy_threads.mean(end) / capacity
            } else {
                f64::NAN
            },
        );
    }

    fn write_series(&self, out: &mut RunOutput, end: SimTime) {
        let s = &self.series;
        let singles = [
            &s.published,
            &s.delivered,
            &s.dropped,
            &s.requests,
            &s.connects,
            &s.registry_reads,
            &s.registry_writes,
            &s.connections,
            &s.lag_total,
            &s.processors,
        ];
        for series in singles.into_iter().flatten() {
            out.series(series, end);
        }
        for series in s.lag_partition.iter().chain(&s.gateway_connections) {
            out.series(series, end);
        }
    }

    /// Writes the storm metrics and series (persistent transports).
    fn write_faults(&self, out: &mut RunOutput, end: SimTime, measured_s: f64) {
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
        for series in [&f.attempts_series, &f.refused_series]
            .into_iter()
            .flatten()
        {
            out.series(series, end);
        }
    }
}

impl PushModel {
    /// End-of-run consistency checks (release builds too): every registry
    /// record points to the gateway that holds that client's registered
    /// connection, each gateway's counts match its clients, the lag
    /// matches the partitions, and every message is accounted for once. A
    /// failure is a model bug.
    pub fn check_invariants(&self) -> Result<(), String> {
        let g = self.gateways.len();
        let (mut open, mut accepted) = (vec![0u64; g], vec![0u64; g]);
        let mut registered = 0u64;
        for (c, client) in self.clients.iter().enumerate() {
            let gw = client.gateway as usize;
            match client.state {
                ConnState::Blocked | ConnState::Disconnected => {}
                ConnState::Connecting => open[gw] += 1,
                ConnState::Handshaking | ConnState::Registering => {
                    open[gw] += 1;
                    accepted[gw] += 1;
                }
                ConnState::Registered => {
                    open[gw] += 1;
                    accepted[gw] += 1;
                    registered += 1;
                }
            }
            let record = self.registry[c];
            // A crashed gateway leaves its records behind (phantoms, Z20)
            // until the client registers again.
            let phantom = self.faults.tracker.is_pending(c as u32);
            if record != NO_GATEWAY
                && !phantom
                && (client.state != ConnState::Registered || client.gateway != record)
            {
                return Err(format!(
                    "client {c}: registry points to gateway {record}, but the client is {:?} on {}",
                    client.state, client.gateway
                ));
            }
        }
        if self.transport.is_persistent() {
            for (i, gw) in self.gateways.iter().enumerate() {
                if let Some(f) = &self.floods {
                    open[i] += f.open_at[i];
                    accepted[i] += f.accepted_at[i];
                }
                if gw.open != open[i] || gw.accepted != accepted[i] {
                    return Err(format!(
                        "gateway {i}: counts {}/{} open/accepted, clients say {}/{}",
                        gw.open, gw.accepted, open[i], accepted[i]
                    ));
                }
            }
            if registered != self.registered {
                return Err(format!(
                    "{} registered clients counted, {registered} found",
                    self.registered
                ));
            }
        }
        let lag: u64 = self.partitions.iter().map(|p| p.len() as u64).sum();
        if lag != self.lag_total {
            return Err(format!(
                "lag {} counted, {lag} in partitions",
                self.lag_total
            ));
        }
        self.check_floods()?;
        self.check_messages()
    }

    /// Every message published has ended exactly once or is in flight.
    fn check_messages(&self) -> Result<(), String> {
        let m = &self.messages;
        if m.duplicates > 0 {
            return Err(format!("{} messages ended twice", m.duplicates));
        }
        if m.ended_count() + m.in_flight != m.published() {
            return Err(format!(
                "{} published, {} ended, {} in flight",
                m.published(),
                m.ended_count(),
                m.in_flight
            ));
        }
        Ok(())
    }
}

/// The metrics that answer most questions asked of this model (the delivery tail, the clients connected, the busiest gateway and the price):
/// the report's headline when an experiment names none (`[output] headline`).
pub const HEADLINE: &[&str] = &[
    "delivery_latency_ms_p99",
    "connected_share",
    "gateway_cpu_utilisation_max",
    "cost_per_hour",
];
