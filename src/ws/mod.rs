//! WebSocket (RFC 6455) from a session: the upgrade request is prepared as any request
//! (`prepare`: default headers, params, auth, credentials; the jar's cookies; the session's
//! TLS, proxy, HSTS and timeout settings). libcurl connects (TCP, the proxy's tunnel, TLS)
//! on a handle of its own (`transport::upgrade`); the handshake and the frames are this
//! module's (`handshake`, `frame`), bytes through that connection. Set-Cookie on the answer
//! goes into the jar; an answer other than 101 is an error that still gives the response,
//! body included.
//!
//! Threads: one thread may send while another receives. Every call on the connection
//! runs under `conn` (a libcurl handle is single-threaded); whole messages are sent under
//! `sending` (so frames of two messages never interleave), receives under `receiving`.
//! Pongs and the reply to a close are sent by the receiving thread when no message is being
//! sent, otherwise by the sender right after its message.

mod frame;
mod handshake;
mod recv;

pub use handshake::accept_for;
pub use recv::{Kind, Message};

use crate::error::{Code, Error, Result};
use crate::received::Received;
use crate::request::Request;
use crate::response::{Response, ResponseUrl};
use crate::session::Session;
use crate::settings::Settings;
use crate::transport::upgrade::{self, Upgraded};
use frame::{OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The default cap on a received message (session_ws_set_max_message).
pub(crate) const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;
/// How long a send may wait for the socket when neither request nor session set a total
/// timeout.
const DEFAULT_SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest refusal body read when the session sets no max body size.
const REFUSAL_BODY_MAX: u64 = 1024 * 1024;
/// How long session_ws_free waits to hand its close frame to the socket.
const FREE_CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

pub struct WebSocket {
    conn: Mutex<Upgraded>,
    sending: Mutex<()>,
    receiving: Mutex<recv::State>,
    /// A control frame the receiver could not send at once (a message was being sent): a
    /// pong (only the latest ping's), or the reply to the peer's close.
    pending: Mutex<Option<(u8, Vec<u8>)>>,
    close_sent: AtomicBool,
    /// The connection failed or was closed: no more sends or receives.
    dead: Mutex<Option<Error>>,
    max_message: AtomicUsize,
    send_timeout: Duration,
    fd: std::ffi::c_int,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Opens a WebSocket to `url` (ws, wss, http or https) with `opts`' headers (among them
/// Sec-WebSocket-Protocol for subprotocols), params and timeout. Gives the handshake's
/// response too when there was one (the 101, or the refusal).
pub fn connect(session: &Session, url: &str, opts: Option<&Request>) -> (Result<WebSocket>, Option<Response>) {
    match connect_inner(session, url, opts) {
        Ok((ws, response)) => (Ok(ws), Some(response)),
        Err((err, response)) => (Err(err), response),
    }
}

type Failure = (Error, Option<Response>);

fn connect_inner(session: &Session, url: &str, opts: Option<&Request>) -> std::result::Result<(WebSocket, Response), Failure> {
    let bare = |err: Error| (err, None);
    let settings = session.settings();
    crate::reentry::check(settings.transfer.session_id).map_err(bare)?;
    crate::util::check_no_ctl(url, "URL").map_err(bare)?;
    let http_url = handshake::http_url(url).map_err(bare)?;
    let mut request = Request::new("GET", &http_url).map_err(bare)?;
    if let Some(opts) = opts {
        request.headers = opts.headers.clone();
        request.params = opts.params.clone();
        request.timeout = opts.timeout;
        request.net = opts.net.clone();
    }
    let key = handshake::new_key().map_err(bare)?;
    request.set_header("Sec-WebSocket-Key", Some(&key)).map_err(bare)?;
    let mut hop = crate::prepare::prepare(&settings, &request).map_err(bare)?;
    // The session's HSTS and https-only rules, as for any hop, before the cookies are chosen.
    let mut url = url::Url::clone(&hop.url);
    if crate::client::strict::upgrade(session, &settings, &mut url) {
        hop.url = url.into();
    }
    if settings.https_only && hop.url.scheme() == "http" {
        return Err(bare(Error::invalid_url(format!("https-only session: refusing a plain ws:// upgrade to {}", hop.url))));
    }
    let settings = match !settings.verify && settings.hsts && hop.url.scheme() == "https" && session.hsts_in_use() && session.hsts().covers(&hop.url) {
        true => std::sync::Arc::new(crate::settings::Settings { verify: true, ..crate::settings::Settings::clone(&settings) }),
        false => settings,
    };
    if !hop.headers.contains("Cookie") && session.jar_in_use() {
        if let Some(cookies) = session.jar().header_for(&hop.url) {
            hop.headers.set("Cookie", Some(&cookies));
        }
    }
    let timeout = request.timeout.unwrap_or(settings.total_timeout);
    let ws_url = handshake::ws_url(&hop.url);
    let started = Instant::now();
    let mut conn = upgrade::open(&settings, &hop, &ws_url, timeout).map_err(bare)?;
    let deadline = started + timeout.unwrap_or(DEFAULT_SEND_TIMEOUT);
    let request_bytes = handshake::request_bytes(&hop.url, &hop.headers);
    let (received, rest) = match exchange(&mut conn, &request_bytes, deadline, &settings).map_err(bare)? {
        Answer::Switched(received, rest) => (received, rest),
        Answer::Refused(received) => {
            store_cookies(session, &hop.url, &received);
            let err = Error::new(Code::SESSION_E_UPGRADE_REFUSED, format!("the server answered the WebSocket upgrade with {} instead of 101", received.status));
            let response = response_of(received, &hop.url, started, Some(err.clone()));
            return Err((err, Some(response)));
        }
    };
    store_cookies(session, &hop.url, &received);
    let asked = request.headers.entry("Sec-WebSocket-Protocol").flatten().map(str::to_owned);
    if let Err(err) = handshake::check_101(&received, &key, asked.as_deref()) {
        let response = response_of(received, &hop.url, started, Some(err.clone()));
        return Err((err, Some(response)));
    }
    let fd = conn.fd();
    let ws = WebSocket {
        conn: Mutex::new(conn),
        sending: Mutex::new(()),
        receiving: Mutex::new(recv::State::with_input(rest)),
        pending: Mutex::new(None),
        close_sent: AtomicBool::new(false),
        dead: Mutex::new(None),
        max_message: AtomicUsize::new(DEFAULT_MAX_MESSAGE),
        send_timeout: timeout.unwrap_or(DEFAULT_SEND_TIMEOUT),
        fd,
    };
    Ok((ws, response_of(received, &hop.url, started, None)))
}

/// The server's answer to the upgrade.
enum Answer {
    /// 101, and the bytes that came after its head (the first frames).
    Switched(Received, Vec<u8>),
    /// Any other final answer, with its body (as much of it as could be read by the
    /// deadline, within the session's max body size or 1 MiB).
    Refused(Received),
}

/// Sends the upgrade request and reads the answer (1xx other than 101 skipped).
fn exchange(conn: &mut Upgraded, request: &[u8], deadline: Instant, settings: &Settings) -> Result<Answer> {
    let fd = conn.fd();
    let mut off = 0;
    while off < request.len() {
        let sent = conn.send(&request[off..])?;
        off += sent;
        if sent == 0 && !wait_fd(fd, true, Some(deadline), None) {
            return Err(Error::new(Code::SESSION_E_TIMEOUT, "timed out sending the WebSocket upgrade request"));
        }
    }
    let mut buf = Vec::new();
    let mut eof = false;
    let head = loop {
        match handshake::parse_head(&buf, settings.max_header_bytes)? {
            Some(head) if head.received.status < 200 && head.received.status != 101 => drop(buf.drain(..head.len)),
            Some(head) => break head,
            None if eof => return Err(Error::new(Code::SESSION_E_CONNECT, "the server closed the connection before answering the WebSocket upgrade")),
            None => eof = read_more(conn, fd, &mut buf, deadline).map_err(|e| match e.code {
                Code::SESSION_E_TIMEOUT => Error::new(Code::SESSION_E_TIMEOUT, "timed out waiting for the answer to the WebSocket upgrade"),
                _ => e,
            })?,
        }
    };
    let mut received = head.received;
    let mut rest = buf.split_off(head.len);
    if received.status == 101 {
        return Ok(Answer::Switched(received, rest));
    }
    let max = match settings.max_body_size {
        0 => REFUSAL_BODY_MAX,
        n => n as u64,
    };
    received.body = loop {
        match handshake::body(head.framing, &rest, eof, max) {
            Ok(Some(body)) => break body,
            Ok(None) => {}
            Err(_) => break rest.into_iter().take(max as usize).collect(),
        }
        match read_more(conn, fd, &mut rest, deadline) {
            Ok(closed) => eof = closed,
            Err(_) => break rest.into_iter().take(max as usize).collect(),
        }
    };
    Ok(Answer::Refused(received))
}

/// `data` read as a whole answer to an upgrade, the connection then closed (no I/O; for
/// the fuzz target): None when its head is incomplete, else the status, head length and
/// body (for a 101, none: what follows is frames).
pub fn parse_answer(data: &[u8], max_header_bytes: usize, max_body: u64) -> Result<Option<(u32, usize, Vec<u8>)>> {
    let mut at = 0;
    loop {
        let Some(head) = handshake::parse_head(&data[at..], max_header_bytes)? else { return Ok(None) };
        at += head.len;
        if head.received.status < 200 && head.received.status != 101 {
            continue;
        }
        let body = match head.received.status {
            101 => Vec::new(),
            _ => handshake::body(head.framing, &data[at..], true, max_body)?.unwrap_or_default(),
        };
        return Ok(Some((head.received.status, at, body)));
    }
}

/// Reads what comes next (waiting until `deadline`) onto `buf`: true when the peer closed.
fn read_more(conn: &mut Upgraded, fd: std::ffi::c_int, buf: &mut Vec<u8>, deadline: Instant) -> Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match conn.recv(&mut chunk)? {
            Some(0) => return Ok(true),
            Some(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(false);
            }
            None if !wait_fd(fd, false, Some(deadline), None) => return Err(Error::new(Code::SESSION_E_TIMEOUT, "timed out reading from the WebSocket connection")),
            None => {}
        }
    }
}

