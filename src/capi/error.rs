use crate::error::{last_error_ptr, Code};
use crate::ffi::guard;
pub use crate::version::{SESSION_VERSION_MAJOR, SESSION_VERSION_MINOR, SESSION_VERSION_PATCH};
use crate::version::version_ptr;
use std::ffi::{c_char, c_int};

/// A static description of `code`. Codes outside the enum give "unknown error code".
/// The string is never freed.
#[no_mangle]
pub extern "C" fn session_strerror(code: c_int) -> *const c_char {
    match Code::from_raw(code.into()) {
        Some(code) => code.description().as_ptr(),
        None => c"unknown error code".as_ptr(),
    }
}

/// Detail of the last failure on the calling thread ("" if none yet). Owned by the library;
/// valid until the next failing call on this thread.
#[no_mangle]
pub extern "C" fn session_last_error() -> *const c_char {
    guard(|| c"".as_ptr(), last_error_ptr)
}

/// "libsession X.Y.Z (libcurl A.B.C)". A static string, never freed.
#[no_mangle]
pub extern "C" fn session_version() -> *const c_char {
    guard(|| c"libsession".as_ptr(), version_ptr)
}
