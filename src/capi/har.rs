//! HAR export and record/replay (docs/har-replay.md): the session's exchange layers.

use super::session::{layers, session_t};
use crate::error::{session_code, Error};
use crate::ffi::{guard_code, opt_str_arg, path_arg, ref_arg};
use crate::replay::{Cassette, Mode};
use std::ffi::{c_char, c_int};
use std::sync::Arc;

/// How session_set_replay uses its file.
#[allow(non_camel_case_types)]
pub type session_replay_mode = c_int;
/// No replay: requests go to the network (the file, if any, is closed).
pub const SESSION_REPLAY_OFF: session_replay_mode = 0;
/// Send for real and write every exchange to the file (a new file: an existing one is
/// replaced).
pub const SESSION_REPLAY_RECORD: session_replay_mode = 1;
/// Never touch the network: answer every hop from the file; a hop it does not hold fails
/// with SESSION_E_NOT_RECORDED.
pub const SESSION_REPLAY_PLAYBACK: session_replay_mode = 2;
/// Answer what the file holds, send and append what it does not (the file need not exist).
pub const SESSION_REPLAY_AUTO: session_replay_mode = 3;

/// Records every exchange the session makes from now on (every redirect hop and retry, in
/// blocking sends, batches and async requests) to the file at `path` as HAR 1.2; the file is
/// created or replaced. NULL stops recording. The file is complete, valid JSON after each
/// entry. Secrets are redacted and bodies capped at 1 MiB unless session_set_har_options
/// says otherwise. Errors: SESSION_E_IO (the file cannot be created; the previous log, if
/// any, goes on), SESSION_E_INVALID_ARGUMENT (NULL session, empty path).
#[no_mangle]
pub unsafe extern "C" fn session_set_har_log(s: *mut session_t, path_or_null: *const c_char) -> session_code {
    layers(s, |layers| {
        let writer = match path_or_null.is_null() {
            true => None,
            false => Some(Arc::new(crate::har::Writer::create(path_arg(path_or_null, "HAR path")?, &[])?)),
        };
        layers.update(|active| {
            active.har = writer;
            Ok(())
        })
    })
}

/// What the HAR log's entries hold, for the current log and later ones: `redact` false
/// writes Authorization, Proxy-Authorization, Cookie and Set-Cookie values and URL userinfo
/// as they were (default true); `bodies` false leaves bodies out (default true);
/// `max_body_bytes` cuts each body after that many bytes, with a comment saying so (default
/// 1 MiB; 0 for no cap).
#[no_mangle]
pub unsafe extern "C" fn session_set_har_options(s: *mut session_t, redact: bool, bodies: bool, max_body_bytes: u64) -> session_code {
    layers(s, |layers| {
        layers.update(|active| {
            let policy = &mut active.har_policy;
            policy.redact = redact;
            policy.redact_set_cookie = redact;
            policy.bodies = bodies;
            policy.max_body = (max_body_bytes != 0).then(|| usize::try_from(max_body_bytes).unwrap_or(usize::MAX));
            Ok(())
        })
    })
}

/// Makes sure everything written to the HAR log (and to a recording replay file) is on
/// disk. The files are complete after every entry anyway. Errors: SESSION_E_IO when a
/// write to one of them failed.
#[no_mangle]
pub unsafe extern "C" fn session_har_flush(s: *mut session_t) -> session_code {
    guard_code(|| ref_arg(s, "session")?.wire.flush())
}

/// Records or replays the session's exchanges with the HAR file at `path` (see
/// session_replay_mode). Playback stands in for the network only: redirects, the jar,
/// retries, hooks and limits run on the recorded responses as they do live. Requests are
/// matched by method, URL (query parameters in any order) and body; identical requests are
/// answered in recorded order, the last one again when they run out. `path` may be NULL
/// with SESSION_REPLAY_OFF. Errors: SESSION_E_DECODE (the file is not valid HAR, or an
/// entry lacks request.method, request.url or response.status: nothing changes),
/// SESSION_E_IO (unreadable or unwritable file), SESSION_E_INVALID_ARGUMENT (NULL, bad mode).
#[no_mangle]
pub unsafe extern "C" fn session_set_replay(s: *mut session_t, path: *const c_char, mode: session_replay_mode) -> session_code {
    layers(s, |layers| {
        let mode = Mode::from_raw(mode as i64).ok_or_else(|| Error::invalid(format!("replay mode {mode} is not a session_replay_mode")))?;
        let cassette = match mode {
            Mode::Off => None,
            _ => Some(Arc::new(Cassette::open(path_arg(path, "replay path")?, mode)?)),
        };
        layers.update(|active| {
            active.replay = cassette;
            Ok(())
        })
    })
}

/// How replay matches a request to a recorded exchange, besides method, URL (query order
/// aside) and body. `match_headers` (NULL or "" for none): request headers that must be
/// equal too, comma-separated, "*" for all. `ignore_headers` (NULL or "" for none): those
/// left out of "*". `ignore_params` (NULL or "" for none): query parameters left out of the
/// URL (a timestamp, a nonce). All three none is the default. Authorization,
/// Proxy-Authorization and Cookie are never compared (cassettes hold them redacted). The
/// lists are copied and apply to requests sent from now on. CR, LF or NUL in a name is
/// SESSION_E_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn session_set_replay_matching(
    s: *mut session_t,
    match_headers: *const c_char,
    ignore_headers: *const c_char,
    ignore_params: *const c_char,
) -> session_code {
    guard_code(|| {
        let rules = crate::settings::ReplayMatch::from_lists(
            opt_str_arg(match_headers, "match_headers")?,
            opt_str_arg(ignore_headers, "ignore_headers")?,
            opt_str_arg(ignore_params, "ignore_params")?,
        )?;
        ref_arg(s, "session")?.update(|settings| {
            settings.replay_match = Arc::new(rules);
            Ok(())
        })
    })
}
