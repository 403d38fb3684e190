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

/// Reads a request head (up to its blank line, or what came within 2 s) from `conn`.
fn read_request_head(conn: &mut std::net::TcpStream) -> Vec<u8> {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    request
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
                read_request_head(&mut conn);
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

/// A state file (session_load's parser): never a panic; a file it accepts is version 1,
/// names only DNS hosts in normal form for HSTS, and survives a write and a re-read
/// unchanged.
pub fn state_file(data: &[u8]) {
    let Ok(state) = session::internals::parse_state(data) else {
        return;
    };
    assert_eq!(state.libsession_state, 1);
    for entry in &state.hsts {
        assert!(entry.host.parse::<std::net::IpAddr>().is_err() && !entry.host.starts_with('['), "IP host {}", entry.host);
        assert_eq!(entry.host, entry.host.to_ascii_lowercase());
        assert!(!entry.host.ends_with('.') && !entry.host.is_empty());
    }
    for cookie in &state.cookies {
        assert_clean("cookie name", cookie.name.as_bytes());
        assert_clean("cookie value", cookie.value.as_bytes());
    }
    let text = session::internals::state_to_json(&state).expect("an accepted state serializes");
    let again = session::internals::parse_state(&text).expect("a written state parses");
    assert_eq!(again, state, "the state changed in a round trip");
}

/// A Strict-Transport-Security value (the HSTS parser): never a panic; an accepted header
/// has exactly one max-age, and applying it to a table gives an entry exactly when
/// max-age > 0 (for a DNS host), none for an IP literal.
pub fn sts_header(data: &[u8]) {
    let Some(directive) = session::internals::parse_sts(data) else {
        return;
    };
    let lower = data.to_ascii_lowercase();
    assert!(lower.windows(7).any(|w| w == b"max-age"), "accepted without max-age: {:?}", String::from_utf8_lossy(data));
    let mut table = session::internals::Hsts::default();
    table.observe(&Url::parse("https://fuzz.example/").unwrap(), data);
    table.observe(&Url::parse("https://127.0.0.1/").unwrap(), data);
    assert_eq!(table.len(), usize::from(directive.max_age > 0));
    assert_eq!(table.lookup("sub.fuzz.example"), directive.max_age > 0 && directive.include_subdomains);
}

/// An event stream cut into chunks at each 0x1F: the events must not depend on where the
/// chunks end, no event type or id holds a line end, no data a CR, and nothing exceeds the
/// cap (memory stays bounded).
pub fn event_stream(data: &[u8]) {
    use session::internals::{EventStream, Fed};
    const CAP: usize = 4096;
    let run = |chunks: &[&[u8]]| {
        let mut parser = EventStream::new(CAP);
        let mut events = Vec::new();
        let mut outcome = Fed::More;
        for chunk in chunks {
            outcome = parser.feed(chunk, &mut |e| {
                assert!(!e.event.is_empty());
                assert!(!e.event.iter().chain(e.id).any(|&b| b == b'\r' || b == b'\n'));
                assert!(!e.data.contains(&b'\r'));
                assert!(!e.id.contains(&0));
                assert!(e.data.len() <= CAP);
                events.push((e.event.to_vec(), e.data.to_vec(), e.id.to_vec(), e.retry));
                true
            });
            if outcome != Fed::More {
                break;
            }
        }
        (events, outcome)
    };
    let chunks: Vec<&[u8]> = data.split(|&b| b == 0x1f).collect();
    let (split, split_outcome) = run(&chunks);
    let whole: Vec<u8> = chunks.concat();
    let (joined, joined_outcome) = run(&[&whole]);
    assert_eq!(split_outcome, joined_outcome);
    assert_eq!(split, joined, "the events depend on where the chunks end");
}

/// A loopback WebSocket server: answers the upgrade with a valid 101 for the key it got,
/// then sends the fuzzed bytes (the frames) and closes.
fn frame_server() -> &'static (u16, Mutex<Vec<u8>>) {
    static SERVER: OnceLock<(u16, Mutex<Vec<u8>>)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut conn in listener.incoming().flatten() {
                let request = read_request_head(&mut conn);
                let mut buf = [0u8; 4096];
                let head = String::from_utf8_lossy(&request);
                let key = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                let accept = session::internals::ws_accept(&key);
                let mut reply = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                )
                .into_bytes();
                reply.extend_from_slice(&frame_server().1.lock().unwrap());
                let _ = conn.write_all(&reply);
                let _ = conn.shutdown(std::net::Shutdown::Write);
                // Drain what the client sends back (pongs, its close) until it closes.
                while matches!(conn.read(&mut buf), Ok(n) if n > 0) {}
            }
        });
        (port, Mutex::new(Vec::new()))
    })
}

