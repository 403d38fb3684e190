//! The HTTP cache (docs/cache.md) through the C API, against the rig server, which counts
//! the requests it gets per key (/cache-hits): a hit is proven by the count not moving.

mod support;

use session::capi::cache::*;
use session::capi::concurrency::session_send_all;
use session::capi::cookies::{session_cookie_header, session_cookies_clear, session_string_free};
use session::capi::request::*;
use session::capi::response::*;
use session::capi::session::*;
use session::error::session_code::{self, *};
use std::path::PathBuf;
use std::ptr;
use support::capi::{c, text};

/// What a test looks at in a response.
#[derive(Debug, Clone)]
struct Got {
    error: session_code,
    status: i64,
    body: String,
    cache: session_cache_status,
    /// The cache status of each hop in the history.
    history: Vec<session_cache_status>,
    headers: Vec<(String, String)>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn grab(r: *mut session_response_t) -> Got {
    assert!(!r.is_null());
    unsafe {
        let v = &*r;
        let body = String::from_utf8_lossy(std::slice::from_raw_parts(v.body as *const u8, v.body_len)).into_owned();
        let history = (0..v.redirect_count).map(|i| session_response_cache_status(session_response_history_at(r, i))).collect();
        let headers = (0..session_response_header_count(r))
            .map(|i| {
                let (mut n, mut val) = (ptr::null(), ptr::null());
                session_response_header_at(r, i, &mut n, &mut val);
                (text(n), text(val))
            })
            .collect();
        let got = Got { error: v.error, status: v.status_code, body, cache: session_response_cache_status(r), history, headers };
        session_response_free(r);
        got
    }
}

struct S(*mut session_t);
unsafe impl Send for S {}
unsafe impl Sync for S {}
impl Drop for S {
    fn drop(&mut self) {
        unsafe { session_free(self.0) }
    }
}

impl S {
    fn memory() -> S {
        S::with(None, 64 << 20)
    }
    fn with(dir: Option<&std::path::Path>, max: u64) -> S {
        let s = unsafe { session_new() };
        let dir = dir.map(|d| c(d.to_str().unwrap()));
        assert_eq!(unsafe { session_set_cache(s, dir.as_ref().map_or(ptr::null(), |d| d.as_ptr()), max) }, SESSION_OK);
        S(s)
    }
    fn get(&self, url: &str) -> Got {
        self.send("GET", url, &[], SESSION_CACHE_DEFAULT)
    }
    fn send(&self, method: &str, url: &str, headers: &[(&str, &str)], mode: session_cache_mode) -> Got {
        unsafe {
            let req = session_request_new(c(method).as_ptr(), c(url).as_ptr());
            for (n, v) in headers {
                assert_eq!(session_request_set_header(req, c(n).as_ptr(), c(v).as_ptr()), SESSION_OK);
            }
            assert_eq!(session_request_set_cache_mode(req, mode), SESSION_OK);
            let got = grab(session_send(self.0, req));
            session_request_free(req);
            got
        }
    }
}

/// (requests, conditional requests) the rig saw for `key`.
fn hits(rig: &support::Server, key: &str) -> (u64, u64) {
    let json = support::get_json(&rig.url(&format!("/cache-hits?key={key}")));
    let num = |name: &str| {
        let at = json.find(&format!("\"{name}\": ")).unwrap_or_else(|| panic!("{name} in {json}")) + name.len() + 4;
        json[at..].chars().take_while(char::is_ascii_digit).collect::<String>().parse::<u64>().unwrap()
    };
    (num("hits"), num("conditional"))
}

fn tmpdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("libsession-cache-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const LONG_AGO: &str = "Mon,%2001%20Jan%202001%2000:00:00%20GMT";

#[test]
fn off_by_default_and_max_bytes_zero_turns_it_off() {
    let rig = support::rig();
    let url = rig.url("/cache?key=off&cc=max-age=3600");
    let s = S(unsafe { session_new() });
    assert_eq!(s.get(&url).cache, SESSION_CACHE_NONE);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_NONE);
    assert_eq!(hits(&rig, "off").0, 2);
    let s = S::memory();
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_HIT);
    assert_eq!(unsafe { session_set_cache(s.0, ptr::null(), 0) }, SESSION_OK);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_NONE);
    assert_eq!(hits(&rig, "off").0, 4);
}

