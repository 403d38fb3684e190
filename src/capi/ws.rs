//! WebSocket (RFC 6455) over the session: connect, send, receive, close, free.
//!
//! Threads: one thread may send (session_ws_send_text, _send_binary, _ping, _close) while
//! another receives (session_ws_recv); several senders are serialized (whole messages, never
//! interleaved), and so are several receivers. session_ws_fd and session_ws_set_max_message
//! may be called from any thread. session_ws_free must not run while another thread still
//! uses the WebSocket.

use crate::capi::request::session_request_t;
use crate::capi::response::into_c;
use crate::capi::session::session_t;
use crate::error::{session_code, set_last_error, Error, Result};
use crate::ffi::{bytes_arg, free_box, guard, guard_code, opt_str_arg, ref_arg, str_arg};
use crate::response::session_response_t;
use crate::ws::{Kind, Message, WebSocket};
use std::ffi::{c_char, c_int, c_void, CString};
use std::time::Duration;

/// An open WebSocket (opaque), owned by the caller until session_ws_free.
#[allow(non_camel_case_types)]
pub type session_ws_t = WebSocket;

/// What a received WebSocket message is (the `type` of session_ws_message_t).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum session_ws_type {
    /// A text message (valid UTF-8), fragments joined.
    SESSION_WS_TEXT = 0,
    /// A binary message, fragments joined.
    SESSION_WS_BINARY = 1,
    /// A ping from the peer (already answered with a pong); `data` is its payload.
    SESSION_WS_PING = 2,
    /// A pong (the answer to session_ws_ping); `data` is its payload.
    SESSION_WS_PONG = 3,
    /// The peer's close (already answered): `close_code` and `close_reason` are set.
    /// Nothing is received after it.
    SESSION_WS_CLOSE = 4,
}

/// A received WebSocket message, owned by the caller until session_ws_message_free.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct session_ws_message {
    /// Text, binary, ping, pong or close.
    pub r#type: session_ws_type,
    /// The payload, followed by one NUL not counted in `len` (a close's raw payload: code
    /// and reason). Never NULL.
    pub data: *const c_char,
    pub len: usize,
    /// A close's code (1005 when the close carried none); 0 for other types.
    pub close_code: u16,
    /// A close's reason (UTF-8), "" when none or for other types. Never NULL.
    pub close_reason: *const c_char,
}

/// A received WebSocket message (see session_ws_message).
#[allow(non_camel_case_types)]
pub type session_ws_message_t = session_ws_message;

/// The allocation behind a session_ws_message_t: the public struct first.
#[repr(C)]
struct MessageBox {
    public: session_ws_message,
    _data: Vec<u8>,
    _reason: CString,
}

fn message_into_c(message: Message) -> *mut session_ws_message_t {
    let mut data = message.data;
    data.push(0);
    let reason = CString::new(message.close_reason.replace('\0', " ")).unwrap_or_default();
    let kind = match message.kind {
        Kind::Text => session_ws_type::SESSION_WS_TEXT,
        Kind::Binary => session_ws_type::SESSION_WS_BINARY,
        Kind::Ping => session_ws_type::SESSION_WS_PING,
        Kind::Pong => session_ws_type::SESSION_WS_PONG,
        Kind::Close => session_ws_type::SESSION_WS_CLOSE,
    };
    let public = session_ws_message {
        r#type: kind,
        data: data.as_ptr() as *const c_char,
        len: data.len() - 1,
        close_code: message.close_code,
        close_reason: reason.as_ptr(),
    };
    // The Vec's and CString's heap buffers do not move when the box is made.
    Box::into_raw(Box::new(MessageBox { public, _data: data, _reason: reason })) as *mut session_ws_message_t
}

