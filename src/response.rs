//! Responses: the safe form built by the client, and the C struct handed to callers.

use crate::error::{session_code, Code, Error};
use crate::ffi::c_string;
use crate::transport::HeaderLines;
use std::ffi::{c_char, c_long, CStr, CString};
use std::sync::Arc;

/// A response as the client builds it.
#[derive(Debug, Default)]
pub struct Response {
    pub error: Option<Error>,
    pub status: u32,
    pub reason: Vec<u8>,
    pub url: ResponseUrl,
    pub headers: HeaderLines,
    pub body: Vec<u8>,
    pub elapsed: f64,
    pub http_version: &'static str,
    pub history: Vec<Response>,
    /// DNS, connect, TLS, first byte and total times of this hop, and connection reuse.
    pub timings: crate::transfer::Timings,
}

impl Response {
    /// A response that carries only a failure.
    pub fn failed(error: Error, url: &str) -> Response {
        Response { error: Some(error), url: ResponseUrl::Owned(url.to_owned()), ..Response::default() }
    }
}

/// A response's URL: text of its own, or a C string shared by the responses to the same URL
/// (`Prepared.url_c`), which saves a copy per response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseUrl {
    Owned(String),
    Shared(Arc<CStr>),
}

impl Default for ResponseUrl {
    fn default() -> ResponseUrl {
        ResponseUrl::Owned(String::new())
    }
}

impl From<&str> for ResponseUrl {
    fn from(url: &str) -> ResponseUrl {
        ResponseUrl::Owned(url.to_owned())
    }
}

impl PartialEq<&str> for ResponseUrl {
    fn eq(&self, other: &&str) -> bool {
        match self {
            ResponseUrl::Owned(url) => url == other,
            ResponseUrl::Shared(url) => url.to_bytes() == other.as_bytes(),
        }
    }
}

/// The C string of a response's URL.
enum CUrl {
    Own(CString),
    Shared(Arc<CStr>),
}

impl CUrl {
    fn as_ptr(&self) -> *const c_char {
        match self {
            CUrl::Own(url) => url.as_ptr(),
            CUrl::Shared(url) => url.as_ptr(),
        }
    }
}

/// The response handed to C. Fields are only ever appended, never reordered.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct session_response {
    /// SESSION_OK when a response was received; otherwise what failed.
    pub error: session_code,
    /// Detail of the failure; "" when error == SESSION_OK.
    pub error_message: *const c_char,
    /// HTTP status; 0 when no response was received.
    pub status_code: c_long,
    /// Reason phrase ("OK", "Not Found", ...); the standard phrase when the server sent none.
    pub reason: *const c_char,
    /// Final URL after redirects.
    pub url: *const c_char,
    /// Body bytes, followed by one extra NUL not counted in body_len.
    pub body: *const c_char,
    /// Length of body in bytes.
    pub body_len: usize,
    /// Seconds from sending this request to the end of its body.
    pub elapsed: f64,
    /// "HTTP/1.0", "HTTP/1.1", "HTTP/2" or "HTTP/3"; "" when no response was received.
    pub http_version: *const c_char,
    /// Number of redirects followed (entries in the history).
    pub redirect_count: usize,
}

/// A response, as returned by session_send and the request shortcuts. Owned by the caller
/// until session_response_free; everything reachable from it lives as long as it.
#[allow(non_camel_case_types)]
pub type session_response_t = session_response;

/// The C struct followed by the storage its pointers point into.
#[repr(C)]
pub struct ResponseBox {
    public: session_response,
    owned: Owned,
}

struct Owned {
    /// The error message; None for a static "" (no error).
    _message: Option<CString>,
    /// The reason phrase; None when it is the static standard phrase of the status.
    _reason: Option<CString>,
    _url: CUrl,
    body: Vec<u8>,
    headers: HeaderLines,
    /// Repeated headers joined with ", ", keyed by lower-cased name; made on the first
    /// header lookup (most responses are never asked).
    joined: std::sync::OnceLock<Vec<(Vec<u8>, CString)>>,
    history: Vec<ResponseBox>,
    timings: crate::transfer::Timings,
}

