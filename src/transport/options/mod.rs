//! A prepared hop as libcurl options. Every option a request uses is set on every request
//! or, unchanged, left set by the handle's previous request (the Collector's `Applied`
//! record), so a pooled handle carries nothing over that the request did not ask for.

mod connect;
mod network;

pub use network::proxy_only_header;

use super::collector::{Applied, Collector};
use crate::prepare::Prepared;
use crate::settings::Settings;
use crate::transfer::{HttpVersion, Receiver};
use crate::util::{c_string, changed};
use curl::easy::{Easy2, Handler, List};
use url::Url;
use std::ffi::{c_long, CStr, CString};
use std::sync::LazyLock;
use std::time::Duration;

pub(crate) const CURLOPT_PROTOCOLS_STR: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_OBJECTPOINT + 318;

/// The system CA file and directory, found once (as the curl crate does for a static libcurl).
pub(crate) static SYSTEM_CA: LazyLock<(Option<CString>, Option<CString>)> = LazyLock::new(|| {
    use std::os::unix::ffi::OsStrExt;
    let probe = openssl_probe::probe();
    let c_path = |path: std::path::PathBuf| c_string(path.as_os_str().as_bytes());
    (probe.cert_file.map(c_path), probe.cert_dir.map(c_path))
});

/// Sets a string option, or clears it with NULL.
pub(crate) fn setopt_str<H: Handler>(h: &Easy2<H>, option: curl_sys::CURLoption, value: Option<&CStr>) -> std::result::Result<(), curl::Error> {
    let ptr = value.map_or(std::ptr::null(), CStr::as_ptr);
    // SAFETY: the handle is live; libcurl copies string options and accepts NULL to clear.
    check(unsafe { curl_sys::curl_easy_setopt(h.raw(), option, ptr) })
}

/// Sets an option that takes a long.
pub(crate) fn setopt_long<H: Handler>(h: &Easy2<H>, option: curl_sys::CURLoption, value: c_long) -> std::result::Result<(), curl::Error> {
    // SAFETY: the handle is live and `option` takes a long.
    check(unsafe { curl_sys::curl_easy_setopt(h.raw(), option, value) })
}

/// libcurl's return code as a Result (the one check of every raw setopt).
pub(crate) fn check(rc: curl_sys::CURLcode) -> std::result::Result<(), curl::Error> {
    if rc == curl_sys::CURLE_OK {
        Ok(())
    } else {
        Err(curl::Error::new(rc))
    }
}

/// Sets the options of one hop on a pooled handle. The handle's `Applied` record says what
/// its earlier requests left set: options whose inputs are unchanged are skipped, so every
/// option a request uses is still set (by this request or an earlier one with the same
/// value). On error the record is cleared, so the next request sets everything.
pub fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> std::result::Result<(), curl::Error> {
    let result = configure_all(h, settings, hop, timeout);
    if result.is_err() {
        h.get_mut().applied = Default::default();
    }
    result
}