unsafe fn connect(s: *mut session_t, url: *const c_char, opts: *const session_request_t, response_out: *mut *mut session_response_t) -> *mut session_ws_t {
    if !response_out.is_null() {
        *response_out = std::ptr::null_mut();
    }
    let args = (|| Ok::<_, Error>((ref_arg(s, "session")?, str_arg(url, "URL")?, opts.as_ref())))();
    let (session, url, opts) = match args {
        Ok(args) => args,
        Err(err) => {
            set_last_error(&err);
            return std::ptr::null_mut();
        }
    };
    let (ws, response) = crate::ws::connect(session, url, opts);
    if let (false, Some(response)) = (response_out.is_null(), response) {
        *response_out = into_c(response);
    }
    match ws {
        Ok(ws) => Box::into_raw(Box::new(ws)),
        Err(err) => {
            set_last_error(&err);
            std::ptr::null_mut()
        }
    }
}

/// Opens a WebSocket to `url` (ws://, wss://, or http(s):// for the same). The upgrade
/// request carries the session's cookies, default headers, params and auth, and from `opts`
/// (a request builder, may be NULL; its method and body are not used) its own headers
/// (Sec-WebSocket-Protocol for subprotocols), params and total timeout; it follows the
/// session's TLS, proxy and connect-timeout settings. Set-Cookie on the answer goes into
/// the jar. Redirects are not followed. Returns the WebSocket, or NULL with
/// session_last_error: SESSION_E_UPGRADE_REFUSED when the server answered other than 101
/// (session_ws_connect_response gives that answer), SESSION_E_DECODE when its 101 is not a
/// valid WebSocket handshake, or the transport's error. Free with session_ws_free.
#[no_mangle]
pub unsafe extern "C" fn session_ws_connect(s: *mut session_t, url: *const c_char, opts_or_null: *const session_request_t) -> *mut session_ws_t {
    guard(std::ptr::null_mut, || connect(s, url, opts_or_null, std::ptr::null_mut()))
}

/// session_ws_connect that also gives the handshake's answer: `*response_out` (when
/// `response_out` is not NULL) is set to the server's response (status, reason, headers
/// and body; for a refusal the body is read by Content-Length, chunked or to the
/// connection's end, within the session's max body size or 1 MiB), or NULL when none came. The response
/// belongs to the caller (session_response_free); on a refusal its `error` is
/// SESSION_E_UPGRADE_REFUSED.
#[no_mangle]
pub unsafe extern "C" fn session_ws_connect_response(s: *mut session_t, url: *const c_char, opts_or_null: *const session_request_t, response_out: *mut *mut session_response_t) -> *mut session_ws_t {
    guard(std::ptr::null_mut, || connect(s, url, opts_or_null, response_out))
}

unsafe fn with_ws(ws: *const session_ws_t, f: impl FnOnce(&WebSocket) -> Result<()>) -> session_code {
    guard_code(|| f(ref_arg(ws, "WebSocket")?))
}

/// Sends a text message of `len` bytes at `utf8` (not NUL-terminated; must be valid UTF-8,
/// else SESSION_E_INVALID_ARGUMENT). Blocks until it is handed to the socket, at most the
/// connect's total timeout (30 s when none): SESSION_E_TIMEOUT, and the connection is then
/// unusable. After a close was sent: SESSION_E_CONNECT.
#[no_mangle]
pub unsafe extern "C" fn session_ws_send_text(ws: *mut session_ws_t, utf8: *const c_char, len: usize) -> session_code {
    with_ws(ws, |ws| ws.send_text(bytes_arg(utf8 as *const u8, len, "text")?))
}

/// Sends a binary message of `len` bytes at `data` (NULL only with `len` 0); as
/// session_ws_send_text otherwise.
#[no_mangle]
pub unsafe extern "C" fn session_ws_send_binary(ws: *mut session_ws_t, data: *const c_void, len: usize) -> session_code {
    with_ws(ws, |ws| ws.send_binary(bytes_arg(data as *const u8, len, "data")?))
}

