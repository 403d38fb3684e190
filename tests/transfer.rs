//! Bodies, streaming, decoding, hooks, tracing, timings and protocol choice, through the C ABI
//! against real servers on loopback (httpbin and the rig server).

mod support;

use session::capi::observe::*;
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::capi::transfer::*;
use session::error::session_code::{self, *};
use session::capi::response::session_response_t;
use std::ffi::{c_char, c_int, c_void};
use std::io::Write;
use std::path::PathBuf;
use std::ptr;

use support::capi::{c, Req, Resp, Session as S};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("transfer");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Deterministic, poorly compressible bytes.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn sha256(data: &[u8]) -> String {
    // One scratch file per call: tests run in parallel.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let path = scratch(&format!("sha-{}-{n}", std::process::id()));
    std::fs::write(&path, data).unwrap();
    let out = std::process::Command::new("sha256sum")
        .arg(&path)
        .output()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The value of `"key": <value>` in the rig's flat JSON.
fn json_field(json: &str, key: &str) -> String {
    let start = json
        .find(&format!("\"{key}\": "))
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + key.len()
        + 4;
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap();
    rest[..end].trim().trim_matches('"').to_owned()
}

// ---- bodies ---------------------------------------------------------------------------

#[test]
fn multipart_fields_files_from_path_and_memory_reach_httpbin() {
    let path = scratch("notes.txt");
    std::fs::write(&path, "file on disk\n").unwrap();
    let s = S::new();
    let req = Req::new("POST", &support::httpbin().url("/post"));
    unsafe {
        assert_eq!(
            session_request_add_form(req.0, c("title").as_ptr(), c("hello").as_ptr()),
            SESSION_OK
        );
        let code = session_request_add_file(
            req.0,
            c("doc").as_ptr(),
            c(path.to_str().unwrap()).as_ptr(),
            ptr::null(),
            c("text/plain").as_ptr(),
        );
        assert_eq!(code, SESSION_OK);
        let data = b"in memory";
        let code = session_request_add_file_data(
            req.0,
            c("blob").as_ptr(),
            data.as_ptr().cast(),
            data.len(),
            c("b.bin").as_ptr(),
            ptr::null(),
        );
        assert_eq!(code, SESSION_OK);
        assert_eq!(
            session_request_add_form(req.0, c("after").as_ptr(), c("files").as_ptr()),
            SESSION_OK
        );
    }
    let r = s.send(&req);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    let body = r.text();
    assert!(body.contains("\"doc\": \"file on disk\\n\""), "{body}");
    assert!(body.contains("\"blob\": \"in memory\""), "{body}");
    assert!(body.contains("\"title\": \"hello\""), "{body}");
    assert!(body.contains("\"after\": \"files\""), "{body}");
    assert!(
        body.contains("\"Content-Type\": \"multipart/form-data; boundary="),
        "{body}"
    );
}

#[test]
fn large_file_parts_and_bodies_stream_from_disk() {
    let rig = support::rig();
    let data = noise(8 << 20, 7);
    let path = scratch("large.bin");
    std::fs::write(&path, &data).unwrap();
    let s = S::new();

    let req = Req::new("PUT", &rig.url("/sink"));
    assert_eq!(
        unsafe {
            session_request_set_body_file(
                req.0,
                c(path.to_str().unwrap()).as_ptr(),
                c("application/x-test").as_ptr(),
            )
        },
        SESSION_OK
    );
    let r = s.send(&req);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    let body = r.text();
    assert_eq!(json_field(&body, "len"), data.len().to_string());
    assert_eq!(json_field(&body, "sha256"), sha256(&data));
    assert_eq!(
        json_field(&body, "chunked"),
        "false",
        "sent with Content-Length"
    );
    assert_eq!(json_field(&body, "content_type"), "application/x-test");

    let req = Req::new("POST", &rig.url("/sink"));
    unsafe {
        session_request_add_file(
            req.0,
            c("f").as_ptr(),
            c(path.to_str().unwrap()).as_ptr(),
            ptr::null(),
            ptr::null(),
        )
    };
    let r = s.send(&req);
    let body = r.text();
    let len: usize = json_field(&body, "len").parse().unwrap();
    assert!(len > data.len() && len < data.len() + 400, "{body}");

    let missing = Req::new("PUT", &rig.url("/sink"));
    unsafe {
        session_request_set_body_file(missing.0, c("/nonexistent/file").as_ptr(), ptr::null())
    };
    let r = s.send(&missing);
    assert_eq!(r.error, SESSION_E_IO, "{}", r.message);
}

#[test]
fn file_bodies_replay_on_307_and_308() {
    let rig = support::rig();
    let data = noise(300_000, 3);
    let path = scratch("replay.bin");
    std::fs::write(&path, &data).unwrap();
    let s = S::new();
    for status in [307, 308] {
        let req = Req::new(
            "POST",
            &rig.url(&format!("/redirect?to=/sink&status={status}")),
        );
        unsafe {
            session_request_set_body_file(req.0, c(path.to_str().unwrap()).as_ptr(), ptr::null())
        };
        let r = s.send(&req);
        assert_eq!(
            (r.error, r.status, r.redirects),
            (SESSION_OK, 200, 1),
            "{}",
            r.message
        );
        assert_eq!(json_field(&r.text(), "sha256"), sha256(&data));
    }
    // A multipart body with a file part replays whole too.
    let req = Req::new("POST", &rig.url("/redirect?to=/sink&status=307"));
    unsafe {
        session_request_add_form(req.0, c("k").as_ptr(), c("v").as_ptr());
        session_request_add_file(
            req.0,
            c("f").as_ptr(),
            c(path.to_str().unwrap()).as_ptr(),
            ptr::null(),
            ptr::null(),
        );
    }
    let r = s.send(&req);
    assert_eq!((r.error, r.redirects), (SESSION_OK, 1), "{}", r.message);
    let len: usize = json_field(&r.text(), "len").parse().unwrap();
    assert!(len > data.len() + 100, "{}", r.text());
}

struct Source {
    data: Vec<u8>,
    pos: usize,
    seeks: usize,
}

unsafe extern "C" fn read_source(buf: *mut c_char, len: usize, userdata: *mut c_void) -> usize {
    let src = &mut *(userdata as *mut Source);
    let n = len.min(src.data.len() - src.pos).min(1000);
    std::ptr::copy_nonoverlapping(src.data[src.pos..].as_ptr(), buf as *mut u8, n);
    src.pos += n;
    n
}

unsafe extern "C" fn seek_source(offset: u64, userdata: *mut c_void) -> c_int {
    let src = &mut *(userdata as *mut Source);
    src.pos = offset as usize;
    src.seeks += 1;
    0
}

unsafe extern "C" fn read_abort(_: *mut c_char, _: usize, _: *mut c_void) -> usize {
    session::capi::transfer::SESSION_READ_ABORT
}

#[test]
fn read_callback_bodies_chunked_sized_replayed_or_refused() {
    let rig = support::rig();
    let s = S::new();
    let data = noise(100_000, 9);
    let mut src = Source {
        data: data.clone(),
        pos: 0,
        seeks: 0,
    };
    let ud = &mut src as *mut Source as *mut c_void;

    // Unknown length: chunked.
    let req = Req::new("POST", &rig.url("/sink"));
    unsafe {
        session_request_set_body_callback(req.0, Some(read_source), None, ud, -1, ptr::null())
    };
    let r = s.send(&req);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    assert_eq!(json_field(&r.text(), "chunked"), "true");
    assert_eq!(json_field(&r.text(), "sha256"), sha256(&data));
    // Sending it again needs a rewind, which it can't do.
    let again = s.send(&req);
    assert_eq!(again.error, SESSION_E_INVALID_ARGUMENT, "{}", again.message);
    assert!(again.message.contains("seek"), "{}", again.message);

    // Known length, no seek: a 307 can't replay it, and says why.
    src.pos = 0;
    let req = Req::new("POST", &rig.url("/redirect?to=/sink&status=307"));
    unsafe {
        session_request_set_body_callback(
            req.0,
            Some(read_source),
            None,
            ud,
            data.len() as i64,
            ptr::null(),
        )
    };
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_E_INVALID_ARGUMENT, "{}", r.message);
    assert!(r.message.contains("seek callback"), "{}", r.message);

    // With a seek callback the 307 replays it from the start.
    src.pos = 0;
    let req = Req::new("POST", &rig.url("/redirect?to=/sink&status=307"));
    unsafe {
        session_request_set_body_callback(
            req.0,
            Some(read_source),
            Some(seek_source),
            ud,
            data.len() as i64,
            ptr::null(),
        )
    };
    let r = s.send(&req);
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
    assert_eq!(json_field(&r.text(), "chunked"), "false");
    assert_eq!(json_field(&r.text(), "sha256"), sha256(&data));
    assert_eq!(src.seeks, 1);

    let req = Req::new("POST", &rig.url("/sink"));
    unsafe {
        session_request_set_body_callback(
            req.0,
            Some(read_abort),
            None,
            ptr::null_mut(),
            -1,
            ptr::null(),
        )
    };
    assert_eq!(s.send(&req).error, SESSION_E_CANCELLED);
    assert_eq!(
        unsafe {
            session_request_set_body_callback(req.0, None, None, ptr::null_mut(), -1, ptr::null())
        },
        SESSION_E_INVALID_ARGUMENT
    );
}

