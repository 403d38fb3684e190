//! Observability: the response hook, the wire trace and per-response timings.

use crate::capi::request::session_request_t;
use crate::capi::session::session_t;
use crate::error::{session_code, Error};
use crate::ffi::{guard_code, mut_arg, ref_arg};
use crate::response::{session_response_t, ResponseBox};
use crate::transfer::callbacks::{session_debug_cb, session_response_hook};
use crate::transfer::{DebugCallback, ResponseHook, UserData};
use std::ffi::c_void;

/// Timings of one response (one hop), in seconds from the start of its request, as libcurl
/// measures them, and whether it went over a reused connection. The caller sets `size` to
/// `sizeof(session_timings_t)` before the call: the library writes no more than that, so a
/// program built against an older header keeps working when fields are appended.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[allow(non_camel_case_types)]
pub struct session_timings {
    /// Set by the caller: the size of the struct it allocated.
    pub size: usize,
    /// Until the host name was resolved (0 when the connection was reused).
    pub dns: f64,
    /// Until the TCP connection was made (0 when the connection was reused).
    pub connect: f64,
    /// Until the TLS handshake was done (0 for http:// and when the connection was reused).
    pub tls: f64,
    /// Until the first response byte arrived.
    pub first_byte: f64,
    /// Until the end of the body.
    pub total: f64,
    /// True when the request went over a connection kept from an earlier one.
    pub reused: bool,
}

/// The timings of a response.
#[allow(non_camel_case_types)]
pub type session_timings_t = session_timings;

impl session_timings {
    /// An empty struct with `size` set, as a caller fills one in.
    pub fn sized() -> session_timings {
        session_timings { size: std::mem::size_of::<session_timings>(), ..Default::default() }
    }
}

/// Calls `hook` with each final response before session_send (or a shortcut) returns it,
/// like requests' hooks={'response': ...}; responses of followed redirects are not passed
/// (they are in the final response's history). Transport failures (no response) are not
/// passed either. The hook runs on the sending thread; the response belongs to the library
/// during the call. `hook` NULL removes it. Calling into this session from the hook fails
/// with SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_response_hook(
    s: *mut session_t,
    hook: session_response_hook,
    userdata: *mut c_void,
) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.update(|settings| {
            settings.transfer.response_hook = hook.map(|func| ResponseHook {
                func,
                userdata: UserData(userdata),
            });
            Ok(())
        })
    })
}

/// Sets a response hook for this request only, replacing the session's (as requests merges
/// a request's hooks over the session's); `hook` NULL goes back to the session's.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_response_hook(
    req: *mut session_request_t,
    hook: session_response_hook,
    userdata: *mut c_void,
) -> session_code {
    guard_code(|| {
        mut_arg(req, "request")?.transfer.response_hook = hook.map(|func| ResponseHook {
            func,
            userdata: UserData(userdata),
        });
        Ok(())
    })
}

/// Calls `cb` with the wire traffic of every request (libcurl's verbose trace: informational
/// text, header lines in and out, body bytes in and out; TLS records are not passed), on the
/// sending thread. Values of Authorization, Proxy-Authorization, Cookie and Set-Cookie
/// headers are replaced by "[redacted]" before `cb` sees them. `cb` NULL turns tracing off.
#[no_mangle]
pub unsafe extern "C" fn session_set_debug_callback(
    s: *mut session_t,
    cb: session_debug_cb,
    userdata: *mut c_void,
) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.update(|settings| {
            settings.transfer.debug = cb.map(|func| DebugCallback {
                func,
                userdata: UserData(userdata),
            });
            Ok(())
        })
    })
}

/// Fills `*out` with the timings of response `r` (all 0 when no response was received).
/// Set `out->size = sizeof *out` first: the library writes at most that many bytes and
/// never changes `size`. SESSION_E_INVALID_ARGUMENT when `r` or
/// `out` is NULL, or `out->size` is too small to hold `dns`.
#[no_mangle]
pub unsafe extern "C" fn session_response_timings(
    r: *const session_response_t,
    out: *mut session_timings_t,
) -> session_code {
    guard_code(|| {
        let r = r
            .as_ref()
            .ok_or_else(|| Error::invalid("response is NULL"))?;
        if out.is_null() {
            return Err(Error::invalid("out is NULL"));
        }
        // Only the caller's `size` is read before anything is known of its struct.
        let size = std::ptr::read(std::ptr::addr_of!((*out).size));
        let t = ResponseBox::from_public(r).timings();
        let full = session_timings {
            size,
            dns: t.dns,
            connect: t.connect,
            tls: t.tls,
            first_byte: t.first_byte,
            total: t.total,
            reused: t.reused,
        };
        copy_prefix(&full, out, size)
    })
}

/// Writes the first `size` bytes of `full` to `out` (a caller's struct of `size` bytes,
/// perhaps from an older or newer header): at most the whole struct, never less than
/// `size` and its first field.
///
/// # Safety
/// `out` must be valid for writes of `size` bytes.
unsafe fn copy_prefix<T: Copy>(full: &T, out: *mut T, size: usize) -> crate::error::Result<()> {
    let minimum = std::mem::size_of::<usize>() + std::mem::size_of::<f64>();
    if size < minimum {
        return Err(Error::invalid(format!("out->size is {size}: set it to sizeof *out")));
    }
    let n = size.min(std::mem::size_of::<T>());
    std::ptr::copy_nonoverlapping(full as *const T as *const u8, out as *mut u8, n);
    Ok(())
}
