//! The cookie policy end to end: the rig server sends Set-Cookie lines to real host names
//! (mapped to 127.0.0.1 by session_set_resolve), and each test checks the Cookie header the
//! server receives next, or the jar's listing.

mod support;
#[path = "cookies_common/mod.rs"]
mod common;

use common::{http, https, Jar};
use session::capi::cookies::*;
use session::error::session_code::*;

#[test]
fn public_suffix_domains_are_refused() {
    let jar = Jar::new();
    jar.serve(
        &http("www.example.co.uk"),
        &[b"a=1; Domain=co.uk", b"b=1; Domain=co.UK", b"c=1; Domain=co.uk.", b"d=1; Domain=.co.uk", b"e=1; Domain=uk", b"ok=1; Domain=example.co.uk"],
    );
    jar.serve(&http("example.com"), &[b"f=1; Domain=com", b"g=1; Domain=COM"]);
    assert_eq!(jar.sent(&http("other.co.uk")), None);
    assert_eq!(jar.sent(&http("other.com")), None);
    assert_eq!(jar.sent(&http("example.co.uk")).as_deref(), Some("ok=1"));
    assert_eq!(jar.names(), ["ok"]);
}

#[test]
fn domain_cookies_reach_subdomains_host_only_cookies_do_not() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"d=1; Domain=example.org", b"h=1", b"x=1; Domain=other.com"]);
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("d=1; h=1"));
    assert_eq!(jar.sent(&http("sub.example.org")).as_deref(), Some("d=1"));
    assert_eq!(jar.sent(&http("other.com")), None);
}

#[test]
fn ip_hosts_get_host_only_cookies() {
    let jar = Jar::new();
    jar.serve(&http("127.0.0.1"), &[b"a=1; Domain=127.0.0.1", b"b=1; Domain=0.0.1", b"c=1; Domain=0.1", b"d=1; Domain=1", b"e=1"]);
    let list = jar.list();
    assert_eq!(jar.names(), ["a", "e"]);
    assert!(list.iter().all(|c| c.host_only && c.domain == "127.0.0.1"), "{list:?}");
    assert_eq!(jar.sent(&http("127.0.0.1")).as_deref(), Some("a=1; e=1"));
}

#[test]
fn localhost_works() {
    let jar = Jar::new();
    jar.serve(&http("localhost"), &[b"a=1", b"b=2; Domain=localhost", b"s=3; Secure"]);
    assert_eq!(jar.sent(&http("localhost")).as_deref(), Some("a=1; b=2; s=3"));
    assert_eq!(jar.sent(&http("127.0.0.1")), None);
}

#[test]
fn control_characters_and_bad_utf8_refuse_the_cookie() {
    let jar = Jar::new();
    jar.serve(
        &http("example.org"),
        &[b"ok=1", b"a=x\x01y", b"b=x\x7fy", b"c\x1f=1", b"d=\x08", b"e=1; Path=/\x02", b"u=\xff\xfe", b"tab=a\tb"],
    );
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("ok=1; tab=a\tb"));
    assert_eq!(jar.names(), ["ok", "tab"]);
}

#[test]
fn secure_cookies_need_a_secure_origin() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"s=plain; Secure"]);
    assert!(jar.list().is_empty(), "{:?}", jar.list());
    jar.serve(&https("example.org"), &[b"s=tls; Secure"]);
    assert_eq!(jar.sent(&https("example.org")).as_deref(), Some("s=tls"));
    assert_eq!(jar.sent(&http("example.org")), None);
    assert!(jar.list()[0].secure);
}

#[test]
fn insecure_origins_cannot_overwrite_or_shadow_secure_cookies() {
    let jar = Jar::new();
    jar.serve(&https("example.org"), &[b"s=secret; Secure; Domain=example.org"]);
    jar.serve(&http("example.org"), &[b"s=evil", b"s=evil; Path=/echo", b"t=fine"]);
    jar.serve(&http("sub.example.org"), &[b"s=evil; Domain=example.org", b"s=evil2"]);
    assert_eq!(jar.sent(&https("example.org")).as_deref(), Some("s=secret; t=fine"));
    assert_eq!(jar.sent(&https("sub.example.org")).as_deref(), Some("s=secret"));
    // A secure origin may overwrite it.
    jar.serve(&https("example.org"), &[b"s=new; Secure; Domain=example.org"]);
    assert_eq!(jar.sent(&https("sub.example.org")).as_deref(), Some("s=new"));
}

