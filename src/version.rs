//! Version numbers; the macros in the header are checked against Cargo.toml by a test.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

/// Major version of libsession.
pub const SESSION_VERSION_MAJOR: u32 = 0;
/// Minor version of libsession.
pub const SESSION_VERSION_MINOR: u32 = 1;
/// Patch version of libsession.
pub const SESSION_VERSION_PATCH: u32 = 0;

pub const USER_AGENT: &str = concat!("libsession/", env!("CARGO_PKG_VERSION"));

/// "libsession X.Y.Z (libcurl A.B.C)", built once.
pub fn version_ptr() -> *const c_char {
    static TEXT: OnceLock<CString> = OnceLock::new();
    TEXT.get_or_init(|| {
        let curl = curl::Version::get();
        CString::new(format!("libsession {} (libcurl {})", env!("CARGO_PKG_VERSION"), curl.version()))
            .unwrap_or_default()
    })
    .as_ptr()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_match_cargo_version() {
        let numbers = format!("{SESSION_VERSION_MAJOR}.{SESSION_VERSION_MINOR}.{SESSION_VERSION_PATCH}");
        assert_eq!(numbers, env!("CARGO_PKG_VERSION"));
    }
}
