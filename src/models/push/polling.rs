//! Short and long polling. Each user has a mailbox at the broker (the
//! gateways answer the polls). A short-poll client asks on a fixed-rate
//! timer and mostly gets an empty answer; a long-poll request waits at the
//! broker until a message arrives or the wait expires, and the client asks
//! again at once (RFC 6202 §2.2). A poller thread may serve several queues
//! in turn, one long poll at a time: a message for one queue then waits
//! while the thread is parked on another (head-of-line delay).
//!
//! Timers cost no heap space per client: short-poll clients send in a fixed
//! cyclic order (same interval, fixed phases), so one event walks that
//! order; parked long polls all wait equally long, so their expiries form a
//! FIFO with one event for the earliest.

use rand::RngExt;

use super::filters::Kind;
use super::model::{CpuJob, Event, Expiry, Mailbox, PushModel};
use super::params::Transport;
use super::reconnect::Retry;
use super::wheel::NIL;
use crate::engine::{Scheduler, SimTime};

impl PushModel {
    /// Starts the pollers in steady state: short-poll phases spread over
    /// one interval; long polls already parked at a gateway, each with a
    /// uniformly distributed part of its wait left.
    pub fn start_polling(&mut self, sched: &mut Scheduler<Event>) {
        let n = self.pollers.len();
        let hold = self.long_poll_hold();
        let mut starts: Vec<(u64, u32)> = Vec::with_capacity(n);
        for t in 0..n {
            let u: f64 = self.rng.initial.random();
            let span = match self.transport {
                Transport::ShortPoll => self.p.short_poll.interval.0,
                _ => hold,
            };
            starts.push((
                SimTime::from_secs_f64(u * span.as_secs_f64()).as_nanos(),
                t as u32,
            ));
        }
        starts.sort_unstable();
        if self.transport == Transport::ShortPoll {
            for &(at, t) in &starts {
                self.pollers[t as usize].next_send_ns = at;
            }
            self.poll_order = starts.iter().map(|&(_, t)| t).collect();
            if let Some(&(at, _)) = starts.first() {
                sched.schedule_at(SimTime::from_nanos(at), Event::PollSend { index: 0 });
            }
            return;
        }
        for (left, t) in starts {
            match self.pick_gateway() {
                Some(g) => {
                    self.add_open(g, 1);
                    self.add_accepted(g, 1, SimTime::ZERO);
                    self.park(t, g, SimTime::from_nanos(left), sched);
                }
                None => self.poll_later(t, sched),
            }
        }
    }

    /// The next short-poll client in the cyclic order sends its poll.
    pub fn on_poll_send(&mut self, index: u32, sched: &mut Scheduler<Event>) {
        let t = self.poll_order[index as usize];
        let interval = self.p.short_poll.interval.0.as_nanos();
        self.pollers[t as usize].next_send_ns += interval;
        let hop = self.client_hop();
        sched.schedule_in(hop, Event::PollArrive { poller: t });
        let next = (index as usize + 1) % self.poll_order.len();
        let at = self.pollers[self.poll_order[next] as usize].next_send_ns;
        sched.schedule_at(
            SimTime::from_nanos(at).max(sched.now()),
            Event::PollSend { index: next as u32 },
        );
    }

    /// A poll reaches the balancer, which picks a gateway.
    pub fn on_poll_arrive(&mut self, t: u32, sched: &mut Scheduler<Event>) {
        let Some(g) = self.pick_gateway() else {
            if self.transport == Transport::LongPoll {
                self.poll_later(t, sched);
            }
            return;
        };
        if self.filters.is_some() && !self.filter_admit(g, Kind::Poll, t, sched) {
            if self.transport == Transport::LongPoll {
                self.poll_later(t, sched);
            }
            return;
        }
        self.counters.polls += 1;
        self.pollers[t as usize].gateway = g as u16;
        self.add_open(g, 1);
        self.add_accepted(g, 1, sched.now());
        self.submit(g, CpuJob::Poll { poller: t }, sched);
    }

    /// No gateway is up: a long-poll client tries again after the failure
    /// delay (a short-poll client simply waits for its next tick).
    fn poll_later(&mut self, t: u32, sched: &mut Scheduler<Event>) {
        if let Some(delay) = self.retry_delay(Retry::Poll) {
            sched.schedule_in(delay, Event::PollArrive { poller: t });
        }
    }