/// Fuzzed frames from a server to session_ws_recv: every message is whole and within the
/// cap, text is UTF-8, a close has a code an endpoint may send (or 1005) and ends the
/// stream; errors are never SESSION_E_INTERNAL; nothing hangs past the timeout.
pub fn ws_frames(data: &[u8]) {
    use session::capi::ws::*;
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    const MAX: usize = 16 * 1024;
    let (port, frames) = frame_server();
    *frames.lock().unwrap() = data.to_vec();
    let url = CString::new(format!("ws://127.0.0.1:{port}/fuzz")).unwrap();
    unsafe {
        let s = session_new();
        session_set_timeout_ms(s, 2000, 2000);
        let ws = session_ws_connect(s, url.as_ptr(), std::ptr::null());
        assert!(!ws.is_null(), "{:?}", CStr::from_ptr(session::capi::error::session_last_error()));
        assert_eq!(session_ws_set_max_message(ws, MAX), session_code::SESSION_OK);
        let mut closed = false;
        for _ in 0..10_000 {
            let m = session_ws_recv(ws, 2000);
            if m.is_null() {
                let err = CStr::from_ptr(session::capi::error::session_last_error()).to_string_lossy().into_owned();
                assert!(!err.starts_with("internal") && !err.starts_with("timed out"), "{err}");
                break;
            }
            assert!(!closed, "a message after the close");
            let v = &*m;
            let payload = std::slice::from_raw_parts(v.data as *const u8, v.len);
            assert!(v.len <= MAX);
            match v.r#type {
                session_ws_type::SESSION_WS_TEXT => assert!(std::str::from_utf8(payload).is_ok()),
                session_ws_type::SESSION_WS_CLOSE => {
                    let code = v.close_code;
                    assert!(code == 1005 || matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999), "close code {code}");
                    closed = true;
                }
                session_ws_type::SESSION_WS_PING | session_ws_type::SESSION_WS_PONG => assert!(v.len <= 125),
                session_ws_type::SESSION_WS_BINARY => {}
            }
            session_ws_message_free(m);
        }
        session_ws_free(ws);
        session_free(s);
    }
}

/// Bytes as the whole answer to a WebSocket upgrade (head, then a refusal's body by
/// Content-Length, chunked or to the end): never a panic; a head over the byte cap is
/// refused; a body is never over the cap nor longer than the bytes after the head; a refusal
/// is SESSION_E_DECODE, _TOO_LARGE or _CONNECT (cut short), nothing else.
pub fn ws_handshake(data: &[u8]) {
    use session::error::session_code::*;
    const HEAD_CAP: usize = 4096;
    const BODY_CAP: u64 = 8192;
    match session::internals::ws_answer(data, HEAD_CAP, BODY_CAP) {
        Ok(None) => {}
        Ok(Some((status, head_len, body))) => {
            assert!((100..=999).contains(&status), "status {status}");
            assert!(head_len <= data.len());
            assert!(body.len() as u64 <= BODY_CAP && body.len() <= data.len() - head_len);
        }
        Err(code) => assert!(matches!(code, SESSION_E_DECODE | SESSION_E_TOO_LARGE | SESSION_E_CONNECT), "{code:?}"),
    }
}

