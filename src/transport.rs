//! One HTTP exchange over libcurl, on the calling thread, with an easy handle checked out
//! of the session's pool. Each pooled handle keeps its own live connections, so a thread
//! doing sequential requests gets the same handle, and the same connection, back.

use crate::error::{from_curl, Code, Error, Result};
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::{Easy2, Handler, List, WriteError};
use std::ffi::CString;
use std::sync::Mutex;
use std::time::Duration;

const CURLOPT_PROTOCOLS_STR: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_OBJECTPOINT + 318;
const CURLINFO_HTTP_VERSION: curl_sys::CURLINFO = curl_sys::CURLINFO_LONG + 46;

/// What one hop received.
#[derive(Debug, Default)]
pub struct Exchange {
    pub status: u32,
    pub reason: Vec<u8>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub body: Vec<u8>,
    pub http_version: &'static str,
    pub elapsed: f64,
}

impl Exchange {
    /// Values of every header called `name`, in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v.as_slice())
    }
}

/// Receives the response into memory.
#[derive(Default)]
pub struct Collector {
    exchange: Exchange,
    max_body: usize,
    too_large: bool,
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
                value.push(b' ');
                value.extend_from_slice(line.trim_ascii());
            }
        } else if let Some(colon) = line.iter().position(|&b| b == b':') {
            let (name, value) = (&line[..colon], &line[colon + 1..]);
            self.exchange.headers.push((name.trim_ascii().to_vec(), value.trim_ascii().to_vec()));
        }
        true
    }
}

/// Idle easy handles, most recently used last.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<Easy2<Collector>>>,
}

impl Pool {
    fn checkout(&self) -> Easy2<Collector> {
        let handle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        handle.unwrap_or_else(|| Easy2::new(Collector::default()))
    }

    fn checkin(&self, handle: Easy2<Collector>) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
    }

    /// Performs one hop (no redirect following) with the given total timeout.
    pub fn perform(&self, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> Result<Exchange> {
        let mut handle = self.checkout();
        handle.reset();
        *handle.get_mut() = Collector { max_body: settings.max_body_size, ..Collector::default() };
        let result = configure(&mut handle, settings, hop, timeout)
            .map_err(|e| from_curl(&e))
            .and_then(|()| handle.perform().map_err(|e| classify(&handle, &e)))
            .and_then(|()| finish(&mut handle));
        self.checkin(handle);
        result
    }
}

fn configure(h: &mut Easy2<Collector>, settings: &Settings, hop: &Prepared, timeout: Option<Duration>) -> std::result::Result<(), curl::Error> {
    let mut url = hop.url.clone();
    url.set_fragment(None);
    h.url(url.as_str())?;
    let protocols = CString::new("http,https").expect("static string");
    // SAFETY: the handle is live and libcurl copies string options.
    let rc = unsafe { curl_sys::curl_easy_setopt(h.raw(), CURLOPT_PROTOCOLS_STR, protocols.as_ptr()) };
    if rc != curl_sys::CURLE_OK {
        return Err(curl::Error::new(rc));
    }

    match (hop.method.as_str(), &hop.body) {
        ("HEAD", _) => h.nobody(true)?,
        ("GET", None) => h.get(true)?,
        (method, None) if method != "POST" => h.custom_request(method)?,
        (method, body) => {
            let data = body.as_ref().map_or(&[][..], |b| b.data.as_slice());
            h.post(true)?;
            h.post_field_size(data.len() as u64)?;
            h.post_fields_copy(data)?;
            if method != "POST" {
                h.custom_request(method)?;
            }
        }
    }
    h.http_headers(header_list(hop)?)?;

    if let Some(t) = settings.connect_timeout {
        h.connect_timeout(t)?;
    }
    if let Some(t) = timeout {
        h.timeout(t)?;
    }
    h.ssl_verify_peer(settings.verify)?;
    h.ssl_verify_host(settings.verify)?;
    if let Some(ca) = &settings.ca_bundle {
        h.cainfo(ca)?;
    }
    if !settings.resolve.is_empty() {
        let mut list = List::new();
        for entry in &settings.resolve {
            list.append(entry)?;
        }
        h.resolve(list)?;
    }
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
    if hop.body.is_some() && !hop.headers.contains("Content-Type") {
        list.append("Content-Type:")?; // libcurl would claim a form otherwise
    }
    if !hop.headers.contains("Expect") {
        list.append("Expect:")?;
    }
    Ok(list)
}

fn classify(h: &Easy2<Collector>, err: &curl::Error) -> Error {
    if err.is_write_error() && h.get_ref().too_large {
        return Error::new(Code::SESSION_E_TOO_LARGE, "response body is over the session's max body size");
    }
    from_curl(err)
}

fn finish(h: &mut Easy2<Collector>) -> Result<Exchange> {
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
    Ok(exchange)
}
