//! Sending a request: merge, then one hop after another, with the jar and the redirect
//! policy applied on every hop (requests' Session.send and resolve_redirects).
//!
//! `Flow` is the per-request state machine: `begin_hop` readies the next hop, an
//! `Exchanger` runs it (on the caller's thread, or inside a batch), `end_hop` decides what
//! comes next. The blocking `send` is the simplest driver of it. Nothing here knows which
//! exchanger answers.

pub mod events;
mod hooks;
pub(crate) mod strict;
#[cfg(test)]
mod tests;

use crate::error::{Code, Error, Result};
use crate::exchange::{Exchanger, Hop};
use crate::prepare::{prepare_to, Prepared};
use crate::received::Received;
use crate::redirect::{next_hop, resolve_location};
use crate::request::Request;
use crate::response::{Response, ResponseUrl, Sent};
use crate::session::Session;
use crate::settings::Settings;
use crate::wire::Stack;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn send(session: &Session, request: &Request) -> Response {
    send_to(session, request, &request.url)
}

/// `send` with the URL given apart from the request; the caller has refused CR, LF and NUL
/// in it (as `Request::new` does). Each hop runs on a lane of the session's pool, under the
/// session's layers (`wire::Stack`).
pub fn send_to(session: &Session, request: &Request, url: &str) -> Response {
    // The flow is used where it was returned (a move out of the Result copied all of it).
    let mut started = Flow::start_to(session, request, url);
    match &mut started {
        Ok(flow) => drive(session, flow, || Ok(Stack::new(session.pool.checkout()?, &session.wire))),
        Err(response) => std::mem::take(&mut **response),
    }
}

/// Runs `flow` to its response on the calling thread, each hop through an exchanger that
/// `wire` gives for that hop (and that is given back before a retry's wait).
pub fn drive<E: Exchanger>(session: &Session, flow: &mut Flow, mut wire: impl FnMut() -> Result<E>) -> Response {
    loop {
        if let Some(at) = flow.not_before.take() {
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
        }
        let result = flow.begin_hop(session).and_then(|timeout| wire()?.exchange(flow.hop(timeout)));
        if let Some(response) = flow.end_hop(session, result) {
            return response;
        }
    }
}

/// One request on its way through redirects.
pub struct Flow {
    /// The settings snapshot the request started with.
    pub settings: Arc<Settings>,
    /// The hop to perform next.
    pub hop: Prepared,
    /// Set by `end_hop` when the next hop must wait (a retry's backoff): drivers don't start
    /// the hop before this instant.
    pub not_before: Option<Instant>,
    allow_redirects: bool,
    deadline: Option<Instant>,
    /// A Cookie header set by the caller is used on the first hop instead of the jar's.
    own_cookie: bool,
    history: Vec<Response>,
    retry: crate::retry::Attempts,
    /// The settings with verification forced on, made the first time a hop goes to a
    /// known HSTS host while the session's verify is off (client/strict.rs).
    strict: Option<Arc<Settings>>,
    /// `strict`, for the current hop only.
    strict_hop: Option<Arc<Settings>>,
}

impl Flow {
    /// Merges the request with the session's defaults; a request that can't be sent comes
    /// back as its failed response.
    pub fn start(session: &Session, request: &Request) -> std::result::Result<Flow, Box<Response>> {
        Flow::start_to(session, request, &request.url)
    }

    /// `start` with the URL given apart from the request.
    fn start_to(session: &Session, request: &Request, url: &str) -> std::result::Result<Flow, Box<Response>> {
        Flow::start_with(session.settings(), request, url, Instant::now())
    }

    /// `start` for a request of a batch: the batch's settings snapshot, and its total
    /// timeout counted from `called` (when the batch was sent), whenever the flow starts.
    pub fn start_in_batch(settings: Arc<Settings>, request: &Request, called: Instant) -> std::result::Result<Flow, Box<Response>> {
        Flow::start_with(settings, request, &request.url, called)
    }

    fn start_with(settings: Arc<Settings>, request: &Request, url: &str, called: Instant) -> std::result::Result<Flow, Box<Response>> {
        // (Plain matches rather than and_then/map_err/?: each of those moved the Prepared.)
        let prepared = match crate::reentry::check(settings.transfer.session_id) {
            Ok(()) => prepare_to(&settings, request, url),
            Err(err) => Err(err),
        };
        let hop = match prepared {
            Ok(hop) => hop,
            Err(err) => return Err(Box::new(Response::failed(err, url))),
        };
        let total = request.timeout.unwrap_or(settings.total_timeout);
        Ok(Flow {
            own_cookie: hop.headers.contains("Cookie"),
            hop,
            not_before: None,
            allow_redirects: request.allow_redirects,
            deadline: total.map(|t| called + t),
            history: Vec::new(),
            retry: crate::retry::Attempts::new(&settings.retry, request.net.retries),
            strict: None,
            strict_hop: None,
            settings,
        })
    }

    /// Readies `self.hop` (HSTS, then the jar's cookies) and gives the time left for it.
    pub fn begin_hop(&mut self, session: &Session) -> Result<Option<Duration>> {
        self.strict_hop = None;
        if self.settings.hsts && session.hsts_in_use() {
            self.apply_hsts(session);
        }
        self.check_https_only()?;
        if !self.own_cookie {
            let mut cookies = if session.jar_in_use() { session.jar().header_for(&self.hop.url) } else { None };
            if let Some(own) = &self.hop.cookies {
                cookies = Some(with_own_cookies(cookies.as_deref(), own));
            }
            match cookies {
                Some(cookies) => self.hop.headers.set("Cookie", Some(&cookies)),
                None => self.hop.headers.forget("Cookie"),
            }
        }
        self.own_cookie = false;
        remaining(self.deadline)
    }

