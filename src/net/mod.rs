//! Auth, TLS, proxy and read-timeout settings, and the libcurl options they become on each
//! hop. `prepare` runs once per request (URL credentials, digest), `configure` once per hop.

pub mod proxy;

use crate::error::{Code, Error, Result};
use crate::headers::Headers;
use crate::request::Request;
use crate::settings::{Auth, Settings};
use crate::transport::{setopt_long, setopt_str, Collector};
use curl::easy::{Easy2, Handler, List};
use std::ffi::{c_long, CStr, CString};
use std::time::Duration;
use url::Url;

pub use proxy::ProxySettings;

/// Default read (idle) timeout: a transfer that receives and sends nothing for this long fails.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(300);

const CURLOPT_DISALLOW_USERNAME_IN_URL: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 278;
const CURLINFO_USED_PROXY: curl_sys::CURLINFO = curl_sys::CURLINFO_LONG + 66;
const CURLE_PROXY: curl_sys::CURLcode = 97;

/// A user name and password as libcurl takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: CString,
    pub password: CString,
}

/// TLS settings beyond `verify` and `ca_bundle` (which live in Settings itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// A directory of hashed CA certificates (c_rehash); with or without a bundle.
    pub ca_dir: Option<CString>,
    pub client_cert: Option<CString>,
    pub client_key: Option<CString>,
    pub key_password: Option<CString>,
}

/// The session's network settings (Settings.net).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSettings {
    pub tls: TlsSettings,
    pub proxy: ProxySettings,
    /// Some(file) reads credentials from a netrc file (None inside: libcurl's ~/.netrc).
    pub netrc: Option<Option<CString>>,
    /// None: no idle limit.
    pub read_timeout: Option<Duration>,
}

impl Default for NetSettings {
    fn default() -> NetSettings {
        NetSettings {
            tls: TlsSettings::default(),
            proxy: ProxySettings::default(),
            netrc: None,
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
        }
    }
}

/// A request's own network overrides (Request.net).
#[derive(Debug, Clone, Default)]
pub struct RequestNet {
    /// Retries, overriding the session's policy total.
    pub retries: Option<u32>,
    /// Auth for this request, overriding the session's (not a request's own header).
    pub auth: Option<Auth>,
    /// Read timeout; Some(None) means none.
    pub read_timeout: Option<Option<Duration>>,
}

/// Per-hop network state (Prepared.net), carried from hop to hop.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HopNet {
    /// Digest credentials, while the hop stays on the origin they were given for.
    pub digest: Option<Credentials>,
    pub read_timeout: Option<Duration>,
}

impl HopNet {
    /// After a redirect to another origin: credentials stay behind, for good.
    pub fn strip_credentials(&mut self) {
        self.digest = None;
    }
}

/// Request-level network preparation: URL credentials become Basic auth (unless the request
/// or session has auth); the URL keeps them (as requests' Response.url does) but they are
/// never sent in it (see `configure`). Session digest credentials go to the hop.
pub fn prepare(settings: &Settings, req: &Request, url: &Url, headers: &mut Headers) -> Result<HopNet> {
    let mut hop = HopNet {
        digest: None,
        read_timeout: req.net.read_timeout.unwrap_or(settings.net.read_timeout),
    };
    // A request's own Authorization header wins, then its own auth, then the session's
    // (which prepare.rs has already turned into a header unless it is digest).
    let own_auth = if req.headers.contains("Authorization") { None } else { req.net.auth.as_ref() };
    if own_auth.is_some() {
        headers.forget("Authorization");
    }
    let auth = own_auth.or(settings.auth.as_ref().filter(|_| !headers.contains("Authorization")));
    let digest = match auth {
        Some(Auth::Digest { user, password }) => {
            Some(Credentials { user: CString::new(user.as_str()).map_err(nul)?, password: CString::new(password.as_str()).map_err(nul)? })
        }
        Some(other) if own_auth.is_some() => {
            headers.set("Authorization", Some(&other.header_value()));
            None
        }
        _ => None,
    };
    // The copy is only made for a URL with credentials in it.
    let has_userinfo = has_userinfo(url);
    if let Some((user, password)) = if has_userinfo { take_userinfo(&mut url.clone())? } else { None } {
        if !headers.contains("Authorization") && digest.is_none() {
            let basic = Auth::Basic { user, password };
            headers.set("Authorization", Some(&basic.header_value()));
        }
    }
    hop.digest = digest;
    Ok(hop)
}

