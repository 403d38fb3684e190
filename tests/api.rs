//! Integration tests through the C ABI (the exported functions, called from Rust) against
//! real servers on loopback.

mod support;

use session::capi::cookies::*;
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code::*;
use std::ffi::CStr;
use std::ptr;

use support::capi::{c, take, text, Session as S};

fn accepted(rig: &support::Server) -> u64 {
    let body = support::get_json(&rig.url("/connections"));
    body.trim().trim_start_matches("{\"accepted\":").trim_end_matches('}').trim().parse().unwrap()
}

#[test]
fn threads_share_one_session_jar_and_pool() {
    let rig = support::rig();
    let s = S::new();
    let set = s.get(&rig.url("/cookies/set-raw?h=shared%3D1%3B%20Path%3D%2F"));
    assert_eq!((set.error, set.status), (SESSION_OK, 200));
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..20 {
                    let r = s.get(&rig.url("/echo"));
                    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
                    assert!(r.body.contains("[\"Cookie\", \"shared=1\"]"), "{}", r.body);
                }
            });
        }
    });
    // 161 requests; at most one connection per thread that ever ran at once, plus the first.
    let n = accepted(&rig);
    assert!((1..=9).contains(&n), "accepted {n} connections");
}

#[test]
fn max_body_size_stops_large_bodies() {
    let rig = support::rig();
    let s = S::new();
    assert_eq!(unsafe { session_set_max_body_size(s.0, 1000) }, SESSION_OK);
    let r = s.get(&rig.url("/bytes/100000"));
    assert_eq!(r.error, SESSION_E_TOO_LARGE, "{r:?}");
    assert_eq!(unsafe { session_set_max_body_size(s.0, 0) }, SESSION_OK);
    let r = s.get(&rig.url("/bytes/100000"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200));
}

#[test]
fn body_bytes_are_exact() {
    let rig = support::rig();
    let s = S::new();
    let r = unsafe { session_get(s.0, c(&rig.url("/bytes/70000")).as_ptr()) };
    let v = unsafe { &*r };
    assert_eq!(v.body_len, 70000);
    let body = unsafe { std::slice::from_raw_parts(v.body as *const u8, v.body_len + 1) };
    assert!(body[..70000].iter().enumerate().all(|(i, b)| *b as usize == i % 251));
    assert_eq!(body[70000], 0, "body is NUL-terminated");
    unsafe { session_response_free(r) };
}

