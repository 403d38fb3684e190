//! Many requests at once on one exchanger: the driver behind `session_send_all` and the
//! async worker. Each request is a `client::Flow`, so redirects, cookies and credential
//! rules run on every hop; a hop that ends re-adds the flow's next hop. Errors stay per
//! request.

use crate::client::Flow;
use crate::error::Result;
use crate::exchange::{Exchanger, Outcomes};
use crate::received::Received;
use crate::request::Request;
use crate::response::Response;
use crate::session::Session;
use crate::wire::Stack;
use std::collections::VecDeque;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

/// Transfers added to a lane at once by one driver when the pool has no total limit; the
/// rest wait their turn. With a limit, the window is the lane's connection limit.
pub(crate) const WINDOW: usize = 256;

struct Slot<T> {
    flow: Flow,
    /// Its hop is started on the exchanger (under the slot's id).
    started: bool,
    tag: T,
}

/// Runs flows on an exchanger; `T` tags each with where its response goes.
pub struct Driver<T> {
    slots: Vec<Option<Slot<T>>>,
    free: Vec<usize>,
    ready: VecDeque<usize>,
    delayed: Vec<(Instant, usize)>,
    running: usize,
    done: Outcomes,
}

impl<T> Default for Driver<T> {
    fn default() -> Self {
        Driver { slots: Vec::new(), free: Vec::new(), ready: VecDeque::new(), delayed: Vec::new(), running: 0, done: Vec::new() }
    }
}