#[test]
fn secure_and_host_prefixes() {
    let jar = Jar::new();
    jar.serve(
        &https("example.org"),
        &[
            b"__Secure-a=1",
            b"__Secure-b=1; Secure",
            b"__Host-c=1; Secure; Path=/",
            b"__Host-d=1; Secure; Path=/; Domain=example.org",
            b"__Host-e=1; Secure; Path=/echo",
            b"__Host-f=1; Path=/",
            b"__host-g=1; Secure; Path=/; Domain=example.org",
            b"__SECURE-h=1",
        ],
    );
    assert_eq!(jar.sent(&https("example.org")).as_deref(), Some("__Secure-b=1; __Host-c=1"));
    assert_eq!(jar.sent(&https("sub.example.org")), None);
}

#[test]
fn name_and_value_over_4096_bytes_are_refused() {
    let jar = Jar::new();
    let fits = format!("a={}", "x".repeat(4096 - 1));
    let over = format!("b={}", "x".repeat(4096));
    jar.serve(&http("example.org"), &[fits.as_bytes(), over.as_bytes()]);
    assert_eq!(jar.names(), ["a"]);
    assert_eq!(jar.sent(&http("example.org")).map(|h| h.len()), Some(fits.len()));
}

#[test]
fn at_most_50_set_cookie_per_response() {
    let jar = Jar::new();
    let lines: Vec<String> = (0..51).map(|i| format!("c{i}=1")).collect();
    let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
    jar.serve(&http("example.org"), &lines);
    let names = jar.names();
    assert_eq!(names.len(), 50);
    assert!(!names.contains(&"c50".to_string()) && names.contains(&"c49".to_string()));
    jar.serve(&http("example.org"), &[b"c50=1"]);
    assert_eq!(jar.names().len(), 51);
}

#[test]
fn default_per_domain_cap_is_180_with_lru_eviction() {
    let jar = Jar::new();
    for batch in 0..4 {
        let lines: Vec<String> = (0..45).map(|i| format!("c{}=1", batch * 45 + i)).collect();
        let lines: Vec<&[u8]> = lines.iter().map(|l| l.as_bytes()).collect();
        jar.serve(&http("example.org"), &lines);
    }
    assert_eq!(jar.names().len(), 180);
    jar.serve(&http("sub.example.org"), &[b"last=1; Domain=example.org"]);
    let names = jar.names();
    assert_eq!(names.len(), 180);
    assert!(!names.contains(&"c0".to_string()) && names.contains(&"last".to_string()));
}

#[test]
fn per_domain_cap_evicts_least_recently_used() {
    let jar = Jar::new();
    assert_eq!(unsafe { session_set_cookie_limits(jar.0, 3, 0) }, SESSION_OK);
    jar.serve(&http("example.com"), &[b"x=1"]);
    for line in [&b"c1=1; Path=/echo/a"[..], b"c2=1; Path=/echo/b", b"c3=1; Path=/echo/c"] {
        jar.serve(&http("example.org"), &[line]);
    }
    assert_eq!(jar.received(&http("example.org"), "/echo/a").as_deref(), Some("c1=1"));
    // sub.example.org counts under example.org: c2, used longest ago, goes.
    jar.serve(&http("sub.example.org"), &[b"c4=1; Domain=example.org"]);
    assert_eq!(jar.names(), ["x", "c1", "c3", "c4"]);
    assert_eq!(jar.received(&http("example.org"), "/echo/b/1").as_deref(), Some("c4=1"));
}

#[test]
fn total_cap_evicts_least_recently_used() {
    let jar = Jar::new();
    assert_eq!(unsafe { session_set_cookie_limits(jar.0, 0, 3) }, SESSION_OK);
    jar.serve(&http("example.org"), &[b"a=1"]);
    jar.serve(&http("example.com"), &[b"b=1"]);
    jar.serve(&http("example.co.uk"), &[b"c=1"]);
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("a=1"));
    jar.serve(&http("other.co.uk"), &[b"d=1"]);
    assert_eq!(jar.names(), ["a", "c", "d"]);
}

#[test]
fn lowering_the_limits_evicts_at_once_and_zero_keeps_them() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"a=1", b"b=1", b"c=1", b"d=1"]);
    assert_eq!(unsafe { session_set_cookie_limits(jar.0, 0, 0) }, SESSION_OK);
    assert_eq!(jar.names().len(), 4);
    assert_eq!(unsafe { session_set_cookie_limits(jar.0, 2, 0) }, SESSION_OK);
    assert_eq!(jar.names(), ["c", "d"]);
    assert_eq!(unsafe { session_set_cookie_limits(std::ptr::null_mut(), 2, 0) }, SESSION_E_INVALID_ARGUMENT);
}

