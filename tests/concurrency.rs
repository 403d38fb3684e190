//! Concurrency through the C ABI against real servers on loopback: batches, futures, the
//! completion fd, pool limits, session_free with requests in flight, many threads on one
//! session. (The rig and httpbin speak HTTP/1.1 only and CI has no HTTP/2 server: the one
//! HTTP/2 test needs nginx and is ignored by default; bench/run.sh exercises h2c and h2 over
//! TLS against nginx too.)

mod support;

use session::capi::concurrency::*;
use session::capi::cookies::*;
use session::capi::transfer::session_set_http_version;
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code::*;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::capi::{c, take, text, Req, Resp, Session as S};

fn req(method: &str, url: &str) -> Req {
    Req::new(method, url)
}

fn accepted(rig: &support::Server) -> u64 {
    let body = support::get_json(&rig.url("/connections"));
    body.trim().trim_start_matches("{\"accepted\":").trim_end_matches('}').trim().parse().unwrap()
}

fn send_all(s: &S, reqs: &[*mut session_request_t]) -> Vec<Resp> {
    let mut out = vec![ptr::null_mut(); reqs.len()];
    assert_eq!(unsafe { session_send_all(s.0, reqs.as_ptr(), reqs.len(), out.as_mut_ptr()) }, SESSION_OK);
    out.into_iter().map(take).collect()
}

#[test]
fn batch_fills_every_slot_with_its_own_outcome() {
    let rig = support::rig();
    let s = S(session_new());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let ok = req("GET", &rig.url("/status/200"));
    let missing = req("GET", &rig.url("/status/404"));
    let bad_url = req("GET", "not a url");
    let refused = req("GET", &format!("http://127.0.0.1:{closed}/"));
    // A redirect that sets a cookie on the way: the next hop must carry it.
    let cookie_hop = req("POST", &rig.url("/cookies/set-raw?h=batch%3D7%3B%20Path%3D%2F&status=303&to=/echo"));
    let posted = req("PUT", &rig.url("/echo"));
    unsafe { session_request_set_body(posted.0, b"abc".as_ptr() as *const c_void, 3, ptr::null()) };
    let out = send_all(&s, &[ok.0, missing.0, bad_url.0, ptr::null_mut(), refused.0, cookie_hop.0, posted.0]);
    assert_eq!((out[0].error, out[0].status), (SESSION_OK, 200), "{:?}", out[0]);
    assert_eq!((out[1].error, out[1].status), (SESSION_OK, 404));
    assert_eq!(out[2].error, SESSION_E_INVALID_URL);
    assert_eq!(out[3].error, SESSION_E_INVALID_ARGUMENT);
    assert!(out[3].message.contains("reqs[3]"), "{}", out[3].message);
    assert_eq!(out[4].error, SESSION_E_CONNECT, "{:?}", out[4]);
    assert_eq!((out[5].error, out[5].status, out[5].redirects), (SESSION_OK, 200, 1), "{:?}", out[5]);
    assert!(out[5].body.contains("\"method\": \"GET\""), "303 turns POST into GET: {}", out[5].body);
    assert!(out[5].body.contains("[\"Cookie\", \"batch=7\"]"), "{}", out[5].body);
    assert!(out[6].body.contains("\"body\": \"abc\""), "{}", out[6].body);
    // The jar kept the batch's cookie for later requests.
    let value = unsafe { session_cookie_get(s.0, c(&rig.url("/")).as_ptr(), c"batch".as_ptr()) };
    assert_eq!(text(value), "7");
    unsafe { session_string_free(value) };
}

