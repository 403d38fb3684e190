//! Receives a response (status line, headers, body); the body, uploads, progress and
//! tracing go through the transfer Receiver.

use crate::limits::HeadLine;
use crate::received::Received;
use crate::transfer::Receiver;
use curl::easy::{Easy2, Handler, InfoType, ReadError, SeekResult, WriteError};
use std::ffi::{c_char, c_int, c_void};
use std::io::SeekFrom;

/// Receives the response into memory.
#[derive(Default)]
pub struct Collector {
    pub(crate) exchange: Received,
    /// Body decoding and destination, upload, progress and tracing of the current hop.
    pub(crate) transfer: Receiver,
    /// Header caps and framing checks, renewed for each transfer by `configure`.
    pub(crate) head_guard: crate::limits::HeaderGuard,
    /// The options this handle's earlier requests left set (see `Applied`).
    pub(crate) applied: Applied,
    /// A panic caught in one of this transfer's callbacks. Kept here rather than left to the
    /// curl crate, whose thread-local record is only cleared by Easy::perform, never on a
    /// multi handle: there it would fail every later callback on the thread.
    pub(crate) panicked: Option<String>,
    /// Which of a driver's transfers this is (Lane::start); found again through
    /// CURLOPT_PRIVATE, which points here.
    pub(crate) token: usize,
    /// libcurl opened a socket during this transfer: it made a connection, not reused one.
    pub(crate) opened_socket: bool,
    /// A response head is being received (a status line came, its blank line not yet):
    /// its lines were added without a NUL check, which `settle_head` makes.
    pub(crate) head_open: bool,
    /// The hop's URL is https (a failure before any response may be TLS's).
    pub(crate) tls_hop: bool,
    /// A layer records the hop: `received` adds the peer (Hop::observe).
    pub(crate) observe: bool,
    /// The cache stores the hop: keep a decoded body as received too (Hop::keep_encoded).
    pub(crate) keep_encoded: bool,
    /// Lines and bytes of the last response head received ((0, 0) before the first).
    pub(crate) last_head: (usize, usize),
}

impl Collector {
    /// Runs a callback body; a panic aborts the transfer (`abort`) and is recorded.
    fn shielded<T>(&mut self, abort: T, f: impl FnOnce(&mut Collector) -> T) -> T {
        if self.panicked.is_some() {
            return abort;
        }
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self))) {
            Ok(value) => value,
            Err(payload) => {
                self.panicked = Some(crate::ffi::panic_message(&*payload));
                abort
            }
        }
    }
}

/// What the libcurl options of this handle were last set from, so that a request skips the
/// options whose inputs have not changed. `None` (and snapshot 0) means unknown: set it.
/// Whoever resets the handle (curl_easy_reset) or fails half-way through setting options
/// must reset this to its default.
#[derive(Default)]
pub struct Applied {
    /// The Settings snapshot whose session-wide options are set (0: none).
    pub snapshot: u64,
    /// The URL set (None after net::configure set one without credentials).
    pub url: Option<String>,
    /// The handle does a plain GET (HTTPGET set, no CUSTOMREQUEST).
    pub plain_get: bool,
    /// The request headers (and whether a body is sent) the header list was built from.
    pub headers: Option<(crate::headers::Headers, bool)>,
    /// Those headers send the library's own Accept-Encoding (so the body is decoded).
    pub default_accept_encoding: bool,
    pub timeout: Option<Option<std::time::Duration>>,
    pub digest: Option<Option<crate::net::Credentials>>,
    pub idle_secs: Option<u64>,
    /// The proxy and its Proxy-Authorization value.
    pub proxy: Option<(Option<String>, Option<String>)>,
    pub progress: Option<bool>,
    pub http_version: Option<crate::transfer::HttpVersion>,
    /// CURLOPT_PIPEWAIT (lane::configure_engine).
    pub pipewait: Option<bool>,
    /// CURLOPT_UNIX_SOCKET_PATH.
    pub unix_socket: Option<Option<std::ffi::CString>>,
    /// CURLOPT_MAX_RECV_SPEED_LARGE and CURLOPT_MAX_SEND_SPEED_LARGE.
    pub max_speed: Option<(u64, u64)>,
}

impl Handler for Collector {
    fn write(&mut self, data: &[u8]) -> std::result::Result<usize, WriteError> {
        self.shielded(Ok(0), |c| Ok(if c.transfer.write(&c.exchange, data) { data.len() } else { 0 }))
    }

