//! The rules a cookie must pass before it reaches cookie_store (RFC 6265bis section 5.7),
//! whether it comes from a server, the API or a file.

use crate::error::{Error, Result};
use cookie_store::{Cookie, CookieExpiration, CookieStore, RawCookie};
use url::{Host, Url};

/// Longest name plus value accepted, in bytes (RFC 6265bis).
pub const SESSION_COOKIE_MAX_NAME_VALUE: usize = 4096;
/// Set-Cookie headers honoured per response; the rest are ignored.
pub const SESSION_COOKIES_MAX_PER_RESPONSE: usize = 50;
/// Longest Cookie header value sent, in bytes, so that the header line stays within the
/// 8 KiB header-field limit of common servers; cookies that would exceed it are left out.
pub const SESSION_COOKIE_HEADER_MAX: usize = 8000;

/// Longest lifetime of a cookie, in days: later expiry times are brought back to it
/// (RFC 6265bis).
pub const SESSION_COOKIE_MAX_AGE_DAYS: i64 = 400;

/// A control character that rejects a cookie: 0x00-0x08, 0x0A-0x1F, 0x7F (tab is allowed).
pub fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

fn refuse<T>(why: impl Into<String>) -> Result<T> {
    Err(Error::invalid(format!("cookie refused: {}", why.into())))
}

