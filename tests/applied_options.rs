//! A pooled easy handle skips the libcurl options whose inputs did not change since its last
//! request (transport::options, `Applied`). These tests alternate very different requests on
//! one session from one thread, so every request runs on the same handle, and check that each
//! behaves as if the handle were new: proxy or not, digest or basic or no auth, streamed or in
//! memory, HTTP/2 or 1.1, bodies and methods, verification on and off.

mod netsupport;
mod support;

use netsupport::*;
use session::capi::network::*;
use session::capi::request::*;
use session::capi::session::*;
use session::capi::transfer::*;
use session::error::session_code::{self, *};
use session::capi::transfer::session_write_cb;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

fn ok(code: session_code) {
    assert_eq!(code, SESSION_OK);
}

/// Status, HTTP version and body of a response (the C response is freed).
fn send_full(s: &S, req: &Req) -> (session_code, i64, String, String) {
    let r = unsafe { session_send(s.0, req.0) };
    let version = unsafe { CStr::from_ptr((*r).http_version) }.to_string_lossy().into_owned();
    let resp = take(r);
    (resp.error, resp.status, version, resp.body)
}

unsafe extern "C" fn collect(data: *const c_char, len: usize, userdata: *mut c_void) -> usize {
    let out = &mut *(userdata as *mut Vec<u8>);
    out.extend_from_slice(std::slice::from_raw_parts(data as *const u8, len));
    len
}

/// The value of an echoed header in a rig /echo body ([["Name", "value"], ...]).
fn rig_header(body: &str, name: &str) -> Option<String> {
    let lower = body.to_ascii_lowercase();
    let needle = format!("[\"{}\", \"", name.to_ascii_lowercase());
    let at = lower.find(&needle)? + needle.len();
    Some(body[at..at + body[at..].find('"')?].to_owned())
}

