//! Auth, TLS, proxies, timeouts and retries through the C ABI, against httpbin, the rig
//! server (TLS with a trustme CA, client-cert listener) and the project's proxy server, all
//! on loopback. Environment-variable cases are in tests/network_env.rs.

mod netsupport;
mod support;

use netsupport::*;
use session::capi::network::*;
use session::capi::session::*;
use session::error::session_code::*;
use std::ptr;
use std::time::{Duration, Instant};

fn ok(code: session::error::session_code) {
    assert_eq!(code, SESSION_OK, "{}", unsafe { std::ffi::CStr::from_ptr(session::capi::error::session_last_error()) }.to_string_lossy());
}

fn localhost(server: &support::Server, path: &str) -> String {
    format!("http://localhost:{}{path}", server.port)
}

// ---------------------------------------------------------------- auth

#[test]
fn digest_auth_answers_httpbins_challenge() {
    let hb = support::httpbin();
    let s = S::new();
    ok(unsafe { session_set_digest_auth(s.0, c("user").as_ptr(), c("passwd").as_ptr()) });
    let r = s.get(&hb.url("/digest-auth/auth/user/passwd"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert!(r.body.contains("\"authenticated\": true"), "{}", r.body);
    ok(unsafe { session_set_digest_auth(s.0, c("user").as_ptr(), c("wrong").as_ptr()) });
    assert_eq!(s.get(&hb.url("/digest-auth/auth/user/passwd")).status, 401);
    // A same-origin redirect keeps the credentials.
    ok(unsafe { session_set_digest_auth(s.0, c("user").as_ptr(), c("passwd").as_ptr()) });
    let r = s.get(&hb.url("/redirect-to?url=/digest-auth/auth/user/passwd"));
    assert_eq!((r.status, r.redirects), (200, 1), "{r:?}");
    // NULL removes them.
    ok(unsafe { session_set_digest_auth(s.0, ptr::null(), ptr::null()) });
    assert_eq!(s.get(&hb.url("/digest-auth/auth/user/passwd")).status, 401);
}

#[test]
fn request_auth_overrides_the_sessions() {
    let hb = support::httpbin();
    let s = S::new();
    ok(unsafe { session_set_bearer_token(s.0, c("session-token").as_ptr()) });
    let req = Req::new("GET", &hb.url("/digest-auth/auth/user/passwd"));
    ok(unsafe { session_request_set_digest_auth(req.0, c("user").as_ptr(), c("passwd").as_ptr()) });
    let r = req.send(&s);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    let req = Req::new("GET", &hb.url("/basic-auth/u/p"));
    ok(unsafe { session_request_set_basic_auth(req.0, c("u").as_ptr(), c("p").as_ptr()) });
    assert_eq!(req.send(&s).status, 200);
    ok(unsafe { session_request_set_basic_auth(req.0, ptr::null(), ptr::null()) });
    assert_eq!(req.send(&s).status, 401, "override removed: the session's bearer token");
    let req = Req::new("GET", &hb.url("/bearer"));
    ok(unsafe { session_request_set_bearer_token(req.0, c("req-token").as_ptr()) });
    let r = req.send(&s);
    assert!(r.body.contains("req-token"), "{}", r.body);
    assert_eq!(unsafe { session_request_set_basic_auth(req.0, c("a:b").as_ptr(), ptr::null()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_request_set_digest_auth(ptr::null_mut(), c("a").as_ptr(), ptr::null()) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn digest_credentials_never_follow_a_redirect_to_another_host() {
    let hb = support::httpbin();
    let s = S::new();
    ok(unsafe { session_set_digest_auth(s.0, c("user").as_ptr(), c("passwd").as_ptr()) });
    // 127.0.0.1 -> localhost (another host): the challenge there goes unanswered.
    let target = localhost(hb, "/digest-auth/auth/user/passwd");
    let r = s.get(&hb.url(&format!("/redirect-to?url={target}")));
    assert_eq!((r.status, r.redirects), (401, 1), "{r:?}");
    // ... and never re-added: 127.0.0.1 -> localhost -> back to 127.0.0.1.
    let back = hb.url("/digest-auth/auth/user/passwd");
    let via = localhost(hb, &format!("/redirect-to?url={back}"));
    let r = s.get(&hb.url(&format!("/redirect-to?url={}", via.replace('?', "%3F").replace('=', "%3D"))));
    assert_eq!((r.status, r.redirects), (401, 2), "{r:?}");
}

#[test]
fn url_credentials_become_basic_auth_and_leave_the_url() {
    let rig = support::rig();
    let s = S::new();
    let url = format!("http://us%40er:p%3Ass@127.0.0.1:{}/echo", rig.port);
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    // base64("us@er:p:ss")
    assert_eq!(echoed_header(&r.body, "Authorization").as_deref(), Some("Basic dXNAZXI6cDpzcw=="), "{}", r.body);
    assert!(r.body.contains("\"path\": \"/echo\""), "{}", r.body);
    assert_eq!(r.url, url, "the response URL is the one asked for, as in requests");
    // A redirect to another host drops them; a Location's own credentials are never used.
    let next = localhost(&rig, "/echo");
    let r = s.get(&format!("http://u:p@127.0.0.1:{}/redirect?to={next}", rig.port));
    assert_eq!((r.status, r.redirects), (200, 1), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Authorization"), None, "{}", r.body);
    let r = s.get(&rig.url(&format!("/redirect?to=http://x:y@127.0.0.1:{}/echo", rig.port)));
    assert_eq!((r.status, r.redirects), (200, 1), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Authorization"), None, "{}", r.body);
    // Session auth wins over URL credentials, as in requests.
    ok(unsafe { session_set_bearer_token(s.0, c("tok").as_ptr()) });
    let r = s.get(&url);
    assert_eq!(echoed_header(&r.body, "Authorization").as_deref(), Some("Bearer tok"));
}

#[test]
fn netrc_is_read_only_when_enabled() {
    let hb = support::httpbin();
    let dir = std::env::temp_dir().join(format!("libsession-netrc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let netrc = dir.join("netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login nuser password npass\n").unwrap();
    let s = S::new();
    let url = hb.url("/basic-auth/nuser/npass");
    assert_eq!(s.get(&url).status, 401, "netrc is off by default");
    ok(unsafe { session_set_netrc(s.0, true, c(netrc.to_str().unwrap()).as_ptr()) });
    let r = s.get(&url);
    assert_eq!(r.status, 200, "{r:?}");
    // Not for another host (localhost has no entry).
    assert_eq!(s.get(&localhost(hb, "/basic-auth/nuser/npass")).status, 401);
    ok(unsafe { session_set_netrc(s.0, false, ptr::null()) });
    assert_eq!(s.get(&url).status, 401);
    assert_eq!(unsafe { session_set_netrc(s.0, true, c("").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------- TLS

#[test]
fn verification_is_on_by_default_with_bundle_or_directory() {
    let rig = support::rig_tls();
    let ca = rig.ca_pem.clone().unwrap();
    let url = rig.tls_url("/echo");
    let s = S::new();
    let r = s.get(&url);
    assert_eq!(r.error, SESSION_E_TLS, "an unknown CA is refused: {r:?}");
    ok(unsafe { session_set_ca_bundle(s.0, c(ca.to_str().unwrap()).as_ptr()) });
    assert_eq!(s.get(&url).status, 200);

    // A hashed directory (openssl rehash layout) holding the CA.
    let dir = ca.parent().unwrap().join("hashed");
    std::fs::create_dir_all(&dir).unwrap();
    let out = std::process::Command::new("openssl").args(["x509", "-subject_hash", "-noout", "-in"]).arg(&ca).output().expect("openssl CLI");
    let hash = String::from_utf8(out.stdout).unwrap();
    std::fs::copy(&ca, dir.join(format!("{}.0", hash.trim()))).unwrap();
    let s = S::new();
    ok(unsafe { session_set_ca_path(s.0, c(dir.to_str().unwrap()).as_ptr()) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    // An empty directory verifies nothing (and replaces the system store).
    let empty = ca.parent().unwrap().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let s = S::new();
    ok(unsafe { session_set_ca_path(s.0, c(empty.to_str().unwrap()).as_ptr()) });
    assert_eq!(s.get(&url).error, SESSION_E_TLS);
}

#[test]
fn a_connection_made_without_verification_is_not_reused_with_it() {
    // CVE-2024-35195: requests reused a verify=False connection for verify=True.
    let rig = support::rig_tls();
    let url = rig.tls_url("/echo");
    let s = S::new();
    ok(unsafe { session_set_verify(s.0, false) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    ok(unsafe { session_set_verify(s.0, true) });
    let r = s.get(&url);
    assert_eq!(r.error, SESSION_E_TLS, "verified request got a connection made unverified: {r:?}");
    // And back: unverified works again (a new connection or not, it is allowed).
    ok(unsafe { session_set_verify(s.0, false) });
    assert_eq!(s.get(&url).status, 200);

    // The same for the CA: a connection verified against a custom CA does not serve a
    // request that trusts only the system store.
    let s = S::new();
    ok(unsafe { session_set_ca_bundle(s.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    assert_eq!(s.get(&url).status, 200);
    ok(unsafe { session_set_ca_bundle(s.0, ptr::null()) });
    assert_eq!(s.get(&url).error, SESSION_E_TLS);
}

#[test]
fn client_certificate_with_encrypted_key() {
    let rig = support::rig_tls();
    let port: u16 = extra(&rig, "MTLS_PORT").parse().unwrap();
    let url = format!("https://127.0.0.1:{port}/echo");
    let (cert, key) = (extra(&rig, "CLIENT_CERT"), extra(&rig, "CLIENT_KEY"));
    let s = S::new();
    ok(unsafe { session_set_ca_bundle(s.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    let r = s.get(&url);
    // TLS 1.3 reports the server's refusal after the handshake: a TLS alert or a broken pipe.
    assert!(matches!(r.error, SESSION_E_TLS | SESSION_E_CONNECT), "no client certificate must be refused: {r:?}");
    ok(unsafe { session_set_client_cert(s.0, c(cert).as_ptr(), c(key).as_ptr(), c("wrong").as_ptr()) });
    let r = s.get(&url);
    assert_eq!(r.error, SESSION_E_TLS, "a wrong key password fails: {r:?}");
    ok(unsafe { session_set_client_cert(s.0, c(cert).as_ptr(), c(key).as_ptr(), c("secret").as_ptr()) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    ok(unsafe { session_set_client_cert(s.0, ptr::null(), ptr::null(), ptr::null()) });
    assert_ne!(s.get(&url).error, SESSION_OK, "removed");
}

// ---------------------------------------------------------------- proxies

fn proxy_url(proxy: &support::Server, scheme: &str, creds: &str) -> String {
    format!("{scheme}://{creds}127.0.0.1:{}", proxy.port)
}

#[test]
fn http_proxy_forwards_and_keeps_proxy_authorization_from_the_origin() {
    let rig = support::rig();
    let proxy = support::proxy(&["--auth", "pu:pp"]);
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    ok(unsafe { session_set_proxy(s.0, c("http").as_ptr(), c(&proxy_url(&proxy, "http", "pu:pp@")).as_ptr()) });
    // origin.test resolves only at the proxy: a 200 proves the proxy carried it.
    let r = s.get(&format!("http://origin.test:{}/echo", rig.port));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Proxy-Authorization"), None, "{}", r.body);
    let seen = proxy_seen(&proxy, "forward");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains("\"proxy_authorization\": \"Basic cHU6cHA=\""), "{seen:?}");

    // Wrong credentials: the proxy's 407 comes back as the response (plain HTTP proxying).
    ok(unsafe { session_set_proxy(s.0, c("http").as_ptr(), c(&proxy_url(&proxy, "http", "pu:bad@")).as_ptr()) });
    assert_eq!(s.get(&format!("http://origin.test:{}/echo", rig.port)).status, 407);
}

#[test]
fn https_goes_through_a_connect_tunnel_with_credentials_only_in_the_connect() {
    let rig = support::rig_tls();
    let proxy = support::proxy(&["--auth", "pu:pp"]);
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    ok(unsafe { session_set_ca_bundle(s.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    ok(unsafe { session_set_proxy(s.0, c("https").as_ptr(), c(&proxy_url(&proxy, "http", "")).as_ptr()) });
    // The caller's own Proxy-Authorization header goes into the CONNECT, not the tunnel.
    let r = s.send_with("GET", &rig.tls_url("/echo"), &[("Proxy-Authorization", "Basic cHU6cHA=")]);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Proxy-Authorization"), None, "{}", r.body);
    let seen = proxy_seen(&proxy, "connect");
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(seen[0].contains(&format!("\"target\": \"127.0.0.1:{}\"", rig.tls_port.unwrap())), "{seen:?}");
    assert!(seen[0].contains("\"proxy_authorization\": \"Basic cHU6cHA=\""), "{seen:?}");

    // Credentials in the proxy URL work the same way; without any, the CONNECT's 407 is
    // a proxy error.
    let s2 = S::new();
    ok(unsafe { session_set_trust_env(s2.0, false) });
    ok(unsafe { session_set_ca_bundle(s2.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    ok(unsafe { session_set_proxy(s2.0, c("all").as_ptr(), c(&proxy_url(&proxy, "http", "")).as_ptr()) });
    let r = s2.get(&rig.tls_url("/echo"));
    assert_eq!(r.error, SESSION_E_PROXY, "{r:?}");
    ok(unsafe { session_set_proxy(s2.0, c("all").as_ptr(), c(&proxy_url(&proxy, "http", "pu:pp@")).as_ptr()) });
    let r = s2.get(&rig.tls_url("/echo"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Proxy-Authorization"), None, "{}", r.body);
}

#[test]
fn proxy_authorization_header_never_reaches_an_origin_without_proxy() {
    let rig = support::rig();
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    let r = s.send_with("GET", &rig.url("/echo"), &[("Proxy-Authorization", "Basic c2VjcmV0")]);
    assert_eq!(r.status, 200);
    assert_eq!(echoed_header(&r.body, "Proxy-Authorization"), None, "{}", r.body);
}

#[test]
fn socks5_resolves_locally_and_socks5h_at_the_proxy() {
    let rig = support::rig();
    let proxy = support::proxy(&["--auth", "su:sp"]);
    let url = format!("http://origin.test:{}/echo", rig.port);
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&proxy_url(&proxy, "socks5h", "su:sp@")).as_ptr()) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&proxy_url(&proxy, "socks5", "su:sp@")).as_ptr()) });
    ok(unsafe { session_set_resolve(s.0, c("origin.test").as_ptr(), rig.port as i32, c("127.0.0.1").as_ptr()) });
    let r = s.get(&url);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    let seen = proxy_seen(&proxy, "socks5");
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].contains(&format!("\"target\": \"origin.test:{}\"", rig.port)), "socks5h sends the name: {seen:?}");
    assert!(seen[1].contains(&format!("\"target\": \"127.0.0.1:{}\"", rig.port)), "socks5 sends the address: {seen:?}");
    assert!(seen.iter().all(|e| e.contains("\"socks_user\": \"su\"")), "{seen:?}");
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&proxy_url(&proxy, "socks5h", "su:bad@")).as_ptr()) });
    assert_eq!(s.get(&url).error, SESSION_E_PROXY);
}

#[test]
fn the_proxy_is_chosen_per_hop_and_per_host() {
    let rig = support::rig();
    let proxy = support::proxy(&[]);
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    let key = "http://origin.test";
    ok(unsafe { session_set_proxy(s.0, c(key).as_ptr(), c(&proxy_url(&proxy, "http", "")).as_ptr()) });
    // Proxied hop to origin.test, then a redirect to 127.0.0.1 which goes direct.
    let r = s.get(&format!("http://origin.test:{}/redirect?to={}", rig.port, rig.url("/echo")));
    assert_eq!((r.error, r.status, r.redirects), (SESSION_OK, 200, 1), "{r:?}");
    assert_eq!(proxy_seen(&proxy, "forward").len(), 1);
    assert_eq!(s.get(&rig.url("/echo")).status, 200);
    assert_eq!(proxy_seen(&proxy, "forward").len(), 1, "127.0.0.1 has no proxy");
    // no_proxy exempts a host from every proxy.
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&proxy_url(&proxy, "http", "")).as_ptr()) });
    assert_eq!(s.get(&rig.url("/echo")).status, 200);
    assert_eq!(proxy_seen(&proxy, "forward").len(), 2, "all applies to 127.0.0.1");
    // The caller's Proxy-Authorization goes to the first hop's proxy only (as requests).
    let r = s.send_with("GET", &format!("http://origin.test:{}/redirect?to={}", rig.port, rig.url("/echo")), &[("Proxy-Authorization", "Basic Zmlyc3Q=")]);
    assert_eq!((r.status, r.redirects), (200, 1));
    let seen = proxy_seen(&proxy, "forward");
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(seen[2].contains("\"proxy_authorization\": \"Basic Zmlyc3Q=\""), "{seen:?}");
    assert!(seen[3].contains("\"proxy_authorization\": null"), "{seen:?}");
    ok(unsafe { session_set_proxy(s.0, c("no_proxy").as_ptr(), c("localhost, 127.0.0.0/8").as_ptr()) });
    assert_eq!(s.get(&rig.url("/echo")).status, 200);
    assert_eq!(proxy_seen(&proxy, "forward").len(), 4, "no_proxy");
    assert_eq!(unsafe { session_set_proxy(s.0, c("ftp").as_ptr(), c("http://p").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_proxy(s.0, c("http").as_ptr(), c("gopher://p").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn https_proxy_is_verified_with_the_sessions_cas() {
    let rig = support::rig_tls();
    let proxy = support::proxy(&["--tls", "--auth", "pu:pp"]);
    // One bundle with both throwaway CAs: the proxy's and the origin's.
    let dir = rig.ca_pem.as_ref().unwrap().parent().unwrap();
    let both = dir.join("both.pem");
    let pems = [proxy.ca_pem.as_ref().unwrap(), rig.ca_pem.as_ref().unwrap()].map(|p| std::fs::read_to_string(p).unwrap());
    std::fs::write(&both, pems.concat()).unwrap();
    let s = S::new();
    ok(unsafe { session_set_trust_env(s.0, false) });
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&proxy_url(&proxy, "https", "pu:pp@")).as_ptr()) });
    ok(unsafe { session_set_ca_bundle(s.0, c(both.to_str().unwrap()).as_ptr()) });
    let r = s.get(&rig.tls_url("/echo"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    let r = s.get(&format!("http://origin.test:{}/echo", rig.port));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(echoed_header(&r.body, "Proxy-Authorization"), None, "{}", r.body);
    assert_eq!((proxy_seen(&proxy, "connect").len(), proxy_seen(&proxy, "forward").len()), (1, 1));
    // Without the proxy's CA the proxy itself is not trusted.
    ok(unsafe { session_set_ca_bundle(s.0, c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr()) });
    let r = s.get(&rig.tls_url("/echo"));
    assert_eq!(r.error, SESSION_E_TLS, "{r:?}");
}

#[test]
fn an_unreachable_proxy_is_a_proxy_error() {
    let rig = support::rig();
    let free_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = S::new();
    ok(unsafe { session_set_proxy(s.0, c("all").as_ptr(), c(&format!("http://127.0.0.1:{free_port}")).as_ptr()) });
    let r = s.get(&rig.url("/echo"));
    assert_eq!(r.error, SESSION_E_PROXY, "{r:?}");
}

// ---------------------------------------------------------------- timeouts

#[test]
fn read_timeout_stops_a_silent_server() {
    let rig = support::rig();
    let s = S::new();
    ok(unsafe { session_set_read_timeout_ms(s.0, 1000) });
    let started = Instant::now();
    let r = s.get(&rig.url("/hang"));
    assert_eq!(r.error, SESSION_E_TIMEOUT, "{r:?}");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900) && took < Duration::from_secs(5), "{took:?}");
    // A request's own value wins.
    let req = Req::new("GET", &rig.url("/hang"));
    ok(unsafe { session_request_set_read_timeout_ms(req.0, 2000) });
    let started = Instant::now();
    assert_eq!(req.send(&s).error, SESSION_E_TIMEOUT);
    assert!(started.elapsed() >= Duration::from_millis(1900), "{:?}", started.elapsed());
    assert_eq!(unsafe { session_set_read_timeout_ms(s.0, -1) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn the_total_deadline_covers_retries_and_their_backoff() {
    let rig = support::rig();
    let s = S::new();
    ok(unsafe { session_set_retries(s.0, 10, 0.4) });
    let statuses = [503];
    ok(unsafe { session_set_retry_statuses(s.0, statuses.as_ptr(), 1) });
    ok(unsafe { session_set_timeout_ms(s.0, 1000, 1500) });
    let started = Instant::now();
    let r = s.get(&rig.url("/flaky?key=deadline&fail=100"));
    let took = started.elapsed();
    assert_eq!((r.error, r.status), (SESSION_OK, 503), "the last answer comes back: {r:?}");
    assert!(took < Duration::from_millis(2500), "bounded by the 1.5 s deadline: {took:?}");
    let n = attempts(&rig, "deadline");
    assert!((2..=4).contains(&n), "{n} attempts in 1.5 s with backoff 0.2-0.4, 0.4-0.8, ...");
}

// ---------------------------------------------------------------- retries

#[test]
fn listed_statuses_are_retried_for_idempotent_methods_only() {
    let rig = support::rig();
    let s = S::new();
    let statuses = [502, 503];
    ok(unsafe { session_set_retry_statuses(s.0, statuses.as_ptr(), 2) });
    let r = s.get(&rig.url("/flaky?key=off&fail=1"));
    assert_eq!(r.status, 503, "retries are off by default");
    assert_eq!(attempts(&rig, "off"), 1);

    ok(unsafe { session_set_retries(s.0, 3, 0.01) });
    let r = s.get(&rig.url("/flaky?key=get&fail=2"));
    assert_eq!((r.status, r.body.as_str()), (200, "attempt 3\n"), "{r:?}");
    let r = s.send_with("POST", &rig.url("/flaky?key=post&fail=2"), &[]);
    assert_eq!(r.status, 503, "POST is not retried by default");
    assert_eq!(attempts(&rig, "post"), 1);
    ok(unsafe { session_set_retry_methods(s.0, c("get, post").as_ptr()) });
    let r = s.send_with("POST", &rig.url("/flaky?key=post2&fail=2"), &[]);
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.get(&rig.url("/flaky?key=many&fail=10&status=502"));
    assert_eq!(r.status, 502);
    assert_eq!(attempts(&rig, "many"), 4, "1 + 3 retries");
    // Per request: 0 retries.
    let req = Req::new("GET", &rig.url("/flaky?key=req&fail=1"));
    ok(unsafe { session_request_set_retries(req.0, 0) });
    assert_eq!(req.send(&s).status, 503);
    assert_eq!(attempts(&rig, "req"), 1);
    assert_eq!(unsafe { session_set_retries(s.0, -1, 0.0) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_retries(s.0, 1, f64::NAN) }, SESSION_E_INVALID_ARGUMENT);
    let bad = [99];
    assert_eq!(unsafe { session_set_retry_statuses(s.0, bad.as_ptr(), 1) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn retry_after_is_honoured() {
    let rig = support::rig();
    let s = S::new();
    ok(unsafe { session_set_retries(s.0, 1, 0.0) });
    // 429 is not listed, but carries Retry-After: retried after about a second.
    let started = Instant::now();
    let r = s.get(&rig.url("/flaky?key=ra&fail=1&status=429&retry_after=1"));
    assert_eq!(r.status, 200, "{r:?}");
    assert!(started.elapsed() >= Duration::from_millis(950), "{:?}", started.elapsed());
    // An HTTP-date in the past means at once.
    let r = s.get(&rig.url("/flaky?key=date&fail=1&status=503&retry_after=Thu,%2001%20Jan%201970%2000:00:00%20GMT"));
    assert_eq!(r.status, 200, "{r:?}");
    // Longer than the deadline allows: not waited for.
    ok(unsafe { session_set_timeout_ms(s.0, 1000, 2000) });
    let started = Instant::now();
    let r = s.get(&rig.url("/flaky?key=long&fail=1&status=503&retry_after=30"));
    assert_eq!(r.status, 503);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[test]
fn connection_failures_are_retried() {
    let free_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let s = S::new();
    ok(unsafe { session_set_retries(s.0, 2, 0.3) });
    let started = Instant::now();
    let r = s.get(&format!("http://127.0.0.1:{free_port}/"));
    assert_eq!(r.error, SESSION_E_CONNECT);
    // Two backoffs of 0.15-0.3 s then 0.3-0.6 s prove two retries happened.
    assert!(started.elapsed() >= Duration::from_millis(450), "{:?}", started.elapsed());
}

#[test]
fn a_stale_pooled_connection_is_retried_transparently() {
    let rig = support::rig();
    let s = S::new();
    // libcurl replays POST too when nothing at all came back (documented in docs/network.md).
    for (method, how) in [("GET", "close"), ("PUT", "close"), ("GET", "reset"), ("DELETE", "reset"), ("POST", "close")] {
        assert_eq!(s.get(&rig.url(&format!("/drop-next?how={how}"))).status, 200);
        // The pooled connection now closes on the next request without answering.
        let r = s.send_with(method, &rig.url("/echo"), &[]);
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{method} {how}: {r:?}");
    }
    // Each request after /drop-next was sent on the dying connection, then on a new one.
    let n = support::get_json(&rig.url("/connections"));
    assert_eq!(n.trim(), "{\"accepted\": 6}");
}