/// Secure origins as browsers treat them: https, and http to a loopback host
/// (`localhost`, 127.0.0.0/8, ::1), which cannot be intercepted on the network.
pub fn is_secure_origin(url: &Url) -> bool {
    if url.scheme() == "https" {
        return true;
    }
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// True when `domain` (lower case, ASCII) is itself a listed public suffix ("com", "co.uk").
pub fn is_public_suffix(domain: &str) -> bool {
    psl::suffix(domain.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == domain.as_bytes())
}

/// The registrable domain ("example.co.uk" for "a.b.example.co.uk") that per-domain caps
/// count under; the name itself for IP addresses and names without one.
pub fn cap_group(domain: &str) -> String {
    if domain.parse::<std::net::IpAddr>().is_ok() || domain.starts_with('[') {
        return domain.to_owned();
    }
    match psl::domain(domain.as_bytes()) {
        Some(d) => String::from_utf8_lossy(d.as_bytes()).into_owned(),
        None => domain.to_owned(),
    }
}

/// Name and value: not empty name, no control character, no `;`, no `=` in the name, size cap.
pub fn check_pair(name: &str, value: &str) -> Result<()> {
    if name.is_empty() {
        return refuse("empty name");
    }
    if name.len() + value.len() > SESSION_COOKIE_MAX_NAME_VALUE {
        return refuse(format!("name and value are longer than {SESSION_COOKIE_MAX_NAME_VALUE} bytes"));
    }
    if name.bytes().chain(value.bytes()).any(is_ctl) {
        return refuse("control character in name or value");
    }
    if name.contains([';', '=']) || value.contains(';') {
        return refuse("';' or '=' in name, or ';' in value");
    }
    Ok(())
}

/// What the Domain attribute `attr` sent by `origin` becomes: None for a host-only cookie,
/// Some(domain) for a domain cookie; refused for public suffixes and partial IPs.
fn domain_attribute(attr: &str, origin: &Url) -> Result<Option<String>> {
    let attr = attr.trim();
    if attr.is_empty() {
        return Ok(None); // an empty Domain attribute is ignored
    }
    if attr.ends_with('.') {
        return refuse(format!("Domain={attr} ends with a dot"));
    }
    let host = origin.host_str().unwrap_or("");
    if matches!(origin.host(), Some(Host::Ipv4(_) | Host::Ipv6(_))) {
        // IP hosts only ever get host-only cookies.
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        return match attr.trim_start_matches('[').trim_end_matches(']') == bare {
            true => Ok(None),
            false => refuse(format!("Domain={attr} on the IP host {host}")),
        };
    }
    let domain = match Host::parse(attr) {
        Ok(Host::Domain(d)) => d,
        _ => return refuse(format!("Domain={attr} is not a host name")),
    };
    if is_public_suffix(&domain) {
        // RFC 6265bis 5.7 step 9: a public suffix equal to the host makes a host-only cookie.
        return match domain == host {
            true => Ok(None),
            false => refuse(format!("Domain={attr} is a public suffix")),
        };
    }
    Ok(Some(domain))
}

/// `a` domain-matches `b` or the other way round.
fn domains_overlap(a: &str, b: &str) -> bool {
    let under = |x: &str, y: &str| x.len() > y.len() && x.ends_with(y) && x.as_bytes()[x.len() - y.len() - 1] == b'.';
    a == b || under(a, b) || under(b, a)
}

/// RFC 6265 path-match: `path` is `base` or below it.
fn path_matches(path: &str, base: &str) -> bool {
    path == base
        || (path.starts_with(base) && (base.ends_with('/') || path.as_bytes().get(base.len()) == Some(&b'/')))
}

/// Whether `cookie`, from an insecure origin, would overwrite or shadow a Secure cookie
/// (RFC 6265bis 5.7 step 16).
fn shadows_secure(store: &CookieStore, cookie: &Cookie<'_>) -> bool {
    let domain = String::from(&cookie.domain);
    store.iter_unexpired().any(|old| {
        old.secure() == Some(true)
            && old.name() == cookie.name()
            && domains_overlap(&String::from(&old.domain), &domain)
            && path_matches(&cookie.path, &old.path)
    })
}

/// Applies every rule to `raw`, received from `origin`, against the current `store`.
/// Returns the cookie ready for cookie_store, its domain settled (host-only or not).
pub fn admit(raw: &RawCookie<'_>, origin: &Url, store: &CookieStore) -> Result<Cookie<'static>> {
    let name = raw.name();
    check_pair(name, raw.value())?;
    let secure_origin = is_secure_origin(origin);
    let secure = raw.secure() == Some(true);
    if secure && !secure_origin {
        return refuse(format!("{name} is Secure but came from the insecure origin {}", origin.origin().ascii_serialization()));
    }
    // Prefixes are matched case-insensitively, as RFC 6265bis does.
    let lower = name.get(..9).unwrap_or(name).to_ascii_lowercase();
    if lower.starts_with("__secure-") && !secure {
        return refuse(format!("{name} has the __Secure- prefix without Secure"));
    }
    if lower.starts_with("__host-") && (!secure || raw.domain().is_some() || raw.path() != Some("/")) {
        return refuse(format!("{name} has the __Host- prefix without Secure, Path=/ and no Domain"));
    }
    let mut raw = raw.clone();
    if let Some(attr) = raw.domain().map(str::to_owned) {
        match domain_attribute(&attr, origin)? {
            Some(domain) => raw.set_domain(domain),
            None => raw.unset_domain(),
        }
    }
    let mut cookie = Cookie::try_from_raw_cookie(&raw, origin)
        .map_err(|e| Error::invalid(format!("cookie refused: {e}")))?
        .into_owned();
    if let CookieExpiration::AtUtc(at) = cookie.expires {
        let latest = time::OffsetDateTime::now_utc() + time::Duration::days(SESSION_COOKIE_MAX_AGE_DAYS);
        cookie.expires = CookieExpiration::AtUtc(at.min(latest));
    }
    if !cookie.domain.matches(origin) {
        return refuse(format!("Domain={} does not match the host {}", String::from(&cookie.domain), origin.host_str().unwrap_or("")));
    }
    if !secure && !secure_origin && shadows_secure(store, &cookie) {
        return refuse(format!("{name} from an insecure origin would overwrite or shadow a Secure cookie"));
    }
    Ok(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn public_suffixes() {
        assert!(is_public_suffix("com") && is_public_suffix("co.uk") && is_public_suffix("uk"));
        assert!(!is_public_suffix("example.co.uk") && !is_public_suffix("localhost"));
        assert_eq!(cap_group("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(cap_group("127.0.0.1"), "127.0.0.1");
        assert_eq!(cap_group("localhost"), "localhost");
    }

    #[test]
    fn domain_attributes() {
        let o = u("http://www.example.co.uk/");
        assert_eq!(domain_attribute("example.co.uk", &o).unwrap().as_deref(), Some("example.co.uk"));
        assert_eq!(domain_attribute("EXAMPLE.co.UK", &o).unwrap().as_deref(), Some("example.co.uk"));
        for bad in ["co.uk", "co.UK", "co.uk.", "uk", "1.2.3.4"] {
            assert!(domain_attribute(bad, &o).is_err(), "{bad}");
        }
        let ip = u("http://127.0.0.1/");
        assert_eq!(domain_attribute("127.0.0.1", &ip).unwrap(), None);
        assert!(domain_attribute("0.0.1", &ip).is_err());
        assert_eq!(domain_attribute("", &o).unwrap(), None);
    }

    #[test]
    fn pairs_and_paths() {
        assert!(check_pair("a", "b\tc").is_ok());
        for (n, v) in [("a", "\0"), ("a\x01", "b"), ("a", "\x7f"), ("a", "\x1f"), ("", "b"), ("a=", "b")] {
            assert!(check_pair(n, v).is_err(), "{n:?}={v:?}");
        }
        assert!(check_pair("a", &"x".repeat(4095)).is_ok());
        assert!(check_pair("a", &"x".repeat(4096)).is_err());
        assert!(path_matches("/a/b", "/a") && path_matches("/a/b", "/a/") && !path_matches("/ab", "/a"));
        assert!(domains_overlap("a.example.org", "example.org") && !domains_overlap("aexample.org", "example.org"));
    }

    #[test]
    fn secure_origins() {
        for yes in ["https://example.org/", "http://localhost:8080/", "http://127.0.0.2/", "http://[::1]/"] {
            assert!(is_secure_origin(&u(yes)), "{yes}");
        }
        for no in ["http://example.org/", "http://10.0.0.1/", "http://localhost.example/"] {
            assert!(!is_secure_origin(&u(no)), "{no}");
        }
    }
}
