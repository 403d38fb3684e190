//! Error codes, their static strings, the crate's error type and the per-thread last error.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::fmt;

/// Result codes. Values are fixed and only ever appended to.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum session_code {
    /// Success.
    SESSION_OK = 0,
    /// NULL, bad UTF-8, CR/LF/NUL in a header, bad option value.
    SESSION_E_INVALID_ARGUMENT = 1,
    /// Unparsable URL, missing scheme, unsupported scheme.
    SESSION_E_INVALID_URL = 2,
    /// DNS failure.
    SESSION_E_RESOLVE = 3,
    /// Connection refused, reset or unreachable.
    SESSION_E_CONNECT = 4,
    /// Connect or total deadline passed.
    SESSION_E_TIMEOUT = 5,
    /// TLS handshake or certificate verification failed.
    SESSION_E_TLS = 6,
    /// More redirects than the configured maximum.
    SESSION_E_TOO_MANY_REDIRECTS = 7,
    /// Proxy failure.
    SESSION_E_PROXY = 8,
    /// Body or headers over the configured limit.
    SESSION_E_TOO_LARGE = 9,
    /// Content decoding failed, bad chunking, truncated body.
    SESSION_E_DECODE = 10,
    /// A local file could not be read or written.
    SESSION_E_IO = 11,
    /// Cancelled by the caller.
    SESSION_E_CANCELLED = 12,
    /// Only from session_response_raise_for_status: the status is 4xx or 5xx.
    SESSION_E_HTTP_STATUS = 13,
    /// Out of memory.
    SESSION_E_OUT_OF_MEMORY = 14,
    /// Internal error (a bug in libsession, e.g. a caught panic).
    SESSION_E_INTERNAL = 15,
    /// Replay PLAYBACK found no recorded exchange matching the request (session_set_replay).
    SESSION_E_NOT_RECORDED = 16,
    /// A WebSocket upgrade was answered with a status other than 101; the answer is
    /// given as a response (session_ws_connect_response).
    SESSION_E_UPGRADE_REFUSED = 17,
    /// SESSION_CACHE_ONLY_IF_CACHED found no stored response for the request (session_set_cache).
    SESSION_E_NOT_CACHED = 18,
}

pub use session_code as Code;

impl Code {
    /// Every code in value order; `ALL[i] as i32 == i`.
    pub const ALL: [Code; 19] = [
        Code::SESSION_OK,
        Code::SESSION_E_INVALID_ARGUMENT,
        Code::SESSION_E_INVALID_URL,
        Code::SESSION_E_RESOLVE,
        Code::SESSION_E_CONNECT,
        Code::SESSION_E_TIMEOUT,
        Code::SESSION_E_TLS,
        Code::SESSION_E_TOO_MANY_REDIRECTS,
        Code::SESSION_E_PROXY,
        Code::SESSION_E_TOO_LARGE,
        Code::SESSION_E_DECODE,
        Code::SESSION_E_IO,
        Code::SESSION_E_CANCELLED,
        Code::SESSION_E_HTTP_STATUS,
        Code::SESSION_E_OUT_OF_MEMORY,
        Code::SESSION_E_INTERNAL,
        Code::SESSION_E_NOT_RECORDED,
        Code::SESSION_E_UPGRADE_REFUSED,
        Code::SESSION_E_NOT_CACHED,
    ];

    /// The code with this numeric value, if there is one.
    pub fn from_raw(raw: i64) -> Option<Code> {
        usize::try_from(raw).ok().and_then(|i| Code::ALL.get(i).copied())
    }

    /// The static, NUL-terminated description of this code.
    pub fn description(self) -> &'static CStr {
        match self {
            Code::SESSION_OK => c"no error",
            Code::SESSION_E_INVALID_ARGUMENT => c"invalid argument",
            Code::SESSION_E_INVALID_URL => c"invalid URL",
            Code::SESSION_E_RESOLVE => c"could not resolve host",
            Code::SESSION_E_CONNECT => c"could not connect",
            Code::SESSION_E_TIMEOUT => c"timed out",
            Code::SESSION_E_TLS => c"TLS handshake or certificate verification failed",
            Code::SESSION_E_TOO_MANY_REDIRECTS => c"too many redirects",
            Code::SESSION_E_PROXY => c"proxy error",
            Code::SESSION_E_TOO_LARGE => c"response too large",
            Code::SESSION_E_DECODE => c"could not decode response",
            Code::SESSION_E_IO => c"local file input/output error",
            Code::SESSION_E_CANCELLED => c"cancelled",
            Code::SESSION_E_HTTP_STATUS => c"HTTP status indicates an error",
            Code::SESSION_E_OUT_OF_MEMORY => c"out of memory",
            Code::SESSION_E_INTERNAL => c"internal error",
            Code::SESSION_E_NOT_RECORDED => c"no recorded exchange matches the request",
            Code::SESSION_E_UPGRADE_REFUSED => c"the server refused the WebSocket upgrade",
            Code::SESSION_E_NOT_CACHED => c"no stored response answers the request",
        }
    }
}

/// A failure: a code, a human-readable detail and, for a transport failure, its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
    /// What libcurl reported, when the failure came from it. The code was chosen from this,
    /// never from the message text.
    pub source: Option<Source>,
}

/// The source of a transport failure, as libcurl reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source {
    /// The CURLcode.
    pub curl_code: u32,
    /// The OS error of a failed socket operation (CURLINFO_OS_ERRNO), 0 when none.
    pub os_errno: i32,
    /// OpenSSL's certificate verification result (CURLINFO_SSL_VERIFYRESULT), 0 when none.
    pub tls_verify: i64,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), source: None }
    }
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(Code::SESSION_E_INVALID_ARGUMENT, message)
    }
    pub fn invalid_url(message: impl Into<String>) -> Error {
        Error::new(Code::SESSION_E_INVALID_URL, message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

/// Records `err` as this thread's last error.
pub fn set_last_error(err: &Error) {
    let text = format!("{}: {}", err.code.description().to_string_lossy(), err.message);
    let text = CString::new(text.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = text);
}

/// Pointer to this thread's last error text; valid until the next failure on this thread.
pub fn last_error_ptr() -> *const c_char {
    LAST_ERROR.with(|slot| slot.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_have_text() {
        for (i, code) in Code::ALL.iter().enumerate() {
            assert_eq!(*code as usize, i);
            assert_eq!(Code::from_raw(i as i64), Some(*code));
            assert!(!code.description().to_bytes().is_empty());
        }
        assert_eq!(Code::from_raw(-1), None);
        assert_eq!(Code::from_raw(Code::ALL.len() as i64), None);
    }
}
