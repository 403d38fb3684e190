//! Observability: the response hook, the wire trace and per-response timings.

use crate::capi::request::session_request_t;
use crate::capi::session::session_t;
use crate::error::{session_code, Error};
use crate::ffi::{guard_code, mut_arg, ref_arg};
use crate::response::{session_response_t, ResponseBox};
use crate::transfer::callbacks::{session_debug_cb, session_response_hook};
use crate::transfer::{DebugCallback, ResponseHook, UserData};
use std::ffi::c_void;

pub use crate::transfer::session_timings;

/// The timings of a response.
#[allow(non_camel_case_types)]
pub type session_timings_t = session_timings;

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
/// SESSION_E_INVALID_ARGUMENT when `r` or `out` is NULL.
#[no_mangle]
pub unsafe extern "C" fn session_response_timings(
    r: *const session_response_t,
    out: *mut session_timings_t,
) -> session_code {
    guard_code(|| {
        let r = r
            .as_ref()
            .ok_or_else(|| Error::invalid("response is NULL"))?;
        let out = out.as_mut().ok_or_else(|| Error::invalid("out is NULL"))?;
        let t = ResponseBox::from_public(r).timings();
        *out = *t;
        Ok(())
    })
}
