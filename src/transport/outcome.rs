//! How a transfer ended: what it received, or which failure it was. A failure's code is
//! chosen from libcurl's codes and what libcurl knew beside them (the OS error, whether a
//! proxy was used, how far the response came), never from the message text.

use super::collector::Collector;
use crate::error::{Code, Error, Result, Source};
use crate::received::{Received, Timings};
use curl::easy::Easy2;
use std::ffi::c_long;

const CURLINFO_USED_PROXY: curl_sys::CURLINFO = curl_sys::CURLINFO_LONG + 66;
const CURLE_PROXY: curl_sys::CURLcode = 97;
const CURLE_SSL_CLIENTCERT: curl_sys::CURLcode = 98;
/// libcurl's CURLE_TOO_LARGE (8.6+): its own header count limit.
const CURLE_TOO_LARGE: curl_sys::CURLcode = 100;
const CURLE_ECH_REQUIRED: curl_sys::CURLcode = 101;
/// libcurl's own cap on the bytes of a response head (MAX_HTTP_RESP_HEADER_SIZE).
const CURL_MAX_HEAD_BYTES: c_long = 300 * 1024;

/// What libcurl knew when a transfer failed, besides its code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    pub source: Source,
    /// The transfer went through a proxy (CURLINFO_USED_PROXY).
    pub used_proxy: bool,
    /// The proxy's answer to CONNECT, 0 when none.
    pub connect_code: c_long,
    /// The hop's URL is https.
    pub tls: bool,
    /// A status line of the response had come (the failure is in its head or body).
    pub response_started: bool,
    /// Response head bytes libcurl counted (CURLINFO_HEADER_SIZE).
    pub head_bytes: c_long,
}

/// The code of a libcurl failure.
pub fn classify(facts: &Facts) -> Code {
    use curl_sys::*;
    let code = facts.source.curl_code;
    if code == CURLE_PROXY || code == CURLE_COULDNT_RESOLVE_PROXY {
        return Code::SESSION_E_PROXY;
    }
    if facts.connect_code != 0 && !(200..300).contains(&facts.connect_code) {
        return Code::SESSION_E_PROXY;
    }
    if facts.used_proxy && code == CURLE_COULDNT_CONNECT {
        return Code::SESSION_E_PROXY;
    }
    match code {
        // URLs are checked before libcurl sees them (http or https, with a host), so a
        // transfer that ends this way had a reply that is not HTTP (HTTP/0.9).
        CURLE_UNSUPPORTED_PROTOCOL => Code::SESSION_E_DECODE,
        CURLE_URL_MALFORMAT => Code::SESSION_E_INVALID_URL,
        CURLE_COULDNT_RESOLVE_HOST => Code::SESSION_E_RESOLVE,
        CURLE_COULDNT_CONNECT | CURLE_GOT_NOTHING | CURLE_INTERFACE_FAILED => Code::SESSION_E_CONNECT,
        // A socket failure carries its errno; without one the bytes were the problem: a
        // TLS record before any response (an alert such as "certificate required"), or a
        // malformed response (its head over libcurl's cap, bad chunking).
        CURLE_SEND_ERROR | CURLE_RECV_ERROR if facts.source.os_errno != 0 => Code::SESSION_E_CONNECT,
        CURLE_SEND_ERROR | CURLE_RECV_ERROR if facts.head_bytes > CURL_MAX_HEAD_BYTES => Code::SESSION_E_TOO_LARGE,
        CURLE_SEND_ERROR | CURLE_RECV_ERROR if facts.tls && !facts.response_started => Code::SESSION_E_TLS,
        CURLE_RECV_ERROR if facts.response_started => Code::SESSION_E_DECODE,
        CURLE_SEND_ERROR | CURLE_RECV_ERROR => Code::SESSION_E_CONNECT,
        CURLE_OPERATION_TIMEDOUT => Code::SESSION_E_TIMEOUT,
        CURLE_SSL_CONNECT_ERROR
        | CURLE_PEER_FAILED_VERIFICATION
        | CURLE_SSL_CERTPROBLEM
        | CURLE_SSL_CIPHER
        | CURLE_SSL_CACERT_BADFILE
        | CURLE_SSL_ENGINE_NOTFOUND
        | CURLE_SSL_ENGINE_SETFAILED
        | CURLE_SSL_SHUTDOWN_FAILED
        | CURLE_SSL_CRL_BADFILE
        | CURLE_SSL_ISSUER_ERROR
        | CURLE_SSL_PINNEDPUBKEYNOTMATCH
        | CURLE_SSL_INVALIDCERTSTATUS
        | CURLE_USE_SSL_FAILED
        | CURLE_SSL_CLIENTCERT
        | CURLE_ECH_REQUIRED => Code::SESSION_E_TLS,
        // Before a response: libcurl could not use the client key or certificate. After
        // a status line: its header store refused a malformed line.
        CURLE_BAD_FUNCTION_ARGUMENT if facts.response_started => Code::SESSION_E_DECODE,
        CURLE_BAD_FUNCTION_ARGUMENT if facts.tls => Code::SESSION_E_TLS,
        CURLE_TOO_MANY_REDIRECTS => Code::SESSION_E_TOO_MANY_REDIRECTS,
        CURLE_FILESIZE_EXCEEDED | CURLE_TOO_LARGE => Code::SESSION_E_TOO_LARGE,
        CURLE_BAD_CONTENT_ENCODING | CURLE_PARTIAL_FILE | CURLE_FTP_WEIRD_SERVER_REPLY => Code::SESSION_E_DECODE,
        CURLE_HTTP2 | CURLE_HTTP2_STREAM => Code::SESSION_E_CONNECT,
        CURLE_READ_ERROR | CURLE_WRITE_ERROR => Code::SESSION_E_IO,
        CURLE_ABORTED_BY_CALLBACK => Code::SESSION_E_CANCELLED,
        CURLE_OUT_OF_MEMORY => Code::SESSION_E_OUT_OF_MEMORY,
        _ => Code::SESSION_E_INTERNAL,
    }
}

