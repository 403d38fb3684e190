//! Merging a request with its session's defaults (requests' prepare_request): the hop
//! the exchange layers get.

mod credentials;

pub use credentials::{has_userinfo, take_userinfo};

use crate::error::{Error, Result};
use crate::headers::Headers;
use crate::request::{Body, Method, Request};
use crate::settings::Settings;
use std::ffi::{CStr, CString};
use std::sync::Arc;
use url::Url;

/// One hop, ready for the transport.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: Method,
    pub url: SharedUrl,
    pub headers: Headers,
    pub body: Option<Body>,
    /// Digest credentials and read timeout of this hop.
    pub net: crate::net::HopNet,
    /// Streaming, progress and protocol options of the request.
    pub transfer: crate::transfer::Transfer,
    /// The URL parsed as a C string, shared by the hops parsed from the same text on this
    /// thread: the response's URL when `url` still serializes to it (client::into_response).
    pub url_c: Option<Arc<CStr>>,
    /// The request's own cookies (Request::cookies), merged over the jar's on each hop;
    /// dropped when a redirect leaves the host (as credentials are).
    pub cookies: Option<Arc<[(String, String)]>>,
}

/// A parsed URL shared (Arc) by the hops prepared from the same text, copied on write:
/// preparing a request to a URL seen before copies nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedUrl(Arc<Url>);

impl std::ops::Deref for SharedUrl {
    type Target = Url;
    fn deref(&self) -> &Url {
        &self.0
    }
}

impl std::ops::DerefMut for SharedUrl {
    fn deref_mut(&mut self) -> &mut Url {
        Arc::make_mut(&mut self.0)
    }
}

impl std::fmt::Display for SharedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Url> for SharedUrl {
    fn from(url: Url) -> SharedUrl {
        SharedUrl(Arc::new(url))
    }
}

/// Parses an absolute http(s) URL with a host.
pub fn parse_url(raw: &str) -> Result<Url> {
    parse_url_shared(raw).map(|(url, _)| Url::clone(&url))
}

/// A URL parsed from the text last seen on this thread.
struct Parsed {
    raw: String,
    url: SharedUrl,
    /// The serialized URL as a C string, shared by the responses to it.
    url_c: Option<Arc<CStr>>,
}

/// `parse_url`, with the URL also as a shared C string.
fn parse_url_shared(raw: &str) -> Result<(SharedUrl, Option<Arc<CStr>>)> {
    // Programs send the same URL again and again: the last one parsed on this thread is
    // kept, and shared.
    thread_local! {
        static LAST: std::cell::RefCell<Option<Parsed>> = const { std::cell::RefCell::new(None) };
    }
    let hit = |last: &std::cell::RefCell<Option<Parsed>>| {
        let last = last.borrow();
        last.as_ref().filter(|p| p.raw == raw).map(|p| (p.url.clone(), p.url_c.clone()))
    };
    if let Some(parsed) = LAST.with(hit) {
        return Ok(parsed);
    }
    let url = Url::parse(raw).map_err(|e| Error::invalid_url(format!("{raw:?}: {e}")))?;
    check_scheme(&url)?;
    let url = SharedUrl::from(url);
    let url_c = CString::new(url.as_str()).ok().map(Arc::from); // a parsed URL has no NUL
    let parsed = Parsed { raw: raw.to_owned(), url: url.clone(), url_c: url_c.clone() };
    LAST.with(|last| *last.borrow_mut() = Some(parsed));
    Ok((url, url_c))
}

/// Only http and https are ever requested, also as redirect targets.
pub fn check_scheme(url: &Url) -> Result<()> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid_url(format!("unsupported scheme {:?} in {url}", url.scheme())));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::invalid_url(format!("no host in {url}")));
    }
    Ok(())
}

pub fn prepare(settings: &Settings, req: &Request) -> Result<Prepared> {
    prepare_to(settings, req, &req.url)
}