#[test]
fn fresh_response_is_a_hit_with_no_request() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=fresh&cc=max-age=3600");
    let first = s.get(&url);
    assert_eq!((first.status, first.cache, first.body.as_str()), (200, SESSION_CACHE_MISS, "fresh 1\n"));
    for _ in 0..3 {
        let hit = s.get(&url);
        assert_eq!((hit.status, hit.cache, hit.body.as_str()), (200, SESSION_CACHE_HIT, "fresh 1\n"));
        assert!(hit.header("Age").is_some(), "a hit carries Age");
    }
    assert_eq!(hits(&rig, "fresh"), (1, 0));
    // Another URL (the query differs) is another entry; the fragment is not part of the key.
    s.get(&rig.url("/cache?key=fresh&cc=max-age=3600&x=1"));
    assert_eq!(s.get(&format!("{url}#part")).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "fresh").0, 2);
}

#[test]
fn stale_responses_go_to_the_network() {
    let rig = support::rig();
    let s = S::memory();
    for (key, query) in [("s0", "cc=max-age=0"), ("sexp", "expires=-60"), ("sage", "cc=max-age=100&age=200"), ("sbad", "h=Expires:never")] {
        let url = rig.url(&format!("/cache?key={key}&{query}"));
        assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
        let again = s.get(&url);
        assert_eq!((again.cache, again.body.trim()), (SESSION_CACHE_MISS, format!("{key} 2").as_str()), "{query}");
    }
    // Expires in the future, no max-age: fresh.
    let url = rig.url("/cache?key=sexp2&expires=3600");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_HIT);
    // max-age wins over Expires.
    let url = rig.url("/cache?key=sboth&expires=3600&cc=max-age=0");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
}

#[test]
fn heuristic_freshness_only_for_statuses_cacheable_by_default() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url(&format!("/cache?key=heur&lm={LONG_AGO}"));
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "heur").0, 1);
    // 201 is not cacheable by default: no heuristic, not stored.
    let url = rig.url(&format!("/cache?key=heur201&status=201&lm={LONG_AGO}"));
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
    assert_eq!(hits(&rig, "heur201").0, 2);
    // Nothing to go by: stored (404 is cacheable by default) but stale at once.
    let url = rig.url("/cache?key=heur404&status=404");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
}

#[test]
fn etag_validation_turns_a_304_into_the_stored_response() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=etag&cc=max-age=0&etag=%22v1%22&h=X-Kept:yes&cc304=max-age=3600&h304=X-Added:yes");
    assert_eq!(s.get(&url).body, "etag 1\n");
    let again = s.get(&url);
    assert_eq!((again.status, again.cache, again.body.as_str()), (200, SESSION_CACHE_REVALIDATED, "etag 1\n"));
    assert_eq!(again.header("X-Added"), Some("yes"), "the 304's fields are added");
    assert_eq!(again.header("X-Kept"), Some("yes"), "the stored ones stay");
    assert_eq!(again.header("Content-Length"), Some("7"), "Content-Length is not updated");
    assert_eq!(hits(&rig, "etag"), (2, 1));
    // The 304's Cache-Control replaced the stored one: fresh now.
    let hit = s.get(&url);
    assert_eq!((hit.cache, hit.header("Cache-Control")), (SESSION_CACHE_HIT, Some("max-age=3600")));
    assert_eq!(hits(&rig, "etag"), (2, 1));
}

#[test]
fn last_modified_validation() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url(&format!("/cache?key=lm&cc=no-cache&lm={LONG_AGO}"));
    s.get(&url);
    let again = s.get(&url);
    assert_eq!((again.cache, again.body.as_str()), (SESSION_CACHE_REVALIDATED, "lm 1\n"));
    assert_eq!(hits(&rig, "lm"), (2, 1));
    assert!(support::get_json(&rig.url("/cache-hits?key=lm")).contains("if-modified-since"));
}

