//! Auth, TLS, proxy, timeout and retry settings (docs/network.md).

use crate::capi::request::session_request_t;
use crate::capi::session::session_t;
use crate::error::{session_code, Error, Result};
use crate::ffi::{guard_code, mut_arg, opt_str_arg, ref_arg, str_arg};
use crate::util::c_string;
use crate::settings::{timeout_from_ms, Auth, Settings};
use std::ffi::{c_char, c_int, c_long};

unsafe fn update(s: *const session_t, change: impl FnOnce(&mut Settings) -> Result<()>) -> session_code {
    guard_code(|| ref_arg(s, "session")?.update(change))
}

/// An optional path argument as the C string libcurl takes; "" is refused.
unsafe fn path_arg(ptr: *const c_char, what: &str) -> Result<Option<std::ffi::CString>> {
    match opt_str_arg(ptr, what)? {
        Some("") => Err(Error::invalid(format!("{what} is empty"))),
        other => Ok(other.map(|p| c_string(p.as_bytes()))),
    }
}

/// Uses HTTP digest auth (libcurl answers the server's challenge) for requests without their
/// own Authorization header; replaces basic or bearer auth set before. `user` NULL removes
/// the session's credentials; `password` NULL means "". The credentials are used only on the
/// origin of the request: after a redirect to another host, scheme or port they are dropped
/// for the rest of the request. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_digest_auth(s: *mut session_t, user: *const c_char, password: *const c_char) -> session_code {
    update(s, |settings| {
        settings.auth = auth_arg("digest", user, password)?;
        Ok(())
    })
}

/// Reads credentials from a netrc file for hosts a request has no Authorization for
/// (default off). `path` NULL means libcurl's default, $HOME/.netrc. The path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_netrc(s: *mut session_t, enabled: bool, path: *const c_char) -> session_code {
    update(s, |settings| {
        let path = path_arg(path, "netrc path")?;
        settings.net.netrc = enabled.then_some(path);
        Ok(())
    })
}

/// Verifies servers against a directory of CA certificates (OpenSSL's hashed layout, as made
/// by c_rehash/openssl rehash), in addition to a bundle set with session_set_ca_bundle; either
/// replaces the system store. NULL removes the directory. The path is copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_ca_path(s: *mut session_t, dir: *const c_char) -> session_code {
    update(s, |settings| {
        settings.net.tls.ca_dir = path_arg(dir, "CA directory")?;
        Ok(())
    })
}

/// Presents a client certificate (PEM file `cert_path`) with its private key (PEM file
/// `key_path`, NULL when the key is in the certificate file) unlocked with `password` (NULL
/// for an unencrypted key). `cert_path` NULL removes the client certificate. A key or
/// password that does not fit fails the request with SESSION_E_TLS. Strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_set_client_cert(s: *mut session_t, cert_path: *const c_char, key_path: *const c_char, password: *const c_char) -> session_code {
    update(s, |settings| {
        let tls = &mut settings.net.tls;
        tls.client_cert = path_arg(cert_path, "certificate path")?;
        if tls.client_cert.is_none() {
            tls.client_key = None;
            tls.key_password = None;
            return Ok(());
        }
        tls.client_key = path_arg(key_path, "key path")?;
        tls.key_password = opt_str_arg(password, "key password")?.map(|p| c_string(p.as_bytes()));
        Ok(())
    })
}

/// Sets the proxy for `scheme`, as the keys of requests' proxies dict: "http" or "https"
/// (the request URL's scheme), "all" (any scheme), "http://host", "https://host" or
/// "all://host" (that host only), the most specific key winning. `proxy_url` is
/// http://, https://, socks4://, socks4a://, socks5:// or socks5h:// (host resolved by the
/// proxy) with optional "user:password@" (percent-encoded); without a scheme http:// is
/// assumed. "" means "no proxy" for that key (overriding the environment); NULL removes the
/// key. The key "no_proxy" takes a NO_PROXY-style list (hosts, domains, IPs, CIDRs, "*")
/// exempting hosts from every proxy. Bad values are SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_proxy(s: *mut session_t, scheme: *const c_char, proxy_url: *const c_char) -> session_code {
    update(s, |settings| settings.net.proxy.set(str_arg(scheme, "proxy scheme")?, opt_str_arg(proxy_url, "proxy URL")?))
}

/// Whether the environment's http_proxy, https_proxy, all_proxy and no_proxy (either case;
/// upper-case HTTP_PROXY is ignored under CGI) choose proxies for keys the session has not
/// set (default true). Off, the environment is fully ignored (libcurl does not read it
/// either). No environment variable can turn TLS verification off.
#[no_mangle]
pub unsafe extern "C" fn session_set_trust_env(s: *mut session_t, trust: bool) -> session_code {
    update(s, |settings| {
        settings.net.proxy.trust_env = trust;
        Ok(())
    })
}

/// Sets the read (idle) timeout: a transfer that receives and sends less than one byte per
/// second for this long fails with SESSION_E_TIMEOUT. Whole seconds: the value is rounded
/// up. Default 300000 (5 minutes); 0 means none; negative is SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_read_timeout_ms(s: *mut session_t, ms: c_long) -> session_code {
    update(s, |settings| {
        settings.net.read_timeout = timeout_from_ms(ms, "read timeout")?;
        Ok(())
    })
}

