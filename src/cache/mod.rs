//! The session's private HTTP cache (RFC 9111, RFC 5861; docs/cache.md). `wire::Stack`
//! asks `before` about each hop: the cache answers it (a hit), lets it through as it is,
//! or sends it with validators and takes its outcome in `after` (stores it, turns a 304
//! into the stored response, serves stale on an error, invalidates after an unsafe method).

pub mod behind;
pub mod control;
pub mod entry;
mod policy;
mod store;

use crate::error::{Code, Error, Result};
use crate::exchange::Hop;
use crate::prepare::Prepared;
use crate::received::{CacheStatus, HeaderLines, Received, Timings};
use crate::transfer::{CacheMode, Destination};
use control::Directives;
use entry::{Entry, Record};
use policy::Use;
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};
use store::Store;

pub struct Cache {
    store: Store,
    /// URLs being revalidated behind a stale answer (stale-while-revalidate).
    revalidating: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// What the cache does with a hop.
pub enum Plan {
    /// Not the cache's: send it as it is.
    Skip,
    /// Answered from the cache; `behind` is a revalidation to run meanwhile.
    Answer(Result<Received>, Option<Background>),
    /// Send it (`conditional` in its place, when validators were added); its outcome goes
    /// to `after`.
    Send(Pending),
}

/// A hop the cache waits on.
pub struct Pending {
    kind: Kind,
    /// The hop with validators, to send in place of the caller's.
    pub conditional: Option<Prepared>,
    /// The body goes to a callback or file: the transport must keep a copy to store.
    pub observe: bool,
    /// The response may be stored: the transport keeps a decoded body as received too.
    pub keep_encoded: bool,
    request_time: f64,
}

impl Pending {
    /// The URL it is for ("" for an invalidation).
    pub fn key(&self) -> &str {
        match &self.kind {
            Kind::Lookup { key, .. } => key,
            Kind::Invalidate => "",
        }
    }
}

enum Kind {
    /// An unsafe method: invalidate its URI once it succeeds.
    Invalidate,
    /// A GET or HEAD: store what comes back, validate `stored`, or serve it on error.
    Lookup { key: String, request: Directives, stored: Option<Arc<Entry>>, authorized: bool },
}

/// A revalidation run behind a stale answer.
pub struct Background {
    pub pending: Pending,
    pub hop: Prepared,
    pub settings: crate::settings::Settings,
}

/// Where a disk cache in `dir` keeps the record of `key` (fuzzing, tests).
pub fn entry_path(dir: &Path, key: &str) -> std::path::PathBuf {
    store::Disk::path_in(dir, key)
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// The cache key of a URL: without its fragment.
fn key_of(url: &url::Url) -> &str {
    let url = url.as_str();
    url.split_once('#').map_or(url, |(k, _)| k)
}

fn header<'a>(prepared: &'a Prepared, name: &str) -> Option<&'a str> {
    prepared.headers.entry(name).flatten()
}

/// The request's directives (Cache-Control, else Pragma: no-cache, RFC 9111 5.4).
fn request_directives(prepared: &Prepared) -> Directives {
    match header(prepared, "Cache-Control") {
        Some(value) => control::parse([value.as_bytes()]),
        None => Directives { no_cache: header(prepared, "Pragma").is_some_and(|p| p.to_ascii_lowercase().contains("no-cache")), ..Directives::default() },
    }
}

/// The request's values of the fields `names`.
fn vary_values(prepared: &Prepared, names: &[String]) -> Vec<(String, Option<String>)> {
    names.iter().map(|n| (n.clone(), header(prepared, n).map(|v| v.trim().to_owned()))).collect()
}

/// Whether `entry` was stored for a request like this one (method, Vary).
fn matches(entry: &Entry, head: bool, prepared: &Prepared) -> bool {
    let Some(names) = &entry.facts.vary else { return false };
    (entry.head == head || (head && !entry.head))
        && names.len() == entry.vary.len()
        && entry.vary.iter().all(|(name, value)| header(prepared, name).map(str::trim) == value.as_deref())
}

impl Cache {
    /// A cache in memory (`dir` None) or in a directory, bounded by `max_bytes`.
    pub fn open(dir: Option<&Path>, max_bytes: u64) -> Result<Cache> {
        let store = match dir {
            None => Store::Memory(store::Memory::new(max_bytes)),
            Some(dir) => Store::Disk(store::Disk::open(dir, max_bytes)?),
        };
        Ok(Cache { store, revalidating: Default::default() })
    }