#[test]
fn vary_keeps_one_variant_per_request_value() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=vary&cc=max-age=3600&vary=X-Lang");
    let get = |lang: &str| s.send("GET", &url, &[("X-Lang", lang)], SESSION_CACHE_DEFAULT);
    assert_eq!(get("en").body, "vary 1 en\n");
    assert_eq!(get("fr").body, "vary 2 fr\n");
    let (en, fr) = (get("en"), get("fr"));
    assert_eq!((en.cache, en.body.as_str()), (SESSION_CACHE_HIT, "vary 1 en\n"));
    assert_eq!((fr.cache, fr.body.as_str()), (SESSION_CACHE_HIT, "vary 2 fr\n"));
    // Absent is a value of its own.
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "vary").0, 3);
    // Vary: * never matches.
    let url = rig.url("/cache?key=star&cc=max-age=3600&vary=*");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
}

#[test]
fn no_store_and_no_cache_in_responses_and_requests() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=ns&cc=no-store,max-age=3600");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
    assert_eq!(hits(&rig, "ns").0, 2);
    // Request no-store: its response is not stored (RFC 9111 5.2.1.5 does not forbid
    // answering it from what is stored).
    let url = rig.url("/cache?key=rns&cc=max-age=3600");
    s.send("GET", &url, &[("Cache-Control", "no-store")], SESSION_CACHE_DEFAULT);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_MISS);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "no-store")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "rns").0, 2);
    // Request no-cache (and Pragma: no-cache): validate a fresh entry.
    let url = rig.url("/cache?key=rnc&cc=max-age=3600&etag=%22a%22");
    s.get(&url);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "no-cache")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(s.send("GET", &url, &[("Pragma", "no-cache")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(hits(&rig, "rnc"), (3, 2));
    // Request max-age=0 and min-fresh: the fresh entry is not fresh enough.
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "max-age=0")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "min-fresh=7200")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "min-fresh=60")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_HIT);
    // Response no-cache: validated every time, even when fresh.
    let url = rig.url("/cache?key=nc&cc=no-cache,max-age=3600&etag=%22b%22");
    s.get(&url);
    assert_eq!(s.get(&url).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(hits(&rig, "nc"), (2, 1));
}

#[test]
fn private_must_understand_hop_by_hop_and_the_body_limit() {
    let rig = support::rig();
    let s = S::memory();
    for (key, cc) in [("priv", "private,max-age=3600"), ("mu", "must-understand,no-store,max-age=3600"), ("dup", "max-age=3600,max-age=0")] {
        let url = rig.url(&format!("/cache?key={key}&cc={cc}"));
        s.get(&url);
        assert_eq!(s.get(&url).cache, SESSION_CACHE_HIT, "{cc}");
    }
    // Fields the Connection header names, and a qualified no-cache's fields, are not stored.
    let url = rig.url("/cache?key=hop&cc=max-age=3600,no-cache=%22X-Secret%22&h=Connection:X-Hop&h=X-Hop:1&h=X-Secret:s&h=X-Kept:k");
    let first = s.get(&url);
    assert_eq!((first.header("X-Hop"), first.header("X-Secret")), (Some("1"), Some("s")));
    let hit = s.get(&url);
    assert_eq!(hit.cache, SESSION_CACHE_HIT);
    assert_eq!((hit.header("X-Hop"), hit.header("X-Secret"), hit.header("X-Kept")), (None, None, Some("k")));
    // The session's body limit applies to a hit as to the network.
    let url = rig.url("/cache?key=limit&cc=max-age=3600&pad=500");
    s.get(&url);
    assert_eq!(unsafe { session_set_max_body_size(s.0, 100) }, SESSION_OK);
    assert_eq!(s.get(&url).error, SESSION_E_TOO_LARGE);
}

#[test]
fn max_stale_and_must_revalidate() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=ms&cc=max-age=0&etag=%22m%22");
    s.get(&url);
    let stale = s.send("GET", &url, &[("Cache-Control", "max-stale")], SESSION_CACHE_DEFAULT);
    assert_eq!((stale.cache, stale.body.as_str()), (SESSION_CACHE_STALE, "ms 1\n"));
    assert_eq!(hits(&rig, "ms").0, 1);
    let url = rig.url("/cache?key=mr&cc=max-age=0,must-revalidate&etag=%22m%22");
    s.get(&url);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "max-stale")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(hits(&rig, "mr"), (2, 1));
}

