//! Registry record TTL and refresh (`registry.ttl`, `registry.refresh_interval`;
//! REFERENCES Z10, Z20): every record carries an expiry. A gateway that
//! holds the connection refreshes its records every `refresh_interval`
//! (each refresh a registry write, charged to the registry's nodes); a
//! gateway that crashes cannot, and its records, phantoms, stay until their
//! last refresh plus the TTL instead of being deleted. A lookup that finds
//! an expired record drops the message as for an offline user (Z21: best
//! effort); a lookup inside the window finds the dead gateway and goes
//! through the existing retry rule (`processors.max_delivery_attempts`
//! lookups, then lost). Expiry is lazy: a record's expiry is computed when
//! a lookup reads it, never by an event per record. Off (no `ttl`): records
//! live until overwritten or removed, as before.

use super::check::Invalid;
use super::model::{ConnState, Event, NO_GATEWAY, PushModel};
use super::params::{PushParams, RegistryParams};
use crate::engine::{Scheduler, SimTime};
use crate::run::RunOutput;

/// How often the refresh writes of the coming interval are charged to the
/// registry's nodes (one batch per node per tick, like the ping batches).
pub const REFRESH_TICK: SimTime = SimTime::from_millis(100);

/// The TTL state: per client, when its record was written and, once its
/// gateway died under it, when it expires.
pub struct RecordTtl {
    ttl: SimTime,
    refresh: Option<SimTime>,
    /// When each client's record was written at its connect (before time
    /// zero for connections in progress at the start).
    written_ns: Vec<i64>,
    /// `u64::MAX` while the record's gateway holds the connection; the
    /// expiry once it stopped refreshing it.
    expires_ns: Vec<u64>,
    /// Lookups that found a record whose gateway no longer holds the user.
    pub stale_lookups: u64,
    /// Lookups that found an expired record (the message is dropped).
    pub expired: u64,
    /// Refresh writes charged (fractional: a batch is registered × tick / interval).
    pub refresh_writes: f64,
}

impl RecordTtl {
    /// The TTL state of `p` for `clients`, if it names a TTL.
    pub fn new(p: &RegistryParams, clients: u32) -> Option<RecordTtl> {
        let ttl = p.ttl?.0;
        Some(RecordTtl {
            ttl,
            refresh: p.refresh_interval.map(|d| d.0),
            written_ns: vec![0; clients as usize],
            expires_ns: vec![u64::MAX; clients as usize],
            stale_lookups: 0,
            expired: 0,
            refresh_writes: 0.0,
        })
    }

    pub fn bytes(&self) -> usize {
        self.written_ns.capacity() * 8 + self.expires_ns.capacity() * 8
    }

    /// The last write (connect or refresh) of client `c`'s record at or
    /// before `now_ns`.
    fn last_write(&self, c: u32, now_ns: u64) -> i64 {
        let written = self.written_ns[c as usize];
        match self.refresh {
            Some(r) => {
                let r = r.as_nanos() as i64;
                written + (now_ns as i64 - written).max(0) / r * r
            }
            None => written,
        }
    }

    /// When client `c`'s record expires.
    fn expiry(&self, c: u32) -> u64 {
        let orphaned = self.expires_ns[c as usize];
        if orphaned != u64::MAX {
            return orphaned;
        }
        match self.refresh {
            Some(_) => u64::MAX,
            None => (self.written_ns[c as usize] + self.ttl.as_nanos() as i64).max(0) as u64,
        }
    }

    pub fn reset_stats(&mut self) {
        self.stale_lookups = 0;
        self.expired = 0;
        self.refresh_writes = 0.0;
    }

    pub fn write_output(&self, out: &mut RunOutput, measured_s: f64) {
        out.scalar("registry_stale_lookups", self.stale_lookups as f64);
        out.scalar("registry_records_expired", self.expired as f64);
        out.scalar(
            "registry_refresh_writes_per_s",
            self.refresh_writes / measured_s,
        );
    }
}

