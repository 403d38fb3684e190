use crate::error::{session_code, Error, Result};
use crate::ffi::{free_box, guard, guard_code, opt_str_arg, ref_arg, str_arg};
use crate::headers;
use crate::asynchronous::Background;
use crate::session::Session;
use crate::settings::{timeout_from_ms, Auth, Settings};
use std::ffi::{c_char, c_int, c_long};
use std::sync::Arc;

/// Opaque session handle: cookies, default headers, auth, settings and a connection pool,
/// shared by every request sent through it. Safe to use from several threads at once.
#[allow(non_camel_case_types)]
pub type session_t = SessionHandle;

/// What a `session_t *` points to: the session's core (shared with its async worker while
/// that runs) and the worker, stopped first when the handle is freed.
pub struct SessionHandle {
    core: Arc<Session>,
    pub(crate) background: Background,
}

impl SessionHandle {
    /// The core, for whoever must hold it beyond this call (the async worker).
    pub(crate) fn core(&self) -> &Arc<Session> {
        &self.core
    }
}

impl std::ops::Deref for SessionHandle {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.core
    }
}

impl Drop for SessionHandle {
    fn drop(&mut self) {
        self.background.shutdown();
    }
}

/// A new session with default settings (User-Agent "libsession/<version>", verification on,
/// 30 redirects, 30 s connect timeout, no total timeout). Free it with session_free.
/// Returns NULL only when out of memory.
#[no_mangle]
pub extern "C" fn session_new() -> *mut session_t {
    guard(std::ptr::null_mut, || {
        let handle = SessionHandle { core: Arc::new(Session::new()), background: Background::default() };
        Box::into_raw(Box::new(handle))
    })
}

/// Frees a session and closes its pooled connections. Responses it produced stay valid.
/// NULL is a no-op; from inside one of the session's callbacks it does nothing (and sets
/// session_last_error).
#[no_mangle]
pub unsafe extern "C" fn session_free(s: *mut session_t) {
    // From inside one of its callbacks the session is in use: refuse (leak) rather than free.
    if let Some(Err(err)) = s.as_ref().map(|session| crate::reentry::check(session.settings().transfer.session_id)) {
        return crate::error::set_last_error(&err);
    }
    free_box(s)
}

/// Applies `change` to the settings of session `s`.
unsafe fn update(s: *const session_t, change: impl FnOnce(&mut Settings) -> Result<()>) -> session_code {
    guard_code(|| ref_arg(s, "session")?.update(change))
}

/// Runs `change` on the layers of session `s`, refused inside one of its callbacks.
pub(super) unsafe fn layers(s: *const session_t, change: impl FnOnce(&crate::wire::Layers) -> Result<()>) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        crate::reentry::check(session.settings().transfer.session_id)?;
        change(&session.wire)
    })
}

/// Sets a default header sent with every request (a request's own value wins).
/// `value` NULL means "don't send this header" unless a request sets it (as requests' None),
/// which also removes the built-in User-Agent and Accept.
/// The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_header(s: *mut session_t, name: *const c_char, value: *const c_char) -> session_code {
    update(s, |settings| {
        let name = str_arg(name, "header name")?;
        let value = opt_str_arg(value, "header value")?;
        headers::validate(name, value)?;
        // None stays as a marker so libcurl's own default (e.g. Accept) is suppressed too.
        settings.headers.set(name, value);
        Ok(())
    })
}

/// Sets a default query parameter added to every request's URL (a request parameter of the
/// same name wins); `value` NULL removes it. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_param(s: *mut session_t, name: *const c_char, value: *const c_char) -> session_code {
    update(s, |settings| {
        settings.set_param(str_arg(name, "param name")?, opt_str_arg(value, "param value")?);
        Ok(())
    })
}

/// Uses HTTP basic auth for requests without their own Authorization header. `user` NULL
/// removes the session's credentials; `password` NULL means "". Credentials are not sent to
/// another host after a redirect.
#[no_mangle]
pub unsafe extern "C" fn session_set_basic_auth(s: *mut session_t, user: *const c_char, password: *const c_char) -> session_code {
    update(s, |settings| {
        settings.auth = Auth::from_parts("basic", opt_str_arg(user, "user")?, opt_str_arg(password, "password")?)?;
        Ok(())
    })
}

/// Sends "Authorization: Bearer <token>" with requests without their own Authorization
/// header; NULL removes it. Replaces basic auth set before.
#[no_mangle]
pub unsafe extern "C" fn session_set_bearer_token(s: *mut session_t, token: *const c_char) -> session_code {
    update(s, |settings| {
        settings.auth = match opt_str_arg(token, "token")? {
            None => None,
            Some(token) => {
                crate::util::check_field_value(token, "token")?;
                Some(Auth::Bearer(token.to_owned()))
            }
        };
        Ok(())
    })
}

/// Sets the connect timeout and the total deadline (covering every redirect) in
/// milliseconds; 0 means none (connect then uses libcurl's default of 300 s). Negative values
/// are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_timeout_ms(s: *mut session_t, connect_ms: c_long, total_ms: c_long) -> session_code {
    update(s, |settings| {
        settings.connect_timeout = timeout_from_ms(connect_ms, "connect timeout")?;
        settings.total_timeout = timeout_from_ms(total_ms, "total timeout")?;
        Ok(())
    })
}

/// Sets how many redirects a request may follow (default 30); more gives
/// SESSION_E_TOO_MANY_REDIRECTS. 0 refuses every redirect; negative is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_set_max_redirects(s: *mut session_t, max: c_int) -> session_code {
    update(s, |settings| {
        settings.max_redirects = u32::try_from(max).map_err(|_| Error::invalid("max redirects is negative"))?;
        Ok(())
    })
}

/// Turns TLS certificate and host name verification on (default) or off.
#[no_mangle]
pub unsafe extern "C" fn session_set_verify(s: *mut session_t, verify: bool) -> session_code {
    update(s, |settings| {
        settings.verify = verify;
        Ok(())
    })
}

/// Verifies servers against the CA certificates in the PEM file at `path` instead of the
/// system store; NULL goes back to the system store. The path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_ca_bundle(s: *mut session_t, path: *const c_char) -> session_code {
    update(s, |settings| {
        settings.ca_bundle = opt_str_arg(path, "CA bundle path")?.map(|p| crate::util::c_string(p.as_bytes()));
        Ok(())
    })
}

/// Caps a response body at `bytes` (0, the default, means unlimited); a larger body fails
/// with SESSION_E_TOO_LARGE.
#[no_mangle]
pub unsafe extern "C" fn session_set_max_body_size(s: *mut session_t, bytes: usize) -> session_code {
    update(s, |settings| {
        settings.max_body_size = bytes;
        Ok(())
    })
}

/// Like curl's RESOLVE: connections to `host`:`port` go to the IP `address`, while the URL,
/// Host header and cookies keep `host`. `address` NULL removes the override.
#[no_mangle]
pub unsafe extern "C" fn session_set_resolve(s: *mut session_t, host: *const c_char, port: c_int, address: *const c_char) -> session_code {
    update(s, |settings| {
        let host = str_arg(host, "host")?;
        if host.is_empty() || host.bytes().any(|b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'-')) {
            return Err(Error::invalid(format!("{host:?} is not a host name")));
        }
        let port = u16::try_from(port).ok().filter(|p| *p != 0).ok_or_else(|| Error::invalid("port out of range"))?;
        settings.set_resolve(host, port, opt_str_arg(address, "address")?)
    })
}
