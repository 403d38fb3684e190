//! The jar API (set, add, get, preview, delete, clear, list) and jar files (JSON and
//! Netscape cookies.txt: round trips, atomic saves, malformed files, curl in both directions),
//! end to end through the rig server.

mod support;
#[path = "cookies_common/mod.rs"]
mod common;

use common::{c, http, https, rig, text, Jar};
use session::capi::cookies::*;
use session::capi::error::session_last_error;
use session::error::session_code::{self, *};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cookies_jar").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cookie(name: &str, value: &str, domain: &str, path: &str) -> (Vec<std::ffi::CString>, session_cookie_t) {
    let strings = vec![c(name), c(value), c(domain), c(path)];
    let raw = session_cookie_t {
        name: strings[0].as_ptr(),
        value: strings[1].as_ptr(),
        domain: strings[2].as_ptr(),
        path: strings[3].as_ptr(),
        expires: -1,
        secure: false,
        http_only: false,
        host_only: true,
    };
    (strings, raw)
}

fn add(jar: &Jar, name: &str, value: &str, domain: &str, edit: impl FnOnce(&mut session_cookie_t)) -> session_code {
    let (_keep, mut raw) = cookie(name, value, domain, "/");
    edit(&mut raw);
    unsafe { session_cookie_add(jar.0, &raw) }
}

fn save(jar: &Jar, path: &Path, format: session_cookie_format, with_session: bool) -> session_code {
    unsafe { session_cookies_save_ex(jar.0, c(path.to_str().unwrap()).as_ptr(), format, with_session) }
}

fn load(jar: &Jar, path: &Path, format: session_cookie_format) -> session_code {
    unsafe { session_cookies_load(jar.0, c(path.to_str().unwrap()).as_ptr(), format) }
}

fn last_error() -> String {
    text(session_last_error())
}

fn sorted(header: Option<String>) -> Vec<String> {
    let mut parts: Vec<String> = header.unwrap_or_default().split("; ").filter(|s| !s.is_empty()).map(String::from).collect();
    parts.sort();
    parts
}

#[test]
fn set_makes_host_only_or_domain_cookies() {
    let jar = Jar::new();
    assert_eq!(jar.set("h", "1", "example.org", None), SESSION_OK);
    assert_eq!(jar.set("d", "2", ".example.org", None), SESSION_OK);
    assert_eq!(jar.set("p", "3", "example.org", Some("/echo/p")), SESSION_OK);
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("h=1; d=2"));
    assert_eq!(jar.sent(&http("sub.example.org")).as_deref(), Some("d=2"));
    assert_eq!(jar.received(&http("example.org"), "/echo/p").as_deref(), Some("p=3; h=1; d=2"));
    assert_eq!(jar.sent(&http("example.com")), None);
    let list = jar.list();
    assert_eq!((list[0].host_only, list[1].host_only), (true, false));
    assert_eq!(list[1].domain, "example.org");
}

#[test]
fn get_and_header_preview_match_what_is_sent() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"a=1", b"b=2; Path=/echo"]);
    let url = c(&format!("{}/echo", http("example.org")));
    unsafe {
        let header = session_cookie_header(jar.0, url.as_ptr());
        assert_eq!(text(header), "b=2; a=1");
        session_string_free(header);
        let value = session_cookie_get(jar.0, url.as_ptr(), c("a").as_ptr());
        assert_eq!(text(value), "1");
        session_string_free(value);
        assert!(session_cookie_get(jar.0, url.as_ptr(), c("zz").as_ptr()).is_null());
        assert!(session_cookie_header(jar.0, c(&http("example.com")).as_ptr()).is_null());
    }
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("b=2; a=1"));
}

