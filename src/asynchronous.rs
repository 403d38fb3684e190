//! Asynchronous requests: a worker thread per session, started at the first
//! `session_send_async`, owning its own lane; futures to wait on, poll or cancel; an
//! optional completion callback; and an eventfd readable while a finished future waits.
//!
//! The C handle owns the `Background` beside the session's core; the worker holds the core
//! (an `Arc`) for as long as it runs. Freeing the session stops the worker: requests still running complete with
//! SESSION_E_CANCELLED, and their futures stay valid until freed.

use crate::client::Flow;
use crate::error::{Code, Error, Result};
use crate::parallel::Driver;
use crate::request::Request;
use crate::response::Response;
use crate::session::Session;
use crate::transport::{fork_epoch, Lane};
use crate::wire::{Stack, Tracker};
use std::ffi::c_void;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn eventfd(flags: libc::c_int) -> Result<OwnedFd> {
    // SAFETY: eventfd returns a new descriptor or -1.
    let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK | flags) };
    if fd < 0 {
        return Err(Error::new(Code::SESSION_E_IO, format!("eventfd: {}", std::io::Error::last_os_error())));
    }
    // SAFETY: fd is a fresh descriptor owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn signal(fd: &OwnedFd) {
    let one: u64 = 1;
    // SAFETY: writes 8 bytes from a live u64.
    unsafe { libc::write(fd.as_raw_fd(), &one as *const u64 as *const c_void, 8) };
}

fn consume(fd: &OwnedFd) {
    let mut value: u64 = 0;
    // SAFETY: reads 8 bytes into a live u64; non-blocking.
    unsafe { libc::read(fd.as_raw_fd(), &mut value as *mut u64 as *mut c_void, 8) };
}

/// A completion callback from C and its user data.
#[derive(Clone, Copy)]
pub struct Callback {
    pub function: unsafe extern "C" fn(*mut c_void),
    pub user_data: *mut c_void,
}
// SAFETY: the C caller promises the callback may run on the session's worker thread.
unsafe impl Send for Callback {}
unsafe impl Sync for Callback {}

#[derive(Default)]
struct Outcome {
    /// A response is being delivered (its callback runs): later ones are dropped.
    settling: bool,
    done: bool,
    /// The caller freed its future: nothing is delivered any more.
    released: bool,
    response: Option<Response>,
}

/// The shared state of one asynchronous request.
pub struct FutureState {
    outcome: Mutex<Outcome>,
    finished: Condvar,
    /// The session's completion eventfd (semaphore mode): one count per unclaimed result.
    completions: Arc<OwnedFd>,
    callback: Option<Callback>,
    /// The worker running it, woken on cancel so it drops the transfer early.
    worker: std::sync::OnceLock<std::sync::Weak<Shared>>,
}

impl FutureState {
    /// Delivers the response, unless one was delivered already (e.g. cancelled). The
    /// callback runs first; then the future becomes ready and the fd counts it, under the
    /// lock, so a waiter never claims a result before it was counted.
    fn complete(&self, response: Response) {
        {
            let mut outcome = lock(&self.outcome);
            if outcome.settling || outcome.released {
                return;
            }
            outcome.settling = true;
        }
        if let Some(cb) = self.callback {
            // SAFETY: the callback contract is the C caller's (see session_send_async_cb).
            unsafe { (cb.function)(cb.user_data) };
        }
        let mut outcome = lock(&self.outcome);
        outcome.done = true;
        if !outcome.released {
            outcome.response = Some(response);
            signal(&self.completions);
        }
        drop(outcome);
        self.finished.notify_all();
    }

    pub fn is_done(&self) -> bool {
        lock(&self.outcome).done
    }

    /// Whether the worker may drop the request (delivered, being delivered, or freed).
    fn is_settled(&self) -> bool {
        let outcome = lock(&self.outcome);
        outcome.settling || outcome.released
    }