/// The message of a libcurl failure: libcurl's detail, and for a reply that is not HTTP,
/// a plain statement of it.
fn message(code: Code, err: &curl::Error) -> String {
    let detail = err.extra_description().unwrap_or(err.description());
    match err.code() {
        curl_sys::CURLE_UNSUPPORTED_PROTOCOL | curl_sys::CURLE_FTP_WEIRD_SERVER_REPLY if code == Code::SESSION_E_DECODE => {
            format!("the server's reply is not HTTP ({detail})")
        }
        curl_sys::CURLE_SSL_PINNEDPUBKEYNOTMATCH => format!("public key pinning failed: the server's key matches no pin ({detail})"),
        curl_sys::CURLE_INTERFACE_FAILED => format!("could not bind to the local interface, address or port: {detail}"),
        _ if code == Code::SESSION_E_PROXY && err.code() == curl_sys::CURLE_COULDNT_CONNECT => {
            format!("could not connect to the proxy: {detail}")
        }
        _ => detail.to_owned(),
    }
}

/// An error of libcurl's alone (setting an option, making a handle).
pub fn from_curl(err: &curl::Error) -> Error {
    let facts = Facts { source: Source { curl_code: err.code(), ..Source::default() }, ..Facts::default() };
    let code = classify(&facts);
    Error { code, message: message(code, err), source: Some(facts.source) }
}

fn info_long(h: &Easy2<Collector>, info: curl_sys::CURLINFO) -> c_long {
    let mut value: c_long = 0;
    // SAFETY: the handle is live; a LONG info writes one long.
    unsafe { curl_sys::curl_easy_getinfo(h.raw(), info, &mut value) };
    value
}

