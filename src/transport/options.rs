//! A prepared hop as libcurl options. Every option a request uses is set on every request,
//! so a pooled handle carries nothing over from the previous one.

use super::Collector;
use crate::ffi::c_string;
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::{Easy2, List};
use std::ffi::{c_char, CStr, CString};
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
pub(crate) fn setopt_str(h: &Easy2<Collector>, option: curl_sys::CURLoption, value: Option<&CStr>) -> std::result::Result<(), curl::Error> {
    let ptr = value.map_or(std::ptr::null(), |v| v.as_ptr()) as *const c_char;
    // SAFETY: the handle is live; libcurl copies string options and accepts NULL to clear.
    let rc = unsafe { curl_sys::curl_easy_setopt(h.raw(), option, ptr) };
    if rc == curl_sys::CURLE_OK {
        Ok(())
    } else {
        Err(curl::Error::new(rc))
    }
}

pub fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> std::result::Result<(), curl::Error> {
    // The fragment is never sent ('#' appears in a parsed URL only as its delimiter).
    let url = hop.url.as_str();
    h.url(url.split_once('#').map_or(url, |(before, _)| before))?;

    // HTTPGET clears what an earlier request on this handle set (NOBODY, POST, UPLOAD).
    h.get(true)?;
    setopt_str(h, curl_sys::CURLOPT_CUSTOMREQUEST, None)?;
    match (hop.method.as_str(), &hop.body) {
        ("HEAD", _) => h.nobody(true)?,
        ("GET", None) => {}
        (method, None) if method != "POST" => h.custom_request(method)?,
        (method, body) => {
            h.post(true)?;
            set_post_body(h, body.as_ref())?;
            if method != "POST" {
                h.custom_request(method)?;
            }
        }
    }
    h.http_headers(header_list(hop)?)?;
    // The default Accept-Encoding goes through libcurl's own header (cheaper than a custom
    // line); libcurl doesn't decode (transfer::configure turns its decoding off).
    setopt_str(h, curl_sys::CURLOPT_ACCEPT_ENCODING, default_accept_encoding(hop).then_some(crate::transfer::DEFAULT_ACCEPT_ENCODING_C))?;

    // Zero means libcurl's default connect timeout and no total timeout.
    h.connect_timeout(settings.connect_timeout.unwrap_or(Duration::ZERO))?;
    h.timeout(timeout.unwrap_or(Duration::ZERO))?;
    h.ssl_verify_peer(settings.verify)?;
    h.ssl_verify_host(settings.verify)?;
    // A custom bundle replaces the system store entirely (no CAPATH beside it).
    let (ca_file, ca_dir) = match &settings.ca_bundle {
        Some(bundle) => (Some(bundle.as_c_str()), None),
        None => (SYSTEM_CA.0.as_deref(), SYSTEM_CA.1.as_deref()),
    };
    setopt_str(h, curl_sys::CURLOPT_CAINFO, ca_file)?;
    setopt_str(h, curl_sys::CURLOPT_CAPATH, ca_dir)?;
    let mut resolve = List::new();
    for entry in &settings.resolve {
        resolve.append(entry)?;
    }
    h.resolve(resolve)?;
    crate::net::configure(h, settings, hop)?;
    crate::transfer::configure(h, settings, hop)?;
    super::lane::configure_engine(h, settings, hop)?;
    Ok(())
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
    let rc = unsafe { curl_sys::curl_easy_setopt(h.raw(), curl_sys::CURLOPT_POSTFIELDSIZE_LARGE, len) };
    if rc == curl_sys::CURLE_OK {
        Ok(())
    } else {
        Err(curl::Error::new(rc))
    }
}

fn default_accept_encoding(hop: &Prepared) -> bool {
    hop.headers.entry("Accept-Encoding") == Some(Some(crate::transfer::DEFAULT_ACCEPT_ENCODING))
}

/// The request header lines for libcurl: "Name: value", "Name;" for an empty value and
/// "Name:" to suppress a header libcurl would add itself.
fn header_list(hop: &Prepared) -> std::result::Result<List, curl::Error> {
    let mut list = List::new();
    let skip_accept_encoding = default_accept_encoding(hop);
    for (name, value) in hop.headers.iter().filter(|(name, _)| !crate::net::proxy_only_header(name)) {
        if skip_accept_encoding && name.eq_ignore_ascii_case("Accept-Encoding") {
            continue;
        }
        match value {
            Some("") => list.append(&format!("{name};"))?,
            Some(value) => list.append(&format!("{name}: {value}"))?,
            None => list.append(&format!("{name}:"))?,
        }
    }
    if hop.body.is_some() {
        if !hop.headers.contains("Content-Type") {
            list.append("Content-Type:")?; // libcurl would claim a form otherwise
        }
        if !hop.headers.contains("Expect") {
            list.append("Expect:")?; // no 100-continue round trip for large bodies
        }
    }
    Ok(list)
}