/// The standard reason phrase of `status`, "" for an unknown one.
pub(crate) fn canonical_reason(status: u32) -> &'static CStr {
    match status {
        100 => c"Continue", 101 => c"Switching Protocols", 200 => c"OK", 201 => c"Created",
        202 => c"Accepted", 203 => c"Non-Authoritative Information", 204 => c"No Content",
        205 => c"Reset Content", 206 => c"Partial Content", 300 => c"Multiple Choices",
        301 => c"Moved Permanently", 302 => c"Found", 303 => c"See Other", 304 => c"Not Modified",
        307 => c"Temporary Redirect", 308 => c"Permanent Redirect", 400 => c"Bad Request",
        401 => c"Unauthorized", 402 => c"Payment Required", 403 => c"Forbidden", 404 => c"Not Found",
        405 => c"Method Not Allowed", 406 => c"Not Acceptable", 407 => c"Proxy Authentication Required",
        408 => c"Request Timeout", 409 => c"Conflict", 410 => c"Gone", 411 => c"Length Required",
        412 => c"Precondition Failed", 413 => c"Content Too Large", 414 => c"URI Too Long",
        415 => c"Unsupported Media Type", 416 => c"Range Not Satisfiable", 417 => c"Expectation Failed",
        418 => c"I'm a Teapot", 421 => c"Misdirected Request", 422 => c"Unprocessable Content",
        425 => c"Too Early", 426 => c"Upgrade Required", 428 => c"Precondition Required",
        429 => c"Too Many Requests", 431 => c"Request Header Fields Too Large",
        451 => c"Unavailable For Legal Reasons", 500 => c"Internal Server Error",
        501 => c"Not Implemented", 502 => c"Bad Gateway", 503 => c"Service Unavailable",
        504 => c"Gateway Timeout", 505 => c"HTTP Version Not Supported",
        _ => c"",
    }
}

impl ResponseBox {
    /// Moving the result is fine: its pointers point into heap storage it owns.
    pub fn new(response: Response) -> ResponseBox {
        let Response { error, status, reason, url, headers, mut body, elapsed, http_version, history, timings } = response;
        // No error and the standard reason phrase (the common case) point to static strings.
        let (code, message) = match error {
            Some(err) => (err.code, Some(c_string(err.message.as_bytes()))),
            None => (Code::SESSION_OK, None),
        };
        let standard = canonical_reason(status);
        let reason = (!reason.is_empty() && reason != standard.to_bytes()).then(|| c_string(&reason));
        let url = match url {
            ResponseUrl::Owned(url) => CUrl::Own(into_c_string(url)),
            ResponseUrl::Shared(url) => CUrl::Shared(url),
        };
        let body_len = body.len();
        body.push(0);
        let joined = std::sync::OnceLock::new();
        // (Most responses have no history: skip the iterator machinery.)
        let history: Vec<ResponseBox> = match history.is_empty() {
            true => Vec::new(),
            false => history.into_iter().map(ResponseBox::new).collect(),
        };
        let public = session_response {
            error: code,
            error_message: message.as_deref().unwrap_or(c"").as_ptr(),
            status_code: status as c_long,
            reason: reason.as_deref().unwrap_or(standard).as_ptr(),
            url: url.as_ptr(),
            body: body.as_ptr() as *const c_char,
            body_len,
            elapsed,
            http_version: static_version(http_version),
            redirect_count: history.len(),
        };
        ResponseBox { public, owned: Owned { _message: message, _reason: reason, _url: url, body, headers, joined, history, timings } }
    }

