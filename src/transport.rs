//! One HTTP exchange over libcurl, on the calling thread, with an easy handle checked out
//! of the session's pool. Each pooled handle keeps its own live connections, so a thread
//! doing sequential requests gets the same handle, and the same connection, back.

use crate::error::{from_curl, Code, Error, Result};
use crate::ffi::c_string;
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::{Easy2, Handler, List, WriteError};
use std::ffi::{c_char, CStr, CString};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

const CURLOPT_PROTOCOLS_STR: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_OBJECTPOINT + 318;
const CURLINFO_HTTP_VERSION: curl_sys::CURLINFO = curl_sys::CURLINFO_LONG + 46;

/// What one hop received.
#[derive(Debug, Default)]
pub struct Exchange {
    pub status: u32,
    pub reason: Vec<u8>,
    pub headers: Vec<(CString, CString)>,
    pub body: Vec<u8>,
    pub http_version: &'static str,
    pub elapsed: f64,
}

impl Exchange {
    /// Values of every header called `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.as_bytes().eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_bytes())
    }
}

/// Receives the response into memory.
#[derive(Default)]
pub struct Collector {
    exchange: Exchange,
    max_body: usize,
    too_large: bool,
    /// The pool generation this handle was made in.
    generation: u64,
}

impl Handler for Collector {
    fn write(&mut self, data: &[u8]) -> std::result::Result<usize, WriteError> {
        let body = &mut self.exchange.body;
        if self.max_body != 0 && body.len() + data.len() > self.max_body {
            self.too_large = true;
            return Ok(0);
        }
        body.extend_from_slice(data);
        Ok(data.len())
    }

    fn header(&mut self, line: &[u8]) -> bool {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"HTTP/") {
            // A new status line (after 1xx or a proxy CONNECT): start over.
            self.exchange.headers.clear();
            let mut parts = line.splitn(3, |&b| b == b' ');
            let _version = parts.next();
            self.exchange.status = parts
                .next()
                .and_then(|code| std::str::from_utf8(code).ok()?.parse().ok())
                .unwrap_or(0);
            self.exchange.reason = parts.next().unwrap_or_default().to_vec();
        } else if line.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
            // Obsolete line folding continues the previous value.
            if let Some((_, value)) = self.exchange.headers.last_mut() {
                let joined = [value.as_bytes(), b" ", line.trim_ascii()].concat();
                *value = c_string(&joined);
            }
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            self.exchange.headers.push((c_string(name.trim_ascii()), c_string(value.trim_ascii())));
        }
        true
    }
}

/// Idle easy handles, most recently used last. Handles keep their options between requests:
/// `configure` sets every option a request uses, so no curl_easy_reset is needed.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<Easy2<Collector>>>,
    /// Bumped when pooled connections must not be reused (e.g. a resolve override changed,
    /// which libcurl's connection reuse by host name would not notice).
    generation: AtomicU64,
}

impl Pool {
    fn checkout(&self) -> Result<Easy2<Collector>> {
        if let Some(handle) = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop() {
            return Ok(handle);
        }
        let mut handle = Easy2::new(Collector::default());
        setopt_str(&handle, CURLOPT_PROTOCOLS_STR, Some(c"http,https")).map_err(|e| from_curl(&e))?;
        handle.get_mut().generation = self.generation.load(Ordering::Acquire);
        Ok(handle)
    }

    fn checkin(&self, handle: Easy2<Collector>) {
        if handle.get_ref().generation == self.generation.load(Ordering::Acquire) {
            self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
        }
    }

    /// Closes idle connections and keeps in-flight handles from returning to the pool.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// Performs one hop (no redirect following) with the given total timeout.
    pub fn perform(&self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> Result<Exchange> {
        let mut handle = self.checkout()?;
        let collector = handle.get_mut();
        collector.exchange = Exchange::default();
        collector.max_body = settings.max_body_size;
        collector.too_large = false;
        let result = configure(&mut handle, settings, hop, timeout)
            .map_err(|e| from_curl(&e))
            .and_then(|()| handle.perform().map_err(|e| classify(&handle, &e)))
            .map(|()| finish(&mut handle));
        self.checkin(handle);
        result
    }
}

/// The system CA file and directory, found once (as the curl crate does for a static libcurl).
static SYSTEM_CA: LazyLock<(Option<CString>, Option<CString>)> = LazyLock::new(|| {
    use std::os::unix::ffi::OsStrExt;
    let probe = openssl_probe::probe();
    let c_path = |path: std::path::PathBuf| c_string(path.as_os_str().as_bytes());
    (probe.cert_file.map(c_path), probe.cert_dir.map(c_path))
});

/// Sets a string option, or clears it with NULL.
fn setopt_str(h: &Easy2<Collector>, option: curl_sys::CURLoption, value: Option<&CStr>) -> std::result::Result<(), curl::Error> {
    let ptr = value.map_or(std::ptr::null(), |v| v.as_ptr()) as *const c_char;
    // SAFETY: the handle is live; libcurl copies string options and accepts NULL to clear.
    let rc = unsafe { curl_sys::curl_easy_setopt(h.raw(), option, ptr) };
    if rc == curl_sys::CURLE_OK {
        Ok(())
    } else {
        Err(curl::Error::new(rc))
    }
}

fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> std::result::Result<(), curl::Error> {
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
            h.post_fields_copy(body.as_ref().map_or(&[][..], |b| b.data.as_slice()))?;
            if method != "POST" {
                h.custom_request(method)?;
            }
        }
    }
    h.http_headers(header_list(hop)?)?;

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
    Ok(())
}

/// The request header lines for libcurl: "Name: value", "Name;" for an empty value and
/// "Name:" to suppress a header libcurl would add itself.
fn header_list(hop: &Prepared) -> std::result::Result<List, curl::Error> {
    let mut list = List::new();
    for (name, value) in hop.headers.iter() {
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

fn classify(h: &Easy2<Collector>, err: &curl::Error) -> Error {
    if err.is_write_error() && h.get_ref().too_large {
        return Error::new(Code::SESSION_E_TOO_LARGE, "response body is over the session's max body size");
    }
    from_curl(err)
}

fn finish(h: &mut Easy2<Collector>) -> Exchange {
    let elapsed = h.total_time().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    let mut version: libc::c_long = 0;
    // SAFETY: CURLINFO_HTTP_VERSION writes one long.
    unsafe { curl_sys::curl_easy_getinfo(h.raw(), CURLINFO_HTTP_VERSION, &mut version) };
    let mut exchange = std::mem::take(&mut h.get_mut().exchange);
    exchange.elapsed = elapsed;
    exchange.http_version = match version as i32 {
        curl_sys::CURL_HTTP_VERSION_1_0 => "HTTP/1.0",
        curl_sys::CURL_HTTP_VERSION_2_0 => "HTTP/2",
        curl_sys::CURL_HTTP_VERSION_3 => "HTTP/3",
        _ => "HTTP/1.1",
    };
    exchange
}
