use crate::capi::session::session_t;
use crate::error::session_code;
use crate::ffi::{guard_code, ref_arg};

/// Caps the response header bytes of one transfer (status lines, 1xx responses and CRLFs
/// included) at `bytes`; default 262144 (256 KiB). 0 leaves only libcurl's own limit
/// (300 KiB). Over the cap, or over 1,000 header lines (fixed), the request fails with
/// SESSION_E_TOO_LARGE and the connection is closed. SESSION_E_INVALID_ARGUMENT for NULL.
#[no_mangle]
pub unsafe extern "C" fn session_set_max_header_bytes(
    s: *mut session_t,
    bytes: usize,
) -> session_code {
    guard_code(|| {
        ref_arg(s, "session")?.update(|settings| {
            settings.max_header_bytes = bytes;
            Ok(())
        })
    })
}