// ---- downloads --------------------------------------------------------------------------

#[derive(Default)]
struct Received {
    data: Vec<u8>,
    calls: usize,
    max_chunk: usize,
    stop_after: Option<usize>,
}

/// Streams `req`'s body to `rec` (the write callback `collect`).
fn stream_to(req: &Req, rec: &mut Received) {
    let rec = rec as *mut Received as *mut c_void;
    assert_eq!(unsafe { session_request_set_write_callback(req.0, Some(collect), rec) }, SESSION_OK);
}

unsafe extern "C" fn collect(data: *const c_char, len: usize, userdata: *mut c_void) -> usize {
    let rec = &mut *(userdata as *mut Received);
    rec.data
        .extend_from_slice(std::slice::from_raw_parts(data as *const u8, len));
    rec.calls += 1;
    rec.max_chunk = rec.max_chunk.max(len);
    match rec.stop_after {
        Some(limit) if rec.data.len() >= limit => 0,
        _ => len,
    }
}

fn pattern_ok(data: &[u8]) -> bool {
    data.iter().enumerate().all(|(i, b)| *b as usize == i % 251)
}

/// Large bodies kept in memory are reserved from their Content-Length and their pages
/// committed ahead in windows (transfer::sink::Prefault): every byte must still arrive, for
/// a body crossing several windows and for one just over the threshold.
#[test]
fn large_bodies_in_memory_arrive_whole() {
    let rig = support::rig();
    let s = S::new();
    for len in [20_000_003usize, 1_048_577] {
        let r = s.get(&rig.url(&format!("/bytes/{len}")));
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{}", r.message);
        assert_eq!(r.bytes.len(), len);
        assert!(pattern_ok(&r.bytes), "{len} bytes: pattern broken");
    }
}