/// A HAR file as a replay cassette: the parser never panics; a file it accepts loads with
/// session_set_replay (PLAYBACK) and every request it records (up to 8) is answered from it,
/// never with SESSION_E_INTERNAL or a NULL response, with clean headers; a file it refuses is
/// refused by session_set_replay too, with SESSION_E_DECODE or SESSION_E_TOO_LARGE.
pub fn har_replay(data: &[u8]) {
    let parsed = session::internals::har_requests(data);
    let path = std::env::temp_dir().join(format!("libsession-fuzz-har-{}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let cpath = CString::new(path.to_str().unwrap()).unwrap();
    unsafe {
        let s = session_new();
        session_set_max_body_size(s, MAX_BODY);
        let code = session::capi::har::session_set_replay(s, cpath.as_ptr(), session::capi::har::SESSION_REPLAY_PLAYBACK);
        match &parsed {
            Err(refused) => {
                assert!(matches!(refused, session_code::SESSION_E_DECODE | session_code::SESSION_E_TOO_LARGE), "{refused:?}");
                assert_eq!(code, *refused);
            }
            Ok(requests) => {
                assert_eq!(code, session_code::SESSION_OK);
                for (method, url) in requests.iter().take(8) {
                    let (Ok(m), Ok(u)) = (CString::new(method.as_str()), CString::new(url.as_str())) else { continue };
                    let req = session_request_new(m.as_ptr(), u.as_ptr());
                    if req.is_null() {
                        continue; // a method or URL the request builder refuses
                    }
                    // Never follow: a recorded Location may name any host (a miss, not a send).
                    session_request_set_allow_redirects(req, false);
                    let r = session_send(s, req);
                    assert!(!r.is_null());
                    let v = &*r;
                    assert_ne!(v.error, session_code::SESSION_E_INTERNAL, "{:?}", CStr::from_ptr(v.error_message));
                    if v.error == session_code::SESSION_OK {
                        assert!(v.body_len <= MAX_BODY);
                        for i in 0..session_response_header_count(r) {
                            let (mut name, mut value) = (std::ptr::null(), std::ptr::null());
                            assert_eq!(session_response_header_at(r, i, &mut name, &mut value), session_code::SESSION_OK);
                            assert_clean("replayed header", CStr::from_ptr(value).to_bytes());
                            assert_clean("replayed header name", CStr::from_ptr(name).to_bytes());
                        }
                    }
                    session_response_free(r);
                    session_request_free(req);
                }
            }
        }
        session_free(s);
    }
    let _ = std::fs::remove_file(&path);
}

/// A disk cache record file (docs/cache.md "Entry format"): what the parser accepts
/// encodes back to the same bytes; put in a cache directory as the record of a URL and
/// asked for with SESSION_CACHE_ONLY_IF_CACHED, it answers (its key is that URL) or is a
/// miss (SESSION_E_NOT_CACHED), never SESSION_E_INTERNAL, and a refused file is removed.
pub fn cache_entry(data: &[u8]) {
    use session::capi::cache::*;
    const URL: &str = "http://fuzz.invalid/cached";
    let accepted = session::internals::cache_entry(data);
    let dir = std::env::temp_dir().join(format!("libsession-fuzz-cache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = session::internals::cache_entry_path(&dir, URL);
    std::fs::write(&path, data).unwrap();
    let cdir = CString::new(dir.to_str().unwrap()).unwrap();
    let url = CString::new(URL).unwrap();
    unsafe {
        let s = session_new();
        assert_eq!(session_set_cache(s, cdir.as_ptr(), 1 << 30), session_code::SESSION_OK);
        let req = session_request_new(c"GET".as_ptr(), url.as_ptr());
        session_request_set_cache_mode(req, SESSION_CACHE_ONLY_IF_CACHED);
        let r = session_send(s, req);
        assert!(!r.is_null());
        let code = (*r).error;
        assert_ne!(code, session_code::SESSION_E_INTERNAL);
        if code == session_code::SESSION_OK {
            assert!(accepted.as_ref().is_some_and(|(key, _)| key == URL), "only an intact record of the URL answers");
            for i in 0..session_response_header_count(r) {
                let (mut n, mut v) = (std::ptr::null(), std::ptr::null());
                session_response_header_at(r, i, &mut n, &mut v);
                assert!(!CStr::from_ptr(n).to_bytes().is_empty());
                let _ = v;
            }
        } else {
            assert!(code == session_code::SESSION_E_NOT_CACHED || code == session_code::SESSION_E_TOO_LARGE, "{code:?}");
        }
        if accepted.is_none() {
            assert!(!path.exists(), "a refused record is removed");
        }
        session_response_free(r);
        session_request_free(req);
        session_free(s);
    }
    let _ = std::fs::remove_file(&path);
}