    /// The broker has handled the request: answer with the mailbox, answer
    /// empty (short), or park the request (long).
    pub fn on_poll_done(&mut self, g: usize, t: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        self.count_request(now);
        let q = self.pollers[t as usize].queue;
        if self.mailboxes[q as usize].head != NIL {
            return self.answer(t, sched);
        }
        match self.transport {
            Transport::LongPoll => {
                let hold = self.long_poll_hold();
                self.park(t, g, hold, sched);
            }
            _ => {
                self.counters.polls_empty += 1;
                self.release(g, now);
            }
        }
    }

    /// Parks poller `t`'s request at gateway `g` for `hold`.
    fn park(&mut self, t: u32, g: usize, hold: SimTime, sched: &mut Scheduler<Event>) {
        let poller = &mut self.pollers[t as usize];
        poller.parked = true;
        poller.gateway = g as u16;
        poller.generation = poller.generation.wrapping_add(1);
        let at = sched.now() + hold;
        debug_assert!(
            self.expiries
                .back()
                .is_none_or(|e| e.at_ns <= at.as_nanos()),
            "long-poll expiries must come in parking order"
        );
        self.expiries.push_back(Expiry {
            at_ns: at.as_nanos(),
            poller: t,
            generation: poller.generation,
        });
        if !self.expiry_armed {
            self.expiry_armed = true;
            sched.schedule_at(at, Event::PollExpiryDue);
        }
    }

    fn release(&mut self, g: usize, now: SimTime) {
        self.add_open(g, -1);
        self.add_accepted(g, -1, now);
    }

    /// Sends poller `t` the messages of its current queue; a long-poll
    /// client asks again (for its next queue) as soon as the answer lands.
    fn answer(&mut self, t: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let poller = self.pollers[t as usize];
        let arrival = now + self.client_hop();
        let empty = Mailbox {
            head: NIL,
            tail: NIL,
        };
        let mut m = std::mem::replace(&mut self.mailboxes[poller.queue as usize], empty).head;
        while m != NIL {
            let next = self.messages.get(m).next;
            self.deliver(m, arrival, now);
            m = next;
        }
        self.release(poller.gateway as usize, now);
        if self.transport == Transport::LongPoll {
            self.poll_again(t, arrival, sched);
        }
    }

    /// The long-poll thread moves to its next queue and sends at `at`.
    fn poll_again(&mut self, t: u32, at: SimTime, sched: &mut Scheduler<Event>) {
        let per_thread = self.p.long_poll.queues_per_thread;
        let first = t * per_thread;
        let count = per_thread.min(self.clients_n - first);
        let poller = &mut self.pollers[t as usize];
        poller.parked = false;
        poller.generation = poller.generation.wrapping_add(1);
        poller.queue = first + (poller.queue - first + 1) % count;
        let arrive = at + self.client_hop();
        sched.schedule_at(arrive, Event::PollArrive { poller: t });
    }

    /// A message for `user` lands in its mailbox; a poll parked on that
    /// queue is answered at once.
    pub fn mailbox_push(&mut self, user: u32, m: u32, sched: &mut Scheduler<Event>) {
        let mailbox = self.mailboxes[user as usize];
        if mailbox.tail == NIL {
            self.mailboxes[user as usize].head = m;
        } else {
            self.messages.get_mut(mailbox.tail).next = m;
        }
        self.mailboxes[user as usize].tail = m;
        if self.transport == Transport::LongPoll {
            let t = user / self.p.long_poll.queues_per_thread;
            let poller = self.pollers[t as usize];
            if poller.parked && poller.queue == user {
                self.answer(t, sched);
            }
        }
    }

    /// Parked polls whose wait ran out (or that the balancer cut) get an
    /// empty answer, and their clients ask again.
    pub fn on_poll_expiry_due(&mut self, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        let cut = self.long_poll_hold() < self.p.long_poll.effective_wait();
        while let Some(&e) = self.expiries.front() {
            if e.at_ns > now.as_nanos() {
                break;
            }
            self.expiries.pop_front();
            let poller = self.pollers[e.poller as usize];
            if poller.generation != e.generation || !poller.parked {
                continue;
            }
            self.counters.polls_empty += 1;
            self.counters.long_polls_cut += cut as u64;
            self.release(poller.gateway as usize, now);
            let arrival = now + self.client_hop();
            self.poll_again(e.poller, arrival, sched);
        }
        self.expiry_armed = false;
        if let Some(e) = self.expiries.front() {
            self.expiry_armed = true;
            sched.schedule_at(SimTime::from_nanos(e.at_ns), Event::PollExpiryDue);
        }
    }
}