#[test]
fn write_callback_streams_the_final_body_only() {
    let rig = support::rig();
    let s = S::new();
    let mut rec = Received::default();
    let req = Req::new("GET", &rig.url("/bytes/3000000"));
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!(
        (r.error, r.status, r.bytes.len()),
        (SESSION_OK, 200, 0),
        "{}",
        r.message
    );
    assert_eq!(rec.data.len(), 3_000_000);
    assert!(pattern_ok(&rec.data));
    assert!(
        rec.calls > 1 && rec.max_chunk <= 1 << 20,
        "{} calls, max {}",
        rec.calls,
        rec.max_chunk
    );

    // httpbin's /redirect/1 answers with an HTML body: it stays in the history.
    let mut rec = Received::default();
    let req = Req::new("GET", &support::httpbin().url("/redirect/1"));
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!(
        (r.error, r.status, r.redirects),
        (SESSION_OK, 200, 1),
        "{}",
        r.message
    );
    let got = String::from_utf8_lossy(&rec.data);
    assert!(
        got.contains("\"url\"") && !got.contains("Redirecting"),
        "{got}"
    );
    assert!(String::from_utf8_lossy(r.history_body.as_deref().unwrap()).contains("Redirecting"));

    let mut rec = Received {
        stop_after: Some(100_000),
        ..Received::default()
    };
    let req = Req::new("GET", &rig.url("/bytes/3000000"));
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_E_CANCELLED, "{}", r.message);
    assert!(rec.data.len() < 3_000_000);
}

/// A 3xx with a blank Location is the final response (no redirect): its body goes where the
/// caller asked, to the write callback or the output file, never kept in memory.
#[test]
fn a_final_redirect_with_a_blank_location_streams_its_body() {
    let rig = support::rig();
    let s = S::new();
    let url = rig.url("/redirect?to=&body=123456789");
    let req = Req::new("GET", &url);
    let mut rec = Received::default();
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!((r.error, r.status, r.bytes.len()), (SESSION_OK, 302, 0), "{}", r.message);
    assert_eq!(rec.data, b"123456789");

    let path = scratch("blank-location.bin");
    let _ = std::fs::remove_file(&path);
    let req = Req::new("GET", &url);
    unsafe { session_request_set_output_file(req.0, c(path.to_str().unwrap()).as_ptr()) };
    let r = s.send(&req);
    assert_eq!((r.error, r.status, r.bytes.len()), (SESSION_OK, 302, 0), "{}", r.message);
    assert_eq!(std::fs::read(&path).expect("the output file exists"), b"123456789");
}