#[test]
fn delete_one_clear_by_domain_and_clear_all() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"a=1", b"a=2; Path=/echo", b"b=1"]);
    jar.serve(&http("sub.example.org"), &[b"s=1"]);
    jar.serve(&http("example.com"), &[b"o=1"]);
    let del = |d: &str, p: Option<&str>, n: &str| unsafe {
        let p = p.map(c);
        session_cookie_delete(jar.0, c(d).as_ptr(), p.as_ref().map_or(std::ptr::null(), |p| p.as_ptr()), c(n).as_ptr())
    };
    assert_eq!(del("example.org", Some("/echo"), "a"), SESSION_OK);
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("a=1; b=1"));
    assert_eq!(del(".example.org", None, "a"), SESSION_OK);
    assert_eq!(del("example.org", None, "missing"), SESSION_OK);
    assert_eq!(jar.names(), ["b", "s", "o"]);
    assert_eq!(unsafe { session_cookies_clear_domain(jar.0, c("example.org").as_ptr()) }, SESSION_OK);
    assert_eq!(jar.names(), ["o"]);
    assert_eq!(unsafe { session_cookies_clear(jar.0) }, SESSION_OK);
    assert!(jar.list().is_empty());
    assert_eq!(jar.sent(&http("example.com")), None);
    assert_eq!(unsafe { session_cookie_delete(jar.0, std::ptr::null(), std::ptr::null(), c("a").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_cookies_clear_domain(std::ptr::null_mut(), c("x").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn list_shows_every_attribute() {
    let jar = Jar::new();
    jar.serve(&https("example.org"), &[b"s=1; Secure; HttpOnly; Domain=example.org; Path=/echo; Max-Age=3600", b"plain=2"]);
    let list = jar.list();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(list.len(), 2);
    let s = &list[0];
    assert_eq!((s.name.as_str(), s.value.as_str(), s.domain.as_str(), s.path.as_str()), ("s", "1", "example.org", "/echo"));
    assert!(s.secure && s.http_only && !s.host_only && (s.expires - now - 3600).abs() < 60, "{s:?}");
    let p = &list[1];
    assert!(!p.secure && !p.http_only && p.host_only && p.expires == -1 && p.path == "/", "{p:?}");
    unsafe {
        let l = session_cookies_list(jar.0);
        assert!(session_cookie_list_at(l, 2).is_null());
        session_cookie_list_free(l);
        session_cookie_list_free(std::ptr::null_mut());
        assert_eq!(session_cookie_list_len(std::ptr::null()), 0);
        assert!(session_cookies_list(std::ptr::null_mut()).is_null());
    }
}

#[test]
fn api_cookies_obey_the_policy() {
    let jar = Jar::new();
    assert_eq!(add(&jar, "sec", "1", "example.org", |c| c.secure = true), SESSION_OK);
    assert_eq!(jar.sent(&https("example.org")).as_deref(), Some("sec=1"));
    assert_eq!(jar.sent(&http("example.org")), None);
    // an insecure origin cannot overwrite it
    assert_eq!(jar.set("sec", "evil", "example.org", None), SESSION_E_INVALID_ARGUMENT);
    assert!(last_error().contains("Secure"), "{}", last_error());
    for (name, value, domain, edit) in [
        ("a", "1", "co.uk", (|c: &mut session_cookie_t| c.host_only = false) as fn(&mut session_cookie_t)),
        ("b", "x\x01y", "example.org", |_| {}),
        ("c", "x\x7fy", "example.org", |_| {}),
        ("__Host-d", "1", "example.org", |c| c.host_only = false),
        ("__Secure-e", "1", "example.org", |_| {}),
        ("f", "1", "example.org", |c| c.expires = 1000),
    ] {
        assert_eq!(add(&jar, name, value, domain, edit), SESSION_E_INVALID_ARGUMENT, "{name}");
    }
    assert_eq!(jar.set("g", "1", ".co.uk", None), SESSION_E_INVALID_ARGUMENT);
    assert_eq!(jar.set("__Host-h", "1", "example.org", None), SESSION_E_INVALID_ARGUMENT);
    assert_eq!(add(&jar, "__Host-ok", "1", "example.org", |c| c.secure = true), SESSION_OK);
    assert_eq!(jar.names(), ["sec", "__Host-ok"]);
    assert_eq!(unsafe { session_cookie_add(jar.0, std::ptr::null()) }, SESSION_E_INVALID_ARGUMENT);
}

/// A jar with persistent, session, HttpOnly, Secure and domain cookies.
fn filled_jar() -> Jar {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"p=1; Max-Age=3600", b"s=2", b"h=3; HttpOnly; Max-Age=3600"]);
    jar.serve(&https("example.org"), &[b"sec=4; Secure; Domain=example.org; Path=/echo; Max-Age=3600"]);
    jar.serve(&http("sub.example.org"), &[b"d=5; Domain=example.org; Max-Age=7200"]);
    jar
}

fn round_trip(format: session_cookie_format, name: &str) {
    let dir = scratch(name);
    let file = dir.join("jar");
    let a = filled_jar();
    assert_eq!(save(&a, &file, format, true), SESSION_OK, "{}", last_error());
    let b = Jar::new();
    assert_eq!(load(&b, &file, format), SESSION_OK, "{}", last_error());
    assert_eq!(b.list(), a.list());
    for url in [http("example.org"), https("sub.example.org"), https("example.org")] {
        assert_eq!(b.sent(&url), a.sent(&url), "{url}");
    }
    assert_eq!(b.sent(&https("example.org")).as_deref(), Some("sec=4; p=1; s=2; h=3; d=5"));
}

#[test]
fn json_round_trip() {
    round_trip(SESSION_COOKIES_JSON, "json_round_trip");
}

#[test]
fn netscape_round_trip() {
    round_trip(SESSION_COOKIES_NETSCAPE, "netscape_round_trip");
    let file = scratch("netscape_lines").join("cookies.txt");
    assert_eq!(save(&filled_jar(), &file, SESSION_COOKIES_NETSCAPE, true), SESSION_OK);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"), "{text}");
    assert!(text.contains("\n#HttpOnly_example.org\tFALSE\t/\tFALSE\t"), "{text}");
    assert!(text.contains("\n.example.org\tTRUE\t/echo\tTRUE\t"), "{text}");
    assert!(text.contains("\nexample.org\tFALSE\t/\tFALSE\t0\ts\t2\n"), "{text}");
}

#[test]
fn session_cookies_are_saved_only_when_asked() {
    let dir = scratch("session_only_when_asked");
    for format in [SESSION_COOKIES_JSON, SESSION_COOKIES_NETSCAPE] {
        let file = dir.join(format!("jar{format}"));
        let a = filled_jar();
        assert_eq!(unsafe { session_cookies_save(a.0, c(file.to_str().unwrap()).as_ptr(), format) }, SESSION_OK);
        let b = Jar::new();
        assert_eq!(load(&b, &file, format), SESSION_OK);
        assert_eq!(b.names(), ["p", "h", "sec", "d"]);
        assert_eq!(save(&a, &file, format, true), SESSION_OK);
        let b = Jar::new();
        assert_eq!(load(&b, &file, format), SESSION_OK);
        assert_eq!(b.names(), ["p", "s", "h", "sec", "d"]);
    }
}

#[test]
fn saves_are_atomic_renames() {
    let dir = scratch("atomic");
    let file = dir.join("jar.json");
    std::fs::write(&file, "old contents").unwrap();
    let before = std::fs::metadata(&file).unwrap().ino();
    let jar = filled_jar();
    assert_eq!(save(&jar, &file, SESSION_COOKIES_JSON, false), SESSION_OK);
    let meta = std::fs::metadata(&file).unwrap();
    assert_ne!(meta.ino(), before, "the file was rewritten in place, not replaced");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["jar.json"], "temp files left behind");
    assert!(std::fs::read_to_string(&file).unwrap().contains("\"libsession_cookies\": 1"));
    // A failed save leaves the target alone and no temp file.
    let target_dir = dir.join("a_directory");
    std::fs::create_dir(&target_dir).unwrap();
    assert_eq!(save(&jar, &target_dir, SESSION_COOKIES_JSON, false), SESSION_E_IO);
    assert!(target_dir.is_dir());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 2);
    assert_eq!(save(&jar, &dir.join("missing/jar.json"), SESSION_COOKIES_NETSCAPE, false), SESSION_E_IO);
    assert!(last_error().contains("missing/jar.json"), "{}", last_error());
}