/// The failure of a transfer that libcurl ended with `err`: a callback's own reason first
/// (a panic, a size limit, a cancel, a file, decoding), then the head guard's, then
/// libcurl's, classified from its facts.
pub fn failure(h: &Easy2<Collector>, err: &curl::Error) -> Error {
    let collector = h.get_ref();
    if let Some(panic) = &collector.panicked {
        return Error::new(Code::SESSION_E_INTERNAL, panic.clone());
    }
    if let Some(failure) = &collector.transfer.failure {
        return failure.clone();
    }
    if let Some(fault) = collector.head_guard.fault.clone().filter(|_| err.is_write_error()) {
        return fault;
    }
    let facts = Facts {
        source: Source {
            curl_code: err.code(),
            os_errno: info_long(h, curl_sys::CURLINFO_OS_ERRNO) as i32,
            tls_verify: i64::from(info_long(h, curl_sys::CURLINFO_SSL_VERIFYRESULT)),
        },
        used_proxy: info_long(h, CURLINFO_USED_PROXY) != 0,
        connect_code: info_long(h, curl_sys::CURLINFO_HTTP_CONNECTCODE),
        tls: collector.tls_hop,
        response_started: collector.exchange.status != 0 || !collector.exchange.headers.is_empty(),
        head_bytes: info_long(h, curl_sys::CURLINFO_HEADER_SIZE),
    };
    let code = classify(&facts);
    Error { code, message: message(code, err), source: Some(facts.source) }
}

/// What a transfer that libcurl ended well received: the head, the body (ended by the
/// Receiver, which may still fail it) and the timings.
pub fn received(h: &mut Easy2<Collector>) -> Result<Received> {
    if let Some(panic) = h.get_mut().panicked.take() {
        return Err(Error::new(Code::SESSION_E_INTERNAL, panic)); // e.g. in the debug callback
    }
    h.get_mut().settle_head(); // a head always ends before a transfer succeeds; in case
    let mut received = std::mem::take(&mut h.get_mut().exchange);
    received.timings = timings(h);
    h.get_mut().transfer.finish(&mut received)?;
    received.elapsed = received.timings.total;
    if h.get_ref().observe {
        received.peer = Some(Box::new(peer(h)));
    }
    if received.http_version.is_empty() {
        received.http_version = "HTTP/1.1"; // set from the status line (collector)
    }
    Ok(received)
}

/// The address and connection id of a finished transfer.
fn peer(h: &Easy2<Collector>) -> crate::received::Peer {
    let mut ip: *const std::ffi::c_char = std::ptr::null();
    let mut id: curl_sys::curl_off_t = -1;
    // SAFETY: the handle is live; a STRING info writes a pointer into the handle (or NULL),
    // an OFF_T info one curl_off_t.
    unsafe {
        curl_sys::curl_easy_getinfo(h.raw(), CURLINFO_PRIMARY_IP, &mut ip);
        curl_sys::curl_easy_getinfo(h.raw(), CURLINFO_OFF_T + CURLINFO_CONN_ID, &mut id);
    }
    // SAFETY: a non-NULL result is a NUL-terminated string valid while the handle is.
    let ip = if ip.is_null() { String::new() } else { unsafe { std::ffi::CStr::from_ptr(ip) }.to_string_lossy().into_owned() };
    crate::received::Peer { ip, connection: id }
}

/// The timings of a finished transfer, and whether it reused a connection.
fn timings(h: &Easy2<Collector>) -> Timings {
    // The *_TIME_T infos (whole microseconds): cheaper than the double ones.
    let secs = |info: curl_sys::CURLINFO| {
        let mut micros: curl_sys::curl_off_t = 0;
        // SAFETY: the handle is live; an OFF_T info writes one curl_off_t.
        unsafe { curl_sys::curl_easy_getinfo(h.raw(), CURLINFO_OFF_T + info, &mut micros) };
        micros as f64 / 1e6
    };
    // No socket opened: the transfer went over a pooled connection.
    let reused = !h.get_ref().opened_socket;
    // A reused connection had no lookup, connect or handshake: those stay 0.
    let setup = |info| if reused { 0.0 } else { secs(info) };
    Timings {
        dns: setup(CURLINFO_NAMELOOKUP_TIME_T),
        connect: setup(CURLINFO_CONNECT_TIME_T),
        tls: setup(CURLINFO_APPCONNECT_TIME_T),
        first_byte: secs(CURLINFO_STARTTRANSFER_TIME_T),
        total: secs(CURLINFO_TOTAL_TIME_T),
        reused,
        cache: Default::default(),
    }
}

