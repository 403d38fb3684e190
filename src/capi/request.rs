use crate::capi::response::into_c;
use crate::capi::session::session_t;
use crate::client;
use crate::error::{session_code, set_last_error, Code, Error, Result};
use crate::ffi::{bytes_arg, free_box, guard, guard_code, mut_arg, opt_str_arg, ref_arg, str_arg};
use crate::util::check_no_ctl;
use crate::request::{Method, Request};
use crate::response::{session_response_t, Response};
use crate::session::Session;
use crate::settings::timeout_from_ms;
use std::ffi::{c_char, c_long, c_void};

/// Opaque, reusable request builder (requests' Request). Sending does not consume it.
#[allow(non_camel_case_types)]
pub type session_request_t = Request;

/// A new request for `method` (upper-cased; any HTTP token) and `url` (parsed when sent).
/// Returns NULL, with session_last_error set, when an argument is NULL or contains CR, LF,
/// NUL or (in the method) a non-token character. Free with session_request_free.
#[no_mangle]
pub unsafe extern "C" fn session_request_new(method: *const c_char, url: *const c_char) -> *mut session_request_t {
    guard(std::ptr::null_mut, || {
        let built = str_arg(method, "method").and_then(|m| Request::new(m, str_arg(url, "URL")?));
        match built {
            Ok(request) => Box::into_raw(Box::new(request)),
            Err(err) => {
                set_last_error(&err);
                std::ptr::null_mut()
            }
        }
    })
}

/// Frees a request builder. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_request_free(req: *mut session_request_t) {
    free_box(req)
}

unsafe fn edit(req: *mut session_request_t, change: impl FnOnce(&mut Request) -> Result<()>) -> session_code {
    guard_code(|| change(mut_arg(req, "request")?))
}
/// Sets a header on this request, overriding a session default of the same name
/// (case-insensitive). `value` NULL suppresses the header, including a session default.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_header(req: *mut session_request_t, name: *const c_char, value: *const c_char) -> session_code {
    edit(req, |r| r.set_header(str_arg(name, "header name")?, opt_str_arg(value, "header value")?))
}

/// Adds a cookie sent with this request alone (requests' `cookies=`): on every hop of its
/// redirect chain while the host stays that of the first hop, replacing a jar cookie of the
/// same name; never stored in the jar. A request's own Cookie header, when set, is sent on
/// the first hop instead. A name set twice keeps the last value. SESSION_E_INVALID_ARGUMENT
/// for an empty name, `;` or `=` in the name, `;` or a control character in either.
#[no_mangle]
pub unsafe extern "C" fn session_request_add_cookie(req: *mut session_request_t, name: *const c_char, value: *const c_char) -> session_code {
    edit(req, |r| r.add_cookie(str_arg(name, "cookie name")?, str_arg(value, "cookie value")?))
}

/// Appends a query parameter (form-urlencoded) to the URL. Repeats are kept; a name also
/// set on the session replaces the session's value, at the session's position. `value` NULL
/// sends no parameter of that name in this request, the session's included (requests' None).
#[no_mangle]
pub unsafe extern "C" fn session_request_add_param(req: *mut session_request_t, name: *const c_char, value: *const c_char) -> session_code {
    edit(req, |r| {
        r.add_param(str_arg(name, "param name")?, opt_str_arg(value, "param value")?);
        Ok(())
    })
}

/// Sets the body to `len` bytes at `data` (copied), with Content-Type `content_type` when
/// not NULL. Replaces any JSON or form body set before.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_body(req: *mut session_request_t, data: *const c_void, len: usize, content_type: *const c_char) -> session_code {
    edit(req, |r| r.set_body(bytes_arg(data as *const u8, len, "body")?, opt_str_arg(content_type, "content type")?))
}

/// Sets the body to the JSON text `json` (copied as is) with Content-Type application/json.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_json(req: *mut session_request_t, json: *const c_char) -> session_code {
    edit(req, |r| r.set_body(str_arg(json, "JSON")?.as_bytes(), Some("application/json")))
}

/// Adds a field to an application/x-www-form-urlencoded body (replacing a raw or JSON body).
#[no_mangle]
pub unsafe extern "C" fn session_request_add_form(req: *mut session_request_t, name: *const c_char, value: *const c_char) -> session_code {
    edit(req, |r| {
        r.add_form(str_arg(name, "form name")?, str_arg(value, "form value")?);
        Ok(())
    })
}

