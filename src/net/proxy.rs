//! Choosing the proxy of a hop: the session's own entries (requests' proxies dict keys
//! "http", "https", "all", "<scheme>://<host>", "all://<host>"), then, with trust_env, the
//! environment's *_proxy variables; NO_PROXY (or the "no_proxy" entry) exempts hosts.

use crate::error::{Error, Result};
use std::cell::RefCell;
use std::ffi::CStr;
use std::net::IpAddr;
use std::rc::Rc;
use url::{Host, Url};

/// Proxy schemes libcurl is asked to speak.
const SCHEMES: [&str; 6] = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySettings {
    /// (key, proxy URL); an empty URL means "go direct" for that key.
    pub entries: Vec<(String, String)>,
    /// Read HTTP(S)_PROXY, ALL_PROXY, NO_PROXY (either case) for every hop.
    pub trust_env: bool,
}

impl Default for ProxySettings {
    fn default() -> ProxySettings {
        ProxySettings { entries: Vec::new(), trust_env: true }
    }
}

impl ProxySettings {
    /// Sets (Some) or removes (None) the proxy for `key`: "http", "https", "all", a
    /// "<scheme>://<host>" key, or "no_proxy" with a NO_PROXY-style list as the value.
    pub fn set(&mut self, key: &str, proxy: Option<&str>) -> Result<()> {
        let key = key.trim().to_ascii_lowercase();
        let valid_key = match key.split_once("://") {
            Some((scheme, host)) => matches!(scheme, "http" | "https" | "all") && !host.is_empty() && !host.contains('/'),
            None => matches!(key.as_str(), "http" | "https" | "all" | "no_proxy"),
        };
        if !valid_key {
            return Err(Error::invalid(format!("proxy key {key:?} is not http, https, all, <scheme>://<host> or no_proxy")));
        }
        self.entries.retain(|(k, _)| *k != key);
        if let Some(proxy) = proxy {
            crate::util::check_no_ctl(proxy, "proxy URL")?;
            let value = if key == "no_proxy" || proxy.is_empty() { proxy.to_owned() } else { normalize(proxy)? };
            self.entries.push((key, value));
        }
        Ok(())
    }

    fn entry(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The session's own entry for `url`, most specific first: scheme://host, scheme,
    /// all://host, all (requests' select_proxy order).
    fn explicit(&self, url: &Url) -> Option<&str> {
        let (scheme, host) = (url.scheme(), url.host_str().unwrap_or_default());
        let rank = |key: &str| match key.split_once("://") {
            Some((s, h)) if s == scheme && h == host => Some(0),
            Some(("all", h)) if h == host => Some(2),
            None if key == scheme => Some(1),
            None if key == "all" => Some(3),
            _ => None,
        };
        self.entries.iter().filter_map(|(k, v)| Some((rank(k)?, v.as_str()))).min_by_key(|(r, _)| *r).map(|(_, v)| v)
    }

    /// The proxy URL for `url`, or None to connect directly.
    pub fn select(&self, url: &Url) -> Option<String> {
        let explicit = self.explicit(url);
        // Read per hop, as requests reads the environment per request.
        let env = if self.trust_env { EnvProxies::current() } else { Rc::default() };
        let (chosen, explicit) = match explicit {
            Some(explicit) => (explicit.to_owned(), true),
            None => (env.proxy(url.scheme())?.to_owned(), false),
        };
        if chosen.is_empty() {
            return None;
        }
        let no_proxy = self.entry("no_proxy").or(env.get(NO_PROXY));
        if no_proxy.is_some_and(|list| bypass(list, url)) {
            return None;
        }
        // Session entries were normalized when set. Environment values are normalized
        // here; invalid ones go to libcurl as they are and fail there with a proxy error.
        Some(if explicit { chosen } else { normalize(&chosen).unwrap_or(chosen) })
    }
}

/// The variables looked for: proxies (lower case before upper case), then REQUEST_METHOD.
const NAMES: [&[u8]; 9] =
    [b"http_proxy", b"HTTP_PROXY", b"https_proxy", b"HTTPS_PROXY", b"all_proxy", b"ALL_PROXY", b"no_proxy", b"NO_PROXY", b"REQUEST_METHOD"];
/// The first bytes of NAMES.
const WANTED_FIRST: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < NAMES.len() {
        table[NAMES[i][0] as usize] = true;
        i += 1;
    }
    table
};
const HTTP_PROXY: usize = 0;
const HTTPS_PROXY: usize = 2;
const ALL_PROXY: usize = 4;
const NO_PROXY: usize = 6;
const REQUEST_METHOD: usize = 8;

/// The environment's proxy variables (indexed as NAMES; blank values count as unset), and
/// whether REQUEST_METHOD is set (CGI).
#[derive(Default)]
struct EnvProxies {
    values: [Option<String>; 8],
    cgi: bool,
}

extern "C" {
    static environ: *const *const std::ffi::c_char;
}

/// Environment entries a scan took values from: each entry's address and whole text.
type Sources = Vec<(*const u8, Box<[u8]>)>;

