//! Requests from outside the model: a composite model (`system`) sends a
//! client's request for an object into the CDN and hears how it ended.
//! They take the same path as the catalogue's requests (routing, PoP,
//! cache server, shield, origin) and count in every CDN statistic; only
//! the ending is reported back, through `outbox`, by tag.

use super::model::{CdnModel, Event, Source};
use super::serve::NewRequest;
use super::stats::Served;
use crate::engine::{Scheduler, SimTime};
use crate::world::RegionId;

/// How an external request ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    /// The tag it was sent with.
    pub tag: u32,
    /// When the response reached the client (or the request failed).
    pub at: SimTime,
    /// Where it was served from; `None` when it failed.
    pub served: Option<Served>,
}

impl CdnModel {
    /// Starts reporting how external requests end.
    pub fn open_outbox(&mut self) {
        self.outbox.get_or_insert_with(Vec::new);
    }

    /// The endings reported since the last call, oldest first.
    pub fn drain_outbox(&mut self, into: &mut Vec<Fetched>) {
        if let Some(outbox) = &mut self.outbox {
            into.append(outbox);
        }
    }

    pub(super) fn note_external(&mut self, tag: u32, at: SimTime, served: Option<Served>) {
        if let Some(outbox) = &mut self.outbox {
            outbox.push(Fetched { tag, at, served });
        }
    }

    /// A client of `region` (its client prefix `client`, reduced modulo
    /// the model's prefixes) sends a request for `object` now.
    pub fn request_external(
        &mut self,
        region: RegionId,
        client: u64,
        object: u64,
        tag: u32,
        s: &mut Scheduler<Event>,
    ) {
        let new = NewRequest {
            region: region.0 as u16,
            client: (client % self.cfg.clients_per_region as u64) as u32,
            object,
            size: self.catalogue.size(object),
            class: self.class_of(object),
            warm: false,
            source: Source::External(tag),
        };
        self.dispatch(new, false, s);
    }

    /// Publishes a new object at the origin (the catalogue's newest; in push
    /// mode it is pushed to the PoPs, as every published object is).
    pub fn publish_external(&mut self, s: &mut Scheduler<Event>) -> u64 {
        self.publish_object(s)
    }

    /// Pushes `object` to every PoP that is up, whatever the mode: a
    /// pre-warmed object is at the edge before anyone asks for it.
    pub fn prewarm(&mut self, object: u64, s: &mut Scheduler<Event>) {
        self.push_to_pops(object, |pop| !pop.down, s);
    }

    /// Counts the origin fetches of `object` from now on.
    pub fn watch(&mut self, object: u64) {
        self.watched.push((object, 0));
        self.watched_shield.push((0, 0));
    }

    /// Shield lookups and shield hits of a watched object so far.
    pub fn watched_shield(&self, object: u64) -> (u64, u64) {
        (self.watched.iter().position(|(o, _)| *o == object))
            .map_or((0, 0), |i| self.watched_shield[i])
    }

    /// Origin fetches of a watched object so far.
    pub fn watched_fetches(&self, object: u64) -> u64 {
        self.watched
            .iter()
            .find(|(o, _)| *o == object)
            .map_or(0, |(_, n)| *n)
    }
}