#[test]
fn unsafe_methods_invalidate_their_uri_location_and_content_location() {
    let rig = support::rig();
    let s = S::memory();
    let target = rig.url("/cache?key=inv&cc=max-age=3600");
    let other = rig.url("/cache?key=inv2&cc=max-age=3600");
    let third = rig.url("/cache?key=inv3&cc=max-age=3600");
    for url in [&target, &other, &third] {
        s.get(url);
        assert_eq!(s.get(url).cache, SESSION_CACHE_HIT);
    }
    assert_eq!(s.send("POST", &target, &[], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_NONE);
    assert_eq!(s.get(&target).cache, SESSION_CACHE_MISS);
    // Location and Content-Location on the same origin.
    let post = rig.url("/cache?key=poster&loc=%2Fcache%3Fkey%3Dinv2%26cc%3Dmax-age%3D3600&cloc=%2Fcache%3Fkey%3Dinv3%26cc%3Dmax-age%3D3600");
    s.send("DELETE", &post, &[], SESSION_CACHE_DEFAULT);
    assert_eq!(s.get(&other).cache, SESSION_CACHE_MISS);
    assert_eq!(s.get(&third).cache, SESSION_CACHE_MISS);
    // A failed unsafe request invalidates nothing.
    s.send("PUT", &rig.url("/cache?key=inv&cc=max-age=3600&status=500"), &[], SESSION_CACHE_DEFAULT);
    assert_eq!(s.get(&target).cache, SESSION_CACHE_HIT);
    // POST responses are never stored.
    s.send("POST", &rig.url("/cache?key=p&cc=max-age=3600"), &[], SESSION_CACHE_DEFAULT);
    assert_eq!(s.get(&rig.url("/cache?key=p&cc=max-age=3600")).cache, SESSION_CACHE_MISS);
}

#[test]
fn authorization_is_cached_only_when_the_response_allows_it() {
    let rig = support::rig();
    let s = S::memory();
    let auth = [("Authorization", "Bearer t")];
    let url = rig.url("/cache?key=auth&cc=max-age=3600");
    s.send("GET", &url, &auth, SESSION_CACHE_DEFAULT);
    assert_eq!(s.send("GET", &url, &auth, SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_MISS);
    assert_eq!(hits(&rig, "auth").0, 2);
    for (key, cc) in [("authpub", "public,max-age=3600"), ("authmr", "must-revalidate,max-age=3600"), ("authsm", "s-maxage=60,max-age=3600")] {
        let url = rig.url(&format!("/cache?key={key}&cc={cc}"));
        s.send("GET", &url, &auth, SESSION_CACHE_DEFAULT);
        assert_eq!(s.send("GET", &url, &auth, SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_HIT, "{cc}");
    }
    // An entry stored without credentials does not answer a request with them unless allowed.
    let url = rig.url("/cache?key=authlater&cc=max-age=3600");
    s.get(&url);
    assert_eq!(s.send("GET", &url, &auth, SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_MISS);
}

#[test]
fn set_cookie_is_not_replayed_into_the_jar_on_a_hit() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=cookie&cc=max-age=3600&cookie=flavour=oat");
    let jar = || unsafe {
        let h = session_cookie_header(s.0, c(&url).as_ptr());
        let out = if h.is_null() { String::new() } else { text(h) };
        session_string_free(h);
        out
    };
    s.get(&url);
    assert_eq!(jar(), "flavour=oat");
    assert_eq!(unsafe { session_cookies_clear(s.0) }, SESSION_OK);
    let hit = s.get(&url);
    assert_eq!(hit.cache, SESSION_CACHE_HIT);
    assert_eq!(hit.header("Set-Cookie"), None);
    assert_eq!(jar(), "");
}

#[test]
fn redirects_are_cached_and_followed_from_the_cache() {
    let rig = support::rig();
    let s = S::memory();
    let to = "%2Fcache%3Fkey%3Drdest%26cc%3Dmax-age%3D3600";
    for (key, status, extra, cached) in [("r301", 301, "", true), ("r308", 308, "", true), ("r302", 302, "", false), ("r307", 307, "&cc=max-age=3600", true), ("r302f", 302, "&cc=max-age=3600", true)] {
        let url = rig.url(&format!("/cache?key={key}&status={status}&loc={to}{extra}"));
        let first = s.get(&url);
        assert_eq!((first.status, first.history.len()), (200, 1), "{key}");
        let again = s.get(&url);
        assert_eq!(again.body, "rdest 1\n", "{key}");
        let want = if cached { SESSION_CACHE_HIT } else { SESSION_CACHE_MISS };
        assert_eq!((again.history[0], again.cache), (want, SESSION_CACHE_HIT), "{key}: each hop has its status");
        assert_eq!(hits(&rig, key).0, if cached { 1 } else { 2 }, "{key}");
    }
    assert_eq!(hits(&rig, "rdest").0, 1);
}

#[test]
fn cache_modes() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=modes&cc=max-age=3600&etag=%22e%22");
    assert_eq!(s.send("GET", &url, &[], SESSION_CACHE_NO_STORE).cache, SESSION_CACHE_NONE);
    assert_eq!(s.send("GET", &url, &[], SESSION_CACHE_ONLY_IF_CACHED).error, SESSION_E_NOT_CACHED, "NO_STORE stored nothing");
    s.get(&url);
    assert_eq!(s.send("GET", &url, &[], SESSION_CACHE_NO_STORE).cache, SESSION_CACHE_NONE);
    assert_eq!(s.send("GET", &url, &[], SESSION_CACHE_NO_CACHE).cache, SESSION_CACHE_REVALIDATED);
    assert_eq!(s.send("GET", &url, &[], SESSION_CACHE_ONLY_IF_CACHED).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "modes"), (4, 1));
    // Stale: FORCE_CACHE and ONLY_IF_CACHED serve it anyway.
    let stale = rig.url("/cache?key=forced&cc=max-age=0");
    s.get(&stale);
    let forced = s.send("GET", &stale, &[], SESSION_CACHE_FORCE_CACHE);
    assert_eq!((forced.cache, forced.body.as_str()), (SESSION_CACHE_STALE, "forced 1\n"));
    assert_eq!(s.send("GET", &stale, &[], SESSION_CACHE_ONLY_IF_CACHED).cache, SESSION_CACHE_STALE);
    assert_eq!(hits(&rig, "forced").0, 1);
    // FORCE_CACHE on a miss goes to the network and stores.
    let miss = rig.url("/cache?key=forcemiss&cc=max-age=3600");
    assert_eq!(s.send("GET", &miss, &[], SESSION_CACHE_FORCE_CACHE).cache, SESSION_CACHE_MISS);
    assert_eq!(s.get(&miss).cache, SESSION_CACHE_HIT);
    // ONLY_IF_CACHED on a miss never touches the network.
    let none = s.send("GET", &rig.url("/cache?key=never"), &[], SESSION_CACHE_ONLY_IF_CACHED);
    assert_eq!((none.error, none.cache), (SESSION_E_NOT_CACHED, SESSION_CACHE_NONE));
    assert_eq!(hits(&rig, "never").0, 0);
    // The request's own only-if-cached: a 504 (RFC 9111 5.2.1.7).
    assert_eq!(s.send("GET", &rig.url("/cache?key=never"), &[("Cache-Control", "only-if-cached")], SESSION_CACHE_DEFAULT).status, 504);
    assert_eq!(hits(&rig, "never").0, 0);
    // Bad values.
    unsafe {
        let req = session_request_new(c("GET").as_ptr(), c(&url).as_ptr());
        assert_eq!(session_request_set_cache_mode(req, 5), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_request_set_cache_mode(req, -1), SESSION_E_INVALID_ARGUMENT);
        session_request_free(req);
        assert_eq!(session_request_set_cache_mode(ptr::null_mut(), 0), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_cache(ptr::null_mut(), ptr::null(), 1), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_set_cache(s.0, c("").as_ptr(), 1), SESSION_E_INVALID_ARGUMENT);
        assert_eq!(session_response_cache_status(ptr::null()), SESSION_CACHE_NONE);
    }
}

#[test]
fn head_is_answered_from_a_stored_get() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=head&cc=max-age=3600");
    s.get(&url);
    let head = s.send("HEAD", &url, &[], SESSION_CACHE_DEFAULT);
    assert_eq!((head.cache, head.body.as_str(), head.status), (SESSION_CACHE_HIT, "", 200));
    assert_eq!(hits(&rig, "head").0, 1);
    // A stored HEAD response does not answer a GET.
    let url = rig.url("/cache?key=head2&cc=max-age=3600");
    s.send("HEAD", &url, &[], SESSION_CACHE_DEFAULT);
    assert_eq!(s.send("HEAD", &url, &[], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_HIT);
    let get = s.get(&url);
    assert_eq!((get.cache, get.body.as_str()), (SESSION_CACHE_MISS, "head2 2\n"));
}

#[test]
fn stale_if_error_serves_the_stored_response_on_failure() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=sie&cc=max-age=0,stale-if-error=3600");
    s.get(&url);
    support::get_json(&rig.url("/cache-fail?key=sie&status=503"));
    let stale = s.get(&url);
    assert_eq!((stale.status, stale.cache, stale.body.as_str()), (200, SESSION_CACHE_STALE, "sie 1\n"));
    // Without the directive the error comes through; with it in the request, stale is fine.
    let url = rig.url("/cache?key=nosie&cc=max-age=0");
    s.get(&url);
    support::get_json(&rig.url("/cache-fail?key=nosie&status=500"));
    assert_eq!(s.get(&url).status, 500);
    assert_eq!(s.send("GET", &url, &[("Cache-Control", "stale-if-error=60")], SESSION_CACHE_DEFAULT).cache, SESSION_CACHE_STALE);
    // must-revalidate forbids it.
    let url = rig.url("/cache?key=siemr&cc=max-age=0,must-revalidate,stale-if-error=3600");
    s.get(&url);
    support::get_json(&rig.url("/cache-fail?key=siemr&status=503"));
    assert_eq!(s.get(&url).status, 503);
    // A transport error (nothing listens) counts as an error too.
    let dead = {
        let other = support::rig();
        other.url("/cache?key=dead&cc=max-age=0,stale-if-error=3600")
    };
    let _ = s.get(&dead); // refused: nothing stored
}