#[test]
fn output_file_receives_the_body_and_errors_are_io() {
    let rig = support::rig();
    let s = S::new();
    let path = scratch("download.bin");
    let _ = std::fs::remove_file(&path);
    let req = Req::new("GET", &rig.url("/redirect?to=/bytes/2000000"));
    unsafe { session_request_set_output_file(req.0, c(path.to_str().unwrap()).as_ptr()) };
    let r = s.send(&req);
    assert_eq!(
        (r.error, r.status, r.bytes.len()),
        (SESSION_OK, 200, 0),
        "{}",
        r.message
    );
    let data = std::fs::read(&path).unwrap();
    assert_eq!(data.len(), 2_000_000);
    assert!(pattern_ok(&data));

    // An empty body still makes the (empty) file.
    let _ = std::fs::remove_file(&path);
    let req = Req::new("GET", &rig.url("/bytes/0"));
    unsafe { session_request_set_output_file(req.0, c(path.to_str().unwrap()).as_ptr()) };
    assert_eq!(s.send(&req).error, SESSION_OK);
    assert_eq!(std::fs::read(&path).unwrap().len(), 0);

    let req = Req::new("GET", &rig.url("/bytes/10"));
    unsafe { session_request_set_output_file(req.0, c("/nonexistent-dir/x.bin").as_ptr()) };
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_E_IO, "{}", r.message);
    assert!(
        r.message.contains("/nonexistent-dir/x.bin"),
        "{}",
        r.message
    );
}

#[derive(Default)]
struct Progress {
    calls: usize,
    last_dl: (u64, u64),
    last_ul: (u64, u64),
    cancel_at: Option<u64>,
}

/// Reports `req`'s progress to `p` (the progress callback `on_progress`).
fn track_progress(req: &Req, p: &mut Progress) {
    let p = p as *mut Progress as *mut c_void;
    assert_eq!(unsafe { session_request_set_progress_callback(req.0, Some(on_progress), p) }, SESSION_OK);
}

unsafe extern "C" fn on_progress(
    dl_now: u64,
    dl_total: u64,
    ul_now: u64,
    ul_total: u64,
    userdata: *mut c_void,
) -> c_int {
    let p = &mut *(userdata as *mut Progress);
    p.calls += 1;
    p.last_dl = (dl_now, dl_total);
    p.last_ul = (ul_now, ul_total);
    c_int::from(p.cancel_at.is_some_and(|at| dl_now >= at))
}

#[test]
fn progress_reports_both_directions_and_cancels() {
    let rig = support::rig();
    let s = S::new();
    let mut p = Progress::default();
    let req = Req::new("GET", &rig.url("/bytes/1000000"));
    track_progress(&req, &mut p);
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_OK);
    assert_eq!(p.last_dl, (1_000_000, 1_000_000));

    let mut p = Progress::default();
    let data = noise(500_000, 5);
    let req = Req::new("POST", &rig.url("/sink"));
    unsafe {
        session_request_set_body(req.0, data.as_ptr().cast(), data.len(), ptr::null());
    }
    track_progress(&req, &mut p);
    assert_eq!(s.send(&req).error, SESSION_OK);
    assert_eq!(p.last_ul, (500_000, 500_000));

    let mut p = Progress {
        cancel_at: Some(1),
        ..Progress::default()
    };
    let req = Req::new("GET", &rig.url("/bytes/50000000"));
    track_progress(&req, &mut p);
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_E_CANCELLED, "{}", r.message);
    assert!(p.last_dl.0 < 50_000_000);
}

#[test]
fn body_limit_applies_to_streamed_bodies_too() {
    let rig = support::rig();
    let s = S::new();
    unsafe { session_set_max_body_size(s.0, 1_000_000) };
    let mut rec = Received::default();
    let req = Req::new("GET", &rig.url("/bytes/3000000"));
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!(r.error, SESSION_E_TOO_LARGE, "{}", r.message);
    assert!(rec.data.len() <= 1_000_000);
}

// ---- decoding ---------------------------------------------------------------------------

