//! Batches, asynchronous requests and pool limits (docs/concurrency.md).

use crate::asynchronous::{Callback, FutureState};
use crate::capi::request::session_request_t;
use crate::capi::response::into_c;
use crate::capi::session::session_t;
use crate::error::{session_code, set_last_error, Code, Error};
use crate::ffi::{free_box, guard, guard_code, ref_arg};
use crate::parallel;
use crate::request::Request;
use crate::response::{session_response_t, BoxedResponse};
use crate::settings::timeout_from_ms;
use crate::transport::Limits;
use std::ffi::{c_int, c_long, c_void};
use std::sync::Arc;
use std::time::Duration;

/// Sends the `n` requests `reqs[0..n]` at once on the session's connection pool (HTTP/2
/// streams multiplexed on one connection where the server offers h2; HTTP/1.1 spread over
/// several connections within the pool limits) and returns when all are done. Each request
/// follows redirects and uses the cookie jar as session_send does. Every `out[i]` receives a
/// response owned by the caller (free each with session_response_free), failures included:
/// a NULL `reqs[i]` or a transport error fails only its own slot. Returns SESSION_OK once
/// every slot is filled; SESSION_E_INVALID_ARGUMENT (and `out` untouched) when `s` is NULL or
/// `reqs`/`out` is NULL with n > 0. The requests are not modified.
#[no_mangle]
pub unsafe extern "C" fn session_send_all(s: *mut session_t, reqs: *const *mut session_request_t, n: usize, out: *mut *mut session_response_t) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        if n == 0 {
            return Ok(());
        }
        if reqs.is_null() || out.is_null() {
            return Err(Error::invalid("reqs or out is NULL"));
        }
        let slots = std::slice::from_raw_parts(reqs, n);
        let missing = Request::new("GET", "").expect("a blank request");
        let requests: Vec<&Request> = slots.iter().map(|r| r.cast_const().as_ref().unwrap_or(&missing)).collect();
        // Each response goes to C form as it comes (a batch holds no Rust copy of them); the
        // boxes go to `out` at the end, so a panic in between frees them instead.
        let mut boxes: Vec<Option<BoxedResponse>> = (0..n).map(|_| None).collect();
        parallel::send_all(session, &requests, |i, mut response| {
            if slots[i].is_null() {
                response = crate::response::Response::failed(Error::invalid(format!("reqs[{i}] is NULL")), "");
            }
            boxes[i] = Some(BoxedResponse::new(response));
        });
        for (i, slot) in boxes.into_iter().enumerate() {
            let response = slot.unwrap_or_else(|| {
                let missing = Error::new(Code::SESSION_E_INTERNAL, "no response");
                BoxedResponse::new(crate::response::Response::failed(missing, ""))
            });
            *out.add(i) = response.into_raw();
        }
        Ok(())
    })
}

/// Future of an asynchronous request (opaque). Owned by the caller: free it with
/// session_future_free, which may be called before or after the request finishes.
#[allow(non_camel_case_types)]
pub struct session_future {
    state: Arc<FutureState>,
}

/// Future handle (see session_future).
#[allow(non_camel_case_types)]
pub type session_future_t = session_future;

/// Callback for session_send_async_cb.
#[allow(non_camel_case_types)]
pub type session_done_fn = Option<unsafe extern "C" fn(user_data: *mut c_void)>;

unsafe fn submit(s: *mut session_t, req: *const session_request_t, callback: Option<Callback>) -> *mut session_future_t {
    guard(std::ptr::null_mut, || {
        let submitted = ref_arg(s, "session").and_then(|session| {
            let request = ref_arg(req, "request")?;
            session.background.submit(session.core(), request, callback)
        });
        match submitted {
            Ok(state) => Box::into_raw(Box::new(session_future { state })),
            Err(err) => {
                set_last_error(&err);
                std::ptr::null_mut()
            }
        }
    })
}

/// Starts `req` on the session's worker thread (started at the first call; it has its own
/// connections) and returns its future, owned by the caller. The request is copied: `req`
/// may be changed or freed at once. Returns NULL with session_last_error set when `s` or
/// `req` is NULL or the worker cannot start. A request that cannot be sent (bad URL)
/// gives a future that is already done with that error.
#[no_mangle]
pub unsafe extern "C" fn session_send_async(s: *mut session_t, req: *const session_request_t) -> *mut session_future_t {
    submit(s, req, None)
}