    /// What to do with `hop`.
    pub fn before(&self, hop: &Hop<'_>) -> Plan {
        let started = Instant::now();
        let prepared = hop.prepared;
        let mode = prepared.transfer.cache_mode;
        let method = prepared.method.as_str();
        let head = method == "HEAD";
        let request_time = now();
        if method != "GET" && !head {
            return match matches!(method, "OPTIONS" | "TRACE") {
                true => Plan::Skip,
                false => Plan::Send(Pending { kind: Kind::Invalidate, conditional: None, observe: false, keep_encoded: false, request_time }),
            };
        }
        let conditional = ["If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"];
        if mode == CacheMode::NoStore || matches!(prepared.transfer.destination, Destination::Events(_)) || conditional.iter().any(|h| header(prepared, h).is_some()) {
            return Plan::Skip;
        }
        let request = request_directives(prepared);
        let authorized = header(prepared, "Authorization").is_some() || prepared.net.digest.is_some();
        let key = key_of(&prepared.url);
        let record = self.store.get(key);
        let stored = record.as_ref().and_then(|r| {
            let usable = |e: &&Arc<Entry>| matches(e, head, prepared) && (!authorized || allows_authorized(e));
            r.iter().filter(usable).find(|e| e.head == head).or_else(|| r.iter().find(usable)).cloned()
        });
        let observe = !matches!(prepared.transfer.destination, Destination::Memory);
        let pending = |stored: Option<Arc<Entry>>, conditional: Option<Prepared>| {
            Pending { kind: Kind::Lookup { key: key.to_owned(), request: request.clone(), stored, authorized }, conditional, observe, keep_encoded: true, request_time }
        };
        let forced = matches!(mode, CacheMode::ForceCache | CacheMode::OnlyIfCached);
        let Some(entry) = stored else {
            if mode == CacheMode::OnlyIfCached {
                return Plan::Answer(Err(Error::new(Code::SESSION_E_NOT_CACHED, format!("no stored response for {method} {key}"))), None);
            }
            if request.only_if_cached {
                return Plan::Answer(Ok(gateway_timeout()), None);
            }
            return Plan::Send(pending(None, None));
        };
        let usable = policy::usable(&entry, &request, mode == CacheMode::NoCache, request_time);
        let served = |status| serve(&entry, hop, head, status, started);
        match usable {
            Use::Fresh => Plan::Answer(served(CacheStatus::Hit), None),
            _ if forced => Plan::Answer(served(CacheStatus::Stale), None),
            Use::Stale => Plan::Answer(served(CacheStatus::Stale), None),
            _ if request.only_if_cached => Plan::Answer(Ok(gateway_timeout()), None),
            Use::StaleRevalidate => {
                let behind = self.start_revalidation(key).then(|| Background {
                    pending: pending(Some(entry.clone()), None),
                    hop: behind_hop(validated(prepared, &entry).unwrap_or_else(|| prepared.clone())),
                    settings: behind_settings(hop.settings),
                });
                Plan::Answer(served(CacheStatus::Stale), behind)
            }
            Use::Validate => {
                let conditional = validated(prepared, &entry);
                Plan::Send(pending(Some(entry), conditional))
            }
        }
    }

