//! WebSocket over the C ABI against tests/servers/stream_server.py (wsproto on loopback):
//! echo, TLS, cookies and headers on the upgrade, a refused upgrade, a bad handshake,
//! fragments, pings both ways, close handshakes, the size cap, invalid UTF-8, a vanished
//! or silent peer, one sender and one receiver on two threads, and frame sizes around the
//! length encodings.
mod support;

use session::capi::cookies::{session_cookie_get, session_cookie_set, session_string_free};
use session::capi::error::session_last_error;
use session::capi::session::session_set_ca_bundle;
use session::capi::request::session_request_set_header;
use session::capi::ws::*;
use session::error::session_code::{self, *};
use std::ffi::{c_char, CStr};
use std::sync::OnceLock;
use support::capi::{c, take, text, Req, Session};

fn server() -> &'static support::Server {
    static SERVER: OnceLock<support::Server> = OnceLock::new();
    SERVER.get_or_init(support::streams)
}

fn ws_url(path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", server().port)
}

fn last_error() -> String {
    text(session_last_error())
}

/// A WebSocket freed on drop.
struct Ws(*mut session_ws_t);
unsafe impl Send for Ws {}
unsafe impl Sync for Ws {}
impl Drop for Ws {
    fn drop(&mut self) {
        unsafe { session_ws_free(self.0) }
    }
}

/// A received message, copied out.
#[derive(Debug, PartialEq)]
struct Msg {
    kind: session_ws_type,
    data: Vec<u8>,
    code: u16,
    reason: String,
}

impl Ws {
    fn open(s: &Session, url: &str) -> Ws {
        let ws = unsafe { session_ws_connect(s.raw(), c(url).as_ptr(), std::ptr::null()) };
        assert!(!ws.is_null(), "connect {url}: {}", last_error());
        Ws(ws)
    }
    fn text(&self, t: &str) -> session_code {
        unsafe { session_ws_send_text(self.0, t.as_ptr() as *const c_char, t.len()) }
    }
    fn binary(&self, b: &[u8]) -> session_code {
        unsafe { session_ws_send_binary(self.0, b.as_ptr().cast(), b.len()) }
    }
    fn recv(&self, timeout_ms: i32) -> Result<Msg, String> {
        let m = unsafe { session_ws_recv(self.0, timeout_ms) };
        if m.is_null() {
            return Err(last_error());
        }
        let v = unsafe { &*m };
        let msg = Msg {
            kind: v.r#type,
            data: unsafe { std::slice::from_raw_parts(v.data as *const u8, v.len) }.to_vec(),
            code: v.close_code,
            reason: text(v.close_reason),
        };
        assert_eq!(unsafe { *v.data.add(v.len) }, 0, "data is NUL-terminated");
        unsafe { session_ws_message_free(m) };
        Ok(msg)
    }
    fn expect(&self, kind: session_ws_type, data: &[u8]) {
        let m = self.recv(5000).unwrap();
        assert_eq!((m.kind, m.data.as_slice()), (kind, data));
    }
}

#[test]
fn echo_text_and_binary_then_close_handshake() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/echo"));
    assert!(unsafe { session_ws_fd(ws.0) } >= 0);
    assert_eq!(ws.text("héllo"), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_TEXT, "héllo".as_bytes());
    assert_eq!(ws.binary(&[0, 1, 2, 255]), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_BINARY, &[0, 1, 2, 255]);
    assert_eq!(unsafe { session_ws_ping(ws.0, b"p".as_ptr().cast(), 1) }, SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_PONG, b"p");
    assert_eq!(unsafe { session_ws_close(ws.0, 1000, c("done").as_ptr()) }, SESSION_OK);
    let m = ws.recv(5000).unwrap();
    assert_eq!((m.kind, m.code), (session_ws_type::SESSION_WS_CLOSE, 1000));
    assert_eq!(ws.text("late"), SESSION_E_CONNECT, "nothing is sent after a close");
    assert!(ws.recv(100).unwrap_err().contains("closed"));
}

