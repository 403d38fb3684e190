//! The session's cookie jar from C: set, get, preview, delete, clear, list, save, load, caps.
//! The policy every cookie obeys is described in docs/cookies.md.

use crate::capi::session::session_t;
use crate::cookies::{self, CookieRecord, Format};
use crate::error::{session_code, set_last_error, Error, Result};
use crate::ffi::{free_box, guard, guard_code, opt_str_arg, ref_arg, str_arg};
use crate::prepare::parse_url;
use std::ffi::{c_char, c_int, CStr, CString};
use std::path::Path;

/// Cookie jar file formats, an `int` validated on every call.
#[allow(non_camel_case_types)]
pub type session_cookie_format = c_int;
/// JSON: `{"libsession_cookies": 1, "cookies": [...]}`, every attribute kept.
pub const SESSION_COOKIES_JSON: session_cookie_format = 0;
/// The Netscape cookies.txt of curl (-b/-c), wget and browser exporters, `#HttpOnly_` lines
/// included.
pub const SESSION_COOKIES_NETSCAPE: session_cookie_format = 1;

fn format_arg(format: session_cookie_format) -> Result<Format> {
    match format {
        SESSION_COOKIES_JSON => Ok(Format::Json),
        SESSION_COOKIES_NETSCAPE => Ok(Format::Netscape),
        other => Err(Error::invalid(format!("cookie file format {other} is not a session_cookie_format"))),
    }
}

/// One cookie with all its attributes. In a list, the strings belong to the list.
#[repr(C)]
#[allow(non_camel_case_types)]
pub struct session_cookie {
    pub name: *const c_char,
    pub value: *const c_char,
    /// The host (host-only cookie) or the domain (sent to subdomains too), without a leading dot.
    pub domain: *const c_char,
    pub path: *const c_char,
    /// Unix seconds; -1 for a session cookie.
    pub expires: i64,
    /// Sent only to secure origins: https, or http to a loopback host (localhost, 127.0.0.0/8,
    /// ::1) as browsers treat them; a server can set it only from such an origin.
    pub secure: bool,
    /// Not for scripts; libsession sends it like any other cookie.
    pub http_only: bool,
    /// True: sent to `domain` alone; false: to its subdomains too.
    pub host_only: bool,
}

/// See session_cookie.
#[allow(non_camel_case_types)]
pub type session_cookie_t = session_cookie;

/// A snapshot of a session's jar (opaque): session_cookie_list_len, session_cookie_list_at.
#[allow(non_camel_case_types)]
pub struct session_cookie_list {
    items: Vec<session_cookie>,
    _strings: Vec<CString>,
}

/// See session_cookie_list.
#[allow(non_camel_case_types)]
pub type session_cookie_list_t = session_cookie_list;

/// Sets a cookie in the session's jar. `domain` is required: "example.com" makes a host-only
/// cookie, sent to that host alone; ".example.com" one also sent to subdomains. `path` NULL
/// means "/". The cookie obeys the same policy as one from a server, as if received from
/// http://domain/ (so it is never Secure: use session_cookie_add for that). Refused cookies
/// give SESSION_E_INVALID_ARGUMENT with the reason in session_last_error. Strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_set(s: *mut session_t, name: *const c_char, value: *const c_char, domain: *const c_char, path: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let (name, value) = (str_arg(name, "cookie name")?, str_arg(value, "cookie value")?);
        let (domain, path) = (str_arg(domain, "cookie domain")?, opt_str_arg(path, "cookie path")?);
        session.jar().set(name, value, domain, path)
    })
}

