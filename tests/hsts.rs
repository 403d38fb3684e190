//! HSTS (RFC 6797) and redirect safety over the C ABI, against the TLS rig on loopback:
//! `hsts.test` and its subdomains are mapped to 127.0.0.1 with session_set_resolve (HSTS
//! ignores IP literals), and the rig's certificate names them (docs/state.md).

mod support;

use session::capi::error::session_last_error;
use session::capi::observe::*;
use session::capi::session::*;
use session::capi::state::*;
use session::error::session_code::*;
use std::ffi::{c_char, c_int, c_void};
use std::ptr;
use support::capi::{c, text, Resp, Session as S};
use support::Server;

const NAMES: [&str; 3] = ["hsts.test", "a.hsts.test", "other.hsts.test"];

fn ok(code: session::error::session_code) {
    assert_eq!(code, SESSION_OK, "{}", text(session_last_error()));
}

/// A session trusting the rig's CA, with NAMES on both rig ports (and 443, where nothing
/// listens) mapped to 127.0.0.1.
fn session(rig: &Server) -> S {
    let s = S::new();
    ok(unsafe { session_set_ca_bundle(s.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    for name in NAMES {
        for port in [rig.port, rig.tls_port.unwrap(), 443] {
            ok(unsafe { session_set_resolve(s.0, c(name).as_ptr(), c_int::from(port), c("127.0.0.1").as_ptr()) });
        }
    }
    s
}

fn lookup(s: &S, host: &str) -> bool {
    unsafe { session_hsts_lookup(s.0, c(host).as_ptr()) }
}

fn tls(rig: &Server, host: &str, path: &str) -> String {
    format!("https://{host}:{}{path}", rig.tls_port.unwrap())
}

fn plain(rig: &Server, host: &str, path: &str) -> String {
    format!("http://{host}:{}{path}", rig.port)
}

/// Requests the plain listener has read (asked over an IP literal, never upgraded).
fn plain_requests(rig: &Server) -> u64 {
    let body = support::get_json(&rig.url("/requests"));
    body.split(':').nth(1).unwrap().trim_matches(|ch: char| !ch.is_ascii_digit()).parse().unwrap()
}

fn learn(s: &S, rig: &Server, value: &str) -> Resp {
    let r = s.get(&tls(rig, "hsts.test", &format!("/sts?v={value}")));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    r
}

#[test]
fn sts_from_a_verified_https_response_upgrades_later_http_urls() {
    let rig = support::rig_tls();
    let s = session(&rig);
    assert!(!lookup(&s, "hsts.test"));
    learn(&s, &rig, "max-age=600");
    assert!(lookup(&s, "hsts.test") && lookup(&s, "HSTS.test.") && !lookup(&s, "a.hsts.test"));

    // An explicit port other than 80 is kept: http://hsts.test:TLS reaches the TLS listener.
    let r = s.get(&format!("http://hsts.test:{}/echo", rig.tls_port.unwrap()));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(r.url, tls(&rig, "hsts.test", "/echo"));

    // The plain listener on the same name never sees a request: the upgraded hop speaks TLS to it.
    let before = plain_requests(&rig);
    let r = s.get(&plain(&rig, "hsts.test", "/echo"));
    assert_ne!(r.error, SESSION_OK, "{r:?}");
    assert_eq!(r.url, format!("https://hsts.test:{}/echo", rig.port));
    assert_eq!(plain_requests(&rig), before, "a request went out in clear");

    // Port 80 becomes 443 (nothing listens there: the failed response shows the URL tried).
    let r = s.get("http://hsts.test/x");
    assert_ne!(r.error, SESSION_OK);
    assert_eq!(r.url, "https://hsts.test/x");
    let r = s.get("http://hsts.test:80/x");
    assert_eq!(r.url, "https://hsts.test/x");

    // Off: the table is kept but not used.
    ok(unsafe { session_set_hsts(s.0, false) });
    let before = plain_requests(&rig);
    assert_eq!(s.get(&plain(&rig, "hsts.test", "/echo")).status, 200);
    assert_eq!(plain_requests(&rig), before + 1);
    assert!(lookup(&s, "hsts.test"));
}

#[test]
fn include_subdomains_and_max_age_zero() {
    let rig = support::rig_tls();
    let s = session(&rig);
    learn(&s, &rig, "max-age=600;%20includeSubDomains");
    assert!(lookup(&s, "a.hsts.test") && lookup(&s, "deep.a.hsts.test"));
    let r = s.get(&format!("http://a.hsts.test:{}/echo", rig.tls_port.unwrap()));
    assert_eq!((r.error, r.url.as_str()), (SESSION_OK, tls(&rig, "a.hsts.test", "/echo").as_str()), "{r:?}");
    // A subdomain's own max-age=0 removes nothing of its parent.
    assert_eq!(s.get(&tls(&rig, "a.hsts.test", "/sts?v=max-age=0")).status, 200);
    assert!(lookup(&s, "a.hsts.test"));
    learn(&s, &rig, "max-age=0");
    assert!(!lookup(&s, "hsts.test") && !lookup(&s, "a.hsts.test"));
    // Invalid headers change nothing (a duplicate directive, no max-age).
    learn(&s, &rig, "max-age=600;%20max-age=700");
    learn(&s, &rig, "includeSubDomains");
    assert!(!lookup(&s, "hsts.test"));
    // Only the first header field counts.
    learn(&s, &rig, "max-age=600&v=max-age=0");
    assert!(lookup(&s, "hsts.test"));
}

#[test]
fn sts_is_ignored_over_http_unverified_and_on_ip_literals() {
    let rig = support::rig_tls();
    let s = session(&rig);
    assert_eq!(s.get(&plain(&rig, "hsts.test", "/sts?v=max-age=600")).status, 200);
    assert!(!lookup(&s, "hsts.test"), "STS over http was taken");
    assert_eq!(s.get(&rig.tls_url("/sts?v=max-age=600")).status, 200);
    assert!(!lookup(&s, "127.0.0.1"));
    let before = plain_requests(&rig);
    assert_eq!(s.get(&rig.url("/echo")).status, 200);
    assert_eq!(plain_requests(&rig), before + 1, "an IP literal was upgraded");

    let s = session(&rig);
    ok(unsafe { session_set_verify(s.0, false) });
    let r = s.get(&tls(&rig, "hsts.test", "/sts?v=max-age=600"));
    assert_eq!(r.status, 200);
    assert!(!lookup(&s, "hsts.test"), "STS over an unverified connection was taken");
}

#[test]
fn a_redirect_to_http_on_an_hsts_host_is_upgraded() {
    let rig = support::rig_tls();
    let s = session(&rig);
    learn(&s, &rig, "max-age=600");
    let target = format!("http://hsts.test:{}/echo", rig.tls_port.unwrap());
    let before = plain_requests(&rig);
    let r = s.get(&tls(&rig, "hsts.test", &format!("/redirect?to={target}")));
    assert_eq!((r.error, r.status, r.redirects), (SESSION_OK, 200, 1), "{r:?}");
    assert_eq!(r.url, tls(&rig, "hsts.test", "/echo"));
    assert_eq!(plain_requests(&rig), before);
    // A Secure cookie set over https goes with the upgraded hop.
    let r = s.get(&tls(&rig, "hsts.test", "/set-raw?h=sid%3D1%3B%20Secure"));
    assert_eq!(r.status, 200);
    let r = s.get(&format!("http://hsts.test:{}/echo", rig.tls_port.unwrap()));
    assert!(r.body.contains("sid=1"), "{}", r.body);
}

#[test]
fn verification_cannot_be_turned_off_for_an_hsts_host() {
    let rig = support::rig_tls();
    let s = S::new(); // the rig's CA is not trusted
    for name in ["hsts.test", "localhost"] {
        ok(unsafe { session_set_resolve(s.0, c(name).as_ptr(), c_int::from(rig.tls_port.unwrap()), c("127.0.0.1").as_ptr()) });
    }
    ok(unsafe { session_set_verify(s.0, false) });
    assert_eq!(s.get(&tls(&rig, "hsts.test", "/echo")).status, 200, "unverified before it is known");
    ok(unsafe { session_hsts_add(s.0, c("hsts.test").as_ptr(), 600, false) });
    let r = s.get(&tls(&rig, "hsts.test", "/echo"));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert!(r.message.contains("known HSTS host"), "{}", r.message);
    let r = s.get(&format!("http://hsts.test:{}/echo", rig.tls_port.unwrap()));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert_eq!(s.get(&tls(&rig, "localhost", "/echo")).status, 200, "other hosts stay unverified");
    // HSTS off: the table is not used, for verification either.
    ok(unsafe { session_set_hsts(s.0, false) });
    assert_eq!(s.get(&tls(&rig, "hsts.test", "/echo")).status, 200);
    ok(unsafe { session_set_hsts(s.0, true) });
    assert_eq!(s.get(&tls(&rig, "hsts.test", "/echo")).error, SESSION_E_TLS);
    ok(unsafe { session_hsts_clear(s.0) });
    assert!(!lookup(&s, "hsts.test"));
    assert_eq!(s.get(&tls(&rig, "hsts.test", "/echo")).status, 200);
}

#[test]
fn batches_are_upgraded_too() {
    use session::capi::concurrency::session_send_all;
    use session::capi::request::{session_request_free, session_request_new};
    use session::capi::response::session_response_t;
    let rig = support::rig_tls();
    let s = session(&rig);
    ok(unsafe { session_hsts_add(s.0, c("hsts.test").as_ptr(), 600, true) });
    let urls = [format!("http://hsts.test:{}/echo", rig.tls_port.unwrap()), format!("http://a.hsts.test:{}/echo", rig.tls_port.unwrap())];
    let reqs: Vec<_> = urls.iter().map(|u| unsafe { session_request_new(c("GET").as_ptr(), c(u).as_ptr()) }).collect();
    let mut out: Vec<*mut session_response_t> = vec![ptr::null_mut(); reqs.len()];
    ok(unsafe { session_send_all(s.0, reqs.as_ptr(), reqs.len(), out.as_mut_ptr()) });
    let got: Vec<Resp> = out.into_iter().map(support::capi::take).collect();
    for (r, host) in got.iter().zip(["hsts.test", "a.hsts.test"]) {
        assert_eq!((r.error, r.status, r.url.as_str()), (SESSION_OK, 200, tls(&rig, host, "/echo").as_str()), "{r:?}");
    }
    for r in reqs {
        unsafe { session_request_free(r) };
    }
}

#[test]
fn hsts_add_refuses_what_is_not_a_host() {
    let s = S::new();
    for bad in ["127.0.0.1", "[::1]", "::1", "com", "co.uk", "", "a b", "h:443"] {
        assert_eq!(unsafe { session_hsts_add(s.0, c(bad).as_ptr(), 60, true) }, SESSION_E_INVALID_ARGUMENT, "{bad}");
    }
    assert_eq!(unsafe { session_hsts_add(s.0, ptr::null(), 60, true) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_hsts_add(ptr::null_mut(), c("h.test").as_ptr(), 60, true) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_hsts_add(s.0, c("h.test").as_ptr(), -1, true) }, SESSION_E_INVALID_ARGUMENT);
    assert!(!unsafe { session_hsts_lookup(ptr::null_mut(), c("h.test").as_ptr()) });
    assert!(!unsafe { session_hsts_lookup(s.0, ptr::null()) });
    ok(unsafe { session_hsts_add(s.0, c("H.Test").as_ptr(), 60, true) });
    assert!(lookup(&s, "h.test") && lookup(&s, "x.h.test"));
    ok(unsafe { session_hsts_add(s.0, c("h.test").as_ptr(), 0, true) });
    assert!(!lookup(&s, "h.test"));
    assert_eq!(unsafe { session_hsts_clear(ptr::null_mut()) }, SESSION_E_INVALID_ARGUMENT);
}

// ---------------------------------------------------------------- redirect safety

#[derive(Default)]
struct Trace(String);

/// Keeps the text and header kinds (bodies, which the echo fills with the headers, aside).
unsafe extern "C" fn trace(kind: c_int, data: *const c_char, len: usize, userdata: *mut c_void) {
    if kind > 2 {
        return;
    }
    let t = &mut *(userdata as *mut Trace);
    t.0.push_str(&String::from_utf8_lossy(std::slice::from_raw_parts(data as *const u8, len)));
}

#[test]
fn sensitive_headers_are_dropped_across_origins_and_redacted() {
    let rig = support::rig_tls();
    let s = session(&rig);
    assert_eq!(unsafe { session_set_sensitive_headers(s.0, c("X-Api-Key,  x-auth-token").as_ptr()) }, SESSION_OK);
    assert_eq!(unsafe { session_set_sensitive_headers(s.0, c("X Bad").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    let mut t = Trace::default();
    unsafe {
        session_set_header(s.0, c("X-Api-Key").as_ptr(), c("k3y-value").as_ptr());
        session_set_header(s.0, c("X-Auth-Token").as_ptr(), c("t0ken-value").as_ptr());
        session_set_header(s.0, c("X-Plain").as_ptr(), c("kept").as_ptr());
        session_set_debug_callback(s.0, Some(trace), &mut t as *mut Trace as *mut c_void);
    }
    // Same origin: kept.
    let r = s.get(&plain(&rig, "hsts.test", &format!("/redirect?to={}", "/echo")));
    assert!(r.body.contains("k3y-value") && r.body.contains("t0ken-value"), "{}", r.body);
    // Another host, then back: dropped for the rest of the chain.
    let back = plain(&rig, "hsts.test", "/echo");
    let via = plain(&rig, "a.hsts.test", &format!("/redirect?to={back}"));
    let r = s.get(&plain(&rig, "hsts.test", &format!("/redirect?to={via}")));
    assert_eq!((r.status, r.redirects), (200, 2), "{r:?}");
    assert!(!r.body.contains("k3y-value") && !r.body.contains("t0ken-value"), "{}", r.body);
    assert!(r.body.contains("kept"), "{}", r.body);
    // https to http: dropped.
    let r = s.get(&tls(&rig, "hsts.test", &format!("/redirect?to={back}")));
    assert_eq!(r.status, 200);
    assert!(!r.body.contains("k3y-value"), "{}", r.body);
    unsafe { session_set_debug_callback(s.0, None, ptr::null_mut()) };
    assert!(t.0.contains("X-Api-Key: [redacted]") && t.0.contains("X-Auth-Token: [redacted]"), "{}", t.0);
    assert!(!t.0.contains("k3y-value") && !t.0.contains("t0ken-value"), "{}", t.0);
    assert!(t.0.contains("X-Plain: kept"));
}

#[test]
fn the_trace_says_a_url_was_upgraded() {
    let rig = support::rig_tls();
    let s = session(&rig);
    ok(unsafe { session_hsts_add(s.0, c("hsts.test").as_ptr(), 600, false) });
    let mut t = Trace::default();
    unsafe { session_set_debug_callback(s.0, Some(trace), &mut t as *mut Trace as *mut c_void) };
    let url = format!("http://hsts.test:{}/echo", rig.tls_port.unwrap());
    assert_eq!(s.get(&url).status, 200);
    unsafe { session_set_debug_callback(s.0, None, ptr::null_mut()) };
    assert!(t.0.contains(&format!("HSTS: upgraded {url} to {}", tls(&rig, "hsts.test", "/echo"))), "{}", t.0);
}

#[test]
fn https_only_refuses_plain_http_before_sending() {
    let rig = support::rig_tls();
    let s = session(&rig);
    ok(unsafe { session_set_https_only(s.0, true) });
    let before = plain_requests(&rig);
    let r = s.get(&plain(&rig, "hsts.test", "/echo"));
    assert_eq!(r.error, SESSION_E_INVALID_URL, "{r:?}");
    assert!(r.message.contains("https-only"), "{}", r.message);
    let r = s.get(&tls(&rig, "hsts.test", &format!("/redirect?to={}", plain(&rig, "hsts.test", "/echo"))));
    assert_eq!((r.error, r.redirects), (SESSION_E_INVALID_URL, 1), "{r:?}");
    assert_eq!(plain_requests(&rig), before, "a plain request went out");
    assert_eq!(s.get(&tls(&rig, "hsts.test", "/echo")).status, 200);
    // A known HSTS host is upgraded first, so https-only lets it through.
    ok(unsafe { session_hsts_add(s.0, c("hsts.test").as_ptr(), 600, false) });
    assert_eq!(s.get(&format!("http://hsts.test:{}/echo", rig.tls_port.unwrap())).status, 200);
    ok(unsafe { session_set_https_only(s.0, false) });
    assert_eq!(s.get(&rig.url("/echo")).status, 200);
}
