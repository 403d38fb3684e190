//! Redirect policy, after requests' resolve_redirects, rebuild_method and should_strip_auth.

use crate::error::{Error, Result};
use crate::prepare::{check_scheme, Prepared};
use crate::request::Method;
use url::Url;

/// The method to use after a redirect with `status` (requests' rebuild_method).
pub fn rebuild_method(method: &str, status: u32) -> &str {
    match status {
        303 if method != "HEAD" => "GET",
        302 if method != "HEAD" => "GET",
        301 if method == "POST" => "GET",
        _ => method,
    }
}

/// Resolves a Location against the current URL; a Location without a fragment inherits
/// the current one.
pub fn resolve_location(current: &Url, location: &[u8]) -> Result<Url> {
    // requests decodes the raw header bytes as UTF-8 (falling back to the raw text).
    let location = String::from_utf8_lossy(location);
    let mut next = current
        .join(location.trim())
        .map_err(|e| Error::invalid_url(format!("redirect Location {location:?}: {e}")))?;
    if next.fragment().is_none() {
        next.set_fragment(current.fragment());
    }
    check_scheme(&next)?;
    Ok(next)
}

/// Whether Authorization must be dropped going from `old` to `new` (requests' should_strip_auth).
pub fn should_strip_auth(old: &Url, new: &Url) -> bool {
    if old.host_str() != new.host_str() {
        return true;
    }
    let (old_port, new_port) = (old.port_or_known_default(), new.port_or_known_default());
    if old.scheme() == "http" && old_port == Some(80) && new.scheme() == "https" && new_port == Some(443) {
        return false;
    }
    old.scheme() != new.scheme() || old_port != new_port
}

/// The next hop after a redirect `status` to `next_url`; `sensitive` (lowercase names) go
/// where Authorization goes.
pub fn next_hop(current: &Prepared, status: u32, next_url: Url, sensitive: &[String]) -> Prepared {
    let mut next = current.clone();
    if rebuild_method(&current.method, status) == "GET" {
        next.method = Method::GET; // rewritten, or GET already
    }
    if !matches!(status, 307 | 308) {
        for name in ["Content-Length", "Content-Type", "Transfer-Encoding"] {
            next.headers.forget(name);
        }
        next.body = None;
    }
    if should_strip_auth(&current.url, &next_url) {
        next.headers.forget("Authorization");
        for name in sensitive {
            next.headers.forget(name);
        }
        next.net.strip_credentials();
        next.cookies = None;
    }
    // The Cookie header is recomputed from the jar for every hop.
    next.headers.forget("Cookie");
    next.url = next_url.into();
    redirected(&mut next);
    next
}

/// What a redirect changes besides requests' rules in redirect.rs: credentials in a Location
/// are never used (libcurl would send them as Basic auth), and the caller's
/// Proxy-Authorization was for the first hop's proxy only (requests' rebuild_proxies).
fn redirected(next: &mut Prepared) {
    let _ = crate::prepare::take_userinfo(&mut next.url);
    next.headers.forget("Proxy-Authorization");
}


#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn methods_are_rewritten_like_requests() {
        assert_eq!(rebuild_method("POST", 301), "GET");
        assert_eq!(rebuild_method("PUT", 301), "PUT");
        assert_eq!(rebuild_method("POST", 302), "GET");
        assert_eq!(rebuild_method("HEAD", 302), "HEAD");
        assert_eq!(rebuild_method("DELETE", 303), "GET");
        assert_eq!(rebuild_method("HEAD", 303), "HEAD");
        assert_eq!(rebuild_method("POST", 307), "POST");
        assert_eq!(rebuild_method("POST", 308), "POST");
    }

    #[test]
    fn locations_resolve_like_requests() {
        let cur = u("http://a.test:8080/x/y?q=1#frag");
        assert_eq!(resolve_location(&cur, b"/z").unwrap().as_str(), "http://a.test:8080/z#frag");
        assert_eq!(resolve_location(&cur, b"z").unwrap().as_str(), "http://a.test:8080/x/z#frag");
        assert_eq!(resolve_location(&cur, b"//b.test/p").unwrap().as_str(), "http://b.test/p#frag");
        assert_eq!(resolve_location(&cur, b"?r=2").unwrap().as_str(), "http://a.test:8080/x/y?r=2#frag");
        assert_eq!(resolve_location(&cur, b"/z#other").unwrap().as_str(), "http://a.test:8080/z#other");
        assert_eq!(resolve_location(&cur, b"https://c.test/").unwrap().as_str(), "https://c.test/#frag");
        assert!(resolve_location(&cur, b"ftp://c.test/").is_err());
        assert!(resolve_location(&cur, b"file:///etc/passwd").is_err());
    }

    #[test]
    fn sensitive_headers_go_where_authorization_goes() {
        let settings = crate::settings::Settings::default();
        let mut req = crate::request::Request::new("GET", "https://h/a").unwrap();
        req.set_header("X-Api-Key", Some("k")).unwrap();
        req.set_header("Authorization", Some("Bearer t")).unwrap();
        let hop = crate::prepare::prepare(&settings, &req).unwrap();
        let sensitive = ["x-api-key".to_owned()];
        let same = next_hop(&hop, 302, u("https://h/b"), &sensitive);
        assert_eq!(same.headers.entry("x-api-key"), Some(Some("k")));
        for url in ["http://h/b", "https://other/b", "https://h:8443/b"] {
            let next = next_hop(&hop, 302, u(url), &sensitive);
            assert_eq!(next.headers.entry("x-api-key"), None, "{url}");
            assert_eq!(next.headers.entry("authorization"), None, "{url}");
            // Once dropped, gone for the rest of the chain, back on the first origin too.
            assert_eq!(next_hop(&next, 302, u("https://h/c"), &sensitive).headers.entry("x-api-key"), None);
        }
        assert_eq!(next_hop(&hop, 302, u("https://other/b"), &[]).headers.entry("x-api-key"), Some(Some("k")));
    }

    #[test]
    fn auth_stripping_matches_requests() {
        assert!(!should_strip_auth(&u("http://h/a"), &u("http://h/b")));
        assert!(!should_strip_auth(&u("http://h/a"), &u("https://h/b")));
        assert!(!should_strip_auth(&u("http://h:80/a"), &u("https://h:443/b")));
        assert!(should_strip_auth(&u("https://h/a"), &u("http://h/b")));
        assert!(should_strip_auth(&u("http://h/a"), &u("http://other/b")));
        assert!(should_strip_auth(&u("http://h:8080/a"), &u("http://h:8081/b")));
        assert!(should_strip_auth(&u("http://h:8080/a"), &u("https://h:8443/b")));
    }
}
