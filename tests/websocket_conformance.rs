//! The client-side cases of the Autobahn testsuite (numbered as its sections; the suite
//! itself is Python 2 only), run through session_ws_recv against frames a real server on
//! loopback sends (tests/servers/stream_server.py: /raw sends the case's frames after a
//! wsproto handshake, /gen generates large and fragmented messages). Each case states what
//! a conformant client does: deliver the message, or fail the connection (NULL with
//! SESSION_E_DECODE, after a close frame 1002/1007 to the peer). docs/websocket.md lists
//! the outcome of every case.
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
        let v = unsafe { &*m };
        let data = unsafe { std::slice::from_raw_parts(v.data as *const u8, v.len) }.to_vec();
        let item = match v.r#type {
            session_ws_type::SESSION_WS_TEXT => Got::Text(data),
            session_ws_type::SESSION_WS_BINARY => Got::Binary(data),
            session_ws_type::SESSION_WS_PING => Got::Ping(data),
            session_ws_type::SESSION_WS_PONG => Got::Pong(data),
            session_ws_type::SESSION_WS_CLOSE => Got::Close(v.close_code),
        };
        unsafe { session_ws_message_free(m) };
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
    let hex: String = frames.concat().iter().map(|b| format!("{b:02x}")).collect();
    run(&format!("/raw?hex={hex}"), n)
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
    assert!(failed_with(&raw(&[fin(9, &[0; 126])], 1), "could not decode"), "2.5 ping over 125 bytes");
    assert_eq!(raw(&[fin(10, b"unsolicited"), fin(1, b"x")], 2), vec![Got::Pong(b"unsolicited".to_vec()), Got::Text(b"x".to_vec())], "2.8");
    let pings: Vec<Vec<u8>> = (0..10).map(|i| fin(9, format!("{i}").as_bytes())).collect();
    assert_eq!(raw(&pings, 10).len(), 10, "2.10 ten pings");
}

#[test]
fn case_3_reserved_bits_fail() {
    for rsv in [0x40, 0x20, 0x10, 0x70] {
        assert!(failed_with(&raw(&[frame(1, b"x", true, rsv)], 1), "could not decode"), "3.x rsv {rsv:#x}");
    }
}

#[test]
fn case_4_reserved_opcodes_fail() {
    for op in [3u8, 4, 5, 6, 7, 11, 12, 13, 14, 15] {
        assert!(failed_with(&raw(&[fin(op, b"x")], 1), "could not decode"), "4.x opcode {op}");
    }
}

#[test]
fn case_5_fragmentation() {
    assert!(failed_with(&raw(&[part(9, b"a"), fin(0, b"b")], 1), "could not decode"), "5.1 fragmented ping");
    assert!(failed_with(&raw(&[part(10, b"a"), fin(0, b"b")], 1), "could not decode"), "5.2 fragmented pong");
    assert_eq!(raw(&[part(1, b"frag"), fin(0, b"ment")], 1), vec![Got::Text(b"fragment".to_vec())], "5.3");
    assert_eq!(raw(&[part(1, b"a"), part(0, b"b"), part(0, b""), fin(0, b"c")], 1), vec![Got::Text(b"abc".to_vec())], "5.5 empty fragment");
    assert_eq!(
        raw(&[part(1, b"a"), fin(9, b"p"), fin(0, b"b")], 2),
        vec![Got::Ping(b"p".to_vec()), Got::Text(b"ab".to_vec())],
        "5.6 ping between fragments"
    );
    assert!(failed_with(&raw(&[fin(0, b"orphan")], 1), "could not decode"), "5.9 continuation without start");
    assert!(failed_with(&raw(&[part(0, b"orphan"), fin(1, b"x")], 1), "could not decode"), "5.13 fragmented continuation without start");
    assert!(failed_with(&raw(&[part(1, b"a"), fin(1, b"b")], 1), "could not decode"), "5.15 new text inside a fragmented one");
    assert_eq!(run("/gen?op=2&n=1000000&frags=1000", 1), vec![Got::Binary(vec![b'*'; 1_000_000])], "5.x 1000 fragments");
}

#[test]
fn case_6_utf8() {
    let kosme = "κόσμε".as_bytes();
    assert_eq!(raw(&[fin(1, kosme)], 1), vec![Got::Text(kosme.to_vec())], "6.2.1");
    assert_eq!(raw(&[part(1, &kosme[..3]), fin(0, &kosme[3..])], 1), vec![Got::Text(kosme.to_vec())], "6.2.3 a code point split across fragments");
    for bad in [&b"\xce\xba\xe1\xbd"[..], b"\xed\xa0\x80", b"\xc0\xaf", b"\xf4\x90\x80\x80", b"\xff"] {
        assert!(failed_with(&raw(&[fin(1, bad)], 1), "could not decode"), "6.x invalid {bad:?}");
        assert!(failed_with(&raw(&[part(1, b"ok"), fin(0, bad)], 1), "could not decode"), "6.x invalid in a fragment {bad:?}");
    }
    assert_eq!(raw(&[fin(2, b"\xff")], 1), vec![Got::Binary(vec![0xff])], "binary is not checked");
}

#[test]
fn case_7_close_handshake() {
    assert_eq!(raw(&[close(1000, b"")], 1), vec![Got::Close(1000)], "7.1.1");
    assert_eq!(raw(&[fin(8, b"")], 1), vec![Got::Close(1005)], "7.3.1 empty close");
    assert!(failed_with(&raw(&[fin(8, b"\x03")], 1), "could not decode"), "7.3.2 one-byte close");
    assert_eq!(raw(&[close(1000, &[b'r'; 123])], 1), vec![Got::Close(1000)], "7.3.5 123-byte reason");
    assert!(failed_with(&raw(&[fin(8, &[b'r'; 126])], 1), "could not decode"), "7.3.6 close over 125 bytes");
    assert!(failed_with(&raw(&[close(1000, b"\xff")], 1), "could not decode"), "7.5.1 reason not UTF-8");
    for code in [1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
        assert_eq!(raw(&[close(code, b"")], 1), vec![Got::Close(code)], "7.7 code {code}");
    }
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
        assert!(failed_with(&raw(&[close(code, b"")], 1), "could not decode"), "7.9 code {code}");
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
    let over = run(&format!("/gen?op=2&n={}&frags=1", (16 << 20) + 1), 1);
    assert!(failed_with(&over, "response too large"), "over the default 16 MiB cap: {:?}", over.last().map(|_| ()));
    let _ = SESSION_OK;
}
