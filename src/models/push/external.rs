//! Messages from outside the model: a composite model (`system`) notifies
//! chosen users and hears, by tag, when each notification reached its
//! client or why it did not. The messages take the model's own path
//! (Kafka, processors, registry, gateway) and count in every push
//! statistic.

use super::messages::Message;
use super::model::{ConnState, Event, PushModel};
use crate::engine::{Scheduler, SimTime};
use crate::world::RegionId;

/// How a notification ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Notified {
    pub tag: u32,
    pub user: u32,
    /// When it reached the client, or when it was dropped or lost.
    pub at: SimTime,
    pub delivered: bool,
}

impl PushModel {
    /// Starts reporting how tagged messages end.
    pub fn open_outbox(&mut self) {
        self.outbox.get_or_insert_with(Vec::new);
    }

    /// The endings reported since the last call, oldest first.
    pub fn drain_outbox(&mut self, into: &mut Vec<Notified>) {
        if let Some(outbox) = &mut self.outbox {
            into.append(outbox);
        }
    }

    pub(super) fn note_external(&mut self, message: &Message, at: SimTime, delivered: bool) {
        if let Some(outbox) = &mut self.outbox {
            outbox.push(Notified {
                tag: message.tag,
                user: message.user,
                at,
                delivered,
            });
        }
    }

    /// Publishes a message to `user` now, tagged `tag`.
    pub fn notify(&mut self, user: u32, tag: u32, sched: &mut Scheduler<Event>) {
        self.publish_one(user, tag, sched);
    }

    /// The regions with clients, each with its block of client ids (in
    /// world order); empty without clusters (no geography).
    pub fn region_blocks(&self) -> Vec<(RegionId, std::ops::Range<u32>)> {
        let Some(geo) = &self.geo else {
            return Vec::new();
        };
        let mut start = 0;
        (0..geo.region_count())
            .map(|slot| {
                let end = start + geo.region_clients(slot);
                let block = (geo.region(slot), start..end);
                start = end;
                block
            })
            .collect()
    }

    /// Whether `user` is connected and registered now (messages reach it).
    pub fn is_registered(&self, user: u32) -> bool {
        self.clients
            .get(user as usize)
            .is_some_and(|c| c.state == ConnState::Registered)
    }

    /// The world region of `user` (with clusters).
    pub fn client_region(&self, user: u32) -> Option<RegionId> {
        let geo = self.geo.as_ref()?;
        (user < self.clients_n).then(|| geo.region(geo.region_slot(user)))
    }
}
