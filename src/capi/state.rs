//! Session state that lasts, from C: HSTS (RFC 6797), redirect safety (sensitive headers,
//! https-only) and the one-file save and restore of cookies and HSTS entries.
//! The rules and the file format are in docs/state.md.

use crate::capi::session::session_t;
use crate::error::{session_code, Error, Result};
use crate::ffi::{guard, guard_code, opt_str_arg, path_arg, ref_arg, str_arg};
use crate::hsts::{normalize_host, now_secs};
use crate::state::{read_file, write_file, StateFile, STATE_VERSION};
use std::ffi::c_char;

unsafe fn update(s: *const session_t, change: impl FnOnce(&mut crate::settings::Settings) -> Result<()>) -> session_code {
    guard_code(|| ref_arg(s, "session")?.update(change))
}

/// Turns HSTS on (the default) or off. While on, `Strict-Transport-Security` is taken from
/// https responses whose certificate was verified (never over http, never for IP literals),
/// and before every hop an `http://` URL of a known host is rewritten to `https://` (port
/// 80 becomes 443, another explicit port is kept), before cookies and credentials are
/// chosen; a known host is always verified, whatever session_set_verify says. Off, the
/// table is kept but neither used nor fed.
#[no_mangle]
pub unsafe extern "C" fn session_set_hsts(s: *mut session_t, enabled: bool) -> session_code {
    update(s, |settings| {
        settings.hsts = enabled;
        Ok(())
    })
}

/// Adds (or replaces) an HSTS entry for `host`, valid for `max_age_s` seconds from now (0
/// removes the host's entry), covering its subdomains too when `include_subdomains`.
/// SESSION_E_INVALID_ARGUMENT for NULL, an IP literal, a public suffix ("com", "co.uk"), a
/// name that is not a host name, or a negative max age. The table holds at most 10,000
/// hosts; the least recently used is dropped first.
#[no_mangle]
pub unsafe extern "C" fn session_hsts_add(s: *mut session_t, host: *const c_char, max_age_s: i64, include_subdomains: bool) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let host = normalize_host(str_arg(host, "HSTS host")?)?;
        if max_age_s < 0 {
            return Err(Error::invalid("HSTS max age is negative"));
        }
        let mut table = session.hsts();
        match max_age_s {
            0 => table.remove(&host),
            age => table.insert(&host, now_secs().saturating_add(age), include_subdomains),
        }
        Ok(())
    })
}

/// Removes every HSTS entry (learned, added or loaded).
#[no_mangle]
pub unsafe extern "C" fn session_hsts_clear(s: *mut session_t) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.hsts().clear();
        Ok(())
    })
}

/// Whether `host` is HTTPS-only now: an unexpired entry of its own, or of a parent domain
/// with includeSubDomains. False for NULL, IP literals and unknown hosts (whether HSTS is
/// on or off: this reads the table).
#[no_mangle]
pub unsafe extern "C" fn session_hsts_lookup(s: *mut session_t, host: *const c_char) -> bool {
    guard(
        || false,
        || {
            let (Ok(session), Ok(host)) = (ref_arg(s, "session"), str_arg(host, "HSTS host")) else {
                return false;
            };
            match url::Host::parse(host) {
                Ok(url::Host::Domain(name)) => session.hsts().lookup(name.strip_suffix('.').unwrap_or(&name)),
                _ => false,
            }
        },
    )
}

/// Names headers that carry credentials besides Authorization, comma-separated
/// ("X-Api-Key, X-Auth-Token"); `comma_separated_names` NULL or "" means none (the
/// default). On a redirect to another
/// origin (host, scheme or port; also https to http on the same host) they are removed, as
/// Authorization is, and stay removed for the rest of the redirect chain. Their values are
/// redacted in the debug trace. A name that is not an HTTP token is
/// SESSION_E_INVALID_ARGUMENT. Replaces the previous list.
#[no_mangle]
pub unsafe extern "C" fn session_set_sensitive_headers(s: *mut session_t, comma_separated_names: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let list = opt_str_arg(comma_separated_names, "sensitive header names")?.unwrap_or("");
        let mut names: Vec<String> = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            crate::headers::validate(name, None)?;
            let lower = name.to_ascii_lowercase();
            if !names.contains(&lower) {
                names.push(lower);
            }
        }
        session.update(|settings| {
            settings.sensitive_headers = names.into();
            Ok(())
        })
    })
}

/// When on, a request or a redirect to plain `http://` fails with SESSION_E_INVALID_URL
/// before anything is sent (after the HSTS upgrade, so known hosts still work). Off by
/// default, as in requests; then an https to http redirect still drops Authorization and the
/// sensitive headers, even on the same host.
#[no_mangle]
pub unsafe extern "C" fn session_set_https_only(s: *mut session_t, enabled: bool) -> session_code {
    update(s, |settings| {
        settings.https_only = enabled;
        Ok(())
    })
}

/// Saves the session's state to the file at `path`: every unexpired cookie (session cookies
/// included, with their creation order) and every unexpired HSTS entry, in the versioned
/// JSON format of docs/state.md. The write is atomic (a temp file in the same folder,
/// fsync, rename, fsync of the folder) with mode 0600; an existing file is left as it was
/// on failure. Safe during traffic from other threads. Errors: SESSION_E_INVALID_ARGUMENT
/// (NULL or empty path), SESSION_E_IO.
#[no_mangle]
pub unsafe extern "C" fn session_save(s: *mut session_t, path: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let path = path_arg(path, "state file path")?;
        let cookies = session.jar().snapshot();
        let hsts = session.hsts().snapshot();
        let state = StateFile { libsession_state: STATE_VERSION, saved_at: now_secs(), cookies, hsts };
        write_file(path, &state)
    })
}

/// Merges the state file at `path` (written by session_save) into the session: its cookies
/// replace those of the same domain, path and name; its HSTS entries replace those of the
/// same host. All or nothing: on any error the session is left exactly as it was.
/// Errors: SESSION_E_IO (missing or unreadable; or writable by group or others, since a
/// secret-bearing file anyone can rewrite is an injection point), SESSION_E_TOO_LARGE (over
/// 64 MiB), SESSION_E_DECODE (truncated, corrupt, another format version, or an entry the
/// cookie or HSTS policy refuses), SESSION_E_INVALID_ARGUMENT (NULL or empty path).
#[no_mangle]
pub unsafe extern "C" fn session_load(s: *mut session_t, path: *const c_char) -> session_code {
    guard_code(|| {
        let session = ref_arg(s, "session")?;
        let state = read_file(path_arg(path, "state file path")?)?;
        // Both locks are held while merging, so no request sees half of the file.
        let mut jar = session.jar();
        let mut hsts = session.hsts();
        jar.merge(&state.cookies);
        for entry in &state.hsts {
            hsts.insert(&entry.host, entry.expires, entry.include_subdomains);
        }
        Ok(())
    })
}
