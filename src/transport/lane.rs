//! A lane: one curl multi handle (its own connection cache, DNS cache and HTTP/2
//! connections) with its idle easy handles. One thread drives a lane at a time: a blocking
//! request on the caller's thread, a batch, or the async worker.

use super::options::{setopt_str, CURLOPT_PROTOCOLS_STR};
use super::{classify, configure, finish, Collector, Exchange};
use crate::error::{from_curl, Code, Error, Result};
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::Easy2;
use curl::multi::{Easy2Handle, Multi, WaitFd};
use std::time::{Duration, Instant};

/// Receive buffer per transfer (CURLOPT_BUFFERSIZE). libcurl 8 lends one buffer per multi
/// handle to the running transfer and frees it when the lane goes idle, so this costs
/// memory only while a lane is transferring, never per idle pooled connection.
pub const RECEIVE_BUFFER: usize = 256 * 1024;

/// The engine's per-request libcurl option: where HTTP/2 multiplexing is likely (TLS with
/// ALPN, or h2c prior knowledge), a transfer waits for a connection that can multiplex
/// rather than opening another one. Not for http:// otherwise: an h2c Upgrade attempt would
/// make HTTP/1.1 transfers queue on one connection.
pub fn configure_engine(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared) -> std::result::Result<(), curl::Error> {
    use crate::transfer::HttpVersion;
    let version = hop.transfer.http_version.unwrap_or(settings.transfer.http_version);
    let multiplex = match version {
        HttpVersion::Http11 => false,
        HttpVersion::Http2PriorKnowledge => true,
        HttpVersion::Default | HttpVersion::Http2 => hop.url.scheme() == "https",
    };
    if crate::net::changed(&mut h.get_mut().applied.pipewait, multiplex) {
        h.pipewait(multiplex)?;
    }
    Ok(())
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
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { per_host: 10, total: 100, idle_timeout: Duration::from_secs(118) }
    }
}

/// A transfer running on a lane.
pub type Transfer = Easy2Handle<Collector>;

pub struct Lane {
    multi: Multi,
    idle: Vec<Easy2<Collector>>,
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
    pub fn new(limits: Limits, generation: u64, fork_epoch: u64) -> Result<Lane> {
        let mut multi = Multi::new();
        multi.pipelining(false, true).map_err(multi_err)?;
        multi.set_max_host_connections(limits.per_host).map_err(multi_err)?;
        multi.set_max_total_connections(limits.total).map_err(multi_err)?;
        let dns = DnsCache::new()?;
        Ok(Lane { multi, idle: Vec::new(), limits, generation, fork_epoch, last_used: Instant::now(), last_thread: super::pool::thread_token(), dns })
    }

    fn take_easy(&mut self) -> Result<Easy2<Collector>> {
        let mut easy = match self.idle.pop() {
            Some(easy) => easy,
            None => self.new_easy().map_err(|e| from_curl(&e))?,
        };
        let collector = easy.get_mut();
        collector.exchange = Exchange::default();
        collector.head_open = false;
        collector.panicked = None;
        collector.opened_socket = false;
        Ok(easy)
    }

    fn new_easy(&self) -> std::result::Result<Easy2<Collector>, curl::Error> {
        let mut easy = Easy2::new(Collector::default());
        super::collector::bind(&mut easy)?;
        // SAFETY: the share outlives the handle (Lane's field order).
        let rc = unsafe { curl_sys::curl_easy_setopt(easy.raw(), curl_sys::CURLOPT_SHARE, self.dns.0) };
        if rc != curl_sys::CURLE_OK {
            return Err(curl::Error::new(rc));
        }
        setopt_str(&easy, CURLOPT_PROTOCOLS_STR, Some(c"http,https"))?;
        easy.buffer_size(RECEIVE_BUFFER)?;
        easy.maxage_conn(self.limits.idle_timeout)?;
        Ok(easy)
    }

    /// How many transfers a driver should keep on this lane at once: its connection limit,
    /// so requests wait in the driver rather than in libcurl's pending queue.
    pub fn window(&self, max: usize) -> usize {
        match self.limits.total {
            0 => max,
            total => total.min(max),
        }
    }

    /// Starts a hop; `token` comes back with its completion from `poll`.
    pub fn start(&mut self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>, token: usize) -> Result<Transfer> {
        let mut transfer = self.start_untagged(settings, hop, timeout)?;
        transfer.get_mut().token = token;
        Ok(transfer)
    }

    /// Starts a hop whose completion is recognised without a token (the lane's only one).
    fn start_untagged(&mut self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> Result<Transfer> {
        let mut easy = self.take_easy()?;
        if let Err(err) = configure(&mut easy, settings, hop, timeout) {
            self.idle.push(easy);
            return Err(from_curl(&err));
        }
        self.multi.add2(easy).map_err(multi_err)
    }

    /// Takes a finished (or abandoned) transfer off the lane, with what it received.
    pub fn end(&mut self, transfer: Transfer, result: std::result::Result<(), curl::Error>) -> Result<Exchange> {
        let mut easy = self.multi.remove2(transfer).map_err(multi_err)?;
        let exchange = match result {
            Ok(()) => finish(&mut easy),
            Err(mut err) => {
                // As Easy2::perform does: libcurl's detailed message joins the error.
                if let Some(detail) = easy.take_error_buf() {
                    err.set_extra(detail);
                }
                Err(classify(&easy, &err))
            }
        };
        self.idle.push(easy);
        exchange
    }

    /// Runs the transfers: returns the tokens of those finished since the last call.
    pub fn poll(&mut self, done: &mut Vec<(usize, std::result::Result<(), curl::Error>)>) -> Result<()> {
        self.multi.perform().map_err(multi_err)?;
        self.multi.messages(|msg| {
            // CURLOPT_PRIVATE is the transfer's Collector (collector::bind).
            if let (Ok(collector), Some(result)) = (msg.token(), msg.result()) {
                // SAFETY: the transfer is still on the lane, so its Collector is alive.
                done.push((unsafe { (*(collector as *const Collector)).token }, result));
            }
        });
        Ok(())
    }

    /// Waits for network activity (or `extra` becoming readable) at most `max`.
    pub fn wait(&mut self, extra: &mut [WaitFd], max: Duration) -> Result<()> {
        self.multi.wait(extra, max).map_err(multi_err)?;
        Ok(())
    }

    /// Performs one hop on the calling thread.
    pub fn perform(&mut self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> Result<Exchange> {
        // The lane runs only this transfer: its completion is the first message.
        let transfer = self.start_untagged(settings, hop, timeout)?;
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
            self.wait(&mut [], Duration::from_secs(1))?;
        }
    }
}