fn nul(_: std::ffi::NulError) -> Error {
    Error::invalid("credentials contain NUL")
}

/// What a redirect changes besides requests' rules in redirect.rs: credentials in a Location
/// are never used (libcurl would send them as Basic auth), and the caller's
/// Proxy-Authorization was for the first hop's proxy only (requests' rebuild_proxies).
pub fn redirected(next: &mut crate::prepare::Prepared) {
    let _ = take_userinfo(&mut next.url);
    next.headers.forget("Proxy-Authorization");
}

/// Whether `url` has a user name or password: the url crate writes userinfo as
/// "user:password@" just before the host, where no other '@' can be (cheaper than
/// `username()` and `password()`, which each re-check the authority).
pub fn has_userinfo(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let at = host.as_ptr() as usize - url.as_str().as_ptr() as usize;
    at > 0 && url.as_str().as_bytes()[at - 1] == b'@'
}

/// Removes user name and password from `url`, percent-decoded.
pub fn take_userinfo(url: &mut Url) -> Result<Option<(String, String)>> {
    if !has_userinfo(url) {
        return Ok(None);
    }
    let user = percent_decode(url.username())?;
    let password = percent_decode(url.password().unwrap_or(""))?;
    // Cannot fail for http(s) URLs with a host, which is all we send.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(Some((user, password)))
}

fn percent_decode(s: &str) -> Result<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).map_err(|_| Error::invalid("URL credentials are not UTF-8"))?;
    crate::ffi::check_no_ctl(&text, "URL credentials")?;
    Ok(text)
}

/// Records `value` in `slot`; true when it differs from what was there (the option it stands
/// for must be set). See transport's `Applied`.
pub(crate) fn changed<T: PartialEq>(slot: &mut Option<T>, value: T) -> bool {
    if slot.as_ref() == Some(&value) {
        return false;
    }
    *slot = Some(value);
    true
}

/// Sets the auth, netrc, TLS, proxy and read-timeout options of one hop: the session-wide
/// ones when `fresh` (the handle has not applied this settings snapshot yet), the per-hop
/// ones when they differ from the handle's last hop (`Applied`).
pub fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &crate::prepare::Prepared, fresh: bool) -> std::result::Result<(), curl::Error> {
    use curl_sys::*;
    let net = &settings.net;
    // Credentials never go in the URL: libcurl gets it without them (they became an
    // Authorization header in `prepare`) and refuses any URL that still has them.
    if has_userinfo(&hop.url) {
        let mut bare = hop.url.clone();
        let _ = take_userinfo(&mut bare);
        let bare = bare.as_str();
        h.get_mut().applied.url = None; // not the hop's URL: set it again next time
        h.url(bare.split_once('#').map_or(bare, |(before, _)| before))?;
    }
    if fresh {
        configure_session(h, settings)?;
    }
    if changed(&mut h.get_mut().applied.digest, hop.net.digest.clone()) {
        match &hop.net.digest {
            Some(creds) => {
                setopt_long(h, CURLOPT_HTTPAUTH, CURLAUTH_DIGEST as c_long)?;
                setopt_str(h, CURLOPT_USERNAME, Some(&creds.user))?;
                setopt_str(h, CURLOPT_PASSWORD, Some(&creds.password))?;
            }
            None => {
                setopt_long(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC as c_long)?;
                setopt_str(h, CURLOPT_USERNAME, None)?;
                setopt_str(h, CURLOPT_PASSWORD, None)?;
            }
        }
    }

    // Read timeout: fail when under 1 byte/s for the whole period (whole seconds, rounded up).
    let idle_secs = hop.net.read_timeout.map_or(0, |t| t.as_secs() + u64::from(t.subsec_nanos() > 0));
    if changed(&mut h.get_mut().applied.idle_secs, idle_secs) {
        setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, c_long::from(idle_secs > 0))?;
        setopt_long(h, CURLOPT_LOW_SPEED_TIME, idle_secs.min(c_long::MAX as u64) as c_long)?;
    }

    // Always an explicit proxy, or a no-proxy list of "*" for none: libcurl never reads the
    // environment itself; the decision is ours, per hop.
    let proxy = net.proxy.select(&hop.url);
    // A Proxy-Authorization header set by the caller goes to the proxy only (never to the
    // origin, never inside a tunnel): transport::options leaves it out of the origin's list.
    let proxy_auth = match proxy {
        Some(_) => hop.headers.entry("Proxy-Authorization").flatten().map(str::to_owned),
        None => None,
    };
    let key = (proxy, proxy_auth);
    // The proxy's TLS options depend on the settings too.
    if fresh {
        h.get_mut().applied.proxy = None;
    }
    if !changed(&mut h.get_mut().applied.proxy, key.clone()) {
        return Ok(());
    }
    let (proxy, proxy_auth) = key;
    let proxy_c = proxy.as_deref().map(|p| crate::ffi::c_string(p.as_bytes()));
    // No proxy: NOPROXY "*" makes libcurl skip its whole proxy setup (and leaves one string
    // option fewer in the handle, which libcurl looks up dozens of times per request).
    setopt_str(h, CURLOPT_NOPROXY, Some(if proxy_c.is_some() { c"" } else { c"*" }))?;
    setopt_str(h, CURLOPT_PROXY, proxy_c.as_deref())?;
    // libcurl's defaults, which nothing changes: CONNECT only for https (HTTPPROXYTUNNEL 0),
    // separate proxy headers (HEADEROPT CURLHEADER_SEPARATE).
    if proxy.as_deref().is_some_and(|p| p.starts_with("https://")) {
        let (ca_file, ca_dir) = ca_locations(settings);
        setopt_str(h, CURLOPT_PROXY_CAINFO, ca_file)?;
        setopt_str(h, CURLOPT_PROXY_CAPATH, ca_dir)?;
        setopt_long(h, CURLOPT_PROXY_SSL_VERIFYPEER, c_long::from(settings.verify))?;
        setopt_long(h, CURLOPT_PROXY_SSL_VERIFYHOST, if settings.verify { 2 } else { 0 })?;
    }
    let mut proxy_headers = List::new();
    if let Some(value) = proxy_auth {
        proxy_headers.append(&format!("Proxy-Authorization: {value}"))?;
    }
    h.proxy_headers(proxy_headers)?;
    Ok(())
}