fn store_cookies(session: &Session, url: &url::Url, received: &Received) {
    if received.header_values("Set-Cookie").next().is_some() {
        session.jar().store_response(url, received.header_values("Set-Cookie"));
    }
}

fn response_of(mut received: Received, url: &url::Url, started: Instant, error: Option<Error>) -> Response {
    use std::mem::take;
    Response {
        error,
        status: received.status,
        reason: take(&mut received.reason),
        url: ResponseUrl::Owned(crate::response::c_ready(url.as_str())),
        headers: take(&mut received.headers),
        body: take(&mut received.body),
        elapsed: started.elapsed().as_secs_f64(),
        http_version: if received.http_version.is_empty() { "HTTP/1.1" } else { received.http_version },
        history: Vec::new(),
        timings: received.timings,
        sent: Default::default(),
    }
}

/// Waits until `fd` is readable (`write` false) or writable, or `deadline` passes: false
/// on timeout.
fn wait_fd(fd: std::ffi::c_int, write: bool, deadline: Option<Instant>, slice: Option<Duration>) -> bool {
    let mut left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if let Some(slice) = slice {
        left = Some(left.map_or(slice, |l| l.min(slice)));
    }
    let ms = left.map_or(-1, |l| l.as_millis().min(i32::MAX as u128) as i32);
    let events = if write { libc::POLLOUT } else { libc::POLLIN };
    let mut pfd = libc::pollfd { fd, events, revents: 0 };
    // SAFETY: one pollfd, valid for the call.
    let n = unsafe { libc::poll(&mut pfd, 1, ms) };
    n != 0 || deadline.is_none_or(|d| Instant::now() < d)
}

