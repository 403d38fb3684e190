//! A connection of its own for a WebSocket: an easy handle outside the pool (never shared
//! with another thread's requests), configured like any hop (TLS, proxy, headers, timeouts)
//! and performed with CONNECT_ONLY = 2, so libcurl sends the upgrade request, reads the
//! 101 and leaves the connection to curl_ws_send / curl_ws_recv. The frame codec is
//! libcurl's (lib/ws.c in the bundled 8.22); curl-sys does not declare its functions, so
//! they are declared here.

use super::collector::{self, Collector};
use super::options::{configure, setopt_long, setopt_str, CURLOPT_PROTOCOLS_STR};
use super::outcome::{failure, from_curl};
use crate::error::{Code, Error, Result};
use crate::prepare::Prepared;
use crate::received::Received;
use crate::settings::Settings;
use curl::easy::Easy2;
use std::ffi::c_int;
use std::time::Duration;

/// libcurl's WebSocket functions and frame record, which curl-sys does not declare.
/// cbindgen:ignore
mod sys {
    use std::ffi::{c_int, c_uint, c_void};

    /// libcurl's struct curl_ws_frame (include/curl/websockets.h).
    #[repr(C)]
    pub struct CurlWsFrame {
        pub age: c_int,
        pub flags: c_int,
        pub offset: curl_sys::curl_off_t,
        pub bytesleft: curl_sys::curl_off_t,
        pub len: usize,
    }

    extern "C" {
        pub fn curl_ws_recv(curl: *mut curl_sys::CURL, buffer: *mut c_void, buflen: usize, recv: *mut usize, meta: *mut *const CurlWsFrame) -> curl_sys::CURLcode;
        pub fn curl_ws_send(curl: *mut curl_sys::CURL, buffer: *const c_void, buflen: usize, sent: *mut usize, fragsize: curl_sys::curl_off_t, flags: c_uint) -> curl_sys::CURLcode;
    }
}

use sys::{curl_ws_recv, curl_ws_send, CurlWsFrame};

// Flag bits of curl_ws_frame.flags and curl_ws_send (websockets.h).
pub(crate) const CURLWS_TEXT: u32 = 1 << 0;
pub(crate) const CURLWS_BINARY: u32 = 1 << 1;
pub(crate) const CURLWS_CONT: u32 = 1 << 2;
pub(crate) const CURLWS_CLOSE: u32 = 1 << 3;
pub(crate) const CURLWS_PING: u32 = 1 << 4;
pub(crate) const CURLWS_PONG: u32 = 1 << 6;
const CURLOPT_CONNECT_ONLY: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 141;
const CURLOPT_WS_OPTIONS: curl_sys::CURLoption = curl_sys::CURLOPTTYPE_LONG + 320;
/// Pings are answered by libsession (so that each one is also given to the caller).
const CURLWS_NOAUTOPONG: std::ffi::c_long = 1 << 1;
const CURLINFO_ACTIVESOCKET: curl_sys::CURLINFO = 0x500000 + 44;
const CURLE_AGAIN: curl_sys::CURLcode = 81;

/// One chunk of a received frame.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    /// Bytes written to the buffer.
    pub len: usize,
    pub flags: u32,
    /// Where this chunk starts in its frame's payload.
    pub offset: u64,
    /// Payload bytes of the frame still to come after this chunk.
    pub bytes_left: u64,
}

/// An upgraded connection. One thread at a time may call it (the ws module's lock).
pub struct Upgraded {
    easy: Easy2<Collector>,
}

// SAFETY: a libcurl easy handle may move between threads when one thread uses it at a time;
// every use goes through `&mut self` (the ws module keeps it behind a mutex).
unsafe impl Send for Upgraded {}

/// How an upgrade attempt ended.
pub enum Opened {
    /// 101: the connection, and the 101 response.
    Open(Upgraded, Received),
    /// The server answered, but not with 101: its response head (libcurl reads no body).
    Refused(Received),
    Failed(Error),
}

