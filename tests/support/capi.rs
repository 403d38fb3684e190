//! The C ABI from Rust tests: C strings in and out, a response snapshot (`take`), and RAII
//! wrappers for a session and a request.

use session::capi::observe::{session_response_timings, session_timings_t};
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code::{self, SESSION_OK};
use session::capi::response::session_response_t;
use std::ffi::{c_char, CStr, CString};

pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

pub fn text(p: *const c_char) -> String {
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// What a test needs of a response, copied out; the C response is freed.
#[derive(Debug)]
pub struct Resp {
    pub error: session_code,
    pub message: String,
    pub status: i64,
    pub url: String,
    /// The body as text (lossy UTF-8); `bytes` holds it exactly.
    pub body: String,
    pub bytes: Vec<u8>,
    pub len: usize,
    pub version: String,
    pub redirects: usize,
    pub elapsed: f64,
    pub headers: usize,
    /// The body of the first hop in the redirect history, if any.
    pub history_body: Option<Vec<u8>>,
    pub timings: session_timings_t,
}

impl Resp {
    pub fn text(&self) -> String {
        self.body.clone()
    }
}

pub fn body_of(r: &session_response_t) -> Vec<u8> {
    unsafe { std::slice::from_raw_parts(r.body as *const u8, r.body_len) }.to_vec()
}

/// Copies the response out and frees it; `r` must not be NULL.
pub fn take(r: *mut session_response_t) -> Resp {
    assert!(!r.is_null());
    let v = unsafe { &*r };
    let history = unsafe { session_response_history_at(r, 0) };
    let mut timings = session_timings_t::sized();
    assert_eq!(unsafe { session_response_timings(r, &mut timings) }, SESSION_OK);
    let bytes = body_of(v);
    let out = Resp {
        error: v.error,
        message: text(v.error_message),
        status: v.status_code,
        url: text(v.url),
        body: String::from_utf8_lossy(&bytes).into_owned(),
        len: v.body_len,
        bytes,
        version: text(v.http_version),
        redirects: v.redirect_count,
        elapsed: v.elapsed,
        headers: unsafe { session_response_header_count(r) },
        history_body: unsafe { history.as_ref() }.map(body_of),
        timings,
    };
    unsafe { session_response_free(r) };
    out
}

/// A `session_t` freed on drop.
pub struct Session(pub *mut session_t);
unsafe impl Send for Session {}
unsafe impl Sync for Session {}
impl Drop for Session {
    fn drop(&mut self) {
        unsafe { session_free(self.0) }
    }
}
impl Session {
    pub fn new() -> Session {
        Session(session_new())
    }
    pub fn raw(&self) -> *mut session_t {
        self.0
    }
    pub fn get(&self, url: &str) -> Resp {
        take(unsafe { session_get(self.0, c(url).as_ptr()) })
    }
    pub fn send(&self, req: &Req) -> Resp {
        take(unsafe { session_send(self.0, req.0) })
    }
    /// Sends `method url` with extra request headers.
    pub fn send_with(&self, method: &str, url: &str, headers: &[(&str, &str)]) -> Resp {
        let req = Req::new(method, url);
        for (n, v) in headers {
            assert_eq!(unsafe { session_request_set_header(req.0, c(n).as_ptr(), c(v).as_ptr()) }, SESSION_OK);
        }
        req.send(self)
    }
}

/// A `session_request_t` freed on drop.
pub struct Req(pub *mut session_request_t);
impl Drop for Req {
    fn drop(&mut self) {
        unsafe { session_request_free(self.0) }
    }
}
impl Req {
    pub fn new(method: &str, url: &str) -> Req {
        let r = unsafe { session_request_new(c(method).as_ptr(), c(url).as_ptr()) };
        assert!(!r.is_null());
        Req(r)
    }
    pub fn send(&self, s: &Session) -> Resp {
        s.send(self)
    }
}