    /// Back to the safe form (after a response hook has seen it); nothing is copied but the
    /// message, reason and URL strings.
    pub fn into_response(self) -> Response {
        let ResponseBox { public, owned } = self;
        // `_message` and `_reason` are kept alive until the copies below are made.
        let Owned { _message, _reason, _url: url, mut body, headers, history, timings, .. } = owned;
        body.truncate(public.body_len);
        // SAFETY: error_message, reason and http_version point to static strings or to
        // strings held by `_message`, `_reason` and `url`.
        let (message, reason, version) = unsafe {
            (CStr::from_ptr(public.error_message), CStr::from_ptr(public.reason), CStr::from_ptr(public.http_version).to_bytes())
        };
        let error = (public.error != Code::SESSION_OK).then(|| Error::new(public.error, message.to_string_lossy()));
        Response {
            error,
            status: public.status_code as u32,
            reason: reason.to_bytes().to_vec(),
            url: match url {
                CUrl::Own(url) => ResponseUrl::Owned(url.to_string_lossy().into_owned()),
                CUrl::Shared(url) => ResponseUrl::Shared(url),
            },
            headers,
            body,
            elapsed: public.elapsed,
            http_version: ["HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3"].into_iter().find(|v| v.as_bytes() == version).unwrap_or(""),
            history: history.into_iter().map(ResponseBox::into_response).collect(),
            timings,
        }
    }

    pub fn timings(&self) -> &crate::transfer::Timings {
        &self.owned.timings
    }

    pub fn public(&self) -> &session_response {
        &self.public
    }

    /// # Safety
    /// `r` must point to the `public` field of a live ResponseBox (every session_response
    /// this library hands out does).
    pub unsafe fn from_public(r: &session_response) -> &ResponseBox {
        &*(r as *const session_response as *const ResponseBox)
    }

    pub fn body(&self) -> &[u8] {
        &self.owned.body[..self.public.body_len]
    }

