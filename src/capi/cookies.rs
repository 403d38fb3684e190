use crate::capi::session::session_t;
use crate::error::{session_code, set_last_error, Result};
use crate::ffi::{guard, guard_code, opt_str_arg, ref_arg, str_arg};
use crate::prepare::parse_url;
use std::ffi::{c_char, CString};

/// Sets a cookie in the session's jar. `domain` is required: "example.com" makes a host-only
/// cookie, ".example.com" one also sent to subdomains. `path` NULL means "/". The cookie obeys
/// the same policy as one from a server; refused cookies give SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_set(s: *mut session_t, name: *const c_char, value: *const c_char, domain: *const c_char, path: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let (name, value) = (str_arg(name, "cookie name")?, str_arg(value, "cookie value")?);
        let (domain, path) = (str_arg(domain, "cookie domain")?, opt_str_arg(path, "cookie path")?);
        session.jar().set(name, value, domain, path)
    })
}

/// Hands a string to C (freed with session_string_free), or NULL for None or on failure.
fn c_owned(lookup: impl FnOnce() -> Result<Option<String>>) -> *mut c_char {
    guard(std::ptr::null_mut, || match lookup() {
        Ok(found) => found.and_then(|v| CString::new(v).ok()).map_or(std::ptr::null_mut(), CString::into_raw),
        Err(err) => {
            set_last_error(&err);
            std::ptr::null_mut()
        }
    })
}

/// The value of cookie `name` that would be sent to `url`, as a copy the caller frees with
/// session_string_free; NULL when there is none or an argument is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_get(s: *mut session_t, url: *const c_char, name: *const c_char) -> *mut c_char {
    c_owned(|| {
        let session = ref_arg(s, "session")?;
        let url = parse_url(str_arg(url, "URL")?)?;
        Ok(session.jar().get(&url, str_arg(name, "cookie name")?))
    })
}

/// The Cookie header value the session would send to `url`, as a copy the caller frees with
/// session_string_free; NULL when no cookie matches or an argument is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_header(s: *mut session_t, url: *const c_char) -> *mut c_char {
    c_owned(|| {
        let session = ref_arg(s, "session")?;
        let url = parse_url(str_arg(url, "URL")?)?;
        Ok(session.jar().header_for(&url))
    })
}

/// Frees a string returned by this library. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_string_free(str: *mut c_char) {
    if !str.is_null() {
        guard(|| (), || drop(CString::from_raw(str)));
    }
}

/// Removes every cookie from the session's jar.
#[no_mangle]
pub unsafe extern "C" fn session_cookies_clear(s: *mut session_t) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.jar().clear();
        Ok(())
    })
}
