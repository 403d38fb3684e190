//! A connection of its own for a WebSocket: an easy handle outside the pool (never shared
//! with another thread's requests), configured like any hop (TLS, proxy, timeouts) and
//! performed with CONNECT_ONLY = 1 on the ws(s) URL: libcurl resolves, connects, tunnels
//! through the session's proxy (CONNECT, as it does for ws and wss), does TLS, and stops.
//! The handshake and the frames are the ws module's, as bytes through curl_easy_send and
//! curl_easy_recv, so that a refused upgrade is read whole (libcurl's own WebSocket mode
//! stops at the head of a refusal and closes the connection).

use super::collector::{self, Collector};
use super::options::{configure, setopt_long, setopt_str, CURLOPT_PROTOCOLS_STR};
use super::outcome::{failure, from_curl};
use crate::error::{Code, Error, Result};
use crate::prepare::Prepared;
use crate::settings::Settings;
use curl::easy::Easy2;
use std::ffi::c_int;
use std::time::Duration;

const CURLOPT_CONNECT_ONLY: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 141;
const CURLINFO_ACTIVESOCKET: curl_sys::CURLINFO = 0x500000 + 44;
const CURLE_AGAIN: curl_sys::CURLcode = 81;

/// A connected socket (TLS and any proxy tunnel done). One thread at a time may call it
/// (the ws module's lock).
pub struct Upgraded {
    easy: Easy2<Collector>,
}

// SAFETY: a libcurl easy handle may move between threads when one thread uses it at a time;
// every use goes through `&mut self` (the ws module keeps it behind a mutex).
unsafe impl Send for Upgraded {}

/// Connects to the origin of `hop` (an http(s) URL, prepared with the session's settings)
/// as libcurl would for `ws_url` (the same URL with the ws or wss scheme).
pub fn open(settings: &Settings, hop: &Prepared, ws_url: &str, timeout: Option<Duration>) -> Result<Upgraded> {
    let mut easy = Easy2::new(Collector::default());
    let setup = (|| {
        collector::bind(&mut easy)?;
        setopt_str(&easy, CURLOPT_PROTOCOLS_STR, Some(c"ws,wss"))?;
        configure(&mut easy, settings, hop, timeout)?;
        easy.url(ws_url)?;
        // ALPN offers http/1.1 only (RFC 8441 WebSocket over HTTP/2 is not spoken).
        easy.http_version(curl::easy::HttpVersion::V11)?;
        setopt_long(&easy, CURLOPT_CONNECT_ONLY, 1)
    })();
    if let Err(err) = setup {
        return Err(from_curl(&err));
    }
    match easy.perform() {
        Ok(()) => Ok(Upgraded { easy }),
        Err(err) => Err(failure(&easy, &err)),
    }
}

fn io_error(rc: curl_sys::CURLcode, what: &str) -> Error {
    let code = match rc {
        curl_sys::CURLE_OUT_OF_MEMORY => Code::SESSION_E_OUT_OF_MEMORY,
        curl_sys::CURLE_BAD_FUNCTION_ARGUMENT => Code::SESSION_E_INTERNAL,
        _ => Code::SESSION_E_CONNECT,
    };
    let err = curl::Error::new(rc);
    Error { code, message: format!("WebSocket {what}: {}", err.description()), source: Some(crate::error::Source { curl_code: rc, ..Default::default() }) }
}

impl Upgraded {
    /// The connection's socket.
    pub fn fd(&self) -> c_int {
        let mut sock: curl_sys::curl_socket_t = -1;
        // SAFETY: the handle is live; ACTIVESOCKET writes one curl_socket_t.
        unsafe { curl_sys::curl_easy_getinfo(self.easy.raw(), CURLINFO_ACTIVESOCKET, &mut sock) };
        sock
    }

    /// Reads what is there into `buf` (not empty): the byte count, 0 when the peer closed
    /// the connection, None when nothing is there (the socket would block).
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<Option<usize>> {
        let mut got = 0usize;
        // SAFETY: the handle is live and connected; `buf` is writable for its length.
        let rc = unsafe { curl_sys::curl_easy_recv(self.easy.raw(), buf.as_mut_ptr().cast(), buf.len(), &mut got) };
        match rc {
            curl_sys::CURLE_OK => Ok(Some(got)),
            CURLE_AGAIN => Ok(None),
            rc => Err(io_error(rc, "receive failed")),
        }
    }

    /// Writes what it can of `data`: the bytes taken (0 when the socket would block).
    pub fn send(&mut self, data: &[u8]) -> Result<usize> {
        let mut sent = 0usize;
        // SAFETY: the handle is live and connected; `data` is readable for its length.
        let rc = unsafe { curl_sys::curl_easy_send(self.easy.raw(), data.as_ptr().cast(), data.len(), &mut sent) };
        match rc {
            curl_sys::CURLE_OK => Ok(sent),
            CURLE_AGAIN => Ok(0),
            rc => Err(io_error(rc, "send failed")),
        }
    }
}
