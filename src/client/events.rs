//! Following an event stream (the EventSource reconnection rules): a stream that ends or
//! fails is requested again with Last-Event-ID after the server's retry delay, bounded by
//! the session's retry total and the request's total deadline.

use crate::request::Request;
use crate::response::Response;
use crate::session::Session;
use crate::transfer::callbacks::{session_event_t, EventCallback};
use crate::transfer::{Destination, UserData};
use std::ffi::{c_int, c_void, CStr};
use std::time::{Duration, Instant};

/// The reconnection delay when the stream set none (the HTML standard leaves it to the
/// user agent; browsers use about 3 s).
pub const DEFAULT_RETRY: Duration = Duration::from_secs(3);

/// What the trampoline keeps between events.
struct Follow {
    user: EventCallback,
    last_id: Option<String>,
    retry: Option<u64>,
    stopped: bool,
}

unsafe extern "C" fn trampoline(event: *const session_event_t, userdata: *mut c_void) -> c_int {
    // SAFETY: `userdata` is the Follow of the send running on this thread; `event` is valid
    // for the call.
    let (follow, ev) = unsafe { (&mut *(userdata as *mut Follow), &*event) };
    let id = unsafe { CStr::from_ptr(ev.id) }.to_string_lossy();
    follow.last_id = (!id.is_empty()).then(|| id.into_owned());
    follow.retry = u64::try_from(ev.retry_ms).ok();
    let rc = unsafe { (follow.user.func)(event, follow.user.userdata.0) };
    follow.stopped = rc != 0;
    rc
}

/// Sends `request` with `callback` as its event callback until the callback ends the
/// stream, the server refuses it (a status other than 2xx, or 204), a failure that a retry
/// cannot mend, the retries run out, or the deadline would pass. The last response.
pub fn follow(session: &Session, request: &Request, callback: EventCallback) -> Response {
    let settings = session.settings();
    let started = Instant::now();
    let deadline = request.timeout.unwrap_or(settings.total_timeout).map(|t| started + t);
    let mut state = Follow { user: callback, last_id: None, retry: None, stopped: false };
    let mut reconnects = 0;
    loop {
        let mut hop = request.clone();
        let userdata = UserData(&mut state as *mut Follow as *mut c_void);
        hop.transfer.destination = Destination::Events(EventCallback { func: trampoline, userdata });
        if let Some(id) = state.last_id.as_deref() {
            if let Err(err) = hop.set_header("Last-Event-ID", Some(id)) {
                return Response::failed(err, &request.url);
            }
        }
        if let Some(deadline) = deadline {
            hop.timeout = Some(Some(deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1))));
        }
        let response = super::send(session, &hop);
        let refused = response.error.is_none() && !(200..300).contains(&response.status) || response.status == 204;
        let lasting = response.error.as_ref().is_none_or(|e| reconnectable(e.code));
        let wait = state.retry.map_or(DEFAULT_RETRY, Duration::from_millis);
        let late = deadline.is_some_and(|d| Instant::now() + wait >= d);
        if state.stopped || refused || !lasting || late || reconnects >= settings.retry.total {
            return response;
        }
        reconnects += 1;
        std::thread::sleep(wait);
    }
}

/// Failures after which a new request may succeed: the network's and the stream's end.
fn reconnectable(code: crate::error::Code) -> bool {
    use crate::error::Code::*;
    matches!(code, SESSION_E_CONNECT | SESSION_E_TIMEOUT | SESSION_E_DECODE | SESSION_E_RESOLVE)
}