/// The options that depend on the session's settings only.
fn configure_session(h: &mut Easy2<Collector>, settings: &Settings) -> std::result::Result<(), curl::Error> {
    use curl_sys::*;
    let net = &settings.net;
    setopt_long(h, CURLOPT_DISALLOW_USERNAME_IN_URL, 1)?;
    let netrc = match &net.netrc {
        Some(_) => CURL_NETRC_OPTIONAL,
        None => CURL_NETRC_IGNORED,
    };
    setopt_long(h, CURLOPT_NETRC, netrc as c_long)?;
    if let Some(file) = &net.netrc {
        setopt_str(h, CURLOPT_NETRC_FILE, file.as_deref())?;
    }
    let tls = &net.tls;
    if tls.ca_dir.is_some() {
        // A custom directory replaces the system store (transport::options sets the defaults).
        setopt_str(h, CURLOPT_CAINFO, settings.ca_bundle.as_deref())?;
        setopt_str(h, CURLOPT_CAPATH, tls.ca_dir.as_deref())?;
    }
    setopt_str(h, CURLOPT_SSLCERT, tls.client_cert.as_deref())?;
    setopt_str(h, CURLOPT_SSLKEY, tls.client_key.as_deref())?;
    setopt_str(h, CURLOPT_KEYPASSWD, tls.key_password.as_deref())?;
    Ok(())
}

/// The CA file and directory verifying servers: the caller's (bundle and/or directory),
/// else the system's.
fn ca_locations(settings: &Settings) -> (Option<&CStr>, Option<&CStr>) {
    match (&settings.ca_bundle, &settings.net.tls.ca_dir) {
        (None, None) => (crate::transport::SYSTEM_CA.0.as_deref(), crate::transport::SYSTEM_CA.1.as_deref()),
        (file, dir) => (file.as_deref(), dir.as_deref()),
    }
}

/// Whether a header is kept out of the origin's header list (it goes to a proxy only).
pub fn proxy_only_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("Proxy-Authorization")
}