#[test]
fn stale_while_revalidate_answers_stale_and_revalidates_behind() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=swr&cc=max-age=0,stale-while-revalidate=3600&etag=%22w%22&h304=X-Round:2");
    s.get(&url);
    let stale = s.get(&url);
    assert_eq!((stale.cache, stale.body.as_str()), (SESSION_CACHE_STALE, "swr 1\n"));
    // The revalidation behind reaches the server (polled: no timing is asserted).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while hits(&rig, "swr").0 < 2 {
        assert!(std::time::Instant::now() < deadline, "no revalidation behind");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(hits(&rig, "swr").1, 1, "it was conditional");
    // Once it is stored, the entry carries the 304's fields.
    while s.send("GET", &url, &[], SESSION_CACHE_ONLY_IF_CACHED).header("X-Round").is_none() {
        assert!(std::time::Instant::now() < deadline, "the revalidation was not stored");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn eight_threads_share_one_cache() {
    let rig = support::rig();
    let s = S::memory();
    let url = rig.url("/cache?key=threads&cc=max-age=3600&pad=2000");
    std::thread::scope(|scope| {
        for _ in 0..8 {
            scope.spawn(|| {
                for _ in 0..50 {
                    let got = s.get(&url);
                    assert_eq!(got.status, 200);
                    let (count, dots) = got.body.trim_end().split_once('.').unwrap();
                    assert!(count.starts_with("threads "), "{count}");
                    assert_eq!(dots.len(), 1999, "never a torn body");
                }
            });
        }
    });
    assert!(hits(&rig, "threads").0 <= 8);
}

#[test]
fn batches_use_the_cache() {
    let rig = support::rig();
    let s = S::memory();
    let urls: Vec<String> = (0..4).map(|i| rig.url(&format!("/cache?key=batch{i}&cc=max-age=3600&etag=%22b%22"))).collect();
    let run = |mode: session_cache_mode| unsafe {
        let reqs: Vec<*mut session_request_t> = urls.iter().map(|u| session_request_new(c("GET").as_ptr(), c(u).as_ptr())).collect();
        for r in &reqs {
            session_request_set_cache_mode(*r, mode);
        }
        let mut out = vec![ptr::null_mut(); reqs.len()];
        assert_eq!(session_send_all(s.0, reqs.as_ptr(), reqs.len(), out.as_mut_ptr()), SESSION_OK);
        reqs.into_iter().for_each(|r| session_request_free(r));
        out.into_iter().map(grab).collect::<Vec<_>>()
    };
    assert!(run(SESSION_CACHE_DEFAULT).iter().all(|g| g.cache == SESSION_CACHE_MISS));
    let second = run(SESSION_CACHE_DEFAULT);
    assert!(second.iter().all(|g| g.cache == SESSION_CACHE_HIT), "{second:?}");
    let third = run(SESSION_CACHE_NO_CACHE);
    assert!(third.iter().all(|g| g.cache == SESSION_CACHE_REVALIDATED), "{third:?}");
    for (i, g) in third.iter().enumerate() {
        assert_eq!(g.body, format!("batch{i} 1\n"));
        assert_eq!(hits(&rig, &format!("batch{i}")), (2, 1));
    }
}

#[test]
fn memory_eviction_at_the_size_bound() {
    let rig = support::rig();
    let s = S::with(None, 8_000);
    let url = |i: u32| rig.url(&format!("/cache?key=ev{i}&cc=max-age=3600&pad=1500"));
    for i in 0..10 {
        s.get(&url(i));
    }
    // The last ones are still there, the first went.
    assert_eq!(s.get(&url(9)).cache, SESSION_CACHE_HIT);
    assert_eq!(s.get(&url(0)).cache, SESSION_CACHE_MISS);
    // A response larger than the bound is never stored.
    let big = rig.url("/cache?key=evbig&cc=max-age=3600&pad=20000");
    s.get(&big);
    assert_eq!(s.get(&big).cache, SESSION_CACHE_MISS);
}

#[test]
fn disk_cache_is_shared_bounded_and_survives_corruption() {
    let rig = support::rig();
    let dir = tmpdir("disk");
    let url = rig.url("/cache?key=disk&cc=max-age=3600&etag=%22d%22");
    {
        let a = S::with(Some(&dir), 1 << 20);
        assert_eq!(a.get(&url).cache, SESSION_CACHE_MISS);
    }
    // Another session on the same directory.
    let b = S::with(Some(&dir), 1 << 20);
    let hit = b.get(&url);
    assert_eq!((hit.cache, hit.body.as_str()), (SESSION_CACHE_HIT, "disk 1\n"));
    assert_eq!(hits(&rig, "disk").0, 1);
    // Corrupt entries (truncated, one byte flipped, garbage) are misses, then stored anew.
    let entry = || {
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "lsc")).unwrap()
    };
    for (round, damage) in ["truncate", "flip", "garbage"].into_iter().enumerate() {
        let path = entry();
        let mut data = std::fs::read(&path).unwrap();
        match damage {
            "truncate" => data.truncate(data.len() / 2),
            "flip" => {
                let at = data.len() - 30;
                data[at] ^= 0x20;
            }
            _ => data = b"not a cache entry at all".to_vec(),
        }
        std::fs::write(&path, data).unwrap();
        let got = b.get(&url);
        assert_eq!((got.cache, got.body.clone()), (SESSION_CACHE_MISS, format!("disk {}\n", round + 2)), "{damage}");
        assert_eq!(b.get(&url).cache, SESSION_CACHE_HIT, "{damage}: stored anew");
    }
    assert!(!std::fs::read_dir(&dir).unwrap().any(|e| e.unwrap().file_name().to_string_lossy().starts_with(".tmp")), "no temporary file left");
    // The bound: the directory never holds much more than max_bytes.
    let small = tmpdir("disk-small");
    let c = S::with(Some(&small), 10_000);
    for i in 0..12 {
        c.get(&rig.url(&format!("/cache?key=dev{i}&cc=max-age=3600&pad=2000")));
    }
    let total: u64 = std::fs::read_dir(&small).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).sum();
    assert!(total <= 10_000, "{total} bytes on disk");
    assert_eq!(c.get(&rig.url("/cache?key=dev11&cc=max-age=3600&pad=2000")).cache, SESSION_CACHE_HIT);
    assert_eq!(c.get(&rig.url("/cache?key=dev0&cc=max-age=3600&pad=2000")).cache, SESSION_CACHE_MISS);
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&small);
}