    /// The response once done, taken at most once; None on timeout (None waits forever).
    pub fn wait(&self, timeout: Option<Duration>) -> Option<Response> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut outcome = lock(&self.outcome);
        while !outcome.done {
            outcome = match deadline {
                None => self.finished.wait(outcome).unwrap_or_else(|e| e.into_inner()),
                Some(at) => {
                    let left = at.checked_duration_since(Instant::now())?;
                    self.finished.wait_timeout(outcome, left).unwrap_or_else(|e| e.into_inner()).0
                }
            };
        }
        let response = outcome.response.take()?;
        consume(&self.completions);
        Some(response)
    }

    /// Completes the future with SESSION_E_CANCELLED unless it is done.
    pub fn cancel(&self) {
        self.complete(Response::failed(Error::new(Code::SESSION_E_CANCELLED, "request cancelled"), ""));
        if let Some(worker) = self.worker.get().and_then(std::sync::Weak::upgrade) {
            worker.nudge();
        }
    }

    /// The caller drops its future: an unclaimed result no longer counts on the fd.
    pub fn release(&self) {
        let mut outcome = lock(&self.outcome);
        outcome.released = true;
        if outcome.response.take().is_some() {
            consume(&self.completions);
        }
        drop(outcome);
        if let Some(worker) = self.worker.get().and_then(std::sync::Weak::upgrade) {
            worker.nudge();
        }
    }
}

struct Inbox {
    jobs: Vec<(Flow, Arc<FutureState>)>,
    stop: bool,
}

struct Shared {
    inbox: Mutex<Inbox>,
    wake: OwnedFd,
    /// The worker's lane and requests, kept here (locked by the worker while it runs) rather
    /// than on its stack, so a child after fork still reaches them (no leak reported).
    engine: Mutex<Engine>,
}

#[derive(Default)]
struct Engine {
    lane: Option<Lane>,
    driver: Driver<Arc<FutureState>>,
    /// What the session's layers keep between steps.
    tracker: Tracker,
}
// SAFETY: only the worker thread uses the engine (it holds the lock for its whole life);
// its libcurl handles never go to another thread while in use.
unsafe impl Send for Engine {}

impl Shared {
    fn nudge(&self) {
        signal(&self.wake);
    }
}

struct Running {
    shared: Arc<Shared>,
    thread: JoinHandle<()>,
    fork_epoch: u64,
}

/// Workers of the parent process, seen from a child after fork: their threads don't exist
/// here, so their state is kept (reachable, untouched) instead of joined or dropped.
static PARENT_WORKERS: Mutex<Vec<Running>> = Mutex::new(Vec::new());

fn set_aside(running: Running) {
    lock(&PARENT_WORKERS).push(running);
}

/// The session's asynchronous side: the worker (once started) and the completion fd.
#[derive(Default)]
pub struct Background {
    running: Mutex<Option<Running>>,
    completions: Mutex<Option<Arc<OwnedFd>>>,
}

impl Background {
    /// The completion eventfd, created on first use.
    pub fn completion_fd(&self) -> Result<RawFd> {
        Ok(self.completions()?.as_raw_fd())
    }

    fn completions(&self) -> Result<Arc<OwnedFd>> {
        let mut slot = lock(&self.completions);
        if slot.is_none() {
            *slot = Some(Arc::new(eventfd(libc::EFD_SEMAPHORE)?));
        }
        Ok(slot.as_ref().expect("just set").clone())
    }

    /// Submits a request on `session` to the worker (started on first use, holding the
    /// session) and returns its future.
    pub fn submit(&self, session: &Arc<Session>, request: &Request, callback: Option<Callback>) -> Result<Arc<FutureState>> {
        let future = Arc::new(FutureState {
            outcome: Mutex::default(),
            finished: Condvar::new(),
            completions: self.completions()?,
            callback,
            worker: Default::default(),
        });
        let flow = match Flow::start(session, request) {
            Ok(flow) => flow,
            Err(response) => {
                future.complete(*response);
                return Ok(future);
            }
        };
        let mut running = lock(&self.running);
        let epoch = fork_epoch();
        if running.as_ref().is_some_and(|r| r.fork_epoch != epoch) {
            // The parent's worker does not exist in this child: leave its state untouched.
            set_aside(running.take().expect("checked"));
        }
        if running.is_none() {
            match start_worker(session.clone(), epoch) {
                Ok(started) => *running = Some(started),
                Err(err) => {
                    future.complete(Response::failed(err, &request.url));
                    return Ok(future);
                }
            }
        }
        let shared = &running.as_ref().expect("started").shared;
        let _ = future.worker.set(Arc::downgrade(shared));
        lock(&shared.inbox).jobs.push((flow, future.clone()));
        shared.nudge();
        Ok(future)
    }