// From curl.h: the curl_off_t infos, and the offsets of the timings among them.
const CURLINFO_OFF_T: curl_sys::CURLINFO = 0x600000;
const CURLINFO_TOTAL_TIME_T: curl_sys::CURLINFO = 50;
const CURLINFO_NAMELOOKUP_TIME_T: curl_sys::CURLINFO = 51;
const CURLINFO_CONNECT_TIME_T: curl_sys::CURLINFO = 52;
const CURLINFO_STARTTRANSFER_TIME_T: curl_sys::CURLINFO = 54;
const CURLINFO_APPCONNECT_TIME_T: curl_sys::CURLINFO = 56;
const CURLINFO_CONN_ID: curl_sys::CURLINFO = 64;
const CURLINFO_PRIMARY_IP: curl_sys::CURLINFO = 0x100000 + 32;

#[cfg(test)]
mod tests {
    use super::*;
    use curl_sys::*;

    fn facts(curl_code: CURLcode, os_errno: i32) -> Facts {
        Facts { source: Source { curl_code, os_errno, tls_verify: 0 }, ..Facts::default() }
    }

    #[test]
    fn codes_come_from_libcurl_codes_and_facts() {
        let started = |f: Facts| Facts { response_started: true, ..f };
        let tls = |f: Facts| Facts { tls: true, ..f };
        for (f, code) in [
            (facts(CURLE_COULDNT_RESOLVE_HOST, 0), Code::SESSION_E_RESOLVE),
            (facts(CURLE_COULDNT_CONNECT, 111), Code::SESSION_E_CONNECT),
            (Facts { used_proxy: true, ..facts(CURLE_COULDNT_CONNECT, 111) }, Code::SESSION_E_PROXY),
            (Facts { connect_code: 407, ..facts(CURLE_RECV_ERROR, 0) }, Code::SESSION_E_PROXY),
            (facts(CURLE_OPERATION_TIMEDOUT, 0), Code::SESSION_E_TIMEOUT),
            (facts(CURLE_PEER_FAILED_VERIFICATION, 0), Code::SESSION_E_TLS),
            (facts(CURLE_COULDNT_RESOLVE_PROXY, 0), Code::SESSION_E_PROXY),
            (facts(CURLE_PARTIAL_FILE, 0), Code::SESSION_E_DECODE),
            // A reset is the network's fault, with or without a response begun.
            (facts(CURLE_RECV_ERROR, 104), Code::SESSION_E_CONNECT),
            (started(facts(CURLE_RECV_ERROR, 104)), Code::SESSION_E_CONNECT),
            // Bad chunking: no errno, a response begun.
            (started(facts(CURLE_RECV_ERROR, 0)), Code::SESSION_E_DECODE),
            (tls(started(facts(CURLE_RECV_ERROR, 0))), Code::SESSION_E_DECODE),
            // A TLS alert before any response.
            (tls(facts(CURLE_RECV_ERROR, 0)), Code::SESSION_E_TLS),
            (Facts { head_bytes: 307_940, ..started(facts(CURLE_RECV_ERROR, 0)) }, Code::SESSION_E_TOO_LARGE),
            (facts(CURLE_TOO_LARGE, 0), Code::SESSION_E_TOO_LARGE),
            (started(facts(CURLE_BAD_FUNCTION_ARGUMENT, 0)), Code::SESSION_E_DECODE),
            (tls(facts(CURLE_BAD_FUNCTION_ARGUMENT, 0)), Code::SESSION_E_TLS),
            (facts(CURLE_BAD_FUNCTION_ARGUMENT, 0), Code::SESSION_E_INTERNAL),
            // Not the caller's URL: the server's reply.
            (facts(CURLE_UNSUPPORTED_PROTOCOL, 0), Code::SESSION_E_DECODE),
            (facts(CURLE_FTP_WEIRD_SERVER_REPLY, 0), Code::SESSION_E_DECODE),
        ] {
            assert_eq!(classify(&f), code, "{f:?}");
        }
    }

    #[test]
    fn a_reply_that_is_not_http_says_so() {
        let err = from_curl(&curl::Error::new(CURLE_UNSUPPORTED_PROTOCOL));
        assert_eq!(err.code, Code::SESSION_E_DECODE);
        assert!(err.message.contains("not HTTP"), "{}", err.message);
        assert_eq!(err.source.map(|s| s.curl_code), Some(CURLE_UNSUPPORTED_PROTOCOL));
    }
}