    /// Marks `key` as revalidating behind; false when it already is.
    fn start_revalidation(&self, key: &str) -> bool {
        self.revalidating.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_owned())
    }

    /// The revalidation behind of `key` has finished.
    pub fn end_revalidation(&self, key: &str) {
        self.revalidating.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }

    /// Takes the outcome of a hop sent under `pending`.
    pub fn after(&self, pending: Pending, hop: &Hop<'_>, result: Result<Received>) -> Result<Received> {
        let started = Instant::now();
        let Kind::Lookup { key, request, stored, authorized } = pending.kind else {
            if let Ok(received) = &result {
                self.invalidate(hop.prepared, received);
            }
            return result;
        };
        let head = hop.prepared.method.as_str() == "HEAD";
        let failed = match &result {
            Err(_) => true,
            Ok(r) => matches!(r.status, 500 | 502 | 503 | 504),
        };
        if let Some(entry) = stored.as_ref().filter(|e| failed && policy::stale_if_error(e, &request, now())) {
            return serve(entry, hop, head, CacheStatus::Stale, started);
        }
        let mut received = result?;
        let validated = pending.conditional.is_some() || stored.is_some();
        if received.status == 304 && validated {
            if let Some(entry) = stored.filter(|e| same_validator(e, &received)) {
                let updated = Arc::new(updated(&entry, &received, pending.request_time));
                self.replace(&key, updated.clone());
                let mut served = serve(&updated, hop, head, CacheStatus::Revalidated, started)?;
                served.elapsed = received.elapsed;
                served.timings = Timings { cache: CacheStatus::Revalidated, ..received.timings };
                // The 304's own cookies are live ones.
                for value in received.header_values("Set-Cookie") {
                    served.headers.push(b"Set-Cookie", value);
                }
                return Ok(served);
            }
        }
        received.timings.cache = CacheStatus::Miss;
        self.store_received(&key, hop.prepared, &request, authorized, &mut received, pending.request_time);
        Ok(received)
    }

    /// Stores `received` when RFC 9111 allows it.
    fn store_received(&self, key: &str, prepared: &Prepared, request: &Directives, authorized: bool, received: &mut Received, request_time: f64) {
        // The body as received (still encoded) moves into the entry; the caller never needs it.
        let raw = received.raw.take();
        let Ok(status) = u16::try_from(received.status) else { return };
        let facts = entry::Facts::of(&received.headers);
        if !policy::storable(status, request, &facts, authorized) {
            return;
        }
        let encoded = raw.is_some();
        let body = match (raw, &prepared.transfer.destination, &received.streamed) {
            (Some(raw), _, _) => raw,
            (None, Destination::Memory, _) => received.body.clone(),
            (None, _, Some(copy)) => copy.clone(),
            (None, _, None) if received.body.is_empty() => return, // streamed and not copied
            _ => received.body.clone(),
        };
        let head = prepared.method.as_str() == "HEAD";
        let connection: Vec<String> = received.header_values("Connection").flat_map(|v| String::from_utf8_lossy(v).split(',').map(|n| n.trim().to_ascii_lowercase()).collect::<Vec<_>>()).collect();
        let no_cache_fields = &facts.directives.no_cache_fields;
        let headers: HeaderLines = received.headers.iter().filter(|(n, _)| policy::kept(n.to_bytes(), &connection, no_cache_fields)).map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
        let vary = vary_values(prepared, facts.vary.as_deref().unwrap_or(&[]));
        let (body, encoded) = if head { (Vec::new(), false) } else { (body, encoded) };
        let entry = Entry { encoded, ..Entry::new(head, status, received.reason.clone(), received.http_version, (request_time, now()), vary, headers, body) };
        self.replace(key, Arc::new(entry));
    }

    /// Puts `entry` in its URL's record, in place of the variant it replaces.
    fn replace(&self, key: &str, entry: Arc<Entry>) {
        let mut record: Record = self.store.get(key).map(|r| (*r).clone()).unwrap_or_default();
        record.retain(|e| !(e.head == entry.head && e.vary == entry.vary));
        record.insert(0, entry);
        self.store.put(key, record);
    }

    /// After a successful unsafe method: its URI, Location and Content-Location (same
    /// origin) are stale (RFC 9111 4.4).
    fn invalidate(&self, prepared: &Prepared, received: &Received) {
        if !(200..400).contains(&received.status) {
            return;
        }
        let url = &prepared.url;
        self.store.remove(key_of(url));
        for name in ["Location", "Content-Location"] {
            for value in received.header_values(name) {
                let Ok(target) = url.join(&String::from_utf8_lossy(value)) else { continue };
                if target.origin() == url.origin() {
                    self.store.remove(key_of(&target));
                }
            }
        }
    }
}

/// Whether a stored response to an authorized request may be reused (RFC 9111 3.5).
fn allows_authorized(entry: &Entry) -> bool {
    let d = &entry.facts.directives;
    d.public || d.must_revalidate || d.s_maxage
}

