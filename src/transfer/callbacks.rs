//! The C callback types and their Rust wrappers. Every call into C runs inside a
//! `reentry` scope, so the callback can't re-enter its own session.

use crate::reentry::{self, SessionId};
use crate::response::session_response_t;
use std::ffi::{c_char, c_int, c_void};

/// Receives a chunk of the response body. Return `len` to go on; anything else cancels the
/// transfer (SESSION_E_CANCELLED).
#[allow(non_camel_case_types)]
pub type session_write_cb =
    Option<unsafe extern "C" fn(data: *const c_char, len: usize, userdata: *mut c_void) -> usize>;

/// Progress of the current hop in bytes (totals 0 while unknown). Return 0 to go on,
/// non-zero to cancel (SESSION_E_CANCELLED).
#[allow(non_camel_case_types)]
pub type session_progress_cb = Option<
    unsafe extern "C" fn(
        dl_now: u64,
        dl_total: u64,
        ul_now: u64,
        ul_total: u64,
        userdata: *mut c_void,
    ) -> c_int,
>;

/// Fills `buf` with up to `len` bytes of the request body; returns the count, 0 at the end,
/// or SESSION_READ_ABORT to cancel (SESSION_E_CANCELLED).
#[allow(non_camel_case_types)]
pub type session_read_cb =
    Option<unsafe extern "C" fn(buf: *mut c_char, len: usize, userdata: *mut c_void) -> usize>;

/// Moves the body source back to `offset` bytes from its start (0 to replay it); returns 0 on
/// success, non-zero when it can't.
#[allow(non_camel_case_types)]
pub type session_seek_cb =
    Option<unsafe extern "C" fn(offset: u64, userdata: *mut c_void) -> c_int>;

/// Sees each final response before it is returned (requests' hooks['response']). The
/// response belongs to the library: read it, don't free or keep it.
#[allow(non_camel_case_types)]
pub type session_response_hook =
    Option<unsafe extern "C" fn(r: *const session_response_t, userdata: *mut c_void)>;

/// Sees the wire traffic: `kind` is a session_debug_kind, `data` is not NUL-terminated.
/// Authorization, Proxy-Authorization, Cookie and Set-Cookie values are redacted.
#[allow(non_camel_case_types)]
pub type session_debug_cb = Option<
    unsafe extern "C" fn(kind: c_int, data: *const c_char, len: usize, userdata: *mut c_void),
>;

/// One Server-Sent Event, as session_event_cb sees it. Every string is NUL-terminated and
/// owned by the library, valid during the call only.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct session_event {
    /// The event type: "message" unless the event named one.
    pub event: *const c_char,
    /// The data lines, joined with "\n" (the last line end dropped).
    pub data: *const c_char,
    pub data_len: usize,
    /// The last event id the stream set ("" when none); a reconnect sends it as
    /// Last-Event-ID.
    pub id: *const c_char,
    /// The reconnection time the stream set last, in ms; -1 when it set none.
    pub retry_ms: i64,
}

/// One Server-Sent Event (see session_event).
#[allow(non_camel_case_types)]
pub type session_event_t = session_event;

/// Gets each Server-Sent Event of the response as it arrives. Return 0 to go on, anything
/// else to end the stream cleanly (the response then comes back without an error).
#[allow(non_camel_case_types)]
pub type session_event_cb =
    Option<unsafe extern "C" fn(event: *const session_event_t, userdata: *mut c_void) -> c_int>;

/// A read callback's return value that cancels the upload.
pub const SESSION_READ_ABORT: usize = -1isize as usize;

/// What a debug callback is shown (the `kind` argument of session_debug_cb).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum session_debug_kind {
    /// Informational text from libcurl (connecting, TLS, reuse...).
    SESSION_DEBUG_TEXT = 0,
    /// Response header lines as received.
    SESSION_DEBUG_HEADER_IN = 1,
    /// The request head as sent.
    SESSION_DEBUG_HEADER_OUT = 2,
    /// Response body bytes as received (before decoding).
    SESSION_DEBUG_DATA_IN = 3,
    /// Request body bytes as sent.
    SESSION_DEBUG_DATA_OUT = 4,
}