impl<T> Driver<T> {
    /// Queues a flow; returns its slot id.
    pub fn add(&mut self, flow: Flow, tag: T) -> usize {
        let slot = Some(Slot { flow, started: false, tag });
        let id = match self.free.pop() {
            Some(id) => {
                self.slots[id] = slot;
                id
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.ready.push_back(id);
        id
    }

    /// Room for `flows` flows held at once, so that a batch does not grow (and move) its
    /// slots, each a whole Flow, nor the finished exchanges, as it fills them.
    pub fn reserve(&mut self, flows: usize) {
        self.slots.reserve(flows.saturating_sub(self.slots.len()));
        self.done.reserve(flows);
        self.ready.reserve(flows);
        self.free.reserve(flows);
    }

    /// Flows held: queued, waiting for a retry, or running.
    pub fn live(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_idle(&self) -> bool {
        self.slots.len() == self.free.len()
    }

    /// Tags of the flows still running.
    pub fn tags(&self) -> impl Iterator<Item = (usize, &T)> {
        self.slots.iter().enumerate().filter_map(|(id, s)| s.as_ref().map(|s| (id, &s.tag)))
    }

    /// Takes every flow back; only when none is started.
    pub fn take_all(&mut self) -> Vec<T> {
        debug_assert_eq!(self.running, 0);
        self.ready.clear();
        self.delayed.clear();
        self.free.clear();
        self.slots.drain(..).flatten().map(|slot| slot.tag).collect()
    }

    /// Stops flow `id` and gives back its tag.
    pub fn remove<W: Exchanger>(&mut self, wire: &mut W, id: usize) -> Option<T> {
        let slot = self.slots.get_mut(id)?.take()?;
        if slot.started {
            self.running -= 1;
            wire.abandon(id);
        }
        self.ready.retain(|&r| r != id);
        self.delayed.retain(|&(_, d)| d != id);
        self.free.push(id);
        Some(slot.tag)
    }

    /// Starts what may start, runs the exchanger once, and hands finished responses to
    /// `finished`.
    pub fn step<W: Exchanger>(&mut self, session: &Session, wire: &mut W, finished: &mut impl FnMut(T, Response)) {
        let now = Instant::now();
        let ready = &mut self.ready;
        self.delayed.retain(|&(at, id)| {
            if at <= now {
                ready.push_back(id);
            }
            at > now
        });
        let window = wire.window(WINDOW);
        while self.running < window {
            let Some(id) = self.ready.pop_front() else { break };
            let slot = self.slots[id].as_mut().expect("ready slot is live");
            let started = slot.flow.begin_hop(session).and_then(|timeout| wire.start(slot.flow.hop(timeout), id));
            match started {
                Ok(()) => {
                    slot.started = true;
                    self.running += 1;
                }
                Err(err) => self.hop_ended(session, id, Err(err), finished),
            }
        }
        if let Err(err) = wire.poll(&mut self.done) {
            // The exchanger itself failed: every started hop fails with it.
            for id in 0..self.slots.len() {
                if let Some(slot) = self.slots[id].as_mut().filter(|s| s.started) {
                    slot.started = false;
                    self.running -= 1;
                    wire.abandon(id);
                    self.hop_ended(session, id, Err(err.clone()), finished);
                }
            }
        }
        let mut done = std::mem::take(&mut self.done);
        for (id, outcome) in done.drain(..) {
            let Some(slot) = self.slots.get_mut(id).and_then(|s| s.as_mut()).filter(|s| s.started) else { continue };
            slot.started = false;
            self.running -= 1;
            self.hop_ended(session, id, outcome, finished);
        }
        self.done = done;
    }

    fn hop_ended(&mut self, session: &Session, id: usize, result: Result<Received>, finished: &mut impl FnMut(T, Response)) {
        let slot = self.slots[id].as_mut().expect("ended slot is live");
        match slot.flow.end_hop(session, result) {
            Some(response) => {
                let slot = self.slots[id].take().expect("live");
                self.free.push(id);
                finished(slot.tag, response);
            }
            None => match slot.flow.not_before.take() {
                Some(at) if at > Instant::now() => self.delayed.push((at, id)),
                _ => self.ready.push_back(id),
            },
        }
    }

    /// How long the exchanger may sleep before the driver has something to do.
    pub fn idle_wait<W: Exchanger>(&self, wire: &W, max: Duration) -> Duration {
        if !self.ready.is_empty() && self.running < wire.window(WINDOW) {
            return Duration::ZERO;
        }
        let now = Instant::now();
        self.delayed.iter().map(|&(at, _)| at.saturating_duration_since(now)).fold(max, Duration::min)
    }

    /// Waits on the exchanger (and `extra`) until something may have happened.
    pub fn wait<W: Exchanger>(&self, wire: &mut W, extra: Option<RawFd>, max: Duration) {
        let wait = self.idle_wait(wire, max);
        if !wait.is_zero() {
            let _ = wire.wait(extra, wait);
        }
    }
}

/// Sends every request at once on one lane of the session's pool; `finished(i, response)`
/// gets the response to `requests[i]` (errors included), once for each `i`, as it comes.
/// Every request uses the settings of the moment of the call, and its total timeout counts
/// from then; flows are made as room frees up, so a large batch holds only what is in
/// flight.
pub fn send_all(session: &Session, requests: &[&Request], mut finished: impl FnMut(usize, Response)) {
    let (settings, called) = (session.settings(), Instant::now());
    let mut pending = requests.iter().enumerate();
    let mut driver = Driver::default();
    // Adds flows until `room` are live; a request that cannot start gets its response now.
    let mut feed = |driver: &mut Driver<usize>, finished: &mut dyn FnMut(usize, Response), room: usize| {
        while driver.live() < room {
            let Some((i, request)) = pending.next() else { return };
            match Flow::start_in_batch(settings.clone(), request, called) {
                Ok(flow) => {
                    driver.add(flow, i);
                }
                Err(response) => finished(i, *response),
            }
        }
    };
    feed(&mut driver, &mut finished, 1);
    if !driver.is_idle() {
        match session.pool.checkout() {
            Ok(mut lane) => {
                let width = requests.len().min(lane.window(WINDOW));
                lane.widen_for_batch(width);
                let mut wire = Stack::new(lane, &session.wire);
                let room = 2 * wire.window(WINDOW);
                driver.reserve(requests.len().min(room));
                loop {
                    feed(&mut driver, &mut finished, room);
                    if driver.is_idle() {
                        break;
                    }
                    driver.step(session, &mut wire, &mut finished);
                    if driver.is_idle() {
                        continue; // all done, or room for more: no wait on libcurl's timers
                    }
                    driver.wait(&mut wire, None, Duration::from_secs(1));
                }
            }
            Err(err) => {
                for i in driver.take_all() {
                    finished(i, Response::failed(err.clone(), &requests[i].url));
                }
                // The rest fail too: with their own error when they could not start anyway.
                feed(&mut driver, &mut finished, usize::MAX);
                for i in driver.take_all() {
                    finished(i, Response::failed(err.clone(), &requests[i].url));
                }
            }
        }
    }
}