/// Retries a request up to `total` more times (default 0: no retries) after a connection
/// failure, a timeout or a status set with session_set_retry_statuses, or a 413/429/503
/// carrying Retry-After; only for methods set with session_set_retry_methods (default the
/// idempotent GET, HEAD, PUT, DELETE, OPTIONS, TRACE). Retry number n waits
/// `backoff_factor` * 2^(n-1) seconds (at most 120 s), jittered down to half of it, or what
/// Retry-After says (seconds or HTTP-date; over 300 s, the response comes back instead).
/// No retry starts after the request's total deadline. Negative or non-finite values are
/// SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_retries(s: *mut session_t, total: c_int, backoff_factor: f64) -> session_code {
    update(s, |settings| {
        settings.retry.total = u32::try_from(total).map_err(|_| Error::invalid("retries total is negative"))?;
        if !(backoff_factor.is_finite() && backoff_factor >= 0.0) {
            return Err(Error::invalid("backoff factor is negative or not finite"));
        }
        settings.retry.backoff_factor = backoff_factor;
        Ok(())
    })
}

/// Sets the statuses that are retried (default none), `n` values at `codes` (100..599; at
/// most 500 of them), copied; n 0 clears the list.
#[no_mangle]
pub unsafe extern "C" fn session_set_retry_statuses(s: *mut session_t, codes: *const c_int, n: usize) -> session_code {
    update(s, |settings| {
        if n > 500 {
            return Err(Error::invalid("more than 500 status codes"));
        }
        let codes = crate::ffi::bytes_arg(codes as *const u8, n * std::mem::size_of::<c_int>(), "status codes")?;
        let codes: Vec<u32> = codes
            .chunks_exact(std::mem::size_of::<c_int>())
            .map(|c| c_int::from_ne_bytes(c.try_into().expect("chunk size")))
            .map(|c| u32::try_from(c).ok().filter(|c| (100..600).contains(c)))
            .collect::<Option<_>>()
            .ok_or_else(|| Error::invalid("a status code is outside 100..599"))?;
        settings.retry.statuses = codes;
        Ok(())
    })
}

/// Sets the methods that may be retried, a comma-separated list such as "GET,HEAD"
/// (case-insensitive; "" allows none). Default "GET,HEAD,PUT,DELETE,OPTIONS,TRACE".
#[no_mangle]
pub unsafe extern "C" fn session_set_retry_methods(s: *mut session_t, methods: *const c_char) -> session_code {
    update(s, |settings| {
        let list = str_arg(methods, "methods")?;
        let methods = list
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(crate::request::normalize_method)
            .collect::<Result<Vec<_>>>()?;
        settings.retry.methods = methods;
        Ok(())
    })
}

/// Sets this request's retries, overriding the session's total (the rest of the policy
/// stays the session's); -1 goes back to the session's, other negatives are invalid.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_retries(req: *mut session_request_t, total: c_int) -> session_code {
    guard_code(|| {
        let req = mut_arg(req, "request")?;
        req.net.retries = match total {
            -1 => None,
            n => Some(u32::try_from(n).map_err(|_| Error::invalid("retries total is negative"))?),
        };
        Ok(())
    })
}

/// Sets this request's read (idle) timeout in milliseconds, overriding the session's
/// (see session_set_read_timeout_ms); 0 means none, negative is invalid.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_read_timeout_ms(req: *mut session_request_t, ms: c_long) -> session_code {
    guard_code(|| {
        let req = mut_arg(req, "request")?;
        req.net.read_timeout = Some(timeout_from_ms(ms, "read timeout")?);
        Ok(())
    })
}

/// Credentials from C for a session or a request (no CR, LF, NUL; no ':' in a basic user).
/// `kind` is "basic", "bearer" or "digest".
pub(crate) unsafe fn auth_arg(kind: &str, user: *const c_char, password: *const c_char) -> Result<Option<Auth>> {
    Auth::from_parts(kind, opt_str_arg(user, "user")?, opt_str_arg(password, "password")?)
}

unsafe fn set_request_auth(req: *mut session_request_t, kind: &str, user: *const c_char, password: *const c_char) -> session_code {
    guard_code(|| {
        let req = mut_arg(req, "request")?;
        req.net.auth = auth_arg(kind, user, password)?;
        Ok(())
    })
}

/// Uses HTTP basic auth for this request, overriding the session's auth (a header the request
/// sets itself still wins). `user` NULL removes the override; `password` NULL means "".
/// Dropped after a redirect to another host, scheme or port. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_basic_auth(req: *mut session_request_t, user: *const c_char, password: *const c_char) -> session_code {
    set_request_auth(req, "basic", user, password)
}

/// Uses HTTP digest auth for this request, overriding the session's auth, as
/// session_request_set_basic_auth. The strings are copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_digest_auth(req: *mut session_request_t, user: *const c_char, password: *const c_char) -> session_code {
    set_request_auth(req, "digest", user, password)
}

/// Sends "Authorization: Bearer <token>" with this request, overriding the session's auth;
/// NULL removes the override. The token is copied.
#[no_mangle]
pub unsafe extern "C" fn session_request_set_bearer_token(req: *mut session_request_t, token: *const c_char) -> session_code {
    set_request_auth(req, "bearer", token, std::ptr::null())
}