#[test]
fn batch_arguments_are_checked() {
    let s = S(session_new());
    let mut out = [ptr::null_mut(); 1];
    assert_eq!(unsafe { session_send_all(ptr::null_mut(), ptr::null(), 0, out.as_mut_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_send_all(s.0, ptr::null(), 1, out.as_mut_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_send_all(s.0, ptr::null(), 0, ptr::null_mut()) }, SESSION_OK);
    assert!(out[0].is_null());
}

#[test]
fn batch_runs_requests_in_parallel_within_the_limits() {
    let httpbin = support::httpbin();
    let s = S(session_new());
    let slow = req("GET", &httpbin.url("/delay/1"));
    // Default limits: all 6 at once, about one delay's worth of time.
    let start = Instant::now();
    let out = send_all(&s, &[slow.0; 6]);
    assert!(out.iter().all(|r| (r.error, r.status) == (SESSION_OK, 200)), "{out:?}");
    assert!(start.elapsed() < Duration::from_millis(2500), "{:?}", start.elapsed());
    // Two at a time: three rounds; the others wait instead of failing.
    assert_eq!(unsafe { session_set_pool_limits(s.0, 2, 2) }, SESSION_OK);
    let start = Instant::now();
    let out = send_all(&s, &[slow.0; 6]);
    assert!(out.iter().all(|r| (r.error, r.status) == (SESSION_OK, 200)), "{out:?}");
    assert!(start.elapsed() >= Duration::from_millis(2900), "{:?}", start.elapsed());
}

#[test]
fn a_batch_larger_than_its_window_keeps_order_and_counts_timeouts_from_the_call() {
    let rig = support::rig();
    let s = S(session_new());
    // Two connections: at most four flows live at once; 40 requests go through in turns.
    assert_eq!(unsafe { session_set_pool_limits(s.0, 2, 2) }, SESSION_OK);
    let reqs: Vec<Req> = (0..40).map(|i| req("GET", &rig.url(&format!("/echo/n{i}")))).collect();
    let raw: Vec<*mut session_request_t> = reqs.iter().map(|r| r.0).collect();
    let out = send_all(&s, &raw);
    for (i, r) in out.iter().enumerate() {
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{i}: {r:?}");
        assert!(r.body.contains(&format!("/echo/n{i}\"")), "slot {i} got {}", r.body);
    }
    // One connection, 1 s per request, a 2.5 s total timeout each: a request waiting its
    // turn spends its timeout waiting, as it would have had it started with the call.
    assert_eq!(unsafe { session_set_pool_limits(s.0, 1, 1) }, SESSION_OK);
    let httpbin = support::httpbin();
    let slow = req("GET", &httpbin.url("/delay/1"));
    assert_eq!(unsafe { session_request_set_timeout_ms(slow.0, 2500) }, SESSION_OK);
    let out = send_all(&s, &[slow.0; 5]);
    assert_eq!((out[0].error, out[0].status), (SESSION_OK, 200), "{:?}", out[0]);
    assert_eq!(out[4].error, SESSION_E_TIMEOUT, "the fifth would end after 5 s: {:?}", out[4]);
}

#[test]
fn batch_spreads_http11_over_at_most_the_limit_of_connections() {
    let rig = support::rig();
    let s = S(session_new());
    assert_eq!(unsafe { session_set_pool_limits(s.0, 3, 8) }, SESSION_OK);
    let get = req("GET", &rig.url("/bytes/20000"));
    let out = send_all(&s, &[get.0; 40]);
    assert!(out.iter().all(|r| r.error == SESSION_OK && r.len == 20000));
    let n = accepted(&rig);
    assert!((2..=3).contains(&n), "accepted {n} connections");
    // The next batch reuses them.
    let out = send_all(&s, &[get.0; 10]);
    assert!(out.iter().all(|r| r.error == SESSION_OK));
    assert_eq!(accepted(&rig), n);
}

/// With the default per-host limit (10), a batch opens as many connections as it keeps in
/// flight (here 40, under the default total of 100), as raw libcurl's multi interface would.
#[test]
fn a_batch_under_default_limits_is_as_wide_as_its_requests() {
    let rig = support::rig();
    let s = S(session_new());
    let get = req("GET", &rig.url("/bytes/20000"));
    let out = send_all(&s, &[get.0; 40]);
    assert!(out.iter().all(|r| r.error == SESSION_OK && r.len == 20000));
    let n = accepted(&rig);
    assert!((11..=40).contains(&n), "accepted {n} connections");
    // Blocking requests afterwards reuse one of them.
    let r = take(unsafe { session_get(s.raw(), c(&rig.url("/status/200")).as_ptr()) });
    assert_eq!((r.error, r.status), (SESSION_OK, 200));
    assert_eq!(accepted(&rig), n);
}

#[test]
fn threads_beyond_the_total_limit_wait_for_a_lane() {
    let rig = support::rig();
    let s = S(session_new());
    assert_eq!(unsafe { session_set_pool_limits(s.0, 1, 2) }, SESSION_OK);
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                for _ in 0..20 {
                    let r = take(unsafe { session_get(s.raw(), c(&rig.url("/status/200")).as_ptr()) });
                    assert_eq!((r.error, r.status), (SESSION_OK, 200));
                }
            });
        }
    });
    let n = accepted(&rig);
    assert!((1..=2).contains(&n), "accepted {n} connections");
}