/// Sets this request's total deadline in milliseconds, covering every redirect; overrides
/// the session's. 0 means no deadline; negative is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_timeout_ms(req: *mut session_request_t, total_ms: c_long) -> session_code {
    edit(req, |r| {
        r.timeout = Some(timeout_from_ms(total_ms, "timeout")?);
        Ok(())
    })
}

/// Whether redirects are followed (default true). When false, a 3xx comes back as is.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_allow_redirects(req: *mut session_request_t, allow: bool) -> session_code {
    edit(req, |r| {
        r.allow_redirects = allow;
        Ok(())
    })
}

/// The URL argument of a shortcut: UTF-8 without CR, LF or NUL. A URL of printable ASCII
/// (nearly every one) is accepted after one vectorizable pass, instead of a UTF-8 decode and
/// a second scan; any other goes the general way (same result, same messages).
unsafe fn url_arg<'a>(url: *const c_char) -> Result<&'a str> {
    if !url.is_null() {
        let bytes = std::ffi::CStr::from_ptr(url).to_bytes();
        if bytes.iter().fold(true, |plain, &b| plain & (0x20..0x7f).contains(&b)) {
            // SAFETY: printable ASCII is UTF-8.
            return Ok(std::str::from_utf8_unchecked(bytes));
        }
    }
    let url = str_arg(url, "URL")?;
    check_no_ctl(url, "URL")?;
    Ok(url)
}

/// Hands a response to C, its error recorded as this thread's last one.
fn hand_over(response: Response) -> *mut session_response_t {
    if let Some(err) = &response.error {
        set_last_error(err);
    }
    into_c(response)
}

/// Runs `send` behind the panic boundary. `send` hands its response over itself (only a
/// pointer then comes out of the boundary, not the whole Response); an argument error
/// becomes a failed response.
fn respond(send: impl FnOnce() -> Result<*mut session_response_t>) -> *mut session_response_t {
    guard(
        || hand_over(Response::failed(Error::new(Code::SESSION_E_INTERNAL, "a panic was caught at the C boundary"), "")),
        || send().unwrap_or_else(|err| hand_over(Response::failed(err, ""))),
    )
}

/// Sends `req` on session `s`, following redirects, and returns the response, owned by the
/// caller (free with session_response_free). Never NULL except when out of memory; a
/// transport failure is reported in the response's `error`. `req` is not modified.
#[no_mangle]
pub unsafe extern "C" fn session_send(s: *mut session_t, req: *const session_request_t) -> *mut session_response_t {
    respond(|| Ok(hand_over(client::send(ref_arg(s, "session")?, ref_arg(req, "request")?))))
}
unsafe fn shortcut(s: *mut session_t, method: Method, url: *const c_char, body: Option<(*const c_void, usize, *const c_char)>) -> *mut session_response_t {
    respond(|| {
        let session: &Session = ref_arg(s, "session")?;
        let url = url_arg(url)?;
        // The URL is borrowed, not copied into the request: send_to takes it apart.
        let mut request = Request::with_method(method);
        if let Some((data, len, content_type)) = body {
            request.set_body(bytes_arg(data as *const u8, len, "body")?, opt_str_arg(content_type, "content type")?)?;
        }
        Ok(hand_over(client::send_to(session, &request, url)))
    })
}

/// GET `url` on session `s`. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_get(s: *mut session_t, url: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::GET, url, None)
}

/// HEAD `url` on session `s`. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_head(s: *mut session_t, url: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::HEAD, url, None)
}

/// DELETE `url` on session `s`. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_delete(s: *mut session_t, url: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::DELETE, url, None)
}

/// POST `len` bytes at `body` (copied; NULL with len 0 for none) to `url`, with
/// Content-Type `content_type` unless NULL. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_post(s: *mut session_t, url: *const c_char, body: *const c_void, len: usize, content_type: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::POST, url, Some((body, len, content_type)))
}

/// PUT, as session_post. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_put(s: *mut session_t, url: *const c_char, body: *const c_void, len: usize, content_type: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::PUT, url, Some((body, len, content_type)))
}

/// PATCH, as session_post. The response is owned by the caller.
#[no_mangle]
pub unsafe extern "C" fn session_patch(s: *mut session_t, url: *const c_char, body: *const c_void, len: usize, content_type: *const c_char) -> *mut session_response_t {
    shortcut(s, Method::PATCH, url, Some((body, len, content_type)))
}