/// A 304 validates the stored response when its strong validator, if any, matches
/// (RFC 9111 4.3.4).
fn same_validator(entry: &Entry, received: &Received) -> bool {
    let etag = received.header_values("ETag").next().map(|v| String::from_utf8_lossy(v).trim().to_owned());
    match (&etag, &entry.facts.etag) {
        (Some(new), Some(old)) => new.trim_start_matches("W/") == old.trim_start_matches("W/"),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

/// The stored response with the 304's fields in place of its own (RFC 9111 3.2, 4.3.4).
fn updated(entry: &Entry, received: &Received, request_time: f64) -> Entry {
    let fresh: Vec<(&[u8], &[u8])> = received
        .headers
        .iter()
        .map(|(n, v)| (n.to_bytes(), v.to_bytes()))
        .filter(|(n, _)| policy::kept(n, &[], &[]) && policy::kept_on_update(n))
        .collect();
    let replaced = |name: &[u8]| fresh.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    let mut headers = HeaderLines::default();
    for (name, value) in entry.headers.iter().filter(|(n, _)| !replaced(n.to_bytes())) {
        headers.push(name.to_bytes(), value.to_bytes());
    }
    for (name, value) in &fresh {
        headers.push(name, value);
    }
    let fresh = Entry::new(entry.head, entry.status, entry.reason.clone(), entry.http_version, (request_time, now()), entry.vary.clone(), headers, entry.body.clone());
    Entry { encoded: entry.encoded, ..fresh }
}

/// The caller's hop with validators for `entry` (RFC 9111 4.3.1); None when it has none.
fn validated(prepared: &Prepared, entry: &Entry) -> Option<Prepared> {
    let facts = &entry.facts;
    if facts.etag.is_none() && facts.last_modified_raw.is_none() {
        return None;
    }
    let mut hop = prepared.clone();
    if let Some(etag) = &facts.etag {
        hop.headers.set("If-None-Match", Some(etag));
    }
    if let Some(modified) = &facts.last_modified_raw {
        hop.headers.set("If-Modified-Since", Some(modified));
    }
    Some(hop)
}

/// A hop run behind the caller's back: no callbacks of the caller's.
fn behind_hop(mut hop: Prepared) -> Prepared {
    hop.transfer = crate::transfer::Transfer { cache_mode: hop.transfer.cache_mode, ..Default::default() };
    hop
}

fn behind_settings(settings: &crate::settings::Settings) -> crate::settings::Settings {
    let mut settings = settings.clone();
    settings.transfer.debug = None;
    settings.transfer.response_hook = None;
    settings
}

/// The 504 of a request's only-if-cached that nothing stored answers (RFC 9111 5.2.1.7).
fn gateway_timeout() -> Received {
    Received { status: 504, reason: b"Gateway Timeout".to_vec(), http_version: "HTTP/1.1", timings: Timings { cache: CacheStatus::Miss, ..Timings::default() }, ..Received::default() }
}

/// The stored response as the answer to `hop`, with its Age (RFC 9111 4, 5.1).
fn serve(entry: &Entry, hop: &Hop<'_>, head: bool, status: CacheStatus, started: Instant) -> Result<Received> {
    let max_body = hop.settings.max_body_size;
    let body = match head {
        true => Vec::new(),
        // Decoded as the transport decodes, within the same limits.
        false if entry.encoded => {
            let codings: Vec<&[u8]> = entry.headers.values("Content-Encoding").collect();
            crate::transfer::decode::decode_all(&codings, &entry.body, max_body, hop.settings.transfer.session_id)?
        }
        false if max_body != 0 && entry.body.len() > max_body => {
            return Err(Error::new(Code::SESSION_E_TOO_LARGE, format!("response body exceeds {max_body} bytes")));
        }
        false => entry.body.clone(),
    };
    let (lines, bytes) = entry.headers.size();
    let mut headers = HeaderLines::default();
    headers.clear_with_room(lines + 1, bytes + 16);
    for (name, value) in entry.headers.iter().filter(|(n, _)| !n.to_bytes().eq_ignore_ascii_case(b"Age")) {
        headers.push(name.to_bytes(), value.to_bytes());
    }
    let age = policy::age(entry, now()).floor() as u64;
    headers.push(b"Age", age.to_string().as_bytes());
    let content_length = entry.headers.values("Content-Length").next().and_then(|v| std::str::from_utf8(v).ok()?.trim().parse().ok());
    let elapsed = started.elapsed().as_secs_f64();
    let received = Received {
        status: entry.status as u32,
        reason: entry.reason.clone(),
        headers,
        body,
        http_version: entry.http_version,
        content_length,
        encoded: entry.headers.values("Content-Encoding").next().is_some(),
        elapsed,
        timings: Timings { total: elapsed, first_byte: elapsed, cache: status, ..Timings::default() },
        ..Received::default()
    };
    crate::replay::deliver(hop, received)
}
