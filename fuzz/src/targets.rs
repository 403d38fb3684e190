//! The fuzz targets' bodies. Each takes arbitrary bytes and panics when an invariant breaks:
//! - no control characters (CR, LF, NUL, other C0, DEL) in anything libsession would send;
//! - caps respected (header lines and bytes, body size);
//! - no cookie for a public suffix (a cookie set by www.example.co.uk never reaches
//!   other.co.uk); skipped while FUZZ_SKIP_COOKIE_POLICY=1 (before the cookie policy lands);
//! - no panic anywhere, C ABI or not.
//!
//! Included by the fuzz binaries (fuzz/fuzz_targets) and by the library's corpus replay test
//! (tests/fuzz_corpus.rs), so it uses only the `session` crate, `url` and std.

use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::internals::Jar;
use session::error::session_code;
use std::ffi::{CStr, CString};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use url::Url;

/// Cap on a response body in the exchange target.
const MAX_BODY: usize = 1 << 20;

/// Whether the cookie-policy invariants are asserted (FUZZ_SKIP_COOKIE_POLICY=1 turns them off).
pub fn policy_checked() -> bool {
    std::env::var_os("FUZZ_SKIP_COOKIE_POLICY").is_none_or(|v| v != "1")
}

/// Bytes a header may never carry on the wire: C0 controls (tab aside) and DEL.
fn assert_clean(what: &str, bytes: &[u8]) {
    let bad = bytes
        .iter()
        .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f);
    assert!(
        bad.is_none(),
        "{what} carries a control character: {:?}",
        String::from_utf8_lossy(bytes)
    );
}

/// Splits `data` at 0x1F (the unit separator) into at most `n` fields.
fn fields(data: &[u8], n: usize) -> Vec<&[u8]> {
    data.splitn(n, |&b| b == 0x1f).collect()
}

const ORIGINS: [&str; 4] = [
    "http://www.example.co.uk/a/b",
    "https://a.b.github.io/x",
    "http://example.com/",
    "http://127.0.0.1:8080/p/",
];
const STRANGERS: [&str; 3] = [
    "http://other.co.uk/",
    "http://other.github.io/",
    "http://other.com/",
];

/// Set-Cookie lines (one per LF) from one of ORIGINS, then the Cookie header to each origin.
pub fn cookie_jar(data: &[u8]) {
    cookie_jar_with(data, policy_checked())
}

/// [`cookie_jar`], asserting the cookie-policy invariants when `policy` is set.
pub fn cookie_jar_with(data: &[u8], policy: bool) {
    let Some((&pick, lines)) = data.split_first() else {
        return;
    };
    let origin = Url::parse(ORIGINS[pick as usize % ORIGINS.len()]).unwrap();
    let mut jar = Jar::default();
    jar.store_response(&origin, lines.split(|&b| b == b'\n').take(64));
    for target in ORIGINS.iter().chain(&STRANGERS) {
        let url = Url::parse(target).unwrap();
        if let Some(header) = jar.header_for(&url) {
            if policy {
                assert_clean("Cookie header", header.as_bytes());
                assert!(
                    !STRANGERS.contains(target),
                    "cookie for a public suffix reached {target}: {header}"
                );
            }
            assert!(!header.is_empty());
        }
    }
}

fn c_string(bytes: &[u8]) -> Option<CString> {
    CString::new(bytes).ok()
}

/// A request built through the C ABI (method, URL, a header, a param, a session header and a
/// Location to follow), then prepared as for sending: nothing with a control character
/// gets through.
pub fn request_validation(data: &[u8]) {
    let f = fields(data, 8);
    let get = |i: usize| f.get(i).copied().unwrap_or(b"");
    let (Some(method), Some(url)) = (c_string(get(0)), c_string(get(1))) else {
        return;
    };
    unsafe {
        let s = session_new();
        let req = session_request_new(method.as_ptr(), url.as_ptr());
        if let (Some(name), Some(value)) = (c_string(get(2)), c_string(get(3))) {
            session_request_set_header(req, name.as_ptr(), value.as_ptr());
            session_set_header(s, name.as_ptr(), value.as_ptr());
            session_request_add_param(req, name.as_ptr(), value.as_ptr());
        }
        // Rust strings may hold NUL: the Rust-level checks must refuse it too.
        if let (Ok(name), Ok(value)) = (std::str::from_utf8(get(4)), std::str::from_utf8(get(5))) {
            if let Some(r) = req.as_mut() {
                let _ = r.set_header(name, Some(value));
            }
        }
        // Field 7: a public-key pin (and the same text as a socket path and interface).
        if let Some(pin) = c_string(get(7)) {
            let accepted = session::capi::connect::session_set_pinned_public_key(s, pin.as_ptr()) == session_code::SESSION_OK;
            if accepted && get(7).starts_with(b"sha256//") {
                for part in get(7).split(|&b| b == b';') {
                    assert!(part.starts_with(b"sha256//") && part.len() == 52, "pin {part:?} accepted");
                }
            }
            session::capi::connect::session_set_unix_socket(s, pin.as_ptr());
            session::capi::connect::session_set_interface(s, pin.as_ptr());
        }
        if let Some(r) = req.as_ref() {
            if let Ok(hop) = session::internals::prepare(&(*s).settings(), r) {
                if let Some(socket) = &hop.net.unix_socket {
                    let path = socket.to_bytes();
                    assert!(path.starts_with(b"/") && path.len() <= 107, "socket path {path:?}");
                }
                assert_clean("method", hop.method.as_bytes());
                assert_clean("URL", hop.url.as_str().as_bytes());
                assert!(!hop.url.as_str().contains(' '), "space in URL {}", hop.url);
                for (name, value) in hop.headers.iter() {
                    assert_clean("header name", name.as_bytes());
                    assert!(
                        !name.is_empty() && !name.contains(':'),
                        "bad header name {name:?}"
                    );
                    assert_clean("header value", value.unwrap_or("").as_bytes());
                }
                if let Ok(next) = session::internals::resolve_location(&hop.url, get(6)) {
                    assert!(
                        matches!(next.scheme(), "http" | "https"),
                        "redirect to {next}"
                    );
                    assert_clean("redirect URL", next.as_str().as_bytes());
                }
            }
        }
        session_request_free(req);
        session_free(s);
    }
}

