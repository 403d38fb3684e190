//! A lane: one curl multi handle (its own connection cache, DNS cache and HTTP/2
//! connections) with its idle easy handles. One thread drives a lane at a time: a blocking
//! request on the caller's thread, a batch, or the async worker.

use super::collector::{self, Collector};
use super::options::{check, configure, setopt_str, CURLOPT_PROTOCOLS_STR};
use super::outcome::{failure, from_curl, received};
use crate::error::{Code, Error, Result};
use crate::exchange::{Exchanger, Hop, Outcomes};
use crate::received::Received;
use curl::easy::Easy2;
use curl::multi::{Easy2Handle, Multi, WaitFd};
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Receive buffer per transfer (CURLOPT_BUFFERSIZE). libcurl 8 lends one buffer per multi
/// handle to the running transfer and frees it when the lane goes idle, so this costs
/// memory only while a lane is transferring, never per idle pooled connection. 64 KiB: the
/// kernel's copy into it and ours out of it stay in the core's L2 cache; 16 KiB takes four
/// times the receive calls, and 128 or 256 KiB were slower on every large-body row. The
/// cost: glibc serves a block under 128 KiB from its heap (libcurl allocates it again for
/// every transfer), about 3,000 more instructions per small request (docs/performance.md,
/// issue 19, fourth stop).
pub(crate) const RECEIVE_BUFFER: usize = 64 * 1024;

/// A number for the calling thread, unique in the process (lanes go back to the thread
/// that used them last).
pub fn thread_token() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TOKEN: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TOKEN.with(|token| *token)
}

/// Connection limits applied to every lane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections to one host per lane (0: no limit). Transfers beyond it wait.
    pub per_host: usize,
    /// Connections per lane, and lanes per session (0: no limit).
    pub total: usize,
    /// Idle connections older than this are closed, not reused.
    pub idle_timeout: Duration,
    /// `per_host` was set by the caller (session_set_pool_limits). While it is the default,
    /// a batch may open as many connections to one host as it has requests in flight.
    pub per_host_set: bool,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { per_host: 10, total: 100, idle_timeout: Duration::from_secs(118), per_host_set: false }
    }
}

/// A transfer running on a lane.
type Transfer = Easy2Handle<Collector>;

pub struct Lane {
    multi: Multi,
    idle: Vec<Easy2<Collector>>,
    /// The transfers started with a token, at their token.
    running: Vec<Option<Transfer>>,
    /// Finished transfers found by `poll`, before their outcome is read.
    finished: Vec<(usize, std::result::Result<(), curl::Error>)>,
    limits: Limits,
    pub(super) generation: u64,
    pub(super) fork_epoch: u64,
    pub(super) last_used: Instant,
    /// The thread that used it last (pool::thread_token).
    pub(super) last_thread: u64,
    /// Last: dropped after every easy handle that uses it.
    dns: DnsCache,
}

/// The lane's DNS cache, in a share handle its easy handles use instead of the multi
/// handle's: libcurl walks every slot of the DNS cache's hash after each transfer to prune
/// it, 71 slots in a multi handle and 23 in a share, about 470 instructions per request.
/// One thread drives a lane at a time, so the share needs no lock callbacks.
struct DnsCache(*mut curl_sys::CURLSH);

impl DnsCache {
    fn new() -> Result<DnsCache> {
        // SAFETY: a new share handle, set up before any easy handle uses it.
        unsafe {
            let share = curl_sys::curl_share_init();
            if share.is_null() {
                return Err(Error::new(Code::SESSION_E_INTERNAL, "libcurl share handle: out of memory"));
            }
            let cache = DnsCache(share);
            let rc = curl_sys::curl_share_setopt(share, curl_sys::CURLSHOPT_SHARE, curl_sys::CURL_LOCK_DATA_DNS);
            if rc != 0 {
                return Err(Error::new(Code::SESSION_E_INTERNAL, format!("libcurl share handle: error {rc}")));
            }
            Ok(cache)
        }
    }
}

impl Drop for DnsCache {
    fn drop(&mut self) {
        // SAFETY: no easy handle uses it any more (Lane drops them first).
        unsafe { curl_sys::curl_share_cleanup(self.0) };
    }
}

// SAFETY: libcurl handles may move between threads as long as one thread uses them at a
// time; a lane is only reachable through the pool's mutex or by the one thread that checked
// it out, and its transfers never outlive it on another thread.
unsafe impl Send for Lane {}

fn multi_err(err: curl::MultiError) -> Error {
    Error::new(Code::SESSION_E_INTERNAL, format!("libcurl multi handle: {err}"))
}

