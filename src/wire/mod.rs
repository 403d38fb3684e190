//! The session's exchange layers around the lane: `Layers` holds the ones switched on
//! (today a HAR log and a replay cassette; an HTTP cache goes here too), `Stack` is the
//! `Exchanger` the drivers use, wrapping theirs. With no layer on, a Stack costs one atomic
//! load and a branch per hop, then calls the inner exchanger directly (static dispatch).
//!
//! Order, outermost first: the HTTP cache (answers hits, adds validators, stores), the
//! replay cassette (answers, or lets the hop through and records it), then the HAR log
//! (watches what the session saw, replayed or not), then the inner exchanger.

use crate::cache::{Cache, Pending, Plan};
use crate::error::Result;
use crate::exchange::{Exchanger, Hop, Outcomes};
use crate::har::{entry, Policy, Seen, Writer};
use crate::received::Received;
use crate::replay::Cassette;
use std::borrow::BorrowMut;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// The layers switched on at one moment; replaced whole when one changes.
pub struct Active {
    pub har: Option<Arc<Writer>>,
    /// What the HAR log's entries hold (session_set_har_options).
    pub har_policy: Policy,
    pub replay: Option<Arc<Cassette>>,
    pub cache: Option<Arc<Cache>>,
}

impl Default for Active {
    fn default() -> Active {
        Active { har: None, har_policy: Policy::log(), replay: None, cache: None }
    }
}

impl Active {
    fn is_empty(&self) -> bool {
        self.har.is_none() && self.replay.is_none() && self.cache.is_none()
    }
}

/// A session's layers. A hop takes the current set when it starts.
#[derive(Default)]
pub struct Layers {
    on: AtomicBool,
    active: RwLock<Arc<Active>>,
}

impl Layers {
    /// The layers on now, or None (the common case: one atomic load).
    #[inline]
    pub fn current(&self) -> Option<Arc<Active>> {
        if !self.on.load(Ordering::Acquire) {
            return None;
        }
        Some(self.active.read().unwrap_or_else(|e| e.into_inner()).clone())
    }

    /// Replaces the set with `change` applied to a copy of it.
    pub fn update(&self, change: impl FnOnce(&mut Active) -> Result<()>) -> Result<()> {
        let mut guard = self.active.write().unwrap_or_else(|e| e.into_inner());
        let mut next = Active { har: guard.har.clone(), har_policy: guard.har_policy.clone(), replay: guard.replay.clone(), cache: guard.cache.clone() };
        change(&mut next)?;
        self.on.store(!next.is_empty(), Ordering::Release);
        *guard = Arc::new(next);
        Ok(())
    }

    /// Flushes the HAR log (session_har_flush); Ok when there is none.
    pub fn flush(&self) -> Result<()> {
        let active = self.active.read().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(har) = &active.har {
            har.flush()?;
        }
        if let Some(writer) = active.replay.as_ref().and_then(|c| c.writer.as_ref()) {
            writer.flush()?;
        }
        Ok(())
    }
}

/// A hop started beside others while layers were on: what its entry needs later.
struct Watch {
    token: usize,
    active: Arc<Active>,
    seen: Seen,
    /// The hop is rebuilt from these copies when its outcome comes.
    hop: crate::prepare::Prepared,
    settings: Arc<crate::settings::Settings>,
}

/// A hop started beside others whose outcome the cache waits on.
struct Cached {
    token: usize,
    cache: Arc<Cache>,
    pending: Pending,
    hop: crate::prepare::Prepared,
    settings: Arc<crate::settings::Settings>,
}

/// The state a Stack keeps between `start` and `poll`: hops answered by a layer, and hops
/// sent on whose outcome a layer waits. Kept by a driver across steps.
#[derive(Default)]
pub struct Tracker {
    answered: Outcomes,
    watched: Vec<Watch>,
    cached: Vec<Cached>,
}

/// The session's layers over an inner exchanger.
pub struct Stack<'s, W, T = Tracker> {
    pub inner: W,
    layers: &'s Layers,
    tracker: T,
}

impl<'s, W: Exchanger> Stack<'s, W, Tracker> {
    pub fn new(inner: W, layers: &'s Layers) -> Self {
        Stack { inner, layers, tracker: Tracker::default() }
    }
}

impl<'s, W: Exchanger, T: BorrowMut<Tracker>> Stack<'s, W, T> {
    /// A Stack whose tracker lives with the driver (batches, the async worker).
    pub fn with_tracker(inner: W, layers: &'s Layers, tracker: T) -> Self {
        Stack { inner, layers, tracker }
    }
}

fn seen(hop: &Hop<'_>, replayed: bool) -> Seen {
    Seen { started: SystemTime::now(), redirect: hop.redirect, attempt: hop.attempt, replayed }
}

/// Writes what the layers record of one finished hop.
fn finished(active: &Active, hop: &Hop<'_>, seen: &Seen, result: &Result<Received>) {
    if let Some(har) = &active.har {
        har.append(&entry(hop, seen, result, &active.har_policy).to_string());
    }
    if let Some(cassette) = active.replay.as_ref().filter(|_| !seen.replayed) {
        cassette.record(&entry(hop, seen, result, &Policy::cassette()));
    }
}

/// A hop a layer answers itself, if one does.
fn answer(active: &Active, hop: &Hop<'_>) -> Option<Result<Received>> {
    active.replay.as_ref().and_then(|c| c.answer(hop))
}