/// Sends `hop` (an http(s) URL, prepared with the session's settings) as a WebSocket
/// upgrade to `ws_url` (the same URL with the ws or wss scheme) and waits for the answer.
pub fn open(settings: &Settings, hop: &Prepared, ws_url: &str, timeout: Option<Duration>) -> Opened {
    let mut easy = Easy2::new(Collector::default());
    let setup = (|| {
        collector::bind(&mut easy)?;
        setopt_str(&easy, CURLOPT_PROTOCOLS_STR, Some(c"ws,wss"))?;
        configure(&mut easy, settings, hop, timeout)?;
        easy.url(ws_url)?;
        easy.http_version(curl::easy::HttpVersion::V11)?;
        setopt_long(&easy, CURLOPT_WS_OPTIONS, CURLWS_NOAUTOPONG)?;
        setopt_long(&easy, CURLOPT_CONNECT_ONLY, 2)
    })();
    if let Err(err) = setup {
        return Opened::Failed(from_curl(&err));
    }
    match easy.perform() {
        Ok(()) => {
            easy.get_mut().settle_head();
            let received = std::mem::take(&mut easy.get_mut().exchange);
            if received.status != 101 {
                return Opened::Refused(received);
            }
            Opened::Open(Upgraded { easy }, received)
        }
        Err(err) if err.code() == curl_sys::CURLE_HTTP_RETURNED_ERROR && easy.get_ref().exchange.status != 0 => {
            easy.get_mut().settle_head();
            Opened::Refused(std::mem::take(&mut easy.get_mut().exchange))
        }
        Err(err) => Opened::Failed(failure(&easy, &err)),
    }
}

fn ws_error(rc: curl_sys::CURLcode, what: &str) -> Error {
    let code = match rc {
        curl_sys::CURLE_OUT_OF_MEMORY => Code::SESSION_E_OUT_OF_MEMORY,
        // A frame libcurl's decoder refused (masked, reserved bits, bad opcode, bad
        // fragmentation, oversize control frame).
        curl_sys::CURLE_RECV_ERROR => Code::SESSION_E_DECODE,
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

    /// Receives what is there into `buf`: None when nothing is (the socket would block).
    /// A connection the peer closed is SESSION_E_CONNECT.
    pub fn recv(&mut self, buf: &mut [u8]) -> Result<Option<Chunk>> {
        let mut got = 0usize;
        let mut meta: *const CurlWsFrame = std::ptr::null();
        // SAFETY: the handle is live and upgraded; `buf` is writable for its length.
        let rc = unsafe { curl_ws_recv(self.easy.raw(), buf.as_mut_ptr().cast(), buf.len(), &mut got, &mut meta) };
        match rc {
            curl_sys::CURLE_OK if !meta.is_null() => {
                // SAFETY: libcurl points `meta` at its connection's frame record.
                let m = unsafe { &*meta };
                Ok(Some(Chunk { len: got, flags: m.flags as u32, offset: m.offset as u64, bytes_left: m.bytesleft as u64 }))
            }
            curl_sys::CURLE_OK | CURLE_AGAIN => Ok(None),
            curl_sys::CURLE_GOT_NOTHING => Err(Error::new(Code::SESSION_E_CONNECT, "the WebSocket peer closed the connection")),
            rc => Err(ws_error(rc, "receive failed")),
        }
    }

    /// Sends what it can of a frame's payload `data` (the rest of a frame begun by an
    /// earlier call with the same flags): the payload bytes taken, and whether the socket
    /// would block (then call again with the rest once it is writable).
    pub fn send(&mut self, data: &[u8], flags: u32) -> Result<(usize, bool)> {
        let mut sent = 0usize;
        // SAFETY: the handle is live and upgraded; `data` is readable for its length.
        let rc = unsafe { curl_ws_send(self.easy.raw(), data.as_ptr().cast(), data.len(), &mut sent, 0, flags) };
        match rc {
            curl_sys::CURLE_OK => Ok((sent, sent < data.len())),
            CURLE_AGAIN => Ok((sent, true)),
            rc => Err(ws_error(rc, "send failed")),
        }
    }
}
