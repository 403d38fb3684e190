//! Helpers for the network tests (tests/network.rs, tests/network_env.rs): a session and
//! request over the C ABI, responses copied out, the proxy's and rig's JSON reports.
#![allow(dead_code)] // each test binary uses a subset

use crate::support;
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code;
use session::response::session_response_t;
use std::ffi::{c_char, CStr, CString};

pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// What a test needs of a response, copied out; the C response is freed.
#[derive(Debug)]
pub struct Resp {
    pub error: session_code,
    pub message: String,
    pub status: i64,
    pub url: String,
    pub body: String,
    pub redirects: usize,
}

fn text(p: *const c_char) -> String {
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

pub fn take(r: *mut session_response_t) -> Resp {
    let v = unsafe { &*r };
    let out = Resp {
        error: v.error,
        message: text(v.error_message),
        status: v.status_code,
        url: text(v.url),
        body: String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(v.body as *const u8, v.body_len) }).into_owned(),
        redirects: v.redirect_count,
    };
    unsafe { session_response_free(r) };
    out
}

pub struct S(pub *mut session_t);
unsafe impl Send for S {}
unsafe impl Sync for S {}
impl Drop for S {
    fn drop(&mut self) {
        unsafe { session_free(self.0) }
    }
}
impl S {
    pub fn new() -> S {
        S(session_new())
    }
    pub fn get(&self, url: &str) -> Resp {
        take(unsafe { session_get(self.0, c(url).as_ptr()) })
    }
    /// Sends `method url` with extra request headers.
    pub fn send(&self, method: &str, url: &str, headers: &[(&str, &str)]) -> Resp {
        let req = Req::new(method, url);
        for (n, v) in headers {
            assert_eq!(unsafe { session_request_set_header(req.0, c(n).as_ptr(), c(v).as_ptr()) }, session_code::SESSION_OK);
        }
        req.send(self)
    }
}

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
    pub fn send(&self, s: &S) -> Resp {
        take(unsafe { session_send(s.0, self.0) })
    }
}

/// The header `name` of an httpbin or rig echo body, if present ("Name": "value" pairs).
pub fn echoed_header(body: &str, name: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let needle = format!("\"{}\"", name.to_ascii_lowercase());
    let at = lower.find(&needle)? + needle.len();
    let rest = &body[at..];
    let start = rest.find('"')? + 1;
    let end = start + rest[start..].find('"')?;
    Some(rest[start..end].to_owned())
}

/// The proxy's /stats entries of `kind`, as raw JSON object texts.
pub fn proxy_seen(proxy: &support::Server, kind: &str) -> Vec<String> {
    let body = support::get_json(&proxy.url("/stats"));
    body.split('{')
        .skip(2)
        .filter(|e| e.contains(&format!("\"kind\": \"{kind}\"")))
        .map(|e| e.trim_end_matches([',', ' ', ']', '}']).to_owned())
        .collect()
}

/// The count a rig /attempts?key= reports.
pub fn attempts(rig: &support::Server, key: &str) -> u64 {
    let body = support::get_json(&rig.url(&format!("/attempts?key={key}")));
    body.trim().trim_start_matches("{\"attempts\":").trim_end_matches('}').trim().parse().unwrap()
}

pub fn extra<'a>(server: &'a support::Server, key: &str) -> &'a str {
    server.extra.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("server printed no {key}"))
}