impl<W: Exchanger, T: BorrowMut<Tracker>> Stack<'_, W, T> {
    /// The layers under the cache: replay, then the HAR log, then the inner exchanger.
    fn exchange_below(&mut self, active: &Arc<Active>, hop: Hop<'_>) -> Result<Received> {
        if let Some(answer) = answer(active, &hop) {
            finished(active, &hop, &seen(&hop, true), &answer);
            return answer;
        }
        if active.har.is_none() && active.replay.is_none() {
            return self.inner.exchange(hop);
        }
        let seen = seen(&hop, false);
        let result = self.inner.exchange(Hop { observe: true, ..hop });
        finished(active, &hop, &seen, &result);
        result
    }

    fn start_below(&mut self, active: &Arc<Active>, hop: Hop<'_>, token: usize) -> Result<()> {
        if let Some(answer) = answer(active, &hop) {
            finished(active, &hop, &seen(&hop, true), &answer);
            self.tracker.borrow_mut().answered.push((token, answer));
            return Ok(());
        }
        if active.har.is_none() && active.replay.is_none() {
            return self.inner.start(hop, token);
        }
        let seen = seen(&hop, false);
        self.inner.start(Hop { observe: true, ..hop }, token)?;
        // The settings Arc of the flow is not reachable from the hop: keep a copy.
        let settings = Arc::new(hop.settings.clone());
        self.tracker.borrow_mut().watched.push(Watch { token, active: active.clone(), seen, hop: hop.prepared.clone(), settings });
        Ok(())
    }
}

impl<W: Exchanger, T: BorrowMut<Tracker>> Exchanger for Stack<'_, W, T> {
    #[inline]
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received> {
        let Some(active) = self.layers.current() else { return self.inner.exchange(hop) };
        let Some(cache) = active.cache.clone() else { return self.exchange_below(&active, hop) };
        match cache.before(&hop) {
            Plan::Skip => self.exchange_below(&active, hop),
            Plan::Answer(answer, behind) => {
                if let Some(behind) = behind {
                    crate::cache::behind::spawn(cache, behind);
                }
                answer
            }
            Plan::Send(mut pending) => {
                let conditional = pending.conditional.take();
                let sent = Hop { prepared: conditional.as_ref().unwrap_or(hop.prepared), observe: hop.observe || pending.observe, keep_encoded: pending.keep_encoded, ..hop };
                let result = self.exchange_below(&active, sent);
                cache.after(pending, &hop, result)
            }
        }
    }

    #[inline]
    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()> {
        let Some(active) = self.layers.current() else { return self.inner.start(hop, token) };
        let Some(cache) = active.cache.clone() else { return self.start_below(&active, hop, token) };
        match cache.before(&hop) {
            Plan::Skip => self.start_below(&active, hop, token),
            Plan::Answer(answer, behind) => {
                if let Some(behind) = behind {
                    crate::cache::behind::spawn(cache, behind);
                }
                self.tracker.borrow_mut().answered.push((token, answer));
                Ok(())
            }
            Plan::Send(mut pending) => {
                let conditional = pending.conditional.take();
                let sent = Hop { prepared: conditional.as_ref().unwrap_or(hop.prepared), observe: hop.observe || pending.observe, keep_encoded: pending.keep_encoded, ..hop };
                self.start_below(&active, sent, token)?;
                let settings = Arc::new(hop.settings.clone());
                self.tracker.borrow_mut().cached.push(Cached { token, cache, pending, hop: hop.prepared.clone(), settings });
                Ok(())
            }
        }
    }

    fn poll(&mut self, done: &mut Outcomes) -> Result<()> {
        let from = done.len();
        let polled = self.inner.poll(done);
        let tracker = self.tracker.borrow_mut();
        if !tracker.watched.is_empty() {
            for (token, result) in &done[from..] {
                if let Some(at) = tracker.watched.iter().position(|w| w.token == *token) {
                    let watch = tracker.watched.swap_remove(at);
                    let hop = Hop { settings: &watch.settings, prepared: &watch.hop, timeout: None, redirect: watch.seen.redirect, attempt: watch.seen.attempt, observe: true, keep_encoded: false };
                    finished(&watch.active, &hop, &watch.seen, result);
                }
            }
        }
        // Replayed answers of hops the cache sent come out here too.
        done.append(&mut tracker.answered);
        if !tracker.cached.is_empty() {
            for (token, result) in &mut done[from..] {
                if let Some(at) = tracker.cached.iter().position(|c| c.token == *token) {
                    let cached = tracker.cached.swap_remove(at);
                    let hop = Hop { settings: &cached.settings, prepared: &cached.hop, timeout: None, redirect: 0, attempt: 0, observe: false, keep_encoded: true };
                    let outcome = std::mem::replace(result, Err(crate::error::Error::invalid("taken")));
                    *result = cached.cache.after(cached.pending, &hop, outcome);
                }
            }
        }
        polled
    }

    fn wait(&mut self, extra: Option<RawFd>, max: Duration) -> Result<()> {
        if !self.tracker.borrow_mut().answered.is_empty() {
            return Ok(());
        }
        self.inner.wait(extra, max)
    }

    fn abandon(&mut self, token: usize) {
        let tracker = self.tracker.borrow_mut();
        tracker.answered.retain(|(t, _)| *t != token);
        tracker.watched.retain(|w| w.token != token);
        tracker.cached.retain(|c| c.token != token);
        self.inner.abandon(token);
    }

    fn window(&self, max: usize) -> usize {
        self.inner.window(max)
    }
}
