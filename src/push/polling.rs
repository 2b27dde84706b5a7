//! Short and long polling. Each user has a mailbox at the broker (the
//! gateways answer the polls). A short-poll client asks on a fixed-rate
//! timer and mostly gets an empty answer; a long-poll request waits at the
//! broker until a message arrives or the wait expires, and the client asks
//! again at once (RFC 6202 §2.2). A poller thread may serve several queues
//! in turn, one long poll at a time: a message for one queue then waits
//! while the thread is parked on another (head-of-line delay).

use rand::RngExt;

use super::model::{CpuJob, Event, Mailbox, PushModel};
use super::params::Transport;
use super::wheel::NIL;
use crate::engine::{Scheduler, SimTime};

impl PushModel {
    /// Starts the pollers in steady state: short-poll timers spread over
    /// one interval; long polls already parked at a gateway, each with a
    /// uniformly distributed part of its wait left.
    pub fn start_polling(&mut self, sched: &mut Scheduler<Event>) {
        for t in 0..self.pollers.len() {
            let u: f64 = self.rng.initial.random();
            if self.transport == Transport::ShortPoll {
                let interval = self.p.short_poll.interval.0.as_secs_f64();
                let send = SimTime::from_secs_f64(u * interval);
                self.pollers[t].next_send_ns = send.as_nanos();
                let arrive = send + self.client_hop();
                sched.schedule_at(arrive, Event::PollArrive { poller: t as u32 });
            } else if let Some(g) = self.pick_gateway() {
                self.add_open(g, 1);
                self.add_accepted(g, 1, SimTime::ZERO);
                let left = SimTime::from_secs_f64(u * self.long_poll_hold().as_secs_f64());
                self.park(t as u32, g, left, sched);
            }
        }
    }

    /// A poll reaches the balancer, which picks a gateway.
    pub fn on_poll_arrive(&mut self, t: u32, sched: &mut Scheduler<Event>) {
        let now = sched.now();
        if self.transport == Transport::ShortPoll {
            let poller = &mut self.pollers[t as usize];
            poller.next_send_ns += self.p.short_poll.interval.0.as_nanos();
            let send = SimTime::from_nanos(poller.next_send_ns);
            let arrive = (send + self.client_hop()).max(now);
            sched.schedule_at(arrive, Event::PollArrive { poller: t });
        }
        let Some(g) = self.pick_gateway() else {
            return;
        };
        self.counters.polls += 1;
        self.pollers[t as usize].gateway = g as u16;
        self.add_open(g, 1);
        self.add_accepted(g, 1, now);
        self.submit(g, CpuJob::Poll { poller: t }, sched);
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
                let poller = &mut self.pollers[t as usize];
                poller.parked = true;
                poller.generation = poller.generation.wrapping_add(1);
                let generation = poller.generation;
                let wait = self.long_poll_hold();
                sched.schedule_in(
                    wait,
                    Event::PollExpire {
                        poller: t,
                        generation,
                    },
                );
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
        let generation = poller.generation;
        sched.schedule_in(
            hold,
            Event::PollExpire {
                poller: t,
                generation,
            },
        );
    }

    /// How long a parked poll is held: the wait, or less if the balancer
    /// cuts idle connections sooner.
    fn long_poll_hold(&self) -> SimTime {
        let wait = self.p.long_poll.effective_wait();
        match self.p.load_balancer.idle_timeout {
            Some(idle) => wait.min(idle.0),
            None => wait,
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
        let mut m = std::mem::replace(
            &mut self.mailboxes[poller.queue as usize],
            Mailbox {
                head: NIL,
                tail: NIL,
            },
        )
        .head;
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

    /// A parked poll's wait ran out (or the balancer cut it): an empty
    /// answer, and the client asks again.
    pub fn on_poll_expire(&mut self, t: u32, generation: u32, sched: &mut Scheduler<Event>) {
        let poller = self.pollers[t as usize];
        if poller.generation != generation || !poller.parked {
            return;
        }
        let now = sched.now();
        self.counters.polls_empty += 1;
        if self.long_poll_hold() < self.p.long_poll.effective_wait() {
            self.counters.long_polls_cut += 1;
        }
        self.release(poller.gateway as usize, now);
        let arrival = now + self.client_hop();
        self.poll_again(t, arrival, sched);
    }
}
