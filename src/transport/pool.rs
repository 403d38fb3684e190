//! The session's lanes. A blocking request checks out the most recently used idle lane
//! (so a thread doing sequential requests gets its connection back) and drives it on the
//! caller's thread; a batch checks out one lane for all its requests.
//!
//! Limits: within a lane libcurl caps connections per host and in total (transfers beyond
//! wait in its queue); across threads at most `total` lanes run at once (more callers wait).
//!
//! Fork: a child never reuses, nor closes, lanes made before the fork (their connections
//! belong to the parent): they are parked, untouched, in `FORKED_AWAY` for the child's life.

use super::lane::{thread_token, Lane, Limits};
use crate::error::Result;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, Once};
use std::time::Instant;

/// Bumped in every child process right after fork.
static FORK_EPOCH: AtomicU64 = AtomicU64::new(0);
/// Lanes inherited from the parent process: never used nor cleaned up (a clean shutdown
/// would send TLS close_notify / HTTP/2 GOAWAY on the parent's connections).
static FORKED_AWAY: Mutex<Vec<Lane>> = Mutex::new(Vec::new());

extern "C" fn after_fork_in_child() {
    FORK_EPOCH.fetch_add(1, Ordering::Relaxed);
}

/// The fork epoch of this process.
pub fn fork_epoch() -> u64 {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // SAFETY: registers a handler that only bumps an atomic.
        unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
    });
    FORK_EPOCH.load(Ordering::Relaxed)
}

/// Parks lanes that belong to the parent process.
fn forget_forked(lanes: impl IntoIterator<Item = Lane>) {
    FORKED_AWAY.lock().unwrap_or_else(|e| e.into_inner()).extend(lanes);
}

#[derive(Default)]
struct State {
    /// Idle lanes, most recently used last.
    idle: Vec<Lane>,
    /// Lanes checked out.
    busy: usize,
    limits: Limits,
    generation: u64,
    fork_epoch: u64,
    /// Threads waiting in `checkout` (a notify is a futex syscall even with no waiter).
    waiters: usize,
}

#[derive(Default)]
pub struct Pool {
    state: Mutex<State>,
    lane_returned: Condvar,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A lane for the calling thread; waits while `total` lanes are busy.
    pub fn checkout(&self) -> Result<LaneGuard<'_>> {
        let epoch = fork_epoch();
        let mut stale = Vec::new();
        let mut state = self.lock();
        if state.fork_epoch != epoch {
            forget_forked(state.idle.drain(..));
            state.fork_epoch = epoch;
            state.busy = 0; // lanes out in the parent never come back here
        }
        let idle_timeout = state.limits.idle_timeout;
        let keep_from = state.idle.iter().position(|lane| lane.last_used.elapsed() < idle_timeout).unwrap_or(state.idle.len());
        stale.extend(state.idle.drain(..keep_from));
        let me = thread_token();
        let (limits, generation) = loop {
            // The lane this thread used last (its state is still in this core's cache), else
            // the most recently used one.
            let mine = state.idle.iter().rposition(|lane| lane.last_thread == me);
            if let Some(lane) = mine.map(|at| state.idle.remove(at)).or_else(|| state.idle.pop()) {
                state.busy += 1;
                drop(state);
                drop(stale);
                return Ok(LaneGuard { pool: self, lane: Some(lane) });
            }
            if state.limits.total == 0 || state.busy < state.limits.total {
                state.busy += 1;
                break (state.limits, state.generation);
            }
            state.waiters += 1;
            state = self.lane_returned.wait(state).unwrap_or_else(|e| e.into_inner());
            state.waiters -= 1;
        };
        drop(state);
        drop(stale);
        match Lane::new(limits, generation, epoch) {
            Ok(lane) => Ok(LaneGuard { pool: self, lane: Some(lane) }),
            Err(err) => {
                let mut state = self.lock();
                state.busy -= 1;
                self.wake_waiter(state);
                Err(err)
            }
        }
    }

    /// Wakes one thread waiting for a lane, if any.
    fn wake_waiter(&self, state: MutexGuard<'_, State>) {
        let waiting = state.waiters > 0;
        drop(state);
        if waiting {
            self.lane_returned.notify_one();
        }
    }

    fn checkin(&self, mut lane: Lane) {
        let mut state = self.lock();
        if lane.fork_epoch != state.fork_epoch {
            drop(state);
            forget_forked([lane]);
            return;
        }
        state.busy = state.busy.saturating_sub(1);
        let stale = if lane.generation == state.generation {
            lane.last_used = Instant::now();
            lane.last_thread = thread_token();
            state.idle.push(lane);
            None
        } else {
            Some(lane)
        };
        self.wake_waiter(state);
        drop(stale); // closes its connections outside the lock
    }

    /// Closes idle connections and keeps lanes in use from returning to the pool.
    pub fn invalidate(&self) {
        let mut state = self.lock();
        state.generation += 1;
        let idle = std::mem::take(&mut state.idle);
        drop(state);
        drop(idle);
    }

    /// Bumped by every `invalidate`: a lane made under an older one (the async worker's,
    /// which never comes back to the pool) must not be used for new requests.
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub fn limits(&self) -> Limits {
        self.lock().limits
    }

    /// New limits apply to lanes made from now on; idle lanes are closed.
    pub fn set_limits(&self, limits: Limits) {
        self.lock().limits = limits;
        self.invalidate();
        self.lane_returned.notify_all();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        if state.fork_epoch != fork_epoch() {
            forget_forked(state.idle.drain(..));
        }
    }
}

/// A checked-out lane; goes back to the pool when dropped.
pub struct LaneGuard<'p> {
    pool: &'p Pool,
    lane: Option<Lane>,
}

impl Deref for LaneGuard<'_> {
    type Target = Lane;
    fn deref(&self) -> &Lane {
        self.lane.as_ref().expect("lane present until drop")
    }
}

impl DerefMut for LaneGuard<'_> {
    fn deref_mut(&mut self) -> &mut Lane {
        self.lane.as_mut().expect("lane present until drop")
    }
}

/// A checked-out lane exchanges as its lane does.
impl crate::exchange::Exchanger for LaneGuard<'_> {
    #[inline]
    fn exchange(&mut self, hop: crate::exchange::Hop<'_>) -> Result<crate::received::Received> {
        crate::exchange::Exchanger::exchange(&mut **self, hop)
    }
    #[inline]
    fn start(&mut self, hop: crate::exchange::Hop<'_>, token: usize) -> Result<()> {
        crate::exchange::Exchanger::start(&mut **self, hop, token)
    }
    #[inline]
    fn poll(&mut self, done: &mut crate::exchange::Outcomes) -> Result<()> {
        crate::exchange::Exchanger::poll(&mut **self, done)
    }
    fn wait(&mut self, extra: Option<std::os::fd::RawFd>, max: std::time::Duration) -> Result<()> {
        crate::exchange::Exchanger::wait(&mut **self, extra, max)
    }
    fn abandon(&mut self, token: usize) {
        crate::exchange::Exchanger::abandon(&mut **self, token)
    }
    fn window(&self, max: usize) -> usize {
        crate::exchange::Exchanger::window(&**self, max)
    }
}

impl Drop for LaneGuard<'_> {
    fn drop(&mut self) {
        if let Some(lane) = self.lane.take() {
            self.pool.checkin(lane);
        }
    }
}
