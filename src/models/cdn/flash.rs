//! Flash crowds: at its start a crowd takes its object (one of the
//! catalogue's ranks, or a newly published object) and sends requests at
//! its own rate from its regions until its end.

use super::model::{CdnModel, Event, Source};
use super::serve::{NewRequest, below};
use crate::engine::Scheduler;

impl CdnModel {
    /// A flash crowd starts: pick (or publish) its object and send its first request.
    pub(super) fn on_flash_start(&mut self, crowd: u16, s: &mut Scheduler<Event>) {
        let c = crowd as usize;
        let object = match self.workload.flash[c].rank {
            Some(rank) => self.catalogue.object_at_rank(rank),
            None => self.publish_object(s),
        };
        let own_class = self.workload.flash[c].class;
        let class = if own_class == u8::MAX {
            self.catalogue.class(object) as u8
        } else {
            own_class
        };
        let state = &mut self.workload.flash[c];
        state.object = object;
        state.class = class;
        let gap = state.stream.gap(&mut state.rng);
        s.schedule_in(gap, Event::FlashArrival(crowd));
    }

    /// One request of a flash crowd reaches its PoP.
    pub(super) fn on_flash_arrival(&mut self, crowd: u16, s: &mut Scheduler<Event>) {
        let now = s.now();
        let clients = self.cfg.clients_per_region;
        let state = &mut self.workload.flash[crowd as usize];
        if now >= state.end {
            return;
        }
        let gap = state.stream.gap(&mut state.rng);
        s.schedule_in(gap, Event::FlashArrival(crowd));
        let u: f64 = rand::RngExt::random(&mut state.rng);
        let i = state
            .region_cumulative
            .partition_point(|&c| c <= u)
            .min(state.regions.len() - 1);
        let region = state.regions[i];
        let client = below(&mut state.rng, clients);
        let (object, class) = (state.object, state.class);
        let new = NewRequest {
            region,
            client,
            object,
            size: self.catalogue.size(object),
            class,
            warm: false,
            source: Source::Flash(crowd),
        };
        self.dispatch(new, true, s);
    }
}