/// Adds a cookie with every attribute of `cookie` (name, value, domain and path required;
/// expires -1 for a session cookie; host_only false, or a leading dot on domain, sends it to
/// subdomains of domain too).
/// It obeys the same policy as one from a server, as if received from https://domain/ when
/// secure, else http://domain/: a refused or already expired cookie gives
/// SESSION_E_INVALID_ARGUMENT. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_add(s: *mut session_t, cookie: *const session_cookie_t) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let c = ref_arg(cookie, "cookie")?;
        let record = CookieRecord {
            name: str_arg(c.name, "cookie name")?.to_owned(),
            value: str_arg(c.value, "cookie value")?.to_owned(),
            domain: str_arg(c.domain, "cookie domain")?.to_owned(),
            path: str_arg(c.path, "cookie path")?.to_owned(),
            expires: (c.expires >= 0).then_some(c.expires),
            secure: c.secure,
            http_only: c.http_only,
            host_only: c.host_only,
            created: 0,
        };
        if record.expires.is_some_and(|t| t <= now_secs()) {
            return Err(Error::invalid("cookie refused: already expired"));
        }
        session.jar().add(&record)
    })
}

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
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

/// The value of cookie `name` that would be sent to `url` (the longest-path one if several),
/// as a copy the caller frees with session_string_free; NULL when there is none or an
/// argument is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_get(s: *mut session_t, url: *const c_char, name: *const c_char) -> *mut c_char {
    c_owned(|| {
        let session = ref_arg(s, "session")?;
        let url = parse_url(str_arg(url, "URL")?)?;
        Ok(session.jar().get(&url, str_arg(name, "cookie name")?))
    })
}

/// The Cookie header value the session would send to `url` (longest path first, then oldest;
/// at most 8000 bytes), as a copy the caller frees with session_string_free; NULL when no
/// cookie matches or an argument is invalid. Previewing does not count as a use for eviction.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_header(s: *mut session_t, url: *const c_char) -> *mut c_char {
    c_owned(|| {
        let session = ref_arg(s, "session")?;
        let url = parse_url(str_arg(url, "URL")?)?;
        Ok(session.jar().peek_header(&url))
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

/// Removes the cookies of `domain` (a leading dot is ignored) and of its subdomains:
/// "example.com" clears example.com and www.example.com, not notexample.com.
#[no_mangle]
pub unsafe extern "C" fn session_cookies_clear_domain(s: *mut session_t, domain: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        session.jar().clear_domain(str_arg(domain, "cookie domain")?);
        Ok(())
    })
}

/// Removes the cookie `name` stored for `domain` (with or without its leading dot) and `path`
/// (NULL means "/"), as session_cookies_list shows them. Removing a cookie that is not there
/// is not an error.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_delete(s: *mut session_t, domain: *const c_char, path: *const c_char, name: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let domain = str_arg(domain, "cookie domain")?;
        let path = opt_str_arg(path, "cookie path")?.unwrap_or("/");
        session.jar().delete(domain, path, str_arg(name, "cookie name")?);
        Ok(())
    })
}

/// Caps the jar at `per_domain` cookies per registrable domain (default 180) and `total`
/// cookies (default 3000); 0 keeps a cap as it is. Over a cap, the least recently used
/// cookies (stored or sent longest ago) are evicted, at once and on every new cookie.
#[no_mangle]
pub unsafe extern "C" fn session_set_cookie_limits(s: *mut session_t, per_domain: usize, total: usize) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.jar().set_limits(per_domain, total);
        Ok(())
    })
}

/// A snapshot of every unexpired cookie in the jar, oldest first, owned by the caller until
/// session_cookie_list_free (it stays valid after the session is freed). NULL only for an
/// invalid argument or out of memory.
#[no_mangle]
pub unsafe extern "C" fn session_cookies_list(s: *mut session_t) -> *mut session_cookie_list_t {
    guard(std::ptr::null_mut, || match ref_arg(s, "session") {
        Ok(session) => {
            let records = session.jar().snapshot();
            Box::into_raw(Box::new(cookie_list(&records)))
        }
        Err(err) => {
            set_last_error(&err);
            std::ptr::null_mut()
        }
    })
}

