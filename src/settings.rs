//! A session's defaults, merged into every request (requests' Session attributes).

use crate::error::{Error, Result};
use crate::headers::Headers;
pub use crate::net::Auth;
use crate::version::USER_AGENT;
use std::ffi::CString;
use std::time::Duration;

/// Default connect timeout: finite, unlike libcurl's 300 s.
pub(crate) const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const DEFAULT_MAX_REDIRECTS: u32 = 30;

#[derive(Debug, Clone)]
pub struct Settings {
    pub headers: Headers,
    /// Query parameters; setting a name again replaces it.
    pub params: Vec<(String, String)>,
    pub auth: Option<Auth>,
    pub connect_timeout: Option<Duration>,
    pub total_timeout: Option<Duration>,
    pub max_redirects: u32,
    pub verify: bool,
    /// CA bundle file, kept as the C string libcurl takes.
    pub ca_bundle: Option<CString>,
    /// 0 means unlimited.
    pub max_body_size: usize,
    /// curl RESOLVE entries, "host:port:address".
    pub resolve: Vec<String>,
    /// Auth extras, TLS, proxies, read timeout.
    pub net: crate::net::NetSettings,
    pub retry: crate::retry::RetryPolicy,
    /// Identity, HTTP version, hooks and tracing (src/transfer).
    pub transfer: crate::transfer::SessionTransfer,
    /// Cap on response header bytes per transfer; 0 leaves libcurl's own (300 KiB).
    pub max_header_bytes: usize,
    /// HSTS on (the default): known hosts are upgraded to https, STS headers are taken.
    pub hsts: bool,
    /// Plain http requests and redirects fail before anything is sent.
    pub https_only: bool,
    /// Lowercase names of headers that carry credentials besides Authorization: dropped on a
    /// redirect to another origin, redacted in the debug trace.
    pub sensitive_headers: std::sync::Arc<[String]>,
    /// How replay matches a hop to a recorded exchange (session_set_replay_matching).
    pub replay_match: std::sync::Arc<ReplayMatch>,
    /// Tells snapshots apart: every clone gets a new one (see SnapshotId).
    pub snapshot: SnapshotId,
}

/// A process-unique id that a clone does not copy. A session's settings are immutable
/// snapshots (a change clones them), so a pooled handle that applied the options of one
/// snapshot can skip setting them again (transport::options).
#[derive(Debug, PartialEq, Eq)]
pub struct SnapshotId(pub u64);

impl Default for SnapshotId {
    fn default() -> SnapshotId {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        SnapshotId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
    }
}

impl Clone for SnapshotId {
    fn clone(&self) -> SnapshotId {
        SnapshotId::default()
    }
}

impl Default for Settings {
    fn default() -> Settings {
        let mut headers = Headers::default();
        // libcurl itself sends "Accept: */*" unless a request sets or removes Accept.
        headers.set("User-Agent", Some(USER_AGENT));
        headers.set("Accept-Encoding", Some(crate::transfer::DEFAULT_ACCEPT_ENCODING));
        Settings {
            headers,
            params: Vec::new(),
            auth: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            total_timeout: None,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            verify: true,
            ca_bundle: None,
            max_body_size: 0,
            resolve: Vec::new(),
            net: Default::default(),
            retry: Default::default(),
            transfer: Default::default(),
            max_header_bytes: crate::limits::SESSION_DEFAULT_MAX_HEADER_BYTES,
            hsts: true,
            https_only: false,
            sensitive_headers: std::sync::Arc::from(Vec::new()),
            replay_match: Default::default(),
            snapshot: Default::default(),
        }
    }
}

/// A timeout in milliseconds from C: 0 means none, negative is refused.
pub fn timeout_from_ms(ms: std::ffi::c_long, what: &str) -> Result<Option<Duration>> {
    match ms {
        0 => Ok(None),
        ms if ms > 0 => Ok(Some(Duration::from_millis(ms as u64))),
        _ => Err(Error::invalid(format!("{what} is negative"))),
    }
}

impl Settings {
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        match (self.params.iter_mut().find(|(n, _)| n == name), value) {
            (Some(param), Some(value)) => param.1 = value.to_owned(), // keeps its position
            (None, Some(value)) => self.params.push((name.to_owned(), value.to_owned())),
            (_, None) => self.params.retain(|(n, _)| n != name),
        }
    }

    /// Adds or replaces (value Some) or removes (None) the override for host:port.
    pub fn set_resolve(&mut self, host: &str, port: u16, address: Option<&str>) -> Result<()> {
        let prefix = format!("{}:{port}:", host.to_ascii_lowercase());
        self.resolve.retain(|entry| !entry.starts_with(&prefix));
        if let Some(address) = address {
            let ip: std::net::IpAddr = address
                .parse()
                .map_err(|_| Error::invalid(format!("{address:?} is not an IP address")))?;
            let ip = match ip {
                std::net::IpAddr::V6(v6) => format!("[{v6}]"),
                v4 => v4.to_string(),
            };
            self.resolve.push(format!("{prefix}{ip}"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_header_is_base64() {
        let auth = Auth::Basic { user: "user".into(), password: "pass".into() };
        assert_eq!(auth.header_value(), "Basic dXNlcjpwYXNz");
        assert_eq!(Auth::Bearer("t0k".into()).header_value(), "Bearer t0k");
    }

    #[test]
    fn params_replace_and_remove() {
        let mut s = Settings::default();
        s.set_param("a", Some("1"));
        s.set_param("b", Some("2"));
        s.set_param("a", Some("3"));
        s.set_param("b", None);
        assert_eq!(s.params, vec![("a".to_string(), "3".to_string())]);
    }

    #[test]
    fn resolve_entries_validate_and_replace() {
        let mut s = Settings::default();
        assert!(s.set_resolve("example.org", 80, Some("not-an-ip")).is_err());
        s.set_resolve("Example.org", 80, Some("127.0.0.1")).unwrap();
        s.set_resolve("example.org", 80, Some("::1")).unwrap();
        assert_eq!(s.resolve, vec!["example.org:80:[::1]".to_string()]);
        s.set_resolve("example.org", 80, None).unwrap();
        assert!(s.resolve.is_empty());
    }
}

/// What replay compares besides method, URL (query order aside) and body. Names are
/// lower-case. Authorization, Proxy-Authorization and Cookie are never compared: a
/// cassette holds them redacted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayMatch {
    /// Request headers that must be equal too; `all_headers` compares every one.
    pub headers: Vec<String>,
    pub all_headers: bool,
    /// Headers left out when `all_headers` is on.
    pub ignore_headers: Vec<String>,
    /// Query parameters left out of the URL before it is compared.
    pub ignore_params: Vec<String>,
}

impl ReplayMatch {
    /// From comma-separated lists (None or "" for none; `headers` "*" for all).
    pub fn from_lists(headers: Option<&str>, ignore_headers: Option<&str>, ignore_params: Option<&str>) -> Result<ReplayMatch> {
        let names = |list: Option<&str>, what: &str| -> Result<Vec<String>> {
            let mut out = Vec::new();
            for name in list.unwrap_or("").split(',').map(str::trim).filter(|n| !n.is_empty()) {
                crate::util::check_no_ctl(name, what)?;
                out.push(name.to_ascii_lowercase());
            }
            Ok(out)
        };
        let mut headers = names(headers, "replay match header")?;
        let all_headers = headers.iter().any(|h| h == "*");
        headers.retain(|h| h != "*");
        Ok(ReplayMatch { headers, all_headers, ignore_headers: names(ignore_headers, "replay ignored header")?, ignore_params: names(ignore_params, "replay ignored parameter")? })
    }
}