#[test]
fn pool_limit_setters_check_their_arguments() {
    let s = S(session_new());
    assert_eq!(unsafe { session_set_pool_limits(ptr::null_mut(), 1, 1) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_pool_idle_timeout_ms(s.0, 0) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_pool_idle_timeout_ms(s.0, -5) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_pool_idle_timeout_ms(s.0, 1000) }, SESSION_OK);
}

#[test]
fn idle_connections_older_than_the_idle_timeout_are_not_reused() {
    let rig = support::rig();
    let s = S(session_new());
    assert_eq!(unsafe { session_set_pool_idle_timeout_ms(s.0, 1000) }, SESSION_OK);
    let get = || take(unsafe { session_get(s.0, c(&rig.url("/status/200")).as_ptr()) });
    assert_eq!(get().error, SESSION_OK);
    assert_eq!(get().error, SESSION_OK);
    assert_eq!(accepted(&rig), 1);
    std::thread::sleep(Duration::from_millis(1300));
    assert_eq!(get().error, SESSION_OK);
    assert_eq!(accepted(&rig), 2);
}

fn readable(fd: i32) -> bool {
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
}

#[test]
fn futures_wait_poll_and_the_completion_fd() {
    let rig = support::rig();
    let s = S(session_new());
    let fd = unsafe { session_completion_fd(s.0) };
    assert!(fd >= 0);
    assert!(!readable(fd));
    let get = req("GET", &rig.url("/status/201"));
    let f = unsafe { session_send_async(s.0, get.0) };
    assert!(!f.is_null());
    drop(get); // the future has its own copy
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    assert_eq!(unsafe { libc::poll(&mut pfd, 1, 10_000) }, 1, "fd readable once done");
    assert!(unsafe { session_future_ready(f) });
    let r = take(unsafe { session_future_wait(f, 0) });
    assert_eq!((r.error, r.status), (SESSION_OK, 201));
    assert!(!readable(fd), "claimed: nothing waits any more");
    assert!(unsafe { session_future_wait(f, 0) }.is_null(), "handed out once");
    unsafe { session_future_free(f) };

    // Many at once, waited for in any order.
    let futures: Vec<_> = (0..20)
        .map(|i| {
            let r = req("GET", &rig.url(&format!("/echo?i={i}")));
            unsafe { session_send_async(s.0, r.0) }
        })
        .collect();
    for (i, f) in futures.into_iter().enumerate().rev() {
        let r = take(unsafe { session_future_wait(f, -1) });
        assert!(r.body.contains(&format!("\"query\": \"i={i}\"")), "{}", r.body);
        unsafe { session_future_free(f) };
    }
    assert!(!readable(fd));
}

#[test]
fn futures_time_out_cancel_and_free_unclaimed() {
    let rig = support::rig();
    let s = S(session_new());
    let fd = unsafe { session_completion_fd(s.0) };
    let hang = req("GET", &rig.url("/hang"));
    let f = unsafe { session_send_async(s.0, hang.0) };
    let start = Instant::now();
    assert!(unsafe { session_future_wait(f, 200) }.is_null());
    assert!(start.elapsed() >= Duration::from_millis(190));
    assert!(!unsafe { session_future_ready(f) });
    assert!(unsafe { session_future_wait(f, -2) }.is_null(), "below -1 is invalid");
    unsafe { session_future_cancel(f) };
    assert!(unsafe { session_future_ready(f) });
    assert!(readable(fd));
    let r = take(unsafe { session_future_wait(f, 0) });
    assert_eq!(r.error, SESSION_E_CANCELLED);
    unsafe { session_future_free(f) };
    // The worker dropped the hanging transfer: the server sees the client leave.
    // A finished, unclaimed future freed: the fd no longer counts it.
    let ok = req("GET", &rig.url("/status/200"));
    let f = unsafe { session_send_async(s.0, ok.0) };
    let mut pfd = libc::pollfd { fd, events: libc::POLLIN, revents: 0 };
    assert_eq!(unsafe { libc::poll(&mut pfd, 1, 10_000) }, 1);
    unsafe { session_future_free(f) };
    assert!(!readable(fd));
    // NULLs
    unsafe { session_future_free(ptr::null_mut()) };
    unsafe { session_future_cancel(ptr::null_mut()) };
    assert!(!unsafe { session_future_ready(ptr::null()) });
    assert!(unsafe { session_send_async(s.0, ptr::null()) }.is_null());
    assert!(unsafe { session_send_async(ptr::null_mut(), ok.0) }.is_null());
    // A request that cannot be sent gives a done future.
    let bad = req("GET", "nope");
    let f = unsafe { session_send_async(s.0, bad.0) };
    assert_eq!(take(unsafe { session_future_wait(f, 0) }).error, SESSION_E_INVALID_URL);
    unsafe { session_future_free(f) };
}