/// The last scan of the environment on this thread, with what it was made from.
struct LastScan {
    /// `environ_fingerprint` when it was made.
    fingerprint: u64,
    /// The whole text of every entry it took a value from, by address.
    sources: Sources,
    env: Rc<EnvProxies>,
}

thread_local! {
    static LAST_SCAN: RefCell<Option<LastScan>> = const { RefCell::new(None) };
}

/// A fingerprint of the environment's entry addresses, in order. setenv, unsetenv and
/// putenv all change the addresses (glibc never rewrites an entry's text in place), so an
/// unchanged fingerprint means the same entries; values are still re-read (`unchanged`) in
/// case a putenv buffer was rewritten in place.
fn environ_fingerprint() -> u64 {
    let mut hash: u64 = 0x9e37_79b9_7f4a_7c15;
    // SAFETY: `environ` is a NULL-terminated array of pointers (see EnvProxies::scan).
    unsafe {
        let mut entry = environ;
        hash ^= entry as u64;
        while !entry.is_null() && !(*entry).is_null() {
            hash = (hash.rotate_left(23) ^ (*entry as u64)).wrapping_mul(0x100_0000_01b3);
            entry = entry.add(1);
        }
    }
    hash
}

impl LastScan {
    fn unchanged(&self) -> bool {
        // SAFETY: with the fingerprint unchanged, every source is still an entry of environ.
        self.sources.iter().all(|(at, text)| unsafe { CStr::from_ptr(at.cast()) }.to_bytes() == &text[..])
    }
}

impl EnvProxies {
    /// The environment's proxy variables now: a scan, or the last one on this thread when
    /// the environment has not changed since.
    fn current() -> Rc<EnvProxies> {
        let fingerprint = environ_fingerprint();
        LAST_SCAN.with(|last| {
            let mut last = last.borrow_mut();
            if let Some(scan) = last.as_ref().filter(|scan| scan.fingerprint == fingerprint && scan.unchanged()) {
                return scan.env.clone();
            }
            let (env, sources) = EnvProxies::scan();
            let env = Rc::new(env);
            *last = Some(LastScan { fingerprint, sources, env: env.clone() });
            env
        })
    }

    /// Finds every proxy variable in one pass over the environment (a getenv per name
    /// scans it each time), with the entries the values came from. Like getenv, it reads
    /// `environ` without std's lock: changing the environment while another thread reads it
    /// is outside std::env::set_var's contract anyway (libcurl and libc read it without any
    /// lock).
    fn scan() -> (EnvProxies, Sources) {
        let mut env = EnvProxies::default();
        let mut sources = Vec::new();
        // SAFETY: `environ` is a NULL-terminated array of NUL-terminated strings; a name is
        // compared byte by byte, stopping at the first difference (at the latest the NUL).
        unsafe {
            let mut entry = environ;
            while !entry.is_null() && !(*entry).is_null() {
                let text = *entry as *const u8;
                entry = entry.add(1);
                // Most variables start with a byte no wanted name starts with.
                if !WANTED_FIRST[usize::from(*text)] {
                    continue;
                }
                let candidates: &[usize] = match *text {
                    b'h' => &[0, 2],
                    b'H' => &[1, 3],
                    b'a' => &[4],
                    b'A' => &[5],
                    b'n' => &[6],
                    b'N' => &[7],
                    _ => &[8],
                };
                for &i in candidates {
                    let name = NAMES[i];
                    if name.iter().enumerate().all(|(k, &b)| *text.add(k) == b) && *text.add(name.len()) == b'=' {
                        let whole = CStr::from_ptr(text.cast()).to_bytes();
                        env.found(i, &whole[name.len() + 1..]);
                        sources.push((text, whole.into()));
                        break;
                    }
                }
            }
        }
        (env, sources)
    }

    fn found(&mut self, i: usize, value: &[u8]) {
        if i == REQUEST_METHOD {
            self.cgi = true;
        } else if self.values[i].is_none() {
            // The first occurrence counts, as for getenv; not UTF-8 counts as unset.
            self.values[i] = Some(std::str::from_utf8(value).unwrap_or_default().to_owned());
        }
    }

    /// The variable at `lower` (or its upper-case twin) with a non-blank value.
    fn get(&self, lower: usize) -> Option<&str> {
        let set = |i: usize| self.values[i].as_deref().filter(|v| !v.trim().is_empty());
        set(lower).or_else(|| set(lower + 1))
    }

    /// The proxy for `scheme`, else all_proxy. Under CGI (REQUEST_METHOD set) HTTP_PROXY may
    /// come from a request header ("httpoxy"), so only lower-case http_proxy counts there.
    fn proxy(&self, scheme: &str) -> Option<&str> {
        let own = match scheme {
            "http" if self.cgi => self.values[HTTP_PROXY].as_deref().filter(|v| !v.trim().is_empty()),
            "http" => self.get(HTTP_PROXY),
            "https" => self.get(HTTPS_PROXY),
            _ => None,
        };
        own.or_else(|| self.get(ALL_PROXY))
    }
}