/// The child of `two_processes_share_one_directory`: reads the URL and directory from the
/// environment and reports the cache status it got.
#[test]
fn child_process_reader() {
    let (Ok(dir), Ok(url)) = (std::env::var("CACHE_CHILD_DIR"), std::env::var("CACHE_CHILD_URL")) else { return };
    let s = S::with(Some(std::path::Path::new(&dir)), 1 << 20);
    let got = s.get(&url);
    println!("CHILD-STATUS {} {}", got.cache, got.body.trim());
}

#[test]
fn two_processes_share_one_directory() {
    let rig = support::rig();
    let dir = tmpdir("procs");
    let url = rig.url("/cache?key=procs&cc=max-age=3600");
    let child = || {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "child_process_reader", "--nocapture", "--test-threads=1"])
            .env("CACHE_CHILD_DIR", &dir)
            .env("CACHE_CHILD_URL", &url)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        stdout.lines().find_map(|l| l.split_once("CHILD-STATUS ").map(|(_, s)| s.to_owned())).unwrap_or_else(|| panic!("child said {stdout}"))
    };
    assert_eq!(child(), format!("{SESSION_CACHE_MISS} procs 1"));
    assert_eq!(child(), format!("{SESSION_CACHE_HIT} procs 1"));
    // This process sees the other's entry too.
    assert_eq!(S::with(Some(&dir), 1 << 20).get(&url).cache, SESSION_CACHE_HIT);
    assert_eq!(hits(&rig, "procs").0, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

unsafe extern "C" fn collect_body(data: *const std::ffi::c_char, len: usize, userdata: *mut std::ffi::c_void) -> usize {
    (*(userdata as *mut Vec<u8>)).extend_from_slice(std::slice::from_raw_parts(data as *const u8, len));
    len
}

/// A content-encoded body is stored as received (gzip) and decoded on the way out, by the
/// transport's decoder and within its limits: a hit gives the network's bytes and errors.
#[test]
fn encoded_bodies_are_stored_as_received_and_decoded_on_a_hit() {
    use session::capi::transfer::session_request_set_write_callback;
    let rig = support::rig();
    let dir = tmpdir("gzip");
    let url = rig.url("/cache?key=gz&cc=max-age=3600&gz=1&pad=20000");
    let expected = format!("gz 1{}\n", ".".repeat(20000));
    let s = S::with(Some(&dir), 1 << 20);
    let first = s.get(&url);
    assert_eq!((first.cache, first.header("Content-Encoding")), (SESSION_CACHE_MISS, Some("gzip")));
    assert_eq!(first.body, expected, "the network body is decoded");
    let hit = s.get(&url);
    assert_eq!((hit.cache, hit.error), (SESSION_CACHE_HIT, SESSION_OK));
    assert_eq!(hit.body, first.body, "a hit gives the decoded body, as the network did");
    assert_eq!(hit.headers.iter().filter(|(n, _)| n != "Age").collect::<Vec<_>>(), first.headers.iter().filter(|(n, _)| n != "Age").collect::<Vec<_>>());
    assert_eq!(hits(&rig, "gz").0, 1);
    // On disk the body is the gzip bytes, far smaller than the decoded one.
    let entry = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).find(|p| p.extension().is_some_and(|x| x == "lsc")).unwrap();
    let size = std::fs::metadata(&entry).unwrap().len();
    assert!(size < 2_000, "the entry is {size} bytes for a {} byte body", expected.len());
    // Streamed to a write callback, a hit is decoded too.
    let mut streamed = Vec::new();
    let got = unsafe {
        let req = session_request_new(c("GET").as_ptr(), c(&url).as_ptr());
        assert_eq!(session_request_set_write_callback(req, Some(collect_body), &mut streamed as *mut Vec<u8> as *mut std::ffi::c_void), SESSION_OK);
        let got = grab(session_send(s.0, req));
        session_request_free(req);
        got
    };
    assert_eq!((got.cache, got.error, got.body.as_str()), (SESSION_CACHE_HIT, SESSION_OK, ""));
    assert_eq!(String::from_utf8(streamed).unwrap(), expected);
    // A limit above the encoded size and below the decoded one: the network and a hit
    // fail alike.
    let live = S(unsafe { session_new() });
    for t in [&live, &s] {
        assert_eq!(unsafe { session_set_max_body_size(t.0, 5_000) }, SESSION_OK);
    }
    let network = live.get(&url);
    assert_eq!(network.error, SESSION_E_TOO_LARGE);
    let limited = s.get(&url);
    assert_eq!((limited.error, limited.cache), (network.error, network.cache));
    assert_eq!(hits(&rig, "gz").0, 2, "only the uncached session went to the network");
    // Within the limit again, the entry is still there, whole.
    assert_eq!(unsafe { session_set_max_body_size(s.0, 0) }, SESSION_OK);
    assert_eq!(s.get(&url).body, expected);
    let _ = std::fs::remove_dir_all(&dir);
}