    /// Stops the worker: running requests complete with SESSION_E_CANCELLED.
    pub fn shutdown(&self) {
        let Some(running) = lock(&self.running).take() else { return };
        if running.fork_epoch != fork_epoch() {
            set_aside(running);
            return;
        }
        lock(&running.shared.inbox).stop = true;
        running.shared.nudge();
        let _ = running.thread.join();
    }
}

fn start_worker(session: Arc<Session>, epoch: u64) -> Result<Running> {
    let shared = Arc::new(Shared {
        inbox: Mutex::new(Inbox { jobs: Vec::new(), stop: false }),
        wake: eventfd(0)?,
        engine: Mutex::default(),
    });
    let for_thread = shared.clone();
    let thread = std::thread::Builder::new()
        .name("libsession-async".into())
        .spawn(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&session, &for_thread)));
        })
        .map_err(|e| Error::new(Code::SESSION_E_INTERNAL, format!("cannot start the async worker: {e}")))?;
    Ok(Running { shared, thread, fork_epoch: epoch })
}

fn cancelled() -> Response {
    Response::failed(Error::new(Code::SESSION_E_CANCELLED, "session freed before the request finished"), "")
}

/// The worker: takes submitted flows and drives them on its own lane.
fn run(session: &Session, shared: &Shared) {
    let mut engine = lock(&shared.engine);
    let Engine { lane, driver, tracker } = &mut *engine;
    loop {
        consume_all(&shared.wake);
        let (jobs, stop) = {
            let mut inbox = lock(&shared.inbox);
            (std::mem::take(&mut inbox.jobs), inbox.stop)
        };
        if stop {
            for (_, future) in jobs {
                future.complete(cancelled());
            }
            if let Some(lane) = lane.as_mut() {
                let mut wire = Stack::with_tracker(lane, &session.wire, &mut *tracker);
                let ids: Vec<usize> = driver.tags().map(|(id, _)| id).collect();
                for id in ids {
                    if let Some(future) = driver.remove(&mut wire, id) {
                        future.complete(cancelled());
                    }
                }
            }
            return;
        }
        // The pool was invalidated since this lane was made (settings that shape connections
        // changed, e.g. session_set_resolve or session_set_interface): the lane is dropped
        // while nothing runs on it, so its connections serve no later request.
        if driver.is_idle() && lane.as_ref().is_some_and(|l| l.generation() != session.pool.generation()) {
            *lane = None;
        }
        for (flow, future) in jobs {
            if !future.is_settled() {
                driver.add(flow, future);
            }
        }
        if driver.is_idle() && lane.is_none() {
            wait_readable(&shared.wake, None);
            continue;
        }
        let lane = match lane.as_mut() {
            Some(lane) => lane,
            None => match Lane::new(session.pool.limits(), session.pool.generation(), fork_epoch()) {
                Ok(new) => lane.insert(new),
                Err(err) => {
                    for future in driver.take_all() {
                        future.complete(Response::failed(err.clone(), ""));
                    }
                    continue;
                }
            },
        };
        let mut wire = Stack::with_tracker(lane, &session.wire, &mut *tracker);
        let abandoned: Vec<usize> = driver.tags().filter(|(_, f)| f.is_settled()).map(|(id, _)| id).collect();
        for id in abandoned {
            driver.remove(&mut wire, id);
        }
        driver.step(session, &mut wire, &mut |future: Arc<FutureState>, response| future.complete(response));
        let max = if driver.is_idle() { Duration::from_secs(60) } else { Duration::from_secs(1) };
        driver.wait(&mut wire, Some(shared.wake.as_raw_fd()), max);
    }
}

fn consume_all(fd: &OwnedFd) {
    let mut value: u64 = 0;
    // SAFETY: reads 8 bytes into a live u64; non-blocking (a normal-mode eventfd resets).
    unsafe { libc::read(fd.as_raw_fd(), &mut value as *mut u64 as *mut c_void, 8) };
}

fn wait_readable(fd: &OwnedFd, timeout: Option<Duration>) {
    let mut pfd = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
    // SAFETY: one live pollfd.
    unsafe { libc::poll(&mut pfd, 1, ms) };
}
