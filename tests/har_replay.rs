//! HAR export and record/replay (docs/har-replay.md) on real loopback servers: a flow
//! recorded live (cookies, redirects, JSON POST, gzip, a 503 then a retry, binary bytes) is
//! replayed with the servers stopped and gives the same responses, history, jar and hook
//! calls; misses, corrupt files, redaction, the body cap, threads, batches, async and the
//! HAR 1.2 schema (with haralyzer) are checked.

mod native;
mod support;

use session::capi::concurrency::*;
use session::capi::cookies::{session_cookie_header, session_string_free};
use session::capi::har::*;
use session::capi::network::{session_set_retries, session_set_retry_statuses};
use session::capi::observe::session_set_response_hook;
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::capi::state::session_set_sensitive_headers;
use session::error::session_code::{self, *};
use std::ffi::{c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::capi::{c, text};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("libsession-har-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// One response as compared between the live run and the replay.
#[derive(Debug, PartialEq)]
struct Snap {
    error: session_code,
    status: i64,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    history: Vec<(i64, String, Vec<(String, String)>)>,
}

unsafe fn headers_of(r: *const session_response_t) -> Vec<(String, String)> {
    (0..session_response_header_count(r))
        .map(|i| {
            let (mut n, mut v) = (std::ptr::null(), std::ptr::null());
            assert_eq!(session_response_header_at(r, i, &mut n, &mut v), SESSION_OK);
            (text(n), text(v))
        })
        .collect()
}

fn snap(r: *mut session_response_t) -> Snap {
    assert!(!r.is_null());
    unsafe {
        let v = &*r;
        let history = (0..v.redirect_count)
            .map(|i| {
                let h = session_response_history_at(r, i);
                ((*h).status_code, text((*h).url), headers_of(h))
            })
            .collect();
        let out = Snap {
            error: v.error,
            status: v.status_code,
            url: text(v.url),
            headers: headers_of(r),
            body: std::slice::from_raw_parts(v.body as *const u8, v.body_len).to_vec(),
            history,
        };
        session_response_free(r);
        out
    }
}

fn message(r: *mut session_response_t) -> (session_code, String) {
    let out = unsafe { ((*r).error, text((*r).error_message)) };
    unsafe { session_response_free(r) };
    out
}

static HOOK_CALLS: AtomicUsize = AtomicUsize::new(0);
unsafe extern "C" fn count_hook(r: *const session_response_t, _: *mut c_void) {
    HOOK_CALLS.fetch_add(1, Ordering::SeqCst);
    let _ = (*r).status_code;
}

fn jar(s: *mut session_t, url: &str) -> String {
    unsafe {
        let h = session_cookie_header(s, c(url).as_ptr());
        if h.is_null() {
            return String::new();
        }
        let out = CStr::from_ptr(h).to_string_lossy().into_owned();
        session_string_free(h);
        out
    }
}

/// A session set up as both runs use it: retries on 503 without backoff, a response hook.
fn flow_session() -> *mut session_t {
    let s = session_new();
    unsafe {
        assert_eq!(session_set_retries(s, 2, 0.0), SESSION_OK);
        let statuses = [503];
        assert_eq!(session_set_retry_statuses(s, statuses.as_ptr(), 1), SESSION_OK);
        assert_eq!(session_set_response_hook(s, Some(count_hook), std::ptr::null_mut()), SESSION_OK);
    }
    s
}

/// The realistic flow: login (cookies via a redirect), a redirect chain, a JSON POST, a gzip
/// response, a 503 then a retry, a binary download. Returns the snapshots and the jar.
fn run_flow(s: *mut session_t, bin: &str, rig: &str) -> (Vec<Snap>, String, usize) {
    HOOK_CALLS.store(0, Ordering::SeqCst);
    let get = |url: String| snap(unsafe { session_get(s, c(&url).as_ptr()) });
    let mut out = vec![get(format!("{bin}/cookies/set?session=abc123&theme=dark"))];
    out.push(get(format!("{bin}/redirect/3")));
    let req = unsafe { session_request_new(c("POST").as_ptr(), c(&format!("{bin}/post")).as_ptr()) };
    unsafe { assert_eq!(session_request_set_json(req, c(r#"{"user":"ada","n":[1,2]}"#).as_ptr()), SESSION_OK) };
    out.push(snap(unsafe { session_send(s, req) }));
    unsafe { session_request_free(req) };
    out.push(get(format!("{bin}/gzip")));
    out.push(get(format!("{rig}/flaky?key=har&fail=1")));
    out.push(get(format!("{bin}/bytes/3000?seed=7")));
    (out, jar(s, &format!("{bin}/cookies")), HOOK_CALLS.load(Ordering::SeqCst))
}

fn set_replay(s: *mut session_t, path: &Path, mode: session_replay_mode) -> session_code {
    unsafe { session_set_replay(s, c(path.to_str().unwrap()).as_ptr(), mode) }
}

#[test]
fn a_flow_recorded_live_replays_the_same_with_the_servers_stopped() {
    let cassette = tmp("flow.har");
    let (bin_server, rig_server) = (support::httpbin_private(), support::rig());
    let (bin, rig) = (bin_server.url(""), rig_server.url(""));

    let s = flow_session();
    assert_eq!(set_replay(s, &cassette, SESSION_REPLAY_RECORD), SESSION_OK);
    let (live, live_jar, live_hooks) = run_flow(s, &bin, &rig);
    unsafe { session_free(s) };
    drop((bin_server, rig_server));

    assert_eq!(live[0].history.len(), 1, "login redirected once: {:?}", live[0]);
    assert!(live_jar.contains("session=abc123"), "{live_jar}");
    assert_eq!(live[1].history.len(), 3);
    assert!(String::from_utf8_lossy(&live[2].body).contains("\"ada\""));
    assert!(String::from_utf8_lossy(&live[3].body).contains("\"gzipped\": true"));
    assert_eq!((live[4].status, live[4].body.as_slice()), (200, &b"attempt 2\n"[..]));
    assert_eq!(live[5].body.len(), 3000);
    assert_eq!(live_hooks, 6);

    let s = flow_session();
    assert_eq!(set_replay(s, &cassette, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    let (replayed, replayed_jar, replayed_hooks) = run_flow(s, &bin, &rig);
    for (live, replayed) in live.iter().zip(&replayed) {
        assert_eq!(live, replayed);
    }
    assert_eq!((replayed_jar, replayed_hooks), (live_jar, live_hooks));

    // Nothing more was recorded: a new request is a miss that names itself.
    let (code, text) = message(unsafe { session_get(s, c(&format!("{bin}/anything/new")).as_ptr()) });
    assert_eq!(code, SESSION_E_NOT_RECORDED);
    assert!(text.contains("GET") && text.contains("/anything/new"), "{text}");
    unsafe { session_free(s) };
}

#[test]
fn a_hand_written_stub_answers_with_no_server() {
    let stub = tmp("stub.har");
    std::fs::write(
        &stub,
        r#"{"log":{"entries":[
          {"request":{"method":"GET","url":"http://127.0.0.1:9/users?b=2&a=1"},
           "response":{"status":201,"statusText":"Made","headers":[{"name":"Content-Type","value":"application/json"},{"name":"X-Two","value":"a"},{"name":"X-Two","value":"b"}],
                       "content":{"text":"{\"id\":7}"}}},
          {"request":{"method":"POST","url":"http://127.0.0.1:9/bin","postData":{"mimeType":"text/plain","text":"hi"}},
           "response":{"status":200,"content":{"text":"AAEC","encoding":"base64"}}}]}}"#,
    )
    .unwrap();
    let s = session_new();
    assert_eq!(set_replay(s, &stub, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    let got = snap(unsafe { session_get(s, c("http://127.0.0.1:9/users?a=1&b=2").as_ptr()) });
    assert_eq!((got.error, got.status, got.body.as_slice()), (SESSION_OK, 201, &b"{\"id\":7}"[..]));
    assert_eq!(got.headers[1..], [("X-Two".into(), "a".into()), ("X-Two".into(), "b".into())]);
    let body = b"hi";
    let r = unsafe { session_post(s, c("http://127.0.0.1:9/bin").as_ptr(), body.as_ptr() as *const c_void, 2, c("text/plain").as_ptr()) };
    assert_eq!(snap(r).body, [0u8, 1, 2]);
    // Another body is another request.
    let r = unsafe { session_post(s, c("http://127.0.0.1:9/bin").as_ptr(), body.as_ptr() as *const c_void, 1, c("text/plain").as_ptr()) };
    assert_eq!(message(r).0, SESSION_E_NOT_RECORDED);
    unsafe { session_free(s) };
}

/// The matching options: ignored query parameters, headers that must match, "*" with
/// exceptions.
#[test]
fn matching_options_ignore_parameters_and_compare_headers() {
    let stub = tmp("matching.har");
    std::fs::write(
        &stub,
        r#"{"log":{"entries":[
          {"request":{"method":"GET","url":"http://127.0.0.1:9/feed?ts=100&page=1","headers":[{"name":"X-Variant","value":"a"},{"name":"X-Trace","value":"t1"}]},
           "response":{"status":200,"content":{"text":"variant a"}}},
          {"request":{"method":"GET","url":"http://127.0.0.1:9/feed?ts=100&page=1","headers":[{"name":"X-Variant","value":"b"},{"name":"X-Trace","value":"t2"}]},
           "response":{"status":200,"content":{"text":"variant b"}}}]}}"#,
    )
    .unwrap();
    let s = session_new();
    assert_eq!(set_replay(s, &stub, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    let get = |url: &str, variant: &str, trace: &str| {
        let req = unsafe { session_request_new(c("GET").as_ptr(), c(url).as_ptr()) };
        unsafe {
            session_request_set_header(req, c("X-Variant").as_ptr(), c(variant).as_ptr());
            session_request_set_header(req, c("X-Trace").as_ptr(), c(trace).as_ptr());
            let r = session_send(s, req);
            session_request_free(req);
            snap(r)
        }
    };
    let later = "http://127.0.0.1:9/feed?page=1&ts=999";
    // By default the parameter counts and headers do not.
    assert_eq!(get(later, "b", "t9").error, SESSION_E_NOT_RECORDED);
    unsafe { assert_eq!(session_set_replay_matching(s, ptr::null(), ptr::null(), c("ts").as_ptr()), SESSION_OK) };
    assert_eq!(get(later, "b", "t9").body, b"variant a", "first unused, headers not compared");
    unsafe { assert_eq!(session_set_replay_matching(s, c("X-Variant").as_ptr(), ptr::null(), c("ts").as_ptr()), SESSION_OK) };
    assert_eq!(get(later, "b", "t9").body, b"variant b");
    assert_eq!(get(later, "c", "t9").error, SESSION_E_NOT_RECORDED);
    // Every header but the ones left out.
    unsafe { assert_eq!(session_set_replay_matching(s, c("*").as_ptr(), c("X-Trace, User-Agent, Accept, Accept-Encoding").as_ptr(), c("ts").as_ptr()), SESSION_OK) };
    assert_eq!(get(later, "a", "t9").body, b"variant a");
    unsafe { assert_eq!(session_set_replay_matching(s, c("*").as_ptr(), c("User-Agent, Accept, Accept-Encoding").as_ptr(), c("ts").as_ptr()), SESSION_OK) };
    assert_eq!(get(later, "a", "t9").error, SESSION_E_NOT_RECORDED, "X-Trace compared now");
    unsafe {
        assert_eq!(session_set_replay_matching(s, c("X-\r\nA").as_ptr(), ptr::null(), ptr::null()), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_replay_matching(ptr::null_mut(), ptr::null(), ptr::null(), ptr::null()), SESSION_E_INVALID_ARGUMENT);
        session_free(s);
    }
}

#[test]
fn corrupt_files_are_refused_and_change_nothing() {
    let good = tmp("good.har");
    std::fs::write(&good, r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://127.0.0.1:9/"},"response":{"status":200,"content":{"text":"ok"}}}]}}"#).unwrap();
    let s = session_new();
    assert_eq!(set_replay(s, &good, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    let full = std::fs::read(&good).unwrap();
    let cases: Vec<Vec<u8>> = vec![
        full[..full.len() / 2].to_vec(),
        b"not json".to_vec(),
        br#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":"200"}}]}}"#.to_vec(),
        br#"{"log":{"entries":[{"request":{"url":"http://x/"},"response":{"status":200}}]}}"#.to_vec(),
        br#"{"log":{"entries":[{"request":{"method":"GET","url":"http://x/"},"response":{"status":200,"content":{"text":"%%","encoding":"base64"}}}]}}"#.to_vec(),
        vec![0xff, 0x00, 0x7b],
    ];
    for (i, case) in cases.iter().enumerate() {
        let bad = tmp(&format!("bad{i}.har"));
        std::fs::write(&bad, case).unwrap();
        assert_eq!(set_replay(s, &bad, SESSION_REPLAY_PLAYBACK), SESSION_E_DECODE, "case {i}");
        assert_eq!(set_replay(s, &bad, SESSION_REPLAY_AUTO), SESSION_E_DECODE, "case {i}");
        assert_eq!(std::fs::read(&bad).unwrap(), *case, "AUTO left a refused file as it was");
    }
    assert_eq!(set_replay(s, &tmp("missing.har"), SESSION_REPLAY_PLAYBACK), SESSION_E_IO);
    assert_eq!(set_replay(s, &good, 4), SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_replay(s, std::ptr::null(), SESSION_REPLAY_PLAYBACK) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_replay(std::ptr::null_mut(), std::ptr::null(), SESSION_REPLAY_OFF) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_set_har_log(std::ptr::null_mut(), std::ptr::null()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_har_flush(std::ptr::null_mut()) }, SESSION_E_INVALID_ARGUMENT);
    // The good cassette still answers.
    assert_eq!(snap(unsafe { session_get(s, c("http://127.0.0.1:9/").as_ptr()) }).body, b"ok");
    assert_eq!(unsafe { session_set_replay(s, std::ptr::null(), SESSION_REPLAY_OFF) }, SESSION_OK);
    unsafe { session_free(s) };
}

#[test]
fn a_recorded_body_obeys_the_body_limit() {
    let stub = tmp("big.har");
    let big = "x".repeat(5000);
    std::fs::write(&stub, format!(r#"{{"log":{{"entries":[{{"request":{{"method":"GET","url":"http://127.0.0.1:9/big"}},"response":{{"status":200,"content":{{"text":"{big}"}}}}}}]}}}}"#)).unwrap();
    let s = session_new();
    assert_eq!(set_replay(s, &stub, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    unsafe { assert_eq!(session_set_max_body_size(s, 1000), SESSION_OK) };
    assert_eq!(message(unsafe { session_get(s, c("http://127.0.0.1:9/big").as_ptr()) }).0, SESSION_E_TOO_LARGE);
    unsafe { session_free(s) };
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_har_log_redacts_secrets_and_caps_bodies() {
    let rig = support::rig();
    let log = tmp("secrets.har");
    let s = session_new();
    unsafe {
        assert_eq!(session_set_har_log(s, c(log.to_str().unwrap()).as_ptr()), SESSION_OK);
        assert_eq!(session_set_basic_auth(s, c("ada").as_ptr(), c("hunter2-pw").as_ptr()), SESSION_OK);
        assert_eq!(session_set_header(s, c("Proxy-Authorization").as_ptr(), c("Bearer proxy-tok-9").as_ptr()), SESSION_OK);
        // A header the session declared sensitive is redacted too.
        assert_eq!(session_set_sensitive_headers(s, c("X-Api-Key").as_ptr()), SESSION_OK);
        assert_eq!(session_set_header(s, c("X-Api-Key").as_ptr(), c("api-key-31").as_ptr()), SESSION_OK);
    }
    let get = |url: String| snap(unsafe { session_get(s, c(&url).as_ptr()) });
    // The jar gets sid=cookie-secret-42 and sends it on the next request.
    let set = get(rig.url("/set-raw?h=sid%3Dcookie-secret-42%3B%20Path%3D%2F"));
    assert_eq!(set.error, SESSION_OK, "{set:?}");
    assert!(jar(s, &rig.url("/")).contains("cookie-secret-42"), "the rig did not set the cookie");
    get(rig.url("/bytes/10"));
    let with_userinfo = rig.url("/bytes/20").replace("http://", "http://url-user:url-pass-77@");
    get(with_userinfo);
    unsafe { assert_eq!(session_har_flush(s), SESSION_OK) };
    // The cookie's value is in the first request's URL (the rig sets what it is asked to):
    // that URL aside, no secret may appear anywhere in the file.
    let mut har = read_json(&log);
    har["log"]["entries"][0]["request"]["url"] = "".into();
    har["log"]["entries"][0]["request"]["queryString"] = serde_json::json!([]);
    let written = har.to_string();
    assert_eq!(std::fs::read_to_string(&log).unwrap().matches("cookie-secret-42").count(), 2);
    for secret in ["api-key-31", "hunter2-pw", "YWRhOmh1bnRlcjItcHc", "proxy-tok-9", "cookie-secret-42", "url-pass-77", "dXJsLXVzZXI6dXJsLXBhc3MtNz"] {
        assert!(!written.contains(secret), "{secret} is in the HAR file");
    }
    assert!(written.contains("[redacted]"));
    let har = read_json(&log);
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 3);

    // The cap: 100 bytes of a 3000-byte body, with a comment; then bodies left out.
    unsafe { assert_eq!(session_set_har_options(s, true, true, 100), SESSION_OK) };
    get(rig.url("/bytes/3000"));
    unsafe { assert_eq!(session_set_har_options(s, true, false, 0), SESSION_OK) };
    get(rig.url("/bytes/3000"));
    // Redaction off: the secrets are written as they were.
    unsafe { assert_eq!(session_set_har_options(s, false, true, 0), SESSION_OK) };
    get(rig.url("/bytes/5"));
    let har = read_json(&log);
    let entries = har["log"]["entries"].as_array().unwrap();
    let capped = &entries[3]["response"]["content"];
    assert_eq!(capped["size"], 3000);
    assert!(capped["comment"].as_str().unwrap().contains("truncated"), "{capped}");
    let capped_len = match capped["encoding"].as_str() {
        Some("base64") => base64_len(capped["text"].as_str().unwrap()),
        _ => capped["text"].as_str().unwrap().len(),
    };
    assert_eq!(capped_len, 100);
    assert!(entries[4]["response"]["content"].get("text").is_none());
    let plain = entries[5].to_string();
    assert!(plain.contains("hunter2") || plain.contains("YWRhOmh1bnRlcjItcHc"), "{plain}");
    unsafe {
        assert_eq!(session_set_har_log(s, std::ptr::null()), SESSION_OK);
        session_free(s);
    }
    schema_check(&log);
}

fn base64_len(text: &str) -> usize {
    let pad = text.bytes().rev().take_while(|&b| b == b'=').count();
    text.len() / 4 * 3 - pad
}

/// Validates a HAR file against the HAR 1.2 schema and loads it with haralyzer.
fn schema_check(path: &Path) {
    let script = support::repo_root().join("tests/har/check_har.py");
    let out = std::process::Command::new(support::venv_python()).arg(&script).arg(path).output().unwrap();
    assert!(out.status.success(), "{}: {}{}", path.display(), String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

#[test]
fn every_hop_of_threads_batches_and_async_is_logged_and_replayed() {
    let bin = support::httpbin();
    let (log, cassette) = (tmp("threads.har"), tmp("threads-cassette.har"));
    let s = support::capi::Session::new();
    unsafe { assert_eq!(session_set_har_log(s.raw(), c(log.to_str().unwrap()).as_ptr()), SESSION_OK) };
    assert_eq!(set_replay(s.raw(), &cassette, SESSION_REPLAY_RECORD), SESSION_OK);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let s = &s;
            scope.spawn(move || {
                for i in 0..10 {
                    let r = s.get(&bin.url(&format!("/get?t={t}&i={i}")));
                    assert_eq!(r.status, 200);
                }
            });
        }
    });
    let urls: Vec<String> = (0..5).map(|i| bin.url(&format!("/redirect-to?url=/get%3Fb%3D{i}"))).collect();
    let batch = |s: *mut session_t| -> Vec<Snap> {
        let reqs: Vec<*mut session_request_t> = urls.iter().map(|u| unsafe { session_request_new(c("GET").as_ptr(), c(u).as_ptr()) }).collect();
        let mut out = vec![std::ptr::null_mut(); reqs.len()];
        unsafe { assert_eq!(session_send_all(s, reqs.as_ptr(), reqs.len(), out.as_mut_ptr()), SESSION_OK) };
        reqs.into_iter().for_each(|r| unsafe { session_request_free(r) });
        out.into_iter().map(snap).collect()
    };
    let asynchronous = |s: *mut session_t| -> Snap {
        let req = unsafe { session_request_new(c("GET").as_ptr(), c(&bin.url("/redirect/2")).as_ptr()) };
        let f = unsafe { session_send_async(s, req) };
        let r = unsafe { session_future_wait(f, -1) };
        unsafe { session_future_free(f) };
        unsafe { session_request_free(req) };
        snap(r)
    };
    let live_batch = batch(s.raw());
    let live_async = asynchronous(s.raw());
    unsafe { assert_eq!(session_har_flush(s.raw()), SESSION_OK) };
    let har = read_json(&log);
    let entries = har["log"]["entries"].as_array().unwrap();
    // 40 from the threads, 5 x 2 hops of the batch, 3 hops of the async request.
    assert_eq!(entries.len(), 40 + 10 + 3);
    for e in entries {
        assert_eq!(e["serverIPAddress"], "127.0.0.1", "{e}");
        assert!(e["connection"].as_str().is_some_and(|c| c.parse::<u64>().is_ok()), "{e}");
        assert!(e["timings"]["wait"].as_f64().unwrap() >= 0.0 && e["time"].as_f64().unwrap() > 0.0, "{e}");
    }
    // Keep-alive: the 10 sequential requests of one thread reuse connections.
    assert!(entries.iter().any(|e| e["_connectionReused"] == true && e["timings"]["dns"].as_f64() == Some(-1.0)));
    let hops: Vec<u64> = entries.iter().filter_map(|e| e["_redirectHop"].as_u64()).collect();
    assert_eq!(hops.iter().filter(|&&h| h == 2).count(), 1, "the async request's last hop is hop 2");
    schema_check(&log);
    schema_check(&cassette);

    let p = support::capi::Session::new();
    assert_eq!(set_replay(p.raw(), &cassette, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    assert_eq!(batch(p.raw()), live_batch);
    assert_eq!(asynchronous(p.raw()), live_async);
    let r = p.get(&bin.url("/get?t=3&i=9"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200));
    assert!(r.body.contains("\"i\": \"9\""), "{}", r.body);
}

#[test]
fn auto_records_what_it_lacks_and_replays_what_it_holds() {
    let rig = support::rig();
    let cassette = tmp("auto.har");
    let _ = std::fs::remove_file(&cassette);
    let s = support::capi::Session::new();
    assert_eq!(set_replay(s.raw(), &cassette, SESSION_REPLAY_AUTO), SESSION_OK);
    let first = s.get(&rig.url("/flaky?key=auto"));
    assert_eq!(first.body, "attempt 1\n");
    // Answered from the cassette: the server would say "attempt 2".
    assert_eq!(s.get(&rig.url("/flaky?key=auto")).body, "attempt 1\n");
    let other = s.get(&rig.url("/bytes/4"));
    assert_eq!(other.len, 4);
    drop(s);
    let s = support::capi::Session::new();
    assert_eq!(set_replay(s.raw(), &cassette, SESSION_REPLAY_AUTO), SESSION_OK);
    drop(rig);
    assert_eq!(s.get(&first.url).body, "attempt 1\n");
    assert_eq!(read_json(&cassette)["log"]["entries"].as_array().unwrap().len(), 2);
}

/// examples-c/offline_test.c (a C unit test of the user's own code, answered from the
/// checked-in cassette) builds as the examples' Makefile builds it and passes, offline.
#[test]
fn the_offline_c_example_passes_from_its_cassette() {
    let dir = native::scratch("har_replay", "offline_test");
    let lib = native::linked_lib_dir(&dir);
    let exe = dir.join("offline_test");
    let root = support::repo_root();
    let mut cc = std::process::Command::new("cc");
    cc.args(["-std=c99", "-g"]).args(native::WARNINGS).arg("-I").arg(root.join("include"));
    cc.arg(root.join("examples-c/offline_test.c")).arg("-o").arg(&exe);
    cc.arg(format!("-L{}", lib.display())).arg("-lsession").arg(format!("-Wl,-rpath,{}", lib.display()));
    native::run_ok(cc, "cc offline_test.c");
    let mut cmd = native::under_valgrind(&exe);
    cmd.arg(root.join("examples-c/cassettes/user_api.har"));
    let out = native::run_program(cmd, &dir, "offline_test");
    assert!(out.contains("offline_test: all passed"), "{out}");
    assert!(out.contains("missing: ") && out.contains("GET http://api.example.test/users/9"), "{out}");
}

unsafe extern "C" fn collect_body(data: *const std::ffi::c_char, len: usize, userdata: *mut c_void) -> usize {
    (*(userdata as *mut Vec<u8>)).extend_from_slice(std::slice::from_raw_parts(data as *const u8, len));
    len
}

/// A body streamed to a write callback or an output file is recorded, and played back to
/// the callback or the file (never kept in the response, as live).
#[test]
fn streamed_downloads_are_recorded_and_played_back_where_they_were_asked() {
    use session::capi::transfer::{session_request_set_output_file, session_request_set_write_callback};
    let rig = support::rig();
    let cassette = tmp("streamed.har");
    let out = tmp("streamed.out");
    let url = rig.url("/bytes/5000");
    let expected: Vec<u8> = (0..5000).map(|i| (i % 251) as u8).collect();
    let run = |s: *mut session_t| {
        let mut got = Vec::new();
        let req = unsafe { session_request_new(c("GET").as_ptr(), c(&url).as_ptr()) };
        unsafe { assert_eq!(session_request_set_write_callback(req, Some(collect_body), &mut got as *mut Vec<u8> as *mut c_void), SESSION_OK) };
        let streamed = snap(unsafe { session_send(s, req) });
        unsafe { session_request_free(req) };
        let _ = std::fs::remove_file(&out);
        let req = unsafe { session_request_new(c("GET").as_ptr(), c(&url).as_ptr()) };
        unsafe { assert_eq!(session_request_set_output_file(req, c(out.to_str().unwrap()).as_ptr()), SESSION_OK) };
        let filed = snap(unsafe { session_send(s, req) });
        unsafe { session_request_free(req) };
        (streamed, got, filed, std::fs::read(&out).unwrap_or_default())
    };
    let live = session_new();
    assert_eq!(set_replay(live, &cassette, SESSION_REPLAY_RECORD), SESSION_OK);
    let (streamed, got, filed, file) = run(live);
    unsafe { session_free(live) };
    assert_eq!((streamed.error, streamed.status, streamed.body.len(), got.len()), (SESSION_OK, 200, 0, 5000));
    assert_eq!((filed.status, file.len()), (200, 5000));
    let offline = session_new();
    assert_eq!(set_replay(offline, &cassette, SESSION_REPLAY_PLAYBACK), SESSION_OK);
    let (streamed, got, filed, file) = run(offline);
    unsafe { session_free(offline) };
    assert_eq!((streamed.error, streamed.status, streamed.body.len()), (SESSION_OK, 200, 0), "not kept in the response");
    assert_eq!(got, expected, "the callback got the recorded body");
    assert_eq!((filed.error, filed.body.len()), (SESSION_OK, 0));
    assert_eq!(file, expected, "the output file got the recorded body");
}
