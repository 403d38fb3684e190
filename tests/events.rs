//! Server-Sent Events over the C ABI (session_request_set_event_callback) against
//! tests/servers/stream_server.py: the event-stream rules on a real stream, a clean stop
//! from the callback, a caller's Last-Event-ID, and flat RSS over 100,000 events.
mod support;

use session::capi::request::{session_request_set_header, session_send};
use session::capi::network::session_set_retries;
use session::capi::transfer::{session_event_t, session_events_follow, session_request_set_event_callback};
use session::error::session_code::*;
use std::ffi::{c_int, c_void, CStr};
use support::capi::{c, take, Req, Session};

fn server() -> &'static support::Server {
    static SERVER: std::sync::OnceLock<support::Server> = std::sync::OnceLock::new();
    SERVER.get_or_init(support::streams)
}

#[derive(Default)]
struct Seen {
    events: Vec<(String, String, String, i64)>,
    /// Stop after this many events (0: never).
    stop_after: usize,
    /// Only count (the soak keeps nothing).
    count_only: bool,
    count: usize,
    rss_at: Vec<u64>,
}

unsafe extern "C" fn on_event(ev: *const session_event_t, userdata: *mut c_void) -> c_int {
    let seen = &mut *(userdata as *mut Seen);
    let ev = &*ev;
    seen.count += 1;
    if seen.count_only {
        if seen.count == 10_000 || seen.count == 100_000 {
            seen.rss_at.push(rss_kib());
        }
    } else {
        let s = |p| CStr::from_ptr(p).to_string_lossy().into_owned();
        let data = String::from_utf8_lossy(std::slice::from_raw_parts(ev.data as *const u8, ev.data_len)).into_owned();
        assert_eq!(*ev.data.add(ev.data_len), 0);
        seen.events.push((s(ev.event), data, s(ev.id), ev.retry_ms));
    }
    (seen.stop_after != 0 && seen.count >= seen.stop_after) as c_int
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn stream(path: &str, seen: &mut Seen, headers: &[(&str, &str)]) -> support::capi::Resp {
    let s = Session::new();
    let req = Req::new("GET", &server().url(path));
    for (n, v) in headers {
        unsafe { session_request_set_header(req.0, c(n).as_ptr(), c(v).as_ptr()) };
    }
    let rc = unsafe { session_request_set_event_callback(req.0, Some(on_event), seen as *mut Seen as *mut c_void) };
    assert_eq!(rc, SESSION_OK);
    take(unsafe { session_send(s.raw(), req.0) })
}

fn ev(event: &str, data: &str, id: &str, retry: i64) -> (String, String, String, i64) {
    (event.into(), data.into(), id.into(), retry)
}

#[test]
fn the_event_stream_rules_on_a_real_stream() {
    let mut seen = Seen::default();
    let r = stream("/events/mixed", &mut seen, &[]);
    assert_eq!((r.error, r.status, r.len), (SESSION_OK, 200, 0), "{}", r.message);
    assert_eq!(
        seen.events,
        vec![
            ev("message", "first", "", -1),
            ev("custom", "two\nlines", "", -1),
            ev("message", "", "7", -1),
            ev("message", " spaced", "7", 1500),
            ev("message", "last", "8", 1500),
        ]
    );
}

#[test]
fn the_callback_ends_the_stream_cleanly() {
    let mut seen = Seen { stop_after: 3, ..Seen::default() };
    let started = std::time::Instant::now();
    let r = stream("/events/forever", &mut seen, &[]);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    assert_eq!(seen.events.iter().map(|e| e.2.as_str()).collect::<Vec<_>>(), ["0", "1", "2"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn last_event_id_and_accept_are_sent() {
    let mut seen = Seen::default();
    let r = stream("/events/resume", &mut seen, &[("Last-Event-ID", "41")]);
    assert_eq!(r.error, SESSION_OK, "{}", r.message);
    assert_eq!(seen.events, vec![ev("message", "resumed after 41", "41-next", -1)]);
    let mut seen = Seen::default();
    stream("/events?n=2&retry=250", &mut seen, &[]);
    assert_eq!(seen.events, vec![ev("message", "event 0", "0", 250), ev("message", "event 1", "1", 250)]);
}

#[test]
fn rss_is_flat_over_100k_events() {
    let mut seen = Seen { count_only: true, ..Seen::default() };
    let r = stream("/events?n=100000", &mut seen, &[]);
    assert_eq!(r.error, SESSION_OK, "{}", r.message);
    assert_eq!(seen.count, 100_000);
    let (at_10k, at_100k) = (seen.rss_at[0], seen.rss_at[1]);
    eprintln!("events: VmRSS {at_10k} KiB after 10k events, {at_100k} KiB after 100k");
    assert!(at_100k <= at_10k + 1024, "RSS grew from {at_10k} KiB to {at_100k} KiB over 90k events");
}

#[test]
fn follow_reconnects_with_last_event_id_after_the_servers_retry() {
    let s = Session::new();
    assert_eq!(unsafe { session_set_retries(s.raw(), 2, 0.0) }, SESSION_OK);
    let req = Req::new("GET", &server().url("/events/resume?retry=50"));
    let mut seen = Seen::default();
    let started = std::time::Instant::now();
    let r = take(unsafe { session_events_follow(s.raw(), req.0, Some(on_event), &mut seen as *mut Seen as *mut c_void) });
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    let data: Vec<&str> = seen.events.iter().map(|e| e.1.as_str()).collect();
    assert_eq!(data, ["resumed after nothing", "resumed after -next", "resumed after -next-next"], "two reconnects, each with the last id");
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "the server's 50 ms retry was used");

    // The callback ending the stream stops the loop; no retries means one request.
    let mut seen = Seen { stop_after: 1, ..Seen::default() };
    take(unsafe { session_events_follow(s.raw(), req.0, Some(on_event), &mut seen as *mut Seen as *mut c_void) });
    assert_eq!(seen.count, 1);
    let s0 = Session::new();
    let mut seen = Seen::default();
    take(unsafe { session_events_follow(s0.raw(), req.0, Some(on_event), &mut seen as *mut Seen as *mut c_void) });
    assert_eq!(seen.count, 1, "retries 0: no reconnect");
    let r = take(unsafe { session_events_follow(s0.raw(), req.0, None, std::ptr::null_mut()) });
    assert_eq!(r.error, SESSION_E_INVALID_ARGUMENT);
}

/// The server's retry never waits past the request's total deadline: with retries left,
/// a 60 s retry and a 1 s deadline, the loop ends after the first stream instead of
/// sleeping.
#[test]
fn follow_stops_at_the_deadline_rather_than_wait_for_a_long_retry() {
    use session::capi::request::session_request_set_timeout_ms;
    let s = Session::new();
    assert_eq!(unsafe { session_set_retries(s.raw(), 5, 0.0) }, SESSION_OK);
    let req = Req::new("GET", &server().url("/events/resume?retry=60000"));
    assert_eq!(unsafe { session_request_set_timeout_ms(req.0, 1000) }, SESSION_OK);
    let mut seen = Seen::default();
    let started = std::time::Instant::now();
    let r = take(unsafe { session_events_follow(s.raw(), req.0, Some(on_event), &mut seen as *mut Seen as *mut c_void) });
    assert_eq!((r.error, seen.count), (SESSION_OK, 1), "one stream, no reconnect: {}", r.message);
    assert_eq!(seen.events[0].3, 60000, "the server's retry was read");
    assert!(started.elapsed() < std::time::Duration::from_secs(30), "it did not sleep the 60 s retry");
}