#[test]
fn malformed_files_leave_the_jar_untouched() {
    let dir = scratch("malformed");
    let jar = Jar::new();
    assert_eq!(jar.set("keep", "1", "example.org", None), SESSION_OK);
    let cases: [(&str, &[u8], session_cookie_format); 6] = [
        ("bad.json", b"{not json", SESSION_COOKIES_JSON),
        ("wrong.json", b"{\"libsession_cookies\": 1, \"cookies\": [{\"name\": \"x\"}]}", SESSION_COOKIES_JSON),
        ("version.json", b"{\"libsession_cookies\": 9, \"cookies\": []}", SESSION_COOKIES_JSON),
        ("fields.txt", b"example.org\tFALSE\t/\tFALSE\t0\tgood\t1\nexample.org\tFALSE\t/\n", SESSION_COOKIES_NETSCAPE),
        ("flag.txt", b"example.org\tFALSE\t/\tFALSE\t0\tgood\t1\nexample.org\tYES\t/\tFALSE\t0\tx\t1\n", SESSION_COOKIES_NETSCAPE),
        ("utf8.txt", b"example.org\tFALSE\t/\tFALSE\t0\tx\t\xff\n", SESSION_COOKIES_NETSCAPE),
    ];
    for (name, content, format) in cases {
        let file = dir.join(name);
        std::fs::write(&file, content).unwrap();
        assert_eq!(load(&jar, &file, format), SESSION_E_DECODE, "{name}");
        assert!(last_error().contains(name), "{}", last_error());
        assert_eq!(jar.names(), ["keep"], "{name}");
    }
    assert_eq!(load(&jar, &dir.join("absent"), SESSION_COOKIES_JSON), SESSION_E_IO);
    assert_eq!(load(&jar, &dir.join("bad.json"), 2), SESSION_E_INVALID_ARGUMENT);
    assert_eq!(save(&jar, &dir.join("x"), -1, false), SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_cookies_load(jar.0, std::ptr::null(), SESSION_COOKIES_JSON) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(jar.names(), ["keep"]);
}

#[test]
fn loaded_cookies_obey_the_policy() {
    let dir = scratch("loaded_policy");
    let file = dir.join("cookies.txt");
    let far = 4102444800i64; // 2100-01-01
    let lines = [
        format!(".co.uk\tTRUE\t/\tFALSE\t{far}\tsuper\t1"),
        format!("example.org\tFALSE\t/\tFALSE\t{far}\tctl\ta\x01b"),
        format!("example.org\tFALSE\t/\tFALSE\t{far}\t__Host-x\t1"),
        format!(".example.org\tTRUE\t/\tTRUE\t{far}\t__Host-y\t1"),
        "example.org\tFALSE\t/\tFALSE\t1000\texpired\t1".to_string(),
        format!("{}\tFALSE\t/\tFALSE\t{far}\tbig\t{}", "example.org", "x".repeat(5000)),
        format!("example.org\tFALSE\t/\tFALSE\t{far}\tgood\t1"),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let jar = Jar::new();
    assert_eq!(jar.set("kept", "1", "example.com", None), SESSION_OK);
    assert_eq!(load(&jar, &file, SESSION_COOKIES_NETSCAPE), SESSION_OK, "{}", last_error());
    assert_eq!(jar.names(), ["kept", "good"], "a load adds to the jar");
    assert_eq!(jar.sent(&http("other.co.uk")), None);
}

fn curl() -> Command {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-S", "--max-time", "20"]);
    for host in ["example.org", "sub.example.org"] {
        cmd.arg("--resolve").arg(format!("{host}:{}:127.0.0.1", rig().port));
    }
    cmd
}

fn run(mut cmd: Command) -> String {
    let out = cmd.output().expect("the curl command-line tool (scripts/install-deps.sh installs it)");
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn curl_writes_a_jar_libsession_sends_it() {
    let dir = scratch("from_curl");
    let file = dir.join("curl.txt");
    let lines: [&[u8]; 5] = [b"p=1; Max-Age=3600", b"s=2", b"h=3; HttpOnly; Max-Age=3600", b"d=4; Domain=example.org; Max-Age=3600", b"deep=5; Path=/echo/deep"];
    let query: Vec<String> = lines.iter().map(|l| format!("h={}", common::encode(l))).collect();
    let mut cmd = curl();
    cmd.arg("-o").arg("/dev/null").arg("-c").arg(&file).arg(format!("{}/set-raw?{}", http("example.org"), query.join("&")));
    run(cmd);
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("#HttpOnly_example.org"), "{written}");

    let jar = Jar::new();
    assert_eq!(load(&jar, &file, SESSION_COOKIES_NETSCAPE), SESSION_OK, "{}", last_error());
    assert_eq!(sorted(jar.sent(&http("example.org"))), ["d=4", "h=3", "p=1", "s=2"]);
    assert_eq!(jar.sent(&http("sub.example.org")).as_deref(), Some("d=4"));
    assert!(jar.received(&http("example.org"), "/echo/deep").unwrap().starts_with("deep=5; "));
    let h = jar.list().into_iter().find(|c| c.name == "h").unwrap();
    assert!(h.http_only && h.host_only && h.expires > 0, "{h:?}");
}

#[test]
fn libsession_writes_a_jar_curl_sends_it() {
    let dir = scratch("to_curl");
    let file = dir.join("ours.txt");
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"p=1; Max-Age=3600", b"s=2", b"h=3; HttpOnly; Max-Age=3600", b"d=4; Domain=example.org; Max-Age=3600"]);
    assert_eq!(save(&jar, &file, SESSION_COOKIES_NETSCAPE, true), SESSION_OK);
    let received = |host: &str| {
        let mut cmd = curl();
        cmd.arg("-b").arg(&file).arg(format!("{}/echo", http(host)));
        let body: serde_json::Value = serde_json::from_str(&run(cmd)).unwrap();
        let cookie = body["headers"].as_array().unwrap().iter().find(|h| h[0] == "Cookie").map(|h| h[1].as_str().unwrap().to_string());
        sorted(cookie)
    };
    assert_eq!(received("example.org"), ["d=4", "h=3", "p=1", "s=2"]);
    assert_eq!(received("sub.example.org"), ["d=4"]);
}