impl WebSocket {
    /// The connection's socket, for an event loop (readable when a frame may be there).
    pub fn fd(&self) -> std::ffi::c_int {
        self.fd
    }

    pub fn set_max_message(&self, bytes: usize) -> Result<()> {
        if bytes == 0 {
            return Err(Error::invalid("the max message size must be at least 1 byte"));
        }
        self.max_message.store(bytes, Ordering::Relaxed);
        Ok(())
    }

    fn check_alive(&self) -> Result<()> {
        match &*lock(&self.dead) {
            Some(err) => Err(err.clone()),
            None => Ok(()),
        }
    }

    fn kill(&self, err: &Error) {
        lock(&self.dead).get_or_insert_with(|| err.clone());
    }

    pub fn send_text(&self, text: &[u8]) -> Result<()> {
        if std::str::from_utf8(text).is_err() {
            return Err(Error::invalid("WebSocket text is not valid UTF-8"));
        }
        self.send_message(text, OP_TEXT)
    }

    pub fn send_binary(&self, data: &[u8]) -> Result<()> {
        self.send_message(data, OP_BINARY)
    }

    pub fn ping(&self, data: &[u8]) -> Result<()> {
        if data.len() > 125 {
            return Err(Error::invalid("a ping carries at most 125 bytes"));
        }
        self.send_message(data, OP_PING)
    }

