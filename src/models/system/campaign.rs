//! Campaigns: publish the objects (pre-warmed or not), pick the users,
//! send the notifications over the window, and on each delivery let the
//! client fetch after its think time; the last object's arrival ends the
//! notification's `notify_to_content` time.

use rand::RngExt;

use super::model::{Event, Note, SystemModel};
use crate::engine::{Scheduler, SimTime};
use crate::models::cdn::stats::Served;

impl SystemModel {
    /// The campaign's objects appear at the origin (and, pre-warmed, are
    /// pushed to every PoP).
    pub(super) fn on_prepare(&mut self, c: usize, s: &mut Scheduler<Event>) {
        let cdn = self.cdn.as_mut().expect("checked: campaigns have a CDN");
        let prewarm = self.campaigns[c].prewarm.is_some();
        let count = self.campaigns[c].object_count;
        let objects = self.cdn_relay.with(s, Event::Cdn, |cs| {
            (0..count)
                .map(|_| {
                    let object = cdn.publish_external(cs);
                    cdn.watch(object);
                    if prewarm {
                        cdn.prewarm(object, cs);
                    }
                    object
                })
                .collect()
        });
        self.campaigns[c].objects = objects;
    }

    /// The campaign picks its users (each user of its regions with
    /// probability `share`) and sends the first notification.
    pub(super) fn on_launch(&mut self, c: usize, s: &mut Scheduler<Event>) {
        let push = self.push.as_ref().expect("checked: campaigns have push");
        let blocks = push.region_blocks();
        let campaign = &mut self.campaigns[c];
        let mut users = Vec::new();
        for (region, block) in blocks {
            if !campaign.regions.is_empty() && !campaign.regions.contains(&region) {
                continue;
            }
            for user in block {
                if campaign.rng.random::<f64>() < campaign.share {
                    users.push(user);
                }
            }
        }
        campaign.users = users;
        campaign.cursor = 0;
        if !campaign.users.is_empty() {
            s.schedule_at(s.now(), Event::Notify(c as u16));
        }
    }

    /// The next user of the campaign is notified; the one after waits its
    /// turn in the window (notifications evenly spread over it).
    pub(super) fn on_notify(&mut self, c: usize, s: &mut Scheduler<Event>) {
        let campaign = &mut self.campaigns[c];
        let user = campaign.users[campaign.cursor];
        campaign.cursor += 1;
        campaign.counters.notified += 1;
        let n = campaign.users.len() as u128;
        if (campaign.cursor as u128) < n {
            let offset = campaign.window.as_nanos() as u128 * campaign.cursor as u128 / n;
            s.schedule_at(
                campaign.at + SimTime::from_nanos(offset as u64),
                Event::Notify(c as u16),
            );
        }
        let push = self.push.as_mut().expect("checked: campaigns have push");
        let region = push.client_region(user).map_or(u32::MAX, |r| r.0);
        let tag = self.notes.len() as u32;
        self.notes.push(Note {
            published: s.now(),
            fetch_at: SimTime::MAX,
            user,
            region,
            campaign: c as u16,
            pending: 0,
            failed: false,
        });
        self.push_relay
            .with(s, Event::Push, |ps| push.notify(user, tag, ps));
        self.hear_push(s);
    }

    /// Handles the notifications the push part has ended since last asked.
    pub(super) fn hear_push(&mut self, s: &mut Scheduler<Event>) {
        if let Some(push) = &mut self.push {
            push.drain_outbox(&mut self.notified);
        }
        if !self.notified.is_empty() {
            self.on_notified(s);
        }
    }

    /// Handles the campaign requests the CDN part has ended since last asked.
    pub(super) fn hear_cdn(&mut self, s: &mut Scheduler<Event>) {
        if let Some(cdn) = &mut self.cdn {
            cdn.drain_outbox(&mut self.fetched);
        }
        if !self.fetched.is_empty() {
            self.on_fetched(s);
        }
    }

    /// Notifications that reached their client (it will fetch after its
    /// think time) or did not (it never fetches).
    pub(super) fn on_notified(&mut self, s: &mut Scheduler<Event>) {
        for n in std::mem::take(&mut self.notified) {
            let note = self.notes[n.tag as usize];
            let campaign = &mut self.campaigns[note.campaign as usize];
            if n.delivered {
                campaign.counters.delivered += 1;
                campaign.delivery.record(n.at - note.published);
                let think = campaign.think.sample(&mut campaign.think_rng);
                s.schedule_at(n.at.max(s.now()) + think, Event::Fetch(n.tag));
            } else {
                campaign.counters.not_delivered += 1;
            }
        }
    }

    /// A notified client sends one request per campaign object into the CDN.
    pub(super) fn on_fetch(&mut self, tag: u32, s: &mut Scheduler<Event>) {
        let note = &mut self.notes[tag as usize];
        let campaign = &mut self.campaigns[note.campaign as usize];
        note.pending = campaign.objects.len() as u8;
        note.fetch_at = s.now();
        campaign.counters.requests += campaign.objects.len() as u64;
        let (user, region) = (note.user, crate::world::RegionId(note.region));
        let cdn = self.cdn.as_mut().expect("checked: campaigns have a CDN");
        let objects = &campaign.objects;
        self.cdn_relay.with(s, Event::Cdn, |cs| {
            for &object in objects {
                cdn.request_external(region, user as u64, object, tag, cs);
            }
        });
        self.hear_cdn(s);
    }

    /// Responses (or failures) of campaign requests: a client whose last
    /// object arrived has its notify-to-content time.
    pub(super) fn on_fetched(&mut self, _s: &mut Scheduler<Event>) {
        for f in std::mem::take(&mut self.fetched) {
            let note = &mut self.notes[f.tag as usize];
            let campaign = &mut self.campaigns[note.campaign as usize];
            match f.served {
                Some(Served::Hit | Served::StaleHit | Served::StaleOnError) => {
                    campaign.counters.edge_hits += 1
                }
                Some(_) => {}
                None => note.failed = true,
            }
            note.pending -= 1;
            if note.pending > 0 {
                continue;
            }
            if note.failed {
                campaign.counters.fetch_failed += 1;
                continue;
            }
            campaign.counters.fetched += 1;
            let latency = f.at - note.published;
            campaign.latency.record(latency);
            campaign.fetch.record(f.at - note.fetch_at);
            if let Some(h) = self.region_latency.get_mut(note.region as usize) {
                h.record(latency);
            }
        }
    }

    /// Origin requests of the second just over: the peak so far.
    pub(super) fn on_origin_tick(&mut self, s: &mut Scheduler<Event>) {
        let cdn = self.cdn.as_ref().expect("ticks only with a CDN");
        let count = cdn.stats.origin_requests;
        let delta = count.saturating_sub(self.origin.last_count);
        self.origin.peak = self.origin.peak.max(delta);
        self.origin.last_count = count;
        let watched: u64 = cdn.watched.iter().map(|(_, n)| n).sum();
        let delta = watched.saturating_sub(self.origin.last_watched);
        self.origin.watched_peak = self.origin.watched_peak.max(delta);
        self.origin.last_watched = watched;
        s.schedule_in(SimTime::from_secs(1), Event::OriginTick);
    }
}