#[test]
fn alternating_requests_on_one_handle_each_behave_as_on_a_new_one() {
    let rig = support::rig_tls();
    let hb = support::httpbin();
    let proxy = support::proxy(&[]);
    let h2 = support::h2_server();
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    // Only hop URLs on origin.test go through the proxy (which alone resolves *.test).
    let proxied = format!("http://origin.test:{}/echo/p", rig.port);
    ok(unsafe { session_set_proxy(s.0, c("http://origin.test").as_ptr(), c(&proxy_url(&proxy)).as_ptr()) });
    let digest_url = hb.url("/digest-auth/auth/user/passwd");

    for round in 0..2 {
        // Proxy, then direct, then proxy again: the proxy is chosen per hop.
        let r = s.get(&proxied);
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "round {round}: {}", r.message);
        let r = s.get(&rig.url("/echo/direct"));
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
        assert_eq!(proxy_seen(&proxy, "forward").len(), 1 + round, "the direct request skipped the proxy");

        // Digest for one request, then basic, then none: no credentials carry over.
        let req = Req::new("GET", &digest_url);
        ok(unsafe { session_request_set_digest_auth(req.0, c("user").as_ptr(), c("passwd").as_ptr()) });
        assert_eq!(req.send(&s).status, 200, "digest");
        let req = Req::new("GET", &hb.url("/basic-auth/u/p"));
        ok(unsafe { session_request_set_basic_auth(req.0, c("u").as_ptr(), c("p").as_ptr()) });
        assert_eq!(req.send(&s).status, 200, "basic");
        assert_eq!(s.get(&digest_url).status, 401, "digest credentials stayed on the handle");
        let req = Req::new("GET", &digest_url);
        ok(unsafe { session_request_set_digest_auth(req.0, c("user").as_ptr(), c("passwd").as_ptr()) });
        assert_eq!(req.send(&s).status, 200, "digest again");

        // Streamed to a callback, then in memory.
        let mut streamed: Vec<u8> = Vec::new();
        let req = Req::new("GET", &rig.url("/echo/streamed"));
        let cb: session_write_cb = Some(collect);
        ok(unsafe { session_request_set_write_callback(req.0, cb, &mut streamed as *mut Vec<u8> as *mut c_void) });
        let r = req.send(&s);
        assert_eq!((r.error, r.body.as_str()), (SESSION_OK, ""), "{}", r.message);
        assert!(String::from_utf8_lossy(&streamed).contains("/echo/streamed"));
        let r = s.get(&rig.url("/echo/memory"));
        assert!(r.body.contains("/echo/memory"), "{}", r.body);

        // HTTP/2 by prior knowledge, HTTP/1.1, prior knowledge again (per request).
        for (version, expected) in [
            (session_http_version::SESSION_HTTP_VERSION_2_PRIOR_KNOWLEDGE, "HTTP/2"),
            (session_http_version::SESSION_HTTP_VERSION_1_1, "HTTP/1.1"),
            (session_http_version::SESSION_HTTP_VERSION_2_PRIOR_KNOWLEDGE, "HTTP/2"),
        ] {
            let req = Req::new("GET", &h2.url("/v"));
            ok(unsafe { session_request_set_http_version(req.0, version as c_int) });
            let (code, _, got, _) = send_full(&s, &req);
            assert_eq!((code, got.as_str()), (SESSION_OK, expected));
        }

        // Methods and bodies: POST with a body, bodiless PUT, GET, HEAD, bodiless POST.
        let req = Req::new("POST", &rig.url("/echo/post"));
        ok(unsafe { session_request_set_body(req.0, b"abc".as_ptr() as *const c_void, 3, c("text/plain").as_ptr()) });
        let r = req.send(&s);
        assert!(r.body.contains("\"method\": \"POST\"") && r.body.contains("\"body\": \"abc\""), "{}", r.body);
        assert_eq!(rig_header(&r.body, "Content-Type").as_deref(), Some("text/plain"));
        let r = Req::new("PUT", &rig.url("/echo/put")).send(&s);
        assert!(r.body.contains("\"method\": \"PUT\""), "{}", r.body);
        assert_eq!(rig_header(&r.body, "Content-Length").as_deref(), Some("0"));
        assert_eq!(rig_header(&r.body, "Content-Type"), None);
        let r = s.get(&rig.url("/echo/get"));
        assert!(r.body.contains("\"method\": \"GET\""), "{}", r.body);
        assert_eq!(rig_header(&r.body, "Content-Length"), None);
        let r = Req::new("HEAD", &rig.url("/echo/head")).send(&s);
        assert_eq!((r.error, r.status, r.body.as_str()), (SESSION_OK, 200, ""));
        let r = Req::new("POST", &rig.url("/echo/empty")).send(&s);
        assert!(r.body.contains("\"method\": \"POST\""), "{}", r.body);
        assert_eq!(rig_header(&r.body, "Content-Length").as_deref(), Some("0"));
        assert_eq!(rig_header(&r.body, "Content-Type"), None, "no form Content-Type");

        // Verification off, on (the untrusted rig CA fails), on with the CA.
        ok(unsafe { session_set_verify(s.0, false) });
        assert_eq!(s.get(&rig.tls_url("/echo/unverified")).error, SESSION_OK);
        ok(unsafe { session_set_verify(s.0, true) });
        assert_eq!(s.get(&rig.tls_url("/echo/verified")).error, SESSION_E_TLS);
        let ca = rig.ca_pem.as_ref().unwrap().to_str().unwrap();
        ok(unsafe { session_set_ca_bundle(s.0, c(ca).as_ptr()) });
        assert_eq!(s.get(&rig.tls_url("/echo/trusted")).error, SESSION_OK);
        ok(unsafe { session_set_ca_bundle(s.0, ptr::null()) });
    }

    // Without the proxy entry origin.test can't be resolved: the proxy option was cleared.
    ok(unsafe { session_set_proxy(s.0, c("http://origin.test").as_ptr(), ptr::null()) });
    assert_eq!(s.get(&proxied).error, SESSION_E_RESOLVE);
}

fn proxy_url(proxy: &support::Server) -> String {
    format!("http://127.0.0.1:{}", proxy.port)
}

/// The per-hop connection options (a request's Unix socket, its speed caps) do not stay on
/// the handle for the next request, which has none.
#[test]
fn unix_socket_and_speed_caps_do_not_carry_over() {
    use session::capi::connect::*;
    let dir = std::env::temp_dir().join(format!("libsession-applied-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rig.sock").to_str().unwrap().to_owned();
    let rig = support::rig_with(&["--unix", &path]);
    let s = S::new();
    for _ in 0..2 {
        let req = Req::new("GET", "http://example.test/peer");
        ok(unsafe { session_request_set_unix_socket(req.0, c(&path).as_ptr()) });
        ok(unsafe { session_request_set_max_recv_speed(req.0, 100_000) });
        let (code, _, _, body) = send_full(&s, &req);
        assert_eq!(code, SESSION_OK, "{body}");
        assert!(body.contains(&format!("\"listener\": \"unix:{path}\"")), "{body}");
        let plain = Req::new("GET", &rig.url("/peer"));
        let (_, _, _, body) = send_full(&s, &plain);
        assert!(body.contains("\"listener\": \"tcp\""), "{body}");
        // 300 kB at the 100 kB/s cap would take 3 s.
        let start = std::time::Instant::now();
        let (code, _, _, body) = send_full(&s, &Req::new("GET", &rig.url("/bytes/300000")));
        assert_eq!((code, body.len() > 0), (SESSION_OK, true));
        assert!(start.elapsed().as_secs_f64() < 1.5, "the cap carried over: {:?}", start.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