/// Raw response head bytes through the Collector's header path with a small byte cap.
pub fn response_head(data: &[u8]) {
    let cap = 4096;
    let (_status, headers, aborted) = session::internals::collect_head(data, cap);
    assert!(headers.len() <= session::internals::SESSION_MAX_HEADER_LINES);
    let kept: usize = headers
        .iter()
        .map(|(n, v)| n.as_bytes().len() + v.as_bytes().len())
        .sum();
    assert!(
        kept <= data.len().min(cap + 64),
        "kept {kept} header bytes under a {cap} cap"
    );
    for (name, value) in &headers {
        assert!(!name.as_bytes().contains(&b'\n') && !value.as_bytes().contains(&b'\n'));
    }
    assert!(
        data.len() <= cap || aborted,
        "{} header bytes passed a {cap} cap",
        data.len()
    );
}

/// The loopback server of the exchange target: answers every connection with the current
/// reply bytes, then closes it.
fn reply_server() -> &'static (u16, Mutex<Vec<u8>>) {
    static SERVER: OnceLock<(u16, Mutex<Vec<u8>>)> = OnceLock::new();
    let server = SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = reply_server().1.lock().unwrap().clone();
                let _ = conn.write_all(&reply);
                let _ = conn.shutdown(std::net::Shutdown::Both);
            }
        });
        (port, Mutex::new(Vec::new()))
    });
    server
}

/// A whole GET through the C ABI against a server replying with `data`.
pub fn exchange(data: &[u8]) {
    exchange_with(data, policy_checked())
}

/// [`exchange`], asserting the cookie-policy invariants when `policy` is set.
pub fn exchange_with(data: &[u8], policy: bool) {
    let (port, reply) = reply_server();
    *reply.lock().unwrap() = data.to_vec();
    let url = CString::new(format!("http://127.0.0.1:{port}/fuzz")).unwrap();
    unsafe {
        let s = session_new();
        session_set_timeout_ms(s, 2000, 2000);
        session_set_max_body_size(s, MAX_BODY);
        let req = session_request_new(c"GET".as_ptr(), url.as_ptr());
        // Never follow: a fuzzed Location may name any host.
        session_request_set_allow_redirects(req, false);
        let r = session_send(s, req);
        assert!(!r.is_null());
        let v = &*r;
        assert!(
            session_code::SESSION_OK as i32 <= v.error as i32
                && v.error as i32 <= session_code::SESSION_E_INTERNAL as i32
        );
        assert_ne!(
            v.error,
            session_code::SESSION_E_INTERNAL,
            "{:?}",
            CStr::from_ptr(v.error_message)
        );
        if v.error == session_code::SESSION_OK {
            assert!(v.body_len <= MAX_BODY);
            let n = session_response_header_count(r);
            assert!(n <= session::internals::SESSION_MAX_HEADER_LINES);
            for i in 0..n {
                let (mut name, mut value) = (std::ptr::null(), std::ptr::null());
                assert_eq!(
                    session_response_header_at(r, i, &mut name, &mut value),
                    session_code::SESSION_OK
                );
                assert!(!CStr::from_ptr(value).to_bytes().contains(&b'\n'));
            }
        }
        let cookie = session::capi::cookies::session_cookie_header(s, url.as_ptr());
        if !cookie.is_null() {
            if policy {
                assert_clean("Cookie header", CStr::from_ptr(cookie).to_bytes());
            }
            session::capi::cookies::session_string_free(cookie);
        }
        session_response_free(r);
        session_request_free(req);
        session_free(s);
    }
}
