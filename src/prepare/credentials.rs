//! A request's credentials for its first hop: the request's own auth, the session's, or
//! the URL's userinfo (percent-decoded) become an Authorization header or digest
//! credentials for the transport. The URL keeps its userinfo (as requests' Response.url
//! does); the transport never sends it.

use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::net::{Credentials, HopNet};
use crate::request::Request;
use crate::settings::{Auth, Settings};
use std::ffi::CString;
use url::Url;

/// Request-level network preparation: URL credentials become Basic auth (unless the request
/// or session has auth); the URL keeps them (as requests' Response.url does) but they are
/// never sent in it (see transport::options::network). Session digest credentials go to the hop.
pub fn prepare_net(settings: &Settings, req: &Request, url: &Url, headers: &mut Headers) -> Result<HopNet> {
    let mut hop = HopNet {
        digest: None,
        read_timeout: req.net.read_timeout.unwrap_or(settings.net.read_timeout),
        unix_socket: match &req.net.unix_socket {
            Some(own) => own.clone(),
            None => settings.net.unix_socket.clone(),
        },
        max_speed: (req.net.max_speed.0.unwrap_or(settings.net.max_speed.0), req.net.max_speed.1.unwrap_or(settings.net.max_speed.1)),
    };
    // A request's own Authorization header wins, then its own auth, then the session's
    // (which prepare.rs has already turned into a header unless it is digest).
    let own_auth = if req.headers.contains("Authorization") { None } else { req.net.auth.as_ref() };
    if own_auth.is_some() {
        headers.forget("Authorization");
    }
    let auth = own_auth.or(settings.auth.as_ref().filter(|_| !headers.contains("Authorization")));
    let digest = match auth {
        Some(Auth::Digest { user, password }) => {
            Some(Credentials { user: CString::new(user.as_str()).map_err(nul)?, password: CString::new(password.as_str()).map_err(nul)? })
        }
        Some(other) if own_auth.is_some() => {
            headers.set("Authorization", Some(&other.header_value()));
            None
        }
        _ => None,
    };
    // The copy is only made for a URL with credentials in it.
    let has_userinfo = has_userinfo(url);
    if let Some((user, password)) = if has_userinfo { take_userinfo(&mut url.clone())? } else { None } {
        if !headers.contains("Authorization") && digest.is_none() {
            let basic = Auth::Basic { user, password };
            headers.set("Authorization", Some(&basic.header_value()));
        }
    }
    hop.digest = digest;
    Ok(hop)
}

fn nul(_: std::ffi::NulError) -> Error {
    Error::invalid("credentials contain NUL")
}

/// Whether `url` has a user name or password: the url crate writes userinfo as
/// "user:password@" just before the host, where no other '@' can be (cheaper than
/// `username()` and `password()`, which each re-check the authority).
pub fn has_userinfo(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let at = host.as_ptr() as usize - url.as_str().as_ptr() as usize;
    at > 0 && url.as_str().as_bytes()[at - 1] == b'@'
}

/// Removes user name and password from `url`, percent-decoded.
pub fn take_userinfo(url: &mut Url) -> Result<Option<(String, String)>> {
    if !has_userinfo(url) {
        return Ok(None);
    }
    let user = percent_decode(url.username())?;
    let password = percent_decode(url.password().unwrap_or(""))?;
    // Cannot fail for http(s) URLs with a host, which is all we send.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(Some((user, password)))
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).map_err(|_| Error::invalid("URL credentials are not UTF-8"))?;
    crate::util::check_no_ctl(&text, "URL credentials")?;
    Ok(text)
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_leaves_the_url_decoded() {
        let mut url = Url::parse("http://us%3Aer:p%40ss@h.test/x").unwrap();
        assert_eq!(take_userinfo(&mut url).unwrap(), Some(("us:er".into(), "p@ss".into())));
        assert_eq!(url.as_str(), "http://h.test/x");
        assert_eq!(take_userinfo(&mut url).unwrap(), None);
        let mut bad = Url::parse("http://a%0d%0aX:b@h.test/").unwrap();
        assert!(take_userinfo(&mut bad).is_err());
    }

    #[test]
    fn userinfo_is_found_before_the_host_only() {
        for (text, expected) in [
            ("http://h.test/a@b", false),
            ("http://h.test/?q=a@b#c@d", false),
            ("http://u@h.test/", true),
            ("http://:p@h.test/", true),
            ("http://u:p@[::1]:8080/", true),
            ("http://[::1]/x@y", false),
            ("http://@h.test/", false),
            ("https://us%40er@127.0.0.1/", true),
        ] {
            let url = Url::parse(text).unwrap();
            let slow = !url.username().is_empty() || url.password().is_some();
            assert_eq!((has_userinfo(&url), slow), (expected, expected), "{text}");
        }
    }

    #[test]
    fn url_credentials_yield_to_session_auth() {
        let req = Request::new("GET", "http://u:p@h.test/").unwrap();
        let mut s = Settings::default();
        let p = super::super::prepare(&s, &req).unwrap();
        assert_eq!(p.url.as_str(), "http://u:p@h.test/", "kept for the response URL, as requests");
        assert_eq!(p.headers.entry("authorization"), Some(Some("Basic dTpw")));
        s.auth = Some(Auth::Digest { user: "d".into(), password: "x".into() });
        let p = super::super::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), None);
        assert_eq!(p.net.digest.as_ref().map(|c| c.user.as_c_str()), Some(c"d"));
    }

    #[test]
    fn request_auth_wins_over_session_auth_but_not_over_own_header() {
        let s = Settings { auth: Some(Auth::Basic { user: "s".into(), password: "x".into() }), ..Settings::default() };
        let mut req = Request::new("GET", "http://h.test/").unwrap();
        req.net.auth = Some(Auth::Digest { user: "d".into(), password: "y".into() });
        let p = super::super::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), None, "the session's basic header is gone");
        assert!(p.net.digest.is_some());
        req.net.auth = Some(Auth::Bearer("t".into()));
        let p = super::super::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), Some(Some("Bearer t")));
        assert!(p.net.digest.is_none());
        req.set_header("Authorization", Some("Own")).unwrap();
        let p = super::super::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), Some(Some("Own")));
    }
}