/// `prepare` with the URL given apart from the request.
pub fn prepare_to(settings: &Settings, req: &Request, raw_url: &str) -> Result<Prepared> {
    // http+unix://<socket>/path: http://localhost/path through that socket.
    let unix = crate::net::connect::split_unix_url(raw_url)?;
    let (mut url, url_c) = parse_url_shared(unix.as_ref().map_or(raw_url, |(url, _)| url.as_str()))?;
    if !settings.params.is_empty() || !req.params.is_empty() {
        let params = merge_params(&settings.params, &req.params);
        if !params.is_empty() {
            url.query_pairs_mut().extend_pairs(params);
        }
    }

    let mut headers = req.headers.merged_over(&settings.headers);
    if let Some(auth) = &settings.auth {
        if !headers.contains("Authorization") && !matches!(auth, crate::settings::Auth::Digest { .. }) {
            headers.set("Authorization", Some(&auth.header_value()));
        }
    }
    let mut net = credentials::prepare_net(settings, req, &url, &mut headers)?;
    if let Some((_, socket)) = unix {
        net.unix_socket = Some(socket);
    }
    let body = req.body()?;
    if let Some(content_type) = body.as_ref().and_then(|b| b.content_type.as_deref()) {
        if !headers.contains("Content-Type") {
            headers.set("Content-Type", Some(content_type));
        }
    }
    let cookies = (!req.cookies.is_empty()).then(|| Arc::from(req.cookies.as_slice()));
    Ok(Prepared { method: req.method.clone(), url, headers, body, net, transfer: req.transfer(), url_c, cookies })
}

/// requests' merge_setting for params: a request's values replace the session's at the
/// session's position, the request's other params follow; a `None` drops the name.
fn merge_params<'a>(session: &'a [(String, String)], request: &'a [(String, Option<String>)]) -> Vec<(&'a str, &'a str)> {
    let dropped = |name: &str| request.iter().any(|(n, v)| n == name && v.is_none());
    let own = |name: &'a str| request.iter().filter(move |(n, _)| n == name).filter_map(|(n, v)| Some((n.as_str(), v.as_deref()?)));
    let mut merged = Vec::with_capacity(session.len() + request.len());
    for (name, value) in session.iter().filter(|(n, _)| !dropped(n)) {
        let before = merged.len();
        merged.extend(own(name));
        if merged.len() == before {
            merged.push((name.as_str(), value.as_str()));
        }
    }
    let new = request.iter().filter(|(n, _)| !dropped(n) && !session.iter().any(|(s, _)| s == n));
    merged.extend(new.filter_map(|(n, v)| Some((n.as_str(), v.as_deref()?))));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Auth;

    #[test]
    fn params_merge_request_wins() {
        let mut s = Settings::default();
        s.set_param("a", Some("1"));
        s.set_param("b", Some("2"));
        let mut r = Request::new("GET", "http://h/p?x=0").unwrap();
        r.add_param("a", Some("3"));
        r.add_param("c", Some("4 5"));
        let p = prepare(&s, &r).unwrap();
        assert_eq!(p.url.as_str(), "http://h/p?x=0&a=3&b=2&c=4+5");
        r.add_param("b", None);
        r.add_param("c", None);
        assert_eq!(prepare(&s, &r).unwrap().url.as_str(), "http://h/p?x=0&a=3");
    }

    #[test]
    fn auth_only_without_own_authorization() {
        let s = Settings { auth: Some(Auth::Bearer("t".into())), ..Settings::default() };
        let mut r = Request::new("GET", "http://h/").unwrap();
        assert_eq!(prepare(&s, &r).unwrap().headers.entry("authorization"), Some(Some("Bearer t")));
        r.set_header("Authorization", None).unwrap();
        assert_eq!(prepare(&s, &r).unwrap().headers.entry("authorization"), Some(None));
    }

    #[test]
    fn bad_urls_are_invalid_url() {
        for bad in ["", "example.com/x", "ftp://h/", "file:///etc/passwd", "http://", "http://:80/"] {
            let err = parse_url(bad).unwrap_err();
            assert_eq!(err.code, crate::error::Code::SESSION_E_INVALID_URL, "{bad}");
        }
    }

    #[test]
    fn own_content_type_wins_over_body() {
        let s = Settings::default();
        let mut r = Request::new("POST", "http://h/").unwrap();
        r.set_body(b"{}", Some("application/json")).unwrap();
        assert_eq!(prepare(&s, &r).unwrap().headers.entry("content-type"), Some(Some("application/json")));
        r.set_header("Content-Type", Some("text/plain")).unwrap();
        assert_eq!(prepare(&s, &r).unwrap().headers.entry("content-type"), Some(Some("text/plain")));
    }
}
