//! The message path of the Zuul push pipeline: producers publish, Kafka
//! holds messages in partitions (keys hashed to partitions), processors of
//! one consumer group read their partitions, look the user up in the push
//! registry, and hand the message to the gateway holding the connection or
//! drop it when the user is offline. Processors scale on lag (KEDA + HPA),
//! and every membership change pauses the group for a rebalance.
//!
//! Polling transports skip Kafka: a publish lands in the user's mailbox at
//! the broker, and the next poll takes it.

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use super::filters::Kind;
use super::messages::{Fate, NO_TAG};
use super::model::{CpuJob, Event, NO_GATEWAY, PushModel, SeriesSet};
use super::params::Transport;
use crate::engine::rng::splitmix64;
use crate::engine::{Scheduler, SimTime};

impl PushModel {
    /// First publish, the autoscaler's first poll, the processor level.
    pub fn start_pipeline(&mut self, sched: &mut Scheduler<Event>) {
        if let Some(at) = self.next_publish(SimTime::ZERO) {
            sched.schedule_at(at, Event::Publish);
        }
        if self.transport.is_persistent() {
            SeriesSet::level(
                &mut self.series.processors,
                SimTime::ZERO,
                self.ready as f64,
            );
            if let (Some(_), Some(a)) = (&self.autoscaler, &self.p.autoscaling) {
                sched.schedule_at(a.polling_interval.0, Event::AutoscaleTick);
            }
        }
    }

    /// The publish rate at `t` and the next instant it changes.
    fn rate_at(&self, t: SimTime) -> (f64, SimTime) {
        let producer = &self.p.producer;
        let mut rate = producer.rate.0;
        let mut until = SimTime::MAX;
        for b in &producer.bursts {
            let (start, end) = (b.start.0, b.start.0 + b.duration.0);
            if t >= start && t < end {
                rate = b.rate.0;
                until = until.min(end);
            } else if t < start {
                until = until.min(start);
            }
        }
        (rate, until)
    }

    /// The next publish after `from` of a Poisson process whose rate is
    /// piecewise constant (memorylessness lets a draw restart at each change).
    fn next_publish(&mut self, from: SimTime) -> Option<SimTime> {
        let mut t = from;
        loop {
            let (rate, until) = self.rate_at(t);
            if rate > 0.0 {
                let e: f64 = Exp1.sample(&mut self.rng.producer);
                let at = t + SimTime::from_secs_f64(e / rate).max(SimTime::from_nanos(1));
                if at < until {
                    return Some(at);
                }
            }
            if until == SimTime::MAX {
                return None;
            }
            t = until;
        }
    }

    /// A user for a new message: offline with the configured share (ids
    /// above the clients), otherwise a uniformly random online client.
    fn pick_user(&mut self) -> u32 {
        let u: f64 = self.rng.target.random();
        let n = self.clients_n as u64;
        let id = self.rng.target.random_range(0..n);
        if u < self.p.producer.offline_share {
            (n + id) as u32
        } else {
            id as u32
        }
    }

    pub fn on_publish(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        for _ in 0..self.p.producer.fan_out {
            let user = self.pick_user();
            self.publish_one(user, NO_TAG, sched);
        }
        if let Some(at) = self.next_publish(now) {
            sched.schedule_at(at, Event::Publish);
        }
    }

    /// Publishes one message to `user` now: to Kafka (persistent
    /// transports) or the user's mailbox (polling).
    pub(super) fn publish_one(&mut self, user: u32, tag: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let m = self.messages.publish_tagged(now.as_nanos(), user, tag);
        self.counters.published += 1;
        SeriesSet::count(&mut self.series.published, now, 1.0);
        if self.transport.is_persistent() {
            let mut latency = self.s.kafka_latency.sample(&mut self.rng.kafka);
            if self.brokers.is_some() {
                let Some(wait) = self.produce_at_broker(user, now) else {
                    return self.end_message(m, Fate::Lost, now);
                };
                latency += wait;
            }
            sched.schedule_in(latency, Event::KafkaVisible { message: m });
        } else if user >= self.clients_n {
            self.end_message(m, Fate::DroppedOffline, now);
        } else {
            self.mailbox_push(user, m, sched);
        }
    }

    /// Kafka's default partitioner hashes the key; any stable hash will do.
    fn partition_of(&self, user: u32) -> usize {
        (splitmix64(user as u64) % self.partitions.len() as u64) as usize
    }

    /// The wait and append of `user`'s message at its partition's leader
    /// (`push::kafka`), or `None` if the broker refused it.
    fn produce_at_broker(&mut self, user: u32, now: SimTime) -> Option<SimTime> {
        let p = self.partition_of(user);
        self.brokers.as_mut()?.produce(p, now)
    }

    pub fn on_kafka_visible(&mut self, m: u32, sched: &mut Scheduler<Event>) {
        let p = self.partition_of(self.messages.get(m).user);
        if let Some(elected) = self.faults.leader_back_at(p, sched.now()) {
            // No leader: the producer retries until the election ends.
            return sched.schedule_at(elected, Event::KafkaVisible { message: m });
        }
        self.partitions[p].push_back(m);
        self.lag_changed(p, 1, sched.now());
        if !self.rebalancing && self.consumers > 0 {
            let owner = p as u32 % self.consumers;
            self.try_dispatch(owner, sched);
        }
    }

