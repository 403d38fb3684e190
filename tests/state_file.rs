//! session_save / session_load over the C ABI: a restart in another process, the format's
//! fields, the bad-file cases (each leaves the session exactly as it was), file modes and
//! saves from several threads during traffic (docs/state.md).

mod support;

use session::capi::cookies::*;
use session::capi::error::session_last_error;
use session::capi::session::*;
use session::capi::state::*;
use session::error::session_code::{self, *};
use std::ffi::{c_int, CStr};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::ptr;
use support::capi::{c, text, Session as S};

fn ok(code: session_code) {
    assert_eq!(code, SESSION_OK, "{}", text(session_last_error()));
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("libsession-state-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn save(s: &S, path: &Path) -> session_code {
    unsafe { session_save(s.0, c(path.to_str().unwrap()).as_ptr()) }
}

fn load(s: &S, path: &Path) -> session_code {
    unsafe { session_load(s.0, c(path.to_str().unwrap()).as_ptr()) }
}

/// The jar as (name, value, domain, path, expires, secure, host_only), in list order.
fn cookies(s: &S) -> Vec<(String, String, String, String, i64, bool, bool)> {
    unsafe {
        let list = session_cookies_list(s.0);
        let out = (0..session_cookie_list_len(list))
            .map(|i| {
                let k = &*session_cookie_list_at(list, i);
                let t = |p| CStr::from_ptr(p).to_string_lossy().into_owned();
                (t(k.name), t(k.value), t(k.domain), t(k.path), k.expires, k.secure, k.host_only)
            })
            .collect();
        session_cookie_list_free(list);
        out
    }
}

fn known(s: &S, hosts: &[&str]) -> Vec<bool> {
    hosts.iter().map(|h| unsafe { session_hsts_lookup(s.0, c(h).as_ptr()) }).collect()
}

/// A session with a session cookie, a persistent Secure one and two HSTS entries.
fn filled() -> S {
    let s = S::new();
    ok(unsafe { session_cookie_set(s.0, c("first").as_ptr(), c("1").as_ptr(), c("example.org").as_ptr(), ptr::null()) });
    ok(unsafe { session_cookie_set(s.0, c("second").as_ptr(), c("2").as_ptr(), c(".example.org").as_ptr(), c("/p").as_ptr()) });
    ok(unsafe { session_hsts_add(s.0, c("hsts.test").as_ptr(), 600, true) });
    ok(unsafe { session_hsts_add(s.0, c("plain.example").as_ptr(), 600, false) });
    s
}

const HOSTS: [&str; 4] = ["hsts.test", "a.hsts.test", "plain.example", "a.plain.example"];

#[test]
fn save_writes_the_documented_format_with_mode_0600() {
    let d = dir("format");
    let path = d.join("state.json");
    let s = filled();
    ok(save(&s, &path));
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    for field in ["\"libsession_state\": 1", "\"saved_at\":", "\"cookies\":", "\"hsts\":", "\"host\": \"hsts.test\"",
        "\"include_subdomains\": true", "\"expires\": null", "\"created\":"] {
        assert!(text.contains(field), "{field} missing in {text}");
    }
    let t = Path::new(&d).read_dir().unwrap().count();
    assert_eq!(t, 1, "a temp file was left behind");
    // Round trip into a fresh session.
    let back = S::new();
    ok(load(&back, &path));
    assert_eq!(cookies(&back), cookies(&s));
    assert_eq!(known(&back, &HOSTS), vec![true, true, true, false]);
    assert_eq!(save(&s, Path::new("/nonexistent-dir/x.json")), SESSION_E_IO);
    assert_eq!(unsafe { session_save(s.0, ptr::null()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_save(s.0, c("").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    assert_eq!(unsafe { session_load(ptr::null_mut(), c("x").as_ptr()) }, SESSION_E_INVALID_ARGUMENT);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn bad_files_give_their_code_and_change_nothing() {
    let d = dir("bad");
    let good = d.join("good.json");
    ok(save(&filled(), &good));
    let body = std::fs::read_to_string(&good).unwrap();
    let write = |name: &str, body: &[u8], mode: u32| {
        let p = d.join(name);
        std::fs::write(&p, body).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    };
    let big = d.join("big.json");
    std::fs::File::create(&big).unwrap().set_len((64 << 20) + 1).unwrap();
    std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o600)).unwrap();
    let cases: Vec<(PathBuf, session_code, &str)> = vec![
        (d.join("missing.json"), SESSION_E_IO, "cannot open"),
        (write("truncated.json", &body.as_bytes()[..body.len() / 2], 0o600), SESSION_E_DECODE, "state file refused"),
        (write("corrupt.json", b"\x00\xff{{not json", 0o600), SESSION_E_DECODE, "not a libsession state file"),
        (write("v2.json", body.replace("\"libsession_state\": 1", "\"libsession_state\": 2").as_bytes(), 0o600), SESSION_E_DECODE, "version 2"),
        (write("ip.json", body.replace("\"hsts.test\"", "\"127.0.0.1\"").as_bytes(), 0o600), SESSION_E_DECODE, "IP literal"),
        (write("group.json", body.as_bytes(), 0o620), SESSION_E_IO, "writable by group or others"),
        (write("other.json", body.as_bytes(), 0o602), SESSION_E_IO, "writable by group or others"),
        (big, SESSION_E_TOO_LARGE, "over 67108864 bytes"),
        (d.clone(), SESSION_E_IO, "not a regular file"),
    ];
    let s = S::new();
    ok(unsafe { session_cookie_set(s.0, c("mine").as_ptr(), c("0").as_ptr(), c("example.org").as_ptr(), ptr::null()) });
    ok(unsafe { session_hsts_add(s.0, c("mine.test").as_ptr(), 600, false) });
    let (jar, hsts) = (cookies(&s), known(&s, &["mine.test", "hsts.test", "plain.example"]));
    for (path, code, says) in cases {
        assert_eq!(load(&s, &path), code, "{}", path.display());
        let message = text(session_last_error());
        assert!(message.contains(says), "{}: {message}", path.display());
        assert_eq!(cookies(&s), jar, "{} changed the jar", path.display());
        assert_eq!(known(&s, &["mine.test", "hsts.test", "plain.example"]), hsts, "{} changed HSTS", path.display());
    }
    // The good file merges in.
    ok(load(&s, &good));
    assert_eq!(cookies(&s).len(), 3);
    assert_eq!(known(&s, &["mine.test", "hsts.test", "plain.example"]), vec![true, true, true]);
    std::fs::remove_dir_all(d).unwrap();
}

#[test]
fn saves_from_several_threads_during_traffic_never_tear_the_file() {
    let rig = support::rig();
    let d = dir("threads");
    let path = d.join("state.json");
    let s = filled();
    std::thread::scope(|scope| {
        for i in 0..3 {
            let (s, path, url) = (&s, &path, rig.url(&format!("/set-raw?h=t{i}%3D1%3B%20Max-Age%3D600")));
            scope.spawn(move || {
                for _ in 0..15 {
                    assert_eq!(s.get(&url).status, 200);
                    ok(save(s, path));
                }
            });
        }
        scope.spawn(|| {
            for _ in 0..40 {
                if path.exists() {
                    let fresh = S::new();
                    ok(load(&fresh, &path));
                }
            }
        });
    });
    let fresh = S::new();
    ok(load(&fresh, &path));
    assert_eq!(cookies(&fresh).len(), 5, "{:?}", cookies(&fresh));
    assert_eq!(d.read_dir().unwrap().count(), 1, "temp files left behind");
    std::fs::remove_dir_all(d).unwrap();
}

/// The second half of `state_survives_a_restart`, run in a child process (the test binary
/// again) with STATE_CHILD set; does nothing otherwise.
#[test]
fn state_child() {
    let Ok(spec) = std::env::var("STATE_CHILD") else { return };
    let mut parts = spec.split('|');
    let (path, ca, port) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let s = S::new();
    ok(unsafe { session_set_ca_bundle(s.0, c(ca).as_ptr()) });
    ok(unsafe { session_set_resolve(s.0, c("hsts.test").as_ptr(), port.parse::<c_int>().unwrap(), c("127.0.0.1").as_ptr()) });
    ok(load(&s, Path::new(path)));
    // http:// with the TLS port: only the loaded HSTS entry makes this reach the TLS
    // listener, and only over https does the Secure cookie go.
    let r = s.get(&format!("http://hsts.test:{port}/echo"));
    assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
    assert_eq!(r.url, format!("https://hsts.test:{port}/echo"));
    assert!(r.body.contains("sid=restored"), "{}", r.body);
    println!("CHILD-OK");
}

#[test]
fn state_survives_a_restart() {
    let rig = support::rig_tls();
    let port = rig.tls_port.unwrap();
    let ca = rig.ca_pem.as_ref().unwrap().to_str().unwrap().to_owned();
    let d = dir("restart");
    let path = d.join("state.json");
    {
        let s = S::new();
        ok(unsafe { session_set_ca_bundle(s.0, c(&ca).as_ptr()) });
        ok(unsafe { session_set_resolve(s.0, c("hsts.test").as_ptr(), c_int::from(port), c("127.0.0.1").as_ptr()) });
        let r = s.get(&format!("https://hsts.test:{port}/sts?v=max-age=600"));
        assert_eq!(r.status, 200, "{r:?}");
        let r = s.get(&format!("https://hsts.test:{port}/set-raw?h=sid%3Drestored%3B%20Secure%3B%20Max-Age%3D600"));
        assert_eq!(r.status, 200, "{r:?}");
        ok(save(&s, &path));
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "state_child", "--nocapture", "--test-threads=1"])
        .env("STATE_CHILD", format!("{}|{ca}|{port}", path.display()))
        .output()
        .unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && all.contains("CHILD-OK"), "{all}");
    std::fs::remove_dir_all(d).unwrap();
}