/// The caller's userdata pointer. The C contract: it may be used from whichever thread
/// sends the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserData(pub *mut c_void);
// SAFETY: libsession never dereferences it; it only hands it back to the caller's callbacks.
unsafe impl Send for UserData {}
unsafe impl Sync for UserData {}

macro_rules! callback {
    ($name:ident, $fn:ty) => {
        #[derive(Debug, Clone, Copy)]
        pub struct $name {
            pub func: $fn,
            pub userdata: UserData,
        }
    };
}

callback!(
    WriteCallback,
    unsafe extern "C" fn(*const c_char, usize, *mut c_void) -> usize
);
callback!(
    ProgressCallback,
    unsafe extern "C" fn(u64, u64, u64, u64, *mut c_void) -> c_int
);
callback!(
    ReadCallback,
    unsafe extern "C" fn(*mut c_char, usize, *mut c_void) -> usize
);
callback!(
    SeekCallback,
    unsafe extern "C" fn(u64, *mut c_void) -> c_int
);
callback!(
    ResponseHook,
    unsafe extern "C" fn(*const session_response_t, *mut c_void)
);
callback!(
    EventCallback,
    unsafe extern "C" fn(*const session_event_t, *mut c_void) -> c_int
);
callback!(
    DebugCallback,
    unsafe extern "C" fn(c_int, *const c_char, usize, *mut c_void)
);

impl WriteCallback {
    /// True when the callback took every byte.
    pub fn call(&self, session: SessionId, data: &[u8]) -> bool {
        let _scope = reentry::enter(session);
        // SAFETY: the caller registered a function with this signature and its userdata.
        unsafe {
            (self.func)(data.as_ptr() as *const c_char, data.len(), self.userdata.0) == data.len()
        }
    }
}

impl ProgressCallback {
    /// True to go on.
    pub fn call(
        &self,
        session: SessionId,
        dl_now: u64,
        dl_total: u64,
        ul_now: u64,
        ul_total: u64,
    ) -> bool {
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call.
        unsafe { (self.func)(dl_now, dl_total, ul_now, ul_total, self.userdata.0) == 0 }
    }
}

impl ReadCallback {
    pub fn call(&self, session: SessionId, buf: &mut [u8]) -> usize {
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call; `buf` is valid for its length.
        unsafe { (self.func)(buf.as_mut_ptr() as *mut c_char, buf.len(), self.userdata.0) }
    }
}

impl SeekCallback {
    /// True when the source is now at `offset`.
    pub fn call(&self, session: SessionId, offset: u64) -> bool {
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call.
        unsafe { (self.func)(offset, self.userdata.0) == 0 }
    }
}

impl ResponseHook {
    pub fn call(&self, session: SessionId, response: &session_response_t) {
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call; the response outlives the call.
        unsafe { (self.func)(response, self.userdata.0) }
    }
}

impl EventCallback {
    /// True to go on.
    pub fn call(&self, session: SessionId, event: &super::events::Event, strings: &mut Vec<u8>) -> bool {
        // One buffer holds the three strings with their NULs: event, data, id.
        strings.clear();
        for part in [event.event, event.data, event.id] {
            strings.extend_from_slice(part);
            strings.push(0);
        }
        let base = strings.as_ptr() as *const c_char;
        let (data_at, id_at) = (event.event.len() + 1, event.event.len() + event.data.len() + 2);
        let public = session_event {
            event: base,
            // SAFETY: both offsets are inside `strings` (built just above).
            data: unsafe { base.add(data_at) },
            data_len: event.data.len(),
            id: unsafe { base.add(id_at) },
            retry_ms: event.retry.map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX)),
        };
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call; `public` and its strings outlive the call.
        unsafe { (self.func)(&public, self.userdata.0) == 0 }
    }
}

impl DebugCallback {
    pub fn call(&self, session: SessionId, kind: session_debug_kind, data: &[u8]) {
        let _scope = reentry::enter(session);
        // SAFETY: as for WriteCallback::call.
        unsafe {
            (self.func)(
                kind as c_int,
                data.as_ptr() as *const c_char,
                data.len(),
                self.userdata.0,
            )
        }
    }
}
