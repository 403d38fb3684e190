//! The real exchanger: HTTP over libcurl. A blocking request drives a lane (a multi handle
//! with its connections) checked out of the session's pool on the calling thread; a thread
//! doing sequential requests gets the same lane, and the same connection, back.
//!
//! `pool` owns the lanes; a `lane` runs transfers, with two helpers: `options` turns a hop
//! into libcurl options, `collector` receives a response (and `outcome` says how a
//! transfer ended). Nothing here knows about redirects, cookies or retries.

mod collector;
mod lane;
mod options;
mod outcome;
mod pool;
pub mod upgrade;

pub use lane::{Lane, Limits};
pub use pool::{fork_epoch, Pool};

/// Feeds `head` (raw response head bytes, split after each LF as libcurl does) to a
/// Collector with a header guard of `max_bytes`, as one transfer would. For fuzzing and
/// tests: the status, the headers kept, and whether the transfer would be aborted.
#[doc(hidden)]
pub fn collect_head(head: &[u8], max_bytes: usize) -> (u32, Vec<(std::ffi::CString, std::ffi::CString)>, bool) {
    use curl::easy::Handler;
    let mut collector = collector::Collector { head_guard: crate::limits::HeaderGuard::new(max_bytes), ..Default::default() };
    let aborted = !head.split_inclusive(|&b| b == b'\n').all(|line| collector.header(line));
    collector.settle_head();
    let received = &collector.exchange;
    (received.status, received.headers.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect(), aborted)
}
