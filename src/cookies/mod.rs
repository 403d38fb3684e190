//! The session's cookie jar: cookie_store behind our own policy layer (`policy`), with the
//! bookkeeping cookie_store lacks (creation order, last use for LRU eviction, caps), and
//! jar files (`persist`). Every cookie, from a server, the API or a file, goes through
//! `Jar::admit`.

mod caps;
mod persist;
pub mod policy;

pub use persist::{parse_file, write_atomic, write_file, Format};
pub use policy::{SESSION_COOKIE_HEADER_MAX, SESSION_COOKIES_MAX_PER_RESPONSE};

use crate::error::{Error, Result};
use crate::util::check_no_ctl;
use cookie_store::{Cookie, CookieError, CookieExpiration, CookieStore, RawCookie, StoreAction};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

/// Default cap on cookies per registrable domain (as Firefox).
pub const SESSION_COOKIES_DEFAULT_PER_DOMAIN: usize = 180;
/// Default cap on cookies in the whole jar (as Firefox).
pub const SESSION_COOKIES_DEFAULT_TOTAL: usize = 3000;

/// One cookie with all its attributes: what listing, saving and loading exchange.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CookieRecord {
    pub name: String,
    pub value: String,
    /// Without a leading dot; `host_only` tells whether subdomains get it too.
    pub domain: String,
    pub path: String,
    /// Unix seconds; None for a session cookie.
    #[serde(default)]
    pub expires: Option<i64>,
    #[serde(default)]
    pub secure: bool,
    #[serde(default)]
    pub http_only: bool,
    #[serde(default)]
    pub host_only: bool,
    /// Creation time in Unix microseconds (orders the Cookie header); 0 when unknown.
    #[serde(default)]
    pub created: u64,
}

/// cookie_store's identity of a cookie: (domain, path, name).
type Key = (String, String, String);

fn key_of(cookie: &Cookie<'_>) -> Key {
    (String::from(&cookie.domain), String::from(&cookie.path), cookie.name().to_owned())
}

struct Meta {
    /// Unix microseconds, unique within the jar.
    created: u64,
    /// Tick of the last time it was stored or sent.
    used: u64,
    /// Registrable domain the per-domain cap counts under.
    group: String,
}

pub struct Jar {
    store: CookieStore,
    meta: HashMap<Key, Meta>,
    tick: u64,
    last_created: u64,
    per_domain: usize,
    total: usize,
}

impl Default for Jar {
    fn default() -> Jar {
        Jar {
            store: CookieStore::default(),
            meta: HashMap::new(),
            tick: 0,
            last_created: 0,
            per_domain: SESSION_COOKIES_DEFAULT_PER_DOMAIN,
            total: SESSION_COOKIES_DEFAULT_TOTAL,
        }
    }
}

fn now_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// "http://host/" (or https), the origin a cookie from the API or a file is treated as coming from.
fn origin_for(domain: &str, secure: bool) -> Result<Url> {
    let host = match domain.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => format!("[{v6}]"),
        Err(_) => domain.to_owned(),
    };
    let scheme = if secure { "https" } else { "http" };
    Url::parse(&format!("{scheme}://{host}/"))
        .ok()
        .filter(|u| u.host_str().is_some_and(|h| !h.is_empty()))
        .ok_or_else(|| Error::invalid(format!("cookie domain {domain:?} is not a host name")))
}