fn configure_all(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> std::result::Result<(), curl::Error> {
    let collector = h.get_mut();
    collector.head_guard = crate::limits::HeaderGuard::new(settings.max_header_bytes);
    collector.tls_hop = hop.url.scheme() == "https";
    let url = url_without_fragment(&hop.url);
    if h.get_ref().applied.url.as_deref() != Some(url) {
        h.get_mut().applied.url = None;
        h.url(url)?;
        h.get_mut().applied.url = Some(url.to_owned());
    }

    let sends_body = sends_body(hop);
    let plain_get = hop.method == "GET" && !sends_body;
    let applied = &mut h.get_mut().applied;
    let was_plain_get = std::mem::replace(&mut applied.plain_get, false);
    if !(plain_get && was_plain_get) {
        // HTTPGET clears what an earlier request on this handle set (NOBODY, POST, UPLOAD).
        h.get(true)?;
        setopt_str(h, curl_sys::CURLOPT_CUSTOMREQUEST, None)?;
        match hop.method.as_str() {
            "HEAD" => h.nobody(true)?,
            "GET" if !sends_body => {}
            method => {
                // Any other method sends a body: an empty one when none is set, so that
                // it carries Content-Length: 0 (requests' prepare_content_length).
                h.post(true)?;
                set_post_body(h, hop.body.as_ref())?;
                if method != "POST" {
                    h.custom_request(method)?;
                }
            }
        }
    }
    h.get_mut().applied.plain_get = plain_get;

    let fresh = h.get_ref().applied.snapshot != settings.snapshot.0;
    if fresh {
        // Nothing of an earlier snapshot counts: a clone's values may differ in any option.
        let url = h.get_mut().applied.url.take();
        h.get_mut().applied = Applied { plain_get, url, ..Default::default() };
    }
    let applied = &mut h.get_mut().applied;
    let headers_changed = !matches!(&applied.headers, Some((headers, body)) if *body == sends_body && *headers == hop.headers);
    if headers_changed {
        let default_encoding = crate::transfer::sends_default_accept_encoding(&hop.headers);
        applied.headers = Some((hop.headers.clone(), sends_body));
        applied.default_accept_encoding = default_encoding;
        h.http_headers(header_list(hop, sends_body, default_encoding)?)?;
        // The default Accept-Encoding goes through libcurl's own header (cheaper than a
        // custom line); libcurl doesn't decode (transfer::configure turns its decoding off).
        setopt_str(h, curl_sys::CURLOPT_ACCEPT_ENCODING, default_encoding.then_some(crate::transfer::DEFAULT_ACCEPT_ENCODING_C))?;
        // Likewise the User-Agent, when spelled as libcurl spells it.
        let user_agent = user_agent_option(hop).map(|ua| c_string(ua.as_bytes()));
        setopt_str(h, curl_sys::CURLOPT_USERAGENT, user_agent.as_deref())?;
    }
    if crate::util::changed(&mut h.get_mut().applied.timeout, timeout) {
        // Zero means no total timeout.
        h.timeout(timeout.unwrap_or(Duration::ZERO))?;
    }
    if fresh {
        configure_session(h, settings)?;
    }
    network::configure(h, settings, hop, fresh)?;
    if fresh {
        connect::configure_session(h, settings)?;
    }
    connect::configure_hop(h, hop)?;
    configure_transfer(h, settings, hop, fresh)?;
    configure_engine(h, settings, hop)?;
    h.get_mut().applied.snapshot = settings.snapshot.0;
    Ok(())
}

/// The options that depend on the session's settings only.
fn configure_session(h: &mut Easy2<Collector>, settings: &Settings) -> std::result::Result<(), curl::Error> {
    // Zero means libcurl's default connect timeout.
    h.connect_timeout(settings.connect_timeout.unwrap_or(Duration::ZERO))?;
    h.ssl_verify_peer(settings.verify)?;
    h.ssl_verify_host(settings.verify)?;
    let mut resolve = List::new();
    for entry in &settings.resolve {
        resolve.append(entry)?;
    }
    h.resolve(resolve)?;
    Ok(())
}

/// Readies the handle's Receiver for `hop` and sets the options it needs: the session-wide
/// ones when `fresh`, the per-hop ones when they differ from the handle's last hop.
fn configure_transfer(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, fresh: bool) -> std::result::Result<(), curl::Error> {
    let session = settings.transfer.session_id;
    let transfer = hop.transfer.clone();
    let version = transfer.http_version.unwrap_or(settings.transfer.http_version);
    let debug = settings.transfer.debug;
    if fresh {
        h.verbose(debug.is_some())?;
        // libcurl never decodes: the Receiver does, for every coding, within the body limit.
        h.http_content_decoding(false)?;
    }
    let applied = &mut h.get_mut().applied;
    let progress = transfer.progress.is_some();
    let (set_progress, set_version) = (changed(&mut applied.progress, progress), changed(&mut applied.http_version, version));
    if set_progress {
        h.progress(progress)?;
    }
    if set_version {
        h.http_version(curl_version(version))?;
    }
    // `decode` was decided with the header list (configure_all, which runs first).
    let decode = h.get_ref().applied.default_accept_encoding;
    let upload = hop.body.as_ref().and_then(|b| b.upload.clone());
    let traced = debug.is_some();
    h.get_mut().transfer = Receiver::new(session, transfer, decode, settings.max_body_size, debug, upload);
    // Lane::begin sets `observe` before the options: a recording layer gets streamed bodies.
    h.get_mut().transfer.keep_streamed = h.get_ref().observe;
    h.get_mut().transfer.keep_encoded = h.get_ref().keep_encoded;
    if traced && !settings.sensitive_headers.is_empty() {
        h.get_mut().transfer.sensitive = Some(settings.sensitive_headers.clone());
    }
    Ok(())
}

fn curl_version(version: HttpVersion) -> curl::easy::HttpVersion {
    match version {
        HttpVersion::Default => curl::easy::HttpVersion::V2TLS,
        HttpVersion::Http11 => curl::easy::HttpVersion::V11,
        HttpVersion::Http2 => curl::easy::HttpVersion::V2,
        HttpVersion::Http2PriorKnowledge => curl::easy::HttpVersion::V2PriorKnowledge,
    }
}

/// The URL as libcurl gets it: the fragment is never sent ('#' appears in a parsed URL only
/// as its delimiter).
fn url_without_fragment(url: &Url) -> &str {
    let text = url.as_str();
    match url.fragment() {
        Some(_) => text.split_once('#').map_or(text, |(before, _)| before),
        None => text,
    }
}

/// The CA file and directory verifying servers and https proxies: the caller's (a bundle
/// and/or a directory, which replace the system store entirely), else the system's.
fn ca_locations(settings: &Settings) -> (Option<&CStr>, Option<&CStr>) {
    match (&settings.ca_bundle, &settings.net.tls.ca_dir) {
        (None, None) => (SYSTEM_CA.0.as_deref(), SYSTEM_CA.1.as_deref()),
        (file, dir) => (file.as_deref(), dir.as_deref()),
    }
}

/// The engine's per-request libcurl option: where HTTP/2 multiplexing is likely (TLS with
/// ALPN, or h2c prior knowledge), a transfer waits for a connection that can multiplex
/// rather than opening another one. Not for http:// otherwise: an h2c Upgrade attempt would
/// make HTTP/1.1 transfers queue on one connection.
fn configure_engine(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared) -> std::result::Result<(), curl::Error> {
    let version = hop.transfer.http_version.unwrap_or(settings.transfer.http_version);
    let multiplex = match version {
        HttpVersion::Http11 => false,
        HttpVersion::Http2PriorKnowledge => true,
        HttpVersion::Default | HttpVersion::Http2 => hop.url.scheme() == "https",
    };
    if changed(&mut h.get_mut().applied.pipewait, multiplex) {
        h.pipewait(multiplex)?;
    }
    Ok(())
}

/// Whether libcurl is told to send a body: for every method but GET and HEAD (an empty one
/// when the request has none, as requests does), and for a GET with a body.
fn sends_body(hop: &Prepared) -> bool {
    match hop.method.as_str() {
        "HEAD" => false,
        "GET" => hop.body.is_some(),
        _ => true,
    }
}

/// Points a POST at its body: a copy of the bytes, or the transfer Receiver's reader for a
/// streamed body (with its length, or chunked when unknown).
fn set_post_body(h: &mut Easy2<Collector>, body: Option<&crate::request::Body>) -> std::result::Result<(), curl::Error> {
    let Some(upload) = body.and_then(|b| b.upload.as_ref()) else {
        return h.post_fields_copy(body.map_or(&[][..], |b| b.data.as_slice()));
    };
    // NULL POSTFIELDS drops a body copied for an earlier request: libcurl then reads.
    setopt_str(h, curl_sys::CURLOPT_POSTFIELDS, None)?;
    let len = upload.len.map_or(-1, |len| len as curl_sys::curl_off_t);
    // SAFETY: the handle is live; the option takes a curl_off_t.
    check(unsafe { curl_sys::curl_easy_setopt(h.raw(), curl_sys::CURLOPT_POSTFIELDSIZE_LARGE, len) })
}

/// A User-Agent value libcurl can send through CURLOPT_USERAGENT (same bytes on the wire as
/// a custom line, less work per request).
fn user_agent_option(hop: &Prepared) -> Option<&str> {
    hop.headers.iter().find_map(|(name, value)| (name == "User-Agent").then_some(value?).filter(|v| !v.is_empty()))
}

/// The request header lines for libcurl: "Name: value", "Name;" for an empty value and
/// "Name:" to suppress a header libcurl would add itself.
fn header_list(hop: &Prepared, sends_body: bool, skip_accept_encoding: bool) -> std::result::Result<List, curl::Error> {
    let mut list = List::new();
    let skip_user_agent = user_agent_option(hop).is_some();
    let mut line = String::new();
    for (name, value) in hop.headers.iter().filter(|(name, _)| !proxy_only_header(name)) {
        if skip_accept_encoding && name.eq_ignore_ascii_case("Accept-Encoding") || skip_user_agent && name == "User-Agent" {
            continue;
        }
        line.clear();
        line.push_str(name);
        match value {
            Some("") => line.push(';'),
            Some(value) => {
                line.push_str(": ");
                line.push_str(value);
            }
            None => line.push(':'),
        }
        list.append(&line)?;
    }
    if sends_body {
        if !hop.headers.contains("Content-Type") {
            list.append("Content-Type:")?; // libcurl would claim a form otherwise
        }
        if !hop.headers.contains("Expect") {
            list.append("Expect:")?; // no 100-continue round trip for large bodies
        }
    }
    Ok(list)
}