/// Transfer failures libcurl reports in general terms: proxy failures told apart from origin
/// failures (SOCKS errors, an unresolvable or unreachable proxy, a CONNECT answered with an
/// error status), TLS alerts during the transfer and unusable client keys.
pub fn classify<H: Handler>(h: &Easy2<H>, err: &curl::Error) -> Option<Error> {
    let mut used_proxy: c_long = 0;
    let mut connect_code: c_long = 0;
    // SAFETY: both infos write one long.
    unsafe {
        curl_sys::curl_easy_getinfo(h.raw(), CURLINFO_USED_PROXY, &mut used_proxy);
        curl_sys::curl_easy_getinfo(h.raw(), curl_sys::CURLINFO_HTTP_CONNECTCODE, &mut connect_code);
    }
    let detail = err.extra_description().unwrap_or(err.description());
    let code = err.code();
    if code == CURLE_PROXY || code == curl_sys::CURLE_COULDNT_RESOLVE_PROXY {
        return Some(Error::new(Code::SESSION_E_PROXY, detail));
    }
    if connect_code != 0 && !(200..300).contains(&connect_code) {
        return Some(Error::new(Code::SESSION_E_PROXY, format!("proxy CONNECT answered {connect_code}: {detail}")));
    }
    if used_proxy != 0 && code == curl_sys::CURLE_COULDNT_CONNECT {
        return Some(Error::new(Code::SESSION_E_PROXY, format!("could not connect to the proxy: {detail}")));
    }
    // e.g. "tlsv13 alert certificate required" when the server wants a client certificate.
    let tls_alert = matches!(code, curl_sys::CURLE_SEND_ERROR | curl_sys::CURLE_RECV_ERROR) && detail.contains("SSL routines");
    // libcurl's "unable to set private key file" (e.g. a wrong key password).
    let bad_key = code == curl_sys::CURLE_BAD_FUNCTION_ARGUMENT && (detail.contains("key") || detail.contains("cert"));
    if tls_alert || bad_key {
        return Some(Error::new(Code::SESSION_E_TLS, detail));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_leaves_the_url_decoded() {
        let mut url = Url::parse("http://us%3Aer:p%40ss@h.test/x").unwrap();
        assert_eq!(take_userinfo(&mut url).unwrap(), Some(("us:er".into(), "p@ss".into())));
        assert_eq!(url.as_str(), "http://h.test/x");
        assert_eq!(take_userinfo(&mut url).unwrap(), None);
        let mut bad = Url::parse("http://a%0d%0aX:b@h.test/").unwrap();
        assert!(take_userinfo(&mut bad).is_err());
    }

    #[test]
    fn userinfo_is_found_before_the_host_only() {
        for (text, expected) in [
            ("http://h.test/a@b", false),
            ("http://h.test/?q=a@b#c@d", false),
            ("http://u@h.test/", true),
            ("http://:p@h.test/", true),
            ("http://u:p@[::1]:8080/", true),
            ("http://[::1]/x@y", false),
            ("http://@h.test/", false),
            ("https://us%40er@127.0.0.1/", true),
        ] {
            let url = Url::parse(text).unwrap();
            let slow = !url.username().is_empty() || url.password().is_some();
            assert_eq!((has_userinfo(&url), slow), (expected, expected), "{text}");
        }
    }

    #[test]
    fn url_credentials_yield_to_session_auth() {
        let req = Request::new("GET", "http://u:p@h.test/").unwrap();
        let mut s = Settings::default();
        let p = crate::prepare::prepare(&s, &req).unwrap();
        assert_eq!(p.url.as_str(), "http://u:p@h.test/", "kept for the response URL, as requests");
        assert_eq!(p.headers.entry("authorization"), Some(Some("Basic dTpw")));
        s.auth = Some(Auth::Digest { user: "d".into(), password: "x".into() });
        let p = crate::prepare::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), None);
        assert_eq!(p.net.digest.as_ref().map(|c| c.user.as_c_str()), Some(c"d"));
    }

    #[test]
    fn request_auth_wins_over_session_auth_but_not_over_own_header() {
        let s = Settings { auth: Some(Auth::Basic { user: "s".into(), password: "x".into() }), ..Settings::default() };
        let mut req = Request::new("GET", "http://h.test/").unwrap();
        req.net.auth = Some(Auth::Digest { user: "d".into(), password: "y".into() });
        let p = crate::prepare::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), None, "the session's basic header is gone");
        assert!(p.net.digest.is_some());
        req.net.auth = Some(Auth::Bearer("t".into()));
        let p = crate::prepare::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), Some(Some("Bearer t")));
        assert!(p.net.digest.is_none());
        req.set_header("Authorization", Some("Own")).unwrap();
        let p = crate::prepare::prepare(&s, &req).unwrap();
        assert_eq!(p.headers.entry("authorization"), Some(Some("Own")));
    }
}