    fn lag_changed(&mut self, p: usize, delta: i64, now: SimTime) {
        self.lag_total = self.lag_total.saturating_add_signed(delta);
        self.lag_level.set(now, self.lag_total as f64);
        SeriesSet::level(&mut self.series.lag_total, now, self.lag_total as f64);
        if let Some(s) = self.series.lag_partition.get_mut(p) {
            s.set_level(now, self.partitions[p].len() as f64);
        }
    }

    /// Processor `r` takes messages from its partitions (round robin) while
    /// it has free threads. Partition p belongs to consumer p mod consumers.
    pub(super) fn try_dispatch(&mut self, r: u32, sched: &mut Scheduler<Event>) {
        let partitions = self.partitions.len() as u32;
        let stride = self.consumers;
        if r >= partitions || stride == 0 {
            return;
        }
        let owned = (partitions - r).div_ceil(stride);
        while self.processors[r as usize].busy < self.p.processors.threads {
            let cursor = self.processors[r as usize].cursor % owned;
            let found = (0..owned).map(|i| (cursor + i) % owned).find(|&k| {
                let p = (r + k * stride) as usize;
                !self.partitions[p].is_empty() && !self.faults.leaderless(p)
            });
            let Some(k) = found else {
                break;
            };
            let p = (r + k * stride) as usize;
            let m = self.partitions[p]
                .pop_front()
                .expect("the partition is not empty");
            let now = sched.now();
            self.lag_changed(p, -1, now);
            let proc = &mut self.processors[r as usize];
            proc.cursor = (k + 1) % owned;
            proc.busy += 1;
            self.busy_threads.add(now, 1.0);
            self.count_registry_read(now);
            let cpu = self.s.processor_cpu.sample(&mut self.rng.processor);
            let base = self.registry_read_time();
            let user = self.messages.get(m).user;
            let work = cpu + self.registry_read_at_nodes(user, base, now);
            sched.schedule_in(
                work,
                Event::ProcessorDone {
                    processor: r,
                    message: m,
                },
            );
        }
    }

    pub fn on_processor_done(&mut self, r: u32, m: u32, sched: &mut Scheduler<Event>) {
        self.processors[r as usize].busy -= 1;
        self.busy_threads.add(sched.now(), -1.0);
        self.route(m, sched);
        if !self.rebalancing && r < self.consumers {
            self.try_dispatch(r, sched);
        }
    }

    /// The registry lookup has answered: send to the gateway, or drop.
    pub fn route(&mut self, m: u32, sched: &mut Scheduler<Event>) {
        let user = self.messages.get(m).user;
        let mut gateway = if user < self.clients_n {
            self.registry[user as usize]
        } else {
            NO_GATEWAY
        };
        if self.ttl.is_some() {
            gateway = self.lookup_with_ttl(user, gateway, sched.now());
        }
        if gateway == NO_GATEWAY {
            return self.end_message(m, Fate::DroppedOffline, sched.now());
        }
        let hop = self.internal_hop() + self.from_home(gateway as usize);
        sched.schedule_in(
            hop,
            Event::AtGateway {
                gateway,
                message: m,
            },
        );
    }

    /// Whether gateway `g` holds a registered connection of `user`.
    fn holds(&self, g: usize, user: u32) -> bool {
        let client = &self.clients[user as usize];
        client.state == super::model::ConnState::Registered
            && client.gateway as usize == g
            && self.gateways[g].up
    }

    pub fn on_at_gateway(&mut self, g: usize, m: u32, sched: &mut Scheduler<Event>) {
        if self.holds(g, self.messages.get(m).user) {
            if self.filters.is_some() && self.filter_sheds_delivery(g, m) {
                return self.end_message(m, Fate::Shed, sched.now());
            }
            self.submit(g, CpuJob::Deliver { message: m }, sched);
        } else {
            self.bounce(m, sched);
        }
    }

    /// The gateway has written the message to the socket.
    pub fn on_deliver_done(&mut self, g: usize, m: u32, sched: &mut Scheduler<Event>) {
        let user = self.messages.get(m).user;
        if !self.holds(g, user) {
            return self.bounce(m, sched);
        }
        let now = sched.now();
        self.count_request(now);
        self.note_data(user as usize, now);
        let arrival = now + self.client_hop_to(user, g) + self.balancer_forward(user, g, now);
        if self.geo.is_some() {
            let published = SimTime::from_nanos(self.messages.get(m).published_ns);
            self.note_site_delivery(user, g, arrival - published);
        }
        self.deliver(m, arrival, now);
        self.after_response(g, user, sched);
    }