/// As session_send_async, and calls `on_done(user_data)` once when the request finishes
/// (also when cancelled or when the session is freed first; not after session_future_free),
/// just before the future becomes ready. It runs on the session's worker thread (or on the
/// thread that cancels), must not block for long and must not free the session.
/// `on_done` NULL is SESSION_E_INVALID_ARGUMENT (returns NULL).
#[no_mangle]
pub unsafe extern "C" fn session_send_async_cb(s: *mut session_t, req: *const session_request_t, on_done: session_done_fn, user_data: *mut c_void) -> *mut session_future_t {
    match on_done {
        Some(function) => submit(s, req, Some(Callback { function, user_data })),
        None => {
            set_last_error(&Error::invalid("on_done is NULL"));
            std::ptr::null_mut()
        }
    }
}

/// Waits at most `timeout_ms` (-1: forever, 0: don't wait) for the future and returns its
/// response, owned by the caller (free with session_response_free). The response is handed
/// out once: later calls return NULL. NULL also on timeout, for a NULL future (last error
/// set) or a timeout below -1 (SESSION_E_INVALID_ARGUMENT).
#[no_mangle]
pub unsafe extern "C" fn session_future_wait(f: *mut session_future_t, timeout_ms: c_long) -> *mut session_response_t {
    guard(std::ptr::null_mut, || {
        let waited = ref_arg(f, "future").and_then(|future| {
            let timeout = match timeout_ms {
                -1 => None,
                ms if ms < -1 => return Err(Error::invalid("timeout_ms is below -1")),
                ms => Some(Duration::from_millis(ms as u64)),
            };
            Ok(future.state.wait(timeout))
        });
        match waited {
            Ok(Some(response)) => into_c(response),
            Ok(None) => std::ptr::null_mut(),
            Err(err) => {
                set_last_error(&err);
                std::ptr::null_mut()
            }
        }
    })
}

/// Whether the future is done (its response may already have been taken). false for NULL.
#[no_mangle]
pub unsafe extern "C" fn session_future_ready(f: *const session_future_t) -> bool {
    guard(|| false, || f.as_ref().is_some_and(|f| f.state.is_done()))
}

/// Cancels the request unless it is done: its response then carries SESSION_E_CANCELLED
/// (take it with session_future_wait). The transfer stops soon after. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_future_cancel(f: *mut session_future_t) {
    guard(|| (), || if let Some(f) = f.as_ref() {
        f.state.cancel()
    })
}

/// Frees a future; a request still running is dropped (its on_done is not called) and an
/// unclaimed response is freed. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn session_future_free(f: *mut session_future_t) {
    if let Some(future) = f.as_ref() {
        guard(|| (), || future.state.release());
    }
    free_box(f)
}

/// A file descriptor that is readable while a finished future of this session has not had
/// its response taken (by session_future_wait or session_future_free): add it to epoll,
/// poll, libuv or GLib, then check session_future_ready / wait with timeout 0. Do not read,
/// write or close it; it lives as long as the session and its futures. Returns -1 with
/// session_last_error set when `s` is NULL or no descriptor can be made.
#[no_mangle]
pub unsafe extern "C" fn session_completion_fd(s: *mut session_t) -> c_int {
    guard(|| -1, || match ref_arg(s, "session").and_then(|s| s.background.completion_fd()) {
        Ok(fd) => fd,
        Err(err) => {
            set_last_error(&err);
            -1
        }
    })
}

/// Caps connections: at most `per_host` to one host and `total` in all per connection lane
/// (a thread's blocking requests, one batch, or the async worker), and at most `total`
/// lanes at once (threads beyond it wait for one). Requests beyond a limit wait, they never
/// fail. 0 means no limit. Defaults: per_host 10, total 100; while per_host is the default,
/// a session_send_all batch may open up to its width (at most `total`) to one host, as raw
/// libcurl's multi interface would; once set here, per_host holds for batches too. Idle
/// connections are closed; requests in flight keep the limits they started with.
#[no_mangle]
pub unsafe extern "C" fn session_set_pool_limits(s: *mut session_t, per_host: usize, total: usize) -> session_code {
    guard_code(|| {
        let pool = &ref_arg(s, "session")?.pool;
        pool.set_limits(Limits { per_host, total, per_host_set: true, ..pool.limits() });
        Ok(())
    })
}

/// Closes pooled connections idle for longer than `ms` milliseconds instead of reusing
/// them (libcurl's CURLOPT_MAXAGE_CONN; default 118000). 0 is SESSION_E_INVALID_ARGUMENT,
/// as is a negative value.
#[no_mangle]
pub unsafe extern "C" fn session_set_pool_idle_timeout_ms(s: *mut session_t, ms: c_long) -> session_code {
    guard_code(|| {
        let pool = &ref_arg(s, "session")?.pool;
        let idle_timeout = timeout_from_ms(ms, "idle timeout")?.ok_or_else(|| Error::invalid("idle timeout is 0"))?;
        pool.set_limits(Limits { idle_timeout, ..pool.limits() });
        Ok(())
    })
}

