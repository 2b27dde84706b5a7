//! The `occ` model's state and what happens to it: a client's read reaches
//! the server, the version comes back, the client's write reaches the
//! server, the verdict comes back (and a client that lost the race backs
//! off and reads again).

use rand_distr::{Distribution, StandardNormal};

use crate::engine::{Model, Scheduler, SimRng, SimTime};
use crate::faults::backoff::{RetryPolicy, RetryState};

#[derive(Copy, Clone, Debug)]
pub enum Event {
    /// A client's read reaches the server.
    Read { client: u32 },
    /// The server's answer (the version) reaches the client.
    ReadAnswer { client: u32, version: u64 },
    /// A client's write of `version` reaches the server.
    Write { client: u32, version: u64 },
    /// The server's verdict reaches the client.
    WriteAnswer { client: u32, success: bool },
}

/// One row with one version number, and the clients racing to write it.
pub struct OccModel {
    pub(super) policy: RetryPolicy,
    pub(super) hop_mean_s: f64,
    pub(super) hop_sd_s: f64,
    pub(super) clients: Vec<RetryState>,
    pub(super) version: u64,
    pub(super) network: SimRng,
    pub(super) backoff: SimRng,
    pub(super) calls: u64,
    pub(super) reads: u64,
    pub(super) failures: u64,
    pub(super) unfinished: u64,
    pub(super) last_success: SimTime,
}

impl OccModel {
    /// One hop: |Normal(mean, sd)|.
    fn hop(&mut self) -> SimTime {
        let z: f64 = StandardNormal.sample(&mut self.network);
        SimTime::from_secs_f64((self.hop_mean_s + self.hop_sd_s * z).abs())
    }

    fn on_read(&mut self, client: u32, s: &mut Scheduler<Event>) {
        self.reads += 1;
        let d = self.hop();
        s.schedule_in(
            d,
            Event::ReadAnswer {
                client,
                version: self.version,
            },
        );
    }

    fn on_read_answer(&mut self, client: u32, version: u64, s: &mut Scheduler<Event>) {
        let d = self.hop();
        s.schedule_in(d, Event::Write { client, version });
    }

    fn on_write(&mut self, client: u32, version: u64, s: &mut Scheduler<Event>) {
        self.calls += 1;
        let success = version == self.version;
        if success {
            self.version += 1;
        } else {
            self.failures += 1;
        }
        let d = self.hop();
        s.schedule_in(d, Event::WriteAnswer { client, success });
    }

    fn on_write_answer(&mut self, client: u32, success: bool, s: &mut Scheduler<Event>) {
        if success {
            self.unfinished -= 1;
            self.last_success = s.now();
            if self.unfinished == 0 {
                s.stop();
            }
            return;
        }
        let hop = self.hop();
        let state = &mut self.clients[client as usize];
        // Without max_attempts the policy never gives up.
        let wait = self
            .policy
            .next_delay(state, &mut self.backoff)
            .unwrap_or(SimTime::ZERO);
        s.schedule_in(hop + wait, Event::Read { client });
    }
}

impl Model for OccModel {
    type Event = Event;

    fn start(&mut self, s: &mut Scheduler<Event>) {
        for client in 0..self.clients.len() as u32 {
            let d = self.hop();
            s.schedule_at(d, Event::Read { client });
        }
    }

    fn handle(&mut self, event: Event, s: &mut Scheduler<Event>) {
        match event {
            Event::Read { client } => self.on_read(client, s),
            Event::ReadAnswer { client, version } => self.on_read_answer(client, version, s),
            Event::Write { client, version } => self.on_write(client, version, s),
            Event::WriteAnswer { client, success } => self.on_write_answer(client, success, s),
        }
    }

    fn end_warmup(&mut self, _: SimTime) {
        // The experiment is a transient from t = 0: nothing to discard.
    }
}