/// Sends a ping with up to 125 bytes of payload (NULL only with `len` 0); its pong comes
/// back through session_ws_recv as SESSION_WS_PONG.
#[no_mangle]
pub unsafe extern "C" fn session_ws_ping(ws: *mut session_ws_t, data: *const c_void, len: usize) -> session_code {
    with_ws(ws, |ws| ws.ping(bytes_arg(data as *const u8, len, "data")?))
}

/// Receives the next message, waiting up to `timeout_ms` (-1: forever, 0: only what is
/// there). Returns it (free with session_ws_message_free), or NULL with session_last_error:
/// SESSION_E_TIMEOUT when none came in time (the WebSocket stays usable); SESSION_E_CONNECT
/// when the peer went away, or after the close message was received; SESSION_E_TOO_LARGE
/// for a message over the max message size, SESSION_E_DECODE for text that is not UTF-8 or
/// a frame that breaks the protocol (these close the connection with 1009, 1007 and 1002).
/// Pings are answered with a pong, and a close with a close, before they are returned.
/// After session_ws_fd turns readable, call this with timeout 0 until SESSION_E_TIMEOUT:
/// one read may bring several messages.
#[no_mangle]
pub unsafe extern "C" fn session_ws_recv(ws: *mut session_ws_t, timeout_ms: c_int) -> *mut session_ws_message_t {
    guard(std::ptr::null_mut, || {
        let result = ref_arg(ws, "WebSocket").and_then(|ws| {
            let timeout = match timeout_ms {
                -1 => None,
                ms if ms >= 0 => Some(Duration::from_millis(ms as u64)),
                ms => return Err(Error::invalid(format!("timeout {ms} ms: use -1 (forever) or a count of ms"))),
            };
            ws.recv(timeout)
        });
        match result {
            Ok(message) => message_into_c(message),
            Err(err) => {
                set_last_error(&err);
                std::ptr::null_mut()
            }
        }
    })
}

/// Frees a message from session_ws_recv. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_ws_message_free(m: *mut session_ws_message_t) {
    free_box(m as *mut MessageBox)
}

/// Sends a close frame with `code` (1000 normal, 1001 going away, ..., 3000-4999 for
/// applications; 0 sends none, then `reason` must be NULL or "") and `reason` (UTF-8, at most
/// 123 bytes; NULL for none). Messages can still be received until the peer's close
/// (SESSION_WS_CLOSE); nothing can be sent. A second close, or one after the peer's close
/// was answered, does nothing.
#[no_mangle]
pub unsafe extern "C" fn session_ws_close(ws: *mut session_ws_t, code: u16, reason: *const c_char) -> session_code {
    with_ws(ws, |ws| ws.close(code, opt_str_arg(reason, "reason")?.unwrap_or("")))
}

/// The WebSocket's socket, for poll/epoll (wait for readability, then session_ws_recv);
/// -1 when `ws` is NULL. Owned by the WebSocket: do not read, write or close it.
#[no_mangle]
pub unsafe extern "C" fn session_ws_fd(ws: *const session_ws_t) -> c_int {
    guard(|| -1, || ws.as_ref().map_or(-1, WebSocket::fd))
}

/// Sets the largest message session_ws_recv accepts (default 16 MiB; at least 1): a larger
/// one closes the connection with 1009 and gives SESSION_E_TOO_LARGE.
#[no_mangle]
pub unsafe extern "C" fn session_ws_set_max_message(ws: *mut session_ws_t, bytes: usize) -> session_code {
    with_ws(ws, |ws| ws.set_max_message(bytes))
}

/// Frees a WebSocket: sends a close (1000) if none was sent and the connection is up
/// (waiting at most 1 s for the socket), then closes the connection. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_ws_free(ws: *mut session_ws_t) {
    if let Some(socket) = ws.as_ref() {
        guard(|| (), || socket.close_for_free());
    }
    free_box(ws)
}