    /// The connection moved (or closed) before the message reached it:
    /// look the user up again, up to `max_delivery_attempts`.
    fn bounce(&mut self, m: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let message = self.messages.get_mut(m);
        message.attempts += 1;
        if message.attempts >= self.p.processors.max_delivery_attempts {
            return self.end_message(m, Fate::Lost, now);
        }
        self.counters.redeliveries += 1;
        self.count_registry_read(now);
        let hop = self.internal_hop();
        let base = self.registry_read_time();
        let user = self.messages.get(m).user;
        let delay = hop + self.registry_read_at_nodes(user, base, now);
        sched.schedule_in(delay, Event::LookupDone { message: m });
    }

    /// Message `m` reaches its client at `arrival` (recorded at `now`, when
    /// its fate is sealed).
    pub fn deliver(&mut self, m: u32, arrival: SimTime, now: SimTime) {
        let message = *self.messages.get(m);
        let published = SimTime::from_nanos(message.published_ns);
        self.latency.record(arrival - published);
        if message.tag != NO_TAG {
            self.note_external(&message, arrival, true);
        }
        self.end_message(m, Fate::Delivered, now);
    }

    pub fn end_message(&mut self, m: u32, fate: Fate, now: SimTime) {
        let message = self.messages.end(m);
        if fate != Fate::Delivered && message.tag != NO_TAG {
            self.note_external(&message, now, false);
        }
        if fate != Fate::Delivered && self.faults.tracker.is_pending(message.user) {
            self.faults.messages_dropped_storm += 1;
        }
        match fate {
            Fate::Delivered => {
                self.counters.delivered += 1;
                SeriesSet::count(&mut self.series.delivered, now, 1.0);
            }
            Fate::DroppedOffline => {
                self.counters.dropped_offline += 1;
                SeriesSet::count(&mut self.series.dropped, now, 1.0);
            }
            Fate::Lost => self.counters.lost += 1,
            Fate::Shed => {}
        }
    }

    pub fn schedule_upstream(&mut self, sched: &mut Scheduler<Event>) {
        let rate = self.p.upstream_rate.0 * self.clients_n as f64;
        let e: f64 = Exp1.sample(&mut self.rng.upstream);
        sched.schedule_in(SimTime::from_secs_f64(e / rate), Event::UpstreamArrival);
    }

    /// A client-to-server message: a frame on the WebSocket, or an HTTP
    /// request (SSE is one way; polling clients send requests).
    pub fn on_upstream(&mut self, sched: &mut Scheduler<Event>) {
        self.schedule_upstream(sched);
        let c = self.rng.upstream.random_range(0..self.clients_n as u64) as usize;
        self.counters.upstream += 1;
        let gateway = match self.transport {
            Transport::Websocket | Transport::Sse => {
                let client = &self.clients[c];
                if client.state != super::model::ConnState::Registered {
                    self.counters.upstream_unconnected += 1;
                    return;
                }
                if self.transport == Transport::Websocket {
                    self.note_data(c, sched.now());
                    Some(self.clients[c].gateway as usize)
                } else {
                    self.pick_gateway_for(c as u32)
                }
            }
            Transport::ShortPoll | Transport::LongPoll => self.pick_gateway(),
        };
        if let Some(g) = gateway {
            if self.filters.is_some() && !self.filter_admit(g, Kind::Upstream, c as u32, sched) {
                return;
            }
            self.submit(g, CpuJob::Upstream, sched);
        }
    }

    /// KEDA polls the lag; the HPA answers a replica count.
    pub fn on_autoscale_tick(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let (Some(scaler), Some(a)) = (&mut self.autoscaler, &self.p.autoscaling) else {
            return;
        };
        let interval = a.polling_interval.0;
        let startup = a.startup.0;
        let desired = scaler.decide(now, self.lag_total, self.target);
        if desired > self.target {
            sched.schedule_in(
                startup,
                Event::ReplicasReady {
                    count: desired - self.target,
                },
            );
            self.target = desired;
        } else if desired < self.target {
            self.target = desired;
            if self.ready > desired {
                self.ready = desired;
                self.start_rebalance(sched);
            }
        }
        sched.schedule_in(interval, Event::AutoscaleTick);
    }

    pub fn on_replicas_ready(&mut self, count: u32, sched: &mut Scheduler<Event>) {
        let ready = (self.ready + count).min(self.target);
        if ready != self.ready {
            self.ready = ready;
            self.start_rebalance(sched);
        }
    }

    /// Membership changed: every consumer stops until the group rebalances.
    fn start_rebalance(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        self.ready_level.set(now, self.ready as f64);
        SeriesSet::level(&mut self.series.processors, now, self.ready as f64);
        self.rebalancing = true;
        self.rebalance_epoch = self.rebalance_epoch.wrapping_add(1);
        let pause = self
            .p
            .autoscaling
            .as_ref()
            .map_or(SimTime::ZERO, |a| a.rebalance_pause.0);
        sched.schedule_in(
            pause,
            Event::RebalanceDone {
                epoch: self.rebalance_epoch,
            },
        );
    }

    pub fn on_rebalance_done(&mut self, epoch: u32, sched: &mut Scheduler<Event>) {
        if epoch != self.rebalance_epoch {
            return;
        }
        self.rebalancing = false;
        self.consumers = self.ready;
        for r in 0..self.consumers {
            self.try_dispatch(r, sched);
        }
    }
}
