//! The client-side cases of the Autobahn testsuite (numbered as its sections; the suite
//! itself is Python 2 only), run against tests/servers/stream_server.py on loopback:
//! - what a conformant server sends (large and fragmented messages, pings, closes, and the
//!   echo of everything the client sends) comes from the `websockets` package's server;
//! - what no conformant server sends (reserved bits and opcodes, bad fragmentation,
//!   invalid UTF-8, bad close frames) is written raw by /raw after the handshake.
//! Each case states what a conformant client does: deliver the message, or fail the
//! connection (NULL with SESSION_E_DECODE / _TOO_LARGE) with a close frame of 1002, 1007 or
//! 1009, and the server reports the close code it received (/report). docs/websocket.md
//! lists the outcome of every case.
mod support;

use session::capi::error::session_last_error;
use session::capi::ws::*;
use session::error::session_code::*;
use std::sync::OnceLock;
use support::capi::{c, text, Session};

fn server() -> &'static support::Server {
    static SERVER: OnceLock<support::Server> = OnceLock::new();
    SERVER.get_or_init(support::streams)
}

fn frame(op: u8, payload: &[u8], fin: bool, rsv: u8) -> Vec<u8> {
    let mut f = vec![(if fin { 0x80 } else { 0 }) | rsv | op];
    match payload.len() {
        n if n < 126 => f.push(n as u8),
        n if n < 65536 => {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    f.extend_from_slice(payload);
    f
}
fn fin(op: u8, payload: &[u8]) -> Vec<u8> {
    frame(op, payload, true, 0)
}
fn part(op: u8, payload: &[u8]) -> Vec<u8> {
    frame(op, payload, false, 0)
}
fn close(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    fin(8, &p)
}

#[derive(Debug, PartialEq)]
enum Got {
    Text(Vec<u8>),
    Binary(Vec<u8>),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(u16),
    /// recv failed; the text of session_last_error.
    Failed(String),
}

/// Connects to `path` and receives up to `n` messages (stopping at a close or failure).
/// One received message as a value; frees it.
fn take(m: *mut session_ws_message_t) -> Got {
    let v = unsafe { &*m };
    let data = unsafe { std::slice::from_raw_parts(v.data as *const u8, v.len) }.to_vec();
    let got = match v.r#type {
        session_ws_type::SESSION_WS_TEXT => Got::Text(data),
        session_ws_type::SESSION_WS_BINARY => Got::Binary(data),
        session_ws_type::SESSION_WS_PING => Got::Ping(data),
        session_ws_type::SESSION_WS_PONG => Got::Pong(data),
        session_ws_type::SESSION_WS_CLOSE => Got::Close(v.close_code),
    };
    unsafe { session_ws_message_free(m) };
    got
}

fn run(path: &str, n: usize) -> Vec<Got> {
    let s = Session::new();
    let url = format!("ws://127.0.0.1:{}{path}", server().port);
    let ws = unsafe { session_ws_connect(s.raw(), c(&url).as_ptr(), std::ptr::null()) };
    assert!(!ws.is_null(), "{}", text(session_last_error()));
    let mut got = Vec::new();
    for _ in 0..n {
        let m = unsafe { session_ws_recv(ws, 10_000) };
        if m.is_null() {
            got.push(Got::Failed(text(session_last_error())));
            break;
        }
        let item = take(m);
        let end = matches!(item, Got::Close(_));
        got.push(item);
        if end {
            break;
        }
    }
    unsafe { session_ws_free(ws) };
    got
}

fn raw(frames: &[Vec<u8>], n: usize) -> Vec<Got> {
    raw_reported(frames, n).0
}

/// A fresh case name for the server's report.
fn case_id() -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    format!("c{}-{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// The close code the server received from the client on `case` (waiting for the server
/// to see the connection end; "none" when no close frame came).
fn reported(case: &str) -> String {
    use std::io::{Read, Write};
    let mut last = String::new();
    for _ in 0..100 {
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", server().port)).unwrap();
        write!(conn, "GET /report?case={case} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut answer = String::new();
        conn.read_to_string(&mut answer).unwrap();
        last = answer.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
        if last != "none" {
            return last;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    last
}

/// The case's frames written raw; what the client got, and the close code it sent back.
fn raw_reported(frames: &[Vec<u8>], n: usize) -> (Vec<Got>, String) {
    let hex: String = frames.concat().iter().map(|b| format!("{b:02x}")).collect();
    let case = case_id();
    let got = run(&format!("/raw?hex={hex}&case={case}"), n);
    (got, reported(&case))
}

/// The client fails the connection on the case's frames (`what`: the error's start) and
/// closes it with `code`.
fn fails(frames: &[Vec<u8>], what: &str, code: u16, name: &str) {
    let (got, sent) = raw_reported(frames, 1);
    assert!(failed_with(&got, what), "{name}: {got:?}");
    assert_eq!(sent, code.to_string(), "{name}: the close code the server received");
}

fn failed_with(got: &[Got], what: &str) -> bool {
    matches!(got.last(), Some(Got::Failed(e)) if e.starts_with(what))
}

#[test]
fn case_1_framing_text_and_binary_lengths() {
    for n in [0usize, 125, 126, 127, 128, 65535, 65536] {
        let payload = vec![b'*'; n];
        assert_eq!(raw(&[fin(1, &payload)], 1), vec![Got::Text(payload.clone())], "1.1 text {n}");
        assert_eq!(raw(&[fin(2, &payload)], 1), vec![Got::Binary(payload)], "1.2 binary {n}");
    }
}

#[test]
fn case_2_pings_and_pongs() {
    assert_eq!(raw(&[fin(9, b""), fin(1, b"after")], 2), vec![Got::Ping(vec![]), Got::Text(b"after".to_vec())], "2.1");
    assert_eq!(raw(&[fin(9, &[0xfe; 125])], 1), vec![Got::Ping(vec![0xfe; 125])], "2.4");
    fails(&[fin(9, &[0; 126])], "could not decode", 1002, "2.5 ping over 125 bytes");
    assert_eq!(raw(&[fin(10, b"unsolicited"), fin(1, b"x")], 2), vec![Got::Pong(b"unsolicited".to_vec()), Got::Text(b"x".to_vec())], "2.8");
    let pings: Vec<Vec<u8>> = (0..10).map(|i| fin(9, format!("{i}").as_bytes())).collect();
    assert_eq!(raw(&pings, 10).len(), 10, "2.10 ten pings");
}

#[test]
fn case_3_reserved_bits_fail() {
    for rsv in [0x40, 0x20, 0x10, 0x70] {
        fails(&[frame(1, b"x", true, rsv)], "could not decode", 1002, &format!("3.x rsv {rsv:#x}"));
    }
}

#[test]
fn case_4_reserved_opcodes_fail() {
    for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
        fails(&[fin(op, b"x")], "could not decode", 1002, &format!("4.x opcode {op}"));
    }
}

#[test]
fn case_5_fragmentation() {
    fails(&[part(9, b"a"), fin(0, b"b")], "could not decode", 1002, "5.1 fragmented ping");
    fails(&[part(10, b"a"), fin(0, b"b")], "could not decode", 1002, "5.2 fragmented pong");
    assert_eq!(raw(&[part(1, b"frag"), fin(0, b"ment")], 1), vec![Got::Text(b"fragment".to_vec())], "5.3");
    assert_eq!(raw(&[part(1, b"a"), part(0, b"b"), part(0, b""), fin(0, b"c")], 1), vec![Got::Text(b"abc".to_vec())], "5.5 empty fragment");
    assert_eq!(
        raw(&[part(1, b"a"), fin(9, b"p"), fin(0, b"b")], 2),
        vec![Got::Ping(b"p".to_vec()), Got::Text(b"ab".to_vec())],
        "5.6 ping between fragments"
    );
    fails(&[fin(0, b"orphan")], "could not decode", 1002, "5.9 continuation without start");
    fails(&[part(0, b"orphan"), fin(1, b"x")], "could not decode", 1002, "5.13 fragmented continuation without start");
    fails(&[part(1, b"a"), fin(1, b"b")], "could not decode", 1002, "5.15 new text inside a fragmented one");
    assert_eq!(run("/gen?op=2&n=1000000&frags=1000", 1), vec![Got::Binary(vec![b'*'; 1_000_000])], "5.x 1000 fragments");
}

#[test]
fn case_6_utf8() {
    let kosme = "κόσμε".as_bytes();
    assert_eq!(raw(&[fin(1, kosme)], 1), vec![Got::Text(kosme.to_vec())], "6.2.1");
    assert_eq!(raw(&[part(1, &kosme[..3]), fin(0, &kosme[3..])], 1), vec![Got::Text(kosme.to_vec())], "6.2.3 a code point split across fragments");
    for bad in [&b"\xce\xba\xe1\xbd"[..], b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xff"] {
        fails(&[fin(1, bad)], "could not decode", 1007, &format!("6.x invalid {bad:?}"));
        fails(&[part(1, b"ok"), fin(0, bad)], "could not decode", 1007, &format!("6.x invalid in a fragment {bad:?}"));
    }
    assert_eq!(raw(&[fin(2, b"\xff")], 1), vec![Got::Binary(vec![0xff])], "binary is not checked");
}

#[test]
fn case_7_close_handshake() {
    assert_eq!(raw(&[close(1000, b"")], 1), vec![Got::Close(1000)], "7.1.1");
    assert_eq!(raw(&[fin(8, b"")], 1), vec![Got::Close(1005)], "7.3.1 empty close");
    fails(&[fin(8, b"\x03")], "could not decode", 1002, "7.3.2 one-byte close");
    assert_eq!(raw(&[close(1000, &[b'r'; 123])], 1), vec![Got::Close(1000)], "7.3.5 123-byte reason");
    fails(&[fin(8, &[b'r'; 126])], "could not decode", 1002, "7.3.6 close over 125 bytes");
    fails(&[close(1000, b"\xff")], "could not decode", 1007, "7.5.1 reason not UTF-8");
    for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
        assert_eq!(raw(&[close(code, b"")], 1), vec![Got::Close(code)], "7.7 code {code}");
    }
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
        fails(&[close(code, b"")], "could not decode", 1002, &format!("7.9 code {code}"));
    }
    assert_eq!(raw(&[close(1000, b""), fin(1, b"after close")], 2), vec![Got::Close(1000)], "7.1.3 nothing after the close");
}

#[test]
fn case_9_limits() {
    for n in [65536usize, 262144, 1 << 20, 4 << 20, 16 << 20] {
        let got = run(&format!("/gen?op=1&n={n}&frags=1"), 1);
        assert!(matches!(&got[..], [Got::Text(t)] if t.len() == n), "9.1 text {n}");
        let got = run(&format!("/gen?op=2&n={n}&frags=64"), 1);
        assert!(matches!(&got[..], [Got::Binary(b)] if b.len() == n), "9.2/9.4 binary {n} in 64 fragments");
    }
    let case = case_id();
    let over = run(&format!("/gen?op=2&n={}&frags=1&case={case}", (16 << 20) + 1), 1);
    assert!(failed_with(&over, "response too large"), "over the default 16 MiB cap: {:?}", over.last().map(|_| ()));
    assert_eq!(reported(&case), "1009", "the websockets server received close 1009");
}

#[test]
fn case_6_4_invalid_utf8_fails_fast_inside_a_fragmented_message() {
    // The message never ends: the client fails at the fragment with the bad byte.
    fails(&[part(1, b"\xce\xba\xff")], "could not decode", 1007, "6.4.1 bad byte in the first fragment");
    fails(&[part(1, b"ok"), part(0, b"\xed\xa0\x80")], "could not decode", 1007, "6.4.2 surrogate in a middle fragment");
    // A code point cut between fragments is not an error until the message ends.
    assert_eq!(raw(&[part(1, b"\xce"), fin(0, b"\xba")], 1), vec![Got::Text("κ".as_bytes().to_vec())], "6.2.4 split code point");
}

/// A WebSocket on the websockets echo server, with the case's name in the URL so that the
/// server reports the close code it received.
struct Echo(*mut session_ws_t, Session, String);
impl Echo {
    fn open() -> Echo {
        let s = Session::new();
        let case = case_id();
        let url = format!("ws://127.0.0.1:{}/echo?case={case}", server().port);
        let ws = unsafe { session_ws_connect(s.raw(), c(&url).as_ptr(), std::ptr::null()) };
        assert!(!ws.is_null(), "{}", text(session_last_error()));
        Echo(ws, s, case)
    }
    fn next(&self) -> Got {
        let m = unsafe { session_ws_recv(self.0, 10_000) };
        assert!(!m.is_null(), "{}", text(session_last_error()));
        take(m)
    }
}
impl Drop for Echo {
    fn drop(&mut self) {
        unsafe { session_ws_free(self.0) }
    }
}

/// The client's own frames, checked by a conformant peer: the websockets server fails the
/// connection on any frame that breaks RFC 6455 (unmasked, bad lengths, invalid UTF-8, a
/// bad close code), so an echo that comes back whole shows the frame was right.
#[test]
fn client_frames_echoed_by_the_websockets_server() {
    let ws = Echo::open();
    for n in [0usize, 1, 125, 126, 127, 128, 65535, 65536, 1 << 20] {
        let payload = vec![b'*'; n];
        assert_eq!(unsafe { session_ws_send_text(ws.0, payload.as_ptr().cast(), n) }, SESSION_OK);
        assert_eq!(ws.next(), Got::Text(payload.clone()), "1.1 text {n} echoed");
        let payload: Vec<u8> = (0..n).map(|i| (i % 256) as u8).collect();
        assert_eq!(unsafe { session_ws_send_binary(ws.0, payload.as_ptr().cast(), n) }, SESSION_OK);
        assert_eq!(ws.next(), Got::Binary(payload), "1.2 binary {n} echoed");
    }
    for t in ["κόσμε", "\u{10FFFF}\u{0}\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}", "\u{FEFF}bom"] {
        assert_eq!(unsafe { session_ws_send_text(ws.0, t.as_ptr().cast(), t.len()) }, SESSION_OK);
        assert_eq!(ws.next(), Got::Text(t.as_bytes().to_vec()), "6.x valid UTF-8 {t:?} echoed");
    }
    for n in [0usize, 125] {
        let payload = vec![0xfe; n];
        assert_eq!(unsafe { session_ws_ping(ws.0, payload.as_ptr().cast(), n) }, SESSION_OK);
        assert_eq!(ws.next(), Got::Pong(payload), "2.2/2.3 ping of {n} bytes answered by the server");
    }
    for code in [1000u16, 1001, 3000, 4999] {
        let ws = Echo::open();
        assert_eq!(unsafe { session_ws_close(ws.0, code, c("bye").as_ptr()) }, SESSION_OK);
        assert_eq!(ws.next(), Got::Close(code), "7.x the server echoes close {code}");
        let case = ws.2.clone();
        drop(ws); // the client closes the TCP connection after the close handshake
        assert_eq!(reported(&case), code.to_string(), "7.x the server received close {code}");
    }
    drop(ws);
}

#[test]
fn fragmented_messages_from_the_websockets_server() {
    for (op, frags) in [(1, 2), (1, 10), (2, 3), (2, 100)] {
        let got = run(&format!("/gen?op={op}&n=10000&frags={frags}"), 1);
        let want = vec![b'*'; 10000];
        assert_eq!(got, vec![if op == 1 { Got::Text(want) } else { Got::Binary(want) }], "5.x {frags} fragments");
    }
    let got = run("/close", 1);
    assert_eq!(got, vec![Got::Close(4000)], "7.x the server's close");
    let got = run("/ping", 2);
    assert_eq!(got, vec![Got::Ping(b"are you there".to_vec()), Got::Text(b"pong ok".to_vec())], "2.x the server's ping, answered");
}