static CALLS: AtomicUsize = AtomicUsize::new(0);
unsafe extern "C" fn count_call(user_data: *mut c_void) {
    CALLS.fetch_add(user_data as usize, Ordering::SeqCst);
}

#[test]
fn completion_callback_runs_once_per_request() {
    let rig = support::rig();
    let s = S(session_new());
    let get = req("GET", &rig.url("/status/200"));
    let futures: Vec<_> = (0..5).map(|_| unsafe { session_send_async_cb(s.0, get.0, Some(count_call), 10 as *mut c_void) }).collect();
    for f in futures {
        assert_eq!(take(unsafe { session_future_wait(f, 10_000) }).status, 200);
        unsafe { session_future_free(f) };
    }
    assert_eq!(CALLS.load(Ordering::SeqCst), 50);
    assert!(unsafe { session_send_async_cb(s.0, get.0, None, ptr::null_mut()) }.is_null());
}

#[test]
fn freeing_the_session_cancels_requests_in_flight() {
    let rig = support::rig();
    let s = session_new();
    let hang = req("GET", &rig.url("/hang"));
    let fs: Vec<_> = (0..3).map(|_| unsafe { session_send_async(s, hang.0) }).collect();
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    unsafe { session_free(s) };
    assert!(start.elapsed() < Duration::from_secs(5));
    for f in fs {
        assert!(unsafe { session_future_ready(f) });
        let r = take(unsafe { session_future_wait(f, 0) });
        assert_eq!(r.error, SESSION_E_CANCELLED, "{r:?}");
        unsafe { session_future_free(f) };
    }
}

/// 16 threads x 1000 requests on one session, mixed methods, each thread setting its own
/// cookie on every request and checking it comes back; the jar is consistent at the end.
#[test]
fn sixteen_threads_share_one_session_and_jar() {
    let rig = support::rig();
    let s = S(session_new());
    let per_thread: usize = std::env::var("LIBSESSION_STRESS_N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH"];
    std::thread::scope(|scope| {
        for t in 0..16 {
            let (s, rig) = (&s, &rig);
            scope.spawn(move || {
                for i in 0..per_thread {
                    let method = methods[(t + i) % methods.len()];
                    let url = rig.url(&format!("/cookies/set-raw?h=t{t}%3D{i}%3B%20Path%3D%2F&status=302&to=/echo"));
                    let r = req(method, &url);
                    let out = take(unsafe { session_send(s.raw(), r.0) });
                    assert_eq!((out.error, out.status), (SESSION_OK, 200), "{out:?}");
                    // The redirect's next hop carried this thread's cookie just set.
                    assert!(out.body.contains(&format!("t{t}={i}")), "thread {t} request {i}: {}", out.body);
                }
            });
        }
    });
    for t in 0..16 {
        let value = unsafe { session_cookie_get(s.0, c(&rig.url("/")).as_ptr(), c(&format!("t{t}")).as_ptr()) };
        assert!(!value.is_null(), "cookie t{t} missing");
        assert_eq!(text(value), (per_thread - 1).to_string());
        unsafe { session_string_free(value) };
    }
}

/// The concurrency tests again under ThreadSanitizer (nightly, several minutes to build):
/// `cargo test --test concurrency -- --ignored thread_sanitizer`.
#[test]
#[ignore = "needs the nightly toolchain with rust-src; takes minutes"]
fn thread_sanitizer_finds_no_race() {
    let status = std::process::Command::new("bash")
        .arg(support::repo_root().join("scripts/tsan-concurrency.sh"))
        .arg("30")
        .env_remove("RUSTFLAGS")
        .status()
        .expect("run scripts/tsan-concurrency.sh");
    assert!(status.success(), "ThreadSanitizer run failed");
}

/// After fork, the child's async requests run on a worker of its own (the parent's worker
/// thread does not exist there), and the parent's worker goes on working.
#[test]
fn async_after_fork_uses_a_worker_of_the_childs_own() {
    let rig = support::rig();
    let s = S(session_new());
    let get = req("GET", &rig.url("/status/202"));
    let f = unsafe { session_send_async(s.0, get.0) };
    assert_eq!(take(unsafe { session_future_wait(f, 10_000) }).status, 202);
    unsafe { session_future_free(f) };
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let f = unsafe { session_send_async(s.0, get.0) };
        let r = unsafe { session_future_wait(f, 10_000) };
        let ok = !r.is_null() && unsafe { (*r).status_code } == 202;
        unsafe {
            session_response_free(r);
            session_future_free(f);
            session_free(s.0);
            libc::_exit(if ok { 0 } else { 1 });
        }
    }
    let mut status = 0;
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
    let f = unsafe { session_send_async(s.0, get.0) };
    assert_eq!(take(unsafe { session_future_wait(f, 10_000) }).status, 202);
    unsafe { session_future_free(f) };
}