    /// The hop to exchange next, with `timeout` (from `begin_hop`) left for it.
    pub fn hop(&self, timeout: Option<Duration>) -> Hop<'_> {
        let settings = self.strict_hop.as_deref().unwrap_or(&self.settings);
        Hop { settings, prepared: &self.hop, timeout, redirect: self.history.len(), attempt: self.retry.done(), observe: false, keep_encoded: false }
    }

    /// Takes the outcome of the hop: the final response, or None when `self.hop` now holds
    /// the next hop to perform.
    pub fn end_hop(&mut self, session: &Session, mut result: Result<Received>) -> Option<Response> {
        // A retry runs the same hop again (same method, URL and body) once not_before passes.
        self.not_before = self.retry.next(&self.settings.retry, self.hop.method.as_str(), &result, self.deadline);
        if self.not_before.is_some() {
            return None;
        }
        if self.hop.url.scheme() == "https" {
            self.observe_hsts(session, &mut result);
        }
        // The exchange is read in place and its buffers taken from it (a move out of the
        // Result copied all of it).
        let exchange = match &mut result {
            Ok(exchange) => exchange,
            Err(err) => {
                let history = std::mem::take(&mut self.history);
                let sent = take_sent(&mut self.hop);
                return Some(Response { history, sent, ..Response::failed(err.clone(), self.hop.url.as_str()) });
            }
        };
        // The jar is locked only for a response that sets cookies.
        if exchange.header_values("Set-Cookie").next().is_some() {
            session.jar().store_response(&self.hop.url, exchange.header_values("Set-Cookie"));
        }

        let location = match self.allow_redirects {
            true => exchange.redirect_location(),
            false => None,
        };
        let Some(location) = location.map(<[u8]>::to_vec) else {
            return Some(self.finish(exchange, None));
        };
        let max = self.settings.max_redirects;
        if self.history.len() >= max as usize {
            let err = Error::new(Code::SESSION_E_TOO_MANY_REDIRECTS, format!("exceeded {max} redirects"));
            return Some(self.finish(exchange, Some(err)));
        }
        let mut next_url = match resolve_location(&self.hop.url, &location) {
            Ok(url) => url,
            Err(err) => return Some(self.finish(exchange, Some(err))),
        };
        // Upgraded before the redirect policy chooses what credentials go along.
        strict::upgrade(session, &self.settings, &mut next_url);
        let next = next_hop(&self.hop, exchange.status, next_url, &self.settings.sensitive_headers);
        let mut done = std::mem::replace(&mut self.hop, next);
        self.history.push(into_response(exchange, &mut done, Vec::new(), None));
        None
    }

    /// The response for the current hop, carrying the history so far.
    fn finish(&mut self, exchange: &mut Received, error: Option<Error>) -> Response {
        let history = std::mem::take(&mut self.history);
        let response = into_response(exchange, &mut self.hop, history, error);
        if self.hop.transfer.response_hook.is_none() && self.settings.transfer.response_hook.is_none() {
            return response; // no hook: spare moving the response through on_response
        }
        hooks::on_response(&self.settings, &self.hop.transfer, response)
    }
}

/// The hop's URL for its response: the shared C string when it still matches (no params
/// added, no redirect), else a copy.
fn response_url(hop: &Prepared) -> ResponseUrl {
    match &hop.url_c {
        Some(shared) if shared.to_bytes() == hop.url.as_str().as_bytes() => ResponseUrl::Shared(shared.clone()),
        _ => ResponseUrl::Owned(crate::response::c_ready(hop.url.as_str())),
    }
}

/// The time left before the deadline, or a timeout error once it has passed.
fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(Error::new(Code::SESSION_E_TIMEOUT, "total timeout passed before the next redirect")),
        },
    }
}

/// The jar's Cookie header with the request's own cookies replacing or joining its pairs.
fn with_own_cookies(jar: Option<&str>, own: &[(String, String)]) -> String {
    let mine = |pair: &str| own.iter().any(|(n, _)| pair.split('=').next() == Some(n.as_str()));
    let kept = jar.into_iter().flat_map(|h| h.split("; ")).filter(|pair| !mine(pair)).map(str::to_owned);
    kept.chain(own.iter().map(|(n, v)| format!("{n}={v}"))).collect::<Vec<_>>().join("; ")
}

/// What `hop` sent, its body moved out (the hop is done).
fn take_sent(hop: &mut Prepared) -> Sent {
    let body = hop.body.take().and_then(|body| body.upload.is_none().then_some(body.data));
    Sent { method: hop.method.clone().into_text(), headers: hop.headers.clone(), body }
}

/// The response of `hop` (which is done), taking the received buffers out of `exchange`.
fn into_response(exchange: &mut Received, hop: &mut Prepared, history: Vec<Response>, error: Option<Error>) -> Response {
    use std::mem::take;
    Response {
        sent: take_sent(hop),
        error,
        status: exchange.status,
        reason: take(&mut exchange.reason),
        url: response_url(hop),
        headers: take(&mut exchange.headers),
        body: take(&mut exchange.body),
        elapsed: exchange.elapsed,
        http_version: exchange.http_version,
        history,
        timings: exchange.timings,
    }
}

