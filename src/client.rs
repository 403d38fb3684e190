//! Sending a request: merge, then one hop after another, with the jar and the redirect
//! policy applied on every hop (requests' Session.send and resolve_redirects).

use crate::error::{Code, Error};
use crate::prepare::{prepare, Prepared};
use crate::redirect::{is_redirect, next_hop, resolve_location};
use crate::request::Request;
use crate::response::Response;
use crate::session::Session;
use crate::transport::Exchange;
use std::time::{Duration, Instant};

pub fn send(session: &Session, request: &Request) -> Response {
    let settings = session.settings();
    let mut hop = match prepare(&settings, request) {
        Ok(hop) => hop,
        Err(err) => return Response::failed(err, &request.url),
    };
    let total = request.timeout.unwrap_or(settings.total_timeout);
    let deadline = total.map(|t| Instant::now() + t);
    // A Cookie header set by the caller is used on the first hop instead of the jar's.
    let mut own_cookie = hop.headers.contains("Cookie");
    let mut history = Vec::new();
    loop {
        if !own_cookie {
            match session.jar().header_for(&hop.url) {
                Some(cookies) => hop.headers.set("Cookie", Some(&cookies)),
                None => hop.headers.forget("Cookie"),
            }
        }
        own_cookie = false;
        let exchange = match remaining(deadline).and_then(|t| session.pool.perform(&settings, &hop, t)) {
            Ok(exchange) => exchange,
            Err(err) => return Response { history, ..Response::failed(err, hop.url.as_str()) },
        };
        session.jar().store_response(&hop.url, exchange.header_values("Set-Cookie"));

        let location = exchange.header_values("Location").next().map(<[u8]>::to_vec);
        let location = match location {
            Some(location) if request.allow_redirects && is_redirect(exchange.status) => location,
            _ => return into_response(exchange, &hop, history),
        };
        if history.len() >= settings.max_redirects as usize {
            let err = Error::new(
                Code::SESSION_E_TOO_MANY_REDIRECTS,
                format!("exceeded {} redirects", settings.max_redirects),
            );
            return Response { error: Some(err), ..into_response(exchange, &hop, history) };
        }
        let next_url = match resolve_location(&hop.url, &location) {
            Ok(url) => url,
            Err(err) => return Response { error: Some(err), ..into_response(exchange, &hop, history) },
        };
        let next = next_hop(&hop, exchange.status, next_url);
        history.push(into_response(exchange, &hop, Vec::new()));
        hop = next;
    }
}

/// The time left before the deadline, or a timeout error once it has passed.
fn remaining(deadline: Option<Instant>) -> crate::error::Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => Ok(Some(left)),
            _ => Err(Error::new(Code::SESSION_E_TIMEOUT, "total timeout passed before the next redirect")),
        },
    }
}

fn into_response(exchange: Exchange, hop: &Prepared, history: Vec<Response>) -> Response {
    Response {
        error: None,
        status: exchange.status,
        reason: exchange.reason,
        url: hop.url.to_string(),
        headers: exchange.headers,
        body: exchange.body,
        elapsed: exchange.elapsed,
        http_version: exchange.http_version,
        history,
    }
}
