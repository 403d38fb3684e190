//! HTTP exchanges over libcurl. A blocking request drives a lane (a multi handle with its
//! connections) checked out of the session's pool on the calling thread; a thread doing
//! sequential requests gets the same lane, and the same connection, back.
//!
//! `collector` receives a response, `options` turns a prepared hop into libcurl options,
//! `lane` runs transfers, `pool` keeps the lanes.

mod collector;
mod lane;
mod options;
mod pool;
mod received;

pub use collector::Collector;
pub use lane::{Lane, Limits, Transfer, RECEIVE_BUFFER};
pub use options::configure;
pub(crate) use options::{setopt_long, setopt_str};
pub(crate) use options::SYSTEM_CA;
pub use pool::{fork_epoch, forget_forked, LaneGuard, Pool};
pub use received::HeaderLines;
pub(crate) use received::find_byte;

use crate::error::{from_curl, Code, Error};
use curl::easy::Easy2;

/// What one hop received.
#[derive(Debug, Default)]
pub struct Exchange {
    pub status: u32,
    pub reason: Vec<u8>,
    pub headers: HeaderLines,
    pub body: Vec<u8>,
    pub http_version: &'static str,
    /// The response's Content-Length, when it sent a valid one.
    pub content_length: Option<u64>,
    /// The response has a Content-Encoding header.
    pub encoded: bool,
    pub elapsed: f64,
    pub timings: crate::transfer::Timings,
}

impl Exchange {
    /// Values of every header called `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers.values(name)
    }
}

pub(crate) fn classify(h: &Easy2<Collector>, err: &curl::Error) -> Error {
    if let Some(panic) = &h.get_ref().panicked {
        return Error::new(Code::SESSION_E_INTERNAL, panic.clone());
    }
    if let Some(failure) = &h.get_ref().transfer.failure {
        return failure.clone(); // a callback's reason (size limit, cancel, file, decoding)
    }
    if let Some(fault) = h.get_ref().head_guard.fault.clone().filter(|_| err.is_write_error()) {
        return fault;
    }
    if let Some(net_err) = crate::net::classify(h, err) {
        return net_err;
    }
    crate::limits::refine(from_curl(err), err.code())
}

pub(crate) fn finish(h: &mut Easy2<Collector>) -> crate::error::Result<Exchange> {
    if let Some(panic) = h.get_mut().panicked.take() {
        return Err(Error::new(Code::SESSION_E_INTERNAL, panic)); // e.g. in the debug callback
    }
    h.get_mut().settle_head(); // a head always ends before a transfer succeeds; in case
    let mut exchange = std::mem::take(&mut h.get_mut().exchange);
    crate::transfer::complete(h, &mut exchange)?;
    exchange.elapsed = exchange.timings.total; // CURLINFO_TOTAL_TIME, read by `complete`
    if exchange.http_version.is_empty() {
        exchange.http_version = "HTTP/1.1"; // set from the status line (collector)
    }
    Ok(exchange)
}