/// nginx on loopback (h1 and TLS+h2 with a throwaway certificate); each
/// response body is nginx's connection serial number, so tests see which requests shared
/// a connection.
struct Nginx {
    dir: std::path::PathBuf,
    h1: u16,
    tls: u16,
}

impl Nginx {
    fn start() -> Nginx {
        let bin = ["/usr/sbin/nginx", "/usr/bin/nginx"].into_iter().find(|p| std::path::Path::new(p).exists()).expect("nginx is not installed");
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("nginx-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("logs")).unwrap();
        let ok = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap()
            .success();
        assert!(ok, "openssl req failed");
        let free = || std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (h1, tls) = (free(), free());
        let d = dir.display();
        let conf = format!(
            "worker_processes 1; pid {d}/nginx.pid; error_log {d}/logs/error.log crit;\n\
             events {{ worker_connections 1024; }}\n\
             http {{ access_log off; client_body_temp_path {d}/logs; proxy_temp_path {d}/logs;\n\
               fastcgi_temp_path {d}/logs; uwsgi_temp_path {d}/logs; scgi_temp_path {d}/logs;\n\
               server {{ listen 127.0.0.1:{h1}; location / {{ return 200 \"$connection\"; }} }}\n\
               server {{ listen 127.0.0.1:{tls} ssl http2; ssl_certificate {d}/cert.pem; ssl_certificate_key {d}/key.pem;\n\
                 location / {{ return 200 \"$connection\"; }} }} }}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let ok = std::process::Command::new(bin).arg("-p").arg(&dir).arg("-c").arg(dir.join("nginx.conf")).status().unwrap().success();
        assert!(ok, "nginx did not start");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", tls)).is_ok() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx { dir, h1, tls }
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("nginx.pid")) {
            unsafe { libc::kill(pid.trim().parse().unwrap_or(0), libc::SIGTERM) };
        }
    }
}

/// One batch mixing HTTP/1.1 (http://) and HTTP/2 over TLS (ALPN): the h2 requests are
/// streams on ONE connection, the HTTP/1.1 ones spread over at most per_host connections.
/// Needs nginx (scripts/install-deps.sh installs it).
#[test]
fn nginx_batch_mixes_http11_and_multiplexed_h2() {
    let nginx = Nginx::start();
    let s = S(session_new());
    let ca = c(&nginx.dir.join("cert.pem").display().to_string());
    unsafe {
        assert_eq!(session_set_ca_bundle(s.0, ca.as_ptr()), SESSION_OK);
        assert_eq!(session_set_http_version(s.0, 2), SESSION_OK);
        assert_eq!(session_set_pool_limits(s.0, 4, 64), SESSION_OK);
    }
    let h1 = req("GET", &format!("http://127.0.0.1:{}/", nginx.h1));
    let h2 = req("GET", &format!("https://127.0.0.1:{}/", nginx.tls));
    let reqs: Vec<_> = (0..40).map(|i| if i % 2 == 0 { h1.0 } else { h2.0 }).collect();
    let mut out = vec![ptr::null_mut(); reqs.len()];
    assert_eq!(unsafe { session_send_all(s.0, reqs.as_ptr(), reqs.len(), out.as_mut_ptr()) }, SESSION_OK);
    let mut h1_conns = std::collections::BTreeSet::new();
    let mut h2_conns = std::collections::BTreeSet::new();
    for (i, r) in out.into_iter().enumerate() {
        let version = text(unsafe { (*r).http_version });
        let resp = take(r);
        assert_eq!((resp.error, resp.status), (SESSION_OK, 200), "{resp:?}");
        if i % 2 == 0 {
            assert_eq!(version, "HTTP/1.1");
            h1_conns.insert(resp.body);
        } else {
            assert_eq!(version, "HTTP/2");
            h2_conns.insert(resp.body);
        }
    }
    assert_eq!(h2_conns.len(), 1, "h2 streams on one connection: {h2_conns:?}");
    assert!((2..=4).contains(&h1_conns.len()), "HTTP/1.1 over 2..=4 connections: {h1_conns:?}");
}
