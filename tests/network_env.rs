//! Proxies from the environment, only with trust_env; $HOME/.netrc only when enabled. These
//! tests change the process environment, so they live in their own binary and run one at a
//! time.

mod netsupport;
mod support;

use netsupport::*;
use session::capi::network::*;
use session::capi::session::*;
use session::error::session_code::*;
use std::sync::Mutex;

static ENV: Mutex<()> = Mutex::new(());

const PROXY_VARS: [&str; 9] =
    ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY", "REQUEST_METHOD"];

/// Runs `f` with exactly `vars` of the proxy variables set.
fn with_env(vars: &[(&str, &str)], f: impl FnOnce()) {
    let _lock = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for name in PROXY_VARS {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        std::env::set_var(name, value);
    }
    f();
    for (name, _) in vars {
        std::env::remove_var(name);
    }
}

fn trusting(trust: bool) -> S {
    let s = S::new();
    assert_eq!(unsafe { session_set_trust_env(s.0, trust) }, SESSION_OK);
    s
}

#[test]
fn environment_proxies_only_with_trust_env() {
    let rig = support::rig();
    let proxy = support::proxy(&[]);
    let p = format!("http://127.0.0.1:{}", proxy.port);
    // Lower case: libcurl itself would read http_proxy; it must not when trust_env is off.
    with_env(&[("http_proxy", &p)], || {
        let r = trusting(true).get(&format!("http://origin.test:{}/echo", rig.port));
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
        assert_eq!(proxy_seen(&proxy, "forward").len(), 1);
        let r = trusting(false).get(&rig.url("/echo"));
        assert_eq!(r.status, 200);
        assert_eq!(proxy_seen(&proxy, "forward").len(), 1, "trust_env off: direct");
        let r = trusting(false).get(&format!("http://origin.test:{}/echo", rig.port));
        assert_eq!(r.error, SESSION_E_RESOLVE, "not through the proxy: {r:?}");
    });
    with_env(&[("HTTP_PROXY", &p), ("NO_PROXY", "localhost,127.0.0.1")], || {
        assert_eq!(trusting(true).get(&rig.url("/echo")).status, 200);
        assert_eq!(proxy_seen(&proxy, "forward").len(), 1, "NO_PROXY exempts 127.0.0.1");
        assert_eq!(trusting(true).get(&format!("http://origin.test:{}/echo", rig.port)).status, 200);
        assert_eq!(proxy_seen(&proxy, "forward").len(), 2, "HTTP_PROXY used for others");
    });
    // Under CGI, HTTP_PROXY may come from a request's Proxy header (httpoxy): ignored.
    with_env(&[("HTTP_PROXY", &p), ("REQUEST_METHOD", "GET")], || {
        assert_eq!(trusting(true).get(&rig.url("/echo")).status, 200);
        assert_eq!(proxy_seen(&proxy, "forward").len(), 2);
    });
    // ALL_PROXY for any scheme; the session's own entry wins over the environment.
    let socks = format!("socks5h://127.0.0.1:{}", proxy.port);
    with_env(&[("ALL_PROXY", &socks)], || {
        assert_eq!(trusting(true).get(&format!("http://origin.test:{}/echo", rig.port)).status, 200);
        assert_eq!(proxy_seen(&proxy, "socks5").len(), 1);
        let s = trusting(true);
        assert_eq!(unsafe { session_set_proxy(s.0, c("http").as_ptr(), c("").as_ptr()) }, SESSION_OK);
        assert_eq!(s.get(&rig.url("/echo")).status, 200);
        assert_eq!(proxy_seen(&proxy, "socks5").len(), 1, "\"\" means direct");
    });
}

