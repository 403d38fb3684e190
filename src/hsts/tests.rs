use super::parse::Directive;
use super::*;

fn u(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn header_syntax_follows_rfc_6797() {
    let d = |v: &str| parse_header(v.as_bytes());
    assert_eq!(d("max-age=31536000"), Some(Directive { max_age: 31536000, include_subdomains: false }));
    assert_eq!(d("max-age=\"60\"; includeSubDomains"), Some(Directive { max_age: 60, include_subdomains: true }));
    assert_eq!(d(" MAX-AGE = 5 ;INCLUDESUBDOMAINS; preload;"), Some(Directive { max_age: 5, include_subdomains: true }));
    assert_eq!(d("max-age=0"), Some(Directive { max_age: 0, include_subdomains: false }));
    assert_eq!(d("max-age=99999999999999999999999").unwrap().max_age, u64::MAX);
    for bad in ["", "includeSubDomains", "max-age=", "max-age=-1", "max-age=1x", "max-age=1; max-age=2",
        "max-age=1; includeSubDomains; includesubdomains", "max-age=1; includeSubDomains=yes",
        "max-age=\"1", "max age=1", "max-age=1.5", "max-age=\"1\\\"\""] {
        assert_eq!(d(bad), None, "{bad:?} must be invalid");
    }
}

#[test]
fn hosts_are_names_not_ips_or_suffixes() {
    assert_eq!(normalize_host("Example.ORG.").unwrap(), "example.org");
    for bad in ["127.0.0.1", "[::1]", "::1", "com", "co.uk", "github.io", "", "a b", "h:80", "h/x"] {
        assert!(normalize_host(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn lookup_upgrade_and_subdomains() {
    let mut t = Hsts::default();
    let later = now_secs() + 1000;
    t.insert("a.test", later, false);
    t.insert("b.test", later, true);
    assert!(t.lookup("a.test") && !t.lookup("x.a.test"));
    assert!(t.lookup("b.test") && t.lookup("x.y.b.test"));
    assert!(!t.lookup("test") && !t.lookup("c.test"));
    for (from, to) in [
        ("http://a.test/p?q#f", "https://a.test/p?q#f"),
        ("http://a.test:80/", "https://a.test/"),
        ("http://a.test:8080/", "https://a.test:8080/"),
        ("http://a.test:443/", "https://a.test/"),
        ("http://deep.b.test/", "https://deep.b.test/"),
    ] {
        let mut url = u(from);
        assert!(t.upgrade(&mut url), "{from}");
        assert_eq!(url.as_str(), to);
    }
    for same in ["http://x.a.test/", "https://a.test:8443/", "http://127.0.0.1/", "http://c.test/"] {
        let mut url = u(same);
        assert!(!t.upgrade(&mut url), "{same}");
        assert_eq!(url.as_str(), same);
    }
}

#[test]
fn observe_max_age_zero_and_ip_literals() {
    let mut t = Hsts::default();
    t.observe(&u("https://h.test/"), b"max-age=100");
    assert!(t.lookup("h.test"));
    t.observe(&u("https://h.test/"), b"max-age=100; max-age=0");
    assert!(t.lookup("h.test"), "an invalid header changes nothing");
    t.observe(&u("https://h.test/"), b"max-age=0");
    assert!(!t.lookup("h.test"));
    t.observe(&u("https://127.0.0.1/"), b"max-age=100");
    t.observe(&u("https://[::1]/"), b"max-age=100");
    t.observe(&u("https://co.uk/"), b"max-age=100");
    assert!(t.is_empty());
}

#[test]
fn expired_entries_vanish_and_cap_evicts_least_recently_used() {
    let mut t = Hsts::default();
    t.insert("old.test", now_secs() - 1, false);
    assert!(t.is_empty());
    t.insert("gone.test", now_secs() + 1000, false);
    t.entries.get_mut("gone.test").unwrap().expires = now_secs() - 1;
    assert!(!t.lookup("gone.test") && t.is_empty());
    t.set_max(3);
    let later = now_secs() + 1000;
    for h in ["1.test", "2.test", "3.test"] {
        t.insert(h, later, false);
    }
    assert!(t.lookup("1.test"));
    t.insert("4.test", later, false);
    let hosts: Vec<String> = t.snapshot().into_iter().map(|r| r.host).collect();
    assert_eq!(hosts, ["3.test", "1.test", "4.test"]);
}
