//! The exchange seam: one prepared hop in, one received hop (or an error) out.
//!
//! Everything above it (merge, redirects, the cookie jar, retries, hooks, limits) is the
//! per-request logic of `client`, `parallel` and `asynchronous`, which never knows who
//! answers. Everything below it is an `Exchanger`: libcurl's lanes (`transport::Lane`) are
//! the real one; a layer (a cache, a replay file, a recorder, a trace) wraps another
//! `Exchanger` and answers in its place or watches it. Drivers are generic over the
//! `Exchanger`, so a layer costs no allocation and at most one call per hop.
//!
//! Two ways in: `exchange` runs one hop to its end on the calling thread (blocking
//! sends), `start`/`poll` run many at once (batches and the async worker). A layer
//! implements both, so it works for all three.

#[cfg(test)]
pub mod table;

use crate::error::Result;
use crate::prepare::Prepared;
use crate::received::Received;
use crate::settings::Settings;
use std::os::fd::RawFd;
use std::time::Duration;

/// One hop to exchange: what to send (method, URL, headers, body, per-hop network state),
/// the session settings it was prepared under, and the time left for it.
#[derive(Clone, Copy)]
pub struct Hop<'a> {
    pub settings: &'a Settings,
    pub prepared: &'a Prepared,
    /// The request's total timeout left; None for no limit.
    pub timeout: Option<Duration>,
    /// The hop's place in its redirect chain (0 for the request's own URL).
    pub redirect: usize,
    /// The retry attempt (0 for the first try).
    pub attempt: u32,
    /// A layer records this hop: the transport adds the peer's address and connection id
    /// (`Received::peer`).
    pub observe: bool,
    /// The cache stores this hop: the transport also keeps a decoded body as received
    /// (`Received::raw`).
    pub keep_encoded: bool,
}

/// Finished hops: the token each was started with, and its outcome.
pub type Outcomes = Vec<(usize, Result<Received>)>;

/// Something that exchanges hops: the transport, or a layer over another Exchanger.
pub trait Exchanger {
    /// Exchanges one hop on the calling thread, to its end (no other hop is started).
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received>;

    /// Starts a hop beside others; its outcome comes out of `poll` under `token`, which
    /// the caller keeps unique among its started hops.
    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()>;

    /// Moves the started hops on; appends those that finished to `done`. An error means
    /// the exchanger itself failed, with every started hop.
    fn poll(&mut self, done: &mut Outcomes) -> Result<()>;

    /// Sleeps until a started hop may move on, `extra` (a descriptor) becomes readable, or
    /// `max` has passed.
    fn wait(&mut self, extra: Option<RawFd>, max: Duration) -> Result<()>;

    /// Drops a started hop; its outcome never comes.
    fn abandon(&mut self, token: usize);

    /// How many hops a driver should keep started at once, at most `max`.
    fn window(&self, max: usize) -> usize;
}

/// A borrowed exchanger is one (a driver lends its lane to a layer stack).
impl<W: Exchanger + ?Sized> Exchanger for &mut W {
    #[inline]
    fn exchange(&mut self, hop: Hop<'_>) -> Result<Received> {
        (**self).exchange(hop)
    }
    #[inline]
    fn start(&mut self, hop: Hop<'_>, token: usize) -> Result<()> {
        (**self).start(hop, token)
    }
    #[inline]
    fn poll(&mut self, done: &mut Outcomes) -> Result<()> {
        (**self).poll(done)
    }
    fn wait(&mut self, extra: Option<RawFd>, max: Duration) -> Result<()> {
        (**self).wait(extra, max)
    }
    fn abandon(&mut self, token: usize) {
        (**self).abandon(token)
    }
    fn window(&self, max: usize) -> usize {
        (**self).window(max)
    }
}