#[test]
fn total_timeout_covers_the_redirect_chain() {
    let rig = support::rig();
    let s = S::new();
    assert_eq!(unsafe { session_set_timeout_ms(s.0, 1000, 400) }, SESSION_OK);
    let started = std::time::Instant::now();
    let r = s.get(&rig.url("/redirect?to=/redirect%3Fto%3D/hang"));
    assert_eq!(r.error, SESSION_E_TIMEOUT, "{r:?}");
    assert!(started.elapsed().as_secs_f64() < 5.0);
    assert_eq!(r.redirects, 2, "history kept up to the failing hop");
    assert!(r.url.ends_with("/hang"), "{}", r.url);
    assert!(unsafe { session_set_timeout_ms(s.0, -1, 0) } == SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn request_timeout_overrides_session_timeout() {
    let rig = support::rig();
    let s = S::new();
    assert_eq!(unsafe { session_set_timeout_ms(s.0, 0, 60_000) }, SESSION_OK);
    let req = unsafe { session_request_new(c("GET").as_ptr(), c(&rig.url("/hang")).as_ptr()) };
    assert_eq!(unsafe { session_request_set_timeout_ms(req, 300) }, SESSION_OK);
    let r = take(unsafe { session_send(s.0, req) });
    assert_eq!(r.error, SESSION_E_TIMEOUT);
    assert!(r.elapsed < 5.0);
    unsafe { session_request_free(req) };
}

#[test]
fn resolve_override_keeps_the_host_name() {
    let rig = support::rig();
    let s = S::new();
    let code = unsafe { session_set_resolve(s.0, c("example.org").as_ptr(), rig.port as i32, c("127.0.0.1").as_ptr()) };
    assert_eq!(code, SESSION_OK);
    let url = format!("http://example.org:{}/echo", rig.port);
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    assert!(r.body.contains(&format!("[\"Host\", \"example.org:{}\"]", rig.port)), "{}", r.body);
    let bad = unsafe { session_set_resolve(s.0, c("example.org").as_ptr(), 70000, c("127.0.0.1").as_ptr()) };
    assert_eq!(bad, SESSION_E_INVALID_ARGUMENT);
    let bad = unsafe { session_set_resolve(s.0, c("example.org").as_ptr(), 80, c("nope").as_ptr()) };
    assert_eq!(bad, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn cookies_stay_with_their_host() {
    let rig = support::rig();
    let s = S::new();
    for host in ["a.test", "b.test"] {
        unsafe { session_set_resolve(s.0, c(host).as_ptr(), rig.port as i32, c("127.0.0.1").as_ptr()) };
    }
    let a = |path: &str| format!("http://a.test:{}{path}", rig.port);
    let b = |path: &str| format!("http://b.test:{}{path}", rig.port);
    assert_eq!(s.get(&a("/cookies/set-raw?h=only_a%3D1%3B%20Path%3D%2F")).status, 200);
    assert!(s.get(&a("/echo")).body.contains("only_a=1"));
    assert!(!s.get(&b("/echo")).body.contains("only_a"));
    let header = unsafe { session_cookie_header(s.0, c(&a("/")).as_ptr()) };
    assert_eq!(text(header), "only_a=1");
    unsafe { session_string_free(header) };
    assert!(unsafe { session_cookie_header(s.0, c(&b("/")).as_ptr()) }.is_null());
}

#[test]
fn redirect_to_other_schemes_is_refused() {
    let rig = support::rig();
    let s = S::new();
    for target in ["ftp://127.0.0.1/x", "file:///etc/passwd"] {
        let r = s.get(&rig.url(&format!("/redirect?to={target}")));
        assert_eq!(r.error, SESSION_E_INVALID_URL, "{target}: {r:?}");
        assert_eq!(r.status, 302);
    }
}

#[test]
fn fragment_carries_over_redirects_like_requests() {
    let rig = support::rig();
    let s = S::new();
    let r = s.get(&rig.url("/redirect?to=/echo#frag-start"));
    assert!(r.url.ends_with("/echo#frag-start"), "{}", r.url);
    let r = s.get(&format!("{}#keep", rig.url("/redirect?to=/echo")));
    assert!(r.url.ends_with("/echo#keep"), "{}", r.url);
    assert!(r.body.contains("\"path\": \"/echo\""), "fragment never sent: {}", r.body);
}

#[test]
fn own_cookie_header_is_used_on_the_first_hop_only() {
    let rig = support::rig();
    let s = S::new();
    let req = unsafe { session_request_new(c("GET").as_ptr(), c(&rig.url("/redirect?to=/echo")).as_ptr()) };
    assert_eq!(unsafe { session_request_set_header(req, c("Cookie").as_ptr(), c("manual=1").as_ptr()) }, SESSION_OK);
    let r = take(unsafe { session_send(s.0, req) });
    assert_eq!(r.redirects, 1);
    assert!(!r.body.contains("manual=1"), "{}", r.body);
    unsafe { session_request_free(req) };
}

#[test]
fn settings_refuse_bad_values_and_keep_old_ones() {
    let s = S::new();
    unsafe {
        assert_eq!(session_set_header(s.0, c("X-A").as_ptr(), c("1\r\nX-B: 2").as_ptr()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_header(s.0, c("X A").as_ptr(), c("1").as_ptr()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_max_redirects(s.0, -1), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_basic_auth(s.0, c("a:b").as_ptr(), c("p").as_ptr()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_bearer_token(s.0, c("t\n").as_ptr()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_header(ptr::null_mut(), c("X").as_ptr(), ptr::null()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_cookie_set(s.0, c("a").as_ptr(), c("1").as_ptr(), ptr::null(), ptr::null()), SESSION_E_INVALID_ARGUMENT);
        let last = CStr::from_ptr(session::capi::error::session_last_error()).to_string_lossy();
        assert!(last.contains("domain"), "{last}");
    }
}

#[test]
fn session_header_null_suppresses_builtin_defaults() {
    let rig = support::rig();
    let s = S::new();
    unsafe {
        assert_eq!(session_set_header(s.0, c("Accept").as_ptr(), ptr::null()), SESSION_OK);
        assert_eq!(session_set_header(s.0, c("User-Agent").as_ptr(), ptr::null()), SESSION_OK);
    }
    let r = s.get(&rig.url("/echo"));
    assert!(!r.body.contains("\"Accept\""), "{}", r.body);
    assert!(!r.body.contains("\"User-Agent\""), "{}", r.body);
    let req = unsafe { session_request_new(c("GET").as_ptr(), c(&rig.url("/echo")).as_ptr()) };
    unsafe { session_request_set_header(req, c("Accept").as_ptr(), c("text/x").as_ptr()) };
    let r = take(unsafe { session_send(s.0, req) });
    assert!(r.body.contains("[\"Accept\", \"text/x\"]"), "a request's own value wins: {}", r.body);
    unsafe { session_request_free(req) };
}

#[test]
fn odd_locations_never_crash() {
    let rig = support::rig();
    let s = S::new();
    // An unparsable Location is an invalid URL, reported with the redirect response.
    let r = s.get(&rig.url("/redirect?to=http%3A%2F%2F%5B%3A%3A1"));
    assert_eq!((r.error, r.status), (SESSION_E_INVALID_URL, 302), "{r:?}");
    // Raw non-UTF-8 bytes in Location are percent-encoded and followed.
    let r = s.get(&rig.url("/redirect?to=/echo/caf%E9"));
    assert_eq!((r.error, r.status, r.redirects), (SESSION_OK, 200, 1), "{r:?}");
    assert!(r.url.contains("/echo/caf%"), "{}", r.url);
    // A 3xx without Location is a final response.
    let r = s.get(&rig.url("/status/302"));
    assert_eq!((r.error, r.status, r.redirects), (SESSION_OK, 302, 0), "{r:?}");
}

#[test]
fn changing_a_resolve_override_drops_pooled_connections() {
    let rig = support::rig();
    let s = S::new();
    let point = |address: &str| unsafe {
        session_set_resolve(s.0, c("example.org").as_ptr(), rig.port as i32, c(address).as_ptr())
    };
    let url = format!("http://example.org:{}/status/200", rig.port);
    assert_eq!(point("127.0.0.1"), SESSION_OK);
    assert_eq!(s.get(&url).status, 200);
    // The rig listens on 127.0.0.1 only: the kept-alive connection must not be reused.
    assert_eq!(point("127.0.0.2"), SESSION_OK);
    assert_eq!(s.get(&url).error, SESSION_E_CONNECT);
    assert_eq!(point("127.0.0.1"), SESSION_OK);
    assert_eq!(s.get(&url).status, 200);
}

#[test]
fn a_handle_reused_after_post_and_head_sends_a_plain_get() {
    let rig = support::rig();
    let s = S::new();
    let post = take(unsafe { session_post(s.0, c(&rig.url("/echo")).as_ptr(), b"x=1".as_ptr().cast(), 3, ptr::null()) });
    assert!(post.body.contains("\"method\": \"POST\""), "{}", post.body);
    let head = take(unsafe { session_head(s.0, c(&rig.url("/echo")).as_ptr()) });
    assert_eq!((head.status, head.body.len()), (200, 0));
    let del = take(unsafe { session_delete(s.0, c(&rig.url("/echo")).as_ptr()) });
    assert!(del.body.contains("\"method\": \"DELETE\""), "{}", del.body);
    let get = s.get(&rig.url("/echo"));
    assert!(get.body.contains("\"method\": \"GET\""), "{}", get.body);
    assert!(get.body.contains("\"body_len\": 0"), "{}", get.body);
    assert!(!get.body.contains("Content-Type"), "{}", get.body);
}
