//! The system model's state and event loop: the CDN and the push pipeline
//! as parts of one run, each handling its own events exactly as its own
//! model does (through `engine::Relay`, on one queue), and the campaigns
//! that couple them: a notification published into the push part, its
//! delivery heard back, and the client's fetch sent into the CDN part after
//! its think time.

use std::sync::Arc;

use crate::dist::DurationSampler;
use crate::engine::{Histogram, Model, Relay, Scheduler, SimRng, SimTime};
use crate::models::cdn::{self, CdnModel};
use crate::models::push::{self, PushModel};
use crate::world::{RegionId, World};

/// The model's events: each part's own, and the campaigns'.
#[derive(Copy, Clone, Debug)]
pub enum Event {
    Cdn(cdn::model::Event),
    Push(push::model::Event),
    /// A campaign publishes its objects (and pre-warms them).
    Prepare(u16),
    /// A campaign picks its users and starts notifying.
    Launch(u16),
    /// A campaign's next notification leaves.
    Notify(u16),
    /// A notified client fetches its campaign's objects (by note).
    Fetch(u32),
    /// One second of origin requests is over.
    OriginTick,
}

/// What a campaign counted.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    pub notified: u64,
    pub delivered: u64,
    /// Dropped (the user was not connected) or lost in delivery.
    pub not_delivered: u64,
    /// Clients that got every object.
    pub fetched: u64,
    /// Clients for which some object's request failed.
    pub fetch_failed: u64,
    pub requests: u64,
    /// Requests answered by the edge's copy (fresh or stale).
    pub edge_hits: u64,
}

/// A campaign while the run goes.
pub struct Campaign {
    pub name: String,
    pub at: SimTime,
    pub window: SimTime,
    pub share: f64,
    /// Empty: every region.
    pub regions: Vec<RegionId>,
    /// The objects, once published.
    pub objects: Vec<u64>,
    pub object_count: u32,
    pub think: DurationSampler,
    pub prewarm: Option<SimTime>,
    /// The users it notifies, in the order it notifies them.
    pub users: Vec<u32>,
    pub cursor: usize,
    pub rng: SimRng,
    pub think_rng: SimRng,
    pub counters: Counters,
    /// Notification sent to the last object received, per client.
    pub latency: Histogram,
    /// Notification sent to received (the push part's share).
    pub delivery: Histogram,
    /// Fetch sent to the last object received (the CDN part's share).
    pub fetch: Histogram,
}

/// One notification, from its publish to its client's last object.
#[derive(Copy, Clone, Debug)]
pub struct Note {
    pub published: SimTime,
    /// When the client sent its requests.
    pub fetch_at: SimTime,
    pub user: u32,
    pub region: u32,
    pub campaign: u16,
    /// Objects still to arrive (after the fetch started).
    pub pending: u8,
    pub failed: bool,
}

/// The peak of origin requests per second (after warm-up).
#[derive(Copy, Clone, Debug, Default)]
pub struct OriginPeak {
    pub last_count: u64,
    pub peak: u64,
    /// The same for the campaigns' objects alone.
    pub last_watched: u64,
    pub watched_peak: u64,
}

/// The whole model of one run.
pub struct SystemModel {
    pub cdn: Option<CdnModel>,
    pub push: Option<PushModel>,
    pub cdn_relay: Relay<cdn::model::Event>,
    pub push_relay: Relay<push::model::Event>,
    pub campaigns: Vec<Campaign>,
    /// Every notification sent, by tag.
    pub notes: Vec<Note>,
    /// Endings heard from the parts, handled after each event.
    pub notified: Vec<push::external::Notified>,
    pub fetched: Vec<cdn::external::Fetched>,
    /// Notification to content, per world region.
    pub region_latency: Vec<Histogram>,
    pub world: Option<Arc<World>>,
    pub origin: OriginPeak,
}

impl Model for SystemModel {
    type Event = Event;

    fn start(&mut self, s: &mut Scheduler<Event>) {
        if let Some(cdn) = &mut self.cdn {
            self.cdn_relay.start(cdn, s, Event::Cdn);
        }
        if let Some(push) = &mut self.push {
            self.push_relay.start(push, s, Event::Push);
        }
        for (i, c) in self.campaigns.iter().enumerate() {
            let prepare_at = c.at - c.prewarm.unwrap_or(SimTime::ZERO);
            s.schedule_at(prepare_at, Event::Prepare(i as u16));
            s.schedule_at(c.at, Event::Launch(i as u16));
        }
        if self.cdn.is_some() && !self.campaigns.is_empty() {
            s.schedule_in(SimTime::from_secs(1), Event::OriginTick);
        }
    }

    #[inline]
    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        match event {
            Event::Cdn(e) => {
                let cdn = self.cdn.as_mut().expect("a CDN event needs the CDN part");
                self.cdn_relay.handle(cdn, e, s, Event::Cdn);
                self.hear_cdn(s);
            }
            Event::Push(e) => {
                let push = self
                    .push
                    .as_mut()
                    .expect("a push event needs the push part");
                self.push_relay.handle(push, e, s, Event::Push);
                self.hear_push(s);
            }
            Event::Prepare(c) => self.on_prepare(c as usize, s),
            Event::Launch(c) => self.on_launch(c as usize, s),
            Event::Notify(c) => self.on_notify(c as usize, s),
            Event::Fetch(note) => self.on_fetch(note, s),
            Event::OriginTick => self.on_origin_tick(s),
        }
    }

    fn over_bound(&self, max_queued: u64) -> Option<String> {
        let cdn = self
            .cdn
            .as_ref()
            .and_then(|c| c.queues_over_bound(max_queued));
        cdn.or_else(|| {
            self.push
                .as_ref()
                .and_then(|p| p.queues_over_bound(max_queued))
        })
    }

    fn end_warmup(&mut self, now: SimTime) {
        if let Some(cdn) = &mut self.cdn {
            cdn.end_warmup(now);
        }
        if let Some(push) = &mut self.push {
            push.end_warmup(now);
        }
        // Campaigns are episodes, not a steady state: their counters run
        // from their own start, warm-up or not.
        self.origin = OriginPeak::default();
    }
}