#[test]
fn cookie_header_is_longest_path_first_then_oldest() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"b=1; Path=/", b"a=1; Path=/", b"z=1; Path=/echo", b"y=1; Path=/echo/deep", b"m=1; Path=/"]);
    // Replacing a cookie keeps its creation time.
    jar.serve(&http("example.org"), &[b"b=2; Path=/"]);
    assert_eq!(jar.received(&http("example.org"), "/echo/deep/x").as_deref(), Some("y=1; z=1; b=2; a=1; m=1"));
}

#[test]
fn cookie_header_is_capped() {
    let jar = Jar::new();
    let big = "v".repeat(3000);
    for name in ["a", "b", "c"] {
        assert_eq!(jar.set(name, &big, "example.org", None), SESSION_OK);
    }
    let header = jar.sent(&http("example.org")).unwrap();
    assert!(header.len() <= 8000, "{}", header.len());
    assert!(header.starts_with("a=") && header.contains("; b=") && !header.contains("c="));
    assert_eq!(jar.names().len(), 3, "the cookie left out stays in the jar");
}

#[test]
fn max_age_beats_expires() {
    let jar = Jar::new();
    jar.serve(
        &http("example.org"),
        &[b"m=1; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:01 GMT", b"n=1; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT"],
    );
    let list = jar.list();
    assert_eq!(jar.names(), ["m"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((list[0].expires - (now + 3600)).abs() < 60, "{list:?}");
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("m=1"));
}

#[test]
fn max_age_zero_and_past_expires_delete() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"a=1", b"b=1", b"c=1; Max-Age=600", b"keep=1"]);
    jar.serve(&http("example.org"), &[b"a=; Max-Age=0", b"b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", b"c=; Max-Age=-5"]);
    assert_eq!(jar.sent(&http("example.org")).as_deref(), Some("keep=1"));
    assert_eq!(jar.names(), ["keep"]);
}

#[test]
fn rfc_date_formats_are_parsed() {
    let at = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() + time::Duration::days(30);
    let (day, month) = (at.weekday().to_string(), at.month().to_string());
    let (hms, year) = (format!("{:02}:{:02}:{:02}", at.hour(), at.minute(), at.second()), at.year());
    let rfc1123 = format!("rfc1123=1; Expires={}, {:02} {} {year} {hms} GMT", &day[..3], at.day(), &month[..3]);
    let rfc850 = format!("rfc850=1; Expires={day}, {:02}-{}-{:02} {hms} GMT", at.day(), &month[..3], year % 100);
    let asctime = format!("asctime=1; Expires={} {} {:>2} {hms} {year}", &day[..3], &month[..3], at.day());
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[rfc1123.as_bytes(), rfc850.as_bytes(), asctime.as_bytes()]);
    let list = jar.list();
    assert_eq!(list.len(), 3);
    for cookie in &list {
        assert_eq!(cookie.expires, at.unix_timestamp(), "{cookie:?}");
    }
}

#[test]
fn lifetimes_are_capped_at_400_days() {
    let jar = Jar::new();
    jar.serve(&http("example.org"), &[b"a=1; Max-Age=999999999", b"b=1; Expires=Fri, 01 Jan 2100 00:00:00 GMT"]);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let list = jar.list();
    assert_eq!(list.len(), 2);
    for cookie in &list {
        assert!((cookie.expires - (now + 400 * 86400)).abs() < 60, "{cookie:?}");
    }
}

#[test]
fn policy_applies_on_every_redirect_hop() {
    let jar = Jar::new();
    let inner = format!("/set-raw?h={}&status=302&to=/echo", common::encode(b"b=1; Domain=co.uk"));
    let outer = format!("/set-raw?h={}&status=302&to={}", common::encode(b"a=1; Domain=example.co.uk"), common::encode(inner.as_bytes()));
    let (status, body) = jar.get(&format!("{}{outer}", http("www.example.co.uk")));
    assert_eq!(status, 200);
    assert!(body.contains("\"a=1\""), "{body}");
    assert_eq!(jar.names(), ["a"]);
}

#[test]
fn threads_share_the_jar_safely() {
    let jar = Jar::new();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let jar = &jar;
            scope.spawn(move || {
                for i in 0..5 {
                    let line = format!("t{t}_{i}=1");
                    jar.serve(&http("example.org"), &[line.as_bytes()]);
                    assert!(jar.sent(&http("example.org")).unwrap().contains(&line));
                    assert!(!jar.list().is_empty());
                }
            });
        }
    });
    assert_eq!(jar.names().len(), 20);
}
