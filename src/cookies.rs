//! The session's cookie jar: cookie_store behind our own policy layer.

use crate::error::{Error, Result};
use crate::ffi::check_no_ctl;
use cookie_store::{CookieStore, RawCookie};
use url::Url;

#[derive(Default)]
pub struct Jar {
    store: CookieStore,
}

/// Cookie names are HTTP tokens; values may not carry separators or control characters.
fn check_pair(name: &str, value: &str) -> Result<()> {
    let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(Error::invalid(format!("cookie name {name:?} is not a valid token")));
    }
    check_no_ctl(value, "cookie value")?;
    if value.bytes().any(|b| b < 0x20 || b == 0x7f || b == b';' || b == b',' || b == b' ') {
        return Err(Error::invalid("cookie value contains a separator or control character"));
    }
    Ok(())
}

impl Jar {
    /// Stores the Set-Cookie header values received from `url`; bad cookies are ignored.
    pub fn store_response<'a>(&mut self, url: &Url, set_cookies: impl Iterator<Item = &'a [u8]>) {
        for raw in set_cookies {
            if let Ok(text) = std::str::from_utf8(raw) {
                let _ = self.store.parse(text, url);
            }
        }
    }

    /// The cookies to send to `url`, longest path first.
    pub fn matching(&self, url: &Url) -> Vec<(&str, &str)> {
        let mut cookies = self.store.matches(url);
        cookies.sort_by_key(|c| std::cmp::Reverse(c.path.as_ref().len()));
        cookies.into_iter().map(|c| c.name_value()).collect()
    }

    /// The Cookie header value for `url`, or None when no cookie matches.
    pub fn header_for(&self, url: &Url) -> Option<String> {
        let pairs = self.matching(url);
        if pairs.is_empty() {
            return None;
        }
        Some(pairs.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; "))
    }

    /// The value of cookie `name` that would be sent to `url`.
    pub fn get(&self, url: &Url, name: &str) -> Option<String> {
        self.matching(url).into_iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_owned())
    }

    /// Sets a cookie as if received from `domain`: "example.com" makes it host-only,
    /// ".example.com" a domain cookie; `path` None means "/".
    pub fn set(&mut self, name: &str, value: &str, domain: &str, path: Option<&str>) -> Result<()> {
        check_pair(name, value)?;
        check_no_ctl(domain, "cookie domain")?;
        let path = path.unwrap_or("/");
        check_no_ctl(path, "cookie path")?;
        if !path.starts_with('/') {
            return Err(Error::invalid("cookie path must start with '/'"));
        }
        let host = domain.strip_prefix('.').unwrap_or(domain);
        let origin = Url::parse(&format!("http://{host}{path}"))
            .ok()
            .filter(|u| u.host_str().is_some())
            .ok_or_else(|| Error::invalid(format!("cookie domain {domain:?} is not a host name")))?;
        let mut cookie = RawCookie::new(name.to_owned(), value.to_owned());
        cookie.set_path(path.to_owned());
        if domain.starts_with('.') {
            cookie.set_domain(host.to_owned());
        }
        self.store
            .insert_raw(&cookie, &origin)
            .map(|_| ())
            .map_err(|e| Error::invalid(format!("cookie refused: {e}")))
    }

    pub fn clear(&mut self) {
        self.store.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn host_only_and_domain_cookies() {
        let mut jar = Jar::default();
        jar.set("h", "1", "example.org", None).unwrap();
        jar.set("d", "2", ".example.org", None).unwrap();
        let mut sent: Vec<String> = jar.header_for(&u("http://example.org/")).unwrap().split("; ").map(String::from).collect();
        sent.sort();
        assert_eq!(sent, ["d=2", "h=1"]);
        assert_eq!(jar.get(&u("http://sub.example.org/"), "h"), None);
        assert_eq!(jar.get(&u("http://sub.example.org/"), "d").as_deref(), Some("2"));
        assert_eq!(jar.header_for(&u("http://other.org/")), None);
    }

    #[test]
    fn response_cookies_and_path_order() {
        let mut jar = Jar::default();
        let url = u("http://h.test/a/b");
        let lines: [&[u8]; 3] = [b"short=1; Path=/", b"long=2; Path=/a", b"bad\xff=1"];
        jar.store_response(&url, lines.into_iter());
        assert_eq!(jar.header_for(&url).as_deref(), Some("long=2; short=1"));
        jar.clear();
        assert_eq!(jar.header_for(&url), None);
    }

    #[test]
    fn set_refuses_bad_input() {
        let mut jar = Jar::default();
        assert!(jar.set("a;b", "1", "h.test", None).is_err());
        assert!(jar.set("a", "1\r\n", "h.test", None).is_err());
        assert!(jar.set("a", "1", "h.test", Some("nope")).is_err());
        assert!(jar.set("a", "1", "", None).is_err());
    }
}