    fn read(&mut self, data: &mut [u8]) -> std::result::Result<usize, ReadError> {
        self.shielded(Err(ReadError::Abort), |c| c.transfer.read(data))
    }

    fn seek(&mut self, whence: SeekFrom) -> SeekResult {
        self.shielded(SeekResult::Fail, |c| c.transfer.seek(whence))
    }

    fn progress(&mut self, dltotal: f64, dlnow: f64, ultotal: f64, ulnow: f64) -> bool {
        self.shielded(false, |c| c.transfer.progress(dltotal, dlnow, ultotal, ulnow))
    }

    fn debug(&mut self, kind: InfoType, data: &[u8]) {
        self.shielded((), |c| c.transfer.debug(kind, data))
    }

    fn header(&mut self, line: &[u8]) -> bool {
        self.shielded(false, |c| c.on_header(line))
    }

    fn open_socket(&mut self, family: c_int, socktype: c_int, protocol: c_int) -> Option<curl_sys::curl_socket_t> {
        self.opened_socket = true;
        // As the curl crate's own: close-on-exec, so that a child that execs never holds it.
        // SAFETY: socket(2) with the arguments libcurl chose; the descriptor goes to libcurl.
        let fd = unsafe { libc::socket(family, socktype | libc::SOCK_CLOEXEC, protocol) };
        (fd >= 0).then_some(fd)
    }
}

impl Collector {
    fn on_header(&mut self, raw: &[u8]) -> bool {
        #[cfg(any(debug_assertions, feature = "panic-injection"))]
        crate::ffi::panic_injection::maybe_panic_in_callback("header");
        let line = HeadLine::parse(raw);
        if !self.head_guard.check_parsed(raw.len(), &line) {
            return false;
        }
        let headers = &mut self.exchange.headers;
        match line {
            // libcurl refuses a NUL in a header line; ours are checked once per head, at
            // its end (settle_head), a trailer after it line by line.
            // SAFETY: the head is settled before its lines are read.
            HeadLine::Field(name, value) if self.head_open => unsafe { headers.push_unchecked(name, value) },
            HeadLine::Field(name, value) => headers.push(name, value),
            HeadLine::Fold(more) => headers.extend_last(more),
            HeadLine::Status(status) => self.on_status_line(status),
            HeadLine::End => self.on_head_end(),
            HeadLine::Other => {}
        }
        true
    }

    /// A status line starts a new response head (also after a 1xx response or a proxy's
    /// CONNECT response). Out of line, as is the head's end: header lines are the hot path.
    #[inline(never)]
    fn on_status_line(&mut self, status: &[u8]) {
        let headers = &mut self.exchange.headers;
        // Room for a head like the last one this handle received (responses from one
        // server look alike).
        let (lines, bytes) = if self.last_head.0 == 0 { (11, 352) } else { self.last_head };
        headers.clear_with_room(lines + 1, bytes + 32);
        self.head_open = true;
        let mut parts = status.splitn(3, |&b| b == b' ');
        self.exchange.http_version = match parts.next().unwrap_or_default() {
            b"HTTP/1.0" => "HTTP/1.0",
            b"HTTP/2" => "HTTP/2",
            b"HTTP/3" => "HTTP/3",
            _ => "HTTP/1.1",
        };
        self.exchange.status = parts.next().and_then(parse_status).unwrap_or(0);
        // The standard phrase is not copied: the response points to a static one.
        let reason = parts.next().unwrap_or_default().trim_ascii();
        let standard = crate::response::canonical_reason(self.exchange.status).to_bytes();
        self.exchange.reason = if reason == standard { Vec::new() } else { reason.to_vec() };
    }

    /// The blank line that ends a head.
    #[inline(never)]
    fn on_head_end(&mut self) {
        self.settle_head();
        // The head is complete: what the guard noted about it goes with the exchange.
        self.last_head = self.exchange.headers.size();
        self.exchange.content_length = self.head_guard.content_length;
        self.exchange.encoded = self.head_guard.encoded;
    }

    /// Ends the unchecked stretch of a head (see `head_open`): called at its blank line, and
    /// by whoever reads the lines of a head that may not have ended.
    pub(crate) fn settle_head(&mut self) {
        if std::mem::take(&mut self.head_open) {
            self.exchange.headers.drop_stray_nul();
        }
    }
}

/// A three-digit status code.
fn parse_status(code: &[u8]) -> Option<u32> {
    match *code {
        [a @ b'0'..=b'9', b @ b'0'..=b'9', c @ b'0'..=b'9'] => {
            Some(u32::from(a - b'0') * 100 + u32::from(b - b'0') * 10 + u32::from(c - b'0'))
        }
        _ => None,
    }
}

