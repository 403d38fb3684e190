//! The request/response hot path after its allocation cuts: shortcuts send their own method
//! with the caller's URL (borrowed, not copied), response URLs shared between responses to the
//! same URL stay valid as long as each response, and the static strings (empty error
//! message, standard reason phrase) read as before.

mod support;

use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code::*;
use session::capi::response::session_response_t;
use std::ffi::CStr;
use std::ptr;

use support::capi::{c, take, text, Session as S};

type Shortcut = unsafe extern "C" fn(*mut session_t, *const std::ffi::c_char, *const std::ffi::c_void, usize, *const std::ffi::c_char) -> *mut session_response_t;

#[test]
fn every_shortcut_sends_its_method_to_the_given_url() {
    let rig = support::rig();
    let s = S::new();
    let with_body: [(&str, Shortcut); 3] = [("POST", session_post), ("PUT", session_put), ("PATCH", session_patch)];
    for (method, send) in with_body {
        let url = rig.url(&format!("/echo/{method}?q=1"));
        let r = take(unsafe { send(s.0, c(&url).as_ptr(), b"abc".as_ptr().cast(), 3, c("text/plain").as_ptr()) });
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{method}: {}", r.message);
        assert!(r.body.contains(&format!("\"method\": \"{method}\"")), "{method}: {}", r.body);
        assert!(r.body.contains(&format!("/echo/{method}?q=1")), "{method}: {}", r.body);
        assert!(r.body.contains("\"body_len\": 3"), "{method}: {}", r.body);
        assert_eq!(r.url, url);
    }
    let url = rig.url("/echo/get?x=y");
    let get = take(unsafe { session_get(s.0, c(&url).as_ptr()) });
    assert!(get.body.contains("\"method\": \"GET\""), "{}", get.body);
    assert_eq!(get.url, url);
    let del = take(unsafe { session_delete(s.0, c(&url).as_ptr()) });
    assert!(del.body.contains("\"method\": \"DELETE\""), "{}", del.body);
    let head = take(unsafe { session_head(s.0, c(&url).as_ptr()) });
    assert_eq!((head.error, head.status, head.len), (SESSION_OK, 200, 0));
}

#[test]
fn shared_response_urls_live_as_long_as_each_response() {
    let rig = support::rig();
    let s = S::new();
    let first_url = rig.url("/echo/a");
    let first = unsafe { session_get(s.0, c(&first_url).as_ptr()) };
    let second = unsafe { session_get(s.0, c(&first_url).as_ptr()) };
    // Other URLs replace the one remembered for sharing; then the session goes.
    let other = take(unsafe { session_get(s.0, c(&rig.url("/echo/b")).as_ptr()) });
    assert_eq!(other.url, rig.url("/echo/b"));
    drop(s);
    unsafe {
        assert_eq!(text((*first).url), first_url);
        session_response_free(first);
        assert_eq!(text((*second).url), first_url);
        assert_eq!(CStr::from_ptr((*second).error_message).to_bytes(), b"");
        assert_eq!(CStr::from_ptr((*second).reason).to_bytes(), b"OK");
        session_response_free(second);
    }
}

#[test]
fn request_objects_keep_their_url_and_method() {
    let rig = support::rig();
    let s = S::new();
    let url = rig.url("/echo/obj?k=v");
    let req = unsafe { session_request_new(c("purge").as_ptr(), c(&url).as_ptr()) };
    assert!(!req.is_null());
    for _ in 0..2 {
        let r = take(unsafe { session_send(s.0, req) });
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
        assert!(r.body.contains("\"method\": \"PURGE\""), "{}", r.body);
        assert_eq!(r.url, url);
    }
    unsafe { session_request_free(req) };
    let bad = unsafe { session_get(s.0, c(&rig.url("/echo/x\r\nInjected: 1")).as_ptr()) };
    let bad = take(bad);
    assert_eq!((bad.error, bad.status), (SESSION_E_INVALID_ARGUMENT, 0));
    assert!(unsafe { session_request_new(c("GET").as_ptr(), ptr::null()) }.is_null());
}

#[test]
fn shortcut_urls_beyond_printable_ascii_take_the_general_checks() {
    let rig = support::rig();
    let s = S::new();
    // Non-ASCII UTF-8 is accepted (and percent-encoded by the URL parser).
    let r = take(unsafe { session_get(s.0, c(&rig.url("/echo/caf\u{e9}")).as_ptr()) });
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    assert!(r.body.contains("/echo/caf%C3%A9"), "{}", r.body);
    // Not UTF-8, or a control character: refused before anything is sent.
    let mut raw = rig.url("/echo/x").into_bytes();
    raw.push(0xff);
    let bad = std::ffi::CString::new(raw).unwrap();
    let r = take(unsafe { session_get(s.0, bad.as_ptr()) });
    assert_eq!(r.error, SESSION_E_INVALID_ARGUMENT);
    assert!(r.message.contains("UTF-8"), "{}", r.message);
    let r = take(unsafe { session_post(s.0, c(&rig.url("/echo/a\rb")).as_ptr(), ptr::null(), 0, ptr::null()) });
    assert_eq!(r.error, SESSION_E_INVALID_ARGUMENT);
    assert!(r.message.contains("CR, LF or NUL"), "{}", r.message);
}

#[test]
fn not_found_has_the_standard_reason_and_no_error() {
    let rig = support::rig();
    let s = S::new();
    let r = unsafe { session_get(s.0, c(&rig.url("/status/404")).as_ptr()) };
    unsafe {
        assert_eq!(((*r).error, (*r).status_code), (SESSION_OK, 404));
        assert_eq!(CStr::from_ptr((*r).reason).to_bytes(), b"Not Found");
        assert_eq!(CStr::from_ptr((*r).error_message).to_bytes(), b"");
        session_response_free(r);
    }
}

#[test]
fn the_server_reason_phrase_is_kept_unless_it_is_the_standard_one() {
    let faults = support::faults();
    let s = S::new();
    for (sent, expected) in [("Fine%20Thanks", "Fine Thanks"), ("ok", "ok"), ("OK", "OK"), ("", "OK"), ("%20Spaced%20%20", "Spaced")] {
        let r = unsafe { session_get(s.0, c(&faults.url(&format!("/reason?text={sent}"))).as_ptr()) };
        unsafe {
            assert_eq!(((*r).error, (*r).status_code), (SESSION_OK, 200), "{sent}");
            assert_eq!(CStr::from_ptr((*r).reason).to_str().unwrap(), expected, "{sent}");
            session_response_free(r);
        }
    }
}