impl Jar {
    /// Stores the Set-Cookie header values received from `url`: the first
    /// SESSION_COOKIES_MAX_PER_RESPONSE of them; refused cookies are ignored.
    pub fn store_response<'a>(&mut self, url: &Url, set_cookies: impl Iterator<Item = &'a [u8]>) {
        for line in set_cookies.take(SESSION_COOKIES_MAX_PER_RESPONSE) {
            let _ = self.store_line(url, line);
        }
    }

    /// Stores one Set-Cookie header value received from `url`.
    pub fn store_line(&mut self, url: &Url, line: &[u8]) -> Result<()> {
        if line.iter().copied().any(policy::is_ctl) {
            return Err(Error::invalid("cookie refused: control character in Set-Cookie"));
        }
        let text = std::str::from_utf8(line).map_err(|_| Error::invalid("cookie refused: Set-Cookie is not UTF-8"))?;
        let raw = RawCookie::parse(text).map_err(|e| Error::invalid(format!("cookie refused: {e}")))?;
        self.admit(&raw, url, None)
    }

    /// The policy, then cookie_store, then the caps. `created` carries a loaded cookie's time.
    fn admit(&mut self, raw: &RawCookie<'_>, origin: &Url, created: Option<u64>) -> Result<()> {
        let cookie = policy::admit(raw, origin, &self.store)?;
        let key = key_of(&cookie);
        if self.store.get_any(&key.0, &key.1, &key.2).is_some_and(|c| c.is_expired()) {
            self.remove(&key);
        }
        match self.store.insert(cookie, origin) {
            Ok(StoreAction::ExpiredExisting) => {
                self.remove(&key);
                Ok(())
            }
            Ok(_) => {
                self.tick += 1;
                let tick = self.tick;
                if let Some(meta) = self.meta.get_mut(&key) {
                    meta.used = tick; // a replaced cookie keeps its creation time
                } else {
                    let created = self.next_created(created);
                    let group = policy::cap_group(&key.0);
                    self.meta.insert(key.clone(), Meta { created, used: tick, group });
                }
                self.enforce_caps(Some(&key));
                Ok(())
            }
            Err(CookieError::Expired) => Ok(()), // already expired: nothing to store or delete
            Err(e) => Err(Error::invalid(format!("cookie refused: {e}"))),
        }
    }

    /// A creation time unique in the jar: `wanted` (from a file) if free, else now.
    fn next_created(&mut self, wanted: Option<u64>) -> u64 {
        if let Some(t) = wanted.filter(|t| *t > 0 && !self.meta.values().any(|m| m.created == *t)) {
            self.last_created = self.last_created.max(t);
            return t;
        }
        self.last_created = now_micros().max(self.last_created + 1);
        self.last_created
    }

    /// The cookies to send to `url`, longest path first, then earliest created.
    fn matching(&self, url: &Url) -> Vec<(&Cookie<'static>, Key)> {
        let mut found: Vec<_> = self.store.matches(url).into_iter().map(|c| (c, key_of(c))).collect();
        let created = |k: &Key| self.meta.get(k).map_or(0, |m| m.created);
        found.sort_by_key(|(c, k)| (std::cmp::Reverse(c.path.len()), created(k)));
        found
    }

    /// The Cookie header for `url` (None when no cookie matches), at most SESSION_COOKIE_HEADER_MAX
    /// bytes, and the keys of the cookies in it.
    fn header(&self, url: &Url) -> (Option<String>, Vec<Key>) {
        if self.meta.is_empty() {
            // Every stored cookie has its meta entry: an empty jar matches nothing.
            return (None, Vec::new());
        }
        let mut header = String::new();
        let mut sent = Vec::new();
        for (cookie, key) in self.matching(url) {
            let (name, value) = cookie.name_value();
            let extra = name.len() + 1 + value.len() + if header.is_empty() { 0 } else { 2 };
            if header.len() + extra > SESSION_COOKIE_HEADER_MAX {
                continue;
            }
            if !header.is_empty() {
                header.push_str("; ");
            }
            header.push_str(name);
            header.push('=');
            header.push_str(value);
            sent.push(key);
        }
        ((!header.is_empty()).then_some(header), sent)
    }

    /// The Cookie header value to send to `url`, or None; marks those cookies as used.
    /// Whether the jar holds no cookie.
    pub fn is_empty(&self) -> bool {
        self.meta.is_empty()
    }

    pub fn header_for(&mut self, url: &Url) -> Option<String> {
        if self.meta.is_empty() {
            return None; // as `header` would say, without its bookkeeping
        }
        let (header, sent) = self.header(url);
        for key in sent {
            self.tick += 1;
            if let Some(meta) = self.meta.get_mut(&key) {
                meta.used = self.tick;
            }
        }
        header
    }

    /// The Cookie header value that would be sent to `url`, without marking anything used.
    pub fn peek_header(&self, url: &Url) -> Option<String> {
        self.header(url).0
    }

    /// The value of cookie `name` that would be sent to `url`.
    pub fn get(&self, url: &Url, name: &str) -> Option<String> {
        self.matching(url).into_iter().find(|(c, _)| c.name() == name).map(|(c, _)| c.value().to_owned())
    }

    /// Sets a cookie as if received from `domain`: "example.com" makes it host-only,
    /// ".example.com" a domain cookie; `path` None means "/". Same policy as a server's.
    pub fn set(&mut self, name: &str, value: &str, domain: &str, path: Option<&str>) -> Result<()> {
        let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
        if name.is_empty() || !name.bytes().all(token) {
            return Err(Error::invalid(format!("cookie name {name:?} is not a valid token")));
        }
        check_no_ctl(value, "cookie value")?;
        if value.bytes().any(|b| b < 0x20 || b == 0x7f || b == b';' || b == b',' || b == b' ') {
            return Err(Error::invalid("cookie value contains a separator or control character"));
        }
        let record = CookieRecord {
            name: name.to_owned(),
            value: value.to_owned(),
            domain: domain.strip_prefix('.').unwrap_or(domain).to_owned(),
            path: path.unwrap_or("/").to_owned(),
            expires: None,
            secure: false,
            http_only: false,
            host_only: !domain.starts_with('.'),
            created: 0,
        };
        self.add(&record)
    }

    /// Adds a cookie with all its attributes (its `created` is kept when free), as if
    /// received from `https://domain/` when Secure, else `http://domain/`.
    pub fn add(&mut self, record: &CookieRecord) -> Result<()> {
        check_no_ctl(&record.domain, "cookie domain")?;
        check_no_ctl(&record.path, "cookie path")?;
        if !record.path.starts_with('/') || record.path.contains(';') {
            return Err(Error::invalid("cookie path must start with '/' and hold no ';'"));
        }
        // A leading dot is the cookies.txt way to say "subdomains too".
        let host_only = record.host_only && !record.domain.starts_with('.');
        let domain = record.domain.strip_prefix('.').unwrap_or(&record.domain).to_ascii_lowercase();
        if domain.is_empty() || domain.starts_with('.') || domain.contains(';') {
            return Err(Error::invalid(format!("cookie domain {:?} is not a host name", record.domain)));
        }
        if !host_only && policy::is_public_suffix(&domain) {
            return Err(Error::invalid(format!("cookie refused: .{domain} is a public suffix")));
        }
        let origin = origin_for(&domain, record.secure)?;
        let mut raw = RawCookie::new(record.name.clone(), record.value.clone());
        raw.set_path(record.path.clone());
        raw.set_secure(record.secure);
        raw.set_http_only(record.http_only);
        if !host_only {
            raw.set_domain(domain);
        }
        if let Some(t) = record.expires {
            let at = time::OffsetDateTime::from_unix_timestamp(t).map_err(|_| Error::invalid("cookie expiry out of range"))?;
            raw.set_expires(at);
        }
        self.admit(&raw, &origin, Some(record.created))
    }

    /// Removes the cookie (domain with or without a leading dot, path, name); true if it was there.
    pub fn delete(&mut self, domain: &str, path: &str, name: &str) -> bool {
        let key = (domain.strip_prefix('.').unwrap_or(domain).to_ascii_lowercase(), path.to_owned(), name.to_owned());
        let found = self.meta.contains_key(&key);
        self.remove(&key);
        found
    }

    /// Removes the cookies of `domain` and its subdomains; returns how many.
    pub fn clear_domain(&mut self, domain: &str) -> usize {
        let domain = domain.strip_prefix('.').unwrap_or(domain).to_ascii_lowercase();
        let dotted = format!(".{domain}");
        let keys: Vec<Key> = self.meta.keys().filter(|k| k.0 == domain || k.0.ends_with(&dotted)).cloned().collect();
        for key in &keys {
            self.remove(key);
        }
        keys.len()
    }

    pub fn clear(&mut self) {
        self.store.clear();
        self.meta.clear();
    }

    /// Every unexpired cookie with all its attributes, oldest first.
    pub fn snapshot(&self) -> Vec<CookieRecord> {
        let mut all: Vec<CookieRecord> = self
            .store
            .iter_unexpired()
            .map(|c| CookieRecord {
                name: c.name().to_owned(),
                value: c.value().to_owned(),
                domain: String::from(&c.domain),
                path: String::from(&c.path),
                expires: match c.expires {
                    CookieExpiration::AtUtc(at) => Some(at.unix_timestamp()),
                    CookieExpiration::SessionEnd => None,
                },
                secure: c.secure() == Some(true),
                http_only: c.http_only() == Some(true),
                host_only: matches!(c.domain, cookie_store::CookieDomain::HostOnly(_)),
                created: self.meta.get(&key_of(c)).map_or(0, |m| m.created),
            })
            .collect();
        all.sort_by_key(|r| r.created);
        all
    }

    /// Adds loaded cookies; those the policy refuses (or already expired) are skipped.
    /// Returns how many were added.
    pub fn merge(&mut self, records: &[CookieRecord]) -> usize {
        records.iter().filter(|r| self.add(r).is_ok()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn lines<'a>(jar: &mut Jar, url: &str, lines: &'a [&'a [u8]]) {
        jar.store_response(&u(url), lines.iter().copied());
    }

    #[test]
    fn host_only_and_domain_cookies() {
        let mut jar = Jar::default();
        jar.set("h", "1", "example.org", None).unwrap();
        jar.set("d", "2", ".example.org", None).unwrap();
        assert_eq!(jar.header_for(&u("http://example.org/")).as_deref(), Some("h=1; d=2"));
        assert_eq!(jar.get(&u("http://sub.example.org/"), "h"), None);
        assert_eq!(jar.get(&u("http://sub.example.org/"), "d").as_deref(), Some("2"));
        assert_eq!(jar.header_for(&u("http://other.org/")), None);
        assert!(jar.set("x", "1", ".co.uk", None).is_err());
    }

    #[test]
    fn order_is_path_then_creation() {
        let mut jar = Jar::default();
        let url = "http://h.test/a/b";
        lines(&mut jar, url, &[b"b=1; Path=/", b"a=1; Path=/", b"long=2; Path=/a", b"bad\xff=1"]);
        lines(&mut jar, url, &[b"b=2; Path=/"]);
        assert_eq!(jar.peek_header(&u(url)).as_deref(), Some("long=2; b=2; a=1"));
        jar.clear();
        assert_eq!(jar.header_for(&u(url)), None);
    }

    #[test]
    fn caps_evict_least_recently_used() {
        let mut jar = Jar::default();
        jar.set_limits(2, 3);
        jar.set("one", "1", "a.example.org", Some("/one")).unwrap();
        jar.set("two", "2", "b.example.org", Some("/two")).unwrap();
        jar.header_for(&u("http://a.example.org/one"));
        jar.set("three", "3", "example.org", None).unwrap();
        let names: Vec<String> = jar.snapshot().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["one", "three"]);
        jar.set("x", "1", "other.test", None).unwrap();
        jar.set("y", "1", "other.test", None).unwrap();
        let names: Vec<String> = jar.snapshot().into_iter().map(|r| r.name).collect();
        assert_eq!(names, ["three", "x", "y"]);
    }

    #[test]
    fn set_refuses_bad_input() {
        let mut jar = Jar::default();
        assert!(jar.set("a;b", "1", "h.test", None).is_err());
        assert!(jar.set("a", "1\r\n", "h.test", None).is_err());
        assert!(jar.set("a", "1", "h.test", Some("nope")).is_err());
        assert!(jar.set("a", "1", "", None).is_err());
        assert!(jar.set("__Host-a", "1", "h.test", None).is_err());
    }

    #[test]
    fn header_is_capped() {
        let mut jar = Jar::default();
        let big = "v".repeat(3000);
        for name in ["a", "b", "c"] {
            jar.set(name, &big, "h.test", None).unwrap();
        }
        let header = jar.peek_header(&u("http://h.test/")).unwrap();
        assert!(header.len() <= SESSION_COOKIE_HEADER_MAX && header.starts_with("a=") && header.contains("; b="));
        assert!(!header.contains("c="));
    }
}