impl PushModel {
    /// Client `c`'s record was written at `at_ns` (its connect).
    #[inline]
    pub fn record_written(&mut self, c: u32, at_ns: i64) {
        if let Some(t) = self.ttl.as_mut() {
            t.written_ns[c as usize] = at_ns;
            t.expires_ns[c as usize] = u64::MAX;
        }
    }

    /// Client `c`'s gateway died with its record in place: nobody refreshes
    /// it any more, so it expires a TTL after its last write.
    #[inline]
    pub fn record_orphaned(&mut self, c: u32, now: SimTime) {
        if let Some(t) = self.ttl.as_mut() {
            let last = t.last_write(c, now.as_nanos());
            t.expires_ns[c as usize] = (last + t.ttl.as_nanos() as i64).max(0) as u64;
        }
    }

    /// The registry's answer for `user` at `now` with a TTL: the record's
    /// gateway, or `NO_GATEWAY` once it has expired (then it is gone).
    pub fn lookup_with_ttl(&mut self, user: u32, gateway: u16, now: SimTime) -> u16 {
        let Some(t) = self.ttl.as_mut() else {
            return gateway;
        };
        if gateway == NO_GATEWAY {
            return gateway;
        }
        if t.expiry(user) <= now.as_nanos() {
            t.expired += 1;
            self.registry[user as usize] = NO_GATEWAY;
            return NO_GATEWAY;
        }
        let client = &self.clients[user as usize];
        let holds = client.state == ConnState::Registered
            && client.gateway == gateway
            && self.gateways[gateway as usize].up;
        if !holds {
            t.stale_lookups += 1;
        }
        gateway
    }

    /// Starts the refresh batches (with a TTL and a refresh interval).
    pub fn start_records(&mut self, sched: &mut Scheduler<Event>) {
        if self.ttl.as_ref().is_some_and(|t| t.refresh.is_some()) {
            sched.schedule_at(REFRESH_TICK, Event::RecordRefresh);
        }
    }

    /// Every registered connection's record is rewritten once per refresh
    /// interval: this tick's share of those writes goes to the nodes.
    pub fn on_record_refresh(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let Some(t) = self.ttl.as_mut() else {
            return;
        };
        let Some(refresh) = t.refresh else {
            return;
        };
        let writes = self.registered as f64 * REFRESH_TICK.as_secs_f64() / refresh.as_secs_f64();
        t.refresh_writes += writes;
        if let Some(nodes) = self.registry_nodes.as_mut() {
            nodes.charge_bulk_writes(writes, now);
        }
        sched.schedule_in(REFRESH_TICK, Event::RecordRefresh);
    }
}

/// The longest TTL or refresh interval (a year).
const MAX_TTL: SimTime = SimTime::from_secs(365 * 86_400);

/// `registry.ttl` above 0 and, without a refresh, at least the longest
/// connection lifetime; `registry.refresh_interval` above 0 and below the TTL.
pub fn check_ttl(p: &PushParams, problems: &mut Vec<Invalid>) {
    let r = &p.registry;
    let mut push = |key: &str, message: String| problems.push((key.to_string(), message));
    if let Some(refresh) = r.refresh_interval
        && r.ttl.is_none()
    {
        push(
            "registry.refresh_interval",
            format!("{} of refresh needs a registry.ttl", refresh.0),
        );
    }
    let Some(ttl) = r.ttl else {
        return;
    };
    if ttl.0 == SimTime::ZERO || ttl.0 > MAX_TTL {
        return push(
            "registry.ttl",
            format!(
                "expected a TTL above 0s and at most 365 days, got {}",
                ttl.0
            ),
        );
    }
    match r.refresh_interval {
        Some(refresh) if refresh.0 == SimTime::ZERO || refresh.0 >= ttl.0 => push(
            "registry.refresh_interval",
            format!(
                "expected above 0s and below registry.ttl = {}, got {}",
                ttl.0, refresh.0
            ),
        ),
        None if p.transport.is_persistent() && ttl.0 < p.connection.lifetime.0 => push(
            "registry.ttl",
            format!(
                "{} is shorter than connection.lifetime = {} with no registry.refresh_interval: records would expire under live connections",
                ttl.0, p.connection.lifetime.0
            ),
        ),
        _ => {}
    }
}