    /// The value of header `name` (case-insensitive), repeated ones joined with ", ".
    pub fn header(&self, name: &str) -> Option<&CStr> {
        let lower = name.to_ascii_lowercase();
        let joined = self.owned.joined.get_or_init(|| join_repeated(&self.owned.headers));
        if let Some((_, value)) = joined.iter().find(|(n, _)| *n == lower.as_bytes()) {
            return Some(value);
        }
        self.owned
            .headers
            .iter()
            .find(|(n, _)| n.to_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    pub fn headers(&self) -> &HeaderLines {
        &self.owned.headers
    }

    pub fn history(&self) -> &[ResponseBox] {
        &self.owned.history
    }
}

/// `text` in a String with room for a NUL, so that `into_c_string` needs no new allocation.
pub fn c_ready(text: &str) -> String {
    let mut owned = String::with_capacity(text.len() + 1);
    owned.push_str(text);
    owned
}

/// The String as a C string, reusing its buffer when it has room (NUL bytes dropped).
fn into_c_string(text: String) -> CString {
    // libc's memchr: CString::new's (core's) costs more than the rest of this on a URL.
    // SAFETY: reads the `text.len()` bytes of a live string.
    let nul = !text.is_empty() && !unsafe { libc::memchr(text.as_ptr().cast(), 0, text.len()) }.is_null();
    if nul {
        return c_string(text.as_bytes());
    }
    // SAFETY: `text` has no NUL byte, as just checked.
    unsafe { CString::from_vec_unchecked(text.into_bytes()) }
}

/// Versions are static C strings, so the pointer needs no storage.
fn static_version(version: &str) -> *const c_char {
    match version {
        "HTTP/1.0" => c"HTTP/1.0".as_ptr(),
        "HTTP/1.1" => c"HTTP/1.1".as_ptr(),
        "HTTP/2" => c"HTTP/2".as_ptr(),
        "HTTP/3" => c"HTTP/3".as_ptr(),
        _ => c"".as_ptr(),
    }
}

fn join_repeated(headers: &HeaderLines) -> Vec<(Vec<u8>, CString)> {
    if !headers.has_repeated_names() {
        return Vec::new(); // the common case, without the quadratic walk below
    }
    let same = |a: &CStr, b: &CStr| a.to_bytes().eq_ignore_ascii_case(b.to_bytes());
    let mut joined = Vec::new();
    for (i, (name, _)) in headers.iter().enumerate() {
        let first = headers.iter().take(i).all(|(earlier, _)| !same(earlier, name));
        let repeated = headers.iter().skip(i + 1).any(|(later, _)| same(later, name));
        if first && repeated {
            let values: Vec<&[u8]> = headers.iter().filter(|(n, _)| same(n, name)).map(|(_, v)| v.to_bytes()).collect();
            joined.push((name.to_bytes().to_ascii_lowercase(), c_string(&values.join(&b", "[..]))));
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_view_points_into_owned_storage() {
        let response = Response {
            status: 404,
            url: "http://h/x".into(),
            headers: [("Set-Cookie", "a=1"), ("Content-Type", "text/plain"), ("set-cookie", "b=2")].into_iter().collect(),
            body: b"hi".to_vec(),
            http_version: "HTTP/1.1",
            history: vec![Response { status: 302, ..Response::default() }],
            ..Response::default()
        };
        let boxed = ResponseBox::new(response);
        let r = boxed.public();
        unsafe {
            assert_eq!(CStr::from_ptr(r.reason).to_str().unwrap(), "Not Found");
            assert_eq!(CStr::from_ptr(r.body).to_bytes(), b"hi");
            assert_eq!(CStr::from_ptr(r.error_message).to_bytes(), b"");
            assert_eq!(CStr::from_ptr(r.http_version).to_bytes(), b"HTTP/1.1");
            assert!(std::ptr::eq(ResponseBox::from_public(r), &boxed));
        }
        assert_eq!(r.body_len, 2);
        assert_eq!(r.redirect_count, 1);
        assert_eq!(boxed.header("SET-COOKIE").unwrap().to_bytes(), b"a=1, b=2");
        assert_eq!(boxed.header("content-type").unwrap().to_bytes(), b"text/plain");
        assert!(boxed.header("missing").is_none());
        assert_eq!(boxed.history()[0].public().status_code, 302);
    }

    #[test]
    fn c_strings_drop_nul_bytes() {
        assert_eq!(into_c_string("a\0b".to_owned()).as_bytes(), b"ab");
        assert_eq!(into_c_string(c_ready("http://h/")).as_bytes(), b"http://h/");
        assert_eq!(into_c_string(String::new()).as_bytes(), b"");
    }

    #[test]
    fn reason_and_message_survive_the_round_trip() {
        let own = ResponseBox::new(Response { status: 200, reason: b"Fine".to_vec(), ..Response::default() });
        let standard = ResponseBox::new(Response { status: 200, reason: b"OK".to_vec(), ..Response::default() });
        let unknown = ResponseBox::new(Response { status: 599, ..Response::default() });
        let failed = ResponseBox::new(Response::failed(Error::invalid("bad"), "http://h/"));
        unsafe {
            assert_eq!(CStr::from_ptr(own.public().reason).to_bytes(), b"Fine");
            assert_eq!(CStr::from_ptr(standard.public().reason).to_bytes(), b"OK");
            assert_eq!(CStr::from_ptr(unknown.public().reason).to_bytes(), b"");
            assert_eq!(CStr::from_ptr(failed.public().error_message).to_bytes(), b"bad");
            assert_eq!(CStr::from_ptr(failed.public().url).to_bytes(), b"http://h/");
        }
        assert_eq!(own.into_response().reason, b"Fine");
        assert_eq!(standard.into_response().reason, b"OK");
        let back = failed.into_response();
        assert_eq!(back.error.map(|e| e.message), Some("bad".to_owned()));
        assert_eq!(back.url, "http://h/");
    }
}
