//! RFC 9111's rules as functions of a stored entry and the request: storability (3),
//! freshness (4.2), age (4.2.3) and what a stored response may be used for.

use super::control::Directives;
use super::entry::{Entry, Facts};

/// Statuses cacheable by default (RFC 9110 15.1), so heuristic freshness applies.
pub fn heuristically_cacheable(status: u16) -> bool {
    matches!(status, 200 | 203 | 204 | 206 | 300 | 301 | 308 | 404 | 405 | 410 | 414 | 501)
}

/// Statuses this cache understands (for must-understand, RFC 9111 5.2.2.3).
fn understood(status: u16) -> bool {
    matches!(status, 200..=208 | 226 | 300..=308 | 400..=431 | 451 | 500..=511)
}

/// Whether a response may be stored (RFC 9111 3, 3.5), given the request's directives and
/// whether the request carried credentials.
pub fn storable(status: u16, request: &Directives, facts: &Facts, authorized: bool) -> bool {
    let d = &facts.directives;
    if status < 200 || status == 206 || status == 304 {
        return false;
    }
    let no_store = if d.must_understand { !understood(status) } else { d.no_store };
    if no_store || request.no_store || facts.vary.is_none() {
        return false;
    }
    if authorized && !(d.public || d.must_revalidate || d.s_maxage) {
        return false;
    }
    d.max_age.is_some() || facts.expires.is_some() || d.public || d.private || heuristically_cacheable(status)
}

/// The heuristic lifetime of a permanent redirect (301, 308) with no Last-Modified.
const PERMANENT_REDIRECT: f64 = 86_400.0;

/// The freshness lifetime in seconds (RFC 9111 4.2.1, 4.2.2): max-age, else Expires minus
/// Date, else 10% of the time since Last-Modified for a status cacheable by default (a day
/// for a permanent redirect without Last-Modified).
pub fn lifetime(entry: &Entry) -> f64 {
    let f = &entry.facts;
    if let Some(max_age) = f.directives.max_age {
        return max_age as f64;
    }
    let date = f.date.map_or(entry.response_time, |d| d as f64);
    if let Some(expires) = f.expires {
        return expires.map_or(0.0, |e| (e as f64 - date).max(0.0));
    }
    match f.last_modified {
        Some(modified) if heuristically_cacheable(entry.status) || f.directives.public => ((date - modified as f64) / 10.0).max(0.0),
        None if matches!(entry.status, 301 | 308) => PERMANENT_REDIRECT,
        _ => 0.0,
    }
}

/// The entry's current age in seconds at `now` (RFC 9111 4.2.3).
pub fn age(entry: &Entry, now: f64) -> f64 {
    let f = &entry.facts;
    let date = f.date.map_or(entry.response_time, |d| d as f64);
    let apparent = (entry.response_time - date).max(0.0);
    let delay = (entry.response_time - entry.request_time).max(0.0);
    let corrected = f.age as f64 + delay;
    apparent.max(corrected) + (now - entry.response_time).max(0.0)
}

/// How a stored response may answer a request now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Fresh enough for the request: a hit.
    Fresh,
    /// Stale, but the request accepts it (max-stale): served stale.
    Stale,
    /// Stale within stale-while-revalidate: served stale, revalidated behind.
    StaleRevalidate,
    /// Must be validated first (stale, or no-cache).
    Validate,
}

/// How `entry` may answer a request with directives `request` at `now`; `revalidate` when
/// the request's mode asks to revalidate every time.
pub fn usable(entry: &Entry, request: &Directives, revalidate: bool, now: f64) -> Use {
    let d = &entry.facts.directives;
    if d.no_cache || request.no_cache || revalidate {
        return Use::Validate;
    }
    let (lifetime, age) = (lifetime(entry), age(entry, now));
    let fresh = lifetime > age;
    let young = request.max_age.is_none_or(|max| age <= max as f64);
    let lasting = request.min_fresh.is_none_or(|min| lifetime - age >= min as f64);
    if fresh && young && lasting {
        return Use::Fresh;
    }
    if fresh || d.must_revalidate {
        return Use::Validate; // fresh but not for this request, or never stale
    }
    let staleness = age - lifetime;
    if let Some(max_stale) = request.max_stale {
        if max_stale.is_none_or(|max| staleness <= max as f64) {
            return Use::Stale;
        }
    }
    match d.stale_while_revalidate {
        Some(window) if staleness <= window as f64 => Use::StaleRevalidate,
        _ => Use::Validate,
    }
}

/// Whether a stale `entry` may answer in place of an error (RFC 5861 4): within the
/// response's or the request's stale-if-error window, and not must-revalidate.
pub fn stale_if_error(entry: &Entry, request: &Directives, now: f64) -> bool {
    let d = &entry.facts.directives;
    if d.must_revalidate || d.no_cache {
        return false;
    }
    let staleness = age(entry, now) - lifetime(entry);
    let window = match (d.stale_if_error, request.stale_if_error) {
        (Some(a), Some(b)) => a.max(b),
        (a, b) => match a.or(b) {
            Some(w) => w,
            None => return false,
        },
    };
    staleness <= window as f64
}

/// Header fields never stored (hop-by-hop ones, RFC 9111 3.1, and cookies, which a hit
/// does not replay into the jar).
pub fn kept(name: &[u8], connection_named: &[String], no_cache_fields: &[String]) -> bool {
    const DROPPED: [&str; 9] = ["connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade", "proxy-authenticate", "set-cookie", "set-cookie2"];
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    !DROPPED.contains(&name.as_str()) && !connection_named.contains(&name) && !no_cache_fields.contains(&name)
}

/// Fields a 304 does not update in the stored response (RFC 9111 3.2).
pub fn kept_on_update(name: &[u8]) -> bool {
    const FIXED: [&str; 3] = ["content-length", "content-encoding", "content-range"];
    !FIXED.iter().any(|f| f.as_bytes().eq_ignore_ascii_case(name))
}
