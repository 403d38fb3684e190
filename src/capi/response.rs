use crate::error::{session_code, Code, Error};
use crate::ffi::{guard, guard_code, str_arg};
pub use crate::response::session_response_t;
use crate::response::{BoxedResponse, Response, ResponseBox};
use std::ffi::c_char;

/// Hands a response to C; the pointer is to the box's leading public struct.
pub fn into_c(response: Response) -> *mut session_response_t {
    BoxedResponse::new(response).into_raw()
}

unsafe fn boxed<'a>(r: *const session_response_t) -> Option<&'a ResponseBox> {
    r.as_ref().map(|r| ResponseBox::from_public(r))
}

/// The value of response header `name` (case-insensitive; repeated headers joined with
/// ", "), or NULL when absent or an argument is NULL. Owned by the response.
#[no_mangle]
pub unsafe extern "C" fn session_response_header(r: *const session_response_t, name: *const c_char) -> *const c_char {
    guard(std::ptr::null, || {
        let (Some(r), Ok(name)) = (boxed(r), str_arg(name, "header name")) else {
            return std::ptr::null();
        };
        r.header(name).map_or(std::ptr::null(), |v| v.as_ptr())
    })
}

/// Number of header lines in the response (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn session_response_header_count(r: *const session_response_t) -> usize {
    guard(|| 0, || boxed(r).map_or(0, |r| r.header_count()))
}

/// The `i`th header line, in received order: `*name` and `*value` point into the response.
/// SESSION_E_INVALID_ARGUMENT for NULL arguments or `i` out of range.
#[no_mangle]
pub unsafe extern "C" fn session_response_header_at(r: *const session_response_t, i: usize, name: *mut *const c_char, value: *mut *const c_char) -> session_code {
    guard_code(|| {
        let r = boxed(r).ok_or_else(|| Error::invalid("response is NULL"))?;
        if name.is_null() || value.is_null() {
            return Err(Error::invalid("name or value out-pointer is NULL"));
        }
        let (n, v) = r.header_at(i).ok_or_else(|| Error::invalid(format!("header index {i} out of range")))?;
        *name = n.as_ptr();
        *value = v.as_ptr();
        Ok(())
    })
}

/// The `i`th response of the redirect history (0 is the first request's), owned by `r`;
/// NULL when out of range. Never free it: it lives as long as `r`.
#[no_mangle]
pub unsafe extern "C" fn session_response_history_at(r: *const session_response_t, i: usize) -> *const session_response_t {
    guard(std::ptr::null, || {
        boxed(r)
            .and_then(|r| r.history().get(i))
            .map_or(std::ptr::null(), |h| h.public() as *const session_response_t)
    })
}

/// The method of the request sent for `r`'s hop (a 301/302/303 after a POST shows "GET"),
/// owned by `r`; "" when nothing could be sent (a bad URL), NULL when `r` is NULL. The
/// request's URL is `r->url`. History entries carry their own hop's request.
#[no_mangle]
pub unsafe extern "C" fn session_response_request_method(r: *const session_response_t) -> *const c_char {
    guard(std::ptr::null, || boxed(r).map_or(std::ptr::null(), |r| r.sent_method().as_ptr()))
}

/// Number of header lines the library sent with `r`'s hop: the session's defaults merged
/// with the request's, the jar's Cookie, Authorization for basic/bearer credentials, the
/// body's Content-Type. libcurl's own Host, Content-Length and a digest Authorization are not
/// listed. 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn session_response_request_header_count(r: *const session_response_t) -> usize {
    guard(|| 0, || boxed(r).map_or(0, |r| r.sent_header_count()))
}

/// The `i`th header line sent with `r`'s hop (see session_response_request_header_count):
/// `*name` and `*value` point into the response. SESSION_E_INVALID_ARGUMENT for NULL
/// arguments or `i` out of range.
#[no_mangle]
pub unsafe extern "C" fn session_response_request_header_at(r: *const session_response_t, i: usize, name: *mut *const c_char, value: *mut *const c_char) -> session_code {
    guard_code(|| {
        let r = boxed(r).ok_or_else(|| Error::invalid("response is NULL"))?;
        if name.is_null() || value.is_null() {
            return Err(Error::invalid("name or value out-pointer is NULL"));
        }
        let (n, v) = r.sent_header_at(i).ok_or_else(|| Error::invalid(format!("request header index {i} out of range")))?;
        *name = n.as_ptr();
        *value = v.as_ptr();
        Ok(())
    })
}

/// The body sent with `r`'s hop, owned by `r`, its length in `*len`. NULL (and `*len` 0)
/// when the request had no body, when it was streamed (files, a read callback: not kept),
/// or when `r` or `len` is NULL.
#[no_mangle]
pub unsafe extern "C" fn session_response_request_body(r: *const session_response_t, len: *mut usize) -> *const u8 {
    guard(std::ptr::null, || {
        if len.is_null() {
            return std::ptr::null();
        }
        *len = 0;
        match boxed(r).and_then(|r| r.sent_body()) {
            Some(body) => {
                *len = body.len();
                if body.is_empty() { c"".as_ptr().cast() } else { body.as_ptr() }
            }
            None => std::ptr::null(),
        }
    })
}

/// True when a response was received without error and its status is below 400.
#[no_mangle]
pub unsafe extern "C" fn session_response_ok(r: *const session_response_t) -> bool {
    r.as_ref().is_some_and(|r| r.error == Code::SESSION_OK && r.status_code < 400)
}

/// SESSION_OK for a status below 400; SESSION_E_HTTP_STATUS for 4xx/5xx; the response's
/// own error when the request failed; SESSION_E_INVALID_ARGUMENT for NULL.
#[no_mangle]
pub unsafe extern "C" fn session_response_raise_for_status(r: *const session_response_t) -> session_code {
    guard_code(|| {
        let r = r.as_ref().ok_or_else(|| Error::invalid("response is NULL"))?;
        if r.error != Code::SESSION_OK {
            return Err(Error::new(r.error, "the request failed"));
        }
        if r.status_code >= 400 {
            return Err(Error::new(Code::SESSION_E_HTTP_STATUS, format!("HTTP status {}", r.status_code)));
        }
        Ok(())
    })
}

/// Frees a response with its headers, body and history. NULL is a no-op. Never pass a
/// history entry.
#[no_mangle]
pub unsafe extern "C" fn session_response_free(r: *mut session_response_t) {
    if let Some(r) = BoxedResponse::from_raw(r) {
        crate::ffi::guard(|| (), || drop(r));
    }
}
