//! The network settings of a hop as libcurl options: credentials, netrc, TLS, the proxy
//! and the read timeout.

use super::{ca_locations, setopt_long, setopt_str, url_without_fragment};
use crate::prepare::{has_userinfo, take_userinfo, Prepared};
use crate::settings::Settings;
use crate::transport::collector::Collector;
use crate::util::changed;
use curl::easy::{Easy2, List};
use std::ffi::c_long;

const CURLOPT_DISALLOW_USERNAME_IN_URL: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 278;

/// Sets the auth, netrc, TLS, proxy and read-timeout options of one hop: the session-wide
/// ones when `fresh` (the handle has not applied this settings snapshot yet), the per-hop
/// ones when they differ from the handle's last hop (`Applied`).
pub fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, fresh: bool) -> std::result::Result<(), curl::Error> {
    use curl_sys::*;
    let net = &settings.net;
    // Credentials never go in the URL: libcurl gets it without them (they became an
    // Authorization header in prepare::credentials) and refuses any URL that still has them.
    if has_userinfo(&hop.url) {
        let mut bare = hop.url.clone();
        let _ = take_userinfo(&mut bare);
        h.get_mut().applied.url = None; // not the hop's URL: set it again next time
        h.url(url_without_fragment(&bare))?;
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
    let proxy_c = proxy.as_deref().map(|p| crate::util::c_string(p.as_bytes()));
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
    let (ca_file, ca_dir) = ca_locations(settings);
    setopt_str(h, CURLOPT_CAINFO, ca_file)?;
    setopt_str(h, CURLOPT_CAPATH, ca_dir)?;
    let tls = &net.tls;
    setopt_str(h, CURLOPT_SSLCERT, tls.client_cert.as_deref())?;
    setopt_str(h, CURLOPT_SSLKEY, tls.client_key.as_deref())?;
    setopt_str(h, CURLOPT_KEYPASSWD, tls.key_password.as_deref())?;
    Ok(())
}

/// Whether a header is kept out of the origin's header list (it goes to a proxy only).
pub fn proxy_only_header(name: &str) -> bool {
    name.eq_ignore_ascii_case("Proxy-Authorization")
}
