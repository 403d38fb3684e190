//! HTTP Strict Transport Security (RFC 6797): the table of HTTPS-only hosts a session has
//! learned (or was given), capped with least-recently-used eviction, and the
//! Strict-Transport-Security header parser (`parse`). The client rewrites http URLs of
//! known hosts to https before each hop (docs/state.md).

mod parse;

pub use parse::parse_header;

use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

/// Default cap on hosts in a session's table.
pub const SESSION_HSTS_DEFAULT_MAX: usize = 10_000;

/// One known host, as listed and saved: expiry in Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HstsRecord {
    pub host: String,
    pub include_subdomains: bool,
    pub expires: i64,
}

struct Entry {
    expires: i64,
    include_subdomains: bool,
    used: u64,
}

pub struct Hsts {
    entries: HashMap<String, Entry>,
    /// Last-use tick to host, oldest first: the eviction order.
    order: BTreeMap<u64, String>,
    tick: u64,
    max: usize,
}

impl Default for Hsts {
    fn default() -> Hsts {
        Hsts { entries: HashMap::new(), order: BTreeMap::new(), tick: 0, max: SESSION_HSTS_DEFAULT_MAX }
    }
}

pub fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The host as the table keys it: a DNS name (lowercase, IDNA-mapped, no trailing dot).
/// IP literals and public suffixes are refused.
pub fn normalize_host(host: &str) -> Result<String> {
    let parsed = url::Host::parse(host).map_err(|e| Error::invalid(format!("HSTS host {host:?}: {e}")))?;
    let url::Host::Domain(name) = parsed else {
        return Err(Error::invalid(format!("HSTS host {host:?} is an IP literal (RFC 6797 8.1.1)")));
    };
    let name = name.strip_suffix('.').unwrap_or(&name).to_owned();
    if name.is_empty() || name.contains(['/', ':', '@', ' ']) {
        return Err(Error::invalid(format!("HSTS host {host:?} is not a host name")));
    }
    if crate::cookies::policy::is_public_suffix(&name) {
        return Err(Error::invalid(format!("HSTS host {host:?} is a public suffix")));
    }
    Ok(name)
}

/// The DNS name of `url`'s host, or None for IP literals.
fn domain_of(url: &Url) -> Option<&str> {
    match url.host() {
        Some(url::Host::Domain(d)) => Some(d.strip_suffix('.').unwrap_or(d)),
        _ => None,
    }
}

impl Hsts {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn set_max(&mut self, max: usize) {
        self.max = max.max(1);
        self.evict();
    }

    /// Adds or replaces `host` (already normalized) until `expires`; an expiry in the past
    /// removes it (max-age=0).
    pub fn insert(&mut self, host: &str, expires: i64, include_subdomains: bool) {
        if expires <= now_secs() {
            self.remove(host);
            return;
        }
        self.tick += 1;
        let used = self.tick;
        if let Some(old) = self.entries.insert(host.to_owned(), Entry { expires, include_subdomains, used }) {
            self.order.remove(&old.used);
        }
        self.order.insert(used, host.to_owned());
        self.evict();
    }

    pub fn remove(&mut self, host: &str) {
        if let Some(old) = self.entries.remove(host) {
            self.order.remove(&old.used);
        }
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.order.clear();
    }

    fn evict(&mut self) {
        while self.entries.len() > self.max {
            let Some((_, host)) = self.order.pop_first() else { break };
            self.entries.remove(&host);
        }
    }

    /// Marks `host`'s entry used (LRU).
    fn touch(&mut self, host: &str) {
        self.tick += 1;
        let tick = self.tick;
        if let Some(entry) = self.entries.get_mut(host) {
            self.order.remove(&entry.used);
            entry.used = tick;
            self.order.insert(tick, host.to_owned());
        }
    }

    /// Whether `host` (normalized) is HTTPS-only now: its own entry, or a parent domain's
    /// with includeSubDomains. Expired entries found on the way are dropped.
    pub fn lookup(&mut self, host: &str) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let now = now_secs();
        let mut candidate = host;
        let mut own = true;
        loop {
            if let Some(entry) = self.entries.get(candidate) {
                if entry.expires <= now {
                    let gone = candidate.to_owned();
                    self.remove(&gone);
                } else if own || entry.include_subdomains {
                    let hit = candidate.to_owned();
                    self.touch(&hit);
                    return true;
                }
            }
            own = false;
            match candidate.split_once('.') {
                Some((_, parent)) if !parent.is_empty() => candidate = parent,
                _ => return false,
            }
        }
    }

    /// Whether the host of `url` is known (false for IP literals).
    pub fn covers(&mut self, url: &Url) -> bool {
        domain_of(url).is_some_and(|host| self.lookup(host))
    }

    /// Rewrites an http `url` of a known host to https (port 80 becomes 443, any other
    /// explicit port is kept: RFC 6797 8.3); true when it did.
    pub fn upgrade(&mut self, url: &mut Url) -> bool {
        if url.scheme() != "http" || !self.covers(url) {
            return false;
        }
        // The url crate keeps an explicit port and leaves the default one (80) implicit,
        // which then means 443.
        url.set_scheme("https").is_ok()
    }

    /// Takes the Strict-Transport-Security value received from `url` (the caller checked
    /// that it came over https with a verified certificate). Invalid values, IP literals
    /// and public suffixes are ignored.
    pub fn observe(&mut self, url: &Url, value: &[u8]) {
        let Some(host) = domain_of(url) else { return };
        let Some(directive) = parse_header(value) else { return };
        let Ok(host) = normalize_host(host) else { return };
        let expires = now_secs().saturating_add(directive.max_age.min(i64::MAX as u64) as i64);
        if directive.max_age == 0 {
            self.remove(&host);
        } else {
            self.insert(&host, expires, directive.include_subdomains);
        }
    }

    /// Every unexpired entry, least recently used first.
    pub fn snapshot(&self) -> Vec<HstsRecord> {
        let now = now_secs();
        self.order
            .values()
            .filter_map(|host| {
                let e = self.entries.get(host)?;
                (e.expires > now).then(|| HstsRecord { host: host.clone(), include_subdomains: e.include_subdomains, expires: e.expires })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