#[test]
fn httpbin_gzip_deflate_and_brotli_are_decoded() {
    let s = S::new();
    for (path, flag) in [
        ("/gzip", "gzipped"),
        ("/deflate", "deflated"),
        ("/brotli", "brotli"),
    ] {
        let r = s.get(&support::httpbin().url(path));
        assert_eq!(
            (r.error, r.status),
            (SESSION_OK, 200),
            "{path}: {}",
            r.message
        );
        let body = r.text();
        assert!(
            body.contains(&format!("\"{flag}\": true")),
            "{path}: {body}"
        );
        assert!(
            body.contains("gzip, deflate, br, zstd"),
            "advertised: {body}"
        );
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn raw_deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// POSTs `encoded` to the rig's /mirror labelled with Content-Encoding `ce`.
fn mirror(
    s: &S,
    rig: &support::Server,
    ce: &str,
    encoded: &[u8],
    setup: impl FnOnce(&Req),
) -> Resp {
    let req = Req::new(
        "POST",
        &rig.url(&format!("/mirror?ce={}", ce.replace(' ', "%20"))),
    );
    unsafe { session_request_set_body(req.0, encoded.as_ptr().cast(), encoded.len(), ptr::null()) };
    setup(&req);
    s.send(&req)
}

#[test]
fn zstd_raw_deflate_and_stacked_encodings_decode_in_order() {
    let rig = support::rig();
    let s = S::new();
    let data = noise(200_000, 11).repeat(3);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("zstd", zstd(&data)),
        ("deflate", raw_deflate(&data)),
        ("gzip, zstd", zstd(&gzip(&data))),
        ("zstd, gzip", gzip(&zstd(&data))),
        ("identity, gzip", gzip(&data)),
    ];
    for (ce, encoded) in cases {
        let r = mirror(&s, &rig, ce, &encoded, |_| {});
        assert_eq!(
            (r.error, r.status),
            (SESSION_OK, 200),
            "{ce}: {}",
            r.message
        );
        assert!(r.bytes == data, "{ce}: {} bytes back", r.bytes.len());
    }
    // Streamed to a write callback, decoded chunk by chunk.
    let mut rec = Received::default();
    let r = mirror(&s, &rig, "gzip, zstd", &zstd(&gzip(&data)), |req| stream_to(req, &mut rec));
    assert_eq!(r.error, SESSION_OK, "{}", r.message);
    assert!(rec.data == data && rec.calls > 1);
}

#[test]
fn too_many_stacked_corrupt_and_truncated_bodies_are_decode_errors() {
    let rig = support::rig();
    let s = S::new();
    let mut six = b"x".to_vec();
    for _ in 0..6 {
        six = gzip(&six);
    }
    let r = mirror(&s, &rig, "gzip,gzip,gzip,gzip,gzip,gzip", &six, |_| {});
    assert_eq!(r.error, SESSION_E_DECODE, "{}", r.message);
    let mut five = b"x".to_vec();
    for _ in 0..5 {
        five = gzip(&five);
    }
    assert_eq!(
        mirror(&s, &rig, "gzip,gzip,gzip,gzip,gzip", &five, |_| {}).bytes,
        b"x"
    );

    for ce in ["gzip", "br", "zstd", "deflate"] {
        let r = mirror(
            &s,
            &rig,
            ce,
            b"this is not compressed at all, not even a little",
            |_| {},
        );
        assert_eq!(r.error, SESSION_E_DECODE, "{ce}: {}", r.message);
    }
    let whole = gzip(&noise(10_000, 1));
    let r = mirror(&s, &rig, "gzip", &whole[..whole.len() / 2], |_| {});
    assert_eq!(r.error, SESSION_E_DECODE, "truncated: {}", r.message);
    // Unknown codings are delivered as received.
    assert_eq!(
        mirror(&s, &rig, "compress", b"as is", |_| {}).bytes,
        b"as is"
    );
}

#[test]
fn own_accept_encoding_gets_the_raw_body() {
    let rig = support::rig();
    let s = S::new();
    let encoded = gzip(b"hello");
    let r = mirror(&s, &rig, "gzip", &encoded, |req| unsafe {
        session_request_set_header(req.0, c("Accept-Encoding").as_ptr(), c("gzip").as_ptr());
    });
    assert_eq!(r.bytes, encoded);
    let r = mirror(&s, &rig, "gzip", &encoded, |_| {});
    assert_eq!(r.bytes, b"hello");
    // A session's own value counts as the caller's too.
    unsafe { session_set_header(s.0, c("Accept-Encoding").as_ptr(), c("gzip").as_ptr()) };
    assert_eq!(mirror(&s, &rig, "gzip", &encoded, |_| {}).bytes, encoded);
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn gzip_bomb_stops_at_the_body_limit_in_bounded_memory() {
    let rig = support::rig();
    let s = S::new();
    unsafe { session_set_max_body_size(s.0, 10 << 20) };
    let before = peak_rss_kib();
    let started = std::time::Instant::now();
    // 10 GiB of zeros, about 10 MB on the wire.
    let r = s.get(&rig.url("/gzip-bomb?mb=10240"));
    assert_eq!(r.error, SESSION_E_TOO_LARGE, "{}", r.message);
    let grown_mib = (peak_rss_kib().saturating_sub(before)) / 1024;
    eprintln!(
        "gzip bomb stopped after {:?}, peak RSS grew {grown_mib} MiB",
        started.elapsed()
    );
    assert!(grown_mib < 200, "peak RSS grew {grown_mib} MiB");
    // Streaming too: the limit counts decoded bytes.
    let mut rec = Received::default();
    let req = Req::new("GET", &rig.url("/gzip-bomb?mb=10240"));
    stream_to(&req, &mut rec);
    assert_eq!(s.send(&req).error, SESSION_E_TOO_LARGE);
    assert!(rec.data.len() <= 10 << 20 && rec.data.iter().all(|b| *b == 0));
}

// ---- hooks, tracing, timings, reentrancy ----------------------------------------------------

struct HookSeen {
    session: *mut session_t,
    statuses: Vec<i64>,
    reentry: Vec<session_code>,
    other: *mut session_t,
    other_url: String,
    other_status: i64,
}

unsafe extern "C" fn hook(r: *const session_response_t, userdata: *mut c_void) {
    let seen = &mut *(userdata as *mut HookSeen);
    seen.statuses.push((*r).status_code);
    // Re-entering the same session is refused, not deadlocked.
    let again = session_get(seen.session, c("http://127.0.0.1:1/").as_ptr());
    seen.reentry.push((*again).error);
    session_response_free(again);
    seen.reentry.push(session_set_header(
        seen.session,
        c("X-A").as_ptr(),
        c("1").as_ptr(),
    ));
    session_free(seen.session); // refused: still usable afterwards
                                // Another session may be used.
    let other = session_get(seen.other, c(&seen.other_url).as_ptr());
    seen.other_status = (*other).status_code;
    session_response_free(other);
}

#[test]
fn response_hook_sees_final_responses_and_cannot_reenter() {
    let rig = support::rig();
    let s = S::new();
    let other = S::new();
    let mut seen = HookSeen {
        session: s.0,
        statuses: Vec::new(),
        reentry: Vec::new(),
        other: other.0,
        other_url: rig.url("/status/201"),
        other_status: 0,
    };
    assert_eq!(
        unsafe {
            session_set_response_hook(s.0, Some(hook), &mut seen as *mut HookSeen as *mut c_void)
        },
        SESSION_OK
    );
    let r = s.get(&rig.url("/redirect?to=/status/404"));
    assert_eq!((r.error, r.status, r.redirects), (SESSION_OK, 404, 1));
    assert_eq!(seen.statuses, vec![404], "final response only");
    assert_eq!(
        seen.reentry,
        vec![SESSION_E_INVALID_ARGUMENT, SESSION_E_INVALID_ARGUMENT]
    );
    assert_eq!(seen.other_status, 201);
    // After the hook, the session works as before.
    unsafe { session_set_response_hook(s.0, None, ptr::null_mut()) };
    assert_eq!(s.get(&rig.url("/status/200")).status, 200);
    assert_eq!(seen.statuses.len(), 1);
}

unsafe extern "C" fn reenter_from_write(
    _: *const c_char,
    len: usize,
    userdata: *mut c_void,
) -> usize {
    let seen = &mut *(userdata as *mut HookSeen);
    let again = session_get(seen.session, c("http://127.0.0.1:1/").as_ptr());
    seen.reentry.push((*again).error);
    session_response_free(again);
    len
}

#[test]
fn write_callback_cannot_reenter_its_session() {
    let rig = support::rig();
    let s = S::new();
    let mut seen = HookSeen {
        session: s.0,
        statuses: Vec::new(),
        reentry: Vec::new(),
        other: ptr::null_mut(),
        other_url: String::new(),
        other_status: 0,
    };
    let req = Req::new("GET", &rig.url("/bytes/10"));
    unsafe {
        session_request_set_write_callback(
            req.0,
            Some(reenter_from_write),
            &mut seen as *mut HookSeen as *mut c_void,
        )
    };
    assert_eq!(s.send(&req).error, SESSION_OK);
    assert!(
        !seen.reentry.is_empty()
            && seen
                .reentry
                .iter()
                .all(|e| *e == SESSION_E_INVALID_ARGUMENT),
        "{:?}",
        seen.reentry
    );
}

#[derive(Default)]
struct Trace {
    kinds: Vec<c_int>,
    out: String,
    inbound: String,
    text: String,
}

unsafe extern "C" fn trace(kind: c_int, data: *const c_char, len: usize, userdata: *mut c_void) {
    let t = &mut *(userdata as *mut Trace);
    let s =
        String::from_utf8_lossy(std::slice::from_raw_parts(data as *const u8, len)).into_owned();
    t.kinds.push(kind);
    match kind {
        2 => t.out.push_str(&s),
        1 => t.inbound.push_str(&s),
        0 => t.text.push_str(&s),
        _ => {}
    }
}

#[test]
fn debug_trace_redacts_credentials_and_cookies() {
    let rig = support::rig();
    let s = S::new();
    let mut t = Trace::default();
    unsafe {
        session_set_basic_auth(s.0, c("user").as_ptr(), c("hunter2").as_ptr());
        session_set_debug_callback(s.0, Some(trace), &mut t as *mut Trace as *mut c_void);
    }
    let r = s.get(&rig.url("/cookies/set-raw?h=sid%3Dsecret%63ookie%3B%20Path%3D%2F"));
    assert_eq!(r.status, 200);
    let r = s.get(&rig.url("/echo"));
    assert!(
        r.text().contains("secretcookie"),
        "the cookie itself was sent"
    );
    assert!(t.out.contains("GET /echo HTTP/1.1"), "{}", t.out);
    assert!(t.out.contains("Authorization: [redacted]"), "{}", t.out);
    assert!(t.out.contains("Cookie: [redacted]"), "{}", t.out);
    assert!(
        t.inbound.contains("Set-Cookie: [redacted]"),
        "{}",
        t.inbound
    );
    let all = format!("{}{}{}", t.out, t.inbound, t.text);
    assert!(
        !all.contains("secretcookie") && !all.contains("dXNlcjpodW50ZXIy"),
        "{all}"
    );
    assert!(
        t.kinds.contains(&0) && t.kinds.contains(&3),
        "{:?}",
        t.kinds
    );
    unsafe { session_set_debug_callback(s.0, None, ptr::null_mut()) };
    let n = t.kinds.len();
    s.get(&rig.url("/echo"));
    assert_eq!(t.kinds.len(), n, "tracing off");
}

#[test]
fn timings_and_connection_reuse_are_reported() {
    let rig = support::rig_tls();
    let s = S::new();
    unsafe {
        session_set_ca_bundle(
            s.0,
            c(rig.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr(),
        )
    };
    let first = s.get(&rig.tls_url("/bytes/1000"));
    assert_eq!(first.error, SESSION_OK, "{}", first.message);
    let t = first.timings;
    assert!(!t.reused);
    assert!(
        t.connect > 0.0 && t.tls >= t.connect && t.first_byte >= t.tls && t.total >= t.first_byte,
        "{t:?}"
    );
    let second = s.get(&rig.tls_url("/bytes/1000"));
    assert!(second.timings.reused, "{:?}", second.timings);
    assert!(second.timings.total > 0.0);
    let t = second.timings;
    assert_eq!((t.dns, t.connect, t.tls), (0.0, 0.0, 0.0), "nothing was set up: {t:?}");
    let mut out = session_timings_t::sized();
    assert_eq!(
        unsafe { session_response_timings(ptr::null(), &mut out) },
        SESSION_E_INVALID_ARGUMENT
    );
    // A caller built against an older, shorter struct: nothing past its size is written.
    let url = std::ffi::CString::new(rig.tls_url("/bytes/10")).unwrap();
    let first = unsafe { session_get(s.raw(), url.as_ptr()) };
    let older = std::mem::size_of::<usize>() + 2 * std::mem::size_of::<f64>(); // size, dns, connect
    let mut short = session_timings_t { size: older, tls: -1.0, first_byte: -1.0, total: -1.0, reused: true, ..Default::default() };
    assert_eq!(unsafe { session_response_timings(first, &mut short) }, SESSION_OK);
    assert_eq!((short.size, short.tls, short.first_byte, short.total, short.reused), (older, -1.0, -1.0, -1.0, true), "{short:?}");
    for size in [0, std::mem::size_of::<usize>()] {
        let mut unsized_out = session_timings_t { size, ..Default::default() };
        assert_eq!(unsafe { session_response_timings(first, &mut unsized_out) }, SESSION_E_INVALID_ARGUMENT, "size {size}");
    }
    unsafe { session_response_free(first) };
}

// ---- protocol -----------------------------------------------------------------------------

#[test]
fn http_version_is_validated_and_applied() {
    let s = S::new();
    assert_eq!(
        unsafe { session_set_http_version(s.0, 4) },
        SESSION_E_INVALID_ARGUMENT
    );
    assert_eq!(
        unsafe { session_set_http_version(s.0, -1) },
        SESSION_E_INVALID_ARGUMENT
    );
    assert_eq!(
        unsafe {
            session_set_http_version(s.0, session_http_version::SESSION_HTTP_VERSION_1_1 as c_int)
        },
        SESSION_OK
    );
    let r = s.get(&support::httpbin().url("/get"));
    assert_eq!(r.version, "HTTP/1.1");
    let req = Req::new("GET", &support::httpbin().url("/get"));
    assert_eq!(
        unsafe { session_request_set_http_version(req.0, 9) },
        SESSION_E_INVALID_ARGUMENT
    );
}

#[test]
fn user_agent_override() {
    let s = S::new();
    assert_eq!(
        unsafe { session_set_user_agent(s.0, c("agent/7").as_ptr()) },
        SESSION_OK
    );
    assert!(s
        .get(&support::httpbin().url("/user-agent"))
        .text()
        .contains("agent/7"));
    assert_eq!(
        unsafe { session_set_user_agent(s.0, c("bad\r\nX: y").as_ptr()) },
        SESSION_E_INVALID_ARGUMENT
    );
    let req = Req::new("GET", &support::httpbin().url("/user-agent"));
    unsafe { session_request_set_header(req.0, c("User-Agent").as_ptr(), c("mine/1").as_ptr()) };
    assert!(s.send(&req).text().contains("mine/1"));
}

#[test]
fn http2_over_tls_by_alpn_and_h2c_by_prior_knowledge() {
    let h2 = support::h2_server();
    let s = S::new();
    unsafe {
        session_set_ca_bundle(
            s.0,
            c(h2.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr(),
        )
    };
    let r = s.get(&h2.tls_url("/v"));
    assert_eq!(
        (r.error, r.version.as_str()),
        (SESSION_OK, "HTTP/2"),
        "{}",
        r.message
    );
    assert!(r.text().contains("\"http_version\": \"2\""), "{}", r.text());
    let r = s.get(&h2.url("/v"));
    assert_eq!(r.version, "HTTP/1.1", "cleartext stays 1.1 by default");

    unsafe {
        session_set_http_version(
            s.0,
            session_http_version::SESSION_HTTP_VERSION_2_PRIOR_KNOWLEDGE as c_int,
        )
    };
    let r = s.get(&h2.url("/v"));
    assert_eq!(
        (r.error, r.version.as_str()),
        (SESSION_OK, "HTTP/2"),
        "{}",
        r.message
    );
    assert!(r.text().contains("\"http_version\": \"2\""), "{}", r.text());

    // A request's own version wins over the session's.
    let req = Req::new("GET", &h2.tls_url("/v"));
    unsafe {
        session_request_set_http_version(
            req.0,
            session_http_version::SESSION_HTTP_VERSION_1_1 as c_int,
        )
    };
    let r = s.send(&req);
    assert_eq!(r.version, "HTTP/1.1");
    assert!(
        r.text().contains("\"http_version\": \"1.1\""),
        "{}",
        r.text()
    );
}

#[test]
fn http2_streams_decodes_nothing_extra_and_trace_is_redacted() {
    let h2 = support::h2_server();
    let s = S::new();
    let mut t = Trace::default();
    unsafe {
        session_set_ca_bundle(
            s.0,
            c(h2.ca_pem.as_ref().unwrap().to_str().unwrap()).as_ptr(),
        );
        session_set_bearer_token(s.0, c("h2-secret-token").as_ptr());
        session_set_debug_callback(s.0, Some(trace), &mut t as *mut Trace as *mut c_void);
    }
    let mut rec = Received::default();
    let req = Req::new("GET", &h2.tls_url("/bytes/500000"));
    stream_to(&req, &mut rec);
    let r = s.send(&req);
    assert_eq!(
        (r.error, r.version.as_str(), r.bytes.len()),
        (SESSION_OK, "HTTP/2", 0),
        "{}",
        r.message
    );
    assert!(rec.data.len() == 500_000 && pattern_ok(&rec.data));
    let all = format!("{}{}{}", t.out, t.inbound, t.text);
    assert!(
        all.to_ascii_lowercase()
            .contains("authorization: [redacted]"),
        "{all}"
    );
    assert!(!all.contains("h2-secret-token"), "{all}");
}

#[derive(Default)]
struct Count(usize);

unsafe extern "C" fn count_hook(_: *const session_response_t, userdata: *mut c_void) {
    (*(userdata as *mut Count)).0 += 1;
}

#[test]
fn request_hook_replaces_the_sessions() {
    let rig = support::rig();
    let s = S::new();
    let (mut session_calls, mut request_calls) = (Count::default(), Count::default());
    unsafe {
        session_set_response_hook(
            s.0,
            Some(count_hook),
            &mut session_calls as *mut Count as *mut c_void,
        )
    };
    let req = Req::new("GET", &rig.url("/status/200"));
    unsafe {
        session_request_set_response_hook(
            req.0,
            Some(count_hook),
            &mut request_calls as *mut Count as *mut c_void,
        )
    };
    assert_eq!(s.send(&req).status, 200);
    assert_eq!((session_calls.0, request_calls.0), (0, 1));
    assert_eq!(s.get(&rig.url("/status/200")).status, 200);
    assert_eq!((session_calls.0, request_calls.0), (1, 1));
}
