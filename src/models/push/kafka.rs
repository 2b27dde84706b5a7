//! Kafka as brokers with capacity (`kafka.capacity = true`): the topic's
//! partitions are spread over `kafka.brokers` brokers, partition p led by
//! broker p mod brokers (Kafka's default assignment places leaders round
//! robin over the brokers); each broker is a FIFO server (`station::Workers`,
//! event-free) appending `broker_rate` messages per second. A produced
//! message queues at its partition leader's broker before it is visible to
//! consumers, so a burst that outruns a broker delays delivery from that
//! queue. A broker holds at most [`BROKER_QUEUE_LIMIT`] waiting messages: a
//! produce beyond that is refused and the message is lost (counted in
//! `kafka_produce_refused`). Off (the default): Kafka has latency only.

use super::check::Invalid;
use super::params::{KafkaParams, PushParams};
use crate::engine::SimTime;
use crate::run::RunOutput;
use crate::station::Workers;

/// Messages one broker holds waiting, at most (10 s at the default rate).
pub const BROKER_QUEUE_LIMIT: usize = 4_000_000;
/// Per-broker utilisation metrics are written up to this many brokers.
const MAX_BROKER_METRICS: usize = 64;
/// The most brokers.
pub const MAX_BROKERS: u32 = 10_000;

/// The brokers and what they measured.
pub struct Brokers {
    brokers: Vec<Workers>,
    service: SimTime,
    pub refused: u64,
}

impl Brokers {
    /// The brokers of `k`, if it asks for capacity.
    pub fn new(k: &KafkaParams) -> Option<Brokers> {
        if !k.capacity {
            return None;
        }
        Some(Brokers {
            brokers: (0..k.brokers.max(1))
                .map(|_| Workers::new(1, BROKER_QUEUE_LIMIT))
                .collect(),
            service: SimTime::from_secs_f64(1.0 / k.broker_rate.0),
            refused: 0,
        })
    }

    /// A produce to partition `p` at `now`: the wait and append at its
    /// leader, or `None` if the leader's queue is full.
    pub fn produce(&mut self, p: usize, now: SimTime) -> Option<SimTime> {
        let n = self.brokers.len();
        match self.brokers[p % n].admit(now, self.service) {
            Some(slot) => Some(slot.finish - now),
            None => {
                self.refused += 1;
                None
            }
        }
    }

    pub fn reset_stats(&mut self, now: SimTime) {
        self.refused = 0;
        for b in &mut self.brokers {
            b.reset_stats(now);
        }
    }

    pub fn write_output(&self, out: &mut RunOutput, end: SimTime) {
        let u: Vec<f64> = self.brokers.iter().map(|b| b.utilisation(end)).collect();
        out.scalar("broker_utilisation", u.iter().sum::<f64>() / u.len() as f64);
        out.scalar(
            "broker_utilisation_max",
            u.iter().copied().fold(0.0, f64::max),
        );
        out.scalar("kafka_produce_refused", self.refused as f64);
        if u.len() <= MAX_BROKER_METRICS {
            for (i, x) in u.iter().enumerate() {
                out.scalar(format!("kafka.broker{i}.utilisation"), *x);
            }
        }
    }
}

/// `kafka.brokers`, `kafka.partitions` (checked in `check`) and `broker_rate`.
pub fn check_kafka(p: &PushParams, problems: &mut Vec<Invalid>) {
    let k = &p.kafka;
    if k.brokers == 0 || k.brokers > MAX_BROKERS {
        problems.push((
            "kafka.brokers".into(),
            format!(
                "expected between 1 and {MAX_BROKERS} brokers, got {}",
                k.brokers
            ),
        ));
    }
    let r = k.broker_rate.0;
    if !(r.is_finite() && (1.0..=1e9).contains(&r)) {
        problems.push((
            "kafka.broker_rate".into(),
            format!("expected between 1/s and 1e9/s messages per broker, got {r}/s"),
        ));
    }
}