#[test]
fn http_scheme_and_wss_with_the_rigs_ca() {
    let s = Session::new();
    let http = format!("http://127.0.0.1:{}/echo", server().port);
    let ws = Ws::open(&s, &http);
    assert_eq!(ws.text("over http://"), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"over http://");

    let wss = format!("wss://127.0.0.1:{}/echo", server().tls_port.unwrap());
    let refused = unsafe { session_ws_connect(s.raw(), c(&wss).as_ptr(), std::ptr::null()) };
    assert!(refused.is_null(), "an unknown CA is refused");
    assert!(last_error().starts_with("TLS"), "{}", last_error());
    let ca = server().ca_pem.as_ref().unwrap().to_str().unwrap();
    assert_eq!(unsafe { session_set_ca_bundle(s.raw(), c(ca).as_ptr()) }, SESSION_OK);
    let ws = Ws::open(&s, &wss);
    assert_eq!(ws.text("over TLS"), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"over TLS");
}

#[test]
fn upgrade_carries_cookies_headers_and_subprotocols_and_stores_set_cookie() {
    let s = Session::new();
    let host = "127.0.0.1";
    assert_eq!(unsafe { session_cookie_set(s.raw(), c("jarred").as_ptr(), c("yes").as_ptr(), c(host).as_ptr(), std::ptr::null()) }, SESSION_OK);
    unsafe { session::capi::session::session_set_header(s.raw(), c("X-Session").as_ptr(), c("default").as_ptr()) };
    unsafe { session::capi::session::session_set_bearer_token(s.raw(), c("tok").as_ptr()) };
    let req = Req::new("GET", "http://ignored/");
    unsafe { session_request_set_header(req.0, c("X-Own").as_ptr(), c("mine").as_ptr()) };
    let ws = unsafe { session_ws_connect(s.raw(), c(&ws_url("/headers")).as_ptr(), req.0) };
    assert!(!ws.is_null(), "{}", last_error());
    let ws = Ws(ws);
    let m = ws.recv(5000).unwrap();
    let headers = String::from_utf8(m.data).unwrap();
    for expected in ["\"cookie\": \"jarred=yes\"", "\"x-session\": \"default\"", "\"x-own\": \"mine\"", "\"authorization\": \"Bearer tok\"", "\"sec-websocket-version\": \"13\""] {
        assert!(headers.contains(expected), "{expected} not in {headers}");
    }
    drop(ws);

    let _ws = Ws::open(&s, &ws_url("/setcookie"));
    let got = unsafe { session_cookie_get(s.raw(), c(&format!("http://{host}:{}/", server().port)).as_ptr(), c("wscookie").as_ptr()) };
    assert!(!got.is_null(), "Set-Cookie on the 101 went into the jar");
    assert_eq!(unsafe { CStr::from_ptr(got) }.to_str().unwrap(), "up");
    unsafe { session_string_free(got) };

    let req = Req::new("GET", "http://ignored/");
    unsafe { session_request_set_header(req.0, c("Sec-WebSocket-Protocol").as_ptr(), c("chat.v2, chat.v1").as_ptr()) };
    let mut response = std::ptr::null_mut();
    let ws = unsafe { session_ws_connect_response(s.raw(), c(&ws_url("/protocol")).as_ptr(), req.0, &mut response) };
    assert!(!ws.is_null(), "{}", last_error());
    let _ws = Ws(ws);
    let chosen = unsafe { session::capi::response::session_response_header(response, c("Sec-WebSocket-Protocol").as_ptr()) };
    assert_eq!(text(chosen), "chat.v2");
    let r = take(response);
    assert_eq!((r.error, r.status), (SESSION_OK, 101));
}