#[test]
fn https_proxy_from_the_environment_tunnels() {
    let rig = support::rig_tls();
    let proxy = support::proxy(&[]);
    let p = format!("127.0.0.1:{}", proxy.port); // no scheme: http:// assumed
    with_env(&[("HTTPS_PROXY", &p)], || {
        let s = trusting(true);
        let ca = rig.ca_pem.as_ref().unwrap().to_str().unwrap();
        assert_eq!(unsafe { session_set_ca_bundle(s.0, c(ca).as_ptr()) }, SESSION_OK);
        let r = s.get(&rig.tls_url("/echo"));
        assert_eq!((r.error, r.status), (SESSION_OK, 200), "{r:?}");
        assert_eq!(proxy_seen(&proxy, "connect").len(), 1);
        assert_eq!(s.get(&rig.url("/echo")).status, 200, "http is not covered by HTTPS_PROXY");
        assert_eq!(proxy_seen(&proxy, "forward").len(), 0);
    });
}

#[test]
fn home_netrc_is_read_only_when_enabled() {
    let hb = support::httpbin();
    let home = std::env::temp_dir().join(format!("libsession-home-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".netrc"), "machine 127.0.0.1 login huser password hpass\n").unwrap();
    let url = hb.url("/basic-auth/huser/hpass");
    let _lock = ENV.lock().unwrap_or_else(|e| e.into_inner());
    let old_home = std::env::var_os("HOME");
    std::env::set_var("HOME", &home);
    let s = S::new();
    assert_eq!(s.get(&url).status, 401, "a ~/.netrc is ignored by default");
    assert_eq!(unsafe { session_set_netrc(s.0, true, std::ptr::null()) }, SESSION_OK);
    assert_eq!(s.get(&url).status, 200, "enabled without a path: $HOME/.netrc");
    match old_home {
        Some(h) => std::env::set_var("HOME", h),
        None => std::env::remove_var("HOME"),
    }
    std::fs::remove_dir_all(home).unwrap();
}

/// The environment is read for every request (as requests does), on the same session and
/// thread: set, changed, rewritten in place (a putenv buffer), and removed between requests.
#[test]
fn environment_changes_apply_to_the_next_request() {
    let _lock = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for name in PROXY_VARS {
        std::env::remove_var(name);
    }
    let rig = support::rig();
    let (a, b) = (support::proxy(&[]), support::proxy(&[]));
    assert_eq!(a.port.to_string().len(), b.port.to_string().len(), "same-length URLs for the in-place rewrite");
    let origin = format!("http://origin.test:{}/echo", rig.port);
    let s = trusting(true);
    let through = |proxy: &support::Server| proxy_seen(proxy, "forward").len();

    assert_eq!(s.get(&rig.url("/echo")).status, 200, "no proxy variable: direct");
    std::env::set_var("http_proxy", format!("http://127.0.0.1:{}", a.port));
    assert_eq!(s.get(&origin).status, 200);
    assert_eq!((through(&a), through(&b)), (1, 0), "set: used at once");
    std::env::set_var("http_proxy", format!("http://127.0.0.1:{}", b.port));
    assert_eq!(s.get(&origin).status, 200);
    assert_eq!((through(&a), through(&b)), (1, 1), "changed: the new value");
    std::env::remove_var("http_proxy");
    assert_eq!(s.get(&origin).error, SESSION_E_RESOLVE, "removed: direct again");

    // putenv keeps the caller's buffer in the environment; rewriting it changes the value.
    let text = format!("http_proxy=http://127.0.0.1:{}\0", a.port).into_bytes().into_boxed_slice();
    let buffer: &'static mut [u8] = Box::leak(text);
    assert_eq!(unsafe { libc::putenv(buffer.as_mut_ptr().cast()) }, 0);
    assert_eq!(s.get(&origin).status, 200);
    assert_eq!((through(&a), through(&b)), (2, 1), "putenv: used");
    let rewritten = format!("http_proxy=http://127.0.0.1:{}\0", b.port);
    buffer.copy_from_slice(rewritten.as_bytes());
    assert_eq!(s.get(&origin).status, 200);
    assert_eq!((through(&a), through(&b)), (2, 2), "rewritten in place: the new value");
    std::env::remove_var("http_proxy");
}
