//! How connections are made (issue 20), through the C ABI against real servers on
//! loopback: public-key pins against two TLS rigs (one pinned, one not), the rig on Unix
//! sockets (and http+unix:// URLs), the local address and port, the IP family, bandwidth
//! caps with a throttled download and upload, DNS-over-HTTPS against a loopback responder
//! (tests/servers/doh_server.py); each pool-key rule is checked: a connection made under
//! one value is never reused under another.

mod netsupport;
mod support;

use netsupport::*;
use session::capi::connect::*;
use session::capi::connect::session_ip_resolve::*;
use session::capi::network::session_set_retries;
use session::capi::session::*;
use session::error::session_code::{self, *};
use std::ptr;
use std::time::Instant;

fn ok(code: session_code) {
    assert_eq!(code, SESSION_OK, "{}", unsafe { std::ffi::CStr::from_ptr(session::capi::error::session_last_error()) }.to_string_lossy());
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The rig's /peer report through session `s` at `url`.
fn peer(s: &S, url: &str) -> serde_json::Value {
    let r = s.get(url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    json(&r.body)
}

/// Connections the rig's TLS listener accepted, probed by a session of its own.
fn tls_accepted(rig: &support::Server) -> u64 {
    let probe = S::new();
    ok(unsafe { session_set_verify(probe.0, false) });
    json(&probe.get(&rig.tls_url("/connections")).body)["accepted"].as_u64().unwrap()
}

// ---------------------------------------------------------------- pinning

#[test]
fn pinned_key_accepts_its_server_and_fails_others_without_retry() {
    let (pinned, other) = (support::rig_tls(), support::rig_tls());
    let s = S::new();
    ok(unsafe { session_set_verify(s.0, false) }); // the pin alone decides here
    ok(unsafe { session_set_pinned_public_key(s.0, c(extra(&pinned, "TLS_PIN")).as_ptr()) });
    ok(unsafe { session_set_retries(s.0, 3, 0.0) });
    let r = s.get(&pinned.tls_url("/status/200"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");

    let r = s.get(&other.tls_url("/status/200"));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert!(r.message.contains("pinning failed"), "{}", r.message);
    assert_eq!(tls_accepted(&other), 1, "a pinning failure is never retried");

    // Every hop of a redirect is pinned.
    let to = other.tls_url("/status/200");
    let r = s.get(&pinned.tls_url(&format!("/redirect?to={to}")));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert!(r.message.contains("pinning failed"), "{}", r.message);

    // Several pins: any may match. A PEM key file works as well.
    let both = format!("{};{}", extra(&other, "TLS_PIN"), extra(&pinned, "TLS_PIN"));
    ok(unsafe { session_set_pinned_public_key(s.0, c(&both).as_ptr()) });
    assert_eq!(s.get(&other.tls_url("/status/200")).status, 200);
    ok(unsafe { session_set_pinned_public_key(s.0, c(extra(&pinned, "TLS_PUBKEY")).as_ptr()) });
    assert_eq!(s.get(&pinned.tls_url("/status/200")).status, 200);
    assert_eq!(s.get(&other.tls_url("/status/200")).error, SESSION_E_TLS);
    ok(unsafe { session_set_pinned_public_key(s.0, ptr::null()) });
    assert_eq!(s.get(&other.tls_url("/status/200")).status, 200);
}

#[test]
fn pinning_adds_to_verification_and_never_reuses_an_unpinned_connection() {
    let rig = support::rig_tls();
    let s = S::new();
    let ca = c(rig.ca_pem.as_ref().unwrap().to_str().unwrap());
    ok(unsafe { session_set_ca_bundle(s.0, ca.as_ptr()) });
    assert_eq!(s.get(&rig.tls_url("/status/200")).status, 200, "kept alive, unpinned");
    // A wrong pin on a verified server: the pooled, unpinned connection is not reused.
    let wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    ok(unsafe { session_set_pinned_public_key(s.0, c(wrong).as_ptr()) });
    let r = s.get(&rig.tls_url("/status/200"));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert!(r.message.contains("pinning failed"), "{}", r.message);
    ok(unsafe { session_set_pinned_public_key(s.0, c(extra(&rig, "TLS_PIN")).as_ptr()) });
    assert_eq!(s.get(&rig.tls_url("/status/200")).status, 200);
}

// ---------------------------------------------------------------- bad values

#[test]
fn bad_values_are_refused_at_the_setter() {
    let s = S::new();
    let req = Req::new("GET", "http://127.0.0.1/");
    let bad = |code: session_code, what: &str| assert_eq!(code, SESSION_E_INVALID_ARGUMENT, "{what}");
    for pin in ["", "sha256//abc", "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;", "md5//x", "/no/such/key.pem"] {
        bad(unsafe { session_set_pinned_public_key(s.0, c(pin).as_ptr()) }, pin);
    }
    for path in ["relative.sock", "", &format!("/{}", "x".repeat(120))] {
        bad(unsafe { session_set_unix_socket(s.0, c(path).as_ptr()) }, path);
    }
    bad(unsafe { session_request_set_unix_socket(req.0, c("run/docker.sock").as_ptr()) }, "request socket");
    for iface in ["", "dev!eth0", "if!", "ifhost!lo", "two words"] {
        bad(unsafe { session_set_interface(s.0, c(iface).as_ptr()) }, iface);
    }
    bad(unsafe { session_set_local_port_range(s.0, 70000, 1) }, "port");
    bad(unsafe { session_set_local_port_range(s.0, 65535, 2) }, "range");
    bad(unsafe { session_set_local_port_range(s.0, -5, 1) }, "negative port");
    bad(unsafe { session_set_ip_resolve(s.0, 3) }, "family");
    bad(unsafe { session_set_ip_resolve(s.0, -1) }, "family");
    bad(unsafe { session_set_happy_eyeballs_ms(s.0, -2) }, "happy eyeballs");
    bad(unsafe { session_set_max_recv_speed(s.0, -1) }, "recv speed");
    bad(unsafe { session_set_max_send_speed(s.0, -1) }, "send speed");
    bad(unsafe { session_request_set_max_recv_speed(req.0, -2) }, "request recv speed");
    bad(unsafe { session_request_set_max_send_speed(req.0, -2) }, "request send speed");
    for url in ["http://127.0.0.1/dns-query", "dns.example", "https://"] {
        bad(unsafe { session_set_doh_url(s.0, c(url).as_ptr()) }, url);
    }
    // NULL handles are refused too, never a crash.
    bad(unsafe { session_set_unix_socket(ptr::null_mut(), ptr::null()) }, "NULL session");
    bad(unsafe { session_request_set_unix_socket(ptr::null_mut(), ptr::null()) }, "NULL request");
    // Good values, and NULL clearing.
    ok(unsafe { session_set_interface(s.0, c("host!127.0.0.1").as_ptr()) });
    ok(unsafe { session_set_interface(s.0, ptr::null()) });
    ok(unsafe { session_set_happy_eyeballs_ms(s.0, -1) });
    ok(unsafe { session_set_doh_url(s.0, ptr::null()) });
    // An http+unix URL with a relative socket path is an invalid URL.
    assert_eq!(s.get("http+unix://docker.sock/info").error, SESSION_E_INVALID_URL);
}

// ---------------------------------------------------------------- unix sockets

#[test]
fn unix_sockets_keep_the_urls_host_and_are_never_shared() {
    let dir = tempdir();
    let (a_path, b_path) = (format!("{dir}/a.sock"), format!("{dir}/b.sock"));
    let a = support::rig_with(&["--unix", &a_path]);
    let _b = support::rig_with(&["--unix", &b_path]);
    let s = S::new();
    ok(unsafe { session_set_unix_socket(s.0, c(&a_path).as_ptr()) });
    assert_eq!(peer(&s, "http://example.test/peer")["listener"], format!("unix:{a_path}"));
    // Host and cookies keep the URL's host.
    let r = s.get("http://example.test:8080/echo");
    assert_eq!(echoed_header(&r.body, "Host").as_deref(), Some("example.test:8080"), "{}", r.body);
    assert_eq!(s.get("http://example.test/set-raw?h=k%3Dv").status, 200);
    let cookie = unsafe { session::capi::cookies::session_cookie_get(s.0, c("http://example.test/").as_ptr(), c("k").as_ptr()) };
    assert!(!cookie.is_null(), "the cookie is stored for example.test");
    assert_eq!(support::capi::text(cookie), "v");
    unsafe { session::capi::cookies::session_string_free(cookie) };
    let r = s.get("http://example.test/echo");
    assert_eq!(echoed_header(&r.body, "Cookie").as_deref(), Some("k=v"), "{}", r.body);

    // Per request: another socket, or TCP; then the session's again. Each answer comes from
    // the listener asked for, although host and port are the same.
    let req = Req::new("GET", "http://example.test/peer");
    ok(unsafe { session_request_set_unix_socket(req.0, c(&b_path).as_ptr()) });
    assert_eq!(json(&req.send(&s).body)["listener"], format!("unix:{b_path}"));
    assert_eq!(peer(&s, "http://example.test/peer")["listener"], format!("unix:{a_path}"));
    let req = Req::new("GET", &a.url("/peer"));
    ok(unsafe { session_request_set_unix_socket(req.0, c("").as_ptr()) });
    assert_eq!(json(&req.send(&s).body)["listener"], "tcp");
    ok(unsafe { session_request_set_unix_socket(req.0, ptr::null()) });
    assert_eq!(json(&req.send(&s).body)["listener"], format!("unix:{a_path}"));

    // The session's socket changed: the pooled connection to a.sock is not reused.
    ok(unsafe { session_set_unix_socket(s.0, c(&b_path).as_ptr()) });
    assert_eq!(peer(&s, "http://example.test/peer")["listener"], format!("unix:{b_path}"));
    ok(unsafe { session_set_unix_socket(s.0, ptr::null()) });
    assert_eq!(peer(&s, &a.url("/peer"))["listener"], "tcp");
}

#[test]
fn http_unix_urls_go_through_their_socket() {
    let dir = tempdir();
    let path = format!("{dir}/rig.sock");
    let _rig = support::rig_with(&["--unix", &path]);
    let s = S::new();
    let encoded = path.replace('/', "%2F");
    let r = s.get(&format!("http+unix://{encoded}/echo?x=1"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Host").as_deref(), Some("localhost"), "{}", r.body);
    assert!(r.body.contains("\"path\": \"/echo?x=1\""), "{}", r.body);
    assert_eq!(r.url, "http://localhost/echo?x=1");
    assert_eq!(peer(&s, &format!("http+unix://{encoded}/peer"))["listener"], format!("unix:{path}"));
}

/// A fresh directory for Unix sockets, removed when dropped (after the rigs using it).
struct TempDir(String);

impl std::fmt::Display for TempDir {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tempdir() -> TempDir {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("libsession-connect-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir.to_str().unwrap().to_owned())
}

// ---------------------------------------------------------------- local address, IP family

#[test]
fn interface_binds_and_a_change_makes_a_new_connection() {
    let rig = support::rig();
    let s = S::new();
    ok(unsafe { session_set_interface(s.0, c("127.0.0.2").as_ptr()) });
    assert_eq!(peer(&s, &rig.url("/peer"))["address"], "127.0.0.2");
    ok(unsafe { session_set_interface(s.0, c("host!127.0.0.3").as_ptr()) });
    assert_eq!(peer(&s, &rig.url("/peer"))["address"], "127.0.0.3");
    // Unbound again: not the bound connection (libcurl alone would reuse it).
    ok(unsafe { session_set_interface(s.0, ptr::null()) });
    assert_eq!(peer(&s, &rig.url("/peer"))["address"], "127.0.0.1");
    // An interface that does not exist fails the request, as a connection failure.
    ok(unsafe { session_set_interface(s.0, c("if!nosuchif0").as_ptr()) });
    let r = s.get(&rig.url("/peer"));
    assert_eq!(r.error, SESSION_E_CONNECT, "{r:?}");
}

#[test]
fn local_port_range_binds_and_clearing_it_makes_a_new_connection() {
    let rig = support::rig();
    let s = S::new();
    // Below Linux's ephemeral range, so an unbound connection never lands in it.
    let base = 20000 + (std::process::id() % 5000) as i64;
    ok(unsafe { session_set_local_port_range(s.0, base as i32, 50) });
    let port = peer(&s, &rig.url("/peer"))["port"].as_i64().unwrap();
    assert!((base..base + 50).contains(&port), "{port} not in {base}..+50");
    assert_eq!(peer(&s, &rig.url("/peer"))["port"].as_i64().unwrap(), port, "same settings: kept alive");
    ok(unsafe { session_set_local_port_range(s.0, 0, 0) });
    let port = peer(&s, &rig.url("/peer"))["port"].as_i64().unwrap();
    assert!(!(base..base + 50).contains(&port), "{port}: the bound connection was reused");
}

#[test]
fn ip_family_is_forced_and_a_connection_of_the_other_is_not_reused() {
    let rig = support::rig(); // listens on 127.0.0.1 only
    let url = format!("http://localhost:{}/peer", rig.port);
    let s = S::new();
    ok(unsafe { session_set_ip_resolve(s.0, SESSION_IP_V4 as i32) });
    assert_eq!(peer(&s, &url)["address"], "127.0.0.1");
    // IPv6 only: the kept-alive IPv4 connection must not serve it (nothing listens on ::1).
    ok(unsafe { session_set_ip_resolve(s.0, SESSION_IP_V6 as i32) });
    let r = s.get(&url);
    assert_ne!(r.error, SESSION_OK, "{r:?}");
    ok(unsafe { session_set_ip_resolve(s.0, SESSION_IP_ANY as i32) });
    ok(unsafe { session_set_happy_eyeballs_ms(s.0, 50) });
    assert_eq!(peer(&s, &url)["address"], "127.0.0.1");
}

// ---------------------------------------------------------------- bandwidth

/// Asserts a transfer of `bytes` in `secs` kept under `cap` bytes/s, with a large margin
/// (a noisy machine makes transfers slower, never faster).
fn assert_capped(bytes: usize, secs: f64, cap: f64) {
    let rate = bytes as f64 / secs;
    assert!(rate < cap * 1.5, "{rate:.0} B/s over the {cap} B/s cap");
    assert!(rate > cap / 10.0, "{rate:.0} B/s: far under the cap");
}

#[test]
fn throttled_download_and_upload_keep_to_the_cap() {
    let rig = support::rig();
    let s = S::new();
    let (size, cap) = (400_000usize, 200_000.0);
    ok(unsafe { session_set_max_recv_speed(s.0, cap as i64) });
    let start = Instant::now();
    let r = s.get(&rig.url(&format!("/bytes/{size}")));
    assert_eq!((r.error, r.len), (SESSION_OK, size), "{r:?}");
    assert_capped(size, start.elapsed().as_secs_f64(), cap);

    // A request's own 0 lifts the cap.
    let req = Req::new("GET", &rig.url(&format!("/bytes/{size}")));
    ok(unsafe { session_request_set_max_recv_speed(req.0, 0) });
    let start = Instant::now();
    assert_eq!(req.send(&s).len, size);
    let rate = size as f64 / start.elapsed().as_secs_f64();
    assert!(rate > cap * 3.0, "uncapped download ran at {rate:.0} B/s");

    // Upload, capped per request.
    let req = Req::new("POST", &rig.url("/sink"));
    let body = vec![b'x'; size];
    ok(unsafe { session::capi::request::session_request_set_body(req.0, body.as_ptr().cast(), body.len(), ptr::null()) });
    ok(unsafe { session_request_set_max_send_speed(req.0, cap as i64) });
    let start = Instant::now();
    let r = req.send(&s);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(json(&r.body)["len"], size as u64);
    assert_capped(size, start.elapsed().as_secs_f64(), cap);
}

// ---------------------------------------------------------------- DNS over HTTPS

#[test]
fn doh_resolves_names_and_obeys_verification() {
    let (doh, rig) = (support::doh_server(), support::rig());
    let doh_url = format!("https://127.0.0.1:{}/dns-query", doh.tls_port.unwrap());
    let url = format!("http://app.doh.test:{}/peer", rig.port);
    let s = S::new();
    ok(unsafe { session_set_doh_url(s.0, c(&doh_url).as_ptr()) });
    // The DoH server's CA is not trusted: the lookup fails, as a resolve failure.
    let r = s.get(&url);
    assert_eq!(r.error, SESSION_E_RESOLVE, "{r:?}");
    let ca = c(doh.ca_pem.as_ref().unwrap().to_str().unwrap());
    ok(unsafe { session_set_ca_bundle(s.0, ca.as_ptr()) });
    assert_eq!(peer(&s, &url)["address"], "127.0.0.1");
    let seen = json(&support::get_json(&doh.url("/count")));
    assert!(seen["names"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().starts_with("app.doh.test. A")), "{seen}");
    // Verification off applies to DoH too.
    let s = S::new();
    ok(unsafe { session_set_doh_url(s.0, c(&doh_url).as_ptr()) });
    ok(unsafe { session_set_verify(s.0, false) });
    let other = format!("http://other.doh.test:{}/peer", rig.port);
    assert_eq!(peer(&s, &other)["address"], "127.0.0.1");
    // Another DoH server: the connection (and the lookup) made with the first is not reused,
    // so the second server is asked.
    let doh2 = support::doh_server();
    ok(unsafe { session_set_doh_url(s.0, c(&format!("https://127.0.0.1:{}/dns-query", doh2.tls_port.unwrap())).as_ptr()) });
    assert_eq!(peer(&s, &other)["address"], "127.0.0.1");
    let seen = json(&support::get_json(&doh2.url("/count")));
    assert!(seen["names"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().starts_with("other.doh.test. A")), "{seen}");
    // A name the DoH server does not know does not resolve (libcurl answers "localhost"
    // itself, the DoH server everything else).
    assert_eq!(s.get(&format!("http://nowhere.example:{}/peer", rig.port)).error, SESSION_E_RESOLVE);
    let seen = json(&support::get_json(&doh2.url("/count")));
    assert!(seen["names"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().starts_with("nowhere.example.")), "{seen}");
}

#[test]
fn pins_apply_to_an_https_proxy_too() {
    use session::capi::network::{session_set_proxy, session_set_trust_env};
    let rig = support::rig();
    let proxy = support::proxy(&["--tls"]);
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    ok(unsafe { session_set_verify(s.0, false) }); // the pin alone decides here
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&format!("https://127.0.0.1:{}", proxy.port)).as_ptr()) });
    let url = format!("http://origin.test:{}/status/200", rig.port); // only the proxy resolves *.test
    assert_eq!(s.get(&url).status, 200, "unpinned");
    ok(unsafe { session_set_pinned_public_key(s.0, c("sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=").as_ptr()) });
    let r = s.get(&url);
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
    assert!(r.message.contains("pinning failed"), "{}", r.message);
    ok(unsafe { session_set_pinned_public_key(s.0, c(extra(&proxy, "TLS_PIN")).as_ptr()) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
}

#[test]
fn async_requests_do_not_reuse_connections_made_under_old_settings() {
    use session::capi::concurrency::{session_future_free, session_future_wait, session_send_async};
    let rig = support::rig();
    let s = S::new();
    let async_peer = |s: &S| {
        let req = Req::new("GET", &rig.url("/peer"));
        let f = unsafe { session_send_async(s.0, req.0) };
        assert!(!f.is_null());
        let r = take(unsafe { session_future_wait(f, -1) });
        unsafe { session_future_free(f) };
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
        json(&r.body)
    };
    ok(unsafe { session_set_interface(s.0, c("127.0.0.2").as_ptr()) });
    assert_eq!(async_peer(&s)["address"], "127.0.0.2");
    assert_eq!(async_peer(&s)["address"], "127.0.0.2");
    // The async worker's own lane is dropped too: not the bound connection.
    ok(unsafe { session_set_interface(s.0, ptr::null()) });
    assert_eq!(async_peer(&s)["address"], "127.0.0.1");
}
