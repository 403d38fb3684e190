//! FFI plumbing: the panic boundary, C string arguments and pointer casts.
//! Exported functions are thin shells that go through these helpers.

use crate::error::{set_last_error, Code, Error, Result};
use std::ffi::{c_char, CStr};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a panic into `on_panic()`. No panic ever unwinds into C.
pub fn guard<T>(on_panic: impl FnOnce() -> T, f: impl FnOnce() -> T) -> T {
    let f = || {
        #[cfg(any(debug_assertions, feature = "panic-injection"))]
        panic_injection::maybe_panic();
        f()
    };
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(_) => {
            set_last_error(&Error::new(Code::SESSION_E_INTERNAL, "a panic was caught at the C boundary"));
            on_panic()
        }
    }
}

/// The text of a caught panic's payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let text = payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    format!("a panic was caught in a callback: {}", text.unwrap_or("(no message)"))
}

/// Runs a setter-like body and turns its result into a code, recording failures.
pub fn guard_code(f: impl FnOnce() -> Result<()>) -> Code {
    guard(
        || Code::SESSION_E_INTERNAL,
        || match f() {
            Ok(()) => Code::SESSION_OK,
            Err(err) => {
                set_last_error(&err);
                err.code
            }
        },
    )
}

/// Borrows a required C string argument as UTF-8.
///
/// # Safety
/// `ptr` must be NULL or point to a NUL-terminated string that outlives the borrow.
pub unsafe fn str_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a str> {
    if ptr.is_null() {
        return Err(Error::invalid(format!("{what} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|_| Error::invalid(format!("{what} is not valid UTF-8")))
}

/// Borrows an optional C string argument (NULL gives None).
///
/// # Safety
/// As for [`str_arg`].
pub unsafe fn opt_str_arg<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>> {
    if ptr.is_null() {
        Ok(None)
    } else {
        str_arg(ptr, what).map(Some)
    }
}

/// Borrows a file system path argument: refused when NULL or empty; the bytes as they are
/// (a path need not be UTF-8).
///
/// # Safety
/// As for [`str_arg`].
pub unsafe fn path_arg<'a>(ptr: *const c_char, what: &str) -> Result<&'a std::path::Path> {
    if ptr.is_null() {
        return Err(Error::invalid(format!("{what} is NULL")));
    }
    let bytes = CStr::from_ptr(ptr).to_bytes();
    if bytes.is_empty() {
        return Err(Error::invalid(format!("{what} is empty")));
    }
    Ok(std::path::Path::new(std::ffi::OsStr::from_encoded_bytes_unchecked(bytes)))
}

/// Borrows a `(pointer, length)` byte buffer; NULL is only allowed with length 0.
///
/// # Safety
/// `ptr` must be NULL or valid for `len` bytes.
pub unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8]> {
    if ptr.is_null() {
        if len == 0 {
            return Ok(&[]);
        }
        return Err(Error::invalid(format!("{what} is NULL with a non-zero length")));
    }
    if len > isize::MAX as usize {
        return Err(Error::invalid(format!("{what} length {len} is larger than any buffer")));
    }
    Ok(std::slice::from_raw_parts(ptr, len))
}

/// Borrows a required object argument.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T` made by this library.
pub unsafe fn ref_arg<'a, T>(ptr: *const T, what: &str) -> Result<&'a T> {
    ptr.as_ref().ok_or_else(|| Error::invalid(format!("{what} is NULL")))
}

/// Mutably borrows a required object argument.
///
/// # Safety
/// As for [`ref_arg`], and no other reference to it may be live.
pub unsafe fn mut_arg<'a, T>(ptr: *mut T, what: &str) -> Result<&'a mut T> {
    ptr.as_mut().ok_or_else(|| Error::invalid(format!("{what} is NULL")))
}

/// Frees a boxed object handed to C; NULL is a no-op.
///
/// # Safety
/// `ptr` must be NULL or come from `Box::into_raw` of this type, not freed before.
pub unsafe fn free_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        guard(|| (), || drop(Box::from_raw(ptr)));
    }
}

/// Test-only (debug builds, or release with the cargo feature `panic-injection`): every guarded entry point panics inside its
/// guard while injection is on, to prove each one turns a panic into SESSION_E_INTERNAL.
/// On while the environment variable LIBSESSION_INJECT_PANIC is "1" (read on every call, so
/// a C test can switch it with setenv), or as forced through [`panic_injection::force`].
/// With LIBSESSION_INJECT_PANIC=header the panic happens instead inside libcurl's header
/// callback, with =callback just before every call to a user callback.
#[cfg(any(debug_assertions, feature = "panic-injection"))]
pub mod panic_injection {
    use std::sync::atomic::{AtomicU8, Ordering};

    const FROM_ENV: u8 = 2;
    static FORCED: AtomicU8 = AtomicU8::new(FROM_ENV);

    /// Some(on) forces injection on or off; None goes back to the environment variable.
    #[allow(dead_code)] // for a debugger session or a unit test; C tests use the variable
    pub fn force(on: Option<bool>) {
        FORCED.store(on.map_or(FROM_ENV, u8::from), Ordering::SeqCst);
    }

    pub(crate) fn maybe_panic() {
        let on = match FORCED.load(Ordering::SeqCst) {
            FROM_ENV => std::env::var_os("LIBSESSION_INJECT_PANIC").is_some_and(|v| v == "1"),
            forced => forced == 1,
        };
        if on {
            panic!("injected panic (LIBSESSION_INJECT_PANIC)");
        }
    }

    /// Called inside callbacks: `kind` is "header" (libcurl's) or "callback" (the user's).
    pub fn maybe_panic_in_callback(kind: &str) {
        if std::env::var_os("LIBSESSION_INJECT_PANIC").is_some_and(|v| v == kind) {
            panic!("injected panic (LIBSESSION_INJECT_PANIC={kind})");
        }
    }
}