fn cookie_list(records: &[CookieRecord]) -> session_cookie_list {
    let mut strings = Vec::with_capacity(records.len() * 4);
    let mut keep = |text: &str| {
        let c = crate::util::c_string(text.as_bytes());
        let ptr = c.as_ptr(); // the heap buffer does not move when the CString does
        strings.push(c);
        ptr
    };
    let items = records
        .iter()
        .map(|r| session_cookie {
            name: keep(&r.name),
            value: keep(&r.value),
            domain: keep(&r.domain),
            path: keep(&r.path),
            expires: r.expires.unwrap_or(-1),
            secure: r.secure,
            http_only: r.http_only,
            host_only: r.host_only,
        })
        .collect();
    session_cookie_list { items, _strings: strings }
}

/// Number of cookies in `list`; 0 for NULL.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_list_len(list: *const session_cookie_list_t) -> usize {
    guard(|| 0, || list.as_ref().map_or(0, |l| l.items.len()))
}

/// Cookie `i` of `list`, owned by the list (valid until session_cookie_list_free); NULL when
/// `list` is NULL or `i` is out of range.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_list_at(list: *const session_cookie_list_t, i: usize) -> *const session_cookie_t {
    guard(std::ptr::null, || list.as_ref().and_then(|l| l.items.get(i)).map_or(std::ptr::null(), |c| c as *const _))
}

/// Frees a list from session_cookies_list and every string in it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_cookie_list_free(list: *mut session_cookie_list_t) {
    free_box(list)
}

unsafe fn path_arg<'a>(path: *const c_char) -> Result<&'a Path> {
    if path.is_null() {
        return Err(Error::invalid("cookie file path is NULL"));
    }
    let bytes = CStr::from_ptr(path).to_bytes();
    if bytes.is_empty() {
        return Err(Error::invalid("cookie file path is empty"));
    }
    Ok(Path::new(std::ffi::OsStr::from_encoded_bytes_unchecked(bytes)))
}

/// Saves the jar's persistent cookies (those with an expiry; session cookies are left out,
/// see session_cookies_save_ex) to the file at `path` in `format`. The write is atomic: a
/// temp file in the same directory, fsync, rename over `path` (mode 0600). Errors:
/// SESSION_E_INVALID_ARGUMENT (NULL, bad format), SESSION_E_IO (the file could not be written;
/// an existing file is then left as it was).
#[no_mangle]
pub unsafe extern "C" fn session_cookies_save(s: *mut session_t, path: *const c_char, format: session_cookie_format) -> session_code {
    session_cookies_save_ex(s, path, format, false)
}

/// As session_cookies_save; `include_session_cookies` true saves session cookies (no expiry)
/// too, written with expiry 0 in cookies.txt and null in JSON, as curl does.
#[no_mangle]
pub unsafe extern "C" fn session_cookies_save_ex(s: *mut session_t, path: *const c_char, format: session_cookie_format, include_session_cookies: bool) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let (path, format) = (path_arg(path)?, format_arg(format)?);
        let mut records = session.jar().snapshot();
        records.retain(|r| include_session_cookies || r.expires.is_some());
        cookies::write_file(path, &records, format)
    })
}

/// Loads the cookies of the file at `path` (in `format`) into the jar, replacing cookies of
/// the same domain, path and name. Each obeys the jar's policy, as if received from
/// https://domain/ when Secure, else http://domain/; refused and expired ones are skipped.
/// Errors: SESSION_E_IO (unreadable), SESSION_E_DECODE (malformed: the jar is left untouched),
/// SESSION_E_INVALID_ARGUMENT (NULL, bad format).
#[no_mangle]
pub unsafe extern "C" fn session_cookies_load(s: *mut session_t, path: *const c_char, format: session_cookie_format) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let (path, format) = (path_arg(path)?, format_arg(format)?);
        let records = cookies::parse_file(path, format)?;
        session.jar().merge(&records);
        Ok(())
    })
}