impl Lane {
    /// The pool generation this lane was made under (Pool::generation).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn new(limits: Limits, generation: u64, fork_epoch: u64) -> Result<Lane> {
        let mut multi = Multi::new();
        multi.pipelining(false, true).map_err(multi_err)?;
        multi.set_max_host_connections(limits.per_host).map_err(multi_err)?;
        multi.set_max_total_connections(limits.total).map_err(multi_err)?;
        let dns = DnsCache::new()?;
        Ok(Lane {
            multi,
            idle: Vec::new(),
            running: Vec::new(),
            finished: Vec::new(),
            limits,
            generation,
            fork_epoch,
            last_used: Instant::now(),
            last_thread: thread_token(),
            dns,
        })
    }

    fn take_easy(&mut self) -> Result<Easy2<Collector>> {
        let mut easy = match self.idle.pop() {
            Some(easy) => easy,
            None => self.new_easy().map_err(|e| from_curl(&e))?,
        };
        let collector = easy.get_mut();
        collector.exchange = Received::default();
        collector.head_open = false;
        collector.panicked = None;
        collector.opened_socket = false;
        Ok(easy)
    }

    fn new_easy(&self) -> std::result::Result<Easy2<Collector>, curl::Error> {
        let mut easy = Easy2::new(Collector::default());
        collector::bind(&mut easy)?;
        // SAFETY: the share outlives the handle (Lane's field order).
        check(unsafe { curl_sys::curl_easy_setopt(easy.raw(), curl_sys::CURLOPT_SHARE, self.dns.0) })?;
        setopt_str(&easy, CURLOPT_PROTOCOLS_STR, Some(c"http,https"))?;
        easy.buffer_size(RECEIVE_BUFFER)?;
        easy.maxage_conn(self.limits.idle_timeout)?;
        Ok(easy)
    }

    /// Readies the lane for a batch of `width` requests: with the default per-host limit,
    /// one host may get as many connections as the batch keeps in flight (at most the total
    /// limit), as raw libcurl's multi interface would open; a limit the caller set holds.
    pub fn widen_for_batch(&mut self, width: usize) {
        if self.limits.per_host_set || self.limits.per_host == 0 {
            return;
        }
        let wanted = match self.limits.total {
            0 => width,
            total => width.min(total),
        };
        if wanted > self.limits.per_host && self.multi.set_max_host_connections(wanted).is_ok() {
            self.limits.per_host = wanted;
        }
    }

    /// Starts a hop whose completion is recognised by its token (CURLOPT_PRIVATE points
    /// at its Collector), or without one when it is the lane's only transfer.
    fn begin(&mut self, hop: Hop<'_>, token: usize) -> Result<Transfer> {
        let mut easy = self.take_easy()?;
        easy.get_mut().token = token;
        easy.get_mut().observe = hop.observe;
        easy.get_mut().keep_encoded = hop.keep_encoded;
        if let Err(err) = configure(&mut easy, hop.settings, hop.prepared, hop.timeout) {
            self.idle.push(easy);
            return Err(from_curl(&err));
        }
        self.multi.add2(easy).map_err(multi_err)
    }

    /// Takes a finished (or abandoned) transfer off the lane, with what it received.
    fn end(&mut self, transfer: Transfer, result: std::result::Result<(), curl::Error>) -> Result<Received> {
        let mut easy = self.multi.remove2(transfer).map_err(multi_err)?;
        let outcome = match result {
            Ok(()) => received(&mut easy),
            // The event callback ended the stream: a clean end.
            Err(_) if easy.get_ref().transfer.events_ended() => received(&mut easy),
            Err(mut err) => {
                // As Easy2::perform does: libcurl's detailed message joins the error.
                if let Some(detail) = easy.take_error_buf() {
                    err.set_extra(detail);
                }
                Err(failure(&easy, &err))
            }
        };
        self.idle.push(easy);
        outcome
    }
}

impl Exchanger for Lane {
    /// Performs one hop on the calling thread.
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received> {
        // The lane runs only this transfer: its completion is the first message.
        let transfer = self.begin(hop, 0)?;
        loop {
            let running = match self.multi.perform() {
                Ok(running) => running,
                Err(err) => {
                    let _ = self.end(transfer, Ok(()));
                    return Err(multi_err(err));
                }
            };
            // Nothing running any more: the completion message is there.
            if running == 0 {
                let mut finished = None;
                self.multi.messages(|msg| {
                    if finished.is_none() {
                        finished = msg.result();
                    }
                });
                if let Some(result) = finished {
                    return self.end(transfer, result);
                }
            }
            self.multi.wait(&mut [], Duration::from_secs(1)).map_err(multi_err)?;
        }
    }

    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()> {
        let transfer = self.begin(hop, token)?;
        if self.running.len() <= token {
            self.running.resize_with(token + 1, || None);
        }
        self.running[token] = Some(transfer);
        Ok(())
    }

    fn poll(&mut self, done: &mut Outcomes) -> Result<()> {
        self.multi.perform().map_err(multi_err)?;
        let finished = &mut self.finished;
        self.multi.messages(|msg| {
            // CURLOPT_PRIVATE is the transfer's Collector (collector::bind).
            if let (Ok(collector), Some(result)) = (msg.token(), msg.result()) {
                // SAFETY: the transfer is still on the lane, so its Collector is alive.
                finished.push((unsafe { (*(collector as *const Collector)).token }, result));
            }
        });
        let mut finished = std::mem::take(&mut self.finished);
        for (token, result) in finished.drain(..) {
            if let Some(transfer) = self.running.get_mut(token).and_then(Option::take) {
                done.push((token, self.end(transfer, result)));
            }
        }
        self.finished = finished;
        Ok(())
    }

    fn wait(&mut self, extra: Option<RawFd>, max: Duration) -> Result<()> {
        let mut fds = [WaitFd::new()];
        let fds = match extra {
            Some(fd) => {
                fds[0].set_fd(fd);
                fds[0].poll_on_read(true);
                &mut fds[..]
            }
            None => &mut fds[..0],
        };
        self.multi.wait(fds, max).map_err(multi_err)?;
        Ok(())
    }

    fn abandon(&mut self, token: usize) {
        if let Some(transfer) = self.running.get_mut(token).and_then(Option::take) {
            let _ = self.end(transfer, Ok(()));
        }
    }

    /// How many transfers a driver should keep on this lane at once: its connection limit,
    /// so requests wait in the driver rather than in libcurl's pending queue.
    fn window(&self, max: usize) -> usize {
        match self.limits.total {
            0 => max,
            total => total.min(max),
        }
    }
}
