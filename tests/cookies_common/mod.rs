//! Shared by the cookie tests: a session whose test host names all go to the rig server on
//! 127.0.0.1 (plain and TLS ports), servers sending raw Set-Cookie lines, and what the
//! server received in the Cookie header.
#![allow(dead_code)] // each test binary uses a subset

use crate::support;
use session::capi::cookies::*;
use session::capi::request::session_get;
use session::capi::response::session_response_free;
use session::capi::session::*;
use session::error::session_code::{self, *};
use std::sync::OnceLock;

/// Names mapped to 127.0.0.1 in every test session.
pub const HOSTS: &[&str] = &[
    "example.org",
    "sub.example.org",
    "example.com",
    "other.com",
    "example.co.uk",
    "www.example.co.uk",
    "other.co.uk",
];

pub use crate::support::capi::{c, text};

/// The rig server (with its TLS listener) shared by the tests of one binary.
pub fn rig() -> &'static support::Server {
    static RIG: OnceLock<support::Server> = OnceLock::new();
    RIG.get_or_init(support::rig_tls)
}

/// Percent-encodes every byte but the unreserved ones.
pub fn encode(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One cookie of a list, copied out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub path: String,
    pub expires: i64,
    pub secure: bool,
    pub http_only: bool,
    pub host_only: bool,
}

pub struct Jar(pub *mut session_t);
unsafe impl Send for Jar {}
unsafe impl Sync for Jar {}

impl Drop for Jar {
    fn drop(&mut self) {
        unsafe { session_free(self.0) }
    }
}

impl Jar {
    pub fn new() -> Jar {
        let rig = rig();
        let s = session_new();
        for host in HOSTS {
            for port in [rig.port, rig.tls_port.unwrap()] {
                let code = unsafe { session_set_resolve(s, c(host).as_ptr(), port as i32, c("127.0.0.1").as_ptr()) };
                assert_eq!(code, SESSION_OK);
            }
        }
        // The rig certificate names 127.0.0.1 and localhost only; these tests are about cookies.
        assert_eq!(unsafe { session_set_verify(s, false) }, SESSION_OK);
        Jar(s)
    }

    /// GET `url`; returns (status, body), panicking on a transport error.
    pub fn get(&self, url: &str) -> (i64, String) {
        let r = unsafe { session_get(self.0, c(url).as_ptr()) };
        let v = unsafe { &*r };
        assert_eq!(v.error, SESSION_OK, "GET {url}: {}", text(v.error_message));
        let body = unsafe { std::slice::from_raw_parts(v.body as *const u8, v.body_len) };
        let out = (v.status_code, String::from_utf8_lossy(body).into_owned());
        unsafe { session_response_free(r) };
        out
    }

    /// The server at `base` ("http://host:port") answers with one Set-Cookie per line.
    pub fn serve(&self, base: &str, lines: &[&[u8]]) {
        let query: Vec<String> = lines.iter().map(|l| format!("h={}", encode(l))).collect();
        let (status, _) = self.get(&format!("{base}/set-raw?{}", query.join("&")));
        assert_eq!(status, 200);
    }

    /// The Cookie header the server at `base` received for a GET of `path` (under /echo).
    pub fn received(&self, base: &str, path: &str) -> Option<String> {
        let (status, body) = self.get(&format!("{base}{path}"));
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&body).expect("echo JSON");
        let headers = json["headers"].as_array().expect("headers");
        let cookies: Vec<&str> = headers
            .iter()
            .filter(|h| h[0].as_str().is_some_and(|n| n.eq_ignore_ascii_case("cookie")))
            .map(|h| h[1].as_str().unwrap())
            .collect();
        assert!(cookies.len() <= 1, "several Cookie headers: {cookies:?}");
        cookies.first().map(|s| s.to_string())
    }

    /// The Cookie header the server at `base` received for GET /echo.
    pub fn sent(&self, base: &str) -> Option<String> {
        self.received(base, "/echo")
    }

    pub fn list(&self) -> Vec<Listed> {
        unsafe {
            let list = session_cookies_list(self.0);
            assert!(!list.is_null());
            let out = (0..session_cookie_list_len(list))
                .map(|i| {
                    let c = &*session_cookie_list_at(list, i);
                    Listed {
                        name: text(c.name),
                        value: text(c.value),
                        domain: text(c.domain),
                        path: text(c.path),
                        expires: c.expires,
                        secure: c.secure,
                        http_only: c.http_only,
                        host_only: c.host_only,
                    }
                })
                .collect();
            session_cookie_list_free(list);
            out
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.list().into_iter().map(|c| c.name).collect()
    }

    pub fn set(&self, name: &str, value: &str, domain: &str, path: Option<&str>) -> session_code {
        let path = path.map(c);
        unsafe {
            session_cookie_set(self.0, c(name).as_ptr(), c(value).as_ptr(), c(domain).as_ptr(), path.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()))
        }
    }
}

/// http://host:port of the rig's plain listener.
pub fn http(host: &str) -> String {
    format!("http://{host}:{}", rig().port)
}

/// https://host:port of the rig's TLS listener.
pub fn https(host: &str) -> String {
    format!("https://{host}:{}", rig().tls_port.unwrap())
}