#[test]
fn a_refused_upgrade_gives_its_response_and_cookies() {
    let s = Session::new();
    let mut response = std::ptr::null_mut();
    let ws = unsafe { session_ws_connect_response(s.raw(), c(&ws_url("/refuse")).as_ptr(), std::ptr::null(), &mut response) };
    assert!(ws.is_null());
    assert!(last_error().contains("403"), "{}", last_error());
    let r = take(response);
    assert_eq!((r.error, r.status, r.body.as_str()), (SESSION_E_UPGRADE_REFUSED, 403, "go away"), "the whole refusal, body included");
    let got = unsafe { session_cookie_get(s.raw(), c(&format!("http://127.0.0.1:{}/", server().port)).as_ptr(), c("refused").as_ptr()) };
    assert!(!got.is_null(), "Set-Cookie on a refusal went into the jar");
    unsafe { session_string_free(got) };
    // Without a response pointer: the same error, nothing leaks.
    assert!(unsafe { session_ws_connect(s.raw(), c(&ws_url("/refuse")).as_ptr(), std::ptr::null()) }.is_null());
}

#[test]
fn a_wrong_accept_key_or_a_bad_scheme_is_refused() {
    let s = Session::new();
    assert!(unsafe { session_ws_connect(s.raw(), c(&ws_url("/badaccept")).as_ptr(), std::ptr::null()) }.is_null());
    assert!(last_error().contains("Sec-WebSocket-Accept"), "{}", last_error());
    assert!(unsafe { session_ws_connect(s.raw(), c("ftp://127.0.0.1/").as_ptr(), std::ptr::null()) }.is_null());
    assert!(last_error().starts_with("invalid URL"), "{}", last_error());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = format!("ws://127.0.0.1:{port}/");
    assert!(unsafe { session_ws_connect(s.raw(), c(&refused).as_ptr(), std::ptr::null()) }.is_null());
    assert!(last_error().starts_with("could not connect"), "{}", last_error());
}

#[test]
fn fragments_are_joined_and_pings_between_them_answered() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/fragments"));
    ws.expect(session_ws_type::SESSION_WS_PING, b"mid");
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"Hello, world");
    let ws = Ws::open(&s, &ws_url("/ping"));
    ws.expect(session_ws_type::SESSION_WS_PING, b"are you there");
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"pong ok");
}

#[test]
fn the_peers_close_is_given_and_answered() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/close"));
    let m = ws.recv(5000).unwrap();
    assert_eq!((m.kind, m.code, m.reason.as_str()), (session_ws_type::SESSION_WS_CLOSE, 4000, "bye"));
    assert_eq!(unsafe { session_ws_close(ws.0, 1000, std::ptr::null()) }, SESSION_OK, "a close after the peer's does nothing");
}

#[test]
fn oversize_messages_close_with_1009() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/big?n=300000"));
    assert_eq!(unsafe { session_ws_set_max_message(ws.0, 0) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_ws_set_max_message(ws.0, 100_000) }, SESSION_OK);
    let err = ws.recv(5000).unwrap_err();
    assert!(err.starts_with("response too large") && err.contains("1009"), "{err}");
    assert_eq!(ws.text("x"), SESSION_E_TOO_LARGE, "the connection is done");
    // Under the cap, a fragmented binary message arrives whole.
    let ws = Ws::open(&s, &ws_url("/big?n=300000"));
    let m = ws.recv(5000).unwrap();
    assert_eq!((m.kind, m.data.len()), (session_ws_type::SESSION_WS_BINARY, 300_000));
}