/// Points libcurl at this handle's Collector: the header and write callbacks straight into
/// it (the curl crate's trampolines look up a thread-local panic slot on every call, which
/// costs more than the work on a short header line; the Collector catches its own panics,
/// see `shielded`), and CURLOPT_PRIVATE, by which a driver finds a finished transfer's
/// Collector, and so its token, again.
pub fn bind(easy: &mut Easy2<Collector>) -> Result<(), curl::Error> {
    let collector = easy.get_mut() as *mut Collector as *mut c_void;
    let header: curl_sys::curl_write_callback = header_fn;
    let write: curl_sys::curl_write_callback = write_fn;
    // SAFETY: the Collector lives in the Easy2's heap allocation, so its address stays valid
    // for the handle's whole life; the functions match libcurl's callback signature.
    unsafe {
        for (option, value) in [
            (curl_sys::CURLOPT_HEADERFUNCTION, header as *const c_void),
            (curl_sys::CURLOPT_HEADERDATA, collector),
            (curl_sys::CURLOPT_WRITEFUNCTION, write as *const c_void),
            (curl_sys::CURLOPT_WRITEDATA, collector),
            (curl_sys::CURLOPT_PRIVATE, collector),
        ] {
            let rc = curl_sys::curl_easy_setopt(easy.raw(), option, value);
            if rc != curl_sys::CURLE_OK {
                return Err(curl::Error::new(rc));
            }
        }
    }
    Ok(())
}

/// # Safety (for libcurl): `collector` is the HEADERDATA set by `bind`.
extern "C" fn header_fn(buffer: *mut c_char, size: usize, nitems: usize, collector: *mut c_void) -> usize {
    let len = size * nitems;
    // SAFETY: libcurl hands over `len` readable bytes and the live Collector.
    let (collector, line) = unsafe { (&mut *(collector as *mut Collector), bytes(buffer, len)) };
    if Handler::header(collector, line) {
        len
    } else {
        !0 // anything but `len` aborts the transfer
    }
}

/// # Safety (for libcurl): `collector` is the WRITEDATA set by `bind`.
extern "C" fn write_fn(buffer: *mut c_char, size: usize, nitems: usize, collector: *mut c_void) -> usize {
    let len = size * nitems;
    // SAFETY: as in header_fn.
    let (collector, data) = unsafe { (&mut *(collector as *mut Collector), bytes(buffer, len)) };
    Handler::write(collector, data).unwrap_or(0) // the Collector never pauses
}

/// The bytes libcurl passed (it may pass NULL with a length of 0).
unsafe fn bytes<'a>(buffer: *const c_char, len: usize) -> &'a [u8] {
    if buffer.is_null() || len == 0 {
        &[]
    } else {
        std::slice::from_raw_parts(buffer as *const u8, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_is_free_of_stray_nul_bytes_once_its_blank_line_came() {
        let mut collector = Collector { head_guard: crate::limits::HeaderGuard::new(0), ..Collector::default() };
        for line in [&b"HTTP/1.1 200 OK\r\n"[..], b"A: x\0y\r\n", b"\r\n"] {
            assert!(collector.header(line));
        }
        assert!(!collector.head_open);
        let lines: Vec<(&[u8], &[u8])> = collector.exchange.headers.iter().map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
        assert_eq!(lines, [(&b"A"[..], &b"xy"[..])]);
    }

    #[test]
    fn a_nul_in_a_header_line_is_dropped_with_or_without_the_blank_line() {
        for head in [&b"HTTP/1.1 200 OK\r\nA: x\0y\r\nB\0: z\r\n\r\nT\0: t\0\r\n"[..], b"HTTP/1.1 200 OK\r\nA: x\0y\r\nB\0: z\r\n"] {
            let (status, headers, aborted) = crate::transport::collect_head(head, 0);
            assert_eq!((status, aborted), (200, false));
            let lines: Vec<(&[u8], &[u8])> = headers.iter().map(|(n, v)| (n.to_bytes(), v.to_bytes())).collect();
            assert_eq!(lines[..2], [(&b"A"[..], &b"xy"[..]), (b"B", b"z")]);
            if head.ends_with(b"t\0\r\n") {
                assert_eq!(lines[2], (&b"T"[..], &b"t"[..]), "a trailer");
            }
        }
    }

}