/// A proxy URL with a scheme ("http://" is assumed without one, as requests does), checked.
pub fn normalize(proxy: &str) -> Result<String> {
    let proxy = proxy.trim();
    let full = if proxy.contains("://") { proxy.to_owned() } else { format!("http://{proxy}") };
    let url = Url::parse(&full).map_err(|e| Error::invalid(format!("proxy URL {proxy:?}: {e}")))?;
    if !SCHEMES.contains(&url.scheme()) {
        return Err(Error::invalid(format!("proxy scheme {:?} is not one of {SCHEMES:?}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid(format!("proxy URL {proxy:?} has no host")));
    }
    Ok(full)
}

/// Whether `url` is exempt under a NO_PROXY list: "*", host names matching the host or a
/// parent domain (".example.com" and "example.com" both match "a.example.com", never
/// "notexample.com"), optional ":port", IP addresses and CIDR ranges.
pub fn bypass(list: &str, url: &Url) -> bool {
    let host = match url.host() {
        Some(Host::Domain(d)) => d.to_ascii_lowercase(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        Some(Host::Ipv6(ip)) => ip.to_string(),
        None => return false,
    };
    let port = url.port_or_known_default();
    list.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.to_ascii_lowercase();
        if let Some((net, bits)) = entry.split_once('/') {
            return in_cidr(&host, net, bits);
        }
        let entry = entry.trim_start_matches('[');
        let (name, entry_port) = match entry.rsplit_once(':') {
            Some((name, p)) if entry.matches(':').count() == 1 || name.ends_with(']') => (name.trim_end_matches(']'), p.parse().ok()),
            _ => (entry.trim_end_matches(']'), None),
        };
        let name = name.trim_start_matches('.');
        let name_matches = host == name || (host.ends_with(name) && host[..host.len() - name.len()].ends_with('.'));
        !name.is_empty() && name_matches && entry_port.is_none_or(|p| Some(p) == port)
    })
}

fn in_cidr(host: &str, net: &str, bits: &str) -> bool {
    let (Ok(host), Ok(net), Ok(bits)) = (host.parse::<IpAddr>(), net.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (host, net) {
        (IpAddr::V4(h), IpAddr::V4(n)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(h) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(h), IpAddr::V6(n)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(h) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn keys_are_chosen_like_requests_select_proxy() {
        let mut p = ProxySettings { trust_env: false, ..ProxySettings::default() };
        p.set("all", Some("socks5h://s:1080")).unwrap();
        p.set("http", Some("p:3128")).unwrap();
        p.set("https://secure.test", Some("https://tls-proxy:443")).unwrap();
        p.set("http://direct.test", Some("")).unwrap();
        assert_eq!(p.select(&u("http://a.test/")).as_deref(), Some("http://p:3128"));
        assert_eq!(p.select(&u("https://a.test/")).as_deref(), Some("socks5h://s:1080"));
        assert_eq!(p.select(&u("https://secure.test/")).as_deref(), Some("https://tls-proxy:443"));
        assert_eq!(p.select(&u("http://direct.test/")), None);
        p.set("no_proxy", Some(".a.test")).unwrap();
        assert_eq!(p.select(&u("http://x.a.test/")), None);
        assert_eq!(p.select(&u("http://b.test/")).as_deref(), Some("http://p:3128"));
        p.set("http", None).unwrap();
        assert_eq!(p.select(&u("http://b.test/")).as_deref(), Some("socks5h://s:1080"));
    }

    #[test]
    fn bad_keys_and_urls_are_refused() {
        let mut p = ProxySettings::default();
        assert!(p.set("ftp", Some("http://p")).is_err());
        assert!(p.set("http", Some("ftp://p")).is_err());
        assert!(p.set("http", Some("http://")).is_err());
        assert!(p.set("http", Some("http://p\r\n")).is_err());
        assert!(p.entries.is_empty());
        p.set("HTTP", Some("http://user:pa%40ss@p:1")).unwrap();
        assert_eq!(p.entries, vec![("http".to_string(), "http://user:pa%40ss@p:1".to_string())]);
    }

    #[test]
    fn no_proxy_matches_on_label_boundaries() {
        let url = u("http://api.example.com:8080/");
        assert!(bypass("example.com", &url));
        assert!(bypass(".example.com", &url));
        assert!(bypass("other, api.example.com:8080", &url));
        assert!(!bypass("api.example.com:9090", &url));
        assert!(!bypass("ample.com", &url));
        assert!(!bypass("", &url));
        assert!(bypass("*", &url));
        assert!(bypass("127.0.0.0/8", &u("http://127.0.0.1:1/")));
        assert!(!bypass("10.0.0.0/8", &u("http://127.0.0.1:1/")));
        assert!(bypass("::1", &u("http://[::1]:1/")));
        assert!(bypass("[::1]:1", &u("http://[::1]:1/")));
        assert!(bypass("localhost", &u("http://localhost/")));
        assert!(!bypass("localhost", &u("http://127.0.0.1/")));
    }
}
