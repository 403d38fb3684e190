//! The HTTP cache (docs/cache.md): a session's private RFC 9111 cache, in memory or in a
//! directory.

use super::request::session_request_t;
use super::session::session_t;
use crate::error::{session_code, Error};
use crate::ffi::{guard, guard_code, mut_arg, path_arg};
use crate::response::{session_response_t, ResponseBox};
use crate::transfer::CacheMode;
use std::ffi::{c_char, c_int};
use std::sync::Arc;

/// How a request uses the session's HTTP cache (session_request_set_cache_mode).
#[allow(non_camel_case_types)]
pub type session_cache_mode = c_int;
/// RFC 9111 as it is: fresh stored responses answer, stale ones are revalidated.
pub const SESSION_CACHE_DEFAULT: session_cache_mode = 0;
/// Neither read nor write the cache for this request.
pub const SESSION_CACHE_NO_STORE: session_cache_mode = 1;
/// Always revalidate a stored response with the server before using it.
pub const SESSION_CACHE_NO_CACHE: session_cache_mode = 2;
/// Use any stored response, even stale; go to the network only when none is stored.
pub const SESSION_CACHE_FORCE_CACHE: session_cache_mode = 3;
/// Use any stored response and never the network: a miss fails with SESSION_E_NOT_CACHED.
pub const SESSION_CACHE_ONLY_IF_CACHED: session_cache_mode = 4;

/// How the HTTP cache answered a response (session_response_cache_status).
#[allow(non_camel_case_types)]
pub type session_cache_status = c_int;
/// The cache is off or the request bypassed it.
pub const SESSION_CACHE_NONE: session_cache_status = 0;
/// Nothing stored answered: the response came from the network.
pub const SESSION_CACHE_MISS: session_cache_status = 1;
/// A stored response answered without the network.
pub const SESSION_CACHE_HIT: session_cache_status = 2;
/// The server answered a conditional request with 304: the stored response was served,
/// its headers updated.
pub const SESSION_CACHE_REVALIDATED: session_cache_status = 3;
/// A stale stored response was served (stale-if-error, stale-while-revalidate, max-stale,
/// SESSION_CACHE_FORCE_CACHE or SESSION_CACHE_ONLY_IF_CACHED).
pub const SESSION_CACHE_STALE: session_cache_status = 4;

/// Switches the session's private HTTP cache (RFC 9111, RFC 5861) on or off. `dir` (NULL
/// for a cache in memory) is a directory, created if needed, that several sessions and
/// processes may share. `max_bytes` bounds the stored size (least recently used entries
/// go first); 0 turns the cache off (the default). Only GET and HEAD responses are
/// stored; a fresh stored response answers without the network. Errors: SESSION_E_IO (the
/// directory cannot be created or written), SESSION_E_INVALID_ARGUMENT (NULL session,
/// empty `dir`, called from one of the session's callbacks).
#[no_mangle]
pub unsafe extern "C" fn session_set_cache(s: *mut session_t, dir: *const c_char, max_bytes: u64) -> session_code {
    super::session::layers(s, |layers| {
        let dir = if dir.is_null() { None } else { Some(path_arg(dir, "cache dir")?) };
        let cache = match max_bytes {
            0 => None,
            max => Some(Arc::new(crate::cache::Cache::open(dir, max)?)),
        };
        layers.update(|active| {
            active.cache = cache;
            Ok(())
        })
    })
}

/// How this request uses the session's cache (see session_cache_mode; default
/// SESSION_CACHE_DEFAULT). Errors: SESSION_E_INVALID_ARGUMENT (NULL request, a value that
/// is not a session_cache_mode).
#[no_mangle]
pub unsafe extern "C" fn session_request_set_cache_mode(req: *mut session_request_t, mode: session_cache_mode) -> session_code {
    guard_code(|| {
        let req = mut_arg(req, "request")?;
        req.transfer.cache_mode = CacheMode::from_raw(mode as i64).ok_or_else(|| Error::invalid(format!("cache mode {mode} is not a session_cache_mode")))?;
        Ok(())
    })
}

/// How the session's cache answered response `r` (one hop: each response in the history
/// has its own); SESSION_CACHE_NONE for `r` (NULL gives SESSION_CACHE_NONE) when the cache
/// is off or the request bypassed it.
#[no_mangle]
pub unsafe extern "C" fn session_response_cache_status(r: *const session_response_t) -> session_cache_status {
    guard(
        || SESSION_CACHE_NONE,
        || match r.as_ref() {
            Some(r) => ResponseBox::from_public(r).timings().cache as session_cache_status,
            None => SESSION_CACHE_NONE,
        },
    )
}