    fn send_message(&self, data: &[u8], opcode: u8) -> Result<()> {
        self.check_alive()?;
        if self.close_sent.load(Ordering::Acquire) {
            return Err(Error::new(Code::SESSION_E_CONNECT, "the WebSocket is closing: a close frame was sent"));
        }
        let _sending = lock(&self.sending);
        let result = self.write_frame(data, opcode, Instant::now() + self.send_timeout);
        self.flush_pending_locked();
        result
    }

    /// Sends the close frame (`code` 0: none, then `reason` must be empty). Receiving goes
    /// on until the peer's close arrives.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        let payload = close_payload(code, reason)?;
        self.check_alive()?;
        let _sending = lock(&self.sending);
        if self.close_sent.swap(true, Ordering::AcqRel) {
            return Ok(()); // already sent (perhaps as the reply to the peer's)
        }
        self.write_frame(&payload, OP_CLOSE, Instant::now() + self.send_timeout)
    }

    /// Sends a close (1000) unless one was sent or the connection is gone; for freeing.
    pub fn close_for_free(&self) {
        if lock(&self.dead).is_some() || self.close_sent.swap(true, Ordering::AcqRel) {
            return;
        }
        let _sending = lock(&self.sending);
        let _ = self.write_frame(&1000u16.to_be_bytes(), OP_CLOSE, Instant::now() + FREE_CLOSE_TIMEOUT);
    }

    /// Writes one whole frame; the caller holds `sending`.
    fn write_frame(&self, data: &[u8], opcode: u8, deadline: Instant) -> Result<()> {
        let bytes = frame::encode(opcode, data, handshake::new_mask()?);
        let mut off = 0;
        while off < bytes.len() {
            let sent = lock(&self.conn).send(&bytes[off..]).inspect_err(|e| self.kill(e))?;
            off += sent;
            if sent == 0 && !wait_fd(self.fd, true, Some(deadline), None) {
                let err = Error::new(Code::SESSION_E_TIMEOUT, "timed out sending on the WebSocket (the peer reads nothing)");
                // Part of a frame may be out: the connection is unusable.
                if off > 0 {
                    self.kill(&err);
                }
                return Err(err);
            }
        }
        Ok(())
    }

    /// Queues a pong or close reply and sends it now when no message is being sent.
    fn queue_control(&self, opcode: u8, payload: Vec<u8>) {
        {
            let mut pending = lock(&self.pending);
            // A close reply is never replaced by a pong.
            if !matches!(&*pending, Some((f, _)) if *f == OP_CLOSE) {
                *pending = Some((opcode, payload));
            }
        }
        if let Ok(_sending) = self.sending.try_lock() {
            self.flush_pending_locked();
        }
    }

    fn has_pending(&self) -> bool {
        lock(&self.pending).is_some()
    }

    fn try_flush_pending(&self) {
        if self.has_pending() {
            if let Ok(_sending) = self.sending.try_lock() {
                self.flush_pending_locked();
            }
        }
    }

    /// Sends the queued control frame; the caller holds `sending`.
    fn flush_pending_locked(&self) {
        let Some((opcode, payload)) = lock(&self.pending).take() else { return };
        if opcode == OP_CLOSE && self.close_sent.swap(true, Ordering::AcqRel) {
            return;
        }
        if opcode == OP_PONG && self.close_sent.load(Ordering::Acquire) {
            return; // no frames after our close
        }
        let _ = self.write_frame(&payload, opcode, Instant::now() + self.send_timeout);
    }
}

/// A close frame's payload: the code (big-endian) and the reason, checked.
pub fn close_payload(code: u16, reason: &str) -> Result<Vec<u8>> {
    if code == 0 {
        if !reason.is_empty() {
            return Err(Error::invalid("a close reason needs a close code"));
        }
        return Ok(Vec::new());
    }
    if !valid_close_code(code) {
        return Err(Error::invalid(format!("{code} is not a close code an endpoint may send (1000-1003, 1007-1014, 3000-4999)")));
    }
    if reason.len() > 123 {
        return Err(Error::invalid("a close reason is at most 123 bytes"));
    }
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    Ok(payload)
}

/// Codes that may appear in a close frame (RFC 6455 7.4, and the IANA registry).
pub fn valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}