#[test]
fn invalid_utf8_text_closes_with_1007() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/badutf8"));
    let err = ws.recv(5000).unwrap_err();
    assert!(err.starts_with("could not decode") && err.contains("1007"), "{err}");
    assert_eq!(ws.text("\u{fffd}"), SESSION_E_DECODE);
    let bad = [b'a', 0xff];
    assert_eq!(unsafe { session_ws_send_text(Ws::open(&s, &ws_url("/echo")).0, bad.as_ptr().cast(), 2) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn a_vanished_peer_is_a_connect_error_and_a_silent_one_a_timeout() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/vanish"));
    let err = ws.recv(5000).unwrap_err();
    assert!(err.starts_with("could not connect"), "{err}");
    let ws = Ws::open(&s, &ws_url("/silent"));
    let started = std::time::Instant::now();
    let err = ws.recv(300).unwrap_err();
    assert!(err.starts_with("timed out"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert_eq!(ws.text("still open"), SESSION_OK, "a timeout leaves it usable");
}

#[test]
fn one_thread_sends_while_another_receives() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/echo"));
    let n = 2000;
    std::thread::scope(|scope| {
        let sender = scope.spawn(|| {
            for i in 0..n {
                assert_eq!(ws.text(&format!("message {i}")), SESSION_OK);
            }
        });
        for i in 0..n {
            ws.expect(session_ws_type::SESSION_WS_TEXT, format!("message {i}").as_bytes());
        }
        sender.join().unwrap();
    });
}

#[test]
fn length_encodings_and_large_echoes() {
    let s = Session::new();
    let ws = Ws::open(&s, &ws_url("/sizes"));
    for n in [0usize, 125, 126, 65535, 65536] {
        ws.expect(session_ws_type::SESSION_WS_BINARY, &vec![(n % 251) as u8; n]);
    }
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    assert_eq!(ws.binary(&big), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_BINARY, &big);
}

#[test]
fn null_and_bad_arguments_are_refused() {
    unsafe {
        assert!(session_ws_connect(std::ptr::null_mut(), c("ws://h/").as_ptr(), std::ptr::null()).is_null());
        let s = Session::new();
        assert!(session_ws_connect(s.raw(), std::ptr::null(), std::ptr::null()).is_null());
        assert_eq!(session_ws_send_text(std::ptr::null_mut(), std::ptr::null(), 0), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_send_binary(std::ptr::null_mut(), std::ptr::null(), 0), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_ping(std::ptr::null_mut(), std::ptr::null(), 0), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_close(std::ptr::null_mut(), 1000, std::ptr::null()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_set_max_message(std::ptr::null_mut(), 1), SESSION_E_INVALID_ARGUMENT);
        assert!(session_ws_recv(std::ptr::null_mut(), 0).is_null());
        assert_eq!(session_ws_fd(std::ptr::null()), -1);
        session_ws_free(std::ptr::null_mut());
        session_ws_message_free(std::ptr::null_mut());
        let ws = Ws::open(&s, &ws_url("/echo"));
        assert_eq!(session_ws_close(ws.0, 1005, std::ptr::null()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_close(ws.0, 0, c("reason").as_ptr()), SESSION_E_INVALID_ARGUMENT);
        assert!(session_ws_recv(ws.0, -2).is_null());
        assert_eq!(session_ws_ping(ws.0, [0u8; 126].as_ptr().cast(), 126), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_ws_send_binary(ws.0, std::ptr::null(), 3), SESSION_E_INVALID_ARGUMENT);
    }
}

/// The session's HSTS and https-only rules apply to the upgrade: ws:// to a known HSTS host
/// becomes wss:// (here against a plain listener, so the TLS handshake fails where the
/// plain upgrade succeeds), and an https-only session refuses ws://.
#[test]
fn hsts_and_https_only_apply_to_the_upgrade() {
    use session::capi::session::session_set_resolve;
    use session::capi::state::{session_hsts_add, session_set_https_only};
    let port = server().port as i32;
    let url = format!("ws://hsts.test:{port}/echo");
    let s = Session::new();
    unsafe { assert_eq!(session_set_resolve(s.raw(), c("hsts.test").as_ptr(), port, c("127.0.0.1").as_ptr()), SESSION_OK) };
    drop(Ws::open(&s, &url)); // not yet known: the plain upgrade works
    unsafe { assert_eq!(session_hsts_add(s.raw(), c("hsts.test").as_ptr(), 600, false), SESSION_OK) };
    // The plain listener never answers a TLS hello: a short connect deadline ends it.
    unsafe { assert_eq!(session::capi::session::session_set_timeout_ms(s.raw(), 1000, 0), SESSION_OK) };
    let ws = unsafe { session_ws_connect(s.raw(), c(&url).as_ptr(), std::ptr::null()) };
    assert!(ws.is_null(), "the upgrade went out in clear");
    let err = last_error();
    assert!(["TLS", "SSL", "timed out"].iter().any(|w| err.contains(w)), "{err}");
    let plain = Session::new();
    unsafe { assert_eq!(session_set_https_only(plain.raw(), true), SESSION_OK) };
    let ws = unsafe { session_ws_connect(plain.raw(), c(&ws_url("/echo")).as_ptr(), std::ptr::null()) };
    assert!(ws.is_null());
    assert!(last_error().contains("https-only"), "{}", last_error());
}

/// A refusal's body is read whole however it is framed: Content-Length (the websockets
/// server's 403 above), chunked with extensions, or up to the connection's end.
#[test]
fn a_refusals_body_is_read_chunked_or_to_the_end() {
    let s = Session::new();
    for (path, status, body) in [("/refuse/chunked", 403, "go away, in chunks"), ("/refuse/close", 401, "log in first")] {
        let mut response = std::ptr::null_mut();
        let ws = unsafe { session_ws_connect_response(s.raw(), c(&ws_url(path)).as_ptr(), std::ptr::null(), &mut response) };
        assert!(ws.is_null());
        let r = take(response);
        assert_eq!((r.error, r.status, r.body.as_str()), (SESSION_E_UPGRADE_REFUSED, status, body), "{path}");
    }
    let got = unsafe { session_cookie_get(s.raw(), c(&format!("http://127.0.0.1:{}/", server().port)).as_ptr(), c("refused").as_ptr()) };
    assert_eq!(text(got), "2", "Set-Cookie on the chunked refusal");
}

/// Through the session's proxy: ws:// and wss:// both go through a CONNECT tunnel (the
/// proxy's credentials in the CONNECT only, never to the origin); wrong credentials are
/// SESSION_E_PROXY.
#[test]
fn through_the_sessions_proxy_in_a_connect_tunnel() {
    use session::capi::network::{session_set_proxy, session_set_trust_env};
    let proxy = support::proxy(&["--auth", "pu:pp"]);
    let s = Session::new();
    unsafe {
        assert_eq!(session_set_trust_env(s.raw(), false), SESSION_OK);
        let url = format!("http://pu:pp@127.0.0.1:{}", proxy.port);
        assert_eq!(session_set_proxy(s.raw(), c("all").as_ptr(), c(&url).as_ptr()), SESSION_OK);
        assert_eq!(session_set_ca_bundle(s.raw(), c(server().ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()), SESSION_OK);
    }
    // origin.test resolves only at the proxy: an answer proves the tunnel carried it.
    let ws = Ws::open(&s, &format!("ws://origin.test:{}/headers", server().port));
    let headers = String::from_utf8(ws.recv(5000).unwrap().data).unwrap();
    assert!(!headers.to_ascii_lowercase().contains("proxy-authorization"), "{headers}");
    assert!(headers.contains(&format!("\"host\": \"origin.test:{}\"", server().port)), "{headers}");
    assert_eq!(ws.text("tunnelled"), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"tunnelled");
    let ws = Ws::open(&s, &format!("wss://127.0.0.1:{}/echo", server().tls_port.unwrap()));
    assert_eq!(ws.text("tunnelled TLS"), SESSION_OK);
    ws.expect(session_ws_type::SESSION_WS_TEXT, b"tunnelled TLS");
    let body = support::get_json(&proxy.url("/stats"));
    let connects: Vec<&str> = body.split('{').filter(|e| e.contains("\"kind\": \"connect\"")).collect();
    assert_eq!(connects.len(), 2, "{body}");
    assert!(connects[0].contains(&format!("\"target\": \"origin.test:{}\"", server().port)), "{body}");
    assert!(connects.iter().all(|e| e.contains("\"proxy_authorization\": \"Basic cHU6cHA=\"")), "{body}");

    let bad = Session::new();
    unsafe {
        session_set_trust_env(bad.raw(), false);
        let url = format!("http://pu:wrong@127.0.0.1:{}", proxy.port);
        session_set_proxy(bad.raw(), c("all").as_ptr(), c(&url).as_ptr());
        assert!(session_ws_connect(bad.raw(), c(&ws_url("/echo")).as_ptr(), std::ptr::null()).is_null());
    }
    assert!(last_error().starts_with("proxy"), "{}", last_error());
}
